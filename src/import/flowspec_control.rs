//! FlowSpec nodes that are not code to run, by their `script.runtime.command`
//! (dataworks-spec's `CodeProgramType`): VIRTUAL, a dry-run (`empty`), and the control nodes
//! (`CONTROLLER_*`: branch, join, loops, assignment, wait), each kept as one plain task
//! and said.

use super::{DraftTask, Report};

/// The control node types of dataworks-spec's `CodeProgramType` (1100 to 1109): each
/// is modelled as one plain task, for the reason given; whether its script is code
/// whose writes are read (an assignment node runs ODPS SQL, Shell or Python; the
/// others' content is their settings).
const CONTROLLERS: [(&str, &str, bool); 10] = [
    (
        "CONTROLLER_ASSIGNMENT",
        "the parameters it assigns are not passed to the nodes after it",
        true,
    ),
    (
        "CONTROLLER_BRANCH",
        "schedsim runs every branch after it; DataWorks runs only the branch whose condition holds, the others are CONDITION_UNCHOOSE dry-runs",
        false,
    ),
    (
        "CONTROLLER_JOIN",
        "its condition on the states of its branches is not evaluated: it runs once every upstream succeeds",
        false,
    ),
    (
        "CONTROLLER_CYCLE",
        "a do-while loop: its inner nodes are not imported, one run stands for every iteration",
        false,
    ),
    (
        "CONTROLLER_CYCLE_START",
        "the start of a do-while loop's body, read as a node of the workflow",
        false,
    ),
    (
        "CONTROLLER_CYCLE_END",
        "the end of a do-while loop's body, read as a node of the workflow: the loop's condition is not evaluated",
        false,
    ),
    (
        "CONTROLLER_TRAVERSE",
        "a for-each loop: its inner nodes are not imported, one run stands for every element",
        false,
    ),
    (
        "CONTROLLER_TRAVERSE_START",
        "the start of a for-each loop's body, read as a node of the workflow",
        false,
    ),
    (
        "CONTROLLER_TRAVERSE_END",
        "the end of a for-each loop's body, read as a node of the workflow",
        false,
    ),
    (
        "CONTROLLER_WAIT",
        "what it waits for is not modelled",
        false,
    ),
];

/// A dry-run node (`empty = true`): it succeeds at its time once its upstreams are
/// done, without running, a slot or execution settings.
pub(super) fn dry_run(task: &mut DraftTask, comment: String) {
    task.empty = true;
    task.duration = None;
    task.retry = None;
    task.timeout = None;
    task.fail_probability = None;
    task.resource_group = None;
    task.comment.push(comment);
}

/// What a node that runs (recurrence Normal) with `command` is: VIRTUAL becomes a
/// dry-run, a control node a plain task; each said. Whether its script is read for
/// writes.
pub(super) fn read(
    command: &str,
    task: &mut DraftTask,
    raw_name: &str,
    qualified: &str,
    report: &mut Report,
) -> bool {
    if command == "VIRTUAL" {
        dry_run(
            task,
            format!("{raw_name}: VIRTUAL (dry-run): empty, no execution"),
        );
        report.notes.push(format!(
            "{qualified}: a VIRTUAL node is a dry-run (DataWorks sets it to success at its time without running code or taking resources): `empty = true`, its resource group left out"
        ));
        return false;
    }
    let Some((_, why, code)) = CONTROLLERS.iter().find(|(c, _, _)| *c == command) else {
        return true;
    };
    report.notes.push(format!(
        "{qualified}: a {command} node is modelled as one plain task ({why})"
    ));
    *code
}
