//! `PlanError`: why a request creates nothing sensible, in the words every command
//! prints.

/// Why a request creates nothing sensible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// More instances than what `--max-instances` leaves the request, found before the
    /// run: the calendar's bound passed it, and (`counted`: business dates) so did the
    /// units' instances, counted up to it.
    TooMany {
        at_most: u64,
        limit: u64,
        counted: bool,
    },
    /// DataWorks: no scheduled time of an hourly or minutely node falls in the window.
    OutsideWindow { task: String },
    /// The task has no schedule to backfill from.
    NoSchedule { task: String },
    /// The profile takes business dates, not times.
    NeedsDates,
    /// `to` before `from`.
    Inverted,
    /// More dependency bindings than `--max-instances`, found while listing.
    TooManyBindings { at_least: u64, limit: u64 },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooMany {
                at_most,
                limit,
                counted: true,
            } => write!(
                f,
                "the range would create more than the {limit} {} --max-instances leaves for it (after a scenario's history and earlier sets), up to {at_most}",
                instances(*limit)
            ),
            PlanError::TooMany {
                at_most,
                limit,
                counted: false,
            } => write!(
                f,
                "the calendar allows up to {at_most} instances in the range, more than the {limit} {} --max-instances leaves for it (after a scenario's history and earlier sets): a bound counted before listing the runs (a recurring window's clip, effective periods and runs not yet due may leave fewer); raise --max-instances to run it",
                instances(*limit)
            ),
            PlanError::OutsideWindow { task } => write!(
                f,
                "{task}: the task's scheduled times are outside the selected business time range"
            ),
            PlanError::NoSchedule { task } => write!(f, "{task} has no schedule to backfill"),
            PlanError::NeedsDates => write!(
                f,
                "a DataWorks backfill takes business dates (YYYY-MM-DD), not times"
            ),
            PlanError::Inverted => write!(f, "the range ends before it starts"),
            PlanError::TooManyBindings { at_least, limit } => write!(
                f,
                "the range would bind at least {at_least} dependencies, more than --max-instances {limit} (it bounds bindings too)"
            ),
        }
    }
}

fn instances(n: u64) -> &'static str {
    if n == 1 { "instance" } else { "instances" }
}
