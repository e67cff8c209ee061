//! Regression tests of a review of `schedsim import`: each test is named after the
//! defect it pins, its export in tests/import/regressions/ (or built in the test).
//! A module of tests/import.rs, whose helpers it uses.

use serde_json::Value;

use super::bin::{stderr, stdout};
use super::{check_json, fixture, hazards, run, scratch};

/// The unclassified statements of a JSON report: (task, statement, reason).
fn unclassified(v: &Value) -> Vec<(String, String, String)> {
    v["report"]["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap().to_string();
            (s("task"), s("statement"), s("reason"))
        })
        .collect()
}

/// Item 1: dropping the partition of 30 days ago made the INSERT INTO yesterday's
/// partition an overwrite, and `--check` found no hazard.
#[test]
fn drop_of_another_partition_keeps_the_insert_under_retries_hazard() {
    let (code, v) = check_json("dolphinscheduler", &fixture("regressions/retention.json"));
    assert_eq!(code, 1, "{v:#}");
    let inferred = &v["report"]["inferred"][0];
    assert_eq!(inferred["mode"], "insert", "{inferred:#}");
    assert_eq!(inferred["partition"], "dt=$[yyyyMMdd-1]");
    let h = hazards(&v, "insert-under-retries");
    assert_eq!(h.len(), 1, "{v:#}");
    assert_eq!(h[0]["task"], "events.load_events");
    let u = unclassified(&v);
    assert_eq!(u.len(), 1, "{u:?}");
    assert!(u[0].1.starts_with("ALTER TABLE dw.events DROP"), "{u:?}");
}

/// Items 2 to 4, one Airflow DAG: `DELETE ... WHERE` + `INSERT INTO` was read as a
/// whole-table overwrite (a false hazard); a whole-table INSERT INTO got the
/// whole-table-overwrite hazard ("each date's rows replace the previous date's");
/// a DELETE alone appeared nowhere.
#[test]
fn delete_where_and_table_level_insert_give_no_whole_table_overwrite() {
    let (code, v) = check_json("airflow", &fixture("regressions/delete_where.json"));
    assert!(hazards(&v, "whole-table-overwrite").is_empty(), "{v:#}");
    let inferred: Vec<(&str, &str)> = v["report"]["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["task"].as_str().unwrap(), w["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(inferred, vec![("del.ins_del", "insert")]);
    let u: Vec<(String, String)> = unclassified(&v)
        .into_iter()
        .map(|(t, s, _)| (t, s))
        .collect();
    let want = [
        ("del.del_ins", "DELETE FROM dw.fact WHERE ds = '{{ ds }}'"),
        (
            "del.del_ins",
            "INSERT INTO dw.fact SELECT * FROM stg WHERE ds = '{{ ds }}'",
        ),
        (
            "del.ins_del",
            "DELETE FROM dw.log WHERE ts < now() - interval '30 days'",
        ),
        ("del.upd", "DELETE FROM dw.dim"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(t, s)| (t.to_string(), s.to_string()))
        .collect();
    assert_eq!(u, want);
    // No hazard and every property holding: exit 0.
    assert_eq!(code, 0, "{v:#}");
}

/// Imports `export` (written to a scratch file named `name`) as `format` with
/// `--format json -o`; returns (exit code, the JSON, the model written or "").
fn import_value(format: &str, name: &str, export: &Value) -> (i32, Value, String) {
    let dir = scratch(name);
    let input = dir.join("export.json");
    std::fs::write(&input, serde_json::to_string(export).unwrap()).unwrap();
    let model = dir.join("model.toml");
    let o = run(&[
        "import",
        format,
        &input.display().to_string(),
        "-o",
        &model.display().to_string(),
        "--format",
        "json",
    ]);
    let v = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    let text = std::fs::read_to_string(&model).unwrap_or_default();
    (o.status.code().unwrap(), v, text)
}

fn read_fixture(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(rel)).unwrap()).unwrap()
}

/// The report's notes that contain `part`.
fn notes_with<'a>(v: &'a Value, part: &str) -> Vec<&'a str> {
    v["report"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|n| n.contains(part))
        .collect()
}

/// Item 7: `failRetryInterval: 0` (DolphinScheduler) and `retry_delay: 0` or 0.4
/// (Airflow, rounded to 0) gave a model that failed validation, the error inside
/// `<imported model>`. Both retry at once: the model's shortest interval, said.
#[test]
fn zero_retry_interval_is_the_models_shortest_and_said() {
    let (code, v, model) = import_value(
        "dolphinscheduler",
        "retry-0-ds",
        &read_fixture("regressions/retry_interval_0.json"),
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        model.contains("retry = { times = 2, interval = \"1m\" }"),
        "{model}"
    );
    let said = notes_with(&v, "failRetryInterval 0");
    assert_eq!(said.len(), 1, "{v:#}");
    assert!(said[0].contains("$[0].taskDefinitionList[0].failRetryInterval"));
    assert!(said[0].contains("retries as soon as"), "{}", said[0]);
    let af = read_fixture("regressions/retry_delay_0.json");
    for (delay, note) in [(0.0, "retry_delay 0 "), (0.4, "retry_delay 0.4 s")] {
        let mut dag = af.clone();
        dag["dag"]["tasks"][0]["__var"]["retry_delay"] = delay.into();
        let (code, v, model) = import_value("airflow", &format!("retry-0-af-{delay}"), &dag);
        assert_eq!(code, 0, "{v:#}");
        assert!(model.contains("interval = \"1s\""), "{model}");
        assert_eq!(notes_with(&v, note).len(), 1, "{v:#}");
    }
}

/// Smaller item: `execution_timeout: 0.4` rounded to 0 became no timeout, silently.
#[test]
fn fractional_execution_timeout_is_kept_and_said() {
    let mut dag = read_fixture("regressions/retry_delay_0.json");
    dag["dag"]["tasks"][0]["__var"]["execution_timeout"] = 0.4.into();
    dag["dag"]["tasks"][0]["__var"]["retry_delay"] = 90.5.into();
    let (code, v, model) = import_value("airflow", "timeout-frac", &dag);
    assert_eq!(code, 0, "{v:#}");
    assert!(model.contains("timeout = \"1s\""), "{model}");
    assert_eq!(notes_with(&v, "execution_timeout 0.4 s").len(), 1, "{v:#}");
    // A fraction is rounded (half away from zero) and said.
    assert!(model.contains("interval = \"1m31s\""), "{model}");
    assert_eq!(notes_with(&v, "retry_delay 90.5 s").len(), 1, "{v:#}");
}

/// Item 7's other case: a DAG whose end_date is before its start_date failed as
/// `<imported model>:17:12: inverted dates`; it is refused at `$.dag.end_date`.
#[test]
fn dag_ending_before_it_starts_is_refused_at_its_end_date() {
    let mut dag = read_fixture("regressions/retry_delay_0.json");
    dag["dag"]["end_date"] = 1_700_000_000.0.into();
    let (code, v, model) = import_value("airflow", "end-before-start", &dag);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["error"]["path"], "$.dag.end_date", "{v:#}");
    assert!(
        v["error"]["file"]
            .as_str()
            .unwrap()
            .ends_with("export.json")
    );
    assert!(!v.to_string().contains("<imported model>"), "{v:#}");
    assert!(model.is_empty(), "no model written");
}

/// Item 10: `max_active_runs: 0` and `max_active_tasks: -5` were raised to 1 without
/// a word. No task of a DAG whose max_active_tasks is below 1 ever runs: refused at
/// the key. Below-1 max_active_runs stops its scheduled runs only: 1, said.
#[test]
fn max_active_below_one_is_refused_or_said_not_raised_silently() {
    let mut dag = read_fixture("regressions/retry_delay_0.json");
    dag["dag"]["max_active_runs"] = 0.into();
    dag["dag"]["max_active_tasks"] = (-5).into();
    let (code, v, _) = import_value("airflow", "max-active-tasks", &dag);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["error"]["path"], "$.dag.max_active_tasks", "{v:#}");
    dag["dag"]["max_active_tasks"] = 4.into();
    let (code, v, model) = import_value("airflow", "max-active-runs", &dag);
    assert_eq!(code, 0, "{v:#}");
    assert!(model.contains("max_active_runs = 1"), "{model}");
    let said = notes_with(&v, "max_active_runs 0 ($.dag.max_active_runs) is 1");
    assert_eq!(said.len(), 1, "{v:#}");
    assert!(
        said[0].contains("no scheduled or manual run"),
        "{}",
        said[0]
    );
}

/// Item 6: startTime 12:00 and endTime 00:00 became whole dates, so the recurring
/// schedule fired on 2024-04-01 at 02:00 (before the start) and on 2024-04-10 at
/// 02:00 (after the end). Quartz fires neither: neither date is in the model, and
/// the report says why. Item 5 on the same export: the workflow without a schedule
/// (a sub-process target) is said to have none, and what the model does with it.
#[test]
fn schedule_times_of_day_bound_the_recurring_runs_and_no_schedule_is_said() {
    let (code, v, model) = import_value(
        "dolphinscheduler",
        "times-of-day",
        &read_fixture("regressions/sub_process.json"),
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        model.contains("effective = { from = \"2024-04-02\", to = \"2024-04-09\" }"),
        "{model}"
    );
    assert_eq!(
        notes_with(&v, "startTime 2024-04-01T12:00:00 is after").len(),
        1
    );
    assert_eq!(
        notes_with(&v, "endTime 2024-04-10T00:00:00 is before").len(),
        1
    );
    let unscheduled = notes_with(&v, "workflow child_flow: no schedule in the export");
    assert_eq!(unscheduled.len(), 1, "{v:#}");
    assert!(
        unscheduled[0].contains("daily at 00:00"),
        "{}",
        unscheduled[0]
    );
    // The recurring schedule over the bounds fires only inside them (MON-FRI 02:00).
    let cut = model.find("[[scenario]]").unwrap();
    let path = scratch("times-of-day").join("recurring.toml");
    std::fs::write(
        &path,
        format!(
            "{}[[scenario]]\nname = \"rec\"\nrecurring = true\nstart = \"2024-03-30T00:00:00\"\nuntil = \"2024-04-12T00:00:00\"\n",
            &model[..cut]
        ),
    )
    .unwrap();
    let o = run(&["run", &path.display().to_string(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut days: Vec<&str> = r["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["task"].as_str().unwrap().starts_with("parent_flow."))
        .map(|i| &i["scheduled"].as_str().unwrap()[..10])
        .collect();
    days.dedup();
    assert_eq!(
        days,
        [
            "2024-04-02",
            "2024-04-03",
            "2024-04-04",
            "2024-04-05",
            "2024-04-08",
            "2024-04-09"
        ]
    );
}

/// Smaller item: a schedule with an endTime and no startTime lost its end bound
/// silently. The end is kept, the open start said.
#[test]
fn schedule_with_only_an_end_time_keeps_its_end() {
    let (code, v, model) = import_value(
        "dolphinscheduler",
        "end-only",
        &read_fixture("regressions/end_only.json"),
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        model.contains("effective = { from = \"1970-01-01\", to = \"2024-04-04\" }"),
        "{model}"
    );
    assert_eq!(notes_with(&v, "names no startTime").len(), 1, "{v:#}");
}

/// Item 9: an OFFLINE workflow (processDefinition.releaseState) was imported and
/// backfilled with only a TOML comment; DolphinScheduler neither starts nor
/// complements it. The report says so, at its JSON path.
#[test]
fn offline_workflow_is_said_not_only_commented() {
    let (code, v, _) = import_value(
        "dolphinscheduler",
        "offline",
        &read_fixture("regressions/offline.json"),
    );
    assert_eq!(code, 0, "{v:#}");
    let said = notes_with(
        &v,
        "OFFLINE in the export ($[0].processDefinition.releaseState)",
    );
    assert_eq!(said.len(), 1, "{v:#}");
    assert!(
        said[0].contains("neither starts nor complements"),
        "{}",
        said[0]
    );
}

/// Item 8: five Airflow rows, each succeeded at try 3 with max_tries 3 (the task's
/// retries): each instance failed twice first. `--history` ignored try_number and
/// said failure probability 0 (0 of 5); the earlier tries are failures: 10 of 15.
#[test]
fn history_counts_the_failed_tries_before_a_retried_row() {
    let dir = scratch("history-tries");
    let model = dir.join("model.toml");
    let run_with = |history: &std::path::Path| {
        let o = run(&[
            "import",
            "airflow",
            &fixture("airflow/serialized/sales_daily.json")
                .display()
                .to_string(),
            "--history",
            &history.display().to_string(),
            "-o",
            &model.display().to_string(),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        (v, std::fs::read_to_string(&model).unwrap())
    };
    let (v, text) = run_with(&fixture("regressions/retried_tries.json"));
    let said = notes_with(&v, "sales_daily.load: from 5 samples");
    assert_eq!(said.len(), 1, "{v:#}");
    assert!(
        said[0].contains(
            "observed failure probability 0.667 (10 of 15 attempts, 10 of them failed tries before"
        ),
        "{}",
        said[0]
    );
    assert!(text.contains("probability = 0.667"), "{text}");
    // A cleared instance (max_tries raised to try_number + retries): its earlier
    // tries were not all failures, so they are not counted, and that is said.
    let mut rows = read_fixture("regressions/retried_tries.json");
    rows["task_instances"][0]["max_tries"] = 5.into();
    let cleared = dir.join("cleared.json");
    std::fs::write(&cleared, rows.to_string()).unwrap();
    let (v, _) = run_with(&cleared);
    let said = notes_with(&v, "sales_daily.load: from 5 samples");
    assert!(
        said[0].contains("(8 of 13 attempts, 8 of them failed tries before"),
        "{}",
        said[0]
    );
    assert!(
        said[0].contains("1 row after earlier tries not counted"),
        "{}",
        said[0]
    );
}

/// Smaller items: `"taskPriority": 7` said "expected a priority, found a number", and
/// `"preTaskCode": null` said the key is missing. Each now says what is expected and
/// what is there, at its JSON path.
#[test]
fn priority_out_of_range_and_null_code_say_what_is_wrong() {
    let mut export = read_fixture("regressions/retry_interval_0.json");
    export[0]["taskDefinitionList"][0]["taskPriority"] = 7.into();
    let (code, v, _) = import_value("dolphinscheduler", "priority-7", &export);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(
        v["error"]["path"],
        "$[0].taskDefinitionList[0].taskPriority"
    );
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message
            .contains("HIGHEST, HIGH, MEDIUM, LOW, LOWEST or 0 (HIGHEST) to 4 (LOWEST), found 7"),
        "{message}"
    );
    let mut export = read_fixture("regressions/retry_interval_0.json");
    export[0]["processTaskRelationList"][0]["preTaskCode"] = Value::Null;
    let (code, v, _) = import_value("dolphinscheduler", "pre-task-code-null", &export);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(
        v["error"]["path"],
        "$[0].processTaskRelationList[0].preTaskCode"
    );
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("`preTaskCode` is null"), "{message}");
}

/// Smaller item: `--check` printed "no hazards found", then a property not holding,
/// and exited 0 (`schedsim check` exits 1 on the same model). It exits 1 now.
#[test]
fn check_exits_1_when_a_property_does_not_hold() {
    let (code, v) = check_json("flowspec", &fixture("regressions/self_dependency.yaml"));
    assert!(
        v["check"]["hazards"].as_array().unwrap().is_empty(),
        "{v:#}"
    );
    let failed = v["check"]["failed_properties"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{v:#}");
    assert!(
        failed[0]
            .as_str()
            .unwrap()
            .starts_with("self-dependency-order")
    );
    assert_eq!(code, 1, "{v:#}");
    let o = run(&[
        "import",
        "flowspec",
        &fixture("regressions/self_dependency.yaml")
            .display()
            .to_string(),
        "--check",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("no hazards found, but a property does not hold (below)"),
        "{}",
        stdout(&o)
    );
}

/// A FlowSpec node `name` (id `id`, its output `proj.{id}_out`), daily at 02:30,
/// running `command` with `content`.
fn fs_node(id: &str, name: &str, command: &str, content: &str) -> Value {
    serde_json::json!({
        "id": id,
        "name": name,
        "recurrence": "Normal",
        "script": {
            "language": if command.contains("SQL") { "odps-sql" } else { "" },
            "runtime": { "command": command },
            "content": content,
        },
        "trigger": { "type": "Scheduler", "cron": "00 30 02 * * ?",
                     "startTime": "2024-04-01 00:00:00", "timezone": "Asia/Shanghai" },
        "outputs": { "nodeOutputs": [
            { "data": format!("proj.{id}_out"), "artifactType": "NodeOutput", "isDefault": true }
        ] },
    })
}

/// A FlowSpec `CycleWorkflow` of one workflow `wf`.
fn fs_spec(nodes: Vec<Value>, dependencies: Value) -> Value {
    serde_json::json!({
        "version": "1.2.0",
        "kind": "CycleWorkflow",
        "spec": { "workflows": [ { "name": "wf", "nodes": nodes, "dependencies": dependencies } ] },
    })
}

/// Each task of an imported model: (workflow.task, upstream, self_dependency).
fn model_tasks(model: &str) -> Vec<(String, Vec<String>, bool)> {
    let doc: toml::Table = toml::from_str(model).unwrap_or_else(|e| panic!("{e}\n{model}"));
    let mut out = Vec::new();
    for w in doc["workflow"].as_array().unwrap() {
        for t in w["task"].as_array().unwrap() {
            let upstream = t
                .get("upstream")
                .and_then(|u| u.as_array())
                .map(|u| u.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            let own = t.get("self_dependency").and_then(|s| s.as_bool());
            out.push((
                format!(
                    "{}.{}",
                    w["name"].as_str().unwrap(),
                    t["name"].as_str().unwrap()
                ),
                upstream,
                own.unwrap_or(false),
            ));
        }
    }
    out
}

/// The report's dropped entries: (path, what).
fn dropped(v: &Value) -> Vec<(String, String)> {
    v["report"]["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["what"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// DataWorks item 1: a node's `inputs.nodeOutputs` (its same-cycle parents, read
/// first by dataworks-spec's `DataWorksNodeInputOutputAdapter.getInputList`) were
/// ignored, so an upstream given only there disappeared without a word.
#[test]
fn flowspec_input_node_outputs_are_upstreams() {
    let sql =
        |t: &str| format!("INSERT OVERWRITE TABLE {t} PARTITION (ds='${{bizdate}}') SELECT 1;");
    let mut dwd = fs_node("2", "dwd", "ODPS_SQL", &sql("dwd"));
    dwd["inputs"] = serde_json::json!({ "nodeOutputs": [
        { "data": "proj.1_out", "artifactType": "NodeOutput", "isDefault": false },
        { "data": "other_project.99_out", "artifactType": "NodeOutput" },
    ] });
    // Named both as an input and as a dependency: one upstream, one dropped line.
    let mut ads = fs_node("3", "ads", "ODPS_SQL", &sql("ads"));
    ads["inputs"] = serde_json::json!([
        { "data": "proj.2_out", "artifactType": "NodeOutput" },
        { "data": "proj_root", "artifactType": "NodeOutput" },
    ]);
    let export = fs_spec(
        vec![fs_node("1", "ods", "ODPS_SQL", &sql("ods")), dwd, ads],
        serde_json::json!([{ "nodeId": "3", "depends": [
            { "type": "Normal", "output": "proj.2_out" },
            { "type": "Normal", "output": "proj_root" },
        ] }]),
    );
    let (code, v, model) = import_value("flowspec", "fs-inputs", &export);
    assert_eq!(code, 0, "{v:#}");
    let tasks = model_tasks(&model);
    assert_eq!(
        tasks[1],
        ("wf.dwd".into(), vec!["ods".into()], false),
        "{model}"
    );
    assert_eq!(
        tasks[2],
        ("wf.ads".into(), vec!["dwd".into()], false),
        "{model}"
    );
    assert_eq!(
        dropped(&v),
        vec![
            (
                "$.spec.workflows[0].dependencies[0].depends[1]".into(),
                "wf.ads: dependency on proj_root".into()
            ),
            (
                "$.spec.workflows[0].nodes[1].inputs.nodeOutputs[1]".into(),
                "wf.dwd: input other_project.99_out".into()
            ),
        ],
        "{v:#}"
    );
    // The real export names its root both ways: said once, as before.
    let (code, v, _) = import_value(
        "flowspec",
        "fs-inputs-real",
        &read_fixture("flowspec/real-case-single-sql-spec.json"),
    );
    assert_eq!(code, 0, "{v:#}");
    let root: Vec<_> = dropped(&v)
        .into_iter()
        .filter(|(_, what)| what.contains("dw_scheduler_pre_root"))
        .collect();
    assert_eq!(
        root,
        vec![(
            "$.spec.workflows[0].dependencies[0].depends[0]".into(),
            "export.SQL导入海豚测试: dependency on dw_scheduler_pre_root".into()
        )]
    );
}

/// DataWorks item 2: `{"type": "CrossCycleDependsOnSelf"}` with no nodeId or output
/// (dataworks-spec's own tests build one; `getDependentType` reads only the type)
/// failed the whole import, at a `.nodeId` key that does not exist. It is the node's
/// self-dependency; a bare CrossCycleDependsOnChildren is dropped as one with a
/// target is; a Normal one with no target is refused at the entry itself.
#[test]
fn flowspec_bare_cross_cycle_dependency_needs_no_target() {
    let sql =
        |t: &str| format!("INSERT OVERWRITE TABLE {t} PARTITION (ds='${{bizdate}}') SELECT 1;");
    let nodes = || {
        vec![
            fs_node("1", "ods", "ODPS_SQL", &sql("ods")),
            fs_node("2", "dwd", "ODPS_SQL", &sql("dwd")),
        ]
    };
    let export = fs_spec(
        nodes(),
        serde_json::json!([
            { "nodeId": "2", "depends": [
                { "type": "Normal", "output": "proj.1_out" },
                { "type": "CrossCycleDependsOnSelf" },
            ] },
            { "nodeId": "1", "depends": [ { "type": "CrossCycleDependsOnChildren" } ] },
        ]),
    );
    let (code, v, model) = import_value("flowspec", "fs-bare-self", &export);
    assert_eq!(code, 0, "{v:#}");
    let tasks = model_tasks(&model);
    assert_eq!(tasks[0], ("wf.ods".into(), vec![], false), "{model}");
    assert_eq!(
        tasks[1],
        ("wf.dwd".into(), vec!["ods".into()], true),
        "{model}"
    );
    assert_eq!(
        dropped(&v),
        vec![(
            "$.spec.workflows[0].dependencies[1].depends[0]".into(),
            "wf.ods: CrossCycleDependsOnChildren".into()
        )],
        "{v:#}"
    );
    let why = v["report"]["dropped"][0]["why"].as_str().unwrap();
    assert!(why.contains("another node's previous cycle"), "{why}");
    // A Normal dependency still needs a target: refused where the entry is.
    let export = fs_spec(
        nodes(),
        serde_json::json!([{ "nodeId": "2", "depends": [ { "type": "Normal" } ] }]),
    );
    let (code, v, _) = import_value("flowspec", "fs-bare-normal", &export);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(
        v["error"]["path"], "$.spec.workflows[0].dependencies[0].depends[0]",
        "{v:#}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a Normal dependency names neither a nodeId nor an output"),
        "{v:#}"
    );
}

/// DataWorks item 3: VIRTUAL and control nodes became one-minute tasks in their
/// resource group, said only as "no writes inferred". A VIRTUAL node is a dry-run
/// (success at once, no code, no resources): the model's nearest, a one-second run
/// without writes, said; each CONTROLLER_* node (dataworks-spec's `CodeProgramType`
/// 1100 to 1109) stays a plain task with an `assumed:` line of what is not modelled.
#[test]
fn flowspec_virtual_is_a_dry_run_and_control_nodes_are_said() {
    let sql = "INSERT OVERWRITE TABLE ods PARTITION (ds='${bizdate}') SELECT 1;";
    let mut nodes = vec![
        fs_node("1", "ods", "ODPS_SQL", sql),
        fs_node("2", "gate", "VIRTUAL", ""),
        fs_node("3", "branch", "CONTROLLER_BRANCH", "{\"branchList\":[]}"),
        fs_node("4", "each", "CONTROLLER_TRAVERSE", "{}"),
        fs_node("5", "loop", "CONTROLLER_CYCLE", "{}"),
        fs_node("6", "merge", "CONTROLLER_JOIN", "{}"),
        fs_node("7", "assign", "CONTROLLER_ASSIGNMENT", "echo a=1"),
    ];
    nodes[1]["rerunTimes"] = 3.into();
    let deps: Vec<Value> = (2..=7)
        .map(|i| {
            serde_json::json!({ "nodeId": i.to_string(),
                "depends": [ { "type": "Normal", "output": format!("proj.{}_out", i - 1) } ] })
        })
        .collect();
    let (code, v, model) = import_value("flowspec", "fs-control", &fs_spec(nodes, deps.into()));
    assert_eq!(code, 0, "{v:#}");
    let doc: toml::Table = toml::from_str(&model).unwrap();
    let tasks = doc["workflow"][0]["task"].as_array().unwrap();
    let gate = &tasks[1];
    assert_eq!(gate["name"].as_str(), Some("gate"));
    // A dry-run: `empty = true`, no execution settings (it ran one second holding a
    // slot before `empty` took DataWorks' dry-run nodes).
    assert_eq!(gate["empty"].as_bool(), Some(true), "{model}");
    for key in ["duration", "writes", "retry", "resource_group"] {
        assert!(gate.get(key).is_none(), "{key}: {model}");
    }
    let virt = notes_with(&v, "wf.gate: a VIRTUAL node is a dry-run");
    assert_eq!(virt.len(), 1, "{v:#}");
    assert!(virt[0].contains("`empty = true`"), "{}", virt[0]);
    // Control nodes: plain tasks (the default duration), each said.
    for (name, kind, why) in [
        (
            "branch",
            "CONTROLLER_BRANCH",
            "schedsim runs every branch after it",
        ),
        (
            "each",
            "CONTROLLER_TRAVERSE",
            "one run stands for every element",
        ),
        (
            "loop",
            "CONTROLLER_CYCLE",
            "one run stands for every iteration",
        ),
        (
            "merge",
            "CONTROLLER_JOIN",
            "it runs once every upstream succeeds",
        ),
        (
            "assign",
            "CONTROLLER_ASSIGNMENT",
            "not passed to the nodes after it",
        ),
    ] {
        let t = tasks
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .unwrap();
        assert!(t.get("duration").is_none(), "{model}");
        let said = notes_with(
            &v,
            &format!("wf.{name}: a {kind} node is modelled as one plain task ("),
        );
        assert_eq!(said.len(), 1, "{v:#}");
        assert!(said[0].contains(why), "{}", said[0]);
    }
    // Only the assignment node runs a script of its own (here Shell, no SQL).
    assert_eq!(
        v["report"]["no_sql"],
        serde_json::json!(["wf.assign (CONTROLLER_ASSIGNMENT)"]),
        "{v:#}"
    );
}
