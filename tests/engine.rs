//! The engine against the exact figures of the research notes (issue 4's acceptance):
//! DataWorks groups and self-dependency, DolphinScheduler's parallel complement per
//! version, chains stopping on failure, retry timing, Airflow max_active_runs, and a
//! deadlock reported by termination.

use schedsim::calendar::schedule::rfc3339;
use schedsim::engine::{self, Config, Engine, State, Wait};
use schedsim::model::{Model, load_str};
use schedsim::observe::TraceWriter;

fn load(text: &str) -> Model {
    load_str("m.toml", text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn run(m: &Model) -> Engine<'_> {
    engine::simulate(m, &m.scenarios[0], Config::new(1, 50_000_000), &mut ()).unwrap()
}

/// First start to last end, in minutes.
fn makespan_minutes(e: &Engine<'_>) -> i64 {
    let first = e.instances.iter().filter_map(|i| i.start()).min().unwrap();
    let last = e.instances.iter().filter_map(|i| i.end()).max().unwrap();
    (last - first) / 60
}

fn dw_hourly(self_dependency: bool, slots: u32, dates: (&str, &str), groups: u32) -> Model {
    load(&format!(
        r#"
[model]
name = "m"
profile = "dataworks"
timezone = "Asia/Shanghai"

[[resource_group]]
name = "etl"
slots = {slots}

[[workflow]]
name = "w"
  [[workflow.task]]
  name = "sync"
  cron = "00 00 00-23/1 * * ?"
  resource_group = "etl"
  self_dependency = {self_dependency}
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"
  [[scenario.backfill]]
  targets = ["w.sync"]
  from = "{}"
  to = "{}"
  groups = {groups}
"#,
        dates.0, dates.1
    ))
}

#[test]
fn dw_seven_self_dependent_dates_one_group_take_seven_times_240_minutes() {
    let m = dw_hourly(true, 50, ("2025-03-01", "2025-03-07"), 1);
    let e = run(&m);
    assert_eq!(e.instances.len(), 7 * 24);
    assert!(e.instances.iter().all(|i| i.state == State::Succeeded));
    assert_eq!(makespan_minutes(&e), 7 * 240);
}

#[test]
fn dw_seven_self_dependent_dates_three_groups_take_three_times_240_minutes() {
    let m = dw_hourly(true, 50, ("2025-03-01", "2025-03-07"), 3);
    let e = run(&m);
    assert_eq!(makespan_minutes(&e), 3 * 240);
    // Contiguous chains 3/2/2: dates 1, 4 and 6 start together.
    let started: Vec<i64> = e.units.iter().map(|u| u.created.unwrap()).collect();
    let t0 = started[0];
    let offsets: Vec<i64> = started.iter().map(|t| (t - t0) / 60).collect();
    assert_eq!(offsets, [0, 240, 480, 0, 240, 0, 240]);
}

#[test]
fn dw_without_self_dependency_four_slots_run_one_date_in_60_minutes() {
    let m = dw_hourly(false, 4, ("2025-03-01", "2025-03-01"), 1);
    let e = run(&m);
    assert_eq!(makespan_minutes(&e), 60);
}

fn ds_complement(version: &str, order: &str, fault: &str, groups: u32) -> Model {
    load(&format!(
        r#"
[model]
name = "m"
profile = "dolphinscheduler"
timezone = "Asia/Shanghai"
profile_version = "{version}"

[[workflow]]
name = "etl"
cron = "0 0 2 * * ? *"
  [[workflow.task]]
  name = "load"
  duration = "1h"

[[scenario]]
name = "s"
start = "2025-03-20T10:00:00"
  [[scenario.backfill]]
  targets = ["etl"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-10T02:00:00"
  groups = {groups}
  {order}
{fault}
"#
    ))
}

/// Hours after the first start at which each date (in date order) started, or None.
fn unit_start_hours(e: &Engine<'_>) -> Vec<Option<i64>> {
    let t0 = e.units.iter().filter_map(|u| u.created).min().unwrap();
    e.units
        .iter()
        .map(|u| u.created.map(|t| (t - t0) / 3600))
        .collect()
}

#[test]
fn ds_3_1_parallel_complement_runs_contiguous_chains_4_3_3() {
    let e = run_owned(ds_complement("3.1", "order = \"asc\"", "", 3));
    // Chains {0-3}, {4-6}, {7-9}.
    assert_eq!(e, [0, 1, 2, 3, 0, 1, 2, 0, 1, 2].map(Some).to_vec());
}

#[test]
fn ds_3_2_parallel_complement_runs_round_robin_chains() {
    let e = run_owned(ds_complement("3.2", "order = \"asc\"", "", 3));
    // Chains {0,3,6,9}, {1,4,7}, {2,5,8}.
    assert_eq!(e, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3].map(Some).to_vec());
}

#[test]
fn ds_3_2_defaults_to_descending_dates() {
    let e = run_owned(ds_complement("3.2", "", "", 3));
    // Sorted descending before the split (DS §1.4, 3.2.2 `createComplementCommandList`):
    // dates 9..0 round-robin into {9,6,3,0}, {8,5,2}, {7,4,1}.
    assert_eq!(e, [3, 2, 2, 2, 1, 1, 1, 0, 0, 0].map(Some).to_vec());
}

#[test]
fn ds_3_3_parallel_complement_runs_every_chunk_at_once() {
    let e = run_owned(ds_complement("3.3", "", "", 3));
    // Chunks {0-2}, {3-5}, {6-8}, {9}: four dates in flight at first (issue #17831).
    assert_eq!(e, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0].map(Some).to_vec());
}

fn run_owned(m: Model) -> Vec<Option<i64>> {
    unit_start_hours(&run(&m))
}

#[test]
fn ds_a_failure_without_retries_ends_a_serial_chain() {
    let m = ds_complement(
        "3.2",
        "order = \"asc\"",
        "  [[scenario.fault]]\n  task = \"etl.load\"\n  scheduled = \"2025-03-03T02:00:00\"\n  attempts = [1]\n",
        1,
    );
    let e = run(&m);
    let started = unit_start_hours(&e);
    assert_eq!(&started[..3], [Some(0), Some(1), Some(2)]);
    assert!(started[3..].iter().all(Option::is_none), "{started:?}");
    assert_eq!(e.instances[2].state, State::Failed);
    assert_eq!(e.never_started().count(), 7);
}

#[test]
fn three_retries_every_five_minutes_after_three_failures_take_55_minutes() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  duration = "10m"
  retry = { times = 3, interval = "5m" }
[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-01"
  [[scenario.fault]]
  task = "w.t"
  scheduled = "2025-03-02T02:00:00"
  attempts = [1, 2, 3]
"#,
    );
    let e = run(&m);
    let i = &e.instances[0];
    assert_eq!((i.attempts, i.state), (4, State::Succeeded));
    assert_eq!((i.end().unwrap() - i.start().unwrap()) / 60, 55);
}

#[test]
fn a_fourth_failure_exhausts_three_retries() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  duration = "10m"
  retry = { times = 3, interval = "5m" }
  [[workflow.task]]
  name = "after"
  cron = "00 00 03 * * ?"
  upstream = ["t"]
[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-01"
  [[scenario.fault]]
  task = "w.t"
  scheduled = "2025-03-02T02:00:00"
  attempts = [1, 2, 3, 4]
"#,
    );
    let e = run(&m);
    assert_eq!(
        (e.instances[0].attempts, e.instances[0].state),
        (4, State::Failed)
    );
    // The downstream never runs.
    assert_eq!(
        (e.instances[1].attempts, e.instances[1].state),
        (0, State::NotRun)
    );
    assert!(e.stuck().is_empty());
}

#[test]
fn dw_timeouts_are_not_retried() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  duration = "2h"
  timeout = "1h"
  retry = { times = 3, interval = "5m" }
[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-01"
"#,
    );
    let e = run(&m);
    let i = &e.instances[0];
    assert_eq!((i.attempts, i.state), (1, State::Failed));
    assert_eq!((i.end().unwrap() - i.start().unwrap()) / 60, 60);
}

fn airflow(max_active_runs: &str, depends_on_past: bool, fault: &str) -> Model {
    load(&format!(
        r#"
[model]
name = "m"
profile = "airflow"

[[workflow]]
name = "dag"
cron = "@daily"
  [[workflow.task]]
  name = "t"
  duration = "1h"
  self_dependency = {depends_on_past}

[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["dag"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-06T00:00:00"
  {max_active_runs}
  # Airflow refuses reprocess behavior none over depends_on_past.
  reprocess = "failed"
{fault}
"#
    ))
}

#[test]
fn airflow_max_active_runs_two_over_six_one_hour_runs_takes_three_hours() {
    let m = airflow("groups = 2", false, "");
    let e = run(&m);
    assert_eq!(e.instances.len(), 6);
    assert_eq!(makespan_minutes(&e), 180);
    // A sliding window: a new run starts as soon as one ends.
    assert_eq!(unit_start_hours(&e), [0, 0, 1, 1, 2, 2].map(Some).to_vec());
}

#[test]
fn deadlock_behind_a_failed_self_dependency_is_reported_not_hung() {
    let fault = "  [[scenario.fault]]\n  task = \"dag.t\"\n  scheduled = \"2025-03-02T00:00:00\"\n  attempts = [1]\n";
    let m = airflow("groups = 1", true, fault);
    let e = run(&m);
    assert_eq!(e.instances[1].state, State::Failed);
    let stuck = e.stuck();
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!(stuck[0].state, State::WaitingUpstream);
    assert_eq!(stuck[0].waits_for, [Wait::Instance(1)]);
    // The stuck run holds the only max_active_runs slot: later dates never start.
    assert_eq!(e.never_started().count(), 3);
    assert_eq!(
        rfc3339(
            &m.timezone,
            e.instances[stuck[0].instance as usize].scheduled
        ),
        "2025-03-03T00:00:00+00:00"
    );
}

#[test]
fn airflow_first_backfill_run_ignores_depends_on_past() {
    let m = airflow("groups = 6", true, "");
    let e = run(&m);
    // depends_on_past chains the runs one after another.
    assert_eq!(makespan_minutes(&e), 6 * 60);
    assert!(e.instances.iter().all(|i| i.state == State::Succeeded));
}

#[test]
fn dw_future_instances_wait_for_their_time_unless_run_immediately() {
    let text = |immediately: bool| {
        format!(
            r#"
[model]
name = "m"
profile = "dataworks"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 00-23/1 * * ?"
  duration = "1m"
[[scenario]]
name = "s"
start = "2025-03-20T09:30:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-19"
  to = "2025-03-19"
  run_immediately = {immediately}
"#
        )
    };
    let waiting = load(&text(false));
    let e = run(&waiting);
    assert!(
        e.instances
            .iter()
            .all(|i| i.start().unwrap() >= i.scheduled)
    );
    let late = e
        .instances
        .iter()
        .filter(|i| i.start().unwrap() > e.instances[0].start().unwrap())
        .count();
    assert_eq!(late, 14, "10:00 .. 23:00 wait for their time");
    let now = load(&text(true));
    let e = run(&now);
    let t0 = e.instances[0].start().unwrap();
    assert!(e.instances.iter().all(|i| i.start() == Some(t0)));
}

fn trace(m: &Model, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = TraceWriter::new(&mut out, m);
    engine::simulate(m, &m.scenarios[0], Config::new(seed, 50_000_000), &mut w).unwrap();
    w.finish().unwrap();
    out
}

#[test]
fn the_same_seed_gives_a_byte_identical_trace() {
    let m = load(&std::fs::read_to_string("models/dataworks-mysql-to-maxcompute.toml").unwrap());
    let a = trace(&m, 42);
    assert!(a.len() > 10_000);
    assert_eq!(a, trace(&m, 42));
    assert_ne!(a, trace(&m, 43));
}

#[test]
fn ds_failure_strategy_end_kills_the_running_branch_continue_lets_it_finish() {
    let text = |strategy: &str| {
        format!(
            r#"
[model]
name = "m"
profile = "dolphinscheduler"
[[workflow]]
name = "etl"
cron = "0 0 2 * * ? *"
failure_strategy = "{strategy}"
  [[workflow.task]]
  name = "fails"
  duration = "10m"
  [[workflow.task]]
  name = "long"
  duration = "1h"
  [[workflow.task]]
  name = "after_long"
  upstream = ["long"]
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-20T10:00:00"
  [[scenario.backfill]]
  targets = ["etl"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-01T02:00:00"
  [[scenario.fault]]
  task = "etl.fails"
  scheduled = "2025-03-01T02:00:00"
  attempts = [1]
"#
        )
    };
    let m = load(&text("continue"));
    let e = run(&m);
    let states: Vec<State> = e.instances.iter().map(|i| i.state).collect();
    assert_eq!(states, [State::Failed, State::Succeeded, State::Succeeded]);
    let m = load(&text("end"));
    let e = run(&m);
    let states: Vec<State> = e.instances.iter().map(|i| i.state).collect();
    assert_eq!(states, [State::Failed, State::Killed, State::NotRun]);
    assert_eq!(
        (e.instances[1].end().unwrap() - e.instances[1].start().unwrap()) / 60,
        10
    );
}

#[test]
fn ds_retries_are_new_task_instance_rows_in_the_trace() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dolphinscheduler"
[[workflow]]
name = "etl"
cron = "0 0 2 * * ? *"
  [[workflow.task]]
  name = "t"
  duration = "10m"
  retry = { times = 1, interval = "1m" }
[[scenario]]
name = "s"
start = "2025-03-20T10:00:00"
  [[scenario.backfill]]
  targets = ["etl"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-01T02:00:00"
  [[scenario.fault]]
  task = "etl.t"
  scheduled = "2025-03-01T02:00:00"
  attempts = [1]
"#,
    );
    let text = String::from_utf8(trace(&m, 0)).unwrap();
    assert!(text.contains("\"reason\":\"retry_new_row\""), "{text}");
    assert!(text.contains("\"state\":\"RUNNING_EXECUTION\""));
}

#[test]
fn airflow_exponential_backoff_spaces_retries_by_at_least_the_doubling_base() {
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
[[workflow]]
name = "dag"
cron = "@daily"
  [[workflow.task]]
  name = "t"
  duration = "1m"
  retry = { times = 3, interval = "5m", backoff = "exponential" }
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["dag"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
  [[scenario.fault]]
  task = "dag.t"
  scheduled = "2025-03-01T00:00:00"
  attempts = [1, 2, 3]
"#,
    );
    let out = String::from_utf8(trace(&m, 0)).unwrap();
    let starts: Vec<jiff::Timestamp> = out
        .lines()
        .filter(|l| l.contains("\"to\":\"running\""))
        .map(|l| l[9..34].parse().unwrap())
        .collect();
    assert_eq!(starts.len(), 4);
    for (k, w) in starts.windows(2).enumerate() {
        // Each wait, from the end of the failed one-minute try, is in [B, 2B).
        let wait = (w[1] - w[0]).get_seconds() - 60;
        let base = 300 << k;
        assert!((base..2 * base).contains(&wait), "try {}: {wait}", k + 1);
    }
}

#[test]
fn recurring_first_hour_waits_for_the_last_hour_of_the_previous_day() {
    // DW case 15, in the recurring schedule: yesterday's 23:00 fails, so today's
    // hours never start and termination says why.
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
timezone = "Asia/Shanghai"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "h"
  cron = "00 00 00-23/1 * * ?"
  self_dependency = true
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"
until = "2025-03-11T12:00:00"
recurring = true
  [[scenario.fault]]
  task = "w.h"
  scheduled = "2025-03-10T23:00:00"
  attempts = [1]
"#,
    );
    let e = run(&m);
    assert_eq!(e.instances.len(), 24 + 13);
    let failed: Vec<usize> = (0..e.instances.len())
        .filter(|&i| e.instances[i].state == State::Failed)
        .collect();
    assert_eq!(failed, [23]);
    let stuck = e.stuck();
    assert_eq!(stuck.len(), 13);
    assert_eq!(stuck[0].waits_for, [Wait::Instance(23)]);
    // The first of the day waits on the failure; the rest wait on the one before.
    assert_eq!(stuck[1].waits_for, [Wait::Instance(stuck[0].instance)]);
}

#[test]
fn dw_higher_priority_takes_the_slot_first() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
[[resource_group]]
name = "one"
slots = 1
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "low"
  cron = "00 00 02 * * ?"
  resource_group = "one"
  priority = 1
  duration = "10m"
  [[workflow.task]]
  name = "high"
  cron = "00 00 03 * * ?"
  resource_group = "one"
  priority = 8
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-01"
"#,
    );
    let e = run(&m);
    let (low, high) = (&e.instances[0], &e.instances[1]);
    assert!(
        high.start() < low.start(),
        "priority 8 goes before 1, scheduled time aside"
    );
}

#[test]
fn airflow_refuses_a_reversed_backfill_of_depends_on_past() {
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
[[workflow]]
name = "dag"
cron = "@daily"
  [[workflow.task]]
  name = "t"
  self_dependency = true
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["dag"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-03T00:00:00"
  order = "desc"
"#,
    );
    let err = engine::simulate(&m, &m.scenarios[0], Config::new(0, 100), &mut ())
        .err()
        .expect("AF B7: InvalidBackfillDirection");
    assert!(
        err.to_string()
            .contains("dag.t depends on its previous run"),
        "{err}"
    );
}

#[test]
fn airflow_max_active_tasks_caps_running_tasks_of_a_dag() {
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
[[workflow]]
name = "dag"
cron = "@daily"
max_active_tasks = 2
  [[workflow.task]]
  name = "a"
  duration = "1h"
  [[workflow.task]]
  name = "b"
  duration = "1h"
  [[workflow.task]]
  name = "c"
  duration = "1h"
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["dag"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-02T00:00:00"
"#,
    );
    let e = run(&m);
    // Six one-hour tasks, two at a time.
    assert_eq!(makespan_minutes(&e), 180);
}

#[test]
fn ds_workflow_instance_priority_goes_before_task_priority() {
    let m = load(
        r#"
[model]
name = "m"
profile = "dolphinscheduler"
[[resource_group]]
name = "default"
slots = 1
[[workflow]]
name = "low"
cron = "0 0 2 * * ? *"
priority = 4
  [[workflow.task]]
  name = "urgent_task"
  priority = 0
  duration = "10m"
[[workflow]]
name = "high"
cron = "0 0 2 * * ? *"
priority = 0
  [[workflow.task]]
  name = "lazy_task"
  priority = 4
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-20T10:00:00"
  [[scenario.backfill]]
  targets = ["low", "high"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-01T02:00:00"
"#,
    );
    let e = run(&m);
    let (low, high) = (&e.instances[0], &e.instances[1]);
    assert_eq!(m.task(high.task).name, "high.lazy_task");
    assert!(
        high.start() < low.start(),
        "workflow priority HIGHEST runs first"
    );
}

#[test]
fn airflow_clear_with_upstream_reruns_the_task_and_its_upstream_in_order() {
    let text = |kind: &str| {
        format!(
            r#"
[model]
name = "m"
profile = "airflow"
[[workflow]]
name = "dag"
cron = "@daily"
  [[workflow.task]]
  name = "extract"
  duration = "10m"
  [[workflow.task]]
  name = "transform"
  upstream = ["extract"]
  duration = "10m"
  [[workflow.task]]
  name = "load"
  upstream = ["transform"]
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["dag"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
  [[scenario.operation]]
  at = "2025-03-20T06:00:00"
  kind = "{kind}"
  task = "dag.transform"
  scheduled = "2025-03-01T00:00:00"
"#
        )
    };
    let m = load(&text("rerun_upstream"));
    let e = run(&m);
    let attempts: Vec<u32> = e.instances.iter().map(|i| i.attempts).collect();
    assert_eq!(
        attempts,
        [2, 2, 1],
        "extract and transform again; load is downstream"
    );
    // The rerun keeps the order: transform's second run starts after extract's ends.
    assert_eq!(makespan_minutes(&e), 6 * 60 + 20);
    let m = load(&text("rerun"));
    let attempts: Vec<u32> = run(&m).instances.iter().map(|i| i.attempts).collect();
    assert_eq!(attempts, [1, 2, 1]);
    let m = load(&text("rerun_downstream"));
    let attempts: Vec<u32> = run(&m).instances.iter().map(|i| i.attempts).collect();
    assert_eq!(attempts, [1, 2, 2]);
}

#[test]
fn chain_on_failure_stop_ends_a_window_of_dates_too() {
    let fault = "  [[scenario.fault]]\n  task = \"dag.t\"\n  scheduled = \"2025-03-02T00:00:00\"\n  attempts = [1]\n";
    // Airflow's preset goes on after a failed run; `stop` as a rule override ends the
    // window: runs already started finish, none starts after the failure.
    let goes_on = airflow("groups = 2", false, fault);
    assert_eq!(run(&goes_on).never_started().count(), 0);
    let text = |m: &str| {
        m.replace(
            "[[workflow]]",
            "[rules]\nchain_on_failure = \"stop\"\n\n[[workflow]]",
        )
    };
    let source = format!(
        "[model]\nname = \"m\"\nprofile = \"airflow\"\n\n[[workflow]]\nname = \"dag\"\ncron = \"@daily\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"1h\"\n\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-20T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"dag\"]\n  from = \"2025-03-01T00:00:00\"\n  to = \"2025-03-06T00:00:00\"\n  groups = 2\n{fault}"
    );
    let stops = load(&text(&source));
    let e = run(&stops);
    // Dates 1 and 2 run together and end at the same instant, 1 first (its end was
    // queued first): date 3 takes 1's place, then 2 fails and nothing more starts.
    assert_eq!(e.never_started().count(), 3);
    assert_eq!(e.instances.len(), 3);
}

#[test]
fn depends_on_past_binds_to_the_dags_own_previous_run_when_another_dag_runs_between() {
    // One Airflow backfill of a daily DAG with depends_on_past and an hourly DAG: the
    // run times interleave (the hourly DAG's runs sit between two daily runs). The
    // daily load bound to the unit just before it in time (an hourly run, without the
    // task), so nothing held it: it started before its previous run succeeded.
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

# Every DAG's run at one time in one unit (the behaviour before unit_scope), so
# that the hourly DAG's runs sit between two daily ones in one run set.
[rules]
unit_scope = "all_targets"

[[resource_group]]
name = "pool"
slots = 8

[[workflow]]
name = "daily"
cron = "0 3 * * *"
max_active_runs = 4

  [[workflow.task]]
  name = "load"
  resource_group = "pool"
  self_dependency = true
  duration = "5h"

[[workflow]]
name = "hourly"
cron = "@hourly"

  [[workflow.task]]
  name = "snapshot"
  resource_group = "pool"
  duration = "5m"

[[scenario]]
name = "s"
start = "2025-03-20T12:00:00"

  [[scenario.backfill]]
  targets = ["daily", "hourly"]
  from = "2025-03-01T03:00:00"
  to = "2025-03-04T03:00:00"
  groups = 4
  reprocess = "failed"
"#,
    );
    let (e, findings, _) =
        schedsim::observe::observe::<Vec<u8>>(&m, &m.scenarios[0], Config::new(1, 1_000_000), None)
            .unwrap();
    let loads: Vec<(i64, i64, i64)> = {
        let mut v: Vec<_> = e
            .instances
            .iter()
            .filter(|i| m.task(i.task).name == "daily.load")
            .map(|i| (i.scheduled, i.start().unwrap(), i.end().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(loads.len(), 4);
    // The first backfill run ignores depends_on_past; each later one starts once
    // the run before it has ended.
    for w in loads.windows(2) {
        assert!(w[1].1 >= w[0].2, "{loads:?}");
    }
    let order = findings
        .properties
        .iter()
        .find(|p| p.name == "self-dependency-order")
        .unwrap();
    assert!(order.holds, "{order:?}");
}

/// Each instance of a run by (task, scheduled, origin): its state, executions, first
/// start and last end.
type Outcomes = std::collections::BTreeMap<(String, i64, String), (State, u32, i64, i64)>;

fn outcomes(m: &Model, seed: u64) -> Outcomes {
    let e = engine::simulate(m, &m.scenarios[0], Config::new(seed, 50_000_000), &mut ()).unwrap();
    let out: Outcomes = (e.instances.iter())
        .map(|i| {
            let key = (
                m.task(i.task).name.clone(),
                i.scheduled,
                i.origin.word().to_string(),
            );
            let times = (i.start().unwrap_or(-1), i.end().unwrap_or(-1));
            (key, (i.state, i.attempts, times.0, times.1))
        })
        .collect();
    assert_eq!(out.len(), e.instances.len(), "one instance per key");
    out
}

/// The task table of `name` in the capacity model's text, up to the next task.
fn task_block<'a>(text: &'a str, name: &str) -> &'a str {
    let head = "  [[workflow.task]]\n";
    let at = text.find(&format!("{head}  name = \"{name}\"")).unwrap();
    let len = text[at + head.len()..].find(head).unwrap() + head.len();
    &text[at..at + len]
}

#[test]
fn random_draws_are_keyed_by_execution_so_an_unrelated_edit_changes_no_other_draw() {
    // The reviewer's cases: every draw came from one stream in event order, so adding
    // a workflow in a group of its own, or swapping two tasks in the file, drew other
    // durations and failures for everything after.
    let text = std::fs::read_to_string("models/dolphinscheduler-nightly-capacity.toml").unwrap();
    let base = load(&text);
    let first_workflow = "[[workflow]]\nname = \"nightly\"";
    let plus = load(&text.replacen(
        first_workflow,
        &format!(
            "[[resource_group]]\nname = \"isolated\"\nslots = 5\n\n[[workflow]]\n\
             name = \"unrelated\"\ncron = \"0 0 5 * * ? *\"\n  [[workflow.task]]\n  \
             name = \"side\"\n  resource_group = \"isolated\"\n  \
             duration = {{ lognormal = {{ median = \"5m\", p95 = \"9m\" }} }}\n  \
             fail = {{ probability = 0.3 }}\n\n{first_workflow}"
        ),
        1,
    ));
    let (orders, items) = (
        task_block(&text, "ods_orders"),
        task_block(&text, "ods_items"),
    );
    let swapped = load(&text.replacen(&format!("{orders}{items}"), &format!("{items}{orders}"), 1));
    assert_ne!(base.tasks[0].name, swapped.tasks[0].name);
    let mut retried = 0;
    for seed in 0..20 {
        let a = outcomes(&base, seed);
        retried += a.values().filter(|o| o.1 > 1).count();
        // The unrelated workflow shares nothing: every other instance is as it was.
        let mut b = outcomes(&plus, seed);
        b.retain(|k, _| k.0 != "unrelated.side");
        assert_eq!(a, b, "seed {seed}: adding an unrelated workflow");
        // Swapped tasks queue in another order (times may move), but every execution
        // draws what it drew: the same outcomes and executions everywhere.
        let b = outcomes(&swapped, seed);
        let shape =
            |o: &Outcomes| -> Vec<_> { o.iter().map(|(k, v)| (k.clone(), v.0, v.1)).collect() };
        assert_eq!(
            shape(&a),
            shape(&b),
            "seed {seed}: tasks swapped in the file"
        );
    }
    assert!(retried > 5, "the seeds fail some executions: {retried}");
    // Still one seed, one trace, byte for byte.
    assert_eq!(trace(&base, 7), trace(&base, 7));
    assert_ne!(trace(&base, 7), trace(&base, 8));
}

/// A rerun of a self-dependent date whose previous date did not exist yet (a
/// descending complement) recounted its upstreams without that wait: the rerun ran at
/// once, and when the previous date was created its waiter's count was taken back
/// again, below zero (a panic in a debug build; in a release build a count near 2^32
/// that left the date waiting for ever and four properties failing). Found by
/// `operator_actions_keep_states_slots_order_and_termination_sound`.
#[test]
fn a_rerun_dropped_the_wait_for_a_previous_date_not_created_yet() {
    let m = load(
        "[model]\nname = \"p\"\nprofile = \"dolphinscheduler\"\ntimezone = \"Asia/Shanghai\"\nprofile_version = \"3.1\"\n[[resource_group]]\nname = \"g0\"\nslots = 1\n[[workflow]]\nname = \"w0\"\ncron = \"0 30 2 * * ? *\"\n  [[workflow.task]]\n  name = \"t0\"\n  resource_group = \"g0\"\n  self_dependency = true\n  duration = \"1m\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-31T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w0\"]\n  from = \"2025-03-01T00:00:00\"\n  to = \"2025-03-04T23:59:00\"\n  groups = 1\n  order = \"desc\"\n  [[scenario.operation]]\n  at = \"2025-03-31T01:00:00\"\n  kind = \"kill\"\n  task = \"w0.t0\"\n  scheduled = \"2025-03-04T02:30:00\"\n  [[scenario.operation]]\n  at = \"2025-03-31T01:00:00\"\n  kind = \"rerun\"\n  task = \"w0.t0\"\n  scheduled = \"2025-03-04T02:30:00\"\n",
    );
    let e = run(&m);
    // The rerun of 03-04 still waits for 03-03, which its own chain starts only after
    // it: the descending self-dependency's deadlock, as before the kill.
    let states: Vec<State> = e.instances.iter().map(|i| i.state).collect();
    assert_eq!(states, vec![State::WaitingUpstream], "{states:?}");
    let stuck = e.stuck();
    assert_eq!(stuck.len(), 1);
    assert!(
        matches!(
            stuck[0].waits_for.as_slice(),
            [Wait::UnitNeverStarted { .. }]
        ),
        "{stuck:?}"
    );
    // The dates its chain never started name the date that never ended, not a
    // horizon the scenario does not have.
    for (u, _) in e.never_started() {
        assert!(
            matches!(e.why_never_started(u), engine::NotStarted::Full { .. }),
            "{:?}",
            e.why_never_started(u)
        );
    }
}

/// A DataWorks dry-run node (VIRTUAL, recurrence Skip) was imported as a one-second
/// run holding a slot of its group: behind a busy group it waited for the slot and
/// held back its downstream. As `empty = true` it succeeds at its time without one.
#[test]
fn a_dataworks_dry_run_node_waited_for_a_slot_it_never_takes() {
    let m = load(
        "[model]\nname = \"m\"\nprofile = \"dataworks\"\ntimezone = \"Asia/Shanghai\"\n[[resource_group]]\nname = \"g\"\nslots = 1\n[[workflow]]\nname = \"w\"\ncron = \"00 00 02 * * ?\"\n  [[workflow.task]]\n  name = \"busy\"\n  resource_group = \"g\"\n  duration = \"2h\"\n  [[workflow.task]]\n  name = \"gate\"\n  empty = true\n  [[workflow.task]]\n  name = \"after\"\n  resource_group = \"g\"\n  upstream = [\"gate\"]\n  duration = \"10m\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-02T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-01\"\n",
    );
    let e = run(&m);
    let state = |name: &str| {
        e.instances
            .iter()
            .find(|i| m.task(i.task).name == name)
            .map(|i| (i.state, i.attempts))
            .unwrap()
    };
    assert_eq!(state("w.gate"), (State::DryRun, 0));
    assert_eq!(state("w.busy").0, State::Succeeded);
    assert_eq!(state("w.after").0, State::Succeeded);
    // `after` queued behind `busy` for the one slot, not behind the gate as well.
    assert_eq!(makespan_minutes(&e), 130);
}
