//! `schedsim whatif MODEL --from D --to D [--vary KEY=V1,V2,...]...`: one backfill
//! under every combination of the varied knobs, compared in one table.

use std::path::PathBuf;

use schedsim::engine::Config;
use schedsim::model;
use schedsim::observe::summary::human;
use schedsim::whatif::{self, Backfill, Base, Vary};

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    model: PathBuf,
    /// First business date (dataworks) or schedule/logical time, included: a fresh
    /// backfill is the base of every variant (or give --scenario).
    #[arg(
        long,
        required_unless_present = "scenario",
        conflicts_with = "scenario"
    )]
    from: Option<String>,
    /// Last business date or time, included. A business date (dataworks) covers its
    /// whole day; elsewhere a date is its midnight, as Airflow's --to-date: the fires
    /// later that day are left out, with a note naming the first.
    #[arg(
        long,
        required_unless_present = "scenario",
        conflicts_with = "scenario"
    )]
    to: Option<String>,
    /// The base of every variant: this scenario of the model, with its backfills,
    /// faults, operations and recurring schedule; backfill knobs apply to each of its
    /// backfills, or to the N-th as KNOB.N (groups.2). Instead of --from/--to.
    #[arg(long, conflicts_with_all = ["targets", "downstream", "window", "at"])]
    scenario: Option<String>,
    /// Run every variant once per seed: `N` (seeds 0 to N-1) or `A..B` (both
    /// included); the table gives makespan percentiles and expectation hit rates.
    #[arg(long, value_name = "N|A..B", conflicts_with = "seed")]
    seeds: Option<String>,
    /// The smallest value of an integer knob (slots.GROUP, groups,
    /// retries.WORKFLOW.TASK) for which every [[expect]] holds on --goal of the
    /// seeds, by bisection over --range; prints every value measured.
    #[arg(long, value_name = "KNOB", requires = "seeds", conflicts_with = "vary")]
    minimize: Option<String>,
    /// With --minimize: the share of seeds on which every expectation must hold.
    #[arg(long, default_value_t = 0.95, requires = "minimize")]
    goal: f64,
    /// With --minimize: the values searched, LO..HI both included (default 1..64 for
    /// slots and groups, 0..10 for retries).
    #[arg(long, value_name = "LO..HI", requires = "minimize")]
    range: Option<String>,
    /// With --seeds: write the distribution chart (makespan per variant with p50/p95
    /// bands, hit rate per value) as a self-contained HTML page.
    #[arg(long, value_name = "FILE", requires = "seeds")]
    html: Option<PathBuf>,
    /// A knob and its values: groups, order, run_immediately, window (with --scenario
    /// also KNOB.N: its N-th backfill only), profile_version, slots.GROUP,
    /// self_dependency.WORKFLOW.TASK, retries.WORKFLOW.TASK, or any rule knob.
    /// Repeatable, one key once; an unknown key, group, task or value is refused.
    #[arg(long)]
    vary: Vec<String>,
    /// Workflows or "workflow.task" names, comma-separated; default: every workflow.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
    /// Include everything downstream of the targets.
    #[arg(long)]
    downstream: bool,
    /// Time-of-day window for hourly and minutely tasks (dataworks).
    #[arg(long)]
    window: Option<String>,
    /// When the backfill is submitted (local time); default: the model's first
    /// scenario's start, or two days after --to.
    #[arg(long)]
    at: Option<String>,
    /// Seed of the one random generator of every variant (durations, random failures).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Simulations run at once (with --seeds, default: every core).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    /// Refuse sweeps of more variants than this (one simulation each), counted
    /// before any is built.
    #[arg(long, default_value_t = whatif::DEFAULT_MAX_VARIANTS)]
    max_variants: u64,
    /// Stop a simulation after this many executions (first tries, retries, reruns):
    /// the run ends with exit 2 and says so. Default: 100 million, more than any run
    /// a person waits for.
    #[arg(long, default_value_t = schedsim::engine::DEFAULT_MAX_EXECUTIONS)]
    max_executions: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: &Args) -> i32 {
    let shown = args.model.display().to_string();
    let (m, source) = match model::read_model_file(&args.model)
        .and_then(|source| model::load_str(&shown, &source).map(|m| (m, source)))
    {
        Ok(x) => x,
        Err(d) => {
            super::errors::diagnostics(&d);
            return EXIT_BAD_INPUT;
        }
    };
    let mut vary = Vec::new();
    for v in &args.vary {
        match Vary::parse(v) {
            Ok(v) => vary.push(v),
            Err(e) => return fail(&format!("--vary {e}")),
        }
    }
    let base = match (&args.scenario, &args.from, &args.to) {
        (Some(name), _, _) => {
            if !m.scenarios.iter().any(|s| &s.name == name) {
                let known: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
                return fail(&format!(
                    "--scenario: no scenario `{name}` in {shown} (it has: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
            Base::Scenario(name.clone())
        }
        (None, Some(from), Some(to)) => {
            let at = match &args.at {
                Some(at) => at.clone(),
                None => match m.scenarios.first() {
                    Some(s) => s.start.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
                    None => match model::parse_bound(to) {
                        Ok(to) => {
                            let day = to.start().date() + jiff::Span::new().days(2);
                            format!("{day}T00:00:00")
                        }
                        Err(e) => return fail(&format!("--to: {e}")),
                    },
                },
            };
            Base::Backfill(Backfill {
                from: from.clone(),
                to: to.clone(),
                targets: args.targets.clone(),
                downstream: args.downstream,
                window: args.window.clone(),
                at,
            })
        }
        _ => return fail("give --from and --to, or --scenario"),
    };
    if let Some(knob) = &args.minimize {
        vary.push(Vary {
            key: knob.clone(),
            values: Vec::new(),
        });
    }
    if let Err(e) = whatif::check(&m, &source, &base, &vary, args.max_variants) {
        return fail(&e);
    }
    if args.minimize.is_some() {
        vary.pop();
    }
    if let Some(seeds) = &args.seeds {
        return super::whatif_seeds::run(super::whatif_seeds::Request {
            model: &m,
            model_path: &args.model,
            source: &source,
            base: &base,
            vary: &vary,
            seeds,
            threads: args.threads,
            minimize: args.minimize.as_deref(),
            goal: args.goal,
            range: args.range.as_deref(),
            html: args.html.as_ref(),
            config: Config {
                seed: 0,
                max_instances: args.max_instances,
                max_executions: args.max_executions,
            },
            format: args.format,
        });
    }
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
        max_executions: args.max_executions,
    };
    let bar = super::progress::Progress::new("variants", args.format == Format::Json);
    let progress = |done: usize, total: usize| bar.update(done, total);
    let rows = args.format == Format::Json;
    let variants = match whatif::sweep(
        &source,
        &base,
        &vary,
        config,
        args.threads.unwrap_or(2),
        rows,
        &progress,
    ) {
        Ok(v) => v,
        Err(e) => return fail(&e.to_string()),
    };
    bar.clear();
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&variants).expect("variants serialise")
        ),
        Format::Text => {
            outln!("base: {}", base.describe());
            out!("{}", table(&vary, &variants))
        }
    }
    // What the backfill left out (a date-only --to, runs not due), once per distinct note.
    let mut seen = std::collections::BTreeSet::new();
    for note in variants.iter().flat_map(|v| &v.summary.notes) {
        if seen.insert(note) {
            eprintln!("note: {note}");
        }
    }
    EXIT_OK
}

/// One line per variant: its values, then the figures.
fn table(vary: &[Vary], variants: &[whatif::Variant]) -> String {
    let mut header: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
    header.extend(
        ["makespan", "instances", "executions", "dates not started"]
            .into_iter()
            .map(String::from),
    );
    if let Some(first) = variants.first() {
        for g in &first.summary.resource_groups {
            header.push(format!("{} peak run/wait", g.name));
        }
    }
    header.push("properties that fail".into());
    let mut rows = vec![header];
    for v in variants {
        let s = &v.summary;
        let mut row: Vec<String> = vary.iter().map(|k| v.values[&k.key].clone()).collect();
        row.push(human(s.makespan_seconds));
        row.push(s.states.values().sum::<u64>().to_string());
        row.push(s.executions.to_string());
        row.push((s.unit_counts.planned - s.unit_counts.started).to_string());
        for g in &s.resource_groups {
            row.push(format!("{}/{}", g.peak_running, g.peak_waiting));
        }
        let failing: Vec<&str> = s
            .properties
            .iter()
            .filter(|p| !p.holds)
            .map(|p| &*p.name)
            .collect();
        row.push(if failing.is_empty() {
            "-".into()
        } else {
            failing.join(", ")
        });
        rows.push(row);
    }
    columns(&rows)
}

/// Rows as left-aligned columns two spaces apart, trailing spaces trimmed.
pub(super) fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |x| x.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, x)| format!("{x:<w$}", w = widths.get(c).copied().unwrap_or(0)))
            .collect();
        out += cells.join("  ").trim_end();
        out.push('\n');
    }
    out
}
