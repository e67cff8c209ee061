//! `schedsim import airflow` of DAGs beyond one cron (tests/import/airflow/timetables/:
//! DAG files exported by tools/airflow_export.py): the timetable keys come through
//! (a timedelta or relativedelta schedule, @once, several crons, a trigger's data
//! interval, catchup, start and end dates), the model validates, and its recurring
//! schedule creates the runs the imported timetable does. Refused timetables name
//! their JSON path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/import/airflow/timetables")
        .join(rel)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-import-timetables-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const DAGS: [&str; 5] = [
    "daily_with_interval",
    "monthly_close",
    "one_shot",
    "refresh_every_3_days",
    "reports_two_crons",
];

/// Imports the given DAGs; returns the model's path and text (validated).
fn import(dags: &[&str], name: &str) -> (PathBuf, String) {
    let out = scratch(name).join("model.toml");
    let inputs: Vec<String> = dags
        .iter()
        .map(|d| {
            fixture(&format!("serialized/{d}.json"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["import", "airflow"];
    args.extend(inputs.iter().map(String::as_str));
    let o = out.display().to_string();
    args.extend(["-o", &o]);
    let r = run(&args);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let v = run(&["validate", &o]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    (out, text)
}

/// The `[[workflow]]` table of `dag` in the model text, up to its first task.
fn workflow<'a>(text: &'a str, dag: &str) -> &'a str {
    let start = text
        .find(&format!("[[workflow]]\nname = \"{dag}\""))
        .unwrap_or_else(|| panic!("{dag} in\n{text}"));
    let rest = &text[start..];
    &rest[..rest.find("[[workflow.task]]").unwrap()]
}

#[test]
fn timetable_keys_come_through_from_the_serialized_dags() {
    let (_, text) = import(&DAGS, "all");
    assert_eq!(
        workflow(&text, "refresh_every_3_days"),
        "[[workflow]]\nname = \"refresh_every_3_days\"\nschedule = \"3d\"\nstart_date = \"2025-03-01T00:00:00\"\n\n  "
    );
    assert!(workflow(&text, "monthly_close").contains("schedule = \"1mo\"\n"));
    assert!(workflow(&text, "monthly_close").contains("catchup = true\n"));
    // @once at 02:30 on the spring-forward day: Airflow stored 03:30 EDT.
    assert!(
        workflow(&text, "one_shot")
            .contains("schedule = \"@once\"\nstart_date = \"2025-03-09T03:30:00\"\n")
    );
    assert!(
        workflow(&text, "reports_two_crons").contains("cron = [\"0 1 * * *\", \"30 13 * * 5\"]\n")
    );
    let daily = workflow(&text, "daily_with_interval");
    for line in [
        "cron = \"0 2 * * *\"\n",
        "interval = \"1d\"\n",
        "end_date = \"2025-12-31T00:00:00\"\n",
        "catchup = true\n",
    ] {
        assert!(daily.contains(line), "{line} in\n{daily}");
    }
    // Airflow 3's default for a cron and a delta: the trigger timetables.
    assert!(text.contains("[rules]\ntimetable = \"trigger\"\n"));
}

#[test]
fn an_imported_delta_dag_with_catchup_off_runs_from_the_latest_tick() {
    let (path, text) = import(&["refresh_every_3_days"], "delta");
    // A recurring scenario from 2025-03-12T13:00 New York for a week.
    let model = format!(
        "{text}\n[[scenario]]\nname = \"week\"\nstart = \"2025-03-12T13:00:00\"\nuntil = \"2025-03-19T13:00:00\"\nrecurring = true\n"
    );
    let with = path.with_file_name("recurring.toml");
    std::fs::write(&with, model).unwrap();
    let o = run(&[
        "run",
        with.to_str().unwrap(),
        "--scenario",
        "week",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs: Vec<&str> = v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["scheduled"].as_str().unwrap())
        .collect();
    // DeltaTriggerTimetable without catchup: now, then every 3 days (not 03-01, 03-04...).
    assert_eq!(
        runs,
        [
            "2025-03-12T13:00:00-04:00",
            "2025-03-15T13:00:00-04:00",
            "2025-03-18T13:00:00-04:00"
        ]
    );
}

#[test]
fn asset_and_continuous_timetables_are_refused_at_their_path() {
    let src = std::fs::read_to_string(fixture("serialized/one_shot.json")).unwrap();
    let edited = src.replace(
        "airflow.timetables.simple.OnceTimetable",
        "airflow.timetables.simple.ContinuousTimetable",
    );
    assert_ne!(src, edited);
    let path = scratch("continuous").join("one_shot.json");
    std::fs::write(&path, edited).unwrap();
    let o = run(&["import", "airflow", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("$.dag.timetable.__type"), "{err}");
    assert!(err.contains("out of schedsim's scope"), "{err}");
}

#[test]
fn a_relativedelta_with_a_weekday_is_refused_at_its_path() {
    let src = std::fs::read_to_string(fixture("serialized/monthly_close.json")).unwrap();
    let edited = src.replace("\"months\": 1\n", "\"months\": 1, \"weekday\": 0\n");
    assert_ne!(src, edited, "the fixture's delta is written as expected");
    let path = scratch("weekday").join("monthly_close.json");
    std::fs::write(&path, edited).unwrap();
    let o = run(&["import", "airflow", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("$.dag.timetable.__var.delta.weekday"), "{err}");
}
