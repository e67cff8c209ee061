use std::path::PathBuf;

use serde::Serialize;

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, count};
use schedsim::engine::{Config, Engine};
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
                if let Some(diagnostics) = unplannable(&m, &file, &source) {
                    failed = true;
                    if args.format == Format::Text {
                        err!("{}", diagnostics.render());
                    }
                    reports.push(FileReport {
                        file,
                        valid: false,
                        profile: Some(m.profile.to_string()),
                        workflows: m.workflows.len(),
                        tasks: m.tasks.len(),
                        scenarios: m.scenarios.len(),
                        diagnostics: diagnostics.to_json(),
                        warnings: Vec::new(),
                    });
                    continue;
                }
                let warnings = reach::warnings(&m, &doc, &file, &source);
                if args.format == Format::Text {
                    outln!(
                        "ok: {file} (profile {}, {}, {}, {}, time zone {}, tzdb {})",
                        m.profile,
                        count(m.workflows.len(), "workflow", "workflows"),
                        count(m.tasks.len(), "task", "tasks"),
                        count(m.scenarios.len(), "scenario", "scenarios"),
                        m.timezone_name,
                        model::tzdb_version(),
                    );
                    if !warnings.is_empty() {
                        err!("{}", warnings.render_warnings());
                    }
                }
                reports.push(FileReport {
                    file,
                    valid: true,
                    profile: Some(m.profile.to_string()),
                    workflows: m.workflows.len(),
                    tasks: m.tasks.len(),
                    scenarios: m.scenarios.len(),
                    diagnostics: Vec::new(),
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

/// The scenarios of a model that loads but cannot be planned (a backfill newest
/// first over a task that depends on its previous run, a range with no scheduled
/// time), each at its place in the file, as `run` would refuse them; `None` when
/// every scenario can be planned. Planning lays out each scenario's sets, as a run
/// starts; it runs nothing, and takes no budget: `--max-instances` is a run's.
fn unplannable(m: &model::Model, file: &str, source: &str) -> Option<model::FileDiagnostics> {
    let mut out = model::FileDiagnostics::new(file, source);
    for (index, s) in m.scenarios.iter().enumerate() {
        if let Err(e) = Engine::new(m, s, Config::new(0, u64::MAX)) {
            let d = super::run::located(file, source, index, &e, &e.to_string())?;
            out.diagnostics.extend(d.diagnostics);
        }
    }
    (!out.is_empty()).then_some(out)
}
