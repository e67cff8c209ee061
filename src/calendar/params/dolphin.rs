//! DolphinScheduler's `$[...]` time placeholders, ported from 3.2.2:
//! `ParameterUtils.dateTemplateParse` (which placeholders are evaluated) and
//! `TimePlaceholderUtils` (`calculateTime`, `calcTimeExpression`, `calcMinutes`,
//! `calcCustomDay`, `calculateYearWeek` and the integer arithmetic of `calculate`).
//! Dates move on the wall clock; the result is formatted as Java's
//! `DateTimeFormatter` formats it, for the pattern letters schedsim knows.

use jiff::Span;
use jiff::civil::{Date, DateTime, Weekday};

/// The value of `$[body]` at schedule time `t`, or `None` when DolphinScheduler leaves
/// the placeholder as it is.
pub(super) fn placeholder(body: &str, t: DateTime) -> Result<Option<String>, String> {
    // `DATE_START_PATTERN = "^[0-9]"` used with `matcher(key).matches()`: a key that
    // is one digit is skipped (`$[1]` stays `$[1]`, ParameterUtilsTest); `$[12]` is
    // formatted like any other (to `12`).
    if body.len() == 1 && body.as_bytes()[0].is_ascii_digit() {
        return Ok(None);
    }
    let fail = |why: String| format!("`$[{body}]`: {why}");
    if body.starts_with("timestamp") {
        return Err(fail(
            "timestamp(...) counts seconds in the DolphinScheduler server's time zone, which \
             schedsim does not simulate"
                .into(),
        ));
    }
    if body.starts_with("year_week") {
        let args = call(body, "year_week").map_err(fail)?;
        let (fmt, first_day) = match args.split_once(',') {
            Some((fmt, day)) => (fmt, calculate(first_arg(day)).map_err(fail)?),
            None => (args, 1),
        };
        return Ok(Some(year_week(t.date(), fmt, first_day)));
    }
    let (at, fmt) = time_expression(body, t).map_err(fail)?;
    format(at, fmt).map(Some).map_err(fail)
}

/// The arguments of `name(...)`: Java takes the text between `name(` and the last
/// character.
fn call<'a>(expr: &'a str, name: &str) -> Result<&'a str, String> {
    expr.strip_prefix(name)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected {name}(format,...)"))
}

/// Java's `split(",")[1]`: the second argument, whatever follows it.
fn first_arg(rest: &str) -> &str {
    rest.split(',').next().unwrap_or(rest)
}

/// `name(format,n)` with exactly two arguments (`params.length == 2`).
fn two_args<'a>(expr: &'a str, name: &str) -> Result<(&'a str, i64), String> {
    let args = call(expr, name)?;
    let parts: Vec<&str> = args.split(',').collect();
    match parts.as_slice() {
        [fmt, n] => Ok((fmt, calculate(n)?)),
        _ => Err(format!("{name} takes (format,expression)")),
    }
}

/// `name(format[,n])`: n is 0 when absent.
fn optional_arg<'a>(expr: &'a str, name: &str) -> Result<(&'a str, i64), String> {
    let args = call(expr, name)?;
    match args.split_once(',') {
        Some((fmt, n)) => Ok((fmt, calculate(first_arg(n))?)),
        None => Ok((args, 0)),
    }
}

fn add(t: DateTime, span: Result<Span, jiff::Error>) -> Result<DateTime, String> {
    span.and_then(|s| t.checked_add(s))
        .map_err(|_| "the date moves out of the calendar (years -9999 to 9999)".to_string())
}

fn days(t: DateTime, n: i64) -> Result<DateTime, String> {
    add(t, Span::new().try_days(n))
}

fn months(t: DateTime, n: i64) -> Result<DateTime, String> {
    add(t, Span::new().try_months(n))
}

/// `DateUtils.getMonday`: the Monday of `t`'s week, Monday to Sunday.
fn monday(t: DateTime) -> Result<DateTime, String> {
    days(t, -i64::from(t.weekday().to_monday_zero_offset()))
}

/// `calcTimeExpression`: the moved date and the format, by the expression's prefix
/// in the order DolphinScheduler tests them.
fn time_expression(expr: &str, t: DateTime) -> Result<(DateTime, &str), String> {
    let first_of_month = |t: DateTime| t.with().day(1).build().map_err(|e| e.to_string());
    let last_of_month = |t: DateTime| {
        let d = t.date().last_of_month();
        Ok::<_, String>(d.to_datetime(t.time()))
    };
    if expr.starts_with("add_months") {
        let (fmt, n) = two_args(expr, "add_months")?;
        return Ok((months(t, n)?, fmt));
    }
    if expr.starts_with("month_begin") {
        let (fmt, n) = two_args(expr, "month_begin")?;
        return Ok((days(first_of_month(t)?, n)?, fmt));
    }
    if expr.starts_with("month_end") {
        let (fmt, n) = two_args(expr, "month_end")?;
        return Ok((days(last_of_month(t)?, n)?, fmt));
    }
    if expr.starts_with("week_begin") {
        let (fmt, n) = two_args(expr, "week_begin")?;
        return Ok((days(monday(t)?, n)?, fmt));
    }
    if expr.starts_with("week_end") {
        let (fmt, n) = two_args(expr, "week_end")?;
        return Ok((days(monday(t)?, 6 + n)?, fmt));
    }
    if expr.starts_with("month_first_day") {
        let (fmt, n) = optional_arg(expr, "month_first_day")?;
        return Ok((months(first_of_month(t)?, n)?, fmt));
    }
    if expr.starts_with("month_last_day") {
        let (fmt, n) = optional_arg(expr, "month_last_day")?;
        return Ok((last_of_month(months(t, n)?)?, fmt));
    }
    // this_day and last_day take no second argument: all of it is the format.
    if expr.starts_with("this_day") {
        return Ok((t, call(expr, "this_day")?));
    }
    if expr.starts_with("last_day") {
        return Ok((days(t, -1)?, call(expr, "last_day")?));
    }
    if expr.starts_with("week_first_day") {
        let (fmt, n) = optional_arg(expr, "week_first_day")?;
        return Ok((days(monday(t)?, 7 * n)?, fmt));
    }
    if expr.starts_with("week_last_day") {
        let (fmt, n) = optional_arg(expr, "week_last_day")?;
        return Ok((days(monday(t)?, 6 + 7 * n)?, fmt));
    }
    calc_minutes(expr, t)
}

/// `calcMinutes(expression, date)`: the last `+` (or, when there is none, the last
/// `-`) followed by a digit starts the offset in days, `N/24` hours or `N/24/60`
/// minutes; anything else is all format (`yyyy-MM-dd`). So `yyyyMMdd-1-1/24` is the
/// format `yyyyMMdd-1` an hour earlier, as in DolphinScheduler.
fn calc_minutes(expr: &str, t: DateTime) -> Result<(DateTime, &str), String> {
    let (sign, at) = if let Some(i) = expr.rfind('+') {
        (1, i)
    } else if let Some(i) = expr.rfind('-') {
        (-1, i)
    } else {
        return Ok((t, expr));
    };
    let offset = &expr[at + 1..];
    match offset.bytes().next() {
        None => Err("an offset sign with nothing after it".into()),
        Some(b) if b.is_ascii_digit() => {
            // `calcMinutes(String)`: "60*24*(N)" with a `/...` tail kept outside.
            let calc = match offset.find('/') {
                Some(i) => format!("60*24*({}){}", &offset[..i], &offset[i..]),
                None => format!("60*24*({offset})"),
            };
            let minutes = self::calc(&calc).map_err(|e| match e {
                // 60*24*(N) minutes past an int: N days cannot be counted.
                Calc::Overflow => format!(
                    "an offset of {}{offset}{} is out of range: DolphinScheduler counts \
                     offsets in int minutes",
                    if sign < 0 { "-" } else { "+" },
                    if offset.contains('/') { "" } else { " days" }
                ),
                e => e.say(offset),
            })?;
            let moved = add(t, Span::new().try_minutes(sign * minutes))?;
            Ok((moved, &expr[..at]))
        }
        Some(_) => Ok((t, expr)),
    }
}

/// Why arithmetic has no value.
#[derive(Debug, PartialEq, Eq)]
enum Calc {
    NotArithmetic,
    Overflow,
    DivideByZero,
}

impl Calc {
    /// The refusal, naming what the user wrote.
    fn say(&self, written: &str) -> String {
        match self {
            Calc::NotArithmetic => {
                format!("`{written}` is not the integer arithmetic DolphinScheduler evaluates")
            }
            Calc::Overflow => format!("`{written}` overflows DolphinScheduler's int"),
            Calc::DivideByZero => format!("`{written}` divides by zero"),
        }
    }
}

/// `TimePlaceholderUtils.calculate` on what the user wrote.
fn calculate(expression: &str) -> Result<i64, String> {
    calc(expression).map_err(|e| e.say(expression.trim()))
}

/// `TimePlaceholderUtils.calculate`: integer arithmetic with `+ - * / ( )` and signs,
/// ported with its infix-to-postfix conversion, quirks included (a leading sign
/// applies to all that follows: `-1+2` is -3). Java's `int` wraps on overflow; an
/// overflow is refused here instead.
fn calc(expression: &str) -> Result<i64, Calc> {
    let expr = expression.trim();
    let bad = || Calc::NotArithmetic;
    // convert(): a sign at the start or after an operator or `(` is unary: P or N.
    let chars: Vec<char> = expr.chars().collect();
    let mut tokens: Vec<String> = Vec::new();
    let mut num = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let unary = (c == '-' || c == '+')
            && (i == 0 || matches!(chars[i - 1], '+' | '-' | '*' | '/' | '('));
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if !num.is_empty() {
            tokens.push(std::mem::take(&mut num));
        }
        match c {
            '-' if unary => tokens.push("N".into()),
            '+' if unary => tokens.push("P".into()),
            '+' | '-' | '*' | '/' | '(' | ')' => tokens.push(c.to_string()),
            _ => return Err(bad()),
        }
    }
    if !num.is_empty() {
        tokens.push(num);
    }
    // convert2SuffixList with compare(): only + - * / pop what is on the stack.
    let binds = |peek: &str, cur: &str| match peek {
        "*" | "/" => matches!(cur, "/" | "*" | "+" | "-"),
        "+" | "-" => matches!(cur, "+" | "-"),
        _ => false,
    };
    let mut postfix: Vec<String> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for tok in tokens {
        if tok.as_bytes()[0].is_ascii_digit() {
            postfix.push(tok);
        } else if tok == "(" {
            stack.push(tok);
        } else if tok == ")" {
            loop {
                match stack.pop() {
                    Some(t) if t == "(" => break,
                    Some(t) => postfix.push(t),
                    None => return Err(bad()),
                }
            }
        } else {
            while stack.last().is_some_and(|peek| binds(peek, &tok)) {
                postfix.extend(stack.pop());
            }
            stack.push(tok);
        }
    }
    postfix.extend(stack.into_iter().rev());
    let overflow = || Calc::Overflow;
    let mut values: Vec<i32> = Vec::new();
    for tok in postfix {
        if tok.as_bytes()[0].is_ascii_digit() {
            values.push(tok.parse().map_err(|_| overflow())?);
            continue;
        }
        let back = values.pop().ok_or_else(bad)?;
        let front = if tok == "P" || tok == "N" {
            0
        } else {
            values.pop().ok_or_else(bad)?
        };
        let v = match tok.as_str() {
            "P" | "+" => front.checked_add(back),
            "N" | "-" => front.checked_sub(back),
            "*" => front.checked_mul(back),
            "/" if back == 0 => return Err(Calc::DivideByZero),
            "/" => front.checked_div(back),
            _ => return Err(bad()),
        };
        values.push(v.ok_or_else(overflow)?);
    }
    match values.as_slice() {
        [.., v] => Ok(i64::from(*v)),
        [] => Err(bad()),
    }
}

/// `transformYearWeek`: the week of the year with weeks starting on `first_day`
/// (2 = Tuesday … 7 = Sunday, anything else Monday) and at least 4 days in the first
/// week, after the calendar year (not the week's year: 2024-12-30 is `202401`).
fn year_week(date: Date, fmt: &str, first_day: i64) -> String {
    let start = match first_day {
        2 => Weekday::Tuesday,
        3 => Weekday::Wednesday,
        4 => Weekday::Thursday,
        5 => Weekday::Friday,
        6 => Weekday::Saturday,
        7 => Weekday::Sunday,
        _ => Weekday::Monday,
    };
    let week = week_of_year(date, start);
    let sep = if fmt.contains('-') { "-" } else { "" };
    format!("{}{sep}{week:02}", date.year())
}

/// `Calendar.WEEK_OF_YEAR` with `setMinimalDaysInFirstWeek(4)`.
fn week_of_year(date: Date, start: Weekday) -> i64 {
    // The first day of week 1 of `year`: the week start on or before January 1st,
    // or the one after when that week has fewer than 4 days in the year.
    let week1 = |year: i16| {
        let jan1 = jiff::civil::date(year, 1, 1);
        let back = i64::from(jan1.weekday().since(start));
        let first = jan1 - Span::new().days(back);
        if back > 3 {
            first + Span::new().days(7)
        } else {
            first
        }
    };
    let between = |a: Date, b: Date| a.until(b).map_or(0, |s| i64::from(s.get_days()));
    let this = week1(date.year());
    if date < this {
        return between(week1(date.year() - 1), date) / 7 + 1;
    }
    if date >= week1(date.year() + 1) {
        return 1;
    }
    between(this, date) / 7 + 1
}

/// Java's `DateTimeFormatter.ofPattern(fmt)` on a local date-time, for the letters
/// schedsim knows (y u M L d H m s, with their widths) and quoted text; any other
/// pattern letter is refused rather than guessed.
pub(super) fn format(t: DateTime, fmt: &str) -> Result<String, String> {
    let mut out = String::with_capacity(fmt.len() + 4);
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // 'text' is literal; '' is a quote.
            let close = chars[i + 1..].iter().position(|&q| q == '\'');
            match close {
                Some(0) => out.push('\''),
                Some(n) => out.extend(&chars[i + 1..i + 1 + n]),
                None => return Err(format!("the quote in `{fmt}` is not closed")),
            }
            i += close.map_or(0, |n| n + 2);
            continue;
        }
        if matches!(c, '[' | ']' | '{' | '}' | '#') {
            return Err(format!(
                "`{c}` in the date format `{fmt}` is not simulated by schedsim"
            ));
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&x| x == c).count();
        let (value, width) = match (c, n) {
            ('y' | 'u', 2) => (i32::from(t.year()).rem_euclid(100), 2),
            ('y' | 'u', _) => (i32::from(t.year()), n),
            ('M' | 'L', 1 | 2) => (i32::from(t.month()), n),
            ('d', 1 | 2) => (i32::from(t.day()), n),
            ('H', 1 | 2) => (i32::from(t.hour()), n),
            ('m', 1 | 2) => (i32::from(t.minute()), n),
            ('s', 1 | 2) => (i32::from(t.second()), n),
            _ => {
                return Err(format!(
                    "`{}` in the date format `{fmt}` is a pattern schedsim does not format \
                     (it formats yyyy, yy, MM, dd, HH, mm, ss)",
                    chars[i..i + n].iter().collect::<String>()
                ));
            }
        };
        super::push_padded(&mut out, value, width);
        i += n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calculate_ports_the_postfix_evaluation() {
        for (expr, want) in [
            ("12*2", 24),
            ("-12*2", -24),
            ("60*24*(7*2)", 20160),
            ("60*24*(1)/24", 60),
            ("60*24*(3)/24/60", 3),
            ("-1+2", -3),
            ("(1+2)*3", 9),
            ("7/2", 3),
            ("-7/2", -3),
            (" 5 ", 5),
        ] {
            assert_eq!(calc(expr), Ok(want), "{expr}");
        }
        assert_eq!(calc("2147483647+1"), Err(Calc::Overflow));
        assert_eq!(calc("99999999999"), Err(Calc::Overflow));
        assert_eq!(calc("1/0"), Err(Calc::DivideByZero));
        for expr in ["a+1", "", "1+", "(1", "1)"] {
            assert_eq!(calc(expr), Err(Calc::NotArithmetic), "{expr}");
        }
    }

    #[test]
    fn week_of_year_follows_java_calendar() {
        use jiff::civil::date;
        // Monday weeks, 4 days minimum: ISO weeks, but after the calendar year.
        assert_eq!(week_of_year(date(2022, 8, 26), Weekday::Monday), 34);
        assert_eq!(week_of_year(date(2024, 12, 30), Weekday::Monday), 1);
        assert_eq!(week_of_year(date(2021, 1, 1), Weekday::Monday), 53);
        assert_eq!(week_of_year(date(2021, 1, 4), Weekday::Monday), 1);
        // java.util.Calendar (OpenJDK 17), minimalDaysInFirstWeek 4, WEEK_OF_YEAR for
        // weeks from Monday, Friday and Sunday.
        for (d, want) in [
            ("2022-08-26", [34, 35, 34]),
            ("2024-12-30", [1, 53, 1]),
            ("2021-01-01", [53, 1, 53]),
            ("2021-01-04", [1, 1, 1]),
            ("2026-12-31", [53, 52, 52]),
            ("2027-01-01", [53, 1, 52]),
            ("2025-12-29", [1, 52, 53]),
            ("2023-01-01", [52, 1, 1]),
        ] {
            let day: Date = d.parse().unwrap();
            let got =
                [Weekday::Monday, Weekday::Friday, Weekday::Sunday].map(|w| week_of_year(day, w));
            assert_eq!(got, want, "{d}");
        }
        assert_eq!(year_week(date(2024, 12, 30), "yyyyMMdd", 1), "202401");
        assert_eq!(year_week(date(2021, 1, 1), "yyyy-MM-dd", 1), "2021-53");
    }

    #[test]
    fn format_refuses_what_it_does_not_know() {
        let t = jiff::civil::date(2025, 3, 5).at(7, 8, 9, 0);
        assert_eq!(format(t, "yyyy-M-d H:m:s").unwrap(), "2025-3-5 7:8:9");
        assert_eq!(format(t, "yyyyMMdd'T'HHmmss").unwrap(), "20250305T070809");
        assert_eq!(format(t, "yy''").unwrap(), "25'");
        assert_eq!(format(t, "12").unwrap(), "12");
        assert!(format(t, "this_day(yyyyMMdd)").is_err());
        assert!(format(t, "EEE").is_err());
        assert!(format(t, "[yyyy]").is_err());
    }
}
