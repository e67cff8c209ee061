//! After a run: what is left unfinished and what each stuck instance waits for, units
//! never started and why, bindings and the instance counts the calendar expects.

use super::*;

impl<'m> Engine<'m> {
    /// The scenario's instances that have not reached a final state, each with the
    /// real blocker: the upstream it waits for, the unit never started that it needs,
    /// the group, pool, task group or `max_active_tasks` that holds it, an unfreeze,
    /// the budget that stopped the run, or, only when the scenario has one, the
    /// horizon that came before its time, its retry or its execution's end.
    pub fn stuck(&self) -> Vec<Stuck> {
        // The usual end: nothing unfinished, no edge or event to look through.
        if self.instances.iter().all(|i| i.state.is_final()) {
            return Vec::new();
        }
        let mut waits: BTreeMap<u32, Vec<Wait>> = BTreeMap::new();
        for (up, inst) in self.instances.iter_ids() {
            let mut e = inst.first_dependent;
            while e != NONE {
                let Edge { to: d, next, .. } = self.edges[e as usize];
                e = next;
                if !self.instances[d as usize].state.is_final()
                    && !inst.state.satisfies_downstream()
                {
                    waits.entry(d).or_default().push(Wait::Instance(up as u32));
                }
            }
        }
        for (&unit, list) in &self.deferred {
            for &(task, waiter) in list {
                waits
                    .entry(waiter)
                    .or_default()
                    .push(Wait::UnitNeverStarted { unit, task });
            }
        }
        // When each pending event would have come (past the horizon).
        let mut due: BTreeMap<u32, Instant> = BTreeMap::new();
        for (t, (ev, i, _)) in self.events.pending() {
            if matches!(ev, Ev::AttemptEnd | Ev::RetryDue) {
                due.entry(i).and_modify(|d| *d = (*d).min(t)).or_insert(t);
            }
        }
        let stopped = self.stopped.map(|(_, s)| Wait::Stopped(s));
        self.instances
            .iter_ids()
            .filter(|(_, inst)| !inst.state.is_final())
            .map(|(i, inst)| {
                let i = i as u32;
                let waits_for = match inst.state {
                    State::WaitingUpstream => waits.remove(&i).unwrap_or_default(),
                    State::Frozen => vec![Wait::Unfreeze],
                    State::WaitingResources => match self.resource_blocker(i) {
                        // Never: no budget or horizon explains it.
                        w @ Wait::PoolTooSmall { .. } => vec![w],
                        w => vec![stopped.unwrap_or(w)],
                    },
                    _ if stopped.is_some() => stopped.into_iter().collect(),
                    State::WaitingTime => vec![Wait::Time(inst.run_after)],
                    State::WaitingRetry => vec![Wait::Retry(due.get(&i).copied())],
                    State::Running if self.dependent_running(i) => vec![Wait::Dependent(i)],
                    _ => vec![Wait::Finishing(due.get(&i).copied())],
                };
                Stuck {
                    instance: i,
                    state: inst.state,
                    waits_for,
                }
            })
            .collect()
    }

    /// What keeps a queued instance from its slot at the end of the run.
    pub(super) fn resource_blocker(&self, i: u32) -> Wait {
        let task_id = self.instances[i as usize].task;
        let task = self.model.task(task_id);
        let need = task.pool_slots.max(1);
        let group = task.group;
        if need > self.model.groups[group.0 as usize].slots {
            return Wait::PoolTooSmall {
                task: task_id,
                group,
                need,
            };
        }
        if need > self.groups[group.0 as usize].free {
            return Wait::Slots { group, need };
        }
        if let Some(tg) = task.task_group
            && self.groups[tg.0 as usize].free == 0
        {
            return Wait::TaskGroup(tg);
        }
        Wait::MaxActiveTasks(task.workflow)
    }

    /// Every binding: (upstream, downstream) instance.
    pub fn bindings(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.instances.iter_ids().flat_map(move |(up, inst)| {
            let mut e = inst.first_dependent;
            std::iter::from_fn(move || {
                (e != NONE).then(|| {
                    let Edge { to: d, next, .. } = self.edges[e as usize];
                    e = next;
                    (up as u32, d)
                })
            })
        })
    }

    /// How many instances each task should have: every unit of every backfill and of
    /// the recurring window, planned as the calendar says, regardless of what ran.
    pub fn expected_counts(&self) -> Vec<u64> {
        // The units created were counted as they were planned then; the others are
        // planned here.
        let mut counts = self.planned_counts.clone();
        let mut plan = UnitPlan::default();
        let mut scratch = FillScratch::default();
        // The history's runs were declared; a date a backfill leaves alone because it
        // already ran (`reprocess`) joined no chain and is not expected.
        for i in self.instances.iter().take(self.history_past.len()) {
            counts[i.task.0 as usize] += 1;
        }
        for set in &self.sets {
            for (pos, &key) in set.planner.units().iter().enumerate() {
                let unit = &self.units[set.first_unit as usize + pos];
                if unit.chain == NONE || unit.created.is_some() {
                    continue;
                }
                set.planner.fill_instances(key, &mut plan, &mut scratch);
                for i in &plan.instances {
                    counts[i.task.0 as usize] += 1;
                }
            }
        }
        counts
    }

    /// Units no chain ever started (a chain stopped after a failure, or the horizon).
    pub fn never_started(&self) -> impl Iterator<Item = (u32, &Unit)> + '_ {
        self.units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.created.is_none() && u.chain != NONE)
            .map(|(i, u)| (i as u32, u))
    }

    /// Why a unit no chain started never started.
    pub fn why_never_started(&self, u: u32) -> NotStarted {
        if let Some((_, stop)) = self.stopped {
            return NotStarted::Stopped(stop);
        }
        let unit = &self.units[u as usize];
        if self.horizon.is_some_and(|h| unit.due > h) {
            return NotStarted::Horizon(unit.due);
        }
        let Some(chain) = self.chains.get(unit.chain as usize) else {
            return NotStarted::Horizon(unit.due);
        };
        if chain.stopped {
            return NotStarted::ChainStopped;
        }
        let open = |x: &Unit| x.created.is_some() && x.ended.is_none();
        // A chain a rerun gave to a date it ran again goes on after that date, which
        // heads it without being one of its units (`reopen_unit`).
        let first = chain.units[..chain.next]
            .iter()
            .copied()
            .find(|&x| open(&self.units[x as usize]))
            .or_else(|| {
                (0..self.units.len() as u32).find(|&x| {
                    let x = &self.units[x as usize];
                    x.reopened && x.chain == unit.chain && open(x)
                })
            });
        match first {
            Some(open) => NotStarted::Full {
                cap: chain.cap,
                open,
            },
            // Due before the horizon, its chain full until after it: a place came
            // free only when nothing new could start.
            None if self.horizon.is_some() => NotStarted::FullPastHorizon { cap: chain.cap },
            None => NotStarted::Horizon(unit.due),
        }
    }
}

/// An instance left unfinished.
#[derive(Clone, Debug, PartialEq)]
pub struct Stuck {
    pub instance: u32,
    pub state: State,
    pub waits_for: Vec<Wait>,
}

/// Why a unit never started.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NotStarted {
    /// A budget ran out and the run stopped.
    Stopped(Stop),
    /// It was due after the horizon.
    Horizon(Instant),
    /// Its chain stopped after a failure (`chain_on_failure = stop`).
    ChainStopped,
    /// Its chain allows `cap` units in flight (the backfill's groups, Airflow's
    /// `max_active_runs`), and `open` never ended.
    Full { cap: u32, open: u32 },
    /// Due before the horizon, and its chain held `cap` units in flight until after
    /// it.
    FullPastHorizon { cap: u32 },
}

/// What a stuck instance waits for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wait {
    /// An upstream (or previous self-dependent) instance that did not succeed.
    Instance(u32),
    /// The previous unit, never started, whose last instance of `task` it needs.
    UnitNeverStarted { unit: u32, task: TaskId },
    /// Its scheduled time, after the horizon.
    Time(Instant),
    /// Its retry, due after the horizon (when known).
    Retry(Option<Instant>),
    /// Its running execution, which ends after the horizon (when known).
    Finishing(Option<Instant>),
    /// `need` slots of `group`, in use by other instances when the run ended.
    Slots { group: GroupId, need: u32 },
    /// Never: `task` needs more slots (`pool_slots`) than `group` has. Airflow's
    /// scheduler leaves such a task instance `scheduled` for ever, with a warning.
    PoolTooSmall {
        task: TaskId,
        group: GroupId,
        need: u32,
    },
    /// A slot of a DolphinScheduler task group, all in use when the run ended.
    TaskGroup(GroupId),
    /// Its workflow's `max_active_tasks`, reached when the run ended.
    MaxActiveTasks(WorkflowId),
    /// An operator to unfreeze it.
    Unfreeze,
    /// A DEPENDENT task's items, still waiting (it is this instance).
    Dependent(u32),
    /// Nothing: a budget ran out and the run stopped.
    Stopped(Stop),
}
