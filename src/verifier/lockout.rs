//! Failure counting and locks, as pure transitions of [`LockState`].
//!
//! An attempt is charged *before* its code is checked, so however many guesses arrive at once,
//! at most `lockout_threshold` are ever checked between two locks.

use super::model::LockState;
use super::policy::Policy;

/// Whether an attempt may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charge {
    /// Check it; `attempts_left` more may follow before the lock if this one fails.
    Allowed {
        /// Attempts left after this one, if it fails.
        attempts_left: u32,
    },
    /// Refuse it unchecked.
    Locked {
        /// Unix seconds.
        until: u64,
    },
}

/// Charges one attempt at `now`: the new state and the verdict.
pub(crate) fn charge(state: &LockState, now: u64, policy: &Policy) -> (LockState, Charge) {
    if state.locked_until > now {
        return (
            state.clone(),
            Charge::Locked {
                until: state.locked_until,
            },
        );
    }
    if state.failures >= policy.lockout_threshold {
        // Every allowed attempt is in flight; lock now rather than check one more.
        let locked = lock(state, now, policy);
        let until = locked.locked_until;
        return (locked, Charge::Locked { until });
    }
    let mut next = state.clone();
    next.failures += 1;
    let attempts_left = policy.lockout_threshold.saturating_sub(next.failures);
    (next, Charge::Allowed { attempts_left })
}

/// After a failed check: locks the factor when the failures reached the threshold.
/// Returns the new state and the lock's end, if it is locked now.
pub(crate) fn after_failure(
    state: &LockState,
    now: u64,
    policy: &Policy,
) -> (LockState, Option<u64>) {
    if state.locked_until > now {
        return (state.clone(), Some(state.locked_until));
    }
    if state.failures >= policy.lockout_threshold {
        let locked = lock(state, now, policy);
        let until = locked.locked_until;
        return (locked, Some(until));
    }
    (state.clone(), None)
}

/// After a success: the count starts again.
pub(crate) fn after_success() -> LockState {
    LockState::default()
}

fn lock(state: &LockState, now: u64, policy: &Policy) -> LockState {
    LockState {
        failures: 0,
        locked_until: now.saturating_add(policy.lock_length(state.locks_in_a_row)),
        locks_in_a_row: state.locks_in_a_row.saturating_add(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_failure_locks_and_locks_grow() {
        let policy = Policy::default();
        let mut state = LockState::default();
        for n in 1..=10 {
            let (charged, verdict) = charge(&state, 1000, &policy);
            assert_eq!(
                verdict,
                Charge::Allowed {
                    attempts_left: 10 - n
                }
            );
            let (next, locked) = after_failure(&charged, 1000, &policy);
            assert_eq!(locked.is_some(), n == 10, "failure {n}");
            state = next;
        }
        assert_eq!(state.locked_until, 1000 + 900);
        assert_eq!(
            charge(&state, 1899, &policy).1,
            Charge::Locked { until: 1900 }
        );
        // After the lock, ten more failures lock for twice as long.
        for _ in 0..10 {
            let (charged, _) = charge(&state, 1900, &policy);
            state = after_failure(&charged, 1900, &policy).0;
        }
        assert_eq!(state.locked_until, 1900 + 1800);
    }

    #[test]
    fn charges_in_flight_never_exceed_the_threshold() {
        let policy = Policy::default();
        let mut state = LockState::default();
        let mut allowed = 0;
        for _ in 0..1000 {
            let (next, verdict) = charge(&state, 5, &policy);
            allowed += u32::from(matches!(verdict, Charge::Allowed { .. }));
            state = next;
        }
        assert_eq!(allowed, policy.lockout_threshold);
    }
}
