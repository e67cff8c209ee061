//! Silent answers found by an audit of the whole command line (session 17): each test
//! pins one, named after the bug. The rule they hold: whenever schedsim narrows,
//! drops, clamps or guesses it says so, or refuses with exit 2.

use std::path::PathBuf;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, stderr, stdout};

/// Writes `text` as a model file in a fresh temporary directory.
fn model(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-silent-answers-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn cron_ordered_a_date_before_every_date_time_whatever_their_instants() {
    // A date-time `--from` before a bare-date `--to` was refused as inverted ...
    let o = schedsim(&[
        "cron",
        "0 3 * * *",
        "--profile",
        "airflow",
        "--from",
        "2025-03-02T00:00:00",
        "--to",
        "2025-03-03",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2025-03-02T03:00:00+00:00\n");
    // ... and a bare-date `--from` after a date-time `--to` gave nothing, exit 0.
    let o = schedsim(&[
        "cron",
        "0 * * * *",
        "--profile",
        "airflow",
        "--from",
        "2025-03-05",
        "--to",
        "2025-03-01T10:00:00",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("--to comes before --from"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_lower_case_t_read_a_date_time_as_its_date_and_dropped_the_time() {
    // As a bound: the time of day counts.
    let o = schedsim(&[
        "cron",
        "0 * * * *",
        "--profile",
        "airflow",
        "--from",
        "2025-03-01t22:00:00",
        "--to",
        "2025-03-01T23:00:00",
    ]);
    assert_eq!(
        stdout(&o),
        "2025-03-01T22:00:00+00:00\n2025-03-01T23:00:00+00:00\n",
        "{}",
        stderr(&o)
    );
    // A DataWorks backfill takes business dates: refused, as with an upper-case T.
    let o = schedsim(&[
        "instances",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01t12:00:00",
        "--to",
        "2025-03-01t13:00:00",
        "--targets",
        "orders",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("business dates"), "{}", stderr(&o));
    // Where only a date is taken (an effective period), a date-time is refused with
    // its place in the file.
    let source = std::fs::read_to_string("models/dataworks-mysql-to-maxcompute.toml").unwrap();
    let bound = "effective = { from = \"2025-01-01\"";
    assert!(source.contains(bound));
    let path = model(
        "effective-time",
        &source.replacen(bound, "effective = { from = \"2025-01-01t12:00:00\"", 1),
    );
    let o = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("has a time of day"), "{err}");
    assert!(err.contains("effective-time.toml:"), "{err}");
}

#[test]
fn an_expectation_that_judged_no_instance_was_met_and_minimize_answered_one() {
    // A fresh backfill has no recurring instance: `sales_by_8` (origin recurring)
    // holds of nothing on every value, which the search reads as a goal met.
    let o = schedsim(&[
        "whatif",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--from",
        "2025-03-01T00:00:00",
        "--to",
        "2025-03-05T23:00:00",
        "--targets",
        "nightly",
        "--seeds",
        "4",
        "--minimize",
        "slots.etl",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "note: expect:sales_by_8: judged no instance (the scenario has no recurring instance of nightly.dws_sales): it holds of nothing"
        ),
        "{out}{}",
        stderr(&o)
    );
    // Where it judges instances, no such note.
    let o = schedsim(&["check", "models/dolphinscheduler-nightly-capacity.toml"]);
    assert!(!stdout(&o).contains("judged no instance"), "{}", stdout(&o));
}

#[test]
fn a_seeds_table_without_expectations_showed_every_expectation_met() {
    let o = schedsim(&[
        "whatif",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-02",
        "--targets",
        "orders",
        "--vary",
        "slots.odps_sql=1,2",
        "--seeds",
        "2",
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(!out.contains("every expectation met"), "{out}");
    assert!(
        out.contains(
            "note: no [[expect]] applies to the base: nothing is judged against a deadline"
        ),
        "{out}"
    );
}

#[test]
fn explore_left_out_the_models_expectations_even_one_the_base_fails() {
    let o = schedsim(&[
        "explore",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--seed",
        "1",
        "--cases",
        "5",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes.contains(
            &"the model's expectations are not searched, only the built-in properties: expect:sales_by_8, expect:backfill_same_day; the base scenario already fails expect:backfill_same_day (`schedsim check models/dolphinscheduler-nightly-capacity.toml --scenario night-with-backfill --seed 1` shows how)"
        ),
        "{notes:?}"
    );
}

/// The note's command named the model `MODEL`, where the replay lines beside it name
/// the file as the command line gave it (quoted for a shell where it needs it).
#[test]
fn explore_note_named_the_model_model_where_replay_lines_name_the_file() {
    let path = model(
        "explore note",
        &std::fs::read_to_string("models/dolphinscheduler-nightly-capacity.toml").unwrap(),
    );
    let p = path.to_str().unwrap();
    let o = schedsim(&["explore", p, "--seed", "1", "--cases", "5"]);
    let err = stderr(&o) + &stdout(&o);
    assert!(
        err.contains(&format!(
            "(`schedsim check '{p}' --scenario night-with-backfill --seed 1` shows how)"
        )),
        "{err}"
    );
    assert!(!err.contains("MODEL"), "{err}");
}

#[test]
fn instances_took_window_and_now_where_they_change_nothing() {
    let base = [
        "instances",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--from",
        "2025-03-01T00:00:00",
        "--to",
        "2025-03-01T05:00:00",
    ];
    let o = schedsim(&[&base[..], &["--window", "02:00-03:00"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("--window: a time-of-day window is DataWorks'"),
        "{}",
        stderr(&o)
    );
    let o = schedsim(&[&base[..], &["--now", "2025-03-01T02:30:00"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("this model's rule is `run`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn record_and_verify_dropped_what_the_run_noted() {
    let base = std::fs::read_to_string("tests/explore/insert-under-retries.toml").unwrap();
    let path = model(
        "missed-fault",
        &format!(
            "{base}\n  [[scenario.fault]]\n  task = \"w.load\"\n  scheduled = \"2025-03-02T03:00:00\"\n  attempts = [1]\n"
        ),
    );
    let golden = path.with_extension("jsonl");
    let never = "note: fault w.load scheduled 2025-03-02T03:00:00+00:00 attempt 1: never ran";
    let (m, g) = (path.to_str().unwrap(), golden.to_str().unwrap());
    let o = schedsim(&["record", m, "-o", g]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains(never), "{}", stderr(&o));
    let o = schedsim(&["verify", m, g]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("identical: "), "{out}");
    assert!(out.contains(never), "{out}");
}

#[test]
fn minimize_answered_the_low_end_of_a_range_as_the_least() {
    let o = schedsim(&[
        "whatif",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "3",
        "--minimize",
        "slots.etl",
        "--range",
        "4..8",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    assert_eq!(v["minimum"], 4, "{v}");
    assert_eq!(
        v["notes"][0],
        "slots.etl = 4 is the low end of the range and meets the goal: a lower value may meet it too (--range 1..8 searches them)"
    );
    // From the knob's lowest value, the low end is the least: nothing to say.
    let o = schedsim(&[
        "whatif",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "3",
        "--minimize",
        "slots.etl",
        "--range",
        "1..8",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["notes"], serde_json::json!([]), "{v}");
}

#[test]
fn diff_kept_the_last_of_a_knob_given_twice() {
    let o = schedsim(&[
        "diff",
        "models/dataworks-writes-under-retries-and-reruns.toml",
        "--scenario",
        "retry-after-write",
        "--a",
        "retries.orders.ods_append=3",
        "--a",
        "retries.orders.ods_append=0",
        "--b",
        "retries.orders.ods_append=3",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("--a retries.orders.ods_append: given twice (3, then 0)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_complement_date_listed_twice_ran_once_with_no_word() {
    let path = model(
        "repeated-date",
        "[model]\nname = \"m\"\nprofile = \"dolphinscheduler\"\n\n[[workflow]]\nname = \"w\"\ncron = \"0 0 2 * * ? *\"\n  [[workflow.task]]\n  name = \"t\"\n\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  dates = [\"2025-03-01T02:00:00\", \"2025-03-01T02:00:00\", \"2025-03-02T02:00:00\"]\n",
    );
    let o = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("repeated-date.toml:16:35: 2025-03-01T02:00:00 is listed already: the complement runs it once"),
        "{err}"
    );
}

#[test]
fn instances_of_an_empty_range_said_nothing() {
    let o = schedsim(&[
        "instances",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--from",
        "2025-03-01T04:00:00",
        "--to",
        "2025-03-01T04:30:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("note: no instance: no scheduled time of the targets falls in the range"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_bless_hint_named_the_default_suite_not_the_one_tested() {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-silent-answers-{}-suite",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        "tests/explore/insert-under-retries.toml",
        dir.join("m.toml"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = schedsim(&["test", d]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(&format!(
            "no golden yet: run `schedsim test {d} --bless` to write it"
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_history_declared_twice_did_not_say_which() {
    let o = schedsim(&[
        "run",
        "models/airflow-backfill-reprocess-history.toml",
        "--scenario",
        "reprocess-none",
    ]);
    assert!(
        stdout(&o).contains(
            "the last declaration counts (the first: events.load at 2025-03-04T02:00:00+00:00)"
        ),
        "{}",
        stdout(&o)
    );
}

/// A varied group's slots or task's retries where the scenario plans no instance
/// that could use them: a table whose rows differ by a value that changes nothing.
/// The group's was a note after the runs, the task's nothing at all; both are
/// refused before anything runs now.
#[test]
fn whatif_varied_knobs_no_run_used_and_said_nothing() {
    let whatif = |vary: &[&str]| {
        let mut args = vec![
            "whatif",
            "models/dataworks-mysql-to-maxcompute.toml",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-03",
            "--targets",
            "orders.dws_orders_daily",
        ];
        for v in vary {
            args.extend(["--vary", v]);
        }
        schedsim(&args)
    };
    let o = whatif(&["slots.odps_sql=1,2", "slots.di_shared=1,20"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().next(),
        Some(
            "error: --vary slots.di_shared: no task the scenario plans runs in group di_shared, so its values change nothing here"
        )
    );
    let o = whatif(&["slots.odps_sql=1,2", "retries.orders.ods_orders_inc=0,5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: --vary retries.orders.ods_orders_inc: the scenario plans no instance of orders.ods_orders_inc"),
        "{}",
        stderr(&o)
    );
    // `--minimize` searched such a knob and named its smallest value the minimum.
    let o = schedsim(&[
        "whatif",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--from",
        "2025-02-01T03:00:00",
        "--to",
        "2025-02-03T03:00:00",
        "--targets",
        "reprocess",
        "--seeds",
        "2",
        "--minimize",
        "retries.nightly.dws_sales",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: --minimize retries.nightly.dws_sales: the scenario plans no instance of nightly.dws_sales"),
        "{}",
        stderr(&o)
    );
    // odps_sql runs the target, and so does the target's own retry limit: a table
    // (its retries noted after the runs: no execution of it failed under seed 0).
    let o = whatif(&["slots.odps_sql=1,2", "retries.orders.dws_orders_daily=0,5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--vary slots"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: --vary retries.orders.dws_orders_daily: no execution of orders.dws_orders_daily failed in any variant"),
        "{}",
        stderr(&o)
    );
}

/// Two varied keys where one sets what the other would, or a key the scenario
/// overrides: every value of it gave the same model, and the table rows that
/// differed by nothing but its name.
#[test]
fn whatif_a_varied_key_that_changes_no_model_is_refused() {
    let capacity = "models/dolphinscheduler-nightly-capacity.toml";
    let whatif = |args: &[&str]| {
        let mut all = vec!["whatif", capacity, "--scenario", "night-with-backfill"];
        all.extend(args);
        schedsim(&all)
    };
    // The scenario's one backfill: `groups.1` sets what `groups` would.
    let o = whatif(&["--vary", "groups=1,8", "--vary", "groups.1=2,4"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: --vary groups=1,8: every value gives the same model and scenario while --vary groups.1 is varied too"),
        "{}",
        stderr(&o)
    );
    // Its backfill sets `groups` itself: the rule knob gives no default here.
    let o = whatif(&["--vary", "date_groups=1,8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: --vary date_groups=1,8: every value gives the same model and scenario, so no two rows could differ by it"),
        "{}",
        stderr(&o)
    );
    // `groups` alone changes the backfill: a table.
    let o = whatif(&["--vary", "groups=1,8"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // --window and --vary window both set a fresh backfill's window.
    let o = schedsim(&[
        "whatif",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-02",
        "--targets",
        "orders.ods_orders_inc",
        "--window",
        "00:00-05:00",
        "--vary",
        "window=00:00-01:00,00:00-02:00",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--window 00:00-05:00 sets the backfill's window too"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_bound_in_a_daylight_saving_gap_or_fold_was_moved_without_a_word() {
    let cron = |from: &str, to: &str| {
        stderr(&schedsim(&[
            "cron",
            "0 * * * *",
            "--profile",
            "airflow",
            "--tz",
            "America/New_York",
            "--from",
            from,
            "--to",
            to,
        ]))
    };
    let err = cron("2025-11-02T01:30:00", "2025-11-02T03:00:00");
    assert!(
        err.contains("note: --from 2025-11-02T01:30:00 happens twice in America/New_York (clocks go back): read as the first, 2025-11-02T01:30:00-04:00"),
        "{err}"
    );
    let err = cron("2025-03-09T00:00:00", "2025-03-09T02:30:00");
    assert!(
        err.contains("note: --to 2025-03-09T02:30:00 does not exist in America/New_York (clocks skip it): read as 2025-03-09T03:30:00-04:00, past the gap"),
        "{err}"
    );
    assert!(!err.contains("--from"), "{err}");
    let o = schedsim(&[
        "instances",
        "models/airflow-catchup-delta-manual.toml",
        "--from",
        "2025-03-09T02:30:00",
        "--to",
        "2025-03-10T00:00:00",
    ]);
    assert!(
        stderr(&o).contains(
            "note: the range's `from` 2025-03-09T02:30:00 does not exist in America/New_York"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn instances_targets_typo_gave_no_suggestion() {
    let o = schedsim(&[
        "instances",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-01",
        "--targets",
        "orders.dws_orders_dayly",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("(did you mean `orders.dws_orders_daily`?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_scenario_start_in_a_daylight_saving_gap_was_moved_without_a_word() {
    let source = std::fs::read_to_string("models/airflow-catchup-delta-manual.toml").unwrap();
    let start = source
        .lines()
        .find(|l| l.starts_with("start = "))
        .unwrap()
        .to_string();
    let path = model(
        "gap-start",
        &source.replacen(&start, "start = \"2025-03-09T02:30:00\"", 1),
    );
    let o = schedsim(&["run", path.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("note: the scenario's `start` 2025-03-09T02:30:00 does not exist in America/New_York (clocks skip it): read as 2025-03-09T03:30:00-04:00, past the gap"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// A workflow without a schedule (a DolphinScheduler sub-process target, an Airflow
/// DAG with `schedule=None`) fired daily at 00:00 in a DolphinScheduler recurring
/// scenario, and made an Airflow one refuse to plan: no scheduler fires it by itself.
#[test]
fn a_workflow_without_a_schedule_ran_in_the_recurring_schedule() {
    for (profile, cron) in [
        ("dolphinscheduler", "0 0 3 * * ?"),
        ("airflow", "0 3 * * *"),
    ] {
        let path = model(
            &format!("unscheduled-{profile}"),
            &format!(
                r#"[model]
name = "m"
profile = "{profile}"
timezone = "UTC"

[[resource_group]]
name = "default"
slots = 5

[[workflow]]
name = "sched"
cron = "{cron}"
  [[workflow.task]]
  name = "a"
  duration = "10m"

[[workflow]]
name = "manual"
  [[workflow.task]]
  name = "b"
  duration = "10m"

[[scenario]]
name = "nightly"
start = "2025-03-01T00:00:00"
until = "2025-03-03T00:00:00"
recurring = true
"#
            ),
        );
        let o = schedsim(&["run", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{profile}: {}", stderr(&o));
        let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let tasks: Vec<&str> = r["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["task"].as_str().unwrap())
            .collect();
        assert_eq!(tasks, ["sched.a", "sched.a"], "{profile}");
        let notes = r["notes"].to_string();
        assert!(
            notes.contains("workflow `manual` has no schedule"),
            "{profile}: {notes}"
        );
    }
}

/// An operation or a stretch in the model at a time no backfill covers validated
/// clean whenever the scenario had an operation (the same entry as a fault warned).
#[test]
fn an_operation_or_stretch_outside_every_backfill_validated_clean() {
    let path = model(
        "op-outside",
        r#"[model]
name = "m"
profile = "dataworks"
timezone = "Asia/Shanghai"

[[workflow]]
name = "w"
  [[workflow.task]]
  name = "a"
  cron = "00 00 02 * * ?"
  duration = "10m"

[[scenario]]
name = "s"
start = "2025-03-10T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-03"
  [[scenario.operation]]
  at = "2025-03-10T10:00:00"
  kind = "rerun"
  task = "w.a"
  scheduled = "2025-03-07T02:00:00"
  [[scenario.stretch]]
  task = "w.a"
  scheduled = "2025-03-07T02:00:00"
  factor = 2
"#,
    );
    let o = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    for what in ["operation", "stretch"] {
        assert!(
            err.contains(&format!(
                "this {what} matches no instance: `w.a` scheduled 2025-03-07T02:00:00 is outside the range of every backfill"
            )),
            "{err}"
        );
    }
}

/// A backfill of a workflow whose task has an upstream in a workflow it does not run
/// started at once without a word: the upstream binds nothing.
#[test]
fn an_upstream_outside_the_backfill_bound_nothing_without_a_word() {
    let path = model(
        "upstream-outside",
        r#"[model]
name = "m"
profile = "dolphinscheduler"
timezone = "UTC"
[[workflow]]
name = "a"
cron = "0 0 3 * * ? *"
  [[workflow.task]]
  name = "t"
  duration = "1h"
[[workflow]]
name = "b"
cron = "0 0 3 * * ? *"
  [[workflow.task]]
  name = "u"
  upstream = ["a.t"]
[[scenario]]
name = "bf"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["b"]
  from = "2025-03-10T03:00:00"
  to = "2025-03-11T03:00:00"
"#,
    );
    let note = "upstreams it does not run bind nothing, so what depends on them starts without waiting: b.u on a.t;";
    let o = schedsim(&["run", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("note: backfill 1: {note}")),
        "{}",
        stdout(&o)
    );
    let o = schedsim(&[
        "instances",
        path.to_str().unwrap(),
        "--from",
        "2025-03-10T03:00:00",
        "--to",
        "2025-03-10T03:00:00",
        "--targets",
        "b",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains(note), "{}", stderr(&o));
    // Both workflows in the backfill: nothing to say.
    let o = schedsim(&[
        "instances",
        path.to_str().unwrap(),
        "--from",
        "2025-03-10T03:00:00",
        "--to",
        "2025-03-10T03:00:00",
        "--targets",
        "a,b",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("bind nothing"), "{}", stderr(&o));
}

/// A scenario's history runs looked like its own work in `run --format json`
/// (origin `recurring`, start = end): the makespan left them out and nothing said
/// which they were. They carry `"history": true`; the others carry nothing.
#[test]
fn history_runs_looked_like_the_scenarios_own_work_in_the_json() {
    let m = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/dataworks-backfill-over-history.toml"
    );
    let o = schedsim(&[
        "run",
        m,
        "--scenario",
        "repair-the-failed-date",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let instances = r["instances"].as_array().unwrap();
    let (history, own): (Vec<_>, Vec<_>) =
        instances.iter().partition(|i| i.get("history").is_some());
    assert!(!history.is_empty() && !own.is_empty(), "{r:#}");
    assert!(history.iter().all(|i| i["history"] == true));
    // The makespan is the scenario's own work: first start to last end of the rest.
    let secs = |t: &serde_json::Value| {
        t.as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    let first = own
        .iter()
        .filter(|i| !i["start"].is_null())
        .map(|i| secs(&i["start"]))
        .min()
        .unwrap();
    let last = own
        .iter()
        .filter(|i| !i["end"].is_null())
        .map(|i| secs(&i["end"]))
        .max()
        .unwrap();
    assert_eq!(r["makespan_seconds"], last - first, "{r:#}");
    let dates = r["dates"].as_array().unwrap();
    assert!(dates.iter().any(|d| d["history"] == true), "{r:#}");
    assert!(dates.iter().any(|d| d.get("history").is_none()), "{r:#}");
}

/// A DataWorks model whose one daily node writes `partition`.
fn dataworks_partition(name: &str, partition: &str) -> PathBuf {
    model(
        name,
        &format!(
            r#"[model]
name = "dwp"
profile = "dataworks"
timezone = "Asia/Shanghai"
[[workflow]]
name = "wf"
  [[workflow.task]]
  name = "d"
  cron = "00 00 00 * * ?"
  writes = [ {{ table = "a", partition = "{partition}", mode = "overwrite" }} ]
"#
        ),
    )
}

#[test]
fn a_dataworks_bizmonth_was_kept_as_literal_text_in_the_partition_name() {
    // DW §1 rule 4: the business date's month, or the month before when the business
    // date is in the current (scheduled) month.
    let path = dataworks_partition("bizmonth", "l=$bizmonth");
    let o = schedsim(&[
        "instances",
        path.to_str().unwrap(),
        "--from",
        "2025-03-30",
        "--to",
        "2025-03-31",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let parts: Vec<&str> = out
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(parts, ["a/l=202502", "a/l=202503"]);
}

#[test]
fn a_dataworks_unknown_dollar_word_was_kept_as_literal_text_in_the_partition_name() {
    let path = dataworks_partition("bizdat", "dt=$bizdat");
    let o = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bizdat.toml:10:41: invalid partition expression: `$bizdat` is not a DataWorks built-in parameter")
            && err.contains("did you mean `$bizdate`?"),
        "{err}"
    );
    // An ID DataWorks has but schedsim does not simulate is refused, saying so.
    let path = dataworks_partition("nodeid", "n=$nodeid");
    let o = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("`$nodeid` is DataWorks' node ID, which schedsim does not simulate")
    );
    // A `$` that starts no identifier (a Shell node's `$1`, a lone `$`) is text.
    let path = dataworks_partition("dollar", "a=$1,b=$,c=$bizdate");
    let o = schedsim(&[
        "instances",
        path.to_str().unwrap(),
        "--from",
        "2025-03-30",
        "--to",
        "2025-03-30",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with("a/a=$1,b=$,c=20250330\n"),
        "{}",
        stdout(&o)
    );
}

/// `cron` from a fire time that Airflow's `_align_to_next` steps past across the
/// spring-forward gap (03-08T02:00 New York: the next fire, 03-09's 02:00, is read
/// as 03:00, and the fire Airflow finds before it is itself) left it out without a
/// word. Faithful, so kept: now said.
#[test]
fn cron_left_out_the_fire_at_from_that_airflow_aligns_past_without_a_note() {
    let args = |from: &str| {
        schedsim(&[
            "cron",
            "0 2 * * *",
            "--profile",
            "airflow",
            "--tz",
            "America/New_York",
            "--from",
            from,
            "--to",
            "2025-03-10T02:00:00",
        ])
    };
    let o = args("2025-03-08T02:00:00");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "2025-03-09T03:00:00-04:00\n2025-03-10T02:00:00-04:00\n"
    );
    assert_eq!(
        stderr(&o),
        "note: --from 2025-03-08T02:00:00-05:00 is a fire time, left out as Airflow leaves it out: CronMixin._align_to_next keeps a bound only when the fire it finds before the next one is the bound, and across this daylight-saving change it is not; a backfill or catch-up from this bound starts at 2025-03-09T03:00:00-04:00\n"
    );
    // A day earlier the bound is kept, and nothing is said.
    let o = args("2025-03-07T02:00:00");
    assert_eq!(stdout(&o).lines().count(), 4, "{}", stdout(&o));
    assert_eq!(stderr(&o), "");
}

/// The same bound as a backfill's `from` created one run fewer, without a note.
#[test]
fn a_backfill_from_a_fire_airflow_aligns_past_left_a_run_out_without_a_note() {
    let path = model(
        "aligned-from",
        "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"America/New_York\"\n[[workflow]]\nname = \"dag\"\ncron = \"0 2 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"1m\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-20T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"dag\"]\n  from = \"2025-03-08T02:00:00\"\n  to = \"2025-03-10T02:00:00\"\n",
    );
    let o = schedsim(&["run", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("instances: 2 (2 succeeded)"), "{out}");
    assert!(
        out.contains("note: backfill 1: dag.t: `from` 2025-03-08T02:00:00-05:00 is a fire time, left out as Airflow leaves it out: CronMixin._align_to_next keeps a bound only when the fire it finds before the next one is the bound, and across this daylight-saving change it is not; the runs start at 2025-03-09T03:00:00-04:00, one fewer"),
        "{out}"
    );
}

/// `cron` over a range where the expression never fires printed nothing, exit 0.
#[test]
fn cron_printed_nothing_for_a_range_where_it_never_fires() {
    for format in ["text", "json"] {
        let o = schedsim(&[
            "cron",
            "0 2 * * *",
            "--profile",
            "airflow",
            "--from",
            "2025-03-08T03:00:00",
            "--to",
            "2025-03-09T01:00:00",
            "--format",
            format,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), if format == "json" { "[]\n" } else { "" });
        assert_eq!(
            stderr(&o),
            "note: `0 2 * * *` does not fire from 2025-03-08T03:00:00+00:00 to 2025-03-09T01:00:00+00:00: nothing to list\n"
        );
    }
}

/// `validate` said "ok" of a task asking for more slots of its pool than it has; the
/// run then reported the task stuck for ever. Now a warning at `pool_slots`.
#[test]
fn validate_said_ok_of_pool_slots_above_the_pools_slots() {
    let path = model(
        "pool-slots",
        "[model]\nname = \"m\"\nprofile = \"airflow\"\n[[resource_group]]\nname = \"p\"\nslots = 2\n[[workflow]]\nname = \"dag\"\ncron = \"0 * * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  resource_group = \"p\"\n  pool_slots = 3\n",
    );
    let p = path.to_str().unwrap();
    let o = schedsim(&["validate", p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!(
            "warning: {p}:13:16: task `dag.t` asks for 3 slots of pool `p`, which has 2: Airflow's scheduler never runs it"
        )),
        "{}",
        stderr(&o)
    );
}

/// `--vary groups=3 --vary groups.1=1,2` on a scenario of one backfill labelled every
/// row groups=3 while groups.1 set the backfill's groups, and exited 0; two values of
/// `groups` were refused.
#[test]
fn whatif_a_one_value_key_another_varied_key_overrides_labelled_every_row() {
    let capacity = "models/dolphinscheduler-nightly-capacity.toml";
    let whatif = |vary: &[&str]| {
        let mut all = vec!["whatif", capacity, "--scenario", "night-with-backfill"];
        for v in vary {
            all.extend(["--vary", v]);
        }
        schedsim(&all)
    };
    for groups in ["groups=3", "groups=1"] {
        let o = whatif(&[groups, "groups.1=2,4"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o).lines().next().unwrap(),
            format!(
                "error: --vary {groups}: its value changes nothing while --vary groups.1 is varied too, which sets what it would, yet every row would be labelled with it; vary one of the two"
            )
        );
    }
    // One value that changes the backfill beside another key: a table, no note.
    let o = whatif(&["groups=3", "order=asc,desc"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--vary groups"), "{}", stderr(&o));
    // One that changes nothing (the backfill sets its own groups): said.
    let o = whatif(&["date_groups=4", "order=asc,desc"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: --vary date_groups=4: its one value changes nothing here"),
        "{}",
        stderr(&o)
    );
}

const ETL_SHANGHAI: &str = r#"
[model]
name = "ds1"
profile = "dolphinscheduler"
timezone = "Asia/Shanghai"
profile_version = "3.2"

[[workflow]]
name = "etl"
cron = "0 0 2 * * ? *"
  [[workflow.task]]
  name = "a"
  duration = "30m"
  [[workflow.task]]
  name = "b"
  upstream = ["a"]
  duration = "20m"

[[scenario]]
name = "comp"
start = "2025-03-10T09:00:00"
  [[scenario.backfill]]
  targets = ["etl"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-05T02:00:00"
  groups = 2
"#;

/// `whatif --seeds` gave the rows of a knob no seed could exercise without a word,
/// where the sweep without `--seeds` notes it: now its table (and the chart's) and
/// each variant's JSON `notes` say it, on every seed.
#[test]
fn whatif_seeds_rows_a_knob_could_not_change_were_given_without_a_note() {
    let whatif = |path: &std::path::Path, vary: &str, json: bool| {
        let p = path.to_str().unwrap();
        let mut args = vec![
            "whatif",
            p,
            "--scenario",
            "comp",
            "--vary",
            vary,
            "--seeds",
            "3",
        ];
        if json {
            args.extend(["--format", "json"]);
        }
        let o = schedsim(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let etl = model("idle-seeds-etl", ETL_SHANGHAI);
    let idle = "--vary retries.etl.a: no execution of etl.a failed in any variant on any seed, so its retries change nothing here";
    let out = whatif(&etl, "retries.etl.a=0,3", false);
    assert!(out.contains(&format!("\nnote: {idle}\n")), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&whatif(&etl, "retries.etl.a=0,3", true)).unwrap();
    for variant in v.as_array().unwrap() {
        assert_eq!(
            variant["notes"],
            serde_json::json!([{ "note": idle, "seeds": 3 }])
        );
    }
    let out = whatif(&etl, "dst_gap=skip,first_valid", false);
    assert!(
        out.contains("note: --vary dst_gap: zone Asia/Shanghai changes no offset (no DST transition) from 2025-02-27 to 2025-03-07"),
        "{out}"
    );
    // A failure of etl.a on every seed: its retries act.
    let failing = model(
        "idle-seeds-etl-fault",
        &format!(
            "{ETL_SHANGHAI}\n  [[scenario.fault]]\n  task = \"etl.a\"\n  scheduled = \"2025-03-03T02:00:00\"\n  attempts = [1]\n"
        ),
    );
    let out = whatif(&failing, "retries.etl.a=0,3", false);
    assert!(!out.contains("note: --vary"), "{out}");
}

/// Rows that could not differ got no note: a task's retries where it never failed,
/// a DST rule in a zone without a transition near the run, `reprocess` where no
/// backfill date had a run already (`slots.G` already said it).
#[test]
fn whatif_rows_a_knob_could_not_change_were_given_without_a_note() {
    let whatif = |path: &std::path::Path, scenario: &str, vary: &str| {
        let p = path.to_str().unwrap();
        let o = schedsim(&["whatif", p, "--scenario", scenario, "--vary", vary]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stderr(&o)
    };
    let etl = model("idle-etl", ETL_SHANGHAI);
    let err = whatif(&etl, "comp", "retries.etl.a=0,3");
    assert!(
        err.contains("note: --vary retries.etl.a: no execution of etl.a failed in any variant, so its retries change nothing here"),
        "{err}"
    );
    let err = whatif(&etl, "comp", "dst_gap=skip,first_valid");
    assert!(
        err.contains("note: --vary dst_gap: zone Asia/Shanghai changes no offset (no DST transition) from 2025-02-27 to 2025-03-07"),
        "{err}"
    );
    // A failure of etl.a: its retries act; New York's spring change: the DST rule may.
    let failing = model(
        "idle-etl-fault",
        &format!(
            "{ETL_SHANGHAI}\n  [[scenario.fault]]\n  task = \"etl.a\"\n  scheduled = \"2025-03-03T02:00:00\"\n  attempts = [1]\n"
        ),
    );
    let err = whatif(&failing, "comp", "retries.etl.a=0,3");
    assert!(!err.contains("note: --vary"), "{err}");
    let york = model(
        "idle-etl-york",
        &ETL_SHANGHAI
            .replace("Asia/Shanghai", "America/New_York")
            .replace("2025-03-05T02:00:00", "2025-03-10T02:00:00")
            .replace("2025-03-10T09:00:00", "2025-03-12T09:00:00"),
    );
    let err = whatif(&york, "comp", "dst_gap=skip,first_valid");
    assert!(!err.contains("note: --vary"), "{err}");
    // An Airflow backfill with no run before it, and one over a history.
    let fresh = model(
        "idle-reprocess",
        r#"
[model]
name = "af1"
profile = "airflow"
timezone = "UTC"

[[workflow]]
name = "d"
cron = "0 3 * * *"
  [[workflow.task]]
  name = "x"
  duration = "30m"

[[scenario]]
name = "bf"
start = "2025-03-10T09:00:00"
  [[scenario.backfill]]
  targets = ["d"]
  from = "2025-03-01T03:00:00"
  to = "2025-03-05T03:00:00"
"#,
    );
    let err = whatif(&fresh, "bf", "reprocess=none,failed,completed");
    assert!(
        err.contains("note: --vary reprocess: no backfill date already had a run (of the history, an earlier backfill or the recurring schedule) in any variant, so its values change nothing here"),
        "{err}"
    );
    let history = std::path::Path::new("models/airflow-backfill-reprocess-history.toml");
    let err = whatif(history, "reprocess-none", "reprocess=none,completed");
    assert!(!err.contains("note: --vary"), "{err}");
}
