//! The command line people expect (issue 10): property definitions (`check --explain`
//! and docs/properties.md), `--version`, shell completions, `--color`, help text for
//! every flag, `scenarios`.

use std::process::{Command, Output};

use schedsim::observe::PROPERTIES;
use schedsim::observe::properties;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schedsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c
}

fn schedsim(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/properties.md");

/// docs/properties.md is generated from the definitions `--explain` prints; set
/// `SCHEDSIM_BLESS_DOCS=1` to write it again after changing them.
#[test]
fn the_properties_page_is_the_definitions_explain_prints() {
    let want = properties::markdown();
    if std::env::var_os("SCHEDSIM_BLESS_DOCS").is_some() {
        std::fs::write(DOCS, &want).unwrap();
    }
    let page = std::fs::read_to_string(DOCS).expect("docs/properties.md exists");
    assert!(
        page == want,
        "docs/properties.md differs from src/observe/properties.rs; run \
         `SCHEDSIM_BLESS_DOCS=1 cargo test --test cli_habits` and review the diff"
    );
    for name in PROPERTIES {
        let out = schedsim(&["check", "--explain", name]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let explained = text(&out.stdout);
        assert!(explained.starts_with(&format!("{name}\n")), "{explained}");
        assert!(
            page.contains(&format!("\n## {name}\n")),
            "{name} has a section"
        );
        // Each paragraph of the explanation is the page's, word for word.
        for (label, line) in [("Holds when:", 2), ("Witness:", 4), ("To fix:", 6)] {
            let para = explained.lines().nth(line).unwrap();
            let body = para.strip_prefix(label).expect(label).trim();
            assert!(body.len() > 20, "{name}: {label} is empty");
            assert!(
                page.contains(&format!("**{label}** {body}\n")),
                "{name}: `{label}` differs from the page"
            );
        }
    }
}

#[test]
fn explain_an_unknown_property_exits_2_with_did_you_mean() {
    let out = schedsim(&["check", "--explain", "idempotent-write"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("unknown property `idempotent-write`"), "{err}");
    assert!(err.contains("did you mean `idempotent-writes`?"), "{err}");
}

#[test]
fn explain_without_a_name_lists_every_property() {
    let out = schedsim(&["check", "--explain"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = text(&out.stdout)
        .lines()
        .take(PROPERTIES.len())
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(listed, PROPERTIES);
}

#[test]
fn check_without_a_model_or_explain_is_still_a_usage_error() {
    let out = schedsim(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("<MODEL>"));
    let out = schedsim(&["check", "--explain", "termination", "models/x.toml"]);
    assert_eq!(out.status.code(), Some(2), "--explain takes nothing else");
}
