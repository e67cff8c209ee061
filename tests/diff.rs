//! `schedsim diff` and `schedsim verify` end to end: the upgrade and retry-policy
//! reports of the README, the JSON names tools rely on, exit codes, the HTML page,
//! and verify's messages (issue 14; issue 9 items on verify).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr));
    })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-diff-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const DS: &str = "models/dolphinscheduler-3.3-parallel-complement.toml";

fn dates(waves: &Value) -> Vec<Vec<String>> {
    waves
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["dates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap()[5..10].to_string())
                .collect()
        })
        .collect()
}

#[test]
fn diff_of_ds_3_2_and_3_3_names_the_dates_that_start_together_and_the_makespan_change() {
    let out = schedsim(&[
        "diff",
        DS,
        "--a",
        "profile_version=3.2",
        "--b",
        "profile_version=3.3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let d = json_of(&out);
    // 3.2 keeps three dates in flight, newest first (groups = 3, descending); 3.3
    // splits the ten dates into chunks {01-03}, {04-06}, {07-09}, {10} and starts
    // every chunk at once (DS issue #17831): four in flight.
    let together = &d["starts_together"];
    assert_eq!(
        dates(&together["a"]),
        [
            vec!["03-08", "03-09", "03-10"],
            vec!["03-05", "03-06", "03-07"],
            vec!["03-02", "03-03", "03-04"],
            vec!["03-01"],
        ]
    );
    assert_eq!(
        dates(&together["b"]),
        [
            vec!["03-01", "03-04", "03-07", "03-10"],
            vec!["03-02", "03-05", "03-08"],
            vec!["03-03", "03-06", "03-09"],
        ]
    );
    assert_eq!(d["makespan_seconds"], json!({"a": 4 * 3600, "b": 3 * 3600}));
    // No false changes: the same instances, the same outcomes and partitions; only
    // the times of the dates that moved, and the verdict 3.3's fourth date breaks.
    assert_eq!(d["only_a"], json!([]));
    assert_eq!(d["only_b"], json!([]));
    assert_eq!(d["partitions"], json!([]));
    let changed = d["changed"].as_array().unwrap();
    let moved: Vec<&str> = changed
        .iter()
        .map(|c| &c["scheduled"].as_str().unwrap()[5..10])
        .collect();
    // 03-03, 03-05 and 03-10 run at the same hour under both versions.
    assert_eq!(
        moved,
        [
            "03-01", "03-02", "03-04", "03-06", "03-07", "03-08", "03-09"
        ]
    );
    for c in changed {
        let fields: Vec<&String> = c["fields"].as_object().unwrap().keys().collect();
        assert_eq!(fields, ["end", "start"], "{c}");
        assert_eq!(c["task"], "daily.aggregate");
        assert_eq!(c["origin"], "backfill");
    }
    assert_eq!(
        d["properties"],
        json!([{
            "name": "date-parallelism-bound",
            "a": "holds",
            "b": "fails",
            "witness": d["properties"][0]["witness"].clone(),
        }])
    );
    assert_eq!(d["verdict"], "outcome");
}

#[test]
fn diff_of_a_retry_policy_change_on_dataworks_names_the_partitions_that_become_duplicated() {
    let out = schedsim(&[
        "diff",
        "models/dataworks-writes-under-retries-and-reruns.toml",
        "--scenario",
        "retry-after-write",
        "--a",
        "retries.orders.ods_append=0",
        "--b",
        "retries.orders.ods_append=3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let d = json_of(&out);
    let duplicated: Vec<&Value> = d["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["b"] == "duplicated")
        .collect();
    assert_eq!(
        duplicated,
        [
            &json!({"table": "ods_orders_append", "partition": "dt=20250301", "a": "ok", "b": "duplicated"})
        ]
    );
    let append = d["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["task"] == "orders.ods_append")
        .unwrap();
    assert_eq!(append["fields"]["state"], json!(["failed", "succeeded"]));
    assert_eq!(append["fields"]["executions"], json!([1, 2]));
    // Without the retry the failed date ends its chain: the second date never starts.
    assert_eq!(d["only_a"], json!([]));
    assert_eq!(d["only_b"].as_array().unwrap().len(), 3);
    assert!(
        d["only_b"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("never started in the other run")
    );
    let idempotent = d["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "idempotent-writes")
        .unwrap();
    assert_eq!(
        (&idempotent["a"], &idempotent["b"]),
        (&json!("holds"), &json!("fails"))
    );
    assert!(
        idempotent["witness"][1]
            .as_str()
            .unwrap()
            .contains("2 times")
    );
}

#[test]
fn diff_of_a_model_with_itself_is_identical_and_exits_0() {
    let model = "models/dataworks-mysql-to-maxcompute.toml";
    let out = schedsim(&["diff", model, model, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let d = json_of(&out);
    assert_eq!(d["verdict"], "identical");
    assert_eq!(d["changed"], json!([]));
    let out = schedsim(&["diff", model, model]);
    assert!(
        text(&out.stdout).starts_with("identical:"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn diff_of_a_golden_trace_against_a_fresh_run_follows_its_scenario_and_seed() {
    let dir = temp_dir("golden");
    let trace = dir.join("t.jsonl");
    let model = "models/dolphinscheduler-complement-rerun.toml";
    let out = schedsim(&[
        "record",
        model,
        "-o",
        trace.to_str().unwrap(),
        "--scenario",
        "rerun-one-date",
        "--seed",
        "4",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let same = schedsim(&["diff", trace.to_str().unwrap(), model, "--format", "json"]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stdout));
    let d = json_of(&same);
    assert_eq!(d["b"]["scenario"], "rerun-one-date");
    assert_eq!(d["b"]["seed"], 4);
    // A trace holds no partitions or verdicts: the diff says what it left out.
    assert!(
        d["notes"][0]
            .as_str()
            .unwrap()
            .contains("a trace records no partitions")
    );
    // Later dates regenerated by the rerun (3.2) are gone under `single`.
    let out = schedsim(&[
        "diff",
        trace.to_str().unwrap(),
        model,
        "--b",
        "rerun_complement=single",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let d = json_of(&out);
    let gone: Vec<(&str, &str)> = d["only_a"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                &o["scheduled"].as_str().unwrap()[5..10],
                o["origin"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        gone,
        [("03-03", "rerun"), ("03-04", "rerun"), ("03-05", "rerun")]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_text_lists_the_top_changes_and_all_of_them_with_all() {
    // 3.2 against 3.3 over 40 dates: many dates move.
    let dir = temp_dir("top");
    let model = dir.join("m.toml");
    let source = std::fs::read_to_string(DS).unwrap().replace(
        "to = \"2025-03-10T01:00:00\"",
        "to = \"2025-04-09T01:00:00\"",
    );
    std::fs::write(&model, source).unwrap();
    let args = [
        "diff",
        model.to_str().unwrap(),
        "--a",
        "profile_version=3.2",
        "--b",
        "profile_version=3.3",
    ];
    let short = text(&schedsim(&args).stdout);
    assert!(short.contains("more (--all)"), "{short}");
    let mut all_args = args.to_vec();
    all_args.push("--all");
    let all = text(&schedsim(&all_args).stdout);
    assert!(!all.contains("more (--all)"), "{all}");
    assert!(all.lines().count() > short.lines().count() + 20);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_html_draws_both_runs_on_one_time_axis_without_scripts() {
    let dir = temp_dir("html");
    let page = dir.join("d.html");
    let out = schedsim(&[
        "diff",
        DS,
        "--a",
        "profile_version=3.2",
        "--b",
        "profile_version=3.3",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<svg ").count(), 2, "two charts");
    assert_eq!(html.matches("<rect ").count(), 20, "ten instances a side");
    // One axis: the earliest start is at the same x in both charts, the label width.
    assert!(html.contains("x=\"180.00\""));
    // Seven instances moved: outlined in both charts.
    assert_eq!(html.matches(" changed\"").count(), 14);
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--a slots.nope=3` added a resource group `nope` to side A and compared runs
/// that differ by nothing the user meant (a newcomer's trial found it): a knob
/// naming a group, task or backfill the model lacks is refused as `whatif --vary`
/// refuses it, with the names the model has.
#[test]
fn diff_knobs_naming_nothing_of_the_model_are_refused() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["--a", "slots.nope=3", "--b", "slots.default=3"],
            "error: --a slots.nope: no resource group by that name; known: slots.default",
        ),
        (
            &["--a", "slots.nope=3", "--b", "slots.nope=4"],
            "error: --a slots.nope: no resource group by that name",
        ),
        (
            &[
                "--a",
                "retries.daily.aggregat=1",
                "--b",
                "retries.daily.aggregate=2",
            ],
            "error: --a retries.daily.aggregat: no task by that name; did you mean `retries.daily.aggregate`?",
        ),
        (
            &["--a", "groups=1", "--b", "groups.2=2"],
            "error: --b groups.2: scenario `parallel-into-the-future` has 1 backfill, so there is no backfill 2",
        ),
    ];
    for (knobs, message) in cases {
        let mut args = vec!["diff", DS];
        args.extend_from_slice(knobs);
        let out = schedsim(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stdout)
        );
        assert!(
            text(&out.stderr).starts_with(message),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn diff_refuses_bad_input_with_exit_2() {
    let cases: [&[&str]; 4] = [
        &[
            "diff",
            DS,
            "--a",
            "no_such_knob=1",
            "--b",
            "profile_version=3.3",
        ],
        &["diff", DS, "--a", "profile_version"],
        &["diff", DS],
        &["diff", DS, "models/nope.toml"],
    ];
    for args in cases {
        let out = schedsim(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stdout)
        );
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
}

fn record(dir: &Path, model: &str, scenario: &str) -> PathBuf {
    let golden = dir.join(format!("{scenario}.jsonl"));
    let out = schedsim(&[
        "record",
        model,
        "-o",
        golden.to_str().unwrap(),
        "--scenario",
        scenario,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    golden
}

#[test]
fn verify_prints_the_semantic_diff_with_the_first_differing_trace_line_as_a_detail() {
    let dir = temp_dir("verify");
    let golden = record(&dir, DS, "parallel-into-the-future");
    let changed = dir.join("m.toml");
    let source = std::fs::read_to_string(DS)
        .unwrap()
        .replace("profile_version = \"3.3\"", "profile_version = \"3.2\"");
    std::fs::write(&changed, source).unwrap();
    let out = schedsim(&[
        "verify",
        changed.to_str().unwrap(),
        golden.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let verdict = stdout.lines().find(|l| !l.starts_with("note:")).unwrap();
    assert!(verdict.starts_with("timing: the same outcomes"), "{stdout}");
    assert!(
        stdout.contains("makespan: 3h 00m -> 4h 00m (+1h 00m)"),
        "{stdout}"
    );
    assert!(stdout.contains("dates starting together:"), "{stdout}");
    assert!(
        stdout.contains("first difference at line 2 of the trace:"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_of_a_golden_whose_scenario_is_gone_names_the_golden_not_a_scenario_flag() {
    let dir = temp_dir("gone");
    let golden = record(&dir, DS, "parallel-into-the-future");
    let renamed = dir.join("m.toml");
    let source = std::fs::read_to_string(DS)
        .unwrap()
        .replace("name = \"parallel-into-the-future\"", "name = \"renamed\"");
    std::fs::write(&renamed, source).unwrap();
    let out = schedsim(&[
        "verify",
        renamed.to_str().unwrap(),
        golden.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("--scenario"), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {}:1: the golden was recorded from scenario `parallel-into-the-future`",
            golden.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("(it has: renamed)"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_with_seed_minus_one_says_where_and_what_it_found() {
    let dir = temp_dir("seed");
    let golden = record(&dir, DS, "parallel-into-the-future");
    let source = std::fs::read_to_string(&golden)
        .unwrap()
        .replacen("\"seed\":0", "\"seed\":-1", 1);
    std::fs::write(&golden, source).unwrap();
    let out = schedsim(&["verify", DS, golden.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: {}:1: the header needs", golden.display())),
        "{stderr}"
    );
    assert!(stderr.contains("seed -1"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A run read back from its trace is the run the collector saw: the same instances
/// (task, scheduled, origin, date, state, attempts, executions, start, end) and dates,
/// for every scenario of every example model. Only so can a golden trace be diffed
/// with a fresh run without false changes.
#[test]
fn a_trace_read_back_gives_the_run_the_collector_saw() {
    use schedsim::diff::{self as d, record};
    let mut models: Vec<PathBuf> = std::fs::read_dir("models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    models.sort();
    let mut checked = 0;
    for path in models {
        let m = schedsim::model::load_file(&path).unwrap();
        for s in &m.scenarios {
            for seed in [0, 7] {
                let config = schedsim::engine::Config::new(seed, 1_000_000);
                let meta = d::run::Meta::of(&m, &s.name, seed, "h");
                let mut trace = schedsim::observe::trace::header_line(&meta).into_bytes();
                let live = d::simulate(&m, s, config, "h", Some(&mut trace)).unwrap();
                let read = record::read_trace(std::str::from_utf8(&trace).unwrap()).unwrap();
                let name = |r: &d::Run, i: &d::run::Inst| r.tasks[i.task as usize].clone();
                assert_eq!(
                    live.instances.len(),
                    read.instances.len(),
                    "{path:?} {}",
                    s.name
                );
                for (x, y) in live.instances.iter().zip(&read.instances) {
                    assert_eq!(name(&live, x), name(&read, y));
                    let strip = |i: &d::run::Inst| d::run::Inst { task: 0, ..*i };
                    assert_eq!(strip(x), strip(y), "{path:?} {}", s.name);
                }
                assert_eq!(live.dates, read.dates, "{path:?} {}", s.name);
                let same = d::diff(&live, "live", &read, "read");
                assert!(
                    same.changed.is_empty() && same.only_a.is_empty() && same.only_b.is_empty()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 16);
}

#[test]
fn readme_upgrade_reports_are_what_diff_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let reports: [&[&str]; 2] = [
        &[
            "diff",
            DS,
            "--a",
            "profile_version=3.2",
            "--b",
            "profile_version=3.3",
        ],
        &[
            "diff",
            "models/dataworks-writes-under-retries-and-reruns.toml",
            "--scenario",
            "retry-after-write",
            "--a",
            "retries.orders.ods_append=0",
            "--b",
            "retries.orders.ods_append=3",
        ],
    ];
    for args in reports {
        let out = text(&schedsim(args).stdout);
        assert!(
            readme.contains(&out),
            "README.md lacks the output of {args:?}:\n{out}"
        );
    }
}

/// `diff` dropped what each simulated side noted of itself: a scripted fault that
/// never ran on one side looked like two identical runs with nothing to say.
#[test]
fn diff_says_what_each_side_noted_of_itself() {
    let dir = temp_dir("notes");
    let base = "tests/explore/insert-under-retries.toml";
    let missed = dir.join("missed-fault.toml");
    let text_of = std::fs::read_to_string(base).unwrap();
    std::fs::write(
        &missed,
        format!(
            "{text_of}\n  [[scenario.fault]]\n  task = \"w.load\"\n  scheduled = \"2025-03-02T03:00:00\"\n  attempts = [1]\n"
        ),
    )
    .unwrap();
    let missed = missed.to_str().unwrap();
    let never = "fault w.load scheduled 2025-03-02T03:00:00+00:00 attempt 1: never ran";
    let out = schedsim(&["diff", missed, base]);
    let printed = text(&out.stdout);
    assert!(printed.starts_with("identical"), "{printed}");
    assert!(
        printed.contains(&format!("\nnote: A: {never}")),
        "{printed}"
    );
    let v = json_of(&schedsim(&["diff", base, missed, "--format", "json"]));
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.starts_with(&format!("B: {never}"))),
        "{notes:?}"
    );
    // A note of both sides is said once, of both.
    let out = schedsim(&["diff", missed, missed]);
    let printed = text(&out.stdout);
    assert_eq!(printed.matches(never).count(), 1, "{printed}");
    assert!(
        printed.contains(&format!("\nnote: A and B: {never}")),
        "{printed}"
    );
}

/// Review item 5: a trace written with `--fault`, `--operation` and `--stretch` was
/// replayed without them, so `verify` and `diff` reported a regression of an
/// unchanged model. The header records them, and both replay them; `record` takes them.
#[test]
fn verify_and_diff_replay_the_faults_operations_and_stretches_a_trace_was_recorded_with() {
    let dir = temp_dir("added");
    let model = "models/dataworks-writes-under-retries-and-reruns.toml";
    let added = [
        "--fault",
        "orders.ods_append,2025-03-02T02:00:00,1,after_write",
        "--operation",
        "rerun,orders.dws_merge,2025-03-02T03:00:00,2025-03-10T12:00:00",
        "--stretch",
        "orders.ods_overwrite,2025-03-02T02:00:00,3",
    ];
    let traced = dir.join("run.jsonl");
    let mut args = vec!["run", model, "--scenario", "manual-rerun"];
    args.extend(added);
    args.extend(["--trace", traced.to_str().unwrap()]);
    let out = schedsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let trace = std::fs::read_to_string(&traced).unwrap();
    let header: Value = serde_json::from_str(trace.lines().next().unwrap()).unwrap();
    assert_eq!(header["faults"], json!([added[1]]));
    assert_eq!(header["operations"], json!([added[3]]));
    assert_eq!(header["stretches"], json!([added[5]]));
    let out = schedsim(&["verify", model, traced.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("identical: ") && stdout.contains(&format!("with --fault {}", added[1])),
        "{stdout}"
    );
    for sides in [
        [traced.to_str().unwrap(), model],
        [model, traced.to_str().unwrap()],
    ] {
        let out = schedsim(&["diff", sides[0], sides[1]]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    }
    // `record` with the same flags writes the same trace.
    let recorded = dir.join("record.jsonl");
    let mut args = vec!["record", model, "--scenario", "manual-rerun"];
    args.extend(added);
    args.extend(["-o", recorded.to_str().unwrap()]);
    let out = schedsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&recorded).unwrap(), trace);
    // Two recorded runs that differ in what was added say so.
    let plain = record(&dir, model, "manual-rerun");
    let out = schedsim(&["diff", plain.to_str().unwrap(), traced.to_str().unwrap()]);
    assert!(
        text(&out.stdout).contains(&format!(
            "added to the scenario: nothing in A, --fault {}",
            added[1]
        )),
        "{}",
        text(&out.stdout)
    );
    // A recorded fault the model no longer accepts is refused, naming the recording.
    let renamed = dir.join("m.toml");
    let source = std::fs::read_to_string(model)
        .unwrap()
        .replace("ods_append", "ods_appended");
    std::fs::write(&renamed, source).unwrap();
    let out = schedsim(&[
        "verify",
        renamed.to_str().unwrap(),
        traced.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}:1: the recording's --fault",
            traced.display()
        )),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Review item 8: a knob value the model refuses was reported at a line and column
/// of the regenerated, comment-stripped variant text (line 12 for the file's line 23),
/// with follow-on errors (10 of 11 for `slots.etl=-1`). It is one line naming the
/// knob, as `whatif --vary` says it, exit 2, in text and JSON.
#[test]
fn a_knob_value_the_model_refuses_is_named_not_located_in_generated_text() {
    let maxcompute = "models/dataworks-mysql-to-maxcompute.toml";
    let nightly = "models/dolphinscheduler-nightly-capacity.toml";
    for (model, flag, value, message) in [
        (
            maxcompute,
            "--a",
            "slots.odps_sql=0",
            "`slots` must be at least 1",
        ),
        (nightly, "--b", "slots.etl=-1", "-1 is negative"),
    ] {
        let other = if flag == "--a" { "--b" } else { "--a" };
        let knob = value.split('=').next().unwrap();
        let out = schedsim(&["diff", model, flag, value, other, &format!("{knob}=2")]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("error: {flag} {value}: {message}")),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // In JSON too: the message, and no diagnostic with a place in generated text.
    let out = schedsim(&[
        "diff",
        maxcompute,
        "--format",
        "json",
        "--a",
        "slots.odps_sql=0",
    ]);
    let error = &json_of(&out)["error"];
    assert_eq!(error["diagnostics"], json!([]), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("--a slots.odps_sql=0: "),
        "{error}"
    );
}

/// Review item 9: a trace cut at a line boundary was verified as a regression
/// (`outcome: ... running -> succeeded`). A trace of format 1 (written before traces
/// had an end line) has none, so verify says where the recording ends and that every
/// line it has is the run's, and that it may have been cut short.
#[test]
fn verify_of_a_format_1_trace_that_ends_early_says_so_rather_than_diffing_outcomes() {
    let dir = temp_dir("cut");
    let golden = record(&dir, DS, "parallel-into-the-future");
    let whole = std::fs::read_to_string(&golden).unwrap();
    // As an earlier schedsim wrote it: no `format` in the header, no end line.
    let header: Value = serde_json::from_str(whole.lines().next().unwrap()).unwrap();
    let mut header = header.as_object().unwrap().clone();
    assert_eq!(header.remove("format"), Some(json!(2)));
    let mut kept: Vec<String> = vec![Value::Object(header).to_string()];
    kept.extend(whole.lines().skip(1).take(19).map(str::to_string));
    std::fs::write(&golden, kept.join("\n") + "\n").unwrap();
    let last: Value = serde_json::from_str(&kept[19]).unwrap();
    let out = schedsim(&["verify", DS, golden.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "differs: the recorded trace ends at line 20 (its last event at {}), before the run's end",
            last["time"].as_str().unwrap()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("may have been cut short there"), "{stdout}");
    assert!(
        stdout.contains(&format!("  now:      {}\n", whole.lines().nth(20).unwrap())),
        "{stdout}"
    );
    assert!(!stdout.contains("outcome"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression: `diff` read a trace cut short (`head -n 20`) as a whole run and
/// reported dates never started and states changed (exit 1). A trace ends with its
/// end line now: one without it, or cut inside a line, is refused (exit 2) by
/// `diff` and `verify`, naming the file and the line.
#[test]
fn a_trace_cut_short_is_refused_by_diff_and_verify_naming_the_file_and_line() {
    let dir = temp_dir("cut-short");
    let whole = record(&dir, DS, "parallel-into-the-future");
    let text_of = std::fs::read_to_string(&whole).unwrap();
    assert!(
        text_of.lines().next().unwrap().contains("\"format\":2"),
        "{text_of}"
    );
    let events = text_of.lines().count() - 2;
    assert_eq!(
        text_of.lines().last().unwrap(),
        format!("{{\"end\":{{\"lines\":{events}}}}}")
    );
    let lines = dir.join("lines.jsonl");
    let kept: Vec<&str> = text_of.lines().take(20).collect();
    std::fs::write(&lines, kept.join("\n") + "\n").unwrap();
    let mid = dir.join("mid.jsonl");
    let at = text_of.match_indices('\n').nth(14).unwrap().0 + 10;
    std::fs::write(&mid, &text_of[..at]).unwrap();
    let (w, l, m) = (
        whole.to_str().unwrap(),
        lines.to_str().unwrap(),
        mid.to_str().unwrap(),
    );
    for (args, said) in [
        (
            vec!["diff", w, l],
            format!("error: {l}:20: the trace stops after this line without its end line"),
        ),
        (
            vec!["verify", DS, l],
            format!("error: {l}:20: the trace stops after this line without its end line"),
        ),
        (
            vec!["diff", m, w],
            format!("error: {m}:16: the trace ends inside this line: it was cut short"),
        ),
    ] {
        let out = schedsim(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stdout)
        );
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(&said), "{args:?}: {stderr}");
    }
    // The whole trace is the run.
    assert_eq!(schedsim(&["verify", DS, w]).status.code(), Some(0));
    assert_eq!(schedsim(&["diff", w, w]).status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An Airflow DAG whose `fact` task has `retry` and `timeout` as given, on `cron`,
/// backfilled three days; nothing fails and nothing runs 2 minutes.
fn etl(cron: &str, fact: &str) -> String {
    format!(
        r#"[model]
name = "etl"
profile = "airflow"
timezone = "America/New_York"

[[resource_group]]
name = "warehouse"
slots = 8

[[workflow]]
name = "etl"
cron = "{cron}"
  [[workflow.task]]
  name = "stage"
  resource_group = "warehouse"
  duration = "1m"
  [[workflow.task]]
  name = "fact"
  upstream = ["stage"]
  resource_group = "warehouse"
  duration = "1m"
{fact}

[[scenario]]
name = "backfill"
start = "2024-03-10T00:00:00"
  [[scenario.backfill]]
  targets = ["etl"]
  from = "2024-03-01T00:00:00"
  to = "2024-03-03T23:59:00"
"#
    )
}

#[test]
fn diff_of_identical_runs_names_the_model_settings_the_runs_did_not_exercise() {
    // The reviewer's v1/v2_noeffect: retries 4 -> 0 and timeout 45m -> 2m on a task
    // that never fails nor runs 2 minutes. The runs are identical (exit 0: diff
    // compares runs), but the output says the models differ, in what.
    let dir = temp_dir("settings");
    let (a, b) = (dir.join("a.toml"), dir.join("b.toml"));
    std::fs::write(
        &a,
        etl(
            "30 2 * * *",
            "  retry = { times = 4, interval = \"3m\" }\n  timeout = \"45m\"",
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        etl(
            "30 2 * * *",
            "  retry = { times = 0, interval = \"3m\" }\n  timeout = \"2m\"",
        ),
    )
    .unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let out = schedsim(&["diff", a, b]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.starts_with("identical: the same instances, outcomes and times; but the models differ in 2 setting(s) these runs did not exercise\n"),
        "{t}"
    );
    assert!(
        t.contains("\nthe models differ in settings these runs did not exercise (2):\n  task etl.fact: retries 4 -> 0, timeout 45m -> 2m\n"),
        "{t}"
    );
    let d = json_of(&schedsim(&["diff", a, b, "--format", "json"]));
    assert_eq!(d["verdict"], "identical");
    assert_eq!(
        d["settings"],
        json!([
            {"of": "task etl.fact", "key": "retries", "a": "4", "b": "0"},
            {"of": "task etl.fact", "key": "timeout", "a": "45m", "b": "2m"},
        ])
    );
    // A model with itself: nothing to list, and no `settings` key.
    let same = json_of(&schedsim(&["diff", a, a, "--format", "json"]));
    assert!(same.get("settings").is_none(), "{same}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_instance_at_a_time_the_other_schedule_lacks_is_not_said_to_have_never_started() {
    // The reviewer's v1/v4: cron 30 2 -> 0 3. B's schedule has no run at 02:30: it
    // did not fail to start one.
    let dir = temp_dir("schedule");
    let (a, b) = (dir.join("a.toml"), dir.join("b.toml"));
    std::fs::write(&a, etl("30 2 * * *", "")).unwrap();
    std::fs::write(&b, etl("0 3 * * *", "")).unwrap();
    let d = json_of(&schedsim(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let reasons = |side: &str| -> Vec<String> {
        d[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["reason"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(reasons("only_a").len(), 6);
    assert_eq!(
        reasons("only_a")[0],
        "B's schedule has no backfill date 2024-03-01T02:30:00-05:00"
    );
    assert_eq!(
        reasons("only_b")[0],
        "A's schedule has no backfill date 2024-03-01T03:00:00-05:00"
    );
    assert_eq!(
        d["settings"],
        json!([{"of": "workflow etl", "key": "cron", "a": "30 2 * * *", "b": "0 3 * * *"}])
    );
    // A task the other model lacks is said as such.
    let extra = etl(
        "30 2 * * *",
        "  [[workflow.task]]\n  name = \"late\"\n  upstream = [\"fact\"]\n  resource_group = \"warehouse\"",
    );
    std::fs::write(&b, extra).unwrap();
    let d = json_of(&schedsim(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(d["only_b"][0]["reason"], "A's model has no task etl.late");
    assert_eq!(
        d["settings"],
        json!([{"of": "task etl.late", "key": null, "a": null, "b": "defined"}])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
