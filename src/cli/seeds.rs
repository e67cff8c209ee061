//! `run --seeds` and `check --seeds`: the scenario once per seed, on every core, and
//! the distribution of what the runs gave (`schedsim::seeds`).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use schedsim::engine::Config;
use schedsim::model::Scenario;
use schedsim::observe::sweep_chart;
use schedsim::seeds::{self, About, Seeds};

use super::output::Outputs;
use super::run::Loaded;
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
    let mut outputs = Outputs::new();
    outputs.input(r.model_path);
    let report_file = match r.report.map(|p| outputs.open("--report", p)).transpose() {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    let bar = super::progress::Progress::new("seeds", r.format == Format::Json);
    let done = AtomicUsize::new(0);
    let total = usize::try_from(seeds.count()).unwrap_or(usize::MAX);
    let progress = || bar.update(done.fetch_add(1, Ordering::Relaxed) + 1, total);
    let m = &r.loaded.model;
    let runs = pool.install(|| seeds::run(m, r.scenario, seeds, r.config, &progress));
    bar.clear();
    let runs = match runs {
        Ok(x) => x,
        Err((seed, e)) => {
            eprintln!("seed {seed}:");
            return r.loaded.fail_at(&e);
        }
    };
    let command = if r.check { "check" } else { "run" };
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
