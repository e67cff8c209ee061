//! Windowed runs (issue 15 item 2) change nothing but memory: for generated models and
//! scenarios of every profile (backfills in date groups, overlapping backfills, the
//! recurring schedule, hourly tasks bound to daily ones, upstreams across workflows,
//! failures and retries, workflow instances a failure ends, effective periods,
//! self-dependency, dates that wait for their time), a run that `observe::memory` lets retire its units gives exactly the
//! property results, summary (text, check text, JSON figures), dates and trace of the
//! same run keeping every instance. And the window does shrink: a long backfill holds
//! at most the instances of the units in flight.

use proptest::prelude::*;
use schedsim::engine::Config;
use schedsim::model::{Model, load_str};
use schedsim::observe::summary::Identity;
use schedsim::observe::{Memory, Reads, Summary, memory, observe_in};

#[path = "support/model_text.rs"]
mod model_text;
use model_text::{duration, header, range, targets, task_head, workflow};

#[derive(Clone, Debug)]
struct TaskSpec {
    upstream: Vec<usize>,
    self_dependency: bool,
    schedule: usize,
    group: usize,
    duration: (u32, u32),
    retries: u32,
    fail: u32,
    effective: Option<(u32, u32)>,
}

#[derive(Clone, Debug)]
struct Spec {
    profile: usize,
    slots: Vec<u32>,
    tasks: Vec<TaskSpec>,
    /// Backfills: (first date, dates, groups, run immediately).
    backfills: Vec<(u32, u32, u32, bool)>,
    recurring: bool,
    start_after_hours: u32,
    seed: u64,
}

fn task() -> impl Strategy<Value = TaskSpec> {
    (
        proptest::collection::vec(0usize..6, 0..3),
        prop_oneof![4 => Just(false), 1 => Just(true)],
        0usize..3,
        0usize..3,
        (1u32..90, 0u32..60),
        0u32..3,
        prop_oneof![Just(0u32), 1u32..40],
        proptest::option::of((0u32..4, 0u32..4)),
    )
        .prop_map(
            |(upstream, self_dependency, schedule, group, duration, retries, fail, effective)| {
                TaskSpec {
                    upstream,
                    self_dependency,
                    schedule,
                    group,
                    duration,
                    retries,
                    fail,
                    effective,
                }
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        proptest::collection::vec(1u32..4, 1..3),
        proptest::collection::vec(task(), 1..6),
        proptest::collection::vec((0u32..3, 1u32..6, 1u32..4, any::<bool>()), 0..3),
        any::<bool>(),
        prop_oneof![Just(24 * 30), 0u32..24 * 4],
        0u64..1000,
    )
        .prop_map(
            |(profile, slots, tasks, backfills, recurring, start, seed)| Spec {
                profile,
                slots,
                tasks,
                backfills,
                recurring,
                start_after_hours: start,
                seed,
            },
        )
}

const FIRST: jiff::civil::Date = jiff::civil::date(2025, 3, 1);

fn day(d: u32) -> jiff::civil::Date {
    FIRST + jiff::Span::new().days(i64::from(d))
}

/// The model text: DataWorks tasks carry their own cron in one workflow (hourly tasks
/// bound to daily ones by the cycle rules); elsewhere one workflow per task, bound
/// across workflows.
fn text(s: &Spec) -> String {
    let mut t = header(s.profile, "", &s.slots);
    for (k, task) in s.tasks.iter().enumerate() {
        t += &workflow(s.profile, k, task.schedule);
        // A failure ends the workflow instance: its running tasks are killed.
        if s.profile == 1 && (s.seed + k as u64).is_multiple_of(2) {
            t += "failure_strategy = \"end\"\n";
        }
        t += &task_head(s.profile, k, task.schedule, &task.upstream);
        t += &format!("  resource_group = \"g{}\"\n", task.group % s.slots.len());
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
                "  fail = {{ probability = {} }}\n",
                f64::from(task.fail) / 100.0
            );
        }
        if let Some((from, len)) = task.effective {
            t += &format!(
                "  effective = {{ from = \"{}\", to = \"{}\" }}\n",
                day(from),
                day(from + len)
            );
        }
    }
    let start = FIRST.at(0, 0, 0, 0) + jiff::Span::new().hours(i64::from(s.start_after_hours));
    let until = start + jiff::Span::new().days(3);
    t += &format!(
        "\n[[scenario]]\nname = \"s\"\nstart = \"{}\"\n",
        start.strftime("%Y-%m-%dT%H:%M:%S")
    );
    if s.recurring || s.backfills.is_empty() {
        t += &format!(
            "until = \"{}\"\nrecurring = true\n",
            until.strftime("%Y-%m-%dT%H:%M:%S")
        );
    }
    let targets = targets(s.profile, s.tasks.len());
    for &(first, dates, groups, immediately) in &s.backfills {
        let (from, to) = range(s.profile, day(first), day(first + dates - 1));
        t += &format!(
            "  [[scenario.backfill]]\n  targets = [{targets}]\n  from = \"{from}\"\n  to = \"{to}\"\n  groups = {groups}\n",
        );
        if s.profile == 0 {
            t += &format!("  run_immediately = {immediately}\n");
        }
    }
    t
}

/// Everything a run prints or writes, under one memory mode.
fn outputs(m: &Model, memory: Memory, seed: u64) -> Option<(String, Vec<u8>)> {
    let scenario = &m.scenarios[0];
    let config = Config::new(seed, 200_000);
    let (engine, findings, trace) = observe_in(
        m,
        scenario,
        config,
        memory,
        Reads::Figures,
        Some(Vec::new()),
        &mut (),
    )
    .ok()?;
    let trace = trace.unwrap().unwrap();
    let properties = format!("{:?}", findings.properties);
    let summary = Summary::new(
        &engine,
        findings,
        Identity {
            scenario: &scenario.name,
            seed,
            model_hash: String::new(),
        },
        false,
    );
    let json = serde_json::to_string_pretty(&summary).unwrap();
    let dates = schedsim::observe::dates::text(&engine);
    let all = format!(
        "{properties}\n{}\n{}\n{json}\n{dates}",
        summary.text(),
        summary.check_text()
    );
    Some((all, trace))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_windowed_run_says_exactly_what_a_full_run_says(s in spec()) {
        let text = text(&s);
        let Ok(m) = load_str("p.toml", &text) else {
            return Ok(());
        };
        let scenario = &m.scenarios[0];
        let self_dependent = s.tasks.iter().any(|t| t.self_dependency);
        let mode = memory(&m, scenario, false);
        // Self-dependency across dates binds units to each other: never windowed.
        prop_assert_eq!(mode == Memory::Windowed, !self_dependent, "{}", text);
        prop_assert_eq!(memory(&m, scenario, true), Memory::Full);
        let full = outputs(&m, Memory::Full, s.seed);
        let windowed = outputs(&m, mode, s.seed);
        prop_assert_eq!(full.is_some(), windowed.is_some());
        if let (Some((a, ta)), Some((b, tb))) = (full, windowed) {
            prop_assert_eq!(a, b, "{}", text);
            prop_assert!(ta == tb, "traces differ\n{}", text);
        }
    }
}

/// The chained hourly backfill of the benchmarks, `dates` dates in 5 groups.
fn backfill(dates: u32) -> String {
    let mut s = "[model]\nname = \"b\"\nprofile = \"dataworks\"\ntimezone = \"UTC\"\n[[resource_group]]\nname = \"default\"\nslots = 10\n[[workflow]]\nname = \"w\"\ncron = \"00 00 * * * ?\"\n".to_string();
    for k in 0..4 {
        s += &format!("  [[workflow.task]]\n  name = \"t{k}\"\n  duration = \"10m\"\n");
        if k > 0 {
            s += &format!("  upstream = [\"t{}\"]\n", k - 1);
        }
    }
    let to = day(dates - 1);
    s + &format!(
        "[[scenario]]\nname = \"s\"\nstart = \"2025-03-01T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"{to}\"\n  groups = 5\n  run_immediately = true\n"
    )
}

#[test]
fn the_window_holds_only_the_units_in_flight() {
    // 5 dates in flight at most (groups = 5), 96 instances a date.
    let m = load_str("b.toml", &backfill(200)).unwrap();
    let scenario = &m.scenarios[0];
    assert_eq!(memory(&m, scenario, false), Memory::Windowed);
    let config = Config::new(0, 1_000_000);
    let (engine, findings, _) = observe_in::<Vec<u8>>(
        &m,
        scenario,
        config,
        Memory::Windowed,
        Reads::Figures,
        None,
        &mut (),
    )
    .unwrap();
    assert!(findings.properties.iter().all(|p| p.holds));
    assert_eq!(engine.instances.len(), 200 * 96);
    assert_eq!(
        engine.retired.instances,
        200 * 96,
        "every date ended and retired"
    );
    assert_eq!(engine.instances.iter().count(), 0);
    let peak = engine.retired.peak_live;
    assert!(
        peak <= 5 * 96,
        "peak live instances {peak}, 5 dates hold 480"
    );
    assert!(peak >= 96);
    // A full run keeps them all.
    let (engine, _, _) = observe_in::<Vec<u8>>(
        &m,
        scenario,
        config,
        Memory::Full,
        Reads::Figures,
        None,
        &mut (),
    )
    .unwrap();
    assert_eq!(engine.instances.iter().count(), 200 * 96);
    assert_eq!(engine.retired.instances, 0);
}

/// A workflow instance ended by a failure (`failure_strategy = end`) kills its running
/// tasks: their executions' end events stay queued after the unit ended and was
/// retired, and a whole page of retired instances is freed before they come.
#[test]
fn events_left_for_killed_instances_of_a_retired_unit_are_skipped() {
    let tasks: String = (0..7)
        .map(|k| format!("  [[workflow.task]]\n  name = \"c{k}\"\n  duration = \"10h\"\n"))
        .collect();
    let text = format!(
        "[model]\nname = \"m\"\nprofile = \"dolphinscheduler\"\ntimezone = \"UTC\"\n[[resource_group]]\nname = \"g\"\nslots = 100000\n[[workflow]]\nname = \"w\"\ncron = \"0 * * * * ? *\"\nfailure_strategy = \"end\"\n  [[workflow.task]]\n  name = \"a\"\n  duration = \"1m\"\n  fail = {{ probability = 1.0 }}\n{tasks}[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01T00:00:00\"\n  to = \"2025-03-01T09:59:00\"\n  groups = 0\n"
    );
    let m = load_str("m.toml", &text).unwrap();
    assert_eq!(memory(&m, &m.scenarios[0], false), Memory::Windowed);
    let full = outputs(&m, Memory::Full, 0).unwrap();
    let windowed = outputs(&m, Memory::Windowed, 0).unwrap();
    assert!(full.0.contains("killed"), "{}", full.0);
    assert_eq!(full, windowed);
}
