//! The calendar against a brute-force oracle: random expressions of each dialect in
//! UTC, whose field sets the test builds itself; the oracle walks every minute of a
//! window, checks membership field by field, and expands the seconds.

use jiff::civil::{Date, date};
use proptest::prelude::*;
use schedsim::calendar::schedule::local_to_instant;
use schedsim::calendar::{CronExpr, Schedule};
use schedsim::rules::{CronDialect, CronStepping, DstFold, DstGap};

/// One item of a field, in the field's own numbers.
#[derive(Clone, Debug)]
enum Item {
    Star,
    Value(u32),
    Range(u32, u32),
    Step(u32, u32),
}

#[derive(Clone, Debug)]
struct FieldSpec {
    items: Vec<Item>,
}

impl FieldSpec {
    fn is_star(&self) -> bool {
        matches!(self.items.as_slice(), [Item::Star])
    }

    fn text(&self) -> String {
        self.items
            .iter()
            .map(|i| match i {
                Item::Star => "*".to_string(),
                Item::Value(v) => v.to_string(),
                Item::Range(a, b) => format!("{a}-{b}"),
                Item::Step(a, s) => format!("{a}/{s}"),
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The values it holds, computed independently of the parser.
    fn set(&self, lo: u32, hi: u32) -> Vec<bool> {
        let mut set = vec![false; hi as usize + 1];
        for i in &self.items {
            match *i {
                Item::Star => (lo..=hi).for_each(|v| set[v as usize] = true),
                Item::Value(v) => set[v as usize] = true,
                Item::Range(a, b) => (a..=b).for_each(|v| set[v as usize] = true),
                Item::Step(a, s) => (a..=hi)
                    .step_by(s as usize)
                    .for_each(|v| set[v as usize] = true),
            }
        }
        set
    }
}

fn field(lo: u32, hi: u32, star: bool) -> impl Strategy<Value = FieldSpec> {
    let item = prop_oneof![
        (lo..=hi).prop_map(Item::Value),
        (lo..=hi, lo..=hi).prop_map(|(a, b)| Item::Range(a.min(b), a.max(b))),
        (lo..=hi, 1u32..8).prop_map(|(a, s)| Item::Step(a, s)),
    ];
    let list = proptest::collection::vec(item, 1..4).prop_map(|items| FieldSpec { items });
    if star {
        prop_oneof![1 => Just(FieldSpec { items: vec![Item::Star] }), 3 => list].boxed()
    } else {
        list.boxed()
    }
}

#[derive(Clone, Debug)]
struct Case {
    dialect: CronDialect,
    seconds: FieldSpec,
    minutes: FieldSpec,
    hours: FieldSpec,
    dom: Option<FieldSpec>,
    months: FieldSpec,
    dow: Option<FieldSpec>,
    start: Date,
    days: i32,
}

fn case(dialect: CronDialect) -> impl Strategy<Value = Case> {
    let (dow_lo, dow_hi) = match dialect {
        CronDialect::Unix => (0, 6),
        _ => (1, 7),
    };
    let seconds = match dialect {
        CronDialect::Quartz => field(0, 59, true).boxed(),
        _ => Just(FieldSpec {
            items: vec![Item::Value(0)],
        })
        .boxed(),
    };
    // Quartz: exactly one day field is `?` (None); elsewhere both may be set.
    let days = match dialect {
        CronDialect::Quartz => prop_oneof![
            field(1, 31, true).prop_map(|d| (Some(d), None)),
            field(dow_lo, dow_hi, true).prop_map(|w| (None, Some(w))),
        ]
        .boxed(),
        _ => (field(1, 31, true), field(dow_lo, dow_hi, true))
            .prop_map(|(d, w)| (Some(d), Some(w)))
            .boxed(),
    };
    (
        seconds,
        field(0, 59, true),
        field(0, 23, true),
        days,
        field(1, 12, true),
        (2000i16..2040, 1i8..=12, 1i8..=28),
        1i32..40,
    )
        .prop_map(
            move |(seconds, minutes, hours, (dom, dow), months, (y, m, d), days)| Case {
                dialect,
                seconds,
                minutes,
                hours,
                dom,
                months,
                dow,
                start: date(y, m, d),
                days,
            },
        )
}

impl Case {
    fn text(&self) -> String {
        let day = |f: &Option<FieldSpec>| f.as_ref().map_or("?".to_string(), FieldSpec::text);
        let body = format!(
            "{} {} {} {} {}",
            self.minutes.text(),
            self.hours.text(),
            day(&self.dom),
            self.months.text(),
            day(&self.dow)
        );
        match self.dialect {
            CronDialect::Unix => body,
            CronDialect::Dataworks => format!("00 {body}"),
            CronDialect::Quartz => format!("{} {body}", self.seconds.text()),
        }
    }

    /// Every fire in the window, by walking its minutes.
    fn oracle(&self) -> Vec<i64> {
        let seconds = self.seconds.set(0, 59);
        let minutes = self.minutes.set(0, 59);
        let hours = self.hours.set(0, 23);
        let months = self.months.set(1, 12);
        let dom = self.dom.as_ref().map(|f| (f.set(1, 31), f.is_star()));
        // croniter ends `*` and `a/n` of day-of-week at 6; a literal 7 is Sunday too.
        let dow_hi = if self.dialect == CronDialect::Unix {
            6
        } else {
            7
        };
        let dow = self.dow.as_ref().map(|f| {
            let mut set = f.set(0, dow_hi);
            set.resize(8, false);
            if self.dialect == CronDialect::Unix && set[7] {
                set[0] = true;
            }
            (set, f.is_star())
        });
        let mut out = Vec::new();
        let mut day = self.start;
        for _ in 0..self.days {
            let wd_monday0 = (day.weekday().to_monday_one_offset() - 1) as u32;
            // The dialect's number for this weekday.
            let wd = match self.dialect {
                CronDialect::Unix => (wd_monday0 + 1) % 7,
                CronDialect::Quartz => (wd_monday0 + 1) % 7 + 1,
                CronDialect::Dataworks => wd_monday0 + 1,
            } as usize;
            let dom_ok = dom.as_ref().map(|(s, _)| s[day.day() as usize]);
            let dow_ok = dow.as_ref().map(|(s, _)| s[wd]);
            let day_ok = match (self.dialect, dom_ok, dow_ok) {
                (CronDialect::Unix, Some(d), Some(w)) => {
                    // croniter: OR when both fields are restricted.
                    let restricted = |f: &Option<(Vec<bool>, bool)>, n: usize, lo: usize| {
                        f.as_ref()
                            .is_some_and(|(s, star)| !star && !(lo..lo + n).all(|i| s[i]))
                    };
                    if restricted(&dom, 31, 1) && restricted(&dow, 7, 0) {
                        d || w
                    } else {
                        d && w
                    }
                }
                (_, d, w) => d.unwrap_or(true) && w.unwrap_or(true),
            };
            if months[day.month() as usize] && day_ok {
                for (h, _) in hours.iter().enumerate().filter(|(_, on)| **on) {
                    for (m, _) in minutes.iter().enumerate().filter(|(_, on)| **on) {
                        for (s, _) in seconds.iter().enumerate().filter(|(_, on)| **on) {
                            let t = day.at(h as i8, m as i8, s as i8, 0);
                            out.push(local_to_instant(&jiff::tz::TimeZone::UTC, t));
                        }
                    }
                }
            }
            day = day.tomorrow().unwrap();
        }
        out
    }

    fn schedule(&self, stepping: CronStepping) -> Schedule {
        Schedule {
            expr: CronExpr::parse(&self.text(), self.dialect)
                .unwrap_or_else(|e| panic!("{}: {e:?}", self.text())),
            tz: jiff::tz::TimeZone::UTC,
            gap: DstGap::Skip,
            fold: DstFold::Second,
            stepping,
        }
    }

    fn window(&self) -> (i64, i64) {
        let from = local_to_instant(&jiff::tz::TimeZone::UTC, self.start.at(0, 0, 0, 0));
        (from, from + i64::from(self.days) * 86_400 - 1)
    }
}

fn check(c: &Case, stepping: CronStepping) -> Result<(), TestCaseError> {
    let (from, to) = c.window();
    let got: Vec<i64> = c.schedule(stepping).fires(from, to).map(|f| f.at).collect();
    let expected = c.oracle();
    let first = got
        .iter()
        .zip(&expected)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(expected.len()));
    prop_assert!(
        got == expected,
        "`{}` from {} for {} days ({stepping:?}): {} fires, oracle {}; first difference at #{first}: {:?} vs {:?}",
        c.text(),
        c.start,
        c.days,
        got.len(),
        expected.len(),
        got.get(first),
        expected.get(first)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn quartz_matches_the_oracle(c in case(CronDialect::Quartz)) {
        check(&c, CronStepping::Calendar)?;
    }

    #[test]
    fn dataworks_matches_the_oracle(c in case(CronDialect::Dataworks)) {
        check(&c, CronStepping::Calendar)?;
    }

    #[test]
    fn unix_matches_the_oracle_with_both_steppings(c in case(CronDialect::Unix)) {
        check(&c, CronStepping::Calendar)?;
        check(&c, CronStepping::Airflow)?;
    }
}
