//! `network.portal` (only with `--network`): a bounded TLS 1.2 handshake with each host the reset
//! window needs on port 443, through the WinHTTP machine proxy when one is set.

use super::{proxy, Context};
use crate::proxy_settings;
use crate::report::{CheckBuilder, CheckResult, Status};
use crate::tls_probe::{self, Endpoint};

pub const ID: &str = "network.portal";

/// The hosts Microsoft's "How to: Enable password reset from the Windows login screen" names (port 443): the reset portal, and the CDN its page loads scripts
/// from (listed for Windows 10; the same page loads it on every Windows).
pub const RESET_HOST: &str = "passwordreset.microsoftonline.com";
pub const CDN_HOST: &str = "ajax.aspnetcdn.com";

/// `host` and port of an `https://` URL.
pub fn endpoint_of(url: &str) -> Option<Endpoint> {
    let rest = url.trim();
    let rest = if crate::machine::starts_with_ignore_case(rest, "https://") {
        &rest[8..]
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:8443`.
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            match after.strip_prefix(':') {
                Some(port) => (host, port.parse().ok()?),
                None if after.is_empty() => (host, 443),
                None => return None,
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, port.parse().ok()?),
            None => (authority, 443),
        },
    };
    (!host.is_empty()).then(|| Endpoint {
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// The hosts to try, the configured portal first, without repeats.
pub fn targets(portal_url: &str) -> Vec<Endpoint> {
    let mut targets: Vec<Endpoint> = Vec::new();
    let fixed = [RESET_HOST, CDN_HOST].map(|host| Endpoint {
        host: host.to_owned(),
        port: 443,
    });
    for endpoint in endpoint_of(portal_url).into_iter().chain(fixed) {
        if !targets.contains(&endpoint) {
            targets.push(endpoint);
        }
    }
    targets
}

pub fn portal(ctx: &Context<'_>) -> CheckResult {
    let mut check = CheckBuilder::new(ID, "TLS 1.2 connection to the reset portal (--network)");
    let targets = targets(&ctx.settings.portal_url.value);
    for target in &targets {
        check.look(format!("https://{target}"));
    }
    check.look(format!("HKLM\\{}\\WinHttpSettings", proxy::CONNECTIONS));
    if !ctx.options.network {
        return check.skip(format!(
            "Not run: add --network to try a TLS 1.2 handshake with {}",
            targets
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let winhttp = proxy::winhttp_proxy(ctx.machine).and_then(Result::ok);
    let proxy_server = winhttp
        .as_ref()
        .and_then(|s| s.proxy_server().map(str::to_owned))
        .and_then(|p| proxy_settings::https_proxy(&p));
    let bypass = winhttp
        .as_ref()
        .map(|s| s.bypass.clone())
        .unwrap_or_default();

    let mut failed_required = Vec::new();
    let mut failed_cdn = Vec::new();
    for target in &targets {
        let via = proxy_server
            .as_ref()
            .filter(|_| !proxy_settings::bypassed(&bypass, &target.host))
            .map(|(host, port)| Endpoint {
                host: host.clone(),
                port: *port,
            });
        let route = via
            .as_ref()
            .map_or(String::new(), |p| format!(" via proxy {p}"));
        match tls_probe::probe(target, via.as_ref(), ctx.options.network_step_timeout) {
            Ok(handshake) if handshake.version == 0x0303 => check.found(format!(
                "{target}{route}: TLS 1.2 accepted ({}) in {} ms",
                tls_probe::cipher_name(handshake.cipher_suite),
                handshake.elapsed.as_millis()
            )),
            Ok(handshake) => {
                check.found(format!(
                    "{target}{route}: the server answered with protocol version 0x{:04X}, not TLS 1.2",
                    handshake.version
                ));
                if target.host == CDN_HOST {
                    &mut failed_cdn
                } else {
                    &mut failed_required
                }
                .push(target.to_string());
            }
            Err(why) => {
                check.found(format!("{target}{route}: {why}"));
                if target.host == CDN_HOST {
                    &mut failed_cdn
                } else {
                    &mut failed_required
                }
                .push(target.to_string());
            }
        }
    }
    let fix = "Open outbound port 443 to these hosts on every firewall and proxy on the way (Microsoft's \"How to: Enable password reset from the Windows login screen\" names passwordreset.microsoftonline.com, and ajax.aspnetcdn.com for Windows 10); if the network reaches the internet only through a proxy, set a machine-level one: netsh winhttp set proxy proxy-server=\"host:port\" bypass-list=\"<local>\".";
    let cdn_required = ctx.windows.family().is_windows_10_or_later();
    let status = if !failed_required.is_empty() || (cdn_required && !failed_cdn.is_empty()) {
        Status::Fail
    } else if !failed_cdn.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let failed: Vec<String> = failed_required.into_iter().chain(failed_cdn).collect();
    let summary = match status {
        Status::Pass => "TLS 1.2 handshake completed with every host".to_owned(),
        _ => format!("No TLS 1.2 handshake with {}", failed.join(", ")),
    };
    check.verdict(status, summary, Some(fix.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Context, Options};
    use crate::fixture::FakeMachine;
    use crate::machine::{RegKey, Value};
    use crate::tls_probe::test_server::{alert, serve_connections, server_hello};
    use std::time::Duration;

    #[test]
    fn portal_endpoints() {
        assert_eq!(
            endpoint_of("https://SSPR.contoso.test:8443/reset?x=1"),
            Some(Endpoint {
                host: "sspr.contoso.test".into(),
                port: 8443
            })
        );
        assert_eq!(
            endpoint_of("https://passwordreset.microsoftonline.com/"),
            Some(Endpoint {
                host: RESET_HOST.into(),
                port: 443
            })
        );
        assert_eq!(endpoint_of("http://x/"), None);
        assert_eq!(
            endpoint_of("https://[::1]:8443/x"),
            Some(Endpoint {
                host: "::1".into(),
                port: 8443
            })
        );
        assert_eq!(
            endpoint_of("https://user@[fe80::1]"),
            Some(Endpoint {
                host: "fe80::1".into(),
                port: 443
            })
        );
        assert_eq!(endpoint_of("https://host:notaport/"), None);
        assert_eq!(
            targets("https://passwordreset.microsoftonline.com/")
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>(),
            [
                "passwordreset.microsoftonline.com:443",
                "ajax.aspnetcdn.com:443"
            ]
        );
    }

    #[test]
    fn skipped_without_network_flag() {
        let machine = FakeMachine::windows7();
        let ctx = Context::new(&machine, Options::default());
        let result = portal(&ctx);
        assert_eq!(result.status, Status::Skip);
        assert_eq!(
            result.summary,
            "Not run: add --network to try a TLS 1.2 handshake with passwordreset.microsoftonline.com:443, ajax.aspnetcdn.com:443"
        );
    }

    const TUNNEL: &[u8] = b"HTTP/1.1 200 Connection established\r\n\r\n";
    const BAD_GATEWAY: &[u8] = b"HTTP/1.1 502 Bad Gateway\r\n\r\n";

    /// A machine whose WinHTTP proxy is a local test server answering one connection per
    /// target: nothing leaves 127.0.0.1.
    fn with_local_proxy(
        conversations: Vec<Vec<Vec<u8>>>,
    ) -> (FakeMachine, std::thread::JoinHandle<Vec<Vec<u8>>>) {
        let (endpoint, server) = serve_connections(conversations, Duration::ZERO);
        let blob = proxy_settings::encode(
            &proxy_settings::ConnectionSettings {
                flags: 3,
                proxy: endpoint.to_string(),
                bypass: "<local>".into(),
                auto_config_url: String::new(),
            },
            0x28,
        );
        let machine = FakeMachine::windows7().with_value(
            &RegKey::hklm(proxy::CONNECTIONS),
            "WinHttpSettings",
            Value::Binary(blob),
        );
        (machine, server)
    }

    fn run_network(machine: &FakeMachine) -> CheckResult {
        let ctx = Context::new(
            machine,
            Options {
                network: true,
                network_step_timeout: Duration::from_secs(5),
            },
        );
        portal(&ctx)
    }

    #[test]
    fn pass_when_every_host_answers_tls_1_2() {
        let (machine, server) = with_local_proxy(vec![
            vec![TUNNEL.to_vec(), server_hello(0x0303, 0xC02F)],
            vec![TUNNEL.to_vec(), server_hello(0x0303, 0xC030)],
        ]);
        let result = run_network(&machine);
        let received = server.join().unwrap();
        assert_eq!(result.status, Status::Pass);
        assert_eq!(
            result.summary,
            "TLS 1.2 handshake completed with every host"
        );
        assert!(result.found[0]
            .starts_with("passwordreset.microsoftonline.com:443 via proxy 127.0.0.1:"));
        assert!(result.found[0].contains(": TLS 1.2 accepted (ECDHE-RSA-AES128-GCM-SHA256) in "));
        assert!(result.found[1].contains(": TLS 1.2 accepted (ECDHE-RSA-AES256-GCM-SHA384) in "));
        assert!(String::from_utf8_lossy(&received[2])
            .starts_with("CONNECT ajax.aspnetcdn.com:443 HTTP/1.1"));
    }

    #[test]
    fn fail_when_the_portal_refuses_tls_1_2() {
        let (machine, server) = with_local_proxy(vec![
            vec![TUNNEL.to_vec(), alert(70)],
            vec![TUNNEL.to_vec(), server_hello(0x0303, 0xC02F)],
        ]);
        let result = run_network(&machine);
        server.join().unwrap();
        assert_eq!(result.status, Status::Fail);
        assert!(result.found[0].ends_with(
            ": the server refused the TLS 1.2 handshake with alert 70 (protocol_version)"
        ));
        assert_eq!(
            result.summary,
            "No TLS 1.2 handshake with passwordreset.microsoftonline.com:443"
        );
    }

    #[test]
    fn cdn_failure_warns_on_windows_7_and_fails_on_windows_10() {
        let conversations = || {
            vec![
                vec![TUNNEL.to_vec(), server_hello(0x0303, 0xC02F)],
                vec![BAD_GATEWAY.to_vec()],
            ]
        };
        let (machine, server) = with_local_proxy(conversations());
        let result = run_network(&machine);
        server.join().unwrap();
        assert_eq!(result.status, Status::Warn);
        assert_eq!(
            result.summary,
            "No TLS 1.2 handshake with ajax.aspnetcdn.com:443"
        );
        assert!(result.found[1].starts_with("ajax.aspnetcdn.com:443 via proxy 127.0.0.1:"));
        assert!(
            result.found[1].ends_with(": the proxy refused the tunnel: HTTP/1.1 502 Bad Gateway")
        );

        let (machine, server) = with_local_proxy(conversations());
        let machine = machine.with_os(10, 0, 19045, 0);
        let result = run_network(&machine);
        server.join().unwrap();
        assert_eq!(result.status, Status::Fail);
    }
}
