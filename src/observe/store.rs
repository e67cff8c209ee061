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
//!
//! Partition names are interned: each is evaluated once per instance (again per
//! execution only when it reads the execution's clock), and stored once.

use std::collections::{BTreeMap, HashMap};

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

/// The store at the end of a run: its partitions, and per instance what it meant to
/// write and what it wrote.
pub struct StoreReport {
    pub partitions: Vec<Partition>,
    /// Partition names by id.
    keys: Vec<PartitionKey>,
    /// Per instance with writes that ran: the ids of the partitions its date names.
    intended: BTreeMap<u32, Vec<(u32, WriteMode)>>,
    /// Per instance: the ids of the partitions its executions wrote, each once.
    written: BTreeMap<u32, Vec<u32>>,
}

impl StoreReport {
    /// The ids of the partitions an instance's date names (none for a task without
    /// writes, or an instance that never ran).
    pub fn intended(&self, instance: u32) -> impl Iterator<Item = u32> + '_ {
        self.intended
            .get(&instance)
            .into_iter()
            .flatten()
            .map(|(id, _)| *id)
    }

    /// The ids of the partitions an instance's executions wrote, each once.
    pub fn written_by(&self, instance: u32) -> &[u32] {
        self.written.get(&instance).map_or(&[], Vec::as_slice)
    }

    /// A partition's name.
    pub fn key(&self, id: u32) -> &PartitionKey {
        &self.keys[id as usize]
    }
}

/// Records every landed write as the events go by.
pub struct Store<'m> {
    model: &'m Model,
    /// Some task writes (nothing to record otherwise).
    any_writes: bool,
    /// Per task: its writes read the execution's clock (`today()`, `now()`).
    clocked: Vec<bool>,
    started: Vec<Instant>,
    /// Interned partition names, ids in first-write order. The map is only looked
    /// up; the report's order comes from sorting the names.
    keys: Vec<PartitionKey>,
    ids: HashMap<PartitionKey, u32>,
    /// Per partition id: the writes that landed there.
    writes: Vec<Vec<Landed>>,
    /// Per instance that wrote: its intended partitions (ids, modes).
    intended: BTreeMap<u32, Vec<(u32, WriteMode)>>,
    /// Per instance that wrote: the partition ids its executions wrote, each once.
    written: BTreeMap<u32, Vec<u32>>,
    /// The first partition expression that named no date (the run is refused).
    error: Option<String>,
    units: crate::engine::UnitKeys,
}

impl<'m> Store<'m> {
    pub fn new(model: &'m Model) -> Self {
        Store {
            model,
            any_writes: model.tasks.iter().any(|t| !t.writes.is_empty()),
            clocked: model
                .tasks
                .iter()
                .map(|t| {
                    t.writes
                        .iter()
                        .filter_map(|w| w.partition.as_deref())
                        .any(|p| p.contains("today()") || p.contains("now()"))
                })
                .collect(),
            started: Vec::new(),
            keys: Vec::new(),
            ids: HashMap::new(),
            writes: Vec::new(),
            intended: BTreeMap::new(),
            written: BTreeMap::new(),
            error: None,
            units: Default::default(),
        }
    }

    /// Interns the partitions an execution at `executed` writes; on an expression that
    /// names no date, keeps the first error and lands nothing.
    fn evaluate(
        &mut self,
        instance: &PlannedInstance,
        unit: UnitKey,
        executed: Instant,
    ) -> Vec<(u32, WriteMode)> {
        match partitions(self.model, instance, unit, executed) {
            Ok(keys) => keys
                .into_iter()
                .map(|(key, mode)| (self.intern(key), mode))
                .collect(),
            Err(e) => {
                self.error.get_or_insert(e);
                Vec::new()
            }
        }
    }

    fn intern(&mut self, key: PartitionKey) -> u32 {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.ids.insert(key.clone(), id);
        self.keys.push(key);
        self.writes.push(Vec::new());
        id
    }

    /// Evaluates an instance's intended partitions (at its scheduled time), once.
    fn ensure_intended(
        &mut self,
        instance: u32,
        task: TaskId,
        scheduled: Instant,
        run_after: Instant,
        unit: UnitKey,
    ) {
        if self.intended.contains_key(&instance) {
            return;
        }
        let ids = self.evaluate(&planned(task, scheduled, run_after), unit, scheduled);
        self.intended.insert(instance, ids);
    }

    /// The partitions, against the reference, and what each instance meant and wrote;
    /// or the first partition expression that named no date of the calendar.
    pub fn finish(mut self, engine: &Engine<'_>) -> Result<StoreReport, String> {
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
                let unit = engine.units[inst.unit as usize].key;
                self.ensure_intended(i as u32, inst.task, inst.scheduled, inst.run_after, unit);
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut reference: Vec<Content> = vec![Content::new(); self.keys.len()];
        for (&(scheduled, task), i) in &logical {
            for &(id, mode) in &self.intended[i] {
                // A table-level write means to leave its own rows in the table, beside
                // those of the other dates: an overwrite of the whole table by every
                // date leaves only the last one's, and the others show as missing.
                let mode = if self.keys[id as usize].whole_table() {
                    WriteMode::Merge
                } else {
                    mode
                };
                apply(&mut reference[id as usize], (task, scheduled), mode);
            }
        }
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        let mut partitions = Vec::new();
        for id in order {
            let key = &self.keys[id as usize];
            let writes = &self.writes[id as usize];
            let mut have = Content::new();
            for w in writes {
                let inst = &engine.instances[w.instance as usize];
                apply(&mut have, (inst.task, inst.scheduled), w.mode);
            }
            let want = &reference[id as usize];
            let count = |v: &Content, x: &(TaskId, Instant)| v.get(x).copied().unwrap_or(0);
            let mut distinct: Vec<(TaskId, Instant)> =
                want.keys().chain(have.keys()).copied().collect();
            distinct.sort_unstable();
            distinct.dedup();
            let (mut duplicated, mut foreign, mut missing) = (Vec::new(), Vec::new(), Vec::new());
            for x in distinct {
                match (count(want, &x), count(&have, &x)) {
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
            partitions.push(Partition {
                key: key.clone(),
                writes: writes.clone(),
                status,
                duplicated,
                foreign,
                missing,
            });
        }
        Ok(StoreReport {
            partitions,
            keys: self.keys,
            intended: self.intended,
            written: self.written,
        })
    }
}

fn planned(task: TaskId, scheduled: Instant, run_after: Instant) -> PlannedInstance {
    PlannedInstance {
        task,
        scheduled,
        run_after,
        kind: Kind::Run,
    }
}

/// A partition's content: how many copies of each logical instance's rows it holds
/// (a count, so that many writes to one partition stay n log n).
type Content = BTreeMap<(TaskId, Instant), u32>;

/// One write of a logical instance's rows into a partition's content.
fn apply(content: &mut Content, rows: (TaskId, Instant), mode: WriteMode) {
    match mode {
        WriteMode::Overwrite => {
            content.clear();
            content.insert(rows, 1);
        }
        WriteMode::Insert => *content.entry(rows).or_insert(0) += 1,
        WriteMode::Merge => {
            content.entry(rows).or_insert(1);
        }
    }
}

impl Sink for Store<'_> {
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        // Only a task that writes needs its executions' starts.
        if !self.any_writes {
            return;
        }
        self.landed(e);
    }
    fn unit(&mut self, e: &crate::engine::UnitEvent) {
        if self.any_writes {
            self.units.note(e);
        }
    }
    fn active(&self) -> bool {
        self.any_writes
    }
}

impl Store<'_> {
    fn landed(&mut self, e: &Event<'_>) {
        if self.model.task(e.task()).writes.is_empty() {
            return;
        }
        let i = e.instance as usize;
        if e.to == State::Running {
            if self.started.len() <= i {
                self.started.resize(i + 1, 0);
            }
            self.started[i] = e.time;
        }
        if e.from != State::Running
            || !e.reason.wrote()
            || self.model.task(e.task()).writes.is_empty()
        {
            return;
        }
        let started = self.started[i];
        let date = self.units.of(e.unit());
        let by_clock: Vec<(u32, WriteMode)>;
        let landed: &[(u32, WriteMode)] = if self.clocked[e.task().0 as usize] {
            by_clock = self.evaluate(
                &planned(e.task(), e.scheduled(), e.run_after()),
                date,
                started,
            );
            &by_clock
        } else {
            // Without the execution's clock, it lands where its date says.
            self.ensure_intended(e.instance, e.task(), e.scheduled(), e.run_after(), date);
            &self.intended[&e.instance]
        };
        for &(id, mode) in landed {
            let mine = self.written.entry(e.instance).or_default();
            if !mine.contains(&id) {
                mine.push(id);
            }
            self.writes[id as usize].push(Landed {
                instance: e.instance,
                attempt: e.attempt(),
                started,
                at: e.time,
                mode,
            });
        }
    }
}
