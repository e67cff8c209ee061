//! What a name may hold, and which references an earlier error leaves in doubt.
//!
//! A name is written back on the command line (`--fault w.a,...`, `--targets a,b`,
//! `--vary slots.etl=2,4`, the replay commands `explore` prints), so it holds none of
//! the characters those forms split on. A reference to an entity whose table could not
//! be read (`slots = -1` drops the group) or whose name was refused is not reported as
//! unknown as well: the first error is the one to fix.

use super::decode::Lost;
use super::doc::Document;

/// Whether a name may not hold `c`: `.` separates workflow and task in references,
/// `,` the values of `--fault`, `--operation`, `--stretch` and `--targets`, `=` a key
/// from its values (`--vary slots.GROUP=2,4`); white space and control characters.
pub fn refused_in_name(c: char) -> bool {
    matches!(c, '.' | ',' | '=') || c.is_whitespace() || c.is_control()
}

/// `name` with each character a name may not hold as `_` (what `import` names it).
pub fn mapped(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| if refused_in_name(c) { '_' } else { c })
        .collect()
}

/// What is wrong with `name`, if anything: "is empty", "contains a `,`, which ...".
pub fn problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        return Some("is empty");
    }
    let c = name.chars().find(|c| refused_in_name(*c))?;
    Some(match c {
        '.' => "contains a `.`, which separates workflow and task in references",
        ',' => {
            "contains a `,`, which separates values on the command line (`--fault`, `--operation`, `--stretch`, `--targets`)"
        }
        '=' => {
            "contains a `=`, which separates a key from its values on the command line (`--vary slots.GROUP=2,4`)"
        }
        c if c.is_whitespace() => "contains white space",
        _ => "contains a control character",
    })
}

/// The tables whose entities references name.
const GROUP: &str = "[[resource_group]]";
const WORKFLOW: &str = "[[workflow]]";
const TASK: &str = "[[workflow.task]]";
const SCENARIO: &str = "[[scenario]]";

/// Names an earlier error leaves in doubt: a reference to one of them may name what
/// that error left out, so it is not reported as unknown too.
#[derive(Debug, Default)]
pub(crate) struct Doubts {
    /// Tables not read (their name, and the workflow a task was in, where known).
    lost: Vec<Lost>,
    /// A group's, workflow's or scenario's name was refused: any of that kind.
    refused: Vec<&'static str>,
    /// Workflows with a task whose name was refused.
    refused_tasks_in: Vec<String>,
}

impl Doubts {
    pub fn of(doc: &Document) -> Doubts {
        let mut doubts = Doubts {
            lost: doc.lost.clone(),
            ..Doubts::default()
        };
        if doc
            .resource_groups
            .iter()
            .any(|g| problem(&g.name.value).is_some())
        {
            doubts.refused.push(GROUP);
        }
        if doc
            .workflows
            .iter()
            .any(|w| problem(&w.name.value).is_some())
        {
            doubts.refused.push(WORKFLOW);
        }
        for w in &doc.workflows {
            if w.tasks.iter().any(|t| problem(&t.name.value).is_some()) {
                doubts.refused_tasks_in.push(w.name.value.clone());
            }
        }
        doubts
    }

    fn of_kind(&self, what: &str, name: &str) -> bool {
        self.refused.contains(&what)
            || self
                .lost
                .iter()
                .any(|l| l.what == what && l.name.as_deref().is_none_or(|n| n == name))
    }

    pub fn group(&self, name: &str) -> bool {
        self.of_kind(GROUP, name)
    }

    pub fn workflow(&self, name: &str) -> bool {
        self.of_kind(WORKFLOW, name)
    }

    pub fn scenario(&self, name: &str) -> bool {
        self.of_kind(SCENARIO, name)
    }

    /// `workflow.task`: its workflow in doubt, a task of that workflow not read, or
    /// one whose name was refused.
    pub fn task(&self, qualified: &str) -> bool {
        let (workflow, task) = qualified.split_once('.').unwrap_or((qualified, ""));
        self.workflow(workflow)
            || self.refused_tasks_in.iter().any(|w| w == workflow)
            || self.lost.iter().any(|l| {
                l.what == TASK
                    && l.within.as_deref().is_none_or(|w| w == workflow)
                    && l.name.as_deref().is_none_or(|n| n == task)
            })
    }
}
