//! The rules a scripted fault or operator action follows, one check for the model
//! file and the command line alike (`--fault`, `--operation`, `explore --operations`):
//! same words, same refusals.

use super::{Fault, FaultPhase, Model, OperationKind, TaskId, diagnostic};
use crate::keyword::Keyword;
use crate::rules::Profile;

/// The profiles an operator action exists in; `None`: every profile. A model file's
/// `[[scenario.operation]]` and the command line's `--operation` are held to it alike.
pub fn operation_profiles(kind: OperationKind) -> Option<&'static [Profile]> {
    match kind {
        OperationKind::Freeze | OperationKind::Unfreeze => Some(&[Profile::Dataworks]),
        OperationKind::RerunUpstream => Some(&[Profile::Airflow]),
        _ => None,
    }
}

/// Why `what` (a key, an operation) is not allowed under `profile`, if it is not.
pub fn only_for_message(what: &str, profiles: &[Profile], profile: Profile) -> Option<String> {
    if profiles.contains(&profile) {
        return None;
    }
    let owners = diagnostic::one_of(profiles.iter().map(|p| p.word()));
    Some(format!(
        "{what} applies only to profile {owners}, but this model's profile is `{profile}`"
    ))
}

/// Why an operator action of this kind is refused under `profile`, if it is.
pub fn operation_refusal(kind: OperationKind, profile: Profile) -> Option<String> {
    operation_profiles(kind).and_then(|profiles| {
        only_for_message(&format!("the operation `{kind}`"), profiles, profile)
    })
}

/// Why a fault cannot name this attempt of `task`, if it cannot.
pub fn attempt_problem(model: &Model, task: TaskId, attempt: u32) -> Option<String> {
    if model.task(task).empty {
        return Some(format!(
            "`{}` is an empty task (`empty = true`): it succeeds without running, no attempt of it can fail",
            model.task(task).name
        ));
    }
    let max = model.task(task).retry.times.saturating_add(1);
    (attempt == 0 || attempt > max).then(|| {
        format!(
            "attempt {attempt} does not exist: `{}` has attempts 1 to {max}",
            model.task(task).name
        )
    })
}

/// The first attempt `fault` names that one of `earlier` already fails, for the same
/// instance, in the other phase (before or after the write): both cannot happen.
/// Faults on one instance otherwise add up.
pub fn attempt_in_conflict(earlier: &[Fault], fault: &Fault) -> Option<(u32, FaultPhase)> {
    earlier
        .iter()
        .filter(|e| e.task == fault.task && e.scheduled == fault.scheduled)
        .filter(|e| e.phase != fault.phase)
        .find_map(|e| {
            fault
                .attempts
                .iter()
                .find(|a| e.attempts.contains(a))
                .map(|&a| (a, e.phase))
        })
}

/// Why a fault failing attempt `a` in the other phase than `other` is refused.
pub fn attempt_conflict_message(model: &Model, fault: &Fault, a: u32, other: FaultPhase) -> String {
    format!(
        "attempt {a} of `{}` scheduled {} already fails {} in another fault",
        model.task(fault.task).name,
        fault.scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
        other.word()
    )
}
