//! placeholder until the probe lands
fn main() {}
