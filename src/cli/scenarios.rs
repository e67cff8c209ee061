//! `schedsim scenarios MODEL`: a model's scenarios, each with what it contains (its
//! span, the recurring schedule, backfills, scripted faults, operations and
//! stretches), in the command-line forms `run --fault/--operation/--stretch` take.

use std::path::PathBuf;

use schedsim::explore::{fault_arg, operation_arg, stretch_arg};
use schedsim::keyword::Keyword;
use schedsim::model::{Model, Scenario, Target};
use serde::Serialize;

use super::{EXIT_OK, Format, run};

#[derive(clap::Args)]
pub struct Args {
    /// The model file (TOML).
    model: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct Listed {
    name: String,
    start: String,
    until: Option<String>,
    recurring: bool,
    backfills: Vec<BackfillJson>,
    faults: Vec<String>,
    operations: Vec<String>,
    stretches: Vec<String>,
    /// Runs before the start: TASK,FROM[..TO],STATE[,writes_landed|,no_writes].
    history: Vec<String>,
    /// Airflow manual runs: `WORKFLOW at T` (and its logical date).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    triggers: Vec<String>,
}

#[derive(Serialize)]
struct BackfillJson {
    at: String,
    targets: Vec<String>,
    downstream: bool,
    from: String,
    to: String,
    /// Explicit schedule times (DolphinScheduler), when given instead of a range.
    dates: Option<usize>,
    groups: u32,
    order: &'static str,
    run_immediately: bool,
    /// Airflow: which dates that already ran are run again.
    reprocess: Option<&'static str>,
    /// DolphinScheduler ALL_DEPENDENT: "direct", or "all_levels" (allLevelDependent).
    #[serde(skip_serializing_if = "Option::is_none")]
    dependents: Option<&'static str>,
}

fn listed(m: &Model, s: &Scenario) -> Listed {
    Listed {
        name: s.name.clone(),
        start: s.start.to_string(),
        until: s.until.map(|u| u.to_string()),
        recurring: s.recurring,
        backfills: s
            .backfills
            .iter()
            .map(|b| BackfillJson {
                at: b.at.to_string(),
                targets: b
                    .targets
                    .iter()
                    .map(|t| match *t {
                        Target::Workflow(w) => m.workflows[w.0 as usize].name.clone(),
                        Target::Task(t) => m.task(t).name.clone(),
                    })
                    .collect(),
                downstream: b.downstream,
                from: b.from.to_string(),
                to: b.to.to_string(),
                dates: b.dates.as_ref().map(Vec::len),
                groups: b.groups,
                order: b.order.word(),
                run_immediately: b.run_immediately,
                reprocess: b.reprocess.map(|r| r.word()),
                dependents: b
                    .dependents
                    .map(|all| if all { "all_levels" } else { "direct" }),
            })
            .collect(),
        faults: s.faults.iter().map(|f| fault_arg(m, f)).collect(),
        operations: s.operations.iter().map(|o| operation_arg(m, o)).collect(),
        stretches: s.stretches.iter().map(|x| stretch_arg(m, x)).collect(),
        history: s
            .history
            .iter()
            .map(|h| {
                let when = if h.single {
                    h.from.to_string()
                } else {
                    format!("{}..{}", h.from, h.to)
                };
                let landed = match (h.state.word(), h.writes_landed) {
                    ("succeeded", true) | ("failed", false) => "",
                    (_, true) => ",writes_landed",
                    (_, false) => ",no_writes",
                };
                format!("{},{when},{}{landed}", m.task(h.task).name, h.state.word())
            })
            .collect(),
        triggers: s
            .triggers
            .iter()
            .map(|t| {
                let logical = t
                    .logical_date
                    .map_or(String::from(", no logical date"), |l| {
                        format!(", logical date {l}")
                    });
                format!("{} at {}{logical}", m.workflow(t.workflow).name, t.at)
            })
            .collect(),
    }
}

fn print_text(m: &Model, all: &[Listed]) {
    outln!(
        "model {} ({}): {} scenario(s)",
        m.name,
        m.profile.word(),
        all.len()
    );
    for s in all {
        outln!();
        let until = s
            .until
            .as_deref()
            .map_or(String::new(), |u| format!(" until {u}"));
        outln!("{}  from {}{until}", s.name, s.start);
        outln!(
            "  recurring schedule: {}",
            if s.recurring { "yes" } else { "no" }
        );
        for (i, b) in s.backfills.iter().enumerate() {
            let range = match b.dates {
                Some(n) => format!("{n} dates from {} to {}", b.from, b.to),
                None => format!("{} to {}", b.from, b.to),
            };
            let groups = match b.groups {
                0 => "one chain per date".to_string(),
                g => format!("{g} group(s)"),
            };
            let reprocess = b
                .reprocess
                .map_or(String::new(), |r| format!(", reprocess {r}"))
                + match b.dependents {
                    Some("all_levels") => ", dependents = true, all_levels = true (ALL_DEPENDENT)",
                    Some(_) => ", dependents = true (ALL_DEPENDENT)",
                    None => "",
                };
            outln!(
                "  backfill {}: {}{} {range}, at {}, {groups}, {}{}{reprocess}",
                i + 1,
                b.targets.join(","),
                if b.downstream { " and downstream" } else { "" },
                b.at,
                b.order,
                if b.run_immediately {
                    ", run immediately"
                } else {
                    ""
                }
            );
        }
        for (what, items) in [
            ("fault", &s.faults),
            ("operation", &s.operations),
            ("stretch", &s.stretches),
            ("history", &s.history),
            ("trigger", &s.triggers),
        ] {
            for x in items {
                outln!("  {what:<10} {x}");
            }
        }
    }
}

pub fn run(args: &Args) -> i32 {
    let loaded = match run::load(&args.model, None) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let m = &loaded.model;
    let all: Vec<Listed> = m.scenarios.iter().map(|s| listed(m, s)).collect();
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&all).expect("the scenarios serialise")
        ),
        Format::Text => print_text(m, &all),
    }
    EXIT_OK
}
