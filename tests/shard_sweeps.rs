//! `--shard K/N` on the sweeps (`whatif`, `whatif --seeds`, `run --seeds`, `check
//! --seeds`) and `schedsim merge`: N local processes, each one shard as a Kubernetes
//! Indexed Job or a Slurm array task would run it, merge into exactly the stdout,
//! stderr, exit code and output files (`--html`, `--report`) of the run without
//! `--shard`; and what merge refuses.

use std::path::Path;

#[path = "support/shard.rs"]
mod shard;
use shard::{merge_equals_whole, model, schedsim, scratch, text};

const CAPACITY: &str = "models/dolphinscheduler-nightly-capacity.toml";
const AIRFLOW: &str = "models/airflow-pool-depends-on-past.toml";

/// 1, 2, 3 and 7 shards, and more shards than items (some shards run nothing).
fn every_split(tag: &str, args: &[&str], items: usize, files: &[&str]) -> (String, String) {
    let whole = merge_equals_whole(tag, args, 1, files);
    for n in [2, 3, 7, items + 2] {
        merge_equals_whole(tag, args, n, files);
    }
    whole
}

#[test]
fn whatif_shards_merge_into_the_unsharded_table_notes_and_json() {
    let m = model(AIRFLOW);
    let sweep = [
        "whatif",
        &m,
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-03",
        "--vary",
        "slots.warehouse_pool=1,2,3",
        "--vary",
        "groups=1,2",
        // A fresh backfill of a depends_on_past DAG needs a reprocess behavior.
        "--vary",
        "reprocess=failed",
    ];
    let (text_out, notes) = every_split("whatif-text", &sweep, 6, &[]);
    // The table has every variant, some failing a property; stderr has the note.
    assert_eq!(text_out.lines().count(), 8, "{text_out}");
    assert!(
        text_out.contains("instance-count, termination"),
        "{text_out}"
    );
    assert!(
        notes.contains("note: backfill 1: `to` 2025-03-03 is a date"),
        "{notes}"
    );
    let mut json = sweep.to_vec();
    json.extend(["--format", "json"]);
    let (out, _) = every_split("whatif-json", &json, 6, &[]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 6);
    assert!(v[5]["instances"].as_array().is_some_and(|i| !i.is_empty()));
}

#[test]
fn whatif_seeds_shards_merge_into_the_unsharded_table_json_and_chart() {
    let m = model(CAPACITY);
    let sweep = [
        "whatif",
        &m,
        "--scenario",
        "night-with-backfill",
        "--vary",
        "slots.etl=2,3,4",
        // Never fails: noted as changing nothing, from what the pairs exercised (and
        // etl's slots not noted: every pair ran in etl, carried in each pair too).
        "--vary",
        "retries.nightly.ods_users=0,2",
        "--seeds",
        "3..7",
        "--html",
        "chart.html",
    ];
    // 6 variants × 5 seeds: 30 (variant, seed) pairs.
    let (out, _) = every_split("whatif-seeds", &sweep, 30, &["chart.html"]);
    assert!(out.contains("seeds 3..7 (5 runs per variant)"), "{out}");
    let idle = "note: --vary retries.nightly.ods_users: no execution of nightly.ods_users failed in any variant on any seed, so its retries change nothing here";
    assert!(out.contains(idle), "{out}");
    assert!(!out.contains("--vary slots.etl"), "{out}");
    let mut json = sweep.to_vec();
    json.extend(["--format", "json"]);
    let (out, _) = every_split("whatif-seeds-json", &json, 30, &["chart.html"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[5]["seeds"], 5);
    assert_eq!(
        v[5]["notes"][0]["note"],
        idle.strip_prefix("note: ").unwrap()
    );
    assert_eq!(v[5]["notes"][0]["seeds"], 5);
}

#[test]
fn run_and_check_seeds_shards_merge_into_the_unsharded_distribution() {
    let m = model(CAPACITY);
    let check = ["check", &m, "--seeds", "4..15", "--report", "seeds.html"];
    let (out, _) = every_split("check-seeds", &check, 12, &["seeds.html"]);
    // Some seed violates a property, so both the whole run and the merge exit 1.
    assert!(out.contains("FAIL "), "{out}");
    let json = ["check", &m, "--seeds", "9", "--format", "json"];
    every_split("check-seeds-json", &json, 9, &[]);
    let run = [
        "run",
        &m,
        "--scenario",
        "night-with-backfill",
        "--seeds",
        "6",
    ];
    every_split("run-seeds", &run, 6, &[]);
}

#[test]
fn a_shard_writes_the_same_partial_whatever_the_thread_count() {
    let dir = scratch("threads");
    let m = model(CAPACITY);
    let partial = |args: &[&str], threads: &str| {
        let mut a = args.to_vec();
        a.extend(["--shard", "1/3", "--threads", threads]);
        let out = schedsim(&dir, &a);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        out.stdout
    };
    let seeds = ["check", &m, "--seeds", "10", "--format", "json"];
    assert_eq!(partial(&seeds, "1"), partial(&seeds, "2"));
    let sweep = [
        "whatif",
        &m,
        "--scenario",
        "night-with-backfill",
        "--vary",
        "slots.etl=2,3",
        "--seeds",
        "4",
    ];
    assert_eq!(partial(&sweep, "1"), partial(&sweep, "2"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The partial of shard `k`/`n` of `args`, written to `dir/name`.
fn part(dir: &Path, args: &[&str], k: usize, n: usize, name: &str) -> String {
    let shard = format!("{k}/{n}");
    let mut a = args.to_vec();
    a.extend(["--shard", &shard]);
    let out = schedsim(dir, &a);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let file = dir.join(name);
    std::fs::write(&file, out.stdout).unwrap();
    file.display().to_string()
}

fn refused(dir: &Path, args: &[&str], expected: &str) {
    let out = schedsim(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: a refusal prints no result"
    );
}

#[test]
fn merge_refuses_partials_that_are_not_the_shards_of_one_sweep() {
    let dir = scratch("refuse");
    std::fs::copy(model(CAPACITY), dir.join("m.toml")).unwrap();
    let sweep = [
        "whatif",
        "m.toml",
        "--scenario",
        "night-with-backfill",
        "--vary",
        "slots.etl=2,3",
        "--seeds",
        "3",
    ];
    let (p0, p1, p2) = (
        part(&dir, &sweep, 0, 3, "p0"),
        part(&dir, &sweep, 1, 3, "p1"),
        part(&dir, &sweep, 2, 3, "p2"),
    );
    assert_eq!(
        schedsim(&dir, &["merge", &p0, &p1, &p2]).status.code(),
        Some(0)
    );
    refused(&dir, &["merge", &p0, &p2], "1 of 3 shards missing: 1/3");
    refused(&dir, &["merge", &p0, &p1, &p1, &p2], "are both shard 1/3");
    // Another N, other arguments, another kind of sweep, another command.
    let half = part(&dir, &sweep, 1, 2, "half");
    refused(&dir, &["merge", &p0, &half], "their shard counts differ");
    let mut other = sweep.to_vec();
    other[5] = "slots.etl=2,4";
    let other = part(&dir, &other, 1, 3, "other");
    refused(&dir, &["merge", &p0, &other, &p2], "their arguments differ");
    let single = part(&dir, &sweep[..6], 1, 3, "single");
    refused(
        &dir,
        &["merge", &p0, &single, &p2],
        "their arguments differ",
    );
    let run = part(&dir, &["run", "m.toml", "--seeds", "6"], 1, 3, "run");
    refused(&dir, &["merge", &p0, &run, &p2], "their commands differ");
    let check0 = part(&dir, &["check", "m.toml", "--seeds", "6"], 0, 2, "c0");
    let run1 = part(&dir, &["run", "m.toml", "--seeds", "6"], 1, 2, "r1");
    refused(&dir, &["merge", &check0, &run1], "their commands differ");
    // A shard refuses, before it runs, an output that would write over the model (a
    // newcomer's trial found it left to the merge); a directory missing where the
    // shard runs is the merge's host's business.
    refused(
        &dir,
        &[
            "check", "m.toml", "--seeds", "6", "--report", "m.toml", "--shard", "0/2",
        ],
        "--report m.toml: this is the input m.toml; refusing to write over it",
    );
    let mut html = sweep.to_vec();
    html.extend(["--html", "m.toml", "--shard", "0/2"]);
    refused(
        &dir,
        &html,
        "--html m.toml: this is the input m.toml; refusing to write over it",
    );
    let elsewhere_report = schedsim(
        &dir,
        &[
            "check",
            "m.toml",
            "--seeds",
            "2",
            "--report",
            "no/such/dir/r.html",
            "--shard",
            "0/2",
        ],
    );
    assert_eq!(elsewhere_report.status.code(), Some(0));
    // Merged elsewhere, the shards' relative model path names nothing: said, with
    // what to do; --model finds it.
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    refused(
        &elsewhere,
        &["merge", &p0, &p1, &p2],
        "the shards ran on the model `m.toml`, which is not found from here (a relative path is read from the directory merge runs in): run merge where the shards ran, or give --model PATH",
    );
    let m = dir.join("m.toml").display().to_string();
    assert_eq!(
        schedsim(&elsewhere, &["merge", &p0, &p1, &p2, "--model", &m])
            .status
            .code(),
        Some(0)
    );
    // A shard that ran the model file after it changed, and a merge after it changed.
    let edited = std::fs::read_to_string(dir.join("m.toml")).unwrap() + "\n# edited\n";
    std::fs::write(dir.join("m.toml"), &edited).unwrap();
    let changed = part(&dir, &sweep, 1, 3, "changed");
    refused(
        &dir,
        &["merge", &p0, &changed, &p2],
        "their model files differ",
    );
    refused(
        &dir,
        &["merge", &p0, &p1, &p2],
        "is not the model the shards ran",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_refuses_an_item_in_the_wrong_shard_or_missing() {
    let dir = scratch("items");
    let m = model(CAPACITY);
    let seeds = ["run", &m, "--seeds", "4"];
    let (p0, p1) = (
        part(&dir, &seeds, 0, 2, "p0"),
        part(&dir, &seeds, 1, 2, "p1"),
    );
    let lines = |p: &str| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    };
    let write = |p: &str, lines: &[String]| std::fs::write(p, lines.join("\n") + "\n").unwrap();
    let end = |n: usize| format!("{{\"end\":{{\"items\":{n}}}}}");
    let (a, b) = (lines(&p0), lines(&p1));
    // Shard 0 holds seeds 0 and 2: move seed 2's line into shard 1's file.
    assert_eq!(a.len(), 4, "{a:?}");
    write(&p0, &[a[0].clone(), a[1].clone(), end(1)]);
    write(
        &p1,
        &[
            b[0].clone(),
            b[1].clone(),
            b[2].clone(),
            a[2].clone(),
            end(3),
        ],
    );
    refused(&dir, &["merge", &p0, &p1], "item 2 is not shard 1/2's");
    // Or drop it: the merge names the shard to run again.
    write(&p1, &b);
    refused(
        &dir,
        &["merge", &p0, &p1],
        "item 2 of 4 is in no partial: shard 0/2 did not write it",
    );
    // The same item twice within one shard.
    write(&p0, &[a[0].clone(), a[1].clone(), a[1].clone(), end(2)]);
    refused(&dir, &["merge", &p0, &p1], "item 0 is written twice");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn minimize_refuses_shard_and_shard_needs_seeds_on_run() {
    let dir = scratch("minimize");
    let m = model(CAPACITY);
    refused(
        &dir,
        &[
            "whatif",
            &m,
            "--scenario",
            "night-with-backfill",
            "--seeds",
            "4",
            "--minimize",
            "slots.etl",
            "--shard",
            "0/2",
        ],
        "--minimize cannot be split: it bisects",
    );
    refused(
        &dir,
        &["run", &m, "--shard", "0/2"],
        "required arguments were not provided",
    );
    refused(
        &dir,
        &["check", &m, "--seeds", "4", "--shard", "4/4"],
        "shard 4 of 4 does not exist",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
