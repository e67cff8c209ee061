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
//!
//! A windowed run (issue 15) closes a partition when the unit that alone referred to
//! it retires: judged then, counted, kept only if it is among the first of its bad
//! status by key (what the outputs quote), and its key's fingerprint remembered.
//! partition-alignment and complete-writes fold the unit's instances then
//! (`check::writes`). A partition two units refer to, or a table-level one, is kept to
//! the end; one named from a clock (`today()`, `now()`) is closed once no unit in
//! flight refers to it and no execution's clock can name it any more (the zone's
//! longest day, `Store::clock_reach`, after the latest time it was named from). A reference to a closed key after all
//! (`Store::unsure`) stops the run at the end of that instant (`Sink::abandoned`) and
//! makes it start again keeping every instance (`observe_in`): slower for such a
//! model, never a different answer.

mod closed;
mod content;

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::check::writes::{self, WriteFolds};
use super::mix::Mix;
use closed::{Closed, fingerprint};
use content::{Intender, Judge};

use crate::calendar::Instant;
use crate::engine::{Engine, Event, Instance, Retired, Sink, State};
use crate::model::{Model, TaskId, WriteMode};
use crate::plan::{Kind, PartitionKey, PlannedInstance, UnitKey, partition_names};
use crate::window::Window;

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Ok,
    /// Some instance's rows are in it more times than a clean run leaves.
    Duplicated,
    /// It holds rows of instances that meant another partition.
    Misaligned,
    /// A clean run would leave rows here that are not.
    Missing,
}

impl Status {
    /// Every status, in [`Status::index`] order.
    pub const ALL: [Status; 4] = [
        Status::Ok,
        Status::Duplicated,
        Status::Misaligned,
        Status::Missing,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Duplicated => "duplicated",
            Status::Misaligned => "misaligned",
            Status::Missing => "missing",
        }
    }

    /// Its place in [`Status::ALL`].
    pub fn index(self) -> usize {
        self as usize
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

/// The store at the end of a run.
pub struct StoreReport {
    /// The partitions by key (table, name): every one, or in a windowed run those
    /// still open at the end and the first closed ones of each bad status.
    pub partitions: Vec<Partition>,
    /// Per status ([`Status::index`]): the partitions a windowed run closed and did
    /// not keep in `partitions`.
    pub dropped: [u64; 4],
    /// Of those, the duplicated logical instances of the duplicated ones (what
    /// idempotent-writes counts).
    pub dropped_duplicates: usize,
    /// partition-alignment and complete-writes over every instance.
    pub folds: WriteFolds,
}

/// Not yet evaluated (an instance's intended span).
const UNSEEN: u32 = u32::MAX;

/// No next entry (an instance's list of written partitions).
const END: u32 = u32::MAX;

/// What the store keeps of one instance (of a task that writes): 24 bytes and no
/// allocation of its own.
#[derive(Clone, Copy)]
struct Per {
    /// Start of its current execution.
    started: Instant,
    /// Its intended partitions: `(start, end)` in `Store::intended`, `(UNSEEN, 0)`
    /// before they are evaluated.
    intended: (u32, u32),
    /// The partitions its executions wrote, each once, in order: its first and last
    /// entry of the list threaded through `Store::written`, `END` for none (an
    /// instance writes again on each execution, after other instances wrote).
    written: (u32, u32),
}

const FRESH: Per = Per {
    started: 0,
    intended: (UNSEEN, 0),
    written: (END, END),
};

/// One partition.
#[derive(Default)]
struct Part {
    /// (table id, partition name); the table ids in the names' order, so that keys
    /// order as the names do.
    key: (u32, String),
    /// The writes that landed there.
    writes: Vec<Landed>,
    /// The logical instances that mean to write it (their reference).
    intenders: Vec<Intender>,
    /// The unit that first referred to it, and whether another did (or it is never
    /// closed): a windowed run closes it when that unit retires, unless `shared`.
    owner: u32,
    shared: bool,
    /// Named from a clock (an execution's, or the reference's at a scheduled time):
    /// until when another execution's clock may still name it (`Store::clock_reach`
    /// after the latest such time; `Instant::MIN` for none). Executions that start in the
    /// same second share a `now()` partition, and dates in flight a `today()` one:
    /// such a partition is closed once that time passed and no unit in flight
    /// refers to it (`units`), shared or not.
    clock_until: Instant,
    /// The units in flight that referred to it, each once.
    units: Vec<u32>,
    /// In `Store::waiting`.
    queued: bool,
}

impl Part {
    fn clocked(&self) -> bool {
        self.clock_until != Instant::MIN
    }
}

/// Clocks name instants from 1970 on, as far as [`Store::clock_reach`] knows: a
/// longer day before (America/Sitka's 48 hours in 1867) may close a partition a
/// clock names again, and the run starts again keeping every instance (slower, same
/// answer).
const CLOCKS_FROM: Instant = 0;

/// Records every landed write as the events go by.
pub struct Store<'m> {
    model: &'m Model,
    /// Some task writes (nothing to record otherwise).
    any_writes: bool,
    /// Per task: its writes read the execution's clock (`today()`, `now()`).
    clocked: Vec<bool>,
    /// How long after an execution's start another execution's clock may still name
    /// the partition it wrote: `today()` names one local date for up to the zone's
    /// longest day (24 hours, 25 across a one-hour fall-back), and `now()` a finer
    /// time within it. Read from the zone when a windowed run has clocked writes.
    clock_reach: Instant,
    /// The tables written, in order: a table's id is its place.
    tables: Vec<String>,
    /// Per task, the table id of each of its writes.
    write_tables: Vec<Vec<u32>>,
    /// The partitions open, by key: ids into `parts`, whose keys are stored once.
    ids: HashTable<u32>,
    parts: Vec<Part>,
    /// Ids of closed partitions, for the next ones.
    free: Vec<u32>,
    /// The partition names of one evaluation, and their ids, reused.
    names: Vec<String>,
    evaluated: Vec<(u32, WriteMode)>,
    per: Window<Per>,
    /// The instances' intended partitions (`Per::intended` ranges).
    intended: Vec<(u32, WriteMode)>,
    /// (partition id, next entry of the same instance): `Per::written` lists.
    written: Vec<(u32, u32)>,
    /// Entries of `intended` and `written` of retired instances.
    garbage: (usize, usize),
    /// The first partition expression that named no date (the run is refused).
    error: Option<String>,
    units: crate::engine::UnitKeys,
    /// A windowed run's closed partitions (`None`: every partition is kept open).
    closed: Option<Closed>,
    reopened: bool,
    folds: WriteFolds,
    judge: Judge,
    /// A retiring unit's partitions, reused.
    touched: Vec<u32>,
    /// Partitions named from a clock that no unit in flight refers to, waiting for
    /// their `clock_until` to pass before they are closed, about in that order (an
    /// entry whose partition was closed meanwhile is skipped: `Part::queued`).
    waiting: std::collections::VecDeque<u32>,
}

/// Whether an instance is in the reference: it ran, or was set succeeded, and is no
/// dry run.
fn counts(model: &Model, inst: &Instance) -> bool {
    (inst.attempts > 0 || inst.state == State::Succeeded)
        && inst.kind == Kind::Run
        && !model.task(inst.task).writes.is_empty()
}

/// The ids (and modes) of the partitions an instance's date names: empty before they
/// are evaluated.
fn intended_of<'a>(
    per: &Window<Per>,
    intended: &'a [(u32, WriteMode)],
    instance: u32,
) -> &'a [(u32, WriteMode)] {
    match per.get(instance as usize) {
        Some(p) if p.intended.0 != UNSEEN => {
            &intended[p.intended.0 as usize..p.intended.1 as usize]
        }
        _ => &[],
    }
}

/// The ids of the partitions an instance's executions wrote, each once, in the order
/// they were first written.
fn written_by<'a>(
    per: &Window<Per>,
    written: &'a [(u32, u32)],
    instance: u32,
) -> impl Iterator<Item = u32> + Clone + 'a {
    let first = per.get(instance as usize).map_or(END, |p| p.written.0);
    std::iter::successors((first != END).then_some(first), |&k| {
        let next = written[k as usize].1;
        (next != END).then_some(next)
    })
    .map(|k| written[k as usize].0)
}

fn hash(table: u32, name: &str) -> u64 {
    std::hash::BuildHasherDefault::<Mix>::default().hash_one((table, name))
}

impl<'m> Store<'m> {
    /// A store; `windowed`: the run retires its units ([`Sink::retire`]) and the store
    /// closes their partitions.
    pub fn new(model: &'m Model, windowed: bool) -> Self {
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
        let clocked: Vec<bool> = model
            .tasks
            .iter()
            .map(|t| {
                t.writes
                    .iter()
                    .filter_map(|w| w.partition.as_deref())
                    .any(|p| p.contains("today()") || p.contains("now()"))
            })
            .collect();
        let clock_reach = if windowed && clocked.contains(&true) {
            crate::calendar::schedule::longest_day(&model.timezone, CLOCKS_FROM)
        } else {
            24 * 3600
        };
        Store {
            model,
            any_writes: model.tasks.iter().any(|t| !t.writes.is_empty()),
            clocked,
            clock_reach,
            tables,
            write_tables,
            ids: HashTable::new(),
            parts: Vec::new(),
            free: Vec::new(),
            names: Vec::new(),
            evaluated: Vec::new(),
            per: Window::new(),
            intended: Vec::new(),
            written: Vec::new(),
            garbage: (0, 0),
            error: None,
            units: Default::default(),
            closed: windowed.then(Closed::default),
            reopened: false,
            folds: WriteFolds::default(),
            judge: Judge::default(),
            touched: Vec::new(),
            waiting: std::collections::VecDeque::new(),
        }
    }

    /// Interns the partitions an execution at `executed` writes into `evaluated`; on
    /// an expression that names no date, keeps the first error and lands nothing.
    fn evaluate(&mut self, instance: &PlannedInstance, unit: (UnitKey, u32), executed: Instant) {
        let mut names = std::mem::take(&mut self.names);
        let mut evaluated = std::mem::take(&mut self.evaluated);
        names.clear();
        evaluated.clear();
        match partition_names(self.model, instance, unit.0, executed, &mut names) {
            Ok(()) => {
                let t = instance.task.0 as usize;
                let writes = &self.model.task(instance.task).writes;
                for (k, (name, w)) in names.drain(..).zip(writes).enumerate() {
                    let table = self.write_tables[t][k];
                    evaluated.push((self.intern(table, name, unit.1), w.mode));
                }
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self.names = names;
        self.evaluated = evaluated;
    }

    /// The id of partition (`table`, `name`), which unit `unit` refers to (a
    /// partition named from a clock: [`Part::clock_until`]).
    fn intern(&mut self, table: u32, name: String, unit: u32) -> u32 {
        let h = hash(table, &name);
        let parts = &mut self.parts;
        let found = self.ids.find(h, |&id| {
            let key = &parts[id as usize].key;
            key.0 == table && key.1 == name
        });
        if let Some(&id) = found {
            let part = &mut parts[id as usize];
            part.shared |= part.owner != unit;
            if !part.units.contains(&unit) {
                part.units.push(unit);
            }
            return id;
        }
        if let Some(closed) = &self.closed
            && !self.reopened
            && closed.fingerprints.contains(fingerprint(table, &name))
        {
            self.reopened = true;
        }
        let id = self.free.pop().unwrap_or_else(|| {
            parts.push(Part::default());
            parts.len() as u32 - 1
        });
        let part = &mut parts[id as usize];
        part.shared = name.is_empty();
        part.owner = unit;
        part.clock_until = Instant::MIN;
        part.units.clear();
        part.units.push(unit);
        part.queued = false;
        part.key = (table, name);
        self.ids.insert_unique(h, id, |&id| {
            let key = &parts[id as usize].key;
            hash(key.0, &key.1)
        });
        id
    }

    fn intended_of(&self, instance: u32) -> &[(u32, WriteMode)] {
        intended_of(&self.per, &self.intended, instance)
    }

    /// Evaluates an instance's intended partitions (at its scheduled time), once.
    fn ensure_intended(
        &mut self,
        instance: u32,
        inst: (TaskId, Instant, Instant),
        unit: (UnitKey, u32),
    ) {
        let i = instance as usize;
        self.per.ensure(i, FRESH);
        if self.per[i].intended.0 != UNSEEN {
            return;
        }
        let (task, scheduled, run_after) = inst;
        self.evaluate(&planned(task, scheduled, run_after), unit, scheduled);
        if self.clocked[task.0 as usize] {
            // What a clock at the scheduled time names: an execution's clock may
            // name it until then (and a day on).
            self.clock_reaches(scheduled);
        }
        let start = self.intended.len() as u32;
        self.intended.extend_from_slice(&self.evaluated);
        self.per[i].intended = (start, self.intended.len() as u32);
    }

    fn written_by(&self, instance: u32) -> impl Iterator<Item = u32> + Clone + '_ {
        written_by(&self.per, &self.written, instance)
    }

    /// Adds `id` to the instance's written list unless it is there.
    fn add_written(&mut self, instance: u32, id: u32) {
        if self.written_by(instance).any(|x| x == id) {
            return;
        }
        let k = self.written.len() as u32;
        self.written.push((id, END));
        let per = &mut self.per[instance as usize];
        match per.written {
            (END, _) => per.written = (k, k),
            (_, last) => {
                per.written.1 = k;
                self.written[last as usize].1 = k;
            }
        }
    }

    /// partition-alignment and complete-writes for one instance.
    fn check(&mut self, id: u32, inst: &Instance) {
        if self.model.task(inst.task).writes.is_empty() {
            return;
        }
        let Store {
            model,
            folds,
            per,
            intended,
            written,
            ..
        } = self;
        let meant = intended_of(per, intended, id).iter().map(|&(p, _)| p);
        let key = |p| {
            let (table, name) = &self.parts[p as usize].key;
            PartitionKey {
                table: self.tables[*table as usize].clone(),
                partition: name.clone(),
            }
        };
        writes::instance(
            folds,
            model,
            id,
            inst,
            meant,
            written_by(per, written, id),
            key,
        );
    }

    /// Evaluates the intended partitions of every instance still held that counts:
    /// one that never wrote may name a partition closed already (a unit that never
    /// ended: stuck, or a run a budget stopped), which only this shows. Before
    /// [`Store::unsure`] is read; [`Store::finish`] reads what it evaluated.
    pub fn settle(&mut self, engine: &Engine<'_>) {
        for (i, inst) in engine.instances.iter_ids() {
            if counts(self.model, inst) {
                let key = engine.units[inst.unit as usize].key;
                let planned = (inst.task, inst.scheduled, inst.run_after);
                self.ensure_intended(i as u32, planned, (key, inst.unit));
            }
        }
    }

    /// A windowed run referred to a partition it had closed (or two keys shared a
    /// fingerprint), or met a partition expression that names no date: its findings
    /// are not to be read, the run starts again keeping every instance. Read after
    /// [`Store::settle`].
    pub fn unsure(&self) -> bool {
        self.reopened || self.error.is_some()
    }

    /// The partitions, against the reference, and partition-alignment and
    /// complete-writes over every instance; or the first partition expression that
    /// named no date of the calendar.
    pub fn finish(mut self, engine: &Engine<'_>) -> Result<StoreReport, String> {
        let model = self.model;
        // The reference: one clean execution of each logical instance that ran or
        // was set succeeded, in scheduled order; of two instances of one logical
        // instance, the first created (a stable sort keeps id order). (A windowed
        // run's retired units added theirs when they retired.)
        self.settle(engine);
        let mut logical: Vec<(Instant, TaskId, u32)> = Vec::new();
        for (i, inst) in engine.instances.iter_ids() {
            if counts(model, inst) {
                logical.push((inst.scheduled, inst.task, i as u32));
            }
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        logical.sort_by_key(|&(scheduled, task, _)| (scheduled, task));
        logical.dedup_by_key(|&mut (scheduled, task, _)| (scheduled, task));
        for &(scheduled, task, i) in &logical {
            let range = self.per[i as usize].intended;
            for &(id, mode) in &self.intended[range.0 as usize..range.1 as usize] {
                self.parts[id as usize]
                    .intenders
                    .push((scheduled, task, mode));
            }
        }
        drop(logical);
        for (i, inst) in engine.instances.iter_ids() {
            self.check(i as u32, inst);
        }
        let mut open: Vec<u32> = self.ids.drain().collect();
        open.sort_unstable_by(|&a, &b| self.parts[a as usize].key.cmp(&self.parts[b as usize].key));
        let mut partitions = Vec::with_capacity(open.len());
        for id in open {
            let part = &mut self.parts[id as usize];
            let whole = part.key.1.is_empty();
            let v = self.judge.judge(&part.writes, &mut part.intenders, whole);
            let (table, partition) = std::mem::take(&mut part.key);
            partitions.push(partition_of(
                PartitionKey {
                    table: self.tables[table as usize].clone(),
                    partition,
                },
                std::mem::take(&mut part.writes),
                v,
            ));
        }
        let (mut dropped, mut dropped_duplicates) = ([0; 4], 0);
        if let Some(closed) = self.closed {
            dropped = closed.dropped;
            dropped_duplicates = closed.dropped_duplicates;
            let kept: Vec<Partition> = closed.into_kept().map(|(_, p)| p).collect();
            if !kept.is_empty() {
                partitions.extend(kept);
                // Table names order as their ids do.
                partitions.sort_by(|a, b| {
                    (&a.key.table, &a.key.partition).cmp(&(&b.key.table, &b.key.partition))
                });
            }
        }
        Ok(StoreReport {
            partitions,
            dropped,
            dropped_duplicates,
            folds: self.folds,
        })
    }
}

fn partition_of(key: PartitionKey, writes: Vec<Landed>, v: content::Verdict) -> Partition {
    Partition {
        key,
        writes,
        status: v.status,
        duplicated: v.duplicated,
        foreign: v.foreign,
        missing: v.missing,
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
    fn retire(&mut self, r: &Retired<'_>) {
        if self.any_writes && self.closed.is_some() {
            self.close_unit(r);
        }
    }
    fn active(&self) -> bool {
        self.any_writes
    }
    /// A windowed run that referred to a partition it had closed: its findings are
    /// thrown away ([`Store::unsure`]), so it need not go on.
    fn abandoned(&self) -> bool {
        self.reopened
    }
}

impl Store<'_> {
    fn landed(&mut self, e: &Event<'_>) {
        if self.model.task(e.task()).writes.is_empty() {
            return;
        }
        let i = e.instance as usize;
        if e.to == State::Running {
            self.per.ensure(i, FRESH);
            self.per[i].started = e.time;
        }
        if e.from != State::Running || !e.reason.wrote() {
            return;
        }
        let started = self.per[i].started;
        let unit = (self.units.of(e.unit()), e.unit());
        let (start, end) = if self.clocked[e.task().0 as usize] {
            self.evaluate(
                &planned(e.task(), e.scheduled(), e.run_after()),
                unit,
                started,
            );
            (0, self.evaluated.len())
        } else {
            // Without the execution's clock, it lands where its date says.
            let planned = (e.task(), e.scheduled(), e.run_after());
            self.ensure_intended(e.instance, planned, unit);
            let (s, end) = self.per[i].intended;
            (s as usize, end as usize)
        };
        let clocked = self.clocked[e.task().0 as usize];
        if clocked {
            self.clock_reaches(started);
        }
        for k in start..end {
            let (id, mode) = if clocked {
                self.evaluated[k]
            } else {
                self.intended[k]
            };
            self.add_written(e.instance, id);
            self.parts[id as usize].writes.push(Landed {
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

    /// The partitions just evaluated from a clock at `at` (an execution's start, or a
    /// scheduled time for the reference): another execution's clock may name them
    /// until [`Store::clock_reach`] after it, and they stay open until then.
    fn clock_reaches(&mut self, at: Instant) {
        let until = at.saturating_add(self.clock_reach);
        for &(id, _) in &self.evaluated {
            let part = &mut self.parts[id as usize];
            part.clock_until = part.clock_until.max(until);
        }
    }

    /// A windowed run retires unit `r.unit`: its instances join the reference of the
    /// partitions they meant, are checked, and every partition only they referred to
    /// is closed. Then what the store kept of them is dropped.
    fn close_unit(&mut self, r: &Retired<'_>) {
        if r.end <= r.first {
            return;
        }
        self.per.ensure(r.end as usize - 1, FRESH);
        let key = r.units[r.unit as usize].key;
        let mut touched = std::mem::take(&mut self.touched);
        touched.clear();
        for (i, inst) in r.iter() {
            if self.model.task(inst.task).writes.is_empty() {
                continue;
            }
            if counts(self.model, inst) {
                let planned = (inst.task, inst.scheduled, inst.run_after);
                self.ensure_intended(i, planned, (key, r.unit));
                let (s, e) = self.per[i as usize].intended;
                for &(id, mode) in &self.intended[s as usize..e as usize] {
                    self.parts[id as usize]
                        .intenders
                        .push((inst.scheduled, inst.task, mode));
                }
            }
            self.check(i, inst);
            touched.extend(self.intended_of(i).iter().map(|&(id, _)| id));
            touched.extend(self.written_by(i));
        }
        touched.sort_unstable();
        touched.dedup();
        for &id in &touched {
            let part = &mut self.parts[id as usize];
            part.units.retain(|&u| u != r.unit);
            let closable = if part.clocked() {
                part.units.is_empty() && !part.key.1.is_empty()
            } else {
                part.owner == r.unit && !part.shared
            };
            if self.reopened || !closable {
                continue;
            }
            if part.clock_until > r.time {
                if !part.queued {
                    part.queued = true;
                    self.waiting.push_back(id);
                }
            } else {
                self.close(id);
            }
        }
        self.touched = touched;
        // Partitions named from a clock that can no longer name them, unless a unit
        // referred to them meanwhile (it closes them when it retires).
        while let Some(&id) = self.waiting.front() {
            let part = &mut self.parts[id as usize];
            if part.queued && part.clock_until > r.time {
                break;
            }
            self.waiting.pop_front();
            if part.queued {
                part.queued = false;
                if !self.reopened && part.units.is_empty() {
                    self.close(id);
                }
            }
        }
        for i in r.first..r.end {
            let per = self.per[i as usize];
            if per.intended.0 != UNSEEN {
                self.garbage.0 += (per.intended.1 - per.intended.0) as usize;
            }
            self.garbage.1 += self.written_by(i).count();
        }
        self.per.retire(r.first as usize, r.end as usize);
        self.compact();
    }

    /// Judges partition `id`, counts it (keeps it if it is among the first of its bad
    /// status), remembers its key's fingerprint and frees its id.
    fn close(&mut self, id: u32) {
        let closed = self
            .closed
            .as_mut()
            .expect("a windowed run closes partitions");
        let part = &mut self.parts[id as usize];
        let whole = part.key.1.is_empty();
        let v = self.judge.judge(&part.writes, &mut part.intenders, whole);
        let h = hash(part.key.0, &part.key.1);
        if let Ok(entry) = self.ids.find_entry(h, |&x| x == id) {
            entry.remove();
        }
        closed
            .fingerprints
            .insert(fingerprint(part.key.0, &part.key.1));
        if closed.wants(v.status, &part.key) {
            let key = std::mem::take(&mut part.key);
            let p = partition_of(
                PartitionKey {
                    table: self.tables[key.0 as usize].clone(),
                    partition: key.1.clone(),
                },
                std::mem::take(&mut part.writes),
                v,
            );
            closed.keep(key, p);
        } else {
            closed.dropped[v.status.index()] += 1;
            if v.status == Status::Duplicated {
                closed.dropped_duplicates += v.duplicated.len();
            }
        }
        part.writes.clear();
        part.intenders.clear();
        part.queued = false;
        self.free.push(id);
    }

    /// The ids of the instances held whose record `keep` says.
    fn held_where(&self, keep: impl Fn(&Per) -> bool) -> Vec<usize> {
        self.per
            .iter_ids()
            .filter(|(_, p)| keep(p))
            .map(|(i, _)| i)
            .collect()
    }

    /// Rewrites `intended` and `written` without the retired instances' entries once
    /// these are more than half of them.
    fn compact(&mut self) {
        const LEAST: usize = 4096;
        if self.garbage.0 > LEAST && self.garbage.0 * 2 > self.intended.len() {
            let mut kept = Vec::with_capacity(self.intended.len() - self.garbage.0);
            for i in self.held_where(|p| p.intended.0 != UNSEEN) {
                let (s, e) = self.per[i].intended;
                let start = kept.len() as u32;
                kept.extend_from_slice(&self.intended[s as usize..e as usize]);
                self.per[i].intended = (start, kept.len() as u32);
            }
            self.intended = kept;
            self.garbage.0 = 0;
        }
        if self.garbage.1 > LEAST && self.garbage.1 * 2 > self.written.len() {
            let mut kept: Vec<(u32, u32)> = Vec::with_capacity(self.written.len() - self.garbage.1);
            for i in self.held_where(|p| p.written.0 != END) {
                let start = kept.len();
                kept.extend(self.written_by(i as u32).map(|id| (id, END)));
                let n = kept.len();
                for (k, entry) in kept.iter_mut().enumerate().take(n - 1).skip(start) {
                    entry.1 = k as u32 + 1;
                }
                self.per[i].written = (start as u32, n as u32 - 1);
            }
            self.written = kept;
            self.garbage.1 = 0;
        }
    }
}
