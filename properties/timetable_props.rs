//! Invariants of Airflow's timetables as `calendar::timetable` drives them, over random
//! crons, deltas, zones, start dates, end dates and switch-on moments: runs strictly
//! increase; a run's logical date is not after its run time; an end date bounds every
//! scheduled run; without catchup a cron trigger timetable's runs are the tail of its
//! runs with catchup (it skips, it never invents); a timedelta's runs are exactly one
//! delta apart (it steps in UTC, whatever DST does).

use proptest::prelude::*;
use schedsim::calendar::timetable::{Delta, Kind, Timetable};
use schedsim::calendar::{CronExpr, Schedule};
use schedsim::model::tzdb;
use schedsim::rules::{DsVersion, Profile, Rules};

const ZONES: [&str; 5] = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Shanghai",
];
const CRONS: [&str; 6] = [
    "0 * * * *",
    "30 2 * * *",
    "*/20 1-3 * * *",
    "0 0 * * 1",
    "15 4 1 * *",
    "0 12 * * 5",
];
/// 2025-01-01T00:00:00Z.
const Y2025: i64 = 1_735_689_600;

fn schedule(expr: &str, tz: &str) -> Schedule {
    let rules = Rules::preset(Profile::Airflow, DsVersion::V3_2);
    Schedule {
        expr: CronExpr::parse(expr, rules.cron_dialect).unwrap(),
        tz: tzdb().get(tz).unwrap(),
        gap: rules.dst_gap,
        fold: rules.dst_fold,
        stepping: rules.cron_stepping,
    }
}

fn kind() -> impl Strategy<Value = (Kind, bool)> {
    let zone = 0..ZONES.len();
    prop_oneof![
        (0..CRONS.len(), zone.clone(), any::<bool>())
            .prop_map(|(c, z, di)| (Kind::Cron(schedule(CRONS[c], ZONES[z])), di)),
        (0..CRONS.len(), 0..CRONS.len(), zone.clone()).prop_map(|(a, b, z)| (
            Kind::Crons(vec![
                schedule(CRONS[a], ZONES[z]),
                schedule(CRONS[b], ZONES[z])
            ]),
            false
        )),
        (1i64..=7 * 24, any::<bool>())
            .prop_map(|(h, di)| (Kind::Delta(Delta::seconds(h * 3600)), di)),
        (1i32..=3, any::<bool>()).prop_map(|(m, di)| (
            Kind::Delta(Delta {
                months: m,
                seconds: 0
            }),
            di
        )),
        Just((Kind::Once, false)),
    ]
}

fn timetable(
    kind: Kind,
    data_interval: bool,
    start: i64,
    end: Option<i64>,
    catchup: bool,
) -> Timetable {
    let tz = match &kind {
        Kind::Cron(s) => s.tz.clone(),
        Kind::Crons(l) => l[0].tz.clone(),
        _ => jiff::tz::TimeZone::UTC,
    };
    Timetable {
        kind,
        data_interval,
        interval: Delta::seconds(0),
        start: Some(start),
        end,
        catchup,
        tz,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scheduler_runs_increase_and_respect_the_end_date(
        (kind, di) in kind(),
        start in 0i64..300 * 86_400,
        now_after in 0i64..60 * 86_400,
        end_after in proptest::option::of(0i64..40 * 86_400),
        catchup in any::<bool>(),
    ) {
        let start = Y2025 + start;
        let end = end_after.map(|e| start + e);
        let t = timetable(kind, di, start, end, catchup);
        let now = start + now_after;
        let runs = t.recurring(now, now + 90 * 86_400, 200);
        for w in runs.windows(2) {
            prop_assert!(w[0].at < w[1].at, "{:?}", runs);
            prop_assert!(w[0].run_after < w[1].run_after, "{:?}", runs);
        }
        for r in &runs {
            prop_assert!(r.at <= r.run_after);
            prop_assert!(r.at >= start || !catchup || di, "before the start date: {r:?}");
            if let Some(end) = end {
                // A trigger runs at its tick, bounded; an interval's start is bounded.
                prop_assert!(if di { r.at <= end } else { r.run_after <= end }, "{r:?} after {end}");
            }
        }
    }

    #[test]
    fn without_catchup_a_cron_trigger_timetable_skips_and_never_invents(
        c in 0..CRONS.len(),
        // Not Lord Howe: in its half-hour gap Airflow 3.3.2 itself, without catchup,
        // aligns back across the gap and skips a tick (02:30 then 02:50 on 2025-10-05
        // for */20; pinned in calendar::timetable's tests).
        z in prop_oneof![Just(0usize), Just(1), Just(2), Just(4)],
        start in 0i64..300 * 86_400,
        now_after in 0i64..60 * 86_400,
    ) {
        let start = Y2025 + start;
        let now = start + now_after;
        let horizon = now + 30 * 86_400;
        let s = || Kind::Cron(schedule(CRONS[c], ZONES[z]));
        let on = timetable(s(), false, start, None, true).recurring(now, horizon, usize::MAX);
        let off = timetable(s(), false, start, None, false).recurring(now, horizon, usize::MAX);
        prop_assert!(off.len() <= on.len());
        prop_assert_eq!(&on[on.len() - off.len()..], &off[..]);
    }

    #[test]
    fn a_timedelta_steps_by_exactly_its_length(
        hours in 1i64..=7 * 24,
        start in 0i64..300 * 86_400,
        di in any::<bool>(),
    ) {
        let start = Y2025 + start;
        let t = timetable(Kind::Delta(Delta::seconds(hours * 3600)), di, start, None, true);
        let runs = t.recurring(start, start + 60 * 86_400, 100);
        prop_assert!(!runs.is_empty());
        prop_assert_eq!(runs[0].at, start);
        for w in runs.windows(2) {
            prop_assert_eq!(w[1].at - w[0].at, hours * 3600);
        }
    }
}
