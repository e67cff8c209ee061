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
        dates: None,
        now: None,
        clip: None,
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
            limit: 1_000_000,
            counted: false,
        }
    );
    // Past what is cheap to list, the bound alone refuses, and says it is one.
    assert!(
        e.to_string()
            .contains("a bound counted before listing the runs"),
        "{e}"
    );
}

/// The bound counts the days around the business dates (a date's instances run the
/// next day): a plan of exactly `--max-instances` instances was refused with "up to"
/// a higher count (a newcomer's trial). The dates' instances are counted now.
#[test]
fn a_plan_of_exactly_max_instances_business_dates_is_accepted() {
    let m = dw_pair(("00 00 05 * * ?", false), ("00 00 06 * * ?", false));
    let at = |max_instances| Request {
        targets: vec![Target::Workflow(schedsim::model::WorkflowId(0))],
        max_instances,
        ..req(d(2025, 3, 1), d(2025, 3, 7))
    };
    assert_eq!(plan(&m, &at(14)).unwrap().len(), 14);
    match plan(&m, &at(13)).unwrap_err() {
        PlanError::TooMany {
            at_most,
            limit: 13,
            counted: true,
        } => assert!(at_most > 14, "{at_most}"),
        e => panic!("{e:?}"),
    }
}

/// Run times are listed and counted when the bound passes the limit but is cheap to
/// list: the bound of 2021-01-01..05 counts whole days around the range (7), the range
/// holds 5 runs, and `--max-instances 5` was refused.
#[test]
fn a_plan_of_exactly_max_instances_run_times_is_accepted() {
    let m = af("@daily", "");
    let at = |max_instances| Request {
        max_instances,
        ..req(d(2021, 1, 1), d(2021, 1, 5))
    };
    assert_eq!(plan(&m, &at(5)).unwrap().len(), 5);
    match plan(&m, &at(4)).unwrap_err() {
        PlanError::TooMany {
            at_most,
            limit: 4,
            counted: true,
        } => assert!(at_most > 5, "{at_most}"),
        e => panic!("{e:?}"),
    }
}

/// Two DataWorks tasks: `up` and `down` (on `up`), each with its cron and options.
fn dw_pair(up: (&str, bool), down: (&str, bool)) -> Model {
    let text = format!(
        "[model]\nname = \"m\"\nprofile = \"dataworks\"\ntimezone = \"Asia/Shanghai\"\n\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"up\"\n  cron = \"{}\"\n  self_dependency = {}\n  [[workflow.task]]\n  name = \"down\"\n  cron = \"{}\"\n  self_dependency = {}\n  upstream = [\"up\"]\n",
        up.0, up.1, down.0, down.1
    );
    load_str("m.toml", &text).unwrap_or_else(|d| panic!("{}", d.render()))
}

/// For each instance of `down` on one business date: its time of day and the times of
/// day of the `up` instances it waits for.
fn bindings(m: &Model) -> Vec<(String, Vec<String>)> {
    let r = Request {
        targets: vec![Target::Workflow(schedsim::model::WorkflowId(0))],
        ..req(d(2025, 3, 1), d(2025, 3, 1))
    };
    let p = plan(m, &r).unwrap();
    let hhmm = |i: usize| rfc3339(&m.timezone, p[i].scheduled)[11..16].to_string();
    p.iter()
        .enumerate()
        .filter(|(_, l)| l.task == TaskId(1))
        .map(|(i, l)| {
            let ups = l
                .waits_for
                .iter()
                .filter(|&&w| p[w as usize].task == TaskId(0))
                .map(|&w| hhmm(w as usize))
                .collect();
            (hhmm(i), ups)
        })
        .collect()
}

const HOURLY: &str = "00 00 00-23/1 * * ?";

#[test]
fn dw_case_12_daily_on_hourly_waits_for_all_24() {
    let b = bindings(&dw_pair((HOURLY, false), ("00 00 06 * * ?", false)));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].1.len(), 24);
    assert_eq!(b[0].1.last().map(String::as_str), Some("23:00"));
}

#[test]
fn dw_case_13_daily_on_self_dependent_hourly_waits_for_the_closest() {
    let b = bindings(&dw_pair((HOURLY, true), ("00 00 06 * * ?", false)));
    assert_eq!(b, [("06:00".to_string(), vec!["06:00".to_string()])]);
}

#[test]
fn dw_case_14_no_earlier_upstream_instance_binds_the_first() {
    let b = bindings(&dw_pair(
        ("00 00 01-23/1 * * ?", true),
        ("00 30 00 * * ?", false),
    ));
    assert_eq!(b, [("00:30".to_string(), vec!["01:00".to_string()])]);
}

#[test]
fn dw_case_15_first_hour_waits_for_the_last_of_the_previous_day_across_dates() {
    let m = model(
        "dataworks",
        "Asia/Shanghai",
        None,
        Some(HOURLY),
        "  self_dependency = true\n\n[rules]\nbackfill_self_dependency = \"across_dates\"\n",
    );
    let p = plan(&m, &req(d(2025, 3, 1), d(2025, 3, 2))).unwrap();
    assert_eq!(p.len(), 48);
    let first_of_second_day = &p[24];
    assert_eq!(first_of_second_day.date, "2025-03-02");
    assert_eq!(first_of_second_day.waits_for, [23]);
    assert_eq!(
        rfc3339(&m.timezone, p[23].scheduled),
        "2025-03-02T23:00:00+08:00"
    );
    // The preset binds self-dependency only within a business date (DW §6 rule 5).
    let within = model(
        "dataworks",
        "Asia/Shanghai",
        None,
        Some(HOURLY),
        "  self_dependency = true\n",
    );
    let p = plan(&within, &req(d(2025, 3, 1), d(2025, 3, 2))).unwrap();
    assert!(p[24].waits_for.is_empty());
    assert_eq!(p[25].waits_for, [24]);
}

#[test]
fn dw_case_16_half_hourly_on_hourly_shares_the_closest_earlier() {
    let b = bindings(&dw_pair((HOURLY, false), ("00 00/30 00-23 * * ?", false)));
    assert_eq!(b.len(), 48);
    let first: Vec<_> = b[..4]
        .iter()
        .map(|(d, u)| (d.as_str(), u.join(",")))
        .collect();
    assert_eq!(
        first,
        [
            ("00:00", "00:00".into()),
            ("00:30", "00:00".into()),
            ("01:00", "01:00".into()),
            ("01:30", "01:00".into())
        ]
    );
}

#[test]
fn dw_x2_daily_on_weekly_binds_the_dry_run_of_that_day() {
    // Weekly on Monday and Friday (DataWorks 1 = Monday); 2025-03-02 is a Sunday.
    let m = dw_pair(("00 00 05 ? * 1,5", false), ("00 00 06 * * ?", false));
    let r = Request {
        targets: vec![Target::Workflow(schedsim::model::WorkflowId(0))],
        ..req(d(2025, 3, 1), d(2025, 3, 7))
    };
    let p = plan(&m, &r).unwrap();
    let ups: Vec<&str> = p
        .iter()
        .filter(|l| l.task == TaskId(0))
        .map(|l| if l.kind == Kind::Run { "run" } else { "dry" })
        .collect();
    // Instances on 03-02 (Sun) .. 03-08 (Sat): runs on Monday 03-03 and Friday 03-07.
    assert_eq!(ups, ["dry", "run", "dry", "dry", "dry", "run", "dry"]);
    for l in p.iter().filter(|l| l.task == TaskId(1)) {
        assert_eq!(l.waits_for.len(), 1);
        assert_eq!(p[l.waits_for[0] as usize].date, l.date);
    }
}

#[test]
fn dw_d2_daily_node_in_the_gap_is_delayed_and_dry_run() {
    let m = model(
        "dataworks",
        "America/New_York",
        None,
        Some("00 30 02 * * ?"),
        "",
    );
    // Business date 2025-03-08: scheduled on 2025-03-09, the spring-forward day.
    let p = plan(&m, &req(d(2025, 3, 7), d(2025, 3, 9))).unwrap();
    let got: Vec<(String, Kind)> = p
        .iter()
        .map(|l| (rfc3339(&m.timezone, l.scheduled), l.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("2025-03-08T02:30:00-05:00".to_string(), Kind::Run),
            ("2025-03-09T03:30:00-04:00".to_string(), Kind::DryRun),
            ("2025-03-10T02:30:00-04:00".to_string(), Kind::Run),
        ]
    );
}

/// A DataWorks node in Europe/Berlin (clocks go forward on 2025-03-30, back on
/// 2025-10-26, both at 02:00 as in DW §2's page) that writes `partition`: each
/// instance of business date `bd` with its scheduled time, kind and partition.
fn dw_dst(cron: &str, partition: &str, bd: DateOrTime) -> Vec<(String, Kind, String)> {
    let writes = format!(
        "  writes = [ {{ table = \"t\", partition = \"{partition}\", mode = \"overwrite\" }} ]\n"
    );
    let m = model("dataworks", "Europe/Berlin", None, Some(cron), &writes);
    plan(&m, &req(bd, bd))
        .unwrap()
        .iter()
        .map(|l| {
            let p = schedsim::plan::partitions(&m, &l.instance(), l.unit, l.scheduled).unwrap();
            (
                rfc3339(&m.timezone, l.scheduled),
                l.kind,
                p[0].0.partition.clone(),
            )
        })
        .collect()
}

#[test]
fn dw_d1_spring_forward_hourly_node_has_23_instances_and_none_at_0200() {
    let day = dw_dst(HOURLY, "h=$[hh24]", d(2025, 3, 29));
    assert_eq!(day.len(), 23);
    assert!(day.iter().all(|(_, k, h)| *k == Kind::Run && h != "h=02"));
    // "The fourth instance" (counted from 0): 04:00 on a normal day, 05:00 on this one.
    assert_eq!(day[4].0, "2025-03-30T05:00:00+02:00");
    assert_eq!(
        dw_dst(HOURLY, "h=$[hh24]", d(2025, 3, 28))[4].0,
        "2025-03-29T04:00:00+01:00"
    );
}

#[test]
fn dw_d3_spring_forward_0300_node_one_hour_back_is_0100() {
    let p = "p=$[hh24-1/24]";
    assert_eq!(dw_dst("00 00 03 * * ?", p, d(2025, 3, 28))[0].2, "p=02");
    let day = &dw_dst("00 00 03 * * ?", p, d(2025, 3, 29))[0];
    assert_eq!(day.0, "2025-03-30T03:00:00+02:00");
    assert_eq!(day.2, "p=01");
}

#[test]
fn dw_d4_spring_forward_0200_node_dry_runs_and_one_hour_back_is_0100() {
    let day = &dw_dst("00 00 02 * * ?", "p=$[hh24-1/24]", d(2025, 3, 29))[0];
    assert_eq!(
        day,
        &(
            "2025-03-30T03:00:00+02:00".to_string(),
            Kind::DryRun,
            "p=01".to_string()
        )
    );
}

#[test]
fn dw_d5_fall_back_hourly_node_has_24_instances_and_keeps_the_second_0200() {
    let day = dw_dst(HOURLY, "h=$[hh24]", d(2025, 10, 25));
    assert_eq!(day.len(), 24);
    let at_two: Vec<&str> = day
        .iter()
        .filter(|(_, _, h)| h == "h=02")
        .map(|(t, _, _)| t.as_str())
        .collect();
    assert_eq!(at_two, ["2025-10-26T02:00:00+01:00"]);
}

#[test]
fn dw_d6_fall_back_0300_node_two_hours_back_is_0200() {
    let p = "q=$[hh24-2/24]";
    assert_eq!(dw_dst("00 00 03 * * ?", p, d(2025, 10, 24))[0].2, "q=01");
    assert_eq!(dw_dst("00 00 03 * * ?", p, d(2025, 10, 25))[0].2, "q=02");
}

#[test]
fn dw_d7_fall_back_0200_node_one_hour_back_is_0200() {
    let p = "p=$[hh24-1/24]";
    assert_eq!(dw_dst("00 00 02 * * ?", p, d(2025, 10, 24))[0].2, "p=01");
    let day = &dw_dst("00 00 02 * * ?", p, d(2025, 10, 25))[0];
    assert_eq!(day.0, "2025-10-26T02:00:00+01:00");
    assert_eq!(day.2, "p=02");
}

#[test]
fn dw_d8_ten_minutes_before_is_counted_on_the_clock() {
    let p = "m=$[hh24mi-10/24/60]";
    assert_eq!(dw_dst("00 00 03 * * ?", p, d(2025, 3, 29))[0].2, "m=0150");
    assert_eq!(dw_dst("00 00 02 * * ?", p, d(2025, 10, 25))[0].2, "m=0250");
}

#[test]
fn dw_day_offsets_stay_on_the_calendar_across_a_dst_change() {
    // Scheduled 2025-03-31 00:30, the day after spring-forward (a 23-hour day): a day
    // back is the business date, not 24 hours back (03-29 23:30).
    let p = "a=$[yyyymmdd-1],b=${yyyymmdd},c=$[yyyymmddhh24mi-1-1/24]";
    assert_eq!(
        dw_dst("00 30 00 * * ?", p, d(2025, 3, 30))[0].2,
        "a=20250330,b=20250330,c=202503292330"
    );
}

#[test]
fn ds_same_workflow_tasks_pair_by_run() {
    let text = "[model]\nname = \"m\"\nprofile = \"dolphinscheduler\"\n\n[[workflow]]\nname = \"w\"\ncron = \"0 0 * * * ? *\"\n  [[workflow.task]]\n  name = \"a\"\n  [[workflow.task]]\n  name = \"b\"\n  upstream = [\"a\"]\n";
    let m = load_str("m.toml", text).unwrap();
    let r = Request {
        targets: vec![Target::Workflow(schedsim::model::WorkflowId(0))],
        ..req(t(2025, 3, 1, 0, 0), t(2025, 3, 1, 5, 0))
    };
    let p = plan(&m, &r).unwrap();
    assert_eq!(p.len(), 12);
    for (i, l) in p.iter().enumerate() {
        if l.task == TaskId(1) {
            assert_eq!(l.waits_for, [i as u32 - 1]);
            assert_eq!(p[i - 1].scheduled, l.scheduled);
        } else {
            assert!(l.waits_for.is_empty());
        }
    }
}

#[test]
fn dw_case_7_yearly_first_and_last_day_of_jan_apr_jul_oct_runs_8_days() {
    // DW §10 case 7: an instance every day of the year, 8 of them runs.
    let m = dw("00 00 03 1,L 1,4,7,10 ?");
    let p = plan(&m, &req(d(2024, 12, 31), d(2025, 12, 30))).unwrap();
    assert_eq!(p.len(), 365);
    let runs: Vec<String> = p
        .iter()
        .filter(|l| l.kind == Kind::Run)
        .map(|l| rfc3339(&m.timezone, l.scheduled)[..10].to_string())
        .collect();
    assert_eq!(
        runs,
        [
            "2025-01-01",
            "2025-01-31",
            "2025-04-01",
            "2025-04-30",
            "2025-07-01",
            "2025-07-31",
            "2025-10-01",
            "2025-10-31"
        ]
    );
}

#[test]
fn ds_explicit_dates_replace_the_range_without_the_cron_duplicates_dropped() {
    let m = model(
        "dolphinscheduler",
        "Asia/Shanghai",
        Some("0 0 2 * * ? *"),
        None,
        "",
    );
    let at = |d: i8, h: i8| date(2025, 3, d).at(h, 0, 0, 0);
    let r = Request {
        targets: vec![Target::Workflow(schedsim::model::WorkflowId(0))],
        dates: Some(
            schedsim::model::complement_dates([at(5, 7), at(1, 2), at(5, 7), at(3, 23)]).unwrap(),
        ),
        ..req(t(2025, 3, 1, 2, 0), t(2025, 3, 5, 7, 0))
    };
    // 07:00 and 23:00 are not fire times of the cron: the list is used as given.
    assert_eq!(
        scheduled(&m, &r),
        [
            "2025-03-01T02:00:00+08:00",
            "2025-03-03T23:00:00+08:00",
            "2025-03-05T07:00:00+08:00"
        ]
    );
    let hundred_and_one =
        (0..101).map(|k| date(2025, 1, 1).at(0, 0, 0, 0) + jiff::Span::new().days(k));
    assert_eq!(schedsim::model::complement_dates(hundred_and_one), Err(101));
}
