//! `run --seeds` and `check --seeds`: the scenario once per seed, on every core, and
//! the distribution of what the runs gave (`schedsim::seeds`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use schedsim::engine::Config;
use schedsim::model::Scenario;
use schedsim::observe::sweep_chart;
use schedsim::seeds::{self, About, Seeds};
use schedsim::seeds_part;
use schedsim::shard::{Partial, Shard};

use super::output::Outputs;
use super::run::Loaded;
use super::sweep_shard;
use super::{EXIT_OK, EXIT_VIOLATION, Format, fail};

/// What `run`/`check` pass on when `--seeds` is given.
pub struct Request<'a> {
    pub loaded: &'a Loaded,
    pub scenario: &'a Scenario,
    pub config: Config,
    pub seeds: &'a str,
    pub threads: Option<usize>,
    pub format: Format,
    pub check: bool,
    /// `--report`: the distribution chart.
    pub report: Option<&'a PathBuf>,
    pub model_path: &'a std::path::Path,
    /// The `--scenario`, `--fault`, `--operation` and `--stretch` flags as given, for
    /// the replay command.
    pub replay_flags: Vec<String>,
    /// `--shard`: run these seeds only and print their partial file.
    pub shard: Option<Shard>,
    /// `schedsim merge`: the shards' partial files, instead of running.
    pub merged: Option<&'a [Partial]>,
    /// The arguments as the unsharded run takes them, for a shard's header.
    pub canonical: Vec<String>,
}

/// A word as a shell reads it back: quoted unless it is plain.
pub fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:,=+@".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// A rayon pool of `threads` (default: every core).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("--threads: {e}"))
}

pub fn run(r: Request<'_>) -> i32 {
    let seeds = match Seeds::parse(r.seeds) {
        Ok(s) => s,
        Err(e) => return fail(&format!("--seeds {e}")),
    };
    let pool = match pool(r.threads) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let command = if r.check { "check" } else { "run" };
    let m = &r.loaded.model;
    if let Some(parts) = r.merged
        && let Err(e) = sweep_shard::same_model(parts, r.model_path, &r.loaded.hash)
    {
        return fail(&e);
    }
    let mut outputs = Outputs::new();
    outputs.input(r.model_path);
    // A shard writes no --report (the merge does, maybe on another host), but refuses
    // one that would write over the model, before it runs.
    let report_file = match (r.report, r.shard) {
        (Some(p), Some(_)) => outputs.not_input("--report", p).map(|()| None),
        (p, None) => p.map(|p| outputs.open("--report", p)).transpose(),
        (None, Some(_)) => Ok(None),
    };
    let report_file = match report_file {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    let part = r.shard.unwrap_or(Shard::WHOLE);
    let runs = match r.merged {
        Some(parts) => match merged(parts, seeds) {
            Ok(runs) => runs,
            Err(e) => return fail(&e),
        },
        None => {
            let bar = super::progress::Progress::new("seeds", r.format == Format::Json);
            let done = AtomicUsize::new(0);
            let total = (0..seeds.count() as usize)
                .filter(|&k| part.holds(k))
                .count();
            let progress = || bar.update(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            let runs =
                pool.install(|| seeds::run_part(m, r.scenario, seeds, part, r.config, &progress));
            bar.clear();
            match runs {
                Ok(x) => x,
                Err((seed, e)) => {
                    return r
                        .loaded
                        .fail_in(r.loaded.index, &e, &format!("seed {seed}: {e}"));
                }
            }
        }
    };
    if let Some(part) = r.shard {
        let items: Vec<serde_json::Value> = runs
            .iter()
            .map(|run| {
                let index = run.seed - seeds.first;
                serde_json::json!({ "seed_run": { "index": index, "run": seeds_part::to_json(run) } })
            })
            .collect();
        sweep_shard::emit(command, r.canonical, part, &r.loaded.hash, &items);
        return EXIT_OK;
    }
    let mut replay = vec![
        "schedsim".to_string(),
        command.to_string(),
        shell_word(&r.model_path.display().to_string()),
    ];
    replay.extend(r.replay_flags.iter().map(|w| shell_word(w)));
    let report = seeds::report(
        About {
            model: m,
            scenario: &r.scenario.name,
            model_hash: r.loaded.hash.clone(),
            replay: replay.join(" "),
        },
        seeds,
        &runs,
    );
    if let (Some(mut w), Some(path)) = (report_file, r.report)
        && let Err(e) = w
            .write_all(sweep_chart::seeds_html(&report, m).as_bytes())
            .and_then(|()| w.flush())
    {
        return fail(&format!("--report {}: {e}", path.display()));
    }
    if let Err(e) = outputs.commit() {
        return fail(&e);
    }
    match r.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serialises")
        ),
        Format::Text => out!("{}", super::color::verdicts(&report.text(r.check))),
    }
    if r.check && report.properties.iter().any(|p| p.violated > 0) {
        EXIT_VIOLATION
    } else {
        EXIT_OK
    }
}

/// Every seed's run from the shards' partial files, in seed order. Each run names
/// the resource groups and the properties the first does, in its order (the model
/// is one: an edited file is refused, not read past its end).
fn merged(parts: &[Partial], seeds: Seeds) -> Result<Vec<seeds::SeedRun>, String> {
    let items = sweep_shard::collect(parts, "seed_run", seeds.count() as usize)?;
    let runs: Vec<seeds::SeedRun> = items
        .into_iter()
        .enumerate()
        .map(|(k, item)| {
            let run = item
                .get("run")
                .ok_or_else(|| "no `run`".to_string())
                .and_then(seeds_part::from_json)
                .map_err(|e| format!("seed_run {k}: {e}"))?;
            let seed = seeds.first + k as u64;
            if run.seed != seed {
                return Err(format!(
                    "seed_run {k}: seed {}, where the run has seed {seed}",
                    run.seed
                ));
            }
            Ok(run)
        })
        .collect::<Result<_, String>>()?;
    if let Some(k) = seeds_part::first_unlike(&runs) {
        return Err(format!(
            "seed_run {k}: its resource groups or properties differ from seed_run 0's (the runs are of one model): the partial was edited"
        ));
    }
    Ok(runs)
}
