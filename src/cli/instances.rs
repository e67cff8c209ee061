//! `schedsim instances MODEL --from D --to D`: the instances a backfill would create.

use std::path::PathBuf;

use schedsim::calendar::schedule::{local_to_instant, rfc3339};
use schedsim::model::{self, Target};
use schedsim::plan::{self, Request};

use super::{EXIT_BAD_INPUT, EXIT_OK, Format, fail};

#[derive(clap::Args)]
pub struct Args {
    model: PathBuf,
    /// First business date (dataworks) or schedule/logical time, included.
    #[arg(long)]
    from: String,
    /// Last business date or time, included.
    #[arg(long)]
    to: String,
    /// Workflows or "workflow.task" names, comma-separated; default: every workflow.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
    /// Include everything downstream of the targets.
    #[arg(long)]
    downstream: bool,
    /// Time-of-day window for hourly and minutely tasks (dataworks), both ends included.
    #[arg(long)]
    window: Option<String>,
    /// The virtual now (airflow: runs whose interval has not ended are not created).
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
            eprint!("{}", d.render());
            return EXIT_BAD_INPUT;
        }
    };
    let bound =
        |flag: &str, text: &str| model::parse_bound(text).map_err(|e| format!("{flag}: {e}"));
    let (from, to) = match (bound("--from", &args.from), bound("--to", &args.to)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(&e),
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
                return fail(&format!(
                    "--targets: no workflow or task `{name}` in {}",
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
        now,
        clip: None,
        max_instances: args.max_instances,
    };
    let instances = match plan::plan(&m, &request) {
        Ok(i) => i,
        Err(e) => return fail(&e.to_string()),
    };
    let rows: Vec<Row<'_>> = instances
        .iter()
        .enumerate()
        .map(|(index, l)| Row {
            index,
            task: &m.task(l.task).name,
            scheduled: rfc3339(&m.timezone, l.scheduled),
            run_after: rfc3339(&m.timezone, l.run_after),
            date: &l.date,
            kind: l.kind,
            waits_for: &l.waits_for,
            partitions: plan::partitions(&m, &l.instance(), l.unit, l.scheduled)
                .into_iter()
                .map(|(key, _)| key.to_string())
                .collect(),
        })
        .collect();
    match args.format {
        Format::Json => println!(
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
                println!(
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
            eprintln!("{} instances", rows.len());
        }
    }
    EXIT_OK
}
