//! The one seeded generator every random draw comes from, with a stable algorithm
//! (ChaCha8, `rand_chacha`), so a seed gives the same trace on every machine and
//! release. Draws happen in event order, which is itself deterministic.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::model::{DurationDist, Seconds};

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

pub struct Random(ChaCha8Rng);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
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
    fn uniform_stays_inside_both_ends_and_reaches_them() {
        let mut r = Random::new(1);
        let xs: Vec<u64> = (0..10_000)
            .map(|_| r.duration(DurationDist::Uniform(300, 305)))
            .collect();
        assert!(xs.iter().all(|x| (300..=305).contains(x)));
        assert!(xs.contains(&300) && xs.contains(&305));
    }

    #[test]
    fn lognormal_has_its_median_and_p95() {
        let mut r = Random::new(3);
        let mut xs: Vec<u64> = (0..40_000)
            .map(|_| {
                r.duration(DurationDist::Lognormal {
                    median: 600,
                    p95: 2400,
                })
            })
            .collect();
        xs.sort_unstable();
        let median = xs[xs.len() / 2] as f64;
        let p95 = xs[xs.len() * 95 / 100] as f64;
        assert!((median - 600.0).abs() < 20.0, "median {median}");
        assert!((p95 - 2400.0).abs() < 120.0, "p95 {p95}");
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut r = Random::new(5);
        let hits = (0..100_000).filter(|_| r.chance(0.2)).count();
        assert!((19_000..21_000).contains(&hits), "{hits}");
        assert!(!(0..1000).any(|_| r.chance(0.0)));
    }
}
