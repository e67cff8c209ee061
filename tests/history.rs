//! History that already ran (issue 13): `[[scenario.history]]`, Airflow's backfill
//! `reprocess`, a fault's `origin`, and the example models of a backfill over history
//! under each profile with their verdicts pinned. Also the table-level write's own
//! status and witness.

use std::collections::BTreeSet;

use schedsim::engine::{Config, Engine, Origin, State};
use schedsim::model::{Model, load_file, load_str};
use schedsim::observe::check::PropertyResult;
use schedsim::observe::observe;
use schedsim::observe::store::Status;
use schedsim::observe::summary::Findings;

fn example(file: &str) -> Model {
    load_file(std::path::Path::new(&format!("models/{file}")))
        .unwrap_or_else(|d| panic!("{}", d.render()))
}

fn load(text: &str) -> Model {
    load_str("m.toml", text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn check<'m>(m: &'m Model, scenario: &str) -> (Engine<'m>, Findings) {
    let s = m.scenarios.iter().find(|s| s.name == scenario).unwrap();
    let (e, f, _) = observe::<Vec<u8>>(m, s, Config::new(0, 1_000_000), None).unwrap();
    (e, f)
}

fn failing(f: &Findings) -> BTreeSet<&'static str> {
    f.properties
        .iter()
        .filter(|p: &&PropertyResult| !p.holds)
        .map(|p| {
            schedsim::observe::PROPERTIES
                .into_iter()
                .find(|q| *q == p.name)
                .expect("one of the 13 (these models state no expectations)")
        })
        .collect()
}

fn witness(f: &Findings, name: &str) -> String {
    let p = f.properties.iter().find(|p| p.name == name).unwrap();
    serde_json::to_string(&p.witness).unwrap()
}

fn status(f: &Findings, key: &str) -> Status {
    f.partitions
        .iter()
        .find(|p| p.key.to_string() == key)
        .unwrap_or_else(|| {
            panic!(
                "no partition {key} in {:?}",
                f.partitions
                    .iter()
                    .map(|p| p.key.to_string())
                    .collect::<Vec<_>>()
            )
        })
        .status
}

/// (origin, state) of every instance of `task` scheduled at `at` (local, RFC 3339).
fn instances_at(e: &Engine<'_>, task: &str, at: &str) -> Vec<(Origin, State, bool)> {
    let m = e.model();
    (0..e.instances.len() as u32)
        .filter(|&i| {
            let inst = &e.instances[i as usize];
            m.task(inst.task).name == task
                && schedsim::calendar::schedule::rfc3339(&m.timezone, inst.scheduled) == at
        })
        .map(|i| {
            let inst = &e.instances[i as usize];
            (inst.origin, inst.state, e.is_history(i))
        })
        .collect()
}

// --- DataWorks: a backfill creates new instances beside the recurring ones.

#[test]
fn dataworks_backfill_of_a_failed_date_creates_instances_beside_the_history() {
    let m = example("dataworks-backfill-over-history.toml");
    let (e, f) = check(&m, "repair-the-failed-date");
    assert_eq!(failing(&f), BTreeSet::from(["unique-logical-instance"]));
    let w = witness(&f, "unique-logical-instance");
    assert!(w.contains("orders.sync scheduled 2025-03-05T02:00:00+08:00: 2 instances (history, ran 2025-03-05T02:00:00+08:00, backfill created"), "{w}");
    assert_eq!(
        instances_at(&e, "orders.sync", "2025-03-05T02:00:00+08:00"),
        [
            (Origin::Recurring, State::Failed, true),
            (Origin::Backfill, State::Succeeded, false)
        ]
    );
    // The store started with the history's partitions; the repair filled the hole.
    assert_eq!(status(&f, "ods_orders/dt=20250304"), Status::Ok);
    assert_eq!(status(&f, "dws_orders/dt=20250304"), Status::Ok);
    assert_eq!(status(&f, "dws_orders/dt=20250301"), Status::Ok);
    assert_eq!(
        f.partitions.len(),
        16,
        "8 business dates × 2 tables, from the history"
    );
}

#[test]
fn dataworks_backfill_over_succeeded_history_duplicates_insert_into() {
    let m = example("dataworks-backfill-over-history.toml");
    let (_, f) = check(&m, "backfill-the-whole-range");
    assert_eq!(
        failing(&f),
        BTreeSet::from(["unique-logical-instance", "idempotent-writes"])
    );
    // INSERT INTO: every date the history had written is there twice; 03-04 (its
    // recurring run failed before writing) once.
    assert_eq!(status(&f, "dws_orders/dt=20250301"), Status::Duplicated);
    assert_eq!(status(&f, "dws_orders/dt=20250304"), Status::Ok);
    // INSERT OVERWRITE is idempotent.
    assert_eq!(status(&f, "ods_orders/dt=20250301"), Status::Ok);
}

#[test]
fn a_fault_limited_to_the_recurring_origin_spares_the_backfill_that_repairs_it() {
    let m = example("dataworks-backfill-over-history.toml");
    let (e, f) = check(&m, "recurring-fails-backfill-repairs");
    assert_eq!(
        instances_at(&e, "orders.sync", "2025-03-11T02:00:00+08:00"),
        [
            (Origin::Recurring, State::Failed, false),
            (Origin::Backfill, State::Succeeded, false)
        ]
    );
    assert_eq!(status(&f, "ods_orders/dt=20250310"), Status::Ok);
    assert_eq!(status(&f, "dws_orders/dt=20250310"), Status::Ok);
    assert_eq!(failing(&f), BTreeSet::from(["unique-logical-instance"]));
}

#[test]
fn a_fault_without_origin_strikes_the_recurring_run_and_the_backfill_alike() {
    // The bug the origin key fixes: a fault keyed on (task, scheduled, attempt)
    // failed both the recurring run and the backfill meant to repair it.
    let text = std::fs::read_to_string("models/dataworks-backfill-over-history.toml")
        .unwrap()
        .replace("  origin = \"recurring\"\n", "");
    let m = load(&text);
    let (e, _) = check(&m, "recurring-fails-backfill-repairs");
    assert_eq!(
        instances_at(&e, "orders.sync", "2025-03-11T02:00:00+08:00"),
        [
            (Origin::Recurring, State::Failed, false),
            (Origin::Backfill, State::Failed, false)
        ]
    );
    let only_backfill = text.replace(
        "  scheduled = \"2025-03-11T02:00:00\"\n",
        "  scheduled = \"2025-03-11T02:00:00\"\n  origin = \"backfill\"\n",
    );
    let m = load(&only_backfill);
    let (e, _) = check(&m, "recurring-fails-backfill-repairs");
    assert_eq!(
        instances_at(&e, "orders.sync", "2025-03-11T02:00:00+08:00"),
        [
            (Origin::Recurring, State::Succeeded, false),
            (Origin::Backfill, State::Failed, false)
        ]
    );
}

// --- DolphinScheduler: complement creates new workflow instances.

#[test]
fn dolphinscheduler_complement_over_history_runs_serially_and_duplicates_insert_into() {
    let m = example("dolphinscheduler-complement-over-history.toml");
    let (e, f) = check(&m, "serial-complement-over-history");
    assert_eq!(
        failing(&f),
        BTreeSet::from(["unique-logical-instance", "idempotent-writes"])
    );
    // 3.3 serial: one date after another, ascending, 45 minutes each.
    let starts: Vec<i64> = (0..e.units.len() as u32)
        .filter(|&u| e.scenario_unit(u))
        .map(|u| e.units[u as usize].created.unwrap())
        .collect();
    assert_eq!(starts.len(), 4);
    assert!(
        starts.windows(2).all(|w| w[1] - w[0] == 45 * 60),
        "{starts:?}"
    );
    // The failed 03-04 had written before it failed: its rows are there twice too.
    assert_eq!(status(&f, "dws.events/dt=20250303"), Status::Duplicated);
    assert_eq!(status(&f, "dws.events/dt=20250302"), Status::Duplicated);
    // Dates outside the complement keep the history's rows once.
    assert_eq!(status(&f, "dws.events/dt=20250228"), Status::Ok);
    assert_eq!(status(&f, "ods.events/dt=20250303"), Status::Ok);
}

// --- Airflow: reprocess decides which dates that already ran run again, in place.

#[test]
fn airflow_backfill_reprocess_none_leaves_every_date_that_has_a_run() {
    let m = example("airflow-backfill-reprocess-history.toml");
    let (e, f) = check(&m, "reprocess-none");
    assert!(failing(&f).is_empty(), "{:?}", failing(&f));
    let backfilled: Vec<i64> = e
        .instances
        .iter()
        .filter(|i| i.origin == Origin::Backfill)
        .map(|i| i.scheduled)
        .collect();
    assert_eq!(backfilled.len(), 1, "only 03-06, which had no run");
    // The failed run's partition stays a hole.
    assert_eq!(status(&f, "raw.events/ds=2025-03-04"), Status::Missing);
    assert!(
        e.notes
            .iter()
            .any(|n| n
                .contains("5 date(s) already have a run and are not run again (reprocess = none)")),
        "{:?}",
        e.notes
    );
}

#[test]
fn airflow_backfill_reprocess_failed_clears_the_failed_run_in_place() {
    let m = example("airflow-backfill-reprocess-history.toml");
    let (e, f) = check(&m, "reprocess-failed");
    assert!(failing(&f).is_empty(), "{:?}", failing(&f));
    assert_eq!(e.reprocessed().len(), 1);
    assert_eq!(status(&f, "raw.events/ds=2025-03-04"), Status::Ok);
    assert_eq!(status(&f, "raw.events/ds=2025-03-01"), Status::Ok);
}

#[test]
fn airflow_backfill_reprocess_completed_runs_every_date_again_and_appends_twice() {
    let m = example("airflow-backfill-reprocess-history.toml");
    let (e, f) = check(&m, "reprocess-completed");
    // One DAG run per date (cleared, not created again): unique-logical-instance holds.
    assert_eq!(failing(&f), BTreeSet::from(["idempotent-writes"]));
    assert_eq!(e.reprocessed().len(), 5);
    assert_eq!(status(&f, "raw.events/ds=2025-03-01"), Status::Duplicated);
    assert_eq!(status(&f, "raw.events/ds=2025-03-04"), Status::Ok);
    assert_eq!(status(&f, "raw.events/ds=2025-03-06"), Status::Ok);
}

/// The run of a date is every history instance of the backfill's target tasks at that
/// time (found in an index by time since the scan per date was quadratic): a failed
/// task of the run makes it failed, a failed run of another DAG at the same time does
/// not.
#[test]
fn reprocess_failed_reads_the_run_of_the_targets_at_each_date_and_no_other_dag() {
    let m = load(
        r#"
[model]
name = "m"
profile = "airflow"
timezone = "UTC"
[[workflow]]
name = "a"
cron = "0 2 * * *"
  [[workflow.task]]
  name = "extract"
  duration = "10m"
  [[workflow.task]]
  name = "load"
  duration = "10m"
  upstream = ["extract"]
[[workflow]]
name = "b"
cron = "0 2 * * *"
  [[workflow.task]]
  name = "t"
  duration = "10m"
[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"
  [[scenario.history]]
  workflow = "a"
  from = "2025-03-01T00:00:00"
  to = "2025-03-04T23:00:00"
  state = "succeeded"
  [[scenario.history]]
  task = "a.load"
  scheduled = "2025-03-02T02:00:00"
  state = "failed"
  [[scenario.history]]
  workflow = "b"
  from = "2025-03-01T00:00:00"
  to = "2025-03-04T23:00:00"
  state = "succeeded"
  [[scenario.history]]
  workflow = "b"
  scheduled = "2025-03-03T02:00:00"
  state = "failed"
  [[scenario.backfill]]
  targets = ["a"]
  from = "2025-03-01T00:00:00"
  to = "2025-03-04T23:00:00"
  reprocess = "failed"
"#,
    );
    let (e, _) = check(&m, "s");
    let at = |t| schedsim::calendar::schedule::rfc3339(&m.timezone, t);
    let name = |i: u32| {
        let inst = &e.instances[i as usize];
        (m.task(inst.task).name.clone(), at(inst.scheduled))
    };
    let day2 = "2025-03-02T02:00:00+00:00";
    // Both instances of a's run of 03-02 (its load failed) and nothing else.
    let again: Vec<(String, String)> = e.reprocessed().iter().map(|&i| name(i)).collect();
    assert_eq!(
        again,
        [
            ("a.extract".to_string(), day2.to_string()),
            ("a.load".to_string(), day2.to_string())
        ]
    );
    let backfilled: Vec<String> = e
        .instances
        .iter()
        .filter(|i| i.origin == Origin::Backfill)
        .map(|i| at(i.scheduled))
        .collect();
    assert_eq!(backfilled, [day2, day2]);
    assert!(
        e.notes.iter().any(|n| n
            .contains("3 date(s) already have a run and are not run again (reprocess = failed)")),
        "{:?}",
        e.notes
    );
}

// --- The history's own rules.

const DW: &str = r#"
[model]
name = "m"
profile = "dataworks"
timezone = "UTC"
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  duration = "10m"
  writes = [ { table = "x", partition = "dt=${bizdate}", mode = "overwrite" } ]
[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"
"#;

#[test]
fn the_store_starts_with_the_partitions_the_history_wrote() {
    let m = load(&format!(
        "{DW}  [[scenario.history]]\n  task = \"w.t\"\n  from = \"2025-03-02T00:00:00\"\n  to = \"2025-03-04T23:00:00\"\n  state = \"succeeded\"\n  [[scenario.history]]\n  task = \"w.t\"\n  scheduled = \"2025-03-05T02:00:00\"\n  state = \"failed\"\n  writes_landed = true\n  [[scenario.history]]\n  task = \"w.t\"\n  scheduled = \"2025-03-06T02:00:00\"\n  state = \"succeeded\"\n  writes_landed = false\n"
    ));
    let (e, f) = check(&m, "s");
    assert_eq!(e.instances.len(), 5);
    let keys: Vec<String> = f.partitions.iter().map(|p| p.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "x/dt=20250301",
            "x/dt=20250302",
            "x/dt=20250303",
            "x/dt=20250304",
            "x/dt=20250305"
        ]
    );
    // A succeeded run whose rows are gone leaves a hole complete-writes names.
    assert_eq!(status(&f, "x/dt=20250305"), Status::Missing);
    assert_eq!(failing(&f), BTreeSet::from(["complete-writes"]));
    // The history took no time of the scenario's.
    let id = schedsim::observe::summary::Identity {
        scenario: "s",
        seed: 0,
        model_hash: String::new(),
    };
    let s = schedsim::observe::Summary::new(&e, f, id, true);
    assert_eq!(s.makespan_seconds, 0);
}

#[test]
fn a_history_run_at_or_after_the_start_is_refused_where_it_is_written() {
    let text = format!(
        "{DW}  [[scenario.history]]\n  task = \"w.t\"\n  scheduled = \"2025-03-10T02:00:00\"\n  state = \"succeeded\"\n"
    );
    let e = load_str("m.toml", &text).unwrap_err().render();
    assert!(
        e.contains("a history run is scheduled at or after the scenario's start"),
        "{e}"
    );
    assert!(e.contains("m.toml:18:15:"), "{e}");
}

#[test]
fn reprocess_is_refused_outside_airflow() {
    let text = format!(
        "{DW}  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-02\"\n  reprocess = \"failed\"\n"
    );
    let e = load_str("m.toml", &text).unwrap_err().render();
    assert!(e.contains("`reprocess`"), "{e}");
    assert!(e.contains("always create new instances beside"), "{e}");
}

#[test]
fn an_operation_on_a_history_run_is_a_note_not_a_panic() {
    let m = load(&format!(
        "{DW}until = \"2025-03-11T00:00:00\"\n  [[scenario.history]]\n  task = \"w.t\"\n  scheduled = \"2025-03-05T02:00:00\"\n  state = \"failed\"\n  [[scenario.operation]]\n  at = \"2025-03-10T01:00:00\"\n  kind = \"rerun\"\n  task = \"w.t\"\n  scheduled = \"2025-03-05T02:00:00\"\n"
    ));
    let (e, _) = check(&m, "s");
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("it ran before the scenario (history)")),
        "{:?}",
        e.notes
    );
}

// --- Table-level writes (issue 13, "Writes and retries"; implemented before).

#[test]
fn a_whole_table_overwrite_by_every_date_has_its_own_status_and_a_witness() {
    let text = DW.replace("partition = \"dt=${bizdate}\", ", "")
        + "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-03\"\n";
    let m = load(&text);
    let (_, f) = check(&m, "s");
    assert_eq!(f.partitions.len(), 1);
    assert!(f.partitions[0].key.whole_table());
    assert_eq!(f.partitions[0].status, Status::Missing);
    assert_eq!(failing(&f), BTreeSet::from(["complete-writes"]));
    let w = witness(&f, "complete-writes");
    assert!(w.contains("scheduled 2025-03-02T02:00:00+00:00"), "{w}");
    assert!(w.contains("scheduled 2025-03-03T02:00:00+00:00"), "{w}");
    // An INSERT INTO the whole table keeps every date's rows.
    let m = load(&text.replace("mode = \"overwrite\"", "mode = \"merge\""));
    let (_, f) = check(&m, "s");
    assert_eq!(f.partitions[0].status, Status::Ok);
}

#[test]
fn a_fault_origin_round_trips_through_the_command_line_form() {
    let m = example("dataworks-backfill-over-history.toml");
    let s = m
        .scenarios
        .iter()
        .find(|s| s.name == "recurring-fails-backfill-repairs")
        .unwrap();
    let arg = schedsim::explore::fault_arg(&m, &s.faults[0]);
    assert_eq!(
        arg,
        "orders.sync,2025-03-11T02:00:00,1,before_write,recurring"
    );
    assert_eq!(
        schedsim::explore::parse_fault(&m, &arg).unwrap(),
        s.faults[0]
    );
    let e =
        schedsim::explore::parse_fault(&m, "orders.sync,2025-03-11T02:00:00,1,after_write,history")
            .unwrap_err();
    assert!(e.contains("unknown fault origin `history`"), "{e}");
}

#[test]
fn a_history_past_its_bound_is_refused_with_the_reason() {
    let text = DW.replace("cron = \"00 00 02 * * ?\"", "cron = \"00 */5 * * * ?\"")
        + "  [[scenario.history]]\n  task = \"w.t\"\n  from = \"2015-01-01T00:00:00\"\n  to = \"2025-03-01T00:00:00\"\n  state = \"succeeded\"\n";
    let m = load(&text);
    let e = observe::<Vec<u8>>(&m, &m.scenarios[0], Config::new(0, 50_000_000), None)
        .err()
        .expect("refused");
    assert!(
        e.to_string()
            .contains("the history declares more than 1000000 runs"),
        "{e}"
    );
}

#[test]
fn a_fault_whose_origin_the_scenario_never_creates_is_a_warning_and_a_note() {
    let text = format!(
        "{DW}  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-01\"\n  [[scenario.fault]]\n  task = \"w.t\"\n  scheduled = \"2025-03-02T02:00:00\"\n  origin = \"recurring\"\n"
    );
    let (m, doc) = schedsim::model::load_document("m.toml", &text).unwrap();
    let w = schedsim::plan::reach::warnings(&m, &doc, "m.toml", &text).render();
    assert!(
        w.contains("it is limited to `recurring` instances and scenario `s` is not recurring"),
        "{w}"
    );
    let (e, f) = check(&m, "s");
    assert!(failing(&f).is_empty());
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("no recurring instance of the task was scheduled then")),
        "{:?}",
        e.notes
    );
}
