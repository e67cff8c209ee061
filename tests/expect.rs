//! `[[expect]]`: deadlines and SLAs that `check` judges as `expect:NAME`, end to end
//! through the binary, with witnesses that say which instance missed and how late.

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

/// A DolphinScheduler workflow at `hour`:00 UTC, two tasks one after the other of
/// `duration` each, on one slot, over two nights; then `extra` TOML.
fn model(name: &str, hour: u32, duration: &str, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"[model]
name = "e"
profile = "dolphinscheduler"
timezone = "UTC"

[[resource_group]]
name = "default"
slots = 1

[[workflow]]
name = "w"
cron = "0 0 {hour} * * ? *"
  [[workflow.task]]
  name = "a"
  duration = "{duration}"
  [[workflow.task]]
  name = "b"
  upstream = ["a"]
  duration = "{duration}"

[[scenario]]
name = "nights"
start = "2025-03-10T00:00:00"
until = "2025-03-11T23:00:00"
recurring = true
{extra}
[[expect]]
name = "b_by_8"
task = "w.b"
ready_by = "08:00"
"#
        ),
    )
    .unwrap();
    path
}

fn check(path: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let p = path.to_str().unwrap();
    let mut args = vec!["check", p, "--format", "json"];
    args.extend(extra);
    let out = schedsim(&args);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    (out, v)
}

fn property<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn ready_by_holds_when_each_night_is_done_in_time() {
    // a 01:00-04:00, b 04:00-07:00: ready an hour early, both nights.
    let (out, v) = check(&model("in_time", 1, "3h", ""), &[]);
    assert_eq!(out.status.code(), Some(0));
    let p = property(&v, "expect:b_by_8");
    assert_eq!(p["holds"], true);
    assert!(p["witness"].is_null());
}

#[test]
fn ready_by_miss_is_a_witness_per_instance_with_how_late() {
    // a 01:00-05:00, b 05:00-09:00: an hour late each night.
    let path = model("late", 1, "4h", "");
    let (out, v) = check(&path, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a missed expectation fails check"
    );
    let p = property(&v, "expect:b_by_8");
    assert_eq!(p["holds"], false);
    let w = &p["witness"];
    assert_eq!(w["count"], 2);
    let details: Vec<&str> = w["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        details[0],
        "w.b scheduled 2025-03-10T01:00:00+00:00: ready at 2025-03-10T09:00:00+00:00, 1h 00m after its deadline 2025-03-10T08:00:00+00:00"
    );
    assert!(details[1].starts_with("w.b scheduled 2025-03-11T01:00:00+00:00"));
    let human = text(&schedsim(&["check", path.to_str().unwrap()]).stdout);
    assert!(human.contains("FAIL expect:b_by_8"), "{human}");
    assert!(
        human.contains("2 instance(s) of w.b not ready by 08:00:00"),
        "{human}"
    );
}

#[test]
fn a_run_due_after_ready_by_is_judged_by_the_next_morning() {
    // b runs 09:00 + 1h to 11:00, after 08:00 that day: its deadline is 08:00 the
    // next day, which it meets.
    let (out, v) = check(&model("after", 9, "1h", ""), &[]);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(property(&v, "expect:b_by_8")["holds"], true);
}

#[test]
fn an_instance_that_never_succeeded_is_a_miss() {
    let fault = "  [[scenario.fault]]\n  task = \"w.a\"\n  scheduled = \"2025-03-10T01:00:00\"\n";
    let (out, v) = check(&model("never", 1, "1h", fault), &[]);
    assert_eq!(out.status.code(), Some(1));
    let p = property(&v, "expect:b_by_8");
    let first = p["witness"]["details"][0].as_str().unwrap();
    assert!(
        first.starts_with("w.b scheduled 2025-03-10T01:00:00+00:00: never succeeded (not_run)"),
        "{first}"
    );
    assert_eq!(p["witness"]["count"], 1);
}

#[test]
fn finish_by_and_makespan_at_most_say_how_late() {
    let extra = r#"
[[expect]]
name = "done_by_6"
finish_by = "2025-03-11T06:00:00"

[[expect]]
name = "quick"
makespan_at_most = "1d"
"#;
    // Two nights of 01:00-09:00: the last ends 2025-03-11T09:00, 3h after 06:00;
    // the makespan is 2025-03-10T01:00 to 2025-03-11T09:00 = 32h, 8h 00m too long.
    let (out, v) = check(&model("finish", 1, "4h", extra), &[]);
    assert_eq!(out.status.code(), Some(1));
    let done = property(&v, "expect:done_by_6");
    assert_eq!(
        done["witness"]["details"][0],
        "the last execution ended at 2025-03-11T09:00:00+00:00, 3h 00m late"
    );
    let quick = property(&v, "expect:quick");
    assert_eq!(
        quick["witness"]["details"][0],
        "the makespan was 32h 00m (2025-03-10T01:00:00+00:00 to 2025-03-11T09:00:00+00:00), 8h 00m too long"
    );
}

#[test]
fn origin_and_scenario_narrow_what_an_expectation_judges() {
    // A backfill of old dates can never meet 08:00 on their own days; `origin =
    // "recurring"` judges the nightly runs alone.
    let backfill = "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01T01:00:00\"\n  to = \"2025-03-01T01:00:00\"\n";
    let extra = format!(
        "{backfill}\n[[expect]]\nname = \"nightly_b\"\ntask = \"w.b\"\nready_by = \"08:00\"\norigin = \"recurring\"\n\n[[expect]]\nname = \"elsewhere\"\nscenario = \"other\"\nmakespan_at_most = \"1m\"\n\n[[scenario]]\nname = \"other\"\nstart = \"2025-03-10T00:00:00\"\nuntil = \"2025-03-10T23:00:00\"\nrecurring = true\n"
    );
    let path = model("origin", 1, "1h", &extra);
    let (_, v) = check(&path, &[]);
    let any = property(&v, "expect:b_by_8");
    assert_eq!(
        any["holds"], false,
        "the backfill's 2025-03-01 instance is late"
    );
    assert_eq!(any["witness"]["count"], 1);
    assert_eq!(property(&v, "expect:nightly_b")["holds"], true);
    assert!(
        v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "expect:elsewhere"),
        "an expectation of another scenario is not judged here"
    );
    let (_, other) = check(&path, &["--scenario", "other"]);
    assert_eq!(property(&other, "expect:elsewhere")["holds"], false);
}

#[test]
fn check_seeds_reports_hit_rates_of_expectations() {
    let out = schedsim(&[
        "check",
        "models/dolphinscheduler-nightly-capacity.toml",
        "--seeds",
        "20",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sales_by_8", "backfill_same_day"]);
    // Each seed's own check agrees with the count.
    let sales = &v["expectations"][0];
    let met = (0..20)
        .filter(|s| {
            let one = schedsim(&[
                "check",
                "models/dolphinscheduler-nightly-capacity.toml",
                "--seed",
                &s.to_string(),
                "--format",
                "json",
            ]);
            let one: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
            property(&one, "expect:sales_by_8")["holds"] == true
        })
        .count();
    assert_eq!(sales["met"], met as u64);
}

#[test]
fn a_missed_expectation_shows_its_definition_and_the_report_anchors_it() {
    let extra = r#"
[[expect]]
name = "quick"
scenario = "nights"
makespan_at_most = "1d"
"#;
    let path = model("defined", 1, "4h", extra);
    let p = path.to_str().unwrap();
    let report = path.with_extension("html");
    let out = schedsim(&["check", p, "--report", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let human = text(&out.stdout);
    // Each definition says what the entry asks: there is no `--explain` for them.
    assert!(
        human.contains("definition: [[expect]] `b_by_8` of the model: each instance of w.b succeeded by 08:00:00 local time on the day it may first run"),
        "{human}"
    );
    assert!(
        human.contains("definition: [[expect]] `quick` of the model (scenario `nights` only): every instance final and every date started, first start to last end at most 24h 00m"),
        "{human}"
    );
    assert!(!human.contains("--explain expect:"), "{human}");
    // Every link of the report's verdict table has its anchor.
    let html = std::fs::read_to_string(&report).unwrap();
    for name in ["expect:b_by_8", "expect:quick", "termination"] {
        assert!(html.contains(&format!("href=\"#{name}\"")), "{name}");
        assert!(html.contains(&format!("id=\"{name}\"")), "{name}");
    }
    // Asked of `--explain`, an expectation's name says where its definition is.
    let out = schedsim(&["check", "--explain", "expect:quick"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`expect:quick` is one of a model's [[expect]] entries"),
        "{}",
        text(&out.stderr)
    );
}

/// Writes `text` as the model `name` beside the others of this run.
fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A one-task model of `profile` in `zone` (`workflow` holds its cron and task), one
/// recurring scenario from `start` to `until`, then `expect`.
fn dst_model(
    name: &str,
    profile: &str,
    zone: &str,
    workflow: &str,
    span: (&str, &str),
    expect: &str,
) -> PathBuf {
    let (start, until) = span;
    write(
        name,
        &format!(
            "[model]\nname = \"dst\"\nprofile = \"{profile}\"\ntimezone = \"{zone}\"\n\n[[workflow]]\nname = \"w\"\n{workflow}\n\n[[scenario]]\nname = \"s\"\nstart = \"{start}\"\nuntil = \"{until}\"\nrecurring = true\n\n[[expect]]\nname = \"e\"\n{expect}\n"
        ),
    )
}

fn details(p: &serde_json::Value) -> Vec<String> {
    p["witness"]["details"]
        .as_array()
        .map(|d| d.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn notes(v: &serde_json::Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// Regression: a `ready_by` in the fall-back fold was always its first instant, while
/// the same-day choice compared wall clocks: DataWorks' 02:30 run (the second 02:30,
/// 01:30Z) was judged by 02:45 CEST (00:45Z), 45 minutes before it was due, and an
/// on-time run was 55 minutes late. The deadline is the first instant of `ready_by`
/// at or after the time the instance may first run.
#[test]
fn ready_by_in_the_fold_judges_a_second_hour_run_by_the_second_instant_dataworks() {
    let task =
        "  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 30 02 * * ?\"\n  duration = \"10m\"";
    let span = ("2025-10-26T00:00:00", "2025-10-26T12:00:00");
    let path = dst_model(
        "dw_fold",
        "dataworks",
        "Europe/Berlin",
        task,
        span,
        "task = \"w.t\"\nready_by = \"02:45\"",
    );
    let (out, v) = check(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(property(&v, "expect:e")["holds"], true);
    assert!(
        notes(&v).contains(&"expectation `e`'s ready_by 2025-10-26T02:45:00 happens twice in Europe/Berlin (clocks go back): each instance's deadline is the first of 2025-10-26T02:45:00+02:00 and 2025-10-26T02:45:00+01:00 at or after the time it may first run".to_string()),
        "{:?}",
        notes(&v)
    );
    // `whatif --minimize`'s bound reads the same deadline: one slot meets it.
    let out = schedsim(&[
        "whatif",
        path.to_str().unwrap(),
        "--scenario",
        "s",
        "--seeds",
        "2",
        "--minimize",
        "slots.default",
        "--range",
        "1..4",
    ]);
    assert!(
        text(&out.stdout).contains("minimum: slots.default = 1"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // A run due before the fold is judged by the first 02:45, not the lenient second:
    // 01:00 CEST + 1h50m is ready at 02:50 CEST, 5 minutes late.
    let task =
        "  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 00 01 * * ?\"\n  duration = \"1h50m\"";
    let path = dst_model(
        "dw_fold_early",
        "dataworks",
        "Europe/Berlin",
        task,
        span,
        "task = \"w.t\"\nready_by = \"02:45\"",
    );
    let (_, v) = check(&path, &[]);
    assert_eq!(
        details(property(&v, "expect:e")),
        [
            "w.t scheduled 2025-10-26T01:00:00+02:00: ready at 2025-10-26T02:50:00+02:00, 5m after its deadline 2025-10-26T02:45:00+02:00"
        ]
    );
}

/// DolphinScheduler's Quartz fires the second 02:30 too: judged by the second 02:45.
#[test]
fn ready_by_in_the_fold_judges_a_second_hour_run_by_the_second_instant_dolphinscheduler() {
    let workflow =
        "cron = \"0 30 2 * * ? *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"10m\"";
    let span = ("2025-10-26T00:00:00", "2025-10-26T12:00:00");
    let path = dst_model(
        "ds_fold",
        "dolphinscheduler",
        "Europe/Berlin",
        workflow,
        span,
        "task = \"w.t\"\nready_by = \"02:45\"",
    );
    let (out, v) = check(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(property(&v, "expect:e")["holds"], true);
}

/// The same on Airflow, both fold hours: an hourly DAG runs 01:00 twice on the
/// fall-back day (EDT, then EST); each run is judged by the 01:30 after it.
#[test]
fn ready_by_in_the_fold_judges_each_fold_hour_by_its_own_instant_airflow() {
    let daily = "cron = \"0 1 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"45m\"";
    let span = ("2025-11-01T00:00:00", "2025-11-03T00:00:00");
    let path = dst_model(
        "af_fold",
        "airflow",
        "America/New_York",
        daily,
        span,
        "task = \"w.t\"\nready_by = \"01:50\"",
    );
    let (out, v) = check(&path, &[]);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(property(&v, "expect:e")["holds"], true);
    // 40 minutes from each 01:00: 10 minutes late in each hour, each by its own 01:30.
    let hourly = "cron = \"0 * * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"40m\"";
    let span = ("2025-11-02T00:30:00", "2025-11-02T02:30:00");
    let path = dst_model(
        "af_fold_hourly",
        "airflow",
        "America/New_York",
        hourly,
        span,
        "task = \"w.t\"\nready_by = \"01:30\"",
    );
    let (_, v) = check(&path, &[]);
    assert_eq!(
        details(property(&v, "expect:e")),
        [
            "w.t scheduled 2025-11-02T01:00:00-04:00: ready at 2025-11-02T01:40:00-04:00, 10m after its deadline 2025-11-02T01:30:00-04:00",
            "w.t scheduled 2025-11-02T01:00:00-05:00: ready at 2025-11-02T01:40:00-05:00, 10m after its deadline 2025-11-02T01:30:00-05:00",
        ]
    );
}

/// In the spring-forward gap `ready_by` is read past it (02:30 → 03:30 EDT), said in
/// a note, and the same-day choice compares that instant: a run at 03:10 EDT is
/// before it, so it is judged by it, not by the next day's.
#[test]
fn ready_by_in_the_gap_is_read_past_it_and_noted() {
    let span = ("2025-03-09T00:00:00", "2025-03-09T12:00:00");
    for (name, profile, cron) in [
        (
            "af_gap",
            "airflow",
            "cron = \"10 3 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"30m\"",
        ),
        (
            "dw_gap",
            "dataworks",
            "  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 10 03 * * ?\"\n  duration = \"30m\"",
        ),
    ] {
        let path = dst_model(
            name,
            profile,
            "America/New_York",
            cron,
            span,
            "task = \"w.t\"\nready_by = \"02:30\"",
        );
        let (_, v) = check(&path, &[]);
        assert_eq!(
            details(property(&v, "expect:e")),
            [
                "w.t scheduled 2025-03-09T03:10:00-04:00: ready at 2025-03-09T03:40:00-04:00, 10m after its deadline 2025-03-09T03:30:00-04:00"
            ],
            "{name}"
        );
        assert!(
            notes(&v).contains(&"expectation `e`'s ready_by 2025-03-09T02:30:00 does not exist in America/New_York (clocks skip it): read as 2025-03-09T03:30:00-04:00, past the gap".to_string()),
            "{name}: {:?}",
            notes(&v)
        );
    }
}

/// Regression: a `finish_by` in a gap or a fold was read (past the gap, as the first
/// instant) without a word; the run notes it and `validate` warns at its place.
#[test]
fn finish_by_in_a_gap_or_fold_is_noted_and_warned() {
    let daily =
        "cron = \"30 0 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"2h15m\"";
    for (name, span, by, note) in [
        (
            "af_gap_finish",
            ("2025-03-09T00:00:00", "2025-03-09T12:00:00"),
            "2025-03-09T02:30:00",
            "expectation `e`'s finish_by 2025-03-09T02:30:00 does not exist in America/New_York (clocks skip it): read as 2025-03-09T03:30:00-04:00, past the gap",
        ),
        (
            "af_fold_finish",
            ("2025-11-02T00:00:00", "2025-11-02T12:00:00"),
            "2025-11-02T01:50:00",
            "expectation `e`'s finish_by 2025-11-02T01:50:00 happens twice in America/New_York (clocks go back): read as the first, 2025-11-02T01:50:00-04:00",
        ),
    ] {
        let path = dst_model(
            name,
            "airflow",
            "America/New_York",
            daily,
            span,
            &format!("finish_by = \"{by}\""),
        );
        let (_, v) = check(&path, &[]);
        assert!(
            notes(&v).contains(&note.to_string()),
            "{name}: {:?}",
            notes(&v)
        );
        let out = schedsim(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "a warning, not an error");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{}:21:13: {note}", path.display())),
            "{name}: {err}"
        );
    }
}

/// Regression: `ready_by = "2025-03-10T08:00:00"` was read as 08:00 with its date
/// dropped, and `"08:00:60"` as 08:00:59; both are refused where they are written.
#[test]
fn ready_by_refuses_a_date_time_and_second_60() {
    for (name, by, why) in [
        (
            "rb_datetime",
            "2025-03-10T08:00:00",
            "invalid ready_by: `2025-03-10T08:00:00` has a date: expected a time of day HH:MM[:SS], not a date-time",
        ),
        (
            "rb_second_60",
            "08:00:60",
            "invalid ready_by: second 60 is not 0..=59",
        ),
        (
            "rb_fraction",
            "08:00:00.5",
            "invalid ready_by: `08:00:00.5` has a fraction of a second: times here are whole seconds, 0..=59",
        ),
    ] {
        let path = model(name, 1, "1h", "").to_str().unwrap().to_string();
        let text_of = std::fs::read_to_string(&path)
            .unwrap()
            .replace("ready_by = \"08:00\"", &format!("ready_by = \"{by}\""));
        std::fs::write(&path, text_of).unwrap();
        let out = schedsim(&["validate", &path]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{path}:30:12: {why}")),
            "{name}: {err}"
        );
        if name == "rb_datetime" {
            assert!(
                err.contains("use finish_by for an absolute deadline"),
                "{err}"
            );
        }
    }
}

/// Regression: `finish_by = "10:00"` said "a date-time needs a time of day" (it has
/// one; it lacks a date), and `whatif --at 2025-03-10` said "invalid scenario start"
/// without naming `--at`.
#[test]
fn a_date_time_missing_its_date_or_time_says_which() {
    let path = model(
        "fb_time",
        1,
        "1h",
        "\n[[expect]]\nname = \"fin\"\nfinish_by = \"10:00\"\n",
    );
    let out = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("invalid finish_by: `10:00` is a time of day without a date: write a date-time such as \"2025-03-01T10:00:00\""),
        "{err}"
    );
    let path = model("at_date", 1, "1h", "");
    let out = schedsim(&[
        "whatif",
        path.to_str().unwrap(),
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-02",
        "--at",
        "2025-03-10",
        "--seeds",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim_end(),
        "error: --at: `2025-03-10` is a date without a time of day: write a date-time such as \"2025-03-10T00:00:00\""
    );
}
