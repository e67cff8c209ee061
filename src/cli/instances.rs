//! `schedsim instances MODEL --from D --to D`: the instances a backfill would create.

use std::path::PathBuf;

use schedsim::calendar::schedule::{local_to_instant, rfc3339};
use schedsim::keyword::Keyword;
use schedsim::model::{self, Target};
use schedsim::plan::{self, Request};

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    model: PathBuf,
    /// First business date (dataworks) or schedule/logical time, included.
    #[arg(long, required_unless_present = "dates")]
    from: Option<String>,
    /// Last business date or time, included. A business date (dataworks) covers its
    /// whole day; elsewhere a date is its midnight, as Airflow's --to-date: the fires
    /// later that day are left out, with a note naming the first.
    #[arg(long, required_unless_present = "dates")]
    to: Option<String>,
    /// DolphinScheduler: explicit schedule times instead of a range, comma-separated
    /// (duplicates dropped, at most 100).
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["from", "to"])]
    dates: Vec<String>,
    /// Workflows or "workflow.task" names, comma-separated; default: every workflow.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
    /// Include everything downstream of the targets.
    #[arg(long)]
    downstream: bool,
    /// Time-of-day window for hourly and minutely tasks (dataworks only), both ends
    /// included.
    #[arg(long)]
    window: Option<String>,
    /// The virtual now (airflow, or `future_instances = skip`: runs whose interval has
    /// not ended are not created); refused where the model's rule creates them.
    #[arg(long)]
    now: Option<String>,
    /// Refuse requests that would create more instances than this.
    #[arg(long, default_value_t = super::DEFAULT_MAX_INSTANCES)]
    max_instances: u64,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    /// Position in this list, which `waits_for` refers to.
    index: usize,
    task: &'a str,
    scheduled: String,
    run_after: String,
    date: &'a str,
    kind: plan::Kind,
    /// The instances this one is bound to: upstream and self-dependency (DW §5.2).
    waits_for: &'a [u32],
    /// `table/partition` of each write, evaluated for an execution at the scheduled time.
    partitions: Vec<String>,
}

pub fn run(args: &Args) -> i32 {
    let m = match model::load_file(&args.model) {
        Ok(m) => m,
        Err(d) => {
            super::errors::diagnostics(&d);
            return EXIT_BAD_INPUT;
        }
    };
    let bound =
        |flag: &str, text: &str| model::parse_bound(text).map_err(|e| format!("{flag}: {e}"));
    let mut parsed = Vec::new();
    for text in &args.dates {
        match bound("--dates", text) {
            Ok(model::DateOrTime::DateTime(t)) => parsed.push(t),
            Ok(model::DateOrTime::Date(_)) => {
                return fail(&format!(
                    "--dates: `{text}` is a date; give schedule times (YYYY-MM-DDTHH:MM:SS)"
                ));
            }
            Err(e) => return fail(&e),
        }
    }
    let given = parsed.len();
    let dates = match model::complement_dates(parsed) {
        Ok(d) if d.len() < given => {
            errln!(
                "note: --dates: {} repeated schedule time(s) counted once (DolphinScheduler's complement list is a set)",
                given - d.len()
            );
            d
        }
        Ok(d) => d,
        Err(n) => {
            return fail(&format!(
                "--dates: DolphinScheduler takes at most {} complement dates, not {n}",
                model::MAX_COMPLEMENT_DATES
            ));
        }
    };
    // Accepted and ignored, they would answer another question than the one asked.
    if args.window.is_some() && m.profile != schedsim::rules::Profile::Dataworks {
        return fail(&format!(
            "--window: a time-of-day window is DataWorks' (its hourly and minutely backfills), but this model's profile is `{}`",
            m.profile.word()
        ));
    }
    if args.now.is_some() && m.rules.future_instances != schedsim::rules::FutureInstances::Skip {
        return fail(&format!(
            "--now: only future_instances = skip (Airflow's) leaves out runs not yet due at a time; this model's rule is `{}`, so a backfill creates them whatever the time",
            m.rules.future_instances.word()
        ));
    }
    if !dates.is_empty() && m.profile != schedsim::rules::Profile::Dolphinscheduler {
        return fail("--dates: an explicit date list is DolphinScheduler's; give --from and --to");
    }
    let (from, to) = if dates.is_empty() {
        let (Some(f), Some(t)) = (&args.from, &args.to) else {
            return fail("--from and --to are required without --dates");
        };
        match (bound("--from", f), bound("--to", t)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => return fail(&e),
        }
    } else {
        let first = dates.iter().min().copied().unwrap_or_default();
        let last = dates.iter().max().copied().unwrap_or_default();
        (
            model::DateOrTime::DateTime(first),
            model::DateOrTime::DateTime(last),
        )
    };
    let now = match &args.now {
        Some(t) => match bound("--now", t) {
            Ok(t) => Some(local_to_instant(&m.timezone, t.start())),
            Err(e) => return fail(&e),
        },
        None => None,
    };
    let window = match &args.window {
        Some(w) => match model::parse_window(w) {
            Ok(w) => Some(w),
            Err(e) => return fail(&format!("--window: {e}")),
        },
        None => None,
    };
    let mut targets = Vec::new();
    for name in &args.targets {
        let found = if name.contains('.') {
            m.tasks
                .iter()
                .position(|t| t.name == *name)
                .map(|i| Target::Task(model::TaskId(i as u32)))
        } else {
            m.workflows
                .iter()
                .position(|w| w.name == *name)
                .map(|i| Target::Workflow(model::WorkflowId(i as u32)))
        };
        match found {
            Some(t) => targets.push(t),
            None => {
                let names = m
                    .workflows
                    .iter()
                    .map(|w| w.name.as_str())
                    .chain(m.tasks.iter().map(|t| t.name.as_str()));
                let hint = model::diagnostic::did_you_mean(name, names)
                    .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
                return fail(&format!(
                    "--targets: no workflow or task `{name}` in {}{hint}",
                    args.model.display()
                ));
            }
        }
    }
    if targets.is_empty() {
        targets = (0..m.workflows.len())
            .map(|i| Target::Workflow(model::WorkflowId(i as u32)))
            .collect();
    }
    let request = Request {
        targets,
        downstream: args.downstream,
        from,
        to,
        window,
        dates: (!dates.is_empty()).then_some(dates),
        now,
        clip: None,
        max_instances: args.max_instances,
    };
    let (instances, notes) = match plan::plan_with_notes(&m, &request) {
        Ok(i) => i,
        Err(e) => return fail(&e.to_string()),
    };
    // Notes go to stderr in both formats: stdout keeps the JSON array of the contract.
    for note in &notes {
        errln!("note: {note}");
    }
    if instances.is_empty() && notes.is_empty() {
        errln!(
            "note: no instance: no scheduled time of the targets falls in the range (their crons, effective periods and --window)"
        );
    }
    let rows: Result<Vec<Row<'_>>, String> = instances
        .iter()
        .enumerate()
        .map(|(index, l)| {
            Ok(Row {
                index,
                task: &m.task(l.task).name,
                scheduled: rfc3339(&m.timezone, l.scheduled),
                run_after: rfc3339(&m.timezone, l.run_after),
                date: &l.date,
                kind: l.kind,
                waits_for: &l.waits_for,
                partitions: plan::partitions(&m, &l.instance(), l.unit, l.scheduled)?
                    .into_iter()
                    .map(|(key, _)| key.to_string())
                    .collect(),
            })
        })
        .collect();
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return fail(&e),
    };
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&rows).expect("rows serialise")
        ),
        Format::Text => {
            for r in &rows {
                let kind = if r.kind == plan::Kind::Run {
                    "run"
                } else {
                    "dry_run"
                };
                let waits: Vec<String> = r.waits_for.iter().map(|w| w.to_string()).collect();
                outln!(
                    "{}\t{}\t{}\t{}\t{kind}\twaits:{}\t{}",
                    r.index,
                    r.task,
                    r.scheduled,
                    r.date,
                    if waits.is_empty() {
                        "-".into()
                    } else {
                        waits.join(",")
                    },
                    r.partitions.join(" ")
                );
            }
            errln!("{} instances", rows.len());
        }
    }
    EXIT_OK
}
