//! Property-based exploration of fault schedules: which attempts fail (before or after
//! their write) and which operator actions happen, searched from one seed, each case
//! checked against every property; a violating schedule is shrunk to a minimal one
//! (no fault or action can be removed and the same property still fail) and given
//! back as the `check` command that replays it exactly.
//!
//! Schedules are scenario data ([`Fault`], [`Operation`]), added to a copy of the
//! scenario; nothing here touches the engine's rules.

use std::collections::BTreeSet;

use jiff::civil::DateTime;

use crate::calendar::Instant;
use crate::calendar::schedule::{instant_to_local, local_to_instant};
use crate::engine::{Config, Random, State};
use crate::keyword::Keyword;
use crate::model::diagnostic::did_you_mean;
use crate::model::{Fault, FaultPhase, Model, Operation, OperationKind, Scenario, TaskId};
use crate::observe::observe;

/// A fault as `--fault TASK,SCHEDULED,ATTEMPT[,after_write]` writes it.
pub fn fault_arg(model: &Model, f: &Fault) -> String {
    let attempts: Vec<String> = f.attempts.iter().map(u32::to_string).collect();
    let phase = match f.phase {
        FaultPhase::BeforeWrite => "",
        FaultPhase::AfterWrite => ",after_write",
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

/// A task by its qualified name, with the model file's words when there is none.
fn task_named(model: &Model, name: &str) -> Result<TaskId, String> {
    if let Some(i) = model.tasks.iter().position(|t| t.name == name) {
        return Ok(TaskId(i as u32));
    }
    let names = || model.tasks.iter().map(|t| t.name.as_str());
    if !name.contains('.') {
        let suffix = format!(".{name}");
        let hint = names()
            .find(|n| n.ends_with(&suffix))
            .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
        return Err(format!(
            "`{name}` does not name a task; expected \"workflow.task\"{hint}"
        ));
    }
    let hint =
        did_you_mean(name, names()).map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
    Err(format!("unknown task `{name}`{hint}"))
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

/// Reads `TASK,SCHEDULED,ATTEMPTS[,after_write|before_write]` (attempts joined by `+`).
pub fn parse_fault(model: &Model, text: &str) -> Result<Fault, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(format!(
            "`{text}`: expected TASK,SCHEDULED,ATTEMPT[,after_write]"
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
    Ok(Fault {
        task,
        scheduled,
        attempts,
        phase,
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

/// A found violation, shrunk.
#[derive(Clone, Debug)]
pub struct Violation {
    pub property: &'static str,
    pub faults: Vec<Fault>,
    pub operations: Vec<Operation>,
    /// The case it was found in (0 is the scenario as written).
    pub case: usize,
}

/// What an exploration did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub cases: usize,
    pub violation: Option<Violation>,
}

/// An instance of the base run that a fault or an action can aim at.
struct Target {
    task: TaskId,
    scheduled: DateTime,
    attempts: u32,
    end: Instant,
}

/// The first property (in catalog order) that does not hold with these faults and
/// operations added.
fn first_violation(
    model: &Model,
    base: &Scenario,
    faults: &[Fault],
    operations: &[Operation],
    config: Config,
) -> Option<&'static str> {
    let failing = failing(model, base, faults, operations, config);
    crate::observe::PROPERTIES
        .into_iter()
        .find(|p| failing.contains(p))
}

/// Searches `cases` random fault schedules on top of `scenario` (each simulated with
/// `config.seed`), shrinking the first violation found. `kinds` are the operator
/// actions it may add; `progress` hears (done, total).
pub fn explore(
    model: &Model,
    scenario: &Scenario,
    config: Config,
    cases: usize,
    kinds: &[OperationKind],
    progress: &dyn Fn(usize, usize),
) -> Result<Outcome, crate::engine::RunError> {
    let (engine, findings, _) = observe::<Vec<u8>>(model, scenario, config, None)?;
    if let Some(p) = findings.properties.iter().find(|p| !p.holds) {
        return Ok(Outcome {
            cases: 0,
            violation: Some(Violation {
                property: p.name,
                faults: Vec::new(),
                operations: Vec::new(),
                case: 0,
            }),
        });
    }
    let tz = &model.timezone;
    let horizon = scenario.until.map(|u| local_to_instant(tz, u));
    let targets: Vec<Target> = engine
        .instances
        .iter()
        .filter(|i| i.attempts > 0 && i.state != State::DryRun)
        .map(|i| Target {
            task: i.task,
            scheduled: instant_to_local(tz, i.scheduled),
            attempts: model.task(i.task).retry.times + 1,
            end: i.end.unwrap_or(i.scheduled),
        })
        .collect();
    if targets.is_empty() {
        return Ok(Outcome {
            cases: 0,
            violation: None,
        });
    }
    // The search's own stream, apart from the simulations' (which use the seed as is).
    const SEARCH: u64 = 0x5EED_0F0F_FA17;
    let mut rng = Random::new(config.seed ^ SEARCH);
    let pick = |rng: &mut Random, n: usize| ((rng.unit() * n as f64) as usize).min(n - 1);
    for case in 1..=cases {
        let mut faults = Vec::new();
        for _ in 0..pick(&mut rng, 4) {
            let t = &targets[pick(&mut rng, targets.len())];
            faults.push(Fault {
                task: t.task,
                scheduled: t.scheduled,
                attempts: vec![1 + pick(&mut rng, t.attempts as usize) as u32],
                phase: if rng.chance(0.5) {
                    FaultPhase::AfterWrite
                } else {
                    FaultPhase::BeforeWrite
                },
            });
        }
        let mut operations = Vec::new();
        if !kinds.is_empty() {
            for _ in 0..pick(&mut rng, 3) {
                let t = &targets[pick(&mut rng, targets.len())];
                let after = 60 * (1 + pick(&mut rng, 180) as i64);
                let at = horizon.map_or(t.end + after, |h| (t.end + after).min(h));
                operations.push(Operation {
                    at: instant_to_local(tz, at),
                    kind: kinds[pick(&mut rng, kinds.len())],
                    task: t.task,
                    scheduled: t.scheduled,
                });
            }
        }
        progress(case, cases);
        if let Some(property) = first_violation(model, scenario, &faults, &operations, config) {
            let (faults, operations) =
                shrink(model, scenario, config, property, faults, operations);
            return Ok(Outcome {
                cases: case,
                violation: Some(Violation {
                    property,
                    faults,
                    operations,
                    case,
                }),
            });
        }
    }
    Ok(Outcome {
        cases,
        violation: None,
    })
}

/// Removes faults and actions one at a time while `property` still fails, until none
/// can go: the result is 1-minimal.
fn shrink(
    model: &Model,
    scenario: &Scenario,
    config: Config,
    property: &'static str,
    mut faults: Vec<Fault>,
    mut operations: Vec<Operation>,
) -> (Vec<Fault>, Vec<Operation>) {
    let still =
        |f: &[Fault], o: &[Operation]| failing(model, scenario, f, o, config).contains(property);
    loop {
        if let Some(f) = without_one(&faults, |f| still(f, &operations)) {
            faults = f;
        } else if let Some(o) = without_one(&operations, |o| still(&faults, o)) {
            operations = o;
        } else {
            return (faults, operations);
        }
    }
}

/// `items` without the first element whose removal keeps `ok` true.
fn without_one<T: Clone>(items: &[T], ok: impl Fn(&[T]) -> bool) -> Option<Vec<T>> {
    (0..items.len()).find_map(|k| {
        let mut fewer = items.to_vec();
        fewer.remove(k);
        ok(&fewer).then_some(fewer)
    })
}

/// Every property that fails with these faults and operations.
fn failing(
    model: &Model,
    base: &Scenario,
    faults: &[Fault],
    operations: &[Operation],
    config: Config,
) -> BTreeSet<&'static str> {
    let mut s = base.clone();
    s.faults.extend_from_slice(faults);
    s.operations.extend_from_slice(operations);
    observe::<Vec<u8>>(model, &s, config, None)
        .map(|(_, f, _)| {
            f.properties
                .iter()
                .filter(|p| !p.holds)
                .map(|p| p.name)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        crate::model::load_str(
            "m.toml",
            "[model]\nname = \"m\"\nprofile = \"dataworks\"\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 00 02 * * ?\"\n  retry = { times = 2, interval = \"1m\" }\n  writes = [ { table = \"x\", partition = \"dt=${bizdate}\", mode = \"insert\" } ]\n[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-03\"\n",
        )
        .unwrap()
    }

    #[test]
    fn fault_and_operation_arguments_round_trip() {
        let m = model();
        let f = parse_fault(&m, "w.t,2025-03-02T02:00:00,1+2,after_write").unwrap();
        assert_eq!(
            (f.attempts.clone(), f.phase),
            (vec![1, 2], FaultPhase::AfterWrite)
        );
        assert_eq!(parse_fault(&m, &fault_arg(&m, &f)).unwrap(), f);
        let o = parse_operation(&m, "rerun,w.t,2025-03-02T02:00:00,2025-03-10T05:00:00").unwrap();
        assert_eq!(parse_operation(&m, &operation_arg(&m, &o)).unwrap(), o);
        assert!(
            parse_fault(&m, "w.t,2025-03-02T02:00:00,4").is_err(),
            "3 attempts at most"
        );
        assert!(parse_operation(&m, "reboot,w.t,2025-03-02T02:00:00,2025-03-10T05:00:00").is_err());
    }

    #[test]
    fn an_insert_into_node_shrinks_to_one_after_write_failure() {
        let m = model();
        let config = Config {
            seed: 1,
            max_instances: 1000,
        };
        let out = explore(
            &m,
            &m.scenarios[0],
            config,
            200,
            &[OperationKind::Rerun],
            &|_, _| {},
        )
        .unwrap();
        let v = out
            .violation
            .expect("an append retried after its write duplicates");
        assert_eq!(v.property, "idempotent-writes");
        // Minimal: one fault after the write, or one rerun, and nothing else.
        assert_eq!(v.faults.len() + v.operations.len(), 1, "{v:?}");
        if let Some(f) = v.faults.first() {
            assert_eq!(f.phase, FaultPhase::AfterWrite);
        }
        // The shrunk schedule still violates it.
        assert_eq!(
            first_violation(&m, &m.scenarios[0], &v.faults, &v.operations, config),
            Some("idempotent-writes")
        );
    }
}
