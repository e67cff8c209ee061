//! `schedsim run MODEL [--scenario NAME] [--seed N] [--trace FILE] [--chrome-trace
//! FILE]` and `schedsim check`: simulate a scenario, print its summary or its
//! properties' verdicts, and write the files asked for.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use schedsim::engine::Config;
use schedsim::explore;
use schedsim::model;
use schedsim::observe::chrome::ChromeTrace;
use schedsim::observe::report::{self, Gantt};
use schedsim::observe::summary::Identity;
use schedsim::observe::trace::header_line;
use schedsim::observe::{Summary, observe_with};

use super::{EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    model: PathBuf,
    /// The scenario to run; default: the model's first.
    #[arg(long)]
    scenario: Option<String>,
    /// Seed of the one random generator (durations, random failures).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write every transition here, one JSON object per line.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Write an HTML report here: summary, properties with witnesses, resource groups,
    /// partitions that are not ok, and a Gantt chart of executions.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write a Chrome trace-event file here (opens in Perfetto): executions as bars,
    /// one row per slot of each resource group.
    #[arg(long)]
    chrome_trace: Option<PathBuf>,
    /// Add a scripted failure to the scenario: TASK,SCHEDULED,ATTEMPT[+ATTEMPT...][,after_write].
    /// Repeatable; `explore` prints its findings in this form.
    #[arg(long)]
    fault: Vec<String>,
    /// Add an operator action to the scenario: KIND,TASK,SCHEDULED,AT. Repeatable.
    #[arg(long)]
    operation: Vec<String>,
    /// Stretch every execution of one instance: TASK,SCHEDULED,FACTOR (2 doubles its
    /// drawn duration). Repeatable; `explore` prints its findings in this form.
    #[arg(long)]
    stretch: Vec<String>,
    /// Refuse scenarios that would create more instances than this.
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The scenario with the command line's `--fault`s and `--operation`s added.
fn scenario_with(
    m: &model::Model,
    index: usize,
    faults: &[String],
    operations: &[String],
) -> Result<model::Scenario, String> {
    let mut s = m.scenarios[index].clone();
    for f in faults {
        s.faults
            .push(explore::parse_fault(m, f).map_err(|e| format!("--fault {e}"))?);
    }
    for o in operations {
        let op = explore::parse_operation(m, o).map_err(|e| format!("--operation {e}"))?;
        if op.at < s.start || s.until.is_some_and(|u| op.at > u) {
            return Err(format!(
                "--operation `{o}`: its time falls outside the scenario"
            ));
        }
        s.operations.push(op);
    }
    Ok(s)
}

/// The scenario with the command line's `--stretch`es added.
fn with_stretches(
    m: &model::Model,
    mut s: model::Scenario,
    stretches: &[String],
) -> Result<model::Scenario, String> {
    for x in stretches {
        s.stretches
            .push(explore::parse_stretch(m, x).map_err(|e| format!("--stretch {e}"))?);
    }
    Ok(s)
}

/// The model, its chosen scenario's index and the hash of its bytes, or the exit code
/// of a failure already reported.
pub fn load(path: &PathBuf, scenario: Option<&str>) -> Result<(model::Model, usize, String), i32> {
    let m = model::load_file(path).map_err(|d| {
        eprint!("{}", d.render());
        EXIT_BAD_INPUT
    })?;
    let bytes = std::fs::read(path).map_err(|e| fail(&format!("{}: {e}", path.display())))?;
    let hash = model::model_hash(&bytes);
    let index = match scenario {
        Some(name) => m
            .scenarios
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
                fail(&format!(
                    "--scenario: no scenario `{name}` in {} (it has: {})",
                    path.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
        None if m.scenarios.is_empty() => {
            return Err(fail(&format!(
                "{} has no [[scenario]] to run",
                path.display()
            )));
        }
        None => 0,
    };
    Ok((m, index, hash))
}

pub fn run(args: &Args) -> i32 {
    execute(args, false)
}

/// `schedsim check`: simulate, then print every property's verdict; exit 1 if any
/// does not hold.
pub fn check(args: &Args) -> i32 {
    execute(args, true)
}

fn execute(args: &Args, check: bool) -> i32 {
    let (m, index, hash) = match load(&args.model, args.scenario.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let scenario = &match scenario_with(&m, index, &args.fault, &args.operation)
        .and_then(|s| with_stretches(&m, s, &args.stretch))
    {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
    };
    let trace = match &args.trace {
        Some(path) => {
            let header = header_line(&m, &scenario.name, args.seed, &hash);
            match std::fs::File::create(path).and_then(|f| {
                let mut w = BufWriter::new(f);
                w.write_all(header.as_bytes())?;
                Ok(w)
            }) {
                Ok(w) => Some(w),
                Err(e) => return fail(&format!("--trace {}: {e}", path.display())),
            }
        }
        None => None,
    };
    let mut chrome = match &args.chrome_trace {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Some(ChromeTrace::new(BufWriter::new(f), &m)),
            Err(e) => {
                if let Some(t) = &args.trace {
                    let _ = std::fs::remove_file(t);
                }
                return fail(&format!("--chrome-trace {}: {e}", path.display()));
            }
        },
        None => None,
    };
    let mut gantt = args.report.as_ref().map(|_| Gantt::new(&m));
    let outputs = [&args.trace, &args.chrome_trace];
    let (engine, findings, trace) =
        match observe_with(&m, scenario, config, trace, &mut (&mut chrome, &mut gantt)) {
            Ok(x) => x,
            Err(e) => {
                // Nothing half-written: the files this run created go.
                for path in outputs.into_iter().flatten() {
                    let _ = std::fs::remove_file(path);
                }
                return fail(&e.to_string());
            }
        };
    if let (Some(Err(e)), Some(path)) = (trace, &args.trace) {
        return fail(&format!("--trace {}: {e}", path.display()));
    }
    if let (Some(c), Some(path)) = (chrome, &args.chrome_trace)
        && let Err(e) = c.finish()
    {
        return fail(&format!("--chrome-trace {}: {e}", path.display()));
    }
    let summary = Summary::new(
        &engine,
        findings,
        Identity {
            scenario: &scenario.name,
            seed: args.seed,
            model_hash: hash,
        },
        args.format == Format::Json,
    );
    if let (Some(path), Some(gantt)) = (&args.report, &gantt)
        && let Err(e) = std::fs::write(path, report::html(&summary, gantt, &m))
    {
        return fail(&format!("--report {}: {e}", path.display()));
    }
    match (args.format, check) {
        (Format::Json, _) => println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("the summary serialises")
        ),
        (Format::Text, false) => print!("{}", summary.text()),
        (Format::Text, true) => print!("{}", summary.check_text()),
    }
    if check && summary.properties.iter().any(|p| !p.holds) {
        EXIT_VIOLATION
    } else {
        EXIT_OK
    }
}
