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
