//! `schedsim whatif MODEL --from D --to D [--vary KEY=V1,V2,...]...`: one backfill
//! under every combination of the varied knobs, compared in one table.

use std::path::PathBuf;

use schedsim::engine::Config;
use schedsim::model::{self, Model};
use schedsim::observe::summary::human_alike;
use schedsim::shard::{Partial, Shard};
use schedsim::whatif::{self, Backfill, Base, SweepError, Vary};

use super::sweep_shard::{self, opt};
use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    pub(super) model: PathBuf,
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
    /// seeds, by bisection over --range (value by value from its low end where the
    /// model's rules let more of the knob lower the hit rate: groups under
    /// group_split = chunks, retries judged by finish_by or makespan_at_most);
    /// prints every value measured.
    #[arg(long, value_name = "KNOB", requires = "seeds", conflicts_with = "vary")]
    minimize: Option<String>,
    /// With --minimize: the share of seeds on which every expectation must hold.
    #[arg(long, default_value_t = 0.95, requires = "minimize")]
    goal: f64,
    /// With --minimize: the values searched, LO..HI both included (default 1..64 for
    /// slots and groups, 1..10 for groups under DataWorks, 0..10 for retries).
    #[arg(long, value_name = "LO..HI", requires = "minimize")]
    range: Option<String>,
    /// With --seeds: write the distribution chart (makespan per variant with p50/p95
    /// bands, hit rate per value) as a self-contained HTML page.
    #[arg(long, value_name = "FILE", requires = "seeds")]
    html: Option<PathBuf>,
    /// A knob and its values: groups, order, run_immediately, window, reprocess (with --scenario
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
    #[arg(long, value_parser = super::threads_arg)]
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
    /// Run only shard K of N (K from 0): every N-th variant from the K-th (with
    /// --seeds, every N-th (variant, seed) pair). Prints the shard's partial result
    /// as JSON Lines (exit 0); `schedsim merge` combines the N partials into this
    /// command's output without --shard, and writes its --html. Not with --minimize.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
}

impl Args {
    /// The arguments as the unsharded run takes them (no `--shard`, no `--threads`:
    /// neither changes the output), each `--flag=VALUE`, the model last.
    fn canonical(&self) -> Vec<String> {
        let mut a = Vec::new();
        for (flag, value) in [
            ("--from", &self.from),
            ("--to", &self.to),
            ("--scenario", &self.scenario),
            ("--at", &self.at),
            ("--window", &self.window),
        ] {
            if let Some(v) = value {
                opt(&mut a, flag, v);
            }
        }
        if !self.targets.is_empty() {
            opt(&mut a, "--targets", self.targets.join(","));
        }
        if self.downstream {
            a.push("--downstream".into());
        }
        for v in &self.vary {
            opt(&mut a, "--vary", v);
        }
        match &self.seeds {
            Some(s) => opt(&mut a, "--seeds", s),
            None => opt(&mut a, "--seed", self.seed),
        }
        if let Some(h) = &self.html {
            opt(&mut a, "--html", h.display());
        }
        opt(&mut a, "--max-instances", self.max_instances);
        opt(&mut a, "--max-variants", self.max_variants);
        opt(&mut a, "--max-executions", self.max_executions);
        opt(&mut a, "--format", sweep_shard::format_word(self.format));
        a.push("--".into());
        a.push(self.model.display().to_string());
        a
    }
}

pub fn run(args: &Args) -> i32 {
    run_with(args, None)
}

/// Reports a sweep that failed; a variant of a scenario of the model file that
/// cannot be planned is located there, at the backfill it names (a variant changes
/// values, not which backfill is which). Returns exit code 2.
pub fn failed(e: &SweepError, m: &Model, base: &Base, path: &str, source: &str) -> i32 {
    if let (SweepError::Run { error, .. }, Base::Scenario(name)) = (e, base)
        && let Some(index) = m.scenarios.iter().position(|s| &s.name == name)
    {
        return super::run::fail_located(path, source, index, error, &e.to_string());
    }
    fail(&e.to_string())
}

/// Runs the sweep, one shard of it, or (with `merged`: the shards' partial files)
/// prints what the shards ran as the unsharded sweep prints it.
pub fn run_with(args: &Args, merged: Option<&[Partial]>) -> i32 {
    if args.shard.is_some() && args.minimize.is_some() {
        return fail(sweep_shard::MINIMIZE);
    }
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
    let hash = model::model_hash(source.as_bytes());
    if let Some(parts) = merged
        && let Err(e) = sweep_shard::same_model(parts, &args.model, &hash)
    {
        return fail(&e);
    }
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
                Some(at) => match model::parse_datetime(at) {
                    Ok(_) => at.clone(),
                    Err(e) => return fail(&format!("--at: {e}")),
                },
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
    let checked = (vary.as_slice(), args.minimize.as_deref());
    match whatif::check(
        &m,
        &source,
        &base,
        checked,
        (args.max_variants, args.max_instances),
    ) {
        // Said before the sweep: it holds of every row.
        Ok(notes) => notes.iter().for_each(|n| errln!("note: {n}")),
        Err(e) => return fail(&e),
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
            shard: args.shard,
            merged,
            canonical: args.canonical(),
            hash: &hash,
        });
    }
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
        max_executions: args.max_executions,
    };
    let bar = super::progress::Progress::new("variants", args.format == Format::Json);
    let progress = |done: usize, total: usize| bar.update(done, total);
    let json = args.format == Format::Json;
    let threads = args.threads.unwrap_or(2);
    let (rows, json_text) = match (args.shard, merged) {
        (Some(part), _) => {
            let variants = match whatif::sweep_part(
                &source,
                &base,
                &vary,
                config,
                (threads, part),
                json,
                &progress,
            ) {
                Ok(v) => v,
                Err(e) => return failed(&e, &m, &base, &shown, &source),
            };
            bar.clear();
            let items: Vec<serde_json::Value> = variants
                .iter()
                .map(|(k, v)| {
                    let mut item = serde_json::json!({ "index": k, "row": Row::of(&vary, v) });
                    if json {
                        // The variant as the unsharded output prints it, key order kept.
                        item["json"] = serde_json::to_string_pretty(v)
                            .expect("a variant serialises")
                            .into();
                    }
                    serde_json::json!({ "variant": item })
                })
                .collect();
            sweep_shard::emit("whatif", args.canonical(), part, &hash, &items);
            return EXIT_OK;
        }
        (None, Some(parts)) => match merged_rows(parts, &vary, json) {
            Ok(x) => x,
            Err(e) => return fail(&e),
        },
        (None, None) => {
            let variants =
                match whatif::sweep(&source, &base, &vary, config, threads, json, &progress) {
                    Ok(v) => v,
                    Err(e) => return failed(&e, &m, &base, &shown, &source),
                };
            bar.clear();
            let rows: Vec<Row> = variants.iter().map(|v| Row::of(&vary, v)).collect();
            let text =
                json.then(|| serde_json::to_string_pretty(&variants).expect("variants serialise"));
            (rows, text)
        }
    };
    match json_text {
        Some(text) => outln!("{text}"),
        None => {
            outln!("base: {}", base.describe());
            out!("{}", table(&vary, &rows))
        }
    }
    // What the backfill left out (a date-only --to, runs not due), once per distinct
    // note; one that only some variants have names them.
    let per_row = rows.iter().map(|r| r.notes.iter().map(|n| (n.as_str(), 1)));
    for (note, with) in notes_by_variant(per_row) {
        if with.len() == rows.len() {
            errln!("note: {note}");
            continue;
        }
        let named = with.iter().map(|&(k, _)| {
            let values = vary.iter().zip(&rows[k].values);
            let pairs: Vec<String> = values.map(|(v, x)| format!("{}={x}", v.key)).collect();
            pairs.join(" ")
        });
        errln!("{}", variant_note(note, (rows.len(), "variants"), named));
    }
    let exercised: Vec<&schedsim::observe::exercised::Exercised> =
        rows.iter().map(|r| &r.exercised).collect();
    for note in whatif::idle_notes(&m, &vary, &exercised, false) {
        errln!("note: {note}");
    }
    EXIT_OK
}

/// The variants a note that not every variant has names at most.
pub(super) const NAMED: usize = 3;

/// A note only some variants give: `note (N of M variants: NAME; NAME; NAME; and K
/// more): NOTE`, naming the first [`NAMED`] of them (each with what it gave it, under
/// `--seeds`); `--minimize` calls its variants `values`.
pub(super) fn variant_note(
    note: &str,
    (variants, noun): (usize, &str),
    named: impl ExactSizeIterator<Item = String>,
) -> String {
    let with = named.len();
    let shown: Vec<String> = named.take(NAMED).collect();
    let more = match with.saturating_sub(NAMED) {
        0 => String::new(),
        n => format!("; and {n} more"),
    };
    format!(
        "note ({with} of {variants} {noun}: {}{more}): {note}",
        shown.join("; ")
    )
}

/// Each distinct note of the variants' notes, in the order first met, with the
/// variants that have it (by position) and the count each gave with it (its seeds
/// under `--seeds`); a note a variant gives twice counts once.
pub(super) fn notes_by_variant<'a, N>(
    variants: impl IntoIterator<Item = N>,
) -> Vec<(&'a str, Vec<(usize, u64)>)>
where
    N: IntoIterator<Item = (&'a str, u64)>,
{
    let mut out: Vec<(&str, Vec<(usize, u64)>)> = Vec::new();
    for (k, notes) in variants.into_iter().enumerate() {
        for (note, n) in notes {
            match out.iter_mut().find(|(x, _)| *x == note) {
                Some((_, with)) if with.last().is_some_and(|w| w.0 == k) => {}
                Some((_, with)) => with.push((k, n)),
                None => out.push((note, vec![(k, n)])),
            }
        }
    }
    out
}

/// What the table and the notes take from one variant; a shard writes it per variant.
#[derive(serde::Serialize, serde::Deserialize)]
struct Row {
    /// The varied values, in --vary order.
    values: Vec<String>,
    makespan_seconds: i64,
    instances: u64,
    executions: u64,
    dates_not_started: usize,
    /// Each resource group: name, peak running, peak waiting.
    groups: Vec<(String, u32, u32)>,
    /// The properties that do not hold.
    failing: Vec<String>,
    notes: Vec<String>,
    /// What the run exercised of the varied knobs.
    exercised: schedsim::observe::exercised::Exercised,
}

impl Row {
    fn of(vary: &[Vary], v: &whatif::Variant) -> Row {
        let s = &v.summary;
        Row {
            values: vary.iter().map(|k| v.values[&k.key].clone()).collect(),
            makespan_seconds: s.makespan_seconds,
            instances: s.states.values().sum(),
            executions: s.executions,
            dates_not_started: s.unit_counts.planned - s.unit_counts.started,
            groups: s
                .resource_groups
                .iter()
                .map(|g| (g.name.clone(), g.peak_running, g.peak_waiting))
                .collect(),
            failing: s
                .properties
                .iter()
                .filter(|p| !p.holds)
                .map(|p| p.name.to_string())
                .collect(),
            notes: s.notes.clone(),
            exercised: v.exercised.clone(),
        }
    }
}

/// The shards' rows in variant order, and under --format json the variants' JSON
/// array as the unsharded sweep prints it.
fn merged_rows(
    parts: &[Partial],
    vary: &[Vary],
    json: bool,
) -> Result<(Vec<Row>, Option<String>), String> {
    let total = whatif::combinations(vary).len();
    let items = sweep_shard::collect(parts, "variant", total)?;
    let mut rows = Vec::with_capacity(items.len());
    let mut texts = Vec::new();
    for (k, item) in items.into_iter().enumerate() {
        let bad = |what: &str| format!("variant {k}: {what}");
        let row: Row = item
            .get("row")
            .cloned()
            .ok_or_else(|| bad("no `row`"))
            .and_then(|r| serde_json::from_value(r).map_err(|e| bad(&e.to_string())))?;
        if row.values.len() != vary.len() {
            return Err(bad("its values do not match --vary"));
        }
        if json {
            let text = item.get("json").and_then(serde_json::Value::as_str);
            texts.push(text.ok_or_else(|| bad("no `json`"))?.to_string());
        }
        rows.push(row);
    }
    Ok((rows, json.then(|| json_array(&texts))))
}

/// `serde_json::to_string_pretty` of an array, from each element's own pretty text
/// (an element sits one level in: two more spaces on each of its lines).
fn json_array(elements: &[String]) -> String {
    if elements.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for (k, e) in elements.iter().enumerate() {
        if k > 0 {
            out.push_str(",\n");
        }
        for (j, line) in e.lines().enumerate() {
            if j > 0 {
                out.push('\n');
            }
            out.push_str("  ");
            out.push_str(line);
        }
    }
    out.push_str("\n]");
    out
}

/// One line per variant: its values, then the figures.
fn table(vary: &[Vary], variants: &[Row]) -> String {
    let mut header: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
    header.extend(
        ["makespan", "instances", "executions", "dates not started"]
            .into_iter()
            .map(String::from),
    );
    if let Some(first) = variants.first() {
        for (name, _, _) in &first.groups {
            header.push(format!("{name} peak run/wait"));
        }
    }
    header.push("properties that fail".into());
    let mut rows = vec![header];
    let makespans: Vec<i128> = variants.iter().map(|v| v.makespan_seconds.into()).collect();
    for v in variants {
        let mut row = v.values.clone();
        row.push(human_alike(v.makespan_seconds, &makespans));
        row.push(v.instances.to_string());
        row.push(v.executions.to_string());
        row.push(v.dates_not_started.to_string());
        for (_, running, waiting) in &v.groups {
            row.push(format!("{running}/{waiting}"));
        }
        row.push(if v.failing.is_empty() {
            "-".into()
        } else {
            v.failing.join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_array_indents_elements_as_serde_json_prints_the_array() {
        let elements = [
            serde_json::json!({"a": [1, {"b": []}, {}], "c": "line\nbreak", "d": {"e": null}}),
            serde_json::json!({"z": [[]], "y": 1.5}),
        ];
        let texts: Vec<String> = elements
            .iter()
            .map(|e| serde_json::to_string_pretty(e).unwrap())
            .collect();
        assert_eq!(
            json_array(&texts),
            serde_json::to_string_pretty(&elements).unwrap()
        );
        let none: [serde_json::Value; 0] = [];
        assert_eq!(
            json_array(&[]),
            serde_json::to_string_pretty(&none).unwrap()
        );
    }

    #[test]
    fn a_note_names_three_variants_then_counts_the_rest() {
        let named = |n: usize| (0..n).map(|k| format!("k={k}"));
        assert_eq!(
            variant_note("N", (8, "variants"), named(4)),
            "note (4 of 8 variants: k=0; k=1; k=2; and 1 more): N"
        );
        assert_eq!(
            variant_note("N", (8, "values"), named(3)),
            "note (3 of 8 values: k=0; k=1; k=2): N"
        );
        assert_eq!(
            variant_note("N", (2, "variants"), named(1)),
            "note (1 of 2 variants: k=0): N"
        );
    }
}
