//! The property catalog of product.md, evaluated from the event stream, the engine's
//! final state and the simulated store. Each violation comes with a witness a person
//! can act on: which instance, which executions, which partition, when, and why.

use std::collections::BTreeMap;

use crate::calendar::Instant;
use crate::calendar::schedule::instant_to_local;
use crate::calendar::schedule::rfc3339;
use crate::engine::Origin;
use crate::engine::{Engine, Event, NotStarted, Reason, Sink, State, UnitEvent};
use crate::model::{Model, Scenario};
use crate::plan::UnitKey;
use crate::rules::GroupSplit;
use crate::window::Window;

mod fold;
mod judge;
pub(crate) mod writes;

pub use judge::evaluate;
use judge::units_disjoint;

/// Every property `check` evaluates, by its product.md name, in this order.
pub const PROPERTIES: [&str; 13] = [
    "unique-logical-instance",
    "instance-count",
    "idempotent-writes",
    "partition-alignment",
    "complete-writes",
    "dependency-order",
    "self-dependency-order",
    "resource-bound",
    "date-parallelism-bound",
    "no-early-start",
    "retry-bound",
    "effective-period",
    "termination",
];

/// At most this many details are kept per property.
const DETAILS: usize = 20;

/// At most this many items are named inside one detail.
const NAMED: usize = 5;

/// The items named, comma-separated, and how many more of `total` there are.
fn first_of(named: &[String], total: usize) -> String {
    let mut s = named.join(", ");
    if total > named.len() {
        s.push_str(&format!(" and {} more", total - named.len()));
    }
    s
}

/// The dates (units) that never started, the first [`NAMED`] of them by name, and why
/// the first did not: `2025-03-03 (its backfill stopped after a date failed:
/// chain_on_failure = stop)`; None when every one started.
pub fn never_started(engine: &Engine<'_>) -> Option<String> {
    let (first, _) = engine.never_started().next()?;
    let model = engine.model();
    let never = engine.never_started().count();
    let named: Vec<String> = engine
        .never_started()
        .map(|(u, _)| engine.unit_label(u))
        .take(NAMED)
        .collect();
    let time = |t: Instant| rfc3339(&model.timezone, t);
    let in_flight = |cap| in_flight(model.rules.group_split, cap);
    let cause = match engine.why_never_started(first) {
        NotStarted::Stopped(stop) => format!("the run stopped: {stop}"),
        NotStarted::Horizon(due) => format!("due {}, after the horizon", time(due)),
        NotStarted::ChainStopped => format!(
            "its backfill stopped after a date failed: chain_on_failure = {}",
            model.rules.chain_on_failure
        ),
        NotStarted::Full { cap, open } => format!(
            "{}, and date {} never ended",
            in_flight(cap),
            engine.unit_label(open)
        ),
        NotStarted::FullPastHorizon { cap } => format!(
            "due {}, before the horizon, but {} until after it",
            time(engine.units[first as usize].due),
            in_flight(cap)
        ),
    };
    Some(format!("{} ({cause})", first_of(&named, never)))
}

/// What keeps a date waiting for the dates before it: Airflow's window holds `cap`
/// runs; the other splits make chains of dates, each running its dates one after
/// another (`cap` 1), as many as `groups` says.
fn in_flight(split: GroupSplit, cap: u32) -> String {
    const CHUNK: &str = "the dates of a chunk run one after another (DolphinScheduler 3.3 cuts a backfill's dates into chunks of `groups` dates)";
    const CHAIN: &str =
        "the dates of a chain run one after another (a backfill runs `groups` chains)";
    match split {
        GroupSplit::Window => format!("at most {cap} date(s) in flight (max_active_runs = {cap})"),
        GroupSplit::Chunks => CHUNK.to_string(),
        GroupSplit::Contiguous | GroupSplit::RoundRobin => CHAIN.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Witness {
    pub summary: String,
    /// The first violations, each on its own line.
    pub details: Vec<String>,
    /// How many violations there are in all.
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PropertyResult {
    /// One of [`PROPERTIES`], or `expect:NAME` for a model's `[[expect]]`.
    pub name: std::borrow::Cow<'static, str>,
    pub holds: bool,
    pub witness: Option<Witness>,
    /// An expectation's definition ([`expect::definition`](super::expect::definition));
    /// the 13 properties have theirs in `properties::DEFINITIONS`.
    #[serde(skip)]
    pub definition: Option<String>,
}

impl PropertyResult {
    /// The name when it is one of the 13 properties (not a model's expectation).
    pub fn builtin(&self) -> Option<&'static str> {
        match self.name {
            std::borrow::Cow::Borrowed(n) => Some(n),
            std::borrow::Cow::Owned(_) => None,
        }
    }
}

/// No such time.
const NEVER: Instant = Instant::MIN;

/// What the recorder keeps of one instance.
#[derive(Clone, Copy)]
struct Seen {
    /// First time it succeeded or dry-ran.
    satisfied_at: Instant,
    /// When its last execution failed and waits to retry.
    last_failure: Instant,
    /// Executions since it last (re)started.
    tries: u32,
}

impl Seen {
    const NEW: Seen = Seen {
        satisfied_at: NEVER,
        last_failure: NEVER,
        tries: 0,
    };
}

/// Collects what the properties need while the simulation runs.
pub struct Recorder<'m> {
    model: &'m Model,
    running: Vec<u32>,
    /// By group: its slots (what each execution's start compares with, without
    /// reaching into the model).
    capacity: Vec<u32>,
    /// By task: the tries it allows and the least interval between two of them.
    retry: Vec<(u32, Instant)>,
    /// Dates in flight by (backfill, run set): a backfill split by workflow counts
    /// each workflow's dates against its `groups` (Airflow's max_active_runs is per
    /// DAG).
    in_flight: BTreeMap<(u32, u32), u32>,
    /// Per instance, compactly (the 10-million-instance budget counts every byte);
    /// a windowed run drops those of retired units.
    seen: Window<Seen>,
    resource: Found,
    parallel: Found,
    retries: Found,
    /// The groups each backfill allows (by scenario order).
    groups: Vec<u32>,
    /// Whether each backfill runs its dates immediately.
    run_immediately: Vec<bool>,
    /// The per-instance properties of the units a windowed run retired.
    folds: fold::Folds,
}

impl<'m> Recorder<'m> {
    pub fn new(model: &'m Model, scenario: &Scenario) -> Self {
        Recorder {
            model,
            running: vec![0; model.groups.len()],
            capacity: model.groups.iter().map(|g| g.slots).collect(),
            retry: model
                .tasks
                .iter()
                .map(|t| (t.retry.times + 1, t.retry.interval as Instant))
                .collect(),
            in_flight: BTreeMap::new(),
            seen: Window::new(),
            resource: Found::default(),
            parallel: Found::default(),
            retries: Found::default(),
            // 0: one chain per date, no bound (DolphinScheduler parallel mode).
            groups: scenario
                .backfills
                .iter()
                .map(|b| if b.groups == 0 { u32::MAX } else { b.groups })
                .collect(),
            run_immediately: scenario
                .backfills
                .iter()
                .map(|b| b.run_immediately)
                .collect(),
            folds: fold::Folds::default(),
        }
    }

    fn time(&self, t: Instant) -> String {
        rfc3339(&self.model.timezone, t)
    }

    #[inline]
    fn grow(&mut self, i: usize) {
        self.seen.ensure(i, Seen::NEW);
    }
}

impl Recorder<'_> {
    /// Whether no two instances of the run share a logical key, shown in linear time
    /// (`units_disjoint`): a windowed store's reference, which counts each instance
    /// without looking for another of its key, is exact only then.
    pub fn disjoint(&self, engine: &Engine<'_>) -> bool {
        units_disjoint(engine, &self.folds.unique)
    }

    /// resource-bound, date-parallelism-bound and retry-bound: what the events showed.
    pub fn finish(self) -> [PropertyResult; 3] {
        [
            self.resource.verdict(PROPERTIES[7], |n| {
                format!("{n} starts exceeded a group's slots")
            }),
            self.parallel.verdict(PROPERTIES[8], |n| {
                format!("{n} backfill dates started beyond the groups allowed")
            }),
            self.retries.verdict(PROPERTIES[10], |n| {
                format!("{n} executions broke a retry limit or interval")
            }),
        ]
    }
}

/// The violations of one property found so far: the first [`DETAILS`] in words, and
/// how many in all.
#[derive(Default, Clone)]
struct Found {
    details: Vec<String>,
    count: usize,
}

impl Found {
    fn add(&mut self, line: impl FnOnce() -> String) {
        self.count += 1;
        if self.details.len() < DETAILS {
            self.details.push(line());
        }
    }

    fn verdict(self, name: &'static str, summary: impl FnOnce(usize) -> String) -> PropertyResult {
        PropertyResult {
            name: name.into(),
            holds: self.count == 0,
            witness: (self.count > 0).then(|| Witness {
                summary: summary(self.count),
                details: self.details,
                count: self.count,
            }),
            definition: None,
        }
    }
}

impl Sink for Recorder<'_> {
    /// Most transitions (into a wait) change nothing the recorder keeps: this test is
    /// inlined into the engine, the rest is a call ([`Recorder::record`]).
    #[inline]
    fn event(&mut self, e: &Event<'_>) {
        if RECORDED[e.to as usize]
            || e.from == State::Running
            || matches!(e.reason, Reason::Rerun | Reason::SetSuccess)
        {
            self.record(e);
        }
    }

    /// A wait entered from `not_run` at creation changes nothing the recorder keeps.
    fn created(&mut self, _c: &crate::engine::Created<'_>) {}

    /// Each start is recorded, as its event would be.
    fn started(&mut self, s: &crate::engine::Started<'_>) {
        for e in s.events() {
            self.record_in(&e);
        }
    }

    fn retire(&mut self, r: &crate::engine::Retired<'_>) {
        self.fold(r);
    }

    fn unit(&mut self, e: &UnitEvent) {
        // A date an operator reruns is not another date of its backfill in flight.
        let Some(b) = e.backfill.filter(|_| !e.reopened) else {
            return;
        };
        let n = self.in_flight.entry((b, e.set)).or_default();
        if e.started {
            *n += 1;
        } else {
            *n -= 1;
        }
        let (n, limit) = (*n, self.groups.get(b as usize).copied().unwrap_or(u32::MAX));
        if e.started && n > limit {
            let (at, date) = (self.time(e.time), e.label(self.model));
            self.parallel.add(|| {
                format!(
                    "{at}: backfill {} has {n} dates in flight (date {date} started); it allows {limit}",
                    b + 1
                )
            });
        }
    }
}

/// By state (`State as usize`): whether the recorder reads a transition into it (an
/// execution's start, a success), whatever it comes from.
const RECORDED: [bool; State::ALL.len()] = {
    let mut recorded = [false; State::ALL.len()];
    let mut k = 0;
    while k < State::ALL.len() {
        let s = State::ALL[k];
        recorded[k] = matches!(s, State::Running) || s.satisfies_downstream();
        k += 1;
    }
    recorded
};

impl Recorder<'_> {
    /// What an event changes of what the recorder keeps.
    #[inline(never)]
    fn record(&mut self, e: &Event<'_>) {
        self.record_in(e);
    }

    /// [`Recorder::record`]'s body, inlined where the transition is known (a
    /// dispatch's starts), so that the tests on it fold.
    #[inline(always)]
    fn record_in(&mut self, e: &Event<'_>) {
        let satisfies = e.to.satisfies_downstream();
        let restarts = matches!(e.reason, Reason::Rerun | Reason::SetSuccess);
        let starts = e.to == State::Running;
        let executes = starts || e.from == State::Running;
        // Executions take and give back slots.
        if executes {
            self.slots(e, e.group(), e.slots(), starts);
            if let Some(tg) = e.task_group() {
                self.slots(e, tg, 1, starts);
            }
        }
        let i = e.instance as usize;
        self.grow(i);
        let seen = &mut self.seen[i];
        if satisfies && seen.satisfied_at == NEVER {
            seen.satisfied_at = e.time;
        }
        if restarts {
            seen.tries = 0;
            seen.last_failure = NEVER;
        }
        if !executes {
            return;
        }
        if starts {
            let (allowed, interval) = self.retry[e.task().0 as usize];
            seen.tries += 1;
            let (tries, failed) = (seen.tries, seen.last_failure);
            if tries > allowed {
                self.too_many_tries(e, tries);
            }
            if failed != NEVER && e.time - failed < interval {
                self.too_early_retry(e, failed);
            }
        } else if e.to == State::WaitingRetry {
            seen.last_failure = e.time;
        }
    }

    /// An execution of `e` takes (`starts`) or gives back `slots` of group `g`.
    #[inline]
    fn slots(&mut self, e: &Event<'_>, g: crate::model::GroupId, slots: u32, starts: bool) {
        let g = g.0 as usize;
        if starts {
            self.running[g] += slots;
            if self.running[g] > self.capacity[g] {
                self.over_slots(e, g);
            }
        } else {
            self.running[g] -= slots;
        }
    }

    #[cold]
    fn over_slots(&mut self, e: &Event<'_>, g: usize) {
        let (running, at) = (self.running[g], self.time(e.time));
        let group = &self.model.groups[g];
        let (name, limit) = (&group.name, group.slots);
        let task = &self.model.task(e.task()).name;
        self.resource.add(|| {
            format!("{at}: {running} slots of `{name}` in use, it has {limit} ({task} started)")
        });
    }

    #[cold]
    fn too_many_tries(&mut self, e: &Event<'_>, tries: u32) {
        let task = self.model.task(e.task());
        let allowed = task.retry.times + 1;
        let (at, s) = (self.time(e.time), self.time(e.scheduled()));
        self.retries.add(|| {
            format!(
                "{} scheduled {s}: execution {} at {at} is try {tries} of at most {allowed}",
                task.name,
                e.attempt(),
            )
        });
    }

    #[cold]
    fn too_early_retry(&mut self, e: &Event<'_>, failed: Instant) {
        let task = self.model.task(e.task());
        let (at, s, f) = (
            self.time(e.time),
            self.time(e.scheduled()),
            self.time(failed),
        );
        let gap = e.time - failed;
        let interval = task.retry.interval;
        self.retries.add(|| {
            format!(
                "{} scheduled {s}: retry at {at}, {gap}s after the failure at {f}; the interval is {interval}s",
                task.name
            )
        });
    }
}

/// Pairs (first, then) where `then` started before `first` succeeded (or when
/// `first` never did): what dependency-order and self-dependency-order look for.
pub fn started_before(
    pairs: impl IntoIterator<Item = (u32, u32)>,
    start: impl Fn(u32) -> Option<Instant>,
    satisfied: impl Fn(u32) -> Option<Instant>,
) -> Vec<(u32, u32, Instant, Option<Instant>)> {
    pairs
        .into_iter()
        .filter_map(|(first, then)| {
            let s = start(then)?;
            let done = satisfied(first);
            done.is_none_or(|t| t > s).then_some((first, then, s, done))
        })
        .collect()
}

/// Whether a date lies outside a task's effective period (both ends included).
pub fn outside_effective(
    date: jiff::civil::Date,
    effective: Option<(jiff::civil::Date, jiff::civil::Date)>,
) -> bool {
    effective.is_some_and(|(from, to)| date < from || date > to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_str;

    fn model() -> Model {
        load_str(
            "m.toml",
            "[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[resource_group]]\nname = \"g\"\nslots = 2\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 00 02 * * ?\"\n  resource_group = \"g\"\n  retry = { times = 1, interval = \"5m\" }\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-02\"\n",
        )
        .unwrap()
    }

    fn event(
        instance: u32,
        time: Instant,
        from: State,
        to: State,
        reason: Reason,
    ) -> Event<'static> {
        Event::sample(instance, time, (from, to, reason))
    }

    #[test]
    fn resource_bound_fails_when_a_group_runs_more_than_its_slots() {
        let m = model();
        let mut r = Recorder::new(&m, &m.scenarios[0]);
        for i in 0..3 {
            r.event(&event(
                i,
                60,
                State::WaitingResources,
                State::Running,
                Reason::SlotFree,
            ));
        }
        let [resource, parallel, retry] = r.finish();
        assert!(!resource.holds);
        assert_eq!(resource.witness.unwrap().count, 1);
        assert!(parallel.holds && retry.holds);
    }

    #[test]
    fn retry_bound_fails_on_a_try_too_many_and_on_a_short_interval() {
        let m = model();
        let mut r = Recorder::new(&m, &m.scenarios[0]);
        let run = |r: &mut Recorder<'_>, t| {
            r.event(&event(
                0,
                t,
                State::WaitingResources,
                State::Running,
                Reason::SlotFree,
            ))
        };
        run(&mut r, 0);
        r.event(&event(
            0,
            100,
            State::Running,
            State::WaitingRetry,
            Reason::FailedBeforeWrite,
        ));
        run(&mut r, 160); // 60 s after the failure; the interval is 300 s
        r.event(&event(
            0,
            200,
            State::Running,
            State::WaitingRetry,
            Reason::FailedBeforeWrite,
        ));
        run(&mut r, 600); // a third try of at most 2
        let [_, _, retry] = r.finish();
        assert_eq!(retry.witness.unwrap().count, 2);
    }

    #[test]
    fn a_rerun_starts_the_retry_count_again() {
        let m = model();
        let mut r = Recorder::new(&m, &m.scenarios[0]);
        for k in 0..3 {
            r.event(&event(
                0,
                k * 1000,
                State::Succeeded,
                State::WaitingResources,
                Reason::Rerun,
            ));
            r.event(&event(
                0,
                k * 1000 + 1,
                State::WaitingResources,
                State::Running,
                Reason::SlotFree,
            ));
        }
        assert!(r.finish()[2].holds);
    }

    #[test]
    fn date_parallelism_fails_beyond_the_backfill_groups() {
        let m = model();
        let mut r = Recorder::new(&m, &m.scenarios[0]);
        for u in 0..2 {
            r.unit(&UnitEvent {
                time: 0,
                unit: u,
                key: UnitKey::RunTime(0),
                origin: crate::engine::Origin::Backfill,
                backfill: Some(0),
                set: 0,
                workflows: None,
                started: true,
                failed: false,
                reopened: false,
            });
        }
        assert!(!r.finish()[1].holds, "one group allows one date in flight");
        // A date an operator reruns is not one more date of the backfill.
        let mut r = Recorder::new(&m, &m.scenarios[0]);
        for (u, reopened) in [(0, false), (1, true)] {
            r.unit(&UnitEvent {
                time: 0,
                unit: u,
                key: UnitKey::RunTime(0),
                origin: crate::engine::Origin::Backfill,
                backfill: Some(0),
                set: 0,
                workflows: None,
                started: true,
                failed: false,
                reopened,
            });
        }
        assert!(r.finish()[1].holds);
    }

    #[test]
    fn started_before_finds_starts_ahead_of_the_upstream_success() {
        let start = |i: u32| [Some(100), Some(50), None][i as usize];
        let done = |i: u32| [Some(90), Some(200), None][i as usize];
        // 0 then 1: 1 started at 50, 0 succeeded at 90 → too early.
        // 1 then 0: 0 started at 100, 1 succeeded at 200 → too early.
        // 2 then 0: 2 never succeeded → too early. 0 then 2: 2 never started → fine.
        let found = started_before([(0, 1), (1, 0), (2, 0), (0, 2)], start, done);
        assert_eq!(
            found,
            [
                (0, 1, 50, Some(90)),
                (1, 0, 100, Some(200)),
                (2, 0, 100, None)
            ]
        );
        assert!(started_before([(0, 0)], |_| Some(90), |_| Some(90)).is_empty());
    }

    /// Sorting every (scheduled, task) key: what `units_disjoint` stands in for.
    fn has_duplicate(engine: &Engine<'_>) -> bool {
        let mut keys: Vec<(Instant, u32)> = engine
            .instances
            .iter()
            .map(|i| (i.scheduled, i.task.0))
            .collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }

    #[test]
    fn the_disjoint_units_shortcut_never_hides_a_duplicate() {
        let backfill = |from: &str, to: &str| {
            format!(
                "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"{from}\"\n  to = \"{to}\"\n"
            )
        };
        let head = "[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"a\"\n  cron = \"00 00 * * * ?\"\n  [[workflow.task]]\n  name = \"b\"\n  cron = \"00 00 * * * ?\"\n  upstream = [\"a\"]\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n";
        // One backfill: the shortcut applies. Two overlapping ones: 2 dates × 2 tasks ×
        // 24 hours exist twice, and the sort must find them.
        for (text, shortcut, twice) in [
            (
                format!("{head}{}", backfill("2025-03-01", "2025-03-03")),
                true,
                0,
            ),
            (
                format!(
                    "{head}{}{}",
                    backfill("2025-03-01", "2025-03-03"),
                    backfill("2025-03-02", "2025-03-04")
                ),
                false,
                96,
            ),
        ] {
            let m = load_str("m.toml", &text).unwrap();
            let config = crate::engine::Config::new(0, 10_000);
            let (engine, findings, _) =
                crate::observe::observe::<Vec<u8>>(&m, &m.scenarios[0], config, None).unwrap();
            assert_eq!(
                units_disjoint(&engine, &fold::Disjoint::default()),
                shortcut
            );
            assert_eq!(has_duplicate(&engine), twice > 0);
            let unique = &findings.properties[0];
            assert_eq!(unique.witness.as_ref().map_or(0, |w| w.count), twice);
        }
    }

    #[test]
    fn outside_effective_includes_both_ends() {
        let d = |day| jiff::civil::date(2025, 3, day);
        let period = Some((d(2), d(4)));
        assert!(outside_effective(d(1), period));
        assert!(!outside_effective(d(2), period));
        assert!(!outside_effective(d(4), period));
        assert!(outside_effective(d(5), period));
        assert!(!outside_effective(d(5), None));
    }
}
