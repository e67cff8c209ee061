//! Issue 15's memory targets, measured (never asserted): the `schedsim` binary runs
//! the chained hourly backfill (`backfill/model.rs`) under `/usr/bin/time -v`, which
//! reports its peak resident set; this prints it with the wall time.
//!
//! - `run_10m`: 4,168 dates × 10 chains of 10 hourly tasks: 10,003,200 instances
//!   (target: peak under 256 MiB).
//! - `run_100m`: 4,168 dates × 10 chains of 100 hourly tasks: 100,032,000 instances
//!   (target: completes, peak under 1 GiB).
//!
//! Run: `cargo bench --bench scale` (`-- 10m` for the first only). Needs GNU time at
//! `/usr/bin/time`. Criterion is not used: one run of each is minutes, not samples.

use std::process::Command;

#[path = "backfill/model.rs"]
mod backfill_model;

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let cases = [("run_10m", 10u32), ("run_100m", 100)];
    let dir = std::env::temp_dir();
    for (name, chain_len) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let path = dir.join(format!("schedsim-scale-{name}.toml"));
        std::fs::write(
            &path,
            backfill_model::backfill_model(4168, 10, chain_len, 5, 50, 10, false),
        )
        .expect("the model is written to the temporary directory");
        let out = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(env!("CARGO_BIN_EXE_schedsim"))
            .args([
                "run",
                "--max-instances",
                "200000000",
                "--max-executions",
                "200000000",
            ])
            .arg(&path)
            .output()
            .expect("/usr/bin/time runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let field = |label: &str| {
            stderr
                .lines()
                .find_map(|l| l.trim().strip_prefix(label))
                .map_or("?".to_string(), |v| v.trim().to_string())
        };
        let kib: f64 = field("Maximum resident set size (kbytes):")
            .parse()
            .unwrap_or(f64::NAN);
        let instances = stdout.lines().find(|l| l.starts_with("instances:"));
        println!(
            "{name}: exit {}, peak RSS {:.1} MiB, wall {}, {}",
            out.status.code().map_or("signal".into(), |c| c.to_string()),
            kib / 1024.0,
            field("Elapsed (wall clock) time (h:mm:ss or m:ss):"),
            instances.unwrap_or("no instance line")
        );
        let _ = std::fs::remove_file(&path);
    }
}
