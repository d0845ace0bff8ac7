//! When to try a failed delivery again: exponential backoff with jitter,
//! never sooner than the receiver's `Retry-After`, until attempts run out.
//! A pure function, so the schedule is tested without sending anything.

use chrono::Duration;

/// The retry schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
    /// Wait before the first retry (before jitter).
    pub first: Duration,
    /// Longest wait between attempts (before jitter).
    pub cap: Duration,
}

/// Longest `Retry-After` honoured as given; anything longer is clipped.
const MAX_RETRY_AFTER: Duration = Duration::days(1);

impl RetryPolicy {
    /// A policy with a one-second first retry.
    pub fn new(max_attempts: u32, cap: Duration) -> Self {
        Self {
            max_attempts,
            first: Duration::seconds(1),
            cap,
        }
    }

    /// How long to wait after `attempts_made` failed attempts, or `None`
    /// when they have run out. `jitter` in `[0, 1)` spreads retries of many
    /// deliveries over ±25% so they do not arrive together.
    pub fn delay(
        &self,
        attempts_made: u32,
        retry_after: Option<std::time::Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let doublings = attempts_made.saturating_sub(1).min(30);
        let backoff = self
            .first
            .checked_mul(1 << doublings)
            .map_or(self.cap, |d| d.min(self.cap));
        let factor = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
        let jittered = Duration::milliseconds((backoff.num_milliseconds() as f64 * factor) as i64);
        let asked = retry_after
            .and_then(|d| Duration::from_std(d).ok())
            .map(|d| d.min(MAX_RETRY_AFTER))
            .unwrap_or_else(Duration::zero);
        Some(jittered.max(asked))
    }
}

/// A number in `[0, 1)` from the OS random source.
pub fn random_jitter() -> f64 {
    let bits = getrandom::u64().unwrap_or(0) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(5, Duration::minutes(10))
    }

    #[test]
    fn the_first_retry_comes_after_about_a_second() {
        let low = policy().delay(1, None, 0.0).unwrap();
        let high = policy().delay(1, None, 0.999).unwrap();
        assert_eq!(low, Duration::milliseconds(750));
        assert!(high < Duration::milliseconds(1250) && high > Duration::seconds(1));
    }

    #[test]
    fn waits_double_and_stop_at_the_cap() {
        let p = policy();
        assert_eq!(p.delay(2, None, 0.5).unwrap(), Duration::seconds(2));
        assert_eq!(p.delay(3, None, 0.5).unwrap(), Duration::seconds(4));
        let capped = RetryPolicy::new(100, Duration::seconds(30));
        assert_eq!(capped.delay(50, None, 0.5).unwrap(), Duration::seconds(30));
    }

    #[test]
    fn retry_after_is_a_floor_not_a_ceiling() {
        let p = policy();
        let asked = Some(std::time::Duration::from_secs(5));
        assert_eq!(p.delay(1, asked, 0.5).unwrap(), Duration::seconds(5));
        let short = Some(std::time::Duration::from_millis(10));
        assert_eq!(p.delay(3, short, 0.5).unwrap(), Duration::seconds(4));
    }

    #[test]
    fn attempts_run_out() {
        assert!(policy().delay(4, None, 0.5).is_some());
        assert_eq!(policy().delay(5, None, 0.5), None);
    }

    #[test]
    fn jitter_stays_in_its_range() {
        for _ in 0..1000 {
            let j = random_jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
