//! argon2id password hashing with the OWASP parameters (19 MiB, t=2, p=1, argon2's defaults),
//! run on blocking threads with a cap on concurrent hashes, so a login burst can neither stall
//! the async workers nor exhaust memory. Unknown users are checked against a dummy hash, so the
//! time a failed login takes does not tell whether the username exists.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::ApiError;

/// Hashes and verifies passwords off the async threads.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy: Arc<OnceCell<String>>,
}

impl Passwords {
    /// At most `max_concurrent` hashes run at once (each holds 19 MiB).
    pub fn new(max_concurrent: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(max_concurrent.max(1))), dummy: Arc::new(OnceCell::new()) }
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether `password` matches `hash`. With no hash (unknown user, deleted account) a dummy
    /// hash is verified instead and the answer is false, taking the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let (hash, real) = match hash.filter(|h| !h.is_empty()) {
            Some(h) => (h, true),
            None => (self.dummy_hash().await?, false),
        };
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(real && matches)
    }

    async fn dummy_hash(&self) -> Result<String, ApiError> {
        self.dummy
            .get_or_try_init(|| async { self.hash("confab-dummy-password-for-timing".to_owned()).await })
            .await
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let passwords = Passwords::new(2);
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(passwords.verify("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!passwords.verify("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_users_never_verify_even_with_the_dummy_password() {
        let passwords = Passwords::new(1);
        assert!(!passwords.verify("confab-dummy-password-for-timing".into(), None).await.unwrap());
        assert!(!passwords.verify("x".into(), Some(String::new())).await.unwrap());
    }
}
