//! Checks of a sweep before any variant is built: every key a knob of the model, no
//! key varied twice, the number of variants bounded, each value valid alone, no knob
//! that the scenario plans nothing for, and no key whose values give one model.

use std::collections::BTreeMap;

use super::{BACKFILL_KNOBS, Backfill, Base, Vary, backfill_knob, count};
use crate::engine::Config;
use crate::model::diagnostic::did_you_mean;
use crate::model::{Model, load_str};

/// Every key `--vary` accepts for this model.
pub fn known_keys(model: &Model) -> Vec<String> {
    let mut keys: Vec<String> = BACKFILL_KNOBS
        .into_iter()
        .chain(["profile_version"])
        .map(String::from)
        .collect();
    keys.extend(model.groups.iter().map(|g| format!("slots.{}", g.name)));
    keys.extend(
        model
            .tasks
            .iter()
            .map(|t| format!("self_dependency.{}", t.name)),
    );
    keys.extend(model.tasks.iter().map(|t| format!("retries.{}", t.name)));
    keys.extend(
        crate::rules::RuleOverrides::NAMES
            .iter()
            .map(|k| k.to_string()),
    );
    keys
}

/// Whether `key` names a knob of `model` (`keys`: [`known_keys`]), and a backfill
/// the run has, for `flag` (`--vary`, `--minimize`, or `diff`'s `--a`/`--b`): a
/// refusal names the nearest knob or those the model has.
pub fn check_key(
    model: &Model,
    keys: &[String],
    base_run: &Base,
    flag: &str,
    key: &str,
) -> Result<(), String> {
    if let Some((knob, Some(index))) = backfill_knob(key) {
        match base_run {
            Base::Backfill(_) => {
                return Err(format!(
                    "{flag} {key}: a backfill by its index needs --scenario (a fresh backfill from --from/--to is one backfill: vary `{knob}`)"
                ));
            }
            Base::Scenario(name) => {
                let count = model
                    .scenarios
                    .iter()
                    .find(|s| &s.name == name)
                    .map_or(0, |s| s.backfills.len());
                if index > count {
                    return Err(format!(
                        "{flag} {key}: scenario `{name}` has {count} backfill{}, so there is no backfill {index} (they are numbered from 1)",
                        if count == 1 { "" } else { "s" }
                    ));
                }
            }
        }
        return Ok(());
    }
    if !keys.iter().any(|k| k == key) {
        let (what, candidates): (&str, Vec<&str>) = match key.split_once('.') {
            Some(("slots", _)) => (
                "no resource group",
                keys.iter()
                    .filter(|k| k.starts_with("slots."))
                    .map(String::as_str)
                    .collect(),
            ),
            Some((prefix @ ("self_dependency" | "retries"), _)) => (
                "no task",
                keys.iter()
                    .filter(|k| k.split_once('.').is_some_and(|(p, _)| p == prefix))
                    .map(String::as_str)
                    .collect(),
            ),
            _ => ("not a knob", keys.iter().map(String::as_str).collect()),
        };
        let hint = match did_you_mean(key, candidates.iter().copied()) {
            Some(near) => format!("; did you mean `{near}`?"),
            None if what != "not a knob" && !candidates.is_empty() => {
                format!("; known: {}", candidates.join(", "))
            }
            None if what != "not a knob" => "; the model has none".to_string(),
            None => "; expected groups, order, run_immediately, window, reprocess (each also KNOB.N: the scenario's N-th backfill), profile_version, slots.GROUP, self_dependency.WORKFLOW.TASK, retries.WORKFLOW.TASK or a rule knob".to_string(),
        };
        return Err(format!("{flag} {key}: {what} by that name{hint}"));
    }
    Ok(())
}

/// Checks a sweep before any variant is built: every key names something of the
/// model (a did-you-mean otherwise), no key is varied twice, the number of variants
/// is at most `max_variants`, and each value, applied alone to the model, gives a
/// model that validates. `minimize` is the knob `--minimize` searches, checked as a
/// key too (its values come later): a refusal of it names `--minimize`. Returns
/// notes for the run to print: a key of one value that changes nothing.
pub fn check(
    model: &Model,
    source: &str,
    base_run: &Base,
    (vary, minimize): (&[Vary], Option<&str>),
    (max_variants, max_instances): (u64, u64),
) -> Result<Vec<String>, String> {
    let keys = known_keys(model);
    if let Some((name, values)) = minimize.and_then(|k| k.split_once('=')) {
        return Err(format!(
            "--minimize {name}={values}: give the knob alone (`--minimize {name}`) and the values it searches as `--range LO..HI` (here `--range {values}`)"
        ));
    }
    let searched = minimize.map(|k| Vary {
        key: k.to_string(),
        values: Vec::new(),
    });
    let flagged = vary
        .iter()
        .map(|v| ("--vary", v))
        .chain(searched.iter().map(|v| ("--minimize", v)));
    for (i, (flag, v)) in flagged.enumerate() {
        if vary[..i.min(vary.len())].iter().any(|w| w.key == v.key) {
            return Err(format!(
                "{flag} {}: the key is varied twice; give all its values in one --vary {}=V1,V2,...",
                v.key, v.key
            ));
        }
        check_key(model, &keys, base_run, flag, &v.key)?;
    }
    let n = count(vary);
    if n.is_none_or(|n| n > max_variants) {
        let counted = n.map_or("more than 2^64".to_string(), |n| n.to_string());
        return Err(format!(
            "--vary makes {counted} variants, more than --max-variants {max_variants}; vary fewer values, or raise --max-variants"
        ));
    }
    let base: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    // The model with these values, or its first problem in words.
    let load = |values: &BTreeMap<String, String>| -> Result<Result<Model, String>, String> {
        let text = base_run.text(&base, values).map_err(|e| e.to_string())?;
        Ok(load_str("whatif variant", &text).map_err(|d| {
            d.diagnostics
                .first()
                .map_or("the model does not load".into(), |first| {
                    let help = first
                        .help
                        .as_ref()
                        .map_or(String::new(), |h| format!(" ({h})"));
                    format!("{}; {}{help}", first.message, first.expected)
                })
        }))
    };
    let problem = |values: &BTreeMap<String, String>| -> Result<Option<String>, String> {
        Ok(load(values)?.err())
    };
    // The backfill alone, so that its own problem is not blamed on a value: checked
    // when there is no value, or when a value's variant fails (each check loads the
    // whole model: 1.8 s for one of 100,000 tasks).
    let base_problem = || -> Result<Option<String>, String> {
        Ok(problem(&BTreeMap::new())?.map(|p| match base_run {
            Base::Backfill(_) => {
                format!("the backfill (--from, --to, --targets, --window, --at): {p}")
            }
            Base::Scenario(name) => format!("scenario `{name}`: {p}"),
        }))
    };
    if vary.is_empty()
        && let Some(p) = base_problem()?
    {
        return Err(p);
    }
    if let Base::Backfill(Backfill {
        window: Some(w), ..
    }) = base_run
        && let Some(v) = vary.iter().find(|v| v.key == "window")
    {
        return Err(format!(
            "--vary window={}: --window {w} sets the backfill's window too, and the varied values would replace it; give every window in --vary window",
            v.values.join(",")
        ));
    }
    // With one varied key, the models its values give alone are the ones
    // `same_models` compares: compared as they are loaded here, not loaded twice
    // (each load of a 100,000-task model is seconds).
    let one_key = vary.len() == 1;
    let mut one_key_alike = None;
    for v in vary {
        let mut first: Option<Model> = None;
        let mut alike = true;
        for value in &v.values {
            let one = BTreeMap::from([(v.key.clone(), value.clone())]);
            let m = match load(&one)? {
                Ok(m) => m,
                Err(p) => {
                    return Err(base_problem()?.unwrap_or(format!("--vary {}={value}: {p}", v.key)));
                }
            };
            if one_key {
                match &first {
                    None => first = Some(m),
                    Some(f) => alike = alike && f.schedules_like(&m),
                }
            }
        }
        if one_key {
            one_key_alike = Some(alike);
        }
    }
    let notes = same_models(&base, base_run, vary, one_key_alike)?;
    let keys = vary
        .iter()
        .map(|v| ("--vary", v.key.as_str()))
        .chain(minimize.map(|k| ("--minimize", k)));
    unplanned(&base, base_run, keys, max_instances)?;
    Ok(notes)
}

/// Refuses a task's knob (`retries.`, `self_dependency.`) or a group's slots when
/// the scenario plans no instance of the task, or of any task in the group: its
/// values could change nothing. (A scenario that cannot be planned is left to the
/// sweep, which says why.)
fn unplanned<'k>(
    base: &toml::Table,
    base_run: &Base,
    keys: impl Iterator<Item = (&'k str, &'k str)>,
    max_instances: u64,
) -> Result<(), String> {
    let text = base_run
        .text(base, &BTreeMap::new())
        .map_err(|e| e.to_string())?;
    let Ok(model) = load_str("whatif variant", &text) else {
        return Ok(());
    };
    let name = match base_run {
        Base::Scenario(name) => name.as_str(),
        Base::Backfill(_) => "whatif",
    };
    let Some(scenario) = model.scenarios.iter().find(|s| s.name == name) else {
        return Ok(());
    };
    let Ok(engine) = crate::engine::Engine::new(&model, scenario, Config::new(0, max_instances))
    else {
        return Ok(());
    };
    let planned = engine.planned_tasks();
    let task = |name: &str| model.tasks.iter().position(|t| t.name == name);
    for (flag, key) in keys {
        let knob = key.split_once('.');
        let idle = match knob {
            Some(("retries" | "self_dependency", t)) => task(t)
                .filter(|&k| !planned.contains(&crate::model::TaskId(k as u32)))
                .map(|_| format!("the scenario plans no instance of {t} (not a target of its backfills, nor of its recurring schedule)")),
            Some(("slots", g)) => {
                let runs_in = |t: &crate::model::TaskId| {
                    let task = model.task(*t);
                    let group = |id: crate::model::GroupId| model.groups[id.0 as usize].name == g;
                    group(task.group) || task.task_group.is_some_and(group)
                };
                (!planned.iter().any(runs_in)).then(|| {
                    format!("no task the scenario plans runs in group {g}")
                })
            }
            _ => None,
        };
        if let Some(why) = idle {
            return Err(format!(
                "{flag} {key}: {why}, so its values change nothing here"
            ));
        }
    }
    Ok(())
}

/// Refuses a varied key whose values all give the same model and scenario (the
/// other keys at their first values): its rows could differ in nothing but the
/// value's name. Another varied key may set what it sets (`groups` and `groups.1`
/// of a scenario's one backfill), or the model may (a backfill's own `groups` over
/// the rule knob `date_groups`). A key of one value is refused where another varied
/// key sets what it would: every row would carry a value no row ran. One that
/// changes nothing otherwise (the base already holds it, or the model sets what
/// it sets) gives a note.
/// `one_key_alike`: with one varied key, whether its values gave one model, as
/// `check` found loading them.
fn same_models(
    base: &toml::Table,
    base_run: &Base,
    vary: &[Vary],
    one_key_alike: Option<bool>,
) -> Result<Vec<String>, String> {
    // The model a combination gives; None where the model refuses it.
    let shape = |values: &BTreeMap<String, String>| -> Result<Option<Model>, String> {
        let text = base_run.text(base, values).map_err(|e| e.to_string())?;
        Ok(load_str("whatif variant", &text).ok())
    };
    // Whether every value of `v`, with `others`, gives one and the same model.
    let alike = |v: &Vary, others: &BTreeMap<String, String>| -> Result<bool, String> {
        let mut first = None;
        for value in &v.values {
            let mut values = others.clone();
            values.insert(v.key.clone(), value.clone());
            let Some(m) = shape(&values)? else {
                return Ok(false);
            };
            match &first {
                None => first = Some(m),
                Some(f) if !f.schedules_like(&m) => return Ok(false),
                Some(_) => {}
            }
        }
        Ok(true)
    };
    let firsts = |keys: &mut dyn Iterator<Item = &Vary>| -> BTreeMap<String, String> {
        keys.map(|w| (w.key.clone(), w.values[0].clone())).collect()
    };
    for v in vary.iter().filter(|v| v.values.len() > 1) {
        let others = firsts(&mut vary.iter().filter(|w| w.key != v.key));
        let same = match one_key_alike {
            Some(same) => same,
            None => alike(v, &others)?,
        };
        if !same {
            continue;
        }
        let listed = format!("--vary {}={}", v.key, v.values.join(","));
        // The varied key that sets what this one would, if one does: alone, the key
        // changes the model; beside that one, it does not.
        let shadowed = vary.len() > 1 && !alike(v, &BTreeMap::new())?;
        for w in vary.iter().filter(|w| shadowed && w.key != v.key) {
            if alike(v, &firsts(&mut std::iter::once(w)))? {
                return Err(format!(
                    "{listed}: every value gives the same model and scenario while --vary {} is varied too, which sets what it would; vary one of the two",
                    w.key
                ));
            }
        }
        return Err(format!(
            "{listed}: every value gives the same model and scenario, so no two rows could differ by it: the model or the scenario sets what it sets (a backfill's own `groups` or `order` over the rule knobs `date_groups` and `order`), or nothing reads it (`default_slots` where every group a task runs in is declared)"
        ));
    }
    // A key of one value labels every row with it: refused where another varied key
    // sets what it would, as a key of several values is.
    let like = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        Ok::<_, String>(match (shape(a)?, shape(b)?) {
            (Some(a), Some(b)) => a.schedules_like(&b),
            _ => false,
        })
    };
    let mut notes = Vec::new();
    for v in vary.iter().filter(|v| v.values.len() == 1) {
        let with = |mut values: BTreeMap<String, String>| {
            values.insert(v.key.clone(), v.values[0].clone());
            values
        };
        let refuse = |keys: &[&str]| {
            let listed: Vec<String> = keys.iter().map(|k| format!("--vary {k}")).collect();
            format!(
                "--vary {}={}: its value changes nothing while {} {} varied too, which {} what it would, yet every row would be labelled with it; vary one of the two",
                v.key,
                v.values[0],
                listed.join(" and "),
                if keys.len() == 1 { "is" } else { "are" },
                if keys.len() == 1 { "sets" } else { "set" },
            )
        };
        // `groups` where `groups.N` is varied for every backfill of the scenario: by
        // the keys, whatever the values (the scenario may already hold this one).
        if let (Some((knob, None)), Base::Scenario(_)) = (backfill_knob(&v.key), base_run) {
            let backfills = shape(&BTreeMap::new())?.map_or(0, |m| m.scenarios[0].backfills.len());
            let indexed: Vec<String> = (1..=backfills).map(|i| format!("{knob}.{i}")).collect();
            if backfills > 0 && indexed.iter().all(|k| vary.iter().any(|w| &w.key == k)) {
                let keys: Vec<&str> = indexed.iter().map(String::as_str).collect();
                return Err(refuse(&keys));
            }
        }
        let others = firsts(&mut vary.iter().filter(|w| w.key != v.key));
        if !like(&with(others.clone()), &others)? {
            continue;
        }
        // Alone, it changes the model: a varied key sets what it would.
        if !others.is_empty() && !like(&with(BTreeMap::new()), &BTreeMap::new())? {
            for w in vary.iter().filter(|w| w.key != v.key) {
                let alone = firsts(&mut std::iter::once(w));
                if like(&with(alone.clone()), &alone)? {
                    return Err(refuse(&[w.key.as_str()]));
                }
            }
        }
        notes.push(format!(
            "--vary {}={}: its one value changes nothing here: the base already holds it, or the model sets what it sets (a backfill's own `groups` or `order` over the rule knobs `date_groups` and `order`), or nothing reads it",
            v.key, v.values[0]
        ));
    }
    Ok(notes)
}
