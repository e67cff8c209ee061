//! How a request's targets split by workflow under `unit_scope = workflow`
//! (SEMANTICS.md, Units, bindings and dates in parallel).

use crate::model::{Model, Target, WorkflowId};

/// A request's targets split into the parts that run as runs of their own under
/// `unit_scope = workflow`: one per workflow, except that workflows joined by a
/// cross-workflow upstream (bound at equal run times) stay in one part. Parts in
/// model order of their first workflow; targets in the order given. One part when
/// the targets' workflows are all joined.
pub fn split_by_workflow(model: &Model, targets: &[Target]) -> Vec<Vec<Target>> {
    // Union-find over workflows, joined by every cross-workflow upstream.
    let mut root: Vec<u32> = (0..model.workflows.len() as u32).collect();
    fn find(root: &mut [u32], mut w: u32) -> u32 {
        while root[w as usize] != w {
            root[w as usize] = root[root[w as usize] as usize];
            w = root[w as usize];
        }
        w
    }
    for task in &model.tasks {
        for u in &task.upstream {
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

/// The workflows a part's targets name, in model order.
pub fn target_workflows(model: &Model, targets: &[Target]) -> Vec<WorkflowId> {
    let mut ws: Vec<WorkflowId> = targets
        .iter()
        .map(|t| match *t {
            Target::Workflow(w) => w,
            Target::Task(id) => model.task(id).workflow,
        })
        .collect();
    ws.sort_unstable();
    ws.dedup();
    ws
}
