//! Single values checked where they are written: durations, dates, date-times,
//! windows, shares, counts of at least one, inverted ranges, and keys only some
//! profiles take.

use super::*;
use crate::model::text::{parse_date, parse_datetime, parse_duration, parse_window};

impl Resolver<'_> {
    /// A key that only some profiles have.
    pub(super) fn only_for(
        &mut self,
        span: Option<Range<usize>>,
        key: &str,
        profiles: &[Profile],
        help: &str,
    ) {
        let Some(span) = span else { return };
        let Some(message) = crate::model::only_for_message(key, profiles, self.profile) else {
            return;
        };
        let mut d = Diagnostic::new(
            span,
            message,
            format!("not allowed with profile `{}`", self.profile),
        );
        if !help.is_empty() {
            d = d.help(help);
        }
        self.err(d);
    }

    pub(super) fn duration(&mut self, text: &Sp<DurationText>, what: &str) -> Option<Seconds> {
        match parse_duration(&text.value.0) {
            Ok(0) => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("{what} must be positive"),
                    "expected a duration longer than zero",
                ));
                None
            }
            Ok(s) if s > crate::calendar::CALENDAR_SECONDS => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!(
                        "{what} `{}` is longer than the calendar ({} days, years -9999 to 9999)",
                        text.value.0,
                        crate::calendar::CALENDAR_SECONDS / 86_400
                    ),
                    "expected a duration that ends before 9999-12-31",
                ));
                None
            }
            Ok(s) => Some(s),
            Err(e) => {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a duration such as \"90s\", \"10m\", \"2h\", \"1d\" or \"1h30m\"",
                ));
                None
            }
        }
    }

    pub(super) fn date(&mut self, text: &Sp<DateText>, what: &str) -> Option<civil::Date> {
        parse_date(&text.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a date such as \"2025-03-01\"",
                ))
            })
            .ok()
    }

    pub(super) fn datetime(
        &mut self,
        text: &Sp<DateTimeText>,
        what: &str,
    ) -> Option<civil::DateTime> {
        parse_datetime(&text.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    text.span.clone(),
                    format!("invalid {what}: {e}"),
                    "expected a local date-time such as \"2025-03-01T02:00:00\"",
                ))
            })
            .ok()
    }

    pub(super) fn window(&mut self, w: &Sp<WindowText>) -> Option<(civil::Time, civil::Time)> {
        parse_window(&w.value.0)
            .map_err(|e| {
                self.err(Diagnostic::new(
                    w.span.clone(),
                    e,
                    "expected a window such as \"00:00-01:00\" whose end is not before its start",
                ))
            })
            .ok()
    }

    pub(super) fn share(&mut self, v: &Sp<f64>, what: &str) -> f64 {
        if !(0.0..=1.0).contains(&v.value) {
            self.err(Diagnostic::new(
                v.span.clone(),
                format!("{what} is {} but must be a share between 0 and 1", v.value),
                "expected a number from 0 to 1",
            ));
        }
        v.value.clamp(0.0, 1.0)
    }

    pub(super) fn inverted(
        &mut self,
        from: Range<usize>,
        to: Range<usize>,
        what: &str,
        a: &str,
        b: &str,
    ) {
        self.err(
            Diagnostic::new(
                to,
                format!("inverted {what}: `{b}` comes before `{a}`"),
                format!("expected a value not before {a}"),
            )
            .related(from, format!("{a} is here")),
        );
    }

    pub(super) fn at_least_one(&mut self, v: &Option<Sp<u32>>, what: &str) {
        if let Some(v) = v
            && v.value == 0
        {
            self.err(Diagnostic::new(
                v.span.clone(),
                format!("{what} must be at least 1"),
                "expected a whole number ≥ 1",
            ));
        }
    }
}
