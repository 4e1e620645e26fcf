//! Login failure limits, per account and per client address, in fixed windows. Only failures
//! count, so a user who types their password right is never slowed down.
//!
//! In-process state: with several servers each enforces its own limit, which still bounds
//! guessing to a small multiple.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per account in one window.
pub const ACCOUNT_LIMIT: u32 = 5;
/// Failures allowed per client address in one window.
pub const ADDRESS_LIMIT: u32 = 30;
/// Length of a window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 50_000;

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Counts login failures.
#[derive(Default)]
pub struct LoginLimiter {
    accounts: Mutex<HashMap<String, Window>>,
    addresses: Mutex<HashMap<String, Window>>,
}

impl LoginLimiter {
    /// `Err(seconds to wait)` if `account` or `address` used up its failures.
    pub fn check(&self, account: &str, address: &str) -> Result<(), u64> {
        let now = Instant::now();
        let wait = |map: &Mutex<HashMap<String, Window>>, key: &str, limit: u32| -> Option<u64> {
            let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let window = map.get(key)?;
            let elapsed = now.duration_since(window.started);
            (elapsed < WINDOW && window.failures >= limit).then(|| (WINDOW - elapsed).as_secs().max(1))
        };
        let account = account.to_lowercase();
        match (wait(&self.accounts, &account, ACCOUNT_LIMIT), wait(&self.addresses, address, ADDRESS_LIMIT)) {
            (None, None) => Ok(()),
            (a, b) => Err(a.unwrap_or(0).max(b.unwrap_or(0))),
        }
    }

    /// Records a failed login.
    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        bump(&self.accounts, account.to_lowercase(), now);
        bump(&self.addresses, address.to_owned(), now);
    }

    /// Counts an attempt at `account`'s second factor as a failure before it is checked, unless
    /// the account's failures are used up (then `Err(seconds to wait)`). Check and count are
    /// one step under the lock, so requests racing in parallel cannot all get a guess before
    /// the first failure is recorded; a right code clears it ([`Self::record_success`]).
    pub fn reserve_attempt(&self, account: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = map.entry(account.to_lowercase()).or_insert(Window { started: now, failures: 0 });
        let elapsed = now.duration_since(window.started);
        if elapsed >= WINDOW {
            *window = Window { started: now, failures: 0 };
        } else if window.failures >= ACCOUNT_LIMIT {
            return Err((WINDOW - elapsed).as_secs().max(1));
        }
        window.failures += 1;
        Ok(())
    }

    /// A successful login clears the account's failures.
    pub fn record_success(&self, account: &str) {
        self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&account.to_lowercase());
    }
}

fn bump(map: &Mutex<HashMap<String, Window>>, key: String, now: Instant) {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() >= SWEEP_AT {
        map.retain(|_, w| now.duration_since(w.started) < WINDOW);
    }
    let window = map.entry(key).or_insert(Window { started: now, failures: 0 });
    if now.duration_since(window.started) >= WINDOW {
        *window = Window { started: now, failures: 0 };
    }
    window.failures += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_after_its_failures_regardless_of_case() {
        let limiter = LoginLimiter::default();
        for i in 0..ACCOUNT_LIMIT {
            assert!(limiter.check("Alice", &format!("10.0.0.{i}")).is_ok());
            limiter.record_failure(if i % 2 == 0 { "alice" } else { "ALICE" }, &format!("10.0.0.{i}"));
        }
        let wait = limiter.check("alice", "10.0.0.99").unwrap_err();
        assert!(wait > 0 && wait <= WINDOW.as_secs());
        assert!(limiter.check("bob", "10.0.0.99").is_ok(), "other accounts are not affected");
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let limiter = LoginLimiter::default();
        for i in 0..ADDRESS_LIMIT {
            limiter.record_failure(&format!("user{i}"), "192.0.2.1");
        }
        assert!(limiter.check("fresh", "192.0.2.1").is_err());
        assert!(limiter.check("fresh", "192.0.2.2").is_ok());
    }

    #[test]
    fn reserved_attempts_are_bounded_even_when_none_has_failed_yet() {
        let limiter = LoginLimiter::default();
        let granted = (0..50).filter(|_| limiter.reserve_attempt("dave").is_ok()).count();
        assert_eq!(granted, ACCOUNT_LIMIT as usize);
        assert!(limiter.check("Dave", "x").is_err(), "reserved attempts count as failures");
        limiter.record_success("dave");
        assert!(limiter.reserve_attempt("dave").is_ok(), "a right code clears them");
    }

    #[test]
    fn success_clears_the_account() {
        let limiter = LoginLimiter::default();
        for _ in 0..ACCOUNT_LIMIT - 1 {
            limiter.record_failure("carol", "a");
        }
        limiter.record_success("Carol");
        limiter.record_failure("carol", "a");
        assert!(limiter.check("carol", "b").is_ok());
    }
}
