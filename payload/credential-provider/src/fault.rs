//! Fault injection for the end-to-end tests: with the `fault-injection` cargo feature, a COM
//! method panics when the environment variable [`FAULT_POINT_VARIABLE`] names it, so a test can
//! prove that every entry point's guard turns a panic into `E_UNEXPECTED`.
//!
//! The shipped DLL is built without the feature: [`point`] is then an empty inline function and
//! nothing reads the variable.

/// The variable a test sets to a method name such as `ICredentialProvider::GetCredentialCount`.
pub const FAULT_POINT_VARIABLE: &str = "SSPR_FAULT_POINT";

/// Whether this build can inject faults (the e2e suite checks the shipped DLL says no).
pub const ENABLED: bool = cfg!(feature = "fault-injection");

/// Panics when fault injection is compiled in and [`FAULT_POINT_VARIABLE`] equals `method`.
#[cfg(feature = "fault-injection")]
#[allow(clippy::panic)] // The whole point: a deliberate panic for the guard to catch.
pub fn point(method: &str) {
    if std::env::var(FAULT_POINT_VARIABLE).is_ok_and(|wanted| wanted == method) {
        panic!("fault injected in {method}");
    }
}

/// Does nothing: the shipped DLL has no fault injection.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_method: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build without the feature (the shipped one) never faults, even with the variable
    /// naming the method; the build with it faults exactly for the method named.
    #[test]
    fn only_the_fault_injection_build_faults_and_only_where_told() {
        // Names no real method: other tests running meanwhile pass real ones to `point`.
        let method = "ITest::FaultPoint";
        std::env::set_var(FAULT_POINT_VARIABLE, method);
        let named = std::panic::catch_unwind(|| point(method));
        let other = std::panic::catch_unwind(|| point("ITest::OtherPoint"));
        std::env::remove_var(FAULT_POINT_VARIABLE);
        assert_eq!(named.is_err(), cfg!(feature = "fault-injection"));
        assert!(other.is_ok());
    }
}
