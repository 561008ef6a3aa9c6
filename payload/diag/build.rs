//! Build script: on Windows targets, links a version resource (the workspace version) into
//! SsprDiag.exe, so the MSI's File table carries its version and language.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    sspr_version_resource::VersionResource {
        file_description:
            "SsprWindowsLogon diagnostics (prerequisites of password reset at sign-in)",
        original_filename: "SsprDiag.exe",
    }
    .link_into_bins();
}
