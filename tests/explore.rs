//! End-to-end tests of `schedsim explore`: aiming (`--property`, `--ignore`,
//! `--faults`), base-scenario violations, `--all-violations`, duration stretches and
//! the thread count's independence. Each test is named after what it pins.

use serde_json::Value;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

/// An INSERT INTO node with retries, downstream of an overwriting extract.
const INSERT: &str = "tests/explore/insert-under-retries.toml";

/// `explore ARGS --format json`: exit code and document.
fn explore_json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["explore"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = schedsim(&all);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code(), v)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

/// Runs a finding's replay command as printed; returns its stdout.
fn replay(finding: &Value) -> String {
    let line = finding["replay"].as_str().unwrap();
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(&words[..2], ["schedsim", "check"], "{line}");
    let out = schedsim(&words[1..]);
    assert_eq!(out.status.code(), Some(1), "{line}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn explore_transient_faults_find_only_the_insert_duplicate() {
    // Aimed: idempotent-writes under transient faults finds the appended retry.
    let (code, v) = explore_json(&[
        INSERT,
        "--property",
        "idempotent-writes",
        "--faults",
        "transient",
        "--cases",
        "60",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(v["aim"]["faults"], "transient");
    assert_eq!(strings(&v["aim"]["properties"]), ["idempotent-writes"]);
    assert_eq!(strings(&v["aim"]["operations"]), Vec::<&str>::new());
    let f = &v["violation"];
    assert_eq!(f["property"], "idempotent-writes");
    assert_eq!(f["faults"][0]["task"], "w.load");
    assert_eq!(f["faults"][0]["phase"], "after_write");
    assert!(replay(f).contains("FAIL idempotent-writes"));

    // Every property searched, every violation kept: transient faults find the
    // duplicate and nothing else, while `any` also stops the backfill's chain.
    let all = |faults| {
        explore_json(&[
            INSERT,
            "--faults",
            faults,
            "--all-violations",
            "--cases",
            "100",
        ])
        .1
    };
    let transient = all("transient");
    let findings = transient["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{transient}");
    for f in findings {
        assert_eq!(f["property"], "idempotent-writes", "{f}");
        assert_eq!(f["operations"].as_array().unwrap().len(), 0, "{f}");
        let [fault] = f["faults"].as_array().unwrap().as_slice() else {
            panic!("one fault is enough: {f}");
        };
        assert_eq!(fault["task"], "w.load", "{f}");
        assert_eq!(fault["phase"], "after_write", "{f}");
        // Within the retries (load has 2): the instance still succeeds.
        assert!(
            fault["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a.as_u64().unwrap() <= 2),
            "{f}"
        );
    }
    let any = all("any");
    assert!(
        any["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["property"] != "idempotent-writes"),
        "the same search with any attempt failing finds more: {any}"
    );
}

#[test]
fn explore_other_properties_when_base_already_violates() {
    // The scenario writes into today's partition: partition-alignment and
    // complete-writes fail as written.
    let model = "models/dataworks-backfill-today-partition.toml";
    let (code, v) = explore_json(&[model, "--cases", "30"]);
    assert_eq!(code, Some(1));
    let already = strings(&v["already_violated"]);
    assert_eq!(already, ["partition-alignment", "complete-writes"]);
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "the search went on: {v}");
    for f in findings {
        let p = f["property"].as_str().unwrap();
        assert!(!already.contains(&p), "{p} was not found again: {f}");
        assert!(replay(f).contains(&format!("FAIL {p}")));
    }
    assert!(v["cases"].as_u64().unwrap() > 0);

    // The text says it once, as already in the base scenario.
    let out = schedsim(&["explore", model, "--cases", "30"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout
            .matches("already violated in the base scenario (not searched again): partition-alignment, complete-writes")
            .count(),
        1,
        "{stdout}"
    );

    // Nothing found, yet exit code 1: the last line, the verdict, says why.
    let out = schedsim(&[
        "explore",
        model,
        "--cases",
        "30",
        "--property",
        "partition-alignment,termination",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.ends_with("30 cases explored: no violation of the 1 property searched; but the base scenario already violates 1 property (above): exit code 1\n"),
        "{stdout}"
    );

    // Aimed only at what already fails: nothing left to search, no case run.
    let (code, v) = explore_json(&[model, "--property", "partition-alignment"]);
    assert_eq!(code, Some(1));
    assert_eq!(strings(&v["already_violated"]), ["partition-alignment"]);
    assert_eq!(v["cases"], 0);
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert!(strings(&v["notes"])[0].contains("nothing left to search"));

    // Ignoring what already fails: nothing of the base is reported.
    let (_, v) = explore_json(&[
        model,
        "--ignore",
        "partition-alignment,complete-writes",
        "--cases",
        "30",
    ]);
    assert!(strings(&v["already_violated"]).is_empty(), "{v}");
    assert_eq!(
        strings(&v["aim"]["ignored"]),
        ["partition-alignment", "complete-writes"]
    );
}

#[test]
fn explore_threads_output_identical() {
    for args in [
        &["models/dataworks-mysql-to-maxcompute.toml", "--cases", "30"][..],
        &[INSERT, "--all-violations", "--cases", "60"][..],
        &[
            INSERT,
            "--all-violations",
            "--cases",
            "60",
            "--format",
            "json",
        ][..],
        &[
            "models/airflow-pool-depends-on-past.toml",
            "--no-stretch",
            "--cases",
            "40",
        ][..],
    ] {
        let run = |threads: &str| {
            let mut all = vec!["explore", "--threads", threads];
            all.extend_from_slice(args);
            let out = schedsim(&all);
            (out.status.code(), out.stdout, out.stderr)
        };
        let one = run("1");
        assert_eq!(one, run("2"), "{args:?}");
        assert_eq!(one, run("3"), "{args:?}");
    }
}

/// Every property, for `--ignore`.
const EVERY_PROPERTY: &str = "unique-logical-instance,instance-count,idempotent-writes,\
partition-alignment,complete-writes,dependency-order,self-dependency-order,resource-bound,\
date-parallelism-bound,no-early-start,retry-bound,effective-period,termination";

#[test]
fn explore_unknown_property_suggests() {
    let airflow = "models/airflow-pool-depends-on-past.toml";
    for (model, args, expected) in [
        (
            INSERT,
            &["--property", "idempotent-write"][..],
            "--property: no property `idempotent-write`; did you mean `idempotent-writes`?",
        ),
        (
            INSERT,
            &["--ignore", "termnation"][..],
            "--ignore: no property `termnation`; did you mean `termination`?",
        ),
        (
            INSERT,
            &["--property", "speed"][..],
            "--property: no property `speed` (expected `unique-logical-instance`",
        ),
        (
            INSERT,
            &["--faults", "sometimes"][..],
            "--faults: `sometimes` is not a fault model (expected `transient` or `any`)",
        ),
        (
            airflow,
            &["--operations", "freeze"][..],
            "--operations: the operation `freeze` applies only to profile `dataworks`",
        ),
        (
            INSERT,
            &["--ignore", EVERY_PROPERTY][..],
            "--ignore leaves no property to search",
        ),
    ] {
        let mut all = vec!["explore", model];
        all.extend_from_slice(args);
        let out = schedsim(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn explore_all_violations_reports_each_once() {
    let (code, all) = explore_json(&[INSERT, "--all-violations", "--cases", "100"]);
    assert_eq!(code, Some(1));
    let findings = all["findings"].as_array().unwrap();
    assert!(findings.len() >= 2, "{all}");
    // Each (property, shrunk schedule) once, in the order the cases found them.
    for (i, a) in findings.iter().enumerate() {
        for b in &findings[i + 1..] {
            let key = |f: &Value| {
                (
                    f["property"].clone(),
                    f["faults"].clone(),
                    f["operations"].clone(),
                    f["stretches"].clone(),
                )
            };
            assert_ne!(key(a), key(b), "reported twice: {a}");
            // Actions are shrunk to the earliest time drawn for their instance: cases
            // that differ only in when a rerun came are one finding.
            let timeless = |f: &Value| {
                let mut k = key(f);
                for o in k.2.as_array_mut().unwrap() {
                    o.as_object_mut().unwrap().remove("at");
                }
                k
            };
            assert_ne!(timeless(a), timeless(b), "the same but for times: {a} {b}");
        }
    }
    let cases: Vec<u64> = findings
        .iter()
        .map(|f| f["case"].as_u64().unwrap())
        .collect();
    assert!(cases.is_sorted(), "{cases:?}");
    let found_in: u64 = findings
        .iter()
        .map(|f| f["found_in"].as_u64().unwrap())
        .sum();
    assert!(found_in >= findings.len() as u64 && found_in <= 100 * 13);
    assert_eq!(all["cases"], 100, "every case ran");
    for f in findings {
        let p = f["property"].as_str().unwrap();
        assert!(replay(f).contains(&format!("FAIL {p}")), "{f}");
    }
    // The first of them is what the search without --all-violations stops at (there,
    // found in its one case).
    let (_, first) = explore_json(&[INSERT, "--cases", "100"]);
    let mut stopped = first["violation"].clone();
    assert_eq!(stopped["found_in"], 1);
    stopped["found_in"] = findings[0]["found_in"].clone();
    assert_eq!(stopped, findings[0]);
    assert_eq!(all["violation"], findings[0]);
    assert_eq!(first["cases"], findings[0]["case"]);
}

#[test]
fn dolphinscheduler_default_explore_does_not_report_by_design_rerun() {
    let model = "models/dolphinscheduler-retry-backfill.toml";
    let (_, v) = explore_json(&[model, "--cases", "40", "--all-violations"]);
    assert_eq!(strings(&v["aim"]["operations"]), ["rerun_failed"]);
    let why = v["aim"]["operations_default"].as_str().unwrap();
    assert!(why.contains("regenerate_later"), "{why}");
    for f in v["findings"].as_array().unwrap() {
        assert_ne!(f["property"], "unique-logical-instance", "{f}");
        assert!(
            f["operations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["kind"] != "rerun"),
            "{f}"
        );
    }
    // The text says what was searched and why.
    let out = schedsim(&["explore", model, "--cases", "5"]);
    assert!(
        text(&out.stdout).contains(
            "operations: rerun_failed, the default where rerun_complement = regenerate_later"
        ),
        "{}",
        text(&out.stdout)
    );
    // Asked for, the by-design regeneration is still there to find.
    let (code, v) = explore_json(&[model, "--operations", "rerun", "--cases", "5"]);
    assert_eq!(code, Some(1));
    assert_eq!(v["violation"]["property"], "unique-logical-instance");
    assert_eq!(v["aim"]["operations_default"], Value::Null);
}

#[test]
fn stretch_option_and_model_key_give_the_same_run() {
    let dir = std::env::temp_dir().join(format!("schedsim-stretch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = std::fs::read_to_string(INSERT).unwrap();
    let keyed = dir.join("keyed.toml");
    std::fs::write(
        &keyed,
        format!(
            "{base}\n  [[scenario.stretch]]\n  task = \"w.extract\"\n  scheduled = \"2025-03-02T02:00:00\"\n  factor = 3\n"
        ),
    )
    .unwrap();
    let run = |model: &str, extra: &[&str]| {
        let mut args = vec!["run", model, "--format", "json"];
        args.extend_from_slice(extra);
        let out = schedsim(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_object_mut().unwrap().remove("model_hash");
        v
    };
    let plain = run(INSERT, &[]);
    let option = run(INSERT, &["--stretch", "w.extract,2025-03-02T02:00:00,3"]);
    assert_eq!(option, run(keyed.to_str().unwrap(), &[]));
    let end = |v: &Value, scheduled: &str| {
        v["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["task"] == "w.extract" && i["scheduled"].as_str().unwrap().starts_with(scheduled)
            })
            .map(|i| (i["start"].clone(), i["end"].clone()))
            .unwrap()
    };
    // 10 minutes become 30; its downstream starts 20 minutes later.
    assert_ne!(end(&plain, "2025-03-02"), end(&option, "2025-03-02"));
    assert_eq!(
        plain["makespan_seconds"].as_u64().unwrap() + 20 * 60,
        option["makespan_seconds"].as_u64().unwrap()
    );

    // A factor out of range is refused where it is written.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        format!(
            "{base}\n  [[scenario.stretch]]\n  task = \"w.extract\"\n  scheduled = \"2025-03-02T02:00:00\"\n  factor = 0\n"
        ),
    )
    .unwrap();
    let out = schedsim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("stretch factor of 0"),
        "{}",
        text(&out.stderr)
    );
    let out = schedsim(&[
        "check",
        INSERT,
        "--stretch",
        "w.extract,2025-03-02T02:00:00,0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--stretch `0`"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Explore dropped what its base run said of itself: a scripted fault that never ran
/// was noted by `run` and `check`, not by `explore`, whose cases all carry it.
#[test]
fn explore_says_the_base_scenario_s_notes() {
    let dir = std::env::temp_dir().join(format!("schedsim-explore-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = std::fs::read_to_string(INSERT).unwrap();
    let model = dir.join("missed-fault.toml");
    // No instance of `load` is scheduled at 03:00.
    std::fs::write(
        &model,
        format!(
            "{base}\n  [[scenario.fault]]\n  task = \"w.load\"\n  scheduled = \"2025-03-02T03:00:00\"\n  attempts = [1]\n"
        ),
    )
    .unwrap();
    let model = model.to_str().unwrap();
    let out = schedsim(&["check", model]);
    let checked = text(&out.stdout);
    let said = "fault w.load scheduled 2025-03-02T03:00:00+00:00 attempt 1: never ran";
    assert!(checked.contains(said), "{checked}");
    // Its cases may find a violation (exit 1); what matters is what it says.
    let (code, v) = explore_json(&[model, "--cases", "20"]);
    assert!(matches!(code, Some(0 | 1)), "{v}");
    let notes = strings(&v["notes"]);
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("base scenario: ") && n.contains(said)),
        "{notes:?}"
    );
    let out = schedsim(&["explore", model, "--cases", "20"]);
    let printed = text(&out.stdout);
    assert!(
        printed.contains(&format!("note: base scenario: {said}")),
        "{printed}"
    );

    // A scenario with no instance at all is said so once, by the base run's note,
    // not again by the search's own "nothing to aim at".
    let never = dir.join("february-30.toml");
    let source = std::fs::read_to_string("models/dolphinscheduler-retry-backfill.toml")
        .unwrap()
        .replace("cron = \"0 0 2 * * ? *\"", "cron = \"0 0 2 30 2 ? *\"");
    assert!(source.contains("30 2 ?"), "the model's cron changed");
    std::fs::write(&never, source).unwrap();
    let (code, v) = explore_json(&[never.to_str().unwrap(), "--cases", "5"]);
    assert_eq!(code, Some(0), "{v}");
    let notes = strings(&v["notes"]);
    let empty = notes
        .iter()
        .filter(|n| n.starts_with("base scenario: the scenario created no instance"))
        .count();
    assert_eq!(empty, 1, "{notes:?}");
    assert!(
        !notes.iter().any(|n| n.contains("nothing to aim at")),
        "{notes:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
