//! One line of progress on stderr for long commands (`explore`, `whatif`, `test`):
//! done/total, rate and an estimate of the time left, redrawn at most ten times a
//! second and cleared when the work ends, as cargo and nextest do. Only when stderr is
//! a terminal and the output is not JSON: a pipe, a file or a tool never sees it.
//!
//! The CLI's only clock: the library never reads the wall clock, this line is not
//! part of any output, and nothing it shows reaches stdout.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Redraws no more often than this, so a fast loop does not flood the terminal.
const REDRAW: Duration = Duration::from_millis(100);

pub struct Progress {
    unit: &'static str,
    started: Instant,
    /// `None` when silent; else when the line was last drawn (and whether it was).
    state: Option<Mutex<Option<Instant>>>,
}

impl Progress {
    /// Shown when stderr is a terminal and `json` is false.
    pub fn new(unit: &'static str, json: bool) -> Progress {
        let shown = !json && std::io::stderr().is_terminal();
        Progress {
            unit,
            started: Instant::now(),
            state: shown.then(|| Mutex::new(None)),
        }
    }

    /// `done` of `total` are finished (called from any thread).
    pub fn update(&self, done: usize, total: usize) {
        let Some(state) = &self.state else { return };
        let mut last = state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if done < total && last.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        *last = Some(now);
        let text = line(
            done,
            total,
            self.unit,
            now.duration_since(self.started).as_secs_f64(),
        );
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a failed write to the terminal changes no result.
        let _ = write!(err, "\r\x1b[2K{text}");
        let _ = err.flush();
    }

    /// Erases the line, if one was drawn; before printing, and when the work ends.
    pub fn clear(&self) {
        let Some(state) = &self.state else { return };
        let mut last = state.lock().unwrap_or_else(|e| e.into_inner());
        if last.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// `"120/2,000 cases  48.0/s  about 39s left"`; rate and time left once one is done.
pub fn line(done: usize, total: usize, unit: &str, elapsed: f64) -> String {
    let mut s = format!("{}/{} {unit}", thousands(done), thousands(total));
    if let Some(rate) = rate(done, elapsed) {
        s += &format!("  {}/s", rate_text(rate));
        if let Some(left) = eta(done, total, elapsed) {
            s += &format!("  about {} left", duration_text(left));
        }
    }
    s
}

/// Items per second so far, once there is one and time has passed.
pub fn rate(done: usize, elapsed: f64) -> Option<f64> {
    (done > 0 && elapsed > 0.0).then(|| done as f64 / elapsed)
}

/// Seconds left at the rate so far: `None` before the first is done.
pub fn eta(done: usize, total: usize, elapsed: f64) -> Option<f64> {
    let rate = rate(done, elapsed)?;
    Some(total.saturating_sub(done) as f64 / rate)
}

fn rate_text(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

/// `"9s"`, `"1m 05s"`, `"2h 03m"`, rounded up to the second (never "0s" while work
/// is left).
pub fn duration_text(secs: f64) -> String {
    let s = secs.max(0.0).ceil() as u64;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_is_what_is_left_at_the_rate_so_far() {
        // 100 done in 4 s: 25/s, 300 left take 12 s.
        assert_eq!(rate(100, 4.0), Some(25.0));
        assert_eq!(eta(100, 400, 4.0), Some(12.0));
        assert_eq!(eta(400, 400, 4.0), Some(0.0));
        // Nothing done yet, or no time passed: no rate, no estimate.
        assert_eq!(eta(0, 400, 4.0), None);
        assert_eq!(rate(5, 0.0), None);
    }

    #[test]
    fn durations_read_like_a_clock_and_round_up() {
        assert_eq!(duration_text(0.2), "1s");
        assert_eq!(duration_text(59.0), "59s");
        assert_eq!(duration_text(65.0), "1m 05s");
        assert_eq!(duration_text(3600.0 * 2.0 + 180.0), "2h 03m");
        assert_eq!(duration_text(-3.0), "0s");
    }

    #[test]
    fn the_line_shows_done_total_rate_and_time_left() {
        assert_eq!(
            line(120, 2000, "cases", 2.5),
            "120/2,000 cases  48.0/s  about 40s left"
        );
        assert_eq!(
            line(1500, 1500, "variants", 3.0),
            "1,500/1,500 variants  500/s  about 0s left"
        );
        assert_eq!(line(0, 7, "scenarios", 0.0), "0/7 scenarios");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
