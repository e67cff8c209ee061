//! Conformance of Airflow's other timetables: catchup on and off, start and end dates,
//! delta schedules (timedelta and relativedelta), @once, CronTriggerTimetable(interval=),
//! MultipleCronTriggerTimetable and the data interval of a manual run, captured from
//! Airflow 3.3.2 by tests/conformance/airflow_capture.py (capture.sh) and compared with
//! `calendar::timetable` case by case.

use jiff::Timestamp;
use schedsim::calendar::schedule::rfc3339;
use schedsim::calendar::timetable::{Delta, Kind, Timetable};
use schedsim::calendar::{CronExpr, LAST_INSTANT, Schedule};
use schedsim::rules::{DsVersion, Profile, Rules};
use serde_json::Value;

fn instant(rfc: &str) -> i64 {
    rfc.parse::<Timestamp>().expect("RFC 3339").as_second()
}

fn delta(v: &Value) -> Option<Delta> {
    v.as_object().map(|o| Delta {
        months: o["months"].as_i64().unwrap() as i32,
        seconds: o["seconds"].as_i64().unwrap(),
    })
}

fn schedule(expr: &str, tz: &str) -> Schedule {
    let rules = Rules::preset(Profile::Airflow, DsVersion::V3_2);
    Schedule {
        expr: CronExpr::parse(expr, rules.cron_dialect).unwrap(),
        tz: schedsim::model::tzdb().get(tz).unwrap(),
        gap: rules.dst_gap,
        fold: rules.dst_fold,
        stepping: rules.cron_stepping,
    }
}

fn timetable(case: &Value) -> Timetable {
    let tz = case["tz"].as_str().unwrap();
    let exprs = || -> Vec<Schedule> {
        case["exprs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| schedule(e.as_str().unwrap(), tz))
            .collect()
    };
    let kind_name = case["timetable"].as_str().unwrap();
    let kind = match kind_name {
        "cron_trigger" | "cron_interval" => Kind::Cron(exprs().remove(0)),
        "crons" => Kind::Crons(exprs()),
        "delta_trigger" | "delta_interval" => Kind::Delta(delta(&case["delta"]).unwrap()),
        _ => Kind::Once,
    };
    Timetable {
        kind,
        data_interval: kind_name.ends_with("_interval"),
        interval: delta(&case["interval"]).unwrap_or(Delta::seconds(0)),
        start: Some(instant(case["start_date"].as_str().unwrap())),
        end: case["end_date"].as_str().map(instant),
        catchup: case["catchup"].as_bool().unwrap_or(true),
        tz: schedsim::model::tzdb().get(tz).unwrap(),
    }
}

#[test]
fn airflow_3_3_2_timetables() {
    let text = include_str!("conformance/airflow-3.3.2-timetables.jsonl");
    let cases: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(cases.len() > 1000, "{} cases", cases.len());
    let mut failures = Vec::new();
    let mut modes = std::collections::BTreeMap::<String, usize>::new();
    for case in &cases {
        let t = timetable(case);
        let mode = case["mode"].as_str().unwrap();
        *modes.entry(mode.to_string()).or_default() += 1;
        let show = |v: &[(i64, i64)]| {
            v.iter()
                .map(|(a, b)| format!("{} {}", rfc3339(&t.tz, *a), rfc3339(&t.tz, *b)))
                .collect::<Vec<_>>()
        };
        if mode == "manual" {
            let at = instant(case["run_after"].as_str().unwrap());
            let theirs = (
                instant(case["interval_start"].as_str().unwrap()),
                instant(case["interval_end"].as_str().unwrap()),
            );
            let ours = t.manual_interval(at);
            if ours != Some(theirs) {
                failures.push(format!("{case}\n  schedsim {:?}", ours.map(|o| show(&[o]))));
            }
            continue;
        }
        let runs = case["runs"].as_array().unwrap();
        let theirs: Vec<(i64, i64)> = runs
            .iter()
            .map(|r| {
                let r: Vec<i64> = r
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| instant(x.as_str().unwrap()))
                    .collect();
                // What schedsim's Tick keeps: the logical date is the data interval's
                // start, and a run may start at the interval's end.
                assert_eq!((r[0], r[1]), (r[2], r[3]), "{case}");
                (r[0], r[1])
            })
            .collect();
        let ticks = if mode == "backfill" {
            t.backfill(t.start.unwrap(), t.end.unwrap(), 12)
        } else {
            let now = instant(case["now"].as_str().unwrap());
            t.recurring(now, LAST_INSTANT, 12)
        };
        let ours: Vec<(i64, i64)> = ticks.iter().map(|k| (k.at, k.run_after)).collect();
        if ours != theirs {
            failures.push(format!(
                "{} {} {} {mode} catchup {} now {} end {}:\n  airflow  {:?}\n  schedsim {:?}",
                case["timetable"],
                case["exprs"],
                case["tz"],
                case["catchup"],
                case["now"],
                case["end_date"],
                show(&theirs),
                show(&ours)
            ));
        }
    }
    assert_eq!(modes.len(), 3, "{modes:?}");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
