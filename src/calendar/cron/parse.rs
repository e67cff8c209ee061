//! Parsing a cron expression in one dialect: what the dialect forbids is an error with
//! the reason and the position inside the expression.

use std::ops::Range;

use super::{CronError, CronExpr, DayCombine, DomSpec, DowSpec, YEAR_MAX, YEAR_MIN};
use crate::rules::CronDialect;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Second,
    Minute,
    Hour,
    Dom,
    Month,
    Dow,
    Year,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Second => "seconds",
            Field::Minute => "minutes",
            Field::Hour => "hours",
            Field::Dom => "day-of-month",
            Field::Month => "month",
            Field::Dow => "day-of-week",
            Field::Year => "year",
        }
    }
}

/// Numeric bounds of a field in a dialect.
fn bounds(field: Field, dialect: CronDialect) -> (u32, u32) {
    match field {
        Field::Second | Field::Minute => (0, 59),
        Field::Hour => (0, 23),
        Field::Dom => (1, 31),
        Field::Month => (1, 12),
        Field::Dow => match dialect {
            CronDialect::Unix => (0, 7),
            CronDialect::Quartz | CronDialect::Dataworks => (1, 7),
        },
        Field::Year => (YEAR_MIN as u32, YEAR_MAX as u32),
    }
}

/// The largest step a field takes, where the dialect bounds steps: cron-utils 9.1.6
/// (DolphinScheduler's validator, `FieldConstraints.isPeriodInRange`: a period is at
/// most the field's span and its end) refuses larger ones in every step form, and
/// Quartz 2.3.2 (`CronExpression.checkIncrementRange`) refuses them in `*/n`, `/n` and
/// `a/n`. DataWorks publishes no bound of its own; its editor builds crons from
/// interval pickers that stay inside the field, and it takes the same bound. croniter
/// (Airflow) is left as captured.
fn max_step(field: Field, dialect: CronDialect) -> Option<u32> {
    if dialect == CronDialect::Unix {
        return None;
    }
    let (lo, hi) = bounds(field, dialect);
    Some(hi.min(hi - lo + 1))
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
/// Sunday first, as Quartz and Unix name them.
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A dialect's number for a weekday name.
fn day_number(name_index_sun0: u32, dialect: CronDialect) -> u32 {
    match dialect {
        CronDialect::Unix => name_index_sun0,
        CronDialect::Quartz => name_index_sun0 + 1,
        CronDialect::Dataworks => {
            if name_index_sun0 == 0 {
                7
            } else {
                name_index_sun0
            }
        }
    }
}

/// Monday = 0 … Sunday = 6, from a dialect's weekday number.
fn canonical_weekday(n: u32, dialect: CronDialect) -> u8 {
    (match dialect {
        CronDialect::Unix => (n + 6) % 7,
        CronDialect::Quartz => (n + 5) % 7,
        CronDialect::Dataworks => n - 1,
    }) as u8
}

struct Parser {
    dialect: CronDialect,
}

/// One comma-separated item of a field, with its offset in the expression.
struct Item<'a> {
    text: &'a str,
    at: usize,
}

impl Parser {
    fn err(
        &self,
        range: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) -> CronError {
        CronError {
            message: message.into(),
            range,
            expected: expected.into(),
        }
    }

    fn value(&self, field: Field, s: &str, at: usize) -> Result<u32, CronError> {
        let (lo, hi) = bounds(field, self.dialect);
        let upper = s.to_ascii_uppercase();
        let named = match field {
            Field::Month => MONTHS
                .iter()
                .position(|m| *m == upper)
                .map(|i| i as u32 + 1),
            Field::Dow => DAYS
                .iter()
                .position(|d| *d == upper)
                .map(|i| day_number(i as u32, self.dialect)),
            _ => None,
        };
        if let Some(n) = named {
            return Ok(n);
        }
        let n: u32 = s.parse().map_err(|_| {
            self.err(
                at..at + s.len(),
                format!("`{s}` is not a value of the {} field", field.name()),
                format!("expected a number from {lo} to {hi}"),
            )
        })?;
        if n < lo || n > hi {
            let mut expected = format!("expected {lo} to {hi}");
            if field == Field::Year {
                expected.push_str(" (DolphinScheduler's validator, cron-utils, stops at 2099)");
            }
            if field == Field::Dow {
                expected.push_str(match self.dialect {
                    CronDialect::Unix => " (0 or 7 = Sunday)",
                    CronDialect::Quartz => " (1 = Sunday … 7 = Saturday)",
                    CronDialect::Dataworks => " (1 = Monday … 7 = Sunday)",
                });
            }
            return Err(self.err(
                at..at + s.len(),
                format!("{n} is out of range for the {} field", field.name()),
                expected,
            ));
        }
        Ok(n)
    }

    /// The values of one plain item: `*`, `n`, `a-b`, with an optional `/step`.
    fn plain_item(&self, field: Field, item: &Item<'_>) -> Result<Vec<u32>, CronError> {
        let (lo, hi) = bounds(field, self.dialect);
        let (base, step) = match item.text.split_once('/') {
            Some((base, step)) => {
                let step_at = item.at + base.len() + 1;
                let n: u32 = step.parse().map_err(|_| {
                    self.err(
                        step_at..step_at + step.len(),
                        format!("`{step}` is not a step"),
                        "expected a whole number after `/`",
                    )
                })?;
                if n == 0 {
                    return Err(self.err(
                        step_at..step_at + step.len(),
                        "a step of 0",
                        "expected a step of at least 1",
                    ));
                }
                if let Some(max) = max_step(field, self.dialect)
                    && n > max
                {
                    return Err(self.err(
                        step_at..step_at + step.len(),
                        format!(
                            "a step of {n} is larger than the {} field: {} refuse{} it",
                            field.name(),
                            match self.dialect {
                                CronDialect::Quartz if base.contains('-') =>
                                    "DolphinScheduler's validator (cron-utils)",
                                CronDialect::Quartz =>
                                    "Quartz 2.3.2 and DolphinScheduler's validator (cron-utils)",
                                _ => "DataWorks",
                            },
                            if self.dialect == CronDialect::Quartz && !base.contains('-') {
                                ""
                            } else {
                                "s"
                            }
                        ),
                        format!("expected a step from 1 to {max}"),
                    ));
                }
                (base, Some(n))
            }
            None => (item.text, None),
        };
        // croniter: `*` and `a/n` in day-of-week stop at 6; only a literal 7 is Sunday.
        let open_end = if field == Field::Dow && self.dialect == CronDialect::Unix {
            6
        } else {
            hi
        };
        // Quartz and cron-utils read `/n` as `*/n`.
        let star = base == "*" || (base.is_empty() && self.dialect == CronDialect::Quartz);
        let (start, end) = if star {
            (lo, open_end)
        } else if let Some((a, b)) = base.split_once('-') {
            let a_v = self.value(field, a, item.at)?;
            let b_v = self.value(field, b, item.at + a.len() + 1)?;
            (a_v, b_v)
        } else {
            let v = self.value(field, base, item.at)?;
            // Quartz and Unix: `a/n` runs from a to the field's end.
            (v, if step.is_some() { open_end } else { v })
        };
        let mut out = Vec::new();
        let step = step.unwrap_or(1);
        if start <= end {
            out.extend((start..=end).step_by(step as usize));
        } else {
            // Ranges wrap around the field's end (22-2, FRI-MON) in Quartz, and in
            // croniter too (Airflow 3.3.2 runs `0 5-1 * * *` at 05..23, 00, 01).
            let wrapped: Vec<u32> = (start..=hi).chain(lo..=end).collect();
            out.extend(wrapped.into_iter().step_by(step as usize));
        }
        Ok(out)
    }

    fn items<'t>(&self, text: &'t str, at: usize) -> Vec<Item<'t>> {
        let mut items = Vec::new();
        let mut offset = at;
        for part in text.split(',') {
            items.push(Item {
                text: part,
                at: offset,
            });
            offset += part.len() + 1;
        }
        items
    }

    fn empty_item(&self, item: &Item<'_>, field: Field) -> Result<(), CronError> {
        if item.text.is_empty() {
            return Err(self.err(
                item.at..item.at + 1,
                format!("an empty item in the {} field", field.name()),
                "expected a value between the commas",
            ));
        }
        Ok(())
    }

    fn bits(&self, field: Field, text: &str, at: usize) -> Result<u64, CronError> {
        let mut bits = 0u64;
        for item in self.items(text, at) {
            self.empty_item(&item, field)?;
            if item.text == "?" || item.text.contains(['L', 'W', '#']) {
                return Err(self.err(
                    item.at..item.at + item.text.len(),
                    format!(
                        "`{}` is not allowed in the {} field",
                        item.text,
                        field.name()
                    ),
                    "expected `*`, numbers, ranges `a-b`, lists `a,b` or steps `/n`",
                ));
            }
            for v in self.plain_item(field, &item)? {
                bits |= 1 << v;
            }
        }
        Ok(bits)
    }

    fn dom(&self, text: &str, at: usize) -> Result<(DomSpec, bool), CronError> {
        let quartz = self.dialect == CronDialect::Quartz;
        let whole = at..at + text.len();
        if text == "?" || text == "*" {
            return Ok((DomSpec::Days(!0), true));
        }
        let upper = text.to_ascii_uppercase();
        if upper == "L" {
            return Ok((DomSpec::LastMinus(0), false));
        }
        let listed = text.contains(',');
        if upper == "LW" || upper.starts_with("L-") || (upper.ends_with('W') && !listed) {
            if !quartz {
                return Err(self.err(
                    whole,
                    format!(
                        "`{text}` is a Quartz day-of-month form that the {} dialect does not have",
                        dialect_name(self.dialect)
                    ),
                    "expected `*`, `L`, numbers, ranges, lists or steps",
                ));
            }
            if upper == "LW" {
                return Ok((DomSpec::LastWeekday, false));
            }
            if let Some(n) = upper.strip_prefix("L-") {
                // Quartz 2.3.2 fires `L-nW` (the weekday nearest the n-th last day), but
                // DolphinScheduler's validator refuses it: cron-utils 9.1.6 reads `L-`
                // and then wants a number (`FieldParser.parse` → `parseOnWithL`).
                if n.ends_with('W') {
                    return Err(self.err(
                        whole,
                        format!("`{text}` is refused by DolphinScheduler's validator (cron-utils), though Quartz accepts it"),
                        "expected `L-n` or `nW`: cron-utils takes no `W` after `L-n`",
                    ));
                }
                let n: u8 = n.parse().ok().filter(|n| *n <= 30).ok_or_else(|| {
                    self.err(
                        whole.clone(),
                        format!("`{text}` is not a valid offset from the last day"),
                        "expected `L-n` with n from 0 to 30",
                    )
                })?;
                return Ok((DomSpec::LastMinus(n), false));
            }
            let n = &upper[..upper.len() - 1];
            let day = self.value(Field::Dom, n, at)?;
            return Ok((DomSpec::NearestWeekday(day as u8), false));
        }
        // Bit 0 (no day 0 exists) stands for the last day of the month in a list.
        let mut bits = 0u32;
        // Quartz and cron-utils accept `nW` in a list (`2W,16`).
        let mut weekday = false;
        for item in self.items(text, at) {
            self.empty_item(&item, Field::Dom)?;
            if quartz
                && let Some(n) = item.text.strip_suffix(['W', 'w'])
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
            {
                bits |= 1 << self.value(Field::Dom, n, item.at)?;
                weekday = true;
                continue;
            }
            // DataWorks yearly and monthly nodes select "the last day" beside other
            // days (DW §2 rules 6-7, §10 case 7: the 1st and the last day).
            if self.dialect == CronDialect::Dataworks && item.text.eq_ignore_ascii_case("L") {
                bits |= 1;
                continue;
            }
            if item.text.contains(['L', 'l', 'W', 'w', '#', '?']) {
                return Err(self.err(
                    item.at..item.at + item.text.len(),
                    format!("`{}` cannot be combined with other values", item.text),
                    // Quartz 2.3.2: "Support for specifying 'L' and 'LW' with other
                    // days of the month is not implemented".
                    "expected `L`, `LW`, `L-n` and `?` to stand alone in the field",
                ));
            }
            for v in self.plain_item(Field::Dom, &item)? {
                bits |= 1 << v;
            }
        }
        if weekday {
            // Quartz 2.3.2's getTimeAfter takes `daysOfMonth.first()` once `W` is
            // anywhere in the field: only the smallest day of the list counts.
            let first = bits.trailing_zeros() as u8;
            return Ok((DomSpec::NearestWeekday(first), false));
        }
        // croniter normalises a field covering its whole range to `*`: only such a
        // field is unrestricted (`*/2` is restricted, so `0 0 */2 * MON` is an OR).
        Ok((DomSpec::Days(bits), bits == 0xffff_fffe))
    }

    fn dow(&self, text: &str, at: usize) -> Result<(DowSpec, bool), CronError> {
        let whole = at..at + text.len();
        if text == "?" || text == "*" {
            return Ok((DowSpec::Days(0x7f), true));
        }
        if let Some((day, nth)) = text.split_once('#') {
            let d = self.value(Field::Dow, day, at)?;
            let nth_at = at + day.len() + 1;
            let k: u8 = nth
                .parse()
                .ok()
                .filter(|k| (1..=5).contains(k))
                .ok_or_else(|| {
                    self.err(
                        nth_at..nth_at + nth.len(),
                        format!("`#{nth}` is not an occurrence in a month"),
                        "expected `#1` to `#5`",
                    )
                })?;
            return Ok((DowSpec::Nth(canonical_weekday(d, self.dialect), k), false));
        }
        let upper = text.to_ascii_uppercase();
        if upper.ends_with('L') {
            if self.dialect != CronDialect::Quartz {
                return Err(self.err(
                    whole,
                    format!(
                        "`{text}` is a Quartz day-of-week form that the {} dialect does not have",
                        dialect_name(self.dialect)
                    ),
                    "expected numbers, names, ranges, lists, steps or `n#k`",
                ));
            }
            // Quartz: `L` alone is 7 (Saturday); `nL` the last such weekday.
            if upper == "L" {
                return Ok((
                    DowSpec::Days(1 << canonical_weekday(7, self.dialect)),
                    false,
                ));
            }
            let d = self.value(Field::Dow, &text[..text.len() - 1], at)?;
            return Ok((DowSpec::Last(canonical_weekday(d, self.dialect)), false));
        }
        let mut bits = 0u8;
        for item in self.items(text, at) {
            self.empty_item(&item, Field::Dow)?;
            if item.text.contains(['L', 'W', '#', '?']) {
                return Err(self.err(
                    item.at..item.at + item.text.len(),
                    format!("`{}` cannot be combined with other values", item.text),
                    "expected `L`, `#` and `?` to stand alone in the field",
                ));
            }
            for v in self.plain_item(Field::Dow, &item)? {
                bits |= 1 << canonical_weekday(v, self.dialect);
            }
        }
        Ok((DowSpec::Days(bits), bits == 0x7f))
    }
}

fn dialect_name(d: CronDialect) -> &'static str {
    match d {
        CronDialect::Dataworks => "DataWorks",
        CronDialect::Quartz => "Quartz",
        CronDialect::Unix => "Unix",
    }
}

/// Unix presets (croniter, Airflow).
fn preset(text: &str) -> Option<&'static str> {
    Some(match text {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

impl CronExpr {
    /// Parses `text` in `dialect`.
    pub fn parse(text: &str, dialect: CronDialect) -> Result<CronExpr, CronError> {
        let p = Parser { dialect };
        let trimmed_start = text.len() - text.trim_start().len();
        let body = text.trim();
        if body.is_empty() {
            return Err(p.err(
                0..text.len(),
                "the cron expression is empty",
                "expected a cron expression",
            ));
        }
        if body.starts_with('@') {
            if dialect != CronDialect::Unix {
                return Err(p.err(
                    trimmed_start..trimmed_start + body.len(),
                    format!(
                        "`{body}` is a Unix preset; the {} dialect has none",
                        dialect_name(dialect)
                    ),
                    "expected the fields of the expression",
                ));
            }
            return match preset(body) {
                Some(expanded) => CronExpr::parse(expanded, dialect),
                None => Err(p.err(
                    trimmed_start..trimmed_start + body.len(),
                    format!("`{body}` is not a cron preset"),
                    "expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly",
                )
                .with_help_if(body == "@once" || body == "@continuous")),
            };
        }
        // Fields and where each starts.
        let mut fields: Vec<(&str, usize)> = Vec::new();
        let mut offset = 0;
        for part in text.split(' ') {
            if !part.is_empty() {
                fields.push((part, offset));
            }
            offset += part.len() + 1;
        }
        if text.contains(['\t', '\n']) {
            let at = text.find(['\t', '\n']).unwrap_or(0);
            return Err(p.err(
                at..at + 1,
                "fields are separated by spaces",
                "expected spaces between fields",
            ));
        }
        let (names, counts): (&str, &[usize]) = match dialect {
            CronDialect::Unix => ("minute hour day-of-month month day-of-week", &[5]),
            CronDialect::Quartz => (
                "second minute hour day-of-month month day-of-week [year]",
                &[6, 7],
            ),
            CronDialect::Dataworks => ("second minute hour day-of-month month day-of-week", &[6]),
        };
        if !counts.contains(&fields.len()) {
            let n = fields.len();
            let want = counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            let mut e = p.err(
                trimmed_start..trimmed_start + body.len(),
                format!(
                    "{} has {n} fields; the {} dialect has {want}",
                    quote(body),
                    dialect_name(dialect)
                ),
                format!("expected {want} fields: {names}"),
            );
            e.expected = format!("expected {want} fields: {names}");
            return Err(e);
        }
        let f = |i: usize| fields[i];
        let (sec, min, hour, dom, mon, dow, year) = match dialect {
            CronDialect::Unix => (None, f(0), f(1), f(2), f(3), f(4), None),
            _ => (
                Some(f(0)),
                f(1),
                f(2),
                f(3),
                f(4),
                f(5),
                fields.get(6).copied(),
            ),
        };
        let seconds = match sec {
            Some((t, at)) => {
                let bits = p.bits(Field::Second, t, at)?;
                if dialect == CronDialect::Dataworks && bits != 1 {
                    return Err(p.err(
                        at..at + t.len(),
                        "DataWorks schedules have minute precision: the seconds field must be 00",
                        "expected `00` in the seconds field",
                    ));
                }
                bits
            }
            None => 1,
        };
        let minutes = p.bits(Field::Minute, min.0, min.1)?;
        let hours = p.bits(Field::Hour, hour.0, hour.1)?;
        let months = p.bits(Field::Month, mon.0, mon.1)? as u16;
        let (dom_spec, dom_star) = p.dom(dom.0, dom.1)?;
        let (dow_spec, dow_star) = p.dow(dow.0, dow.1)?;
        let combine = match dialect {
            // croniter reads `?` as `*` (Airflow 3.3.2 accepts `0 0 ? * *`).
            CronDialect::Unix => {
                if dom_star || dow_star {
                    DayCombine::And
                } else {
                    DayCombine::Or
                }
            }
            // DataWorks (Spring's CronSequenceGenerator underneath): `?` is `*`, and
            // the official example `00 05 00 * * 2,5` sets both fields: they AND.
            CronDialect::Dataworks => DayCombine::And,
            CronDialect::Quartz => {
                let (dq, wq) = (dom.0 == "?", dow.0 == "?");
                if dq == wq {
                    let why = if dq {
                        "both day fields are `?`"
                    } else {
                        "both day-of-month and day-of-week are set"
                    };
                    return Err(CronError {
                        message: format!("{why}: exactly one of them must be `?` in Quartz"),
                        range: dom.1..dow.1 + dow.0.len(),
                        expected: "expected `?` in day-of-month or in day-of-week, not both".into(),
                    });
                }
                DayCombine::And
            }
        };
        let years = match year {
            // Every year, to the calendar's end: a `*` names no range to stop at.
            Some(("*", _)) => None,
            Some((t, at)) => {
                let mut set = vec![false; (YEAR_MAX - YEAR_MIN + 1) as usize];
                for item in p.items(t, at) {
                    p.empty_item(&item, Field::Year)?;
                    for y in p.plain_item(Field::Year, &item)? {
                        set[(y - YEAR_MIN as u32) as usize] = true;
                    }
                }
                Some(set)
            }
            None => None,
        };
        let mut times = Vec::new();
        for h in 0..24u32 {
            if hours & (1 << h) == 0 {
                continue;
            }
            for m in 0..60u32 {
                if minutes & (1 << m) == 0 {
                    continue;
                }
                for s in 0..60u32 {
                    if seconds & (1 << s) != 0 {
                        times.push(h * 3600 + m * 60 + s);
                    }
                }
            }
        }
        // Said, not silent: the other days of a list with `W` never fire.
        let note = match dom_spec {
            DomSpec::NearestWeekday(n) if dom.0.contains(',') => Some(format!(
                "Quartz 2.3.2 fires `{}` only on the weekday nearest day {n}, the smallest \
                 day of the list: the other days never fire",
                dom.0
            )),
            _ => None,
        };
        Ok(CronExpr {
            dialect,
            note,
            dom: dom_spec,
            dow: dow_spec,
            combine,
            months,
            years,
            times,
            every_hour: hours == 0xff_ffff,
        })
    }
}

impl CronError {
    fn with_help_if(mut self, once: bool) -> Self {
        if once {
            self.expected =
                "a schedule that repeats: @once and @continuous are Airflow timetables, not cron"
                    .into();
        }
        self
    }
}

fn quote(s: &str) -> String {
    format!("`{s}`")
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
    fn dataworks_rules() {
        assert!(err("30 00 02 * * ?", CronDialect::Dataworks).contains("seconds field must be 00"));
        assert!(err("00 00 02 * * ? 2025", CronDialect::Dataworks).contains("has 7 fields"));
        assert_eq!(
            p("00 00 00-23/1 * * ?", CronDialect::Dataworks)
                .times_of_day()
                .len(),
            24
        );
        assert_eq!(
            p("00 00/30 * * * ?", CronDialect::Dataworks)
                .times_of_day()
                .len(),
            48
        );
        assert_eq!(
            p("00 00 00-23/6 * * ?", CronDialect::Dataworks).times_of_day(),
            [0, 6 * 3600, 12 * 3600, 18 * 3600]
        );
    }

    #[test]
    fn unix_rules() {
        // Vixie OR when both day fields are restricted.
        let or = p("0 0 1 * MON", CronDialect::Unix);
        assert!(or.matches_date(date(2025, 3, 1)) && or.matches_date(date(2025, 3, 3)));
        assert!(!or.matches_date(date(2025, 3, 4)));
        // croniter: `*/2` is restricted, so this is an OR too (Airflow 3.3.2 conformance).
        let or2 = p("0 0 */2 * MON", CronDialect::Unix);
        assert!(or2.matches_date(date(2025, 3, 1)) && or2.matches_date(date(2025, 3, 10)));
        // AND when one covers its whole range.
        let and = p("0 0 1-31 * MON", CronDialect::Unix);
        assert!(!and.matches_date(date(2025, 3, 1)));
        assert_eq!(p("@hourly", CronDialect::Unix).times_of_day().len(), 24);
        assert!(p("@hourly", CronDialect::Unix).every_hour());
        assert!(err("@once", CronDialect::Unix).contains("not a cron preset"));
        assert!(p("0 0 ? * *", CronDialect::Unix).matches_date(date(2025, 3, 4)));
        assert!(err("0 0 0 * * *", CronDialect::Unix).contains("has 6 fields"));
        assert_eq!(p("0 5-1 * * *", CronDialect::Unix).times_of_day().len(), 21);
        assert!(err("@daily", CronDialect::Quartz).contains("Unix preset"));
    }

    #[test]
    fn errors_point_inside_the_expression() {
        let e = CronExpr::parse("0 0 25 * * ?", CronDialect::Quartz).unwrap_err();
        assert_eq!(e.range, 4..6);
        assert!(e.message.contains("25 is out of range for the hours field"));
        let e = CronExpr::parse("0 */0 * * *", CronDialect::Unix).unwrap_err();
        assert_eq!(e.range, 4..5);
    }
}
