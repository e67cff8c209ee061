//! What many integration tests share to run the `schedsim` binary and read what it
//! prints: each includes it with `#[path = "support/bin.rs"] mod bin;`.

// Each test binary includes this module and uses only a subset of its helpers.
#![allow(dead_code)]

use std::process::{Command, Output};

pub fn schedsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
