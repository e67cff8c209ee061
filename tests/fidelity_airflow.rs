//! Airflow timetables end to end: a model with `catchup`, `start_date`, `end_date`, a
//! delta `schedule`, `@once`, several crons or a `[[scenario.trigger]]` is run through
//! the binary, and the DAG runs it creates are compared with what Airflow 3.3.2's own
//! timetables returned for the same DAG, zone and moment (the captured cases of
//! tests/conformance/airflow-3.3.2-timetables.jsonl). Each test is named after the
//! Airflow behaviour it pins.

use std::process::Command;

use serde_json::Value;

fn captured(pred: impl Fn(&Value) -> bool) -> Value {
    include_str!("conformance/airflow-3.3.2-timetables.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|c| pred(c))
        .expect("a captured case")
}

fn is(case: &Value, key: &str, value: &str) -> bool {
    case[key].as_str() == Some(value)
}

/// `2025-03-09T03:30:00-04:00` → `2025-03-09T03:30:00` (the model's local time).
fn local(rfc: &str) -> &str {
    &rfc[..19]
}

fn run(model: &str) -> Value {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-fidelity-airflow-{}-{}",
        std::process::id(),
        model.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("m{:x}.toml", sha(model)));
    std::fs::write(&path, model).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(["run", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        model
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sha(text: &str) -> u64 {
    text.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

/// The scheduled times of the DAG's runs, by origin, in time order.
fn scheduled(report: &Value, origin: &str) -> Vec<String> {
    let mut v: Vec<String> = report["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["origin"] == origin)
        .map(|i| i["scheduled"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The captured runs whose time comes by `until` (the scenario's horizon), as logical dates.
fn runs_by(case: &Value, until: &str) -> Vec<String> {
    let until: jiff::Timestamp = until.parse().unwrap();
    let mut v: Vec<String> = case["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[1].as_str().unwrap().parse::<jiff::Timestamp>().unwrap() <= until)
        .map(|r| r[0].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A one-task DAG `d` with `keys`, a recurring scenario from `start` to `until`.
fn model(tz: &str, rules: &str, keys: &str, start: &str, until: &str, extra: &str) -> String {
    format!(
        "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"{tz}\"\n{rules}\n\
         [[workflow]]\nname = \"d\"\n{keys}\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"1m\"\n\n\
         [[scenario]]\nname = \"s\"\nstart = \"{start}\"\nuntil = \"{until}\"\nrecurring = true\n{extra}"
    )
}

#[test]
fn catchup_false_data_interval_cron_runs_the_latest_interval_only_across_spring_forward() {
    let case = captured(|c| {
        is(c, "timetable", "cron_interval")
            && c["exprs"][0] == "30 2 * * *"
            && is(c, "tz", "America/New_York")
            && is(c, "mode", "scheduler")
            && c["catchup"] == false
            && c["end_date"].is_null()
            && is(c, "now", "2025-03-09T03:30:00-04:00")
    });
    let until = "2025-03-14T00:00:00-04:00";
    let m = model(
        "America/New_York",
        "[rules]\ntimetable = \"interval\"\n",
        "cron = \"30 2 * * *\"\ncatchup = false\nstart_date = \"2025-03-01\"",
        "2025-03-09T03:30:00",
        local(until),
        "",
    );
    let expected = runs_by(&case, until);
    // Not the runs since 03-01: the interval that starts at the moment (the shifted
    // 02:30 of the spring-forward day), then the schedule.
    assert_eq!(expected[0], "2025-03-09T03:30:00-04:00");
    assert_eq!(scheduled(&run(&m), "recurring"), expected);
}

#[test]
fn catchup_true_delta_trigger_creates_every_missed_run_from_start_date() {
    let case = captured(|c| {
        is(c, "timetable", "delta_trigger")
            && c["delta"]["seconds"] == 3 * 86_400
            && is(c, "tz", "America/New_York")
            && is(c, "mode", "scheduler")
            && c["catchup"] == true
            && c["end_date"].is_null()
            && is(c, "now", "2025-03-12T13:45:00-04:00")
    });
    let until = "2025-03-20T00:00:00-04:00";
    let m = model(
        "America/New_York",
        "",
        "schedule = \"3d\"\ncatchup = true\nstart_date = \"2025-03-01\"",
        "2025-03-12T13:45:00",
        local(until),
        "",
    );
    let expected = runs_by(&case, until);
    // Every 3 days from the start date, in UTC: after the DST change 01:00 local.
    assert!(expected.contains(&"2025-03-13T01:00:00-04:00".to_string()));
    assert_eq!(scheduled(&run(&m), "recurring"), expected);
}

#[test]
fn catchup_false_delta_trigger_runs_at_the_moment_the_dag_is_switched_on() {
    let case = captured(|c| {
        is(c, "timetable", "delta_trigger")
            && c["delta"]["seconds"] == 3 * 86_400
            && is(c, "tz", "Europe/Berlin")
            && is(c, "mode", "scheduler")
            && c["catchup"] == false
            && c["end_date"].is_null()
            && is(c, "now", "2025-03-30T03:30:00+02:00")
    });
    let until = "2025-04-08T00:00:00+02:00";
    let m = model(
        "Europe/Berlin",
        "",
        "schedule = \"3d\"\nstart_date = \"2025-03-20\"",
        "2025-03-30T03:30:00",
        local(until),
        "",
    );
    let expected = runs_by(&case, until);
    assert_eq!(expected[0], "2025-03-30T03:30:00+02:00");
    assert_eq!(scheduled(&run(&m), "recurring"), expected);
}

#[test]
fn multiple_cron_trigger_timetable_runs_once_per_fire_of_either_cron() {
    let case = captured(|c| {
        is(c, "timetable", "crons")
            && c["exprs"][0] == "0 1 * * *"
            && is(c, "tz", "America/New_York")
            && is(c, "mode", "scheduler")
            && c["catchup"] == true
            && c["end_date"].is_string()
            && is(c, "now", "2025-03-12T13:45:00-04:00")
    });
    let until = "2025-03-30T00:00:00-04:00";
    let m = model(
        "America/New_York",
        "",
        &format!(
            "cron = [\"0 1 * * *\", \"30 13 * * 5\"]\ncatchup = true\nstart_date = \"2025-03-01\"\nend_date = \"{}\"",
            local(case["end_date"].as_str().unwrap())
        ),
        "2025-03-12T13:45:00",
        local(until),
        "",
    );
    let expected = runs_by(&case, until);
    assert!(expected.contains(&"2025-03-07T13:30:00-05:00".to_string()));
    // The capture stops at 12 runs: compare those.
    let ours = scheduled(&run(&m), "recurring");
    assert_eq!(ours[..expected.len()], expected[..]);
    assert_eq!(
        ours.last().unwrap(),
        "2025-03-21T01:00:00-04:00",
        "end_date 03-21T01:00 is the last run"
    );
}

#[test]
fn end_date_stops_the_schedule_and_once_runs_at_start_date() {
    let once = captured(|c| {
        is(c, "timetable", "once")
            && is(c, "tz", "UTC")
            && is(c, "mode", "scheduler")
            && c["catchup"] == false
            && c["end_date"].is_null()
            && is(c, "now", "2025-03-10T13:17:00+00:00")
    });
    let until = "2025-04-01T00:00:00+00:00";
    let m = model(
        "UTC",
        "",
        "schedule = \"@once\"\nstart_date = \"2025-01-31\"",
        "2025-03-10T13:17:00",
        local(until),
        "",
    );
    assert_eq!(scheduled(&run(&m), "recurring"), runs_by(&once, until));
    assert_eq!(runs_by(&once, until), ["2025-01-31T00:00:00+00:00"]);

    let ended = captured(|c| {
        is(c, "timetable", "delta_interval")
            && c["delta"]["seconds"] == 6 * 3600
            && is(c, "tz", "UTC")
            && is(c, "mode", "scheduler")
            && c["catchup"] == true
            && c["end_date"].is_string()
            && is(c, "now", "2025-03-01T00:00:00+00:00")
    });
    let m = model(
        "UTC",
        "[rules]\ntimetable = \"interval\"\n",
        "schedule = \"6h\"\ncatchup = true\nstart_date = \"2025-01-31\"\nend_date = \"2025-02-20\"",
        "2025-03-01T00:00:00",
        local(until),
        "",
    );
    let runs = scheduled(&run(&m), "recurring");
    // Capped at 12 captured runs: compare what both have.
    assert_eq!(runs[..12], runs_by(&ended, until)[..]);
    assert_eq!(runs.last().unwrap(), "2025-02-20T00:00:00+00:00");
}

#[test]
fn dags_trigger_infers_the_data_interval_from_the_trigger_time_across_fall_back() {
    let case = captured(|c| {
        is(c, "timetable", "cron_interval")
            && c["exprs"][0] == "30 2 * * *"
            && is(c, "tz", "America/New_York")
            && is(c, "mode", "manual")
            && is(c, "run_after", "2025-11-02T01:30:00-05:00")
    });
    let m = model(
        "America/New_York",
        "[rules]\ntimetable = \"interval\"\n",
        "cron = \"30 2 * * *\"",
        "2025-11-01T12:00:00",
        "2025-11-02T12:00:00",
        "  [[scenario.trigger]]\n  workflow = \"d\"\n  at = \"2025-11-02T01:30:00\"\n  logical_date = \"2025-11-02T01:00:00\"\n",
    );
    let report = run(&m);
    // 01:30 on the fall-back day is the second one, as `dst_fold` reads a typed time.
    let note = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .find(|n| n.starts_with("manual run of d"))
        .expect("a note on the manual run");
    let want = format!(
        "data interval {} to {}",
        case["interval_start"].as_str().unwrap(),
        case["interval_end"].as_str().unwrap()
    );
    assert!(note.contains(&want), "{note}\nwant {want}");
    assert_eq!(scheduled(&report, "manual").len(), 1);
}

/// A date-only `to` of a backfill over a delta DAG named `00:00:01` as the first run
/// left out (the timetable was asked from midnight, where a delta starts anew); it is
/// the next run on the backfill's own 3-day grid.
#[test]
fn date_only_to_note_names_the_deltas_next_run_not_midnight_plus_one_second() {
    let m = "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"America/New_York\"\n\n\
             [[workflow]]\nname = \"d\"\nschedule = \"3d\"\n  [[workflow.task]]\n  name = \"t\"\n";
    let dir = std::env::temp_dir().join(format!(
        "schedsim-fidelity-airflow-note-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("delta.toml");
    std::fs::write(&path, m).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args([
            "instances",
            path.to_str().unwrap(),
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-10",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Every 3 days from 03-01 00:00 EST in UTC: 03-10 05:00Z is 01:00 EDT.
    assert!(
        stderr.contains("the first 2025-03-10T01:00:00-04:00 of d.t"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2025-03-07T00:00:00-05:00"), "{stdout}");
    assert!(!stdout.contains("2025-03-10"), "{stdout}");
}

#[test]
fn scenarios_lists_each_manual_run_with_its_logical_date() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/airflow-catchup-delta-manual.toml"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(["scenarios", path, "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v[0]["triggers"],
        serde_json::json!(["refresh at 2025-03-12T15:00:00, logical date 2025-03-12T15:00:00"])
    );
}

/// The (start, origin) of each DAG run of `report`, in the `dates` list's order.
fn starts(report: &Value) -> Vec<(String, String)> {
    report["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["start"].as_str().unwrap_or("never").to_string(),
                d["origin"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Airflow 3.3.2 counts a DAG's RUNNING runs without a backfill (scheduled, manual
/// and asset-triggered alike) against its `max_active_runs`, and starts queued ones
/// by `run_after` (`SchedulerJobRunner._start_queued_dagruns`,
/// `DagRun.get_queued_dag_runs_to_set_running`): a manual run triggered while the
/// DAG's one allowed run is running stays queued, and the next scheduled run waits
/// behind it. Before, a manual run ran beside the scheduled ones, three at once.
#[test]
fn a_manual_run_waits_in_its_dags_max_active_runs_window_with_the_scheduled_runs() {
    let m = model(
        "UTC",
        "",
        "cron = \"0 * * * *\"\nmax_active_runs = 1",
        "2025-03-12T10:00:00",
        "2025-03-12T13:30:00",
        "  [[scenario.trigger]]\n  workflow = \"d\"\n  at = \"2025-03-12T10:00:30\"\n",
    )
    .replace("duration = \"1m\"", "duration = \"50m\"");
    let report = run(&m);
    let t = |hm: &str| format!("2025-03-12T{hm}:00+00:00");
    assert_eq!(
        starts(&report),
        vec![
            (t("10:00"), "recurring".to_string()),
            (t("10:50"), "manual".to_string()),
            (t("11:40"), "recurring".to_string()),
            (t("12:30"), "recurring".to_string()),
            (t("13:20"), "recurring".to_string()),
        ]
    );
    // The window's wait is said, as the runs' `max_active_runs` wait.
    let waits = report["waits"].as_array().unwrap();
    let row = waits
        .iter()
        .find(|w| w["kind"] == "max_active_runs")
        .expect("a max_active_runs wait");
    assert_eq!(row["instances"], 4, "{row}");
}

/// Without a recurring schedule, a DAG's manual runs share its window too (default
/// `max_active_runs` 16; here 2), in trigger order; another DAG's are not held.
#[test]
fn manual_runs_of_one_dag_share_its_max_active_runs_window_and_another_dags_do_not() {
    let m = model(
        "UTC",
        "",
        "cron = \"0 0 * * *\"\nmax_active_runs = 2",
        "2025-03-12T10:00:00",
        "2025-03-12T14:00:00",
        &[
            ("d", "10:00:00"),
            ("d", "10:05:00"),
            ("d", "10:10:00"),
            ("e", "10:10:00"),
        ]
        .iter()
        .map(|(w, at)| {
            format!("  [[scenario.trigger]]\n  workflow = \"{w}\"\n  at = \"2025-03-12T{at}\"\n")
        })
        .collect::<String>(),
    )
    .replace("recurring = true", "recurring = false")
    .replace("duration = \"1m\"", "duration = \"30m\"")
    .replace(
        "[[scenario]]",
        "[[workflow]]\nname = \"e\"\ncron = \"0 0 * * *\"\nmax_active_runs = 1\n  [[workflow.task]]\n  name = \"u\"\n  duration = \"30m\"\n\n[[scenario]]",
    );
    let report = run(&m);
    let starts: Vec<(String, String)> = report["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["workflows"][0].as_str().unwrap().to_string(),
                d["start"].as_str().unwrap()[11..16].to_string(),
            )
        })
        .collect();
    let pair = |w: &str, hm: &str| (w.to_string(), hm.to_string());
    assert_eq!(
        starts,
        vec![
            pair("d", "10:00"),
            pair("d", "10:05"),
            pair("d", "10:30"),
            pair("e", "10:10"),
        ]
    );
}

/// Airflow does not create a DAG's next scheduled run while its queued and running
/// runs outside backfills fill `max_active_runs` (`DagModel.exceeds_max_non_backfill`,
/// recomputed as runs end): a manual run triggered while the window is full is queued
/// and starts when the running run ends, before the scheduled run that fell due
/// earlier (the review's reproducer: the 11:00 run started first).
#[test]
fn a_manual_run_queued_in_a_full_window_starts_before_a_scheduled_run_due_earlier() {
    let m = model(
        "UTC",
        "",
        "cron = \"0 * * * *\"\nmax_active_runs = 1",
        "2025-03-12T10:00:00",
        "2025-03-12T11:30:00",
        "  [[scenario.trigger]]\n  workflow = \"d\"\n  at = \"2025-03-12T11:10:00\"\n",
    )
    .replace("duration = \"1m\"", "duration = \"90m\"");
    let report = run(&m);
    let t = |hm: &str| format!("2025-03-12T{hm}:00+00:00");
    assert_eq!(
        starts(&report),
        vec![
            (t("10:00"), "recurring".to_string()),
            // The 11:00 run: due while the window was full, not yet created at 11:30.
            ("never".to_string(), "recurring".to_string()),
            (t("11:30"), "manual".to_string()),
        ]
    );
}

/// Airflow renders `{{ ds }}` and `{{ ts }}` from the run's UTC logical date, whatever
/// the DAG's zone (3.3.2 `task_runner.py`: `ds = logical_date.strftime("%Y-%m-%d")`,
/// `ts = logical_date.isoformat()`): a run at 02:00 in Shanghai is 18:00 UTC the day
/// before, and writes that day's partition. schedsim rendered them in the model's
/// zone, one day later than Airflow for every run before 08:00.
#[test]
fn templates_render_the_utc_logical_date_of_a_dag_in_another_zone() {
    let m = "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"Asia/Shanghai\"\n\
             [rules]\ntimetable = \"trigger\"\n\
             [[workflow]]\nname = \"d\"\ncron = \"0 2 * * *\"\n\
             \n  [[workflow.task]]\n  name = \"t\"\n  duration = \"1m\"\n  \
             writes = [ { table = \"x\", partition = \"ds={{ ds }}/ts={{ ts }}\", mode = \"overwrite\" } ]\n\
             \n[[scenario]]\nname = \"s\"\nstart = \"2025-03-02T00:00:00\"\nuntil = \"2025-03-03T00:00:00\"\nrecurring = true\n";
    let report = run(m);
    assert_eq!(
        scheduled(&report, "recurring"),
        ["2025-03-02T02:00:00+08:00"]
    );
    let partitions: Vec<&str> = report["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["partition"].as_str().unwrap())
        .collect();
    assert_eq!(partitions, ["ds=2025-03-01/ts=2025-03-01T18:00:00+00:00"]);
}
