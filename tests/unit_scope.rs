//! What one date or run holds when a backfill's targets, or the recurring schedule,
//! span several workflows (`unit_scope`, SEMANTICS.md "Units, bindings and dates in
//! parallel"): DolphinScheduler and Airflow start one workflow per command and cap
//! runs per DAG; DataWorks runs every selected node by business date.

use schedsim::calendar::schedule::rfc3339;
use schedsim::engine::{Config, Engine};
use schedsim::model::{Model, load_str};
use schedsim::observe::dates::{self, DateRow};
use schedsim::observe::summary::Findings;

fn load(text: &str) -> Model {
    load_str("m.toml", text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn observe(m: &Model) -> (Engine<'_>, Findings) {
    let (e, findings, _) =
        schedsim::observe::observe::<Vec<u8>>(m, &m.scenarios[0], Config::new(1, 1_000_000), None)
            .unwrap();
    (e, findings)
}

/// Each run of a task: (scheduled, start), local RFC 3339, in scheduled order.
fn starts(m: &Model, e: &Engine<'_>, task: &str) -> Vec<(String, String)> {
    let t = |x| rfc3339(&m.timezone, x);
    let mut v: Vec<_> = e
        .instances
        .iter()
        .filter(|i| m.task(i.task).name == task)
        .map(|i| (i.scheduled, i.start().expect("it ran")))
        .collect();
    v.sort();
    v.into_iter().map(|(s, b)| (t(s), t(b))).collect()
}

fn holds(findings: &Findings, property: &str) -> bool {
    findings
        .properties
        .iter()
        .find(|p| p.name == property)
        .expect("the property is checked")
        .holds
}

fn workflows(rows: &[DateRow]) -> Vec<Option<Vec<String>>> {
    rows.iter().map(|r| r.workflows.clone()).collect()
}

const TWO_DAGS: &str = r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "daily"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "load"
  duration = "3h"

[[workflow]]
name = "hourly"
cron = "0 * * * *"

  [[workflow.task]]
  name = "snap"
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["daily", "hourly"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T05:00:00"
  groups = 1
"#;

#[test]
fn an_airflow_backfill_of_two_dags_runs_each_in_its_own_max_active_runs_window() {
    // `airflow backfill create --dag-id` takes one DAG, and running runs count per
    // (dag_id, backfill_id). The hourly DAG's six runs go one after the other in
    // their own window of 1; they used to share the run at 00:00 with the daily DAG
    // and wait for its 3-hour load (the first hourly run ended at 03:00, the last
    // at 03:50).
    let m = load(TWO_DAGS);
    let (e, findings) = observe(&m);
    let snaps: Vec<String> = starts(&m, &e, "hourly.snap")
        .into_iter()
        .map(|x| x.1)
        .collect();
    assert_eq!(
        snaps,
        [
            "2025-03-10T00:00:00+00:00",
            "2025-03-10T00:10:00+00:00",
            "2025-03-10T00:20:00+00:00",
            "2025-03-10T00:30:00+00:00",
            "2025-03-10T00:40:00+00:00",
            "2025-03-10T00:50:00+00:00",
        ]
    );
    assert_eq!(
        starts(&m, &e, "daily.load"),
        [(
            "2025-03-01T00:00:00+00:00".to_string(),
            "2025-03-10T00:00:00+00:00".to_string()
        )]
    );
    // Two runs in flight at 00:00, one per DAG: within each DAG's `groups = 1`.
    assert!(holds(&findings, "date-parallelism-bound"));
    assert!(
        e.notes.iter().any(|n| n.starts_with(
            "backfill 1: its targets are in 2 workflows (daily, hourly); a backfill takes one DAG"
        )),
        "{:#?}",
        e.notes
    );
    // The dates list names each run's DAG: seven runs, one of them at 00:00 per DAG.
    let rows = dates::rows(&e, usize::MAX);
    let day = Some(vec!["daily".to_string()]);
    let hour = Some(vec!["hourly".to_string()]);
    assert_eq!(
        workflows(&rows),
        [
            day,
            hour.clone(),
            hour.clone(),
            hour.clone(),
            hour.clone(),
            hour.clone(),
            hour
        ]
    );
    assert!(dates::text(&e).contains("2025-03-01T00:00:00+00:00 backfill  daily 2025-03-10T00:00:00+00:00 -> 2025-03-10T03:00:00+00:00, 3h 00m"));
}

#[test]
fn one_dags_max_active_runs_no_longer_caps_another_dags_recurring_runs() {
    // Both DAGs catch up four missed hours when the scenario starts. `slow` allows one
    // run at a time; `fast` keeps Airflow's default of 16, so its four runs start at
    // once. The recurring schedule used to take the smallest max_active_runs of all
    // DAGs for every run.
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "slow"
cron = "0 * * * *"
catchup = true
start_date = "2025-03-10T08:00:00"
max_active_runs = 1

  [[workflow.task]]
  name = "t"
  duration = "30m"

[[workflow]]
name = "fast"
cron = "0 * * * *"
catchup = true
start_date = "2025-03-10T08:00:00"

  [[workflow.task]]
  name = "t"
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-10T12:00:00"
until = "2025-03-10T14:30:00"
recurring = true
"#,
    );
    let (e, findings) = observe(&m);
    let at = |task| -> Vec<String> { starts(&m, &e, task).into_iter().map(|x| x.1).collect() };
    // The missed hours 08:00 to 12:00 (the later hours run at their time).
    assert_eq!(at("fast.t")[..5], ["2025-03-10T12:00:00+00:00"; 5]);
    assert_eq!(
        at("slow.t")[..5],
        [
            "2025-03-10T12:00:00+00:00",
            "2025-03-10T12:30:00+00:00",
            "2025-03-10T13:00:00+00:00",
            "2025-03-10T13:30:00+00:00",
            "2025-03-10T14:00:00+00:00",
        ]
    );
    assert!(holds(&findings, "date-parallelism-bound"));
    // The recurring schedule split by DAG says nothing more than its dates list does.
    assert!(
        !e.notes.iter().any(|n| n.contains("workflows")),
        "{:#?}",
        e.notes
    );
    let rows = dates::rows(&e, usize::MAX);
    assert!(rows.len() >= 10);
    assert!(
        rows.iter()
            .all(|r| r.workflows.as_ref().is_some_and(|w| w.len() == 1))
    );
}

#[test]
fn a_dolphinscheduler_complement_of_two_workflows_runs_one_complement_per_workflow() {
    // A complement is one processDefinitionCode: with serial mode (`groups = 1`) each
    // workflow's three dates run one after the other, beside the other workflow's.
    let m = load(
        r#"
[model]
name = "m"
profile = "dolphinscheduler"
timezone = "UTC"

[[workflow]]
name = "big"
cron = "0 0 2 * * ? *"

  [[workflow.task]]
  name = "t"
  duration = "3h"

[[workflow]]
name = "small"
cron = "0 0 2 * * ? *"

  [[workflow.task]]
  name = "t"
  duration = "1h"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["big", "small"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-03T02:00:00"
  groups = 1
  order = "asc"
"#,
    );
    let (e, findings) = observe(&m);
    let at = |task| -> Vec<String> { starts(&m, &e, task).into_iter().map(|x| x.1).collect() };
    assert_eq!(
        at("small.t"),
        [
            "2025-03-10T00:00:00+00:00",
            "2025-03-10T01:00:00+00:00",
            "2025-03-10T02:00:00+00:00",
        ]
    );
    assert_eq!(
        at("big.t"),
        [
            "2025-03-10T00:00:00+00:00",
            "2025-03-10T03:00:00+00:00",
            "2025-03-10T06:00:00+00:00",
        ]
    );
    assert!(holds(&findings, "date-parallelism-bound"));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("(big, small); a complement takes one workflow")),
        "{:#?}",
        e.notes
    );
}

#[test]
fn workflows_joined_by_a_cross_workflow_upstream_run_together_and_a_note_says_so() {
    // `b.load` waits for `a.extract` at equal run times: the two DAGs' runs at one
    // time stay one run, and share the window of `groups`.
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "a"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "extract"
  duration = "1h"

[[workflow]]
name = "b"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "load"
  upstream = ["a.extract"]
  duration = "1h"

[[workflow]]
name = "c"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "other"
  duration = "1h"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["a", "b", "c"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-02T00:00:00"
  groups = 1
"#,
    );
    let (e, findings) = observe(&m);
    let at = |task| -> Vec<String> { starts(&m, &e, task).into_iter().map(|x| x.1).collect() };
    // One run at a time for a and b together: b.load after a.extract, then the next date.
    assert_eq!(
        at("a.extract"),
        ["2025-03-10T00:00:00+00:00", "2025-03-10T02:00:00+00:00"]
    );
    assert_eq!(
        at("b.load"),
        ["2025-03-10T01:00:00+00:00", "2025-03-10T03:00:00+00:00"]
    );
    // c runs on its own.
    assert_eq!(
        at("c.other"),
        ["2025-03-10T00:00:00+00:00", "2025-03-10T01:00:00+00:00"]
    );
    assert!(holds(&findings, "dependency-order"));
    assert!(
        e.notes
            .iter()
            .any(|n| n.starts_with("backfill 1: a, b run together")),
        "{:#?}",
        e.notes
    );
    let ab = Some(vec!["a".to_string(), "b".to_string()]);
    let c = Some(vec!["c".to_string()]);
    // In date order, one date's runs in the engine's order.
    assert_eq!(
        workflows(&dates::rows(&e, usize::MAX)),
        [ab.clone(), c.clone(), ab, c]
    );
}

#[test]
fn a_dataworks_backfill_across_workflows_is_one_business_date_per_date() {
    // DataWorks' data backfill selects nodes across workflows and runs them by
    // business date: nothing is split, and the dates list names no workflow.
    let m = load(
        r#"
[model]
name = "m"
profile = "dataworks"
timezone = "UTC"

[[workflow]]
name = "a"
cron = "00 00 02 * * ?"

  [[workflow.task]]
  name = "x"
  duration = "1h"

[[workflow]]
name = "b"
cron = "00 00 02 * * ?"

  [[workflow.task]]
  name = "y"
  duration = "3h"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["a", "b"]
  from = "2025-03-01"
  to = "2025-03-02"
  run_immediately = true
"#,
    );
    let (e, _) = observe(&m);
    assert_eq!(workflows(&dates::rows(&e, usize::MAX)), [None, None]);
    // The second date waits for the first to end (b's 3 hours), one group.
    let at = |task| -> Vec<String> { starts(&m, &e, task).into_iter().map(|x| x.1).collect() };
    assert_eq!(
        at("a.x"),
        ["2025-03-10T00:00:00+00:00", "2025-03-10T03:00:00+00:00"]
    );
    assert!(!e.notes.iter().any(|n| n.contains("workflows")));
}

fn schedsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_diff_and_a_trace_tell_the_dags_runs_at_one_time_apart() {
    let dir = std::env::temp_dir().join(format!("schedsim-unit-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("two-dags.toml");
    std::fs::write(&model, TWO_DAGS).unwrap();
    let model = model.to_str().unwrap();
    // The knob's two values on one model: A, every DAG's run at one time together
    // (the behaviour before the knob), B one run per DAG.
    let out = schedsim(&[
        "diff",
        model,
        "--a",
        "unit_scope=all_targets",
        "--b",
        "unit_scope=workflow",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The same instances. Each date is one run in A and one run per DAG in B: other
    // units, an outcome change, but dates are compared as dates (B's runs of a date
    // taken together), and a note says so; the split used to read as every date
    // started in one run only.
    assert_eq!(d["verdict"], "outcome", "{d:#}");
    assert!(d["only_a"].as_array().unwrap().is_empty());
    assert!(d["only_b"].as_array().unwrap().is_empty());
    assert!(
        d["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("6 date(s) are one run in one side")),
        "{}",
        d["notes"]
    );
    let dates = d["dates"].as_array().unwrap();
    assert!(
        dates
            .iter()
            .all(|c| c["start"][0].is_string() && c["start"][1].is_string())
    );
    // 01:00 ends at 03:10 in A (behind the daily run, one group), at 00:20 in B.
    let one = dates
        .iter()
        .find(|c| c["date"] == "2025-03-01T01:00:00+00:00")
        .expect("01:00 changed");
    assert_eq!(
        one["end"],
        serde_json::json!(["2025-03-10T03:10:00+00:00", "2025-03-10T00:20:00+00:00"])
    );
    // Taken together, B's dates start in the same waves as A's.
    assert!(d["starts_together"].is_null(), "{}", d["starts_together"]);
    // A trace names each run's workflows, and reads back as the same run.
    let trace = dir.join("two-dags.trace");
    let trace = trace.to_str().unwrap();
    assert!(schedsim(&["run", model, "--trace", trace]).status.success());
    let lines = std::fs::read_to_string(trace).unwrap();
    assert!(lines.contains(
        r#""unit":1,"date":"2025-03-01T00:00:00+00:00","workflows":["hourly"],"origin":"backfill","event":"started""#
    ));
    let out = schedsim(&["diff", trace, model]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_upstream_on_a_workflow_the_backfill_leaves_out_joins_nothing() {
    // `c.join` waits for both `a.x` and `b.x`, but the backfill runs only a and b:
    // that upstream binds nothing (SEMANTICS.md), so a and b are not joined, and the
    // hourly DAG's runs do not wait behind the daily DAG's 3-hour run. The first
    // split joined every workflow linked anywhere in the model.
    let m = load(&TWO_DAGS.replace(
        "[[scenario]]",
        "[[workflow]]\nname = \"c\"\ncron = \"0 0 * * *\"\n\n  [[workflow.task]]\n  name = \"join\"\n  upstream = [\"daily.load\", \"hourly.snap\"]\n  duration = \"10m\"\n\n[[scenario]]",
    ));
    let (e, _) = observe(&m);
    let snaps: Vec<String> = starts(&m, &e, "hourly.snap")
        .into_iter()
        .map(|x| x.1)
        .collect();
    assert_eq!(snaps[1], "2025-03-10T00:10:00+00:00");
    assert!(
        !e.notes.iter().any(|n| n.contains("run together")),
        "{:#?}",
        e.notes
    );
}

#[test]
fn a_downstream_backfill_names_the_workflows_its_runs_hold() {
    // Targets a and c; with `downstream`, b (downstream of a) runs in a's runs: the
    // label and the note name a and b, not the targets' workflows alone.
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "a"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "x"
  duration = "1h"

[[workflow]]
name = "b"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "y"
  upstream = ["a.x"]
  duration = "1h"

[[workflow]]
name = "c"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "z"
  duration = "1h"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["a", "c"]
  downstream = true
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
"#,
    );
    let (e, _) = observe(&m);
    let ab = Some(vec!["a".to_string(), "b".to_string()]);
    let c = Some(vec!["c".to_string()]);
    assert_eq!(workflows(&dates::rows(&e, usize::MAX)), [ab, c]);
    assert!(
        e.notes
            .iter()
            .any(|n| n.starts_with("backfill 1: a, b run together")),
        "{:#?}",
        e.notes
    );
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("its targets are in 3 workflows (a, b, c); a backfill takes one DAG, so it runs as 2 backfills")),
        "{:#?}",
        e.notes
    );
}

#[test]
fn a_ready_by_expectation_counts_only_the_runs_that_hold_its_task() {
    // b's first date fails and `chain_on_failure = stop` stops b's chain: b's four
    // later dates never start. a's five dates all run (late: the backfill runs nine
    // days after them): five misses of a.x, none of them a date that never started.
    // The first split also counted b's four dates as a.x's misses (nine).
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[rules]
chain_on_failure = "stop"

[[workflow]]
name = "a"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "x"
  duration = "1h"

[[workflow]]
name = "b"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "y"
  duration = "1h"

[[expect]]
name = "ax_ready"
task = "a.x"
ready_by = "23:00"

[[expect]]
name = "by_ready"
task = "b.y"
ready_by = "23:00"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["a", "b"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-05T00:00:00"
  groups = 1

  [[scenario.fault]]
  task = "b.y"
  scheduled = "2025-03-01T00:00:00"
  attempts = [1]
"#,
    );
    let (_, findings) = observe(&m);
    let witness = |name: &str| {
        findings
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.witness.clone())
            .expect("the expectation fails")
    };
    let ax = witness("expect:ax_ready");
    assert_eq!(ax.count, 5, "{ax:?}");
    assert!(
        !ax.details.iter().any(|d| d.contains("never started")),
        "{ax:?}"
    );
    // b.y: its failed first date and the four that never started.
    let by = witness("expect:by_ready");
    assert_eq!(by.count, 5, "{by:?}");
    assert!(
        by.details
            .iter()
            .any(|d| d == "4 date(s)/run(s) never started, so their b.y never ran"),
        "{by:?}"
    );
}

#[test]
fn a_run_held_by_its_dags_max_active_runs_past_the_horizon_is_not_said_to_be_due_after_it() {
    // daily_big's runs last 30 hours with max_active_runs = 1: the run due at
    // 03-22T02:00, before the horizon (06:00), never starts because the run before
    // it ends after the horizon. instance-count said "due ..., after the horizon".
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "daily_big"
cron = "0 2 * * *"
max_active_runs = 1

  [[workflow.task]]
  name = "crunch"
  duration = "30h"

[[workflow]]
name = "hourly_small"
cron = "0 * * * *"

  [[workflow.task]]
  name = "tick"
  duration = "5m"

[[scenario]]
name = "recur"
start = "2025-03-20T00:00:00"
until = "2025-03-22T06:00:00"
recurring = true
"#,
    );
    let (_, findings) = observe(&m);
    let count = findings
        .properties
        .iter()
        .find(|p| p.name == "instance-count")
        .unwrap();
    let details = count.witness.as_ref().unwrap().details.join("\n");
    assert!(
        details.contains(
            "dates never started: 2025-03-22T02:00:00+00:00 (daily_big) (due 2025-03-22T02:00:00+00:00, before the horizon, but at most 1 date(s) in flight (max_active_runs = 1) until after it)"
        ),
        "{details}"
    );
}

#[test]
fn the_seeds_table_stays_aligned_when_a_wait_label_is_longer_than_its_column() {
    // "wait max_active_runs hourly peak queue" is 38 characters; the label column
    // was 28 wide, and that row's figures stood out of line.
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-width-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("two-dags.toml");
    std::fs::write(&model, TWO_DAGS).unwrap();
    let out = schedsim(&["run", model.to_str().unwrap(), "--seeds", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("min"))
        .take_while(|l| !l.starts_with("dates/runs"))
        .collect();
    assert!(
        table
            .iter()
            .any(|l| l.contains("wait max_active_runs hourly peak queue")),
        "{text}"
    );
    let width = table[0].chars().count();
    assert!(table.iter().all(|l| l.chars().count() == width), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn each_dags_max_active_runs_window_has_its_own_waits_row() {
    // Split by DAG, the runs wait in one window per DAG: the date-level wait is
    // named by its DAG (the daily DAG's single run never waited, so it has no row).
    let m = load(TWO_DAGS);
    let (_, findings) = observe(&m);
    let rows: Vec<(String, Option<String>, u64)> = findings
        .waits
        .waits
        .iter()
        .map(|w| (w.kind.word().to_string(), w.name.clone(), w.instances))
        .collect();
    assert_eq!(
        rows,
        [("max_active_runs".to_string(), Some("hourly".to_string()), 5)]
    );
}
