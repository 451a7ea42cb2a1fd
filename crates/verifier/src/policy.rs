//! The numbers of the security model (docs/design.md, "Defaults"), all configurable.

use serde::{Deserialize, Serialize};

/// Every limit and lifetime the verifier enforces. Times are in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// How long a challenge shown at login stays valid (the seed: "if the passcode expires,
    /// start over"). Default 3 minutes.
    pub challenge_lifetime: u64,
    /// How long a password-checked login may wait for its second factor (several resends and a
    /// 10-minute code must fit). Default 30 minutes.
    pub login_lifetime: u64,
    /// How long an SMS or voice code stays valid. Default 10 minutes.
    pub code_lifetime: u64,
    /// Digits of an SMS or voice code (at least 6). Default 6.
    pub code_digits: u32,
    /// The least time between two SMS or voice codes, per account and per number (the seed:
    /// "a new SMS may only be requested every 2 minutes"). Default 120 s.
    pub resend_interval: u64,
    /// SMS and voice messages an account may receive per day. Default 10.
    pub daily_message_cap: u32,
    /// Consecutive failures that lock a factor. Default 10.
    pub lockout_threshold: u32,
    /// The first lock's length; each further lock without a success in between doubles it.
    /// Default 15 minutes.
    pub lockout_duration: u64,
    /// The longest lock. Default 24 hours.
    pub lockout_max: u64,
    /// TOTP steps accepted either side of the current one. Default 1.
    pub totp_window: u32,
    /// How long a push request waits for its answer. Default 2 minutes.
    pub push_lifetime: u64,
    /// The least time between two push requests for one account. Default 30 s.
    pub push_interval: u64,
    /// How long an activation code stays valid. Default 10 minutes.
    pub activation_lifetime: u64,
    /// How long after a successful login the account may change its phone number. Default 5 min.
    pub reauth_window: u64,
    /// How long a new binding (a token moved to a new device, a factor added) can be undone by
    /// "this wasn't me" from a factor the account had before; a token a migration replaced keeps
    /// working that long. 0 retires it at once (and leaves nothing to undo). Default 24 hours.
    pub binding_cooling_off: u64,
    /// The longest a session lasts, however active (NIST SP 800-63B-4 at AAL2: 24 h at most).
    /// Default 12 hours.
    pub session_lifetime: u64,
    /// A session without a request for this long ends. Default 30 minutes.
    pub session_idle_timeout: u64,
    /// Sessions an account may hold at once; a new one ends that account's oldest. Default 10.
    pub sessions_per_account: u32,
    /// How long a completed login may wait for its page to open the session. Default 60 s.
    pub claim_window: u64,
    /// Argon2id memory in KiB for password hashes. Default 19 MiB (OWASP's minimum).
    pub password_memory_kib: u32,
    /// Argon2id passes. Default 2.
    pub password_iterations: u32,
    /// Failed passwords in a row per account (by username) that cost no delay. Default 5.
    pub password_free_failures: u32,
    /// Failed passwords in a row per source (client address, IPv6 by /64) that cost no delay.
    /// Default 20.
    pub source_free_failures: u32,
    /// Beyond the free failures each further one doubles the wait before the next password is
    /// checked, from 1 s up to this. Default 60 s.
    pub password_max_delay: u64,
    /// Failed passwords in a row from which every attempt waits [`Policy::password_slow_delay`]
    /// (NIST SP 800-63B-4: at most 100). Default 100.
    pub password_slow_after: u32,
    /// The wait between attempts once [`Policy::password_slow_after`] failures are reached.
    /// Default 15 minutes.
    pub password_slow_delay: u64,
    /// Seconds without a failure after which a count of failed passwords restarts. Default 1 day.
    pub password_forget_after: u64,
    /// OCRA suite of newly activated soft tokens. Default `OCRA-1:HOTP-SHA256-8:QN08`.
    pub soft_token_suite: String,
    /// OCRA suite of newly issued security cards. Default `OCRA-1:HOTP-SHA256-8:QN06-PSHA1`.
    pub card_suite: String,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            challenge_lifetime: 180,
            login_lifetime: 1800,
            code_lifetime: 600,
            code_digits: 6,
            resend_interval: 120,
            daily_message_cap: 10,
            lockout_threshold: 10,
            lockout_duration: 15 * 60,
            lockout_max: 24 * 3600,
            totp_window: 1,
            push_lifetime: 120,
            push_interval: 30,
            activation_lifetime: 600,
            reauth_window: 300,
            binding_cooling_off: 24 * 3600,
            session_lifetime: 12 * 3600,
            session_idle_timeout: 30 * 60,
            sessions_per_account: 10,
            claim_window: 60,
            password_memory_kib: 19 * 1024,
            password_iterations: 2,
            password_free_failures: 5,
            source_free_failures: 20,
            password_max_delay: 60,
            password_slow_after: 100,
            password_slow_delay: 15 * 60,
            password_forget_after: 86_400,
            soft_token_suite: "OCRA-1:HOTP-SHA256-8:QN08".to_owned(),
            card_suite: "OCRA-1:HOTP-SHA256-8:QN06-PSHA1".to_owned(),
        }
    }
}

impl Policy {
    /// The length of the `n`-th consecutive lock (0-based): the base doubled `n` times, capped.
    #[must_use]
    pub fn lock_length(&self, n: u32) -> u64 {
        let factor = 1u64.checked_shl(n.min(63)).unwrap_or(u64::MAX);
        self.lockout_duration
            .saturating_mul(factor)
            .min(self.lockout_max)
    }
}
