//! Events as owned values, for observers on another thread (`observe::pipe`): an
//! [`Event`] borrows the engine's instance and task tables, which go on changing
//! while the observers read; a [`WireEvent`] carries by value every field its
//! accessors read, and a [`Replay`] makes the same event again on the other side.

use super::*;

/// An [`Event`] by value: the transition, and the fields of its instance that an
/// event lets an observer read (its task's table row is the [`Replay`]'s).
#[derive(Clone, Copy, Debug)]
pub struct WireEvent {
    time: Instant,
    scheduled: Instant,
    run_after: Instant,
    instance: u32,
    task: TaskId,
    unit: u32,
    attempts: u32,
    from: State,
    to: State,
    reason: Reason,
    kind: Kind,
    origin: Origin,
}

impl WireEvent {
    #[inline]
    pub fn of(e: &Event<'_>) -> Self {
        let inst = e.instance_ref();
        WireEvent {
            time: e.time,
            scheduled: inst.scheduled,
            run_after: inst.run_after,
            instance: e.instance,
            task: inst.task,
            unit: inst.unit,
            attempts: inst.attempts,
            from: e.from,
            to: e.to,
            reason: e.reason,
            kind: inst.kind,
            origin: inst.origin,
        }
    }
}

/// Makes events again from [`WireEvent`]s: an instance holds the carried fields
/// (its engine bookkeeping, which no accessor reads, is a planned instance's), and
/// the task's row is the engine's table, made from the same model.
pub struct Replay {
    runs: Vec<slots::TaskRun>,
}

impl Replay {
    pub fn new(model: &Model) -> Self {
        Replay {
            runs: slots::TaskRun::of_model(model),
        }
    }

    /// Gives `sink` the event `w` was made of.
    #[inline]
    pub fn event(&self, w: &WireEvent, sink: &mut impl Sink) {
        let mut inst =
            Instance::planned(w.task, w.unit, w.scheduled, w.run_after, w.kind, w.origin);
        inst.state = w.to;
        inst.attempts = w.attempts;
        let run = &self.runs[w.task.0 as usize];
        let transition = (w.from, w.to, w.reason);
        sink.event(&Event::new(w.time, w.instance, transition, &inst, run));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every accessor of each event it is given.
    #[derive(Default)]
    struct Seen(Vec<String>);

    impl Sink for Seen {
        fn event(&mut self, e: &Event<'_>) {
            self.0.push(format!(
                "{} {} {:?}->{:?} {:?} task {} group {} tg {:?} slots {} at {} after {} unit {} attempt {}",
                e.time,
                e.instance,
                e.from,
                e.to,
                e.reason,
                e.task().0,
                e.group().0,
                e.task_group(),
                e.slots(),
                e.scheduled(),
                e.run_after(),
                e.unit(),
                e.attempt()
            ));
        }
    }

    #[test]
    fn a_replayed_event_reads_as_the_engine_s() {
        // Pools of several slots, and DolphinScheduler task groups.
        let models = [
            (
                "airflow-pool-depends-on-past.toml",
                include_str!("../../models/airflow-pool-depends-on-past.toml"),
            ),
            (
                "dolphinscheduler-retry-backfill.toml",
                include_str!("../../models/dolphinscheduler-retry-backfill.toml"),
            ),
        ];
        struct Both<'a> {
            direct: Seen,
            replay: &'a Replay,
            replayed: Seen,
        }
        impl Sink for Both<'_> {
            fn event(&mut self, e: &Event<'_>) {
                self.direct.event(e);
                self.replay.event(&WireEvent::of(e), &mut self.replayed);
            }
        }
        for (path, text) in models {
            let model = crate::model::load_str(path, text).unwrap();
            let replay = Replay::new(&model);
            for scenario in &model.scenarios {
                let mut both = Both {
                    direct: Seen::default(),
                    replay: &replay,
                    replayed: Seen::default(),
                };
                simulate_in(
                    &model,
                    scenario,
                    Config::new(7, 1_000_000),
                    false,
                    &mut both,
                )
                .unwrap();
                assert!(both.direct.0.len() > 10, "{path}: {:?}", both.direct.0);
                assert_eq!(both.direct.0, both.replayed.0, "{path}");
            }
        }
    }
}
