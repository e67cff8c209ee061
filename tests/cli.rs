//! End-to-end tests of the `schedsim` binary: exit codes, streams and formats.

use std::path::Path;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

fn example_models() -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
            .unwrap()
            .map(|e| format!("models/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|p| p.ends_with(".toml"))
            .collect();
    files.sort();
    files
}

#[test]
fn validate_accepts_every_example_model() {
    let models = example_models();
    let args: Vec<&str> = std::iter::once("validate")
        .chain(models.iter().map(String::as_str))
        .collect();
    let out = schedsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for m in &models {
        assert!(stdout.contains(&format!("ok: {m} ")), "{stdout}");
    }
    assert!(out.stderr.is_empty());
}

#[test]
fn validate_reports_every_broken_model_with_exit_code_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let path = format!("tests/broken/{name}");
        let out = schedsim(&["validate", &path]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("error: {path}:")),
            "{path}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{path}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{path}: text mode keeps stdout for results"
        );
    }
}

#[test]
fn one_bad_file_among_good_ones_fails_the_run_but_all_are_checked() {
    let out = schedsim(&[
        "validate",
        "models/dataworks-mysql-to-maxcompute.toml",
        "tests/broken/zero_slots.toml",
        "models/airflow-pool-depends-on-past.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ok: models/dataworks-mysql-to-maxcompute.toml"));
    assert!(stdout.contains("ok: models/airflow-pool-depends-on-past.toml"));
    assert!(
        text(&out.stderr).contains("tests/broken/zero_slots.toml:8:9: `slots` must be at least 1")
    );
}

#[test]
fn validate_json_is_one_document_with_locations() {
    let out = schedsim(&[
        "validate",
        "--format",
        "json",
        "tests/broken/unknown_upstream.toml",
        "models/dolphinscheduler-retry-backfill.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(v[0]["valid"], false);
    let d = &v[0]["diagnostics"][0];
    assert_eq!(d["file"], "tests/broken/unknown_upstream.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(11), Some(15))
    );
    assert_eq!(d["message"], "unknown upstream task `w.extrct`");
    assert_eq!(d["help"], "did you mean `w.extract`?");
    assert_eq!(v[1]["valid"], true);
    assert_eq!(v[1]["profile"], "dolphinscheduler");
    assert_eq!(v[1]["tasks"], 3);
}

#[test]
fn a_missing_file_is_bad_input_not_a_panic() {
    let out = schedsim(&["validate", "models/does-not-exist.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    // The file as a whole: no line and column that name no place in it.
    assert!(
        stderr.starts_with("error: models/does-not-exist.toml: cannot read the file: "),
        "{stderr}"
    );
    assert!(!stderr.contains(":1:1"), "{stderr}");
    let out = schedsim(&["validate", "models/does-not-exist.toml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["diagnostics"][0]["whole_file"], true, "{v}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(schedsim(&[]).status.code(), Some(2));
    assert_eq!(schedsim(&["validate"]).status.code(), Some(2));
    assert_eq!(schedsim(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        schedsim(&["validate", "--format", "yaml", "x.toml"])
            .status
            .code(),
        Some(2)
    );
    let help = schedsim(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("validate"));
}

#[test]
fn schema_prints_a_json_schema_of_the_model_format() {
    let out = schedsim(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(v["additionalProperties"], false);
    let required: Vec<&str> = v["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(required, ["model", "workflow"]);
}

#[test]
fn cron_lists_fire_times_as_rfc3339() {
    let out = schedsim(&[
        "cron",
        "0 * * * *",
        "--profile",
        "airflow",
        "--tz",
        "America/New_York",
        "--from",
        "2025-11-02",
        "--to",
        "2025-11-02T02:00:00",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    // Airflow 3.3.2 runs the repeated hour twice.
    assert_eq!(
        v,
        [
            "2025-11-02T00:00:00-04:00",
            "2025-11-02T01:00:00-04:00",
            "2025-11-02T01:00:00-05:00",
            "2025-11-02T02:00:00-05:00"
        ]
    );
}

#[test]
fn cron_rejects_a_dialect_foreign_expression_with_exit_2() {
    let out = schedsim(&[
        "cron",
        "30 00 02 * * ?",
        "--profile",
        "dataworks",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-02",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("seconds field must be 00"), "{stderr}");
    assert!(stderr.contains("  ^^ expected `00`"), "{stderr}");
}

#[test]
fn instances_json_has_the_contract_fields() {
    let out = schedsim(&[
        "instances",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-01",
        "--targets",
        "orders.ods_orders_inc",
        "--window",
        "00:00-02:00",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "minute 10 of hours 00 and 01");
    assert_eq!(rows[0]["task"], "orders.ods_orders_inc");
    assert_eq!(rows[0]["scheduled"], "2025-03-02T00:10:00+08:00");
    assert_eq!(rows[0]["date"], "2025-03-01");
    assert_eq!(rows[0]["kind"], "run");
}

#[test]
fn instances_reports_the_profile_errors_with_exit_2() {
    let out = schedsim(&[
        "instances",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-01",
        "--targets",
        "orders.ods_orders_inc",
        "--window",
        "00:20-00:50",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("outside the selected business time range"));
    let huge = schedsim(&[
        "instances",
        "models/airflow-pool-depends-on-past.toml",
        "--from",
        "2000-01-01",
        "--to",
        "2099-01-01",
        "--max-instances",
        "100000",
    ]);
    assert_eq!(huge.status.code(), Some(2));
    assert!(
        text(&huge.stderr).contains("more than the 100000 instances --max-instances leaves for it"),
        "{}",
        text(&huge.stderr)
    );
}

#[test]
fn run_prints_a_summary_writes_a_jsonl_trace_and_exits_0_even_with_violations() {
    let dir = std::env::temp_dir().join(format!("schedsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("trace.jsonl");
    let out = schedsim(&[
        "run",
        "models/dataworks-writes-under-retries-and-reruns.toml",
        "--scenario",
        "retry-after-write",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("properties: 1 of 13 do not hold: idempotent-writes"),
        "{stdout}"
    );
    let lines = std::fs::read_to_string(&trace).unwrap();
    let header: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(header["seed"], 0);
    assert_eq!(header["tzdb"], "2026e");
    assert_eq!(header["model_hash"].as_str().unwrap().len(), 40);
    let mut transitions = 0;
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        if v.get("instance").is_some() {
            transitions += 1;
            for key in [
                "time",
                "task",
                "scheduled",
                "attempt",
                "from",
                "to",
                "state",
                "reason",
            ] {
                assert!(v.get(key).is_some(), "{key} missing in {line}");
            }
        }
    }
    assert!(transitions > 10);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_json_has_the_fields_tools_rely_on() {
    let out = schedsim(&[
        "run",
        "models/dataworks-backfill-today-partition.toml",
        "--seed",
        "7",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "model",
        "profile",
        "seed",
        "makespan_seconds",
        "instances",
        "resource_groups",
        "partitions",
        "properties",
        "tzdb",
        "model_hash",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["seed"], 7);
    let i = &v["instances"][0];
    for key in [
        "task",
        "scheduled",
        "date",
        "origin",
        "state",
        "attempts",
        "start",
        "end",
    ] {
        assert!(i.get(key).is_some(), "instance field {key} missing");
    }
    let g = &v["resource_groups"][0];
    for key in [
        "name",
        "slots",
        "peak_running",
        "peak_waiting",
        "busy_seconds",
    ] {
        assert!(g.get(key).is_some(), "group field {key} missing");
    }
    let statuses: Vec<&str> = v["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"misaligned") && statuses.contains(&"missing"));
    let p = &v["properties"][0];
    for key in ["name", "holds", "witness"] {
        assert!(p.get(key).is_some(), "property field {key} missing");
    }
}

#[test]
fn check_exits_1_on_a_violation_and_0_when_every_property_holds() {
    let bad = schedsim(&["check", "models/dataworks-backfill-today-partition.toml"]);
    assert_eq!(bad.status.code(), Some(1));
    let stdout = text(&bad.stdout);
    assert!(stdout.contains("FAIL partition-alignment"), "{stdout}");
    assert!(
        stdout.contains("dws_sales_bad/dt=20250310"),
        "the witness names the partition"
    );
    let good = schedsim(&[
        "check",
        "models/dolphinscheduler-rerun-vs-recover.toml",
        "--scenario",
        "recover-failed",
    ]);
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stdout));
    let json = schedsim(&[
        "check",
        "models/dataworks-backfill-today-partition.toml",
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let failing: Vec<&str> = v["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["holds"] == false)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["partition-alignment", "complete-writes"]);
}

#[test]
fn run_and_check_refuse_bad_input_with_exit_code_2() {
    let out = schedsim(&["run", "tests/broken/unknown_rule_knob.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown_rule_knob.toml:8:1"));
    let out = schedsim(&[
        "check",
        "models/dataworks-backfill-today-partition.toml",
        "--scenario",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no scenario `nope`"));
    let out = schedsim(&[
        "run",
        "models/dataworks-backfill-today-partition.toml",
        "--max-instances",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--max-instances"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_same_seed_gives_the_same_trace_file() {
    let dir = std::env::temp_dir().join(format!("schedsim-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, seed: &str| {
        let path = dir.join(name);
        let out = schedsim(&[
            "run",
            "models/dataworks-mysql-to-maxcompute.toml",
            "--seed",
            seed,
            "--trace",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0));
        std::fs::read(path).unwrap()
    };
    assert_eq!(run("a", "5"), run("b", "5"));
    assert_ne!(run("a", "5"), run("c", "6"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn instances_takes_a_dolphinscheduler_date_list() {
    let out = schedsim(&[
        "instances",
        "models/dolphinscheduler-rerun-vs-recover.toml",
        "--dates",
        "2025-03-04T02:00:00,2025-03-01T02:00:00,2025-03-04T02:00:00",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let scheduled: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    // Two tasks on two distinct dates.
    assert_eq!(scheduled.len(), 4);
    assert_eq!(scheduled[0], "2025-03-01T02:00:00+08:00");
    let refused = schedsim(&[
        "instances",
        "models/dataworks-backfill-today-partition.toml",
        "--dates",
        "2025-03-04T02:00:00",
    ]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn run_writes_a_chrome_trace_and_nothing_when_the_scenario_is_refused() {
    let dir = std::env::temp_dir().join(format!("schedsim-chrome-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let chrome = dir.join("run.json");
    let out = schedsim(&[
        "run",
        "models/dolphinscheduler-retry-backfill.toml",
        "--chrome-trace",
        chrome.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&chrome).unwrap()).unwrap();
    let events = v["traceEvents"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["ph"] == "M" && e["args"]["name"] == "mysql_export (2 slots)")
    );
    assert!(events.iter().filter(|e| e["ph"] == "X").count() >= 30);
    let trace = dir.join("refused.jsonl");
    let refused = dir.join("refused.json");
    let out = schedsim(&[
        "run",
        "models/dolphinscheduler-retry-backfill.toml",
        "--max-instances",
        "3",
        "--trace",
        trace.to_str().unwrap(),
        "--chrome-trace",
        refused.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!trace.exists() && !refused.exists(), "nothing half-written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_writes_an_html_report_with_verdicts_and_a_gantt_chart() {
    let dir = std::env::temp_dir().join(format!("schedsim-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.html");
    let out = schedsim(&[
        "check",
        "models/dataworks-backfill-today-partition.toml",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "check still exits 1 on a violation"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(
        "<td><a href=\"#partition-alignment\">partition-alignment</a></td><td class=\"fail\">fails</td>"
    ));
    assert!(html.contains("dws_sales_bad/dt=20250310"));
    // One bar per execution, rows per task and per date: six instances ran once each.
    assert_eq!(html.matches("; 6 executions drawn as bars.").count(), 2);
    assert!(
        !html.contains("src="),
        "self-contained: an inline script, nothing fetched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn record_then_verify_is_identical_and_a_rule_change_shows_its_first_difference() {
    let dir = std::env::temp_dir().join(format!("schedsim-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let golden = dir.join("golden.jsonl");
    let out = schedsim(&[
        "record",
        "models/dolphinscheduler-complement-rerun.toml",
        "-o",
        golden.to_str().unwrap(),
        "--scenario",
        "rerun-one-date",
        "--seed",
        "9",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let same = schedsim(&[
        "verify",
        "models/dolphinscheduler-complement-rerun.toml",
        golden.to_str().unwrap(),
    ]);
    assert_eq!(same.status.code(), Some(0));
    assert!(
        text(&same.stdout).contains("identical"),
        "{}",
        text(&same.stdout)
    );
    // The same model with DolphinScheduler's regeneration of later dates switched off.
    let changed = dir.join("changed.toml");
    let source = std::fs::read_to_string("models/dolphinscheduler-complement-rerun.toml")
        .unwrap()
        .replace(
            "profile_version = \"3.2\"\n",
            "profile_version = \"3.2\"\n\n[rules]\nrerun_complement = \"single\"\n",
        );
    std::fs::write(&changed, source).unwrap();
    let differs = schedsim(&[
        "verify",
        changed.to_str().unwrap(),
        golden.to_str().unwrap(),
    ]);
    assert_eq!(differs.status.code(), Some(1));
    let stdout = text(&differs.stdout);
    assert!(stdout.contains("note: model_hash was"), "{stdout}");
    assert!(stdout.contains("first difference at line"), "{stdout}");
    let not_a_trace = schedsim(&[
        "verify",
        "models/dolphinscheduler-complement-rerun.toml",
        "README.md",
    ]);
    assert_eq!(not_a_trace.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn whatif_compares_every_combination_with_the_knob_values_under_their_names() {
    let args = [
        "whatif",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-07",
        "--vary",
        "groups=1,3",
        "--vary",
        "slots.di_shared=2,20",
        "--format",
        "json",
    ];
    let out = schedsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants = v.as_array().unwrap();
    assert_eq!(variants.len(), 4);
    let keys: Vec<(String, String)> = variants
        .iter()
        .map(|x| {
            (
                x["groups"].as_str().unwrap().to_string(),
                x["slots.di_shared"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(keys[0], ("1".into(), "2".into()));
    assert_eq!(keys[3], ("3".into(), "20".into()));
    for x in variants {
        for key in [
            "makespan_seconds",
            "instances",
            "resource_groups",
            "partitions",
            "properties",
        ] {
            assert!(x.get(key).is_some(), "{key} missing");
        }
        let di = x["resource_groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "di_shared")
            .unwrap();
        assert_eq!(
            di["slots"].to_string(),
            x["slots.di_shared"].as_str().unwrap()
        );
        assert!(di["peak_running"].as_u64().unwrap() <= di["slots"].as_u64().unwrap());
    }
    // Three dates side by side finish sooner than one at a time.
    assert!(variants[3]["makespan_seconds"].as_i64() < variants[1]["makespan_seconds"].as_i64());
    // Variants run on threads; the output does not depend on how many.
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    assert_eq!(schedsim(&one).stdout, out.stdout);
}

#[test]
fn whatif_refuses_unknown_keys_and_values_the_model_checks_refuse() {
    let base = [
        "whatif",
        "models/dataworks-mysql-to-maxcompute.toml",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-02",
    ];
    let mut unknown = base.to_vec();
    unknown.extend(["--vary", "colour=red"]);
    let out = schedsim(&unknown);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--vary colour"),
        "{}",
        text(&out.stderr)
    );
    let mut refused = base.to_vec();
    refused.extend(["--vary", "groups=2,11"]);
    let out = schedsim(&refused);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("groups=11"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("at most 10 groups"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn explore_shrinks_a_violation_to_a_replay_command_that_reproduces_it() {
    let out = schedsim(&[
        "explore",
        "models/dolphinscheduler-rerun-vs-recover.toml",
        "--scenario",
        "recover-failed",
        "--cases",
        "50",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["holds"], false);
    let violation = &v["violation"];
    let property = violation["property"].as_str().unwrap();
    let shrunk = violation["faults"].as_array().unwrap().len()
        + violation["operations"].as_array().unwrap().len();
    assert_eq!(
        shrunk, 1,
        "one INSERT INTO re-execution is enough: {violation}"
    );
    // The replay command, run as printed, fails the same property.
    let replay = violation["replay"].as_str().unwrap();
    let words: Vec<&str> = replay.split(' ').collect();
    assert_eq!(&words[..2], ["schedsim", "check"]);
    let again = schedsim(&words[1..]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stdout).contains(&format!("FAIL {property}")),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn explore_reports_holds_when_no_schedule_breaks_a_property() {
    let dir = std::env::temp_dir().join(format!("schedsim-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("idempotent.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"m\"\nprofile = \"airflow\"\n[[workflow]]\nname = \"dag\"\ncron = \"@daily\"\n  [[workflow.task]]\n  name = \"t\"\n  retry = { times = 2, interval = \"1m\" }\n  writes = [ { table = \"x\", partition = \"ds={{ ds }}\", mode = \"overwrite\" } ]\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"dag\"]\n  from = \"2025-03-01T00:00:00\"\n  to = \"2025-03-03T00:00:00\"\n",
    )
    .unwrap();
    let out = schedsim(&[
        "explore",
        model.to_str().unwrap(),
        "--cases",
        "40",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["cases"].as_u64(), v["holds"].as_bool()),
        (Some(40), Some(true))
    );
    assert!(v["violation"].is_null());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The dates list is in date order across backfills (it was in backfill order, so the
/// first 40 lines could miss a date of the second backfill), and with several
/// backfills each line says which.
#[test]
fn dates_list_is_in_date_order_and_names_the_backfill_when_there_are_several() {
    let dir = std::env::temp_dir().join(format!("schedsim-cli-dates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("two-backfills.toml");
    let backfill = |from: &str, to: &str| {
        format!(
            "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"{from}\"\n  to = \"{to}\"\n  at = \"2025-03-10T09:00:00\"\n"
        )
    };
    let model = format!(
        "[model]\nname = \"m\"\nprofile = \"dataworks\"\ntimezone = \"UTC\"\n\n\
         [[workflow]]\nname = \"w\"\ncron = \"00 00 02 * * ?\"\n  [[workflow.task]]\n  name = \"t\"\n  duration = \"10m\"\n\n\
         [[scenario]]\nname = \"s\"\nstart = \"2025-03-10T09:00:00\"\n{}{}",
        backfill("2025-03-03", "2025-03-04"),
        backfill("2025-03-01", "2025-03-02"),
    );
    std::fs::write(&path, model).unwrap();
    let out = schedsim(&["run", path.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("dates/runs ("))
        .skip(1)
        .map(|l| l.get(..24).unwrap_or(l))
        .collect();
    assert_eq!(
        lines,
        [
            "  2025-03-01 backfill 2 ",
            "  2025-03-02 backfill 2 ",
            "  2025-03-03 backfill 1 ",
            "  2025-03-04 backfill 1 ",
        ]
    );
}
