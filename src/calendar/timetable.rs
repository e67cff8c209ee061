//! Airflow's timetables beyond one cron: `catchup`, `start_date`/`end_date`, delta
//! schedules (`timedelta`, `relativedelta`), `@once`, `CronTriggerTimetable(interval=)`,
//! `MultipleCronTriggerTimetable`, and the data interval of a manual run.
//!
//! Each timetable is a port of Airflow 3.3.2's `next_dagrun_info` (airflow/timetables/
//! trigger.py, interval.py, simple.py, _delta.py), driven as its callers drive it: a
//! backfill (`iter_dagrun_infos_between`, catchup, the request's range as the
//! restriction), the scheduler (`next_dagrun_info` after each run it creates, `now` the
//! moment it asks, the DAG's start and end dates as the restriction) and `dags trigger`
//! (`infer_manual_data_interval`). The conformance file
//! tests/conformance/airflow-3.3.2-timetables.jsonl holds what Airflow itself returns.

use jiff::{Span, civil::DateTime};

use super::schedule::{Instant, Schedule, Tick, instant_to_local};
use crate::rules::Timetable as TimetableKind;

/// A `timedelta` (seconds) or a `relativedelta` with months (applied on UTC's calendar:
/// Airflow adds deltas to UTC datetimes, `convert_to_utc(current + delta)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delta {
    pub months: i32,
    pub seconds: i64,
}

impl Delta {
    pub fn seconds(seconds: i64) -> Delta {
        Delta { months: 0, seconds }
    }

    /// `t + delta`, or None past the calendar.
    pub fn after(self, t: Instant) -> Option<Instant> {
        self.shift(t, 1)
    }

    /// `t - delta`.
    pub fn before(self, t: Instant) -> Option<Instant> {
        self.shift(t, -1)
    }

    fn shift(self, t: Instant, sign: i64) -> Option<Instant> {
        let t = if self.months == 0 {
            t
        } else {
            let utc = civil(t)?;
            let moved = utc
                .checked_add(Span::new().try_months(i64::from(self.months) * sign).ok()?)
                .ok()?;
            seconds_of(moved)?
        };
        t.checked_add(self.seconds.checked_mul(sign)?)
            .filter(|t| (super::FIRST_INSTANT..=super::LAST_INSTANT).contains(t))
    }
}

/// UTC civil time of an instant.
fn civil(t: Instant) -> Option<DateTime> {
    const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
    EPOCH.checked_add(jiff::SignedDuration::from_secs(t)).ok()
}

fn seconds_of(dt: DateTime) -> Option<Instant> {
    const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
    Some(dt.duration_since(EPOCH).as_secs())
}

/// What a DAG's `schedule` is.
#[derive(Clone, Debug)]
pub enum Kind {
    /// One cron: `CronTriggerTimetable` or `CronDataIntervalTimetable`.
    Cron(Schedule),
    /// `MultipleCronTriggerTimetable`: a run whenever one of them fires, once per time.
    Crons(Vec<Schedule>),
    /// `DeltaTriggerTimetable` or `DeltaDataIntervalTimetable`.
    Delta(Delta),
    /// `OnceTimetable`: one run at the start date.
    Once,
}

/// A run the timetable asks for: its data interval and when it may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    pub start: Instant,
    pub end: Instant,
    pub run_after: Instant,
}

impl Info {
    /// The logical date is the data interval's start (`DagRunInfo.logical_date`).
    pub fn tick(self, tz: &jiff::tz::TimeZone) -> Tick {
        Tick {
            at: self.start,
            run_after: self.run_after,
            local: instant_to_local(tz, self.start),
            shifted: false,
        }
    }
}

/// A DAG's timetable with its restriction.
#[derive(Clone, Debug)]
pub struct Timetable {
    pub kind: Kind,
    /// Data-interval timetable (runs at the end of each interval) rather than trigger.
    pub data_interval: bool,
    /// Trigger timetables: the data interval before each trigger (`interval=`).
    pub interval: Delta,
    /// The DAG's `start_date`: None is the scenario's start (switched on then).
    pub start: Option<Instant>,
    /// The DAG's `end_date`: no scheduled run after it.
    pub end: Option<Instant>,
    pub catchup: bool,
    pub tz: jiff::tz::TimeZone,
}

/// The four stepping functions of a timetable (CronMixin, DeltaMixin).
trait Steps {
    fn next(&self, t: Instant) -> Option<Instant>;
    fn align_next(&self, t: Instant) -> Option<Instant>;
    fn align_prev(&self, t: Instant) -> Option<Instant>;
}

impl Steps for Schedule {
    fn next(&self, t: Instant) -> Option<Instant> {
        self.get_next(t)
    }
    fn align_next(&self, t: Instant) -> Option<Instant> {
        self.align_to_next(t)
    }
    fn align_prev(&self, t: Instant) -> Option<Instant> {
        self.align_to_prev(t)
    }
}

impl Steps for Delta {
    fn next(&self, t: Instant) -> Option<Instant> {
        self.after(t)
    }
    fn align_next(&self, t: Instant) -> Option<Instant> {
        Some(t)
    }
    fn align_prev(&self, t: Instant) -> Option<Instant> {
        Some(t)
    }
}

/// `TimeRestriction` and the scheduler's clock.
#[derive(Clone, Copy, Debug)]
pub struct Restriction {
    pub earliest: Option<Instant>,
    pub latest: Option<Instant>,
    pub catchup: bool,
    /// `utcnow()` when the timetable is asked.
    pub now: Instant,
}

/// `_TriggerTimetable.next_dagrun_info` (earliest None never happens here: a DAG
/// without a start date starts with the scenario).
fn trigger_next(
    s: &dyn Steps,
    interval: impl Fn(Instant) -> Option<Instant>,
    last_end: Option<Instant>,
    r: Restriction,
) -> Option<Info> {
    let next = if r.catchup {
        match last_end {
            Some(end) => s.next(end)?,
            None => s.align_next(r.earliest?)?,
        }
    } else {
        let mut best = s.align_prev(r.now);
        let mut consider = |c: Option<Instant>| {
            if let Some(c) = c {
                best = Some(best.map_or(c, |b| b.max(c)));
            }
        };
        if let Some(end) = last_end {
            consider(s.next(end));
        }
        if let Some(e) = r.earliest {
            consider(s.align_next(e));
        }
        best?
    };
    if r.latest.is_some_and(|l| l < next) {
        return None;
    }
    Some(Info {
        start: interval(next)?,
        end: next,
        run_after: next,
    })
}

/// `_DataIntervalTimetable.next_dagrun_info`, with Airflow 3.3.2's retry when an
/// interval does not advance.
fn interval_next(
    s: &dyn Steps,
    skip: impl Fn(Option<Instant>) -> Option<Instant>,
    last: Option<(Instant, Instant)>,
    r: Restriction,
) -> Option<Info> {
    let earliest = if !r.catchup {
        Some(skip(r.earliest)?)
    } else {
        match r.earliest {
            Some(e) => Some(s.align_next(e)?),
            None => None,
        }
    };
    let start = match last {
        None => earliest?,
        Some((last_start, end)) => {
            let aligned = s.align_prev(end)?;
            let mut start = earliest.map_or(aligned, |e| aligned.max(e));
            if start <= last_start {
                // 3.3.2: one retry, then "did not advance" (an error: the runs stop).
                start = s.next(start)?;
                if start <= last_start {
                    return None;
                }
            }
            start
        }
    };
    if r.latest.is_some_and(|l| start > l) {
        return None;
    }
    let end = s.next(start)?;
    Some(Info {
        start,
        end,
        run_after: end,
    })
}

impl Timetable {
    /// The timetable's `next_dagrun_info` after a run whose data interval was `last`
    /// (start, end).
    pub fn next_info(&self, last: Option<(Instant, Instant)>, r: Restriction) -> Option<Info> {
        let last_end = last.map(|l| l.1);
        match &self.kind {
            Kind::Once => {
                if last_end.is_some() {
                    return None;
                }
                let at = r.earliest?;
                if r.latest.is_some_and(|l| at > l) {
                    return None;
                }
                Some(Info {
                    start: at,
                    end: at,
                    run_after: at,
                })
            }
            Kind::Crons(list) => {
                let infos = list
                    .iter()
                    .filter_map(|s| trigger_next(s, |t| self.interval.before(t), last_end, r));
                // min by logical date (catchup); without catchup the latest already due,
                // else the earliest to come.
                if r.catchup {
                    infos.min_by_key(|i| i.start)
                } else {
                    infos.min_by_key(|i| {
                        if i.start <= r.now {
                            (0, -i128::from(i.start))
                        } else {
                            (1, i128::from(i.start))
                        }
                    })
                }
            }
            Kind::Cron(s) if self.data_interval => {
                let skip = |earliest: Option<Instant>| {
                    // CronDataIntervalTimetable._skip_to_latest
                    let last_start = s.get_prev(r.now)?;
                    let next_start = s.get_next(last_start)?;
                    // Airflow asserts "next schedule shouldn't be earlier" (a fold
                    // of Lord Howe's half hour): the scheduler gets no run.
                    let new_start = match next_start.cmp(&r.now) {
                        std::cmp::Ordering::Equal => last_start,
                        std::cmp::Ordering::Greater => s.get_prev(last_start)?,
                        std::cmp::Ordering::Less => return None,
                    };
                    match earliest {
                        None => Some(new_start),
                        Some(e) => Some(new_start.max(s.align_to_next(e)?)),
                    }
                };
                interval_next(s, skip, last, r)
            }
            Kind::Cron(s) => trigger_next(s, |t| self.interval.before(t), last_end, r),
            Kind::Delta(d) if self.data_interval => {
                let skip = |earliest: Option<Instant>| {
                    // DeltaDataIntervalTimetable._skip_to_latest: a timedelta rounds
                    // on epoch seconds; months step from the start date (3.3.2).
                    let rounded = if d.months == 0 {
                        r.now - r.now.rem_euclid(d.seconds.max(1))
                    } else {
                        let mut boundary = earliest.unwrap_or(r.now);
                        while let Some(next) = d.after(boundary).filter(|n| *n <= r.now) {
                            boundary = next;
                        }
                        boundary
                    };
                    let new_start = d.before(rounded)?;
                    Some(earliest.map_or(new_start, |e| new_start.max(e)))
                };
                interval_next(d, skip, last, r)
            }
            Kind::Delta(d) => trigger_next(d, |t| self.interval.before(t), last_end, r),
        }
    }

    /// A backfill over `[from, to]` (`iter_dagrun_infos_between`: catchup, the range as
    /// the restriction; the DAG's own start and end dates are not consulted), at most
    /// `limit` runs. A data-interval cron keeps the calendar's own stepping
    /// ([`Schedule::ticks`]), which the first conformance file pins.
    pub fn backfill(&self, from: Instant, to: Instant, limit: usize) -> Vec<Tick> {
        if let Kind::Cron(s) = &self.kind
            && (self.data_interval || self.interval == Delta::seconds(0))
        {
            let kind = if self.data_interval {
                TimetableKind::Interval
            } else {
                TimetableKind::Trigger
            };
            return s.ticks(from, to, kind, limit);
        }
        let r = Restriction {
            earliest: Some(from),
            latest: Some(to),
            catchup: true,
            now: from,
        };
        self.drive(r, limit, None, |_| r)
    }

    /// The scheduler from `now` (the scenario's start) to `until`: each run it creates
    /// when its time comes, asking the timetable for the next one at that moment. A DAG
    /// without `start_date` starts with the scenario. Runs whose time comes after
    /// `until` are not listed.
    pub fn recurring(&self, now: Instant, until: Instant, limit: usize) -> Vec<Tick> {
        let r = Restriction {
            earliest: Some(self.start.unwrap_or(now)),
            latest: self.end,
            catchup: self.catchup,
            now,
        };
        // The scheduler asks when it creates a run, a moment after the run's time
        // (exactly at it, croniter's strict `get_prev` would step back across a gap).
        self.drive(r, limit, Some(until), |last| Restriction {
            now: last.run_after.saturating_add(1).max(now),
            ..r
        })
    }

    /// Runs one after another, each asked with the restriction `at` gives after the
    /// previous run; stops when none comes, one does not advance, one may start only
    /// after `until`, or at `limit` runs.
    fn drive(
        &self,
        first: Restriction,
        limit: usize,
        until: Option<Instant>,
        at: impl Fn(&Tick) -> Restriction,
    ) -> Vec<Tick> {
        let mut out: Vec<Tick> = Vec::new();
        let mut last = None;
        let mut r = first;
        while out.len() < limit {
            let Some(info) = self.next_info(last, r) else {
                break;
            };
            if out
                .last()
                .is_some_and(|t| info.start <= t.at && info.run_after <= t.run_after)
                || until.is_some_and(|u| info.run_after > u)
            {
                break;
            }
            let tick = info.tick(&self.tz);
            out.push(tick);
            last = Some((info.start, info.end));
            r = at(&tick);
        }
        out
    }

    /// `infer_manual_data_interval(run_after)`: the data interval of a run triggered by
    /// hand at `run_after`.
    pub fn manual_interval(&self, run_after: Instant) -> Option<(Instant, Instant)> {
        match &self.kind {
            Kind::Once => Some((run_after, run_after)),
            Kind::Cron(s) if self.data_interval => {
                let end = s.align_to_prev(run_after)?;
                Some((s.get_prev(end)?, end))
            }
            Kind::Delta(d) if self.data_interval => Some((d.before(run_after)?, run_after)),
            Kind::Cron(_) | Kind::Crons(_) | Kind::Delta(_) => {
                Some((self.interval.before(run_after)?, run_after))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::schedule::rfc3339;
    use crate::rules::{DsVersion, Profile, Rules};

    fn lord_howe(catchup: bool) -> Timetable {
        let rules = Rules::preset(Profile::Airflow, DsVersion::V3_2);
        let tz = crate::model::tzdb().get("Australia/Lord_Howe").unwrap();
        Timetable {
            kind: Kind::Cron(Schedule {
                expr: crate::calendar::CronExpr::parse("*/20 1-3 * * *", rules.cron_dialect)
                    .unwrap(),
                tz: tz.clone(),
                gap: rules.dst_gap,
                fold: rules.dst_fold,
                stepping: rules.cron_stepping,
            }),
            data_interval: false,
            interval: Delta::seconds(0),
            start: Some(0),
            end: None,
            catchup,
            tz,
        }
    }

    /// Checked against Airflow 3.3.2 (CronTriggerTimetable("*/20 1-3 * * *",
    /// "Australia/Lord_Howe"), last run 2025-10-05T02:30+11:00, asked a second later):
    /// without catchup `_align_to_prev(now)` steps back across the half-hour gap and
    /// lands on 02:50, skipping 02:40; with catchup the next run is 02:40.
    #[test]
    fn catchup_false_in_lord_howe_gap_skips_0240_as_airflow_does() {
        let last = "2025-10-05T02:30:00+11:00"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        let ask = |catchup| {
            let t = lord_howe(catchup);
            let r = Restriction {
                earliest: Some(last - 30 * 86_400),
                latest: None,
                catchup,
                now: last + 1,
            };
            let info = t.next_info(Some((last, last)), r).unwrap();
            rfc3339(&t.tz, info.run_after)
        };
        assert_eq!(ask(false), "2025-10-05T02:50:00+11:00");
        assert_eq!(ask(true), "2025-10-05T02:40:00+11:00");
    }

    #[test]
    fn months_clamp_to_the_month_end_in_utc() {
        let d = Delta {
            months: 1,
            seconds: 0,
        };
        let jan31 = "2025-01-31T05:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        let feb28 = "2025-02-28T05:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second();
        assert_eq!(d.after(jan31), Some(feb28));
        assert_eq!(Delta::seconds(86_400).before(feb28), Some(feb28 - 86_400));
        assert_eq!(Delta::seconds(1).after(crate::calendar::LAST_INSTANT), None);
    }
}
