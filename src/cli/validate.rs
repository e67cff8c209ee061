use std::path::PathBuf;

use serde::Serialize;

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, count};
use schedsim::engine::{Config, Engine, located};
use schedsim::model::{self, diagnostic::DiagnosticJson};
use schedsim::plan::reach;

#[derive(clap::Args)]
pub struct Args {
    /// Model files.
    #[arg(required = true)]
    models: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    valid: bool,
    profile: Option<String>,
    workflows: usize,
    tasks: usize,
    scenarios: usize,
    diagnostics: Vec<DiagnosticJson>,
    /// Things a valid model most likely does not mean (a fault that matches no
    /// instance); they do not change the exit code.
    warnings: Vec<DiagnosticJson>,
}

pub fn run(args: &Args) -> i32 {
    let mut reports = Vec::new();
    let mut failed = false;
    for path in &args.models {
        let file = path.display().to_string();
        let loaded = model::read_model_file(path)
            .and_then(|source| model::load_document(&file, &source).map(|m| (m, source)));
        match loaded {
            Ok(((m, doc), source)) => {
                let (unplanned, over_budget) = plan(&m, &file, &source);
                let mut warnings = reach::warnings(&m, &doc, &file, &source);
                drop(doc);
                warnings.diagnostics.extend(over_budget.diagnostics);
                let valid = unplanned.is_empty();
                failed |= !valid;
                if args.format == Format::Text {
                    if valid {
                        outln!(
                            "ok: {file} (profile {}, {}, {}, {}, time zone {}, tzdb {})",
                            m.profile,
                            count(m.workflows.len(), "workflow", "workflows"),
                            count(m.tasks.len(), "task", "tasks"),
                            count(m.scenarios.len(), "scenario", "scenarios"),
                            m.timezone_name,
                            model::tzdb_version(),
                        );
                    } else {
                        err!("{}", unplanned.render());
                    }
                    if !warnings.is_empty() {
                        err!("{}", warnings.render_warnings());
                    }
                }
                reports.push(FileReport {
                    file,
                    valid,
                    profile: Some(m.profile.to_string()),
                    workflows: m.workflows.len(),
                    tasks: m.tasks.len(),
                    scenarios: m.scenarios.len(),
                    diagnostics: unplanned.to_json(),
                    warnings: warnings.to_json(),
                });
            }
            Err(diagnostics) => {
                failed = true;
                if args.format == Format::Text {
                    err!("{}", diagnostics.render());
                }
                reports.push(FileReport {
                    file,
                    valid: false,
                    profile: None,
                    workflows: 0,
                    tasks: 0,
                    scenarios: 0,
                    diagnostics: diagnostics.to_json(),
                    warnings: Vec::new(),
                });
            }
        }
    }
    if args.format == Format::Json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&reports).expect("reports serialise")
        );
    }
    if failed { EXIT_BAD_INPUT } else { EXIT_OK }
}

/// Each scenario of a model that loads, planned as `run` starts it, nothing run:
/// the scenarios that cannot be planned (a backfill newest first over a task that
/// depends on its previous run, a range with no scheduled time), each at its place
/// in the file, and as warnings those over the default `--max-instances` (`run`
/// refuses them unless given more; planning stops there, as a run's does).
fn plan(
    m: &model::Model,
    file: &str,
    source: &str,
) -> (model::FileDiagnostics, model::FileDiagnostics) {
    let mut errors = model::FileDiagnostics::new(file, source);
    let mut warnings = model::FileDiagnostics::new(file, source);
    for (index, s) in m.scenarios.iter().enumerate() {
        let Err(e) = Engine::new(m, s, Config::new(0, super::DEFAULT_MAX_INSTANCES)) else {
            continue;
        };
        let (out, message) = if e.is_budget() {
            (
                &mut warnings,
                format!("scenario `{}`: not planned: {e}", s.name),
            )
        } else {
            (&mut errors, format!("scenario `{}`: {e}", s.name))
        };
        match located(file, source, index, &e, &message) {
            Some(d) => out.diagnostics.extend(d.diagnostics),
            // Never "valid" for want of a place: said of the file.
            None => out
                .diagnostics
                .push(model::Diagnostic::new(0..0, message, e.expected()).whole_file()),
        }
    }
    (errors, warnings)
}
