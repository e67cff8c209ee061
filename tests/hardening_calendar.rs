//! Regression tests of issue 9's calendar items, each named after the bug it pins:
//! date-only bounds (1), future runs cut silently (2), `until` on a fire time (8), the
//! calendar's end at 9999-12-31 (23), DataWorks fires across a DST gap at midnight (24).

use std::path::PathBuf;
use std::process::Output;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

/// Writes a model under the test's temporary directory and returns its path.
fn model_file(name: &str, toml: &str) -> String {
    let path =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hardening_calendar_{name}.toml"));
    std::fs::write(&path, toml).unwrap();
    path.to_string_lossy().into_owned()
}

fn lines(out: &Output) -> Vec<String> {
    text(&out.stdout).lines().map(String::from).collect()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn ds_model(to: &str) -> String {
    format!(
        r#"[model]
name = "m"
profile = "dolphinscheduler"
timezone = "UTC"
[[resource_group]]
name = "g"
slots = 4
[[workflow]]
name = "w"
cron = "0 30 1 * * ? *"
  [[workflow.task]]
  name = "t"
  duration = "10m"
  writes = [ {{ table = "t", partition = "dt=$[yyyyMMdd]", mode = "overwrite" }} ]
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "{to}"
"#
    )
}

// Item 1: a date-only `to` is its midnight (Airflow's --to-date, DolphinScheduler's
// date picker at 00:00:00); a note names the first fire of that day it leaves out.
#[test]
fn date_only_to_names_the_first_fire_it_leaves_out() {
    // A model file: 13 runs (03-01..03-13), and the note names 2025-03-14T01:30.
    let path = model_file("date_only_to", &ds_model("2025-03-14"));
    let out = schedsim(&["run", &path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["instances"].as_array().unwrap().len(), 13);
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(
        note.contains("2025-03-14 is a date, read as its midnight")
            && note.contains("the first 2025-03-14T01:30:00+00:00 of w.t"),
        "{note}"
    );
    // The same run in text names it too.
    let out = schedsim(&["run", &path]);
    assert!(
        text(&out.stdout).contains("note: backfill 1: `to` 2025-03-14 is a date"),
        "{}",
        text(&out.stdout)
    );
    // A date-time `to` at the end of the day: 14 runs, no note.
    let whole = model_file("date_time_to", &ds_model("2025-03-14T23:59:59"));
    let v = json(&schedsim(&["run", &whole, "--format", "json"]));
    assert_eq!(v["instances"].as_array().unwrap().len(), 14);
    assert!(v["notes"].as_array().unwrap().is_empty());
    // `instances`: the same reading, the note on stderr in both formats.
    for format in ["text", "json"] {
        let out = schedsim(&[
            "instances",
            &path,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-14",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0));
        assert!(
            text(&out.stderr).contains("the first 2025-03-14T01:30:00+00:00 of w.t"),
            "{format}: {}",
            text(&out.stderr)
        );
    }
    // `cron`: --to 2025-03-10 excludes that day's fire, and says so.
    let out = schedsim(&[
        "cron",
        "30 1 * * *",
        "--profile",
        "airflow",
        "--from",
        "2025-03-08",
        "--to",
        "2025-03-10",
    ]);
    assert_eq!(
        lines(&out),
        ["2025-03-08T01:30:00+00:00", "2025-03-09T01:30:00+00:00"]
    );
    assert!(
        text(&out.stderr).contains(
            "note: --to 2025-03-10 is a date, read as its midnight 2025-03-10T00:00:00: the \
             fires later that day are left out, the first 2025-03-10T01:30:00+00:00"
        ),
        "{}",
        text(&out.stderr)
    );
    // A fire at midnight is not left out: no note.
    let out = schedsim(&[
        "cron",
        "0 0 * * *",
        "--profile",
        "airflow",
        "--from",
        "2025-03-08",
        "--to",
        "2025-03-10",
    ]);
    assert_eq!(lines(&out).len(), 3);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // `whatif` (the issue's example): 27 instances, and the note.
    let out = schedsim(&[
        "whatif",
        "models/dolphinscheduler-retry-backfill.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-10",
        "--vary",
        "groups=1,3",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("the first 2025-03-10T02:00:00+08:00 of etl.extract_orders"),
        "{}",
        text(&out.stderr)
    );
}

// Item 1, DataWorks: a business date is the whole day, not a midnight; nothing is left out.
#[test]
fn date_only_business_dates_cover_their_day_without_a_note() {
    let out = schedsim(&[
        "run",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--scenario",
        "backfill-one-week",
        "--format",
        "json",
    ]);
    let v = json(&out);
    assert!(v["notes"].as_array().unwrap().is_empty(), "{}", v["notes"]);
    // 7 business dates × (24 hourly + 2 daily).
    assert_eq!(v["instances"].as_array().unwrap().len(), 7 * 26);
}

fn airflow_model(start: &str) -> String {
    format!(
        r#"[model]
name = "m"
profile = "airflow"
timezone = "UTC"
[rules]
timetable = "trigger"
[[resource_group]]
name = "g"
slots = 4
[[workflow]]
name = "d"
cron = "0 3 * * *"
  [[workflow.task]]
  name = "t"
  duration = "10m"
[[scenario]]
name = "s"
start = "{start}"
  [[scenario.backfill]]
  targets = ["d"]
  from = "2025-03-01"
  to = "2025-08-31T23:59:59"
"#
    )
}

// Item 2: an Airflow backfill creates only the runs whose time has come; the others
// were dropped without a word.
#[test]
fn future_runs_cut_are_counted_in_a_note() {
    let path = model_file("future_runs", &airflow_model("2025-04-01T00:00:00"));
    let v = json(&schedsim(&["run", &path, "--format", "json"]));
    assert_eq!(v["instances"].as_array().unwrap().len(), 31, "March only");
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    // April 1 .. August 31: 153 days.
    assert!(
        notes[0].contains("153 instances were not created")
            && notes[0].contains("future_instances = skip")
            && notes[0].contains("the first 2025-04-01T03:00:00+00:00 of d.t"),
        "{}",
        notes[0]
    );
    // `instances --now`: the same cut, the same note.
    let out = schedsim(&[
        "instances",
        &path,
        "--from",
        "2025-03-01",
        "--to",
        "2025-08-31T23:59:59",
        "--now",
        "2025-04-01T00:00:00",
    ]);
    assert_eq!(lines(&out).len(), 31);
    assert!(
        text(&out.stderr).contains("note: 153 instances were not created"),
        "{}",
        text(&out.stderr)
    );
    // Submitted after the range: nothing cut, no note.
    let late = model_file("future_runs_late", &airflow_model("2025-09-02T00:00:00"));
    let v = json(&schedsim(&["run", &late, "--format", "json"]));
    assert_eq!(v["instances"].as_array().unwrap().len(), 184);
    assert!(v["notes"].as_array().unwrap().is_empty());
}

// Item 8: the instance firing at `until` was still running at the horizon, so
// `termination` failed and its partition was missing.
#[test]
fn until_on_a_fire_time_lets_the_run_finish() {
    // (profile, rules, cron, partition, runs): an Airflow data interval fires at its
    // end, so with `timetable = "interval"` the run of 03-12 (firing 03-13) is outside.
    for (profile, rules, cron, partition, runs) in [
        ("dolphinscheduler", "", "0 0 2 * * ? *", "dt=$[yyyyMMdd]", 3),
        ("airflow", "", "0 2 * * *", "ds={{ ds }}", 3),
        (
            "airflow",
            "timetable = \"interval\"",
            "0 2 * * *",
            "ds={{ ds }}",
            2,
        ),
        ("dataworks", "", "00 00 02 * * ?", "dt=${bizdate}", 3),
    ] {
        let toml = format!(
            r#"[model]
name = "m"
profile = "{profile}"
timezone = "UTC"
[rules]
{rules}
[[resource_group]]
name = "g"
slots = 4
[[workflow]]
name = "w"
{wf_cron}
  [[workflow.task]]
  name = "a"
  {task_cron}
  duration = "20m"
  writes = [ {{ table = "a", partition = "{partition}", mode = "overwrite" }} ]
  [[workflow.task]]
  name = "b"
  {task_cron}
  upstream = ["a"]
  duration = "5m"
  writes = [ {{ table = "b", partition = "{partition}", mode = "overwrite" }} ]
[[scenario]]
name = "s"
start = "2025-03-10T00:00:00"
until = "2025-03-12T02:00:00"
recurring = true
"#,
            wf_cron = if profile == "dataworks" {
                String::new()
            } else {
                format!("cron = \"{cron}\"")
            },
            task_cron = if profile == "dataworks" {
                format!("cron = \"{cron}\"")
            } else {
                String::new()
            },
        );
        let path = model_file(&format!("until_{profile}_{runs}"), &toml);
        let out = schedsim(&["check", &path, "--format", "json"]);
        let v = json(&out);
        assert_eq!(out.status.code(), Some(0), "{profile}: {}", v["properties"]);
        // The runs firing 03-10, 03-11 and 03-12 at 02:00, both tasks, all succeeded.
        let instances = v["instances"].as_array().unwrap();
        assert_eq!(instances.len(), 2 * runs, "{profile}: {instances:?}");
        assert!(
            instances.iter().all(|i| i["state"] == "succeeded"),
            "{profile}"
        );
        let last = instances
            .iter()
            .map(|i| i["end"].as_str().unwrap())
            .max()
            .unwrap();
        assert_eq!(
            last, "2025-03-12T02:25:00+00:00",
            "{profile}: ran past until"
        );
        assert!(
            v["partitions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "ok"),
            "{profile}: {}",
            v["partitions"]
        );
    }
}

// Item 23: the calendar ends at 9999-12-31, in every profile and zone; before, the
// Airflow profile stopped at 2999, the others printed nothing or the epoch.
#[test]
fn range_ending_9999_12_31_keeps_its_fires() {
    for (profile, expr) in [
        ("airflow", "0 0 * * *"),
        ("dolphinscheduler", "0 0 0 * * ?"),
        ("dataworks", "00 00 00 * * ?"),
    ] {
        for (tz, offset) in [
            ("UTC", "+00:00"),
            ("America/New_York", "-05:00"),
            ("Pacific/Kiritimati", "+14:00"),
        ] {
            let out = schedsim(&[
                "cron",
                expr,
                "--profile",
                profile,
                "--tz",
                tz,
                "--from",
                "9999-12-01",
                "--to",
                "9999-12-31T23:59:59",
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let fires = lines(&out);
            assert_eq!(fires.len(), 31, "{profile} {tz}: {fires:?}");
            assert_eq!(fires[0], format!("9999-12-01T00:00:00{offset}"));
            assert_eq!(fires[30], format!("9999-12-31T00:00:00{offset}"));
        }
    }
    // The calendar's last day alone, in the zone furthest west: its one fire.
    for (profile, expr) in [
        ("airflow", "0 0 * * *"),
        ("dolphinscheduler", "0 0 0 * * ?"),
    ] {
        let out = schedsim(&[
            "cron",
            expr,
            "--profile",
            profile,
            "--tz",
            "Etc/GMT+12",
            "--from",
            "9999-12-31",
            "--to",
            "9999-12-31T23:59:59",
        ]);
        assert_eq!(lines(&out), ["9999-12-31T00:00:00-12:00"], "{profile}");
    }
    // The whole range from today to the calendar's end, yearly.
    let out = schedsim(&[
        "cron",
        "0 0 1 1 *",
        "--profile",
        "airflow",
        "--from",
        "2025-01-01",
        "--to",
        "9999-12-31",
    ]);
    let fires = lines(&out);
    assert_eq!(fires.len(), 9999 - 2025 + 1);
    assert_eq!(fires.last().unwrap(), "9999-01-01T00:00:00+00:00");
    // Airflow before 1970: the fire at --from is kept.
    let out = schedsim(&[
        "cron",
        "0 0 * * *",
        "--profile",
        "airflow",
        "--from",
        "1960-01-01",
        "--to",
        "1960-01-02",
    ]);
    assert_eq!(
        lines(&out),
        ["1960-01-01T00:00:00+00:00", "1960-01-02T00:00:00+00:00"]
    );
    // An Airflow data interval starting 9999-12-31 ends past the calendar (Python's
    // datetime overflows there): that run is not created, and a note says so.
    let interval = model_file(
        "airflow_interval_9999",
        &airflow_model("2025-09-02T00:00:00")
            .replace("timetable = \"trigger\"", "timetable = \"interval\""),
    );
    let out = schedsim(&[
        "instances",
        &interval,
        "--from",
        "9999-12-29",
        "--to",
        "9999-12-31T23:59:59",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(lines(&out).len(), 2, "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("d.t: no run from 9999-12-31T03:00:00+00:00 on"),
        "{}",
        text(&out.stderr)
    );
    // A DolphinScheduler complement of 9999-12-29..31 has its 3 instances.
    let toml = ds_model("9999-12-31T23:59:59").replace("2025-03-01", "9999-12-29");
    let path = model_file("ds_9999", &toml);
    let out = schedsim(&[
        "instances",
        &path,
        "--from",
        "9999-12-29",
        "--to",
        "9999-12-31T23:59:59",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = lines(&out);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[2].contains("9999-12-31T01:30:00+00:00"), "{rows:?}");
}

// Item 24: a DST gap across midnight (America/Nuuk, 2025-03-29 22:00 → 23:00... the
// 23:00 hour does not exist) moved 23:00 onto the next day's 00:00: printed twice.
#[test]
fn dataworks_dst_gap_across_midnight_has_no_duplicate_fires() {
    let out = schedsim(&[
        "cron",
        "00 00 * * * ?",
        "--profile",
        "dataworks",
        "--tz",
        "America/Nuuk",
        "--from",
        "2025-03-29T21:00:00",
        "--to",
        "2025-03-30T02:00:00",
    ]);
    assert_eq!(
        lines(&out),
        [
            "2025-03-29T21:00:00-02:00",
            "2025-03-29T22:00:00-02:00",
            "2025-03-30T00:00:00-01:00",
            "2025-03-30T01:00:00-01:00",
            "2025-03-30T02:00:00-01:00",
        ]
    );
    // Pacific/Apia skipped 2011-12-30: its midnight shifts onto the 31st's, once.
    let out = schedsim(&[
        "cron",
        "00 00 * * * ?",
        "--profile",
        "dataworks",
        "--tz",
        "Pacific/Apia",
        "--from",
        "2011-12-29T22:00:00",
        "--to",
        "2011-12-31T01:00:00",
    ]);
    assert_eq!(
        lines(&out),
        [
            "2011-12-29T22:00:00-10:00",
            "2011-12-29T23:00:00-10:00",
            "2011-12-31T00:00:00+14:00",
            "2011-12-31T01:00:00+14:00",
        ]
    );
}

// Item 24 in a DataWorks backfill: the hourly node's 23:00 of 2025-03-29 (in the gap)
// shifted onto 03-30 00:00, the next business date's instance: two instances of one
// logical time, and `unique-logical-instance` failed.
#[test]
fn dataworks_dst_gap_across_midnight_has_no_duplicate_instances() {
    let toml = r#"[model]
name = "m"
profile = "dataworks"
timezone = "America/Nuuk"
[[resource_group]]
name = "g"
slots = 4
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "h"
  cron = "00 00 * * * ?"
  duration = "5m"
  writes = [ { table = "t", partition = "dt=${bizdate}/hh=$[hh24]", mode = "overwrite" } ]
  [[workflow.task]]
  name = "d"
  cron = "00 00 23 * * ?"
  duration = "5m"
[[scenario]]
name = "s"
start = "2025-04-10T00:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-27"
  to = "2025-03-29"
"#;
    let path = model_file("nuuk_backfill", toml);
    let out = schedsim(&["check", &path, "--format", "json"]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{}", v["properties"]);
    let instances = v["instances"].as_array().unwrap();
    let of = |task: &str| instances.iter().filter(|i| i["task"] == task).count();
    // 24 + 23 (the spring-forward day has no 23:00) + 24 hourly; 3 daily, the one in
    // the gap delayed to 00:00 and dry-run (DW §2 D2).
    assert_eq!(of("w.h"), 71);
    assert_eq!(of("w.d"), 3);
    let mut scheduled: Vec<&str> = instances
        .iter()
        .filter(|i| i["task"] == "w.h")
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    scheduled.sort_unstable();
    scheduled.dedup();
    assert_eq!(scheduled.len(), 71, "one instance per scheduled time");
}

/// A scenario's start, an operation's time or a fault's scheduled time in a DST gap or
/// fold validated silently (the run noted the start only): validate now warns at each
/// place, with what it is read as.
#[test]
fn scenario_times_in_a_dst_gap_or_fold_validated_silently() {
    let path = model_file(
        "scenario_times_dst",
        "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"America/New_York\"\n[[workflow]]\nname = \"w\"\ncron = \"*/30 * * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"10m\"\n[[scenario]]\nname = \"spring\"\nstart = \"2025-03-09T02:10:00\"\nuntil = \"2025-03-09T12:00:00\"\nrecurring = true\n  [[scenario.fault]]\n  task = \"w.t\"\n  scheduled = \"2025-03-09T05:00:00\"\n  attempts = [1]\n[[scenario]]\nname = \"fall\"\nstart = \"2025-11-02T00:00:00\"\nuntil = \"2025-11-02T12:00:00\"\nrecurring = true\n  [[scenario.fault]]\n  task = \"w.t\"\n  scheduled = \"2025-11-02T01:30:00\"\n  attempts = [1]\n",
    );
    let out = schedsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(0), "warnings, not errors");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{path}:13:9: scenario `spring`'s start 2025-03-09T02:10:00 does not exist in America/New_York (clocks skip it): read as 2025-03-09T03:10:00-04:00, past the gap")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{path}:27:15: scenario `fall`'s fault's scheduled time 2025-11-02T01:30:00 happens twice in America/New_York (clocks go back): read as the first, 2025-11-02T01:30:00-04:00")),
        "{err}"
    );
    // Times that are one instant are not warned of.
    assert!(!err.contains("2025-03-09T05:00:00"), "{err}");
    assert!(!err.contains("`fall`'s start"), "{err}");
}
