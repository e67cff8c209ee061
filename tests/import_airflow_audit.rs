//! `schedsim import airflow` against the audit of Airflow 3.3.2's example DAGs and
//! crafted DAGs (tests/import/airflow/audit/: serialized DAGs exported by
//! tools/airflow_export.py under apache-airflow 3.3.2, the crafted DAG files in
//! `dags/`). Each test pins one finding: what the importer read wrong or left unsaid.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import/airflow/audit")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-import-audit-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The fixture, changed by `edit`, written to a scratch file.
fn edited(name: &str, case: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
    edit(&mut v);
    let path = scratch(case).join(name);
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    path
}

/// Imports the files with `--format json`; returns (exit code, the JSON, stderr).
fn import(paths: &[PathBuf]) -> (i32, Value, String) {
    let mut args = vec!["import".to_string(), "airflow".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--format".into(), "json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (
        o.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Imports one fixture, checks that it succeeded and that the model validates.
fn import_ok(paths: &[PathBuf]) -> (Value, schedsim::model::Model) {
    let (code, v, err) = import(paths);
    assert_eq!(code, 0, "{err}");
    let text = v["model"].as_str().unwrap().to_string();
    let m =
        schedsim::model::load_str("imported", &text).unwrap_or_else(|d| panic!("{text}\n{d:?}"));
    (v, m)
}

fn lines<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v["report"][key].as_array().unwrap().iter().collect()
}

fn notes(v: &Value) -> Vec<&str> {
    lines(v, "notes")
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect()
}

/// (what, path) of each dropped line.
fn dropped(v: &Value) -> Vec<(&str, &str)> {
    lines(v, "dropped")
        .iter()
        .map(|d| (d["what"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect()
}

fn task<'a>(m: &'a schedsim::model::Model, name: &str) -> &'a schedsim::model::Task {
    m.tasks
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{name}"))
}

/// `CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai")` in a UTC DAG runs at
/// 02:00 Shanghai (18:00 UTC); the importer read the cron in the DAG's UTC.
#[test]
fn a_timetables_own_time_zone_is_where_its_cron_is_read() {
    let (v, m) = import_ok(&[fixture("tz_mismatch.json")]);
    assert_eq!(v["report"]["timezone"], "Asia/Shanghai");
    assert!(
        notes(&v).contains(&"DAG tz_mismatch: its schedule is read in its timetable's time zone Asia/Shanghai ($.dag.timetable.__var.timezone), not in the DAG's UTC ($.dag.timezone)"),
        "{:?}",
        notes(&v)
    );
    // The start date is the same instant, 2024-01-01T00:00Z.
    assert!(
        v["model"]
            .as_str()
            .unwrap()
            .contains("start_date = \"2024-01-01T08:00:00\"\n")
    );
    let path = scratch("tz").join("model.toml");
    std::fs::write(&path, v["model"].as_str().unwrap()).unwrap();
    let o = run(&[
        "instances",
        path.to_str().unwrap(),
        "--from",
        "2024-01-02T00:00:00",
        "--to",
        "2024-01-03T23:59:59",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
    let times: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        ["2024-01-02T02:00:00+08:00", "2024-01-03T02:00:00+08:00"]
    );
    assert_eq!(m.timezone_name, "Asia/Shanghai");
}

/// `g_a`, `g.a` (task group g) and `final` with `g.a >> final`: `g.a` is renamed
/// `g_a`, which is taken, so `g_a_2`; `final`'s upstream named `g_a`, the other task.
#[test]
fn an_upstream_renamed_for_a_clash_follows_the_rename() {
    let (v, m) = import_ok(&[fixture("name_clash2.json")]);
    let ups: Vec<&str> = task(&m, "name_clash2.final")
        .upstream
        .iter()
        .map(|u| m.task(*u).name.as_str())
        .collect();
    assert_eq!(ups, ["name_clash2.g_a_2"]);
    assert!(task(&m, "name_clash2.g_a").upstream.is_empty());
    // Each task once in "no writes inferred", by its model name.
    let no_sql: Vec<&str> = lines(&v, "no_sql")
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        no_sql,
        [
            "name_clash2.g_a (EmptyOperator)",
            "name_clash2.g_a_2 (EmptyOperator)",
            "name_clash2.final (EmptyOperator)"
        ]
    );
}

/// Airflow 3.3.2's `retry_exponential_backoff` is a multiplier (true is 2.0): 2.0 and
/// 3.0 were read as a fixed delay; a multiplier other than 2 is modelled as 2 and
/// said; 1.0 is Airflow's fixed delay.
#[test]
fn retry_exponential_backoff_multipliers_are_exponential() {
    let (v, m) = import_ok(&[fixture("k_backoff.json")]);
    use schedsim::rules::Backoff;
    for t in ["backoff_float", "backoff_true", "backoff_two"] {
        assert_eq!(
            task(&m, &format!("k_backoff.{t}")).retry.backoff,
            Backoff::Exponential,
            "{t}"
        );
    }
    let said: Vec<&str> = notes(&v)
        .into_iter()
        .filter(|n| n.contains("retry_exponential_backoff"))
        .collect();
    assert_eq!(
        said,
        [
            "k_backoff.backoff_float: retry_exponential_backoff 3 ($.dag.tasks[0].__var.retry_exponential_backoff) is modelled as 2 (the model's exponential backoff doubles): Airflow waits retry_delay × 3^(try − 1) plus its jitter, the model retry_delay × 2^(try − 1)"
        ]
    );
    let path = edited("k_backoff.json", "one", |v| {
        v["dag"]["tasks"][0]["__var"]["retry_exponential_backoff"] = 1.0.into()
    });
    let (_, m) = import_ok(&[path]);
    assert_eq!(
        task(&m, "k_backoff.backoff_float").retry.backoff,
        Backoff::Fixed
    );
}

/// `max_retry_delay` beside a fixed delay (Airflow applies it only to a backoff) made
/// an imported model that did not load, the error at `<imported model>`.
#[test]
fn max_retry_delay_without_a_backoff_is_dropped_at_its_json_path() {
    let path = edited("k_backoff.json", "maxdelay", |v| {
        let t = &mut v["dag"]["tasks"][0]["__var"];
        t["retry_exponential_backoff"] = 0.0.into();
        t["max_retry_delay"] = 1800.0.into();
    });
    let (v, m) = import_ok(&[path]);
    assert!(
        dropped(&v).contains(&(
            "k_backoff.backoff_float: max_retry_delay 30m",
            "$.dag.tasks[0].__var.max_retry_delay"
        )),
        "{:?}",
        dropped(&v)
    );
    assert_eq!(task(&m, "k_backoff.backoff_float").retry.max_interval, None);
}

/// The mixed-timetable refusal named the wrong DAG and the file `-`.
#[test]
fn mixed_timetables_are_refused_at_the_dag_that_differs() {
    let (code, _, err) = import(&[fixture("tutorial.json"), fixture("cron_interval_ny.json")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cron_interval_ny.json: at $.dag.timetable: DAG cron_interval_ny needs the interval timetable, DAG tutorial ("),
        "{err}"
    );
}

/// A custom PriorityWeightStrategy failed at `<imported model>:11:15`: it is dropped
/// at its JSON path, its task weighted by its own weight.
#[test]
fn a_custom_weight_rule_is_dropped_at_its_json_path() {
    let (v, m) = import_ok(&[fixture("example_custom_weight.json")]);
    let custom = "airflow.example_dags.plugins.decreasing_priority_weight_strategy.DecreasingPriorityStrategy";
    assert!(
        dropped(&v).contains(&(
            &format!("example_custom_weight.task_1: weight_rule {custom}"),
            "$.dag.tasks[1].__var.weight_rule"
        )),
        "{:?}",
        dropped(&v)
    );
    assert_eq!(task(&m, "example_custom_weight.task_1").priority, 1);
}

/// One task's `weight_rule="upstream"` became every task's rule, though the others
/// use Airflow's default `downstream`: each task's total by its own rule is written.
#[test]
fn one_tasks_weight_rule_is_not_every_tasks() {
    let (v, m) = import_ok(&[fixture("wr.json")]);
    assert_eq!(m.rules.weight_rule, schedsim::rules::WeightRule::Absolute);
    // a: upstream, its own 3; b: downstream, 1 + c's 1; c: 1.
    let weights: Vec<i64> = ["wr.a", "wr.b", "wr.c"]
        .iter()
        .map(|t| task(&m, t).priority)
        .collect();
    assert_eq!(weights, [3, 2, 1]);
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.starts_with("weight_rule: the tasks use several (upstream for wr.a; downstream, Airflow's default, for the others)")),
        "{:?}",
        notes(&v)
    );
}

/// dagrun_timeout, max_consecutive_failed_dag_runs, max_active_tis_per_dag(run),
/// wait_for_downstream, a task's own start and end dates and a retry policy were left
/// out silently; fail_fast is the model's failure_strategy "end".
#[test]
fn settings_the_model_does_not_carry_are_each_dropped() {
    let path = edited("k_misc.json", "misc", |v| {
        v["dag"]["tasks"][1]["__var"]["has_retry_policy"] = true.into()
    });
    let (v, m) = import_ok(&[path]);
    let d = dropped(&v);
    for (what, at) in [
        ("DAG k_misc: dagrun_timeout 1h", "$.dag.dagrun_timeout"),
        (
            "DAG k_misc: max_consecutive_failed_dag_runs 3",
            "$.dag.max_consecutive_failed_dag_runs",
        ),
        (
            "k_misc.late_start: its own start_date 2024-06-01T00:00:00Z",
            "$.dag.tasks[0].__var.start_date",
        ),
        (
            "k_misc.late_start: its own end_date 2024-07-01T00:00:00Z",
            "$.dag.tasks[0].__var.end_date",
        ),
        (
            "k_misc.limits: wait_for_downstream",
            "$.dag.tasks[1].__var.wait_for_downstream",
        ),
        (
            "k_misc.limits: has_retry_policy",
            "$.dag.tasks[1].__var.has_retry_policy",
        ),
        (
            "k_misc.limits: max_active_tis_per_dag 1",
            "$.dag.tasks[1].__var.max_active_tis_per_dag",
        ),
        (
            "k_misc.limits: max_active_tis_per_dagrun 1",
            "$.dag.tasks[1].__var.max_active_tis_per_dagrun",
        ),
    ] {
        assert!(d.contains(&(what, at)), "{what} in {d:?}");
    }
    assert_eq!(
        m.workflows[0].failure_strategy,
        schedsim::rules::FailureStrategy::End
    );
    assert!(task(&m, "k_misc.limits").self_dependency);
    // Beside a DAG without fail_fast, the rule cannot be the model's: dropped.
    let (v, m) = import_ok(&[fixture("k_misc.json"), fixture("k_backoff.json")]);
    assert!(dropped(&v).contains(&("DAG k_misc: fail_fast", "$.dag.fail_fast")));
    assert_eq!(
        m.workflows[0].failure_strategy,
        schedsim::rules::FailureStrategy::Continue
    );
}

/// A mapped task's settings live in `partial_kwargs`, which were never read, and its
/// expansion was collapsed to one instance silently.
#[test]
fn a_mapped_tasks_partial_kwargs_are_its_settings() {
    let (v, m) = import_ok(&[fixture("k_mapped.json")]);
    let t = task(&m, "k_mapped.m");
    assert_eq!(
        (t.retry.times, t.pool_slots, t.self_dependency),
        (4, 3, true)
    );
    assert_eq!(m.groups[t.group.0 as usize].name, "mapped_pool");
    assert!(dropped(&v).contains(&(
        "k_mapped.m: trigger_rule all_done",
        "$.dag.tasks[1].__var.partial_kwargs.trigger_rule"
    )));
    assert!(
        notes(&v).iter().any(|n| n.starts_with(
            "k_mapped.m is mapped (dynamic task mapping, $.dag.tasks[1].__var.partial_kwargs): modelled as one instance per run"
        )),
        "{:?}",
        notes(&v)
    );
    // A mapped SQL task's `sql` is among its partial_kwargs too: its write is
    // inferred, as the plain task's is (it was left unread).
    let (_, m) = import_ok(&[fixture("k_mapped_sql.json")]);
    let writes = |name: &str| -> Vec<String> {
        task(&m, name)
            .writes
            .iter()
            .map(|w| w.table.clone())
            .collect()
    };
    assert_eq!(writes("k_mapped_sql.plain"), ["t1"]);
    assert_eq!(writes("k_mapped_sql.m"), ["t2"]);
}

/// LatestOnlyOperator (like branch and short-circuit operators) skips tasks at run
/// time; the model runs every path, which was not said.
#[test]
fn operators_that_skip_tasks_are_said() {
    let (v, _) = import_ok(&[fixture("latest_only.json")]);
    assert!(
        notes(&v).iter().any(|n| n.starts_with(
            "latest_only.latest_only (LatestOnlyOperator) can skip tasks at run time ($.dag.tasks[0].__var._can_skip_downstream): it skips its downstream tasks"
        )),
        "{:?}",
        notes(&v)
    );
}

/// Without a start_date Airflow's first run depends on when the scheduler first sees
/// the DAG; the import did not say so.
#[test]
fn a_dag_without_a_start_date_says_its_first_run_differs() {
    let (v, _) = import_ok(&[fixture("nostart_hourly.json")]);
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.starts_with("DAG nostart_hourly names no start_date: Airflow's first scheduled run depends on when its scheduler first sees the DAG")),
        "{:?}",
        notes(&v)
    );
    // The catch-up window is the larger of the two (`max(gap / 10, 5 min)` in
    // CronTriggerTimetable): it was said as either.
    assert!(
        notes(&v).iter().any(|n| n.contains(
            "at most the larger of a tenth of the gap between ticks and 5 minutes before"
        )),
        "{:?}",
        notes(&v)
    );
}

/// A start_date of 1970-01-01 was said as "no schedule names a start date".
#[test]
fn a_start_date_in_1970_is_not_called_missing() {
    let path = edited("tz_mismatch.json", "1970", |v| {
        v["dag"]["start_date"] = 0.0.into();
        v["dag"]["timetable"]["__var"]["timezone"] = "UTC".into();
    });
    let (v, _) = import_ok(&[path]);
    assert!(
        notes(&v).contains(&"the default scenario starts on 2024-01-01: the start dates named (1970-01-01) are before 2000, read as \"always\""),
        "{:?}",
        notes(&v)
    );
}

/// A teardown task's failure does not fail its DAG run in Airflow unless
/// `on_failure_fail_dagrun`; the model counts it as any task's failure, silently.
#[test]
fn a_teardown_task_whose_failure_leaves_the_run_alone_is_said() {
    let (v, _) = import_ok(&[fixture("example_setup_teardown.json")]);
    let teardowns: Vec<(&str, &str)> = dropped(&v)
        .into_iter()
        .filter(|(what, _)| what.ends_with("a teardown task"))
        .collect();
    assert_eq!(
        teardowns,
        [
            (
                "example_setup_teardown.root_teardown: a teardown task",
                "$.dag.tasks[2].__var.is_teardown"
            ),
            (
                "example_setup_teardown.section_1_taskgroup_teardown: a teardown task",
                "$.dag.tasks[5].__var.is_teardown"
            ),
        ]
    );
    let path = edited("example_setup_teardown.json", "fail-dagrun", |v| {
        v["dag"]["tasks"][2]["__var"]["on_failure_fail_dagrun"] = true.into()
    });
    let (v, _) = import_ok(&[path]);
    let left: Vec<&str> = dropped(&v)
        .into_iter()
        .filter(|(what, _)| what.ends_with("a teardown task"))
        .map(|(what, _)| what)
        .collect();
    assert_eq!(
        left,
        ["example_setup_teardown.section_1_taskgroup_teardown: a teardown task"]
    );
}

/// A chain of 20,000 tasks, the first weighted `upstream` (so the model's rule is
/// `absolute` and each task's weight is summed), imports in linear time: each task's
/// name was checked against a copy of every earlier name, each edge looked up by a
/// search of the task list, and each task's weight summed by a search of its reach
/// (23 s unoptimized; about 1 s now).
#[test]
fn a_chain_of_20000_tasks_imports_without_quadratic_lookups() {
    let n = 20_000;
    let tasks: Vec<Value> = (0..n)
        .map(|i| {
            let mut t = serde_json::json!({
                "task_id": format!("t{i}"),
                "task_type": "EmptyOperator",
                "_task_module": "airflow.providers.standard.operators.empty",
                "downstream_task_ids": if i + 1 < n { vec![format!("t{}", i + 1)] } else { vec![] },
            });
            if i == 0 {
                t["weight_rule"] = "upstream".into();
            }
            serde_json::json!({"__type": "operator", "__var": t})
        })
        .collect();
    let dag = serde_json::json!({"__version": 3, "dag": {
        "dag_id": "chain", "start_date": 1704067200.0, "timezone": "UTC",
        "timetable": {"__type": "airflow.timetables.trigger.CronTriggerTimetable",
            "__var": {"expression": "0 0 * * *", "interval": 0.0, "timezone": "UTC"}},
        "tasks": tasks,
    }});
    let path = scratch("chain20k").join("chain.json");
    std::fs::write(&path, dag.to_string()).unwrap();
    let start = std::time::Instant::now();
    let (v, m) = import_ok(&[path]);
    let took = start.elapsed();
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
    assert_eq!(m.tasks.len(), n);
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.contains("weight_rule = \"absolute\""))
    );
    // Downstream (the default) on t1: itself and the 19,998 tasks after it.
    assert_eq!(task(&m, "chain.t1").priority, 19_999);
    // Upstream on t0: itself alone.
    assert_eq!(task(&m, "chain.t0").priority, 1);
}

/// A REST /details response's `dag_run_timeout` is an ISO-8601 duration (pydantic's
/// timedelta): it was said as its text (`PT1H`), and a zero one (`PT0S`, no timeout)
/// was said too. (tools/airflow_export.py --rest also wrote it null: it read the
/// response fields by their own names, not `dagrun_timeout`, their alias.)
#[test]
fn a_rest_dag_run_timeout_is_read_as_an_iso_8601_duration() {
    let tasks = fixture("k_rest_timeout.tasks.json");
    for (timeout, said) in [
        ("PT1H", Some("DAG k_rest_timeout: dagrun_timeout 1h")),
        ("PT0S", None),
    ] {
        let details = edited("k_rest_timeout.details.json", timeout, |v| {
            v["dag_run_timeout"] = timeout.into();
        });
        let t = details.with_file_name("k_rest_timeout.tasks.json");
        std::fs::copy(&tasks, &t).unwrap();
        let (v, _) = import_ok(&[details, t]);
        let drops: Vec<(&str, &str)> = dropped(&v)
            .into_iter()
            .filter(|(what, _)| what.contains("dagrun_timeout"))
            .collect();
        let want: Vec<(&str, &str)> = said.map(|s| (s, "$.dag_run_timeout")).into_iter().collect();
        assert_eq!(drops, want, "{timeout}");
    }
}

/// A DAG's Python source given in place of its export failed with serde's bare
/// "expected ident at line 1 column 2": it now says what the file is and how to
/// export it.
#[test]
fn a_dag_source_file_is_told_to_be_exported_first() {
    let dir = scratch("dag-source");
    let py = dir.join("pair.py");
    std::fs::write(
        &py,
        "from airflow.sdk import DAG\nwith DAG(\"d\", schedule=None):\n    pass\n",
    )
    .unwrap();
    let (code, _, err) = import(&[py]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(line 1, column 2)"), "{err}");
    assert!(err.contains("looks like a DAG's Python source"), "{err}");
    assert!(err.contains("tools/airflow_export.py"), "{err}");
    // Said once, in the path: not again in serde's words.
    assert!(!err.contains("at line 1 column"), "{err}");
}

/// An empty export, or one of a line break alone, was at `column 0`: columns count
/// from 1.
#[test]
fn json_syntax_errors_count_columns_from_one() {
    let dir = scratch("empty-json");
    for (name, text, at) in [
        ("empty.json", "", "(line 1, column 1)"),
        ("newline.json", "\n", "(line 2, column 1)"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = import(&[path]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(at), "{name}: {err}");
        assert!(!err.contains("column 0"), "{name}: {err}");
        assert!(!err.contains("Python source"), "{name}: {err}");
    }
}

/// `schedule=None, catchup=True` loads in Airflow (a NullTimetable: no run to catch
/// up); the import failed, the model refusing `catchup` without a schedule at a line
/// of `<imported model>`, a text the user never gets. The DAG is manual-only, its
/// catchup dropped at its path.
#[test]
fn catchup_on_a_dag_without_a_schedule_is_dropped_not_refused() {
    let (v, m) = import_ok(&[fixture("manual_only.json")]);
    assert!(
        dropped(&v).contains(&("DAG manual_only: catchup", "$.dag.catchup")),
        "{:?}",
        dropped(&v)
    );
    let model = v["model"].as_str().unwrap();
    assert!(!model.contains("catchup ="), "{model}");
    assert!(!model.contains("cron ="), "{model}");
    assert_eq!(m.workflows.len(), 1);
}

/// A model the importer writes that does not validate is the importer's bug: it is
/// said at the export's place of the workflow or task it is about, never at a line of
/// the model text (which is not written), and exits 2.
#[test]
fn an_imported_model_that_does_not_validate_is_said_at_the_exports_path() {
    use schedsim::import::{Format, Input, Options, import};
    let file = fixture("manual_only.json");
    let inputs = [Input {
        file: file.display().to_string(),
        text: std::fs::read_to_string(&file).unwrap(),
    }];
    let mut imported = import(Format::Airflow, &inputs, &Options::default()).unwrap();
    // What the bug was: `catchup` beside no schedule, in the workflow's table.
    imported.toml = imported
        .toml
        .replace("max_active_runs = 16", "catchup = true");
    let d = schedsim::model::load_str("<imported model>", &imported.toml).unwrap_err();
    let e = imported.invalid(&d);
    assert_eq!(e.file, file.display().to_string());
    assert_eq!(e.path, "$.dag");
    assert!(e.message.contains("bug in the importer"), "{}", e.message);
    assert!(
        e.message.contains("`catchup` without a schedule"),
        "{}",
        e.message
    );
    assert!(!e.to_string().contains("<imported model>"), "{e}");
}

fn upstream<'a>(v: &'a Value, workflow: &str, task: &str) -> Vec<&'a str> {
    let text = v["model"].as_str().unwrap();
    let m: toml::Value = toml::from_str(text).unwrap();
    let w = m["workflow"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"].as_str() == Some(workflow))
        .unwrap_or_else(|| panic!("{workflow}"));
    let t = w["task"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str() == Some(task))
        .unwrap_or_else(|| panic!("{task}"));
    let ups: Vec<String> = t
        .get("upstream")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().map(|u| u.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    // Leaked: the test reads a handful.
    ups.into_iter()
        .map(|u| &*Box::leak(u.into_boxed_str()))
        .collect()
}

/// `ExternalTaskSensor(external_dag_id="crm_export", external_task_id="publish")` was a
/// plain 1-minute task, the cross-DAG wait gone unsaid. With crm_export among the
/// inputs the sensor's upstream is crm_export.publish (bound at equal logical dates,
/// as the sensor pokes for the same logical date), what that leaves out is said, and
/// the default scenario backfills the two DAGs in one so that the wait binds.
#[test]
fn an_external_task_sensor_waits_for_the_other_dags_task() {
    let (v, _) = import_ok(&[fixture("s_crm_export.json"), fixture("s_etl_orders.json")]);
    assert_eq!(
        upstream(&v, "etl_orders", "wait_crm"),
        ["start", "crm_export.publish"]
    );
    let n = notes(&v);
    assert!(
        n.iter().any(|n| n.starts_with(
            "etl_orders.wait_crm (ExternalTaskSensor, $.dag.tasks[1].__var) waits for task publish of DAG crm_export: its upstream crm_export.publish; mode poke: Airflow holds a slot of its pool while it pokes"
        )),
        "{n:#?}"
    );
    assert!(
        n.iter().any(|n| n.starts_with("ExternalTaskSensor etl_orders.wait_crm: each waits for its upstreams in the other DAG's run of the same logical date")
            && n.contains("the model binds nothing and runs the sensor at once")
            && n.contains("does not run the sensor (upstream_failed)")),
        "{n:#?}"
    );
    // tools/airflow_export.py wrote the arguments Airflow does not serialize.
    assert!(!n.iter().any(|n| n.contains("is assumed unset")), "{n:#?}");
    let model = v["model"].as_str().unwrap();
    assert!(
        model.contains("targets = [\"crm_export\", \"etl_orders\"]"),
        "{model}"
    );
    assert_eq!(
        v["report"]["scenario"],
        "imported-backfill: a backfill of crm_export with etl_orders (joined by a cross-workflow upstream) from 2024-03-01T00:00:00 to 2024-03-03T23:59:59"
    );
    // The wait binds in the default scenario: the sensor starts after publish ends.
    let path = scratch("sensor-run").join("pair.toml");
    std::fs::write(
        &path,
        model.replace(
            "  name = \"publish\"\n",
            "  name = \"publish\"\n  duration = \"1h\"\n",
        ),
    )
    .unwrap();
    let trace_path = path.with_extension("jsonl");
    let o = run(&[
        "run",
        path.to_str().unwrap(),
        "--trace",
        trace_path.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let trace = std::fs::read_to_string(&trace_path).unwrap();
    let start = |task: &str, state: &str| {
        trace
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l["task"] == task && l["to"] == state)
            .filter_map(|l| l["time"].as_str().map(str::to_string))
            .min()
            .unwrap_or_else(|| panic!("{task} {state}\n{trace}"))
    };
    assert!(
        start("etl_orders.wait_crm", "running") >= start("crm_export.publish", "succeeded"),
        "{trace}"
    );
}

/// Each way an ExternalTaskSensor names what it waits for (a list of tasks, the whole
/// run: its leaf tasks, a task group: its tasks, nested groups included) is its
/// upstreams; what the model cannot bind (a shifted logical date, a function of it, a
/// DAG or task not among the inputs) leaves the sensor a plain task, dropped at the
/// JSON path that says it; modes, states and soft_fail are said per sensor.
#[test]
fn external_task_sensor_variants_are_modelled_or_dropped_at_their_path() {
    let (v, _) = import_ok(&[fixture("s_up.json"), fixture("s_down.json")]);
    assert_eq!(upstream(&v, "down", "same"), ["up.a"]);
    assert_eq!(upstream(&v, "down", "ids"), ["up.a", "up.b"]);
    assert_eq!(
        upstream(&v, "down", "whole"),
        ["up.b", "up.g_x", "up.g_inner_y"]
    );
    assert_eq!(upstream(&v, "down", "group"), ["up.g_x", "up.g_inner_y"]);
    for plain in ["delta", "fn", "no_dag", "no_task", "trig_wait", "trig"] {
        assert!(upstream(&v, "down", plain).is_empty(), "{plain}");
    }
    let d = dropped(&v);
    for (what, path) in [
        (
            "down.delta: its wait for task a of DAG up at its logical date less 1h",
            "$.dag.tasks[4].__var.schedsim_sensor_args.execution_delta",
        ),
        (
            "down.fn: its wait for task a of DAG up at the logical dates its function <lambda> returns",
            "$.dag.tasks[5].__var.schedsim_sensor_args.execution_date_fn",
        ),
        (
            "down.no_dag: its wait for task x of DAG nowhere",
            "$.dag.tasks[9].__var.external_dag_id",
        ),
        (
            "down.no_task: its wait for task nope of DAG up",
            "$.dag.tasks[10].__var.external_task_id",
        ),
        (
            "down.trig_wait: the run of DAG up it triggers, and its wait for that run",
            "$.dag.tasks[11].__var.trigger_dag_id",
        ),
        (
            "down.trig: the run of DAG up it triggers",
            "$.dag.tasks[12].__var.trigger_dag_id",
        ),
    ] {
        assert!(d.contains(&(what, path)), "{what}\n{d:#?}");
    }
    let n = notes(&v);
    let of = |who: &str| {
        n.iter()
            .find(|n| n.starts_with(&format!("{who} (ExternalTaskSensor")))
            .unwrap_or_else(|| panic!("{who}: {n:#?}"))
            .to_string()
    };
    assert!(
        of("down.resched").contains("mode reschedule: Airflow frees its pool slot between pokes")
    );
    assert!(of("down.resched").contains("timeout 1h, poke_interval 5m; soft_fail"));
    assert!(of("down.defer").contains("deferrable: Airflow's triggerer waits"));
    assert!(
        of("down.states")
            .contains("failed_states failed: Airflow fails it as soon as one is in them")
    );
    assert!(of("down.states").contains(
        "allowed_states also skipped ($.dag.tasks[6].__var.schedsim_sensor_args.allowed_states)"
    ));
}

/// A serialized DAG from elsewhere (Airflow's serialized_dag table) keeps no
/// execution_delta, execution_date_fn or states: the sensor is modelled on the same
/// logical date, and that assumption is said.
#[test]
fn a_sensor_without_its_unserialized_arguments_says_what_it_assumes() {
    let down = edited("s_etl_orders.json", "sensor-no-args", |v| {
        v["dag"]["tasks"][1]["__var"]
            .as_object_mut()
            .unwrap()
            .remove("schedsim_sensor_args");
    });
    let (v, _) = import_ok(&[fixture("s_crm_export.json"), down]);
    assert_eq!(
        upstream(&v, "etl_orders", "wait_crm"),
        ["start", "crm_export.publish"]
    );
    assert!(
        notes(&v).iter().any(|n| n.starts_with("ExternalTaskSensor etl_orders.wait_crm: a serialized DAG does not keep execution_delta, execution_date_fn, allowed_states")
            && n.contains("is assumed unset")),
        "{:#?}",
        notes(&v)
    );
}

/// The REST /tasks response names the sensor's class, not the DAG it waits for: it is
/// a plain task, said dropped.
#[test]
fn a_rest_sensor_is_said_not_modelled() {
    let (v, _) = import_ok(&[
        fixture("s_crm_export.details.json"),
        fixture("s_crm_export.tasks.json"),
        fixture("s_etl_orders.details.json"),
        fixture("s_etl_orders.tasks.json"),
    ]);
    assert_eq!(upstream(&v, "etl_orders", "wait_crm"), ["start"]);
    assert!(
        dropped(&v).contains(&(
            "etl_orders.wait_crm: its wait for another DAG's tasks",
            "$.tasks[2].operator_name"
        )),
        "{:#?}",
        dropped(&v)
    );
}

/// The trace's transitions of one task, as (engine state, Airflow state).
fn transitions(trace: &str, task: &str) -> Vec<(String, String)> {
    trace
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["task"] == task)
        .map(|l| {
            (
                l["to"].as_str().unwrap().to_string(),
                l["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// An `EmptyOperator` was a 1-minute task holding a slot of its pool, with its
/// retries: Airflow's scheduler sets a trivial one success once its upstreams are done,
/// without queueing it (`DagRun.schedule_tis`, `TaskInstance.is_task_schedulable`). It
/// is `empty = true` now, its pool, slots, retries and timeout left out and said; one
/// with a callback or an asset (which Airflow runs) stays a task.
#[test]
fn a_trivial_empty_operator_succeeds_without_a_slot() {
    let (v, m) = import_ok(&[fixture("empties.json")]);
    let start = task(&m, "empties.start");
    assert!(start.empty);
    assert_eq!(start.retry.times, 0);
    assert!(start.timeout.is_none());
    assert!(m.groups.iter().all(|g| g.name != "wh"), "{:?}", m.groups);
    for busy in ["with_callback", "with_outlet", "with_exec_cb"] {
        assert!(!task(&m, &format!("empties.{busy}")).empty, "{busy}");
    }
    assert!(
        notes(&v).iter().any(|n| n.starts_with("empties.start (EmptyOperator, $.dag.tasks[0].__var) is empty = true: Airflow's scheduler sets it success once its upstreams are done, without queueing or running it")
            && n.contains("its pool wh, pool_slots 2, retries 3, execution_timeout 1h never act, left out")),
        "{:#?}",
        notes(&v)
    );
    // It dry-runs (Airflow: success), never waiting for a slot or running.
    let dir = scratch("empty-run");
    let path = dir.join("empties.toml");
    std::fs::write(&path, v["model"].as_str().unwrap()).unwrap();
    let trace_path = dir.join("trace.jsonl");
    let o = run(&[
        "run",
        path.to_str().unwrap(),
        "--trace",
        trace_path.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let trace = std::fs::read_to_string(&trace_path).unwrap();
    let t = transitions(&trace, "empties.start");
    assert_eq!(t.len(), 3, "{t:?}");
    assert!(
        t.iter()
            .all(|(to, state)| to == "dry_run" && state == "success"),
        "{t:?}"
    );
    // The REST response names the class alone: taken as trivial, said.
    let (v, m) = import_ok(&[
        fixture("empties.details.json"),
        fixture("empties.tasks.json"),
    ]);
    assert!(task(&m, "empties.start").empty);
    assert!(
        notes(&v)
            .iter()
            .any(|n| n.contains("the REST response does not say whether it has callbacks")),
        "{:#?}",
        notes(&v)
    );
}

/// `empty = true` in a model: the keys of an execution beside it never act (a
/// validate warning); a fault or a stretch naming it is refused.
#[test]
fn an_empty_tasks_execution_settings_are_warned_and_faults_refused() {
    let dir = scratch("empty-model");
    let base = "[model]\nname = \"m\"\nprofile = \"airflow\"\n\n[[workflow]]\nname = \"w\"\ncron = \"0 2 * * *\"\n\n  [[workflow.task]]\n  name = \"e\"\n  empty = true\n  retry = { times = 2, interval = \"5m\" }\n\n  [[workflow.task]]\n  name = \"b\"\n  upstream = [\"e\"]\n";
    let path = dir.join("m.toml");
    std::fs::write(&path, base).unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("`retry` of an empty task never acts"), "{err}");
    let fault = format!(
        "{base}\n[[scenario]]\nname = \"s\"\nstart = \"2024-03-10T00:00:00\"\n\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2024-03-01T00:00:00\"\n  to = \"2024-03-01T23:59:59\"\n\n  [[scenario.fault]]\n  task = \"w.e\"\n  scheduled = \"2024-03-01T02:00:00\"\n  attempts = [1]\n"
    );
    std::fs::write(&path, fault).unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is an empty task (`empty = true`)"), "{err}");
    // Elsewhere than airflow, refused.
    std::fs::write(
        &path,
        base.replace("\"airflow\"", "\"dolphinscheduler\"")
            .replace("0 2 * * *", "0 0 2 * * ?"),
    )
    .unwrap();
    let o = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("`empty` applies only to profile `airflow`")
    );
}
