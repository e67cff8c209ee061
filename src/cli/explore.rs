//! `schedsim explore MODEL [--scenario NAME] [--cases N] [--seed N] [--operations
//! KINDS]`: search fault schedules for a property violation; print the shrunk
//! schedule and the `check` command that replays it.

use std::io::IsTerminal;
use std::path::PathBuf;

use schedsim::engine::Config;
use schedsim::explore::{self, Violation};
use schedsim::keyword::Keyword;
use schedsim::model::{FaultPhase, Model, OperationKind};

use super::run::load;
use super::{EXIT_OK, EXIT_VIOLATION, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    model: PathBuf,
    #[arg(long)]
    scenario: Option<String>,
    /// How many schedules to try.
    #[arg(long, default_value_t = 100)]
    cases: usize,
    /// Seed of the search and of every simulation in it.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Operator actions the search may add, comma-separated (rerun by default; `none`
    /// for failures only): rerun, rerun_failed, rerun_downstream, rerun_upstream,
    /// set_success, freeze, unfreeze, kill.
    #[arg(long, value_delimiter = ',', default_value = "rerun")]
    operations: Vec<String>,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    /// Stop a simulation after this many executions (first tries, retries, reruns):
    /// the run ends with exit 2 and says so. Default: 100 million, more than any run
    /// a person waits for.
    #[arg(long, default_value_t = schedsim::engine::DEFAULT_MAX_EXECUTIONS)]
    max_executions: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(serde::Serialize)]
struct FaultJson {
    task: String,
    scheduled: String,
    attempts: Vec<u32>,
    phase: FaultPhase,
}

#[derive(serde::Serialize)]
struct OperationJson {
    kind: OperationKind,
    task: String,
    scheduled: String,
    at: String,
}

#[derive(serde::Serialize)]
struct ViolationJson {
    property: &'static str,
    faults: Vec<FaultJson>,
    operations: Vec<OperationJson>,
    replay: String,
}

#[derive(serde::Serialize)]
struct OutcomeJson {
    cases: usize,
    holds: bool,
    violation: Option<ViolationJson>,
}

/// A word as a shell reads it: quoted unless it is plainly safe.
fn shell(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._,:+/=-@".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn replay(model_path: &str, m: &Model, scenario: &str, seed: u64, v: &Violation) -> String {
    let mut cmd = vec![
        "schedsim".to_string(),
        "check".to_string(),
        shell(model_path),
        "--scenario".to_string(),
        shell(scenario),
        "--seed".to_string(),
        seed.to_string(),
    ];
    for f in &v.faults {
        cmd.push("--fault".into());
        cmd.push(shell(&explore::fault_arg(m, f)));
    }
    for o in &v.operations {
        cmd.push("--operation".into());
        cmd.push(shell(&explore::operation_arg(m, o)));
    }
    cmd.join(" ")
}

pub fn run(args: &Args) -> i32 {
    let (m, index) = match load(&args.model, args.scenario.as_deref()) {
        Ok(l) => (l.model, l.index),
        Err(code) => return code,
    };
    let mut kinds = Vec::new();
    for k in &args.operations {
        if k == "none" {
            continue;
        }
        match OperationKind::from_word(k) {
            Some(kind) => match schedsim::model::operation_refusal(kind, m.profile) {
                // The model file's rule: some actions exist in one profile only.
                Some(refusal) => return fail(&format!("--operations: {refusal}")),
                None => kinds.push(kind),
            },
            None => return fail(&format!("--operations: `{k}` is not an operation kind")),
        }
    }
    let scenario = &m.scenarios[index];
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
        max_executions: args.max_executions,
    };
    let terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if terminal && (done.is_multiple_of(10) || done == total) {
            eprint!("\r{done}/{total} cases");
        }
    };
    let outcome = match explore::explore(&m, scenario, config, args.cases, &kinds, &progress) {
        Ok(o) => o,
        Err(e) => return fail(&e.to_string()),
    };
    if terminal {
        eprintln!();
    }
    let path = args.model.display().to_string();
    let time = |t: jiff::civil::DateTime| t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let json = OutcomeJson {
        cases: outcome.cases,
        holds: outcome.violation.is_none(),
        violation: outcome.violation.as_ref().map(|v| ViolationJson {
            property: v.property,
            faults: v
                .faults
                .iter()
                .map(|f| FaultJson {
                    task: m.task(f.task).name.clone(),
                    scheduled: time(f.scheduled),
                    attempts: f.attempts.clone(),
                    phase: f.phase,
                })
                .collect(),
            operations: v
                .operations
                .iter()
                .map(|o| OperationJson {
                    kind: o.kind,
                    task: m.task(o.task).name.clone(),
                    scheduled: time(o.scheduled),
                    at: time(o.at),
                })
                .collect(),
            replay: replay(&path, &m, &scenario.name, args.seed, v),
        }),
    };
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&json).expect("the outcome serialises")
        ),
        Format::Text => match (&outcome.violation, &json.violation) {
            (None, _) | (_, None) => {
                outln!("{} cases explored: every property holds", json.cases)
            }
            (Some(v), Some(j)) => {
                if v.case == 0 {
                    outln!("the scenario as written already violates {}", j.property);
                } else {
                    outln!(
                        "{} violated in case {} of {}; shrunk to {} faults and {} operations:",
                        j.property,
                        v.case,
                        args.cases,
                        j.faults.len(),
                        j.operations.len()
                    );
                }
                for f in &v.faults {
                    outln!("  fault      {}", explore::fault_arg(&m, f));
                }
                for o in &v.operations {
                    outln!("  operation  {}", explore::operation_arg(&m, o));
                }
                outln!("replay: {}", j.replay);
            }
        },
    }
    if outcome.violation.is_some() {
        EXIT_VIOLATION
    } else {
        EXIT_OK
    }
}
