//! `import --check`: the imported model is loaded like any model file, its default
//! scenario (a backfill of three dates) is run and checked, and the hazards of its
//! writes are listed, each with the statement it comes from and what the run showed.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{Import, InferredWrite};
use crate::calendar::schedule::rfc3339;
use crate::engine::Config;
use crate::model::{self, FileDiagnostics, WriteMode};

/// One hazard of the imported model.
#[derive(Clone, Debug, Serialize)]
pub struct Hazard {
    /// `same-partition-every-date`, `clock-partition`, `insert-under-retries`,
    /// `shared-partition`, `whole-table-overwrite`.
    pub kind: &'static str,
    pub task: String,
    pub table: String,
    /// None: the whole table.
    pub partition: Option<String>,
    pub message: String,
    /// The statement the write was inferred from.
    pub statement: Option<String>,
    /// What the default scenario's run showed.
    pub evidence: Vec<String>,
}

/// The hazards found, and the properties that failed in the run.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    pub scenario: Option<String>,
    pub hazards: Vec<Hazard>,
    /// Properties that did not hold in the default scenario, with their summary.
    pub failed_properties: Vec<String>,
    /// What the run noted of itself (a request split by workflow, runs left out),
    /// as `run` prints it.
    pub notes: Vec<String>,
}

/// Why the check could not run.
pub enum CheckError {
    /// The imported model does not validate (a bug of the importer, or a setting
    /// schedsim refuses): its diagnostics.
    Invalid(Box<FileDiagnostics>),
    /// The scenario was refused.
    Refused(String),
}

/// The first inferred write of each task and table, looked up by name: a search of
/// the list per write made `import --check` quadratic in the tasks (50,000 tasks: 39 s).
struct Statements<'a>(HashMap<&'a str, HashMap<&'a str, &'a InferredWrite>>);

impl<'a> Statements<'a> {
    fn new(inferred: &'a [InferredWrite]) -> Self {
        let mut map: HashMap<&str, HashMap<&str, &InferredWrite>> = HashMap::new();
        for w in inferred {
            map.entry(w.task.as_str())
                .or_default()
                .entry(w.table.as_str())
                .or_insert(w);
        }
        Statements(map)
    }

    fn of(&self, task: &str, table: &str) -> Option<&'a InferredWrite> {
        self.0.get(task).and_then(|t| t.get(table)).copied()
    }
}

pub fn check(import: &Import) -> Result<Checked, CheckError> {
    let m = model::load_str("<imported model>", &import.toml)
        .map_err(|d| CheckError::Invalid(Box::new(d)))?;
    let statements = Statements::new(&import.report.inferred);
    let mut hazards = Vec::new();
    // From the model alone.
    for task in &m.tasks {
        for w in &task.writes {
            let inf = statements.of(&task.name, &w.table);
            let statement = inf.map(|i| i.statement.clone());
            let partition = w.partition.clone();
            if w.mode == WriteMode::Insert && task.retry.times > 0 {
                hazards.push(Hazard {
                    kind: "insert-under-retries",
                    task: task.name.clone(),
                    table: w.table.clone(),
                    partition: partition.clone(),
                    message: format!(
                        "duplicate-prone under retries: INSERT INTO appends again on each of its {} retries (and on every rerun) after a failure that came after the write",
                        task.retry.times
                    ),
                    statement: statement.clone(),
                    evidence: Vec::new(),
                });
            }
            if let Some(p) = &partition
                && (p.contains("today()") || p.contains("now()"))
            {
                hazards.push(Hazard {
                    kind: "clock-partition",
                    task: task.name.clone(),
                    table: w.table.clone(),
                    partition: partition.clone(),
                    message: format!(
                        "the partition {p} is named from the execution's clock, not from the instance's date: a backfill writes every date into the day it runs"
                    ),
                    statement: statement.clone(),
                    evidence: Vec::new(),
                });
            }
        }
    }
    let Some(scenario) = m.scenarios.first() else {
        return Ok(Checked {
            scenario: None,
            hazards,
            failed_properties: Vec::new(),
            notes: Vec::new(),
        });
    };
    let (engine, findings, _) = crate::observe::observe(
        &m,
        scenario,
        Config::new(0, 1_000_000),
        None::<std::io::Sink>,
    )
    .map_err(|e| CheckError::Refused(e.to_string()))?;
    let tz = &m.timezone;
    // (task, table) -> (the other tasks, the partitions they share).
    let mut shared: BTreeMap<(String, String), (Vec<String>, Vec<String>)> = BTreeMap::new();
    for p in &findings.partitions {
        // Per task: the distinct instances that wrote this partition.
        let mut by_task: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
        for w in &p.writes {
            let inst = &engine.instances[w.instance as usize];
            let v = by_task.entry(inst.task.0).or_default();
            if !v.contains(&inst.scheduled) {
                v.push(inst.scheduled);
            }
        }
        let partition = (!p.key.whole_table()).then(|| p.key.partition.clone());
        for (&task, scheduled) in &by_task {
            let name = &m.tasks[task as usize].name;
            let inf = statements.of(name, &p.key.table);
            let writes = m.tasks[task as usize]
                .writes
                .iter()
                .filter(|w| w.table == p.key.table);
            let clocked = writes.clone().any(|w| {
                w.partition
                    .as_deref()
                    .is_some_and(|q| q.contains("today()") || q.contains("now()"))
            });
            let kept = writes.clone().all(|w| w.mode != WriteMode::Overwrite);
            if scheduled.len() < 2 || (p.key.whole_table() && kept) {
                // An insert or a merge into the whole table keeps every date's rows.
                continue;
            }
            let mut scheduled = scheduled.clone();
            scheduled.sort_unstable();
            let dates: Vec<String> = scheduled.iter().map(|s| rfc3339(tz, *s)).collect();
            if clocked {
                if let Some(h) = hazards.iter_mut().find(|h| {
                    h.kind == "clock-partition" && h.task == *name && h.table == p.key.table
                }) {
                    h.evidence.push(format!(
                        "the backfill wrote {} for {} dates: {}",
                        p.key,
                        dates.len(),
                        dates.join(", ")
                    ));
                }
                continue;
            }
            let (kind, message) = if p.key.whole_table() {
                (
                    "whole-table-overwrite",
                    format!(
                        "every date writes the whole table {} ({}): each date's rows replace the previous date's",
                        p.key.table,
                        inf.map_or("a write", |i| i.pattern.as_str())
                    ),
                )
            } else {
                (
                    "same-partition-every-date",
                    format!(
                        "every date writes the same partition {}: the partition names no date parameter",
                        p.key
                    ),
                )
            };
            hazards.push(Hazard {
                kind,
                task: name.clone(),
                table: p.key.table.clone(),
                partition: partition.clone(),
                message,
                statement: inf.map(|i| i.statement.clone()),
                evidence: vec![format!(
                    "the default scenario's {} instances all wrote {}: {}",
                    dates.len(),
                    p.key,
                    dates.join(", ")
                )],
            });
        }
        if by_task.len() > 1 {
            for &task in by_task.keys() {
                let others: Vec<String> = by_task
                    .keys()
                    .filter(|t| **t != task)
                    .map(|t| m.tasks[*t as usize].name.clone())
                    .collect();
                let entry = shared
                    .entry((m.tasks[task as usize].name.clone(), p.key.table.clone()))
                    .or_insert_with(|| (Vec::new(), Vec::new()));
                for o in others {
                    if !entry.0.contains(&o) {
                        entry.0.push(o);
                    }
                }
                entry.1.push(format!(
                    "{} ({} executions, ends {})",
                    p.key,
                    p.writes.len(),
                    p.status.word()
                ));
            }
        }
    }
    for ((task, table), (mut others, partitions)) in shared {
        others.sort();
        hazards.push(Hazard {
            kind: "shared-partition",
            message: format!(
                "{task} writes partitions of {table} that {} also writes{}",
                others.join(", "),
                if partitions.len() > 1 {
                    format!(" ({} partitions)", partitions.len())
                } else {
                    String::new()
                }
            ),
            statement: statements.of(&task, &table).map(|i| i.statement.clone()),
            partition: None,
            task,
            table,
            evidence: partitions,
        });
    }
    // INSERT INTO under retries: the same scenario again, with the task's first
    // instance failing after its write once; the retry appends the rows a second time.
    for h in hazards
        .iter_mut()
        .filter(|h| h.kind == "insert-under-retries")
    {
        let Some(task) = m.tasks.iter().position(|t| t.name == h.task) else {
            continue;
        };
        let task = crate::model::TaskId(task as u32);
        let Some(first) = engine
            .instances
            .iter()
            .filter(|i| i.task == task)
            .map(|i| i.scheduled)
            .min()
        else {
            continue;
        };
        let scheduled = crate::calendar::schedule::instant_to_local(tz, first);
        let mut faulted = scenario.clone();
        faulted.faults.push(crate::model::Fault {
            task,
            scheduled,
            attempts: vec![1],
            phase: crate::model::FaultPhase::AfterWrite,
            origin: None,
        });
        let config = Config::new(0, 1_000_000);
        if let Ok((_, f, _)) = crate::observe::observe(&m, &faulted, config, None::<std::io::Sink>)
        {
            for p in f
                .partitions
                .iter()
                .filter(|p| p.key.table == h.table && p.duplicated.iter().any(|d| d.0 == task))
            {
                h.evidence.push(format!(
                    "the default scenario with attempt 1 of {} scheduled {} failing after its write: the retry appended again, {} holds its rows {} times",
                    h.task,
                    rfc3339(tz, first),
                    p.key,
                    p.duplicated.iter().find(|d| d.0 == task).map_or(0, |d| d.2)
                ));
            }
        }
    }
    let failed_properties = findings
        .properties
        .iter()
        .filter(|r| !r.holds)
        .map(|r| {
            format!(
                "{}: {}",
                r.name,
                r.witness.as_ref().map_or("", |w| w.summary.as_str())
            )
        })
        .collect();
    hazards.sort_by(|a, b| {
        (a.task.as_str(), a.kind, &a.table).cmp(&(b.task.as_str(), b.kind, &b.table))
    });
    Ok(Checked {
        scenario: import.report.scenario.clone(),
        hazards,
        failed_properties,
        notes: engine.notes,
    })
}
