//! `schedsim record MODEL -o FILE` and `schedsim verify MODEL FILE`: golden traces for
//! users' own regression tests. `record` writes the trace of a scenario; `verify`
//! runs it again with the scenario and seed the file names, and prints the first line
//! where the two differ (exit 1), or that they are identical (exit 0).

use std::io::Write;
use std::path::{Path, PathBuf};

use schedsim::engine::Config;
use schedsim::observe::observe;
use schedsim::observe::trace::header_line;

use super::output::Outputs;
use super::run::load;
use super::{EXIT_OK, EXIT_VIOLATION, fail};

#[derive(clap::Args)]
pub struct RecordArgs {
    /// The model file (TOML).
    model: PathBuf,
    /// Where the golden trace goes.
    #[arg(short, long)]
    output: PathBuf,
    /// The scenario to record; default: the model's first.
    #[arg(long)]
    scenario: Option<String>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The model file (TOML).
    model: PathBuf,
    /// A trace written by `record` (or `run --trace`).
    golden: PathBuf,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
}

/// The trace of a scenario, header first, in memory.
fn trace_of(
    path: &Path,
    scenario: Option<&str>,
    seed: u64,
    max_instances: u64,
) -> Result<Vec<u8>, i32> {
    let loaded = load(path, scenario)?;
    let m = &loaded.model;
    let s = &m.scenarios[loaded.index];
    let mut out = header_line(m, &s.name, seed, &loaded.hash).into_bytes();
    let config = Config {
        seed,
        max_instances,
        max_executions: schedsim::engine::DEFAULT_MAX_EXECUTIONS,
    };
    let (_, _, written) = observe(m, s, config, Some(&mut out)).map_err(|e| loaded.fail_at(&e))?;
    if let Some(Err(e)) = written {
        return Err(fail(&e.to_string()));
    }
    Ok(out)
}

pub fn record(args: &RecordArgs) -> i32 {
    let trace = match trace_of(
        &args.model,
        args.scenario.as_deref(),
        args.seed,
        args.max_instances,
    ) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut outputs = Outputs::new();
    outputs.input(&args.model);
    let written = outputs
        .open("-o", &args.output)
        .and_then(|mut f| {
            f.write_all(&trace)
                .map_err(|e| format!("-o {}: {e}", args.output.display()))
        })
        .and_then(|()| outputs.commit());
    match written {
        Ok(()) => {
            let lines = trace.iter().filter(|&&b| b == b'\n').count();
            eprintln!("recorded {lines} lines to {}", args.output.display());
            EXIT_OK
        }
        Err(e) => fail(&e),
    }
}

pub fn verify(args: &VerifyArgs) -> i32 {
    let golden = match std::fs::read_to_string(&args.golden) {
        Ok(g) => g,
        Err(e) => return fail(&format!("{}: {e}", args.golden.display())),
    };
    let header: serde_json::Value = match golden.lines().next().map(serde_json::from_str) {
        Some(Ok(v @ serde_json::Value::Object(_))) => v,
        _ => {
            return fail(&format!(
                "{}: the first line is not a schedsim trace header",
                args.golden.display()
            ));
        }
    };
    let (Some(scenario), Some(seed)) = (header["scenario"].as_str(), header["seed"].as_u64())
    else {
        return fail(&format!(
            "{}: the header names no scenario and seed",
            args.golden.display()
        ));
    };
    let now = match trace_of(&args.model, Some(scenario), seed, args.max_instances) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(code) => return code,
    };
    let now_header: serde_json::Value = now
        .lines()
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    for key in ["model_hash", "schedsim", "tzdb"] {
        if header[key] != now_header[key] {
            outln!(
                "note: {key} was {} when recorded, is {} now",
                header[key],
                now_header[key]
            );
        }
    }
    let (mut old, mut new) = (golden.lines().skip(1), now.lines().skip(1));
    let mut line = 1;
    loop {
        line += 1;
        match (old.next(), new.next()) {
            (None, None) => {
                outln!(
                    "identical: {} lines of scenario {scenario}, seed {seed}",
                    line - 1
                );
                return EXIT_OK;
            }
            (a, b) if a == b => continue,
            (a, b) => {
                outln!("first difference at line {line}:");
                outln!("  recorded: {}", a.unwrap_or("(the recording ends here)"));
                outln!("  now:      {}", b.unwrap_or("(the run ends here)"));
                return EXIT_VIOLATION;
            }
        }
    }
}
