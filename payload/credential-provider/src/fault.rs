//! Fault injection for the end-to-end tests: with the `fault-injection` cargo feature, a COM
//! method panics when the environment variable [`FAULT_POINT_VARIABLE`] names it, so a test can
//! prove that every entry point's guard turns a panic into `E_UNEXPECTED`; and a step of the
//! provider's own work (starting the reset host, `com/host_launch.rs`) fails as if Windows had
//! refused it when the variable names that step, so a test can prove nothing starts without it.
//!
//! The shipped DLL is built without the feature: [`point`] and [`step`] are then empty inline
//! functions and nothing reads the variable.

/// The variable a test sets to a method name such as `ICredentialProvider::GetCredentialCount`
/// or a step such as `host-launch:admin-only` (or `sandbox:assign-job`, which `sspr_sandbox` reads).
pub use sspr_identity::FAULT_POINT_VARIABLE;

/// Whether this build can inject faults (the e2e suite checks the shipped DLL says no).
pub const ENABLED: bool = cfg!(feature = "fault-injection");

#[cfg(feature = "fault-injection")]
fn named(name: &str) -> bool {
    std::env::var(FAULT_POINT_VARIABLE).is_ok_and(|wanted| wanted == name)
}

/// Panics when fault injection is compiled in and [`FAULT_POINT_VARIABLE`] equals `method`.
#[cfg(feature = "fault-injection")]
#[allow(clippy::panic)] // The whole point: a deliberate panic for the guard to catch.
pub fn point(method: &str) {
    if named(method) {
        panic!("fault injected in {method}");
    }
}

/// Does nothing: the shipped DLL has no fault injection.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_method: &str) {}

/// `Err` (the line the step's failure logs) when fault injection is compiled in and
/// [`FAULT_POINT_VARIABLE`] equals `step`; the caller handles it as the step's real failure.
#[cfg(feature = "fault-injection")]
pub fn step(step: &str) -> Result<(), String> {
    if named(step) {
        Err(format!("fault injected in {step}"))
    } else {
        Ok(())
    }
}

/// Always `Ok`: the shipped DLL has no fault injection.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn step(_step: &str) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build without the feature (the shipped one) never faults, even with the variable
    /// naming the method or step; the build with it faults exactly where named. Run both:
    /// `cargo test -p sspr-credential-provider fault` with and without `--features
    /// fault-injection`.
    #[test]
    fn only_the_fault_injection_build_faults_and_only_where_told() {
        // Names no real method or step: other tests running meanwhile pass real ones.
        let method = "ITest::FaultPoint";
        let named_step = "test:fault-step";
        std::env::set_var(FAULT_POINT_VARIABLE, method);
        let named = std::panic::catch_unwind(|| point(method));
        let other = std::panic::catch_unwind(|| point("ITest::OtherPoint"));
        let step_while_a_method_is_named = step(named_step);
        std::env::set_var(FAULT_POINT_VARIABLE, named_step);
        let stepped = step(named_step);
        let other_step = step("test:other-step");
        std::env::remove_var(FAULT_POINT_VARIABLE);
        let unnamed = step(named_step);

        #[cfg(feature = "fault-injection")]
        {
            assert!(named.is_err());
            assert_eq!(stepped, Err("fault injected in test:fault-step".to_owned()));
        }
        #[cfg(not(feature = "fault-injection"))]
        {
            assert!(named.is_ok());
            assert_eq!(stepped, Ok(()));
        }
        assert!(other.is_ok());
        assert_eq!(step_while_a_method_is_named, Ok(()));
        assert_eq!(other_step, Ok(()));
        assert_eq!(unnamed, Ok(()));
    }
}
