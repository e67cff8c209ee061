//! Issue 9, items 6, 7, 17 and 18: every `stuck` explanation names the real blocker,
//! lists that are cut say how much they leave out, and the run's budgets bound what is
//! really allocated and executed. Each test is named after the bug it pins.

use std::path::PathBuf;
use std::process::{Command, Output};

#[path = "support/bin.rs"]
mod bin;
use bin::{stderr, stdout};

fn schedsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Writes `text` as a model file in a fresh temporary directory.
fn model(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-hardening-bounds-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

/// Every `waits_for` line of a run's JSON summary.
fn waits(summary: &serde_json::Value) -> Vec<String> {
    summary["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["waits_for"].as_array().unwrap().clone())
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

const POOL: &str = r#"
[model]
name = "pool"
profile = "airflow"
timezone = "UTC"

[[resource_group]]
name = "tiny"
slots = 2

[[workflow]]
name = "w"
cron = "@daily"

  [[workflow.task]]
  name = "big"
  resource_group = "tiny"
  pool_slots = 3
  duration = "10m"

  [[workflow.task]]
  name = "after"
  upstream = ["big"]
  duration = "1m"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
"#;

#[test]
fn pool_slots_larger_than_pool_is_refused_or_named_in_stuck() {
    // Airflow accepts the DAG and its scheduler never queues the task instance
    // ("Requested pool slots ... are greater than total pool slots"): simulated so,
    // with the pool and its size named.
    let path = model("pool", POOL);
    let out = schedsim(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = json(&out);
    let waits = waits(&summary);
    let big = &waits[0];
    assert!(
        big.contains("w.big needs 3 slots")
            && big.contains("pool `tiny`")
            && big.contains("has only 2"),
        "{big}"
    );
    assert!(
        waits[1].contains("w.big scheduled 2025-03-01T00:00:00+00:00, which is waiting_resources"),
        "{waits:?}"
    );
    let check = schedsim(&["check", path.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("pool `tiny`, which has only 2"));
}

#[test]
fn stuck_never_blames_a_horizon_that_does_not_exist() {
    // No `until`: the pool, the depends_on_past deadlock and a frozen instance each
    // name their blocker, none a horizon.
    let pool = model("pool-horizon", POOL);
    let deadlock = manifest("models/airflow-backoff-cap-and-deadlock.toml");
    for (path, scenario) in [
        (pool.to_str().unwrap(), "s"),
        (deadlock.to_str().unwrap(), "depends-on-past-deadlock"),
    ] {
        let out = schedsim(&["run", path, "--scenario", scenario, "--format", "json"]);
        let waits = waits(&json(&out));
        assert!(!waits.is_empty(), "{path}: something is stuck");
        for w in &waits {
            assert!(!w.contains("horizon"), "{path}: {w}");
        }
    }
    // With a horizon that falls inside an execution.
    let busy = model(
        "busy-at-horizon",
        r#"
[model]
name = "busy"
profile = "airflow"
timezone = "UTC"

[[resource_group]]
name = "one"
slots = 1

[[workflow]]
name = "w"
cron = "@daily"

  [[workflow.task]]
  name = "a"
  resource_group = "one"
  duration = "2h"

  [[workflow.task]]
  name = "b"
  resource_group = "one"
  duration = "2h"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"
until = "2025-03-10T01:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
"#,
    );
    let out = schedsim(&["run", busy.to_str().unwrap(), "--format", "json"]);
    let summary = json(&out);
    // `until` lets what started finish (issue 9 item 8): the execution running at the
    // horizon ends after it, the instance queued behind it runs too, and nothing is
    // left for a horizon to be blamed for.
    assert_eq!(waits(&summary), Vec::<String>::new());
    let states: Vec<&str> = summary["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["succeeded", "succeeded"], "{summary}");
}

fn manifest(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn task_group_that_is_its_own_resource_group_is_refused_not_a_panic() {
    // It took two slots of a one-slot group per execution: the counter underflowed.
    let path = model(
        "own-task-group",
        r#"
[model]
name = "tg"
profile = "dolphinscheduler"
timezone = "UTC"

[[resource_group]]
name = "one"
slots = 1

[[workflow]]
name = "w"
cron = "0 0 0 * * ? *"

  [[workflow.task]]
  name = "a"
  resource_group = "one"
  task_group = "one"
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-02T00:00:00"
"#,
    );
    let out = schedsim(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("own-task-group.toml:18:16"), "{err}");
    assert!(err.contains("`task_group` `one` is also this task's resource group"));
    assert!(!err.contains("panicked"));
}

#[test]
fn zero_slot_task_group_and_zero_max_active_are_refused() {
    // Demands no slot can ever meet are refused where the model says them.
    let ds = model(
        "zero-task-group",
        r#"
[model]
name = "tg0"
profile = "dolphinscheduler"
timezone = "UTC"

[[resource_group]]
name = "tg"
slots = 0

[[workflow]]
name = "w"
cron = "0 0 0 * * ? *"

  [[workflow.task]]
  name = "a"
  task_group = "tg"
  duration = "10m"
"#,
    );
    let out = schedsim(&["validate", ds.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("zero-task-group.toml:9:9: `slots` must be at least 1"),
        "{}",
        stderr(&out)
    );
    let af = model(
        "zero-max-active",
        r#"
[model]
name = "af0"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "w"
cron = "@daily"
max_active_runs = 0
max_active_tasks = 0

  [[workflow.task]]
  name = "a"
  duration = "10m"
"#,
    );
    let err = stderr(&schedsim(&["validate", af.to_str().unwrap()]));
    assert!(
        err.contains("`max_active_runs` must be at least 1"),
        "{err}"
    );
    assert!(
        err.contains("`max_active_tasks` must be at least 1"),
        "{err}"
    );
}

/// A DataWorks backfill of 14 dates: `by_run_day` writes every date into the run
/// day's partition (1 misaligned, 14 missing), `append` inserts twice on the first
/// date (1 duplicated, 13 ok), `good` writes its own 14 partitions (ok).
fn partitions_model() -> PathBuf {
    model(
        "partitions",
        r#"
[model]
name = "partitions"
profile = "dataworks"
timezone = "Asia/Shanghai"

[[workflow]]
name = "sales"

  [[workflow.task]]
  name = "by_run_day"
  cron = "00 30 01 * * ?"
  duration = "15m"
  writes = [ { table = "bad", partition = "dt=today()", mode = "overwrite" } ]

  [[workflow.task]]
  name = "append"
  cron = "00 30 01 * * ?"
  duration = "15m"
  retry = { times = 1, interval = "5m" }
  writes = [ { table = "appended", partition = "dt=${bizdate}", mode = "insert" } ]

  [[workflow.task]]
  name = "good"
  cron = "00 30 01 * * ?"
  duration = "15m"
  writes = [ { table = "good", partition = "dt=${bizdate}", mode = "overwrite" } ]

[[scenario]]
name = "s"
start = "2025-03-20T09:00:00"

  [[scenario.backfill]]
  targets = ["sales"]
  from = "2025-03-01"
  to = "2025-03-14"

  [[scenario.fault]]
  task = "sales.append"
  scheduled = "2025-03-02T01:30:00"
  attempts = [1]
  phase = "after_write"
"#,
    )
}

#[test]
fn cut_partition_list_says_how_many_more() {
    let path = partitions_model();
    let out = schedsim(&["run", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(
        text.contains("partitions: 43 (1 duplicated, 1 misaligned, 14 missing, 27 ok)"),
        "{text}"
    );
    let missing = text.lines().filter(|l| l.starts_with("  missing ")).count();
    assert_eq!(missing, 10, "{text}");
    assert!(text.contains("  ... and 4 more missing\n"), "{text}");
}

#[test]
fn duplicated_and_misaligned_partitions_listed_before_ok() {
    let path = partitions_model();
    // Text: each bad status is listed (the first ten bad ones used to be all missing).
    let text = stdout(&schedsim(&["run", path.to_str().unwrap()]));
    let first = |word: &str| {
        text.find(&format!("  {word} "))
            .unwrap_or_else(|| panic!("no {word} line:\n{text}"))
    };
    assert!(first("duplicated") < first("misaligned"), "{text}");
    assert!(first("misaligned") < first("missing"), "{text}");
    // JSON: every partition, the bad ones (each status) before the ok ones.
    let summary = json(&schedsim(&[
        "run",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let statuses: Vec<&str> = summary["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    let rank = |s: &str| {
        ["duplicated", "misaligned", "missing", "ok"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{statuses:?}"
    );
    assert_eq!(statuses.len(), 43);
}

#[test]
fn never_started_dates_say_how_many_more_and_why() {
    // The instance-count witness named 5 dates and dropped the rest without a word.
    let path = model(
        "never-started",
        r#"
[model]
name = "chain"
profile = "dolphinscheduler"
timezone = "UTC"

[[workflow]]
name = "daily"
cron = "0 0 1 * * ? *"

  [[workflow.task]]
  name = "t"
  duration = "30m"

[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"

  [[scenario.backfill]]
  targets = ["daily"]
  from = "2025-03-01T01:00:00"
  to = "2025-03-10T01:00:00"
  order = "asc"

  [[scenario.fault]]
  task = "daily.t"
  scheduled = "2025-03-02T01:00:00"
  attempts = [1]
"#,
    );
    let text = stdout(&schedsim(&["check", path.to_str().unwrap()]));
    assert!(
        text.contains(
            "dates never started: 2025-03-03T01:00:00+00:00, 2025-03-04T01:00:00+00:00, 2025-03-05T01:00:00+00:00, 2025-03-06T01:00:00+00:00, 2025-03-07T01:00:00+00:00 and 3 more (its backfill stopped after a date failed: chain_on_failure = stop)"
        ),
        "{text}"
    );
    // `run` says it too, under its date counts, and in JSON: a never-started date
    // is no failure, so without it nothing there says why.
    let p = path.to_str().unwrap();
    let text = stdout(&schedsim(&["run", p]));
    assert!(
        text.contains(
            "dates/runs: 10 planned, 2 started, 1 with a failure, 8 never started\n  never started: 2025-03-03T01:00:00+00:00, 2025-03-04T01:00:00+00:00, 2025-03-05T01:00:00+00:00, 2025-03-06T01:00:00+00:00, 2025-03-07T01:00:00+00:00 and 3 more (its backfill stopped after a date failed: chain_on_failure = stop)\n"
        ),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&schedsim(&["run", p, "--format", "json"]))).unwrap();
    assert!(
        json["never_started"].as_str().is_some_and(|s| s.ends_with(
            "and 3 more (its backfill stopped after a date failed: chain_on_failure = stop)"
        )),
        "{}",
        json["never_started"]
    );
}

/// One minutely upstream and `n` daily downstreams on DataWorks: each daily instance
/// binds the day's 1,440 minutely ones.
fn minutely_fan_in(n: usize) -> PathBuf {
    let tasks: String = (0..n)
        .map(|i| {
            format!(
                "  [[workflow.task]]\n  name = \"d{i}\"\n  cron = \"00 00 02 * * ?\"\n  upstream = [\"up\"]\n  duration = \"1m\"\n\n"
            )
        })
        .collect();
    model(
        "fan-in",
        &format!(
            r#"
[model]
name = "fan-in"
profile = "dataworks"
timezone = "UTC"

[[workflow]]
name = "w"

  [[workflow.task]]
  name = "up"
  cron = "00 * * * * ?"
  duration = "10s"

{tasks}
[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-03"
"#
        ),
    )
}

#[test]
fn max_instances_counts_bindings() {
    // 3 dates × (1,440 + 20) = 4,380 instances fit in 10,000; 3 × 20 × 1,440 =
    // 86,400 bindings do not: they were allocated without a word.
    let path = minutely_fan_in(20);
    let p = path.to_str().unwrap();
    let full = schedsim(&["run", p]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let out = schedsim(&["run", p, "--max-instances", "10000", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let summary = json(&out);
    assert_eq!(summary["stopped"]["flag"], "--max-instances");
    let message = summary["stopped"]["message"].as_str().unwrap();
    assert!(
        message.contains("more than 10000 dependencies") && message.contains("28800 more"),
        "{message}"
    );
    assert!(stderr(&out).contains("raise --max-instances"));
    // `instances` lists the bindings too: bounded the same way, before printing.
    let listed = schedsim(&[
        "instances",
        p,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-03",
        "--max-instances",
        "10000",
    ]);
    assert_eq!(listed.status.code(), Some(2));
    assert!(
        stderr(&listed)
            .contains("bind at least 28800 dependencies, more than --max-instances 10000"),
        "{}",
        stderr(&listed)
    );
    assert!(stdout(&listed).is_empty());
}

#[test]
fn max_instances_counts_regenerated_complement_dates() {
    // DolphinScheduler 3.2: each rerun of the first complement date creates the later
    // dates again. 20 planned instances fit in 30; the reruns' 3 × 19 do not.
    let reruns: String = (22..25)
        .map(|d| {
            format!(
                "  [[scenario.operation]]\n  at = \"2025-03-{d}T00:00:00\"\n  kind = \"rerun\"\n  task = \"daily.t\"\n  scheduled = \"2025-03-01T01:00:00\"\n\n"
            )
        })
        .collect();
    let path = model(
        "regenerate",
        &format!(
            r#"
[model]
name = "regenerate"
profile = "dolphinscheduler"
timezone = "UTC"
profile_version = "3.2"

[[workflow]]
name = "daily"
cron = "0 0 1 * * ? *"

  [[workflow.task]]
  name = "t"
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-21T00:00:00"

  [[scenario.backfill]]
  targets = ["daily"]
  from = "2025-03-01T01:00:00"
  to = "2025-03-20T01:00:00"
  order = "asc"

{reruns}"#
        ),
    );
    let p = path.to_str().unwrap();
    let full = json(&schedsim(&["run", p, "--format", "json"]));
    let created: u64 = full["states"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        created,
        20 + 3 * 19,
        "the reruns regenerate the later dates"
    );
    let out = schedsim(&["run", p, "--max-instances", "30", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let summary = json(&out);
    let message = summary["stopped"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "the run would create more than 30 instances (--max-instances 30): 30 created (10 of them dates a rerun created again), and the next date needs 1 more"
    );
    let kept: u64 = summary["states"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(kept <= 30, "{kept}");
}

fn billion_retries(profile: &str, cron: &str) -> PathBuf {
    model(
        &format!("billion-{profile}"),
        &format!(
            r#"
[model]
name = "retries"
profile = "{profile}"
timezone = "UTC"

[[workflow]]
name = "w"
cron = "{cron}"

  [[workflow.task]]
  name = "flaky"
  duration = "1m"
  retry = {{ times = 1000000000, interval = "1m" }}
  fail = {{ probability = 1.0 }}

[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-01T00:00:00"
"#
        ),
    )
}

#[test]
fn billion_retries_stop_at_execution_budget() {
    for (profile, cron) in [("airflow", "@daily"), ("dolphinscheduler", "0 0 0 * * ? *")] {
        let path = billion_retries(profile, cron);
        let p = path.to_str().unwrap();
        // Within both engines' own bound (a 32-bit int): accepted.
        assert_eq!(schedsim(&["validate", p]).status.code(), Some(0));
        let out = schedsim(&["run", p, "--max-executions", "500", "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{profile}: {}", stderr(&out));
        let summary = json(&out);
        assert_eq!(summary["executions"], 500, "{profile}");
        assert_eq!(summary["stopped"]["flag"], "--max-executions");
        assert!(
            waits(&summary)[0]
                .starts_with("nothing more: the run stopped: the run reached 500 executions"),
            "{profile}: {:?}",
            waits(&summary)
        );
        let text = schedsim(&["check", p, "--max-executions", "500"]);
        assert_eq!(text.status.code(), Some(2));
        assert!(stdout(&text).contains("stopped at "), "{}", stdout(&text));
        assert!(stderr(&text).contains("raise --max-executions to let it finish"));
        // explore and whatif refuse to judge half a run.
        for cmd in [
            vec!["explore", p, "--cases", "1", "--max-executions", "500"],
            vec!["whatif", p, "--vary", "seed=1", "--max-executions", "500"],
        ] {
            let out = schedsim(&cmd);
            assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("--max-executions"),
                "{cmd:?}: {}",
                stderr(&out)
            );
        }
    }
    // The default is stated in --help.
    let help = stdout(&schedsim(&["run", "--help"]));
    assert!(
        help.contains("--max-executions") && help.contains("100000000"),
        "{help}"
    );
}

#[test]
fn retries_beyond_the_engines_storage_are_refused() {
    for (profile, cron, what) in [
        ("airflow", "@daily", "Airflow's task_instance.max_tries"),
        (
            "dolphinscheduler",
            "0 0 0 * * ? *",
            "DolphinScheduler's failRetryTimes",
        ),
    ] {
        let text = std::fs::read_to_string(billion_retries(profile, cron))
            .unwrap()
            .replace("1000000000", "3000000000");
        let path = model(&format!("too-many-{profile}"), &text);
        let out = schedsim(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains(what) && err.contains("expected 0 to 2147483647"),
            "{err}"
        );
    }
}

/// A chain of dates that each end as they are created (a task past its effective
/// period: no instance) recursed once per date (`unit_done` → `advance` →
/// `create_unit` → `unit_done`): a 200-year daily backfill overflowed the stack and
/// aborted `run`, and 30 years aborted `explore` (whose threads have smaller stacks).
#[test]
fn dates_that_end_as_they_are_created_overflowed_the_stack() {
    let path = model(
        "empty-dates",
        r#"[model]
name = "m"
profile = "dataworks"
timezone = "UTC"

[[workflow]]
name = "w"
  [[workflow.task]]
  name = "a"
  cron = "00 00 02 * * ?"
  duration = "10m"
  effective = { from = "2000-01-01", to = "2000-01-05" }

[[scenario]]
name = "s"
start = "2200-01-01T00:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2000-01-01"
  to = "2199-12-31"
"#,
    );
    let o = schedsim(&["run", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = json(&o);
    assert_eq!(r["states"]["succeeded"], 5, "{}", stdout(&o));
    assert_eq!(r["unit_counts"]["planned"], 73_049, "{}", r["unit_counts"]);
    assert_eq!(r["unit_counts"]["started"], 73_049, "{}", r["unit_counts"]);
    let o = schedsim(&["explore", path.to_str().unwrap(), "--cases", "2"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
}
