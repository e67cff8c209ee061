//! `schedsim import`: exports of each format in tests/import/ become models that
//! validate (pinned in snapshots), backfill the instances the source says, and show
//! their hazards under `--check`; malformed exports exit 2 with the JSON path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "support/bin.rs"]
mod bin;
use bin::{stderr, stdout};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import")
        .join(rel)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// A scratch directory of this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-import-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Imports, checks that the binary's own loader accepts the model, returns its text.
fn import_model(format: &str, inputs: &[&str], name: &str) -> String {
    let out = scratch(name).join("model.toml");
    let mut args = vec!["import", format];
    let paths: Vec<String> = inputs
        .iter()
        .map(|i| fixture(i).display().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let out_s = out.display().to_string();
    args.extend(["-o", &out_s]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v = run(&["validate", &out_s]);
    assert_eq!(v.status.code(), Some(0), "{}", stderr(&v));
    let text = std::fs::read_to_string(&out).unwrap();
    // The header names the source by the path given: keep the snapshot free of it.
    text.replace(&fixture("").display().to_string(), "tests/import/")
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/import", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn dolphinscheduler_warehouse_imports_and_validates() {
    let text = import_model(
        "dolphinscheduler",
        &["dolphinscheduler/warehouse.json"],
        "ds-warehouse",
    );
    snapshot("dolphinscheduler_warehouse", &text);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let names: Vec<&str> = m.tasks.iter().map(|t| t.name.as_str()).collect();
    // The forbidden task is gone; its downstream waits for its upstream instead.
    assert!(!names.iter().any(|n| n.contains("禁用的检查")), "{names:?}");
    let snap = m
        .tasks
        .iter()
        .find(|t| t.name == "ods_订单.today_snapshot")
        .unwrap();
    let ups: Vec<&str> = snap
        .upstream
        .iter()
        .map(|u| m.task(*u).name.as_str())
        .collect();
    assert_eq!(ups, vec!["ods_订单.同步订单"]);
    // The DEPENDENT task is one: its items (depTaskCode 0 = the workflow's state in
    // 3.2, the profile version assumed, and one task with last1Days), no upstream.
    let wait = m
        .tasks
        .iter()
        .find(|t| t.name == "dws_report.wait_ods")
        .unwrap();
    assert!(wait.upstream.is_empty());
    use schedsim::calendar::dependent::DateValue;
    let items: Vec<(schedsim::model::DependOn, DateValue)> = wait
        .depends
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|d| (d.what, d.date_value))
        .collect();
    let sync_id = schedsim::model::TaskId(
        m.tasks
            .iter()
            .position(|t| t.name == "ods_订单.同步订单")
            .unwrap() as u32,
    );
    assert_eq!(
        items,
        vec![
            (schedsim::model::DependOn::Workflow, DateValue::Today),
            (
                schedsim::model::DependOn::Task(sync_id),
                DateValue::Last1Days
            )
        ]
    );
    // failRetryInterval is in minutes; timeout (FAILED strategy) too.
    let sync = m
        .tasks
        .iter()
        .find(|t| t.name == "ods_订单.同步订单")
        .unwrap();
    assert_eq!(
        (sync.retry.times, sync.retry.interval, sync.timeout),
        (2, 300, Some(1800))
    );
    assert_eq!(sync.priority, 1, "taskPriority HIGH");
    assert_eq!(
        m.workflows[1].failure_strategy,
        schedsim::rules::FailureStrategy::End
    );
}

#[test]
fn dolphinscheduler_33_naming_imports_as_33() {
    let text = import_model(
        "dolphinscheduler",
        &["dolphinscheduler/hourly_3.3.json"],
        "ds-33",
    );
    snapshot("dolphinscheduler_hourly_3_3", &text);
    assert!(text.contains("profile_version = \"3.3\""));
}

/// Round trip: the imported model's backfill has one instance per hour of the cron
/// inside the schedule's effective period (startTime 2024-05-01), none before it.
#[test]
fn dolphinscheduler_backfill_instances_follow_cron_and_effective_period() {
    import_model(
        "dolphinscheduler",
        &["dolphinscheduler/hourly_3.3.json"],
        "ds-rt",
    );
    let model = scratch("ds-rt").join("model.toml");
    let o = run(&[
        "instances",
        &model.display().to_string(),
        "--from",
        "2024-04-30T20:00:00",
        "--to",
        "2024-05-01T03:30:00",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..=3)
        .map(|h| format!("2024-05-01T{h:02}:00:00+08:00"))
        .collect();
    assert_eq!(got, want);
}

fn check_json(format: &str, input: &Path) -> (i32, Value) {
    let o = run(&[
        "import",
        format,
        &input.display().to_string(),
        "--check",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap(), v)
}

fn hazards<'a>(v: &'a Value, kind: &str) -> Vec<&'a Value> {
    v["check"]["hazards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == kind)
        .collect()
}

#[test]
fn check_reports_a_hard_coded_partition_written_by_every_date() {
    let (code, v) = check_json(
        "dolphinscheduler",
        &fixture("dolphinscheduler/warehouse.json"),
    );
    assert_eq!(code, 1, "hazards found: exit 1");
    let same = hazards(&v, "same-partition-every-date");
    assert_eq!(same.len(), 1, "{same:?}");
    assert_eq!(same[0]["task"], "ods_订单.spark_fix");
    assert_eq!(same[0]["partition"], "dt=2024-04-01");
    assert!(
        same[0]["statement"]
            .as_str()
            .unwrap()
            .contains("PARTITION (dt = '2024-04-01')")
    );
    assert!(
        same[0]["evidence"][0]
            .as_str()
            .unwrap()
            .contains("3 instances")
    );
    // The other hazards of the fixture, each from its own statement.
    let clock = hazards(&v, "clock-partition");
    assert_eq!(clock[0]["task"], "ods_订单.today_snapshot");
    assert!(
        clock[0]["evidence"][0]
            .as_str()
            .unwrap()
            .contains("dt=20240501"),
        "{clock:?}"
    );
    let retries = hazards(&v, "insert-under-retries");
    assert_eq!(retries[0]["task"], "ods_订单.append_log");
    let whole: Vec<&str> = hazards(&v, "whole-table-overwrite")
        .iter()
        .map(|h| h["table"].as_str().unwrap())
        .collect();
    assert_eq!(whole, vec!["dws.report", "dws.report_tmp", "dim.shop"]);
    // MERGE into the whole table keeps every date's rows: no hazard.
    assert!(!whole.contains(&"dws.users"));
}

/// `--check` of an export whose schedules never fire in the default scenario's three
/// dates ran nothing and said nothing of it: the run's note is in the check now.
#[test]
fn check_says_when_its_scenario_ran_nothing() {
    let export = std::fs::read_to_string(fixture("dolphinscheduler/warehouse.json"))
        .unwrap()
        .replace("\"0 0 2 * * ? *\"", "\"0 0 2 30 2 ? *\"")
        .replace("\"0 30 3 * * ?\"", "\"0 30 3 30 2 ?\"");
    assert_eq!(
        export.matches(" 30 2 ?").count(),
        2,
        "the fixture's crons changed"
    );
    let input = scratch("feb30").join("warehouse.json");
    std::fs::write(&input, export).unwrap();
    let empty = "the scenario created no instance";
    let (_, v) = check_json("dolphinscheduler", &input);
    let notes = v["check"]["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().starts_with(empty)),
        "{notes:?}"
    );
    let o = run(&[
        "import",
        "dolphinscheduler",
        &input.display().to_string(),
        "--check",
    ]);
    assert!(
        stdout(&o).contains(&format!("\nnote: {empty}")),
        "{}",
        stdout(&o)
    );
    // The fixture as it is runs its dates: no such note.
    let (_, v) = check_json(
        "dolphinscheduler",
        &fixture("dolphinscheduler/warehouse.json"),
    );
    assert_eq!(v["check"]["notes"], serde_json::json!([]));
}

#[test]
fn report_lists_inferred_dropped_and_unclassified() {
    let o = run(&[
        "import",
        "dolphinscheduler",
        &fixture("dolphinscheduler/warehouse.json")
            .display()
            .to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &v["report"];
    let inferred: Vec<String> = r["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {} {} {}",
                w["task"].as_str().unwrap(),
                w["mode"].as_str().unwrap(),
                w["table"].as_str().unwrap(),
                w["partition"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert!(
        inferred.contains(&"ods_订单.同步订单 overwrite ods.orders dt=$[yyyyMMdd-1]".to_string()),
        "{inferred:?}"
    );
    assert!(
        inferred.contains(
            &"ods_订单.append_log insert dwd.order_log dt=${system.biz.date}".to_string()
        ),
        "{inferred:?}"
    );
    assert!(
        inferred.contains(&"dws_report.merge_users merge dws.users -".to_string()),
        "{inferred:?}"
    );
    let dropped: Vec<&str> = r["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        dropped.contains(&"$[0].taskDefinitionList[3].flag"),
        "{dropped:?}"
    );
    assert!(
        dropped.contains(&"$[0].taskDefinitionList[2].delayTime"),
        "{dropped:?}"
    );
    let unclassified = r["unclassified"].as_array().unwrap();
    assert_eq!(unclassified.len(), 1);
    assert!(
        unclassified[0]["statement"]
            .as_str()
            .unwrap()
            .starts_with("UPDATE dws.report")
    );
}

/// A directory export is no table write: no table named DIRECTORY or LOCAL, no
/// whole-table hazard, a dropped line at the task's JSON path instead; an overwrite
/// with IF NOT EXISTS and an INSERT OR IGNORE are reported for what they are.
#[test]
fn directory_exports_and_conflict_clauses_are_reported_for_what_they_are() {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("dolphinscheduler/warehouse.json")).unwrap(),
    )
    .unwrap();
    v[0]["taskDefinitionList"][0]["taskParams"]["sql"] =
        "INSERT OVERWRITE DIRECTORY '/exports/${bizdate}' SELECT * FROM a;\n\
         INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x' SELECT 1;\n\
         INSERT OVERWRITE TABLE ods.orders PARTITION (dt = '${bizdate}') IF NOT EXISTS SELECT 1;\n\
         INSERT OR IGNORE INTO kv SELECT 1"
            .into();
    let path = scratch("sql-kinds").join("export.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, v) = check_json("dolphinscheduler", &path);
    assert_eq!(code, 1, "the fixture's own hazards stay: {v}");
    let r = &v["report"];
    let tables: Vec<&str> = r["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["task"] == "ods_订单.同步订单")
        .map(|w| w["table"].as_str().unwrap())
        .collect();
    assert_eq!(tables, vec!["kv"], "{r}");
    let kv = r["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["table"] == "kv")
        .unwrap();
    assert_eq!(kv["mode"], "merge");
    assert!(!kv["pattern"].as_str().unwrap().contains("upsert"), "{kv}");
    let dropped: Vec<(&str, &str)> = r["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["what"].as_str().unwrap().contains("DIRECTORY"))
        .map(|d| (d["what"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        dropped,
        vec![
            (
                "ods_订单.同步订单: INSERT OVERWRITE DIRECTORY '/exports/${bizdate}'",
                "$[0].taskDefinitionList[0].taskParams"
            ),
            (
                "ods_订单.同步订单: INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x'",
                "$[0].taskDefinitionList[0].taskParams"
            ),
        ]
    );
    let unclassified: Vec<&str> = r["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["reason"].as_str().unwrap())
        .collect();
    assert!(
        unclassified
            .iter()
            .any(|u| u.contains("IF NOT EXISTS") && u.contains("only the first execution writes")),
        "{unclassified:?}"
    );
    for h in hazards(&v, "whole-table-overwrite") {
        let m = h["message"].as_str().unwrap();
        assert!(!m.contains("DIRECTORY") && !m.contains("LOCAL"), "{m}");
    }
}

/// The text output of `-o` and of `--check` says what the model's header comment says:
/// every assumption (`assumed:`) and the tasks whose writes were not inferred (`no
/// writes inferred`), in the header's words, besides inferred, dropped and
/// unclassified.
#[test]
fn text_output_says_the_headers_assumptions_and_tasks_without_sql() {
    for (format, inputs) in [
        ("dolphinscheduler", vec!["dolphinscheduler/warehouse.json"]),
        ("airflow", AIRFLOW_SERIALIZED.to_vec()),
    ] {
        let out = scratch(&format!("text-{format}")).join("model.toml");
        let out_s = out.display().to_string();
        let paths: Vec<String> = inputs
            .iter()
            .map(|i| fixture(i).display().to_string())
            .collect();
        let mut args = vec!["import", format];
        args.extend(paths.iter().map(String::as_str));
        let mut with_o = args.clone();
        with_o.extend(["-o", &out_s]);
        let o = run(&with_o);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        let mut checked = args.clone();
        checked.push("--check");
        let c = run(&checked);
        assert_eq!(c.status.code(), Some(1), "{}", stderr(&c));
        let check_text = stdout(&c);
        let header: Vec<String> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.starts_with("assumed: ") || l.starts_with("no writes inferred"))
            .map(str::to_string)
            .collect();
        assert!(
            header.iter().filter(|l| l.starts_with("assumed: ")).count() >= 2,
            "{format}: {header:?}"
        );
        if format == "airflow" {
            assert!(
                header.contains(&"no writes inferred (no SQL schedsim reads): inventory_hourly.publish (EmptyOperator), sales_daily.extract (BashOperator)".to_string()),
                "{header:?}"
            );
        }
        for line in &header {
            for (how, out) in [("-o", &text), ("--check", &check_text)] {
                assert!(
                    out.lines().any(|l| l == line),
                    "{format} {how}: `{line}` missing from:\n{out}"
                );
            }
        }
    }
}

/// Writes a mutated copy of a fixture and imports it; returns (exit code, stderr).
fn import_mutated(name: &str, fixture_rel: &str, mutate: impl FnOnce(&mut Value)) -> (i32, String) {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(fixture_rel)).unwrap()).unwrap();
    mutate(&mut v);
    let path = scratch(name).join("export.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = run(&["import", "dolphinscheduler", &path.display().to_string()]);
    (o.status.code().unwrap(), stderr(&o))
}

#[test]
fn malformed_exports_exit_2_with_the_json_path() {
    let ds = "dolphinscheduler/warehouse.json";
    type Mutation = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "unknown-type",
            Box::new(|v| v[0]["taskDefinitionList"][3]["taskType"] = "TELEPORT".into()),
            "$[0].taskDefinitionList[3].taskType: unknown task type `TELEPORT`",
        ),
        (
            "missing-task",
            Box::new(|v| v[0]["processTaskRelationList"][1]["postTaskCode"] = 999.into()),
            "$[0].processTaskRelationList[1].postTaskCode: no task with code 999",
        ),
        (
            "missing-pre",
            Box::new(|v| v[1]["processTaskRelationList"][2]["preTaskCode"] = 998.into()),
            "$[1].processTaskRelationList[2].preTaskCode",
        ),
        (
            "quartz-both-days",
            Box::new(|v| v[0]["schedule"]["crontab"] = "0 0 2 1 * 1".into()),
            "$[0].schedule.crontab",
        ),
        (
            "serial-wait",
            Box::new(|v| v[1]["processDefinition"]["executionType"] = "SERIAL_WAIT".into()),
            "$[1].processDefinition.executionType: executionType SERIAL_WAIT",
        ),
        (
            "wrong-type",
            Box::new(|v| v[0]["taskDefinitionList"][0]["failRetryTimes"] = "many".into()),
            "$[0].taskDefinitionList[0].failRetryTimes: expected an integer",
        ),
        (
            "dep-task",
            Box::new(|v| {
                v[1]["taskDefinitionList"][0]["taskParams"]["dependence"]["dependTaskList"][0]["dependItemList"]
                    [0]["depTaskCode"] = 4242.into()
            }),
            "dependItemList[0].depTaskCode: workflow ods_订单 has no task with code 4242",
        ),
        (
            "dup-code",
            Box::new(|v| v[0]["taskDefinitionList"][4]["code"] = 101.into()),
            "$[0].taskDefinitionList[4].code: task code 101 is also task `同步订单`",
        ),
        (
            // Accepted as FAILED before (a newcomer's trial found it).
            "timeout-strategy",
            Box::new(|v| v[0]["taskDefinitionList"][0]["timeoutNotifyStrategy"] = "BLAH".into()),
            "$[0].taskDefinitionList[0].timeoutNotifyStrategy: unknown timeoutNotifyStrategy `BLAH`: expected WARN, FAILED or WARNFAILED",
        ),
        (
            "first-bad-relation",
            Box::new(|v| {
                v[0]["processTaskRelationList"][3]["preTaskCode"] = 997.into();
                v[0]["processTaskRelationList"][1]["postTaskCode"] = 996.into();
            }),
            "$[0].processTaskRelationList[1].postTaskCode: no task with code 996",
        ),
    ];
    for (name, mutate, want) in cases {
        let (code, err) = import_mutated(name, ds, mutate);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}

/// Writes `export` (a DolphinScheduler export) to the test's scratch directory and
/// imports it with `args`.
fn import_ds_value(name: &str, export: &Value, args: &[&str]) -> Output {
    let path = scratch(name).join("export.json");
    std::fs::write(&path, serde_json::to_string(export).unwrap()).unwrap();
    let path = path.display().to_string();
    let mut all = vec!["import", "dolphinscheduler", path.as_str()];
    all.extend(args);
    run(&all)
}

/// Forbidden tasks are passed through to their upstreams by every path: two forbidden
/// tasks in a row, and relations given twice, give a downstream each upstream once.
#[test]
fn dolphinscheduler_forbidden_tasks_pass_each_upstream_once() {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("dolphinscheduler/warehouse.json")).unwrap(),
    )
    .unwrap();
    // ods_订单: 101 -> 102 -> 103, 101 -> 104 -> 105; 102 and 104 made forbidden,
    // 102 -> 104 and 101 -> 105 added, every relation given twice.
    let w = &mut v[0];
    w["taskDefinitionList"][1]["flag"] = "NO".into();
    let relations = w["processTaskRelationList"].as_array_mut().unwrap();
    let mut extra = relations[1].clone();
    extra["preTaskCode"] = 102.into();
    extra["postTaskCode"] = 104.into();
    relations.push(extra.clone());
    extra["preTaskCode"] = 101.into();
    extra["postTaskCode"] = 105.into();
    relations.push(extra);
    let twice = relations.clone();
    relations.extend(twice);
    let o = import_ds_value("forbidden-twice", &v, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = schedsim::model::load_str("m", &stdout(&o)).unwrap();
    let ups = |name: &str| -> Vec<String> {
        let t = m.tasks.iter().find(|t| t.name == name).unwrap();
        t.upstream.iter().map(|u| m.task(*u).name.clone()).collect()
    };
    assert_eq!(ups("ods_订单.append_log"), vec!["ods_订单.同步订单"]);
    assert_eq!(ups("ods_订单.today_snapshot"), vec!["ods_订单.同步订单"]);
}

/// The self_dependent.json fixture with its DEPENDENT item's depTaskCode set.
fn self_dependent_with_code(code: i64) -> Value {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("dolphinscheduler/self_dependent.json")).unwrap(),
    )
    .unwrap();
    v[0]["taskDefinitionList"][1]["taskParams"]["dependence"]["dependTaskList"][0]["dependItemList"]
        [0]["depTaskCode"] = code.into();
    v
}

/// The audit's finding: 0 and -1 were swapped. From 3.2.1 on (3.2.2, 3.3)
/// `Constants.DEPENDENT_WORKFLOW_CODE = 0` (the workflow instance's state) and
/// `DEPENDENT_ALL_TASK_CODE = -1` (ALL), as `DependentExecute.calculateResultForTasks`
/// reads them and the UI's use-dependent.ts writes them; 3.1.9's
/// `DEPENDENT_ALL_TASK_CODE` is 0, and it has no -1 (refused, at its JSON path).
#[test]
fn dependent_task_code_0_is_the_workflow_and_minus_1_all_from_3_2() {
    let item = "    [[workflow.task.depends]]\n    workflow = \"依赖节点测试\"\n";
    for (code, version, task) in [
        (-1, None, Some("ALL")),
        (-1, Some("3.3"), Some("ALL")),
        (0, None, None),
        (0, Some("3.3"), None),
        (0, Some("3.1"), Some("ALL")),
    ] {
        let args: Vec<&str> = version
            .iter()
            .flat_map(|v| ["--profile-version", v])
            .collect();
        let o = import_ds_value(
            &format!("dep-code-{code}-{version:?}"),
            &self_dependent_with_code(code),
            &args,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let model = stdout(&o);
        let want = match task {
            Some(t) => format!("{item}    task = \"{t}\"\n    cycle = \"day\""),
            None => format!("{item}    cycle = \"day\""),
        };
        assert!(model.contains(&want), "{code} {version:?}: {model}");
    }
    let o = import_ds_value(
        "dep-code-3.1-minus-1",
        &self_dependent_with_code(-1),
        &["--profile-version", "3.1"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("$[0].taskDefinitionList[1].taskParams.dependence.dependTaskList[0].dependItemList[0].depTaskCode: depTaskCode -1 is ALL from DolphinScheduler 3.2.1 on"),
        "{}",
        stderr(&o)
    );
}

/// 3.2.2's `DependentExecute.isSelfDependent` gives the first instance of a workflow
/// success on an item naming that workflow with ALL (-1) or the task itself, not on
/// one naming the workflow's state (0): imported as such, the default backfill of a
/// workflow waiting on its own previous day finishes with -1 and waits forever with 0.
#[test]
fn self_dependent_all_item_passes_the_first_instance_and_a_workflow_item_does_not() {
    for (code, finishes) in [(-1, true), (0, false)] {
        let o = import_ds_value(
            &format!("self-dep-{code}"),
            &self_dependent_with_code(code),
            &["--check", "--format", "json"],
        );
        let v: Value = serde_json::from_str(&stdout(&o))
            .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
        let failed = v["check"]["failed_properties"].to_string();
        assert_eq!(!failed.contains("termination"), finishes, "{code}: {v}");
    }
}

/// The audit's finding: a schedule's workerGroup and environmentCode, and a task's
/// isCache, environmentCode, cpuQuota, memoryMax and taskExecuteType were never read.
/// A task in `default` runs in its workflow instance's worker group, which a scheduled
/// run takes from its schedule (3.1.9 and 3.2.2 WorkflowExecuteRunnable, dev's
/// AbstractTaskInstanceFactory): modelled, and said; the rest is said.
#[test]
fn dolphinscheduler_schedule_worker_group_and_task_settings_are_read_or_said() {
    let mut v = self_dependent_with_code(-1);
    v[0]["schedule"]["workerGroup"] = "etl_cluster".into();
    v[0]["schedule"]["environmentCode"] = 4711247356672i64.into();
    let shell = &mut v[0]["taskDefinitionList"][0];
    shell["isCache"] = "YES".into();
    shell["environmentCode"] = 123.into();
    shell["cpuQuota"] = 50.into();
    shell["memoryMax"] = 1024.into();
    shell["taskExecuteType"] = "STREAM".into();
    v[0]["taskDefinitionList"][1]["workerGroup"] = "own_group".into();
    let o = import_ds_value("ds-worker-group", &v, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let group = |task: &str| {
        let t = m
            .tasks
            .iter()
            .find(|t| t.name == format!("依赖节点测试.{task}"))
            .unwrap();
        m.groups[t.group.0 as usize].name.clone()
    };
    assert_eq!(group("shell节点"), "etl_cluster");
    assert_eq!(group("依赖节点"), "own_group", "a task's own group stays");
    for said in [
        "# assumed: workflow 依赖节点测试: the schedule's workerGroup etl_cluster ($[0].schedule.workerGroup) is the worker group of its tasks in `default` (shell节点)",
        "# dropped: workflow 依赖节点测试: the schedule's environmentCode 4711247356672 ($[0].schedule.environmentCode)",
        "# dropped: 依赖节点测试.shell节点: isCache YES ($[0].taskDefinitionList[0].isCache): from 3.2 a run whose cache key",
        "# dropped: 依赖节点测试.shell节点: environmentCode 123, cpuQuota 50, memoryMax 1024 ($[0].taskDefinitionList[0])",
        "# dropped: 依赖节点测试.shell节点: taskExecuteType STREAM ($[0].taskDefinitionList[0].taskExecuteType)",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
    // The fixture as exported (-1, NO, BATCH, default): nothing to say.
    let o = import_ds_value("ds-worker-group-plain", &self_dependent_with_code(-1), &[]);
    let text = stdout(&o);
    for quiet in [
        "isCache",
        "environmentCode",
        "cpuQuota",
        "taskExecuteType",
        "workerGroup",
    ] {
        assert!(!text.contains(quiet), "{quiet}: {text}");
    }
}

/// The review's finding: a task's blank `workerGroup` became a worker group named
/// `unnamed`; DolphinScheduler takes a blank group as `default`, so the task runs in
/// the schedule's group as a task in `default` does.
#[test]
fn dolphinscheduler_a_blank_task_worker_group_is_default() {
    let mut v = self_dependent_with_code(-1);
    v[0]["schedule"]["workerGroup"] = "etl_cluster".into();
    v[0]["taskDefinitionList"][0]["workerGroup"] = "".into();
    v[0]["taskDefinitionList"][1]["workerGroup"] = " ".into();
    let o = import_ds_value("ds-blank-worker-group", &v, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let groups: Vec<&str> = m
        .tasks
        .iter()
        .map(|t| m.groups[t.group.0 as usize].name.as_str())
        .collect();
    assert_eq!(groups, ["etl_cluster", "etl_cluster"], "{text}");
    assert!(!text.contains("unnamed"), "{text}");
}

/// The audit's finding: the same workflow name in two files was refused by the
/// generated model's loader (`<imported model>:42:8: the workflow ... is defined
/// twice`), a place in no input. Refused now at the second name's JSON path, naming
/// the first's file and path.
#[test]
fn dolphinscheduler_workflow_name_in_two_files_is_refused_at_both_inputs() {
    let first = fixture("dolphinscheduler/self_dependent.json");
    let dir = scratch("ds-two-names");
    let same = dir.join("same.json");
    std::fs::copy(&first, &same).unwrap();
    let mut v = self_dependent_with_code(-1);
    v[0]["processDefinition"]["code"] = 1.into();
    v[0]["taskDefinitionList"][1]["taskParams"]["dependence"]["dependTaskList"][0]["dependItemList"]
        [0]["definitionCode"] = 1.into();
    let other = dir.join("other.json");
    std::fs::write(&other, serde_json::to_string(&v).unwrap()).unwrap();
    for (second, says) in [
        (
            &same,
            "the same workflow (code 14097399932128) is exported twice",
        ),
        (
            &other,
            "a model cannot tell two workflows of one name apart",
        ),
    ] {
        let o = run(&[
            "import",
            "dolphinscheduler",
            &first.display().to_string(),
            &second.display().to_string(),
            "--check",
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "{}: at $[0].processDefinition.name: workflow `依赖节点测试` is also the workflow at {}: $[0].processDefinition.name: {says}",
                second.display(),
                first.display()
            )),
            "{err}"
        );
        assert!(!err.contains("<imported model>"), "{err}");
    }
}

/// The review's finding: two workflows whose names differ (`daily.load`,
/// `daily_load`) but are one model name were refused as "two workflows of one
/// name"; the second is renamed, and said, as the other importers do.
#[test]
fn dolphinscheduler_names_that_differ_but_are_one_model_name_are_renamed() {
    let mut first = self_dependent_with_code(-1);
    first[0]["processDefinition"]["name"] = "daily.load".into();
    let mut second = self_dependent_with_code(-1);
    second[0]["processDefinition"]["name"] = "daily_load".into();
    second[0]["processDefinition"]["code"] = 1.into();
    second[0]["taskDefinitionList"][1]["taskParams"]["dependence"]["dependTaskList"][0]["dependItemList"]
        [0]["definitionCode"] = 1.into();
    let both = Value::Array(vec![first[0].clone(), second[0].clone()]);
    let o = import_ds_value("ds-one-model-name", &both, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("# assumed: a second workflow named `daily_load` is named `daily_load_2`"),
        "{text}"
    );
    let m = schedsim::model::load_str("m", &text).unwrap();
    let names: Vec<&str> = m.workflows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["daily_load", "daily_load_2"]);
}

/// Regression: model names may hold no `,` or `=` (the command line splits on them);
/// an export's names that hold them still import, renamed as `.` and white space
/// are, and the report says so.
#[test]
fn dolphinscheduler_names_with_a_comma_or_an_equals_sign_are_renamed() {
    let mut v = self_dependent_with_code(-1);
    v[0]["processDefinition"]["name"] = "daily,load=v2".into();
    v[0]["taskDefinitionList"][0]["name"] = "extract,a=b".into();
    let o = import_ds_value("ds-comma-names", &v, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("workflow `daily,load=v2` ($[0].processDefinition.name) is named `daily_load_v2`: model names have no `.`, `,`, `=` or white space"),
        "{text}"
    );
    assert!(
        text.contains(
            "task `extract,a=b` ($[0].taskDefinitionList[0].name) is named `extract_a_b`"
        ),
        "{text}"
    );
    let m = schedsim::model::load_str("m", &text).unwrap();
    assert!(
        m.tasks
            .iter()
            .any(|t| t.name == "daily_load_v2.extract_a_b")
    );
}

#[test]
fn truncated_export_exits_2_with_line_and_column() {
    let text = std::fs::read_to_string(fixture("dolphinscheduler/warehouse.json")).unwrap();
    let path = scratch("truncated").join("export.json");
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let o = run(&["import", "dolphinscheduler", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at $ (line "), "{}", stderr(&o));
    assert!(stderr(&o).contains("not valid JSON"));
}

/// A table-level overwrite by every date of a backfill: only the last date's rows stay,
/// and complete-writes names the dates whose rows were replaced.
#[test]
fn whole_table_overwrite_by_every_date_is_witnessed() {
    let model = |mode: &str| {
        format!(
            "[model]\nname = \"t\"\nprofile = \"dolphinscheduler\"\n[[workflow]]\nname = \"w\"\ncron = \"0 0 2 * * ?\"\n  [[workflow.task]]\n  name = \"full\"\n  writes = [ {{ table = \"dim_user\", mode = \"{mode}\" }} ]\n[[scenario]]\nname = \"b\"\nstart = \"2024-05-01T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2024-04-01T00:00:00\"\n  to = \"2024-04-03T23:00:00\"\n"
        )
    };
    let dir = scratch("whole-table");
    for (mode, holds) in [("overwrite", false), ("merge", true), ("insert", true)] {
        let path = dir.join(format!("{mode}.toml"));
        std::fs::write(&path, model(mode)).unwrap();
        let o = run(&["check", &path.display().to_string(), "--format", "json"]);
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let p = v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "complete-writes")
            .unwrap();
        assert_eq!(p["holds"], holds, "{mode}: {p}");
        if !holds {
            assert_eq!(p["witness"]["count"], 2, "two of three dates replaced: {p}");
            assert!(
                p["witness"]["details"][0]
                    .as_str()
                    .unwrap()
                    .contains("dim_user (whole table)")
            );
        }
        let part = &v["partitions"][0];
        assert_eq!(
            part["partition"], "",
            "a table-level write has no partition"
        );
    }
}

const FLOWSPEC: [&str; 2] = ["flowspec/orders_1.2.json", "flowspec/report.yaml"];

#[test]
fn flowspec_json_and_yaml_import_and_validate() {
    let text = import_model("flowspec", &FLOWSPEC, "fs");
    snapshot("flowspec_orders_and_report", &text);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let task = |n: &str| {
        m.tasks
            .iter()
            .find(|t| t.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    // Pause: every instance fails at once, writing nothing; Skip: a run without writes.
    let paused = task("订单日报.paused_report");
    assert_eq!(paused.fail.map(|f| f.probability), Some(1.0));
    assert!(paused.writes.is_empty() && task("订单日报.skip_check").writes.is_empty());
    // CrossCycleDependsOnSelf; rerunMode Denied leaves no automatic rerun.
    let balance = task("订单日报.balance");
    assert!(balance.self_dependency);
    assert_eq!(balance.retry.times, 0);
    assert_eq!(balance.priority, 8);
    // rerunInterval is in milliseconds.
    let ods = task("订单日报.ods_orders");
    assert_eq!((ods.retry.times, ods.retry.interval), (3, 120));
    // A dependency by output name across files.
    let daily = task("报表.日报汇总");
    let ups: Vec<&str> = daily
        .upstream
        .iter()
        .map(|u| m.task(*u).name.as_str())
        .collect();
    assert_eq!(ups, vec!["订单日报.dwd_订单明细"]);
    assert_eq!(daily.timeout, Some(3600), "timeout in seconds");
    // The Manual node is not scheduled: not in the model.
    assert!(!m.tasks.iter().any(|t| t.name.contains("手动补录")));
}

/// Round trip: the trigger starts on 2024-04-01 00:00, so the first instance is the one
/// scheduled that day (business date 2024-03-31), and none before it.
#[test]
fn flowspec_backfill_instances_follow_trigger_period() {
    import_model("flowspec", &FLOWSPEC, "fs-rt");
    let model = scratch("fs-rt").join("model.toml");
    let o = run(&[
        "instances",
        &model.display().to_string(),
        "--from",
        "2024-03-29",
        "--to",
        "2024-04-01",
        "--targets",
        "订单日报.ods_orders",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap(),
                i["scheduled"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2024-03-31", "2024-04-01T02:30:00+08:00"),
            ("2024-04-01", "2024-04-02T02:30:00+08:00")
        ]
    );
}

/// The audit's finding: dataworks-spec's real-case-shell-python-sql-spec.json and
/// real-case-single-sql-spec.json both hold node 8204310273201954362; imported
/// together, the node was written twice and its dependency in the first file lost.
/// Refused, naming both places; a node output another node also declares too.
#[test]
fn flowspec_node_in_two_files_is_refused_with_both_places() {
    let first = fixture("flowspec/real-case-shell-python-sql-spec.json");
    let second = fixture("flowspec/real-case-single-sql-spec.json");
    let o = run(&[
        "import",
        "flowspec",
        &first.display().to_string(),
        &second.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{}: at $.spec.workflows[0].nodes[0].id: node id 8204310273201954362 is also the node at {}: $.spec.workflows[0].nodes[2]",
            second.display(),
            first.display()
        )),
        "{err}"
    );
    // Another id, the same output (the first node's default output).
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&second).unwrap()).unwrap();
    v["spec"]["workflows"][0]["nodes"][0]["id"] = "1".into();
    v["spec"]["workflows"][0]["dependencies"][0]["nodeId"] = "1".into();
    let other = scratch("fs-same-output").join("other.json");
    std::fs::write(&other, serde_json::to_string(&v).unwrap()).unwrap();
    let o = run(&[
        "import",
        "flowspec",
        &first.display().to_string(),
        &other.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("at $.spec.workflows[0].nodes[0].outputs: output 8204310273201954362 of node 1 is also an output of node 8204310273201954362"),
        "{}",
        stderr(&o)
    );
    // Each alone imports, the dependency inside the first file kept.
    let text = import_model(
        "flowspec",
        &["flowspec/real-case-shell-python-sql-spec.json"],
        "fs-real-case",
    );
    assert!(
        text.contains("name = \"SQL导入海豚测试\"\n  cron = \"00 00 00 * * ?\"\n  upstream = [\"PYODPS3导入海豚测试\"]"),
        "{text}"
    );
}

/// The audit's finding: a FlowSpec workflow's `strategy` and a node's `strategy`
/// (SpecScheduleStrategy) were not read, and a workflow `trigger` lost to its nodes'
/// own without a word. A node's strategy fills what the node does not set; every
/// workflow setting, and each trigger not read, is said.
#[test]
fn flowspec_workflow_and_node_strategy_and_trigger_are_read_or_said() {
    let text = import_model(
        "flowspec",
        &["flowspec/workflow_strategy.json"],
        "fs-strategy",
    );
    let m = schedsim::model::load_str("m", &text).unwrap();
    let task = |name: &str| {
        m.tasks
            .iter()
            .find(|t| t.name == format!("strategy_demo.{name}"))
            .unwrap()
    };
    // The node's strategy: timeout and priority it does not set; its own rerunTimes.
    let ns = task("node_strategy");
    assert_eq!(
        (ns.timeout, ns.priority, ns.retry.times),
        (Some(7200), 7, 1)
    );
    // The workflow's trigger: only for the node without one.
    assert!(
        text.contains("name = \"own_trigger\"\n  cron = \"00 24 00 * * ?\""),
        "{text}"
    );
    assert!(
        text.contains("name = \"workflow_trigger\"\n  cron = \"00 03 00 * * ?\""),
        "{text}"
    );
    for said in [
        "# assumed: strategy_demo.own_trigger: its own trigger ($.spec.workflows[0].nodes[0].trigger) is read, not its workflow's ($.spec.workflows[0].trigger)",
        "# assumed: strategy_demo.node_strategy: priority, timeout read from its strategy ($.spec.workflows[0].nodes[2].strategy)",
        "# dropped: strategy_demo.node_strategy: strategy.rerunTimes 2 ($.spec.workflows[0].nodes[2].strategy.rerunTimes): the node's own rerunTimes (1) is read",
        "# dropped: workflow strategy_demo: strategy.timeout 3600 ($.spec.workflows[0].strategy.timeout)",
        "# dropped: workflow strategy_demo: strategy.rerunTimes 3 ($.spec.workflows[0].strategy.rerunTimes)",
        "# dropped: workflow strategy_demo: strategy.rerunInterval 180000",
        "# dropped: workflow strategy_demo: failureStrategy Break ($.spec.workflows[0].strategy.failureStrategy)",
        "# assumed: workflow strategy_demo: instanceMode Immediately ($.spec.workflows[0].strategy.instanceMode)",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
    // Same values on the node and its strategy: nothing to say.
    assert!(!text.contains("strategy.rerunInterval 120000"), "{text}");
}

/// The audit's finding: a node's declared `outputs.tables` (dataworks-spec's README:
/// "artifact tables produced by node", a guid without partition or write mode) were
/// neither used nor mentioned. One the node's SQL writes agrees; each other is said.
#[test]
fn flowspec_declared_output_tables_are_said_unless_the_sql_writes_them() {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("flowspec/orders_1.2.json")).unwrap(),
    )
    .unwrap();
    let nodes = &mut v["spec"]["workflows"][0]["nodes"];
    nodes[0]["outputs"]["tables"] = serde_json::json!([
        { "type": "table", "guid": "odps.proj_orders.ods_orders" },
        { "type": "table", "guid": "odps.proj_orders.ods_orders_bak" }
    ]);
    nodes[1]["outputs"] = serde_json::json!([
        { "artifactType": "NodeOutput", "data": "proj_orders.1002_out" },
        { "artifactType": "Table", "guid": "odps.proj_orders.dwd_orders_copy" }
    ]);
    let path = scratch("fs-output-tables").join("orders.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = run(&["import", "flowspec", &path.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("# dropped: 订单日报.ods_orders: output table odps.proj_orders.ods_orders_bak ($.spec.workflows[0].nodes[0].outputs.tables[1]): declared as produced by the node"),
        "{text}"
    );
    assert!(
        text.contains("# dropped: 订单日报.dwd_订单明细: output table odps.proj_orders.dwd_orders_copy ($.spec.workflows[0].nodes[1].outputs[1])"),
        "{text}"
    );
    assert!(
        !text.contains("output table odps.proj_orders.ods_orders "),
        "{text}"
    );
    // The node output of the array form still links its downstream.
    assert!(text.contains("upstream = [\"dwd_订单明细\"]"), "{text}");
}

/// The audit's finding: a reference-style spec (dataworks-spec's example.json:
/// `"trigger": "{{triggers.daily}}"`) failed with "expected an object, found a
/// string". It says now that references are not resolved, where, and to what.
#[test]
fn flowspec_reference_where_an_object_belongs_says_references_are_not_resolved() {
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 3] = [
        (
            |n| n["trigger"] = "{{triggers.daily}}".into(),
            "at $.spec.workflows[0].nodes[0].trigger: `{{triggers.daily}}` is a reference to `daily` in the spec's `triggers`: schedsim does not resolve FlowSpec references",
        ),
        (
            |n| n["script"] = "{{script_file1}}".into(),
            "at $.spec.workflows[0].nodes[0].script: `{{script_file1}}` is a reference to `script_file1`: schedsim does not resolve FlowSpec references",
        ),
        (
            |n| n["script"]["parameters"] = serde_json::json!(["{{variables.bizdate}}"]),
            "at $.spec.workflows[0].nodes[0].script.parameters[0]: `{{variables.bizdate}}` is a reference to `bizdate` in the spec's `variables`",
        ),
    ];
    for (i, (edit, want)) in cases.into_iter().enumerate() {
        let mut v: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("flowspec/orders_1.2.json")).unwrap(),
        )
        .unwrap();
        edit(&mut v["spec"]["workflows"][0]["nodes"][0]);
        let path = scratch("fs-reference").join(format!("ref-{i}.json"));
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let o = run(&["import", "flowspec", &path.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        assert!(stderr(&o).contains(want), "{want}\n{}", stderr(&o));
        assert!(!stderr(&o).contains("expected an object"), "{}", stderr(&o));
    }
}

#[test]
fn check_reports_insert_into_with_reruns_as_duplicate_prone() {
    let paths: Vec<String> = FLOWSPEC
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let o = run(&[
        "import", "flowspec", &paths[0], &paths[1], "--check", "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let dup = hazards(&v, "insert-under-retries");
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert_eq!(dup[0]["task"], "订单日报.dwd_订单明细");
    assert!(
        dup[0]["message"]
            .as_str()
            .unwrap()
            .contains("duplicate-prone under retries")
    );
    assert!(
        dup[0]["statement"]
            .as_str()
            .unwrap()
            .starts_with("INSERT INTO TABLE dwd_orders PARTITION (dt='${bizdate}')")
    );
    assert!(
        dup[0]["evidence"][0]
            .as_str()
            .unwrap()
            .contains("holds its rows 2 times"),
        "{dup:?}"
    );
    let clock = hazards(&v, "clock-partition");
    assert_eq!(clock[0]["task"], "报表.日报汇总");
}

#[test]
fn malformed_flowspec_exits_2_with_the_path() {
    let dir = scratch("fs-bad");
    let good: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(FLOWSPEC[0])).unwrap()).unwrap();
    type Mutation = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "seconds",
            Box::new(|v| {
                v["spec"]["workflows"][0]["nodes"][0]["trigger"]["cron"] = "30 00 02 * * ?".into()
            }),
            "$.spec.workflows[0].nodes[0].trigger.cron",
        ),
        (
            "dep",
            Box::new(|v| v["spec"]["workflows"][0]["dependencies"][1]["nodeId"] = "9999".into()),
            "$.spec.workflows[0].dependencies[1].nodeId: no node with id 9999",
        ),
        (
            "dup-id",
            Box::new(|v| v["spec"]["workflows"][0]["nodes"][3]["id"] = "1002".into()),
            "$.spec.workflows[0].nodes[3].id: node id 1002 is used twice",
        ),
        (
            "kind",
            Box::new(|v| v["kind"] = "ManualWorkflow".into()),
            "$.kind",
        ),
        (
            "priority",
            Box::new(|v| v["spec"]["workflows"][0]["nodes"][1]["priority"] = 4.into()),
            "$.spec.workflows[0].nodes[1].priority: priority 4 is not a DataWorks level",
        ),
        (
            "reruns",
            Box::new(|v| v["spec"]["workflows"][0]["nodes"][0]["rerunTimes"] = 11.into()),
            "$.spec.workflows[0].nodes[0].rerunTimes",
        ),
        (
            "version",
            Box::new(|v| v["version"] = "2.0.0".into()),
            "$.version",
        ),
    ];
    for (name, mutate, want) in cases {
        let mut v = good.clone();
        mutate(&mut v);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let o = run(&["import", "flowspec", &path.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
    }
    let yaml = dir.join("broken.yaml");
    std::fs::write(
        &yaml,
        "version: 1.1.0\nkind: CycleWorkflow\nspec:\n  nodes: [\n",
    )
    .unwrap();
    let o = run(&["import", "flowspec", &yaml.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid YAML"), "{}", stderr(&o));
}

/// --history: lognormal by median and 95th percentile (nearest rank) when samples
/// differ, fixed when they are all the same, failure probability failed / finished;
/// each fit says how many samples it has.
#[test]
fn history_sets_durations_and_failure_probability() {
    let out = scratch("history").join("model.toml");
    let o = run(&[
        "import",
        "dolphinscheduler",
        &fixture("dolphinscheduler/warehouse.json")
            .display()
            .to_string(),
        "--history",
        &fixture("history/ds_task_instances.json")
            .display()
            .to_string(),
        "-o",
        &out.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = schedsim::model::load_file(&out).unwrap();
    let task = |n: &str| m.tasks.iter().find(|t| t.name == n).unwrap();
    // 8 finished attempts: 540 580 600 620 640 660 700 1500 s; one failed.
    assert_eq!(
        task("ods_订单.同步订单").duration,
        schedsim::model::DurationDist::Lognormal {
            median: 620,
            p95: 1500
        }
    );
    assert_eq!(
        task("ods_订单.同步订单").fail.map(|f| f.probability),
        Some(0.125)
    );
    // 3 finished, all 300 s (the running one is not a sample); none failed.
    assert_eq!(
        task("ods_订单.spark_fix").duration,
        schedsim::model::DurationDist::Fixed(300)
    );
    assert!(task("ods_订单.spark_fix").fail.is_none());
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let notes: Vec<&str> = v["report"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("ods_订单.同步订单: from 8 samples")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("ods_订单.gone_task (1)")),
        "{notes:?}"
    );
}

#[test]
fn history_csv_applies_to_flowspec() {
    let o = run(&[
        "import",
        "flowspec",
        &fixture(FLOWSPEC[0]).display().to_string(),
        "--history",
        &fixture("history/runs.csv").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let ods = m
        .tasks
        .iter()
        .find(|t| t.name == "订单日报.ods_orders")
        .unwrap();
    assert_eq!(ods.duration, schedsim::model::DurationDist::Fixed(600));
    assert_eq!(ods.fail.map(|f| f.probability), Some(0.333));
}

/// Times without an offset were read as UTC: an attempt from 01:30 to 03:30 on New
/// York's spring-forward night lasted "2h" (it lasted one), a row with one end
/// with an offset and one without was off by the zone's offset, and an empty file
/// set nothing without a word (a newcomer's trial found the three). They are read
/// in the model's zone now, and the report says so.
#[test]
fn history_times_without_an_offset_are_read_in_the_models_zone() {
    let dir = scratch("history-local");
    let spec = std::fs::read_to_string(fixture(FLOWSPEC[0]))
        .unwrap()
        .replace("Asia/Shanghai", "America/New_York");
    let export = dir.join("orders.json");
    std::fs::write(&export, spec).unwrap();
    let history = |name: &str, rows: &str| {
        let path = dir.join(name);
        std::fs::write(&path, format!("task,start,end,state\n{rows}")).unwrap();
        let o = run(&[
            "import",
            "flowspec",
            &export.display().to_string(),
            "--history",
            &path.display().to_string(),
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let notes: Vec<String> = v["report"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        (path.display().to_string(), notes)
    };
    let ods = |notes: &[String]| {
        notes
            .iter()
            .find(|n| n.starts_with("订单日报.ods_orders: from"))
            .cloned()
            .unwrap_or_default()
    };
    // Across the spring-forward night: one hour passed.
    let (file, notes) = history(
        "dst.csv",
        "订单日报.ods_orders,2024-03-10 01:30:00,2024-03-10 03:30:00,success\n",
    );
    assert!(ods(&notes).contains("duration fixed 1h"), "{notes:?}");
    assert!(
        notes.contains(&format!(
            "history: 2 times of {file} without an offset read in the model's zone America/New_York"
        )),
        "{notes:?}"
    );
    // One end with an offset, the other without: ten minutes.
    let (_, notes) = history(
        "mixed.csv",
        "订单日报.ods_orders,2024-04-02T02:30:00,2024-04-02T02:40:00-04:00,success\n",
    );
    assert!(ods(&notes).contains("duration fixed 10m"), "{notes:?}");
    // In the repeated hour of the fall-back night: said.
    let (_, notes) = history(
        "fold.csv",
        "订单日报.ods_orders,2024-11-03 01:10:00,2024-11-03 01:50:00,success\n",
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("2 fall in a DST gap or a repeated hour")),
        "{notes:?}"
    );
    // A header alone sets nothing, and says so.
    let (file, notes) = history("empty.csv", "");
    assert!(
        notes.contains(&format!(
            "history: {file} has no rows: no duration or failure probability comes from it"
        )),
        "{notes:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rows --history does not count are counted in the report, with their states; an
/// attempt that ends when it starts is counted as 1 s, and its fit says so; one that
/// ends before it starts is refused with the file and its line and column (CSV) or
/// JSON path.
#[test]
fn history_says_what_it_did_not_count_and_refuses_negative_durations() {
    let dir = scratch("history-skips");
    let csv = dir.join("runs.csv");
    std::fs::write(
        &csv,
        "task,start,end,state\n\
         订单日报.ods_orders,2024-04-02T02:30:00+08:00,2024-04-02T02:40:00+08:00,success\n\
         订单日报.ods_orders,2024-04-03T02:30:00+08:00,2024-04-03T02:30:00+08:00,success\n\
         订单日报.ods_orders,2024-04-04T02:30:00+08:00,2024-04-04T02:35:00+08:00,KILL\n\
         订单日报.ods_orders,2024-04-05T02:30:00+08:00,2024-04-05T02:35:00+08:00,STOP\n\
         订单日报.ods_orders,2024-04-06T02:30:00+08:00,2024-04-06T02:35:00+08:00,KILL\n",
    )
    .unwrap();
    let csv_s = csv.display().to_string();
    let o = run(&[
        "import",
        "flowspec",
        &fixture(FLOWSPEC[0]).display().to_string(),
        "--history",
        &csv_s,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let notes: Vec<&str> = v["report"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&format!(
            "history: 3 rows of {csv_s} not counted: 3 neither succeeded nor failed (KILL 2, STOP 1)"
        )
        .as_str()),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with(&format!(
            "订单日报.ods_orders: from 2 samples of {csv_s} (1 ended when it started: counted as 1s, a model's durations are longer than zero)"
        ))),
        "{notes:?}"
    );

    // Airflow: a running try; an upstream_failed one, which never ran (Airflow stamps
    // it with one instant as start and end): no sample, no failure; a failed one
    // without times.
    let mut h: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("history/airflow_task_instances.json")).unwrap(),
    )
    .unwrap();
    let tis = h["task_instances"].as_array_mut().unwrap();
    tis.push(serde_json::json!({
        "dag_id": "sales_daily", "task_id": "load", "state": "upstream_failed",
        "start_date": "2024-04-05T01:00:00Z", "end_date": "2024-04-05T01:00:00Z"
    }));
    tis.push(serde_json::json!({
        "dag_id": "sales_daily", "task_id": "load", "state": "failed",
        "start_date": null, "end_date": null
    }));
    let good = dir.join("tis.json");
    std::fs::write(&good, serde_json::to_string(&h).unwrap()).unwrap();
    h["task_instances"][1]["end_date"] = "2024-04-01T01:00:00Z".into();
    let bad = dir.join("tis-bad.json");
    std::fs::write(&bad, serde_json::to_string(&h).unwrap()).unwrap();
    let paths: Vec<String> = AIRFLOW_SERIALIZED
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let good_s = good.display().to_string();
    let o = run(&[
        "import",
        "airflow",
        &paths[0],
        &paths[1],
        "--history",
        &good_s,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let want = format!(
        "history: 3 rows of {good_s} not counted: 2 neither succeeded nor failed (running 1, upstream_failed 1), 1 without a start or end time (failed 1)"
    );
    // The fit is the fixture's: 4 tries, 1 failed.
    let m = schedsim::model::load_str("m", v["model"].as_str().unwrap()).unwrap();
    let load = m
        .tasks
        .iter()
        .find(|t| t.name == "sales_daily.load")
        .unwrap();
    assert_eq!(load.fail.map(|f| f.probability), Some(0.25));
    assert!(
        v["report"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == want.as_str()),
        "{}",
        v["report"]["notes"]
    );
    let o = run(&[
        "import",
        "airflow",
        &paths[0],
        &paths[1],
        "--history",
        &bad.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tis-bad.json: at $.task_instances[1].end_date: the attempt ends at `2024-04-01T01:00:00Z`, before it starts at `2024-04-02T01:00:00Z`"),
        "{}",
        stderr(&o)
    );

    // CSV: the line and the end's column (spaces after the comma count).
    std::fs::write(
        &csv,
        "task,start,end,state\n\
         订单日报.ods_orders,2024-04-02T02:30:00+08:00,2024-04-02T02:40:00+08:00,success\n\
         订单日报.ods_orders, 2024-04-02T02:40:00+08:00, 2024-04-02T02:30:00+08:00,success\n",
    )
    .unwrap();
    let o = run(&[
        "import",
        "flowspec",
        &fixture(FLOWSPEC[0]).display().to_string(),
        "--history",
        &csv_s,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{csv_s}: at line 3, column 45: the attempt ends at `2024-04-02T02:30:00+08:00`, before it starts at `2024-04-02T02:40:00+08:00`")),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"));
}

/// Captured with tools/airflow_export.py from tests/import/airflow/dags under
/// apache-airflow 3.0.6 (serialized DAGs, and the REST responses built offline).
const AIRFLOW_SERIALIZED: [&str; 2] = [
    "airflow/serialized/inventory_hourly.json",
    "airflow/serialized/sales_daily.json",
];
const AIRFLOW_REST: [&str; 4] = [
    "airflow/rest/inventory_hourly.details.json",
    "airflow/rest/inventory_hourly.tasks.json",
    "airflow/rest/sales_daily.details.json",
    "airflow/rest/sales_daily.tasks.json",
];

#[test]
fn airflow_serialized_dags_import_and_validate() {
    let text = import_model("airflow", &AIRFLOW_SERIALIZED, "af-ser");
    snapshot("airflow_serialized", &text);
    let m = schedsim::model::load_str("m", &text).unwrap();
    let load = m
        .tasks
        .iter()
        .find(|t| t.name == "sales_daily.load")
        .unwrap();
    assert_eq!(
        (load.retry.times, load.retry.interval, load.timeout),
        (3, 120, Some(3600))
    );
    assert_eq!(
        (load.pool_slots, load.priority, load.self_dependency),
        (2, 10, true)
    );
    let extract = m
        .tasks
        .iter()
        .find(|t| t.name == "sales_daily.extract")
        .unwrap();
    assert_eq!(extract.retry.max_interval, Some(1800));
    assert_eq!(m.workflows[1].max_active_runs, Some(2));
    assert!(
        m.tasks
            .iter()
            .any(|t| t.name == "inventory_hourly.库存快照")
    );
}

#[test]
fn airflow_rest_responses_import_like_the_serialized_dags() {
    let rest = import_model("airflow", &AIRFLOW_REST, "af-rest");
    snapshot("airflow_rest", &rest);
    let a = schedsim::model::load_str("rest", &rest).unwrap();
    let ser = import_model("airflow", &AIRFLOW_SERIALIZED, "af-ser2");
    let b = schedsim::model::load_str("ser", &ser).unwrap();
    // The same schedule, graph and task settings; the REST response has no SQL and no
    // max_retry_delay.
    assert_eq!(a.tasks.len(), b.tasks.len());
    for x in &a.tasks {
        let y = b.tasks.iter().find(|y| y.name == x.name).unwrap();
        let ups = |m: &schedsim::model::Model, t: &schedsim::model::Task| -> Vec<String> {
            t.upstream.iter().map(|u| m.task(*u).name.clone()).collect()
        };
        assert_eq!(
            (ups(&a, x), x.retry.times, x.retry.interval),
            (ups(&b, y), y.retry.times, y.retry.interval)
        );
        assert_eq!(
            (
                x.pool_slots,
                x.priority,
                x.self_dependency,
                x.timeout,
                x.effective
            ),
            (
                y.pool_slots,
                y.priority,
                y.self_dependency,
                y.timeout,
                y.effective
            )
        );
    }
    let crons: Vec<_> = a.workflows.iter().map(|w| &w.cron).collect();
    assert_eq!(
        crons,
        b.workflows.iter().map(|w| &w.cron).collect::<Vec<_>>()
    );
    assert!(a.tasks.iter().all(|t| t.writes.is_empty()));
}

/// start_date 2024-04-01 00:00 Europe/Berlin, hourly: a backfill from three hours
/// before it runs every task at each hour, as Airflow's does (a backfill's runs are
/// its range's, and `DagRun.verify_integrity` skips the tasks' start-date filter for
/// BACKFILL_JOB runs). The DAG's start date was each task's `effective` period, and
/// the hours before it had no instance.
#[test]
fn airflow_backfill_before_the_dags_start_date_runs_every_task() {
    import_model("airflow", &AIRFLOW_SERIALIZED, "af-rt");
    let model = scratch("af-rt").join("model.toml");
    let o = run(&[
        "instances",
        &model.display().to_string(),
        "--from",
        "2024-03-31T21:00:00",
        "--to",
        "2024-04-01T02:00:00",
        "--targets",
        "inventory_hourly",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut got: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["task"] == "inventory_hourly.库存快照")
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    got.sort();
    let want: Vec<String> = [21, 22, 23]
        .iter()
        .map(|h| format!("2024-03-31T{h:02}:00:00+02:00"))
        .chain((0..=2).map(|h| format!("2024-04-01T{h:02}:00:00+02:00")))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn airflow_check_finds_insert_into_under_retries_and_a_fixed_partition() {
    let paths: Vec<String> = AIRFLOW_SERIALIZED
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let o = run(&[
        "import", "airflow", &paths[0], &paths[1], "--check", "--format", "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        hazards(&v, "insert-under-retries")[0]["task"],
        "sales_daily.load"
    );
    assert_eq!(
        hazards(&v, "same-partition-every-date")[0]["partition"],
        "ds=2024-04-01"
    );
}

#[test]
fn malformed_airflow_exits_2_with_the_path() {
    let dir = scratch("af-bad");
    let good: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(AIRFLOW_SERIALIZED[1])).unwrap())
            .unwrap();
    type Mutation = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "downstream",
            Box::new(|v| {
                v["dag"]["tasks"][0]["__var"]["downstream_task_ids"] =
                    serde_json::json!(["nowhere"])
            }),
            "$.dag.tasks[0].__var.downstream_task_ids: no task `nowhere`",
        ),
        (
            "timetable",
            Box::new(|v| {
                v["dag"]["timetable"]["__type"] = "airflow.timetables.events.EventsTimetable".into()
            }),
            "$.dag.timetable.__type: timetable EventsTimetable",
        ),
        (
            "cron",
            Box::new(|v| v["dag"]["timetable"]["__var"]["expression"] = "0 3 * * * ?".into()),
            "$.dag.timetable.__var.expression",
        ),
        (
            "retries",
            Box::new(|v| v["dag"]["tasks"][1]["__var"]["retries"] = "x".into()),
            "$.dag.tasks[1].__var.retries: expected an integer",
        ),
    ];
    for (name, mutate, want) in cases {
        let mut v = good.clone();
        mutate(&mut v);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        let o = run(&["import", "airflow", &path.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{name}: {}", stderr(&o));
    }
}

/// A change to an export's JSON.
type Edit = Box<dyn FnOnce(&mut Value)>;

/// Imports the serialized DAGs, each changed by its own edit; returns (exit code,
/// stdout of `--format json`, stderr).
fn import_airflow_mutated(name: &str, dags: Vec<(&str, Edit)>) -> (i32, Value, String) {
    let dir = scratch(name);
    let mut paths = Vec::new();
    for (rel, mutate) in dags {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(rel)).unwrap()).unwrap();
        mutate(&mut v);
        let path = dir.join(Path::new(rel).file_name().unwrap());
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        paths.push(path.display().to_string());
    }
    let mut args = vec!["import", "airflow"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let o = run(&args);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or(Value::Null);
    (o.status.code().unwrap(), v, stderr(&o))
}

/// Sets a serialized DAG's time zone and its cron timetable's, as Airflow serializes a
/// DAG with `schedule="0 3 * * *"` in that zone (None: neither names one).
fn set_zone(v: &mut Value, zone: Option<Value>) {
    for pointer in ["/dag", "/dag/timetable/__var"] {
        let o = v.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
        match &zone {
            Some(z) => o.insert("timezone".into(), z.clone()),
            None => o.remove("timezone"),
        };
    }
}

/// A model has one time zone: a DAG in another is listed as dropped at its JSON path
/// (as DolphinScheduler's and FlowSpec's are); a DAG that names none is in UTC,
/// Airflow's default, and the report says so; a fixed offset (how Airflow serializes
/// a pendulum FixedTimezone) of whole hours is its Etc/GMT zone, another is refused.
#[test]
fn airflow_time_zones_are_each_said() {
    let keep = || -> Edit { Box::new(|_| {}) };
    let (code, v, err) = import_airflow_mutated(
        "af-tz-two",
        vec![
            (AIRFLOW_SERIALIZED[0], keep()),
            (
                AIRFLOW_SERIALIZED[1],
                Box::new(|v| set_zone(v, Some("Asia/Tokyo".into()))),
            ),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let r = &v["report"];
    assert_eq!(r["timezone"], "Europe/Berlin");
    let dropped: Vec<(&str, &str, &str)> = r["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["what"].as_str().unwrap().starts_with("time zone"))
        .map(|d| {
            (
                d["what"].as_str().unwrap(),
                d["path"].as_str().unwrap(),
                d["why"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dropped,
        vec![(
            "time zone Asia/Tokyo of DAG sales_daily",
            "$.dag.timetable.__var.timezone",
            "a model has one time zone: its schedule is read in Europe/Berlin"
        )]
    );

    let remove = || -> Edit { Box::new(|v| set_zone(v, None)) };
    let (code, v, err) =
        import_airflow_mutated("af-tz-none", vec![(AIRFLOW_SERIALIZED[0], remove())]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["report"]["timezone"], "UTC");
    assert!(
        v["report"]["notes"].as_array().unwrap().iter().any(|n| n
            == "time zone UTC for DAG inventory_hourly: the export names none (UTC is Airflow's default, [core] default_timezone)"),
        "{}",
        v["report"]["notes"]
    );
    assert!(v["model"].as_str().unwrap().contains("timezone = \"UTC\""));
    // Beside a DAG in Berlin, the one that names none is read in Berlin: said too.
    let (code, v, err) = import_airflow_mutated(
        "af-tz-mixed",
        vec![
            (AIRFLOW_SERIALIZED[0], remove()),
            (AIRFLOW_SERIALIZED[1], keep()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["report"]["timezone"], "Europe/Berlin");
    assert!(
        v["report"]["dropped"].as_array().unwrap().iter().any(|d| d["what"]
            == "time zone UTC of DAG inventory_hourly (Airflow's default: the export names none)"),
        "{}",
        v["report"]["dropped"]
    );

    let (code, v, err) = import_airflow_mutated(
        "af-tz-offset",
        vec![(
            AIRFLOW_SERIALIZED[0],
            Box::new(|v| set_zone(v, Some(7200.into()))),
        )],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["report"]["timezone"], "Etc/GMT-2");
    assert!(
        v["report"]["notes"].as_array().unwrap().iter().any(|n| n
            == "DAG inventory_hourly: the fixed UTC offset of 7200 s ($.dag.timezone) is the time zone Etc/GMT-2"),
        "{}",
        v["report"]["notes"]
    );
    let (code, _, err) = import_airflow_mutated(
        "af-tz-odd-offset",
        vec![(
            AIRFLOW_SERIALIZED[0],
            Box::new(|v| set_zone(v, Some(5400.into()))),
        )],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("inventory_hourly.json: at $.dag.timezone: a fixed UTC offset of 5400 s"),
        "{err}"
    );
}

#[test]
fn history_from_airflow_task_instances() {
    let paths: Vec<String> = AIRFLOW_SERIALIZED
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let o = run(&[
        "import",
        "airflow",
        &paths[0],
        &paths[1],
        "--history",
        &fixture("history/airflow_task_instances.json")
            .display()
            .to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = schedsim::model::load_str("m", &stdout(&o)).unwrap();
    let load = m
        .tasks
        .iter()
        .find(|t| t.name == "sales_daily.load")
        .unwrap();
    // 4 finished tries: 1200 1200 1260 1320 s (the running one is no sample); 1 failed.
    assert_eq!(
        load.duration,
        schedsim::model::DurationDist::Lognormal {
            median: 1200,
            p95: 1320
        }
    );
    assert_eq!(load.fail.map(|f| f.probability), Some(0.25));
    assert!(stdout(&o).contains("sales_daily.load: from 4 samples"));
}

#[test]
fn profile_version_is_checked_and_kept() {
    let ds = fixture("dolphinscheduler/warehouse.json")
        .display()
        .to_string();
    let o = run(&[
        "import",
        "dolphinscheduler",
        &ds,
        "--profile-version",
        "3.1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("profile_version = \"3.1\""));
    let o = run(&[
        "import",
        "dolphinscheduler",
        &ds,
        "--profile-version",
        "3.4",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // The option is named, and no place in a file (it said `at -:`).
    assert!(
        stderr(&o).starts_with(
            "error: --profile-version: unknown DolphinScheduler version `3.4`: expected 3.1, 3.2 or 3.3\n"
        ),
        "{}",
        stderr(&o)
    );
}

/// --profile-version is DolphinScheduler's: the other importers refuse it (exit 2)
/// rather than ignore it, naming the importer it applies to; in JSON too.
#[test]
fn profile_version_is_refused_where_it_does_not_apply() {
    let airflow: Vec<String> = AIRFLOW_SERIALIZED
        .iter()
        .map(|f| fixture(f).display().to_string())
        .collect();
    let flowspec = fixture(FLOWSPEC[0]).display().to_string();
    for (format, inputs) in [("airflow", airflow.clone()), ("flowspec", vec![flowspec])] {
        for extra in [&[][..], &["--check"][..], &["--format", "json"][..]] {
            let mut args = vec!["import", format];
            args.extend(inputs.iter().map(String::as_str));
            args.extend(["--profile-version", "3.2"]);
            args.extend(extra);
            let o = run(&args);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{format} {extra:?}: {}",
                stdout(&o)
            );
            assert!(
                stderr(&o).contains(&format!(
                    "`3.2`: --profile-version applies to dolphinscheduler imports only (3.1, 3.2 or 3.3); an import of {format} has no profile version"
                )),
                "{format} {extra:?}: {}",
                stderr(&o)
            );
            if extra.contains(&"json") {
                let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
                assert_eq!(v["error"]["file"], "--profile-version", "{v}");
                assert_eq!(v["error"]["path"], "", "{v}");
            } else {
                assert!(stdout(&o).is_empty(), "nothing written: {}", stdout(&o));
            }
        }
    }
}

/// With --format json, a malformed export is one JSON document naming the path too.
#[test]
fn malformed_export_in_json_names_the_path() {
    let dir = scratch("json-err");
    let path = dir.join("x.json");
    std::fs::write(&path, r#"[{"processDefinition": {"name": "w", "code": 1}, "taskDefinitionList": [{"code": 2, "name": "t", "taskType": "NOPE"}]}]"#).unwrap();
    let o = run(&[
        "import",
        "dolphinscheduler",
        &path.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["error"]["path"], "$[0].taskDefinitionList[0].taskType");
}

/// Two tasks writing one partition: each is reported with the other's name.
#[test]
fn check_reports_a_task_writing_another_tasks_partition() {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("dolphinscheduler/warehouse.json")).unwrap(),
    )
    .unwrap();
    v[1]["taskDefinitionList"][1]["taskParams"]["sql"] =
        "INSERT OVERWRITE TABLE ods.orders PARTITION (dt = '$[yyyyMMdd-1]') SELECT * FROM fix.orders".into();
    let path = scratch("shared").join("export.json");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, out) = check_json("dolphinscheduler", &path);
    assert_eq!(code, 1);
    let shared = hazards(&out, "shared-partition");
    let tasks: Vec<&str> = shared.iter().map(|h| h["task"].as_str().unwrap()).collect();
    assert_eq!(
        tasks,
        vec!["dws_report.merge_users", "ods_订单.同步订单"],
        "{shared:?}"
    );
    assert!(
        shared[0]["message"]
            .as_str()
            .unwrap()
            .contains("partitions of ods.orders that ods_订单.同步订单 also writes (2 partitions)"),
        "{shared:?}"
    );
    // Two of the three dates: wait_ods of the first date waits for 同步订单 of the
    // day before (its `last1Days` item), which the backfill does not run.
    assert_eq!(shared[0]["evidence"].as_array().unwrap().len(), 2);
}

#[test]
fn import_output_over_its_export_is_refused_and_the_export_kept() {
    // `-o` named the export it read: the model would have replaced the user's export.
    let dir = scratch("output-over-export");
    let export = dir.join("warehouse.json");
    std::fs::copy(fixture("dolphinscheduler/warehouse.json"), &export).unwrap();
    let before = std::fs::read(&export).unwrap();
    let e = export.to_str().unwrap();
    let o = run(&["import", "dolphinscheduler", e, "-o", e]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to write over it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&export).unwrap(), before);
    // A good target is written whole, with no temporary file left beside it.
    let model = dir.join("warehouse.toml");
    let o = run(&[
        "import",
        "dolphinscheduler",
        e,
        "-o",
        model.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .starts_with("# Imported by")
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn retries_and_intervals_no_model_holds_are_refused_at_their_json_path() {
    // The import fuzz found these accepted, then the written model refused by the
    // loader: a failRetryTimes past a Java int, an interval past the calendar.
    let ds = "dolphinscheduler/warehouse.json";
    let (code, err) = import_mutated("retries-past-int", ds, |v| {
        v[0]["taskDefinitionList"][0]["failRetryTimes"] = 3_043_526_482_i64.into()
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("$[0].taskDefinitionList[0].failRetryTimes: expected a number of retries (a Java int), 0 to 2147483647, found 3043526482"),
        "{err}"
    );
    let (code, err) = import_mutated("interval-past-calendar", ds, |v| {
        v[0]["taskDefinitionList"][0]["failRetryTimes"] = 3.into();
        v[0]["taskDefinitionList"][0]["failRetryInterval"] = 122_624_360_000_i64.into();
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "$[0].taskDefinitionList[0].failRetryInterval: expected a retry interval in minutes"
        ),
        "{err}"
    );
}

#[test]
fn dependent_check_interval_past_the_calendar_is_refused_at_its_json_path() {
    // The import fuzz found it accepted, then the written model refused by the loader
    // (`check_interval` longer than the calendar).
    let ds = "dolphinscheduler/warehouse.json";
    let (code, err) = import_mutated("check-interval-past-calendar", ds, |v| {
        v[1]["taskDefinitionList"][0]["taskParams"]["dependence"]["checkInterval"] =
            631_107_230_402_i64.into()
    });
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("$[1].taskDefinitionList[0].taskParams.dependence.checkInterval: a check interval of 631107230402 seconds is over 1,000 years"),
        "{err}"
    );
    // The longest that loads is accepted.
    let (code, err) = import_mutated("check-interval-at-limit", ds, |v| {
        v[1]["taskDefinitionList"][0]["taskParams"]["dependence"]["checkInterval"] =
            (schedsim::import::MAX_DURATION_SECONDS as i64).into()
    });
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_export_given_to_the_wrong_importer_is_named_with_the_command_that_reads_it() {
    let cases = [
        (
            "flowspec",
            "tests/import/dolphinscheduler/hourly_3.3.json",
            "the file looks like a DolphinScheduler workflow export: `schedsim import dolphinscheduler tests/import/dolphinscheduler/hourly_3.3.json`",
        ),
        (
            "dolphinscheduler",
            "tests/import/flowspec/report.yaml",
            "the file looks like a DataWorks FlowSpec document: `schedsim import flowspec tests/import/flowspec/report.yaml`",
        ),
        (
            "flowspec",
            "tests/import/airflow/serialized/sales_daily.json",
            "the file looks like an Airflow DAG (serialized, or the REST API's): `schedsim import airflow",
        ),
    ];
    for (importer, file, hint) in cases {
        let out = run(&["import", importer, file]);
        assert_eq!(out.status.code(), Some(2), "{importer} {file}");
        let err = stderr(&out);
        assert!(err.contains(hint), "{importer} {file}: {err}");
    }
    // A file of the right format that is broken gets no such hint.
    let dir = scratch("wrong-importer");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "[{\"processDefinition\": 3}]").unwrap();
    let out = run(&["import", "dolphinscheduler", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("looks like"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An export whose tasks wait for each other in a loop was refused with the
/// diagnostics of the model it would have written (`<imported model>:56:15`, lines
/// never shown to the user); it is refused at the export's place of a task in the
/// loop, naming every task of it, for each importer.
#[test]
fn a_dependency_cycle_in_an_export_is_located_in_the_export() {
    let dir = scratch("cycle");
    let edit = |rel: &str, change: &dyn Fn(&mut Value)| {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(rel)).unwrap()).unwrap();
        change(&mut v);
        let path = dir.join(Path::new(rel).file_name().unwrap());
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
        path.display().to_string()
    };
    // DolphinScheduler: a relation from the third task of a chain back to the first.
    let ds = edit("dolphinscheduler/warehouse.json", &|v| {
        let rel = v[0]["processTaskRelationList"].as_array_mut().unwrap();
        let mut back = rel[1].clone();
        back["preTaskCode"] = 103.into();
        back["postTaskCode"] = 101.into();
        rel.push(back);
    });
    // Airflow: the last task of the DAG upstream of the first.
    let airflow = edit(AIRFLOW_SERIALIZED[1], &|v| {
        let tasks = v["dag"]["tasks"].as_array_mut().unwrap();
        let last = tasks.len() - 1;
        let first = tasks[0]["__var"]["task_id"].clone();
        tasks[last]["__var"]["downstream_task_ids"] = vec![first].into();
    });
    // FlowSpec: the first node waits for the third, which waits on it.
    let flowspec = edit(FLOWSPEC[0], &|v| {
        let deps = v["spec"]["workflows"][0]["dependencies"]
            .as_array_mut()
            .unwrap();
        deps[0]["depends"] = serde_json::json!([{"type": "Normal", "nodeId": "1003"}]);
    });
    let cases = [
        (
            "dolphinscheduler",
            &ds,
            "$[0].taskDefinitionList[0]",
            "ods_订单.同步订单 → ods_订单.spark_fix → ods_订单.append_log → ods_订单.同步订单",
        ),
        (
            "airflow",
            &airflow,
            "$.dag.tasks[0].__var",
            "sales_daily.extract → sales_daily.load → sales_daily.report → sales_daily.extract",
        ),
        (
            "flowspec",
            &flowspec,
            "$.spec.workflows[0].nodes[0]",
            "订单日报.ods_orders → 订单日报.dwd_订单明细 → 订单日报.paused_report → 订单日报.ods_orders",
        ),
    ];
    for (format, file, at, cycle) in cases {
        let o = run(&["import", format, file, "--format", "json"]);
        assert_eq!(o.status.code(), Some(2), "{format}: {}", stdout(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let message = v["error"]["message"].as_str().unwrap();
        assert_eq!(v["error"]["file"], file.as_str(), "{v}");
        assert!(
            message.contains("dependency cycle: "),
            "{format}: {message}"
        );
        assert!(!message.contains("<imported model>"), "{format}: {message}");
        assert_eq!(v["error"]["path"], at, "{v}");
        assert!(
            message.ends_with(&format!(
                "{cycle}: each task waits for the one before it, so none can start"
            )),
            "{format}: {message}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression tests of the import review's findings (exports in tests/import/regressions/).
#[path = "import_regressions.rs"]
mod regressions;
