//! Password guessing slowed down, as pure transitions of [`PasswordFailures`]: a growing delay
//! per account (by username, known or not) and per source (a client address, IPv6 by /64),
//! never a lock.
//!
//! An attempt is charged as a failure *before* its password is checked (so however many guesses
//! arrive at once, no more are checked than the delay allows); a success takes its charge back.
//! After `free` failures in a row each further one makes the next attempt wait: 1 s, 2 s, 4 s,
//! ... up to `max_delay`; from the 100th consecutive failure on (NIST SP 800-63B-4's limit) every
//! attempt waits `slow_delay`. The count restarts after a success (accounts) or after
//! `forget_after` seconds without a failure (accounts and sources).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::policy::Policy;

/// Failed passwords of one account or source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordFailures {
    /// Failures in a row (attempts being checked count as failures).
    pub failures: u32,
    /// No password is checked before this time (Unix seconds).
    pub next_at: u64,
    /// The last charged attempt (Unix seconds).
    pub last_at: u64,
}

/// The numbers of one throttle (accounts and sources have their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Curve {
    /// Failures in a row that cost no delay.
    pub free: u32,
    /// The longest delay before the slow phase.
    pub max_delay: u64,
    /// Failures in a row from which every attempt waits `slow_delay`.
    pub slow_after: u32,
    /// The delay of the slow phase.
    pub slow_delay: u64,
    /// Seconds without a failure after which the count restarts.
    pub forget_after: u64,
}

impl Curve {
    /// The curve of accounts.
    pub fn account(policy: &Policy) -> Self {
        Self {
            free: policy.password_free_failures,
            max_delay: policy.password_max_delay,
            slow_after: policy.password_slow_after,
            slow_delay: policy.password_slow_delay,
            forget_after: policy.password_forget_after,
        }
    }

    /// The curve of sources: more free failures (many people may share an address).
    pub fn source(policy: &Policy) -> Self {
        Self {
            free: policy.source_free_failures,
            ..Self::account(policy)
        }
    }

    /// The wait after the `n`-th failure in a row.
    pub fn delay(&self, n: u32) -> u64 {
        if n >= self.slow_after {
            return self.slow_delay.max(self.max_delay);
        }
        match n.checked_sub(self.free) {
            None | Some(0) => 0,
            Some(over) => 1u64
                .checked_shl(over.saturating_sub(1).min(63))
                .unwrap_or(u64::MAX)
                .min(self.max_delay),
        }
    }
}

/// Charges one attempt at `now`: the new state, or the seconds to wait.
pub(crate) fn charge(
    state: &PasswordFailures,
    now: u64,
    curve: &Curve,
) -> Result<PasswordFailures, u64> {
    let state = if now >= state.last_at.saturating_add(curve.forget_after) {
        PasswordFailures::default()
    } else {
        state.clone()
    };
    if now < state.next_at {
        return Err(state.next_at - now);
    }
    let failures = state.failures.saturating_add(1);
    // A free attempt sets no wait at all: a wait of zero written as `now` would turn away a
    // concurrent attempt whose clock read a moment earlier (another thread, another instance).
    let delay = curve.delay(failures);
    Ok(PasswordFailures {
        failures,
        next_at: if delay == 0 {
            0
        } else {
            now.saturating_add(delay)
        },
        last_at: now,
    })
}

/// A success takes its own charge back: one failure fewer, and no wait while the count is
/// within the free ones.
pub(crate) fn refund(state: &PasswordFailures, curve: &Curve) -> PasswordFailures {
    let failures = state.failures.saturating_sub(1);
    PasswordFailures {
        failures,
        next_at: if failures <= curve.free {
            0
        } else {
            state.next_at
        },
        last_at: state.last_at,
    }
}

/// The throttle key of a client address: IPv4 whole, IPv6 by its /64 (one subscriber usually
/// holds a whole /64), IPv4-mapped IPv6 as IPv4.
#[must_use]
pub fn source_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve() -> Curve {
        Curve::account(&Policy::default())
    }

    #[test]
    fn the_delay_grows_from_the_sixth_failure_and_slows_at_the_hundredth() {
        let c = curve();
        let delays: Vec<u64> = (1..=13).map(|n| c.delay(n)).collect();
        assert_eq!(delays, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(c.delay(99), 60);
        assert_eq!(c.delay(100), 900);
        assert_eq!(c.delay(u32::MAX), 900);
    }

    #[test]
    fn attempts_in_flight_are_charged_so_only_the_free_ones_pass_at_once() {
        let c = curve();
        let mut state = PasswordFailures::default();
        let mut allowed = 0;
        for _ in 0..100 {
            if let Ok(next) = charge(&state, 1000, &c) {
                state = next;
                allowed += 1;
            }
        }
        // Five free, and the sixth (whose charge sets the first delay).
        assert_eq!(allowed, 6);
        assert_eq!(charge(&state, 1000, &c), Err(1));
        assert!(charge(&state, 1001, &c).is_ok());
    }

    #[test]
    fn a_free_attempt_makes_no_one_wait_not_even_a_request_whose_clock_read_earlier() {
        let c = curve();
        let late = charge(&PasswordFailures::default(), 1_000, &c).unwrap();
        assert_eq!(late.next_at, 0);
        // Read its clock at 970, charged after the one at 1,000: still within the free ones.
        let early = charge(&late, 970, &c).unwrap();
        assert_eq!((early.failures, early.next_at), (2, 0));
    }

    #[test]
    fn a_refund_takes_back_one_charge_and_a_quiet_day_forgets() {
        let c = curve();
        let mut state = PasswordFailures::default();
        for _ in 0..3 {
            state = charge(&state, 5, &c).unwrap();
        }
        let refunded = refund(&state, &c);
        assert_eq!((refunded.failures, refunded.next_at), (2, 0));
        for t in 0..20 {
            if let Ok(next) = charge(&state, 10 + t * 100, &c) {
                state = next;
            }
        }
        assert!(state.failures > 6 && state.next_at > state.last_at);
        let later = state.last_at + c.forget_after;
        assert_eq!(charge(&state, later, &c).unwrap().failures, 1);
    }

    #[test]
    fn sources_group_ipv6_by_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(source_of(a), "2001:db8:1:2::/64");
        assert_eq!(source_of(a), source_of(b));
        assert_ne!(source_of(a), source_of(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(source_of(mapped), "192.0.2.7");
        assert_eq!(source_of("192.0.2.8".parse().unwrap()), "192.0.2.8");
    }
}
