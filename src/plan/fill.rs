//! One unit's instances (a business date's fires, kinds and window; a run time's
//! ticks) and their bindings, filled on demand into reused buffers.

use super::*;
use crate::calendar::Fire;
use crate::rules::{GapInstances, OffDayInstances};

impl<'m> Planner<'m> {
    /// The instances and bindings of one unit, into `out` (cleared first).
    pub fn fill(&self, unit: UnitKey, out: &mut UnitPlan, scratch: &mut FillScratch) {
        self.fill_instances(unit, out, scratch);
        self.bind(out, scratch);
    }

    /// The unit's instances only, without bindings (what counting needs).
    pub fn fill_instances(&self, unit: UnitKey, out: &mut UnitPlan, scratch: &mut FillScratch) {
        out.clear();
        match unit {
            UnitKey::BusinessDate(biz) => self.fill_date(biz, out, scratch),
            UnitKey::RunTime(at) => {
                let start = self.ticks.partition_point(|t| t.0 < at);
                out.instances
                    .extend(self.ticks[start..].iter().take_while(|t| t.0 == at).map(
                        |&(scheduled, run_after, task)| PlannedInstance {
                            task,
                            scheduled,
                            run_after,
                            // An Airflow `empty` task's instance: a dry-run (below).
                            kind: if self.model.task(task).empty {
                                Kind::DryRun
                            } else {
                                Kind::Run
                            },
                        },
                    ));
            }
        }
    }

    pub(super) fn fill_date(&self, biz: Date, out: &mut UnitPlan, scratch: &mut FillScratch) {
        let model = self.model;
        let rules = &model.rules;
        let day = biz.tomorrow().unwrap_or(biz);
        // The expression group whose fires `scratch.fires` holds for `day`: tasks with
        // the same expression in a row (a workflow's cron) share them.
        let mut fires_of: Option<u32> = None;
        for (k, (task, schedule)) in self.tasks.iter().enumerate() {
            let Some(schedule) = schedule else { continue };
            if !in_effect(model, *task, biz) {
                continue;
            }
            let tz = &schedule.tz;
            // Airflow sets a trivial EmptyOperator's instance success without queueing
            // it (`empty`): a dry-run at its time, as an off-day instance is.
            let empty = model.task(*task).empty;
            let sub_daily = schedule.expr.times_of_day().len() > 1;
            let off_days = schedule.expr.restricts_days()
                && rules.off_day_instances == OffDayInstances::DryRun;
            let before = out.instances.len();
            if off_days && !schedule.expr.matches_date(day) {
                // A weekly/monthly/yearly node has an instance every day; off days dry-run.
                for &secs in schedule.expr.times_of_day() {
                    let local = day.to_datetime(Time::midnight())
                        + jiff::Span::new().seconds(i64::from(secs));
                    let at = local_to_instant(tz, local);
                    out.instances.push(PlannedInstance {
                        task: *task,
                        scheduled: at,
                        run_after: at,
                        kind: Kind::DryRun,
                    });
                }
            } else {
                if fires_of != Some(self.expr_group[k]) {
                    fires_of = Some(self.expr_group[k]);
                    scratch.fires.clear();
                    schedule.fires_on(day, &mut scratch.fires, &mut scratch.resolved);
                    scratch.fires.sort_by_key(|f| f.at);
                    scratch.fires.dedup_by_key(|f| f.at);
                    // A sub-daily node's fire shifted out of a gap onto a fire of the next day
                    // (a gap across midnight) is that fire, of the next business date: the
                    // gap's hour has no instance (DW §2: 23 hourly instances that day).
                    if sub_daily
                        && scratch.fires.iter().any(|f| f.shifted)
                        && let Ok(next) = day.tomorrow()
                    {
                        scratch.next.clear();
                        schedule.fires_on(next, &mut scratch.next, &mut scratch.resolved);
                        let next_fires = &scratch.next;
                        scratch
                            .fires
                            .retain(|f| !(f.shifted && next_fires.iter().any(|n| n.at == f.at)));
                    }
                }
                for f in &scratch.fires {
                    let in_window = match self.window {
                        Some((a, b)) if sub_daily => a <= f.local.time() && f.local.time() <= b,
                        _ => true,
                    };
                    if !in_window {
                        continue;
                    }
                    // DW §2 D2: a daily node whose time falls in the gap is delayed and dry-run.
                    let kind = if empty
                        || (f.shifted && !sub_daily && rules.gap_instances == GapInstances::DryRun)
                    {
                        Kind::DryRun
                    } else {
                        Kind::Run
                    };
                    out.instances.push(PlannedInstance {
                        task: *task,
                        scheduled: f.at,
                        run_after: f.at,
                        kind,
                    });
                }
            }
            if self.clip.is_some() {
                let mut i = before;
                while i < out.instances.len() {
                    let p = &out.instances[i];
                    if self.clipped_in(p.scheduled, p.run_after) {
                        i += 1;
                    } else {
                        out.instances.remove(i);
                    }
                }
            }
        }
    }

    /// Binds each instance to the upstream instances it waits for (DW §5.2), and each
    /// self-dependent task's instances to the one before (DW §5, rule 5 of §6).
    pub(super) fn bind(&self, out: &mut UnitPlan, scratch: &mut FillScratch) {
        // Each covered task's run of instances: instances are grouped by task.
        let runs = &mut scratch.runs;
        runs.clear();
        runs.resize(self.tasks.len(), (0, 0));
        let mut i = 0;
        while i < out.instances.len() {
            let task = out.instances[i].task;
            let start = i;
            while i < out.instances.len() && out.instances[i].task == task {
                i += 1;
            }
            if let Some(s) = self.slot[task.0 as usize] {
                runs[s as usize] = (start as u32, i as u32);
            }
        }
        for (pos, (task, _)) in self.tasks.iter().enumerate() {
            let (a, b) = runs[pos];
            if a == b {
                continue;
            }
            let t = self.model.task(*task);
            let down = &out.instances[a as usize..b as usize];
            for up in &t.upstream {
                let Some(up_pos) = self.slot[up.0 as usize] else {
                    // An upstream outside the request: a backfill binds only what it runs.
                    continue;
                };
                let (ua, ub) = runs[up_pos as usize];
                if ua == ub {
                    continue;
                }
                let up_instances = &out.instances[ua as usize..ub as usize];
                let up_self = self.model.task(*up).self_dependency;
                bind::cross_cycle(down, t.self_dependency, up_instances, up_self, |d, u| {
                    out.bindings.push((a + d, ua + u));
                });
            }
            if t.self_dependency {
                out.bindings.extend((a + 1..b).map(|k| (k, k - 1)));
                out.self_ends.push((*task, a, b - 1));
            }
        }
    }
}

/// Buffers [`Planner::fill`] reuses from unit to unit.
#[derive(Default)]
pub struct FillScratch {
    fires: Vec<Fire>,
    /// The next day's fires, for fires shifted across midnight.
    next: Vec<Fire>,
    resolved: Vec<(Instant, bool)>,
    runs: Vec<(u32, u32)>,
}
