//! The retry policy, as data: how many times, how long between, and how much jitter; and the
//! one helper every retrying step of the engine asks "again, and after how long?".
//! Which errors are retried at all is the providers' classification (`CallError::is_transient`).
//!
//! The schedule is a `backon` backoff (`RetryPolicy` is its `BackoffBuilder`), so it is an
//! `Iterator<Item = Duration>` with our own shape: min(2ⁿ+1, 15) units ± 20 %. The engine does
//! not use backon's `Retryable` wrapper itself: each retry writes an event to the task's log
//! before the wait (an async database write; backon's `notify` is synchronous) and the wait ends
//! early when the task is cancelled, so the steps keep their loops and ask [`Retry`] instead.

use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Submit attempts in all (the first plus the retries).
    pub submit_attempts: u32,
    /// Upload attempts per image.
    pub upload_attempts: u32,
    /// Consecutive failed polls before giving up.
    pub poll_failures: u32,
    /// The backoff unit: delays are `min(2^n + 1, cap_units)` units (RunningHub's own clients use
    /// seconds and a cap of 15).
    pub unit: Duration,
    pub cap_units: u32,
    /// ± this fraction of jitter on every delay.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            submit_attempts: 4,
            upload_attempts: 3,
            poll_failures: 5,
            unit: Duration::from_secs(1),
            cap_units: 15,
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `n` (1 for the first retry), without jitter.
    pub fn base_delay(&self, n: u32) -> Duration {
        let units = 2u32.saturating_pow(n).saturating_add(1).min(self.cap_units);
        self.unit.saturating_mul(units)
    }

    /// The delay before retry number `n`, with jitter.
    pub fn delay(&self, n: u32) -> Duration {
        let base = self.base_delay(n).as_secs_f64();
        let j = self.jitter.clamp(0.0, 1.0);
        let factor = if j > 0.0 {
            rand::thread_rng().gen_range(1.0 - j..=1.0 + j)
        } else {
            1.0
        };
        Duration::from_secs_f64((base * factor).max(0.0))
    }
}

/// The backoff delays of a policy, retry after retry (endless; [`Retry`] bounds the count).
#[derive(Debug, Clone)]
pub struct Schedule {
    policy: RetryPolicy,
    n: u32,
}

impl Iterator for Schedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.n = self.n.saturating_add(1);
        Some(self.policy.delay(self.n))
    }
}

impl backon::BackoffBuilder for RetryPolicy {
    type Backoff = Schedule;

    fn build(self) -> Schedule {
        Schedule { policy: self, n: 0 }
    }
}

/// The longest wait a provider may ask for before a retry; longer requests are capped.
pub const REQUESTED_WAIT_MAX: Duration = Duration::from_secs(300);

/// Counts the attempts of one retrying step and decides, after each failure, whether to try
/// again and after how long.
#[derive(Debug)]
pub struct Retry {
    schedule: Schedule,
    attempt: u32,
    max: u32,
}

impl Retry {
    /// `max` attempts in all (at least one); `done` of them were already made (a resumed
    /// submit continues its count).
    pub fn new(policy: RetryPolicy, max: u32, done: u32) -> Retry {
        let mut schedule = backon::BackoffBuilder::build(policy);
        // A resumed count waits as long as it would have: skip the delays already used.
        for _ in 0..done {
            schedule.next();
        }
        Retry {
            schedule,
            attempt: done,
            max: max.max(1),
        }
    }

    /// Starts the next attempt; answers its number (1 for the first).
    pub fn begin(&mut self) -> u32 {
        self.attempt = self.attempt.saturating_add(1);
        self.attempt
    }

    /// Takes back the attempt just begun: it did not count (the provider refused it as
    /// queue-full, and the task waits for a slot instead).
    pub fn undo(&mut self) {
        self.attempt = self.attempt.saturating_sub(1);
    }

    /// The current attempt's number.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Attempts in all.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// After a failed attempt: `Some(wait)` when another attempt may follow — the failure is
    /// `worth_retrying` and attempts are left — else `None`. The wait is the one the provider
    /// asked for when it named one (capped at [`REQUESTED_WAIT_MAX`]; zero means at once), else
    /// the next backoff delay; never both added.
    pub fn after_failure(
        &mut self,
        worth_retrying: bool,
        requested: Option<Duration>,
    ) -> Option<Duration> {
        if !worth_retrying || self.attempt >= self.max {
            return None;
        }
        let backoff = self.schedule.next().unwrap_or_default();
        Some(requested.map_or(backoff, |r| r.min(REQUESTED_WAIT_MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_plus_one_up_to_the_cap() {
        let p = RetryPolicy::default();
        let secs: Vec<u64> = (1..=5).map(|n| p.base_delay(n).as_secs()).collect();
        assert_eq!(secs, vec![3, 5, 9, 15, 15]);
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.delay(2).as_secs_f64();
            assert!((4.0..=6.0).contains(&d), "{d}");
        }
        let none = RetryPolicy { jitter: 0.0, ..p };
        assert_eq!(none.delay(1), Duration::from_secs(3));
    }

    #[test]
    fn the_backon_schedule_is_the_policys() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let secs: Vec<u64> = backon::BackoffBuilder::build(p)
            .take(5)
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(secs, vec![3, 5, 9, 15, 15]);
    }

    #[test]
    fn retries_stop_at_the_attempt_limit_or_at_a_lasting_failure() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let mut r = Retry::new(p, 3, 0);
        assert_eq!(r.begin(), 1);
        assert_eq!(r.after_failure(true, None), Some(Duration::from_secs(3)));
        assert_eq!(r.begin(), 2);
        assert_eq!(r.after_failure(false, None), None, "not worth it");
        assert_eq!(r.after_failure(true, None), Some(Duration::from_secs(5)));
        assert_eq!(r.begin(), 3);
        assert_eq!(r.after_failure(true, None), None, "no attempts left");
    }

    #[test]
    fn a_wait_the_provider_asks_for_replaces_the_backoff_and_is_capped() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let mut r = Retry::new(p, 5, 0);
        r.begin();
        assert_eq!(
            r.after_failure(true, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        r.begin();
        assert_eq!(
            r.after_failure(true, Some(Duration::ZERO)),
            Some(Duration::ZERO)
        );
        r.begin();
        assert_eq!(
            r.after_failure(true, Some(Duration::from_secs(86_400))),
            Some(REQUESTED_WAIT_MAX)
        );
    }

    #[test]
    fn a_resumed_count_goes_on_where_it_stopped() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let mut r = Retry::new(p, 4, 2);
        assert_eq!(r.begin(), 3);
        assert_eq!(r.after_failure(true, None), Some(Duration::from_secs(9)));
        assert_eq!(r.begin(), 4);
        assert_eq!(r.after_failure(true, None), None);
    }
}
