//! Dates compared across a split. Where one run holds a date's workflows in one run
//! (`DATE`) and the other runs them one per workflow (`DATE (WORKFLOW)`: the rule knob
//! `unit_scope`), the two have no run in common at that date, and every one of them
//! would read as started in one run only. The diff then compares such dates as dates:
//! on each side a date's runs are taken together, from the first start to the last
//! end, failed if one failed, and a note says so. Instances are matched as ever (by
//! task, time and origin). The runs being other units is itself an outcome change
//! (`Diff::verdict`), so a golden still fails on it.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use super::run::{DateRec, Run};

/// The date part of a label `DATE (WORKFLOWS)` (a date never holds " (").
fn base(label: &str) -> &str {
    label.split_once(" (").map_or(label, |(d, _)| d)
}

/// The (date, origin) pairs one run labels only bare and the other only with
/// workflows (a side with both, two backfills of other scopes, is left as it is).
fn crossed(a: &Run, b: &Run) -> BTreeSet<(String, u8)> {
    let kinds = |r: &Run| {
        let (mut bare, mut split) = (BTreeSet::new(), BTreeSet::new());
        for d in &r.dates {
            let date = base(&d.date);
            let key = (date.to_string(), d.origin as u8);
            if date.len() == d.date.len() {
                bare.insert(key);
            } else {
                split.insert(key);
            }
        }
        (bare, split)
    };
    let ((bare_a, split_a), (bare_b, split_b)) = (kinds(a), kinds(b));
    let only = |bare: &BTreeSet<(String, u8)>, split: &BTreeSet<(String, u8)>| {
        bare.difference(split).cloned().collect::<BTreeSet<_>>()
    };
    let (only_bare_a, only_split_b) = (only(&bare_a, &split_a), only(&split_b, &bare_b));
    let (only_bare_b, only_split_a) = (only(&bare_b, &split_b), only(&split_a, &bare_a));
    only_bare_a
        .intersection(&only_split_b)
        .chain(only_bare_b.intersection(&only_split_a))
        .cloned()
        .collect()
}

/// `run` with the runs of each crossed (date, origin) merged into one date: the n-th
/// run of each of its labels into the n-th date (a rerun's second run stays second).
fn merged(run: &Run, crossed: &BTreeSet<(String, u8)>) -> Run {
    let mut dates: Vec<DateRec> = Vec::new();
    let mut at: BTreeMap<(&str, u8, u32), usize> = BTreeMap::new();
    let mut seen: BTreeMap<(&str, u8), u32> = BTreeMap::new();
    let mut moved = Vec::with_capacity(run.dates.len());
    for d in &run.dates {
        let n = seen.entry((d.date.as_str(), d.origin as u8)).or_insert(0);
        let nth = *n;
        *n += 1;
        let date = base(&d.date);
        if !crossed.contains(&(date.to_string(), d.origin as u8)) {
            moved.push(dates.len());
            dates.push(d.clone());
            continue;
        }
        match at.entry((date, d.origin as u8, nth)) {
            Entry::Vacant(v) => {
                v.insert(dates.len());
                moved.push(dates.len());
                dates.push(DateRec {
                    date: date.to_string(),
                    ..d.clone()
                });
            }
            Entry::Occupied(o) => {
                let k = *o.get();
                moved.push(k);
                let m = &mut dates[k];
                m.started = m.started.min(d.started);
                m.ended = m.ended.zip(d.ended).map(|(x, y)| x.max(y));
                m.failed |= d.failed;
            }
        }
    }
    let mut out = run.clone();
    out.dates = dates;
    for (d, origin) in out.never_started.iter_mut().flatten() {
        if crossed.contains(&(base(d).to_string(), *origin as u8)) {
            *d = base(d).to_string();
        }
    }
    for i in &mut out.instances {
        i.date = moved[i.date as usize] as u32;
    }
    out
}

/// Both runs with their crossed dates merged, and the note that says so; None when
/// no date is crossed.
pub fn align(a: &Run, b: &Run) -> Option<(Run, Run, String)> {
    let crossed = crossed(a, b);
    if crossed.is_empty() {
        return None;
    }
    let note = format!(
        "{} date(s) are one run in one side and one run per workflow in the other (`unit_scope`): other units, an outcome change; their times are compared as dates, each one's runs taken together (first start, last end)",
        crossed.len()
    );
    Some((merged(a, &crossed), merged(b, &crossed), note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Origin;

    fn date(date: &str, started: i64, ended: Option<i64>, failed: bool) -> DateRec {
        DateRec {
            date: date.to_string(),
            origin: Origin::Backfill,
            started,
            ended,
            failed,
        }
    }

    fn run(dates: Vec<DateRec>) -> Run {
        Run {
            meta: Default::default(),
            tz: jiff::tz::TimeZone::UTC,
            tasks: Vec::new(),
            instances: Vec::new(),
            dates,
            findings: None,
            notes: Vec::new(),
            never_started: None,
            settings: None,
        }
    }

    #[test]
    fn a_dates_runs_per_workflow_merge_into_the_date_the_other_side_runs_whole() {
        let a = run(vec![
            date("D1", 0, Some(50), false),
            date("D2", 10, Some(20), false),
        ]);
        let b = run(vec![
            date("D1 (x)", 5, Some(30), false),
            date("D1 (y)", 0, Some(60), true),
            date("D2 (x)", 10, None, false),
            date("D2 (y)", 15, Some(25), false),
        ]);
        let (a2, b2, note) = align(&a, &b).expect("crossed dates");
        assert_eq!(a2.dates, a.dates);
        assert_eq!(
            b2.dates,
            [date("D1", 0, Some(60), true), date("D2", 10, None, false)]
        );
        assert!(note.starts_with("2 date(s)"), "{note}");
    }

    #[test]
    fn dates_split_alike_on_both_sides_are_left_as_they_are() {
        let a = run(vec![
            date("D1 (x)", 0, Some(5), false),
            date("D2", 0, Some(5), false),
        ]);
        let b = run(vec![
            date("D1 (x)", 0, Some(9), false),
            date("D2", 0, Some(5), false),
        ]);
        assert!(align(&a, &b).is_none());
    }

    #[test]
    fn a_date_both_bare_and_split_on_one_side_is_not_crossed() {
        // Two backfills: one split by workflow, one of a single workflow's task.
        let both = || {
            run(vec![
                date("D (a)", 0, Some(5), false),
                date("D (b)", 0, Some(5), false),
                date("D", 9, Some(12), false),
            ])
        };
        assert!(align(&both(), &both()).is_none());
    }

    #[test]
    fn the_nth_run_of_each_workflow_merges_into_the_nth_date() {
        let a = run(vec![
            date("D", 0, Some(10), false),
            date("D", 20, Some(30), false),
        ]);
        let b = run(vec![
            date("D (x)", 0, Some(10), false),
            date("D (y)", 1, Some(12), false),
            date("D (x)", 20, Some(31), false),
        ]);
        let (_, b2, _) = align(&a, &b).unwrap();
        assert_eq!(
            b2.dates,
            [
                date("D", 0, Some(12), false),
                date("D", 20, Some(31), false)
            ]
        );
    }
}
