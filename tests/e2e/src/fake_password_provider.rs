//! The probe package's stand-in for Windows' inbox password provider
//! (`sspr_fake_password_provider.dll`, built beside `sspr-com-probe.exe`), registered in a test
//! prefix at the inbox CLSID `{60b78e88-...}`. Wine has no password provider, so without it only
//! the provider's fallback tile can run; with it, the wrapping mode runs for real.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::machine::Machine;
use crate::registry::RegValue;
use crate::wine::WinePrefix;

/// The inbox password provider's class key, as a test prefix gets it.
pub const PASSWORD_PROVIDER_CLSID_KEY: &str =
    r"HKLM\Software\Classes\CLSID\{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}";

/// The fake's file name, as `cargo build -p sspr-com-probe` writes it.
pub const FAKE_DLL: &str = "sspr_fake_password_provider.dll";

/// The fake's two users (see the probe package): `alice` types a name into a Windows 7 style
/// tile, `bob` has a Windows 8 style tile whose SID is BUILTIN\Administrators.
pub const BOB_SID: &str = "S-1-5-32-544";

/// `SSPR_FAKE_PROVIDER` values that make the fake fail at one step.
pub const FAIL_SCENARIO: &str = "fail-scenario";
pub const FAIL_FIELDS: &str = "fail-fields";

/// Where the fake is copied in the prefix (outside the product's folder, like Windows' own).
const INSTALL_DIR: &str = r"C:\SsprTest";

/// The fake DLL beside the probe `exe`.
pub fn beside(probe: &Path) -> anyhow::Result<PathBuf> {
    let dll = probe
        .parent()
        .context("the probe has no folder")?
        .join(FAKE_DLL);
    anyhow::ensure!(
        dll.is_file(),
        "{} does not exist: `cargo xtask test` builds it with the probe (tests/com-probe)",
        dll.display()
    );
    Ok(dll)
}

impl WinePrefix {
    /// Copies the fake beside `probe` into the prefix and registers it at the inbox CLSID, in
    /// the prefix's native view.
    pub fn register_fake_password_provider(&self, probe: &Path) -> anyhow::Result<()> {
        let source = beside(probe)?;
        let folder = self.drive_c().join("SsprTest");
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        std::fs::copy(&source, folder.join(FAKE_DLL))
            .with_context(|| format!("copying {}", source.display()))?;
        let key = format!(r"{PASSWORD_PROVIDER_CLSID_KEY}\InprocServer32");
        let view = self.native_view();
        let dll = format!(r"{INSTALL_DIR}\{FAKE_DLL}");
        self.wine(["reg", "add", &key, "/ve", "/d", &dll, "/f", view.switch()])?
            .success("reg add of the fake password provider")?;
        self.reg_add(&key, "ThreadingModel", &RegValue::sz("Apartment"), view)?;
        Ok(())
    }

    /// Removes the fake's registration (the prefix is as Wine made it again).
    pub fn unregister_fake_password_provider(&self) -> anyhow::Result<()> {
        self.wine([
            "reg",
            "delete",
            PASSWORD_PROVIDER_CLSID_KEY,
            "/f",
            self.native_view().switch(),
        ])?
        .success("reg delete of the fake password provider")?;
        Ok(())
    }
}

/// The stand-in registered by [`register_on`], and the keys that registration had to make.
#[derive(Debug)]
pub struct FakeRegistration {
    /// Parents of the listing that did not exist before (deepest last); Windows always has them.
    created_parents: Vec<String>,
}

/// [`WinePrefix::register_fake_password_provider`] on any [`Machine`] (the native runner's,
/// where Windows' own provider is absent: under Wine), also listed under LogonUI's credential
/// providers as Windows lists its own. Copies the fake into `C:\SsprTest`.
pub fn register_on(machine: &dyn Machine, probe: &Path) -> anyhow::Result<FakeRegistration> {
    let source = beside(probe)?;
    let view = machine.native_view();
    // `...\Authentication` and `...\Authentication\Credential Providers`, parent first.
    let authentication = crate::PROVIDERS_KEY
        .rsplit_once('\\')
        .map_or(crate::PROVIDERS_KEY, |(parent, _)| parent);
    let mut created_parents = Vec::new();
    for parent in [authentication, crate::PROVIDERS_KEY] {
        if machine.reg_query(parent, view)?.is_none() {
            created_parents.push(parent.to_owned());
        }
    }
    let folder = machine.host_path(INSTALL_DIR)?;
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    std::fs::copy(&source, folder.join(FAKE_DLL))
        .with_context(|| format!("copying {}", source.display()))?;
    let key = format!(r"{PASSWORD_PROVIDER_CLSID_KEY}\InprocServer32");
    let dll = format!(r"{INSTALL_DIR}\{FAKE_DLL}");
    machine.reg_add(&key, "", &RegValue::Sz(dll), view)?;
    machine.reg_add(&key, "ThreadingModel", &RegValue::sz("Apartment"), view)?;
    machine.reg_add(&listing_key(), "", &RegValue::sz("PasswordProvider"), view)?;
    Ok(FakeRegistration { created_parents })
}

/// The stand-in's entry under LogonUI's provider list.
fn listing_key() -> String {
    format!(
        r"{}\{}",
        crate::PROVIDERS_KEY,
        sspr_identity::PASSWORD_PROVIDER_CLSID
    )
}

/// Undoes [`register_on`]: the class key, the listing, the parents it made, the copied DLL.
pub fn unregister_on(machine: &dyn Machine, registration: FakeRegistration) -> anyhow::Result<()> {
    let view = machine.native_view();
    machine.reg_delete_key(PASSWORD_PROVIDER_CLSID_KEY, view)?;
    machine.reg_delete_key(&listing_key(), view)?;
    for parent in registration.created_parents.iter().rev() {
        if machine.reg_query(parent, view)?.is_some() {
            machine.reg_delete_key(parent, view)?;
        }
    }
    let folder = machine.host_path(INSTALL_DIR)?;
    std::fs::remove_dir_all(&folder).with_context(|| format!("removing {}", folder.display()))
}
