//! Retry intervals: fixed, DolphinScheduler's and DataWorks' rules, and Airflow 3's
//! exponential backoff with its SHA-1 jitter (AF §3).

use super::*;

impl<'m> Engine<'m> {
    /// The wait before the retry after failed attempt `attempt` (AF §3 for exponential).
    pub(super) fn retry_interval(&self, i: u32, attempt: u32) -> Seconds {
        let inst = &self.instances[i as usize];
        let task = self.model.task(inst.task);
        let r = task.retry;
        match r.backoff {
            Backoff::Fixed => r.interval,
            Backoff::Exponential => {
                let workflow = &self.model.workflow(task.workflow).name;
                let task_id = task.name.rsplit('.').next().unwrap_or(&task.name);
                let logical = python_datetime(inst.scheduled);
                exponential_backoff(
                    r.interval,
                    attempt,
                    workflow,
                    task_id,
                    &logical,
                    r.max_interval,
                )
            }
        }
    }
}

/// Python's `str()` of the logical date as Airflow hashes it: the UTC datetime its
/// database column gives back (`UtcDateTime.process_result_value`), whatever the
/// DAG's zone: `2025-03-01 18:00:00+00:00` for a run at 02:00 in Shanghai.
fn python_datetime(at: Instant) -> String {
    let t = crate::calendar::schedule::rfc3339(&jiff::tz::TimeZone::UTC, at);
    // rfc3339 gives `2025-03-01T18:00:00+00:00`.
    t.replacen('T', " ", 1)
}

/// Airflow 3's `next_retry_datetime` delay (AF §3): `B = ceil(delay × 2^(try−1))`,
/// plus `sha1("dag#task#logical_date#try") mod B`, capped at a day and at
/// `max_retry_delay`.
pub fn exponential_backoff(
    delay: Seconds,
    try_number: u32,
    dag_id: &str,
    task_id: &str,
    logical_date: &str,
    max_interval: Option<Seconds>,
) -> Seconds {
    const MAX_RETRY_DELAY: Seconds = 86_400;
    let factor = 2f64.powi(try_number.saturating_sub(1).min(60) as i32);
    let min_backoff = ((delay as f64) * factor).ceil();
    let min_backoff = if min_backoff.is_finite() && min_backoff < 1e15 {
        (min_backoff as Seconds).max(1)
    } else {
        MAX_RETRY_DELAY
    };
    let digest = sha1_smol::Sha1::from(format!("{dag_id}#{task_id}#{logical_date}#{try_number}"))
        .digest()
        .bytes();
    let jitter = digest.iter().fold(0u128, |r, &b| {
        (r * 256 + u128::from(b)) % u128::from(min_backoff)
    }) as Seconds;
    let backoff = (min_backoff + jitter).min(MAX_RETRY_DELAY);
    max_interval.map_or(backoff, |m| backoff.min(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_matches_airflows_pinned_ranges() {
        // test_taskinstance.py: retry_delay 30s, max_retry_delay 60min (AF §3).
        let wait = |try_number| {
            exponential_backoff(
                30,
                try_number,
                "dag",
                "task",
                "2025-03-01 00:00:00+00:00",
                Some(3600),
            )
        };
        assert!((30..60).contains(&wait(1)));
        assert!((120..240).contains(&wait(3)));
        assert!((480..960).contains(&wait(5)));
        assert_eq!(wait(9), 3600);
        assert_eq!(wait(50), 3600);
        assert_eq!(wait(5000), 3600);
    }

    /// Airflow hashes the UTC logical date read back from its database; schedsim
    /// hashed it in the model's zone, so a DAG outside UTC retried at other times
    /// than Airflow (a Shanghai DAG at 02:00, retry_delay 600 s: 822 s where Airflow
    /// 3.3.2's `next_retry_datetime` gives 864 s).
    #[test]
    fn the_jitter_hashes_the_utc_logical_date_whatever_the_zone() {
        let at = jiff::civil::date(2024, 1, 2)
            .at(2, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .unwrap()
            .timestamp()
            .as_second();
        let key = python_datetime(at);
        assert_eq!(key, "2024-01-01 18:00:00+00:00");
        // What 3.3.2's `TaskInstance.next_retry_datetime` returned for dag `bo`, task
        // `t`, retry_delay 600 s, multiplier 2, that logical date, tries 1 to 3.
        let waits: Vec<u64> = (1..=3)
            .map(|n| exponential_backoff(600, n, "bo", "t", &key, None))
            .collect();
        assert_eq!(waits, [864, 1956, 3489]);
    }

    #[test]
    fn the_jitter_is_the_sha1_of_the_key_modulo_the_base() {
        // sha1("d#t#x#1") = 3c0a...: computed independently below, byte by byte.
        let digest = sha1_smol::Sha1::from("d#t#x#1").digest().bytes();
        let modulo = digest
            .iter()
            .fold(0u128, |r, &b| (r * 256 + u128::from(b)) % 7);
        assert_eq!(
            exponential_backoff(7, 1, "d", "t", "x", None),
            7 + modulo as u64
        );
    }
}
