//! Errors under `--format json`. Every error is written for people on stderr, as in
//! text mode; with `--format json`, the command's one JSON document on stdout is then
//! `{"error": {"message": ..., "exit_code": 2, "diagnostics": [...]}}` (diagnostics:
//! the model file's problems, each with file, line and column, as `validate --format
//! json` gives them), so a tool always reads one document from stdout: the result, or
//! the error. When the command already printed its document (a run a budget stopped
//! prints its report, which says so), no second one follows. Usage errors clap reports
//! before the format is known stay text.

use std::sync::atomic::{AtomicBool, Ordering};

use schedsim::model::FileDiagnostics;
use schedsim::model::diagnostic::DiagnosticJson;
use serde::Serialize;

use super::EXIT_BAD_INPUT;

static JSON: AtomicBool = AtomicBool::new(false);

/// Whether this run reports its errors as JSON too (`--format json`).
pub fn init(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

#[derive(Serialize)]
struct Document<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    exit_code: i32,
    diagnostics: Vec<DiagnosticJson>,
    /// An input that is not a model (an export): the file and the JSON path of the
    /// problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

fn document(message: &str, diagnostics: Vec<DiagnosticJson>) {
    document_at(message, diagnostics, None);
}

fn document_at(message: &str, diagnostics: Vec<DiagnosticJson>, at: Option<(&str, &str)>) {
    if JSON.load(Ordering::Relaxed) && !super::out::printed() {
        let doc = Document {
            error: Body {
                message,
                exit_code: EXIT_BAD_INPUT,
                diagnostics,
                file: at.map(|a| a.0),
                path: at.map(|a| a.1),
            },
        };
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).expect("the error serialises")
        );
    }
}

/// Reports a usage or input error (exit code 2).
pub fn error(message: &str) {
    errln!("error: {message}");
    document(message, Vec::new());
}

/// Reports an input error whose text for people is `shown` (several lines: the input
/// marked, what was expected), `message` in the JSON document (exit code 2).
pub fn error_shown(shown: &str, message: &str) {
    errln!("{shown}");
    document(message, Vec::new());
}

/// Reports a problem at JSON path `path` of file `file` (an export; exit code 2): the
/// JSON document names both.
pub fn error_at(file: &str, path: &str, message: &str) {
    errln!("error: {message}");
    document_at(message, Vec::new(), Some((file, path)));
}

/// Reports a model file's problems (exit code 2).
pub fn diagnostics(d: &FileDiagnostics) {
    err!("{}", d.render());
    let n = d.diagnostics.len();
    let message = format!(
        "{}: {n} problem{} found",
        d.path,
        if n == 1 { "" } else { "s" }
    );
    document(&message, d.to_json());
}
