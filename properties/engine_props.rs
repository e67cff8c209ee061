//! The engine's invariants over random models and scenarios of every profile: slots
//! and date groups are never exceeded, dependency and self-dependency order hold,
//! attempts stay within retries + 1, nothing starts before its time unless the
//! backfill runs immediately, every transition leaves the state the previous one
//! entered, the same seed gives a byte-identical trace, and every run ends with each
//! instance final or listed as stuck with what it waits for.

use std::collections::BTreeMap;

use proptest::prelude::*;
use schedsim::engine::{
    self, Config, Engine, Event, Held, Origin, Retired, Sink, State, UnitEvent,
};
use schedsim::model::{Model, load_str};
use schedsim::observe::check::Recorder;
use schedsim::observe::waits::Waits;
use schedsim::observe::{TraceWriter, observe, verdicts};
use schedsim::rules::{FutureInstances, GroupSplit};

#[path = "../tests/support/model_text.rs"]
mod model_text;
use model_text::{duration, header, range, targets, task_head, task_name, workflow};

#[derive(Clone, Debug)]
struct TaskSpec {
    upstream: Vec<usize>,
    self_dependency: bool,
    schedule: usize,
    group: usize,
    duration: (u32, u32),
    retries: u32,
    interval: u32,
    fail: u32,
    timeout: Option<u32>,
}

#[derive(Clone, Debug)]
struct Spec {
    profile: usize,
    version: usize,
    slots: Vec<u32>,
    tasks: Vec<TaskSpec>,
    dates: u32,
    groups: u32,
    desc: bool,
    run_immediately: bool,
    /// Hours after the first date's midnight that the scenario starts.
    start_after_hours: u32,
    faults: Vec<(usize, u32, Vec<u32>, bool)>,
}

fn task() -> impl Strategy<Value = TaskSpec> {
    (
        proptest::collection::vec(0usize..8, 0..3),
        any::<bool>(),
        0usize..3,
        0usize..3,
        (1u32..20, 0u32..20),
        0u32..3,
        1u32..10,
        prop_oneof![Just(0u32), 1u32..40],
        proptest::option::weighted(0.2, 5u32..30),
    )
        .prop_map(
            |(
                upstream,
                self_dependency,
                schedule,
                group,
                duration,
                retries,
                interval,
                fail,
                timeout,
            )| {
                TaskSpec {
                    upstream,
                    self_dependency,
                    schedule,
                    group,
                    duration,
                    retries,
                    interval,
                    fail,
                    timeout,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        0usize..3,
        proptest::collection::vec(1u32..5, 1..4),
        proptest::collection::vec(task(), 1..5),
        1u32..6,
        1u32..5,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(24 * 30), 0u32..24 * 8],
        proptest::collection::vec(
            (
                0usize..8,
                0u32..6,
                proptest::collection::vec(1u32..4, 1..3),
                any::<bool>(),
            ),
            0..3,
        ),
    )
        .prop_map(
            |(
                profile,
                version,
                slots,
                tasks,
                dates,
                groups,
                desc,
                run_immediately,
                start_after_hours,
                faults,
            )| Spec {
                profile,
                version,
                slots,
                tasks,
                dates,
                groups,
                desc,
                run_immediately,
                start_after_hours,
                faults,
            },
        )
}

const FIRST: jiff::civil::Date = jiff::civil::date(2025, 3, 1);

/// Hours from the first date's midnight to the scenario's start. Airflow refuses a
/// backfill of a DAG with no run due at its submission ("No runs to create"): from
/// 03:00 on, each DAG's first run (00:00, 02:30) is due.
fn start_hours(s: &Spec) -> u32 {
    s.start_after_hours + if s.profile == 2 { 3 } else { 0 }
}

/// The model text of a spec. Crons are per task for DataWorks and per workflow (one
/// workflow per task) elsewhere, so cross-cycle bindings appear in every profile.
fn text(s: &Spec) -> String {
    let version = if s.profile == 1 {
        format!(
            "profile_version = \"{}\"\n",
            ["3.1", "3.2", "3.3"][s.version]
        )
    } else {
        String::new()
    };
    let mut t = header(s.profile, &version, &s.slots);
    for (k, task) in s.tasks.iter().enumerate() {
        t += &workflow(s.profile, k, task.schedule);
        t += &task_head(s.profile, k, task.schedule, &task.upstream);
        t += &format!("  resource_group = \"g{}\"\n", task.group % s.slots.len());
        t += &format!("  self_dependency = {}\n", task.self_dependency);
        t += &duration(task.duration.0, task.duration.1);
        if task.retries > 0 {
            t += &format!(
                "  retry = {{ times = {}, interval = \"{}m\" }}\n",
                task.retries, task.interval
            );
        }
        if task.fail > 0 {
            t += &format!(
                "  fail = {{ probability = {}, after_write = 0.5 }}\n",
                f64::from(task.fail) / 100.0
            );
        }
        if let Some(limit) = task.timeout {
            t += &format!("  timeout = \"{limit}m\"\n");
        }
    }
    let start = FIRST.at(0, 0, 0, 0) + jiff::Span::new().hours(i64::from(start_hours(s)));
    let last = FIRST + jiff::Span::new().days(i64::from(s.dates - 1));
    let (from, to) = range(s.profile, FIRST, last);
    let targets = targets(s.profile, s.tasks.len());
    // Airflow refuses a reversed backfill of depends_on_past tasks (AF §1, B7).
    let desc = s.desc && !(s.profile == 2 && s.tasks.iter().any(|t| t.self_dependency));
    t += &format!(
        "\n[[scenario]]\nname = \"s\"\nstart = \"{}\"\n  [[scenario.backfill]]\n  targets = [{}]\n  from = \"{from}\"\n  to = \"{to}\"\n  groups = {}\n  order = \"{}\"\n{}",
        start.strftime("%Y-%m-%dT%H:%M:%S"),
        targets,
        if s.profile == 0 {
            s.groups.min(10)
        } else {
            s.groups
        },
        if desc { "desc" } else { "asc" },
        match s.profile {
            0 => format!("  run_immediately = {}\n", s.run_immediately),
            // Airflow refuses reprocess behavior none over depends_on_past.
            2 if s.tasks.iter().any(|t| t.self_dependency) => "  reprocess = \"failed\"\n".into(),
            _ => String::new(),
        },
    );
    let mut faulted = Vec::new();
    for (k, day, attempts, after) in &s.faults {
        let k = k % s.tasks.len();
        // One fault per instance: an attempt failed in both phases is refused.
        if faulted.contains(&(k, day % s.dates)) {
            continue;
        }
        faulted.push((k, day % s.dates));
        let day = FIRST + jiff::Span::new().days(i64::from(day % s.dates) + 1);
        let time = match s.tasks[k].schedule {
            1 => "02:30:00",
            _ => "06:00:00",
        };
        let max = s.tasks[k].retries + 1;
        let mut attempts: Vec<String> = attempts
            .iter()
            .filter(|&&a| a <= max)
            .map(u32::to_string)
            .collect();
        attempts.dedup();
        if attempts.is_empty() {
            attempts.push("1".into());
        }
        t += &format!(
            "  [[scenario.fault]]\n  task = \"{}\"\n  scheduled = \"{day}T{time}\"\n  attempts = [{}]\n  phase = \"{}\"\n",
            task_name(s.profile, k),
            attempts.join(", "),
            if *after {
                "after_write"
            } else {
                "before_write"
            }
        );
    }
    t
}

/// Operator actions appended to a spec's scenario: (hour after the first date's
/// midnight + 30 days, kind, task, date).
fn with_operations(s: &Spec, source: String, ops: &[(u32, usize, usize, u32)]) -> String {
    let kinds: &[&str] = match s.profile {
        0 => &[
            "rerun",
            "rerun_downstream",
            "set_success",
            "freeze",
            "unfreeze",
            "kill",
        ],
        1 => &["rerun", "rerun_failed", "set_success", "kill"],
        _ => &[
            "rerun",
            "rerun_failed",
            "rerun_downstream",
            "rerun_upstream",
            "kill",
        ],
    };
    let mut t = source;
    let start = FIRST.at(0, 0, 0, 0) + jiff::Span::new().hours(i64::from(start_hours(s)));
    for &(hour, kind, k, day) in ops {
        let k = k % s.tasks.len();
        let at = start + jiff::Span::new().hours(i64::from(hour));
        let day = FIRST + jiff::Span::new().days(i64::from(day % s.dates) + 1);
        let time = match s.tasks[k].schedule {
            1 => "02:30:00",
            _ => "06:00:00",
        };
        let name = if s.profile == 0 {
            format!("w.t{k}")
        } else {
            format!("w{k}.t{k}")
        };
        t += &format!(
            "  [[scenario.operation]]\n  at = \"{}\"\n  kind = \"{}\"\n  task = \"{name}\"\n  scheduled = \"{day}T{time}\"\n",
            at.strftime("%Y-%m-%dT%H:%M:%S"),
            kinds[kind % kinds.len()],
        );
    }
    t
}

/// Checks every event against the state machine and the limits as it happens.
struct Checker<'m> {
    model: &'m Model,
    state: Vec<State>,
    running: Vec<u32>,
    /// By (backfill, run set): a backfill split by workflow counts each part.
    in_flight: BTreeMap<(u32, u32), u32>,
    peak_in_flight: BTreeMap<(u32, u32), u32>,
    errors: Vec<String>,
}

impl Sink for Checker<'_> {
    fn event(&mut self, e: &Event<'_>) {
        let i = e.instance as usize;
        if self.state.len() <= i {
            self.state.resize(i + 1, State::NotRun);
        }
        if self.state[i] != e.from {
            self.errors.push(format!(
                "instance {i}: {} → {} but it was {}",
                e.from, e.to, self.state[i]
            ));
        }
        self.state[i] = e.to;
        let g = e.group().0 as usize;
        if e.to == State::Running {
            self.running[g] += e.slots();
            if self.running[g] > self.model.groups[g].slots {
                self.errors.push(format!(
                    "group {g} runs {} > {} slots",
                    self.running[g], self.model.groups[g].slots
                ));
            }
        }
        if e.from == State::Running {
            self.running[g] -= e.slots();
        }
    }

    fn unit(&mut self, e: &UnitEvent) {
        if let Some(b) = e.backfill {
            let n = self.in_flight.entry((b, e.set)).or_default();
            if e.started {
                *n += 1;
            } else {
                *n -= 1;
            }
            let peak = self.peak_in_flight.entry((b, e.set)).or_default();
            *peak = (*peak).max(*n);
        }
    }
}

/// Tells observers the engine's runs of transitions (instances created waiting, a
/// dispatch's starts) as an event each (the trait's defaults): what their own
/// handling of a run must equal.
struct OneByOne<S>(S);

impl<S: Sink> Sink for OneByOne<S> {
    fn event(&mut self, e: &Event<'_>) {
        self.0.event(e);
    }
    fn unit(&mut self, e: &UnitEvent) {
        self.0.unit(e);
    }
    fn held(&mut self, h: &Held) {
        self.0.held(h);
    }
    fn retire(&mut self, r: &Retired<'_>) {
        self.0.retire(r);
    }
}

fn config(seed: u64) -> Config {
    Config::new(seed, 1_000_000)
}

fn check_final(m: &Model, e: &Engine<'_>, immediately: bool) -> Result<(), TestCaseError> {
    for (up, down) in e.bindings() {
        let (u, d) = (&e.instances[up as usize], &e.instances[down as usize]);
        if let Some(start) = d.start() {
            prop_assert!(
                u.state.satisfies_downstream(),
                "{down} started though {up} is {}",
                u.state
            );
            prop_assert!(
                u.end().unwrap() <= start,
                "{down} started before {up} ended"
            );
        }
    }
    for (k, i) in e.instances.iter().enumerate() {
        let task = m.task(i.task);
        prop_assert!(
            i.attempts <= task.retry.times + 1,
            "instance {k}: {} attempts",
            i.attempts
        );
        let may_run_early = i.origin == Origin::Backfill
            && (immediately || m.rules.future_instances != FutureInstances::Wait);
        if let (Some(start), false) = (i.start(), may_run_early) {
            prop_assert!(start >= i.run_after, "instance {k} started early");
        }
    }
    let stuck = e.stuck();
    let unfinished = e.instances.iter().filter(|i| !i.state.is_final()).count();
    prop_assert_eq!(stuck.len(), unfinished);
    for s in &stuck {
        prop_assert!(!s.waits_for.is_empty(), "{s:?} waits for nothing");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn engine_invariants_hold(s in spec(), seed in 0u64..1000) {
        let source = text(&s);
        let m = load_str("p.toml", &source).unwrap_or_else(|d| panic!("{}\n{source}", d.render()));
        let mut checker = Checker {
            model: &m,
            state: Vec::new(),
            running: vec![0; m.groups.len()],
            in_flight: BTreeMap::new(),
            peak_in_flight: BTreeMap::new(),
            errors: Vec::new(),
        };
        let e = match engine::simulate(&m, &m.scenarios[0], config(seed), &mut checker) {
            Ok(e) => e,
            // A DataWorks window or range the profile refuses is not the engine's concern.
            Err(err) => return Err(TestCaseError::reject(err.to_string())),
        };
        prop_assert!(checker.errors.is_empty(), "{:?}\n{source}", checker.errors);
        let b = &m.scenarios[0].backfills[0];
        // Dates in parallel count per run set: one per workflow where the backfill
        // runs one per workflow (DolphinScheduler, Airflow).
        for (&(_, set), &peak) in &checker.peak_in_flight {
            let dates = e.units.iter().filter(|u| u.set() == set).count() as u32;
            let bound = match m.rules.group_split {
                // DolphinScheduler 3.3 runs every chunk at once: the bug of #17831.
                GroupSplit::Chunks => dates.div_ceil(b.groups.min(dates).max(1)),
                _ => b.groups,
            };
            prop_assert!(peak <= bound, "{peak} dates in flight, bound {bound}\n{source}");
        }
        check_final(&m, &e, b.run_immediately)?;
        prop_assert_eq!(e.instances.iter().filter(|i| i.origin != Origin::Backfill).count(), 0);
    }

    #[test]
    fn operator_actions_keep_states_slots_order_and_termination_sound(
        s in spec(),
        ops in proptest::collection::vec((0u32..48, 0usize..6, 0usize..8, 0u32..6), 1..5),
        seed in 0u64..1000,
    ) {
        let source = with_operations(&s, text(&s), &ops);
        let m = load_str("p.toml", &source).unwrap_or_else(|d| panic!("{}\n{source}", d.render()));
        let mut checker = Checker {
            model: &m,
            state: Vec::new(),
            running: vec![0; m.groups.len()],
            in_flight: BTreeMap::new(),
            peak_in_flight: BTreeMap::new(),
            errors: Vec::new(),
        };
        let Ok(e) = engine::simulate(&m, &m.scenarios[0], config(seed), &mut checker) else {
            return Err(TestCaseError::reject("the profile refuses the backfill"));
        };
        prop_assert!(checker.errors.is_empty(), "{:?}\n{source}", checker.errors);
        // Reruns wait for unfinished upstreams and never exceed a group: the engine's
        // own guarantees hold under any operator actions.
        let (_, findings, _) = observe::<Vec<u8>>(&m, &m.scenarios[0], config(seed), None).unwrap();
        for p in findings.properties.iter().filter(|p| ["dependency-order", "resource-bound", "effective-period"].contains(&&*p.name)) {
            prop_assert!(p.holds, "{}: {:?}\n{source}", p.name, p.witness);
        }
        // A run for its verdicts alone (`check`, `explore`) attaches fewer observers:
        // its verdicts and witnesses are the full run's.
        let (_, alone) = verdicts(&m, &m.scenarios[0], config(seed)).unwrap();
        prop_assert_eq!(alone, findings.properties);
        let stuck = e.stuck();
        prop_assert_eq!(stuck.len(), e.instances.iter().filter(|i| !i.state.is_final()).count());
        prop_assert!(stuck.iter().all(|s| !s.waits_for.is_empty()), "{stuck:?}\n{source}");
    }

    /// The engine tells most of a new unit's instances at once (`Sink::created`), and
    /// a dispatch's starts (`Sink::started`): the waits, resource figures and the
    /// check recorder's verdicts are those of an event each, windowed or not, with
    /// operator actions (reruns create units too).
    #[test]
    fn observers_told_at_once_are_as_told_one_by_one(
        s in spec(),
        ops in proptest::collection::vec((0u32..48, 0usize..6, 0usize..8, 0u32..6), 0..3),
        seed in 0u64..1000,
        windowed: bool,
    ) {
        let source = with_operations(&s, text(&s), &ops);
        let m = load_str("p.toml", &source).unwrap_or_else(|d| panic!("{}\n{source}", d.render()));
        let scenario = &m.scenarios[0];
        let windowed = windowed && engine::windowable(&m, scenario);
        let start = schedsim::calendar::schedule::local_to_instant(&m.timezone, scenario.start);
        let observers = || (Waits::new(&m), Recorder::new(&m, scenario));
        let mut at_once = observers();
        let Ok(e) = engine::simulate_in(&m, scenario, config(seed), windowed, &mut at_once) else {
            return Err(TestCaseError::reject("the profile refuses the backfill"));
        };
        let (waits, recorder) = at_once;
        let at_once = (waits.finish(&e, start), recorder.disjoint(&e), recorder.finish());
        let mut one_by_one = OneByOne(observers());
        let e = engine::simulate_in(&m, scenario, config(seed), windowed, &mut one_by_one).unwrap();
        let (waits, recorder) = one_by_one.0;
        let one_by_one = (waits.finish(&e, start), recorder.disjoint(&e), recorder.finish());
        prop_assert_eq!(at_once, one_by_one, "{}", source);
    }

    #[test]
    fn the_same_seed_gives_a_byte_identical_trace(s in spec(), seed in 0u64..1000) {
        let source = text(&s);
        let m = load_str("p.toml", &source).unwrap();
        let trace = |seed| {
            let mut out = Vec::new();
            let mut w = TraceWriter::new(&mut out, &m);
            let ok = engine::simulate(&m, &m.scenarios[0], config(seed), &mut w).is_ok();
            w.finish().unwrap();
            (ok, out)
        };
        let (ok, a) = trace(seed);
        prop_assume!(ok);
        prop_assert_eq!(a, trace(seed).1);
    }
}
