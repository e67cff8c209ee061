//! `--shard K/N` and `schedsim merge`: N local processes, each running one shard as a
//! Kubernetes Indexed Job or a Slurm job array would, merge into exactly the output
//! and exit code of the run without `--shard`.

use std::process::Command;

#[path = "support/shard.rs"]
mod shard;
use shard::{merge_equals_whole, model, schedsim, scratch, text};

/// `merge_equals_whole` with no output file: the whole run's stdout.
fn merged_stdout(tag: &str, args: &[&str], n: usize) -> String {
    merge_equals_whole(tag, args, n, &[]).0
}

#[test]
fn explore_shards_merge_into_the_first_violation_of_the_whole_search() {
    let m = model("tests/explore/insert-under-retries.toml");
    let args = ["explore", &m, "--cases", "60", "--format", "json"];
    let whole = merged_stdout("first", &args, 1);
    assert!(
        whole.contains("\"violation\": {"),
        "the search finds one: {whole}"
    );
    for n in [2, 3, 7] {
        merged_stdout("first", &args, n);
    }
}

#[test]
fn explore_shards_merge_into_every_violation_of_the_whole_search() {
    let m = model("models/airflow-pool-depends-on-past.toml");
    let args = ["explore", &m, "--cases", "40", "--all-violations"];
    let whole = merged_stdout("all", &args, 2);
    assert!(whole.contains("distinct violations in 40 cases"), "{whole}");
    // More shards than cases: some shards run nothing.
    merged_stdout("all", &args, 50);
    let m = model("models/dolphinscheduler-retry-backfill.toml");
    let args = [
        "explore",
        &m,
        "--cases",
        "30",
        "--all-violations",
        "--format",
        "json",
    ];
    merged_stdout("ds", &args, 4);
}

#[test]
fn merge_refuses_a_missing_or_cut_shard_and_a_changed_model() {
    let dir = scratch("refuse");
    let m = dir.join("m.toml");
    std::fs::copy(model("tests/explore/insert-under-retries.toml"), &m).unwrap();
    let part = |k: usize| {
        let shard = format!("{k}/2");
        let out = schedsim(
            &dir,
            &["explore", "m.toml", "--cases", "20", "--shard", &shard],
        );
        let file = dir.join(format!("p{k}.jsonl"));
        std::fs::write(&file, out.stdout).unwrap();
        file.display().to_string()
    };
    let (p0, p1) = (part(0), part(1));
    let refused = |args: &[&str], expected: &str| {
        let out = schedsim(&dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    };
    refused(&["merge", &p0], "1 of 2 shards missing: 1/2");
    refused(&["merge", &p0, &p0], "are both shard 0/2");
    let text = std::fs::read_to_string(&p1).unwrap();
    let cut: String = text.lines().take(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&p1, cut).unwrap();
    refused(
        &["merge", &p0, &p1],
        "no end marker: the shard did not finish",
    );
    std::fs::write(&p1, text).unwrap();
    assert_eq!(schedsim(&dir, &["merge", &p0, &p1]).status.code(), Some(1));
    // The model the merge loads again must be the one the shards ran.
    std::fs::write(&m, std::fs::read_to_string(&m).unwrap() + "\n# edited\n").unwrap();
    refused(&["merge", &p0, &p1], "is not the model the shards ran");
    refused(
        &["explore", "m.toml", "--shard", "2/2"],
        "shard 2 of 2 does not exist (the last is 1/2)",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Edited partials made `merge` panic (a header of `"of":0` divided by zero, a seed
/// run with fewer resource groups than the first indexed past its end, in `--seeds`
/// and `whatif --seeds` partials alike) or list
/// billions of missing shards (`"of":4294967295`); `--threads 100000` started a
/// hundred thousand threads. All found by fuzzing; each is refused now.
#[test]
fn merge_refuses_edited_partials_and_threads_past_the_cap() {
    let dir = scratch("edited");
    let m = dir.join("m.toml");
    std::fs::copy(model("models/dolphinscheduler-nightly-capacity.toml"), &m).unwrap();
    let out = schedsim(&dir, &["run", "m.toml", "--seeds", "2", "--shard", "0/1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let whole = String::from_utf8(out.stdout).unwrap();
    let refused = |edited: String, expected: &str| {
        let file = dir.join("p.jsonl");
        std::fs::write(&file, edited).unwrap();
        let out = schedsim(&dir, &["merge", "p.jsonl"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    };
    for of in ["0", "4294967295"] {
        refused(
            whole.replacen("\"of\":1,", &format!("\"of\":{of},"), 1),
            &format!("the header says shard 0 of {of}"),
        );
    }
    let lines: Vec<&str> = whole.lines().collect();
    let second = lines
        .iter()
        .rposition(|l| l.contains("\"seed_run\""))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(lines[second]).unwrap();
    v["seed_run"]["run"]["groups"] = serde_json::json!([]);
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[second] = v.to_string();
    refused(
        edited.join("\n") + "\n",
        "its resource groups or properties differ from seed_run 0's",
    );
    // The same of a `whatif --seeds` partial: a pair with fewer properties than its
    // variant's first.
    let out = schedsim(
        &dir,
        &[
            "whatif",
            "m.toml",
            "--scenario",
            "night-with-backfill",
            "--vary",
            "slots.etl=2,3",
            "--seeds",
            "2",
            "--shard",
            "0/1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let whatif = String::from_utf8(out.stdout).unwrap();
    let mut edited: Vec<String> = whatif.lines().map(str::to_string).collect();
    let last = edited.iter().rposition(|l| l.contains("\"pair\"")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&edited[last]).unwrap();
    v["pair"]["run"]["verdicts"].as_array_mut().unwrap().pop();
    edited[last] = v.to_string();
    refused(
        edited.join("\n") + "\n",
        "pair 3: its resource groups or properties differ from pair 2's",
    );
    let out = schedsim(
        &dir,
        &["run", "m.toml", "--seeds", "2", "--threads", "100000"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expected 0 (every core) to 1024 threads"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An explore partial's findings are checked like the sweeps' items: a hit moved into
/// another shard's file, written twice or numbered past the search is refused (a
/// newcomer's trial found each merged silently, one changing a "found in" count).
#[test]
fn merge_refuses_explore_findings_of_another_shard_twice_or_past_the_search() {
    let dir = scratch("findings");
    let m = dir.join("m.toml");
    std::fs::copy(model("models/airflow-pool-depends-on-past.toml"), &m).unwrap();
    let part = |k: usize| {
        let shard = format!("{k}/2");
        let out = schedsim(
            &dir,
            &[
                "explore",
                "m.toml",
                "--cases",
                "40",
                "--all-violations",
                "--shard",
                &shard,
            ],
        );
        text(&out.stdout)
    };
    let (p0, p1) = (part(0), part(1));
    // A hit line of shard 0 (an odd case: cases are numbered from 1).
    let hit = p0
        .lines()
        .find(|l| l.contains("\"hit\""))
        .expect("shard 0 finds a violation")
        .to_string();
    let count = |t: &str| t.lines().filter(|l| !l.contains("\"end\"")).count() - 1;
    let with = |t: &str, line: &str| {
        let mut lines: Vec<&str> = t.lines().collect();
        let n = count(t) + 1;
        lines.insert(lines.len() - 1, line);
        let end = format!("{{\"end\":{{\"items\":{n}}}}}");
        let last = lines.len() - 1;
        lines[last] = &end;
        lines.join("\n") + "\n"
    };
    let refused = |a: &str, b: &str, expected: &str| {
        let (f0, f1) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
        std::fs::write(&f0, a).unwrap();
        std::fs::write(&f1, b).unwrap();
        let out = schedsim(&dir, &["merge", "a.jsonl", "b.jsonl"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    };
    assert_eq!(
        {
            std::fs::write(dir.join("a.jsonl"), &p0).unwrap();
            std::fs::write(dir.join("b.jsonl"), &p1).unwrap();
            schedsim(&dir, &["merge", "a.jsonl", "b.jsonl"])
                .status
                .code()
        },
        Some(1),
        "the untouched shards merge"
    );
    refused(&p0, &with(&p1, &hit), "is not shard 1/2's");
    refused(&with(&p0, &hit), &p1, "is written twice");
    let past = hit.replacen("\"case\":", "\"case\":4000,\"was\":", 1);
    refused(
        &with(&p0, &past),
        &p1,
        "case 4000, but the search has cases 1 to 40",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression: explore's text and JSON count cases from 1 ("first in case 4") while
/// its partial lines counted from 0 (`{"hit":{"case":3,...}}`). A partial's case is
/// the one the output prints.
#[test]
fn an_explore_partial_numbers_its_cases_as_the_output_prints_them() {
    let dir = scratch("numbered");
    let m = dir.join("m.toml");
    std::fs::copy(model("tests/explore/insert-under-retries.toml"), &m).unwrap();
    let args = ["explore", "m.toml", "--cases", "60", "--format", "json"];
    let whole: serde_json::Value =
        serde_json::from_str(&text(&schedsim(&dir, &args).stdout)).unwrap();
    let case = whole["findings"][0]["case"].as_u64().expect("a finding");
    let shard = format!("{}/3", (case - 1) % 3);
    let mut sharded = args.to_vec();
    sharded.extend(["--shard", &shard]);
    let partial = text(&schedsim(&dir, &sharded).stdout);
    let first = partial
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["hit"]["case"].as_u64());
    assert_eq!(first, Some(case), "{partial}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression: merging a text partial and a JSON one printed the refusal as a JSON
/// document on stdout even with the text partial first. Partials that disagree on
/// the format are refused in text on stderr, in either order (exit 2).
#[test]
fn merge_of_a_text_and_a_json_partial_refuses_in_text_on_stderr() {
    let dir = scratch("formats");
    let m = dir.join("m.toml");
    std::fs::copy(model("tests/explore/insert-under-retries.toml"), &m).unwrap();
    let part = |k: usize, format: &str| {
        let shard = format!("{k}/2");
        let args = [
            "explore", "m.toml", "--cases", "20", "--format", format, "--shard", &shard,
        ];
        let path = dir.join(format!("p{k}-{format}.jsonl"));
        std::fs::write(&path, text(&schedsim(&dir, &args).stdout)).unwrap();
        path.file_name().unwrap().to_string_lossy().into_owned()
    };
    let (t0, j1) = (part(0, "text"), part(1, "json"));
    for files in [[&t0, &j1], [&j1, &t0]] {
        let out = schedsim(&dir, &["merge", files[0], files[1]]);
        assert_eq!(out.status.code(), Some(2), "{files:?}");
        assert_eq!(text(&out.stdout), "", "{files:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains("their arguments differ"),
            "{files:?}: {stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Merges `parts` (paths) and checks stdout and the exit code against `whole`.
fn merge_matches(dir: &std::path::Path, parts: &[String], whole: &std::process::Output) {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    let merged = schedsim(dir, &args);
    assert_eq!(text(&merged.stdout), text(&whole.stdout), "{merged:?}");
    assert_eq!(merged.status.code(), whole.status.code());
}

/// Each launcher computes `--shard INDEX/N` from its array variable: the examples'
/// command lines run here once per index with the variables set as the launcher
/// would, and each sweep they shard (explore, whatif --seeds; explore, check --seeds)
/// merges into its run without `--shard`.
#[test]
fn the_kubernetes_and_slurm_examples_run_the_shards_they_describe() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bin = env!("CARGO_BIN_EXE_schedsim");
    let yaml =
        std::fs::read_to_string(format!("{root}/examples/shard/kubernetes-indexed-job.yaml"))
            .unwrap();
    let job: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    assert_eq!(job["spec"]["completions"], 4);
    let script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap();
    assert!(
        script.contains("--shard=${JOB_COMPLETION_INDEX}/4"),
        "{script}"
    );
    let sweep = "whatif /models/dolphinscheduler-nightly-capacity.toml --scenario night-with-backfill --vary slots.etl=2,3,4,6,8 --seeds 200 --shard=${JOB_COMPLETION_INDEX}/4";
    assert!(script.contains(sweep), "{script}");
    // The pod's shell line, run here for each index as the Job controller would.
    let dir = scratch("k8s");
    std::fs::create_dir_all(dir.join("results")).unwrap();
    let script = script
        .replace("/models/", &format!("{root}/models/"))
        .replace("/results/", &format!("{}/results/", dir.display()))
        .replace("--cases 2000", "--cases 40")
        .replace("--seeds 200", "--seeds 6")
        .replace("schedsim ", &format!("{bin} "));
    for k in 0..4 {
        let out = Command::new("/bin/sh")
            .args(["-c", &script])
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let parts = |name: &str| -> Vec<String> {
        (0..4)
            .map(|k| format!("{}/results/{name}-{k}.jsonl", dir.display()))
            .collect()
    };
    let m = model("models/dataworks-mysql-to-maxcompute.toml");
    let whole = schedsim(&dir, &["explore", &m, "--cases", "40", "--all-violations"]);
    // The example's search finds something to merge: a model whose base scenario
    // already violated every property searched would shard nothing.
    assert_eq!(whole.status.code(), Some(1), "{}", text(&whole.stdout));
    assert!(
        text(&whole.stdout).contains("replay: schedsim check"),
        "{}",
        text(&whole.stdout)
    );
    merge_matches(&dir, &parts("explore"), &whole);
    let m = model("models/dolphinscheduler-nightly-capacity.toml");
    let whole = schedsim(
        &dir,
        &[
            "whatif",
            &m,
            "--scenario",
            "night-with-backfill",
            "--vary",
            "slots.etl=2,3,4,6,8",
            "--seeds",
            "6",
        ],
    );
    assert_eq!(whole.status.code(), Some(0));
    merge_matches(&dir, &parts("whatif"), &whole);
    std::fs::remove_dir_all(&dir).unwrap();

    let slurm = std::fs::read_to_string(format!("{root}/examples/shard/slurm-array.sh")).unwrap();
    assert!(slurm.contains("#SBATCH --array=0-3"), "{slurm}");
    assert!(
        slurm.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""),
        "{slurm}"
    );
    assert!(
        slurm.contains("\"$SCHEDSIM\" check \"$MODEL\" --seeds 100"),
        "{slurm}"
    );
    let dir = scratch("slurm");
    let explored = model("tests/explore/insert-under-retries.toml");
    for k in 0..4 {
        let out = Command::new("bash")
            .arg(format!("{root}/examples/shard/slurm-array.sh"))
            .current_dir(&dir)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SCHEDSIM", bin)
            .env("MODEL", &explored)
            .env("OUT", &dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let parts = |name: &str| -> Vec<String> {
        (0..4)
            .map(|k| dir.join(format!("{name}-{k}.jsonl")).display().to_string())
            .collect()
    };
    let whole = schedsim(
        &dir,
        &["explore", &explored, "--cases", "200", "--all-violations"],
    );
    merge_matches(&dir, &parts("explore"), &whole);
    let whole = schedsim(&dir, &["check", &explored, "--seeds", "100"]);
    assert!(text(&whole.stdout).contains("seeds 0..99 (100 runs)"));
    merge_matches(&dir, &parts("seeds"), &whole);
    std::fs::remove_dir_all(&dir).unwrap();
}
