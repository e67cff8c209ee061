//! `--shard K/N` and `schedsim merge`: N local processes, each running one shard as a
//! Kubernetes Indexed Job or a Slurm job array would, merge into exactly the output
//! and exit code of the run without `--shard`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn schedsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("schedsim runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn model(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `args` whole, then as `n` shards (each its own process, launched in reverse
/// order), merges the partials (given in a shuffled order), and checks that stdout and
/// the exit code are the same.
fn merge_equals_whole(tag: &str, args: &[&str], n: usize) -> String {
    let dir = scratch(&format!("{tag}-{n}"));
    let whole = schedsim(&dir, args);
    let mut files = Vec::new();
    for k in (0..n).rev() {
        let shard = format!("{k}/{n}");
        let mut a = args.to_vec();
        a.extend(["--shard", &shard]);
        let part = schedsim(&dir, &a);
        assert_eq!(part.status.code(), Some(0), "shard {shard}: {part:?}");
        let file = dir.join(format!("part-{k}.jsonl"));
        std::fs::write(&file, &part.stdout).unwrap();
        files.push(file.display().to_string());
    }
    files.rotate_left(n / 2);
    let mut merge_args = vec!["merge"];
    merge_args.extend(files.iter().map(String::as_str));
    let merged = schedsim(&dir, &merge_args);
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&whole.stdout),
        "{tag}: {n} shards merged differ from the whole run; stderr: {}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{tag}: exit codes"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    String::from_utf8(whole.stdout).unwrap()
}

#[test]
fn explore_shards_merge_into_the_first_violation_of_the_whole_search() {
    let m = model("tests/explore/insert-under-retries.toml");
    let args = ["explore", &m, "--cases", "60", "--format", "json"];
    let whole = merge_equals_whole("first", &args, 1);
    assert!(
        whole.contains("\"violation\": {"),
        "the search finds one: {whole}"
    );
    for n in [2, 3, 7] {
        merge_equals_whole("first", &args, n);
    }
}

#[test]
fn explore_shards_merge_into_every_violation_of_the_whole_search() {
    let m = model("models/airflow-pool-depends-on-past.toml");
    let args = ["explore", &m, "--cases", "40", "--all-violations"];
    let whole = merge_equals_whole("all", &args, 2);
    assert!(whole.contains("distinct violations in 40 cases"), "{whole}");
    // More shards than cases: some shards run nothing.
    merge_equals_whole("all", &args, 50);
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
    merge_equals_whole("ds", &args, 4);
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

#[test]
fn the_kubernetes_and_slurm_examples_run_the_shards_they_describe() {
    // Each launcher computes `--shard INDEX/N` from its array variable; run the
    // examples' command lines with the variables set as the launcher would.
    let root = env!("CARGO_MANIFEST_DIR");
    let text =
        std::fs::read_to_string(format!("{root}/examples/shard/kubernetes-indexed-job.yaml"))
            .unwrap();
    let job: serde_json::Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    assert_eq!(job["spec"]["completions"], 4);
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let script = container["args"][0].as_str().unwrap();
    assert!(
        script.contains("--shard=${JOB_COMPLETION_INDEX}/4"),
        "{script}"
    );
    // The pod's shell line, run here for each index as the Job controller would.
    let dir = scratch("k8s");
    std::fs::create_dir_all(dir.join("results")).unwrap();
    let script = script
        .replace("/models/", &format!("{root}/models/"))
        .replace("/results/", &format!("{}/results/", dir.display()))
        .replace("--cases 2000", "--cases 12")
        .replace("--seeds 200", "--seeds 4")
        .replace("schedsim ", &format!("{} ", env!("CARGO_BIN_EXE_schedsim")));
    for k in 0..4 {
        let out = Command::new("/bin/sh")
            .args(["-c", &script])
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let parts: Vec<String> = (0..4)
        .map(|k| {
            dir.join(format!("results/explore-{k}.jsonl"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    let merged = schedsim(&dir, &args);
    let m = model("models/dataworks-writes-under-retries-and-reruns.toml");
    let whole = schedsim(&dir, &["explore", &m, "--cases", "12", "--all-violations"]);
    assert_eq!(merged.stdout, whole.stdout, "{merged:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    let slurm = std::fs::read_to_string(format!("{root}/examples/shard/slurm-array.sh")).unwrap();
    assert!(slurm.contains("#SBATCH --array=0-3"), "{slurm}");
    assert!(
        slurm.contains("--shard \"${SLURM_ARRAY_TASK_ID}/4\""),
        "{slurm}"
    );
    let dir = scratch("slurm");
    for k in 0..4 {
        let out = Command::new("bash")
            .arg(format!("{root}/examples/shard/slurm-array.sh"))
            .current_dir(&dir)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SCHEDSIM", env!("CARGO_BIN_EXE_schedsim"))
            .env("MODEL", model("tests/explore/insert-under-retries.toml"))
            .env("OUT", &dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    let files: Vec<String> = (0..4)
        .map(|k| dir.join(format!("explore-{k}.jsonl")).display().to_string())
        .collect();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = schedsim(&dir, &args);
    let whole = schedsim(
        &dir,
        &[
            "explore",
            &model("tests/explore/insert-under-retries.toml"),
            "--cases",
            "200",
            "--all-violations",
        ],
    );
    assert_eq!(merged.stdout, whole.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}
