//! The steps of a sandboxed launch, in the order `windows::start_sandboxed_owned_by` takes them,
//! and what a failure of each means. One list for the code (each step's errors carry its name)
//! and for the tests (the `fault-injection` build fails each in turn).

/// The variable the `fault-injection` build reads: a step's name there makes that step fail
/// (the provider's COM fault points read the same variable).
pub use sspr_identity::FAULT_POINT_VARIABLE;

/// Creating the job object.
pub const JOB_CREATE: &str = "sandbox:job-create";
/// Setting the job's limits (one active process, kill on close).
pub const JOB_LIMITS: &str = "sandbox:job-limits";
/// Setting the job's UI restrictions.
pub const JOB_UI_LIMITS: &str = "sandbox:job-ui-limits";
/// Granting the job the owner's window (only when there is an owner).
pub const OWNER_WINDOW: &str = "sandbox:owner-window";
/// Making the per-launch SID.
pub const LAUNCH_SID: &str = "sandbox:launch-sid";
/// The new-credentials logon session the token is cut from.
pub const LOGON_SESSION: &str = "sandbox:logon-session";
/// Opening our own token instead (only when the logon session failed).
pub const OWN_TOKEN: &str = "sandbox:own-token";
/// Cutting the restricted token.
pub const RESTRICTED_TOKEN: &str = "sandbox:restricted-token";
/// The launch SID's ACEs on the window station and desktop.
pub const WINDOW_GRANT: &str = "sandbox:window-grant";
/// Making the output file inheritable (only with an output file).
pub const INHERIT_OUTPUT: &str = "sandbox:inherit-output";
/// The attribute list naming the one handle the child inherits (only with an output file).
pub const HANDLE_LIST: &str = "sandbox:handle-list";
/// Creating the process, suspended.
pub const CREATE_PROCESS: &str = "sandbox:create-process";
/// Putting the suspended process into the job.
pub const ASSIGN_JOB: &str = "sandbox:assign-job";
/// Letting it run.
pub const RESUME: &str = "sandbox:resume";
/// Reading the started process's token back (for the provider's log).
pub const READ_BACK: &str = "sandbox:read-back";

/// What a step's failure does to the launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// The launch fails with the step's error; what earlier steps made is undone (a suspended
    /// process is terminated), and nothing runs.
    NothingStarts,
    /// The launch goes on and says so (`Sandboxed::notes`, or the token read back as an
    /// error): the logon session's fallback leaves the token in this process's session, which
    /// the host's own check refuses; a token not read back only leaves the log without it.
    Noted,
}

/// One step and what its failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaunchStep {
    /// The step's name (its errors start with it).
    pub name: &'static str,
    /// What a failure does.
    pub on_failure: OnFailure,
}

const fn fatal(name: &'static str) -> LaunchStep {
    LaunchStep {
        name,
        on_failure: OnFailure::NothingStarts,
    }
}

const fn noted(name: &'static str) -> LaunchStep {
    LaunchStep {
        name,
        on_failure: OnFailure::Noted,
    }
}

/// Every step, in the order a launch takes them.
pub const LAUNCH_STEPS: [LaunchStep; 15] = [
    fatal(JOB_CREATE),
    fatal(JOB_LIMITS),
    fatal(JOB_UI_LIMITS),
    fatal(OWNER_WINDOW),
    fatal(LAUNCH_SID),
    noted(LOGON_SESSION),
    fatal(OWN_TOKEN),
    fatal(RESTRICTED_TOKEN),
    fatal(WINDOW_GRANT),
    fatal(INHERIT_OUTPUT),
    fatal(HANDLE_LIST),
    fatal(CREATE_PROCESS),
    fatal(ASSIGN_JOB),
    fatal(RESUME),
    noted(READ_BACK),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The Windows code that takes the steps.
    const SOURCES: [&str; 2] = [
        include_str!("windows/launch.rs"),
        include_str!("windows/job.rs"),
    ];

    /// Each constant's name in the source (`JOB_CREATE` for `sandbox:job-create`).
    fn constant(name: &str) -> String {
        name.trim_start_matches("sandbox:")
            .replace('-', "_")
            .to_uppercase()
    }

    #[test]
    fn every_step_is_named_once_and_failed_in_the_code_that_takes_it() {
        let mut names: Vec<&str> = LAUNCH_STEPS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LAUNCH_STEPS.len());
        for step in LAUNCH_STEPS {
            assert!(step.name.starts_with("sandbox:"), "{}", step.name);
            // Each step has a fault point (`fault::step(NAME)`) where it is taken.
            let point = format!("fault::step({})", constant(step.name));
            let found = SOURCES
                .iter()
                .map(|s| s.matches(&point).count())
                .sum::<usize>();
            assert_eq!(found, 1, "{point}");
        }
    }

    #[test]
    fn only_the_logon_session_and_the_read_back_let_the_launch_go_on() {
        let noted: Vec<&str> = LAUNCH_STEPS
            .iter()
            .filter(|s| s.on_failure == OnFailure::Noted)
            .map(|s| s.name)
            .collect();
        assert_eq!(noted, [LOGON_SESSION, READ_BACK]);
        // The process is created before it is put in the job and resumed, in that order.
        let position = |name| LAUNCH_STEPS.iter().position(|s| s.name == name);
        assert!(position(CREATE_PROCESS) < position(ASSIGN_JOB));
        assert!(position(ASSIGN_JOB) < position(RESUME));
        assert!(position(RESUME) < position(READ_BACK));
    }
}
