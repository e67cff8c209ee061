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

/// Why no instance of `scenario` can be `task` scheduled at `scheduled`, if none can:
/// the task is in no backfill of a scenario that is not recurring, or its schedule
/// never fires at that time.
pub fn unreachable(
    model: &Model,
    scenario: &Scenario,
    task: TaskId,
    scheduled: DateTime,
) -> Option<String> {
    let name = &model.task(task).name;
    let covering: Vec<_> = scenario
        .backfills
        .iter()
        .filter(|b| covered_tasks(model, &b.targets, b.downstream).contains(&task))
        .collect();
    if covering.is_empty() && !scenario.recurring {
        return Some(format!(
            "`{name}` is in no backfill of scenario `{}`, and the scenario is not recurring",
            scenario.name
        ));
    }
    // DolphinScheduler's explicit complement dates replace the schedule.
    let listed = covering
        .iter()
        .any(|b| b.dates.as_ref().is_some_and(|d| d.contains(&scheduled)));
    if listed {
        return None;
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

/// Validation warnings of a model that validates: every `[[scenario.fault]]` and
/// `[[scenario.operation]]` that can meet no instance, at its place in the file.
pub fn warnings(model: &Model, path: &str, source: &str) -> FileDiagnostics {
    let mut out = FileDiagnostics::new(path, source);
    let Ok(doc): Result<Document, _> = crate::model::parse_document(path, source) else {
        return out;
    };
    for (s, sdoc) in model.scenarios.iter().zip(&doc.scenarios) {
        let faults = s.faults.iter().map(|f| (f.task, f.scheduled));
        let spans = sdoc.faults.iter().map(|f| f.scheduled.span.clone());
        for ((task, scheduled), span) in faults.zip(spans) {
            if let Some(why) = unreachable(model, s, task, scheduled) {
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
        let operations = s.operations.iter().map(|o| (o.task, o.scheduled));
        let spans = sdoc.operations.iter().map(|o| o.scheduled.span.clone());
        for ((task, scheduled), span) in operations.zip(spans) {
            if let Some(why) = unreachable(model, s, task, scheduled) {
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
    out.normalize();
    out
}
