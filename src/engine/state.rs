//! The instance state machine's states, and each profile's names for them.

use crate::rules::Profile;

/// The states every profile shares (SEMANTICS.md, vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    NotRun,
    WaitingTime,
    WaitingUpstream,
    WaitingResources,
    Running,
    WaitingRetry,
    Succeeded,
    Failed,
    DryRun,
    Frozen,
    Killed,
}

impl State {
    /// Every state, in declaration order (`State::ALL[s as usize] == s`).
    pub const ALL: [State; 11] = [
        State::NotRun,
        State::WaitingTime,
        State::WaitingUpstream,
        State::WaitingResources,
        State::Running,
        State::WaitingRetry,
        State::Succeeded,
        State::Failed,
        State::DryRun,
        State::Frozen,
        State::Killed,
    ];

    pub fn word(self) -> &'static str {
        match self {
            State::NotRun => "not_run",
            State::WaitingTime => "waiting_time",
            State::WaitingUpstream => "waiting_upstream",
            State::WaitingResources => "waiting_resources",
            State::Running => "running",
            State::WaitingRetry => "waiting_retry",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::DryRun => "dry_run",
            State::Frozen => "frozen",
            State::Killed => "killed",
        }
    }

    /// Nothing more happens to the instance unless an operator acts.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::NotRun | State::Succeeded | State::Failed | State::DryRun | State::Killed
        )
    }

    /// Counts as done for the instances bound to it.
    pub const fn satisfies_downstream(self) -> bool {
        matches!(self, State::Succeeded | State::DryRun)
    }

    /// The scheduler's own name for the state: DataWorks `Status` (DW §4),
    /// DolphinScheduler `TaskExecutionStatus` (DS §3), Airflow `TaskInstanceState`
    /// (AF §2.4). `upstream_failed` says why a `not_run` instance never ran.
    pub fn profile_name(self, profile: Profile, upstream_failed: bool) -> &'static str {
        use State::*;
        match profile {
            Profile::Dataworks => match self {
                NotRun | WaitingUpstream => "NOT_RUN",
                WaitingTime => "WAIT_TIME",
                WaitingResources => "WAIT_RESOURCE",
                Running => "RUNNING",
                // Between automatic reruns the instance shows its failure.
                WaitingRetry | Failed | Frozen | Killed => "FAILURE",
                Succeeded | DryRun => "SUCCESS",
            },
            Profile::Dolphinscheduler => match self {
                // No task instance exists until the workflow instance submits it.
                NotRun | WaitingUpstream => "-",
                WaitingTime => "DELAY_EXECUTION",
                WaitingResources => "SUBMITTED_SUCCESS",
                Running => "RUNNING_EXECUTION",
                WaitingRetry | Failed => "FAILURE",
                Succeeded => "SUCCESS",
                DryRun => "FORCED_SUCCESS",
                Frozen => "PAUSE",
                Killed => "KILL",
            },
            Profile::Airflow => match self {
                NotRun if upstream_failed => "upstream_failed",
                NotRun | WaitingTime | WaitingUpstream => "none",
                WaitingResources => "scheduled",
                Running => "running",
                WaitingRetry => "up_for_retry",
                Succeeded => "success",
                Failed | Killed => "failed",
                // Airflow's only instance that succeeds without running is a trivial
                // EmptyOperator's (`empty`), which it shows as success.
                DryRun => "success",
                Frozen => "none",
            },
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// Why a transition happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The instance was created (its date came due).
    Created,
    /// Its scheduled time arrived.
    TimeReached,
    /// The last upstream instance it waits for finished.
    UpstreamDone,
    /// A slot of its resource group was free.
    SlotFree,
    /// A dry-run instance succeeded without running.
    DryRun,
    /// The execution finished and wrote.
    Finished,
    /// The execution failed before its write.
    FailedBeforeWrite,
    /// The execution wrote, then failed.
    FailedAfterWrite,
    /// The execution ran past the task's timeout.
    Timeout,
    /// The retry interval passed: another execution of the same instance.
    RetryDue,
    /// The retry interval passed: DolphinScheduler creates a new task-instance row
    /// for the retry, in the same workflow instance (DS §2).
    RetryNewRow,
    /// An upstream instance failed: this one never runs.
    UpstreamFailed,
    /// DolphinScheduler `failure_strategy = end`: another task of the workflow
    /// instance failed.
    WorkflowEnded,
    /// An operator reran it (DataWorks rerun, DolphinScheduler rerun or recover
    /// failed, Airflow clear).
    Rerun,
    /// An operator set it succeeded without running it.
    SetSuccess,
    /// An operator froze it.
    Frozen,
    /// An operator unfroze it.
    Unfrozen,
    /// An operator killed it.
    Killed,
}

impl Reason {
    pub fn word(self) -> &'static str {
        match self {
            Reason::Created => "created",
            Reason::TimeReached => "time_reached",
            Reason::UpstreamDone => "upstream_done",
            Reason::SlotFree => "slot_free",
            Reason::DryRun => "dry_run",
            Reason::Finished => "finished",
            Reason::FailedBeforeWrite => "failed_before_write",
            Reason::FailedAfterWrite => "failed_after_write",
            Reason::Timeout => "timeout",
            Reason::RetryDue => "retry_due",
            Reason::RetryNewRow => "retry_new_row",
            Reason::UpstreamFailed => "upstream_failed",
            Reason::WorkflowEnded => "workflow_ended",
            Reason::Rerun => "rerun",
            Reason::SetSuccess => "set_success",
            Reason::Frozen => "frozen",
            Reason::Unfrozen => "unfrozen",
            Reason::Killed => "killed",
        }
    }

    /// The execution's write landed.
    pub fn wrote(self) -> bool {
        matches!(self, Reason::Finished | Reason::FailedAfterWrite)
    }
}
