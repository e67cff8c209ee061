//! The seeds' hazards, reproduced by the models in `models/`, with their verdicts
//! pinned: which properties fail, and what each partition ends as.

use std::collections::BTreeSet;

use schedsim::engine::{Config, Engine};
use schedsim::model::{Model, load_file};
use schedsim::observe::check::PropertyResult;
use schedsim::observe::store::Status;
use schedsim::observe::summary::Findings;
use schedsim::observe::{PROPERTIES, observe};

fn load(file: &str) -> Model {
    load_file(std::path::Path::new(&format!("models/{file}")))
        .unwrap_or_else(|d| panic!("{}", d.render()))
}

fn check<'m>(m: &'m Model, scenario: &str) -> (Engine<'m>, Findings) {
    let s = m.scenarios.iter().find(|s| s.name == scenario).unwrap();
    let config = Config::new(0, 1_000_000);
    let (e, f, _) = observe::<Vec<u8>>(m, s, config, None).unwrap();
    (e, f)
}

fn failing(f: &Findings) -> BTreeSet<&'static str> {
    f.properties
        .iter()
        .filter(|p: &&PropertyResult| !p.holds)
        .filter_map(|p| p.builtin())
        .collect()
}

fn status(f: &Findings, key: &str) -> Status {
    f.partitions
        .iter()
        .find(|p| p.key.to_string() == key)
        .unwrap_or_else(|| panic!("no partition {key}"))
        .status
}

#[test]
fn insert_into_retried_after_its_write_duplicates_overwrite_and_merge_do_not() {
    let m = load("dataworks-writes-under-retries-and-reruns.toml");
    let (_, f) = check(&m, "retry-after-write");
    assert_eq!(failing(&f), BTreeSet::from(["idempotent-writes"]));
    assert_eq!(
        status(&f, "ods_orders_append/dt=20250301"),
        Status::Duplicated
    );
    assert_eq!(status(&f, "ods_orders/dt=20250301"), Status::Ok);
    assert_eq!(status(&f, "dws_orders/dt=20250301"), Status::Ok);
    assert_eq!(status(&f, "ods_orders_append/dt=20250302"), Status::Ok);
}

#[test]
fn a_manual_rerun_of_insert_into_duplicates_of_merge_into_does_not() {
    let m = load("dataworks-writes-under-retries-and-reruns.toml");
    let (e, f) = check(&m, "manual-rerun");
    assert_eq!(failing(&f), BTreeSet::from(["idempotent-writes"]));
    assert_eq!(
        status(&f, "ods_orders_append/dt=20250301"),
        Status::Duplicated
    );
    assert_eq!(status(&f, "dws_orders/dt=20250301"), Status::Ok);
    // Reruns add executions, not instances.
    assert_eq!(e.instances.len(), 3);
    assert_eq!(e.instances.iter().map(|i| i.attempts).sum::<u32>(), 5);
}

#[test]
fn set_success_leaves_a_hole() {
    let m = load("dataworks-writes-under-retries-and-reruns.toml");
    let (_, f) = check(&m, "set-success-hole");
    assert_eq!(failing(&f), BTreeSet::from(["complete-writes"]));
    assert_eq!(status(&f, "ods_orders/dt=20250301"), Status::Missing);
}

#[test]
fn today_in_a_backfill_writes_the_wrong_partition_and_misses_the_right_ones() {
    let m = load("dataworks-backfill-today-partition.toml");
    let (_, f) = check(&m, "backfill-three-dates");
    assert_eq!(
        failing(&f),
        BTreeSet::from(["complete-writes", "partition-alignment"])
    );
    assert_eq!(status(&f, "dws_sales_bad/dt=20250310"), Status::Misaligned);
    for day in ["20250302", "20250303", "20250304"] {
        assert_eq!(
            status(&f, &format!("dws_sales_bad/dt={day}")),
            Status::Missing
        );
    }
    for day in ["20250301", "20250302", "20250303"] {
        assert_eq!(status(&f, &format!("dws_sales/dt={day}")), Status::Ok);
    }
}

#[test]
fn rerunning_the_whole_workflow_re_executes_succeeded_tasks_recovering_does_not() {
    let m = load("dolphinscheduler-rerun-vs-recover.toml");
    let (e, f) = check(&m, "rerun-whole-workflow");
    let attempts: Vec<u32> = e.instances.iter().map(|i| i.attempts).collect();
    assert_eq!(attempts, [2, 2], "extract and load both ran again");
    assert_eq!(failing(&f), BTreeSet::from(["idempotent-writes"]));
    assert_eq!(status(&f, "ods.orders/dt=20250304"), Status::Duplicated);
    let (e, f) = check(&m, "recover-failed");
    let attempts: Vec<u32> = e.instances.iter().map(|i| i.attempts).collect();
    assert_eq!(attempts, [1, 2], "only the failed load ran again");
    assert!(failing(&f).is_empty());
}

#[test]
fn rerunning_a_complement_instance_creates_the_later_dates_again() {
    let m = load("dolphinscheduler-complement-rerun.toml");
    let (e, f) = check(&m, "rerun-one-date");
    assert_eq!(e.instances.len(), 8);
    assert_eq!(
        failing(&f),
        BTreeSet::from([
            "idempotent-writes",
            "instance-count",
            "unique-logical-instance"
        ])
    );
    let unique = f
        .properties
        .iter()
        .find(|p| p.name == "unique-logical-instance")
        .unwrap();
    assert_eq!(unique.witness.as_ref().unwrap().count, 3);
}

#[test]
fn a_failed_date_stops_the_serial_complement() {
    let m = load("dolphinscheduler-complement-rerun.toml");
    let (e, f) = check(&m, "failure-stops-the-chain");
    assert_eq!(e.instances.len(), 3);
    assert_eq!(failing(&f), BTreeSet::from(["instance-count"]));
}

#[test]
fn ds_3_3_runs_four_chunks_at_once_and_future_dates_early() {
    let m = load("dolphinscheduler-3.3-parallel-complement.toml");
    let (_, f) = check(&m, "parallel-into-the-future");
    assert_eq!(
        failing(&f),
        BTreeSet::from(["date-parallelism-bound", "no-early-start"])
    );
}

#[test]
fn airflow_backoff_capped_below_the_delay_breaks_the_retry_interval() {
    let m = load("airflow-backoff-cap-and-deadlock.toml");
    let (_, f) = check(&m, "capped-backoff");
    assert_eq!(failing(&f), BTreeSet::from(["retry-bound"]));
}

#[test]
fn depends_on_past_behind_a_failure_never_terminates() {
    let m = load("airflow-backoff-cap-and-deadlock.toml");
    let (_, f) = check(&m, "depends-on-past-deadlock");
    assert_eq!(
        failing(&f),
        BTreeSet::from(["instance-count", "termination"])
    );
}

#[test]
fn dataworks_groups_run_self_dependent_dates_side_by_side() {
    let m = load("dataworks-mysql-to-maxcompute.toml");
    let (_, f) = check(&m, "backfill-one-week");
    assert_eq!(failing(&f), BTreeSet::from(["self-dependency-order"]));
}

/// Every property fails on some model here, except the three the engine guarantees by
/// construction (it never starts an instance before its bindings, never exceeds a
/// group, never plans outside an effective period); their checkers are shown to fail
/// on constructed inputs in `src/observe/check.rs`.
#[test]
fn every_property_fails_on_some_model() {
    let cases = [
        (
            "dataworks-writes-under-retries-and-reruns.toml",
            "retry-after-write",
        ),
        (
            "dataworks-writes-under-retries-and-reruns.toml",
            "set-success-hole",
        ),
        (
            "dataworks-backfill-today-partition.toml",
            "backfill-three-dates",
        ),
        ("dolphinscheduler-complement-rerun.toml", "rerun-one-date"),
        (
            "dolphinscheduler-3.3-parallel-complement.toml",
            "parallel-into-the-future",
        ),
        ("airflow-backoff-cap-and-deadlock.toml", "capped-backoff"),
        (
            "airflow-backoff-cap-and-deadlock.toml",
            "depends-on-past-deadlock",
        ),
        ("dataworks-mysql-to-maxcompute.toml", "backfill-one-week"),
    ];
    let mut seen = BTreeSet::new();
    for (file, scenario) in cases {
        let m = load(file);
        seen.extend(failing(&check(&m, scenario).1));
    }
    let by_construction = ["dependency-order", "resource-bound", "effective-period"];
    let all: BTreeSet<&str> = PROPERTIES.iter().copied().collect();
    let expected: BTreeSet<&str> = all.difference(&by_construction.into()).copied().collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_dolphinscheduler_rerun_counts_run_times() {
    let m = load("dolphinscheduler-rerun-vs-recover.toml");
    let (e, _) = check(&m, "rerun-whole-workflow");
    assert_eq!(e.units[0].run_times, 2);
    let (e, _) = check(&m, "recover-failed");
    assert_eq!(
        e.units[0].run_times, 2,
        "recover failed runs the instance again too"
    );
}
