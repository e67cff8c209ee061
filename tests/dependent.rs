//! DolphinScheduler DEPENDENT tasks and the complement of dependent workflows
//! (`complementDependentMode = ALL_DEPENDENT`, issue 13): the clone per version
//! (3.1.9/3.2.2 `createComplementDependentCommand`, 3.3's `// todo:`), the checks of
//! the items against the upstream instances, what a task left waiting says, and the
//! model's refusals.

use std::process::Command;

use schedsim::calendar::schedule::rfc3339;
use schedsim::engine::{Config, Engine, Origin, State};
use schedsim::model::{Model, load_file, load_str};
use schedsim::observe::observe;
use schedsim::observe::summary::describe_waits;

fn load(text: &str) -> Model {
    load_str("m.toml", text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn run<'m>(m: &'m Model) -> Engine<'m> {
    let (e, _, _) = observe::<Vec<u8>>(m, &m.scenarios[0], Config::new(0, 1_000_000), None)
        .unwrap_or_else(|e| panic!("{e}"));
    e
}

/// An upstream workflow `orders` (extract 20m 5s, then load 30m), a downstream
/// `report` whose DEPENDENT task `wait_orders` names orders with `item`, then
/// `build`; a complement of orders from 03-01 to 03-03 with `backfill` keys.
fn model(version: &str, item: &str, backfill: &str, extra: &str) -> String {
    format!(
        r#"[model]
name = "m"
profile = "dolphinscheduler"
timezone = "Asia/Shanghai"
profile_version = "{version}"

[[resource_group]]
name = "default"
slots = 1

[[workflow]]
name = "orders"
cron = "0 0 1 * * ? *"

  [[workflow.task]]
  name = "extract"
  duration = "20m5s"

  [[workflow.task]]
  name = "load"
  upstream = ["extract"]
  duration = "30m"

[[workflow]]
name = "report"
cron = "0 0 3 * * ? *"

  [[workflow.task]]
  name = "wait_orders"

    [[workflow.task.depends]]
    workflow = "orders"
    {item}

  [[workflow.task]]
  name = "build"
  upstream = ["wait_orders"]
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-10T09:00:00"
{extra}
  [[scenario.backfill]]
  targets = ["orders"]
  from = "2025-03-01T01:00:00"
  to = "2025-03-03T01:00:00"
  {backfill}
"#
    )
}

/// (origin, state, start, end) of each instance of `task` scheduled on `day` 01:00.
fn at(e: &Engine<'_>, task: &str, day: &str) -> Vec<(Origin, State, String, String)> {
    let m = e.model();
    let when = format!("2025-03-{day}T01:00:00+08:00");
    e.instances
        .iter()
        .filter(|i| m.task(i.task).name == task && rfc3339(&m.timezone, i.scheduled) == when)
        .map(|i| {
            let t = |x: Option<i64>| x.map_or("-".into(), |x| rfc3339(&m.timezone, x));
            (i.origin, i.state, t(i.start()), t(i.end()))
        })
        .collect()
}

fn count(e: &Engine<'_>, task: &str) -> usize {
    let m = e.model();
    e.instances
        .iter()
        .filter(|i| m.task(i.task).name == task)
        .count()
}

#[test]
fn all_dependent_3_2_clones_the_complement_and_the_dependent_task_waits_for_its_date() {
    let m = load(&model(
        "3.2",
        "date_value = \"today\"",
        "dependents = true",
        "",
    ));
    let e = run(&m);
    assert!(
        e.notes.iter().any(|n| n.starts_with(
            "backfill 2 (cloned from backfill 1): complements report too (ALL_DEPENDENT)"
        )),
        "{:#?}",
        e.notes
    );
    // 3.2 runs dates newest first: 03-03 first. report's complement runs beside
    // orders' (not after it): wait_orders starts at the submission, takes no worker
    // slot (the one slot runs orders), and succeeds at the first 10 s check after
    // orders of its date ends (09:50:05 -> 09:50:10).
    let orders = at(&e, "orders.load", "03");
    assert_eq!(orders[0].3, "2025-03-10T09:50:05+08:00");
    assert_eq!(
        at(&e, "report.wait_orders", "03"),
        [(
            Origin::Backfill,
            State::Succeeded,
            "2025-03-10T09:00:00+08:00".into(),
            "2025-03-10T09:50:10+08:00".into()
        )]
    );
    // It held no slot: the one slot of `default` was never over-used.
    let (_, f, _) =
        observe::<Vec<u8>>(&m, &m.scenarios[0], Config::new(0, 1_000_000), None).unwrap();
    assert!(
        f.properties.iter().all(|p| p.holds),
        "{:?}",
        f.properties
            .iter()
            .filter(|p| !p.holds)
            .map(|p| &p.name)
            .collect::<Vec<_>>()
    );
    assert_eq!(f.groups[0].peak_running, 1);
    // From the DEPENDENT task on (TASK_POST): wait_orders and build, each date once.
    assert_eq!(count(&e, "report.wait_orders"), 3);
    assert_eq!(count(&e, "report.build"), 3);
    assert!(e.instances.iter().all(|i| i.state == State::Succeeded));
}

#[test]
fn all_dependent_3_3_clones_nothing_and_says_so() {
    let m = load(&model(
        "3.3",
        "date_value = \"today\"",
        "dependents = true",
        "",
    ));
    let e = run(&m);
    assert_eq!(count(&e, "report.wait_orders"), 0);
    assert_eq!(count(&e, "orders.load"), 3);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("doBackfillDependentWorkflow is `// todo:`")
                && n.starts_with("backfill 1: `dependents = true`")),
        "{:#?}",
        e.notes
    );
}

#[test]
fn all_dependent_3_1_clones_and_checks_every_5_seconds_deciding_one_check_late() {
    // 3.1.9 checks at each state-wheel-interval (5 s): 09:50:05 is a check, which
    // sees orders succeed; `DependentExecute.finish` returns false on the call that
    // computes the result, so the task ends at the next check, 09:50:10.
    let m = load(&model(
        "3.1",
        "date_value = \"today\"",
        "dependents = true",
        "",
    ));
    let e = run(&m);
    // 3.1 walks dates ascending: 03-01 first.
    assert_eq!(
        at(&e, "orders.load", "01")[0].3,
        "2025-03-10T09:50:05+08:00"
    );
    assert_eq!(
        at(&e, "report.wait_orders", "01")[0].3,
        "2025-03-10T09:50:10+08:00"
    );
}

#[test]
fn a_failed_upstream_date_fails_the_dependent_task() {
    let fault =
        "  [[scenario.fault]]\n  task = \"orders.load\"\n  scheduled = \"2025-03-03T01:00:00\"\n";
    let m = load(&model(
        "3.2",
        "date_value = \"today\"",
        "dependents = true",
        fault,
    ));
    let e = run(&m);
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-10T09:50:10+08:00")
    );
    assert_eq!(at(&e, "report.build", "03")[0].1, State::NotRun);
}

#[test]
fn last1_days_waits_for_the_previous_date_and_reports_the_one_that_never_ran() {
    // Two slots: report's build does not wait behind orders.
    let m = load(
        &model("3.2", "date_value = \"last1Days\"", "dependents = true", "")
            .replace("slots = 1", "slots = 2"),
    );
    let e = run(&m);
    // 3.2 runs dates newest first. report's 03-02 (started when its 03-03 ended at
    // 10:50:10) waits for orders of 03-01, which ends at 11:30:15: it succeeds at the
    // check of 11:30:20, not before.
    assert_eq!(
        at(&e, "orders.load", "01")[0].3,
        "2025-03-10T11:30:15+08:00"
    );
    let wait = at(&e, "report.wait_orders", "02");
    assert_eq!(
        (wait[0].1, wait[0].2.as_str(), wait[0].3.as_str()),
        (
            State::Succeeded,
            "2025-03-10T10:50:10+08:00",
            "2025-03-10T11:30:20+08:00"
        )
    );
    // 03-01 waits for 02-28, which no one runs: still running at the end, and said.
    let wait = at(&e, "report.wait_orders", "01");
    assert_eq!(wait[0].1, State::Running);
    let stuck = e.stuck();
    let mine = stuck
        .iter()
        .find(|s| {
            e.model().task(e.instances[s.instance as usize].task).name == "report.wait_orders"
        })
        .expect("the DEPENDENT task is stuck");
    assert_eq!(
        describe_waits(&e, &mine.waits_for),
        [
            "its DEPENDENT items: an instance of orders scheduled in [2025-02-28, 2025-02-28 23:59:59] that never ran"
        ]
    );
}

#[test]
fn a_dependent_task_waiting_for_an_interval_without_instance_ends_at_its_timeout() {
    let m = load(
        &model("3.2", "date_value = \"last7Days\"", "dependents = true", "").replace(
            "  name = \"wait_orders\"\n",
            "  name = \"wait_orders\"\n  timeout = \"1h\"\n",
        ),
    );
    let e = run(&m);
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-10T10:00:00+08:00")
    );
}

#[test]
fn a_finished_instance_beats_a_running_one_as_mysql_orders_null_end_times_last() {
    // A failed run of orders on 03-03 in the history, and the complement running it
    // again: `order by end_time desc` puts the running instance (NULL end) last, so
    // the failed one is the last instance and the DEPENDENT task fails at its start.
    let history = "  [[scenario.history]]\n  workflow = \"orders\"\n  scheduled = \"2025-03-03T01:00:00\"\n  state = \"failed\"\n";
    let m = load(&model(
        "3.2",
        "date_value = \"today\"",
        "dependents = true",
        history,
    ));
    let e = run(&m);
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-10T09:00:00+08:00")
    );
}

#[test]
fn a_history_run_satisfies_a_recurring_dependent_task() {
    // No complement: the recurring run of report on 03-10 checks orders of 03-10
    // (`today`), which the history says succeeded.
    let text = model("3.2", "date_value = \"today\"", "", "")
        .replace("start = \"2025-03-10T09:00:00\"", "start = \"2025-03-10T02:00:00\"\nuntil = \"2025-03-10T04:00:00\"\nrecurring = true\n  [[scenario.history]]\n  workflow = \"orders\"\n  scheduled = \"2025-03-10T01:00:00\"\n  state = \"succeeded\"")
        .replace("  [[scenario.backfill]]\n  targets = [\"orders\"]\n  from = \"2025-03-01T01:00:00\"\n  to = \"2025-03-03T01:00:00\"\n", "");
    let m = load(&text);
    let e = run(&m);
    let w: Vec<_> = e
        .instances
        .iter()
        .filter(|i| m.task(i.task).name == "report.wait_orders")
        .map(|i| (i.state, i.end().map(|t| rfc3339(&m.timezone, t))))
        .collect();
    assert_eq!(
        w,
        [(
            State::Succeeded,
            Some("2025-03-10T03:00:00+08:00".to_string())
        )]
    );
}

#[test]
fn a_cycle_other_than_the_upstream_schedules_is_not_complemented() {
    let m = load(&model(
        "3.2",
        "cycle = \"week\"\n    date_value = \"thisWeek\"",
        "dependents = true",
        "",
    ));
    let e = run(&m);
    assert_eq!(count(&e, "report.wait_orders"), 0);
    assert!(
        e.notes.iter().any(|n| n.contains(
            "report.wait_orders is not complemented: its DEPENDENT item on orders has cycle week"
        )),
        "{:#?}",
        e.notes
    );
}

#[test]
fn a_dependent_task_with_nothing_after_it_is_not_found_pre_task_code_join() {
    // WorkFlowLineageMapper joins the DEPENDENT task on pre_task_code: a last task
    // is no relation's pre task, so its workflow is not complemented.
    let text = model("3.2", "date_value = \"today\"", "dependents = true", "")
        .replace("  upstream = [\"wait_orders\"]\n", "");
    let m = load(&text);
    let e = run(&m);
    assert_eq!(count(&e, "report.wait_orders"), 0);
    assert!(
        e.notes.iter().any(|n| n.contains("has no task after it")),
        "{:#?}",
        e.notes
    );
}

/// A diamond: b and c depend on a, d on b and on c.
fn diamond(all_levels: bool) -> String {
    let wf = |name: &str, deps: &[&str]| {
        let mut s = format!("[[workflow]]\nname = \"{name}\"\ncron = \"0 0 1 * * ? *\"\n");
        if deps.is_empty() {
            s.push_str("  [[workflow.task]]\n  name = \"t\"\n");
        } else {
            s.push_str("  [[workflow.task]]\n  name = \"wait\"\n");
            for d in deps {
                s.push_str(&format!(
                    "    [[workflow.task.depends]]\n    workflow = \"{d}\"\n"
                ));
            }
            s.push_str("  [[workflow.task]]\n  name = \"t\"\n  upstream = [\"wait\"]\n");
        }
        s
    };
    format!(
        "[model]\nname = \"d\"\nprofile = \"dolphinscheduler\"\nprofile_version = \"3.2\"\n{}{}{}{}[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"a\"]\n  from = \"2025-03-01T01:00:00\"\n  to = \"2025-03-02T01:00:00\"\n  dependents = true\n  all_levels = {all_levels}\n",
        wf("a", &[]),
        wf("b", &["a"]),
        wf("c", &["a"]),
        wf("d", &["b", "c"]),
    )
}

#[test]
fn all_levels_complements_a_diamonds_bottom_twice_17540() {
    let m = load(&diamond(true));
    let e = run(&m);
    // b and c once each; d once from b and once from c: 2 complements of 2 dates.
    assert_eq!(count(&e, "b.wait"), 2);
    assert_eq!(count(&e, "c.wait"), 2);
    assert_eq!(count(&e, "d.wait"), 4);
    assert!(e.instances.iter().all(|i| i.state == State::Succeeded));
    let lower = e
        .notes
        .iter()
        .filter(|n| n.contains("complements d too (ALL_DEPENDENT, a lower level)"))
        .count();
    assert_eq!(lower, 2, "{:#?}", e.notes);
}

#[test]
fn without_all_levels_only_the_first_level_is_complemented() {
    let m = load(&diamond(false));
    let e = run(&m);
    assert_eq!(
        (
            count(&e, "b.wait"),
            count(&e, "c.wait"),
            count(&e, "d.wait")
        ),
        (2, 2, 0)
    );
}

fn validate(text: &str) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("schedsim-dependent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("m{}.toml", text.len()));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout),
    )
}

#[test]
fn an_unknown_date_value_is_refused_where_it_is_written() {
    let (code, err) = validate(&model("3.2", "date_value = \"yesterday\"", "", ""));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("yesterday"), "{err}");
    assert!(err.contains("last1Days"), "{err}");
    assert!(err.contains(":33:"), "line 33 of the model: {err}");
}

#[test]
fn an_unknown_workflow_or_task_in_depends_is_refused() {
    let (code, err) = validate(&model("3.2", "task = \"loda\"", "", ""));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("workflow `orders` has no task `loda`")
            && err.contains("expected one of its tasks (`extract` or `load`)"),
        "{err}"
    );
    let (code, err) = validate(
        &model("3.2", "", "", "")
            .replace("workflow = \"orders\"\n    \n", "workflow = \"ordres\"\n"),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown workflow `ordres`"), "{err}");
}

#[test]
fn depends_and_dependents_are_refused_outside_dolphinscheduler() {
    let text = "[model]\nname = \"m\"\nprofile = \"airflow\"\n[[workflow]]\nname = \"a\"\ncron = \"0 1 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n[[workflow]]\nname = \"b\"\ncron = \"0 1 * * *\"\n  [[workflow.task]]\n  name = \"w\"\n    [[workflow.task.depends]]\n    workflow = \"a\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"a\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-02\"\n  dependents = true\n";
    let (code, err) = validate(text);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`depends` (a DEPENDENT task) applies only to profile `dolphinscheduler`"),
        "{err}"
    );
    assert!(err.contains("`dependents` and `all_levels` (complementDependentMode) applies only to profile `dolphinscheduler`"), "{err}");
}

#[test]
fn a_dependent_task_refuses_a_duration() {
    let text = model("3.2", "", "", "").replace(
        "  name = \"wait_orders\"\n",
        "  name = \"wait_orders\"\n  duration = \"5m\"\n",
    );
    let (code, err) = validate(&text);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("task `wait_orders` is a DEPENDENT task and sets `duration`"),
        "{err}"
    );
}

#[test]
fn the_example_model_validates_and_its_complement_runs_report_beside_orders() {
    let m = load_file(std::path::Path::new(
        "models/dolphinscheduler-dependent-complement.toml",
    ))
    .unwrap_or_else(|d| panic!("{}", d.render()));
    let s = m
        .scenarios
        .iter()
        .find(|s| s.name == "complement-all-dependent")
        .unwrap();
    let (e, _, _) = observe::<Vec<u8>>(&m, s, Config::new(0, 1_000_000), None).unwrap();
    assert!(count(&e, "report.wait_orders") > 0);
}

fn schedsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn run_prints_what_a_stuck_dependent_task_waits_for() {
    let dir = std::env::temp_dir().join(format!("schedsim-dependent-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("last1days.toml");
    let text = std::fs::read_to_string("models/dolphinscheduler-dependent-complement.toml")
        .unwrap()
        .replace("date_value = \"today\"", "date_value = \"last1Days\"");
    std::fs::write(&path, text).unwrap();
    let out = schedsim(&["run", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("report.wait_orders 2025-03-01T01:00:00+08:00 (running) waits for its DEPENDENT items: an instance of orders scheduled in [2025-02-28, 2025-02-28 23:59:59] that never ran"),
        "{stdout}"
    );
}

/// The warehouse export with its DEPENDENT task's item relation set to `inner` and
/// the dependence's `outer`, imported.
fn import_dependent(inner: &str, outer: &str, policy: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/import/dolphinscheduler/warehouse.json").unwrap(),
    )
    .unwrap();
    let dep = &mut v[1]["taskDefinitionList"][0]["taskParams"]["dependence"];
    dep["relation"] = outer.into();
    dep["failurePolicy"] = policy.into();
    dep["dependTaskList"][0]["relation"] = inner.into();
    let dir =
        std::env::temp_dir().join(format!("schedsim-dependent-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("export-{inner}-{outer}-{policy}.json"));
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let out = schedsim(&["import", "dolphinscheduler", path.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn the_importer_keeps_an_or_between_dependent_items_and_its_check_interval() {
    let model = import_dependent("OR", "AND", "DEPENDENT_FAILURE_FAILURE");
    assert!(
        model.contains("  depends_relation = \"or\"\n  check_interval = \"10s\"\n"),
        "{model}"
    );
    assert!(!model.contains("OR between"), "{model}");
    assert!(
        model.contains(
            "    workflow = \"ods_订单\"\n    cycle = \"day\"\n    date_value = \"today\""
        ),
        "{model}"
    );
    assert!(
        model.contains(
            "    task = \"同步订单\"\n    cycle = \"day\"\n    date_value = \"last1Days\""
        ),
        "{model}"
    );
    // And it validates: the model the importer writes is one schedsim reads.
    load(&model);
}

/// The warehouse export with its DEPENDENT task's dependence edited by `edit`,
/// imported with `args`: the model, and what the import said on stderr.
fn import_edited(edit: impl Fn(&mut serde_json::Value), args: &[&str]) -> (String, String) {
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/import/dolphinscheduler/warehouse.json").unwrap(),
    )
    .unwrap();
    edit(&mut v[1]["taskDefinitionList"][0]["taskParams"]["dependence"]);
    let dir = std::env::temp_dir().join(format!("schedsim-dependent-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_json::to_string(&v).unwrap();
    let path = dir.join(format!("export-{}.json", text.len()));
    std::fs::write(&path, text).unwrap();
    let mut all = vec!["import", "dolphinscheduler", path.to_str().unwrap()];
    all.extend(args);
    let out = schedsim(&all);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    (String::from_utf8_lossy(&out.stdout).to_string(), err)
}

#[test]
fn the_importer_keeps_a_waiting_failure_policy_as_failure_waiting() {
    let (model, _) = import_edited(
        |d| {
            d["failurePolicy"] = "DEPENDENT_FAILURE_WAITING".into();
            d["failureWaitingTime"] = 90.into();
        },
        &[],
    );
    assert!(model.contains("  failure_waiting = \"1h30m\"\n"), "{model}");
    load(&model);
    // Without a waiting time DependentExecute.finish fails at once: nothing to keep,
    // and said.
    let (model, err) = import_edited(
        |d| d["failurePolicy"] = "DEPENDENT_FAILURE_WAITING".into(),
        &[],
    );
    assert!(!model.contains("failure_waiting"), "{model}");
    assert!(
        (model.clone() + &err).contains(
            "dws_report.wait_ods: failurePolicy DEPENDENT_FAILURE_WAITING without failureWaitingTime"
        ),
        "{model}{err}"
    );
    // 3.1.9 has no failure policy: dropped, and said.
    let (model, err) = import_edited(
        |d| {
            d["failurePolicy"] = "DEPENDENT_FAILURE_WAITING".into();
            d["failureWaitingTime"] = 90.into();
        },
        &["--profile-version", "3.1"],
    );
    assert!(!model.contains("failure_waiting ="), "{model}");
    assert!(
        (model.clone() + &err).contains("3.1.9 has no failure policy"),
        "{model}{err}"
    );
    load(&model);
}

#[test]
fn the_importer_keeps_dependent_groups_with_their_own_relations() {
    // Two groups: the export's items split, the first OR, the second AND, OR between.
    let (model, _) = import_edited(
        |d| {
            let items = d["dependTaskList"][0]["dependItemList"].clone();
            d["relation"] = "OR".into();
            d["dependTaskList"] = serde_json::json!([
                { "relation": "OR", "dependItemList": [items[0].clone()] },
                { "relation": "AND", "dependItemList": [items[1].clone()] },
                { "relation": "AND", "dependItemList": [] },
            ]);
        },
        &[],
    );
    assert!(
        model.contains("  depends_relation = \"or\"\n  depends_groups = [\"or\", \"and\"]\n"),
        "{model}"
    );
    assert!(
        model.contains("    date_value = \"today\"\n    group = 1\n"),
        "{model}"
    );
    assert!(
        model.contains("    date_value = \"last1Days\"\n    group = 2\n"),
        "{model}"
    );
    assert!(model.contains("an empty dependent group (AND)"), "{model}");
    assert!(!model.contains("AND and OR mixed"), "{model}");
    load(&model);
}

#[test]
fn a_scripted_fault_fails_a_dependent_tasks_attempt_and_its_retry_checks_again() {
    let fault = "  [[scenario.fault]]\n  task = \"report.wait_orders\"\n  scheduled = \"2025-03-03T01:00:00\"\n";
    let text = model("3.2", "date_value = \"today\"", "dependents = true", fault).replace(
        "  name = \"wait_orders\"\n",
        "  name = \"wait_orders\"\n  retry = { times = 1, interval = \"1m\" }\n",
    );
    let m = load(&text);
    let e = run(&m);
    let inst = e
        .instances
        .iter()
        .find(|i| {
            m.task(i.task).name == "report.wait_orders"
                && rfc3339(&m.timezone, i.scheduled) == "2025-03-03T01:00:00+08:00"
        })
        .unwrap();
    // Attempt 1 fails at its start (09:00), attempt 2 starts at 09:01 and succeeds at
    // the first of its checks (09:01:00 + 10 s steps) after orders of 03-03 ends
    // (09:50:05): 09:50:10.
    assert_eq!(inst.attempts, 2);
    assert_eq!(inst.state, State::Succeeded);
    assert_eq!(
        rfc3339(&m.timezone, inst.end().unwrap()),
        "2025-03-10T09:50:10+08:00"
    );
}

#[test]
fn scenarios_lists_a_backfill_with_dependents() {
    let out = schedsim(&[
        "scenarios",
        "models/dolphinscheduler-dependent-complement.toml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 group(s), desc, dependents = true (ALL_DEPENDENT)"),
        "{text}"
    );
    let out = schedsim(&[
        "scenarios",
        "models/dolphinscheduler-dependent-complement.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["backfills"][0]["dependents"], "direct");
}

#[test]
fn a_self_dependent_item_passes_for_the_first_instance_ever_is_first_process_instance() {
    // DependentExecute.isSelfDependent && isFirstProcessInstance: an item on its own
    // workflow (ALL) succeeds for the workflow's first instance, though no instance
    // of the day before exists; the next date checks 03-01 as usual.
    let text = &self_dependent("3.2");
    let m = load(text);
    let e = run(&m);
    let waits: Vec<(State, String)> = e
        .instances
        .iter()
        .filter(|i| m.task(i.task).name == "daily.wait_self")
        .map(|i| (i.state, rfc3339(&m.timezone, i.end().unwrap())))
        .collect();
    assert_eq!(
        waits,
        [
            (State::Succeeded, "2025-03-10T00:00:00+00:00".to_string()),
            (State::Succeeded, "2025-03-10T00:10:00+00:00".to_string())
        ]
    );
}

#[test]
fn three_one_has_no_first_instance_rule_classic_dependent_execute() {
    // 3.1.9's DependentExecute has no isSelfDependent/isFirstProcessInstance: the first
    // date waits for the day before, which never ran.
    let m = load(&self_dependent("3.1"));
    let e = run(&m);
    let first = e
        .instances
        .iter()
        .find(|i| m.task(i.task).name == "daily.wait_self")
        .unwrap();
    assert_eq!(first.state, State::Running);
    assert_eq!(e.stuck().len(), 2);
}

/// A workflow whose DEPENDENT task names the workflow itself (ALL, last1Days),
/// complemented over 03-01 and 03-02 in ascending order.
fn self_dependent(version: &str) -> String {
    format!(
        "[model]\nname = \"s\"\nprofile = \"dolphinscheduler\"\nprofile_version = \"{version}\"\n[[workflow]]\nname = \"daily\"\ncron = \"0 0 1 * * ? *\"\n  [[workflow.task]]\n  name = \"wait_self\"\n    [[workflow.task.depends]]\n    workflow = \"daily\"\n    task = \"ALL\"\n    date_value = \"last1Days\"\n  [[workflow.task]]\n  name = \"load\"\n  upstream = [\"wait_self\"]\n  duration = \"10m\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"daily\"]\n  from = \"2025-03-01T01:00:00\"\n  to = \"2025-03-02T01:00:00\"\n  order = \"asc\"\n"
    )
}

/// `model` with `keys` on the DEPENDENT task and its items in two groups: group 1
/// orders of its own date, group 2 orders of the day before.
fn two_groups(version: &str, keys: &str, extra: &str) -> String {
    let second = "group = 1\n\n    [[workflow.task.depends]]\n    workflow = \"orders\"\n    date_value = \"last1Days\"\n    group = 2";
    model(version, second, "dependents = true", extra).replace(
        "  name = \"wait_orders\"\n",
        &format!("  name = \"wait_orders\"\n  {keys}\n"),
    )
}

#[test]
fn or_between_groups_waits_for_every_group_is_all_dependent_task_finished() {
    // Group 1 (orders of 03-03) succeeds at 09:50:05; group 2 (orders of 03-02, run
    // after 03-03 as 3.2 goes newest first) only at 10:40:10. Under OR the task
    // ends when both are decided (`isAllDependentTaskFinished`), not at the first
    // success: 10:40:10, a check tick.
    let m = load(&two_groups(
        "3.2",
        "depends_relation = \"or\"\n  depends_groups = [\"and\", \"and\"]",
        "",
    ));
    let e = run(&m);
    assert_eq!(
        at(&e, "orders.load", "03")[0].3,
        "2025-03-10T09:50:05+08:00"
    );
    assert_eq!(
        at(&e, "orders.load", "02")[0].3,
        "2025-03-10T10:40:10+08:00"
    );
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Succeeded, "2025-03-10T10:40:10+08:00")
    );
    // The same items in one OR group succeed at the first check after 09:50:05.
    let one = load(&model("3.2", "date_value = \"today\"\n\n    [[workflow.task.depends]]\n    workflow = \"orders\"\n    date_value = \"last1Days\"", "dependents = true", "").replace(
        "  name = \"wait_orders\"\n",
        "  name = \"wait_orders\"\n  depends_relation = \"or\"\n",
    ));
    let e = run(&one);
    assert_eq!(
        at(&e, "report.wait_orders", "03")[0].3,
        "2025-03-10T09:50:10+08:00"
    );
}

#[test]
fn a_failed_group_does_not_fail_the_task_while_another_group_waits() {
    // orders.load of 03-03 fails: group 1 says FAILED at 09:50:10. Group 2 waits for
    // orders of 03-02, which never runs (the complement's chain stops at the failed
    // date): the task runs on until its timeout (2h after its 09:00 start), where
    // one AND group of both items would have failed at 09:50:10.
    let fault =
        "  [[scenario.fault]]\n  task = \"orders.load\"\n  scheduled = \"2025-03-03T01:00:00\"\n";
    let m = load(&two_groups(
        "3.2",
        "depends_groups = [\"and\", \"and\"]\n  timeout = \"2h\"",
        fault,
    ));
    let e = run(&m);
    assert_eq!(at(&e, "orders.load", "03")[0].1, State::Failed);
    assert!(at(&e, "orders.load", "02").is_empty());
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-10T11:00:00+08:00")
    );
}

/// `model` under 3.2 whose orders.load of 03-03 fails, its DEPENDENT task with
/// `failure_waiting = "{waiting}"`, and `extra` scenario tables.
fn failure_waiting(waiting: &str, extra: &str) -> Model {
    let fault =
        "  [[scenario.fault]]\n  task = \"orders.load\"\n  scheduled = \"2025-03-03T01:00:00\"\n";
    load(
        &model("3.2", "", "dependents = true", &format!("{fault}{extra}")).replace(
            "  name = \"wait_orders\"\n",
            &format!("  name = \"wait_orders\"\n  failure_waiting = \"{waiting}\"\n"),
        ),
    )
}

#[test]
fn failure_waiting_holds_a_failed_item_until_past_the_business_date_plus_the_wait() {
    // The business date is 03-03 01:00 (+08:00); 200 hours after it is 03-11
    // 09:00:00, and `finish` needs strictly more: the first check after it, on the
    // 10 s ticks from the 03-10 09:00:00 start, is 09:00:10.
    let m = failure_waiting("200h", "");
    let e = run(&m);
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-11T09:00:10+08:00")
    );
    // An old date's window is long over: it fails at once, as without the policy.
    let m = failure_waiting("1h", "");
    let e = run(&m);
    assert_eq!(
        at(&e, "report.wait_orders", "03")[0].3,
        "2025-03-10T09:50:10+08:00"
    );
}

#[test]
fn failure_waiting_lets_a_rerun_upstream_succeed_the_task() {
    // The operator reruns orders of 03-03 at 12:00: it succeeds at 12:50:05, within
    // the wait, and the next check succeeds the task.
    let rerun = "  [[scenario.operation]]\n  at = \"2025-03-10T12:00:00\"\n  kind = \"rerun\"\n  task = \"orders.load\"\n  scheduled = \"2025-03-03T01:00:00\"\n";
    let m = failure_waiting("200h", rerun);
    let e = run(&m);
    assert_eq!(at(&e, "orders.load", "03")[0].1, State::Succeeded);
    let wait = at(&e, "report.wait_orders", "03");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Succeeded, "2025-03-10T12:50:10+08:00")
    );
    assert_eq!(at(&e, "report.build", "03")[0].1, State::Succeeded);
}

#[test]
fn groups_and_failure_waiting_are_refused_where_they_cannot_mean_anything() {
    let cases = [
        (
            two_groups("3.2", "", ""),
            "names group 2, and the task has one group (no `depends_groups`)",
        ),
        (
            two_groups("3.2", "depends_groups = [\"and\"]", ""),
            "task `wait_orders` has no group 2 (it has 1 `depends_groups`)",
        ),
        (
            two_groups("3.2", "depends_groups = [\"and\", \"or\", \"or\"]", ""),
            "group 3 of task `wait_orders` has no item",
        ),
        (
            two_groups("3.2", "depends_groups = []", ""),
            "task `wait_orders` has an empty `depends_groups`",
        ),
        (
            model("3.2", "", "", "").replace(
                "  name = \"wait_orders\"\n",
                "  name = \"wait_orders\"\n  depends_groups = [\"and\"]\n",
            ),
            "this item of task `wait_orders` names no `group`, and the task has 1 `depends_groups`",
        ),
        (
            model("3.1", "", "", "").replace(
                "  name = \"wait_orders\"\n",
                "  name = \"wait_orders\"\n  failure_waiting = \"1h\"\n",
            ),
            "task `wait_orders` sets `failure_waiting`, which 3.1.9's DEPENDENT task does not have",
        ),
    ];
    for (text, message) in cases {
        let (code, err) = validate(&text);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(message), "{message}:\n{err}");
        assert!(
            err.contains("m.toml:") || err.contains(".toml:"),
            "located: {err}"
        );
    }
}

#[test]
fn three_one_decides_a_group_at_the_check_after_the_one_that_saw_it() {
    // Under 3.1 (5 s ticks from 09:00:00, dates oldest first): group 2 (orders'
    // extract of 03-01) is seen decided at 09:20:05 and counts from 09:20:10; group 1
    // (orders' load) is seen at 09:50:05. The task ends at the next check, 09:50:10:
    // `DependentExecute.finish` returns false on the call that computes a result.
    let items = "task = \"load\"\n    group = 1\n\n    [[workflow.task.depends]]\n    workflow = \"orders\"\n    task = \"extract\"\n    group = 2";
    let m = load(&model("3.1", items, "dependents = true", "").replace(
        "  name = \"wait_orders\"\n",
        "  name = \"wait_orders\"\n  depends_groups = [\"and\", \"and\"]\n",
    ));
    let e = run(&m);
    assert_eq!(
        at(&e, "orders.load", "01")[0].3,
        "2025-03-10T09:50:05+08:00"
    );
    let wait = at(&e, "report.wait_orders", "01");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Succeeded, "2025-03-10T09:50:10+08:00")
    );
}

#[test]
fn three_one_waits_on_an_and_of_a_failure_and_a_wait_dependent_utils_if_if() {
    // 3.1.9's DependentUtils.getDependResultForRelation tests AND's FAILED and then its
    // WAITING with two `if`s: a wait beside a failure waits (3.2.2: `else if`, FAILED).
    // orders.load of 03-01 fails; the day before, 02-28, never ran: the task runs on
    // to its timeout, 2h after its 09:00 start.
    let fault =
        "  [[scenario.fault]]\n  task = \"orders.load\"\n  scheduled = \"2025-03-01T01:00:00\"\n";
    let items = "task = \"load\"\n\n    [[workflow.task.depends]]\n    workflow = \"orders\"\n    date_value = \"last1Days\"";
    let m = load(&model("3.1", items, "dependents = true", fault).replace(
        "  name = \"wait_orders\"\n",
        "  name = \"wait_orders\"\n  timeout = \"2h\"\n",
    ));
    let e = run(&m);
    assert_eq!(at(&e, "orders.load", "01")[0].1, State::Failed);
    let wait = at(&e, "report.wait_orders", "01");
    assert_eq!(
        (wait[0].1, wait[0].3.as_str()),
        (State::Failed, "2025-03-10T11:00:00+08:00")
    );
}
