//! Build script: links the floor DLL with the same page-sized file alignment as the credential
//! provider (payload/credential-provider/build.rs), so the benchmark compares like with like.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        println!("cargo:rustc-link-arg-cdylib=-Wl,--file-alignment=0x1000");
    }
}
