//! One seed's run ([`SeedRun`]) as JSON for a partial file (`crate::shard`), and back,
//! so that `schedsim merge` rebuilds from the shards' lines the very runs the
//! unsharded `--seeds` sweep would have collected.
//!
//! Every field is written; numbers that JSON readers do not all keep exactly (a
//! 128-bit slot-seconds count, a float) are written as their decimal text, which
//! reads back bit for bit. A word this schedsim does not know (an origin, a wait's
//! kind) is refused with its name, never guessed.

use serde_json::{Value, json};

use crate::engine::Origin;
use crate::observe::metrics::GroupFigures;
use crate::observe::waits::{Kind, WaitRow};
use crate::seeds::{SeedDate, SeedRun};

/// Every origin a date can have, to read its word back.
const ORIGINS: [Origin; 4] = [
    Origin::Recurring,
    Origin::Backfill,
    Origin::Rerun,
    Origin::Manual,
];

/// Every kind of wait, to read its word back.
const KINDS: [Kind; 10] = [
    Kind::ResourceGroup,
    Kind::TaskGroup,
    Kind::Pool,
    Kind::MaxActiveRuns,
    Kind::MaxActiveTasks,
    Kind::DateParallelism,
    Kind::Time,
    Kind::Upstream,
    Kind::SelfDependency,
    Kind::Frozen,
];

/// One run as a JSON object.
pub fn to_json(run: &SeedRun) -> Value {
    json!({
        "seed": run.seed,
        "makespan": run.makespan,
        "executions": run.executions,
        "retries": run.retries,
        "dates": run.dates.iter().map(|d| json!([d.date, d.origin, d.start, d.end, d.backfill, d.workflows])).collect::<Vec<_>>(),
        "groups": run.groups.iter().map(|g| json!({
            "name": g.name,
            "slots": g.slots,
            "peak_running": g.peak_running,
            "peak_waiting": g.peak_waiting,
            "busy_seconds": g.busy_seconds.to_string(),
            "utilisation": g.utilisation.to_string(),
        })).collect::<Vec<_>>(),
        "verdicts": run.verdicts.iter().map(|(name, holds)| json!([name, holds])).collect::<Vec<_>>(),
        "waits": run.waits.iter().map(|w| json!({
            "kind": w.kind.word(),
            "name": w.name,
            "instances": w.instances,
            "total_seconds": w.total_seconds,
            "p50_seconds": w.p50_seconds,
            "p95_seconds": w.p95_seconds,
            "max_seconds": w.max_seconds,
            "peak_queue": w.peak_queue,
        })).collect::<Vec<_>>(),
        "notes": run.notes,
        "exercised": run.exercised,
    })
}

/// Field readers over one JSON object; errors name the field.
struct Fields<'a>(&'a Value);

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Result<&'a Value, String> {
        self.0
            .get(key)
            .ok_or_else(|| format!("no `{key}` in a seed's run"))
    }

    fn u64(&self, key: &str) -> Result<u64, String> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| format!("`{key}`: expected a whole number"))
    }

    fn u32(&self, key: &str) -> Result<u32, String> {
        u32::try_from(self.u64(key)?).map_err(|_| format!("`{key}`: out of range"))
    }

    fn i64(&self, key: &str) -> Result<i64, String> {
        self.get(key)?
            .as_i64()
            .ok_or_else(|| format!("`{key}`: expected a whole number"))
    }

    fn str(&self, key: &str) -> Result<&'a str, String> {
        self.get(key)?
            .as_str()
            .ok_or_else(|| format!("`{key}`: expected text"))
    }

    fn array(&self, key: &str) -> Result<&'a [Value], String> {
        self.get(key)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| format!("`{key}`: expected a list"))
    }

    /// A number written as its decimal text.
    fn parsed<T: std::str::FromStr>(&self, key: &str) -> Result<T, String> {
        self.str(key)?
            .parse()
            .map_err(|_| format!("`{key}`: expected a number written as text"))
    }
}

/// The first of `runs` (runs of one model, read back from partials) that names other
/// resource groups or properties than the first, or in another order: what the
/// figures across seeds index by position (an edited partial), refused by its index.
pub fn first_unlike(runs: &[SeedRun]) -> Option<usize> {
    let first = runs.first()?;
    let groups = |r: &SeedRun| {
        r.groups
            .iter()
            .map(|g| &g.name)
            .eq(first.groups.iter().map(|g| &g.name))
    };
    let verdicts = |r: &SeedRun| {
        r.verdicts
            .iter()
            .map(|v| &v.0)
            .eq(first.verdicts.iter().map(|v| &v.0))
    };
    runs.iter().position(|r| !groups(r) || !verdicts(r))
}

fn instant(v: &Value, what: &str) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{what}: expected seconds or null")),
    }
}

/// One run from its JSON object.
pub fn from_json(v: &Value) -> Result<SeedRun, String> {
    let f = Fields(v);
    let dates =
        f.array("dates")?
            .iter()
            .map(|d| {
                let (
                    Some(date),
                    Some(origin),
                    Some(start),
                    Some(end),
                    Some(backfill),
                    Some(workflows),
                ) = (
                    d.get(0).and_then(Value::as_str),
                    d.get(1).and_then(Value::as_str),
                    d.get(2),
                    d.get(3),
                    d.get(4).and_then(|b| match b {
                        Value::Null => Some(None),
                        b => b.as_u64().and_then(|b| u32::try_from(b).ok()).map(Some),
                    }),
                    d.get(5).and_then(|w| match w {
                        Value::Null => Some(None),
                        w => serde_json::from_value::<Vec<String>>(w.clone())
                            .ok()
                            .map(Some),
                    }),
                )
                else {
                    return Err(
                        "`dates`: expected [date, origin, start, end, backfill, workflows]"
                            .to_string(),
                    );
                };
                let origin = ORIGINS
                    .iter()
                    .map(|o| o.word())
                    .find(|w| *w == origin)
                    .ok_or_else(|| format!("`dates`: unknown origin `{origin}`"))?;
                Ok(SeedDate {
                    date: date.to_string(),
                    workflows,
                    origin,
                    backfill,
                    start: instant(start, "`dates`: start")?,
                    end: instant(end, "`dates`: end")?,
                })
            })
            .collect::<Result<_, String>>()?;
    let groups = f
        .array("groups")?
        .iter()
        .map(|g| {
            let g = Fields(g);
            Ok(GroupFigures {
                name: g.str("name")?.to_string(),
                slots: g.u32("slots")?,
                peak_running: g.u32("peak_running")?,
                peak_waiting: g.u32("peak_waiting")?,
                busy_seconds: g.parsed("busy_seconds")?,
                utilisation: g.parsed("utilisation")?,
            })
        })
        .collect::<Result<_, String>>()?;
    let verdicts = f
        .array("verdicts")?
        .iter()
        .map(|p| {
            match (
                p.get(0).and_then(Value::as_str),
                p.get(1).and_then(Value::as_bool),
            ) {
                (Some(name), Some(holds)) => Ok((name.to_string(), holds)),
                _ => Err("`verdicts`: expected [property, holds]".to_string()),
            }
        })
        .collect::<Result<_, String>>()?;
    let waits = f
        .array("waits")?
        .iter()
        .map(|w| {
            let w = Fields(w);
            let word = w.str("kind")?;
            let kind = KINDS
                .into_iter()
                .find(|k| k.word() == word)
                .ok_or_else(|| format!("`waits`: unknown kind `{word}`"))?;
            let name = match w.get("name")? {
                Value::Null => None,
                n => Some(
                    n.as_str()
                        .ok_or_else(|| "`waits`: `name`: expected text or null".to_string())?
                        .to_string(),
                ),
            };
            Ok(WaitRow {
                kind,
                name,
                instances: w.u64("instances")?,
                total_seconds: w.u64("total_seconds")?,
                p50_seconds: w.u64("p50_seconds")?,
                p95_seconds: w.u64("p95_seconds")?,
                max_seconds: w.u64("max_seconds")?,
                peak_queue: w.u32("peak_queue")?,
            })
        })
        .collect::<Result<_, String>>()?;
    let notes = f
        .array("notes")?
        .iter()
        .map(|n| {
            n.as_str()
                .map(str::to_string)
                .ok_or_else(|| "`notes`: expected text".to_string())
        })
        .collect::<Result<_, String>>()?;
    let exercised = serde_json::from_value(f.get("exercised")?.clone())
        .map_err(|e| format!("`exercised`: {e}"))?;
    Ok(SeedRun {
        seed: f.u64("seed")?,
        makespan: f.i64("makespan")?,
        executions: f.u64("executions")?,
        retries: f.u64("retries")?,
        dates,
        groups,
        verdicts,
        waits,
        notes,
        exercised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::exercised::Exercised;

    fn run() -> SeedRun {
        SeedRun {
            seed: 7,
            makespan: -3,
            executions: 12,
            retries: 2,
            dates: vec![
                SeedDate {
                    date: "2025-03-01".into(),
                    workflows: Some(vec!["a".into(), "b".into()]),
                    origin: "backfill",
                    backfill: Some(2),
                    start: Some(100),
                    end: None,
                },
                SeedDate {
                    date: "2025-03-02".into(),
                    workflows: None,
                    origin: "manual",
                    backfill: None,
                    start: None,
                    end: None,
                },
            ],
            groups: vec![GroupFigures {
                name: "etl".into(),
                slots: 4,
                peak_running: 4,
                peak_waiting: 9,
                busy_seconds: u128::from(u64::MAX) * 3,
                utilisation: 0.1 + 0.2,
            }],
            verdicts: vec![("no_overlap".into(), true), ("expect:sla".into(), false)],
            waits: vec![WaitRow {
                kind: Kind::SelfDependency,
                name: None,
                instances: 3,
                total_seconds: 40,
                p50_seconds: 10,
                p95_seconds: 20,
                max_seconds: 20,
                peak_queue: 2,
            }],
            notes: vec!["backfill 1: a \"quoted\" note — ✓".into()],
            exercised: Exercised {
                failed: vec!["load".into()],
                scheduled: Some((-86_400, 1_700_000_000)),
                met_runs: vec![0, 2],
                ran_in: vec!["etl".into()],
            },
        }
    }

    #[test]
    fn a_seed_run_reads_back_as_written_through_a_json_line() {
        let line = to_json(&run()).to_string();
        let back = from_json(&serde_json::from_str(&line).unwrap()).unwrap();
        // Debug shows every field, the float and the 128-bit count exactly.
        assert_eq!(format!("{back:?}"), format!("{:?}", run()));
    }

    #[test]
    fn an_unknown_origin_or_kind_is_refused_by_name() {
        let mut v = to_json(&run());
        v["dates"][0][1] = json!("sideways");
        assert!(
            from_json(&v)
                .unwrap_err()
                .contains("unknown origin `sideways`")
        );
        let mut v = to_json(&run());
        v["waits"][0]["kind"] = json!("moon");
        assert!(from_json(&v).unwrap_err().contains("unknown kind `moon`"));
        let mut v = to_json(&run());
        v.as_object_mut().unwrap().remove("retries");
        assert!(from_json(&v).unwrap_err().contains("no `retries`"));
        let mut v = to_json(&run());
        v["exercised"]["failed"] = json!("load");
        assert!(
            from_json(&v)
                .unwrap_err()
                .contains("`exercised`: invalid type")
        );
        let mut v = to_json(&run());
        v["notes"][0] = json!(3);
        assert!(
            from_json(&v)
                .unwrap_err()
                .contains("`notes`: expected text")
        );
    }

    /// Where each kind and origin stands in its list: exhaustive matches, so a kind or
    /// origin added to schedsim fails to compile here; give it the next position and
    /// add it to KINDS or ORIGINS there.
    fn kind_at(k: Kind) -> usize {
        match k {
            Kind::ResourceGroup => 0,
            Kind::TaskGroup => 1,
            Kind::Pool => 2,
            Kind::MaxActiveRuns => 3,
            Kind::MaxActiveTasks => 4,
            Kind::DateParallelism => 5,
            Kind::Time => 6,
            Kind::Upstream => 7,
            Kind::SelfDependency => 8,
            Kind::Frozen => 9,
        }
    }

    fn origin_at(o: Origin) -> usize {
        match o {
            Origin::Recurring => 0,
            Origin::Backfill => 1,
            Origin::Rerun => 2,
            Origin::Manual => 3,
        }
    }

    #[test]
    fn the_word_lists_agree_with_the_exhaustive_matches() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            assert_eq!(kind_at(kind), k, "{kind:?}");
        }
        for (k, origin) in ORIGINS.into_iter().enumerate() {
            assert_eq!(origin_at(origin), k, "{origin:?}");
        }
    }
}
