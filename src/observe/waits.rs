//! Waits attributed to what holds them (issue 11): every moment an instance spends
//! waiting is charged to the one constraint holding it then: its resource group's
//! (pool's) slots, its task group, its workflow's `max_active_tasks`, its scheduled
//! time, an upstream instance, its own previous instance (self-dependency), a freeze;
//! and a date or run due but not started to its backfill's date parallelism (Airflow:
//! `max_active_runs`). Per constraint: the instances that waited longer than zero,
//! total, p50/p95/max wait, the peak queue; and a timeline of running and waiting
//! counts. SEMANTICS.md, Waits, defines each figure.
//!
//! Counts are read at the end of each instant, after every event and the dispatch of
//! that instant: an instance queued and started in the same instant never waited.

use crate::calendar::Instant;
use crate::calendar::schedule::rfc3339;
use crate::engine::{
    Created, Engine, Event, Held, Hold, NotStarted, Retired, Sink, Started, State,
};
use crate::model::Model;
use crate::observe::metrics::{GroupFigures, Metrics};
use crate::rules::{GroupSplit, Profile};
use crate::window::Window;
use std::collections::BTreeMap;

/// What holds a wait, in the order the JSON lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ResourceGroup,
    TaskGroup,
    Pool,
    MaxActiveRuns,
    MaxActiveTasks,
    DateParallelism,
    Time,
    Upstream,
    SelfDependency,
    Frozen,
}

impl Kind {
    /// A group's slots in one of its roles: resource group, pool, task group.
    pub fn is_slots(self) -> bool {
        matches!(self, Kind::ResourceGroup | Kind::TaskGroup | Kind::Pool)
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::ResourceGroup => "resource_group",
            Kind::TaskGroup => "task_group",
            Kind::Pool => "pool",
            Kind::MaxActiveRuns => "max_active_runs",
            Kind::MaxActiveTasks => "max_active_tasks",
            Kind::DateParallelism => "date_parallelism",
            Kind::Time => "time",
            Kind::Upstream => "upstream",
            Kind::SelfDependency => "self_dependency",
            Kind::Frozen => "frozen",
        }
    }
}

/// One constraint's waits (`waits` in the JSON report).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WaitRow {
    pub kind: Kind,
    /// The group, pool, task group, workflow or task; null for time, upstream,
    /// frozen and the date-level limits.
    pub name: Option<String>,
    /// How many waited longer than zero (dates or runs for the date-level limits).
    pub instances: u64,
    pub total_seconds: u64,
    pub p50_seconds: u64,
    pub p95_seconds: u64,
    pub max_seconds: u64,
    /// Most instances held by it at once, at the end of an instant.
    pub peak_queue: u32,
}

/// Running and waiting counts of one constraint over time (`timelines`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TimelineRow {
    pub kind: Kind,
    pub name: Option<String>,
    /// Slots (or the limit); null where the constraint has none.
    pub capacity: Option<u32>,
    /// Null when every change point is listed; otherwise the timeline was coarsened
    /// to buckets of this many seconds, each point giving the largest running and
    /// waiting counts within `[time, time + bucket_seconds)`.
    pub bucket_seconds: Option<i64>,
    /// `[time, running, waiting]` at each change: the counts hold until the next
    /// point. `running` is null where the constraint admits nothing (time,
    /// upstream, self-dependency, frozen).
    pub points: Vec<(String, Option<u32>, u32)>,
    /// The points' times, for charts.
    #[serde(skip)]
    pub times: Vec<Instant>,
}

/// Waits and timelines of a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct WaitReport {
    pub waits: Vec<WaitRow>,
    pub timelines: Vec<TimelineRow>,
}

/// At most this many points a timeline keeps before it is coarsened.
pub const MAX_POINTS: usize = 2_000;

const NONE: u32 = u32::MAX;

/// A step function, kept exact up to [`MAX_POINTS`] points, then in buckets that
/// double in width as needed; each bucket keeps its largest values and the value it
/// ends with.
#[derive(Default)]
struct Steps {
    /// (bucket start or change time, max running, max waiting, running at its end,
    /// waiting at its end).
    points: Vec<(Instant, u32, u32, u32, u32)>,
    origin: Instant,
    bucket: i64,
}

impl Steps {
    fn push(&mut self, t: Instant, r: u32, w: u32) {
        if self.points.is_empty() {
            self.origin = t;
        }
        Self::add(&mut self.points, self.origin, self.bucket, (t, r, w, r, w));
        if self.points.len() > MAX_POINTS {
            let span = t - self.origin;
            self.bucket = (self.bucket * 2).max(span / (MAX_POINTS as i64 / 4) + 1);
            let old = std::mem::take(&mut self.points);
            for p in old {
                Self::add(&mut self.points, self.origin, self.bucket, p);
            }
        }
    }

    fn add(
        points: &mut Vec<(Instant, u32, u32, u32, u32)>,
        origin: Instant,
        bucket: i64,
        (t, r, w, er, ew): (Instant, u32, u32, u32, u32),
    ) {
        if bucket == 0 {
            points.push((t, r, w, er, ew));
            return;
        }
        let b = origin + (t - origin).div_euclid(bucket) * bucket;
        match points.last_mut() {
            Some(last) if last.0 == b => {
                last.1 = last.1.max(r);
                last.2 = last.2.max(w);
                last.3 = er;
                last.4 = ew;
            }
            Some(&mut (lt, _, _, lr, lw)) => {
                // The bucket after the last one held its end values, unchanged.
                if b > lt + bucket {
                    points.push((lt + bucket, lr, lw, lr, lw));
                }
                points.push((b, r.max(lr), w.max(lw), er, ew));
            }
            None => points.push((b, r, w, er, ew)),
        }
    }

    fn last(&self) -> Option<(u32, u32)> {
        self.points.last().map(|p| (p.3, p.4))
    }
}

struct Constraint {
    kind: Kind,
    name: Option<String>,
    capacity: Option<u32>,
    /// Always gets a timeline (a limit something runs under).
    used: bool,
    running: u32,
    waiting: u32,
    peak: u32,
    /// Changed during the current instant.
    dirty: bool,
    steps: Steps,
    /// Each instance's (or unit's) total wait → how many instances waited that long.
    counts: Counts,
    /// The total counted last and how many times since it changed, not yet in
    /// `counts`.
    last: (u64, u64),
}

/// Each instance's total wait → how many instances waited that long: what the figures
/// read, kept in memory bounded by the distinct totals.
type Totals = BTreeMap<u64, u64>;

/// [`Totals`] while the run goes: a hash map, as a total is counted once per instance
/// and an ordered map's insertion costs several times a hash map's. Its order never
/// reaches an output: [`Constraint::totals`] sorts it.
type Counts = super::mix::MixMap<u64, u64>;

impl Constraint {
    fn new(kind: Kind, name: Option<String>, capacity: Option<u32>, used: bool) -> Self {
        Constraint {
            kind,
            name,
            capacity,
            used,
            running: 0,
            waiting: 0,
            peak: 0,
            dirty: false,
            steps: Steps::default(),
            counts: Counts::default(),
            last: (0, 0),
        }
    }

    /// One instance's (or unit's) total wait. Waits closing one after the other
    /// often last the same (the instances of one hour of one date): the last total
    /// is counted in place, and goes into the map when another one comes.
    #[inline]
    fn add(&mut self, secs: u64) {
        if self.last.0 == secs {
            self.last.1 += 1;
        } else {
            self.add_other(secs);
        }
    }

    #[inline(never)]
    fn add_other(&mut self, secs: u64) {
        self.flush_last();
        self.last = (secs, 1);
    }

    fn flush_last(&mut self) {
        let (secs, n) = std::mem::take(&mut self.last);
        if n > 0 {
            *self.counts.entry(secs).or_insert(0) += n;
        }
    }

    /// A total counted by [`Constraint::add`] no longer stands: the instance waited
    /// again.
    fn remove(&mut self, secs: u64) {
        use std::collections::hash_map::Entry;
        if self.last.0 == secs && self.last.1 > 0 {
            self.last.1 -= 1;
            return;
        }
        match self.counts.entry(secs) {
            Entry::Occupied(mut o) if *o.get() > 1 => *o.get_mut() -= 1,
            Entry::Occupied(o) => {
                o.remove();
            }
            Entry::Vacant(_) => debug_assert!(false, "total {secs} was never counted"),
        }
    }

    /// The totals counted, in order.
    fn totals(&mut self) -> Totals {
        self.flush_last();
        std::mem::take(&mut self.counts).into_iter().collect()
    }
}

/// One instance's waits as the observer follows them: what holds it since when, and
/// the seconds of its closed waits by constraint (the first two constraints inline;
/// a third one, rare, or a total of `SPILLED` seconds or more, in `Waits::spill`).
/// While it runs nothing holds it, and `since` is when its execution started, for
/// the resource groups' figures. 32 bytes (56 with an execution's start and 64-bit
/// seconds of its own), so nearly twice as many records share the cache.
#[derive(Clone, Copy)]
struct Rec {
    by: u32,
    closed: [(u32, u32); 2],
    since: Instant,
}

const OPEN: Rec = Rec {
    by: NONE,
    closed: [(NONE, 0); 2],
    since: 0,
};

/// The seconds of a closed wait whose total is in `Waits::spill`.
const SPILLED: u32 = u32::MAX;

/// Closed waits of an instance on a third constraint or more, or of
/// [`SPILLED`] seconds or more: (instance, constraint) → seconds.
type Spill = BTreeMap<(u32, u32), u64>;

/// Instance `i`'s record, now held by `c` at `now`: the wait that ends is closed
/// ([`closed`]). Returns what held it before, when that changed.
#[inline(always)]
fn rehold(
    rec: &mut Rec,
    i: u32,
    c: u32,
    now: Instant,
    constraints: &mut [Constraint],
    spill: &mut Spill,
) -> Option<u32> {
    let (old, since) = (rec.by, rec.since);
    if old == c {
        return None;
    }
    rec.by = c;
    rec.since = now;
    if old != NONE {
        let secs = (now - since).max(0) as u64;
        if secs > 0 {
            closed(rec, i, old, secs, &mut constraints[old as usize], spill);
        }
    }
    Some(old)
}

/// Instance `i` (record `rec`) waited `secs` more for constraint `c` (`k`): its
/// total for `c` counts in `k`'s totals from now on, in place of the total it had
/// before. Counting as waits close, not when the instance is retired, spares a
/// second read of every record when it has long left the cache.
#[inline(never)]
fn closed(rec: &mut Rec, i: u32, c: u32, secs: u64, k: &mut Constraint, spill: &mut Spill) {
    let fits = |t: u64| t < u64::from(SPILLED);
    match rec.closed.iter_mut().find(|w| w.0 == c || w.0 == NONE) {
        Some(w) if w.0 == NONE && fits(secs) => {
            *w = (c, secs as u32);
            k.add(secs);
        }
        Some(w) if w.1 != SPILLED && fits(u64::from(w.1) + secs) => {
            k.remove(u64::from(w.1));
            w.1 += secs as u32;
            k.add(u64::from(w.1));
        }
        _ => closed_spilled(rec, i, c, secs, k, spill),
    }
}

/// [`closed`] for a third constraint, or a total of [`SPILLED`] seconds or more.
#[cold]
fn closed_spilled(rec: &mut Rec, i: u32, c: u32, secs: u64, k: &mut Constraint, spill: &mut Spill) {
    let before = match rec.closed.iter_mut().find(|w| w.0 == c || w.0 == NONE) {
        Some(w) if w.0 == NONE => {
            *w = (c, SPILLED);
            0
        }
        Some(w) if w.1 != SPILLED => std::mem::replace(&mut w.1, SPILLED).into(),
        _ => spill.get(&(i, c)).copied().unwrap_or(0),
    };
    if before > 0 {
        k.remove(before);
    }
    spill.insert((i, c), before + secs);
    k.add(before + secs);
}

/// The observer: a [`Sink`] that follows every instance's hold, and drives the
/// resource groups' figures ([`Metrics`]), which share its per-instance record.
pub struct Waits {
    constraints: Vec<Constraint>,
    metrics: Metrics,
    groups: usize,
    workflows: usize,
    /// Index of the workflow `max_active_tasks` constraint of each task, if any.
    task_limit: Vec<u32>,
    task_workflow: Vec<u32>,
    /// Per instance: the constraint holding it and since when (a windowed run drops
    /// those of retired units).
    held_by: Window<Rec>,
    spill: Spill,
    /// The current instant (`Instant::MIN` before the first event).
    now: Instant,
    dirty: Vec<u32>,
    /// By state (`State as usize`): the constraint holding an instance that enters
    /// it, [`SLOTS`] for its group's slots, `NONE` for nothing.
    by_state: [u32; State::ALL.len()],
}

/// In `Waits::by_state`: the entering instance's group's slots.
const SLOTS: u32 = NONE - 1;

impl Waits {
    pub fn new(model: &Model) -> Waits {
        let g = model.groups.len();
        let w = model.workflows.len();
        let slot_kind = match model.profile {
            Profile::Airflow => Kind::Pool,
            _ => Kind::ResourceGroup,
        };
        let c = |kind, name: Option<&str>, capacity, used| {
            Constraint::new(kind, name.map(str::to_string), capacity, used)
        };
        let mut constraints = Vec::new();
        for (k, group) in model.groups.iter().enumerate() {
            let used = model.tasks.iter().any(|t| t.group.0 as usize == k);
            constraints.push(c(slot_kind, Some(&group.name), Some(group.slots), used));
        }
        for (k, group) in model.groups.iter().enumerate() {
            let used = model
                .tasks
                .iter()
                .any(|t| t.task_group.is_some_and(|tg| tg.0 as usize == k));
            constraints.push(c(
                Kind::TaskGroup,
                Some(&group.name),
                Some(group.slots),
                used,
            ));
        }
        for wf in &model.workflows {
            let m = wf.max_active_tasks;
            constraints.push(c(Kind::MaxActiveTasks, Some(&wf.name), m, m.is_some()));
        }
        for t in &model.tasks {
            constraints.push(c(Kind::SelfDependency, Some(&t.name), None, false));
        }
        constraints.push(c(Kind::Time, None, None, false));
        constraints.push(c(Kind::Upstream, None, None, false));
        constraints.push(c(Kind::Frozen, None, None, false));
        let dates = if model.rules.group_split == GroupSplit::Window {
            Kind::MaxActiveRuns
        } else {
            Kind::DateParallelism
        };
        constraints.push(c(dates, None, None, false));
        let mut waits = Waits {
            constraints,
            metrics: Metrics::new(model),
            groups: g,
            workflows: w,
            task_limit: model
                .tasks
                .iter()
                .map(|t| {
                    let wf = t.workflow.0 as usize;
                    if model.workflows[wf].max_active_tasks.is_some() {
                        (2 * g + wf) as u32
                    } else {
                        NONE
                    }
                })
                .collect(),
            task_workflow: model.tasks.iter().map(|t| t.workflow.0).collect(),
            held_by: Window::new(),
            spill: BTreeMap::new(),
            now: Instant::MIN,
            dirty: Vec::new(),
            by_state: [NONE; State::ALL.len()],
        };
        let fixed = |k| waits.fixed(k);
        let holds = [
            (State::WaitingTime, fixed(0)),
            (State::WaitingUpstream, fixed(1)),
            (State::WaitingResources, SLOTS),
            (State::Frozen, fixed(2)),
        ];
        for (state, c) in holds {
            waits.by_state[state as usize] = c;
        }
        waits
    }

    fn fixed(&self, k: usize) -> u32 {
        (2 * self.groups + self.workflows + self.task_workflow.len() + k) as u32
    }

    fn self_dependency(&self, task: u32) -> u32 {
        (2 * self.groups + self.workflows) as u32 + task
    }

    /// The instants before `t` are over: their end counts are read.
    #[inline]
    fn at(&mut self, t: Instant) {
        if t > self.now {
            self.next_instant(t);
        }
    }

    fn next_instant(&mut self, t: Instant) {
        self.flush();
        self.now = t;
    }

    fn flush(&mut self) {
        let now = self.now;
        for &c in &self.dirty {
            let c = &mut self.constraints[c as usize];
            c.dirty = false;
            c.peak = c.peak.max(c.waiting);
            if c.steps.last() != Some((c.running, c.waiting)) {
                c.steps.push(now, c.running, c.waiting);
            }
        }
        self.dirty.clear();
    }

    #[inline(always)]
    fn touch(&mut self, c: u32) {
        let k = &mut self.constraints[c as usize];
        if !k.dirty {
            k.dirty = true;
            self.dirty.push(c);
        }
    }

    /// Instance `i` is now held by `c` (or by nothing: `NONE`).
    fn hold(&mut self, i: u32, c: u32) {
        self.held_by.ensure(i as usize, OPEN);
        let rec = &mut self.held_by[i as usize];
        let (constraints, spill) = (&mut self.constraints, &mut self.spill);
        if let Some(old) = rehold(rec, i, c, self.now, constraints, spill) {
            self.counts(old, c);
        }
    }

    /// An instance went from being held by `old` to `c` (either may be `NONE`).
    #[inline(always)]
    fn counts(&mut self, old: u32, c: u32) {
        if old != NONE {
            self.constraints[old as usize].waiting -= 1;
            self.touch(old);
        }
        if c != NONE {
            self.constraints[c as usize].waiting += 1;
            self.touch(c);
        }
    }

    fn run(&mut self, c: u32, delta: i64) {
        let k = &mut self.constraints[c as usize];
        k.running = (i64::from(k.running) + delta) as u32;
        self.touch(c);
    }

    /// The figures, once the run is over: waits still going are counted up to the
    /// engine's last instant; dates or runs due but not started come from the
    /// engine's units. `start` is the scenario's start. With them, the resource
    /// groups' figures ([`Metrics::finish`]).
    pub fn finish(
        mut self,
        engine: &Engine<'_>,
        start: Instant,
    ) -> (WaitReport, Vec<GroupFigures>) {
        let end = engine.now();
        self.at(end);
        self.flush();
        // Close the waits still going; the timelines end with them still waiting.
        for i in 0..self.held_by.len() {
            if self.held_by.held(i) {
                self.hold(i as u32, NONE);
            }
        }
        for c in std::mem::take(&mut self.dirty) {
            self.constraints[c as usize].dirty = false;
        }
        self.dates(engine, start, end);
        let model = engine.model();
        let tz = &model.timezone;
        let mut order: Vec<usize> = (0..self.constraints.len()).collect();
        order.sort_by_key(|&c| (self.constraints[c].kind, c));
        let mut report = WaitReport::default();
        for c in order {
            let k = &mut self.constraints[c];
            let totals = k.totals();
            let n: u64 = totals.values().sum();
            let capacity_kind = !matches!(
                k.kind,
                Kind::Time | Kind::Upstream | Kind::SelfDependency | Kind::Frozen
            );
            if n > 0 {
                report.waits.push(WaitRow {
                    kind: k.kind,
                    name: k.name.clone(),
                    instances: n,
                    total_seconds: totals.iter().map(|(s, c)| s * c).sum(),
                    p50_seconds: rank(&totals, n, 50),
                    p95_seconds: rank(&totals, n, 95),
                    max_seconds: totals.keys().next_back().copied().unwrap_or(0),
                    peak_queue: k.peak,
                });
            }
            if k.used || !totals.is_empty() {
                report.timelines.push(TimelineRow {
                    kind: k.kind,
                    name: k.name.clone(),
                    capacity: k.capacity,
                    bucket_seconds: (k.steps.bucket > 0).then_some(k.steps.bucket),
                    points: k
                        .steps
                        .points
                        .iter()
                        .map(|p| (rfc3339(tz, p.0), capacity_kind.then_some(p.1), p.2))
                        .collect(),
                    times: k.steps.points.iter().map(|p| p.0).collect(),
                });
            }
        }
        (report, self.metrics.finish())
    }

    /// Dates and runs: in flight from creation to end, waiting from when they were
    /// due (not before the scenario's start) until created; one never created because
    /// its chain stayed full waits to the end.
    fn dates(&mut self, engine: &Engine<'_>, start: Instant, end: Instant) {
        let fixed = self.fixed(3) as usize;
        let kind = self.constraints[fixed].kind;
        // One constraint per window: the runs of a request split by workflow
        // (`unit_scope = workflow`) have a window per workflow, named by it; the
        // others share the unnamed one.
        let mut windows: Vec<(Option<&[crate::model::WorkflowId]>, usize)> = vec![(None, fixed)];
        let mut found: Vec<InFlight> = vec![InFlight::default()];
        for (u, unit) in engine.units.iter().enumerate() {
            let label = engine.unit_workflows(u as u32);
            let k = match windows.iter().position(|(l, _)| *l == label) {
                Some(k) => k,
                None => {
                    let model = engine.model();
                    let name =
                        crate::engine::workflow_names(model, label.unwrap_or(&[])).join(", ");
                    windows.push((label, self.constraints.len()));
                    self.constraints
                        .push(Constraint::new(kind, Some(name), None, true));
                    found.push(InFlight::default());
                    windows.len() - 1
                }
            };
            let InFlight {
                changes,
                waits,
                backfill,
                held,
            } = &mut found[k];
            *backfill |= unit.backfill.is_some();
            *held = true;
            let due = unit.due.max(start);
            let created = match unit.created {
                Some(t) => Some(t),
                None => match engine.why_never_started(u as u32) {
                    NotStarted::Full { .. } | NotStarted::FullPastHorizon { .. } if due < end => {
                        None
                    }
                    _ => continue,
                },
            };
            let waited_until = created.unwrap_or(end);
            if waited_until > due {
                changes.push((due, 0, 1));
                changes.push((waited_until, 0, -1));
                waits.push((waited_until - due) as u64);
            }
            if let Some(t) = created {
                changes.push((t, 1, 0));
                if let Some(e) = unit.ended {
                    changes.push((e, -1, 0));
                }
            }
        }
        // The unnamed window is drawn when some unit is in it, or, with no split at
        // all, as before the split.
        let unnamed = windows.len() == 1 || found[0].held;
        for ((_, c), found) in windows.into_iter().zip(found) {
            let InFlight {
                mut changes,
                waits,
                backfill,
                ..
            } = found;
            changes.sort_unstable();
            let k = &mut self.constraints[c];
            if c == fixed {
                k.used = unnamed && (backfill || k.kind == Kind::MaxActiveRuns);
            }
            let (mut r, mut w) = (0i64, 0i64);
            let mut j = 0;
            while j < changes.len() {
                let t = changes[j].0;
                while j < changes.len() && changes[j].0 == t {
                    r += changes[j].1;
                    w += changes[j].2;
                    j += 1;
                }
                k.peak = k.peak.max(w as u32);
                if k.steps.last() != Some((r as u32, w as u32)) {
                    k.steps.push(t, r as u32, w as u32);
                }
            }
            for secs in waits {
                k.add(secs);
            }
        }
    }
}

/// One window of dates or runs in flight, as `Waits::dates` reads the units.
#[derive(Default)]
struct InFlight {
    /// (time, running delta, waiting delta).
    changes: Vec<(Instant, i64, i64)>,
    /// Each date's or run's wait.
    waits: Vec<u64>,
    /// A backfill's unit is in it.
    backfill: bool,
    /// Some unit is in it.
    held: bool,
}

/// The waits table of the text summary.
pub fn text(s: &mut String, waits: &[WaitRow]) {
    use crate::observe::summary::human;
    use std::fmt::Write;
    if waits.is_empty() {
        let _ = writeln!(s, "waits: none longer than zero");
        return;
    }
    let _ = writeln!(s, "waits, by what held them (longer than zero):");
    let what = |w: &WaitRow| match &w.name {
        Some(n) => format!("{} {n}", w.kind.word()),
        None => w.kind.word().to_string(),
    };
    let width = waits
        .iter()
        .map(|w| what(w).chars().count())
        .max()
        .unwrap_or(0);
    for w in waits {
        let what = what(w);
        let unit = if matches!(w.kind, Kind::DateParallelism | Kind::MaxActiveRuns) {
            "dates/runs"
        } else {
            "instances"
        };
        let _ = writeln!(
            s,
            "  {what:<width$} {:>6} {unit}  total {}  p50 {}  p95 {}  max {}  peak queue {}",
            w.instances,
            human(i128::from(w.total_seconds)),
            human(i128::from(w.p50_seconds)),
            human(i128::from(w.p95_seconds)),
            human(i128::from(w.max_seconds)),
            w.peak_queue
        );
    }
}

/// Nearest rank: the smallest value with at least `p`% of the `n` values at or below
/// it (`totals`: value → how many times).
fn rank(totals: &Totals, n: u64, p: u64) -> u64 {
    let k = (p * n).div_ceil(100).max(1);
    let mut seen = 0;
    for (&v, &c) in totals {
        seen += c;
        if seen >= k {
            return v;
        }
    }
    0
}

impl Waits {
    /// Event `e` in the current instant: its instance is now held by `c` (or by
    /// nothing: `NONE`).
    #[inline(always)]
    fn transit(&mut self, e: &Event<'_>, c: u32) {
        let g = self.groups as u32;
        // One lookup of the instance's record for its hold and its execution.
        let i = e.instance as usize;
        self.held_by.ensure(i, OPEN);
        let rec = &mut self.held_by[i];
        // While it ran nothing held it: `since` is when the execution started.
        let started = rec.since;
        let (constraints, spill) = (&mut self.constraints, &mut self.spill);
        let old = rehold(rec, e.instance, c, self.now, constraints, spill);
        let delta = match (e.from == State::Running, e.to == State::Running) {
            (false, true) => {
                rec.since = e.time;
                1
            }
            (true, false) => -1,
            _ => 0,
        };
        if let Some(old) = old {
            self.counts(old, c);
        }
        match delta {
            1 => self.metrics.start(e),
            -1 => self.metrics.end(e, started),
            _ => return,
        }
        let limit = self.task_limit[e.task().0 as usize];
        self.run(e.group().0, delta * i64::from(e.slots()));
        if let Some(tg) = e.task_group() {
            self.run(g + tg.0, delta);
        }
        if limit != NONE {
            self.run(limit, delta);
        }
    }
}

impl Sink for Waits {
    fn event(&mut self, e: &Event<'_>) {
        self.at(e.time);
        let c = match self.by_state[e.to as usize] {
            SLOTS => e.group().0,
            c => c,
        };
        self.transit(e, c);
    }

    /// As an event each, in one instant, to `running`: nothing holds them.
    fn started(&mut self, s: &Started<'_>) {
        self.at(s.time);
        for e in s.events() {
            self.transit(&e, NONE);
        }
    }

    /// As an event each: a new instance's record is open (nothing held it), so each
    /// one's wait on its upstreams opens now and none closes.
    fn created(&mut self, c: &Created<'_>) {
        self.at(c.time);
        let up = self.fixed(1);
        self.held_by.ensure(c.end as usize - 1, OPEN);
        for i in c.first..c.end {
            let rec = &mut self.held_by[i as usize];
            debug_assert!(rec.by == NONE);
            rec.by = up;
            rec.since = c.time;
        }
        self.constraints[up as usize].waiting += c.end - c.first;
        self.touch(up);
    }

    fn held(&mut self, h: &Held) {
        self.at(h.time);
        // Only a waiting instance's hold changes: `since` is not an execution's start.
        debug_assert!(
            self.held_by
                .get(h.instance as usize)
                .is_some_and(|r| r.by != NONE)
        );
        let c = match h.hold {
            Hold::Upstream => self.fixed(1),
            Hold::SelfDependency => self.self_dependency(h.task.0),
            Hold::Slots(g) => g.0,
            Hold::TaskGroup(tg) => self.groups as u32 + tg.0,
            Hold::MaxActiveTasks(w) => (2 * self.groups) as u32 + w.0,
        };
        self.hold(h.instance, c);
    }

    fn unit(&mut self, e: &crate::engine::UnitEvent) {
        self.at(e.time);
    }

    /// A retired instance's waits are all closed and counted: its record goes.
    fn retire(&mut self, r: &Retired<'_>) {
        // Every retired instance was told of at its creation: none comes back later.
        debug_assert!(r.end as usize <= self.held_by.len());
        self.held_by.retire(r.first as usize, r.end as usize);
        if !self.spill.is_empty() {
            let spilled: Vec<(u32, u32)> = self
                .spill
                .range((r.first, 0)..(r.end, 0))
                .map(|(k, _)| *k)
                .collect();
            for k in spilled {
                self.spill.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let rank = |v: &[u64], p| {
            let mut totals = Totals::new();
            for &s in v {
                *totals.entry(s).or_insert(0) += 1;
            }
            super::rank(&totals, v.len() as u64, p)
        };
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(rank(&v, 50), 5);
        assert_eq!(rank(&v, 95), 10);
        assert_eq!(rank(&[7], 50), 7);
        assert_eq!(rank(&[3, 9], 50), 3);
        assert_eq!(rank(&[3, 9], 95), 9);
        assert_eq!(rank(&[9, 3, 3], 50), 3);
    }

    #[test]
    fn a_long_timeline_is_coarsened_to_bucket_maxima_and_bounded() {
        let mut s = Steps::default();
        for k in 0..100_000i64 {
            s.push(k * 10, (k % 7) as u32, (k % 3) as u32);
        }
        assert!(s.points.len() <= MAX_POINTS, "{}", s.points.len());
        assert!(s.bucket > 0);
        // Every bucket of more than 7 changes saw the largest values.
        assert!(
            s.points[1..s.points.len() - 1]
                .iter()
                .all(|p| p.1 == 6 && p.2 == 2)
        );
        // Buckets are aligned on the first point and strictly increasing.
        assert!(s.points.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(s.points.iter().all(|p| p.0 % s.bucket == 0));
    }

    #[test]
    fn a_bucket_without_change_keeps_the_previous_end_value() {
        let mut s = Steps {
            bucket: 10,
            ..Steps::default()
        };
        s.push(0, 1, 5);
        s.push(3, 2, 0);
        s.push(45, 0, 0);
        // [0,10): max 2 running, 5 waiting; [10,20): held 2/0 unchanged; [40,50): 0/0
        // after 2/0.
        assert_eq!(
            s.points,
            vec![(0, 2, 5, 2, 0), (10, 2, 0, 2, 0), (40, 2, 0, 0, 0)]
        );
    }

    /// Totals counted as waits close equal each instance's per-constraint sums
    /// counted once at the end, whatever the order of episodes: a constraint waited
    /// for again, a third and fourth constraint (spilled), a total of `SPILLED`
    /// seconds or more.
    #[test]
    fn totals_counted_as_waits_close_equal_the_sums_at_the_end() {
        use proptest::prelude::*;
        let episode = (
            0u32..4,
            prop_oneof![1u64..5_000, Just(u64::from(SPILLED) - 2)],
        );
        let instances = proptest::collection::vec(proptest::collection::vec(episode, 0..8), 1..6);
        proptest!(|(instances in instances)| {
            let blank = || Constraint::new(Kind::Time, None, None, false);
            let mut constraints: Vec<Constraint> = (0..4).map(|_| blank()).collect();
            let mut expected: Vec<Totals> = vec![Totals::new(); 4];
            let mut spill = Spill::new();
            for (i, episodes) in instances.iter().enumerate() {
                let mut rec = OPEN;
                let mut sums = [0u64; 4];
                for &(c, secs) in episodes {
                    closed(&mut rec, i as u32, c, secs, &mut constraints[c as usize], &mut spill);
                    sums[c as usize] += secs;
                }
                for (c, &sum) in sums.iter().enumerate() {
                    if sum > 0 {
                        *expected[c].entry(sum).or_insert(0) += 1;
                    }
                }
            }
            for (k, want) in constraints.iter_mut().zip(&expected) {
                prop_assert_eq!(&k.totals(), want);
            }
        });
    }
}
