//! Build script: on Windows targets, links a version resource (the workspace version) into
//! SsprResetHost.exe, so the MSI's File table carries its version and language.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    sspr_version_resource::VersionResource {
        file_description: "SsprWindowsLogon password reset window",
        original_filename: "SsprResetHost.exe",
    }
    .link_into_bins();
}
