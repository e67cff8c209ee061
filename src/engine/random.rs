//! The seeded random draws, with a stable algorithm (ChaCha8, `rand_chacha`), so a
//! seed gives the same trace on every machine and release.
//!
//! Each execution draws from a stream of its own: the one generator, seeded once from
//! the run's seed, at the stream named by a key of the execution (its task's
//! qualified name, its instance's scheduled instant, origin, backfill and regeneration,
//! and its execution number), from the stream's start. What one execution draws is
//! then the same whatever else the run holds or in which order it runs: two models
//! (or two variants of one) that differ in something an execution does not depend on
//! give it the same duration and the same failure (common random numbers).

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::calendar::Instant;
use crate::model::{DurationDist, Model, Seconds, Task, TaskId};

use super::Origin;

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// FNV-1a, 64 bits: a hash written here, so that a key's stream is the same on every
/// release (std's `DefaultHasher` promises no such thing).
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// One execution, as its draws are keyed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Execution {
    pub task: TaskId,
    pub scheduled: Instant,
    pub origin: Origin,
    /// A run of the history (which a backfill may run again in place).
    pub history: bool,
    pub backfill: Option<u32>,
    /// 0 for a date as planned; for a date a rerun created again, 1 + the index of
    /// the operation that did.
    pub again: u32,
    /// The execution's number in its logical instance (1 for the first; reruns go on
    /// counting).
    pub attempt: u32,
}

pub struct Random {
    rng: ChaCha8Rng,
    /// The generator's seed, from the run's seed: each execution's stream starts from it.
    seed: [u8; 32],
    /// Each task's hash of its qualified name (`workflow.task`), by id: computed once.
    names: Vec<u64>,
}

impl Random {
    /// One stream, drawn in order (the search of `explore`).
    pub fn new(seed: u64) -> Random {
        let rng = ChaCha8Rng::seed_from_u64(seed);
        Random {
            seed: rng.get_seed(),
            rng,
            names: Vec::new(),
        }
    }

    /// A simulation's draws: one stream per execution ([`Random::execution`]).
    pub fn keyed(seed: u64, model: &Model) -> Random {
        let mut r = Random::new(seed);
        r.names = (model.tasks.iter())
            .map(|t| fnv(FNV_OFFSET, t.name.as_bytes()))
            .collect();
        r
    }

    /// Does an execution of `task` draw anything? A fixed duration and no random
    /// failure draw nothing, and then no stream is keyed.
    #[inline]
    pub fn draws(task: &Task) -> bool {
        !matches!(task.duration, DurationDist::Fixed(_))
            || task.fail.is_some_and(|f| f.probability > 0.0)
    }

    /// The key of execution `e`'s stream.
    pub fn key(&self, e: &Execution) -> u64 {
        let origin: u8 = match e.origin {
            Origin::Recurring => 0,
            Origin::Backfill => 1,
            Origin::Rerun => 2,
            Origin::Manual => 3,
        } | if e.history { 0x80 } else { 0 };
        let mut h = fnv(self.names[e.task.0 as usize], &e.scheduled.to_le_bytes());
        h = fnv(h, &[origin]);
        h = fnv(h, &e.backfill.map_or(u32::MAX, |b| b).to_le_bytes());
        h = fnv(h, &e.again.to_le_bytes());
        fnv(h, &e.attempt.to_le_bytes())
    }

    /// The draws that follow are execution `e`'s: its stream, from its start.
    pub fn execution(&mut self, e: &Execution) {
        self.rng = ChaCha8Rng::from_seed(self.seed);
        self.rng.set_stream(self.key(e));
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal, by Box–Muller (two uniforms per draw; no cached second value,
    /// so each draw's cost in the stream is fixed).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An execution's duration in whole seconds. A fixed duration draws nothing.
    #[inline]
    pub fn duration(&mut self, d: DurationDist) -> Seconds {
        match d {
            DurationDist::Fixed(s) => s,
            DurationDist::Uniform(a, b) => {
                let span = (b - a + 1) as f64;
                a + ((self.unit() * span) as Seconds).min(b - a)
            }
            DurationDist::Lognormal { median, p95 } => {
                let mu = (median.max(1) as f64).ln();
                let sigma = ((p95.max(median).max(1) as f64) / (median.max(1) as f64)).ln() / Z95;
                (mu + sigma * self.normal()).exp().round().max(0.0) as Seconds
            }
        }
    }

    /// True with probability `p`. `p = 0` draws nothing.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let (mut a, mut b) = (Random::new(7), Random::new(7));
        let xs: Vec<u64> = (0..100)
            .map(|_| a.duration(DurationDist::Uniform(1, 1000)))
            .collect();
        let ys: Vec<u64> = (0..100)
            .map(|_| b.duration(DurationDist::Uniform(1, 1000)))
            .collect();
        assert_eq!(xs, ys);
        assert_ne!(
            xs,
            (0..100)
                .map(|_| Random::new(8).duration(DurationDist::Uniform(1, 1000)))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_name_hash_is_fnv_1a_64() {
        // The published test vectors: a key's stream must not change between releases.
        assert_eq!(fnv(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    fn sample(attempt: u32) -> Execution {
        Execution {
            task: TaskId(0),
            scheduled: 1_700_000_000,
            origin: Origin::Backfill,
            history: false,
            backfill: Some(0),
            again: 0,
            attempt,
        }
    }

    #[test]
    fn an_execution_draws_the_same_whatever_was_drawn_before() {
        let mut r = Random::new(9);
        r.names = vec![fnv(FNV_OFFSET, b"w.t")];
        let d = DurationDist::Uniform(1, 1_000_000);
        r.execution(&sample(1));
        let first = r.duration(d);
        r.execution(&sample(2));
        let second = r.duration(d);
        (0..17).for_each(|_| _ = r.unit());
        r.execution(&sample(1));
        assert_eq!(r.duration(d), first);
        assert_ne!(first, second);
        // Every part of the key names another stream.
        let keys = [
            sample(1),
            Execution {
                task: TaskId(1),
                ..sample(1)
            },
            Execution {
                scheduled: 1_700_000_001,
                ..sample(1)
            },
            Execution {
                origin: Origin::Rerun,
                ..sample(1)
            },
            Execution {
                history: true,
                ..sample(1)
            },
            Execution {
                backfill: None,
                ..sample(1)
            },
            Execution {
                backfill: Some(1),
                ..sample(1)
            },
            Execution {
                again: 1,
                ..sample(1)
            },
            sample(2),
        ];
        r.names.push(fnv(FNV_OFFSET, b"w.u"));
        let mut all: Vec<u64> = keys.iter().map(|k| r.key(k)).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), keys.len());
    }

    /// The first draws of `n` executions, each from its own stream, as the engine
    /// draws: the distributions hold across streams, not only along one.
    fn each_execution<T>(seed: u64, n: u32, mut draw: impl FnMut(&mut Random) -> T) -> Vec<T> {
        let mut r = Random::new(seed);
        r.names = vec![fnv(FNV_OFFSET, b"w.t")];
        (0..n)
            .map(|k| {
                let scheduled = i64::from(k) * 3600;
                r.execution(&Execution {
                    scheduled,
                    ..sample(1)
                });
                draw(&mut r)
            })
            .collect()
    }

    #[test]
    fn uniform_stays_inside_both_ends_and_reaches_them() {
        let xs = each_execution(1, 10_000, |r| r.duration(DurationDist::Uniform(300, 305)));
        assert!(xs.iter().all(|x| (300..=305).contains(x)));
        assert!(xs.contains(&300) && xs.contains(&305));
        let n = |v| xs.iter().filter(|&&x| x == v).count();
        assert!(
            (300..=305).all(|v| (1_500..1_840).contains(&n(v))),
            "{:?}",
            (300..=305).map(n).collect::<Vec<_>>()
        );
    }

    #[test]
    fn lognormal_has_its_median_and_p95() {
        let lognormal = DurationDist::Lognormal {
            median: 600,
            p95: 2400,
        };
        let mut along = Random::new(3);
        let one_stream = (0..40_000).map(|_| along.duration(lognormal)).collect();
        for mut xs in [
            one_stream,
            each_execution(3, 40_000, |r| r.duration(lognormal)),
        ] {
            xs.sort_unstable();
            let median = xs[xs.len() / 2] as f64;
            let p95 = xs[xs.len() * 95 / 100] as f64;
            assert!((median - 600.0).abs() < 20.0, "median {median}");
            assert!((p95 - 2400.0).abs() < 120.0, "p95 {p95}");
        }
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut r = Random::new(5);
        let hits = (0..100_000).filter(|_| r.chance(0.2)).count();
        assert!((19_000..21_000).contains(&hits), "{hits}");
        assert!(!(0..1000).any(|_| r.chance(0.0)));
        let hits = each_execution(5, 100_000, |r| r.chance(0.2));
        let hits = hits.iter().filter(|&&h| h).count();
        assert!((19_000..21_000).contains(&hits), "{hits}");
    }
}
