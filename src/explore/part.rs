//! A shard's findings as the lines of its partial file (`crate::shard`), and back.
//! Schedules are written in the command-line form of their parts (`--fault`,
//! `--operation`, `--stretch`), one attempt per fault as the search keeps them, so
//! reading a line back gives the same schedule. Cases are numbered from 1, as
//! `explore` prints them ("first in case 4"): case k is shard (k − 1) mod N's.

use serde_json::{Value, json};

use super::{Hit, PartResult, Schedule, fault_arg, operation_arg, parse_fault, parse_operation};
use super::{parse_stretch, stretch_arg};
use crate::model::Model;
use crate::observe::PROPERTIES;
use crate::shard::Shard;

/// The partial file's item lines for one shard's result.
pub fn items(model: &Model, part: &PartResult) -> Vec<Value> {
    let hits = part.hits.iter().map(|h| {
        let s = &h.schedule;
        json!({ "hit": {
            "case": h.case + 1,
            "property": h.property,
            "faults": s.faults.iter().map(|f| fault_arg(model, f)).collect::<Vec<_>>(),
            "operations": s.operations.iter().map(|o| operation_arg(model, o)).collect::<Vec<_>>(),
            "stretches": s.stretches.iter().map(|x| stretch_arg(model, x)).collect::<Vec<_>>(),
        }})
    });
    let refused = part
        .refused
        .iter()
        .map(|(case, why)| json!({ "refused": { "case": case + 1, "why": why } }));
    hits.chain(refused).collect()
}

/// One shard's result from its item lines (shard `of` of a search of `cases`
/// cases): each case its shard's, below `cases`, and each (case, property) hit and
/// each refused case once. Errors say which line.
pub fn read(
    model: &Model,
    items: &[(usize, Value)],
    of: Shard,
    cases: usize,
) -> Result<PartResult, String> {
    let mut part = PartResult::default();
    for (line, value) in items {
        let at = |e: String| format!("line {line}: {e}");
        // Numbered from 1 in the file; from 0 in the search.
        let mine = |case: usize| {
            if case == 0 || case > cases {
                Err(at(format!(
                    "case {case}, but the search has cases 1 to {cases}"
                )))
            } else if !of.holds(case - 1) {
                Err(at(format!(
                    "case {case} is not shard {of}'s (case k is shard (k - 1) mod N's)"
                )))
            } else {
                Ok(case - 1)
            }
        };
        if let Some(h) = value.get("hit") {
            let case = h
                .get("case")
                .and_then(Value::as_u64)
                .ok_or_else(|| at("a hit without its case number".into()))?
                as usize;
            let case = mine(case)?;
            let name = h
                .get("property")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let property = PROPERTIES
                .into_iter()
                .find(|p| *p == name)
                .ok_or_else(|| at(format!("unknown property `{name}`")))?;
            let strings = |key: &str| -> Result<Vec<&str>, String> {
                h.get(key)
                    .and_then(Value::as_array)
                    .ok_or_else(|| at(format!("a hit without its `{key}` list")))?
                    .iter()
                    .map(|v| v.as_str().ok_or_else(|| at(format!("`{key}`: not text"))))
                    .collect()
            };
            let schedule = Schedule {
                faults: strings("faults")?
                    .into_iter()
                    .map(|t| parse_fault(model, t).map_err(at))
                    .collect::<Result<_, _>>()?,
                operations: strings("operations")?
                    .into_iter()
                    .map(|t| parse_operation(model, t).map_err(at))
                    .collect::<Result<_, _>>()?,
                stretches: strings("stretches")?
                    .into_iter()
                    .map(|t| parse_stretch(model, t).map_err(at))
                    .collect::<Result<_, _>>()?,
            };
            if part
                .hits
                .iter()
                .any(|h| (h.case, h.property) == (case, property))
            {
                return Err(at(format!("case {case}'s {property} is written twice")));
            }
            part.hits.push(Hit {
                case,
                property,
                schedule,
            });
        } else if let Some(r) = value.get("refused") {
            let case = r
                .get("case")
                .and_then(Value::as_u64)
                .ok_or_else(|| at("a refused case without its number".into()))?
                as usize;
            let case = mine(case)?;
            if part.refused.iter().any(|(k, _)| *k == case) {
                return Err(at(format!("refused case {case} is written twice")));
            }
            let why = r.get("why").and_then(Value::as_str).unwrap_or_default();
            part.refused.push((case, why.to_string()));
        } else {
            return Err(at("neither a hit nor a refused case".into()));
        }
    }
    Ok(part)
}
