//! Instance planning, pinned to the worked examples of the research notes
//! (DW §6 B1–B13 and §10, DS §1.2, AF §1.4).

use jiff::civil::{Time, date};
use schedsim::calendar::schedule::rfc3339;
use schedsim::model::{DateOrTime, Model, Target, TaskId, load_str};
use schedsim::plan::{Kind, PlanError, Request, plan};

fn model(
    profile: &str,
    tz: &str,
    workflow_cron: Option<&str>,
    task_cron: Option<&str>,
    extra: &str,
) -> Model {
    let wcron = workflow_cron
        .map(|c| format!("cron = \"{c}\"\n"))
        .unwrap_or_default();
    let tcron = task_cron
        .map(|c| format!("  cron = \"{c}\"\n"))
        .unwrap_or_default();
    let text = format!(
        "[model]\nname = \"m\"\nprofile = \"{profile}\"\ntimezone = \"{tz}\"\n\n[[workflow]]\nname = \"w\"\n{wcron}  [[workflow.task]]\n  name = \"t\"\n{tcron}{extra}"
    );
    load_str("m.toml", &text).unwrap_or_else(|d| panic!("{}", d.render()))
}

fn dw(cron: &str) -> Model {
    model("dataworks", "Asia/Shanghai", None, Some(cron), "")
}

fn req(from: DateOrTime, to: DateOrTime) -> Request {
    Request {
        targets: vec![Target::Task(TaskId(0))],
        downstream: false,
        from,
        to,
        window: None,
        now: None,
        max_instances: 50_000_000,
    }
}

fn d(y: i16, m: i8, day: i8) -> DateOrTime {
    DateOrTime::Date(date(y, m, day))
}

fn t(y: i16, m: i8, day: i8, h: i8, min: i8) -> DateOrTime {
    DateOrTime::DateTime(date(y, m, day).at(h, min, 0, 0))
}

fn window(a: (i8, i8), b: (i8, i8)) -> Option<(Time, Time)> {
    Some((
        Time::new(a.0, a.1, 0, 0).unwrap(),
        Time::new(b.0, b.1, 0, 0).unwrap(),
    ))
}

fn scheduled(m: &Model, r: &Request) -> Vec<String> {
    plan(m, r)
        .unwrap()
        .iter()
        .map(|i| rfc3339(&m.timezone, i.scheduled))
        .collect()
}

#[test]
fn dw_b1_hourly_window_both_ends_gives_two() {
    let m = dw("00 00 00-23/1 * * ?");
    let r = Request {
        window: window((0, 0), (1, 0)),
        ..req(d(2025, 3, 1), d(2025, 3, 1))
    };
    assert_eq!(
        scheduled(&m, &r),
        ["2025-03-02T00:00:00+08:00", "2025-03-02T01:00:00+08:00"]
    );
}

#[test]
fn dw_b2_every_30_minutes_window_gives_three() {
    let m = dw("00 00/30 * * * ?");
    let r = Request {
        window: window((0, 0), (1, 0)),
        ..req(d(2025, 3, 1), d(2025, 3, 1))
    };
    assert_eq!(scheduled(&m, &r).len(), 3);
}

#[test]
fn dw_b3_window_without_a_scheduled_time_is_an_error() {
    let m = dw("00 00 00-23/1 * * ?");
    let r = Request {
        window: window((0, 10), (0, 50)),
        ..req(d(2025, 3, 1), d(2025, 3, 1))
    };
    let e = plan(&m, &r).unwrap_err();
    assert_eq!(e, PlanError::OutsideWindow { task: "w.t".into() });
    assert!(
        e.to_string()
            .contains("outside the selected business time range")
    );
}

#[test]
fn dw_b4_two_dates_two_each() {
    let m = dw("00 00 00-23/1 * * ?");
    let r = Request {
        window: window((0, 0), (1, 0)),
        ..req(d(2020, 5, 20), d(2020, 5, 21))
    };
    assert_eq!(scheduled(&m, &r).len(), 4);
}

#[test]
fn dw_b5_business_date_is_the_day_before_the_scheduled_time() {
    let m = dw("00 00 00 * * ?");
    let p = plan(&m, &req(d(2025, 3, 15), d(2025, 3, 15))).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        rfc3339(&m.timezone, p[0].scheduled),
        "2025-03-16T00:00:00+08:00"
    );
    assert_eq!(p[0].date, "2025-03-15");
}

#[test]
fn dw_hourly_and_minutely_counts() {
    // §10 cases 1-4.
    assert_eq!(
        scheduled(
            &dw("00 00 00-03/1 * * ?"),
            &req(d(2025, 3, 1), d(2025, 3, 1))
        )
        .len(),
        4
    );
    let six = scheduled(
        &dw("00 00 00-23/6 * * ?"),
        &req(d(2025, 3, 1), d(2025, 3, 1)),
    );
    assert_eq!(
        six,
        [
            "2025-03-02T00:00:00+08:00",
            "2025-03-02T06:00:00+08:00",
            "2025-03-02T12:00:00+08:00",
            "2025-03-02T18:00:00+08:00"
        ]
    );
    assert_eq!(
        scheduled(
            &dw("00 00 00-23/1 * * ?"),
            &req(d(2025, 3, 1), d(2025, 3, 1))
        )
        .len(),
        24
    );
    assert_eq!(
        scheduled(&dw("00 00/30 * * * ?"), &req(d(2025, 3, 1), d(2025, 3, 1))).len(),
        48
    );
}

#[test]
fn dw_b11_b12_monthly_node_runs_on_the_day_before_its_date_and_dry_runs_otherwise() {
    let m = dw("00 00 00 1 * ?");
    let run = plan(&m, &req(d(2024, 1, 31), d(2024, 1, 31))).unwrap();
    assert_eq!((run.len(), run[0].kind), (1, Kind::Run));
    assert_eq!(
        rfc3339(&m.timezone, run[0].scheduled),
        "2024-02-01T00:00:00+08:00"
    );
    let dry = plan(&m, &req(d(2024, 1, 15), d(2024, 1, 15))).unwrap();
    assert_eq!((dry.len(), dry[0].kind), (1, Kind::DryRun));
}

#[test]
fn dw_b13_weekly_monday_node() {
    // DataWorks numbers Monday 1. 2025-03-09 is a Sunday.
    let m = dw("00 00 02 ? * 1");
    assert_eq!(
        plan(&m, &req(d(2025, 3, 9), d(2025, 3, 9))).unwrap()[0].kind,
        Kind::Run
    );
    assert_eq!(
        plan(&m, &req(d(2025, 3, 10), d(2025, 3, 10))).unwrap()[0].kind,
        Kind::DryRun
    );
}

#[test]
fn dw_weekly_node_has_an_instance_every_day() {
    // §10 case 5: Monday and Friday run, the other five days dry-run.
    let m = dw("00 00 02 ? * 1,5");
    let p = plan(&m, &req(d(2025, 3, 2), d(2025, 3, 8))).unwrap();
    assert_eq!(p.len(), 7);
    assert_eq!(p.iter().filter(|i| i.kind == Kind::Run).count(), 2);
}

#[test]
fn dw_no_instance_outside_the_effective_period() {
    let m = model(
        "dataworks",
        "UTC",
        None,
        Some("00 00 02 * * ?"),
        "  effective = { from = \"2025-03-03\", to = \"2025-03-04\" }\n",
    );
    let p = plan(&m, &req(d(2025, 3, 1), d(2025, 3, 6))).unwrap();
    let dates: Vec<&str> = p.iter().map(|i| i.date.as_str()).collect();
    assert_eq!(dates, ["2025-03-03", "2025-03-04"]);
}

#[test]
fn dw_backfill_takes_business_dates() {
    let m = dw("00 00 02 * * ?");
    assert_eq!(
        plan(&m, &req(t(2025, 3, 1, 0, 0), d(2025, 3, 2))),
        Err(PlanError::NeedsDates)
    );
}

fn ds(cron: Option<&str>) -> Model {
    model("dolphinscheduler", "Asia/Shanghai", cron, None, "")
}

#[test]
fn ds_start_equal_to_end_is_one_date_without_the_cron() {
    let m = ds(Some("0 0 2 * * ? *"));
    assert_eq!(
        scheduled(&m, &req(t(2025, 3, 5, 10, 0), t(2025, 3, 5, 10, 0))),
        ["2025-03-05T10:00:00+08:00"]
    );
}

#[test]
fn ds_default_cron_is_daily_at_midnight_both_ends_included() {
    let m = ds(None);
    assert_eq!(
        scheduled(&m, &req(t(2025, 7, 7, 0, 0), t(2025, 7, 10, 0, 0))).len(),
        4
    );
    assert_eq!(
        scheduled(&m, &req(t(2025, 7, 7, 10, 0), t(2025, 7, 10, 10, 0))),
        [
            "2025-07-08T00:00:00+08:00",
            "2025-07-09T00:00:00+08:00",
            "2025-07-10T00:00:00+08:00"
        ]
    );
    // WorkflowBackfillTestCase: 2024-08-11..14 00:00 gives 4 instances.
    assert_eq!(
        scheduled(&m, &req(t(2024, 8, 11, 0, 0), t(2024, 8, 14, 0, 0))).len(),
        4
    );
}

fn af(cron: &str, rules: &str) -> Model {
    let text = format!(
        "[model]\nname = \"m\"\nprofile = \"airflow\"\n{rules}\n[[workflow]]\nname = \"w\"\ncron = \"{cron}\"\n  [[workflow.task]]\n  name = \"t\"\n"
    );
    load_str("m.toml", &text).unwrap_or_else(|d| panic!("{}", d.render()))
}

#[test]
fn af_backfill_counts() {
    // test_create_backfill_simple: @daily 2021-01-01..05 gives 5 runs.
    assert_eq!(
        scheduled(&af("@daily", ""), &req(d(2021, 1, 1), d(2021, 1, 5))).len(),
        5
    );
    let hourly = af("0 * * * *", "");
    assert_eq!(
        scheduled(&hourly, &req(t(2025, 3, 1, 0, 0), t(2025, 3, 1, 5, 0))).len(),
        6
    );
    assert_eq!(
        scheduled(&hourly, &req(t(2025, 3, 1, 0, 0), d(2025, 3, 2))).len(),
        25
    );
    // Unaligned bounds snap inward.
    let daily = scheduled(&af("@daily", ""), &req(t(2025, 3, 1, 12, 0), d(2025, 3, 5)));
    assert_eq!(
        daily,
        [
            "2025-03-02T00:00:00+00:00",
            "2025-03-03T00:00:00+00:00",
            "2025-03-04T00:00:00+00:00",
            "2025-03-05T00:00:00+00:00"
        ]
    );
}

#[test]
fn af_runs_not_yet_due_are_not_created() {
    // to = today, now = today 10:00: the interval timetable leaves out today's logical
    // date (its interval ends tomorrow) and keeps yesterday; the trigger timetable keeps today.
    let now = Some(schedsim::calendar::schedule::local_to_instant(
        &jiff::tz::TimeZone::UTC,
        date(2025, 3, 10).at(10, 0, 0, 0),
    ));
    let trigger = af("@daily", "");
    let r = Request {
        now,
        ..req(d(2025, 3, 8), d(2025, 3, 10))
    };
    assert_eq!(scheduled(&trigger, &r).len(), 3);
    let interval = af("@daily", "[rules]\ntimetable = \"interval\"\n");
    let runs = plan(&interval, &r).unwrap();
    let logical: Vec<String> = runs
        .iter()
        .map(|i| rfc3339(&interval.timezone, i.scheduled))
        .collect();
    assert_eq!(
        logical,
        ["2025-03-08T00:00:00+00:00", "2025-03-09T00:00:00+00:00"]
    );
    assert_eq!(
        rfc3339(&interval.timezone, runs[1].run_after),
        "2025-03-10T00:00:00+00:00"
    );
}

#[test]
fn a_ten_year_minutely_range_is_refused_before_anything_is_generated() {
    let m = af("* * * * *", "");
    let r = Request {
        max_instances: 1_000_000,
        ..req(d(2015, 1, 1), d(2025, 1, 1))
    };
    // The bound is (days between the dates + 2) × fires per day: 3653 days, 1440 a day.
    let e = plan(&m, &r).unwrap_err();
    assert_eq!(
        e,
        PlanError::TooMany {
            at_most: (3653 + 2) * 1440,
            limit: 1_000_000
        }
    );
}
