//! Waits attributed to what holds them, end to end on the example models: every
//! figure below was computed by hand from the model's trace (`schedsim run MODEL
//! --trace t.jsonl`, seed 0); the comments show the arithmetic.

use std::process::Command;

fn run(args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .expect("schedsim runs");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        out.status.code().unwrap_or(-1),
    )
}

fn json(model: &str) -> serde_json::Value {
    let (out, _) = run(&["run", model, "--format", "json"]);
    serde_json::from_str(&out).expect("one JSON document")
}

fn row<'a>(v: &'a serde_json::Value, kind: &str, name: Option<&str>) -> &'a serde_json::Value {
    v["waits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == kind && w["name"].as_str() == name)
        .unwrap_or_else(|| panic!("no {kind} {name:?} row in {}", v["waits"]))
}

fn figures(w: &serde_json::Value) -> [u64; 6] {
    [
        "instances",
        "total_seconds",
        "p50_seconds",
        "p95_seconds",
        "max_seconds",
        "peak_queue",
    ]
    .map(|k| w[k].as_u64().unwrap())
}

const DS: &str = "models/dolphinscheduler-retry-backfill.toml";
const AIRFLOW: &str = "models/airflow-pool-depends-on-past.toml";

/// The extract tasks queue for task group `mysql_export` (2 slots); the worker
/// group `default` (100 slots) never holds anyone. From the trace, each extract's
/// time in `waiting_resources` before it ran (scenario start 10:00:00; durations are
/// drawn per execution, seed 0):
///   extract_orders 03-03 10:00:00 → 10:10:35   635 s
///   extract_users  03-01 10:00:00 → 10:19:59  1199 s
///   extract_users  03-02 10:00:00 → 10:27:59  1679 s
///   extract_users  03-03 10:00:00 → 10:29:43  1783 s
///   extract_users  03-05 10:50:59 → 11:10:54  1195 s
///   extract_orders 03-06 10:52:43 → 10:53:48    65 s
///   extract_users  03-06 10:52:43 → 11:16:04  1401 s
///   extract_orders 03-04, its three retries: 310 + 0 + 331 = 641 s
///   extract_orders 03-09 11:39:04 → 11:48:21   557 s
///   extract_users  03-09 11:39:04 → 11:53:28   864 s
/// (the extracts of 03-07, 03-08 and 03-10 found a slot at once). 10 instances,
/// 10,019 s in all; sorted, the 5th of 10 (p50) is 864 s, the 10th (p95, nearest
/// rank ⌈9.5⌉) 1783 s. At the end of 10:00:00 six extracts were queued and two ran:
/// peak queue 4.
#[test]
fn dolphinscheduler_extract_waits_are_credited_to_the_task_group_with_their_real_totals() {
    let v = json(DS);
    let tg = row(&v, "task_group", Some("mysql_export"));
    assert_eq!(figures(tg), [10, 10_019, 864, 1783, 1783, 4]);
    assert!(
        v["waits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["name"] != "default"),
        "default held no wait: {}",
        v["waits"]
    );
    let groups = v["resource_groups"].as_array().unwrap();
    assert_eq!(groups[0]["name"], "default");
    assert_eq!(groups[0]["peak_waiting"], 0);
    assert_eq!(groups[1]["name"], "mysql_export");
    assert_eq!(groups[1]["peak_waiting"], 4);
    // Busy 15,704 slot-seconds (4h 21m 44s) on 2 slots over a 3h 03m 48s (11,028 s)
    // makespan: 15704 / 22056 = 0.71200...
    assert_eq!(v["makespan_seconds"], 11_028);
    assert_eq!(groups[1]["busy_seconds"], 15_704);
    assert_eq!(groups[1]["utilisation"], 0.712);
}

/// Ten dates in three round-robin chains {0,3,6,9} {1,4,7} {2,5,8}, all due at the
/// start 10:00:00; the dates after each chain's first start when the one before
/// ends: 03-04 at 10:42:59 (2579 s), 03-05 10:50:59 (3059), 03-06 10:52:43 (3163),
/// 03-08 11:33:54 (5634), 03-09 11:39:04 (5944), 03-07 12:08:28 (7708), 03-10
/// 12:37:54 (9474): 7 dates, 37,561 s, p50 the 4th (5634), p95 and max 9474; 7
/// dates waited at once at 10:00:00.
#[test]
fn dolphinscheduler_dates_wait_for_the_complement_parallelism() {
    let v = json(DS);
    let d = row(&v, "date_parallelism", None);
    assert_eq!(figures(d), [7, 37_561, 5634, 9474, 9474, 7]);
}

/// Every `load` enters the pool's queue and runs in the same instant: the pool
/// holds no wait, and its peak queue is 0 (it used to say 2, counting instances
/// that waited no time). The waits that do last, from the trace:
///   upstream: each load waits 20 min for its extract (20 min): 6 × 20 min = 2 h,
///   two at once at 12:00 (the first two runs);
///   self_dependency: load 03-02 waits for load 03-01 from 12:20 to 13:00 (40 min),
///   loads 03-03 to 03-06 20 min each after their extract: 5 instances, 2 h, p50
///   (3rd of 5) 20 min, p95 (5th) 40 min;
///   max_active_runs (2 runs in flight): runs 03-03..03-06 start at 13:00, 13:40,
///   14:20, 15:00 after the 12:00 start: 1 h + 1 h 40 + 2 h 20 + 3 h = 8 h, p50
///   (2nd of 4) 1 h 40, p95 3 h, four waiting at 12:00.
#[test]
fn airflow_reports_no_pool_wait_where_none_lasts() {
    let v = json(AIRFLOW);
    let waits = v["waits"].as_array().unwrap();
    assert!(
        waits.iter().all(|w| w["kind"] != "pool"),
        "no pool wait lasts: {}",
        v["waits"]
    );
    for g in v["resource_groups"].as_array().unwrap() {
        assert_eq!(g["peak_waiting"], 0, "{g}");
    }
    assert_eq!(
        figures(row(&v, "upstream", None)),
        [6, 7200, 1200, 1200, 1200, 2]
    );
    assert_eq!(
        figures(row(&v, "self_dependency", Some("sales_daily.load"))),
        [5, 7200, 1200, 2400, 2400, 1]
    );
    assert_eq!(
        figures(row(&v, "max_active_runs", None)),
        [4, 28_800, 6000, 10_800, 10_800, 4]
    );
    // 6 loads × 40 min × pool_slots 2 = 8 h of slot time on 4 slots over 4 h 20 min.
    let pool = &v["resource_groups"][0];
    assert_eq!(pool["busy_seconds"], 28_800);
    assert_eq!(pool["utilisation"], 0.4615);
}

/// `peak waiting` used to count instances that entered a queue and started in the
/// same instant, and credited a task-group wait to the worker group.
#[test]
fn run_text_no_longer_credits_task_group_waits_to_the_worker_group() {
    let (out, code) = run(&["run", DS]);
    assert_eq!(code, 0);
    let line = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in {out}"))
            .to_string()
    };
    assert!(line("default ").contains("peak waiting      0"), "{out}");
    assert!(
        line("mysql_export ").contains("peak waiting      4"),
        "{out}"
    );
    assert!(
        line("mysql_export ").contains("(71.2% of slots × makespan)"),
        "{out}"
    );
    let tg = line("task_group mysql_export");
    assert!(
        tg.contains(
            "10 instances  total 2h 46m 59s  p50 14m 24s  p95 29m 43s  max 29m 43s  peak queue 4"
        ),
        "{tg}"
    );
}

/// The timelines are step functions of the trace: `mysql_export` runs 2 and holds 4
/// at the end of 10:00:00; it never runs more than its 2 slots; the `default`
/// group's first point is 2 running (the two first extracts: 10:00:00).
#[test]
fn timelines_are_change_points_of_running_and_waiting() {
    let v = json(DS);
    let tl = v["timelines"].as_array().unwrap();
    let find = |kind: &str, name: Option<&str>| {
        tl.iter()
            .find(|t| t["kind"] == kind && t["name"].as_str() == name)
            .unwrap_or_else(|| panic!("no {kind} timeline"))
    };
    let tg = find("task_group", Some("mysql_export"));
    assert_eq!(tg["capacity"], 2);
    assert_eq!(tg["bucket_seconds"], serde_json::Value::Null);
    let points = tg["points"].as_array().unwrap();
    assert_eq!(
        points[0],
        serde_json::json!(["2025-03-12T10:00:00+08:00", 2, 4])
    );
    assert!(points.iter().all(|p| p[1].as_u64().unwrap() <= 2));
    // Consecutive points differ: only changes are listed.
    let counts = |p: &serde_json::Value| (p[1].clone(), p[2].clone());
    assert!(points.windows(2).all(|w| counts(&w[0]) != counts(&w[1])));
    // The last change: the last extracts end, nothing runs or waits.
    assert_eq!(
        counts(points.last().unwrap()),
        (serde_json::json!(0), serde_json::json!(0))
    );
    let default = find("resource_group", Some("default"));
    assert_eq!(
        default["points"][0],
        serde_json::json!(["2025-03-12T10:00:00+08:00", 2, 0])
    );
    // Upstream has no capacity: running is null.
    let up = find("upstream", None);
    assert_eq!(up["capacity"], serde_json::Value::Null);
    assert_eq!(up["points"][0][1], serde_json::Value::Null);
}

/// The HTML report draws the waits table and one step chart per constraint.
#[test]
fn the_report_has_the_waits_table_and_a_timeline_chart_per_constraint() {
    let dir = std::env::temp_dir().join(format!("schedsim-waits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("r.html");
    let (_, code) = run(&["run", DS, "--report", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(html.contains("<h2>Waits</h2>"));
    assert!(html.contains("<td>task_group</td><td>mysql_export</td><td>10</td>"));
    for (kind, name) in [
        ("resource_group", "default"),
        ("task_group", "mysql_export"),
        ("date_parallelism", ""),
        ("upstream", ""),
    ] {
        let svg = format!("<svg class=\"tl\" data-kind=\"{kind}\" data-name=\"{name}\"");
        let at = html.find(&svg).unwrap_or_else(|| panic!("no chart {svg}"));
        let chart = &html[at..at + html[at..].find("</svg>").unwrap()];
        assert!(chart.contains("<path class=\"wait\""), "{chart}");
        if kind != "upstream" {
            assert!(chart.contains("<path class=\"run\""), "{chart}");
        }
    }
    // Self-contained: an inline script, nothing fetched or linked away.
    assert!(!html.contains("src=") && !html.contains("href=\"http"));
}

/// A model file in a fresh temporary directory.
fn model_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-waits-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

const LIMITS: &str = r#"[model]
name = "limits"
profile = "airflow"
timezone = "UTC"

[[resource_group]]
name = "p"
slots = 2

[[workflow]]
name = "d"
cron = "0 3 * * *"
max_active_tasks = 1
  [[workflow.task]]
  name = "x"
  resource_group = "p"
  duration = "30m"
  [[workflow.task]]
  name = "y"
  resource_group = "p"
  duration = "30m"

[[workflow]]
name = "e"
cron = "0 3 * * *"
  [[workflow.task]]
  name = "z"
  resource_group = "p"
  pool_slots = 2
  duration = "30m"

[[scenario]]
name = "one-date"
start = "2025-03-10T12:00:00"
  [[scenario.backfill]]
  targets = ["d", "e"]
  from = "2025-03-01T03:00:00"
  to = "2025-03-01T03:00:00"
"#;

/// Pool `p` has 2 slots; DAG `d` (x, y) allows one task at a time; `e.z` takes both
/// slots. From the trace: at 12:00 x starts (1 slot); y would fit the pool but `d`
/// runs its max_active_tasks, z needs 2 slots and 1 is free. At 12:30 x ends, y
/// starts (1 slot), z still finds 1 free; at 13:00 y ends and z starts. So
/// max_active_tasks d holds y 30 min, pool p holds z 60 min.
#[test]
fn pool_slots_and_max_active_tasks_hold_what_they_hold() {
    let path = model_file("limits", LIMITS);
    let v = json(path.to_str().unwrap());
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    let waits = v["waits"].as_array().unwrap();
    assert_eq!(waits.len(), 2, "{}", v["waits"]);
    assert_eq!(
        figures(row(&v, "pool", Some("p"))),
        [1, 3600, 3600, 3600, 3600, 1]
    );
    assert_eq!(
        figures(row(&v, "max_active_tasks", Some("d"))),
        [1, 1800, 1800, 1800, 1800, 1]
    );
    // The pool's peak_waiting is z alone: y was held by its DAG, not the pool.
    assert_eq!(v["resource_groups"][0]["peak_waiting"], 1);
    // x 12:00-12:30 and y 12:30-13:00 on 1 slot, z 13:00-13:30 on 2: 30 + 30 + 60 =
    // 120 slot-minutes of 2 × 90; at 12:30 the pool still runs 1 and holds z, so its
    // timeline has no point there.
    assert_eq!(v["resource_groups"][0]["busy_seconds"], 7200);
    assert_eq!(v["resource_groups"][0]["utilisation"], 0.6667);
    let tl = v["timelines"].as_array().unwrap();
    let pool = tl.iter().find(|t| t["kind"] == "pool").unwrap();
    assert_eq!(
        pool["points"],
        serde_json::json!([
            ["2025-03-10T12:00:00+00:00", 1, 1],
            ["2025-03-10T13:00:00+00:00", 2, 0],
            ["2025-03-10T13:30:00+00:00", 0, 0]
        ])
    );
}

const NIGHTLY: &str = r#"[model]
name = "nightly"
profile = "dataworks"
timezone = "Asia/Shanghai"

[[resource_group]]
name = "g"
slots = 1

[[workflow]]
name = "w"
  [[workflow.task]]
  name = "a"
  cron = "00 00 02 * * ?"
  resource_group = "g"
  duration = "10m"
  [[workflow.task]]
  name = "b"
  cron = "00 00 02 * * ?"
  resource_group = "g"
  duration = "10m"

[[scenario]]
name = "queue"
start = "2025-03-10T00:00:00"
until = "2025-03-10T23:59:00"
recurring = true

[[scenario]]
name = "freeze"
start = "2025-03-10T00:00:00"
until = "2025-03-10T23:59:00"
recurring = true
  [[scenario.operation]]
  at = "2025-03-10T01:00:00"
  kind = "freeze"
  task = "w.b"
  scheduled = "2025-03-10T02:00:00"
  [[scenario.operation]]
  at = "2025-03-10T03:00:00"
  kind = "unfreeze"
  task = "w.b"
  scheduled = "2025-03-10T02:00:00"
"#;

/// DataWorks' recurring day: both tasks are created at 00:00 and wait for 02:00
/// (2 h each); at 02:00 one slot: a runs 02:00-02:10, b waits 10 min for group `g`.
/// With b frozen from 01:00 to 03:00: b waited 1 h for its time and 2 h frozen, and
/// found the slot free at 03:00.
#[test]
fn time_and_frozen_waits() {
    let path = model_file("nightly", NIGHTLY);
    let p = path.to_str().unwrap();
    let (out, _) = run(&["run", p, "--scenario", "queue", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        figures(row(&v, "time", None)),
        [2, 14_400, 7200, 7200, 7200, 2]
    );
    assert_eq!(
        figures(row(&v, "resource_group", Some("g"))),
        [1, 600, 600, 600, 600, 1]
    );
    let (out, _) = run(&["run", p, "--scenario", "freeze", "--format", "json"]);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // a: 2 h; b: 1 h. Sorted 3600, 7200: p50 3600, p95 7200.
    assert_eq!(
        figures(row(&v, "time", None)),
        [2, 10_800, 3600, 7200, 7200, 2]
    );
    assert_eq!(
        figures(row(&v, "frozen", None)),
        [1, 7200, 7200, 7200, 7200, 1]
    );
    assert!(
        v["waits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["kind"] != "resource_group")
    );
}

/// README's waits example is what `run` prints.
#[test]
fn readme_waits_example_is_what_run_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let (out, _) = run(&["run", DS]);
    let from = out.find("resource groups:").unwrap();
    let to = out.find("partitions:").unwrap();
    assert!(
        readme.contains(&out[from..to]),
        "README lacks:\n{}",
        &out[from..to]
    );
}
