//! A partition's content (how many copies of each logical instance's rows it holds),
//! and the judgement of one partition against its reference.

use std::collections::BTreeMap;

use super::{Landed, Status};
use crate::calendar::Instant;
use crate::model::{TaskId, WriteMode};

/// The rows of one logical instance (its task and scheduled time).
pub(super) type Rows = (TaskId, Instant);

/// A logical instance that means to write a partition: its scheduled time, task, and
/// the write's mode.
pub(super) type Intender = (Instant, TaskId, WriteMode);

/// A partition's content: how many copies of each logical instance's rows it holds.
/// Most partitions hold one instance's rows, kept inline (`one`); from the second, a
/// tree (`more`) keeps many writes to one partition n log n.
#[derive(Clone, Default)]
struct Content {
    /// The only instance's rows, while `more` is empty.
    one: Option<(Rows, u32)>,
    more: BTreeMap<Rows, u32>,
}

impl Content {
    fn clear(&mut self) {
        self.one = None;
        self.more.clear();
    }

    /// How many copies of these rows it holds.
    fn get(&self, rows: Rows) -> u32 {
        match self.one {
            Some((x, n)) if x == rows => n,
            _ => self.more.get(&rows).copied().unwrap_or(0),
        }
    }

    /// The instances whose rows it holds, each once, in order.
    fn keys(&self) -> impl Iterator<Item = Rows> + '_ {
        self.one
            .iter()
            .map(|(x, _)| *x)
            .chain(self.more.keys().copied())
    }

    /// The count of these rows, 0 if it holds none.
    fn slot(&mut self, rows: Rows) -> &mut u32 {
        if self.more.is_empty() {
            match self.one {
                None => self.one = Some((rows, 0)),
                Some((x, _)) if x == rows => {}
                Some((x, n)) => {
                    self.one = None;
                    self.more.insert(x, n);
                    return self.more.entry(rows).or_insert(0);
                }
            }
            return &mut self.one.as_mut().expect("set above").1;
        }
        self.more.entry(rows).or_insert(0)
    }

    /// One write of a logical instance's rows.
    fn apply(&mut self, rows: Rows, mode: WriteMode) {
        match mode {
            WriteMode::Overwrite => {
                self.clear();
                *self.slot(rows) = 1;
            }
            WriteMode::Insert => *self.slot(rows) += 1,
            WriteMode::Merge => {
                let n = self.slot(rows);
                *n = (*n).max(1);
            }
        }
    }
}

/// How a partition ends, against its reference.
#[derive(Default)]
pub(super) struct Verdict {
    pub status: Status,
    /// Logical instances (task, scheduled) with more copies than the reference.
    pub duplicated: Vec<(TaskId, Instant, u32)>,
    /// Logical instances whose rows are here but belong elsewhere.
    pub foreign: Vec<Rows>,
    /// Logical instances whose rows should be here and are not.
    pub missing: Vec<Rows>,
}

/// Judges partitions, reusing its scratch space from one to the next.
#[derive(Default)]
pub(super) struct Judge {
    have: Content,
    want: Content,
    distinct: Vec<Rows>,
}

impl Judge {
    /// A partition's writes against its reference: one clean execution of each of its
    /// intenders in scheduled order (then by task; an instance's own writes in its
    /// order). A table-level write (`whole_table`) means to leave its own rows in the
    /// table beside those of the other dates: an overwrite of the whole table by every
    /// date leaves only the last one's, and the others show as missing.
    pub fn judge(
        &mut self,
        writes: &[Landed],
        intenders: &mut [Intender],
        whole_table: bool,
    ) -> Verdict {
        // Most partitions: one write of the one instance that meant it, from empty:
        // one copy of its rows, as the reference leaves, whatever the modes.
        if let ([(scheduled, task, _)], [w]) = (&*intenders, writes)
            && (w.task, w.scheduled) == (*task, *scheduled)
        {
            return Verdict::default();
        }
        intenders.sort_by_key(|&(scheduled, task, _)| (scheduled, task));
        self.want.clear();
        for &(scheduled, task, mode) in intenders.iter() {
            let mode = if whole_table { WriteMode::Merge } else { mode };
            self.want.apply((task, scheduled), mode);
        }
        self.have.clear();
        for w in writes {
            self.have.apply((w.task, w.scheduled), w.mode);
        }
        self.distinct.clear();
        self.distinct
            .extend(self.want.keys().chain(self.have.keys()));
        self.distinct.sort_unstable();
        self.distinct.dedup();
        let mut v = Verdict::default();
        for &x in &self.distinct {
            match (self.want.get(x), self.have.get(x)) {
                (0, _) => v.foreign.push(x),
                (_, 0) => v.missing.push(x),
                (w, h) if h > w => v.duplicated.push((x.0, x.1, h)),
                _ => {}
            }
        }
        v.status = if !v.duplicated.is_empty() {
            Status::Duplicated
        } else if !v.foreign.is_empty() {
            Status::Misaligned
        } else if !v.missing.is_empty() {
            Status::Missing
        } else {
            Status::Ok
        };
        v
    }
}
