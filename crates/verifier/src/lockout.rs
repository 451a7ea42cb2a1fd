//! Failure counting and locks, as pure transitions of [`LockState`].
//!
//! An attempt is charged *before* its code is checked, so however many guesses arrive at once,
//! at most `lockout_threshold` are ever checked between two locks.
//!
//! Every allowed charge takes the next number of the factor's sequence ([`LockState::charged`]),
//! and a success forgives only the attempts numbered up to its own: those charged after it, still
//! being checked, stay counted, and a lock taken after its charge stays. So between two successes
//! (in charge order) at most `lockout_threshold` attempts are checked, concurrency or not.

use super::model::LockState;
use super::policy::Policy;

/// Whether an attempt may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charge {
    /// Check it; `attempts_left` more may follow before the lock if this one fails.
    Allowed {
        /// Attempts left after this one, if it fails.
        attempts_left: u32,
        /// This attempt's number in the factor's sequence: what a success forgives up to.
        number: u64,
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
    next.charged = state.charged.saturating_add(1);
    let attempts_left = policy.lockout_threshold.saturating_sub(next.failures);
    let number = next.charged;
    (
        next,
        Charge::Allowed {
            attempts_left,
            number,
        },
    )
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

/// After the success of the attempt charged as `number`: forgives the attempts charged up to and
/// including it, and the locks before it; the attempts charged after it stay counted.
///
/// The count runs over the last `failures` numbers of the sequence. When it already starts after
/// `number` (a lock, a later success or an unlock came since this attempt was charged) there is
/// nothing left to forgive, and a lock taken since stays. Otherwise no lock can be running: this
/// attempt was allowed, and every lock starts a new count.
pub(crate) fn after_success(state: &LockState, number: u64) -> LockState {
    let charged_since = state.charged.saturating_sub(number);
    match u32::try_from(charged_since) {
        Ok(since) if since < state.failures => LockState {
            failures: since,
            locked_until: 0,
            locks_in_a_row: 0,
            charged: state.charged,
        },
        _ => state.clone(),
    }
}

/// After an administrator's unlock: no lock, a new count. The sequence goes on, so an attempt
/// charged before the unlock cannot forgive one charged after it.
pub(crate) fn unlocked(state: &LockState) -> LockState {
    LockState {
        charged: state.charged,
        ..LockState::default()
    }
}

fn lock(state: &LockState, now: u64, policy: &Policy) -> LockState {
    LockState {
        failures: 0,
        locked_until: now.saturating_add(policy.lock_length(state.locks_in_a_row)),
        locks_in_a_row: state.locks_in_a_row.saturating_add(1),
        charged: state.charged,
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
                    attempts_left: 10 - n,
                    number: u64::from(n),
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

    /// Charges one allowed attempt; its number.
    fn allowed(state: &mut LockState, now: u64, policy: &Policy) -> u64 {
        let (next, verdict) = charge(state, now, policy);
        *state = next;
        match verdict {
            Charge::Allowed { number, .. } => number,
            Charge::Locked { until } => panic!("locked until {until}"),
        }
    }

    #[test]
    fn a_success_forgives_the_attempts_charged_up_to_its_own_and_no_later_ones() {
        let policy = Policy::default();
        let mut state = LockState::default();
        let before = allowed(&mut state, 5, &policy);
        let success = allowed(&mut state, 5, &policy);
        for _ in 0..8 {
            allowed(&mut state, 5, &policy);
        }
        assert_eq!((before, success, state.failures), (1, 2, 10));
        // The eight charged after the success stay counted; the one before it is forgiven.
        state = after_success(&state, success);
        assert_eq!(state.failures, 8);
        assert_eq!(state.charged, 10);
        // So two more attempts are checked, not ten: the tenth after the success locks.
        allowed(&mut state, 5, &policy);
        let (charged, verdict) = charge(&state, 5, &policy);
        assert!(matches!(
            verdict,
            Charge::Allowed {
                attempts_left: 0,
                number: 12
            }
        ));
        let (state, locked) = after_failure(&charged, 5, &policy);
        assert_eq!(locked, Some(5 + 900));
        assert_eq!(charge(&state, 6, &policy).1, Charge::Locked { until: 905 });
    }

    #[test]
    fn a_success_never_lifts_a_lock_taken_after_its_charge() {
        let policy = Policy::default();
        let mut state = LockState::default();
        let success = allowed(&mut state, 5, &policy);
        for _ in 0..9 {
            allowed(&mut state, 5, &policy);
        }
        // The eleventh attempt finds every allowed one in flight and takes the lock.
        let (locked, verdict) = charge(&state, 5, &policy);
        assert_eq!(verdict, Charge::Locked { until: 905 });
        let after = after_success(&locked, success);
        assert_eq!(after, locked);
        assert_eq!(charge(&after, 6, &policy).1, Charge::Locked { until: 905 });
        // Nor one taken by a failure checked after its charge.
        let mut state = LockState::default();
        let success = allowed(&mut state, 5, &policy);
        for _ in 0..9 {
            allowed(&mut state, 5, &policy);
        }
        let (locked, until) = after_failure(&state, 5, &policy);
        assert_eq!(until, Some(905));
        assert_eq!(after_success(&locked, success), locked);
    }

    #[test]
    fn a_success_lifts_what_came_before_its_charge() {
        let policy = Policy::default();
        let mut state = LockState::default();
        // Ten failures lock; the lock ends; an attempt is charged and succeeds.
        for _ in 0..10 {
            allowed(&mut state, 5, &policy);
        }
        state = after_failure(&state, 5, &policy).0;
        assert_eq!((state.locked_until, state.locks_in_a_row), (905, 1));
        let success = allowed(&mut state, 905, &policy);
        let after = after_success(&state, success);
        assert_eq!(
            after,
            LockState {
                charged: 11,
                ..LockState::default()
            }
        );
        // A later success's charge came first: the earlier success finds nothing to forgive.
        let mut state = LockState::default();
        let first = allowed(&mut state, 5, &policy);
        let second = allowed(&mut state, 5, &policy);
        let third = allowed(&mut state, 5, &policy);
        state = after_success(&state, second);
        assert_eq!(state.failures, 1);
        assert_eq!(after_success(&state, first), state);
        assert_eq!(after_success(&state, third).failures, 0);
    }

    #[test]
    fn an_unlock_starts_a_count_that_earlier_attempts_cannot_forgive() {
        let policy = Policy::default();
        let mut state = LockState::default();
        let before = allowed(&mut state, 5, &policy);
        state = unlocked(&state);
        allowed(&mut state, 5, &policy);
        assert_eq!(after_success(&state, before).failures, 1);
    }

    #[test]
    fn a_record_without_the_sequence_still_counts() -> Result<(), serde_json::Error> {
        // Written before `charged` existed: five failures counted.
        let mut state: LockState =
            serde_json::from_str(r#"{"failures":5,"locked_until":0,"locks_in_a_row":0}"#)?;
        assert_eq!(state.charged, 0);
        let policy = Policy::default();
        let success = allowed(&mut state, 5, &policy);
        let later = allowed(&mut state, 5, &policy);
        assert_eq!((success, later, state.failures), (1, 2, 7));
        assert_eq!(after_success(&state, success).failures, 1);
        assert_eq!(after_success(&state, later).failures, 0);
        Ok(())
    }
}
