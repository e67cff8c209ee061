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
}

fn document(message: &str, diagnostics: Vec<DiagnosticJson>) {
    if JSON.load(Ordering::Relaxed) && !super::out::printed() {
        let doc = Document {
            error: Body {
                message,
                exit_code: EXIT_BAD_INPUT,
                diagnostics,
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
