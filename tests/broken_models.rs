//! The corpus of broken models: each is rejected, every diagnostic names a line and a
//! column inside the file, and the rendered diagnostics are pinned as snapshots.

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/broken exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn check(path: &Path) -> schedsim::model::FileDiagnostics {
    let name = path.file_name().unwrap().to_string_lossy();
    let shown = format!("tests/broken/{name}");
    let source = std::fs::read_to_string(path).unwrap();
    let diagnostics =
        schedsim::model::load_str(&shown, &source).expect_err(&format!("{shown} must be rejected"));
    assert!(
        !diagnostics.diagnostics.is_empty(),
        "{shown}: no diagnostic"
    );
    let lines = source.lines().count().max(1);
    for d in diagnostics.to_json() {
        assert_eq!(d.file, shown);
        assert!(
            d.line >= 1 && d.line <= lines + 1,
            "{shown}: line {} outside the file",
            d.line
        );
        assert!(d.column >= 1, "{shown}: column {}", d.column);
        assert!(
            !d.message.is_empty() && !d.expected.is_empty(),
            "{shown}: empty text"
        );
    }
    diagnostics
}

#[test]
fn the_corpus_is_large_enough() {
    assert!(
        corpus().len() >= 25,
        "the issue asks for at least 25 broken models"
    );
}

#[test]
fn every_broken_model_is_rejected_with_a_located_diagnostic() {
    for path in corpus() {
        let diagnostics = check(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => "../snapshots/broken",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("schedsim validate tests/broken/{stem}.toml"),
        }, {
            insta::assert_snapshot!(stem, diagnostics.render());
        });
    }
}

/// A file with many independent mistakes reports each of them, in file order.
#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/many_problems_at_once.toml");
    let d = check(&path).to_json();
    let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown time zone `Mars/Olympus`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`slots` must be at least 1")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("unknown key `duraton`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown upstream task `w.zz`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("-1 is negative")),
        "{messages:?}"
    );
    let lines: Vec<usize> = d.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "diagnostics follow the file");
}

/// Regression: a cycle is named task by task, in dependency order, whichever task of
/// it the file lists first.
#[test]
fn a_cycle_names_every_task_on_it_and_nothing_else() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/cycle_of_three.toml");
    let d = check(&path).to_json();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "dependency cycle: w.a → w.b → w.c → w.a");
}

fn messages(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/broken")
        .join(file);
    check(&path)
        .to_json()
        .into_iter()
        .map(|d| d.message)
        .collect()
}

/// Regression: a name holding `,` or `=` was accepted, yet `--fault`, `--operation`,
/// `--stretch`, `--targets` and `--vary` split on them, so it could not be named on
/// the command line (nor replayed from `explore`).
#[test]
fn a_name_with_a_comma_or_an_equals_sign_is_refused() {
    let comma = messages("comma_in_task_name.toml");
    assert_eq!(comma.len(), 1, "{comma:?}");
    assert!(comma[0].contains("`a,b` contains a `,`"), "{comma:?}");
    let equals = messages("equals_in_group_name.toml");
    assert_eq!(equals.len(), 1, "{equals:?}");
    assert!(equals[0].contains("`etl=big` contains a `=`"), "{equals:?}");
}

/// Regression: a table left out for a bad value (`slots = "2"`, `[workflow]`) or a
/// refused or unreadable name also gave "unknown ..." wherever it was named.
#[test]
fn a_table_left_out_or_a_refused_name_gives_no_unknown_reference_after_it() {
    let slots = messages("slots_not_a_whole_number_names_no_unknown_group.toml");
    assert_eq!(
        slots,
        [
            "expected a whole number, found a string",
            "unknown resource group `elt`"
        ]
    );
    let header = messages("workflow_header_for_array.toml");
    assert_eq!(header.len(), 1, "{header:?}");
    let names = messages("task_name_with_spaces_names_no_unknown_upstream.toml");
    assert_eq!(
        names,
        [
            "the task name ` a ` contains white space",
            "expected a string, found an integer"
        ]
    );
}
