//! `benches/pairs.sh`, the script the README's ratios against the floor and the SimPy
//! peer are measured with: its ratio is A's time over B's, pair by pair, and a
//! command line it cannot use is refused.

use std::process::Command;

fn pairs(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pairs.sh"))
        .args(args)
        .output()
        .expect("bash runs")
}

/// The median of a row's three figures (min, median, max).
fn median(out: &str, row: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(row))
        .unwrap_or_else(|| panic!("no row {row:?} in:\n{out}"));
    line[row.len()..]
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_command_twice_as_long_reads_as_a_ratio_of_two() {
    let out = pairs(&["-n", "3", "-w", "0", "sleep 0.2", "sleep 0.1"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("(3 pairs; A: sleep 0.2; B: sleep 0.1)"),
        "{text}"
    );
    let (a, b) = (median(&text, "A wall s"), median(&text, "B wall s"));
    assert!((0.2..0.3).contains(&a) && (0.1..0.2).contains(&b), "{text}");
    let ratio = median(&text, "A/B wall");
    assert!((1.5..2.1).contains(&ratio), "{text}");
    let inverse = median(&text, "B/A wall");
    assert!((0.47..0.67).contains(&inverse), "{text}");
    // Sleeping takes no CPU time.
    assert!(median(&text, "A cpu s") < 0.05, "{text}");
}

#[test]
fn a_failing_command_or_a_missing_one_is_refused() {
    let out = pairs(&["-n", "1", "-w", "0", "false", "true"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed: false"));
    let out = pairs(&["only-one"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
}
