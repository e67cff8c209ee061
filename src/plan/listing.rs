//! A whole request listed at once, with bindings, in time order: what
//! `schedsim instances` prints.

use super::*;

/// A planned instance as listed by `schedsim instances`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub task: TaskId,
    pub scheduled: Instant,
    pub run_after: Instant,
    pub kind: Kind,
    pub unit: UnitKey,
    /// The business date (dataworks) or the schedule/logical time (others), as shown.
    pub date: String,
    /// Indices in the listing of the instances this one waits for.
    pub waits_for: Vec<u32>,
}

impl Listed {
    pub fn instance(&self) -> PlannedInstance {
        PlannedInstance {
            task: self.task,
            scheduled: self.scheduled,
            run_after: self.run_after,
            kind: self.kind,
        }
    }
}

/// Every instance the request creates, ordered by scheduled time, then task, each with
/// the instances it is bound to.
pub fn plan(model: &Model, req: &Request) -> Result<Vec<Listed>, PlanError> {
    plan_with_notes(model, req).map(|(listed, _)| listed)
}

/// [`plan`], with the planner's notes on what the request left out.
pub fn plan_with_notes(
    model: &Model,
    req: &Request,
) -> Result<(Vec<Listed>, Vec<String>), PlanError> {
    let planner = Planner::new(model, req)?;
    let mut listed: Vec<Listed> = Vec::new();
    let mut unit_plan = UnitPlan::default();
    let mut scratch = FillScratch::default();
    // The previous unit's last instance of each self-dependent task, for chaining.
    let mut last_of: Vec<Option<u32>> = vec![None; model.tasks.len()];
    let across =
        model.rules.backfill_self_dependency == crate::rules::BackfillSelfDependency::AcrossDates;
    let mut bindings = 0u64;
    for (n, &unit) in planner.units().iter().enumerate() {
        planner.fill(unit, &mut unit_plan, &mut scratch);
        // Bounded before they are listed: the unit's own bindings and, below, one per
        // self-dependent task chained across units.
        bindings += unit_plan.bindings.len() as u64;
        if bindings > req.max_instances {
            return Err(PlanError::TooManyBindings {
                at_least: bindings,
                limit: req.max_instances,
            });
        }
        let base = listed.len() as u32;
        let date = unit.date_text(model);
        listed.extend(unit_plan.instances.iter().map(|i| Listed {
            task: i.task,
            scheduled: i.scheduled,
            run_after: i.run_after,
            kind: i.kind,
            unit,
            date: date.clone(),
            waits_for: Vec::new(),
        }));
        for &(d, u) in &unit_plan.bindings {
            listed[(base + d) as usize].waits_for.push(base + u);
        }
        for &(task, first, last) in &unit_plan.self_ends {
            let prev = &mut last_of[task.0 as usize];
            if let (Some(p), true) = (*prev, across && n > 0) {
                listed[(base + first) as usize].waits_for.push(p);
                bindings += 1;
            }
            *prev = Some(base + last);
        }
    }
    // Sort by (scheduled, task) and renumber the bindings.
    let mut order: Vec<u32> = (0..listed.len() as u32).collect();
    order.sort_by_key(|&i| {
        let l = &listed[i as usize];
        (l.scheduled, l.task, l.unit)
    });
    let mut new_index = vec![0u32; listed.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old as usize] = new as u32;
    }
    let listed = order
        .iter()
        .map(|&i| {
            let mut l = listed[i as usize].clone();
            l.waits_for
                .iter_mut()
                .for_each(|w| *w = new_index[*w as usize]);
            l.waits_for.sort_unstable();
            l
        })
        .collect();
    Ok((listed, planner.notes().to_vec()))
}
