//! `schedsim import FORMAT INPUT... [-o MODEL.toml] [--format json] [--check]
//! [--profile-version V]`: a model from a scheduler's export; the report of what was
//! assumed, inferred, dropped and not understood, and which tasks carry no SQL (with
//! `-o` or `--check`, in the words of the model's header comment; without either, the
//! model itself, header included, is the output); with `--check`, the hazards of its
//! default scenario.

use std::path::PathBuf;

use serde::Serialize;

use schedsim::import::check::{CheckError, Checked, check};
use schedsim::import::{self, Import, Input, Options, Report};

use super::{EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, Format, count, fail};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// A DolphinScheduler workflow export (JSON array, 3.1 to 3.3).
    Dolphinscheduler,
    /// A DataWorks FlowSpec CycleWorkflow, spec version 1.x (JSON or YAML).
    Flowspec,
    /// Airflow: serialized DAG JSON, or REST API v2 `NAME.details.json` + `NAME.tasks.json`.
    Airflow,
}

#[derive(clap::Args)]
pub struct Args {
    /// The export's format.
    #[arg(value_enum)]
    source: Source,
    /// Export files.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Write the model here (default: print it on stdout, unless --format json or
    /// --check, which print the report and write the model only with -o).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Run the imported model's default scenario and list the hazards found and the
    /// properties that do not hold; exit 1 if there are any of either.
    #[arg(long)]
    check: bool,
    /// Past runs (DolphinScheduler task instances JSON, Airflow taskInstances JSON, or
    /// CSV task,start,end,state): each task's duration and failure probability.
    #[arg(long)]
    history: Option<PathBuf>,
    /// DolphinScheduler: 3.1, 3.2 or 3.3 (default: from the export's naming); refused
    /// for flowspec and airflow, whose models have no profile version.
    #[arg(long)]
    profile_version: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    report: &'a Report,
    model: &'a str,
    output: Option<String>,
    check: Option<&'a Checked>,
}

pub fn run(args: &Args) -> i32 {
    let mut inputs = Vec::new();
    for path in &args.inputs {
        match schedsim::model::read_regular_text(path) {
            Ok(text) => inputs.push(Input {
                file: path.display().to_string(),
                text,
            }),
            Err(e) => return fail(&format!("cannot read the file: {e}")),
        }
    }
    let format = match args.source {
        Source::Dolphinscheduler => import::Format::Dolphinscheduler,
        Source::Flowspec => import::Format::Flowspec,
        Source::Airflow => import::Format::Airflow,
    };
    let history = match &args.history {
        None => None,
        Some(path) => match schedsim::model::read_regular_text(path) {
            Ok(text) => Some(Input {
                file: path.display().to_string(),
                text,
            }),
            Err(e) => return fail(&format!("cannot read the file: {e}")),
        },
    };
    let options = Options {
        profile_version: args.profile_version.clone(),
        history,
    };
    let imported = match import::import(format, &inputs, &options) {
        Ok(i) => i,
        Err(e) => {
            super::errors::error_at(&e.file, &e.path, &e.to_string());
            return EXIT_BAD_INPUT;
        }
    };
    let checked = if args.check {
        match check(&imported) {
            Ok(c) => Some(c),
            Err(CheckError::Invalid(d)) => return invalid(&imported, &d),
            Err(CheckError::Refused(e)) => return fail(&format!("the default scenario: {e}")),
        }
    } else {
        // Without --check, the model must still validate: never write one that does not.
        if let Err(d) = schedsim::model::load_str("<imported model>", &imported.toml) {
            return invalid(&imported, &d);
        }
        None
    };
    if let Some(out) = &args.output {
        // All or nothing, and never over an export or a history file it read.
        let mut outputs = super::output::Outputs::new();
        for input in args.inputs.iter().chain(&args.history) {
            outputs.input(input);
        }
        let written = outputs
            .open("-o", out)
            .and_then(|f| outputs.write_and_commit(f, "-o", out, imported.toml.as_bytes()));
        if let Err(e) = written {
            return fail(&e);
        }
    }
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&JsonOut {
                report: &imported.report,
                model: &imported.toml,
                output: args.output.as_ref().map(|p| p.display().to_string()),
                check: checked.as_ref(),
            })
            .expect("the report serialises")
        ),
        Format::Text => print_text(&imported, args, checked.as_ref()),
    }
    // A property that does not hold fails the check as a hazard does: a CI job reads
    // exit 0 as a pass (`schedsim check` exits 1 on the same model).
    match checked {
        Some(c) if !c.hazards.is_empty() || !c.failed_properties.is_empty() => EXIT_VIOLATION,
        _ => EXIT_OK,
    }
}

/// The imported model does not validate: the importer's bug, said at the export's
/// place of what it is about (the model text, never written, is not the user's).
fn invalid(imported: &Import, d: &schedsim::model::FileDiagnostics) -> i32 {
    let e = imported.invalid(d);
    super::errors::error_at(&e.file, &e.path, &e.to_string());
    EXIT_BAD_INPUT
}

fn print_text(imported: &Import, args: &Args, checked: Option<&Checked>) {
    let r = &imported.report;
    match &args.output {
        Some(out) => outln!(
            "wrote {} ({}, {}, profile {}{}, time zone {})",
            out.display(),
            count(r.workflows, "workflow", "workflows"),
            count(r.tasks, "task", "tasks"),
            r.profile,
            r.profile_version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default(),
            r.timezone
        ),
        None if checked.is_none() => out!("{}", imported.toml),
        None => {}
    }
    if args.output.is_some() || checked.is_some() {
        // What the model's header comment says, in its words and order.
        for n in &r.notes {
            outln!("assumed: {n}");
        }
        for w in &r.inferred {
            outln!(
                "inferred: {} {} {}{} ({})",
                w.task,
                w.mode,
                w.table,
                w.partition
                    .as_deref()
                    .map(|p| format!("/{p}"))
                    .unwrap_or(" (whole table)".into()),
                w.pattern
            );
        }
        for d in &r.dropped {
            outln!("dropped: {} ({}): {}", d.what, d.path, d.why);
        }
        for u in &r.unclassified {
            outln!(
                "unclassified: {}: {} ({})",
                u.task,
                u.statement.split_whitespace().collect::<Vec<_>>().join(" "),
                u.reason
            );
        }
        if !r.no_sql.is_empty() {
            outln!(
                "no writes inferred (no SQL schedsim reads): {}",
                r.no_sql.join(", ")
            );
        }
    }
    if let Some(c) = checked {
        if let Some(s) = &c.scenario {
            outln!("checked: {s}");
        }
        if c.hazards.is_empty() && c.failed_properties.is_empty() {
            outln!("no hazards found");
        } else if c.hazards.is_empty() {
            outln!("no hazards found, but a property does not hold (below)");
        }
        for h in &c.hazards {
            outln!("HAZARD {} {}: {}", h.kind, h.task, h.message);
            if let Some(s) = &h.statement {
                outln!(
                    "  statement: {}",
                    s.split_whitespace().collect::<Vec<_>>().join(" ")
                );
            }
            for e in &h.evidence {
                outln!("  run: {e}");
            }
        }
        for p in &c.failed_properties {
            outln!("property not holding: {p}");
        }
        for n in &c.notes {
            outln!("note: {n}");
        }
    }
}
