//! `schedsim run MODEL [--scenario NAME] [--seed N] [--trace FILE]`: simulate a
//! scenario and print its summary.

use std::io::BufWriter;
use std::path::PathBuf;

use schedsim::engine::{self, Config};
use schedsim::model;
use schedsim::observe::summary::Identity;
use schedsim::observe::{Metrics, Summary, TraceWriter};

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
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
    /// Refuse scenarios that would create more instances than this.
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The model, its chosen scenario's index and the hash of its bytes, or the exit code
/// of a failure already reported.
pub fn load(path: &PathBuf, scenario: Option<&str>) -> Result<(model::Model, usize, String), i32> {
    let m = model::load_file(path).map_err(|d| {
        eprint!("{}", d.render());
        EXIT_BAD_INPUT
    })?;
    let bytes = std::fs::read(path).map_err(|e| fail(&format!("{}: {e}", path.display())))?;
    let hash = sha1_smol::Sha1::from(&bytes).digest().to_string();
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
    let (m, index, hash) = match load(&args.model, args.scenario.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let scenario = &m.scenarios[index];
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
    };
    let mut metrics = Metrics::new(&m);
    let engine = match &args.trace {
        Some(path) => {
            let file = match std::fs::File::create(path) {
                Ok(f) => f,
                Err(e) => return fail(&format!("--trace {}: {e}", path.display())),
            };
            let mut trace = TraceWriter::new(BufWriter::new(file), &m);
            let result = engine::simulate(&m, scenario, config, &mut (&mut metrics, &mut trace));
            if let Err(e) = trace.finish() {
                return fail(&format!("--trace {}: {e}", path.display()));
            }
            result
        }
        None => engine::simulate(&m, scenario, config, &mut metrics),
    };
    let engine = match engine {
        Ok(e) => e,
        Err(e) => return fail(&e.to_string()),
    };
    let summary = Summary::new(
        &engine,
        metrics.groups,
        Identity {
            scenario: &scenario.name,
            seed: args.seed,
            model_hash: hash,
        },
        args.format == Format::Json,
    );
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("the summary serialises")
        ),
        Format::Text => print!("{}", summary.text()),
    }
    EXIT_OK
}
