//! Conformance with the real engines: fire times captured from Quartz 2.3.2 (the
//! dolphinscheduler profile) and from Airflow 3.3.2's timetables (the airflow profile)
//! by tests/conformance/capture.sh, compared with schedsim's calendar under each
//! profile's preset. Known, deliberate differences are listed in SEMANTICS.md and
//! checked here as such, so they cannot grow silently.

use jiff::Timestamp;
use schedsim::calendar::schedule::rfc3339;
use schedsim::calendar::{CronExpr, Schedule};
use schedsim::rules::{CronDialect, DsVersion, Profile, Rules, Timetable};
use serde_json::Value;

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn instant(rfc: &str) -> i64 {
    rfc.parse::<Timestamp>().expect("RFC 3339").as_second()
}

fn schedule(expr: &str, tz: &str, profile: Profile) -> Schedule {
    let rules = Rules::preset(profile, DsVersion::V3_2);
    Schedule {
        expr: CronExpr::parse(expr, rules.cron_dialect).unwrap_or_else(|e| panic!("{expr}: {e:?}")),
        tz: schedsim::model::tzdb().get(tz).unwrap(),
        gap: rules.dst_gap,
        fold: rules.dst_fold,
        stepping: rules.cron_stepping,
    }
}

const FAR: i64 = 200 * 366 * 86_400;

/// A case the engine rejected: schedsim must reject the expression too.
fn rejected(case: &Value, dialect: CronDialect, engine: &str, failures: &mut Vec<String>) -> bool {
    let Some(error) = case.get("error") else {
        return false;
    };
    let expr = case["expr"].as_str().unwrap();
    if CronExpr::parse(expr, dialect).is_ok() {
        failures.push(format!(
            "{expr}: {engine} rejects it ({error}), schedsim accepts it"
        ));
    }
    true
}

/// Expressions Quartz 2.3.2 accepts and the dolphinscheduler profile refuses on
/// purpose, because DolphinScheduler's own validator (cron-utils 9.1.6, Quartz
/// definition, `CronUtils.isValidExpression`) refuses them and the API will not save
/// such a schedule. Each is in SEMANTICS.md's table of divergences; the words are
/// part of schedsim's refusal.
const REFUSED_BY_DOLPHINSCHEDULER: &[(&str, &str)] = &[
    // `withYear().withValidRange(1970, 2099).withStrictRange()`
    ("0 0 0 * * ? 2300", "expected 1970 to 2099"),
    // `L-` then a number: `parseOnWithL` cannot read `2W`
    ("0 0 0 L-2W * ?", "refused by DolphinScheduler's validator"),
    // `isPeriodInRange` on every step; Quartz checks only `*/n` and `a/n`
    (
        "0 0 0-23/30 * * ?",
        "DolphinScheduler's validator (cron-utils) refuses it",
    ),
];

/// Every expression Quartz 2.3.2 refuses, schedsim refuses; every one it accepts,
/// schedsim accepts, except the listed divergences, which it refuses with their reason.
#[test]
fn quartz_2_3_2_refusals() {
    let cases = lines(include_str!("conformance/quartz-2.3.2.jsonl"));
    let mut failures = Vec::new();
    let mut refused = 0;
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        let ours = CronExpr::parse(expr, CronDialect::Quartz);
        let listed = REFUSED_BY_DOLPHINSCHEDULER.iter().find(|(e, _)| *e == expr);
        match (case.get("error"), ours, listed) {
            (Some(_), Err(_), _) => refused += 1,
            (Some(error), Ok(_), _) => failures.push(format!(
                "{expr}: Quartz refuses it ({error}), schedsim accepts it"
            )),
            (None, Ok(_), None) => {}
            (None, Ok(_), Some(_)) => failures.push(format!(
                "{expr}: listed as refused by DolphinScheduler, schedsim accepts it"
            )),
            (None, Err(e), Some((_, words))) => {
                if !format!("{} {}", e.message, e.expected).contains(words) {
                    failures.push(format!("{expr}: refused, but not for `{words}`: {e:?}"));
                }
            }
            (None, Err(e), None) => failures.push(format!(
                "{expr}: Quartz accepts it, schedsim refuses it: {}",
                e.message
            )),
        }
    }
    for (expr, _) in REFUSED_BY_DOLPHINSCHEDULER {
        if !cases
            .iter()
            .any(|c| c["expr"] == *expr && c.get("error").is_none())
        {
            failures.push(format!(
                "{expr}: listed, but not captured as accepted by Quartz"
            ));
        }
    }
    // The step bounds, `W`/`L` in lists and the other refusals of the capture.
    assert!(refused >= 25, "{refused} refusals captured");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quartz_2_3_2() {
    let cases = lines(include_str!("conformance/quartz-2.3.2.jsonl"));
    assert!(cases.len() > 500);
    let mut failures = Vec::new();
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        // Refusals and the listed divergences: `quartz_2_3_2_refusals`.
        if case.get("error").is_some()
            || REFUSED_BY_DOLPHINSCHEDULER.iter().any(|(e, _)| *e == expr)
        {
            continue;
        }
        let tz = case["tz"].as_str().unwrap();
        let expected: Vec<i64> = case["fires"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| instant(f.as_str().unwrap()))
            .collect();
        let s = schedule(expr, tz, Profile::Dolphinscheduler);
        // getNextValidTimeAfter is strictly after.
        let after = instant(case["after"].as_str().unwrap());
        let got: Vec<i64> = s
            .fires(after + 1, after + FAR)
            .take(expected.len())
            .map(|f| f.at)
            .collect();
        if got != expected {
            let show = |v: &[i64]| v.iter().map(|t| rfc3339(&s.tz, *t)).collect::<Vec<_>>();
            failures.push(format!(
                "{expr} in {tz} after {}:\n  quartz   {:?}\n  schedsim {:?}",
                case["after"],
                show(&expected),
                show(&got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn airflow_3_3_2() {
    let cases = lines(include_str!("conformance/airflow-3.3.2.jsonl"));
    assert!(cases.len() > 500);
    let mut failures = Vec::new();
    for case in &cases {
        let expr = case["expr"].as_str().unwrap();
        if rejected(case, CronDialect::Unix, "Airflow", &mut failures) {
            continue;
        }
        let tz = case["tz"].as_str().unwrap();
        let runs = case["runs"].as_array().unwrap();
        let s = schedule(expr, tz, Profile::Airflow);
        let timetable = match case["timetable"].as_str().unwrap() {
            "trigger" => Timetable::Trigger,
            _ => Timetable::Interval,
        };
        // A backfill's first run is the first tick at or after `from`.
        let from = instant(case["from"].as_str().unwrap());
        let ours: Vec<(String, String)> = s
            .ticks(from, from + FAR, timetable, runs.len())
            .iter()
            .map(|t| (rfc3339(&s.tz, t.at), rfc3339(&s.tz, t.run_after)))
            .collect();
        let theirs: Vec<(String, String)> = runs
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap().to_string(),
                    r[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if ours != theirs {
            failures.push(format!(
                "{expr} in {tz} from {} ({}):\n  airflow  {theirs:?}\n  schedsim {ours:?}",
                case["from"], case["timetable"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
