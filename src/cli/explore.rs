//! `schedsim explore MODEL [--scenario NAME] [--cases N] [--seed N] [--property NAME]...
//! [--ignore NAME]... [--faults transient|any] [--operations KINDS] [--no-stretch]
//! [--all-violations] [--threads N]`: search schedules of faults, operator actions and
//! stretched durations for a property violation; print each shrunk schedule and the
//! `check` command that replays it.

use std::path::PathBuf;

use schedsim::engine::Config;
use schedsim::explore::{self, Aim, FaultModel, Finding, Schedule};
use schedsim::keyword::Keyword;
use schedsim::model::diagnostic::one_of;
use schedsim::model::{FaultPhase, Model, OperationKind};
use schedsim::observe::PROPERTIES;
use schedsim::shard::{self, Partial, Shard};

use super::run::load;
use super::{EXIT_OK, EXIT_VIOLATION, Format, count, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    pub(super) model: PathBuf,
    /// The scenario to explore; default: the model's first.
    #[arg(long)]
    scenario: Option<String>,
    /// How many schedules to try (1 to 100,000,000).
    #[arg(long, default_value_t = 100, value_parser = cases)]
    cases: usize,
    /// Seed of the search and of every simulation in it.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Search only for this property (repeatable, or comma-separated); default: all.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    property: Vec<String>,
    /// Do not search for this property (repeatable, or comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Which attempts may fail: `transient` (only attempts within the task's retries,
    /// so every instance still succeeds: are the writes idempotent under retries?) or
    /// `any` (the last attempt too).
    #[arg(long, default_value = "any")]
    faults: String,
    /// Operator actions the search may add, comma-separated (`none` for none): rerun,
    /// rerun_failed, rerun_downstream, rerun_upstream, set_success, freeze, unfreeze,
    /// kill. Default: rerun; rerun_failed where a rerun regenerates later backfill dates
    /// by design (rerun_complement = regenerate_later: a recovered failed date goes on
    /// with the dates never started, a rerun duplicates those that ran); none under
    /// --faults transient.
    #[arg(long, value_delimiter = ',')]
    operations: Option<Vec<String>>,
    /// Keep every duration as drawn (by default cases also stretch some instances'
    /// durations by 2, 3, 5 or 10: long tails, a slow upstream).
    #[arg(long)]
    no_stretch: bool,
    /// Keep searching after the first violation; report each distinct (property,
    /// shrunk schedule) once.
    #[arg(long)]
    all_violations: bool,
    /// Threads that run cases; default (or 0): every available core. The output does
    /// not depend on it.
    #[arg(long, value_parser = super::threads_arg)]
    threads: Option<usize>,
    /// Refuse scenarios that would create more instances than this.
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    /// Stop a simulation after this many executions (first tries, retries, reruns):
    /// the run ends with exit 2 and says so. Default: 100 million, more than any run
    /// a person waits for.
    #[arg(long, default_value_t = schedsim::engine::DEFAULT_MAX_EXECUTIONS)]
    max_executions: u64,
    /// Text for people, or one JSON document for tools.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Run only shard K of N (K from 0): every N-th case from the (K+1)-th (cases are
    /// numbered from 1, as the output and the partial print them: case k is shard
    /// (k - 1) mod N's). Prints the shard's partial result as JSON Lines (exit 0
    /// whatever it found);
    /// `schedsim merge` combines the N partials into this command's output without
    /// --shard.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
}

/// `--cases`: a count of 1 to [`explore::MAX_CASES`] (0 would search nothing and say
/// every property holds).
fn cases(text: &str) -> Result<usize, String> {
    let n: usize = text
        .parse()
        .map_err(|_| format!("`{text}` is not a count of cases"))?;
    match n {
        0 => Err("0 cases search nothing: give at least 1".into()),
        n if n > explore::MAX_CASES => Err(format!(
            "{n} cases, more than {} (each is a full simulation; a shard draws the schedules of every case before its own)",
            explore::MAX_CASES
        )),
        n => Ok(n),
    }
}

impl Args {
    /// The arguments as the unsharded run takes them (no `--shard`, no `--threads`:
    /// neither changes the output), model first.
    fn canonical(&self) -> Vec<String> {
        let mut a = vec![self.model.display().to_string()];
        let mut opt = |flag: &str, value: String| {
            a.push(flag.to_string());
            a.push(value);
        };
        if let Some(s) = &self.scenario {
            opt("--scenario", s.clone());
        }
        opt("--cases", self.cases.to_string());
        opt("--seed", self.seed.to_string());
        for p in &self.property {
            opt("--property", p.clone());
        }
        for p in &self.ignore {
            opt("--ignore", p.clone());
        }
        opt("--faults", self.faults.clone());
        if let Some(o) = &self.operations {
            opt(
                "--operations",
                if o.is_empty() {
                    "none".into()
                } else {
                    o.join(",")
                },
            );
        }
        opt("--max-instances", self.max_instances.to_string());
        opt("--max-executions", self.max_executions.to_string());
        opt(
            "--format",
            match self.format {
                Format::Text => "text",
                Format::Json => "json",
            }
            .into(),
        );
        if self.no_stretch {
            a.push("--no-stretch".into());
        }
        if self.all_violations {
            a.push("--all-violations".into());
        }
        a
    }
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
struct StretchJson {
    task: String,
    scheduled: String,
    factor: f64,
}

#[derive(serde::Serialize)]
struct FindingJson {
    property: &'static str,
    /// The first case it was found in, from 1.
    case: usize,
    /// How many cases shrank to it.
    found_in: usize,
    faults: Vec<FaultJson>,
    operations: Vec<OperationJson>,
    stretches: Vec<StretchJson>,
    replay: String,
}

#[derive(serde::Serialize)]
struct AimJson {
    seed: u64,
    /// Cases asked for (`cases` above: how many ran).
    cases: usize,
    properties: Vec<&'static str>,
    ignored: Vec<&'static str>,
    faults: FaultModel,
    operations: Vec<OperationKind>,
    operations_default: Option<&'static str>,
    stretch: bool,
    all_violations: bool,
}

#[derive(serde::Serialize)]
struct OutcomeJson {
    cases: usize,
    holds: bool,
    aim: AimJson,
    already_violated: Vec<&'static str>,
    /// The first finding (null if none), as before `findings` existed.
    violation: Option<FindingJson>,
    findings: Vec<FindingJson>,
    notes: Vec<String>,
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

/// The command that checks the base scenario, but for its seed.
fn check_base(model_path: &str, scenario: &str) -> String {
    format!(
        "schedsim check {} --scenario {}",
        shell(model_path),
        shell(scenario)
    )
}

fn replay(model_path: &str, m: &Model, scenario: &str, seed: u64, s: &Schedule) -> String {
    let mut cmd = vec![
        check_base(model_path, scenario),
        "--seed".into(),
        seed.to_string(),
    ];
    for f in &s.merged_faults() {
        cmd.push("--fault".into());
        cmd.push(shell(&explore::fault_arg(m, f)));
    }
    for o in &s.operations {
        cmd.push("--operation".into());
        cmd.push(shell(&explore::operation_arg(m, o)));
    }
    for x in &s.stretches {
        cmd.push("--stretch".into());
        cmd.push(shell(&explore::stretch_arg(m, x)));
    }
    cmd.join(" ")
}

/// Property names as the catalog spells them, or a usage error.
fn properties(option: &str, names: &[String]) -> Result<Vec<&'static str>, String> {
    names
        .iter()
        .map(|name| {
            PROPERTIES.into_iter().find(|p| p == name).ok_or_else(|| {
                match schedsim::observe::properties::did_you_mean(name) {
                    Some(p) => format!("{option}: no property `{name}`; did you mean `{p}`?"),
                    None => format!(
                        "{option}: no property `{name}` (expected {})",
                        one_of(PROPERTIES)
                    ),
                }
            })
        })
        .collect()
}

/// The operator actions asked for, as the model file would accept them for this
/// profile.
fn operation_kinds(m: &Model, words: &[String]) -> Result<Vec<OperationKind>, String> {
    let mut kinds = Vec::new();
    for k in words {
        if k == "none" {
            continue;
        }
        let kind = OperationKind::from_word(k).ok_or_else(|| {
            format!(
                "--operations: `{k}` is not an operation kind (expected {} or `none`)",
                OperationKind::expected()
            )
        })?;
        // The model file's rule: some actions exist in one profile only.
        if let Some(refusal) = schedsim::model::operation_refusal(kind, m.profile) {
            return Err(format!("--operations: {refusal}"));
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

pub fn run(args: &Args) -> i32 {
    run_with(args, None)
}

/// Why a search did not conclude.
enum Failed {
    /// The scenario cannot be planned: said at its place in the model file.
    Plan(schedsim::engine::RunError),
    Other(String),
}

/// Runs the search, one shard of it, or (with `merged`: the shards' partial files, in
/// shard order) combines what the shards found into the unsharded output.
pub fn run_with(args: &Args, merged: Option<&[Partial]>) -> i32 {
    let loaded = match load(&args.model, args.scenario.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (m, index, hash) = (&loaded.model, loaded.index, &loaded.hash);
    if let Some(parts) = merged
        && parts[0].header.model_hash != *hash
    {
        return fail(&format!(
            "{} is not the model the shards ran (its hash is {hash}, theirs {}): it changed since, or --model names another file",
            args.model.display(),
            parts[0].header.model_hash
        ));
    }
    let scenario = &m.scenarios[index];
    let Some(faults) = FaultModel::from_word(&args.faults) else {
        return fail(&format!(
            "--faults: `{}` is not a fault model (expected {})",
            args.faults,
            FaultModel::expected()
        ));
    };
    let (aimed, ignored) = match (
        properties("--property", &args.property),
        properties("--ignore", &args.ignore),
    ) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
    };
    let aimed: Vec<&'static str> = PROPERTIES
        .into_iter()
        .filter(|p| aimed.is_empty() || aimed.contains(p))
        .filter(|p| !ignored.contains(p))
        .collect();
    if aimed.is_empty() {
        return fail("--ignore leaves no property to search");
    }
    let (operations, operations_default) = match &args.operations {
        Some(words) => match operation_kinds(m, words) {
            Ok(kinds) => (kinds, None),
            Err(e) => return fail(&e),
        },
        None => {
            let (kinds, why) = explore::default_operations(m, scenario, faults);
            (kinds, Some(why))
        }
    };
    let aim = Aim {
        properties: aimed,
        faults,
        operations,
        stretch: !args.no_stretch,
        all_violations: args.all_violations,
    };
    let config = Config {
        seed: args.seed,
        max_instances: args.max_instances,
        max_executions: args.max_executions,
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => return fail(&format!("--threads: {e}")),
    };
    let bar = super::progress::Progress::new("cases", args.format == Format::Json);
    let progress = |done: usize, total: usize| bar.update(done, total);
    let outcome = pool.install(|| -> Result<explore::Outcome, Failed> {
        // A shard keeps its own cases' schedules, a merge none.
        let keep = match (args.shard, &merged) {
            (Some(part), _) => Some(part),
            (None, Some(_)) => None,
            (None, None) => Some(Shard::WHOLE),
        };
        let base = (
            scenario,
            check_base(&args.model.display().to_string(), &scenario.name),
        );
        let search = explore::plan(m, (base.0, &base.1), config, args.cases, &aim, keep)
            .map_err(Failed::Plan)?;
        let parts = match (args.shard, merged) {
            (Some(part), _) => {
                let result = explore::run_part(&search, m, scenario, config, &aim, part, &progress);
                vec![result]
            }
            (None, Some(partials)) => partials
                .iter()
                .map(|p| {
                    let of = Shard {
                        index: p.header.shard,
                        count: p.header.of,
                    };
                    explore::part::read(m, &p.items, of, args.cases)
                        .map_err(|e| Failed::Other(format!("{}: {e}", p.path.display())))
                })
                .collect::<Result<_, _>>()?,
            (None, None) => vec![explore::run_part(
                &search,
                m,
                scenario,
                config,
                &aim,
                Shard::WHOLE,
                &progress,
            )],
        };
        if let Some(part) = args.shard {
            let header = shard::Header::new("explore", args.canonical(), part, hash);
            out!(
                "{}",
                shard::lines(&header, &explore::part::items(m, &parts[0]))
            );
            return Ok(search.outcome);
        }
        Ok(explore::conclude(search, parts, args.cases, &aim))
    });
    bar.clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(Failed::Plan(e)) => return loaded.fail_at(&e),
        Err(Failed::Other(e)) => return fail(&e),
    };
    if args.shard.is_some() {
        return EXIT_OK;
    }
    let path = args.model.display().to_string();
    let finding_json = |f: &Finding| {
        let time = |t: jiff::civil::DateTime| t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
        FindingJson {
            property: f.property,
            case: f.case,
            found_in: f.found_in,
            faults: f
                .schedule
                .merged_faults()
                .iter()
                .map(|x| FaultJson {
                    task: m.task(x.task).name.clone(),
                    scheduled: time(x.scheduled),
                    attempts: x.attempts.clone(),
                    phase: x.phase,
                })
                .collect(),
            operations: f
                .schedule
                .operations
                .iter()
                .map(|o| OperationJson {
                    kind: o.kind,
                    task: m.task(o.task).name.clone(),
                    scheduled: time(o.scheduled),
                    at: time(o.at),
                })
                .collect(),
            stretches: f
                .schedule
                .stretches
                .iter()
                .map(|s| StretchJson {
                    task: m.task(s.task).name.clone(),
                    scheduled: time(s.scheduled),
                    factor: s.factor,
                })
                .collect(),
            replay: replay(&path, m, &scenario.name, args.seed, &f.schedule),
        }
    };
    let holds = outcome.findings.is_empty() && outcome.already.is_empty();
    match args.format {
        Format::Json => {
            let json = OutcomeJson {
                cases: outcome.cases,
                holds,
                aim: AimJson {
                    seed: args.seed,
                    cases: args.cases,
                    properties: aim.properties.clone(),
                    ignored,
                    faults,
                    operations: aim.operations.clone(),
                    operations_default,
                    stretch: aim.stretch,
                    all_violations: aim.all_violations,
                },
                already_violated: outcome.already.clone(),
                violation: outcome.findings.first().map(finding_json),
                findings: outcome.findings.iter().map(finding_json).collect(),
                notes: outcome.notes.clone(),
            };
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).expect("the outcome serialises")
            );
        }
        Format::Text => out!(
            "{}",
            text(m, args, &aim, operations_default, &outcome, &finding_json)
        ),
    }
    if holds { EXIT_OK } else { EXIT_VIOLATION }
}

/// The text output: what was searched, what the base scenario already violates, and
/// each finding with its replay command.
fn text(
    m: &Model,
    args: &Args,
    aim: &Aim,
    operations_default: Option<&str>,
    outcome: &explore::Outcome,
    finding_json: &dyn Fn(&Finding) -> FindingJson,
) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(if aim.properties.len() == PROPERTIES.len() {
        format!("properties: all {}", PROPERTIES.len())
    } else {
        format!(
            "properties: {} ({} of {})",
            aim.properties.join(", "),
            aim.properties.len(),
            PROPERTIES.len()
        )
    });
    line(format!("faults: {} ({})", aim.faults, aim.faults.meaning()));
    line(match operations_default {
        Some(why) => format!("operations: {why}"),
        None if aim.operations.is_empty() => "operations: none".to_string(),
        None => format!(
            "operations: {}",
            aim.operations
                .iter()
                .map(|k| k.word())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    line(if aim.stretch {
        "durations: some stretched by 2, 3, 5 or 10 (--no-stretch keeps them as drawn)".into()
    } else {
        "durations: as drawn".into()
    });
    if !outcome.already.is_empty() {
        line(format!(
            "already violated in the base scenario (not searched again): {}",
            outcome.already.join(", ")
        ));
    }
    for note in &outcome.notes {
        line(format!("note: {note}"));
    }
    let all_searched = outcome.searched.len() == PROPERTIES.len();
    if outcome.findings.is_empty() && !outcome.searched.is_empty() {
        // The exit code is 1 all the same when the base scenario violates some: the
        // last line says so, where a reader looks for the verdict.
        let base = match outcome.already.len() {
            0 => String::new(),
            n => format!(
                "; but the base scenario already violates {} (above): exit code 1",
                count(n, "property", "properties")
            ),
        };
        line(format!(
            "{} cases explored: {}{base}",
            outcome.cases,
            if all_searched {
                "every property holds".to_string()
            } else {
                format!(
                    "no violation of the {} searched",
                    count(outcome.searched.len(), "property", "properties")
                )
            }
        ));
    }
    // One block per shrunk schedule, naming every property it violates.
    let mut groups: Vec<(&Schedule, Vec<&Finding>)> = Vec::new();
    for f in &outcome.findings {
        match groups.iter_mut().find(|(s, _)| **s == f.schedule) {
            Some((_, fs)) => fs.push(f),
            None => groups.push((&f.schedule, vec![f])),
        }
    }
    if args.all_violations && !outcome.findings.is_empty() {
        line(format!(
            "{} in {} cases, from {}:",
            count(
                outcome.findings.len(),
                "distinct violation",
                "distinct violations"
            ),
            outcome.cases,
            count(groups.len(), "shrunk schedule", "shrunk schedules")
        ));
    }
    for (schedule, fs) in &groups {
        let j = finding_json(fs[0]);
        let shrunk = format!(
            "shrunk to {}, {} and {}",
            count(j.faults.len(), "fault", "faults"),
            count(j.operations.len(), "operation", "operations"),
            count(j.stretches.len(), "stretch", "stretches")
        );
        if args.all_violations {
            let names: Vec<String> = fs
                .iter()
                .map(|f| match f.found_in {
                    1 => f.property.to_string(),
                    n => format!("{} (found in {n} cases)", f.property),
                })
                .collect();
            let first = fs.iter().map(|f| f.case).min().unwrap_or_default();
            line(format!(
                "{} first in case {first}; {shrunk}:",
                names.join(", ")
            ));
        } else {
            line(format!(
                "{} violated in case {} of {}; {shrunk}:",
                fs[0].property, fs[0].case, args.cases
            ));
        }
        for x in &schedule.merged_faults() {
            line(format!("  fault      {}", explore::fault_arg(m, x)));
        }
        for o in &schedule.operations {
            line(format!("  operation  {}", explore::operation_arg(m, o)));
        }
        for s in &schedule.stretches {
            line(format!("  stretch    {}", explore::stretch_arg(m, s)));
        }
        let indent = if args.all_violations { "  " } else { "" };
        line(format!("{indent}replay: {}", j.replay));
    }
    out
}
