//! DolphinScheduler's complement against its own code, per version (issue 13,
//! "DolphinScheduler backfill"). Each test is named after the source it pins:
//! 3.3 (dev HEAD 7e0095dca198, the line 3.3.x is released from)
//! `BackfillWorkflowExecutorDelegate` and `BackfillWorkflowDTOValidator`, 3.1.9
//! `ExecutorServiceImpl.createComplementCommandList` and
//! `WorkflowExecuteRunnable` (`CronUtils.getSelfFireDateList`), 3.2.2's
//! `createComplementCommandList`.

use schedsim::engine::{self, Config, Engine};
use schedsim::model::{Model, load_str};
use schedsim::observe::check::PropertyResult;
use schedsim::observe::observe;

fn model(version: &str, backfill: &str) -> String {
    format!(
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
  to = "2025-03-06T02:00:00"
{backfill}
"#
    )
}

fn load(text: &str) -> Model {
    load_str("m.toml", text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn run(m: &Model) -> Engine<'_> {
    engine::simulate(m, &m.scenarios[0], Config::new(1, 1_000_000), &mut ()).unwrap()
}

/// Hours after the first date started at which each date (in date order) started.
fn start_hours(e: &Engine<'_>) -> Vec<i64> {
    let t0 = e.units.iter().filter_map(|u| u.created).min().unwrap();
    e.units
        .iter()
        .map(|u| (u.created.unwrap() - t0) / 3600)
        .collect()
}

fn parallelism_holds(m: &Model) -> bool {
    let (_, f, _) =
        observe::<Vec<u8>>(m, &m.scenarios[0], Config::new(1, 1_000_000), None).unwrap();
    f.properties
        .iter()
        .find(|p: &&PropertyResult| p.name == "date-parallelism-bound")
        .unwrap()
        .holds
}

#[test]
fn ds_3_3_backfill_workflow_executor_delegate_serial_runs_dates_one_after_another() {
    // doSerialBackfillWorkflow hands the whole sorted list to one trigger; the next
    // date is triggered when one succeeds (WorkflowSuccessLifecycleListener). Before
    // issue 13 the 3.3 preset split serial mode into one-date chunks, all at once.
    for backfill in ["", "  groups = 1"] {
        let m = load(&model("3.3", backfill));
        assert_eq!(start_hours(&run(&m)), [0, 1, 2, 3, 4, 5], "{backfill:?}");
        assert!(parallelism_holds(&m));
    }
}

#[test]
fn ds_3_3_backfill_workflow_executor_delegate_serial_sorts_descending_on_desc_order() {
    // `if (getExecutionOrder() == DESC_ORDER) sort(reverseOrder()) else sort()`.
    let m = load(&model("3.3", "  order = \"desc\""));
    assert_eq!(start_hours(&run(&m)), [5, 4, 3, 2, 1, 0]);
}

#[test]
fn ds_3_3_backfill_workflow_executor_delegate_parallel_keeps_the_chunk_bug_17831() {
    // doParallelBackfillWorkflow: Lists.partition(listDate, min(N, P)): chunks of
    // size P, every chunk at once. Six dates, parallelism 2: {0,1}, {2,3}, {4,5}.
    let m = load(&model("3.3", "  groups = 2"));
    assert_eq!(start_hours(&run(&m)), [0, 1, 0, 1, 0, 1]);
    assert!(
        !parallelism_holds(&m),
        "three dates in flight where 2 were asked"
    );
}

#[test]
fn ds_3_3_backfill_workflow_dto_validator_refuses_parallelism_zero() {
    // A null expectedParallelismNumber is unboxed by the validator's `< 0` check;
    // 0 passes it and reaches Lists.partition(list, 0), which throws.
    let e = load_str("m.toml", &model("3.3", "  groups = 0")).unwrap_err();
    let text = e.render();
    assert!(
        text.contains("DolphinScheduler 3.3 refuses a parallel complement without a parallelism"),
        "{text}"
    );
    assert!(text.contains("m.toml:"), "file:line:column: {text}");
}

#[test]
fn ds_3_1_9_workflow_execute_runnable_walks_cron_dates_ascending() {
    // 3.1.9 has no ExecutionOrder: the master walks CronUtils.getSelfFireDateList,
    // start to end. The preset used to run the newest date first.
    let m = load(&model("3.1", ""));
    assert_eq!(
        m.scenarios[0].backfills[0].order,
        schedsim::rules::Order::Asc
    );
    assert_eq!(start_hours(&run(&m)), [0, 1, 2, 3, 4, 5]);
}

#[test]
fn ds_3_1_9_execute_service_parallel_without_parallelism_is_one_chain_per_date() {
    // createComplementCommandList: `if (expectedParallelismNumber != null &&
    // expectedParallelismNumber != 0) createCount = min(createCount, P)`; otherwise
    // one command, one chain, per date: every date at once.
    let m = load(&model("3.1", "  groups = 0"));
    assert_eq!(start_hours(&run(&m)), [0, 0, 0, 0, 0, 0]);
    assert!(parallelism_holds(&m), "no parallelism, no bound to pass");
}

#[test]
fn ds_3_2_2_execute_service_parallel_without_parallelism_is_one_chain_per_date() {
    // 3.2.2 keeps the same `!= null && != 0` test before its round-robin split.
    let m = load(&model("3.2", "  groups = 0"));
    assert_eq!(start_hours(&run(&m)), [0, 0, 0, 0, 0, 0]);
}

#[test]
fn groups_zero_is_refused_outside_dolphinscheduler() {
    let text = model("3.3", "  groups = 0")
        .replace("profile = \"dolphinscheduler\"", "profile = \"dataworks\"")
        .replace("profile_version = \"3.3\"\n", "")
        .replace("cron = \"0 0 2 * * ? *\"", "")
        .replace(
            "name = \"load\"",
            "name = \"load\"\n  cron = \"00 00 02 * * ?\"",
        )
        .replace("2025-03-01T02:00:00", "2025-03-01")
        .replace("2025-03-06T02:00:00", "2025-03-06");
    let e = load_str("m.toml", &text).unwrap_err().render();
    assert!(e.contains("`groups` must be at least 1"), "{e}");
}

#[test]
fn whatif_vary_groups_zero_follows_the_profile_and_version() {
    let whatif = |model: &str, from: &str, to: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_schedsim"))
            .args([
                "whatif",
                model,
                "--from",
                from,
                "--to",
                to,
                "--vary",
                "groups=0,2",
            ])
            .output()
            .unwrap()
    };
    // DolphinScheduler 3.2: parallel mode without a parallelism is a variant.
    let ds = whatif(
        "models/dolphinscheduler-retry-backfill.toml",
        "2025-03-01",
        "2025-03-02",
    );
    assert_eq!(
        ds.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ds.stderr)
    );
    // DataWorks has no such mode.
    let dw = whatif(
        "models/dataworks-writes-under-retries-and-reruns.toml",
        "2025-03-01",
        "2025-03-02",
    );
    assert_eq!(dw.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dw.stderr).contains("`groups` must be at least 1"));
}

#[test]
fn ds_3_3_backfill_workflow_executor_delegate_parallel_ignores_execution_order() {
    // doParallelBackfillWorkflow partitions getBackfillDateList as it comes, with no
    // sort: `order = desc` changes nothing, and a note says so.
    let m = load(&model("3.3", "  groups = 2\n  order = \"desc\""));
    let e = run(&m);
    assert_eq!(start_hours(&e), [0, 1, 0, 1, 0, 1]);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("`order = desc` does nothing here")),
        "{:?}",
        e.notes
    );
}

/// The complement of 03-01..03-06 (ascending, `groups` dates in parallel) whose
/// 03-03 fails, then acted on by `kind` (`rerun_failed`: recovered) the next day: each
/// date with its origin, in the order they started, and the dates never started.
fn recovered(version: &str, groups: u32, kind: Option<&str>) -> (Vec<String>, Vec<String>) {
    let operation = kind.map_or(String::new(), |kind| {
        format!(
            "  [[scenario.operation]]\n  at = \"2025-03-21T00:00:00\"\n  kind = \"{kind}\"\n  task = \"etl.load\"\n  scheduled = \"2025-03-03T02:00:00\"\n"
        )
    });
    let m = load(&model(
        version,
        &format!(
            "  order = \"asc\"\n  groups = {groups}\n  [[scenario.fault]]\n  task = \"etl.load\"\n  scheduled = \"2025-03-03T02:00:00\"\n{operation}"
        ),
    ));
    let e = run(&m);
    let mut started: Vec<(i64, String)> = e
        .units
        .iter()
        .filter_map(|u| {
            let date = u.key.date_text(&m);
            u.created
                .map(|t| (t, format!("{} {:?}", &date[5..10], u.origin)))
        })
        .collect();
    started.sort();
    let never = e
        .never_started()
        .map(|(_, u)| u.key.date_text(&m)[5..10].to_string())
        .collect();
    (started.into_iter().map(|(_, d)| d).collect(), never)
}

/// A failed complement date ends its chain (3.1.9/3.2.2 `processComplementData`:
/// "complement data ends || no success"; 3.3 `WorkflowSuccessLifecycleListener`
/// matches SUCCEED only, #15835 "by design"); recovered, it keeps the instance's
/// complement parameters (3.1.9/3.2.2 `constructProcessInstance` merges them into
/// START_FAILURE_TASK_PROCESS's, `isComplementData()` reads the command history and
/// `initTaskQueue` rebuilds the date list; 3.3 `RecoverFailureTaskCommandHandler`
/// keeps the command param "since this will make the origin command params lost"),
/// so on success the next date's command is created and the chain goes on.
fn recovered_failed_date_goes_on_with_its_chain(version: &str) {
    let (started, never) = recovered(version, 1, None);
    assert_eq!(started.len(), 3, "{version}: {started:?}");
    assert_eq!(never, ["03-04", "03-05", "03-06"], "{version}");
    let (started, never) = recovered(version, 1, Some("rerun_failed"));
    assert_eq!(
        started,
        ["03-01", "03-02", "03-03", "03-04", "03-05", "03-06"].map(|d| format!("{d} Backfill")),
        "{version}"
    );
    assert!(never.is_empty(), "{version}: {never:?}");
}

#[test]
fn ds_3_1_9_process_complement_data_goes_on_after_a_recovered_failed_date() {
    recovered_failed_date_goes_on_with_its_chain("3.1");
}

#[test]
fn ds_3_2_2_process_complement_data_goes_on_after_a_recovered_failed_date() {
    recovered_failed_date_goes_on_with_its_chain("3.2");
    // Two chains by round robin, {01, 03, 05} and {02, 04, 06}: the recovered 03
    // goes on with 05 alone.
    let (started, never) = recovered("3.2", 2, None);
    assert_eq!(never, ["03-05"]);
    assert_eq!(started.len(), 5);
    let (started, never) = recovered("3.2", 2, Some("rerun_failed"));
    assert!(never.is_empty(), "{never:?}");
    assert_eq!(started[5..], ["03-05 Backfill"]);
}

#[test]
fn ds_3_3_workflow_success_lifecycle_listener_goes_on_after_a_recovered_failed_date() {
    recovered_failed_date_goes_on_with_its_chain("3.3");
}

#[test]
fn a_rerun_failed_complement_date_went_on_with_copies_and_left_its_dates_never_started() {
    // A rerun (REPEAT_RUNNING) of the failed date goes on the same way: the dates its
    // chain never started run as themselves, not as second instances beside them.
    let (started, never) = recovered("3.2", 1, Some("rerun"));
    assert!(never.is_empty(), "{never:?}");
    assert_eq!(
        started,
        ["03-01", "03-02", "03-03", "03-04", "03-05", "03-06"].map(|d| format!("{d} Backfill"))
    );
}

#[test]
fn a_date_a_recovered_chain_has_yet_to_start_is_not_handed_to_a_second_chain() {
    // 03-03 recovered at 00:00 hands 03-04..03-06 to a chain of its own; a rerun of
    // 03-02 at 01:30 goes on with copies of them, and does not take 03-05 and 03-06
    // from that chain a second time (which created them twice and panicked).
    let m = load(&model(
        "3.2",
        "  order = \"asc\"\n  [[scenario.fault]]\n  task = \"etl.load\"\n  scheduled = \"2025-03-03T02:00:00\"\n  [[scenario.operation]]\n  at = \"2025-03-21T00:00:00\"\n  kind = \"rerun_failed\"\n  task = \"etl.load\"\n  scheduled = \"2025-03-03T02:00:00\"\n  [[scenario.operation]]\n  at = \"2025-03-21T01:30:00\"\n  kind = \"rerun\"\n  task = \"etl.load\"\n  scheduled = \"2025-03-02T02:00:00\"\n",
    ));
    let e = run(&m);
    let backfill_dates: Vec<String> = e
        .units
        .iter()
        .filter(|u| u.created.is_some() && u.origin == schedsim::engine::Origin::Backfill)
        .map(|u| u.key.date_text(&m)[5..10].to_string())
        .collect();
    assert_eq!(
        backfill_dates,
        ["03-01", "03-02", "03-03", "03-04", "03-05", "03-06"]
    );
    assert_eq!(
        e.instances.len(),
        7,
        "six dates and the copy of 03-03 that ran"
    );
}
