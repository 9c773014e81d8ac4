//! The retry policy, as data: how many times, how long between, and how much jitter.
//! Which errors are retried at all is the providers' classification (`CallError::is_transient`).

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
}
