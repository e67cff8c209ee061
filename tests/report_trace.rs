//! The Chrome trace (`run --chrome-trace`, issue 10), end to end through the binary:
//! every row named (a process per group, a thread per slot), the scenario's real
//! times, and a task with `pool_slots = 2` drawn on two slot rows while it runs.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

const POOL: &str = "models/airflow-pool-depends-on-past.toml";

/// The trace's events and the run's JSON summary.
fn trace(model: &str, test: &str) -> (Vec<Value>, Value) {
    let dir = std::env::temp_dir().join(format!("schedsim-report-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{test}-{}.json",
        std::path::Path::new(model)
            .file_stem()
            .unwrap()
            .to_string_lossy()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", model, "--format", "json", "--chrome-trace"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    (
        v["traceEvents"].as_array().unwrap().clone(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn micros(rfc3339: &str) -> i64 {
    rfc3339.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

#[test]
fn every_row_is_named_and_times_are_the_scenarios() {
    for model in [POOL, "models/dolphinscheduler-retry-backfill.toml"] {
        let (events, run) = trace(model, "names");
        let meta = |kind: &str| -> BTreeMap<(i64, Option<i64>), String> {
            events
                .iter()
                .filter(|e| e["ph"] == "M" && e["name"] == kind)
                .map(|e| {
                    (
                        (e["pid"].as_i64().unwrap(), e["tid"].as_i64()),
                        e["args"]["name"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };
        let processes = meta("process_name");
        let threads = meta("thread_name");
        let groups = run["resource_groups"].as_array().unwrap();
        // A process per group, named with its slots.
        for (pid, g) in groups.iter().enumerate() {
            assert_eq!(
                processes[&(pid as i64, None)],
                format!("{} ({} slots)", g["name"].as_str().unwrap(), g["slots"])
            );
        }
        // Every slot row a bar uses is named after its group, once.
        let bars: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        let used: BTreeSet<(i64, i64)> = bars
            .iter()
            .map(|b| (b["pid"].as_i64().unwrap(), b["tid"].as_i64().unwrap()))
            .collect();
        let named: BTreeSet<(i64, i64)> = threads.keys().map(|(p, t)| (*p, t.unwrap())).collect();
        assert_eq!(used, named, "{model}");
        for ((pid, tid), name) in &threads {
            let group = groups[*pid as usize]["name"].as_str().unwrap();
            assert_eq!(name, &format!("{group} slot {}", tid.unwrap() + 1));
        }
        // Real times: the first bar starts at the run's first start, the last ends at
        // its last end (microseconds since the Unix epoch).
        let first = bars
            .iter()
            .map(|b| b["ts"].as_i64().unwrap())
            .min()
            .unwrap();
        let last = bars
            .iter()
            .map(|b| b["ts"].as_i64().unwrap() + b["dur"].as_i64().unwrap())
            .max()
            .unwrap();
        assert_eq!(first, micros(run["first_start"].as_str().unwrap()));
        assert_eq!(last, micros(run["last_end"].as_str().unwrap()));
    }
}

#[test]
fn a_task_with_pool_slots_2_runs_on_two_slot_rows() {
    let (events, run) = trace(POOL, "slots");
    let bars: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    // Group the bars by execution: (name, start, attempt).
    let mut executions: BTreeMap<(String, i64, i64), Vec<&Value>> = BTreeMap::new();
    for b in &bars {
        executions
            .entry((
                b["name"].as_str().unwrap().to_string(),
                b["ts"].as_i64().unwrap(),
                b["args"]["attempt"].as_i64().unwrap(),
            ))
            .or_default()
            .push(b);
    }
    assert_eq!(
        executions.len() as u64,
        run["executions"].as_u64().unwrap(),
        "every execution is drawn"
    );
    let mut loads = 0;
    for ((name, ..), rows) in &executions {
        if name.starts_with("sales_daily.load ") {
            loads += 1;
            // pool_slots = 2: two rows of the pool, same span, slots 1 and 2.
            assert_eq!(rows.len(), 2, "{name}");
            assert_eq!(rows[0]["pid"], rows[1]["pid"]);
            assert_ne!(rows[0]["tid"], rows[1]["tid"]);
            assert_eq!(rows[0]["dur"], rows[1]["dur"]);
            let slots: BTreeSet<&str> = rows
                .iter()
                .map(|r| r["args"]["slot"].as_str().unwrap())
                .collect();
            assert_eq!(slots, BTreeSet::from(["1 of 2", "2 of 2"]));
        } else {
            assert_eq!(rows.len(), 1, "{name}");
            assert_eq!(rows[0]["args"]["slot"], "1 of 1");
        }
    }
    assert_eq!(loads, 6, "one load per backfill date");
    // No two bars of a slot row overlap.
    let mut by_row: BTreeMap<(i64, i64), Vec<(i64, i64)>> = BTreeMap::new();
    for b in &bars {
        let ts = b["ts"].as_i64().unwrap();
        by_row
            .entry((b["pid"].as_i64().unwrap(), b["tid"].as_i64().unwrap()))
            .or_default()
            .push((ts, ts + b["dur"].as_i64().unwrap()));
    }
    for spans in by_row.values_mut() {
        spans.sort_unstable();
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0),
            "overlap in a row"
        );
    }
    // The pool's rows never outnumber its slots.
    let pool_rows = by_row.keys().filter(|(pid, _)| *pid == 0).count();
    assert!(pool_rows <= 4, "{pool_rows} rows for 4 slots");
}
