//! A request checked, bounded against `--max-instances` before anything is
//! generated, and listed as units (business dates, or run times with their ticks),
//! with a note for each thing it leaves out.

use super::*;
use crate::calendar::schedule::instant_to_local;
use crate::rules::{DateConvention, FutureInstances, SingleDayRange};

/// The most run times a request whose calendar bound passes `--max-instances` is
/// listed to count them (a recurring window's clip can leave far fewer than its bound);
/// past it, the bound refuses it. About 40 bytes each while listed.
const LISTED_TO_COUNT: u64 = 5_000_000;

impl<'m> Planner<'m> {
    /// Checks the request and lists its units; instances come later, from [`fill`].
    ///
    /// [`fill`]: Planner::fill
    pub fn new(model: &'m Model, req: &Request) -> Result<Self, PlanError> {
        if req.to.start() < req.from.start() {
            return Err(PlanError::Inverted);
        }
        let covered = covered_tasks(model, &req.targets, req.downstream);
        let mut tasks: Vec<(TaskId, Option<Schedule>)> = Vec::with_capacity(covered.len());
        let mut timetables = Vec::with_capacity(covered.len());
        let mut schedules = super::Schedules::default();
        for &t in &covered {
            match timetable::workflow_timetable(model, model.task(t).workflow, false) {
                Some(tt) => {
                    let tt = tt?;
                    let cron = match &tt.kind {
                        crate::calendar::timetable::Kind::Cron(s) => Some(s.clone()),
                        crate::calendar::timetable::Kind::Crons(list) => list.first().cloned(),
                        _ => None,
                    };
                    tasks.push((t, cron));
                    timetables.push(Some(tt));
                }
                None => {
                    tasks.push((t, Some(schedules.of(model, t)?)));
                    timetables.push(None);
                }
            }
        }
        // Count before generating: days × fires per day, for every task.
        let (first, last) = (req.from.start().date(), req.to.start().date());
        let tz = &model.timezone;
        let at_most = tasks
            .iter()
            .zip(&timetables)
            .map(|((_, s), tt)| match (&req.dates, tt, s) {
                (Some(dates), _, _) => dates.len() as u64,
                (None, Some(tt), _) => {
                    // A catch-up from the start date counts from there.
                    let from = local_to_instant(tz, req.from.start());
                    let from = match (req.clip, tt.catchup, tt.start) {
                        (Some(_), true, Some(start)) => start.min(from),
                        _ => from,
                    };
                    timetable::max_runs(tt, from, local_to_instant(tz, req.to.start()))
                }
                (None, None, Some(s)) => s.expr.max_fires_between(first, last),
                (None, None, None) => 0,
            })
            .fold(0u64, u64::saturating_add);
        let business_dates = model.rules.date_convention == DateConvention::BusinessDate;
        // Run times are listed one by one (every tick of every task): a bound past the
        // limit and past what is cheap to list refuses before any is. Business dates
        // are listed as days. Either is counted below.
        if at_most > req.max_instances && !business_dates && at_most > LISTED_TO_COUNT {
            return Err(PlanError::TooMany {
                at_most,
                limit: req.max_instances,
                counted: false,
            });
        }
        let mut slot = vec![None; model.tasks.len()];
        for (i, (t, _)) in tasks.iter().enumerate() {
            slot[t.0 as usize] = Some(i as u32);
        }
        let mut expr_group = Vec::with_capacity(tasks.len());
        for k in 0..tasks.len() {
            // Fires depend on the expression and the zone (a workflow may have its own).
            let same = k > 0
                && match (&tasks[k].1, &tasks[k - 1].1) {
                    (Some(a), Some(b)) => a.expr == b.expr && a.tz == b.tz,
                    _ => false,
                };
            let last = expr_group.last().copied().unwrap_or(0);
            expr_group.push(if same { last } else { last + u32::from(k > 0) });
        }
        let mut planner = Planner {
            model,
            tasks,
            timetables,
            slot,
            expr_group,
            window: req.window,
            clip: req.clip,
            units: Vec::new(),
            at_most,
            exact: None,
            ticks: Vec::new(),
            notes: Vec::new(),
        };
        match model.rules.date_convention {
            DateConvention::BusinessDate => planner.list_dates(req)?,
            DateConvention::ScheduleTime | DateConvention::LogicalDate => {
                planner.list_ticks(req);
                planner.note_date_only_to(req);
            }
        }
        planner.note_effective(first, last);
        planner.note_outside_upstreams();
        // The bound counts every fire of the days around the business dates (a date's
        // instances run on the next day), and of a range a recurring window clips: only
        // the units' own instances, counted up to the limit, say whether the range
        // really passes it.
        if business_dates {
            if at_most > req.max_instances {
                planner.exact = planner.count_up_to(req.max_instances);
            }
        } else {
            planner.exact = Some(planner.ticks.len() as u64);
        }
        if at_most > req.max_instances && planner.exact.is_none_or(|n| n > req.max_instances) {
            return Err(PlanError::TooMany {
                at_most,
                limit: req.max_instances,
                counted: true,
            });
        }
        Ok(planner)
    }

    /// Counts the instances when they were not (business dates within their bound's
    /// budget): whether it did.
    pub fn count(&mut self) -> bool {
        if self.exact.is_some() {
            return false;
        }
        self.exact = self.count_up_to(u64::MAX);
        true
    }

    /// The units' instances, counted unit by unit: `None` once past `limit`.
    pub(super) fn count_up_to(&self, limit: u64) -> Option<u64> {
        let (mut plan, mut scratch) = (UnitPlan::default(), FillScratch::default());
        let mut n = 0u64;
        for &unit in &self.units {
            self.fill_instances(unit, &mut plan, &mut scratch);
            n += plan.instances.len() as u64;
            if n > limit {
                return None;
            }
        }
        Some(n)
    }

    /// DataWorks: each business date B creates the instances scheduled on day B + 1.
    pub(super) fn list_dates(&mut self, req: &Request) -> Result<(), PlanError> {
        let (DateOrTime::Date(first), DateOrTime::Date(last)) = (req.from, req.to) else {
            return Err(PlanError::NeedsDates);
        };
        // No scheduled time of a sub-daily task in the window is an error for the
        // whole request (DW §6 rule 3), whatever the dates.
        if let Some((a, b)) = self.window {
            for (task, s) in &self.tasks {
                let Some(s) = s else { continue };
                let times = s.expr.times_of_day();
                let inside = |secs: &u32| {
                    let t = Time::midnight() + jiff::Span::new().seconds(i64::from(*secs));
                    a <= t && t <= b
                };
                if times.len() > 1 && !times.iter().any(inside) {
                    return Err(PlanError::OutsideWindow {
                        task: self.model.task(*task).name.clone(),
                    });
                }
            }
            // The window narrows sub-daily nodes only (DW §6 rule 3): say which ones
            // it leaves whole.
            let whole: Vec<&str> = self
                .tasks
                .iter()
                .filter(|(_, s)| s.as_ref().is_some_and(|s| s.expr.times_of_day().len() <= 1))
                .map(|(t, _)| self.model.task(*t).name.as_str())
                .collect();
            if !whole.is_empty() {
                self.notes.push(format!(
                    "the window {a}-{b} applies to hourly and minute nodes only: {} run every instance of the range",
                    whole.join(", ")
                ));
            }
        }
        let mut biz = first;
        while biz <= last {
            // A business date's instances are scheduled on the day after: the
            // calendar's last day has none.
            let Ok(next) = biz.tomorrow() else {
                self.notes.push(format!(
                    "business date {biz} is left out: its instances would be scheduled on the day after, past the calendar's last day"
                ));
                break;
            };
            self.units.push(UnitKey::BusinessDate(biz));
            biz = next;
        }
        Ok(())
    }

    /// DolphinScheduler and Airflow: the schedule's times inside the range, both ends
    /// included (DS §1.2, AF §1.4); one unit per distinct time.
    pub(super) fn list_ticks(&mut self, req: &Request) {
        let model = self.model;
        let tz = &model.timezone;
        let rules = &model.rules;
        let from = local_to_instant(tz, req.from.start());
        let to = local_to_instant(tz, req.to.start());
        let bounds: Vec<(&str, jiff::civil::DateTime)> = match &req.dates {
            Some(dates) => dates.iter().map(|&d| ("the complement date", d)).collect(),
            None => vec![
                ("the range's `from`", req.from.start()),
                ("the range's `to`", req.to.start()),
            ],
        };
        for (what, local) in bounds {
            self.notes
                .extend(crate::calendar::schedule::bound_note(tz, what, local));
        }
        if req.dates.is_none() && req.clip.is_none() {
            self.note_aligned_from(from);
        }
        // Runs not due at `now` under `future_instances = skip`: how many, the first.
        let mut not_due: (u64, Option<(Instant, TaskId)>) = (0, None);
        for ((task, schedule), tt) in self.tasks.iter().zip(&self.timetables) {
            let ticks = if let Some(dates) = &req.dates {
                dates
                    .iter()
                    .map(|&local| {
                        let at = local_to_instant(tz, local);
                        crate::calendar::Tick {
                            at,
                            run_after: at,
                            local,
                            shifted: false,
                        }
                    })
                    .collect()
            } else if from == to && rules.single_day_range == SingleDayRange::OneDate {
                // start = end: exactly one date, the start, without consulting the cron.
                vec![crate::calendar::Tick {
                    at: from,
                    run_after: from,
                    local: req.from.start(),
                    shifted: false,
                }]
            } else if let Some(tt) = tt {
                Self::timetable_ticks(tt, from, to, req.clip)
            } else if let Some(schedule) = schedule {
                let ticks = schedule.ticks(from, to, rules.timetable, usize::MAX);
                // A data-interval timetable stops where it cannot find an interval's
                // end (Airflow's "did not advance"; the calendar's end, 9999-12-31).
                let after = ticks.last().map_or(from, |t| t.at.saturating_add(1));
                if rules.timetable == crate::rules::Timetable::Interval
                    && let Some(f) = schedule.fires(after, to).next()
                {
                    self.notes.push(format!(
                        "{}: no run from {} on: the timetable finds no end for its data \
                         interval (Airflow's \"did not advance\", or past 9999-12-31)",
                        model.task(*task).name,
                        rfc3339(tz, f.at)
                    ));
                }
                ticks
            } else {
                Vec::new()
            };
            // A timetable's scheduler already kept its window (and its catch-up runs).
            let scheduler = tt.is_some() && req.clip.is_some();
            for t in ticks {
                if !(scheduler || self.clipped_in(t.at, t.run_after))
                    || !in_effect(model, *task, instant_to_local(tz, t.at).date())
                {
                    continue;
                }
                if rules.future_instances == FutureInstances::Skip
                    && req.now.is_some_and(|now| t.run_after >= now)
                {
                    not_due.0 += 1;
                    let this = (t.at, *task);
                    not_due.1 = Some(not_due.1.map_or(this, |first| first.min(this)));
                    continue;
                }
                self.ticks.push((t.at, t.run_after, *task));
            }
        }
        if let (n, Some((at, task)), Some(now)) = (not_due.0, not_due.1, req.now) {
            self.notes.push(format!(
                "{n} instance{} not created: due at or after the request's time {} \
                 (future_instances = skip: a backfill creates only runs whose interval has \
                 ended), the first {} of {}",
                if n == 1 { " was" } else { "s were" },
                rfc3339(tz, now),
                rfc3339(tz, at),
                model.task(task).name
            ));
        }
        self.ticks.sort_unstable_by_key(|&(at, _, task)| (at, task));
        self.units
            .extend(self.ticks.iter().map(|t| UnitKey::RunTime(t.0)));
        self.units.dedup();
    }

    /// Inside the recurring window: scheduled at or after its start, and firing (its
    /// run may start: the end of an Airflow data interval) at or before `until`.
    pub(super) fn clipped_in(&self, at: Instant, run_after: Instant) -> bool {
        self.clip.is_none_or(|(a, b)| a <= at && run_after <= b)
    }

    /// A task whose effective period leaves out dates of the request: it has no
    /// instance on them, and its downstream binds to nothing there.
    pub(super) fn note_effective(&mut self, first: Date, last: Date) {
        for (task, _) in &self.tasks {
            let t = self.model.task(*task);
            let Some((from, to)) = t.effective else {
                continue;
            };
            if first < from || last > to {
                self.notes.push(format!(
                    "{}: no instance on the dates outside its effective period ({from} to {to}); what depends on it there waits for nothing",
                    t.name
                ));
            }
        }
    }

    /// Upstreams the request does not run: they bind nothing (SEMANTICS.md, Units,
    /// bindings and dates in parallel), so their downstream starts without them.
    pub(super) fn note_outside_upstreams(&mut self) {
        let mut pairs = Vec::new();
        for (task, _) in &self.tasks {
            let t = self.model.task(*task);
            for u in &t.upstream {
                if self.slot[u.0 as usize].is_none() {
                    pairs.push(format!("{} on {}", t.name, self.model.task(*u).name));
                }
            }
        }
        if pairs.is_empty() {
            return;
        }
        self.notes.push(format!(
            "upstreams it does not run bind nothing, so what depends on them starts without waiting: {}; add them to the targets (or `downstream = true` from them) to wait on them",
            first_few(&pairs)
        ));
    }

    /// A date-only `to` is that date's midnight (Airflow's `--to-date` is parsed so,
    /// DolphinScheduler's complement takes date-times and its picker sets 00:00:00):
    /// name the first fire of that day it leaves out.
    pub(super) fn note_date_only_to(&mut self, req: &Request) {
        let (DateOrTime::Date(day), None) = (req.to, &req.dates) else {
            return;
        };
        let tz = &self.model.timezone;
        let first = self
            .tasks
            .iter()
            .zip(&self.timetables)
            .filter(|((task, _), _)| in_effect(self.model, *task, day))
            .filter_map(|((task, s), tt)| match tt {
                Some(tt) => {
                    // The request's own runs (a delta steps from `from`) past midnight.
                    let midnight = local_to_instant(tz, day.to_datetime(Time::midnight()));
                    let end =
                        local_to_instant(tz, day.tomorrow().ok()?.to_datetime(Time::midnight()));
                    let from = local_to_instant(tz, req.from.start());
                    tt.backfill(from, end - 1, usize::MAX)
                        .into_iter()
                        .find(|t| t.at > midnight)
                        .map(|t| (t.at, *task))
                }
                None => s.as_ref()?.first_after_midnight(day).map(|f| (f.at, *task)),
            })
            .min();
        if let Some((at, task)) = first {
            self.notes.push(format!(
                "`to` {day} is a date, read as its midnight {day}T00:00:00: the fires later that \
                 day are left out, the first {} of {} (give `{day}T23:59:59` to include the day)",
                rfc3339(tz, at),
                self.model.task(task).name
            ));
        }
    }

    /// A `from` on a fire time that Airflow's alignment steps past across a DST change
    /// ([`Schedule::aligned_past`]): the backfill starts a run later, as Airflow's does.
    pub(super) fn note_aligned_from(&mut self, from: Instant) {
        let tz = &self.model.timezone;
        for ((task, schedule), tt) in self.tasks.iter().zip(&self.timetables) {
            let schedules: Vec<&Schedule> = match tt.as_ref().map(|tt| &tt.kind) {
                Some(crate::calendar::timetable::Kind::Cron(s)) => vec![s],
                Some(crate::calendar::timetable::Kind::Crons(list)) => list.iter().collect(),
                Some(_) => Vec::new(),
                None => schedule.iter().collect(),
            };
            for next in schedules.into_iter().filter_map(|s| s.aligned_past(from)) {
                let note = format!(
                    "{}: `from` {} is a fire time, left out as Airflow leaves it out: \
                     CronMixin._align_to_next keeps a bound only when the fire it finds before \
                     the next one is the bound, and across this daylight-saving change it is \
                     not; the runs start at {}, one fewer",
                    self.model.task(*task).name,
                    rfc3339(tz, from),
                    rfc3339(tz, next)
                );
                // One note for the tasks of a schedule (a DAG's cron).
                let same = format!("{}, one fewer", rfc3339(tz, next));
                if !self.notes.iter().any(|n| n.ends_with(&same)) {
                    self.notes.push(note);
                }
            }
        }
    }
}
