//! `session.remote`: Microsoft's "How to: Enable password reset from the Windows login screen" says reset is not supported from Remote Desktop or Hyper-V
//! enhanced sessions.

use super::Context;
use crate::machine::starts_with_ignore_case;
use crate::report::{CheckBuilder, CheckResult};

pub const ID: &str = "session.remote";

pub fn remote(ctx: &Context<'_>) -> CheckResult {
    let mut check = CheckBuilder::new(ID, "Remote session");
    check.look("GetSystemMetrics(SM_REMOTESESSION)");
    check.look("%SESSIONNAME%");
    let session = ctx.machine.session();
    check.found(format!(
        "SM_REMOTESESSION: {}",
        if session.remote {
            "remote"
        } else {
            "not remote"
        }
    ));
    check.found(format!(
        "SESSIONNAME: {}",
        session.session_name.as_deref().unwrap_or("not set")
    ));
    let rdp_name = session
        .session_name
        .as_deref()
        .is_some_and(|name| starts_with_ignore_case(name, "RDP-"));
    if session.remote || rdp_name {
        return check.warn(
            "This is a remote session: reset at the sign-in screen is not supported over Remote Desktop or Hyper-V enhanced sessions (Microsoft's \"How to: Enable password reset from the Windows login screen\"), so the link is not shown there",
            "Nothing to repair here: the link works at the console (and in Hyper-V basic sessions). Users who connect remotely reset their password in a browser at https://aka.ms/sspr.",
        );
    }
    check.pass("Console session")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::run;
    use crate::fixture::FakeMachine;
    use crate::machine::SessionInfo;
    use crate::report::Status;

    #[test]
    fn console_passes_remote_warns() {
        let result = run(&FakeMachine::windows7(), remote);
        assert_eq!(
            (result.status, result.summary.as_str()),
            (Status::Pass, "Console session")
        );
        assert_eq!(
            result.found,
            ["SM_REMOTESESSION: not remote", "SESSIONNAME: Console"]
        );

        let mut machine = FakeMachine::windows7();
        machine.session = SessionInfo {
            remote: true,
            session_name: Some("RDP-Tcp#3".into()),
        };
        assert_eq!(run(&machine, remote).status, Status::Warn);

        machine.session = SessionInfo {
            remote: false,
            session_name: Some("RDP-Tcp#3".into()),
        };
        assert_eq!(run(&machine, remote).status, Status::Warn);
    }
}
