//! Airflow 3's checks of a backfill as it is created (`_create_backfill`,
//! `_validate_backfill_params` in airflow-core/src/airflow/models/backfill.py),
//! through the binary: what Airflow refuses is an error at the backfill's entry
//! (`validate` and `run`, exit 2), or, when only the run can tell (another backfill
//! of the DAG still running), a backfill left out with a note. Each test is named
//! after the defect it pins.

use std::path::PathBuf;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, stderr, stdout};

fn scratch(name: &str, model: &str) -> (PathBuf, String) {
    let dir =
        std::env::temp_dir().join(format!("schedsim-af-checks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.toml");
    std::fs::write(&path, model).unwrap();
    let p = path.display().to_string();
    (dir, p)
}

/// A daily DAG (`0 3 * * *`, UTC) of one task; `task` adds keys to the task, the
/// scenario starts 2025-03-20T00:00:00 and `backfills` follow it.
fn model(task: &str, backfills: &str) -> String {
    format!(
        "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"UTC\"\n[[workflow]]\nname = \"dag\"\ncron = \"0 3 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"1h\"\n{task}[[workflow]]\nname = \"other\"\ncron = \"0 3 * * *\"\n  [[workflow.task]]\n  name = \"u\"\n  duration = \"1h\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-20T00:00:00\"\n{backfills}"
    )
}

fn backfill(targets: &str, from: &str, to: &str, extra: &str) -> String {
    format!(
        "  [[scenario.backfill]]\n  targets = [{targets}]\n  from = \"{from}\"\n  to = \"{to}\"\n{extra}"
    )
}

/// `validate` and `run` both refuse the model with exit 2, the error located at
/// `place` (line:column) and saying `said`.
fn refused(name: &str, text: &str, place: &str, said: &str) {
    let (dir, p) = scratch(name, text);
    for cmd in ["validate", "run"] {
        let out = schedsim(&[cmd, &p]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("error: {p}:{place}: ")),
            "{cmd}: {err}"
        );
        assert!(err.contains(said), "{cmd}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn accepted(name: &str, text: &str) -> String {
    let (dir, p) = scratch(name, text);
    let out = schedsim(&["validate", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = schedsim(&["run", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
    stdout(&out)
}

const RANGE: (&str, &str) = ("2025-03-10T00:00:00", "2025-03-12T00:00:00");

#[test]
fn a_depends_on_past_backfill_with_reprocess_none_is_refused_as_invalid_reprocess_behavior() {
    let dop = "  self_dependency = true\n";
    let (from, to) = RANGE;
    // The default (none) and `none` written out.
    for extra in ["", "  reprocess = \"none\"\n"] {
        refused(
            "dop-none",
            &model(dop, &backfill("\"dag\"", from, to, extra)),
            "21:3",
            "backfill 1: dag.t depends on its previous run (depends_on_past), so Airflow requires the backfill to reprocess completed or failed runs: set `reprocess = \"failed\"` or `reprocess = \"completed\"`, not none, the default (Airflow's InvalidReprocessBehavior)",
        );
    }
    for reprocess in ["failed", "completed"] {
        let extra = format!("  reprocess = \"{reprocess}\"\n");
        let out = accepted(
            "dop-ok",
            &model(dop, &backfill("\"dag\"", from, to, &extra)),
        );
        assert!(out.contains("instances: 2 (2 succeeded)"), "{out}");
    }
    // Without depends_on_past, none is Airflow's default and runs.
    let out = accepted("none-ok", &model("", &backfill("\"dag\"", from, to, "")));
    assert!(out.contains("instances: 2 (2 succeeded)"), "{out}");
}

#[test]
fn two_backfills_of_one_dag_submitted_at_once_are_refused_as_already_running_backfill() {
    let (from, to) = RANGE;
    let two = backfill("\"dag\"", from, to, "")
        + &backfill("\"dag\"", "2025-03-01T00:00:00", "2025-03-03T00:00:00", "");
    refused(
        "two-at-once",
        &model("", &two),
        "24:3",
        "backfill 2: backfill 1 of DAG dag is submitted at the same time (2025-03-20T00:00:00+00:00) and has not completed then: Airflow allows one running backfill per DAG (AlreadyRunningBackfill)",
    );
    // Another DAG's backfill at the same time is its own.
    let other = backfill("\"dag\"", from, to, "") + &backfill("\"other\"", from, to, "");
    let out = accepted("two-dags", &model("", &other));
    assert!(out.contains("instances: 4 (4 succeeded)"), "{out}");
}

#[test]
fn a_backfill_submitted_while_another_of_its_dag_runs_is_left_out_with_a_note() {
    let (from, to) = RANGE;
    // Backfill 1 runs 00:00 to 01:00. Backfill 2 comes at 01:00, the instant its runs
    // end (Airflow marks a backfill complete on a later scheduler loop): its run of
    // `dag` is refused, its run of `other` (a backfill of its own) runs. Backfill 3
    // comes at 02:00, after backfill 1 completed, and runs.
    let three = backfill("\"dag\"", from, to, "")
        + &backfill(
            "\"dag\", \"other\"",
            "2025-03-01T00:00:00",
            "2025-03-02T00:00:00",
            "  at = \"2025-03-20T01:00:00\"\n",
        )
        + &backfill(
            "\"dag\"",
            "2025-03-05T00:00:00",
            "2025-03-06T00:00:00",
            "  at = \"2025-03-20T02:00:00\"\n",
        );
    let out = accepted("while-running", &model("", &three));
    assert!(
        out.contains("note: backfill 2: not run: submitted at 2025-03-20T01:00:00+00:00 while backfill 1 of DAG dag was still running (its run 2025-03-10T03:00:00+00:00 had not ended); Airflow allows one running backfill per DAG and refuses it (AlreadyRunningBackfill)"),
        "{out}"
    );
    // 2 of backfill 1, `other`'s of backfill 2, 1 of backfill 3: nothing never started.
    assert!(out.contains("instances: 4 (4 succeeded)"), "{out}");
    assert!(
        out.contains("dates/runs: 4 planned, 4 started, 0 with a failure, 0 never started"),
        "{out}"
    );
    assert!(
        out.contains("2025-03-05T03:00:00+00:00 backfill 3  2025-03-20T02:00:00+00:00 -> 2025-03-20T03:00:00+00:00"),
        "{out}"
    );
}

#[test]
fn a_backfill_range_without_a_run_is_refused_as_no_runs_to_create() {
    // No 03:00 between 04:00 and 02:00 the next day.
    refused(
        "empty",
        &model(
            "",
            &backfill("\"dag\"", "2025-03-10T04:00:00", "2025-03-11T02:00:00", ""),
        ),
        "20:3",
        "backfill 1: no run of DAG dag falls in its range (2025-03-10T04:00:00 to 2025-03-11T02:00:00) with its data interval ended by its submission at 2025-03-20T00:00:00+00:00: Airflow refuses it (RuntimeError \"No runs to create\")",
    );
    // The range starts before the submission and its only run is not due by then.
    refused(
        "not-due",
        &model(
            "",
            &backfill("\"dag\"", "2025-03-19T04:00:00", "2025-03-25T00:00:00", "").replace(
                "  [[scenario.backfill]]\n",
                "  [[scenario.backfill]]\n  at = \"2025-03-20T02:00:00\"\n",
            ),
        ),
        "20:3",
        "(RuntimeError \"No runs to create\")",
    );
}

#[test]
fn a_backfill_of_future_dates_is_refused_as_invalid_backfill_date_at_its_submission() {
    let future = backfill("\"dag\"", "2025-03-21T00:00:00", "2025-03-23T00:00:00", "");
    refused(
        "future",
        &model("", &future),
        "20:3",
        "backfill 1: its range (2025-03-21T00:00:00 to 2025-03-23T00:00:00) is at or after its submission at 2025-03-20T00:00:00+00:00: Airflow refuses a backfill of future dates (InvalidBackfillDate)",
    );
    // "Future" is from the backfill's `at`: submitted after the range, it runs.
    let (dir, p) = scratch("future-later", &model("", ""));
    std::fs::write(
        &p,
        model(
            "",
            &future.replace(
                "  [[scenario.backfill]]\n",
                "  [[scenario.backfill]]\n  at = \"2025-03-24T00:00:00\"\n",
            ),
        )
        .replace(
            "start = \"2025-03-20T00:00:00\"",
            "start = \"2025-03-20T00:00:00\"\nuntil = \"2025-03-25T00:00:00\"",
        ),
    )
    .unwrap();
    let out = schedsim(&["run", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("instances: 2 (2 succeeded)"),
        "{}",
        stdout(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Submission order is time order, not the scenario's: a backfill listed first but
/// submitted later is the one left out (the check looked only at backfills listed
/// before it).
#[test]
fn a_backfill_listed_first_but_submitted_later_is_the_one_left_out() {
    let (from, to) = RANGE;
    let two = backfill(
        "\"dag\"",
        "2025-03-01T00:00:00",
        "2025-03-02T00:00:00",
        "  at = \"2025-03-20T00:30:00\"\n",
    ) + &backfill("\"dag\"", from, to, "");
    let out = accepted("listed-first", &model("", &two));
    assert!(
        out.contains("note: backfill 1: not run: submitted at 2025-03-20T00:30:00+00:00 while backfill 2 of DAG dag was still running"),
        "{out}"
    );
    assert!(out.contains("instances: 2 (2 succeeded)"), "{out}");
}

/// The instances of `r` (`run --format json`) scheduled on `day`.
fn runs_of_in(r: &serde_json::Value, day: &str) -> usize {
    r["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["scheduled"].as_str().unwrap().starts_with(day))
        .count()
}

/// A backfill over dates an earlier backfill of its DAG already ran created them
/// again (a second run of each logical date); Airflow's `_get_info_list` finds the
/// DAG run of that logical date and, under reprocess none (or failed, where it did
/// not fail), creates nothing ("already exists").
#[test]
fn a_later_backfill_ran_again_the_dates_an_earlier_backfill_of_its_dag_had_run() {
    let text = model(
        "",
        &[
            backfill("\"dag\"", "2025-03-01T00:00:00", "2025-03-05T00:00:00", ""),
            backfill(
                "\"dag\"",
                "2025-03-04T00:00:00",
                "2025-03-08T00:00:00",
                "  at = \"2025-03-21T00:00:00\"\n",
            ),
        ]
        .concat(),
    );
    let (dir, p) = scratch("existing-runs", &text);
    let out = schedsim(&["run", &p, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(runs_of_in(&r, "2025-03-04"), 1, "{r:#}");
    assert_eq!(runs_of_in(&r, "2025-03-05"), 1, "{r:#}");
    assert_eq!(r["unit_counts"]["planned"], 7, "{}", r["unit_counts"]);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("backfill 2: 1 date(s) already have a run from backfill 1 and are not run again (reprocess = none"),
        "{notes}"
    );
    let left: Vec<&serde_json::Value> = r["dates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["left_out"] == true)
        .collect();
    assert_eq!(left.len(), 1, "{r:#}");
    assert_eq!(left[0]["backfill"], 2);
    // Reprocess failed over a run that failed: Airflow clears it in place; here it
    // runs as a new run that is one logical instance with the one it clears
    // (unique-logical-instance failed before: "2 instances").
    let text = text.replace(
        "  at = \"2025-03-21T00:00:00\"\n",
        "  at = \"2025-03-21T00:00:00\"\n  reprocess = \"failed\"\n  [[scenario.fault]]\n  task = \"dag.t\"\n  scheduled = \"2025-03-04T03:00:00\"\n  attempts = [1]\n  origin = \"backfill\"\n",
    );
    std::fs::write(&p, text).unwrap();
    let out = schedsim(&["run", &p, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        r["notes"].to_string().contains("backfill 2: 1 date(s) already have a run from backfill 1, which Airflow clears and runs again in place (reprocess = failed): here each runs as a new run that counts as one logical instance with the run it clears"),
        "{}",
        r["notes"]
    );
    assert_eq!(runs_of_in(&r, "2025-03-04"), 2, "{r:#}");
    let unique = r["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "unique-logical-instance")
        .unwrap();
    assert_eq!(unique["holds"], true, "{unique:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same over the recurring schedule's runs: a backfill submitted while the DAG
/// runs on its schedule created a second run of every date the schedule had run, and
/// unique-logical-instance failed where Airflow creates nothing.
#[test]
fn a_backfill_ran_again_the_dates_the_recurring_schedule_had_run() {
    let text = "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"UTC\"\n[[workflow]]\nname = \"dag\"\ncron = \"0 3 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"10m\"\n[[scenario]]\nname = \"rec\"\nstart = \"2025-03-01T00:00:00\"\nuntil = \"2025-03-10T00:00:00\"\nrecurring = true\n  [[scenario.backfill]]\n  at = \"2025-03-06T12:00:00\"\n  targets = [\"dag\"]\n  from = \"2025-02-27T00:00:00\"\n  to = \"2025-03-05T00:00:00\"\n";
    let (dir, p) = scratch("existing-scheduled-runs", text);
    let out = schedsim(&["check", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("backfill 1: 4 date(s) already have a run from the recurring schedule and are not run again (reprocess = none"),
        "{}",
        stdout(&out)
    );
    let out = schedsim(&["run", &p, "--format", "json"]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // Nine scheduled runs (03-01 to 03-09) and the backfill's two earlier dates.
    assert_eq!(r["instances"].as_array().unwrap().len(), 11, "{r:#}");
    std::fs::remove_dir_all(&dir).unwrap();
}
