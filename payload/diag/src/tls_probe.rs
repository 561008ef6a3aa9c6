//! A bounded TLS 1.2 handshake probe over `std::net`: resolve, connect (directly or through an
//! HTTP proxy with `CONNECT`), send a TLS 1.2 ClientHello, and read the ServerHello or alert.
//!
//! It proves that port 443 is open and that the server agrees to TLS 1.2. It does not check the
//! certificate, and it runs over Winsock, not SCHANNEL: the `tls.*` checks cover the local
//! TLS configuration. Every step has a timeout; name resolution runs on a helper thread because
//! `getaddrinfo` has none.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// `0x0303` for TLS 1.2.
    pub version: u16,
    pub cipher_suite: u16,
    pub elapsed: Duration,
}

/// Why the probe failed, in words for the report.
pub type ProbeError = String;

/// Cipher suites Windows 7 SP1's SCHANNEL offers for TLS 1.2 (and 8.1's, and later ones').
const CIPHER_SUITES: [u16; 14] = [
    0xC02C, 0xC02B, 0xC030, 0xC02F, 0xC024, 0xC023, 0xC028, 0xC027, 0xC014, 0xC013, 0x009D, 0x009C,
    0x003D, 0x003C,
];

/// The cipher suite's IANA name, for the report.
pub fn cipher_name(suite: u16) -> String {
    let name = match suite {
        0xC02C => "ECDHE-ECDSA-AES256-GCM-SHA384",
        0xC02B => "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC030 => "ECDHE-RSA-AES256-GCM-SHA384",
        0xC02F => "ECDHE-RSA-AES128-GCM-SHA256",
        0xC024 => "ECDHE-ECDSA-AES256-SHA384",
        0xC023 => "ECDHE-ECDSA-AES128-SHA256",
        0xC028 => "ECDHE-RSA-AES256-SHA384",
        0xC027 => "ECDHE-RSA-AES128-SHA256",
        0xC014 => "ECDHE-RSA-AES256-SHA",
        0xC013 => "ECDHE-RSA-AES128-SHA",
        0x009D => "RSA-AES256-GCM-SHA384",
        0x009C => "RSA-AES128-GCM-SHA256",
        0x003D => "RSA-AES256-SHA256",
        0x003C => "RSA-AES128-SHA256",
        _ => return format!("0x{suite:04X}"),
    };
    name.to_owned()
}

fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Appends `body` with a big-endian length prefix of `width` bytes (1, 2 or 3).
fn push_with_length(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[4 - width..]);
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    push_u16(out, kind);
    push_with_length(out, 2, body);
}

/// A TLS 1.2 ClientHello record; `random` is the client random, `host` goes into SNI unless it
/// is an IP address (RFC 6066 forbids those there).
pub fn client_hello(host: &str, random: [u8; 32]) -> Vec<u8> {
    let mut hello = Vec::new();
    push_u16(&mut hello, 0x0303);
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    let mut suites = Vec::new();
    for suite in CIPHER_SUITES {
        push_u16(&mut suites, suite);
    }
    push_u16(&mut suites, 0x00FF); // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    push_with_length(&mut hello, 2, &suites);
    hello.extend_from_slice(&[1, 0]); // compression: null only

    let mut extensions = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() {
        let mut name = vec![0u8]; // host_name
        push_with_length(&mut name, 2, host.as_bytes());
        let mut list = Vec::new();
        push_with_length(&mut list, 2, &name);
        extension(&mut extensions, 0x0000, &list);
    }
    let mut groups = Vec::new();
    for group in [0x001Du16, 0x0017, 0x0018] {
        push_u16(&mut groups, group);
    }
    let mut body = Vec::new();
    push_with_length(&mut body, 2, &groups);
    extension(&mut extensions, 0x000A, &body);
    extension(&mut extensions, 0x000B, &[1, 0]);
    let mut algorithms = Vec::new();
    for algorithm in [
        0x0401u16, 0x0403, 0x0501, 0x0503, 0x0804, 0x0805, 0x0201, 0x0203,
    ] {
        push_u16(&mut algorithms, algorithm);
    }
    let mut body = Vec::new();
    push_with_length(&mut body, 2, &algorithms);
    extension(&mut extensions, 0x000D, &body);
    extension(&mut extensions, 0xFF01, &[0]);
    push_with_length(&mut hello, 2, &extensions);

    let mut handshake = vec![1u8]; // client_hello
    push_with_length(&mut handshake, 3, &hello);
    let mut record = vec![22u8]; // handshake
    push_u16(&mut record, 0x0301); // record version as browsers send it
    push_with_length(&mut record, 2, &handshake);
    record
}

fn alert_name(code: u8) -> &'static str {
    match code {
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        112 => "unrecognized_name",
        _ => "alert",
    }
}

/// Reads exactly `buf.len()` bytes or says why not.
fn read_exact(
    stream: &mut TcpStream,
    buf: &mut [u8],
    what: &str,
    timeout: Duration,
) -> Result<(), ProbeError> {
    stream.read_exact(buf).map_err(|error| match error.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("no {what} within {} s", timeout.as_secs_f64())
        }
        std::io::ErrorKind::UnexpectedEof => {
            format!("the server closed the connection before its {what}")
        }
        _ => format!("reading the {what}: {error}"),
    })
}

/// Reads records until the ServerHello (or an alert) and returns what it says.
pub fn read_server_hello(
    stream: &mut TcpStream,
    timeout: Duration,
) -> Result<(u16, u16), ProbeError> {
    let mut handshake = Vec::new();
    loop {
        let mut header = [0u8; 5];
        read_exact(stream, &mut header, "TLS answer", timeout)?;
        let length = u16::from_be_bytes([header[3], header[4]]) as usize;
        if length > 18_432 {
            return Err(format!("the answer is not TLS (record length {length})"));
        }
        let mut body = vec![0u8; length];
        read_exact(stream, &mut body, "TLS record", timeout)?;
        match header[0] {
            21 if body.len() >= 2 => {
                return Err(format!(
                    "the server refused the TLS 1.2 handshake with alert {} ({})",
                    body[1],
                    alert_name(body[1])
                ))
            }
            22 => handshake.extend_from_slice(&body),
            other => {
                return Err(format!(
                    "the answer is not a TLS handshake (record type {other})"
                ))
            }
        }
        if handshake.len() >= 4 {
            if handshake[0] != 2 {
                return Err(format!(
                    "expected a ServerHello, got handshake message {}",
                    handshake[0]
                ));
            }
            let length = u32::from_be_bytes([0, handshake[1], handshake[2], handshake[3]]) as usize;
            if handshake.len() >= 4 + length {
                let hello = &handshake[4..4 + length];
                let version =
                    u16::from_be_bytes([*hello.first().unwrap_or(&0), *hello.get(1).unwrap_or(&0)]);
                let session_len = *hello.get(34).ok_or("ServerHello too short")? as usize;
                let at = 35 + session_len;
                let suite = hello.get(at..at + 2).ok_or("ServerHello too short")?;
                return Ok((version, u16::from_be_bytes([suite[0], suite[1]])));
            }
        }
    }
}

/// Resolves `endpoint` on a helper thread, waiting at most `timeout`.
fn resolve(endpoint: &Endpoint, timeout: Duration) -> Result<Vec<SocketAddr>, ProbeError> {
    let (sender, receiver) = mpsc::channel();
    let target = (endpoint.host.clone(), endpoint.port);
    std::thread::Builder::new()
        .name("SsprDiag DNS".to_owned())
        .spawn(move || {
            let _ = sender.send(target.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
        })
        .map_err(|error| format!("starting the name lookup: {error}"))?;
    match receiver.recv_timeout(timeout) {
        Ok(Ok(addresses)) if !addresses.is_empty() => Ok(addresses),
        Ok(Ok(_)) => Err(format!("{} resolves to no address", endpoint.host)),
        Ok(Err(error)) => Err(format!("cannot resolve {}: {error}", endpoint.host)),
        Err(_) => Err(format!(
            "resolving {} took longer than {} s",
            endpoint.host,
            timeout.as_secs_f64()
        )),
    }
}

fn connect(endpoint: &Endpoint, timeout: Duration) -> Result<TcpStream, ProbeError> {
    let mut last = String::new();
    for address in resolve(endpoint, timeout)? {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(timeout))
                    .and_then(|()| stream.set_write_timeout(Some(timeout)))
                    .map_err(|error| format!("setting timeouts: {error}"))?;
                return Ok(stream);
            }
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                last = format!(
                    "connecting to {address} timed out after {} s",
                    timeout.as_secs_f64()
                )
            }
            Err(error) => last = format!("connecting to {address}: {error}"),
        }
    }
    Err(last)
}

/// Asks an HTTP proxy for a tunnel to `target`.
fn tunnel(stream: &mut TcpStream, target: &Endpoint, timeout: Duration) -> Result<(), ProbeError> {
    let request = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: SsprDiag/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|error| format!("sending CONNECT to the proxy: {error}"))?;
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() > 8192 {
            return Err("the proxy's answer to CONNECT is too long".to_owned());
        }
        read_exact(stream, &mut byte, "proxy answer", timeout)?;
        answer.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or("").trim().to_owned();
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if code == "200" {
        Ok(())
    } else {
        Err(format!("the proxy refused the tunnel: {status_line}"))
    }
}

/// Pseudo-random client random: unpredictability does not matter, the handshake stops at the
/// ServerHello.
fn client_random() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut random = [0u8; 32];
    for chunk in random.chunks_mut(8) {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    random
}

/// Connects to `target` (through `proxy` if given) and runs the handshake; every step waits at
/// most `step_timeout`.
pub fn probe(
    target: &Endpoint,
    proxy: Option<&Endpoint>,
    step_timeout: Duration,
) -> Result<Handshake, ProbeError> {
    let started = Instant::now();
    let mut stream = match proxy {
        Some(proxy) => {
            let mut stream =
                connect(proxy, step_timeout).map_err(|e| format!("proxy {proxy}: {e}"))?;
            tunnel(&mut stream, target, step_timeout)?;
            stream
        }
        None => connect(target, step_timeout)?,
    };
    stream
        .write_all(&client_hello(&target.host, client_random()))
        .map_err(|error| format!("sending the ClientHello: {error}"))?;
    let (version, cipher_suite) = read_server_hello(&mut stream, step_timeout)?;
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(Handshake {
        version,
        cipher_suite,
        elapsed: started.elapsed(),
    })
}

/// Test servers: a listener on 127.0.0.1 that answers one connection as told.
#[cfg(test)]
pub(crate) mod test_server {
    use super::*;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    /// A ServerHello record choosing `version` and `suite`.
    pub fn server_hello(version: u16, suite: u16) -> Vec<u8> {
        let mut hello = Vec::new();
        push_u16(&mut hello, version);
        hello.extend_from_slice(&[7u8; 32]);
        hello.push(0);
        push_u16(&mut hello, suite);
        hello.push(0);
        let mut handshake = vec![2u8];
        push_with_length(&mut handshake, 3, &hello);
        let mut record = vec![22u8];
        push_u16(&mut record, 0x0303);
        push_with_length(&mut record, 2, &handshake);
        record
    }

    pub fn alert(code: u8) -> Vec<u8> {
        vec![21, 3, 3, 0, 2, 2, code]
    }

    /// Listens on 127.0.0.1; the thread reads what the client sends first (up to the ClientHello
    /// or CONNECT request), answers `replies` in turn, and returns what it read.
    pub fn serve(replies: Vec<Vec<u8>>, hold: Duration) -> (Endpoint, JoinHandle<Vec<Vec<u8>>>) {
        serve_connections(vec![replies], hold)
    }

    /// Like [`serve`], for one connection after another, each with its own replies.
    pub fn serve_connections(
        conversations: Vec<Vec<Vec<u8>>>,
        hold: Duration,
    ) -> (Endpoint, JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let mut received = Vec::new();
            for replies in conversations {
                let (mut stream, _) = listener.accept().unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                for reply in replies {
                    let mut buf = vec![0u8; 4096];
                    let n = stream.read(&mut buf).unwrap_or(0);
                    received.push(buf[..n].to_vec());
                    stream.write_all(&reply).unwrap();
                }
                std::thread::sleep(hold);
            }
            received
        });
        (
            Endpoint {
                host: "127.0.0.1".into(),
                port,
            },
            handle,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_server::*;
    use super::*;

    const QUICK: Duration = Duration::from_millis(400);

    #[test]
    fn client_hello_is_well_formed() {
        let record = client_hello("passwordreset.microsoftonline.com", [0; 32]);
        assert_eq!(&record[..3], &[22, 3, 1]);
        assert_eq!(
            u16::from_be_bytes([record[3], record[4]]) as usize,
            record.len() - 5
        );
        assert_eq!(record[5], 1);
        assert_eq!(&record[9..11], &[3, 3]);
        let sni = b"passwordreset.microsoftonline.com";
        assert!(record.windows(sni.len()).any(|w| w == sni));
        let without_sni = client_hello("127.0.0.1", [0; 32]);
        assert!(!without_sni.windows(9).any(|w| w == b"127.0.0.1"));
    }

    #[test]
    fn tls_1_2_server_is_accepted() {
        let (endpoint, server) = serve(vec![server_hello(0x0303, 0xC02F)], Duration::ZERO);
        let handshake = probe(&endpoint, None, Duration::from_secs(5)).unwrap();
        assert_eq!(
            (handshake.version, handshake.cipher_suite),
            (0x0303, 0xC02F)
        );
        assert_eq!(
            cipher_name(handshake.cipher_suite),
            "ECDHE-RSA-AES128-GCM-SHA256"
        );
        let received = server.join().unwrap();
        assert_eq!(&received[0][..3], &[22, 3, 1]);
    }

    #[test]
    fn alert_and_garbage_are_errors() {
        let (endpoint, server) = serve(vec![alert(70)], Duration::ZERO);
        assert_eq!(
            probe(&endpoint, None, Duration::from_secs(5)).unwrap_err(),
            "the server refused the TLS 1.2 handshake with alert 70 (protocol_version)"
        );
        server.join().unwrap();
        let (endpoint, server) = serve(
            vec![b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()],
            Duration::ZERO,
        );
        assert_eq!(
            probe(&endpoint, None, Duration::from_secs(5)).unwrap_err(),
            "the answer is not TLS (record length 20527)"
        );
        server.join().unwrap();
    }

    #[test]
    fn silent_server_times_out() {
        // The server answers nothing and keeps the connection open for a second: only the read
        // timing out gives this message (the server closing would read end-of-stream, a
        // different error), so no clock is needed to tell the timeout fired.
        let (endpoint, server) = serve(vec![Vec::new()], Duration::from_secs(1));
        let error = probe(&endpoint, None, QUICK).unwrap_err();
        assert_eq!(error, "no TLS answer within 0.4 s");
        server.join().unwrap();
    }

    #[test]
    fn refused_connection_is_an_error() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let endpoint = Endpoint {
            host: "127.0.0.1".into(),
            port,
        };
        let error = probe(&endpoint, None, QUICK).unwrap_err();
        assert!(
            error.starts_with(&format!("connecting to 127.0.0.1:{port}: ")),
            "{error}"
        );
    }

    #[test]
    fn proxy_tunnel_then_handshake() {
        let (proxy, server) = serve(
            vec![
                b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec(),
                server_hello(0x0303, 0x009C),
            ],
            Duration::ZERO,
        );
        let target = Endpoint {
            host: "passwordreset.microsoftonline.com".into(),
            port: 443,
        };
        let handshake = probe(&target, Some(&proxy), Duration::from_secs(5)).unwrap();
        assert_eq!(handshake.cipher_suite, 0x009C);
        let received = server.join().unwrap();
        assert!(String::from_utf8_lossy(&received[0])
            .starts_with("CONNECT passwordreset.microsoftonline.com:443 HTTP/1.1\r\n"));

        let (proxy, server) = serve(
            vec![b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n".to_vec()],
            Duration::ZERO,
        );
        assert_eq!(
            probe(&target, Some(&proxy), Duration::from_secs(5)).unwrap_err(),
            "the proxy refused the tunnel: HTTP/1.1 407 Proxy Authentication Required"
        );
        server.join().unwrap();
    }
}
