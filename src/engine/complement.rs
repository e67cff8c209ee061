//! A DolphinScheduler complement of dependent workflows (`dependents = true`:
//! `complementDependentMode = ALL_DEPENDENT`, DS §1.5), as 3.1.9 and 3.2.2
//! `ExecutorServiceImpl.createComplementDependentCommand` build it (knob
//! `complement_dependents = clone`):
//!
//! - only when the target workflow has a schedule (`schedules.isEmpty()` skips);
//! - the downstream candidates are the DEPENDENT tasks naming the target, found
//!   through `WorkFlowLineageMapper.queryDependentProcessDefinitionByProcessDefinitionCode`,
//!   which joins the task on `t_ds_process_task_relation.pre_task_code`: one candidate
//!   per task after the DEPENDENT task in its workflow, none when nothing follows it;
//! - a candidate is kept when its item's `cycle` for the target equals
//!   `CronUtils.getMaxCycle` of the target's schedule (`checkDependentProcessDefinitionValid`),
//!   at every level the root target's cycle;
//! - each kept candidate gets a clone of the command: the same dates, groups and
//!   order, `TaskDependType.TASK_POST` from the DEPENDENT task (it and what follows it
//!   in its workflow), running beside the target's complement, not after it;
//! - `all_levels` (allLevelDependent): the same search from each candidate's
//!   workflow, level by level, without removing repeats (a diamond complements its
//!   bottom twice, #17540).
//!
//! 3.3 (`complement_dependents = ignore`): `doBackfillDependentWorkflow` is `// todo:`;
//! nothing is cloned and a note says so.

use super::*;
use crate::calendar::dependent::max_cycle;
use crate::calendar::schedule::instant_to_local;
use crate::model::Backfill;
use crate::rules::ComplementDependents;

/// More clones than this from one backfill stops the search (a loop of DEPENDENT
/// tasks between workflows would make DolphinScheduler's `while (true)` endless).
const MAX_CLONES: usize = 1000;

/// The backfills a scenario runs, each with its index: the scenario's own, then the
/// complements they clone (numbered on after them, each a backfill of its own:
/// DolphinScheduler creates one command per clone).
pub(super) fn backfills(
    model: &Model,
    scenario: &Scenario,
    notes: &mut Vec<String>,
) -> Result<Vec<(usize, Backfill)>, RunError> {
    let mut out: Vec<(usize, Backfill)> = scenario.backfills.iter().cloned().enumerate().collect();
    for (k, b) in scenario.backfills.iter().enumerate() {
        let Some(all_levels) = b.dependents else {
            continue;
        };
        if model.rules.complement_dependents == ComplementDependents::Ignore {
            notes.push(format!(
                "backfill {}: `dependents = true` (complementDependentMode = ALL_DEPENDENT) complements no other workflow under profile_version {}: its BackfillWorkflowExecutorDelegate.doBackfillDependentWorkflow is `// todo:`, a no-op (implemented again only in 2026, PR #18003)",
                k + 1,
                model.ds_version.map_or("3.3".into(), |v| v.to_string())
            ));
            continue;
        }
        for (clone, note) in clones(model, b, all_levels)? {
            match clone {
                Some(clone) => {
                    notes.push(format!(
                        "backfill {} (cloned from backfill {}): {note}",
                        out.len() + 1,
                        k + 1
                    ));
                    out.push((out.len(), clone));
                }
                None => notes.push(format!("backfill {}: {note}", k + 1)),
            }
        }
    }
    Ok(out)
}

/// The complements one backfill clones, each with a note (a note alone for a
/// workflow left out, and why).
fn clones(
    model: &Model,
    b: &Backfill,
    all_levels: bool,
) -> Result<Vec<(Option<Backfill>, String)>, RunError> {
    let mut out = Vec::new();
    let mut roots: Vec<WorkflowId> = Vec::new();
    for t in &b.targets {
        let w = match *t {
            Target::Workflow(w) => w,
            Target::Task(t) => model.task(t).workflow,
        };
        if !roots.contains(&w) {
            roots.push(w);
        }
    }
    for root in roots {
        let wf = model.workflow(root);
        let Some(cron) = &wf.cron else {
            out.push((None, format!("`dependents = true`: workflow {} has no schedule, and DolphinScheduler complements its dependents only when it has one (`schedules.isEmpty()`)", wf.name)));
            continue;
        };
        let cycle = max_cycle(cron);
        let dates = dates_of(model, b, root)?;
        let (Some(&first), Some(&last)) = (dates.iter().min(), dates.iter().max()) else {
            continue;
        };
        let mut level = vec![root];
        let mut depth = 0;
        while !level.is_empty() {
            let mut next = Vec::new();
            for &up in &level {
                for (task, found) in candidates(model, up) {
                    let t = model.task(task);
                    let down = model.workflow(t.workflow);
                    if Some(found) != cycle {
                        out.push((None, format!(
                            "`dependents = true`: {} is not complemented: its DEPENDENT item on {} has cycle {found}, and {}'s schedule `{cron}` has cycle {} (CronUtils.getMaxCycle; checkDependentProcessDefinitionValid keeps equal cycles only)",
                            t.name,
                            model.workflow(up).name,
                            wf.name,
                            cycle.map_or("none".to_string(), |c| c.to_string())
                        )));
                        continue;
                    }
                    let after: Vec<TaskId> = down
                        .tasks
                        .iter()
                        .copied()
                        .filter(|s| model.task(*s).upstream.contains(&task))
                        .collect();
                    if after.is_empty() {
                        out.push((None, format!(
                            "`dependents = true`: {} is not complemented: its DEPENDENT task {} has no task after it, and DolphinScheduler finds dependents through the relations whose pre task is the DEPENDENT task (WorkFlowLineageMapper.xml joins on pre_task_code)",
                            down.name, t.name
                        )));
                        continue;
                    }
                    let post = task_post(model, task);
                    for _ in &after {
                        if out.iter().filter(|(c, _)| c.is_some()).count() >= MAX_CLONES {
                            out.push((None, format!("`dependents = true`: the search stopped after {MAX_CLONES} complements (DEPENDENT tasks loop between workflows; DolphinScheduler's search would not end)")));
                            return Ok(out);
                        }
                        out.push((
                            Some(Backfill {
                                targets: post.iter().map(|&p| Target::Task(p)).collect(),
                                downstream: false,
                                from: DateOrTime::DateTime(first),
                                to: DateOrTime::DateTime(last),
                                dates: Some(dates.clone()),
                                window: None,
                                reprocess: None,
                                dependents: None,
                                ..b.clone()
                            }),
                            format!(
                                "complements {} too (ALL_DEPENDENT{}): from its DEPENDENT task {} on, the same {} date(s), beside the complement of {} (createComplementDependentCommand)",
                                down.name,
                                if depth > 0 { ", a lower level" } else { "" },
                                t.name,
                                dates.len(),
                                wf.name
                            ),
                        ));
                        next.push(t.workflow);
                    }
                }
            }
            if !all_levels {
                break;
            }
            depth += 1;
            level = next;
        }
    }
    Ok(out)
}

/// Each DEPENDENT task naming workflow `up`, with the cycle of its first item on it
/// (`DependentProcessDefinition.getDependentCycle`).
fn candidates(model: &Model, up: WorkflowId) -> Vec<(TaskId, crate::calendar::dependent::Cycle)> {
    model
        .tasks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let item = t
                .depends
                .as_ref()?
                .items
                .iter()
                .find(|d| d.workflow == up)?;
            (t.workflow != up).then_some((TaskId(i as u32), item.cycle))
        })
        .collect()
}

/// The DEPENDENT task and every task after it in its workflow (TASK_POST).
fn task_post(model: &Model, start: TaskId) -> Vec<TaskId> {
    let w = model.task(start).workflow;
    let mut on = vec![start];
    loop {
        let more: Vec<TaskId> = model
            .workflow(w)
            .tasks
            .iter()
            .copied()
            .filter(|t| !on.contains(t) && model.task(*t).upstream.iter().any(|u| on.contains(u)))
            .collect();
        if more.is_empty() {
            break;
        }
        on.extend(more);
    }
    on.sort();
    on
}

/// The schedule times the target's complement runs: the explicit list, or its
/// schedule's fires in the range.
fn dates_of(
    model: &Model,
    b: &Backfill,
    w: WorkflowId,
) -> Result<Vec<jiff::civil::DateTime>, RunError> {
    if let Some(dates) = &b.dates {
        return Ok(dates.clone());
    }
    let req = Request {
        targets: vec![Target::Workflow(w)],
        downstream: false,
        from: b.from,
        to: b.to,
        window: b.window,
        dates: None,
        now: None,
        clip: None,
        max_instances: u64::MAX,
    };
    let planner = Planner::new(model, &req).map_err(|error| RunError::Plan {
        backfill: None,
        error,
    })?;
    Ok(planner
        .units()
        .iter()
        .filter_map(|k| match k {
            UnitKey::RunTime(t) => Some(instant_to_local(&model.timezone, *t)),
            UnitKey::BusinessDate(_) => None,
        })
        .collect())
}
