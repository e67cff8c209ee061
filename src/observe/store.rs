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

use std::collections::BTreeMap;

use super::mix::MixMap;

use crate::calendar::Instant;
use crate::engine::{Engine, Event, Sink, State};
use crate::model::{Model, TaskId, WriteMode};
use crate::plan::{Kind, PartitionKey, PlannedInstance, UnitKey, partition_names};

/// One write that landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    pub instance: u32,
    pub attempt: u32,
    /// The instance's task and scheduled time: what the partition's checks read of
    /// it, so that none reads the engine's instances (which a windowed run drops).
    pub task: TaskId,
    pub scheduled: Instant,
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
    /// Per partition id: its place in `partitions`.
    position: Vec<u32>,
    /// Per instance with writes that ran: the ids of the partitions its date names.
    intended: Intended,
    /// Per instance: the ids of the partitions its executions wrote, each once.
    written: Written,
}

impl StoreReport {
    /// The ids of the partitions an instance's date names (none for a task without
    /// writes, or an instance that never ran).
    pub fn intended(&self, instance: u32) -> impl Iterator<Item = u32> + Clone + '_ {
        self.intended.of(instance).iter().map(|(id, _)| *id)
    }

    /// The ids of the partitions an instance's executions wrote, each once, in the
    /// order they were first written.
    pub fn written_by(&self, instance: u32) -> impl Iterator<Item = u32> + Clone + '_ {
        self.written.of(instance)
    }

    /// A partition's name.
    pub fn key(&self, id: u32) -> &PartitionKey {
        &self.partitions[self.position[id as usize] as usize].key
    }
}

/// Not yet evaluated (an instance's first entry in [`Intended`]).
const UNSEEN: u32 = u32::MAX;

/// Per instance, its intended partitions: a range of one array, so that an instance
/// costs 8 bytes and no allocation of its own.
#[derive(Default)]
struct Intended {
    /// Per instance id: `(start, end)` in `ids`, `(UNSEEN, 0)` before it is evaluated.
    spans: Vec<(u32, u32)>,
    ids: Vec<(u32, WriteMode)>,
}

impl Intended {
    fn of(&self, instance: u32) -> &[(u32, WriteMode)] {
        match self.spans.get(instance as usize) {
            Some(&(start, end)) if start != UNSEEN => &self.ids[start as usize..end as usize],
            _ => &[],
        }
    }

    fn seen(&self, instance: u32) -> bool {
        self.spans
            .get(instance as usize)
            .is_some_and(|&(start, _)| start != UNSEEN)
    }

    fn set(&mut self, instance: u32, ids: impl IntoIterator<Item = (u32, WriteMode)>) {
        let i = instance as usize;
        if self.spans.len() <= i {
            self.spans.resize(i + 1, (UNSEEN, 0));
        }
        let start = self.ids.len() as u32;
        self.ids.extend(ids);
        self.spans[i] = (start, self.ids.len() as u32);
    }
}

/// No next entry ([`Written`]).
const END: u32 = u32::MAX;

/// Per instance, the partitions its executions wrote, each once, in order: a list
/// threaded through one array (an instance writes again on each execution, after
/// other instances wrote), so that an instance costs 8 bytes and no allocation.
#[derive(Default)]
struct Written {
    /// Per instance id: its first and last entry in `entries`, `END` for none.
    ends: Vec<(u32, u32)>,
    /// (partition id, next entry of the same instance).
    entries: Vec<(u32, u32)>,
}

impl Written {
    fn of(&self, instance: u32) -> impl Iterator<Item = u32> + Clone + '_ {
        let first = self.ends.get(instance as usize).map_or(END, |e| e.0);
        std::iter::successors((first != END).then_some(first), |&k| {
            let next = self.entries[k as usize].1;
            (next != END).then_some(next)
        })
        .map(|k| self.entries[k as usize].0)
    }

    /// Adds `id` to the instance's list unless it is there.
    fn add(&mut self, instance: u32, id: u32) {
        if self.of(instance).any(|x| x == id) {
            return;
        }
        let i = instance as usize;
        if self.ends.len() <= i {
            self.ends.resize(i + 1, (END, END));
        }
        let k = self.entries.len() as u32;
        self.entries.push((id, END));
        match self.ends[i] {
            (END, _) => self.ends[i] = (k, k),
            (_, last) => {
                self.entries[last as usize].1 = k;
                self.ends[i].1 = k;
            }
        }
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
    /// The tables written, in order: a table's id is its place, so that ids order
    /// as the names do.
    tables: Vec<String>,
    /// Per task, the table id of each of its writes.
    write_tables: Vec<Vec<u32>>,
    /// Interned partitions (table id, partition name) → ids, in first-write order.
    /// The map is only looked up; the report's order comes from sorting the keys.
    ids: MixMap<(u32, String), u32>,
    /// The partition names of one evaluation, reused.
    names: Vec<String>,
    /// Per partition id: the writes that landed there.
    writes: Vec<Vec<Landed>>,
    /// Per instance that wrote: its intended partitions (ids, modes).
    intended: Intended,
    /// Per instance that wrote: the partition ids its executions wrote, each once.
    written: Written,
    /// The first partition expression that named no date (the run is refused).
    error: Option<String>,
    units: crate::engine::UnitKeys,
}

impl<'m> Store<'m> {
    pub fn new(model: &'m Model) -> Self {
        let mut tables: Vec<String> = model
            .tasks
            .iter()
            .flat_map(|t| t.writes.iter().map(|w| w.table.clone()))
            .collect();
        tables.sort_unstable();
        tables.dedup();
        let write_tables = model
            .tasks
            .iter()
            .map(|t| {
                t.writes
                    .iter()
                    .map(|w| tables.binary_search(&w.table).expect("every table listed") as u32)
                    .collect()
            })
            .collect();
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
            tables,
            write_tables,
            ids: MixMap::default(),
            names: Vec::new(),
            writes: Vec::new(),
            intended: Intended::default(),
            written: Written::default(),
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
        let mut names = std::mem::take(&mut self.names);
        names.clear();
        let ids = match partition_names(self.model, instance, unit, executed, &mut names) {
            Ok(()) => {
                let writes = &self.model.task(instance.task).writes;
                let t = instance.task.0 as usize;
                let keys = names.drain(..).zip(writes).enumerate();
                keys.map(|(k, (name, w))| {
                    let table = self.write_tables[t][k];
                    (self.intern(table, name), w.mode)
                })
                .collect()
            }
            Err(e) => {
                self.error.get_or_insert(e);
                Vec::new()
            }
        };
        self.names = names;
        ids
    }

    fn intern(&mut self, table: u32, partition: String) -> u32 {
        let next = self.writes.len() as u32;
        let id = *self.ids.entry((table, partition)).or_insert(next);
        if id == next {
            self.writes.push(Vec::new());
        }
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
        if self.intended.seen(instance) {
            return;
        }
        let ids = self.evaluate(&planned(task, scheduled, run_after), unit, scheduled);
        self.intended.set(instance, ids);
    }

    /// The partitions, against the reference, and what each instance meant and wrote;
    /// or the first partition expression that named no date of the calendar.
    pub fn finish(mut self, engine: &Engine<'_>) -> Result<StoreReport, String> {
        let model = self.model;
        // The reference: one clean execution of each logical instance that ran or
        // was set succeeded, in scheduled order; of two instances of one logical
        // instance, the first created (a stable sort keeps index order).
        let mut logical: Vec<(Instant, TaskId, u32)> = Vec::new();
        for (i, inst) in engine.instances.iter().enumerate() {
            let counts = inst.attempts > 0 || inst.state == State::Succeeded;
            if counts && inst.kind == Kind::Run && !model.task(inst.task).writes.is_empty() {
                logical.push((inst.scheduled, inst.task, i as u32));
                let unit = engine.units[inst.unit as usize].key;
                self.ensure_intended(i as u32, inst.task, inst.scheduled, inst.run_after, unit);
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        logical.sort_by_key(|&(scheduled, task, _)| (scheduled, task));
        logical.dedup_by_key(|&mut (scheduled, task, _)| (scheduled, task));
        let count = self.writes.len();
        let mut keys = vec![(0, String::new()); count];
        for (key, id) in self.ids.drain() {
            keys[id as usize] = key;
        }
        let mut reference: Vec<Content> = vec![Content::default(); count];
        for &(scheduled, task, i) in &logical {
            for &(id, mode) in self.intended.of(i) {
                // A table-level write means to leave its own rows in the table, beside
                // those of the other dates: an overwrite of the whole table by every
                // date leaves only the last one's, and the others show as missing.
                let mode = if keys[id as usize].1.is_empty() {
                    WriteMode::Merge
                } else {
                    mode
                };
                reference[id as usize].apply((task, scheduled), mode);
            }
        }
        drop(logical);
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.sort_unstable_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
        let mut position = vec![0u32; count];
        let mut partitions = Vec::with_capacity(count);
        let (mut have, mut distinct) = (Content::default(), Vec::new());
        for id in order {
            position[id as usize] = partitions.len() as u32;
            let writes = std::mem::take(&mut self.writes[id as usize]);
            have.clear();
            for w in &writes {
                have.apply((w.task, w.scheduled), w.mode);
            }
            let want = &reference[id as usize];
            distinct.clear();
            distinct.extend(want.keys().chain(have.keys()));
            distinct.sort_unstable();
            distinct.dedup();
            let (mut duplicated, mut foreign, mut missing) = (Vec::new(), Vec::new(), Vec::new());
            for &x in &distinct {
                match (want.get(x), have.get(x)) {
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
            let (table, partition) = std::mem::take(&mut keys[id as usize]);
            partitions.push(Partition {
                key: PartitionKey {
                    table: self.tables[table as usize].clone(),
                    partition,
                },
                writes,
                status,
                duplicated,
                foreign,
                missing,
            });
        }
        Ok(StoreReport {
            partitions,
            position,
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

/// The rows of one logical instance (its task and scheduled time).
type Rows = (TaskId, Instant);

/// A partition's content: how many copies of each logical instance's rows it holds.
/// Most partitions hold one instance's rows, kept inline (`one`); from the second, a
/// tree (`more`) keeps many writes to one partition n log n.
#[derive(Clone, Default)]
struct Content {
    /// The only instance's rows, while `more` is empty.
    one: Option<(Rows, u32)>,
    more: BTreeMap<Rows, u32>,
}

impl Content {
    fn clear(&mut self) {
        self.one = None;
        self.more.clear();
    }

    /// How many copies of these rows it holds.
    fn get(&self, rows: Rows) -> u32 {
        match self.one {
            Some((x, n)) if x == rows => n,
            _ => self.more.get(&rows).copied().unwrap_or(0),
        }
    }

    /// The instances whose rows it holds, each once, in order.
    fn keys(&self) -> impl Iterator<Item = Rows> + '_ {
        self.one
            .iter()
            .map(|(x, _)| *x)
            .chain(self.more.keys().copied())
    }

    /// The count of these rows, 0 if it holds none.
    fn slot(&mut self, rows: Rows) -> &mut u32 {
        if self.more.is_empty() {
            match self.one {
                None => self.one = Some((rows, 0)),
                Some((x, _)) if x == rows => {}
                Some((x, n)) => {
                    self.one = None;
                    self.more.insert(x, n);
                    return self.more.entry(rows).or_insert(0);
                }
            }
            return &mut self.one.as_mut().expect("set above").1;
        }
        self.more.entry(rows).or_insert(0)
    }

    /// One write of a logical instance's rows.
    fn apply(&mut self, rows: Rows, mode: WriteMode) {
        match mode {
            WriteMode::Overwrite => {
                self.clear();
                *self.slot(rows) = 1;
            }
            WriteMode::Insert => *self.slot(rows) += 1,
            WriteMode::Merge => {
                let n = self.slot(rows);
                *n = (*n).max(1);
            }
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
        if e.from != State::Running || !e.reason.wrote() {
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
            self.intended.of(e.instance)
        };
        for &(id, mode) in landed {
            self.written.add(e.instance, id);
            self.writes[id as usize].push(Landed {
                instance: e.instance,
                attempt: e.attempt(),
                task: e.task(),
                scheduled: e.scheduled(),
                started,
                at: e.time,
                mode,
            });
        }
    }
}
