//! Fire times: a cron expression in a time zone under a DST policy.
//!
//! A local fire time is an instant unless daylight saving makes it ambiguous: in a
//! spring-forward gap it does not exist (knob `dst_gap`), in a fall-back fold it
//! exists twice (knob `dst_fold`). Each engine resolves these differently; the
//! profiles' presets reproduce what Quartz 2.3.2, Airflow 3.3.2 and DataWorks do
//! (SEMANTICS.md, conformance files under tests/conformance).

use std::collections::VecDeque;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};

use super::cron::CronExpr;
use crate::rules::{CronStepping, DstFold, DstGap, Timetable};

/// Seconds since the Unix epoch: the engine's clock.
pub type Instant = i64;

/// One fire of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fire {
    /// When it fires.
    pub at: Instant,
    /// The local time the expression named (before any DST shift).
    pub local: DateTime,
    /// The local time did not exist and the fire was moved.
    pub shifted: bool,
}

/// A schedule: what fires, where, and how DST is resolved.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub expr: CronExpr,
    pub tz: TimeZone,
    pub gap: DstGap,
    pub fold: DstFold,
    pub stepping: CronStepping,
}

/// The instants a local time stands for under a DST policy: none, one or two.
pub fn resolve_local(
    tz: &TimeZone,
    local: DateTime,
    gap: DstGap,
    fold: DstFold,
    out: &mut Vec<(Instant, bool)>,
) {
    // Plain arithmetic, not a Timestamp: the calendar's last local day (9999-12-31) lies
    // past jiff's last Timestamp in zones at or west of UTC.
    let at = |offset: Offset| civil_seconds(local) - i64::from(offset.seconds());
    match tz.to_ambiguous_timestamp(local).offset() {
        AmbiguousOffset::Unambiguous { offset } => out.push((at(offset), false)),
        AmbiguousOffset::Gap { before, after } => match gap {
            DstGap::Skip => {}
            // With the offset before the gap, the local time lands past it, moved by
            // the gap's length (02:30 → 03:30).
            DstGap::ShiftByGap => out.push((at(before), true)),
            DstGap::FirstValid => {
                let transition = tz
                    .following(clamped(at(after)))
                    .next()
                    .map(|t| t.timestamp().as_second());
                out.extend(transition.map(|t| (t, true)));
            }
        },
        AmbiguousOffset::Fold { before, after } => {
            let (first, second) = (at(before), at(after));
            match fold {
                DstFold::First => out.push((first, false)),
                DstFold::Second => out.push((second, false)),
                DstFold::Both => out.extend([(first, false), (second, false)]),
            }
        }
    }
}

/// Midnight of 1970-01-01, civil: [`civil_seconds`] counts from it.
const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// How far an instant can lie from its local time read as UTC: jiff's offsets stay
/// within ±25:59:59.
const MAX_OFFSET: i64 = 26 * 3600;

/// A civil time's seconds since 1970-01-01T00:00:00 as if it were UTC: defined for every
/// civil time, -9999-01-01 to 9999-12-31, where a Timestamp is not.
fn civil_seconds(local: DateTime) -> i64 {
    local.duration_since(EPOCH).as_secs()
}

/// The civil time `secs` seconds after 1970-01-01T00:00:00, saturating at the ends of
/// the civil range.
fn civil_at(secs: i64) -> DateTime {
    EPOCH
        .checked_add(SignedDuration::from_secs(secs))
        .unwrap_or(if secs < 0 {
            DateTime::MIN
        } else {
            DateTime::MAX
        })
}

/// The Timestamp nearest to an instant: instants within a day of the civil range's
/// ends lie past jiff's Timestamps, and no zone changes offset there.
fn clamped(at: Instant) -> Timestamp {
    let secs = at.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The zone's offset at an instant.
pub fn offset_at(tz: &TimeZone, at: Instant) -> Offset {
    tz.to_offset(clamped(at))
}

/// Whether the zone's offset changes after `from` and by `to` (a DST transition, or
/// a change of standard time): where a local time can be skipped or repeated.
pub fn offset_changes(tz: &TimeZone, from: Instant, to: Instant) -> bool {
    let mut offset = offset_at(tz, from);
    for tr in tz.following(clamped(from)) {
        if tr.timestamp().as_second() > to {
            break;
        }
        if tr.offset() != offset {
            return true;
        }
        offset = tr.offset();
    }
    false
}

/// [`longest_day`] reads offset changes up to this instant (2100-01-01T00:00:00Z) and
/// two years past `from`: past the zones' tables, a zone repeats one rule every year.
const RULES_REPEAT_BY: Instant = 4_102_444_800;

/// How long the zone's longest local day from `from` on lasts, in seconds: the most
/// time between two instants of one local date (86,400 in a zone that never falls
/// back; 25 hours across a one-hour fall-back, 26 at Antarctica/Troll's two-hour one;
/// 48 at America/Sitka in 1867, when the date repeated).
pub fn longest_day(tz: &TimeZone, from: Instant) -> i64 {
    let midnight = |d: jiff::civil::Date, later: bool| {
        tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .disambiguate(if later {
                jiff::tz::Disambiguation::Later
            } else {
                jiff::tz::Disambiguation::Compatible
            })
            .map(|t| t.as_second())
    };
    // Instants of date `d`: from its first midnight to the last midnight of the next.
    let span = |d: jiff::civil::Date| -> Option<i64> {
        Some(midnight(d.tomorrow().ok()?, true).ok()? - midnight(d, false).ok()?)
    };
    let until = RULES_REPEAT_BY.max(from.saturating_add(2 * 366 * 86_400));
    let mut longest = 86_400;
    // The day a change at `from` falls in began up to a day before.
    for tr in tz.following(clamped(from.saturating_sub(86_400))) {
        let at = tr.timestamp();
        if at.as_second() > until {
            break;
        }
        for t in [
            at.checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap_or(at),
            at,
        ] {
            if let Some(n) = span(tz.to_datetime(t).date()) {
                longest = longest.max(n);
            }
        }
    }
    longest
}

/// One scheduled time: when it is for, and when its run may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick {
    /// The schedule (logical) time.
    pub at: Instant,
    /// When the run may start: the tick itself, or the end of its data interval.
    pub run_after: Instant,
    /// The local time the expression named, before any DST shift.
    pub local: DateTime,
    /// The local time did not exist and the tick was moved.
    pub shifted: bool,
}

impl Schedule {
    /// Every fire in `[from, to]`, both ends included, in time order.
    pub fn fires(&self, from: Instant, to: Instant) -> Fires<'_> {
        match self.stepping {
            CronStepping::Calendar => Fires::Calendar(self.calendar(from, to)),
            CronStepping::Airflow => Fires::Airflow(AirflowSteps {
                schedule: self,
                next: self.align_to_next(from),
                to,
            }),
        }
    }

    /// The first fire of local date `day` after its midnight: what a date-only upper
    /// bound, read as that midnight, leaves out first.
    pub fn first_after_midnight(&self, day: Date) -> Option<Fire> {
        let midnight = local_to_instant(&self.tz, day.to_datetime(jiff::civil::Time::midnight()));
        let end = match day.tomorrow() {
            Ok(next) => {
                local_to_instant(&self.tz, next.to_datetime(jiff::civil::Time::midnight())) - 1
            }
            Err(_) => local_to_instant(&self.tz, day.to_datetime(jiff::civil::Time::MAX)),
        };
        self.fires(midnight.saturating_add(1), end).next()
    }

    /// Runs whose schedule time is in `[from, to]`: with `Timetable::Trigger` each
    /// runs at its tick; with `Timetable::Interval` the run for [t0, t1) runs at t1
    /// (Airflow's data-interval timetables, with their alignment). At most `limit`.
    pub fn ticks(
        &self,
        from: Instant,
        to: Instant,
        timetable: Timetable,
        limit: usize,
    ) -> Vec<Tick> {
        let mut out = Vec::new();
        if timetable == Timetable::Trigger {
            out.extend(self.fires(from, to).take(limit).map(|f| Tick {
                at: f.at,
                run_after: f.at,
                local: f.local,
                shifted: f.shifted,
            }));
            return out;
        }
        let mut fires = self.fires(from, Instant::MAX).peekable();
        if self.stepping == CronStepping::Calendar {
            while let Some(f) = fires.next().filter(|f| f.at <= to && out.len() < limit) {
                let Some(end) = fires.peek() else { break };
                out.push(Tick {
                    at: f.at,
                    run_after: end.at,
                    local: f.local,
                    shifted: f.shifted,
                });
            }
            return out;
        }
        // _DataIntervalTimetable.next_dagrun_info, catchup, earliest = from.
        let Some(earliest) = self.align_to_next(from) else {
            return out;
        };
        let mut start = earliest;
        while start <= to && out.len() < limit {
            let Some(end) = self.get_next(start) else {
                break;
            };
            out.push(Tick {
                at: start,
                run_after: end,
                local: instant_to_local(&self.tz, start),
                shifted: false,
            });
            let Some(mut next) = self.align_to_prev(end).map(|p| p.max(earliest)) else {
                break;
            };
            if next <= start {
                // Airflow retries once, then raises "did not advance": the runs stop.
                match self.get_next(next) {
                    Some(n) if n > start => next = n,
                    _ => break,
                }
            }
            start = next;
        }
        out
    }

    fn calendar(&self, from: Instant, to: Instant) -> CalendarFires<'_> {
        let local = |t: Instant| instant_to_local(&self.tz, t).date();
        // A fire lies within MAX_OFFSET of its local time read as UTC, so the dates
        // whose fires can land in the range are within 3 days of its local ends.
        let margin = Span::new().days(3);
        CalendarFires {
            schedule: self,
            next_date: Some(local(from).saturating_sub(margin)),
            last_date: local(to).saturating_add(margin),
            from,
            to,
            pending: VecDeque::new(),
            day: Vec::new(),
            scratch: Vec::new(),
            last: None,
        }
    }

    /// The fires a local date holds (which may fall just outside it after a DST shift).
    pub fn fires_on(&self, date: Date, out: &mut Vec<Fire>, scratch: &mut Vec<(Instant, bool)>) {
        if !self.expr.matches_date(date) {
            return;
        }
        let midnight = date.to_datetime(jiff::civil::Time::midnight());
        for &secs in self.expr.times_of_day() {
            // A time of day is under 86,400 s: built from its fields, not by span
            // arithmetic (which was a seventh of a year's backfill, issue 15).
            let local = match jiff::civil::Time::new(
                (secs / 3600) as i8,
                (secs / 60 % 60) as i8,
                (secs % 60) as i8,
                0,
            ) {
                Ok(time) => date.to_datetime(time),
                Err(_) => midnight.saturating_add(Span::new().seconds(i64::from(secs))),
            };
            scratch.clear();
            resolve_local(&self.tz, local, self.gap, self.fold, scratch);
            for &(at, shifted) in scratch.iter() {
                out.push(Fire { at, local, shifted });
            }
        }
    }

    /// Airflow's make_aware: the local time resolved by the DST policy.
    fn aware(&self, local: DateTime) -> Option<Instant> {
        let mut out = Vec::with_capacity(2);
        resolve_local(&self.tz, local, self.gap, self.fold, &mut out);
        out.first().map(|(t, _)| *t)
    }

    /// CronMixin._get_next.
    pub(crate) fn get_next(&self, current: Instant) -> Option<Instant> {
        let naive = instant_to_local(&self.tz, current);
        let scheduled = self.expr.next_after(naive)?;
        if self.expr.every_hour() {
            Some(current + naive.duration_until(scheduled).as_secs())
        } else {
            self.aware(scheduled)
        }
    }

    /// CronMixin._get_prev.
    pub(crate) fn get_prev(&self, current: Instant) -> Option<Instant> {
        let naive = instant_to_local(&self.tz, current);
        let scheduled = self.expr.prev_before(naive)?;
        if self.expr.every_hour() {
            Some(current - scheduled.duration_until(naive).as_secs())
        } else {
            self.aware(scheduled)
        }
    }

    /// CronMixin._align_to_next: `current` if it is on a tick, else the next tick.
    pub(crate) fn align_to_next(&self, current: Instant) -> Option<Instant> {
        match self.get_next(current) {
            Some(next) if self.get_prev(next) != Some(current) => Some(next),
            Some(_) => Some(current),
            // No tick after it (the calendar's end): `current` may still be the last.
            None => (self.get_prev(current.saturating_add(1)) == Some(current)).then_some(current),
        }
    }

    /// Under Airflow's stepping, when `from` is a tick (stepping back from it and
    /// forth again comes back to it) that `_align_to_next` still steps past: the tick
    /// it aligns to. That happens across a DST change, where the previous tick Airflow
    /// finds from the next one is not `from` (a spring-forward gap read forward makes
    /// the next tick its own previous one). Airflow's backfills and catch-up from
    /// `from` leave it out; so does [`Schedule::fires`].
    pub fn aligned_past(&self, from: Instant) -> Option<Instant> {
        if self.stepping != CronStepping::Airflow {
            return None;
        }
        let next = self.align_to_next(from)?;
        (next != from && self.align_to_prev(from) == Some(from)).then_some(next)
    }

    /// CronMixin._align_to_prev: `current` if it is on a tick, else the previous tick.
    pub(crate) fn align_to_prev(&self, current: Instant) -> Option<Instant> {
        match self.get_prev(current) {
            Some(prev) if self.get_next(prev) != Some(current) => Some(prev),
            Some(_) => Some(current),
            // No tick before it (the calendar's start): `current` may still be the first.
            None => (self.get_next(current.saturating_sub(1)) == Some(current)).then_some(current),
        }
    }
}

/// Fires in a range, by either stepping.
pub enum Fires<'a> {
    Calendar(CalendarFires<'a>),
    Airflow(AirflowSteps<'a>),
}

impl Iterator for Fires<'_> {
    type Item = Fire;

    fn next(&mut self) -> Option<Fire> {
        match self {
            Fires::Calendar(c) => c.next(),
            Fires::Airflow(a) => a.next(),
        }
    }
}

/// Airflow's stepping: each tick from the one before.
pub struct AirflowSteps<'a> {
    schedule: &'a Schedule,
    next: Option<Instant>,
    to: Instant,
}

impl Iterator for AirflowSteps<'_> {
    type Item = Fire;

    fn next(&mut self) -> Option<Fire> {
        let at = self.next.filter(|t| *t <= self.to)?;
        let following = self.schedule.get_next(at);
        // A step that does not advance would repeat forever: stop, as Airflow does.
        self.next = following.filter(|n| *n > at);
        let local = instant_to_local(&self.schedule.tz, at);
        Some(Fire {
            at,
            local,
            shifted: false,
        })
    }
}

/// Fires in a range, produced a day at a time with reused buffers, strictly increasing.
///
/// A DST shift can move a fire onto or past the fires of the next local date (a gap
/// across midnight, Pacific/Apia's skipped 2011-12-30), so fires wait in `pending`,
/// sorted, until no later date can produce an earlier one; two local times that land
/// on one instant (02:00 shifted onto 03:00) are one fire, the first generated.
pub struct CalendarFires<'a> {
    schedule: &'a Schedule,
    next_date: Option<Date>,
    last_date: Date,
    from: Instant,
    to: Instant,
    pending: VecDeque<Fire>,
    day: Vec<Fire>,
    scratch: Vec<(Instant, bool)>,
    /// The last fire returned.
    last: Option<Instant>,
}

impl Iterator for CalendarFires<'_> {
    type Item = Fire;

    fn next(&mut self) -> Option<Fire> {
        loop {
            let next_date = self.next_date.filter(|d| *d <= self.last_date);
            if let Some(f) = self.pending.front().copied() {
                // Every fire of a date d is at or after d's midnight read as UTC, less
                // MAX_OFFSET.
                let settled = next_date.is_none_or(|d| {
                    f.at < civil_seconds(d.to_datetime(jiff::civil::Time::midnight())) - MAX_OFFSET
                });
                if settled {
                    self.pending.pop_front();
                    if f.at < self.from || f.at > self.to || self.last.is_some_and(|l| f.at <= l) {
                        continue;
                    }
                    self.last = Some(f.at);
                    return Some(f);
                }
            }
            let date = next_date?;
            self.next_date = date.tomorrow().ok();
            self.day.clear();
            self.schedule
                .fires_on(date, &mut self.day, &mut self.scratch);
            let ordered = self.pending.back().is_none_or(|b| {
                self.day.first().is_none_or(|f| b.at <= f.at) && self.day.is_sorted_by_key(|f| f.at)
            });
            self.pending.extend(self.day.drain(..));
            if !ordered {
                // Stable: of two fires on one instant, the one generated first stays first.
                self.pending.make_contiguous().sort_by_key(|f| f.at);
            }
        }
    }
}

/// Local civil time → instant with the policy, for values a user typed (scenario times).
pub fn local_to_instant(tz: &TimeZone, local: DateTime) -> Instant {
    let mut out = Vec::with_capacity(2);
    resolve_local(tz, local, DstGap::ShiftByGap, DstFold::First, &mut out);
    // ShiftByGap and First always give one instant.
    out.first().map_or(civil_seconds(local), |(t, _)| *t)
}

/// What [`local_to_instant`] did with a bound a user typed, when it is not one
/// instant of the zone: in a daylight-saving gap it does not exist and is read past
/// the gap; in a fold it is two instants and is read as the first.
pub fn bound_note(tz: &TimeZone, what: &str, local: DateTime) -> Option<String> {
    // Every planner and every engine asks (explore's thousands of cases): the note's
    // text is made only for a time that is not one instant.
    let gap = match tz.to_ambiguous_timestamp(local).offset() {
        AmbiguousOffset::Unambiguous { .. } => return None,
        AmbiguousOffset::Gap { .. } => true,
        AmbiguousOffset::Fold { .. } => false,
    };
    let zone = tz.iana_name().unwrap_or("the model's time zone");
    let at = rfc3339(tz, local_to_instant(tz, local));
    Some(if gap {
        format!(
            "{what} {local} does not exist in {zone} (clocks skip it): read as {at}, past the gap"
        )
    } else {
        format!("{what} {local} happens twice in {zone} (clocks go back): read as the first, {at}")
    })
}

/// Instant → local civil time (saturating at the ends of the civil range).
pub fn instant_to_local(tz: &TimeZone, at: Instant) -> DateTime {
    civil_at(at.saturating_add(i64::from(offset_at(tz, at).seconds())))
}

/// RFC 3339 with the zone's offset: `2025-03-01T00:00:00+08:00`.
pub fn rfc3339(tz: &TimeZone, at: Instant) -> String {
    let mut broken = jiff::fmt::strtime::BrokenDownTime::from(instant_to_local(tz, at));
    broken.set_offset(Some(offset_at(tz, at)));
    broken
        .to_string("%Y-%m-%dT%H:%M:%S%:z")
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_longest_local_day_is_read_from_the_zone() {
        let tz = |name| jiff::tz::TimeZone::get(name).unwrap();
        let since_1970 = |name| super::longest_day(&tz(name), 0);
        assert_eq!(super::longest_day(&jiff::tz::TimeZone::UTC, 0), 86_400);
        assert_eq!(since_1970("Asia/Shanghai"), 90_000);
        assert_eq!(since_1970("Europe/Berlin"), 90_000);
        // Half an hour back each year, an hour in the early 1980s.
        assert_eq!(since_1970("Australia/Lord_Howe"), 90_000);
        let y2000 = 946_684_800;
        assert_eq!(
            super::longest_day(&tz("Australia/Lord_Howe"), y2000),
            88_200
        );
        // Two hours back each year.
        assert_eq!(since_1970("Antarctica/Troll"), 93_600);
        // Sitka went from Pacific daylight to Yukon standard time on 1983-10-30, two
        // hours back; in 1867 Alaska's date repeated (the clocks went back a day).
        assert_eq!(since_1970("America/Sitka"), 93_600);
        assert_eq!(super::longest_day(&tz("America/Sitka"), y2000), 90_000);
        let first = crate::calendar::FIRST_INSTANT;
        assert_eq!(super::longest_day(&tz("America/Sitka"), first), 172_800);
        // Past the zone's table: its rule.
        let y2500 = 16_725_225_600;
        assert_eq!(super::longest_day(&tz("America/New_York"), y2500), 90_000);
        assert_eq!(super::longest_day(&tz("Asia/Shanghai"), y2500), 86_400);
    }

    use super::*;
    use crate::rules::CronDialect;
    use jiff::civil::date;

    fn ny() -> TimeZone {
        crate::model::tzdb().get("America/New_York").unwrap()
    }

    fn fires(
        expr: &str,
        dialect: CronDialect,
        gap: DstGap,
        fold: DstFold,
        day: Date,
    ) -> Vec<String> {
        let tz = ny();
        let stepping = if dialect == CronDialect::Unix {
            CronStepping::Airflow
        } else {
            CronStepping::Calendar
        };
        let s = Schedule {
            expr: CronExpr::parse(expr, dialect).unwrap(),
            tz: tz.clone(),
            gap,
            fold,
            stepping,
        };
        let from = local_to_instant(&tz, day.to_datetime(jiff::civil::Time::midnight()));
        let to = local_to_instant(
            &tz,
            day.tomorrow()
                .unwrap()
                .to_datetime(jiff::civil::Time::midnight()),
        ) - 1;
        s.fires(from, to).map(|f| rfc3339(&tz, f.at)).collect()
    }

    // semantics.md, DST table (America/New_York, 2025: spring 03-09, fall 11-02).
    #[test]
    fn spring_forward_daily_0230() {
        let spring = date(2025, 3, 9);
        let q = fires(
            "0 30 2 * * ?",
            CronDialect::Quartz,
            DstGap::Skip,
            DstFold::Second,
            spring,
        );
        assert!(q.is_empty(), "Quartz skips: {q:?}");
        let a = fires(
            "30 2 * * *",
            CronDialect::Unix,
            DstGap::ShiftByGap,
            DstFold::Second,
            spring,
        );
        assert_eq!(a, ["2025-03-09T03:30:00-04:00"]);
        let f = fires(
            "0 30 2 * * ?",
            CronDialect::Quartz,
            DstGap::FirstValid,
            DstFold::Second,
            spring,
        );
        assert_eq!(f, ["2025-03-09T03:00:00-04:00"]);
    }

    #[test]
    fn fall_back_daily_0130_fires_once_at_the_second() {
        let fall = date(2025, 11, 2);
        let q = fires(
            "0 30 1 * * ?",
            CronDialect::Quartz,
            DstGap::Skip,
            DstFold::Second,
            fall,
        );
        assert_eq!(q, ["2025-11-02T01:30:00-05:00"]);
        let a = fires(
            "30 1 * * *",
            CronDialect::Unix,
            DstGap::ShiftByGap,
            DstFold::Second,
            fall,
        );
        assert_eq!(a, ["2025-11-02T01:30:00-05:00"]);
        let both = fires(
            "0 30 1 * * ?",
            CronDialect::Quartz,
            DstGap::Skip,
            DstFold::Both,
            fall,
        );
        assert_eq!(
            both,
            ["2025-11-02T01:30:00-04:00", "2025-11-02T01:30:00-05:00"]
        );
    }

    #[test]
    fn hourly_counts_on_transition_days() {
        let (spring, fall) = (date(2025, 3, 9), date(2025, 11, 2));
        let count = |e, d, g, f, day| fires(e, d, g, f, day).len();
        assert_eq!(
            count(
                "0 0 * * * ?",
                CronDialect::Quartz,
                DstGap::Skip,
                DstFold::Second,
                spring
            ),
            23
        );
        assert_eq!(
            count(
                "0 0 * * * ?",
                CronDialect::Quartz,
                DstGap::Skip,
                DstFold::Second,
                fall
            ),
            24
        );
        assert_eq!(
            count(
                "0 * * * *",
                CronDialect::Unix,
                DstGap::ShiftByGap,
                DstFold::Second,
                spring
            ),
            23
        );
        assert_eq!(
            count(
                "0 * * * *",
                CronDialect::Unix,
                DstGap::ShiftByGap,
                DstFold::Second,
                fall
            ),
            25
        );
        assert_eq!(
            count(
                "00 00 00-23/1 * * ?",
                CronDialect::Dataworks,
                DstGap::ShiftByGap,
                DstFold::Second,
                spring
            ),
            23
        );
        assert_eq!(
            count(
                "00 00 00-23/1 * * ?",
                CronDialect::Dataworks,
                DstGap::ShiftByGap,
                DstFold::Second,
                fall
            ),
            24
        );
    }

    #[test]
    fn ranges_include_both_ends_and_stay_in_order() {
        let tz = crate::model::tzdb().get("Asia/Shanghai").unwrap();
        let s = Schedule {
            expr: CronExpr::parse("00 00 00-23/1 * * ?", CronDialect::Dataworks).unwrap(),
            tz: tz.clone(),
            gap: DstGap::ShiftByGap,
            fold: DstFold::Second,
            stepping: CronStepping::Calendar,
        };
        let from = local_to_instant(&tz, date(2025, 3, 2).at(0, 0, 0, 0));
        let to = local_to_instant(&tz, date(2025, 3, 2).at(1, 0, 0, 0));
        let got: Vec<String> = s.fires(from, to).map(|f| rfc3339(&tz, f.at)).collect();
        assert_eq!(
            got,
            ["2025-03-02T00:00:00+08:00", "2025-03-02T01:00:00+08:00"]
        );
    }
}
