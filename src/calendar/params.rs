//! Scheduling parameters in partition expressions: what an instance writes where.
//!
//! DataWorks (DW §1): `${fmt±N}` formats the business date (N in the format's smallest
//! unit: years, months or days); `$[fmt±N]` the scheduled time (N days, `N/24` hours,
//! `N/24/60` minutes, combinable; days on the calendar, hours and minutes on the clock,
//! DW §2 D3–D8), `$[add_months(fmt,±N)]`; `${bizdate}`, `$bizdate`, `$cyctime`,
//! `$gmtdate`, `$bizmonth` (another `$identifier` is refused). DolphinScheduler (DS §1.6): `$[...]` on the schedule time as 3.2.2's
//! `TimePlaceholderUtils` evaluates it (`dolphin.rs`: offsets with integer arithmetic,
//! `add_months`, `this_day`, `last_day`, `year_week`, `month_first_day` and the other
//! date functions; a lone digit `$[1]` left as it is), `${system.biz.date}`,
//! `${system.biz.curdate}`, `${system.datetime}`, `${schedule_time}`. Airflow: `{{ ds }}`, `{{ ds_nodash }}`, `{{ ts }}`,
//! `{{ logical_date }}`, `{{ data_interval_start }}`, `{{ data_interval_end }}`.
//! Everywhere: `today()` and `now()` evaluate from the execution's virtual time, which
//! is how a backfill writes into the wrong partition.

use jiff::Span;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::schedule::{Instant, instant_to_local, resolve_local};
use crate::rules::{DstFold, DstGap};

mod dolphin;

/// What an expression is evaluated against.
#[derive(Clone, Copy, Debug)]
pub struct Context<'z> {
    /// DataWorks business date.
    pub business_date: Date,
    /// Scheduled (logical) time, local.
    pub scheduled: DateTime,
    /// The scheduled time as an instant, and the model's zone: DataWorks moves a
    /// `$[...]` by hours and minutes on the clock, not on the wall (DW §2 D3–D7).
    pub scheduled_at: Instant,
    pub zone: &'z TimeZone,
    /// Airflow's logical date (the scheduled time) and the end of its data interval,
    /// in UTC: Airflow renders its templates from the run's UTC datetimes
    /// (`task_runner.py` `ds = logical_date.strftime("%Y-%m-%d")`, `ts =
    /// logical_date.isoformat()`), so `{{ ds }}` of a run at 02:00 in Shanghai is the
    /// day before. The scheduled time elsewhere.
    pub logical_utc: DateTime,
    pub interval_end_utc: DateTime,
    /// When the execution ran, local: what `today()` and `now()` see.
    pub executed: DateTime,
}

/// The zone of [`Context::example`].
static UTC: TimeZone = TimeZone::UTC;

impl Context<'static> {
    /// A fixed instance (scheduled 2025-03-02 00:00 UTC), to check an expression's
    /// syntax.
    pub fn example() -> Context<'static> {
        let scheduled = jiff::civil::date(2025, 3, 2).at(0, 0, 0, 0);
        Context {
            business_date: jiff::civil::date(2025, 3, 1),
            scheduled,
            scheduled_at: 1_740_873_600,
            zone: &UTC,
            logical_utc: scheduled,
            interval_end_utc: scheduled,
            executed: scheduled,
        }
    }
}

/// Which family of parameters an expression uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Dataworks,
    Dolphinscheduler,
    Airflow,
}

impl Flavor {
    /// The family a profile's date convention uses.
    pub fn of(rules: &crate::rules::Rules) -> Flavor {
        match rules.date_convention {
            crate::rules::DateConvention::BusinessDate => Flavor::Dataworks,
            crate::rules::DateConvention::ScheduleTime => Flavor::Dolphinscheduler,
            crate::rules::DateConvention::LogicalDate => Flavor::Airflow,
        }
    }
}

/// Evaluates every parameter in `text`. Errors name the parameter.
pub fn evaluate(text: &str, flavor: Flavor, cx: &Context) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("today()") {
            out.push_str(&format(cx.executed, "yyyymmdd", Flavor::Dataworks));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("now()") {
            out.push_str(&format(cx.executed, "yyyymmddhh24miss", Flavor::Dataworks));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("${") {
            let (body, after) = r
                .split_once('}')
                .ok_or_else(|| format!("`${{{r}` is not closed"))?;
            out.push_str(&brace(body, flavor, cx)?);
            rest = after;
        } else if let Some(r) = rest.strip_prefix("$[") {
            let (body, after) = r
                .split_once(']')
                .ok_or_else(|| format!("`$[{r}` is not closed"))?;
            out.push_str(&bracket(body, flavor, cx)?);
            rest = after;
        } else if let Some(r) = rest.strip_prefix("{{") {
            let (body, after) = r
                .split_once("}}")
                .ok_or_else(|| format!("`{{{{{r}` is not closed"))?;
            out.push_str(&jinja(body.trim(), flavor, cx)?);
            rest = after;
        } else if flavor == Flavor::Dataworks
            && let Some(word) = dollar_word(rest)
        {
            out.push_str(&builtin(word, cx)?);
            rest = &rest[word.len()..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// DataWorks' built-in parameters written without brackets (DW §1 rule 4) that name a
/// date; `$jobid`, `$nodeid` and `$taskid` name objects schedsim does not simulate.
const DATAWORKS_BUILTINS: [&str; 4] = ["$bizdate", "$bizmonth", "$cyctime", "$gmtdate"];
const DATAWORKS_IDS: [&str; 3] = ["$jobid", "$nodeid", "$taskid"];

/// The DataWorks built-in that `rest` starts with, or the `$identifier` it starts
/// with; `None` when its `$` starts no identifier (`$1`, a Shell node's argument, or
/// a lone `$`), which is kept as written.
fn dollar_word(rest: &str) -> Option<&str> {
    if let Some(name) = DATAWORKS_BUILTINS
        .into_iter()
        .chain(DATAWORKS_IDS)
        .find(|name| rest.starts_with(name))
    {
        return Some(&rest[..name.len()]);
    }
    let word = rest.strip_prefix('$')?;
    if !word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let end = word
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(word.len());
    Some(&rest[..=end])
}

/// The value of a DataWorks built-in written without brackets, or why there is none.
fn builtin(word: &str, cx: &Context) -> Result<String, String> {
    Ok(match word {
        "$bizdate" => format(cx.business_date.into(), "yyyymmdd", Flavor::Dataworks),
        "$cyctime" => format(cx.scheduled, "yyyymmddhh24miss", Flavor::Dataworks),
        // In a backfill $gmtdate is the business date + 1 (DW §1 rule 4): the scheduled day.
        "$gmtdate" => format(cx.scheduled.date().into(), "yyyymmdd", Flavor::Dataworks),
        // The business date's month, or the month before when that is the current
        // month (DW §1 rule 4); the current day of a simulated instance is its
        // scheduled day, as for $gmtdate.
        "$bizmonth" => {
            let (day, now) = (cx.business_date, cx.scheduled.date());
            let month = if (day.year(), day.month()) == (now.year(), now.month()) {
                day.first_of_month()
                    .yesterday()
                    .map_err(|_| format!("`{word}` of {day} is before the calendar"))?
            } else {
                day
            };
            format(month.into(), "yyyymm", Flavor::Dataworks)
        }
        _ if DATAWORKS_IDS.contains(&word) => {
            return Err(format!(
                "`{word}` is DataWorks' {} ID, which schedsim does not simulate: write the value it stands for",
                &word[1..word.len() - 2]
            ));
        }
        _ => {
            let near = crate::model::diagnostic::did_you_mean(
                word,
                DATAWORKS_BUILTINS.into_iter().chain(DATAWORKS_IDS),
            )
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
            return Err(format!(
                "`{word}` is not a DataWorks built-in parameter ({}){near}",
                DATAWORKS_BUILTINS.map(|b| format!("`{b}`")).join(", ")
            ));
        }
    })
}

fn brace(body: &str, flavor: Flavor, cx: &Context) -> Result<String, String> {
    match flavor {
        Flavor::Dolphinscheduler => {
            let day = cx.scheduled.date();
            match body {
                "system.biz.date" => Ok(format(
                    day.yesterday().map_err(|e| e.to_string())?.into(),
                    "yyyyMMdd",
                    flavor,
                )),
                "system.biz.curdate" => Ok(format(day.into(), "yyyyMMdd", flavor)),
                "system.datetime" => Ok(format(cx.scheduled, "yyyyMMddHHmmss", flavor)),
                "schedule_time" => Ok(format(cx.scheduled, "yyyy-MM-dd HH:mm:ss", flavor)),
                _ => Err(format!(
                    "`${{{body}}}` is not a DolphinScheduler built-in parameter"
                )),
            }
        }
        Flavor::Dataworks if body == "bizdate" => {
            Ok(format(cx.business_date.into(), "yyyymmdd", flavor))
        }
        Flavor::Dataworks => {
            // ${fmt±N}: N in the format's smallest unit, on the business date.
            let (fmt, n) = split_offset(body)?;
            let mut total: i64 = 0;
            for t in &n {
                total = total
                    .checked_add(t.days_only()?)
                    .ok_or_else(|| format!("the offsets of `${{{body}}}` add up past any date"))?;
            }
            let unit = smallest_unit(fmt)
                .ok_or_else(|| format!("`${{{body}}}` has no date in its format"))?;
            let base: DateTime = cx.business_date.into();
            let (span, unit) = match unit {
                'y' => (Span::new().try_years(total), "years"),
                'm' => (Span::new().try_months(total), "months"),
                _ => (Span::new().try_days(total), "days"),
            };
            let shifted = span
                .map_err(|_| out_of_range(&format!("{total} {unit}")))
                .and_then(|s| shift(base, s, &format!("${{{body}}}")))?;
            Ok(format(shifted, fmt, flavor))
        }
        Flavor::Airflow => Err(format!(
            "`${{{body}}}` is not an Airflow template; use {{{{ ... }}}}"
        )),
    }
}

fn bracket(body: &str, flavor: Flavor, cx: &Context) -> Result<String, String> {
    if flavor == Flavor::Airflow {
        return Err(format!(
            "`$[{body}]` is not an Airflow template; use {{{{ ... }}}}"
        ));
    }
    if flavor == Flavor::Dolphinscheduler {
        return Ok(
            dolphin::placeholder(body, cx.scheduled)?.unwrap_or_else(|| format!("$[{body}]"))
        );
    }
    if let Some(args) = body
        .strip_prefix("add_months(")
        .and_then(|b| b.strip_suffix(')'))
    {
        let (fmt, n) = args
            .split_once(',')
            .ok_or("add_months takes (format,months)")?;
        let n: i64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number of months"))?;
        let span = Span::new()
            .try_months(n)
            .map_err(|_| out_of_range(&format!("{n} months")))?;
        let shifted = shift(cx.scheduled, span, &format!("$[{body}]"))?;
        return Ok(format(shifted, fmt.trim(), flavor));
    }
    let (fmt, terms) = split_offset(body)?;
    // Days move the wall time on the calendar (`$[yyyymmdd-1]` is the business date
    // whatever the day's length); hours and minutes move the instant, so on a
    // daylight-saving day `$[hh24-1/24]` of 03:00 is 01:00 past a gap and 02:00 (the
    // first) past a fold (DW §2 D3–D7). The wall-clock sum checks the range.
    let mut days = cx.scheduled;
    let mut t = cx.scheduled;
    let mut clock: i64 = 0;
    for term in terms {
        let span = term.span()?;
        t = shift(t, span, &format!("$[{body}]"))?;
        if term.per_day == 1 {
            days = shift(days, span, &format!("$[{body}]"))?;
        } else {
            clock = clock.saturating_add(term.amount.saturating_mul(86_400 / term.per_day));
        }
    }
    if clock != 0 {
        let from = if days == cx.scheduled {
            cx.scheduled_at
        } else {
            // A day offset onto a gap or a fold resolves as DataWorks' schedules do.
            let mut at = Vec::with_capacity(2);
            resolve_local(cx.zone, days, DstGap::ShiftByGap, DstFold::Second, &mut at);
            at.first().map_or(cx.scheduled_at, |&(at, _)| at)
        };
        t = instant_to_local(cx.zone, from.saturating_add(clock));
    }
    Ok(format(t, fmt, flavor))
}

fn jinja(body: &str, flavor: Flavor, cx: &Context) -> Result<String, String> {
    if flavor != Flavor::Airflow {
        return Err(format!("`{{{{ {body} }}}}` is an Airflow template"));
    }
    let iso = |t: DateTime| format!("{}+00:00", t.strftime("%Y-%m-%dT%H:%M:%S"));
    match body {
        "ds" => Ok(cx.logical_utc.strftime("%Y-%m-%d").to_string()),
        "ds_nodash" => Ok(cx.logical_utc.strftime("%Y%m%d").to_string()),
        "ts" | "logical_date" | "data_interval_start" => Ok(iso(cx.logical_utc)),
        "data_interval_end" => Ok(iso(cx.interval_end_utc)),
        _ => Err(format!(
            "`{{{{ {body} }}}}` is not a template variable schedsim knows"
        )),
    }
}

/// One offset term: sign, count, and a divisor of a day (1, 24 or 1440).
#[derive(Clone, Copy, Debug)]
struct Term {
    amount: i64,
    per_day: i64,
}

/// The refusal of an offset no date can be moved by (jiff's spans, like the calendar,
/// cover about 20,000 years).
fn out_of_range(offset: &str) -> String {
    format!("an offset of {offset} is out of range: no date is that far from another")
}

/// `t` moved by `span`, or why the result is not a date of the calendar.
fn shift(t: DateTime, span: Span, expr: &str) -> Result<DateTime, String> {
    t.checked_add(span).map_err(|_| {
        format!(
            "`{expr}` moves {} out of the calendar (years -9999 to 9999)",
            t.strftime("%Y-%m-%dT%H:%M:%S")
        )
    })
}

impl Term {
    fn span(self) -> Result<Span, String> {
        let (span, unit) = match self.per_day {
            1 => (Span::new().try_days(self.amount), "days"),
            24 => (Span::new().try_hours(self.amount), "hours"),
            _ => (Span::new().try_minutes(self.amount), "minutes"),
        };
        span.map_err(|_| out_of_range(&format!("{} {unit}", self.amount)))
    }

    fn days_only(self) -> Result<i64, String> {
        if self.per_day == 1 {
            Ok(self.amount)
        } else {
            Err("hour and minute offsets are not allowed in ${...}: use $[...]".into())
        }
    }
}

/// `yyyymmdd-1-1/24` → ("yyyymmdd", [-1 day, -1 hour]). A `-` or `+` starts an offset
/// only when a digit follows; otherwise it belongs to the format (`yyyy-mm-dd`).
fn split_offset(body: &str) -> Result<(&str, Vec<Term>), String> {
    let bytes = body.as_bytes();
    let start = (0..bytes.len())
        .find(|&i| {
            (bytes[i] == b'-' || bytes[i] == b'+')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
        })
        .unwrap_or(body.len());
    let (fmt, mut rest) = body.split_at(start);
    let mut terms = Vec::new();
    while !rest.is_empty() {
        let sign = if rest.starts_with('-') { -1 } else { 1 };
        rest = &rest[1..];
        let end = rest.find(['-', '+']).unwrap_or(rest.len());
        let (term, tail) = rest.split_at(end);
        rest = tail;
        let mut parts = term.split('/');
        let product = parts.next().unwrap_or_default();
        let mut amount: i64 = 1;
        for factor in product.split('*') {
            let factor = factor.parse::<i64>().map_err(|e| {
                if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) {
                    format!("`{term}` is too large to be an offset")
                } else {
                    format!("`{term}` is not an offset")
                }
            })?;
            amount = amount
                .checked_mul(factor)
                .ok_or_else(|| format!("`{term}` is too large to be an offset"))?;
        }
        let per_day = match (parts.next(), parts.next(), parts.next()) {
            (None, None, None) => 1,
            (Some("24"), None, None) => 24,
            (Some("24"), Some("60"), None) => 1440,
            _ => return Err(format!("`{term}` is not an offset: use N, N/24 or N/24/60")),
        };
        terms.push(Term {
            // amount is a product of non-negative numbers, so its negation exists.
            amount: sign * amount,
            per_day,
        });
    }
    Ok((fmt, terms))
}

/// y, m or d: the smallest date unit in a DataWorks format.
fn smallest_unit(fmt: &str) -> Option<char> {
    let f = fmt.to_ascii_lowercase();
    if f.contains("dd") {
        Some('d')
    } else if f.contains("mm") {
        Some('m')
    } else if f.contains("yy") {
        Some('y')
    } else {
        None
    }
}

/// Formats a local time with DataWorks tokens (yyyy yy mm dd hh24 hh12 hh mi ss) or
/// DolphinScheduler's Java tokens (yyyy yy MM dd HH mm ss); other characters are kept.
/// A field of a date-time, as a format token names it.
#[derive(Clone, Copy)]
enum Field {
    Year,
    Year2,
    Month,
    Day,
    Hour24,
    Hour12,
    Minute,
    Second,
}

/// Appends a non-negative number with leading zeros to `width` digits (every run
/// formats its partitions, so this avoids the formatting machinery).
fn push_padded(out: &mut String, value: i32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut v = value.unsigned_abs();
    let mut n = 0;
    while v > 0 || n == 0 {
        digits[n] = b'0' + (v % 10) as u8;
        v /= 10;
        n += 1;
    }
    if value < 0 {
        out.push('-');
    }
    for _ in n..width {
        out.push('0');
    }
    out.extend(digits[..n].iter().rev().map(|&d| char::from(d)));
}

fn format(t: DateTime, fmt: &str, flavor: Flavor) -> String {
    let tokens: &[(&str, Field)] = match flavor {
        Flavor::Dolphinscheduler => &[
            ("yyyy", Field::Year),
            ("yy", Field::Year2),
            ("MM", Field::Month),
            ("dd", Field::Day),
            ("HH", Field::Hour24),
            ("mm", Field::Minute),
            ("ss", Field::Second),
        ],
        _ => &[
            ("yyyy", Field::Year),
            ("yy", Field::Year2),
            ("hh24", Field::Hour24),
            ("hh12", Field::Hour12),
            ("hh", Field::Hour12),
            ("mm", Field::Month),
            ("dd", Field::Day),
            ("mi", Field::Minute),
            ("ss", Field::Second),
        ],
    };
    let mut out = String::with_capacity(fmt.len() + 4);
    let mut rest = fmt;
    'outer: while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        for &(token, field) in tokens {
            if token.as_bytes()[0] != first {
                continue;
            }
            if let Some(r) = rest.strip_prefix(token) {
                let (value, width) = match field {
                    Field::Year => (i32::from(t.year()), 4),
                    Field::Year2 => (i32::from(t.year()).rem_euclid(100), 2),
                    Field::Month => (i32::from(t.month()), 2),
                    Field::Day => (i32::from(t.day()), 2),
                    Field::Hour24 => (i32::from(t.hour()), 2),
                    Field::Hour12 => ((i32::from(t.hour()) + 11) % 12 + 1, 2),
                    Field::Minute => (i32::from(t.minute()), 2),
                    Field::Second => (i32::from(t.second()), 2),
                };
                push_padded(&mut out, value, width);
                rest = r;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn dw_cx(scheduled: DateTime) -> Context<'static> {
        Context {
            business_date: scheduled.date().yesterday().unwrap(),
            scheduled,
            scheduled_at: scheduled
                .to_zoned(TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_second(),
            zone: &UTC,
            logical_utc: scheduled,
            interval_end_utc: scheduled,
            executed: scheduled,
        }
    }

    fn dw(expr: &str, scheduled: DateTime) -> String {
        evaluate(expr, Flavor::Dataworks, &dw_cx(scheduled)).unwrap()
    }

    // DW §1 worked examples.
    #[test]
    fn padded_numbers_match_the_formatting_machinery() {
        for (v, w) in [(0, 2), (7, 2), (12, 2), (2025, 4), (99, 4), (123_456, 2)] {
            let mut out = String::new();
            push_padded(&mut out, v, w);
            assert_eq!(out, format!("{v:0w$}"));
        }
    }

    #[test]
    fn p1_daily_at_midnight() {
        let t = date(2025, 3, 15).at(0, 0, 0, 0);
        assert_eq!(dw("${yyyymmdd}", t), "20250314");
        assert_eq!(dw("$[yyyymmddhh24miss]", t), "20250315000000");
    }

    #[test]
    fn p2_backfill_of_business_date_0315() {
        // Backfilling business date 2025-03-15 schedules the instance on 03-16.
        let t = date(2025, 3, 16).at(0, 0, 0, 0);
        assert_eq!(dw("${yyyymmdd}", t), "20250315");
        assert_eq!(dw("$[yyyymmddhh24miss]", t), "20250316000000");
        assert_eq!(dw("$gmtdate", t), "20250316");
    }

    #[test]
    fn p3_builtins() {
        let t = date(2025, 11, 1).at(0, 0, 0, 0);
        assert_eq!(
            dw("$bizdate/$cyctime/$gmtdate", t),
            "20251031/20251101000000/20251101"
        );
    }

    #[test]
    fn p4_every_token() {
        let t = date(2025, 11, 1).at(2, 30, 45, 0);
        let got: Vec<String> = [
            "${yyyy}",
            "$[yyyy]",
            "${mm}",
            "$[mm]",
            "${dd}",
            "$[dd]",
            "$[hh24]",
            "$[hh]",
            "$[mi]",
            "$[ss]",
            "${yyyymm}",
            "$[yyyymm]",
            "${yyyy-mm-dd}",
            "$[yyyy-mm-dd]",
        ]
        .iter()
        .map(|e| dw(e, t))
        .collect();
        assert_eq!(
            got,
            [
                "2025",
                "2025",
                "10",
                "11",
                "31",
                "01",
                "02",
                "02",
                "30",
                "45",
                "202510",
                "202511",
                "2025-10-31",
                "2025-11-01"
            ]
        );
    }

    #[test]
    fn p5_to_p7() {
        assert_eq!(
            dw(
                "$bizdate ${yyyymmdd} $[yyyymmddhh24miss]",
                date(2022, 11, 22).at(1, 0, 0, 0)
            ),
            "20221121 20221121 20221122010000"
        );
        assert_eq!(
            dw("${yyyymm}01", date(2023, 10, 28).at(0, 0, 0, 0)),
            "20231001"
        );
        assert_eq!(
            dw(
                "$[add_months(yyyymmdd,-1)]",
                date(2025, 3, 31).at(0, 0, 0, 0)
            ),
            "20250228"
        );
    }

    #[test]
    fn bizmonth_is_the_month_before_while_the_business_date_is_in_the_current_month() {
        // Scheduled 03-31 (business date 03-30, same month): February.
        assert_eq!(dw("$bizmonth", date(2025, 3, 31).at(0, 0, 0, 0)), "202502");
        // Scheduled 04-01 (business date 03-31, the month before): March.
        assert_eq!(dw("$bizmonth", date(2025, 4, 1).at(0, 0, 0, 0)), "202503");
        // Across a year.
        assert_eq!(dw("$bizmonth", date(2025, 1, 2).at(0, 0, 0, 0)), "202412");
    }

    #[test]
    fn unknown_dollar_words_are_refused_and_other_dollars_kept() {
        let t = date(2025, 3, 2).at(0, 0, 0, 0);
        let err = |e: &str| evaluate(e, Flavor::Dataworks, &dw_cx(t)).unwrap_err();
        assert!(err("dt=$bizdat").contains("did you mean `$bizdate`?"));
        assert!(err("m=$bizmont").contains("did you mean `$bizmonth`?"));
        assert!(err("j=$jobid").contains("job ID"));
        assert!(err("x=$whatever_1").starts_with("`$whatever_1` is not"));
        // A built-in followed by letters is the built-in and the letters, as before.
        assert_eq!(dw("$bizdates/$1/$/a$", t), "20250301s/$1/$/a$");
        // Not the other families' business.
        let ds = evaluate("$bizdat", Flavor::Dolphinscheduler, &dw_cx(t));
        assert_eq!(ds.unwrap(), "$bizdat");
    }

    #[test]
    fn offsets() {
        let t = date(2025, 3, 1).at(0, 30, 0, 0);
        assert_eq!(dw("$[yyyymmdd-1]", t), "20250228");
        assert_eq!(dw("$[hh24-1/24]", t), "23");
        assert_eq!(dw("$[yyyymmddhh24mi-30/24/60]", t), "202503010000");
        assert_eq!(dw("$[yyyymmdd-1-1/24]", t), "20250227");
        assert_eq!(dw("${yyyymmdd-7*1}", t), "20250221");
        assert_eq!(dw("${yyyymm-1}", t), "202501");
        let e = evaluate("${yyyy-mm-dd-1/24}", Flavor::Dataworks, &dw_cx(t)).unwrap_err();
        assert!(e.contains("not allowed in ${...}"), "{e}");
    }

    #[test]
    fn today_follows_the_execution_not_the_schedule() {
        let cx = Context {
            executed: date(2025, 3, 10).at(9, 0, 0, 0),
            ..dw_cx(date(2025, 3, 2).at(0, 0, 0, 0))
        };
        assert_eq!(
            evaluate("dt=today()", Flavor::Dataworks, &cx).unwrap(),
            "dt=20250310"
        );
        assert_eq!(
            evaluate("dt=${bizdate}", Flavor::Dataworks, &cx).unwrap(),
            "dt=20250301"
        );
        assert_eq!(
            evaluate("dt=$bizdate", Flavor::Dataworks, &cx).unwrap(),
            "dt=20250301"
        );
        assert_eq!(
            evaluate("ts=now()", Flavor::Dataworks, &cx).unwrap(),
            "ts=20250310090000"
        );
    }

    #[test]
    fn dolphinscheduler_parameters() {
        let t = date(2025, 3, 5).at(2, 0, 0, 0);
        let cx = Context {
            business_date: t.date(),
            ..dw_cx(t)
        };
        let ds = |e: &str| evaluate(e, Flavor::Dolphinscheduler, &cx).unwrap();
        assert_eq!(ds("dt=$[yyyyMMdd-1]"), "dt=20250304");
        assert_eq!(
            ds("${system.biz.date}/${system.biz.curdate}"),
            "20250304/20250305"
        );
        assert_eq!(ds("${system.datetime}"), "20250305020000");
        assert_eq!(ds("${schedule_time}"), "2025-03-05 02:00:00");
        assert_eq!(ds("$[add_months(yyyyMMdd,-1)]"), "20250205");
        assert_eq!(ds("$[HHmmss-1/24]"), "010000");
        assert!(evaluate("${bizdate}", Flavor::Dolphinscheduler, &cx).is_err());
    }

    #[test]
    fn airflow_templates() {
        let t = date(2025, 3, 1).at(0, 0, 0, 0);
        let cx = Context {
            interval_end_utc: date(2025, 3, 2).at(0, 0, 0, 0),
            ..dw_cx(t)
        };
        let af = |e: &str| evaluate(e, Flavor::Airflow, &cx).unwrap();
        assert_eq!(af("ds={{ ds }}"), "ds=2025-03-01");
        assert_eq!(af("{{ds_nodash}}"), "20250301");
        assert_eq!(
            af("{{ data_interval_start }}|{{ data_interval_end }}"),
            "2025-03-01T00:00:00+00:00|2025-03-02T00:00:00+00:00"
        );
        // A run at 02:00 in Shanghai is 18:00 UTC the day before: Airflow's `ds`.
        let shanghai = Context {
            scheduled: date(2025, 3, 2).at(2, 0, 0, 0),
            logical_utc: date(2025, 3, 1).at(18, 0, 0, 0),
            interval_end_utc: date(2025, 3, 2).at(18, 0, 0, 0),
            ..dw_cx(t)
        };
        let af = |e: &str| evaluate(e, Flavor::Airflow, &shanghai).unwrap();
        assert_eq!(
            af("{{ ds }}|{{ ts }}"),
            "2025-03-01|2025-03-01T18:00:00+00:00"
        );
        assert!(evaluate("{{ dag.owner }}", Flavor::Airflow, &cx).is_err());
        assert!(evaluate("$[yyyyMMdd]", Flavor::Airflow, &cx).is_err());
    }
}
