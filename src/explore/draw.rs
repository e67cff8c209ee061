//! How a case's schedule is drawn: faults, operator actions and stretches aimed at
//! the instances the base run executed.

use super::*;

/// What a case's schedule is drawn from.
pub(super) struct Draw<'a> {
    pub(super) targets: &'a [Target],
    pub(super) fault_targets: Vec<&'a Target>,
    pub(super) stretch_targets: Vec<&'a Target>,
    pub(super) transient: bool,
    pub(super) kinds: &'a [OperationKind],
    pub(super) horizon: Option<Instant>,
    pub(super) tz: &'a jiff::tz::TimeZone,
}

impl Draw<'_> {
    /// Up to 3 fault attempts, 2 operator actions and 2 stretches, in that order.
    pub(super) fn schedule(&self, rng: &mut Random) -> Schedule {
        let mut s = Schedule::default();
        if !self.fault_targets.is_empty() {
            for _ in 0..pick(rng, 4) {
                let t = self.fault_targets[pick(rng, self.fault_targets.len())];
                let limit = if self.transient {
                    t.retries
                } else {
                    t.retries + 1
                };
                let attempt = 1 + pick(rng, limit as usize) as u32;
                let after = rng.chance(0.5);
                let same = |f: &&Fault| (f.task, f.scheduled) == (t.task, t.scheduled);
                // One phase per instance: its attempts share it.
                let phase = match s.faults.iter().find(same) {
                    Some(f) => f.phase,
                    None if after => FaultPhase::AfterWrite,
                    None => FaultPhase::BeforeWrite,
                };
                if !s
                    .faults
                    .iter()
                    .filter(same)
                    .any(|f| f.attempts == [attempt])
                {
                    s.faults.push(Fault {
                        task: t.task,
                        scheduled: t.scheduled,
                        attempts: vec![attempt],
                        phase,
                        origin: None,
                    });
                }
            }
        }
        if !self.kinds.is_empty() {
            for _ in 0..pick(rng, 3) {
                let t = &self.targets[pick(rng, self.targets.len())];
                // The earliest draw is `earliest`'s time, which shrinking moves to.
                let after = 60 * (1 + pick(rng, 180) as i64);
                let at = self
                    .horizon
                    .map_or(t.end + after, |h| (t.end + after).min(h));
                s.operations.push(Operation {
                    at: instant_to_local(self.tz, at),
                    kind: self.kinds[pick(rng, self.kinds.len())],
                    task: t.task,
                    scheduled: t.scheduled,
                });
            }
        }
        if !self.stretch_targets.is_empty() {
            for _ in 0..pick(rng, 3) {
                let t = self.stretch_targets[pick(rng, self.stretch_targets.len())];
                let factor = FACTORS[pick(rng, FACTORS.len())];
                let same = |x: &Stretch| (x.task, x.scheduled) == (t.task, t.scheduled);
                if !s.stretches.iter().any(same) {
                    s.stretches.push(Stretch {
                        task: t.task,
                        scheduled: t.scheduled,
                        factor,
                    });
                }
            }
        }
        s
    }
}

/// Uniform in 0..n.
fn pick(rng: &mut Random, n: usize) -> usize {
    ((rng.unit() * n as f64) as usize).min(n.saturating_sub(1))
}
