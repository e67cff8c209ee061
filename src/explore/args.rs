//! The command-line form of a schedule's parts (`--fault`, `--operation`,
//! `--stretch`): written for replay commands, read back by `check` and by `merge`.

use jiff::civil::DateTime;

use crate::keyword::Keyword;
use crate::model::diagnostic::did_you_mean;
use crate::model::{
    Fault, FaultPhase, MAX_STRETCH, Model, Operation, OperationKind, Stretch, TaskId,
};

/// A fault as `--fault TASK,SCHEDULED,ATTEMPT[,after_write]` writes it.
pub fn fault_arg(model: &Model, f: &Fault) -> String {
    let attempts: Vec<String> = f.attempts.iter().map(u32::to_string).collect();
    // An origin needs the phase before it, spelled out.
    let phase = match (f.phase, f.origin) {
        (FaultPhase::BeforeWrite, None) => String::new(),
        (FaultPhase::BeforeWrite, Some(o)) => format!(",before_write,{}", o.word()),
        (FaultPhase::AfterWrite, None) => ",after_write".into(),
        (FaultPhase::AfterWrite, Some(o)) => format!(",after_write,{}", o.word()),
    };
    format!(
        "{},{},{}{phase}",
        model.task(f.task).name,
        f.scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
        attempts.join("+")
    )
}

/// An operation as `--operation KIND,TASK,SCHEDULED,AT` writes it.
pub fn operation_arg(model: &Model, o: &Operation) -> String {
    format!(
        "{},{},{},{}",
        o.kind.word(),
        model.task(o.task).name,
        o.scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
        o.at.strftime("%Y-%m-%dT%H:%M:%S")
    )
}

/// A task by its qualified name, with the model file's words when there is none:
/// the nearest name, or else the names it has (a long list shortened, saying so).
fn task_named(model: &Model, name: &str) -> Result<TaskId, String> {
    if let Some(i) = model.tasks.iter().position(|t| t.name == name) {
        return Ok(TaskId(i as u32));
    }
    let names = || model.tasks.iter().map(|t| t.name.as_str());
    let near = if name.contains('.') {
        did_you_mean(name, names())
    } else {
        let suffix = format!(".{name}");
        names().find(|n| n.ends_with(&suffix))
    };
    let hint = match near {
        Some(n) => format!(" (did you mean `{n}`?)"),
        None => format!(" (the model's tasks: {})", task_list(model)),
    };
    if name.contains('.') {
        Err(format!("unknown task `{name}`{hint}"))
    } else {
        Err(format!(
            "`{name}` does not name a task; expected \"workflow.task\"{hint}"
        ))
    }
}

/// The model's task names, the first [`LISTED`] of a longer list followed by how
/// many more there are.
fn task_list(model: &Model) -> String {
    const LISTED: usize = 8;
    let n = model.tasks.len();
    let shown: Vec<String> = model
        .tasks
        .iter()
        .take(LISTED)
        .map(|t| format!("`{}`", t.name))
        .collect();
    match n {
        0 => "none".to_string(),
        n if n > LISTED => format!("{} and {} more", shown.join(", "), n - LISTED),
        _ => shown.join(", "),
    }
}

/// A word of `K`, with the model file's words when it is not one.
fn keyword<K: Keyword>(word: &str) -> Result<K, String> {
    K::from_word(word).ok_or_else(|| {
        let hint = did_you_mean(word, K::ALL.iter().map(|(w, _)| *w))
            .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
        format!(
            "unknown {} `{word}`; expected {}{hint}",
            K::WHAT,
            K::expected()
        )
    })
}

fn time(text: &str) -> Result<DateTime, String> {
    crate::model::parse_bound(text).and_then(|b| match b {
        crate::model::DateOrTime::DateTime(t) => Ok(t),
        crate::model::DateOrTime::Date(_) => Err(format!(
            "`{text}` is a date; expected a time YYYY-MM-DDTHH:MM:SS"
        )),
    })
}

/// Reads `TASK,SCHEDULED,ATTEMPTS[,after_write|before_write[,ORIGIN]]` (attempts
/// joined by `+`; ORIGIN `recurring`, `backfill` or `rerun` limits the fault to
/// instances of that origin).
pub fn parse_fault(model: &Model, text: &str) -> Result<Fault, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if !(3..=5).contains(&parts.len()) {
        return Err(format!(
            "`{text}`: expected TASK,SCHEDULED,ATTEMPT[,after_write[,ORIGIN]]"
        ));
    }
    let task = task_named(model, parts[0]).map_err(|e| format!("`{text}`: {e}"))?;
    let scheduled = time(parts[1])?;
    let attempts = parts[2]
        .split('+')
        .map(|a| {
            let n = a.parse::<u32>().map_err(|_| {
                format!("`{a}`: expected an attempt number (attempts are joined by `+`)")
            })?;
            match crate::model::attempt_problem(model, task, n) {
                Some(problem) => Err(format!("`{text}`: {problem}")),
                None => Ok(n),
            }
        })
        .collect::<Result<Vec<u32>, String>>()?;
    let phase = match parts.get(3) {
        None => FaultPhase::BeforeWrite,
        Some(p) => keyword(p).map_err(|e| format!("`{text}`: {e}"))?,
    };
    let origin = match parts.get(4) {
        None => None,
        Some(o) => Some(keyword(o).map_err(|e| format!("`{text}`: {e}"))?),
    };
    Ok(Fault {
        task,
        scheduled,
        attempts,
        phase,
        origin,
    })
}

/// Reads `KIND,TASK,SCHEDULED,AT`.
pub fn parse_operation(model: &Model, text: &str) -> Result<Operation, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [kind, task, scheduled, at] = parts[..] else {
        return Err(format!("`{text}`: expected KIND,TASK,SCHEDULED,AT"));
    };
    let kind: OperationKind = keyword(kind).map_err(|e| format!("`{text}`: {e}"))?;
    // The model file's rule: some actions exist in one profile only.
    if let Some(refusal) = crate::model::operation_refusal(kind, model.profile) {
        return Err(format!("`{text}`: {refusal}"));
    }
    Ok(Operation {
        at: time(at)?,
        kind,
        task: task_named(model, task).map_err(|e| format!("`{text}`: {e}"))?,
        scheduled: time(scheduled)?,
    })
}

/// A stretch as `--stretch TASK,SCHEDULED,FACTOR` writes it.
pub fn stretch_arg(model: &Model, s: &Stretch) -> String {
    format!(
        "{},{},{}",
        model.task(s.task).name,
        s.scheduled.strftime("%Y-%m-%dT%H:%M:%S"),
        s.factor
    )
}

/// Reads `TASK,SCHEDULED,FACTOR`: every execution of that instance takes FACTOR times
/// its drawn duration.
pub fn parse_stretch(model: &Model, text: &str) -> Result<Stretch, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [task, scheduled, factor] = parts[..] else {
        return Err(format!("`{text}`: expected TASK,SCHEDULED,FACTOR"));
    };
    let factor = factor
        .parse::<f64>()
        .ok()
        .filter(|f| *f > 0.0 && *f <= MAX_STRETCH)
        .ok_or_else(|| {
            format!("`{factor}`: expected a factor above 0, at most 1000 (2 doubles the duration)")
        })?;
    let task = task_named(model, task)?;
    if model.task(task).depends.is_some() {
        return Err(format!(
            "`{}` is a DEPENDENT task: it runs no execution to stretch (it ends at the check that finds its items done)",
            model.task(task).name
        ));
    }
    Ok(Stretch {
        task,
        scheduled: time(scheduled)?,
        factor,
    })
}
