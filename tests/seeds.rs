//! `--seeds` on run, check and whatif; `whatif --scenario`; `whatif --minimize`; the
//! distribution chart; `dates` of a run. End to end through the binary, with the
//! figures checked against single-seed runs of the same model.

use std::process::Output;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

const CAPACITY: &str = "models/dolphinscheduler-nightly-capacity.toml";

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr));
    })
}

/// One seed's `check --format json`.
fn single(seed: u64) -> serde_json::Value {
    let s = seed.to_string();
    json(&schedsim(&[
        "check", CAPACITY, "--seed", &s, "--format", "json",
    ]))
}

#[test]
fn seeds_results_are_byte_identical_whatever_the_thread_count() {
    let run = |threads: &str| {
        schedsim(&[
            "check",
            CAPACITY,
            "--seeds",
            "40",
            "--threads",
            threads,
            "--format",
            "json",
        ])
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.stdout, two.stdout);
    assert!(!one.stdout.is_empty());
    let text_one = schedsim(&["run", CAPACITY, "--seeds", "3..20", "--threads", "1"]);
    let text_two = schedsim(&["run", CAPACITY, "--seeds", "3..20", "--threads", "2"]);
    assert_eq!(text_one.stdout, text_two.stdout);
}

#[test]
fn check_seeds_counts_violations_per_property_with_a_replayable_first_seed() {
    let out = schedsim(&["check", CAPACITY, "--seeds", "30", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["seeds"], 30);
    // Each seed's own verdicts, run one at a time.
    let singles: Vec<serde_json::Value> = (0..30).map(single).collect();
    let mut any_violated = false;
    for p in v["properties"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let failing: Vec<u64> = (0..30u64)
            .filter(|&s| {
                let props = singles[s as usize]["properties"].as_array().unwrap();
                props
                    .iter()
                    .any(|q| q["name"] == name && q["holds"] == false)
            })
            .collect();
        assert_eq!(p["violated"], failing.len() as u64, "{name}");
        assert_eq!(p["first_seed"].as_u64(), failing.first().copied(), "{name}");
        if let Some(first) = failing.first() {
            any_violated = true;
            let replay = p["replay"].as_str().unwrap();
            assert!(
                replay.starts_with(&format!("schedsim check {CAPACITY}")),
                "{replay}"
            );
            assert!(replay.ends_with(&format!("--seed {first}")), "{replay}");
            // The replay command, run, shows the violation.
            let words: Vec<&str> = replay.split(' ').skip(1).collect();
            let again = schedsim(&words);
            assert_eq!(again.status.code(), Some(1), "{replay}");
            assert!(text(&again.stdout).contains(&format!("FAIL {name}")));
        } else {
            assert!(p["replay"].is_null());
        }
    }
    // Two slots do not get the nightly sales out by 08:00 on every seed.
    assert!(any_violated, "the capacity model misses on some seed");
    assert_eq!(out.status.code(), Some(1));
    // Expectations: met counts agree with the properties.
    for e in v["expectations"].as_array().unwrap() {
        let name = format!("expect:{}", e["name"].as_str().unwrap());
        let p = v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap();
        assert_eq!(
            e["met"].as_u64().unwrap() + p["violated"].as_u64().unwrap(),
            30
        );
        assert_eq!(e["seeds"], 30);
    }
}

#[test]
fn seeds_percentiles_are_nearest_rank_of_the_single_runs() {
    let v = json(&schedsim(&[
        "run", CAPACITY, "--seeds", "0..19", "--format", "json",
    ]));
    assert_eq!(
        (v["first_seed"].as_u64(), v["last_seed"].as_u64()),
        (Some(0), Some(19))
    );
    let mut makespans: Vec<i64> = (0..20)
        .map(|s| single(s)["makespan_seconds"].as_i64().unwrap())
        .collect();
    makespans.sort();
    let m = &v["makespan_seconds"];
    assert_eq!(m["min"], makespans[0]);
    assert_eq!(m["p50"], makespans[9]); // rank ceil(0.50 * 20) = 10
    assert_eq!(m["p95"], makespans[18]); // rank ceil(0.95 * 20) = 19
    assert_eq!(m["max"], makespans[19]);
    // A date's finish spread covers each seed's own end of that date.
    let date = &v["dates"][0];
    let name = date["date"].as_str().unwrap();
    let ends: Vec<String> = (0..20)
        .map(|s| {
            let d = single(s);
            let row = d["dates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["date"] == name)
                .cloned()
                .unwrap();
            row["end"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(ends.contains(&date["end"]["min"].as_str().unwrap().to_string()));
    assert!(ends.contains(&date["end"]["max"].as_str().unwrap().to_string()));
}

#[test]
fn seeds_refuses_bad_ranges_and_single_run_outputs() {
    for bad in ["0", "9..3", "ten", "0..5000000"] {
        let out = schedsim(&["run", CAPACITY, "--seeds", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            text(&out.stderr).contains("--seeds"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    let out = schedsim(&[
        "run",
        CAPACITY,
        "--seeds",
        "3",
        "--trace",
        "/tmp/never.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_lists_each_date_with_its_start_end_and_duration() {
    let v = json(&schedsim(&[
        "run",
        "models/dolphinscheduler-retry-backfill.toml",
        "--format",
        "json",
    ]));
    let dates = v["dates"].as_array().unwrap();
    let units = v["units"].as_array().unwrap();
    assert_eq!(dates.len(), units.len());
    for (d, u) in dates.iter().zip(units) {
        assert_eq!(d["date"], u["date"]);
        assert_eq!(d["start"], u["started"]);
        assert_eq!(d["end"], u["ended"]);
        let (s, e) = (
            d["start"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
            d["end"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
        );
        assert_eq!(d["duration_seconds"], e.as_second() - s.as_second());
    }
    let out = schedsim(&["run", "models/dolphinscheduler-retry-backfill.toml"]);
    let t = text(&out.stdout);
    assert!(t.contains("dates/runs (start -> end, duration):"), "{t}");
    assert!(t.contains("2025-03-04T02:00:00+08:00 backfill"), "{t}");
}

#[test]
fn whatif_scenario_keeps_the_scenario_and_says_which_base() {
    let out = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--vary",
        "slots.etl=2,6",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let variants = v.as_array().unwrap();
    // The base scenario's recurring nightly run stays: its dates are in every variant.
    for x in variants {
        assert!(
            x["units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["origin"] == "recurring"),
            "the recurring schedule is kept"
        );
        assert!(x["knobs"]["slots.etl"].is_i64(), "typed knob values");
        assert_eq!(x["scenario"], "night-with-backfill");
    }
    // Same figures as check of the model with that many slots.
    let two = single(0);
    assert_eq!(variants[0]["makespan_seconds"], two["makespan_seconds"]);
    let table = text(
        &schedsim(&[
            "whatif",
            CAPACITY,
            "--scenario",
            "night-with-backfill",
            "--vary",
            "slots.etl=2,6",
        ])
        .stdout,
    );
    assert!(
        table.starts_with("base: scenario `night-with-backfill`"),
        "{table}"
    );
    let fresh = text(
        &schedsim(&[
            "whatif",
            CAPACITY,
            "--from",
            "2025-02-01T03:00:00",
            "--to",
            "2025-02-03T03:00:00",
            "--targets",
            "reprocess",
            "--vary",
            "slots.etl=2",
        ])
        .stdout,
    );
    assert!(fresh.starts_with("base: a fresh backfill"), "{fresh}");
    let unknown = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "nope",
        "--vary",
        "slots.etl=2",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn whatif_minimize_finds_the_smallest_value_meeting_the_goal() {
    let out = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "40",
        "--minimize",
        "slots.etl",
        "--range",
        "1..8",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["knob"], "slots.etl");
    assert_eq!(v["goal"], 0.95);
    let curve = v["curve"].as_array().unwrap();
    let meets = |p: &serde_json::Value| {
        p["met"].as_u64().unwrap() as f64 >= 0.95 * p["seeds"].as_u64().unwrap() as f64
    };
    let min = v["minimum"].as_i64().expect("a minimum in 1..8");
    // The minimum meets the goal and the value below it, measured, does not.
    let at = |x: i64| curve.iter().find(|p| p["value"] == x).unwrap();
    assert!(meets(at(min)));
    if min > 1 {
        assert!(!meets(at(min - 1)), "bisection measured the value below");
    }
    // Values increase along the curve; each point's figures are its own seeds sweep.
    assert!(
        curve
            .windows(2)
            .all(|w| w[0]["value"].as_i64() < w[1]["value"].as_i64())
    );
    let sweep = json(&schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "40",
        "--vary",
        &format!("slots.etl={min}"),
        "--format",
        "json",
    ]));
    assert_eq!(sweep[0]["all_met"], at(min)["met"]);
    assert_eq!(
        sweep[0]["makespan_seconds"]["p95"],
        at(min)["makespan_p95_seconds"]
    );
}

#[test]
fn whatif_minimize_says_why_no_value_can_meet_a_deadline_shorter_than_the_chain() {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = std::fs::read_to_string(CAPACITY)
        .unwrap()
        .replace("ready_by = \"08:00\"", "ready_by = \"01:30\"")
        .replace(
            "name = \"dwd_users\"\n  upstream = [\"ods_users\"]\n  resource_group = \"etl\"\n  duration = { uniform = [\"10m\", \"20m\"] }",
            "name = \"dwd_users\"\n  upstream = [\"ods_users\"]\n  resource_group = \"etl\"\n  duration = { uniform = [\"40m\", \"50m\"] }",
        );
    let path = dir.join("tight.toml");
    std::fs::write(&path, &model).unwrap();
    let p = path.to_str().unwrap();
    let out = schedsim(&[
        "whatif",
        p,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "5",
        "--minimize",
        "slots.etl",
        "--range",
        "1..4",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert!(v["minimum"].is_null());
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.contains("no value can meet it"), "{reason}");
    assert!(
        reason.contains("nightly.dwd_users → nightly.dws_sales"),
        "{reason}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn whatif_minimize_refuses_a_model_without_expectations_and_non_integer_knobs() {
    let out = schedsim(&[
        "whatif",
        "models/dolphinscheduler-retry-backfill.toml",
        "--scenario",
        "complement-10-days",
        "--seeds",
        "5",
        "--minimize",
        "slots.mysql_export",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("[[expect]]"),
        "{}",
        text(&out.stderr)
    );
    let out = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "5",
        "--minimize",
        "order",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not an integer knob"),
        "{}",
        text(&out.stderr)
    );
    // The knob with its values, as --vary takes it, was refused as an unknown task
    // of --vary with the typed name as the suggestion.
    let minimize = |knob: &str| {
        let args = ["whatif", CAPACITY, "--scenario", "night-with-backfill"];
        let out = schedsim(&[&args[..], &["--seeds", "5", "--minimize", knob]].concat());
        assert_eq!(out.status.code(), Some(2));
        text(&out.stderr)
    };
    let err = minimize("slots.etl=1..4");
    assert!(
        err.contains("--minimize slots.etl=1..4: give the knob alone (`--minimize slots.etl`) and the values it searches as `--range LO..HI` (here `--range 1..4`)"),
        "{err}"
    );
    let err = minimize("slots.etx");
    assert!(err.contains("error: --minimize slots.etx: "), "{err}");
    assert!(!err.contains("--vary"), "{err}");
    let out = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "5",
        "--minimize",
        "slots.etl",
        "--goal",
        "1.5",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn distribution_charts_are_self_contained_svg() {
    let dir = std::env::temp_dir().join(format!("schedsim-charts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let min = dir.join("min.html");
    let out = schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "10",
        "--minimize",
        "slots.etl",
        "--range",
        "1..4",
        "--html",
        min.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&min).unwrap();
    let v = json(&schedsim(&[
        "whatif",
        CAPACITY,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "10",
        "--minimize",
        "slots.etl",
        "--range",
        "1..4",
        "--format",
        "json",
    ]));
    let points = v["curve"].as_array().unwrap().len();
    // One band row and one hit-rate bar per value measured, a goal line, a legend.
    assert_eq!(
        page.matches("<rect class=\"band\"").count(),
        points + 1,
        "the legend has one too"
    );
    assert_eq!(
        page.matches("<rect class=\"hit\"").count() + page.matches("<rect class=\"miss\"").count(),
        points
    );
    assert_eq!(page.matches("class=\"goal\"").count(), 1);
    assert!(page.contains("class=\"x-axis\"") && page.contains("class=\"y-axis\""));
    for forbidden in ["http://", "https://", "<script"] {
        let outside_svg_ns = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!outside_svg_ns.contains(forbidden), "{forbidden}");
    }
    let seeds = dir.join("seeds.html");
    let out = schedsim(&[
        "run",
        CAPACITY,
        "--seeds",
        "10",
        "--report",
        seeds.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = json(&out);
    let page = std::fs::read_to_string(&seeds).unwrap();
    let dates = report["dates"].as_array().unwrap().len();
    // The makespan row, one row per date, and the legends' swatches.
    assert_eq!(page.matches("<g class=\"row\">").count(), 1 + dates);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--seeds` spreads each constraint's waits over the seeds (a seed on which nothing
/// waited for it counts as zeros): the same nearest-rank figures as the single runs'
/// `waits`.
#[test]
fn seeds_spread_the_waits_of_each_constraint_over_the_single_runs() {
    let v = json(&schedsim(&[
        "run", CAPACITY, "--seeds", "0..9", "--format", "json",
    ]));
    let singles: Vec<serde_json::Value> = (0..10).map(single).collect();
    let spreads = v["waits"].as_array().expect("waits over the seeds");
    assert!(
        !spreads.is_empty(),
        "the capacity model waits for its slots: {v}"
    );
    for w in spreads {
        let of = |run: &serde_json::Value, field: &str| -> u64 {
            run["waits"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["kind"] == w["kind"] && r["name"] == w["name"])
                .map_or(0, |r| r[field].as_u64().unwrap())
        };
        let with = singles
            .iter()
            .filter(|s| {
                s["waits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["kind"] == w["kind"] && r["name"] == w["name"])
            })
            .count();
        assert_eq!(w["seeds_with_waits"], with as u64, "{w}");
        for field in ["total_seconds", "peak_queue", "max_seconds"] {
            let mut values: Vec<u64> = singles.iter().map(|s| of(s, field)).collect();
            values.sort_unstable();
            assert_eq!(w[field]["min"], values[0], "{field} {w}");
            assert_eq!(w[field]["p50"], values[4], "{field} {w}"); // rank ceil(0.5 * 10)
            assert_eq!(w[field]["p95"], values[9], "{field} {w}"); // rank ceil(0.95 * 10)
            assert_eq!(w[field]["max"], values[9], "{field} {w}");
        }
    }
    let text = text(&schedsim(&["run", CAPACITY, "--seeds", "0..9"]).stdout);
    assert!(text.contains("wait resource_group etl total"), "{text}");
}

/// Issue 11 item 5: under `--scenario`, a backfill knob applies to every backfill of
/// the scenario, or to the N-th (from 1) as `KNOB.N`; an index the scenario does not
/// have, or an index on a fresh backfill, is refused.
#[test]
fn whatif_scenario_backfill_knob_by_index_sets_that_backfill_only() {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-index-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("two.toml");
    std::fs::write(
        &model,
        r#"[model]
name = "two-backfills"
profile = "dataworks"
timezone = "UTC"
[[resource_group]]
name = "default"
slots = 50
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  duration = "1h"
[[scenario]]
name = "two"
start = "2025-03-10T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-04"
  groups = 1
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-02-01"
  to = "2025-02-04"
  groups = 1
"#,
    )
    .unwrap();
    let m = model.display().to_string();
    let out = schedsim(&[
        "whatif",
        &m,
        "--scenario",
        "two",
        "--vary",
        "groups.2=1,4",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let starts = |variant: &serde_json::Value, backfill: u64| -> Vec<String> {
        variant["dates"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["backfill"] == backfill)
            .map(|d| d["start"].as_str().unwrap().to_string())
            .collect()
    };
    let (serial, parallel) = (&v[0], &v[1]);
    assert_eq!(serial["knobs"]["groups.2"], 1);
    assert_eq!(
        starts(serial, 1),
        starts(parallel, 1),
        "backfill 1 is untouched"
    );
    assert_eq!(starts(serial, 2).len(), 4);
    let distinct = |s: Vec<String>| {
        s.into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert_eq!(distinct(starts(serial, 2)), 4, "one date after another");
    assert_eq!(
        distinct(starts(parallel, 2)),
        1,
        "four groups: every date at once"
    );
    let refused = |args: &[&str], expected: &str| {
        let out = schedsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
    };
    refused(
        &["whatif", &m, "--scenario", "two", "--vary", "groups.3=1,2"],
        "scenario `two` has 2 backfills, so there is no backfill 3",
    );
    refused(
        &[
            "whatif",
            &m,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-02",
            "--vary",
            "groups.1=1,2",
        ],
        "a backfill by its index needs --scenario",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A backfill of two Airflow DAGs: it runs as one backfill per DAG, and its runs say so
/// in a note (under `unit_scope = all_targets`, they do not).
const TWO_DAGS: &str = "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"UTC\"\n\n\
    [[workflow]]\nname = \"hourly\"\ncron = \"0 * * * *\"\n  [[workflow.task]]\n  name = \"load\"\n  duration = \"10m\"\n\n\
    [[workflow]]\nname = \"daily\"\ncron = \"0 0 * * *\"\n  [[workflow.task]]\n  name = \"agg\"\n  duration = \"3h\"\n\n\
    [[scenario]]\nname = \"s\"\nstart = \"2025-03-12T00:00:00\"\n\
    \n  [[scenario.backfill]]\n  targets = [\"hourly\", \"daily\"]\n  from = \"2025-03-10T00:00:00\"\n  to = \"2025-03-10T02:00:00\"\n";

/// A task failing half its attempts, with a scripted fault on its second attempt of
/// 03-01: on the seeds where the first attempt succeeds, the fault never runs.
const FLAKY_FAULT: &str = "[model]\nname = \"m\"\nprofile = \"airflow\"\ntimezone = \"UTC\"\n\n\
    [[workflow]]\nname = \"d\"\ncron = \"0 2 * * *\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"10m\"\n  retry = { times = 2, interval = \"1m\" }\n  fail = { probability = 0.5 }\n\n\
    [[scenario]]\nname = \"s\"\nstart = \"2025-03-12T00:00:00\"\n\
    \n  [[scenario.backfill]]\n  targets = [\"d\"]\n  from = \"2025-03-01T00:00:00\"\n  to = \"2025-03-03T00:00:00\"\n\
    \n  [[scenario.fault]]\n  task = \"d.t\"\n  scheduled = \"2025-03-01T02:00:00\"\n  attempts = [2]\n";

fn two_dags() -> String {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("two-dags.toml");
    std::fs::write(&path, TWO_DAGS).unwrap();
    path.to_str().unwrap().to_string()
}

/// `--seeds` said none of the runs' notes (what a run narrowed, split or left out):
/// they are in the report, each with the seeds that had it, in text and JSON.
#[test]
fn seeds_reports_keep_the_runs_notes_with_their_seed_counts() {
    let model = two_dags();
    let split = "backfill 1: its targets are in 2 workflows (hourly, daily)";
    let out = schedsim(&["run", &model, "--seeds", "4", "--format", "json"]);
    let v = json(&out);
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0]["note"].as_str().unwrap().starts_with(split));
    assert_eq!(notes[0]["seeds"], 4);
    let out = schedsim(&["run", &model, "--seeds", "4"]);
    assert!(
        text(&out.stdout).contains(&format!("\nnote: {split}")),
        "{}",
        text(&out.stdout)
    );
    // A sweep names the variants a note comes from when not every variant has it.
    let out = schedsim(&[
        "whatif",
        &model,
        "--scenario",
        "s",
        "--vary",
        "unit_scope=all_targets,workflow",
        "--seeds",
        "2",
    ]);
    assert!(
        text(&out.stdout).contains(&format!(
            "note (1 of 2 variants: unit_scope=workflow: 2 of 2 seeds): {split}"
        )),
        "{}",
        text(&out.stdout)
    );
    // Without --vary, one unnamed variant: its note reads as `run --seeds` says it.
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-notes-{}", std::process::id()));
    let flaky = dir.join("flaky.toml");
    std::fs::write(&flaky, FLAKY_FAULT).unwrap();
    let out = schedsim(&[
        "whatif",
        flaky.to_str().unwrap(),
        "--scenario",
        "s",
        "--seeds",
        "6",
    ]);
    let table = text(&out.stdout);
    let fault = "fault d.t scheduled 2025-03-01T02:00:00+00:00 attempt 2: never ran";
    let line = table
        .lines()
        .find(|l| l.contains(fault))
        .unwrap_or_else(|| panic!("{table}"));
    let seeds = line
        .strip_prefix("note (")
        .and_then(|l| l.split_once(" of 6 seeds): "))
        .and_then(|(n, _)| n.parse::<u32>().ok());
    assert!(seeds.is_some_and(|n| (1..6).contains(&n)), "{line}");
    let out = schedsim(&[
        "whatif",
        &model,
        "--scenario",
        "s",
        "--vary",
        "unit_scope=all_targets,workflow",
    ]);
    assert!(
        text(&out.stderr).contains(&format!(
            "note (1 of 2 variants: unit_scope=workflow): {split}"
        )),
        "{}",
        text(&out.stderr)
    );
}

/// Without an `[[expect]]` for the scenario there is no share of seeds meeting every
/// expectation: the chart says so instead of drawing every seed as meeting them.
#[test]
fn a_sweep_chart_without_expectations_draws_no_hit_rates() {
    let dir = std::env::temp_dir().join(format!("schedsim-noexpect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("sweep.html");
    let out = schedsim(&[
        "whatif",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--scenario",
        "backfill-one-week",
        "--seeds",
        "3",
        "--vary",
        "slots.di_shared=10,20",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("note: no [[expect]] applies"));
    let page = std::fs::read_to_string(&page).unwrap();
    assert!(
        page.contains("No [[expect]] of the model applies"),
        "{page}"
    );
    assert_eq!(page.matches("<rect class=\"hit\"").count(), 0);
    assert_eq!(page.matches("<rect class=\"miss\"").count(), 0);
    // The makespan bands are still drawn: one per value, and the legend's.
    assert_eq!(page.matches("<rect class=\"band\"").count(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A DataWorks backfill of 14 dates of one 1-hour task: how many groups in
/// parallel it needs depends on its deadline.
const DATAWORKS_GROUPS: &str = r#"
[model]
name = "dw"
profile = "dataworks"
[[resource_group]]
name = "rg"
slots = 10
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t"
  cron = "00 00 02 * * ?"
  resource_group = "rg"
  duration = "1h"
[[scenario]]
name = "week"
start = "2025-03-10T09:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-02-20"
  to = "2025-03-05"
  groups = 1
[[expect]]
name = "quick"
makespan_at_most = "MAKESPAN"
"#;

#[test]
fn whatif_minimize_groups_under_dataworks_searches_the_ten_groups_it_runs() {
    let dir = std::env::temp_dir().join(format!("schedsim-dwgroups-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let minimize = |makespan: &str, range: &[&str]| {
        let path = dir.join(format!("dw-{makespan}.toml"));
        std::fs::write(&path, DATAWORKS_GROUPS.replace("MAKESPAN", makespan)).unwrap();
        let p = path.to_str().unwrap();
        let args = [
            "whatif",
            p,
            "--scenario",
            "week",
            "--seeds",
            "3",
            "--minimize",
            "groups",
            "--format",
            "json",
        ];
        schedsim(&[&args[..], range].concat())
    };
    // 14 one-hour dates in 3 hours: 5 groups (3 rounds; 4 groups take 4).
    let out = minimize("3h", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["range"], serde_json::json!([1, 10]), "{v}");
    assert_eq!(v["minimum"], 5, "{v}");
    // In 1h30m: 10 groups take 2 rounds, and no more groups can run.
    let out = minimize("1h30m", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert!(v["minimum"].is_null(), "{v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("groups cannot go higher: the dataworks profile allows at most 10"),
        "{reason}"
    );
    assert!(!reason.contains("wider --range"), "{reason}");
    // A range past it is refused before anything runs.
    let out = minimize("3h", &["--range", "2..12"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--range: the dataworks profile runs at most 10 groups of business dates in parallel, not 12"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two backfills of one scenario over the same dates: a DataWorks model whose second
/// backfill starts an hour after the first, on another task.
const TWO_BACKFILLS: &str = r#"
[model]
name = "two-backfills"
profile = "dataworks"
timezone = "UTC"
[[resource_group]]
name = "a"
slots = 1
[[workflow]]
name = "w"
  [[workflow.task]]
  name = "t1"
  cron = "00 00 02 * * ?"
  resource_group = "a"
  duration = { uniform = ["20m", "40m"] }
  fail = { probability = 0.2 }
  retry = { times = 1, interval = "5m" }
  [[workflow.task]]
  name = "t2"
  cron = "00 00 02 * * ?"
  resource_group = "a"
  duration = { uniform = ["20m", "40m"] }
[[scenario]]
name = "bf"
start = "2025-03-10T00:00:00"
  [[scenario.backfill]]
  targets = ["w.t1"]
  from = "2025-03-01"
  to = "2025-03-04"
  groups = 1
  [[scenario.backfill]]
  at = "2025-03-10T01:00:00"
  targets = ["w.t2"]
  from = "2025-03-01"
  to = "2025-03-04"
  groups = 2
"#;

/// `--seeds` keyed a date's spread by its date and origin alone: two backfills of one
/// date became one row, its minimum the first backfill's and its maximum the
/// second's, and a seed gave it two values. Each backfill's date is its own row now,
/// spread over that backfill's ends only.
#[test]
fn seeds_keep_two_backfills_of_one_date_apart() {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-two-bf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("two-backfills.toml");
    std::fs::write(&path, TWO_BACKFILLS).unwrap();
    let model = path.to_str().unwrap();
    let v = json(&schedsim(&[
        "check", model, "--seeds", "6", "--format", "json",
    ]));
    let rows = v["dates"].as_array().unwrap();
    assert_eq!(rows.len(), 8, "{rows:?}");
    // Each seed's own end of each (date, backfill), from single runs.
    let singles: Vec<serde_json::Value> = (0..6)
        .map(|s| {
            json(&schedsim(&[
                "check",
                model,
                "--seed",
                &s.to_string(),
                "--format",
                "json",
            ]))
        })
        .collect();
    for row in rows {
        let (date, backfill) = (row["date"].as_str().unwrap(), &row["backfill"]);
        assert!(backfill == 1 || backfill == 2, "{row}");
        let mut ends: Vec<Option<String>> = singles
            .iter()
            .map(|d| {
                let own: Vec<&serde_json::Value> = d["dates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["date"] == date && &r["backfill"] == backfill)
                    .collect();
                assert_eq!(own.len(), 1, "{date} backfill {backfill}");
                own[0]["end"].as_str().map(str::to_string)
            })
            .collect();
        let never = ends.iter().filter(|e| e.is_none()).count();
        assert_eq!(row["unfinished"], never as u64, "{row}");
        ends.retain(Option::is_some);
        ends.sort();
        if never == 0 {
            assert_eq!(row["end"]["min"].as_str(), ends[0].as_deref(), "{row}");
            assert_eq!(row["end"]["max"].as_str(), ends[5].as_deref(), "{row}");
        }
    }
    let out = text(&schedsim(&["check", model, "--seeds", "6"]).stdout);
    assert!(out.contains("\n  2025-03-01 backfill 1  "), "{out}");
    assert!(out.contains("\n  2025-03-01 backfill 2  "), "{out}");
}

/// `--minimize`'s lower bound started each instance at its scheduled time: a
/// backfill of past dates submitted at 01:00 "could end" days before it was
/// submitted, and a deadline before the scenario's start read as one more slots might
/// meet. It starts at the latest of the scheduled time, the submission and the start.
#[test]
fn whatif_minimize_bound_starts_a_backfill_when_it_is_submitted() {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-bound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("submitted.toml");
    let model = format!(
        "{TWO_BACKFILLS}\n[[expect]]\nname = \"done\"\nfinish_by = \"2025-03-09T06:00:00\"\n"
    );
    std::fs::write(&path, model).unwrap();
    let out = schedsim(&[
        "whatif",
        path.to_str().unwrap(),
        "--scenario",
        "bf",
        "--seeds",
        "2",
        "--minimize",
        "slots.a",
        "--range",
        "1..4",
    ]);
    let said = text(&out.stdout);
    assert!(
        said.contains("no value can meet it: `done`: w.t2 scheduled 2025-03-0")
            && said.contains(
                "cannot end before 2025-03-10T01:20:00+00:00 at minimum durations (its upstream chain), after finish_by 2025-03-09T06:00:00+00:00"
            ),
        "{said}\n{}",
        text(&out.stderr)
    );
}

/// DolphinScheduler 3.3 splits parallel dates into chunks of P (#17831): 5 dates take
/// 5 dates' time at 1 group (serial), 2 at 2, 3 at 3 and 5 at 5 or more.
const CHUNKS: &str = r#"
[model]
name = "chunks"
profile = "dolphinscheduler"
timezone = "Asia/Shanghai"
profile_version = "3.3"

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
  order = "asc"
"#;

fn minimize_json(name: &str, model: &str, knob: &str, range: &[&str]) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("schedsim-seeds-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, model).unwrap();
    let args = [
        "whatif",
        path.to_str().unwrap(),
        "--scenario",
        "comp",
        "--seeds",
        "2",
        "--minimize",
        knob,
        "--format",
        "json",
    ];
    let out = schedsim(&[&args[..], range].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    json(&out)
}

#[test]
fn minimize_bisected_groups_under_chunks_and_answered_none_where_two_groups_meet_it() {
    let model = format!("{CHUNKS}\n[[expect]]\nname = \"fin\"\nmakespan_at_most = \"1h45m\"\n");
    let v = minimize_json("chunks", &model, "groups", &[]);
    // Bisection measured 64 (5 dates' time), missed, and said none in 1..64.
    assert_eq!(v["minimum"], 2, "{v}");
    assert_eq!(v["search"], "each_value", "{v}");
    let values: Vec<i64> = v["curve"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, [1, 2], "{v}");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("groups is not bisected: under group_split = chunks"),
        "{v}"
    );
    // None in a range: every value measured, and said so.
    let v = minimize_json("chunks", &model, "groups", &["--range", "3..6"]);
    assert!(v["minimum"].is_null(), "{v}");
    assert_eq!(v["curve"].as_array().unwrap().len(), 4, "{v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("every value was measured; the best, groups = 3:"),
        "{reason}"
    );
    // Under 3.2's round robin more groups never make a longer chain: bisection, and
    // a miss at the top says the values below it were not measured.
    let v = minimize_json(
        "roundrobin",
        &model.replace("\"3.3\"", "\"3.2\""),
        "groups",
        &["--range", "1..1"],
    );
    assert_eq!(v["search"], "bisection", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains(
            "(bisection measured only the top: it takes more groups never to lower the hit rate)"
        ),
        "{v}"
    );
}

#[test]
fn minimize_bisected_retries_where_a_failure_ends_the_work_before_its_deadline() {
    // Date 5's `a` fails once: without a retry its date ends at once (2h 10m in all),
    // with one it runs on to 3h 1m, past makespan_at_most.
    let model = CHUNKS.replace("\"3.3\"", "\"3.2\"").replace(
        "  name = \"a\"\n",
        "  name = \"a\"\n  retry = { times = 0, interval = \"1m\" }\n",
    ) + r#"
  [[scenario.fault]]
  task = "etl.a"
  scheduled = "2025-03-05T02:00:00"
  attempts = [1]

[[expect]]
name = "fin"
makespan_at_most = "2h15m"
"#;
    let v = minimize_json("retries", &model, "retries.etl.a", &[]);
    assert_eq!(v["minimum"], 0, "{v}");
    assert_eq!(v["search"], "each_value", "{v}");
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("retries.etl.a is not bisected: `fin` judges when the work ends"),
        "{v}"
    );
}

/// `run --seeds 3..3` said "(1 runs)", `whatif --seeds 1` "(1 runs per variant)".
#[test]
fn one_seed_was_counted_as_1_runs() {
    let out = text(&schedsim(&["run", CAPACITY, "--seeds", "3..3"]).stdout);
    assert!(out.contains("seeds 3..3 (1 run), model sha1"), "{out}");
    let out = text(
        &schedsim(&[
            "whatif",
            CAPACITY,
            "--scenario",
            "night-with-backfill",
            "--seeds",
            "1",
            "--vary",
            "slots.etl=2,3",
        ])
        .stdout,
    );
    assert!(out.contains("seeds 0..0 (1 run per variant)"), "{out}");
}

/// A recurring run split by workflow had `"date": "2025-03-10T01:00:00+08:00
/// (nightly)"` under `--seeds`, where a run's `dates` give the date and
/// `"workflows": ["nightly"]` apart.
#[test]
fn seeds_dates_glued_the_workflows_to_the_date_where_a_run_keeps_them_apart() {
    let seeds = json(&schedsim(&[
        "run", CAPACITY, "--seeds", "2", "--format", "json",
    ]));
    let one = single(0);
    let key = |d: &serde_json::Value| {
        (
            d["date"].clone(),
            d["origin"].clone(),
            d["backfill"].clone(),
            d["workflows"].clone(),
        )
    };
    let run: Vec<_> = one["dates"].as_array().unwrap().iter().map(key).collect();
    let rows: Vec<_> = seeds["dates"].as_array().unwrap().iter().map(key).collect();
    assert_eq!(rows.len(), run.len());
    for row in &rows {
        assert!(run.contains(row), "{row:?} is no date of a run: {run:?}");
    }
    let nightly = rows
        .iter()
        .find(|r| r.1 == "recurring" && r.3 == serde_json::json!(["nightly"]))
        .expect("the recurring schedule runs one set per workflow here");
    assert!(!nightly.0.as_str().unwrap().contains(' '), "{nightly:?}");
    // The text keeps the workflows beside the date.
    let out = text(&schedsim(&["run", CAPACITY, "--seeds", "2"]).stdout);
    assert!(
        out.contains(&format!(
            "  {} (nightly) recurring",
            nightly.0.as_str().unwrap()
        )),
        "{out}"
    );
}
