//! Whether a scripted fault or operator action can meet an instance of its scenario.
//!
//! A fault or an action names an instance by task and scheduled time; one that names
//! no instance the scenario can create does nothing, and a user who wrote it expected
//! something. This is checked before anything runs (a validation warning for a model
//! file, a warning for `--fault` and `--operation`); what only the run can tell (an
//! attempt that is never reached) is a note of the run.

use jiff::civil::DateTime;

use super::{covered_tasks, schedule_of};
use crate::calendar::schedule::local_to_instant;
use crate::model::{Diagnostic, FileDiagnostics, Model, Scenario, TaskId, doc::Document};

/// What instances a scenario can create, as far as faults and operations are
/// concerned: the tasks each backfill covers, worked out once.
pub struct Reach<'a> {
    model: &'a Model,
    scenario: &'a Scenario,
    /// For each backfill, whether it covers each task.
    covered: Vec<Vec<bool>>,
}

impl<'a> Reach<'a> {
    pub fn new(model: &'a Model, scenario: &'a Scenario) -> Self {
        let covered = scenario
            .backfills
            .iter()
            .map(|b| {
                let mut on = vec![false; model.tasks.len()];
                for t in covered_tasks(model, &b.targets, b.downstream) {
                    on[t.0 as usize] = true;
                }
                on
            })
            .collect();
        Reach {
            model,
            scenario,
            covered,
        }
    }

    /// Why no instance of the scenario can be `task` scheduled at `scheduled`, if
    /// none can: the task is in no backfill of a scenario that is not recurring, or
    /// its schedule never fires at that time.
    pub fn unreachable(&self, task: TaskId, scheduled: DateTime) -> Option<String> {
        let (model, scenario) = (self.model, self.scenario);
        let name = &model.task(task).name;
        let workflow = model.task(task).workflow;
        // A manual run can be any time; a timetable (delta, @once, several crons, a
        // catch-up from its start date) is not a cron's fires: not judged here.
        if model.workflow(workflow).timetable.is_some()
            || scenario.triggers.iter().any(|t| t.workflow == workflow)
        {
            return None;
        }
        let covering: Vec<_> = scenario
            .backfills
            .iter()
            .zip(&self.covered)
            .filter(|(_, on)| on[task.0 as usize])
            .map(|(b, _)| b)
            .collect();
        if covering.is_empty() && !scenario.recurring {
            return Some(format!(
                "`{name}` is in no backfill of scenario `{}`, and the scenario is not recurring",
                scenario.name
            ));
        }
        if covering.is_empty() && !super::fires_on_schedule(model, workflow) {
            return Some(format!(
                "`{name}` is in no backfill of scenario `{}`, and its workflow `{}` has no schedule: the recurring schedule leaves it out",
                scenario.name,
                model.workflow(workflow).name
            ));
        }
        // DolphinScheduler's explicit complement dates replace the schedule.
        let listed = covering
            .iter()
            .any(|b| b.dates.as_ref().is_some_and(|d| d.contains(&scheduled)));
        if listed {
            return None;
        }
        if let Some(why) = self.outside_ranges(name, scheduled, &covering) {
            return Some(why);
        }
        let at = local_to_instant(&model.timezone, scheduled);
        match schedule_of(model, task) {
            Ok(schedule) if schedule.fires(at, at).next().is_none() => Some(format!(
                "`{name}`'s schedule `{}` never fires at {}",
                model.cron_of(task).unwrap_or(super::DS_DEFAULT_CRON),
                scheduled.strftime("%Y-%m-%dT%H:%M:%S")
            )),
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        }
    }
}

impl Reach<'_> {
    /// Why `scheduled` is outside the range of every backfill covering the task, when
    /// nothing else can create it (no recurring schedule, no history, no explicit
    /// dates; an operation acts on instances a backfill created, and a rerun's
    /// regenerated dates are its backfill's). A day of slack on each side (a business date's instances fall
    /// on the day after it, a gap can shift a fire past midnight): near a bound only
    /// the run can tell, and says so in a note.
    fn outside_ranges(
        &self,
        name: &str,
        scheduled: DateTime,
        covering: &[&crate::model::Backfill],
    ) -> Option<String> {
        let scenario = self.scenario;
        if covering.is_empty()
            || scenario.recurring
            || !scenario.history.is_empty()
            || covering.iter().any(|b| b.dates.is_some())
        {
            return None;
        }
        let day = scheduled.date();
        let business =
            self.model.rules.date_convention == crate::rules::DateConvention::BusinessDate;
        let inside = covering.iter().any(|b| {
            let (from, to) = (b.from.start().date(), b.to.start().date());
            let (low, high) = if business {
                (from, to.tomorrow().and_then(|d| d.tomorrow()).unwrap_or(to))
            } else {
                (
                    from.yesterday().unwrap_or(from),
                    to.tomorrow().unwrap_or(to),
                )
            };
            low <= day && day <= high
        });
        (!inside).then(|| {
            let ranges: Vec<String> = covering
                .iter()
                .map(|b| format!("{} to {}", b.from, b.to))
                .collect();
            format!(
                "`{name}` scheduled {} is outside the range of every backfill that covers it ({})",
                scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
                ranges.join(", ")
            )
        })
    }

    /// Why a fault limited to an origin can strike nothing of that origin, if so.
    pub fn origin_unreachable(&self, f: &crate::model::Fault) -> Option<String> {
        use crate::model::FaultOrigin;
        let scenario = self.scenario;
        let name = &self.model.task(f.task).name;
        match f.origin? {
            FaultOrigin::Recurring if !scenario.recurring => Some(format!(
                "it is limited to `recurring` instances and scenario `{}` is not recurring",
                scenario.name
            )),
            FaultOrigin::Backfill if !self.covered.iter().any(|on| on[f.task.0 as usize]) => Some(
                format!("it is limited to `backfill` instances and no backfill covers `{name}`"),
            ),
            FaultOrigin::Rerun if scenario.operations.is_empty() => Some(format!(
                "it is limited to `rerun` instances and scenario `{}` has no operation",
                scenario.name
            )),
            _ => None,
        }
    }
}

/// Validation warnings of a model that validates: every `[[scenario.fault]]`,
/// `[[scenario.stretch]]` and `[[scenario.operation]]` that can meet no instance, at
/// its place in the file, and
/// the settings of [`crate::model::advice`]. `doc` is the document the model was
/// read from ([`crate::model::load_document`]).
pub fn warnings(model: &Model, doc: &Document, path: &str, source: &str) -> FileDiagnostics {
    let mut out = FileDiagnostics::new(path, source);
    for (s, sdoc) in model.scenarios.iter().zip(&doc.scenarios) {
        let reach = Reach::new(model, s);
        let spans = sdoc.faults.iter().map(|f| f.scheduled.span.clone());
        for (f, span) in s.faults.iter().zip(spans) {
            let why = reach
                .unreachable(f.task, f.scheduled)
                .or_else(|| reach.origin_unreachable(f));
            if let Some(why) = why {
                out.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!("this fault matches no instance: {why}"),
                        "a scheduled time of an instance the scenario creates",
                    )
                    .help("the fault never fires; check its task and scheduled time"),
                );
            }
        }
        let spans = sdoc.stretches.iter().map(|x| x.scheduled.span.clone());
        for (x, span) in s.stretches.iter().zip(spans) {
            if let Some(why) = reach.unreachable(x.task, x.scheduled) {
                out.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!("this stretch matches no instance: {why}"),
                        "a scheduled time of an instance the scenario creates",
                    )
                    .help("the stretch lengthens nothing; check its task and scheduled time"),
                );
            }
        }
        let operations = s.operations.iter().map(|o| (o.task, o.scheduled));
        let spans = sdoc.operations.iter().map(|o| o.scheduled.span.clone());
        for ((task, scheduled), span) in operations.zip(spans) {
            if let Some(why) = reach.unreachable(task, scheduled) {
                out.diagnostics.push(
                    Diagnostic::new(
                        span,
                        format!("this operation matches no instance: {why}"),
                        "a scheduled time of an instance the scenario creates",
                    )
                    .help("the operation does nothing; check its task and scheduled time"),
                );
            }
        }
    }
    // Settings the engine accepts but its documentation advises against.
    crate::model::advice::warnings(model, doc, &mut out);
    out.normalize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = "[model]\nname = \"m\"\nprofile = \"dolphinscheduler\"\n[[workflow]]\nname = \"w\"\ncron = \"0 0 2 * * ? *\"\n  [[workflow.task]]\n  name = \"a\"\n[[workflow]]\nname = \"v\"\ncron = \"0 0 3 * * ? *\"\n  [[workflow.task]]\n  name = \"b\"\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  dates = [\"2025-03-01T02:00:00\", \"2025-03-02T05:00:00\"]\n";

    fn time(t: &str) -> DateTime {
        t.parse().unwrap()
    }

    #[test]
    fn a_fault_reaches_only_covered_tasks_at_their_fire_or_listed_times() {
        let m = crate::model::load_str("m.toml", MODEL).unwrap();
        let reach = Reach::new(&m, &m.scenarios[0]);
        let (a, b) = (TaskId(0), TaskId(1));
        assert_eq!(reach.unreachable(a, time("2025-03-01T02:00")), None);
        // Listed complement dates replace the schedule.
        assert_eq!(reach.unreachable(a, time("2025-03-02T05:00")), None);
        let off = reach.unreachable(a, time("2025-03-03T04:00")).unwrap();
        assert!(off.contains("never fires at 2025-03-03T04:00:00"), "{off}");
        let elsewhere = reach.unreachable(b, time("2025-03-01T03:00")).unwrap();
        assert!(elsewhere.contains("`v.b` is in no backfill"), "{elsewhere}");
    }

    #[test]
    fn warnings_point_at_the_scheduled_time() {
        let source = format!(
            "{MODEL}  [[scenario.fault]]\n  task = \"v.b\"\n  scheduled = \"2025-03-01T03:00:00\"\n"
        );
        let (m, doc) = crate::model::load_document("m.toml", &source).unwrap();
        let w = warnings(&m, &doc, "m.toml", &source).to_json();
        assert_eq!(w.len(), 1, "{w:?}");
        let line = source
            .lines()
            .position(|l| l.contains("03:00:00\""))
            .unwrap()
            + 1;
        assert_eq!((w[0].line, w[0].column), (line, 15));
        assert!(w[0].message.starts_with("this fault matches no instance"));
    }
}
