//! `schedsim record MODEL -o FILE` and `schedsim verify MODEL FILE`: golden traces for
//! users' own regression tests. `record` writes the trace of a scenario (with
//! `run`'s `--fault`, `--operation` and `--stretch`); `verify` runs it again with the
//! scenario, seed and added faults, operations and stretches the file names, and
//! compares the two by
//! meaning (`schedsim diff`): on a difference it prints the semantic diff, and the
//! first trace line where they differ as a detail (exit 1); else that they are
//! identical (exit 0). It also reads a golden record of `schedsim test`.

use std::path::PathBuf;

use schedsim::diff::run::{Added, Meta};
use schedsim::diff::{self, Verdict, record};
use schedsim::engine::Config;
use schedsim::observe::observe;
use schedsim::observe::trace::header_line;

use super::diff::read_recorded;
use super::output::Outputs;
use super::run::{load, scenario_added};
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
    /// Seed of the one random generator (durations, random failures); the file records it.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Add a scripted failure to the scenario, as `run --fault`; the file records it.
    #[arg(long)]
    fault: Vec<String>,
    /// Add an operator action to the scenario, as `run --operation`; the file records it.
    #[arg(long)]
    operation: Vec<String>,
    /// Stretch an instance's executions, as `run --stretch`; the file records it.
    #[arg(long)]
    stretch: Vec<String>,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The model file (TOML).
    model: PathBuf,
    /// A trace written by `record` (or `run --trace`).
    golden: PathBuf,
    /// List every change, not only the top ones of each kind.
    #[arg(long)]
    all: bool,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
}

/// The trace of a scenario with what the command line added, header first, in memory.
fn trace_of(args: &RecordArgs) -> Result<(Vec<u8>, Vec<String>), i32> {
    let loaded = load(&args.model, args.scenario.as_deref())?;
    let m = &loaded.model;
    let added = Added {
        faults: args.fault.clone(),
        operations: args.operation.clone(),
        stretches: args.stretch.clone(),
    };
    let s = &scenario_added(m, loaded.index, &added).map_err(|e| fail(&e))?;
    let meta = Meta::of(m, &s.name, args.seed, &loaded.hash).with_added(&added);
    let mut out = header_line(&meta).into_bytes();
    let config = Config::new(args.seed, args.max_instances);
    let (engine, _, written) =
        observe(m, s, config, Some(&mut out)).map_err(|e| loaded.fail_at(&e))?;
    if let Some(Err(e)) = written {
        return Err(fail(&e.to_string()));
    }
    Ok((out, engine.notes))
}

pub fn record(args: &RecordArgs) -> i32 {
    let (trace, notes) = match trace_of(args) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut outputs = Outputs::new();
    outputs.input(&args.model);
    let written = outputs
        .open("-o", &args.output)
        .and_then(|f| outputs.write_and_commit(f, "-o", &args.output, &trace));
    match written {
        Ok(()) => {
            let lines = trace.iter().filter(|&&b| b == b'\n').count();
            errln!("recorded {lines} lines to {}", args.output.display());
            // What the run noted of itself: a recording keeps results, not notes.
            for note in &notes {
                errln!("note: {note}");
            }
            EXIT_OK
        }
        Err(e) => fail(&e),
    }
}

pub fn verify(args: &VerifyArgs) -> i32 {
    let shown = args.golden.display();
    let golden = match schedsim::model::read_regular_text(&args.golden) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let header = match record::read_header(&golden) {
        Ok(h) => h,
        Err(e) => return fail(&format!("{shown}:{e}")),
    };
    let loaded = match load(&args.model, None) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (m, hash) = (&loaded.model, &loaded.hash);
    let Some(index) = m.scenarios.iter().position(|s| s.name == header.scenario) else {
        let known: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
        return fail(&format!(
            "{shown}:1: the golden was recorded from scenario `{}`, which {} does not have (it has: {})",
            header.scenario,
            args.model.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    // The scenario as recorded: with what the recording's command line added.
    let added = header.added();
    let scenario = &match scenario_added(m, index, &added) {
        Ok(s) => s,
        Err(e) => {
            return fail(&format!(
                "{shown}:1: the recording's {e} (the trace was recorded with {})",
                added.flags()
            ));
        }
    };
    let seed = header.seed;
    // A run stopped at its `--max-executions` is replayed under the same budget.
    let config = Config {
        max_executions: header.budget(),
        ..Config::new(seed, args.max_instances)
    };
    let meta = Meta::of(m, &scenario.name, seed, hash)
        .with_added(&added)
        .with_budget(header.budget());
    let mut now = header_line(&meta).into_bytes();
    let fresh = match diff::simulate(m, scenario, config, hash, Some(&mut now)) {
        Ok(r) => diff::Run {
            meta: r.meta.with_added(&added),
            ..r
        },
        Err(e) => return loaded.fail_in(index, &e, &e.to_string()),
    };
    let now = String::from_utf8_lossy(&now);
    let recorded = match read_recorded(&args.golden, &golden) {
        Ok(r) => r,
        Err(code) => return code,
    };
    for (key, was, is) in [
        ("model_hash", &header.model_hash, &fresh.meta.model_hash),
        ("schedsim", &header.schedsim, &fresh.meta.schedsim),
        ("tzdb", &header.tzdb, &fresh.meta.tzdb),
    ] {
        if was != is {
            outln!("note: {key} was {was:?} when recorded, is {is:?} now");
        }
    }
    if let Some(max) = header.max_executions {
        outln!("note: replayed under the recording's --max-executions {max}");
    }
    let mut d = diff::diff(&recorded, "recorded", &fresh, "now");
    // Said above, in the words of a recording.
    d.header.clear();
    // A trace golden is compared line by line too: its first difference is a detail.
    let first = if record::is_trace(&golden) {
        first_difference(&golden, &now)
    } else {
        None
    };
    match (d.verdict, first) {
        (Verdict::Identical, None) => {
            outln!(
                "identical: {} instances of scenario {}, seed {seed}{}",
                fresh.instances.len(),
                scenario.name,
                match added.is_empty() {
                    true => String::new(),
                    false => format!(", with {}", added.flags()),
                }
            );
            // A difference's diff says them as `B: …`, the fresh run's side.
            for note in &fresh.notes {
                outln!("note: {note}");
            }
            EXIT_OK
        }
        // Every recorded line is the run's, and the run goes on. A trace with its end
        // line is whole (one cut short was refused above): the run now does more. A
        // trace of format 1 has no end line, so it may as well have been cut short.
        // The semantic diff would call the recording's unfinished instances other
        // outcomes: it is not printed.
        (_, Some((line, None, Some(next)))) => {
            let last = events(&golden).last().and_then(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v["time"].as_str().map(str::to_string)
            });
            outln!(
                "differs: the recorded trace ends at line {}{}, before the run's end; every line it has is the run's",
                line - 1,
                last.map_or(String::new(), |t| format!(" (its last event at {t})"))
            );
            if record::format_of(&golden) >= 2 {
                outln!("  the recording is whole (it has its end line): the run now goes on with:");
            } else {
                outln!(
                    "  a trace of format 1 (written before traces had an end line) may have been cut short there, or the run now goes on where it ended; the run goes on with:"
                );
            }
            outln!("  now:      {next}");
            EXIT_VIOLATION
        }
        (verdict, line) => {
            let text = diff::text::render(&d, args.all);
            if verdict == Verdict::Identical {
                // The same by meaning, yet the events differ (their order in an
                // instant, a reason): said as a difference, not as "identical"; the
                // figures and notes below it stay.
                let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
                outln!("differs: the same instances, outcomes and times, but not the same events");
                out!("{rest}");
            } else {
                out!("{text}");
            }
            if let Some((line, a, b)) = line {
                outln!("first difference at line {line} of the trace:");
                outln!("  recorded: {}", a.unwrap_or("(the recording ends here)"));
                outln!("  now:      {}", b.unwrap_or("(the run ends here)"));
            }
            EXIT_VIOLATION
        }
    }
}

/// A trace's lines after its header, without its end line (a trace of format 1 has
/// none: the two formats compare alike).
fn events(trace: &str) -> impl Iterator<Item = &str> {
    trace.lines().skip(1).filter(|l| !record::is_end_line(l))
}

/// The first line after the headers where two traces differ, as JSON values (a
/// trace another tool wrote again, with other spaces, key order or escapes, is the
/// same trace): (line number, recorded, now), `None` for a line past the end of its
/// trace.
fn first_difference<'a>(
    recorded: &'a str,
    now: &'a str,
) -> Option<(usize, Option<&'a str>, Option<&'a str>)> {
    let value = |l: &str| serde_json::from_str::<serde_json::Value>(l).ok();
    let same = |a: &str, b: &str| a == b || value(a).is_some_and(|x| Some(x) == value(b));
    let (mut old, mut new) = (events(recorded), events(now));
    for line in 2.. {
        match (old.next(), new.next()) {
            (None, None) => return None,
            (Some(a), Some(b)) if same(a, b) => {}
            (a, b) => return Some((line, a, b)),
        }
    }
    None
}
