//! The waits report recomputed independently from the JSON Lines trace, for random
//! models of every profile (with task groups under DolphinScheduler, `pool_slots`
//! and `max_active_tasks` under Airflow, self-dependency, retries, failures and
//! faults): every figure of `waits` and each group's `peak_waiting` must match.
//!
//! The recomputation knows nothing of the engine's holds (`Sink::held`): it replays
//! the trace's transitions, keeps the running slots of every group, task group and
//! workflow, and at the end of each instant charges each waiting instance to the
//! constraint its state and those counts name (SEMANTICS.md, Waits): time, frozen;
//! upstream unless every bound upstream instance not yet succeeded is of its own task
//! (self-dependency; also when it waits for a date not created yet); its group's slots when fewer are free than it needs, else its
//! task group when full, else its workflow's `max_active_tasks`. Dates wait from
//! their backfill's `at` to their `started` line.

use std::collections::BTreeMap;

use proptest::prelude::*;
use schedsim::engine::Config;
use schedsim::model::{Model, load_str};
use schedsim::observe::observe;
use schedsim::observe::waits::{Kind, WaitReport};

#[path = "../tests/support/model_text.rs"]
mod model_text;
use model_text::{duration, header, range, targets, task_head, task_name, workflow};

#[derive(Clone, Debug)]
struct TaskSpec {
    upstream: Vec<usize>,
    self_dependency: bool,
    schedule: usize,
    group: usize,
    /// DolphinScheduler: a task group (another group than its own).
    task_group: Option<usize>,
    /// Airflow: slots the task takes in its pool.
    pool_slots: u32,
    duration: (u32, u32),
    retries: u32,
    fail: u32,
}

#[derive(Clone, Debug)]
struct Spec {
    profile: usize,
    slots: Vec<u32>,
    tasks: Vec<TaskSpec>,
    /// Airflow: each workflow's `max_active_tasks`.
    max_active_tasks: Vec<Option<u32>>,
    dates: u32,
    groups: u32,
    start_after_hours: u32,
    faults: Vec<(usize, u32, u32)>,
}

fn task() -> impl Strategy<Value = TaskSpec> {
    (
        proptest::collection::vec(0usize..6, 0..3),
        any::<bool>(),
        0usize..3,
        0usize..3,
        proptest::option::of(0usize..3),
        1u32..3,
        (1u32..30, 0u32..30),
        0u32..3,
        prop_oneof![Just(0u32), 1u32..30],
    )
        .prop_map(
            |(
                upstream,
                self_dependency,
                schedule,
                group,
                task_group,
                pool_slots,
                duration,
                retries,
                fail,
            )| TaskSpec {
                upstream,
                self_dependency,
                schedule,
                group,
                task_group,
                pool_slots,
                duration,
                retries,
                fail,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        proptest::collection::vec(1u32..4, 2..4),
        proptest::collection::vec(task(), 1..6),
        proptest::collection::vec(proptest::option::of(1u32..3), 6),
        1u32..5,
        1u32..4,
        prop_oneof![Just(24 * 30), 0u32..24 * 6],
        proptest::collection::vec((0usize..6, 0u32..5, 1u32..3), 0..3),
    )
        .prop_map(
            |(profile, slots, tasks, max_active_tasks, dates, groups, start, faults)| Spec {
                profile,
                slots,
                tasks,
                max_active_tasks,
                dates,
                groups,
                start_after_hours: start,
                faults,
            },
        )
}

const FIRST: jiff::civil::Date = jiff::civil::date(2025, 3, 1);

/// The model text: DataWorks tasks carry their own cron in one workflow; elsewhere
/// one workflow per task, bound across workflows.
fn text(s: &Spec) -> String {
    let mut t = header(s.profile, "", &s.slots);
    let name = |k: usize| task_name(s.profile, k);
    for (k, task) in s.tasks.iter().enumerate() {
        t += &workflow(s.profile, k, task.schedule);
        if s.profile == 2
            && let Some(m) = s.max_active_tasks[k]
        {
            t += &format!("max_active_tasks = {m}\n");
        }
        t += &task_head(s.profile, k, task.schedule, &task.upstream);
        let group = task.group % s.slots.len();
        t += &format!("  resource_group = \"g{group}\"\n");
        if s.profile == 1
            && let Some(tg) = task.task_group
            && tg % s.slots.len() != group
        {
            t += &format!("  task_group = \"g{}\"\n", tg % s.slots.len());
        }
        if s.profile == 2 {
            t += &format!("  pool_slots = {}\n", task.pool_slots.min(s.slots[group]));
        }
        t += &format!("  self_dependency = {}\n", task.self_dependency);
        t += &duration(task.duration.0, task.duration.1);
        if task.retries > 0 {
            t += &format!(
                "  retry = {{ times = {}, interval = \"5m\" }}\n",
                task.retries
            );
        }
        if task.fail > 0 {
            t += &format!(
                "  fail = {{ probability = {}, after_write = 0.5 }}\n",
                f64::from(task.fail) / 100.0
            );
        }
    }
    // Airflow refuses a backfill of a DAG with no run due at its submission ("No runs
    // to create"): from 03:00 on, each DAG's first run (00:00, 02:30) is due.
    let due = if s.profile == 2 { 3 } else { 0 };
    let start =
        FIRST.at(0, 0, 0, 0) + jiff::Span::new().hours(i64::from(s.start_after_hours + due));
    let last = FIRST + jiff::Span::new().days(i64::from(s.dates - 1));
    let (from, to) = range(s.profile, FIRST, last);
    let targets = targets(s.profile, s.tasks.len());
    t += &format!(
        "\n[[scenario]]\nname = \"s\"\nstart = \"{}\"\n  [[scenario.backfill]]\n  targets = [{}]\n  from = \"{from}\"\n  to = \"{to}\"\n  groups = {}\n",
        start.strftime("%Y-%m-%dT%H:%M:%S"),
        targets,
        s.groups,
    );
    // Airflow refuses reprocess behavior none over depends_on_past.
    if s.profile == 2 && s.tasks.iter().any(|t| t.self_dependency) {
        t += "  reprocess = \"failed\"\n";
    }
    let mut faulted = Vec::new();
    for &(k, day, attempt) in &s.faults {
        let k = k % s.tasks.len();
        if faulted.contains(&(k, day % s.dates)) {
            continue;
        }
        faulted.push((k, day % s.dates));
        let day = FIRST + jiff::Span::new().days(i64::from(day % s.dates) + 1);
        let time = match s.tasks[k].schedule {
            1 => "02:30:00",
            _ => "06:00:00",
        };
        t += &format!(
            "  [[scenario.fault]]\n  task = \"{}\"\n  scheduled = \"{day}T{time}\"\n  attempts = [{}]\n",
            name(k),
            attempt.min(s.tasks[k].retries + 1)
        );
    }
    t
}

/// A constraint as the JSON names it.
type Key = (Kind, Option<String>);

/// Per constraint: each instance's (or date's) total wait, and the peak queue.
#[derive(Default, Debug)]
struct Figures {
    waits: BTreeMap<Key, BTreeMap<u64, u64>>,
    peaks: BTreeMap<Key, u32>,
    /// When each backfill unit first started.
    unit_started: BTreeMap<u64, i64>,
}

fn seconds(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// What holds each waiting instance at the end of an instant, from the replayed
/// states and running counts alone.
fn recompute(m: &Model, trace: &str, bindings: &[(u32, u32)], end: i64) -> Figures {
    let task_of_name: BTreeMap<&str, usize> = m
        .tasks
        .iter()
        .enumerate()
        .map(|(k, t)| (t.name.as_str(), k))
        .collect();
    let mut ups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(u, d) in bindings {
        ups.entry(d).or_default().push(u);
    }
    let slot_kind = if m.profile == schedsim::rules::Profile::Airflow {
        Kind::Pool
    } else {
        Kind::ResourceGroup
    };
    let mut state: BTreeMap<u32, (usize, String)> = BTreeMap::new();
    // Slots in use per group, in either role: a group that is one task's resource
    // group and another's task group has one set of slots.
    let mut running = vec![0u32; m.groups.len()];
    let mut wf_running = vec![0u32; m.workflows.len()];
    let mut f = Figures::default();
    // After the header; the end line (`{"end":{"lines":N}}`) is no event.
    let mut lines = trace
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("{\"end\":"))
        .peekable();
    while let Some(first) = lines.peek() {
        let t = seconds(
            serde_json::from_str::<serde_json::Value>(first).unwrap()["time"]
                .as_str()
                .unwrap(),
        );
        while let Some(line) = lines.peek() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if seconds(v["time"].as_str().unwrap()) != t {
                break;
            }
            lines.next();
            if let Some(u) = v["unit"].as_u64() {
                if v["event"] == "started" && v["origin"] == "backfill" {
                    f.unit_started.entry(u).or_insert(t);
                }
                continue;
            }
            let i = v["instance"].as_u64().unwrap() as u32;
            let task = task_of_name[v["task"].as_str().unwrap()];
            let tk = &m.tasks[task];
            let delta = match (v["from"] == "running", v["to"] == "running") {
                (false, true) => 1i64,
                (true, false) => -1,
                _ => 0,
            };
            let add = |x: &mut u32, by: u32| *x = (i64::from(*x) + delta * i64::from(by)) as u32;
            add(&mut running[tk.group.0 as usize], tk.pool_slots.max(1));
            if let Some(tg) = tk.task_group {
                add(&mut running[tg.0 as usize], 1);
            }
            add(&mut wf_running[tk.workflow.0 as usize], 1);
            state.insert(i, (task, v["to"].as_str().unwrap().to_string()));
        }
        // The instant is over: who waits for what until the next one.
        let next = lines
            .peek()
            .map(|l| {
                seconds(
                    serde_json::from_str::<serde_json::Value>(l).unwrap()["time"]
                        .as_str()
                        .unwrap(),
                )
            })
            .unwrap_or(end);
        let mut queue: BTreeMap<Key, u32> = BTreeMap::new();
        for (&i, (task, st)) in &state {
            let tk = &m.tasks[*task];
            let key: Key = match st.as_str() {
                "waiting_time" => (Kind::Time, None),
                "frozen" => (Kind::Frozen, None),
                "waiting_upstream" => {
                    let open: Vec<u32> = ups
                        .get(&i)
                        .into_iter()
                        .flatten()
                        .copied()
                        .filter(|u| {
                            !state
                                .get(u)
                                .is_some_and(|(_, s)| s == "succeeded" || s == "dry_run")
                        })
                        .collect();
                    // No open binding: it waits for the date before, not created yet,
                    // whose last instance of its own task it will be bound to.
                    if open
                        .iter()
                        .all(|u| state.get(u).is_none_or(|(t, _)| t == task))
                    {
                        (Kind::SelfDependency, Some(tk.name.clone()))
                    } else {
                        (Kind::Upstream, None)
                    }
                }
                "waiting_resources" => {
                    let g = tk.group.0 as usize;
                    let wf = m.workflow(tk.workflow);
                    if m.groups[g].slots - running[g] < tk.pool_slots.max(1) {
                        (slot_kind, Some(m.groups[g].name.clone()))
                    } else if let Some(tg) = tk.task_group
                        && running[tg.0 as usize] >= m.groups[tg.0 as usize].slots
                    {
                        (Kind::TaskGroup, Some(m.groups[tg.0 as usize].name.clone()))
                    } else if let Some(max) = wf.max_active_tasks
                        && wf_running[tk.workflow.0 as usize] >= max
                    {
                        (Kind::MaxActiveTasks, Some(wf.name.clone()))
                    } else {
                        panic!("instance {i} queued at {t} with nothing holding it")
                    }
                }
                _ => continue,
            };
            *queue.entry(key.clone()).or_default() += 1;
            if next > t {
                *f.waits
                    .entry(key)
                    .or_default()
                    .entry(u64::from(i))
                    .or_default() += (next - t) as u64;
            }
        }
        for (key, n) in queue {
            let p = f.peaks.entry(key).or_default();
            *p = (*p).max(n);
        }
    }
    f
}

fn rank(sorted: &[u64], p: usize) -> u64 {
    sorted[(p * sorted.len()).div_ceil(100).max(1) - 1]
}

/// The recomputed figures as the report's rows (instance-level constraints).
fn compare(report: &WaitReport, f: &Figures) -> Result<(), TestCaseError> {
    let got: BTreeMap<Key, _> = report
        .waits
        .iter()
        .filter(|w| !matches!(w.kind, Kind::DateParallelism | Kind::MaxActiveRuns))
        .map(|w| ((w.kind, w.name.clone()), w))
        .collect();
    let want: BTreeMap<&Key, Vec<u64>> = f
        .waits
        .iter()
        .map(|(k, per)| {
            let mut v: Vec<u64> = per.values().copied().filter(|&s| s > 0).collect();
            v.sort_unstable();
            (k, v)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    prop_assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().copied().collect::<Vec<_>>()
    );
    for (k, v) in want {
        let w = got[k];
        prop_assert_eq!(w.instances, v.len() as u64, "{:?}", k);
        prop_assert_eq!(w.total_seconds, v.iter().sum::<u64>(), "{:?}", k);
        prop_assert_eq!(w.max_seconds, *v.last().unwrap(), "{:?}", k);
        prop_assert_eq!(w.p50_seconds, rank(&v, 50), "{:?}", k);
        prop_assert_eq!(w.p95_seconds, rank(&v, 95), "{:?}", k);
        prop_assert_eq!(w.peak_queue, f.peaks[k], "{:?}", k);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn waits_match_an_independent_replay_of_the_trace(s in spec(), seed in 0u64..1000) {
        let source = text(&s);
        let m = load_str("p.toml", &source).unwrap_or_else(|e| panic!("{source}\n{e:?}"));
        let scenario = m.scenarios[0].clone();
        let (engine, findings, trace) =
            observe(&m, &scenario, Config::new(seed, 1_000_000), Some(Vec::new())).unwrap();
        let trace = String::from_utf8(trace.unwrap().unwrap()).unwrap();
        let bindings: Vec<(u32, u32)> = engine.bindings().collect();
        let f = recompute(&m, &trace, &bindings, engine.now());
        compare(&findings.waits, &f)?;
        // Dates wait from the backfill's `at` (not before the start) until they start;
        // checked when every planned date started (none waits to the end).
        if f.unit_started.len() == engine.units.len() {
            let tz = &m.timezone;
            let at = schedsim::calendar::schedule::local_to_instant(tz, scenario.backfills[0].at)
                .max(schedsim::calendar::schedule::local_to_instant(tz, scenario.start));
            let mut v: Vec<u64> = f
                .unit_started
                .values()
                .filter(|&&t| t > at)
                .map(|&t| (t - at) as u64)
                .collect();
            v.sort_unstable();
            let row = findings
                .waits
                .waits
                .iter()
                .find(|w| matches!(w.kind, Kind::DateParallelism | Kind::MaxActiveRuns));
            match row {
                None => prop_assert!(v.is_empty(), "no date waits reported, {v:?} expected"),
                Some(w) => {
                    prop_assert_eq!(w.instances, v.len() as u64);
                    prop_assert_eq!(w.total_seconds, v.iter().sum::<u64>());
                    prop_assert_eq!(w.max_seconds, *v.last().unwrap());
                    prop_assert_eq!(w.p95_seconds, rank(&v, 95));
                }
            }
        }
        // Each group's peak_waiting is the peak queue of its slots in any role.
        for g in &findings.groups {
            let peak = f
                .peaks
                .iter()
                .filter(|((k, n), _)| k.is_slots() && n.as_deref() == Some(&g.name))
                .map(|(_, &p)| p)
                .max()
                .unwrap_or(0);
            prop_assert_eq!(g.peak_waiting, peak, "{}", g.name);
        }
    }
}
