//! Progress lines (issue 10): drawn on stderr only when it is a terminal and the
//! output is not JSON, cleared before the report; a pipe never sees them. The
//! terminal is util-linux `script`'s pseudo-terminal.

use std::process::{Command, Output};

const MODEL: &str = "models/dataworks-mysql-to-maxcompute.toml";
const CLEAR: &str = "\r\x1b[2K";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_schedsim")
}

fn piped(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

/// Runs schedsim with stdout and stderr on a pseudo-terminal; what the terminal got.
fn on_a_terminal(args: &[&str]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let line = std::iter::once(bin())
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("util-linux `script` runs (it gives the test a terminal)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The progress lines drawn, in order.
fn draws(transcript: &str) -> Vec<&str> {
    transcript
        .split(CLEAR)
        .skip(1)
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn explore_on_a_terminal_shows_done_total_rate_and_time_left_then_clears_it() {
    let t = on_a_terminal(&["explore", MODEL, "--cases", "40", "--threads", "1"]);
    let drawn = draws(&t);
    let first = drawn
        .first()
        .unwrap_or_else(|| panic!("no progress: {t:?}"));
    assert!(first.starts_with("1/40 cases  "), "{first:?}");
    assert!(first.contains("/s  about "), "{first:?}");
    // The last progress line is erased, and the report starts on a clean line.
    let last_clear = t.rfind(CLEAR).unwrap();
    let after = &t[last_clear + CLEAR.len()..];
    assert!(after.starts_with("properties: "), "{after:?}");
    assert!(
        !after.contains(" cases  "),
        "a progress line after the clear"
    );
}

#[test]
fn explore_in_json_mode_on_a_terminal_is_silent() {
    let t = on_a_terminal(&[
        "explore",
        MODEL,
        "--cases",
        "40",
        "--threads",
        "1",
        "--format",
        "json",
    ]);
    assert!(!t.contains('\x1b'), "{t:?}");
    assert!(t.trim_start().starts_with('{'), "{t:?}");
}

#[test]
fn explore_and_whatif_and_test_are_silent_when_stderr_is_not_a_terminal() {
    let runs = [
        piped(&["explore", MODEL, "--cases", "40", "--threads", "1"]),
        piped(&[
            "whatif",
            MODEL,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-02",
            "--vary",
            "groups=1,2",
        ]),
        piped(&["test", "models"]),
    ];
    for out in runs {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
        for unit in [" cases", " variants", " models"] {
            assert!(!err.contains(unit), "{err:?}");
        }
    }
}

#[test]
fn whatif_on_a_terminal_counts_variants_and_clears_before_the_table() {
    let t = on_a_terminal(&[
        "whatif",
        MODEL,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-02",
        "--vary",
        "groups=1,2",
    ]);
    let drawn = draws(&t);
    assert!(drawn.iter().any(|d| d.starts_with("2/2 variants")), "{t:?}");
    let after = &t[t.rfind(CLEAR).unwrap() + CLEAR.len()..];
    // The table (after the line naming its base) follows the cleared progress line.
    assert!(after.starts_with("base: a fresh backfill"), "{after:?}");
    assert!(after.contains("\ngroups "), "{after:?}");
}
