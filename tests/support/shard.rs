//! What the `--shard`/`merge` tests share (`tests/shard.rs`, `tests/shard_sweeps.rs`):
//! running the binary, scratch directories, and the check that N shards merge into
//! exactly the run without `--shard`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn schedsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("schedsim runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn model(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `args` whole in one directory, then as `n` shards in another (each its own
/// process, launched in reverse order, none writing the output files), merges the
/// partials given in a rotated order, and checks that stdout, stderr, the exit code
/// and each of `files` (written relative to the working directory) are the same.
/// Returns the whole run's stdout and stderr.
pub fn merge_equals_whole(tag: &str, args: &[&str], n: usize, files: &[&str]) -> (String, String) {
    let dir = scratch(&format!("{tag}-{n}"));
    let (whole_dir, shard_dir) = (dir.join("whole"), dir.join("sharded"));
    std::fs::create_dir_all(&whole_dir).unwrap();
    std::fs::create_dir_all(&shard_dir).unwrap();
    let whole = schedsim(&whole_dir, args);
    let mut parts = Vec::new();
    for k in (0..n).rev() {
        let shard = format!("{k}/{n}");
        let mut a = args.to_vec();
        a.extend(["--shard", &shard]);
        let part = schedsim(&shard_dir, &a);
        assert_eq!(
            part.status.code(),
            Some(0),
            "{tag}: shard {shard}: {part:?}"
        );
        let file = shard_dir.join(format!("part-{k}.jsonl"));
        std::fs::write(&file, &part.stdout).unwrap();
        parts.push(file.display().to_string());
    }
    for f in files {
        assert!(!shard_dir.join(f).exists(), "{tag}: a shard wrote {f}");
    }
    parts.rotate_left(n / 2);
    let mut merge_args = vec!["merge"];
    merge_args.extend(parts.iter().map(String::as_str));
    let merged = schedsim(&shard_dir, &merge_args);
    let (a, b) = (text(&merged.stdout), text(&whole.stdout));
    if a != b {
        let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
        let at = line.unwrap_or(a.lines().count().min(b.lines().count()));
        panic!(
            "{tag}: {n} shards merged differ from the whole run from line {} on:\nmerged: {:?}\nwhole:  {:?}\nstderr: {}",
            at + 1,
            a.lines().nth(at),
            b.lines().nth(at),
            text(&merged.stderr)
        );
    }
    assert_eq!(text(&merged.stderr), text(&whole.stderr), "{tag}: stderr");
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{tag}: exit codes"
    );
    for f in files {
        let (a, b) = (
            std::fs::read(whole_dir.join(f)).unwrap(),
            std::fs::read(shard_dir.join(f)).unwrap(),
        );
        assert!(a == b, "{tag}: {f} written by the merge differs");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    (text(&whole.stdout), text(&whole.stderr))
}
