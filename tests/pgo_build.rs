//! `tools/pgo-build.sh`, the opt-in profile-guided build (README, Performance). Its
//! whole run takes two release builds, so the suite checks what it decides before
//! building: an `llvm-profdata` that is not there stops it with exit 2, a message that
//! says how to get one, and nothing built.

use std::process::Command;

#[test]
fn a_missing_llvm_profdata_is_refused_before_anything_is_built() {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/pgo-build.sh"))
        .env("LLVM_PROFDATA", "/nonexistent/llvm-profdata")
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no llvm-profdata at /nonexistent/llvm-profdata")
            && err.contains("llvm-tools")
            && err.contains("LLVM_PROFDATA"),
        "{err}"
    );
    // The first step announces itself: it never started.
    assert!(!err.contains("1/4"), "{err}");
    assert!(out.stdout.is_empty(), "{out:?}");
}
