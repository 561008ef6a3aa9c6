//! A launch step's failure ([`LaunchError`]: the step's name and Windows' error) and its fault
//! point: with the `fault-injection` feature (test builds only, through the provider's feature),
//! [`step`] fails the step named by [`crate::FAULT_POINT_VARIABLE`] as if Windows had refused it. The
//! shipped build has no such code: [`step`] is then an empty inline function that reads nothing.

use windows::Win32::Foundation::E_FAIL;

#[cfg(feature = "fault-injection")]
use crate::FAULT_POINT_VARIABLE;

/// A launch step that failed, and why.
#[derive(Debug)]
pub struct LaunchError {
    /// The step (one of [`crate::LAUNCH_STEPS`]).
    pub step: &'static str,
    /// Windows' error (the HRESULT the provider answers).
    pub error: windows_core::Error,
    /// What went wrong, as logged.
    pub message: String,
}

impl LaunchError {
    /// `error` as the failure of `step`.
    pub fn new(step: &'static str, error: windows_core::Error) -> Self {
        Self {
            step,
            message: error.to_string(),
            error,
        }
    }

    /// A failure of `step` Windows gave no error code for (`E_FAIL`).
    pub fn without_code(step: &'static str, message: String) -> Self {
        Self {
            step,
            error: E_FAIL.into(),
            message,
        }
    }
}

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.step, self.message)
    }
}

/// `map_err` for a step's Windows call.
pub fn at(step: &'static str) -> impl FnOnce(windows_core::Error) -> LaunchError {
    move |error| LaunchError::new(step, error)
}

/// Fails `step` (`E_FAIL`) when [`crate::FAULT_POINT_VARIABLE`] names it.
#[cfg(feature = "fault-injection")]
pub fn step(step: &'static str) -> Result<(), LaunchError> {
    if std::env::var(FAULT_POINT_VARIABLE).is_ok_and(|wanted| wanted == step) {
        Err(LaunchError::without_code(
            step,
            format!("fault injected in {step}"),
        ))
    } else {
        Ok(())
    }
}

/// Always `Ok`: the shipped build has no fault injection.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn step(_step: &'static str) -> Result<(), LaunchError> {
    Ok(())
}
