//! Names: each checked and declared once, each reference followed to what it names
//! (with a did-you-mean, and silent where an earlier error left the name in doubt).

use super::*;

impl Resolver<'_> {
    pub(super) fn name(&mut self, name: &Sp<String>, what: &str) {
        let n = name.value.as_str();
        let Some(problem) = crate::model::names::problem(n) else {
            return;
        };
        let mut d = Diagnostic::new(
            name.span.clone(),
            format!("the {what} name `{n}` {problem}"),
            "expected a name of letters, digits, `_` or `-`",
        );
        let fixed = crate::model::names::mapped(n);
        if !fixed.is_empty() {
            d = d.help(format!(
                "write `{fixed}` here and where it is named (`schedsim import` names it so)"
            ));
        }
        self.err(d);
    }

    pub(super) fn declare<T: Copy>(
        &mut self,
        names: &mut Names<T>,
        name: &Sp<String>,
        id: T,
        what: &str,
    ) {
        if let Some((_, first)) = names.get(&name.value) {
            let first = first.clone();
            self.err(
                Diagnostic::new(
                    name.span.clone(),
                    format!("the {what} `{}` is defined twice", name.value),
                    "expected a name not used before",
                )
                .related(first, "first defined here"),
            );
        } else {
            names.insert(name.value.clone(), (id, name.span.clone()));
        }
    }

    pub(super) fn lookup<T: Copy>(
        &mut self,
        names: &Names<T>,
        r: &Sp<String>,
        what: &str,
    ) -> Option<T> {
        self.lookup_except(names, r, what, None)
    }

    /// [`Self::lookup`], never suggesting `except` (a task is no upstream of itself).
    pub(super) fn lookup_except<T: Copy>(
        &mut self,
        names: &Names<T>,
        r: &Sp<String>,
        what: &str,
        except: Option<&str>,
    ) -> Option<T> {
        if let Some((id, _)) = names.get(&r.value) {
            return Some(*id);
        }
        let doubt = match what {
            "resource group" => self.doubts.group(&r.value),
            "workflow" => self.doubts.workflow(&r.value),
            "task" | "upstream task" => self.doubts.task(&r.value),
            _ => false,
        };
        if doubt {
            // An error above left out what this may name: that one is the problem.
            return None;
        }
        let candidates = || {
            names
                .keys()
                .map(String::as_str)
                .filter(move |k| Some(*k) != except)
        };
        let mut d = Diagnostic::new(
            r.span.clone(),
            format!("unknown {what} `{}`", r.value),
            format!(
                "expected the name of {} {what}",
                if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                }
            ),
        );
        let known = candidates().count();
        if let Some(near) = did_you_mean(&r.value, candidates()) {
            d = d.help(format!("did you mean `{near}`?"));
        } else if known > 0 && known <= 8 {
            d = d.help(format!("known: {}", one_of(candidates())));
        } else if known == 0 && except.is_some() {
            d = d.help(format!("there is no other {what}: remove this entry"));
        }
        self.err(d);
        None
    }

    pub(super) fn task_ref(&mut self, r: &Sp<String>, tasks: &Names<TaskId>) -> Option<TaskId> {
        if !r.value.contains('.') {
            let mut d = Diagnostic::new(
                r.span.clone(),
                format!("`{}` does not name a task", r.value),
                "expected \"workflow.task\"",
            );
            let suffix = format!(".{}", r.value);
            if let Some(full) = tasks.keys().find(|k| k.ends_with(&suffix)) {
                d = d.help(format!("did you mean `{full}`?"));
            }
            self.err(d);
            return None;
        }
        self.lookup(tasks, r, "task")
    }
}
