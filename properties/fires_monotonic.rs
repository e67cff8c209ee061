//! Fires are strictly increasing and inside the range, for every bundled time zone in
//! every profile (issue 9 item 24): random expressions of each profile's dialect over
//! windows around a random DST (or offset) transition of a random zone of jiff's
//! bundled tzdb, under the profile's DST rules and every other gap and fold rule a
//! model may select in `[rules]`.

use jiff::Timestamp;
use jiff::civil::date;
use proptest::prelude::*;
use schedsim::calendar::schedule::{local_to_instant, rfc3339};
use schedsim::calendar::{CronExpr, Schedule};
use schedsim::model::tzdb;
use schedsim::rules::{CronDialect, DsVersion, DstFold, DstGap, Profile, Rules};

fn zones() -> Vec<String> {
    let mut names: Vec<String> = tzdb().available().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// Minutes and hours of an expression: a list, a range or a step.
fn clock_field(hi: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        (0..=hi).prop_map(|v| format!("{v:02}")),
        (0..=hi, 0..=hi).prop_map(|(a, b)| format!("{:02}-{:02}", a.min(b), a.max(b))),
        (0..=hi, 1..=hi.max(1)).prop_map(|(a, s)| format!("{a:02}/{s}")),
        (0..=hi, 0..=hi).prop_map(|(a, b)| format!("{a:02},{b:02}")),
    ]
}

fn expression(dialect: CronDialect) -> impl Strategy<Value = String> {
    (
        clock_field(59),
        clock_field(23),
        prop_oneof![Just("*"), Just("1"), Just("1-15")],
    )
        .prop_map(move |(m, h, dom)| match dialect {
            CronDialect::Unix => format!("{m} {h} {dom} * *"),
            CronDialect::Quartz => format!("0 {m} {h} {dom} * ?"),
            CronDialect::Dataworks => format!("00 {m} {h} {dom} * ?"),
        })
}

fn profile() -> impl Strategy<Value = Profile> {
    prop_oneof![
        Just(Profile::Dataworks),
        Just(Profile::Dolphinscheduler),
        Just(Profile::Airflow),
    ]
}

fn rules_case() -> impl Strategy<Value = (Profile, Option<DstGap>, Option<DstFold>)> {
    (
        profile(),
        prop_oneof![
            Just(None),
            Just(Some(DstGap::Skip)),
            Just(Some(DstGap::ShiftByGap)),
            Just(Some(DstGap::FirstValid)),
        ],
        prop_oneof![
            Just(None),
            Just(Some(DstFold::First)),
            Just(Some(DstFold::Second)),
            Just(Some(DstFold::Both)),
        ],
    )
}

/// Checks one schedule over one range; returns how many fires it had.
fn assert_strictly_increasing(schedule: &Schedule, from: i64, to: i64, what: &str) -> usize {
    let mut last: Option<i64> = None;
    let mut n = 0;
    for f in schedule.fires(from, to) {
        assert!(
            from <= f.at && f.at <= to,
            "{what}: {} outside the range",
            rfc3339(&schedule.tz, f.at)
        );
        if let Some(l) = last {
            assert!(
                f.at > l,
                "{what}: {} after {}",
                rfc3339(&schedule.tz, f.at),
                rfc3339(&schedule.tz, l)
            );
        }
        last = Some(f.at);
        n += 1;
    }
    n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn fires_strictly_increase_around_transitions(
        zone in prop::sample::select(zones()),
        ((profile, gap, fold), text) in rules_case().prop_flat_map(|case| {
            let dialect = Rules::preset(case.0, DsVersion::V3_2).cron_dialect;
            (Just(case), expression(dialect))
        }),
        year in 1850i16..2100,
        before in 0i64..(2 * 86_400),
        after in 0i64..(2 * 86_400),
    ) {
        let mut rules = Rules::preset(profile, DsVersion::V3_2);
        rules.dst_gap = gap.unwrap_or(rules.dst_gap);
        rules.dst_fold = fold.unwrap_or(rules.dst_fold);
        let tz = tzdb().get(&zone).unwrap();
        let expr = CronExpr::parse(&text, rules.cron_dialect).unwrap();
        let schedule = Schedule {
            expr,
            tz: tz.clone(),
            gap: rules.dst_gap,
            fold: rules.dst_fold,
            stepping: rules.cron_stepping,
        };
        // The first transition of the zone from that year on, or the year's start.
        let start = local_to_instant(&tz, date(year, 1, 1).at(0, 0, 0, 0));
        let anchor = tz
            .following(Timestamp::from_second(start).unwrap())
            .next()
            .map_or(start, |t| t.timestamp().as_second());
        let what = format!("{zone} {profile} `{text}` gap {} fold {}", rules.dst_gap, rules.dst_fold);
        assert_strictly_increasing(&schedule, anchor - before, anchor + after, &what);
    }
}

/// Every bundled zone in every profile, hourly at :00 and :30, across each of the
/// zone's transitions from 2020 to 2026 (Nuuk's gap at
/// midnight in 2025), a day either side; Apia's skipped 2011-12-30 is in tests/hardening_calendar.rs.
#[test]
fn every_bundled_zone_in_every_profile_fires_strictly_increasing() {
    let zones = zones();
    assert!(zones.len() > 300, "jiff bundles the whole tzdb");
    let mut fires = 0;
    for profile in [
        Profile::Dataworks,
        Profile::Dolphinscheduler,
        Profile::Airflow,
    ] {
        let rules = Rules::preset(profile, DsVersion::V3_2);
        let text = match rules.cron_dialect {
            CronDialect::Unix => "0,30 * * * *",
            CronDialect::Quartz => "0 0,30 * * * ?",
            CronDialect::Dataworks => "00 00,30 * * * ?",
        };
        for zone in &zones {
            let tz = tzdb().get(zone).unwrap();
            let schedule = Schedule {
                expr: CronExpr::parse(text, rules.cron_dialect).unwrap(),
                tz: tz.clone(),
                gap: rules.dst_gap,
                fold: rules.dst_fold,
                stepping: rules.cron_stepping,
            };
            let from = local_to_instant(&tz, date(2020, 1, 1).at(0, 0, 0, 0));
            let to = local_to_instant(&tz, date(2026, 1, 1).at(0, 0, 0, 0));
            let transitions: Vec<i64> = tz
                .following(Timestamp::from_second(from).unwrap())
                .map(|t| t.timestamp().as_second())
                .take_while(|t| *t < to)
                .collect();
            for t in transitions {
                let what = format!("{zone} {profile}");
                fires += assert_strictly_increasing(&schedule, t - 86_400, t + 86_400, &what);
            }
        }
    }
    assert!(
        fires > 100_000,
        "the sweep covered transitions: {fires} fires"
    );
}
