//! The simulated data store: tables of partitions, and every write that landed in
//! them, with the execution that made it.
//!
//! An execution writes when it finishes, or when it fails after its write
//! (`after_write`). Its partitions are evaluated from the instance's dates, or from the
//! execution's start for `today()` and `now()`. Each partition's content is kept as
//! the logical instances (task, scheduled time) whose rows it holds: `overwrite`
//! replaces them, `insert` appends once more, `merge` keeps one copy of each. The
//! reference is what one clean execution of each instance that ran (or was set
//! succeeded) leaves, writing to its intended partitions (evaluated at its scheduled
//! time) in scheduled order. Comparing the two names every problem with its cause.

use std::collections::BTreeMap;

use crate::calendar::Instant;
use crate::engine::{Engine, Event, Sink, State};
use crate::model::{Model, TaskId, WriteMode};
use crate::plan::{Kind, PartitionKey, PlannedInstance, UnitKey, partitions};

/// One write that landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    pub instance: u32,
    pub attempt: u32,
    /// Start of the execution (what `today()` and `now()` see).
    pub started: Instant,
    /// When the write landed (the execution's end).
    pub at: Instant,
    pub mode: WriteMode,
}

/// How a partition ends, against the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Some instance's rows are in it more times than a clean run leaves.
    Duplicated,
    /// It holds rows of instances that meant another partition.
    Misaligned,
    /// A clean run would leave rows here that are not.
    Missing,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Duplicated => "duplicated",
            Status::Misaligned => "misaligned",
            Status::Missing => "missing",
        }
    }
}

/// A partition at the end of the scenario.
#[derive(Clone, Debug)]
pub struct Partition {
    pub key: PartitionKey,
    pub writes: Vec<Landed>,
    pub status: Status,
    /// Logical instances (task, scheduled) with more copies than the reference.
    pub duplicated: Vec<(TaskId, Instant, u32)>,
    /// Logical instances whose rows are here but belong elsewhere.
    pub foreign: Vec<(TaskId, Instant)>,
    /// Logical instances whose rows should be here and are not.
    pub missing: Vec<(TaskId, Instant)>,
}

/// Records every landed write as the events go by.
pub struct Store<'m> {
    model: &'m Model,
    started: Vec<Instant>,
    writes: BTreeMap<PartitionKey, Vec<Landed>>,
    /// Per instance: the partitions its executions wrote, each once.
    by_instance: BTreeMap<u32, Vec<PartitionKey>>,
}

impl<'m> Store<'m> {
    pub fn new(model: &'m Model) -> Self {
        Store {
            model,
            started: Vec::new(),
            writes: BTreeMap::new(),
            by_instance: BTreeMap::new(),
        }
    }

    /// The partitions an instance's executions wrote.
    pub fn written_by(&self, instance: u32) -> &[PartitionKey] {
        self.by_instance.get(&instance).map_or(&[], Vec::as_slice)
    }

    /// Every partition written or meant to be written, with its status, in key order.
    pub fn partitions(&self, engine: &Engine<'_>) -> Vec<Partition> {
        let model = self.model;
        // The reference: one clean execution of each logical instance that ran or
        // was set succeeded, in scheduled order.
        let mut logical: BTreeMap<(Instant, TaskId), u32> = BTreeMap::new();
        for (i, inst) in engine.instances.iter().enumerate() {
            let counts = inst.attempts > 0 || inst.state == State::Succeeded;
            if counts && inst.kind == Kind::Run && !model.task(inst.task).writes.is_empty() {
                logical
                    .entry((inst.scheduled, inst.task))
                    .or_insert(i as u32);
            }
        }
        let mut reference: BTreeMap<PartitionKey, Vec<(TaskId, Instant)>> = BTreeMap::new();
        for (&(scheduled, task), &i) in &logical {
            for (key, mode) in intended(model, engine, i) {
                apply(reference.entry(key).or_default(), (task, scheduled), mode);
            }
        }
        let mut actual: BTreeMap<PartitionKey, Vec<(TaskId, Instant)>> = BTreeMap::new();
        for (key, writes) in &self.writes {
            let content = actual.entry(key.clone()).or_default();
            for w in writes {
                let inst = &engine.instances[w.instance as usize];
                apply(content, (inst.task, inst.scheduled), w.mode);
            }
        }
        let mut keys: Vec<&PartitionKey> = reference.keys().chain(actual.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .map(|key| {
                let empty = Vec::new();
                let want = reference.get(key).unwrap_or(&empty);
                let have = actual.get(key).unwrap_or(&empty);
                let count = |v: &[(TaskId, Instant)], x: &(TaskId, Instant)| {
                    v.iter().filter(|y| *y == x).count() as u32
                };
                let mut distinct: Vec<(TaskId, Instant)> =
                    want.iter().chain(have).copied().collect();
                distinct.sort();
                distinct.dedup();
                let (mut duplicated, mut foreign, mut missing) =
                    (Vec::new(), Vec::new(), Vec::new());
                for x in distinct {
                    match (count(want, &x), count(have, &x)) {
                        (0, _) => foreign.push(x),
                        (_, 0) => missing.push(x),
                        (w, h) if h > w => duplicated.push((x.0, x.1, h)),
                        _ => {}
                    }
                }
                let status = if !duplicated.is_empty() {
                    Status::Duplicated
                } else if !foreign.is_empty() {
                    Status::Misaligned
                } else if !missing.is_empty() {
                    Status::Missing
                } else {
                    Status::Ok
                };
                Partition {
                    key: key.clone(),
                    writes: self.writes.get(key).cloned().unwrap_or_default(),
                    status,
                    duplicated,
                    foreign,
                    missing,
                }
            })
            .collect()
    }
}

/// The partitions an instance means to write: evaluated at its scheduled time.
pub fn intended(model: &Model, engine: &Engine<'_>, i: u32) -> Vec<(PartitionKey, WriteMode)> {
    let inst = &engine.instances[i as usize];
    let unit = engine.units[inst.unit as usize].key;
    partitions(
        model,
        &planned(inst.task, inst.scheduled, inst.run_after),
        unit,
        inst.scheduled,
    )
}

fn planned(task: TaskId, scheduled: Instant, run_after: Instant) -> PlannedInstance {
    PlannedInstance {
        task,
        scheduled,
        run_after,
        kind: Kind::Run,
    }
}

/// One write of a logical instance's rows into a partition's content.
fn apply(content: &mut Vec<(TaskId, Instant)>, rows: (TaskId, Instant), mode: WriteMode) {
    match mode {
        WriteMode::Overwrite => {
            content.clear();
            content.push(rows);
        }
        WriteMode::Insert => content.push(rows),
        WriteMode::Merge => {
            if !content.contains(&rows) {
                content.push(rows);
            }
        }
    }
}

impl Sink for Store<'_> {
    fn event(&mut self, e: &Event) {
        let i = e.instance as usize;
        if e.to == State::Running {
            if self.started.len() <= i {
                self.started.resize(i + 1, 0);
            }
            self.started[i] = e.time;
        }
        if e.from != State::Running || !e.reason.wrote() {
            return;
        }
        let started = self.started[i];
        let unit: UnitKey = e.date;
        for (key, mode) in partitions(
            self.model,
            &planned(e.task, e.scheduled, e.run_after),
            unit,
            started,
        ) {
            let mine = self.by_instance.entry(e.instance).or_default();
            if !mine.contains(&key) {
                mine.push(key.clone());
            }
            self.writes.entry(key).or_default().push(Landed {
                instance: e.instance,
                attempt: e.attempt,
                started,
                at: e.time,
                mode,
            });
        }
    }
}
