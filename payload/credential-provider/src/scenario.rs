//! Which usage scenarios the provider takes part in: logon and unlock, nothing else.

/// `CREDENTIAL_PROVIDER_USAGE_SCENARIO` values, as the Windows SDK numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageScenario {
    Invalid,
    Logon,
    UnlockWorkstation,
    ChangePassword,
    CredUi,
    PlapLogon,
    Other(i32),
}

impl UsageScenario {
    pub fn from_raw(raw: i32) -> Self {
        match raw {
            0 => Self::Invalid,
            1 => Self::Logon,
            2 => Self::UnlockWorkstation,
            3 => Self::ChangePassword,
            4 => Self::CredUi,
            5 => Self::PlapLogon,
            other => Self::Other(other),
        }
    }

    /// Reset is offered where a user is stuck at the sign-in or lock screen; CredUI, change
    /// password and pre-logon access are answered with `E_NOTIMPL`.
    pub fn is_supported(self) -> bool {
        matches!(self, Self::Logon | Self::UnlockWorkstation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_logon_and_unlock_are_supported() {
        let supported: Vec<i32> = (0..8)
            .filter(|raw| UsageScenario::from_raw(*raw).is_supported())
            .collect();
        assert_eq!(supported, vec![1, 2]);
    }

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(UsageScenario::from_raw(42), UsageScenario::Other(42));
    }
}
