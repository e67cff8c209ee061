//! `schedsim run MODEL [--scenario NAME] [--seed N] [--trace FILE] [--chrome-trace
//! FILE]` and `schedsim check`: simulate a scenario, print its summary or its
//! properties' verdicts, and write the files asked for.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use schedsim::diff::run::{Added, Meta};
use schedsim::engine::{Config, RunError};
use schedsim::explore;
use schedsim::model;
use schedsim::observe::chrome::ChromeTrace;
use schedsim::observe::dates;
use schedsim::observe::report::{self, Gantt};
use schedsim::observe::summary::Identity;
use schedsim::observe::trace::header_line;
use schedsim::observe::{Reads, Summary, observe_in};
use schedsim::plan::reach::{self, Reach};

use super::output::Outputs;
use super::{EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, Format, fail};

/// Slots one execution may hold for `--chrome-trace` to draw it (a lane each).
const MAX_CHROME_SLOTS: u32 = 1024;

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    pub(super) model: PathBuf,
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
    /// Add a scripted failure to the scenario: TASK,SCHEDULED,ATTEMPT[+ATTEMPT...][,after_write[,ORIGIN]] (ORIGIN: recurring, backfill or rerun).
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
    /// Stop a simulation after this many executions (first tries, retries, reruns):
    /// the run ends with exit 2 and says so. Default: 100 million, more than any run
    /// a person waits for.
    #[arg(long, default_value_t = schedsim::engine::DEFAULT_MAX_EXECUTIONS)]
    max_executions: u64,
    /// Run the scenario once per seed and print each figure's min/p50/p95/max, each
    /// expectation's hit rate and each property's violating seeds: `N` (seeds 0 to
    /// N-1) or `A..B` (both included). With --report, the HTML distribution chart.
    #[arg(long, value_name = "N|A..B", conflicts_with_all = ["seed", "trace", "chrome_trace"])]
    seeds: Option<String>,
    /// With --seeds: simulations run at once (default: every core). The output is the
    /// same whatever the count.
    #[arg(long, requires = "seeds", value_parser = super::threads_arg)]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// With --seeds: run only shard K of N (K from 0), every N-th seed from the K-th.
    /// Prints the shard's partial result as JSON Lines (exit 0 whatever it found);
    /// `schedsim merge` combines the N partials into this command's output without
    /// --shard, and writes its --report.
    #[arg(long, value_name = "K/N", requires = "seeds")]
    shard: Option<schedsim::shard::Shard>,
}

impl Args {
    /// The arguments of a `--seeds` run as the unsharded run takes them (no
    /// `--shard`, no `--threads`: neither changes the output), each `--flag=VALUE`,
    /// the model last.
    fn canonical(&self) -> Vec<String> {
        use super::sweep_shard::{format_word, opt};
        let mut a = Vec::new();
        if let Some(s) = &self.scenario {
            opt(&mut a, "--scenario", s);
        }
        if let Some(s) = &self.seeds {
            opt(&mut a, "--seeds", s);
        }
        for (flag, values) in [
            ("--fault", &self.fault),
            ("--operation", &self.operation),
            ("--stretch", &self.stretch),
        ] {
            for v in values {
                opt(&mut a, flag, v);
            }
        }
        if let Some(p) = &self.report {
            opt(&mut a, "--report", p.display());
        }
        opt(&mut a, "--max-instances", self.max_instances);
        opt(&mut a, "--max-executions", self.max_executions);
        opt(&mut a, "--format", format_word(self.format));
        a.push("--".into());
        a.push(self.model.display().to_string());
        a
    }
}

/// Scenario `index` with the command line's `--fault`s, `--operation`s and
/// `--stretch`es added (those a trace's header records, replayed by `verify`, `diff`).
pub fn scenario_added(
    m: &model::Model,
    index: usize,
    added: &Added,
) -> Result<model::Scenario, String> {
    scenario_with(m, index, &added.faults, &added.operations)
        .and_then(|s| with_stretches(m, s, &added.stretches))
}

/// The scenario with the command line's `--fault`s and `--operation`s added.
fn scenario_with(
    m: &model::Model,
    index: usize,
    faults: &[String],
    operations: &[String],
) -> Result<model::Scenario, String> {
    let base = &m.scenarios[index];
    let mut s = base.clone();
    let reach = Reach::new(m, base);
    for f in faults {
        let fault = explore::parse_fault(m, f).map_err(|e| format!("--fault {e}"))?;
        if let Some((a, other)) = model::attempt_in_conflict(&s.faults, &fault) {
            return Err(format!(
                "--fault `{f}`: {}",
                model::attempt_conflict_message(m, &fault, a, other)
            ));
        }
        if let Some(why) = reach.unreachable(fault.task, fault.scheduled) {
            errln!("warning: --fault `{f}`: this fault matches no instance: {why}");
        }
        s.faults.push(fault);
    }
    for o in operations {
        let op = explore::parse_operation(m, o).map_err(|e| format!("--operation {e}"))?;
        if op.at < s.start || s.until.is_some_and(|u| op.at > u) {
            return Err(format!(
                "--operation `{o}`: the operation falls outside the scenario"
            ));
        }
        if let Some(why) = reach.unreachable(op.task, op.scheduled) {
            errln!("warning: --operation `{o}`: this operation matches no instance: {why}");
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
    let reach = Reach::new(m, &s);
    let mut added = Vec::new();
    for x in stretches {
        let stretch = explore::parse_stretch(m, x).map_err(|e| format!("--stretch {e}"))?;
        if let Some(why) = reach.unreachable(stretch.task, stretch.scheduled) {
            errln!("warning: --stretch `{x}`: this stretch matches no instance: {why}");
        }
        added.push(stretch);
    }
    s.stretches.extend(added);
    Ok(s)
}

/// A loaded model file: the model, its text and the hash of its bytes.
pub struct Loaded {
    pub model: model::Model,
    /// The chosen scenario's index.
    pub index: usize,
    pub hash: String,
    path: String,
    source: String,
}

impl Loaded {
    /// Reports a run error of the chosen scenario at its place in the model file
    /// ([`fail_located`]); returns exit code 2.
    pub fn fail_at(&self, error: &RunError) -> i32 {
        self.fail_in(self.index, error, &error.to_string())
    }

    /// [`Loaded::fail_at`] for scenario `index` of the file, saying `message` (the
    /// error, with what it belongs to: a seed).
    pub fn fail_in(&self, index: usize, error: &RunError, message: &str) -> i32 {
        fail_located(&self.path, &self.source, index, error, message)
    }
}

/// Reports a run error of scenario `index` of the model file `path` (text `source`),
/// saying `message` (the error, with what it belongs to: a variant, a seed), at its
/// place there ([`schedsim::engine::located`]); returns exit code 2.
pub fn fail_located(
    path: &str,
    source: &str,
    index: usize,
    error: &RunError,
    message: &str,
) -> i32 {
    match schedsim::engine::located(path, source, index, error, message) {
        Some(out) => {
            super::errors::diagnostics(&out);
            EXIT_BAD_INPUT
        }
        None => fail(message),
    }
}

/// The model and its chosen scenario, or the exit code of a failure already reported.
pub fn load(path: &Path, scenario: Option<&str>) -> Result<Loaded, i32> {
    let shown = path.display().to_string();
    let report = |d: model::FileDiagnostics| {
        super::errors::diagnostics(&d);
        EXIT_BAD_INPUT
    };
    let source = model::read_model_file(path).map_err(report)?;
    let (m, doc) = model::load_document(&shown, &source).map_err(report)?;
    let warnings = reach::warnings(&m, &doc, &shown, &source);
    drop(doc);
    if !warnings.is_empty() {
        err!("{}", warnings.render_warnings());
    }
    let hash = model::model_hash(source.as_bytes());
    let index = match scenario {
        Some(name) => m
            .scenarios
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
                fail(&format!(
                    "--scenario: no scenario `{name}` in {shown} (it has: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?,
        None if m.scenarios.is_empty() => {
            let end = source.len();
            let mut out = model::FileDiagnostics::new(&shown, source.as_str());
            out.diagnostics.push(
                model::Diagnostic::new(
                    end..end,
                    format!("{shown} has no [[scenario]] to run"),
                    "a [[scenario]] with a name and a start",
                )
                .help("add [[scenario]] with name = \"...\" and start = \"YYYY-MM-DDTHH:MM:SS\", and a [[scenario.backfill]] or recurring = true"),
            );
            return Err(report(out));
        }
        None => 0,
    };
    Ok(Loaded {
        model: m,
        index,
        hash,
        path: shown,
        source,
    })
}

pub fn run(args: &Args) -> i32 {
    execute(args, false, None)
}

/// `schedsim check`: simulate, then print every property's verdict; exit 1 if any
/// does not hold.
pub fn check(args: &Args) -> i32 {
    execute(args, true, None)
}

/// `schedsim merge` of `run --seeds` (`check`: of `check --seeds`) shards.
pub fn merged(args: &Args, check: bool, parts: &[schedsim::shard::Partial]) -> i32 {
    if args.seeds.is_none() {
        return fail(
            "the partials' arguments have no --seeds: only a --seeds run is split into shards",
        );
    }
    execute(args, check, Some(parts))
}

fn execute(args: &Args, check: bool, merged: Option<&[schedsim::shard::Partial]>) -> i32 {
    let loaded = match load(&args.model, args.scenario.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (m, hash) = (&loaded.model, &loaded.hash);
    let added = Added {
        faults: args.fault.clone(),
        operations: args.operation.clone(),
        stretches: args.stretch.clone(),
    };
    let scenario = &match scenario_added(m, loaded.index, &added) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
        max_executions: args.max_executions,
    };
    if let Some(seeds) = &args.seeds {
        let mut replay_flags = Vec::new();
        if let Some(name) = &args.scenario {
            replay_flags.extend(["--scenario".to_string(), name.clone()]);
        }
        for (flag, values) in [
            ("--fault", &args.fault),
            ("--operation", &args.operation),
            ("--stretch", &args.stretch),
        ] {
            for v in values {
                replay_flags.extend([flag.to_string(), v.clone()]);
            }
        }
        return super::seeds::run(super::seeds::Request {
            loaded: &loaded,
            scenario,
            config,
            seeds,
            threads: args.threads,
            format: args.format,
            check,
            report: args.report.as_ref(),
            model_path: &args.model,
            replay_flags,
            shard: args.shard,
            merged,
            canonical: args.canonical(),
        });
    }
    // The Chrome trace draws an execution on one lane per slot it holds: a task that
    // holds thousands would write a lane (and a line) for each.
    if args.chrome_trace.is_some()
        && let Some(t) = m.tasks.iter().find(|t| t.pool_slots > MAX_CHROME_SLOTS)
    {
        return fail(&format!(
            "--chrome-trace draws an execution on one lane per slot it holds, and {} holds {} (at most {MAX_CHROME_SLOTS} are drawn): leave out --chrome-trace, or give --report for the HTML report",
            t.name, t.pool_slots
        ));
    }
    // Every output is opened before the run: a path that cannot be written is refused
    // before any simulation, and nothing reaches a target before everything succeeded.
    let mut outputs = Outputs::new();
    outputs.input(&args.model);
    let mut open = |flag: &str, path: &Option<PathBuf>| {
        path.as_ref()
            .map(|p| outputs.open(flag, p).map(BufWriter::new))
            .transpose()
    };
    let (trace, chrome, report_file) = match (
        open("--trace", &args.trace),
        open("--chrome-trace", &args.chrome_trace),
        open("--report", &args.report),
    ) {
        (Ok(t), Ok(c), Ok(r)) => (t, c, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(&e),
    };
    let trace = match (trace, &args.trace) {
        (Some(mut w), Some(path)) => {
            // What the command line added is recorded: a replay adds it again.
            let meta = Meta::of(m, &scenario.name, args.seed, hash)
                .with_added(&added)
                .with_budget(args.max_executions);
            let header = header_line(&meta);
            if let Err(e) = w.write_all(header.as_bytes()) {
                return fail(&format!("--trace {}: {e}", path.display()));
            }
            Some(w)
        }
        _ => None,
    };
    let mut chrome = chrome.map(|w| ChromeTrace::new(w, m));
    let mut gantt = args.report.as_ref().map(|_| Gantt::new(m));
    // Every instance is kept when an output lists them (observe::memory).
    let lists = args.format == Format::Json || gantt.is_some() || chrome.is_some();
    let memory = schedsim::observe::memory(m, scenario, lists);
    // `check`'s text prints the verdicts alone: no figure is computed for it.
    let reads = if check && args.format == Format::Text && args.report.is_none() {
        Reads::Verdicts
    } else {
        Reads::Figures
    };
    let (engine, findings, trace) = match observe_in(
        m,
        scenario,
        config,
        memory,
        reads,
        trace,
        &mut (&mut chrome, &mut gantt),
    ) {
        Ok(x) => x,
        // Dropping `outputs` removes what this run began to write.
        Err(e) => return loaded.fail_at(&e),
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
            model_hash: hash.clone(),
        },
        args.format == Format::Json,
    );
    if let (Some(mut w), Some(path), Some(gantt)) = (report_file, &args.report, &gantt)
        && let Err(e) = w
            .write_all(
                // Every date, whatever the output format lists.
                report::html(&summary, gantt, &dates::rows(&engine, usize::MAX), m).as_bytes(),
            )
            .and_then(|()| w.flush())
    {
        return fail(&format!("--report {}: {e}", path.display()));
    }
    if let Err(e) = outputs.commit() {
        return fail(&e);
    }
    match (args.format, check) {
        (Format::Json, _) => outln!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("the summary serialises")
        ),
        (Format::Text, false) => out!(
            "{}{}",
            summary.text(),
            schedsim::observe::dates::text(&engine)
        ),
        (Format::Text, true) => out!("{}", super::color::verdicts(&summary.check_text())),
    }
    // The run could not complete within a budget: its findings are printed, and it
    // ends as an input the tool could not handle in full.
    if let Some(st) = &summary.stopped {
        return fail(&format!(
            "the run stopped at {}: {}; raise {} to let it finish",
            st.at, st.message, st.flag
        ));
    }
    let code = if check && summary.properties.iter().any(|p| !p.holds) {
        EXIT_VIOLATION
    } else {
        EXIT_OK
    };
    // The process ends with this command: its memory goes back whole, where freeing
    // a large run's allocations one by one (a partition's row, an instance's page)
    // took a tenth of its time.
    std::mem::forget((engine, summary));
    code
}
