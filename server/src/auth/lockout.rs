//! How many failed sign-ins are allowed before further attempts wait.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub window: Duration,
    pub per_username: i64,
    pub per_ip: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            window: Duration::from_secs(15 * 60),
            per_username: 5,
            per_ip: 20,
        }
    }
}

impl LockoutPolicy {
    pub fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }

    /// Seconds to wait, if `count` failures (the oldest at `oldest`) reach `limit` at `now`.
    pub fn wait_secs(&self, count: i64, oldest: Option<i64>, limit: i64, now: i64) -> Option<u64> {
        if count < limit {
            return None;
        }
        let oldest = oldest?;
        let until = oldest + self.window_ms();
        let ms = (until - now).max(1_000);
        Some(u64::try_from(ms).unwrap_or(0).div_ceil(1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_ends_when_the_oldest_failure_leaves_the_window() {
        let p = LockoutPolicy::default();
        assert_eq!(p.wait_secs(4, Some(0), 5, 1_000), None);
        assert_eq!(p.wait_secs(5, Some(0), 5, 60_000), Some(14 * 60));
        assert_eq!(p.wait_secs(5, Some(0), 5, p.window_ms() - 10), Some(1));
    }
}
