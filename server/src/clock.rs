//! The server's clocks: the system's, or for tests one that stands still until it is set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use secure_login_verifier::Clock;

/// Unix seconds from the system clock (0 if it reads before 1970).
pub fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        system_now()
    }
}

/// A clock for tests (`--test-clock`): it starts at the system time and stands still until
/// [`TestClock::set`] moves it, so a test can put a request exactly 119 or 121 seconds after
/// another.
#[derive(Debug)]
pub struct TestClock(AtomicU64);

impl TestClock {
    /// A clock standing at `now`.
    pub fn new(now: u64) -> Self {
        Self(AtomicU64::new(now))
    }

    /// Moves the clock to `now` (backwards too).
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_clock_stands_still_until_set() {
        let clock = TestClock::new(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.set(1_119);
        assert_eq!(clock.now(), 1_119);
        assert!(SystemClock.now() > 1_700_000_000);
    }
}
