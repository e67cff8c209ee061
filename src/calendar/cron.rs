//! Cron expressions in each profile's dialect.
//!
//! One parser (`parse.rs`), three dialects (knob `cron_dialect`): what a dialect forbids
//! is an error with the reason and the position inside the expression. This file fires
//! a parsed expression: a [`CronExpr`] splits
//! into a date predicate ([`CronExpr::matches_date`]) and the sorted list of times of
//! day it fires at ([`CronExpr::times_of_day`]); the time-zone and DST layer turns the
//! two into instants. Weekdays are held as Monday = 0 … Sunday = 6 whatever the dialect
//! numbers them.

use std::ops::Range;

use jiff::civil::{Date, DateTime, Weekday};

use crate::rules::CronDialect;

/// A problem in a cron expression, with the byte range inside the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError {
    pub message: String,
    pub range: Range<usize>,
    pub expected: String,
}

/// How the day-of-month and day-of-week fields combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DayCombine {
    /// Both must match (one of them is `?` or `*`).
    And,
    /// Either matches (Vixie cron: both fields restricted).
    Or,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DomSpec {
    /// Days 1..=31 as bits.
    Days(u32),
    /// `L` or `L-n`: n days before the last day of the month.
    LastMinus(u8),
    /// `nW`: the weekday nearest to day n, inside the month.
    NearestWeekday(u8),
    /// `LW`: the last weekday of the month.
    LastWeekday,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum DowSpec {
    /// Weekdays Monday = bit 0 … Sunday = bit 6.
    Days(u8),
    /// `n#k`: the k-th such weekday of the month.
    Nth(u8, u8),
    /// `nL`: the last such weekday of the month.
    Last(u8),
}

/// A parsed cron expression of one dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronExpr {
    dialect: CronDialect,
    /// What the engine does that the expression does not say (a list with `W`).
    note: Option<String>,
    dom: DomSpec,
    dow: DowSpec,
    combine: DayCombine,
    /// Months 1..=12 as bits.
    months: u16,
    /// Years 1970..=2099, when the expression names them.
    years: Option<Vec<bool>>,
    /// Seconds since midnight, ascending.
    times: Vec<u32>,
    /// The hours field covers every hour (Airflow treats such crons specially at DST).
    every_hour: bool,
}

const YEAR_MIN: i16 = 1970;
/// cron-utils 9.1.6's Quartz definition, DolphinScheduler's validator:
/// `withYear().withValidRange(1970, 2099).withStrictRange()`. Quartz 2.3.2 itself
/// accepts year 2300 (conformance file), a deliberate divergence.
const YEAR_MAX: i16 = 2099;

mod parse;

impl CronExpr {
    /// The dialect it was written in.
    pub fn dialect(&self) -> CronDialect {
        self.dialect
    }

    /// What the engine does with it that the expression does not say, if anything.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Seconds since local midnight at which it fires on a matching date, ascending.
    pub fn times_of_day(&self) -> &[u32] {
        &self.times
    }

    /// At most how many fires local dates `from..=to` hold: (days + 2) × fires per day,
    /// the 2 covering DST shifts at either end, where the days are those of the years
    /// the year field allows (`* * * * * ? 2027` over 2000–2027 has a day of fires,
    /// not 27 years). Counted before anything is generated, so a huge range is refused
    /// at once.
    pub fn max_fires_between(&self, from: Date, to: Date) -> u64 {
        let days_between = |a: Date, b: Date| a.until(b).map_or(0, |s| s.get_days().max(0) as u64);
        let days = match &self.years {
            None => days_between(from, to),
            Some(years) => (from.year().max(YEAR_MIN)..=to.year().min(YEAR_MAX))
                .filter(|y| years[(y - YEAR_MIN) as usize])
                .map(|y| {
                    let first = from.max(jiff::civil::date(y, 1, 1));
                    let last = to.min(jiff::civil::date(y, 12, 31));
                    days_between(first, last) + 1
                })
                .sum(),
        };
        (days + 2).saturating_mul(self.times.len().max(1) as u64)
    }

    /// The hours field covers every hour.
    pub fn every_hour(&self) -> bool {
        self.every_hour
    }

    /// Whether the expression restricts days at all (weekly, monthly, yearly tasks).
    pub fn restricts_days(&self) -> bool {
        self.months != 0x1ffe
            || self.years.is_some()
            || !matches!(
                (&self.dom, &self.dow),
                (DomSpec::Days(d), DowSpec::Days(w)) if *d & 0xffff_fffe == 0xffff_fffe && *w == 0x7f
            )
    }

    /// The first fire strictly after `t` on naive local time (croniter's get_next).
    pub fn next_after(&self, t: DateTime) -> Option<DateTime> {
        let secs = t.time().hour() as u32 * 3600
            + t.time().minute() as u32 * 60
            + t.time().second() as u32;
        let mut date = t.date();
        let mut first = true;
        // To the end of the calendar (9999-12-31), as croniter goes to Python's.
        loop {
            if self.matches_date(date) {
                let i = if first {
                    self.times.partition_point(|&x| x <= secs)
                } else {
                    0
                };
                if let Some(&s) = self.times.get(i) {
                    return Some(at_seconds(date, s));
                }
            }
            first = false;
            date = date.tomorrow().ok()?;
        }
    }

    /// The last fire strictly before `t` on naive local time (croniter's get_prev).
    pub fn prev_before(&self, t: DateTime) -> Option<DateTime> {
        let secs = t.time().hour() as u32 * 3600
            + t.time().minute() as u32 * 60
            + t.time().second() as u32;
        let mut date = t.date();
        let mut first = true;
        loop {
            if self.matches_date(date) {
                let i = if first {
                    self.times.partition_point(|&x| x < secs)
                } else {
                    self.times.len()
                };
                if i > 0 {
                    return Some(at_seconds(date, self.times[i - 1]));
                }
            }
            first = false;
            date = date.yesterday().ok()?;
        }
    }

    /// Whether any date of the calendar matches its days, months and years: one that
    /// names only impossible dates (February 30, April 31) never fires. Without a
    /// year field the Gregorian calendar repeats every 400 years (146,097 days, a
    /// whole number of weeks), so those are enough; with one, its years.
    pub fn fires_ever(&self) -> bool {
        let (first, last) = match self.years {
            Some(_) => (YEAR_MIN, YEAR_MAX),
            None => (2000, 2399),
        };
        let (Ok(mut date), Ok(end)) = (Date::new(first, 1, 1), Date::new(last, 12, 31)) else {
            return true;
        };
        loop {
            if self.matches_date(date) {
                return true;
            }
            if date >= end {
                return false;
            }
            let Ok(next) = date.tomorrow() else {
                return false;
            };
            date = next;
        }
    }

    /// Whether it fires on `date` (at its times of day).
    pub fn matches_date(&self, date: Date) -> bool {
        if self.months & (1 << date.month()) == 0 {
            return false;
        }
        if let Some(years) = &self.years {
            let y = date.year();
            if !(YEAR_MIN..=YEAR_MAX).contains(&y) || !years[(y - YEAR_MIN) as usize] {
                return false;
            }
        }
        let dom = self.dom_matches(date);
        let dow = self.dow_matches(date);
        match self.combine {
            DayCombine::And => dom && dow,
            DayCombine::Or => dom || dow,
        }
    }

    fn dom_matches(&self, date: Date) -> bool {
        let day = date.day() as u8;
        let last = date.last_of_month().day() as u8;
        match self.dom {
            DomSpec::Days(bits) => bits & (1 << day) != 0 || (bits & 1 != 0 && day == last),
            DomSpec::LastMinus(n) => last > n && day == last - n,
            DomSpec::NearestWeekday(n) => {
                if n > last {
                    return false;
                }
                let target = date
                    .first_of_month()
                    .saturating_add(jiff::Span::new().days(i64::from(n) - 1));
                let d = match target.weekday() {
                    Weekday::Saturday if n == 1 => n + 2,
                    Weekday::Saturday => n - 1,
                    Weekday::Sunday if n == last => n - 2,
                    Weekday::Sunday => n + 1,
                    _ => n,
                };
                day == d
            }
            DomSpec::LastWeekday => {
                let last_date = date.last_of_month();
                let d = match last_date.weekday() {
                    Weekday::Saturday => last - 1,
                    Weekday::Sunday => last - 2,
                    _ => last,
                };
                day == d
            }
        }
    }

    fn dow_matches(&self, date: Date) -> bool {
        let wd = (date.weekday().to_monday_one_offset() - 1) as u8;
        let day = date.day() as u8;
        match self.dow {
            DowSpec::Days(bits) => bits & (1 << wd) != 0,
            DowSpec::Nth(w, k) => wd == w && (day - 1) / 7 + 1 == k,
            DowSpec::Last(w) => wd == w && day + 7 > date.last_of_month().day() as u8,
        }
    }
}

fn at_seconds(date: Date, secs: u32) -> DateTime {
    date.at(
        (secs / 3600) as i8,
        (secs / 60 % 60) as i8,
        (secs % 60) as i8,
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn p(text: &str, d: CronDialect) -> CronExpr {
        CronExpr::parse(text, d).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn err(text: &str, d: CronDialect) -> String {
        CronExpr::parse(text, d).expect_err(text).message
    }

    #[test]
    fn weekday_numbering_per_dialect() {
        // 2025-03-03 is a Monday.
        let monday = date(2025, 3, 3);
        assert!(p("00 05 00 ? * 1", CronDialect::Dataworks).matches_date(monday));
        assert!(p("0 5 0 ? * 2", CronDialect::Quartz).matches_date(monday));
        assert!(p("5 0 * * 1", CronDialect::Unix).matches_date(monday));
        // DW §3: `2,5` is Tuesday and Friday.
        let e = p("00 05 00 * * 2,5", CronDialect::Dataworks);
        let days: Vec<i8> = (3..10)
            .filter(|d| e.matches_date(date(2025, 3, *d)))
            .collect();
        assert_eq!(days, [4, 7]);
        // Unix 0 and 7 are Sunday.
        assert!(p("0 0 * * 7", CronDialect::Unix).matches_date(date(2025, 3, 9)));
        assert!(p("0 0 * * 0", CronDialect::Unix).matches_date(date(2025, 3, 9)));
    }

    #[test]
    fn quartz_day_fields() {
        assert!(
            err("0 0 0 1 * MON", CronDialect::Quartz)
                .contains("both day-of-month and day-of-week are set")
        );
        assert!(err("0 0 0 ? * ?", CronDialect::Quartz).contains("both day fields are `?`"));
        let last = p("0 0 0 L * ?", CronDialect::Quartz);
        assert!(last.matches_date(date(2024, 2, 29)) && !last.matches_date(date(2024, 2, 28)));
        let l3 = p("0 0 0 L-3 * ?", CronDialect::Quartz);
        assert!(l3.matches_date(date(2025, 3, 28)));
        // 2025-03-15 is a Saturday: 15W is Friday the 14th.
        let w = p("0 0 0 15W * ?", CronDialect::Quartz);
        assert!(w.matches_date(date(2025, 3, 14)) && !w.matches_date(date(2025, 3, 15)));
        // 2025-03-01 is a Saturday: 1W is Monday the 3rd, not in February.
        let w1 = p("0 0 0 1W * ?", CronDialect::Quartz);
        assert!(w1.matches_date(date(2025, 3, 3)));
        // 2025-05-31 is a Saturday: LW is Friday the 30th.
        assert!(p("0 0 0 LW * ?", CronDialect::Quartz).matches_date(date(2025, 5, 30)));
        // 6#3 = third Friday; 6L = last Friday (Quartz 1 = Sunday).
        assert!(p("0 0 0 ? * 6#3", CronDialect::Quartz).matches_date(date(2025, 3, 21)));
        assert!(p("0 0 0 ? * 6L", CronDialect::Quartz).matches_date(date(2025, 3, 28)));
        assert!(!p("0 0 0 ? * 6L", CronDialect::Quartz).matches_date(date(2025, 3, 21)));
        // Years.
        let y = p("0 0 0 1 1 ? 2026-2027", CronDialect::Quartz);
        assert!(!y.matches_date(date(2025, 1, 1)) && y.matches_date(date(2027, 1, 1)));
        // Wrapping ranges.
        assert_eq!(
            p("0 0 22-2 * * ?", CronDialect::Quartz)
                .times_of_day()
                .len(),
            5
        );
    }

    #[test]
    fn restricts_days() {
        assert!(!p("00 00 02 * * ?", CronDialect::Dataworks).restricts_days());
        assert!(p("00 00 02 ? * 1", CronDialect::Dataworks).restricts_days());
        assert!(p("00 00 02 1 * ?", CronDialect::Dataworks).restricts_days());
        assert!(p("0 0 1 1 *", CronDialect::Unix).restricts_days());
        assert!(!p("0 0 * * *", CronDialect::Unix).restricts_days());
    }
}
