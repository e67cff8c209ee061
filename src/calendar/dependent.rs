//! DolphinScheduler's DEPENDENT date values: which upstream schedule times a
//! DEPENDENT item looks at, relative to the business date of the instance that
//! evaluates it (its workflow instance's schedule time).
//!
//! Ported from 3.2.2 `DependentUtils.getDateIntervalList` and `DependentDateUtils`
//! (the same in 3.1.9), quirks included: `last24Hours` is yesterday 01:00 to today
//! 00:59 whatever the business hour (`getSpecialLastDayInterval`), and `thisMonthEnd`
//! is the **first** day of this month (`getNeededMonthBeginInterval(date, false, 0)`
//! takes `getSomeDay(firstDayThisMonth, 0)`). Java's `Calendar` works on the server's
//! wall clock; here intervals are local civil times of the model's zone. A day
//! interval is `[00:00:00, 23:59:59.999]`, held as the half-open `[00:00, next 00:00)`;
//! an hour interval likewise.
//!
//! Also `CronUtils.getMaxCycle`, the cycle of a schedule that the complement of
//! dependent workflows compares with the DEPENDENT item's `cycle`.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Time};

crate::keyword_enum! {
    /// A DEPENDENT item's `dateValue` (DolphinScheduler's spelling).
    pub enum DateValue ("date value") {
        CurrentHour = "currentHour",
        Last1Hour = "last1Hour",
        Last2Hours = "last2Hours",
        Last3Hours = "last3Hours",
        Last24Hours = "last24Hours",
        Today = "today",
        Last1Days = "last1Days",
        Last2Days = "last2Days",
        Last3Days = "last3Days",
        Last7Days = "last7Days",
        ThisWeek = "thisWeek",
        LastWeek = "lastWeek",
        LastMonday = "lastMonday",
        LastTuesday = "lastTuesday",
        LastWednesday = "lastWednesday",
        LastThursday = "lastThursday",
        LastFriday = "lastFriday",
        LastSaturday = "lastSaturday",
        LastSunday = "lastSunday",
        ThisMonth = "thisMonth",
        ThisMonthBegin = "thisMonthBegin",
        ThisMonthEnd = "thisMonthEnd",
        LastMonth = "lastMonth",
        LastMonthBegin = "lastMonthBegin",
        LastMonthEnd = "lastMonthEnd",
    }
}

crate::keyword_enum! {
    /// A DEPENDENT item's `cycle` (DolphinScheduler's `CycleEnum` as the UI writes it).
    pub enum Cycle ("dependent cycle") {
        Minute = "minute",
        Hour = "hour",
        Day = "day",
        Week = "week",
        Month = "month",
        Year = "year",
    }
}

crate::keyword_enum! {
    /// How a DEPENDENT task combines its items (`DependentRelation`).
    pub enum Relation ("dependent relation") {
        And = "and",
        Or = "or",
    }
}

/// What one item, or a task's items together, say at a poll (`DependResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependResult {
    Success,
    Waiting,
    Failed,
}

/// `DependentUtils.getDependResultForRelation`: AND fails on any failure, else waits
/// on any wait; OR succeeds on any success, else waits on any wait, else fails. With
/// `waiting_first`, 3.1.9's: its AND tests FAILED, then WAITING with a second `if` (no
/// `else`), so a wait beside a failure waits.
pub fn combine(relation: Relation, results: &[DependResult], waiting_first: bool) -> DependResult {
    use DependResult::*;
    let any = |r| results.contains(&r);
    match relation {
        Relation::And if waiting_first && any(Waiting) => Waiting,
        Relation::And if any(Failed) => Failed,
        Relation::And if any(Waiting) => Waiting,
        Relation::And => Success,
        Relation::Or if any(Success) => Success,
        Relation::Or if any(Waiting) => Waiting,
        Relation::Or => Failed,
    }
}

/// Local civil times `[start, end)`: one day or one hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: DateTime,
    pub end: DateTime,
}

impl Interval {
    pub fn contains(&self, t: DateTime) -> bool {
        self.start <= t && t < self.end
    }

    /// As DolphinScheduler logs it: `[2025-03-01, 2025-03-01 23:59:59]` for a day,
    /// `[2025-03-01 09:00, 2025-03-01 09:59:59]` for an hour.
    pub fn text(&self) -> String {
        let last = self.end.checked_sub(1.second()).unwrap_or(self.end);
        if self.start.time() == Time::midnight() && self.end.date() != self.start.date() {
            format!("[{}, {} {}]", self.start.date(), last.date(), last.time())
        } else {
            format!(
                "[{} {}, {} {}]",
                self.start.date(),
                self.start.time().strftime("%H:%M"),
                last.date(),
                last.time()
            )
        }
    }
}

fn day(d: Date) -> Interval {
    let start = d.to_datetime(Time::midnight());
    Interval {
        start,
        end: d
            .tomorrow()
            .map_or(DateTime::MAX, |n| n.to_datetime(Time::midnight())),
    }
}

fn hour(t: DateTime) -> Interval {
    let start = t.date().to_datetime(Time::new(t.hour(), 0, 0, 0).unwrap());
    Interval {
        start,
        end: start.checked_add(1.hour()).unwrap_or(DateTime::MAX),
    }
}

fn days(from: Date, to: Date) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(day(d));
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

fn add_days(d: Date, n: i64) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

/// `DateUtils.getMonday`: the Monday of the date's week (weeks start on Monday).
fn monday(d: Date) -> Date {
    add_days(d, -i64::from(d.weekday().to_monday_zero_offset()))
}

/// `DependentUtils.getDateIntervalList(businessDate, dateValue)`: the intervals, oldest
/// first.
pub fn intervals(business: DateTime, value: DateValue) -> Vec<Interval> {
    use DateValue::*;
    let b = business.date();
    let last_hours = |n: i64| -> Vec<Interval> {
        (1..=n)
            .rev()
            .map(|k| hour(business.checked_sub(k.hours()).unwrap_or(business)))
            .collect()
    };
    let last_days =
        |n: i64| -> Vec<Interval> { (1..=n).rev().map(|k| day(add_days(b, -k))).collect() };
    let last_week_day = |k: i64| {
        let d = add_days(monday(add_days(monday(b), -1)), k - 1);
        vec![day(d)]
    };
    let first = b.first_of_month();
    match value {
        CurrentHour => vec![hour(business)],
        Last1Hour => last_hours(1),
        Last2Hours => last_hours(2),
        Last3Hours => last_hours(3),
        Last24Hours => {
            // getSpecialLastDayInterval: from (hour + 23) hours back to `hour` hours
            // back, each relative to the business time: yesterday 01:00 .. today 00:59.
            let h = i64::from(business.hour());
            (h..(h + 24))
                .rev()
                .map(|k| hour(business.checked_sub(k.hours()).unwrap_or(business)))
                .collect()
        }
        Today => vec![day(b)],
        Last1Days => last_days(1),
        Last2Days => last_days(2),
        Last3Days => last_days(3),
        Last7Days => last_days(7),
        ThisWeek => days(monday(b), b),
        LastWeek => {
            let sunday = add_days(monday(b), -1);
            days(monday(sunday), sunday)
        }
        LastMonday => last_week_day(1),
        LastTuesday => last_week_day(2),
        LastWednesday => last_week_day(3),
        LastThursday => last_week_day(4),
        LastFriday => last_week_day(5),
        LastSaturday => last_week_day(6),
        LastSunday => last_week_day(7),
        ThisMonth => days(first, b),
        ThisMonthBegin => vec![day(first)],
        // getNeededMonthBeginInterval(b, false, 0): getSomeDay(firstDayThisMonth, 0).
        ThisMonthEnd => vec![day(first)],
        LastMonth => {
            let last = add_days(first, -1);
            days(last.first_of_month(), last)
        }
        LastMonthBegin => vec![day(add_days(first, -1).first_of_month())],
        LastMonthEnd => vec![day(add_days(first, -1))],
    }
}

/// How one field of a Quartz expression is written, as cron-utils classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `*`
    Always,
    /// `?`
    Question,
    /// `*/n`, `a/n`
    Every,
    /// `a-b`
    Between,
    /// `a,b`
    And,
    /// one value
    On,
    /// `L`, `W`, `#` and the like: none of the above.
    Other,
}

fn shape(field: &str) -> Shape {
    if field == "*" {
        Shape::Always
    } else if field == "?" {
        Shape::Question
    } else if field.contains(',') {
        Shape::And
    } else if field.contains('/') {
        Shape::Every
    } else if field
        .chars()
        .any(|c| matches!(c, 'L' | 'W' | '#' | 'l' | 'w'))
    {
        Shape::Other
    } else if field.contains('-') {
        Shape::Between
    } else {
        Shape::On
    }
}

/// `CronUtils.getMaxCycle` of a Quartz expression (3.1.9 and 3.2.2
/// `CycleFactory`/`CycleLinks`): the first of minute, hour, day, week, month and year
/// whose pattern the expression fits; None when none does.
pub fn max_cycle(cron: &str) -> Option<Cycle> {
    let f: Vec<&str> = cron.split_whitespace().collect();
    if f.len() < 6 {
        return None;
    }
    let (min, hour, dom, month, dow) = (
        shape(f[1]),
        shape(f[2]),
        shape(f[3]),
        shape(f[4]),
        shape(f[5]),
    );
    let year = f.get(6).map_or(Shape::Always, |y| shape(y));
    let set_all = |s: Shape| {
        matches!(
            s,
            Shape::Every | Shape::Always | Shape::Between | Shape::And | Shape::On
        )
    };
    let every = |s: Shape| matches!(s, Shape::Every | Shape::Always);
    let q = |s: Shape| s == Shape::Question;
    if every(min) && hour == Shape::Always && dom == Shape::Always && month == Shape::Always {
        return Some(Cycle::Minute);
    }
    if set_all(min) && every(hour) && dom == Shape::Always && q(dow) && month == Shape::Always {
        return Some(Cycle::Hour);
    }
    if set_all(min) && set_all(hour) && every(dom) && q(dow) && month == Shape::Always {
        return Some(Cycle::Day);
    }
    if set_all(min) && set_all(hour) && q(dom) && every(dow) && month == Shape::Always {
        return Some(Cycle::Week);
    }
    if set_all(min)
        && set_all(hour)
        && every(month)
        && ((set_all(dom) && q(dow)) || (q(dom) && set_all(dow)))
    {
        return Some(Cycle::Month);
    }
    if set_all(min)
        && set_all(hour)
        && set_all(month)
        && every(year)
        && ((set_all(dom) && q(dow)) || (q(dom) && set_all(dow)))
    {
        return Some(Cycle::Year);
    }
    None
}

#[cfg(test)]
mod tests {
    //! Named after 3.2.2 `DependentUtilsTest` and `CronUtilsTest`, with their values.
    use super::*;
    use jiff::civil::date;

    fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> DateTime {
        date(y, m, d).at(h, min, 0, 0)
    }

    fn starts(v: &[Interval]) -> Vec<String> {
        v.iter().map(|i| i.start.to_string()).collect()
    }

    #[test]
    fn get_date_interval_list_2019_02_05() {
        // testGetDateIntervalList: business date 2019-02-05 00:00.
        let b = at(2019, 2, 5, 0, 0);
        assert_eq!(
            starts(&intervals(b, DateValue::Last1Days)),
            ["2019-02-04T00:00:00"]
        );
        assert_eq!(
            starts(&intervals(b, DateValue::Last2Days)),
            ["2019-02-03T00:00:00", "2019-02-04T00:00:00"]
        );
        assert_eq!(
            starts(&intervals(b, DateValue::Today)),
            ["2019-02-05T00:00:00"]
        );
        let week = intervals(b, DateValue::ThisWeek);
        assert_eq!(
            starts(&week),
            ["2019-02-04T00:00:00", "2019-02-05T00:00:00"]
        );
        let month = intervals(b, DateValue::ThisMonth);
        assert_eq!(month.len(), 5);
        assert_eq!(month[0].start, at(2019, 2, 1, 0, 0));
        assert_eq!(month[4].end, at(2019, 2, 6, 0, 0));
    }

    #[test]
    fn get_date_interval_list_2019_02_10() {
        // testGetDateIntervalList, second part: 2019-02-10 07:00 (a Sunday).
        let b = at(2019, 2, 10, 7, 0);
        assert_eq!(
            intervals(b, DateValue::Last3Days)[0].start,
            at(2019, 2, 7, 0, 0)
        );
        assert_eq!(
            intervals(b, DateValue::Last7Days)[0].start,
            at(2019, 2, 3, 0, 0)
        );
        let last_week = intervals(b, DateValue::LastWeek);
        assert_eq!(last_week.len(), 7);
        assert_eq!(last_week[0].start, at(2019, 1, 28, 0, 0));
        assert_eq!(last_week[6].start, at(2019, 2, 3, 0, 0));
        let one = |v| intervals(b, v);
        assert_eq!(starts(&one(DateValue::LastMonday)), ["2019-01-28T00:00:00"]);
        assert_eq!(
            starts(&one(DateValue::LastTuesday)),
            ["2019-01-29T00:00:00"]
        );
        assert_eq!(
            starts(&one(DateValue::LastWednesday)),
            ["2019-01-30T00:00:00"]
        );
        assert_eq!(
            starts(&one(DateValue::LastThursday)),
            ["2019-01-31T00:00:00"]
        );
        assert_eq!(starts(&one(DateValue::LastFriday)), ["2019-02-01T00:00:00"]);
        assert_eq!(
            starts(&one(DateValue::LastSaturday)),
            ["2019-02-02T00:00:00"]
        );
        assert_eq!(starts(&one(DateValue::LastSunday)), ["2019-02-03T00:00:00"]);
        let last_month = one(DateValue::LastMonth);
        assert_eq!(last_month.len(), 31);
        assert_eq!(last_month[0].start, at(2019, 1, 1, 0, 0));
        assert_eq!(last_month[30].start, at(2019, 1, 31, 0, 0));
        assert_eq!(
            starts(&one(DateValue::LastMonthBegin)),
            ["2019-01-01T00:00:00"]
        );
        assert_eq!(
            starts(&one(DateValue::LastMonthEnd)),
            ["2019-01-31T00:00:00"]
        );
        // Not in the test: this month's begin, and its "end", which is its first day.
        assert_eq!(
            starts(&one(DateValue::ThisMonthBegin)),
            ["2019-02-01T00:00:00"]
        );
        assert_eq!(
            starts(&one(DateValue::ThisMonthEnd)),
            ["2019-02-01T00:00:00"]
        );
    }

    #[test]
    fn this_month_end_is_the_first_of_the_month_as_get_needed_month_begin_interval_computes() {
        // getNeededMonthBeginInterval(b, false, 0) = getSomeDay(firstDayThisMonth, 0).
        let v = intervals(at(2025, 3, 20, 0, 0), DateValue::ThisMonthEnd);
        assert_eq!(v, vec![day(date(2025, 3, 1))]);
        assert_eq!(v[0].text(), "[2025-03-01, 2025-03-01 23:59:59]");
    }

    #[test]
    fn get_date_interval_list_hours_2019_02_04_10_00() {
        // testGetDateIntervalListHour (last1Hour..last3Hours at 2019-02-04 10:00).
        let b = at(2019, 2, 4, 10, 0);
        let h1 = intervals(b, DateValue::Last1Hour);
        assert_eq!(h1, vec![hour(at(2019, 2, 4, 9, 0))]);
        assert_eq!(h1[0].text(), "[2019-02-04 09:00, 2019-02-04 09:59:59]");
        assert_eq!(
            intervals(b, DateValue::Last2Hours)[0].start,
            at(2019, 2, 4, 8, 0)
        );
        assert_eq!(
            intervals(b, DateValue::Last3Hours)[0].start,
            at(2019, 2, 4, 7, 0)
        );
        assert_eq!(intervals(b, DateValue::Last3Hours).len(), 3);
    }

    #[test]
    fn current_hour_and_last24_hours_2020_05_15_12_10() {
        // testGetDateIntervalListCurrentHour / testGetDateIntervalListLast24Hour.
        let b = at(2020, 5, 15, 12, 10);
        assert_eq!(
            intervals(b, DateValue::CurrentHour),
            vec![hour(at(2020, 5, 15, 12, 0))]
        );
        let last24 = intervals(b, DateValue::Last24Hours);
        assert_eq!(last24.len(), 24);
        assert_eq!(last24[0].start, at(2020, 5, 14, 1, 0));
        assert_eq!(last24[23].start, at(2020, 5, 15, 0, 0));
        assert_eq!(last24[23].end, at(2020, 5, 15, 1, 0));
        // Whatever the business hour: yesterday 01:00 .. today 00:59.
        assert_eq!(
            intervals(at(2020, 5, 15, 23, 0), DateValue::Last24Hours),
            last24
        );
    }

    #[test]
    fn get_depend_result_for_relation() {
        // DependentUtilsTest.testGetDependResultForRelation.
        use DependResult::*;
        assert_eq!(combine(Relation::And, &[Failed, Success], false), Failed);
        assert_eq!(combine(Relation::And, &[Waiting, Success], false), Waiting);
        assert_eq!(combine(Relation::And, &[Success, Success], false), Success);
        assert_eq!(combine(Relation::Or, &[Failed, Success], false), Success);
        assert_eq!(combine(Relation::Or, &[Waiting, Failed], false), Waiting);
        // 3.2.2 fails an AND with a failure beside a wait; 3.1.9 waits.
        assert_eq!(combine(Relation::And, &[Failed, Waiting], false), Failed);
        assert_eq!(combine(Relation::And, &[Failed, Waiting], true), Waiting);
        assert_eq!(combine(Relation::And, &[Failed, Success], true), Failed);
        assert_eq!(combine(Relation::Or, &[Failed], false), Failed);
    }

    #[test]
    fn get_monday_and_week_of_a_sunday() {
        // DateUtilsTest.getMonday(2019-02-01) = 2019-01-28; a Sunday's week starts
        // on the Monday before it.
        assert_eq!(monday(date(2019, 2, 1)), date(2019, 1, 28));
        assert_eq!(monday(date(2019, 2, 3)), date(2019, 1, 28));
        assert_eq!(
            intervals(at(2019, 2, 3, 0, 0), DateValue::ThisWeek).len(),
            7
        );
    }

    #[test]
    fn get_max_cycle_as_cron_utils_test() {
        // CronUtilsTest.testGetMaxCycle and the cycle of the complement test's cron.
        assert_eq!(max_cycle("0 */1 * * * ? *"), Some(Cycle::Minute));
        assert_eq!(max_cycle("0 0 7 * 1 ? *"), Some(Cycle::Year));
        assert_eq!(max_cycle("0 0 7 * 1/1 ? *"), Some(Cycle::Month));
        assert_eq!(max_cycle("0 0 7 * 1-2 ? *"), Some(Cycle::Year));
        assert_eq!(max_cycle("0 0 7 * 1,2 ? *"), Some(Cycle::Year));
        assert_eq!(max_cycle("0 0 7 * * ? *"), Some(Cycle::Day));
        assert_eq!(max_cycle("0 0 * * * ?"), Some(Cycle::Hour));
        // A weekly cron on one weekday is MONTH: WeekCycle wants the day of week `*`
        // or a step, MonthCycle takes any set field.
        assert_eq!(max_cycle("0 0 2 ? * 2"), Some(Cycle::Month));
        assert_eq!(max_cycle("0 0 2 ? * *"), Some(Cycle::Week));
        assert_eq!(max_cycle("0 0 2 1 * ?"), Some(Cycle::Month));
    }
}
