//! `cargo xtask`: the project's build tasks. This file only dispatches; each verb is a module.

mod imports;

fn main() {}
