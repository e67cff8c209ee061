//! How a request's targets split by workflow under `unit_scope = workflow`
//! (SEMANTICS.md, Units, bindings and dates in parallel).

use super::covered_tasks;
use crate::model::{Model, Target, TaskId, WorkflowId};

/// A request's targets split into the parts that run as runs of their own under
/// `unit_scope = workflow`: one per workflow, except that workflows joined by an
/// upstream between two tasks the request covers (a cross-workflow upstream binds
/// at equal run times) stay in one part; an upstream on a task the request leaves
/// out binds nothing and joins nothing. Parts in model order of their first
/// workflow; targets in the order given.
pub fn split_by_workflow(model: &Model, targets: &[Target], downstream: bool) -> Vec<Vec<Target>> {
    let mut covered = vec![false; model.tasks.len()];
    for t in covered_tasks(model, targets, downstream) {
        covered[t.0 as usize] = true;
    }
    // Union-find over workflows; a root is the smallest workflow of its set.
    let mut root: Vec<u32> = (0..model.workflows.len() as u32).collect();
    fn find(root: &mut [u32], mut w: u32) -> u32 {
        while root[w as usize] != w {
            root[w as usize] = root[root[w as usize] as usize];
            w = root[w as usize];
        }
        w
    }
    for (i, task) in model.tasks.iter().enumerate() {
        if !covered[i] {
            continue;
        }
        for u in task.upstream.iter().filter(|u| covered[u.0 as usize]) {
            let (a, b) = (
                find(&mut root, task.workflow.0),
                find(&mut root, model.task(*u).workflow.0),
            );
            if a != b {
                root[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let mut parts: Vec<(u32, Vec<Target>)> = Vec::new();
    for &t in targets {
        let w = match t {
            Target::Workflow(w) => w,
            Target::Task(id) => model.task(id).workflow,
        };
        let r = find(&mut root, w.0);
        match parts.iter_mut().find(|(pr, _)| *pr == r) {
            Some((_, p)) => p.push(t),
            None => parts.push((r, vec![t])),
        }
    }
    parts.sort_by_key(|(r, _)| *r);
    parts.into_iter().map(|(_, p)| p).collect()
}

/// The workflows of `tasks` (what a run of them holds), in model order.
pub fn workflows_of(model: &Model, tasks: impl IntoIterator<Item = TaskId>) -> Vec<WorkflowId> {
    let mut ws: Vec<WorkflowId> = tasks.into_iter().map(|t| model.task(t).workflow).collect();
    ws.sort_unstable();
    ws.dedup();
    ws
}
