//! argon2id password hashing with the OWASP parameters (19 MiB, t=2, p=1, argon2's defaults),
//! run on a few dedicated threads, so a login burst can neither stall the async workers nor
//! exhaust memory. Unknown users are checked against a dummy hash, so the time a failed login
//! takes does not tell whether the username exists.
//!
//! Why dedicated threads and not `spawn_blocking`: the allocator keeps a memory arena per
//! thread, and each of the many blocking threads kept its 19 MiB after hashing. Measured: a
//! fresh server grew to 1.2 GB resident after 100 sign-ups; with 4 hashing threads it stays
//! near 4 × 19 MiB.

use std::sync::{Arc, Mutex, mpsc};

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
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Niceness of the hashing threads. Each hash takes ~20 ms of a core; at normal priority a
/// login burst took the two cores from chat traffic (chat p99 ×3.8 measured during 60 logins/s).
/// At nice 10 the scheduler gives chat threads ~10× their share when both want the CPU, while
/// idle cores still hash at full speed.
const HASHING_NICENESS: i32 = 10;

/// Lowers this thread's scheduling priority (Linux schedules threads individually, so the
/// thread id works as a process id here). A refusal only costs fairness, so it is logged.
fn yield_to_chat() {
    let thread = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(thread), HASHING_NICENESS) {
        tracing::warn!(error = %e, "cannot lower the password hashing threads' priority");
    }
}

impl Passwords {
    /// At most `max_concurrent` hashes run at once (each holds 19 MiB), on as many threads;
    /// the threads end when the last clone is dropped.
    pub fn new(max_concurrent: usize) -> Self {
        let threads = max_concurrent.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
                yield_to_chat();
                loop {
                    // The lock is held only while taking a job, never while hashing.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self { permits: Arc::new(Semaphore::new(threads)), dummy: Arc::new(OnceCell::new()), jobs }
    }

    /// Runs `work` on a hashing thread.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let queued = ::metrics::gauge!(crate::telemetry::metrics::HASH_QUEUE);
        queued.increment(1.0);
        let permit = self.permits.acquire().await;
        queued.decrement(1.0);
        let _permit = permit.map_err(ApiError::internal)?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the password hashing threads have stopped")))?;
        answer.await.map_err(ApiError::internal)
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await?
            .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether `password` matches `hash`. With no hash (unknown user, deleted account) a dummy
    /// hash is verified instead and the answer is false, taking the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let (hash, real) = match hash.filter(|h| !h.is_empty()) {
            Some(h) => (h, true),
            None => (self.dummy_hash().await?, false),
        };
        let matches = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                    .unwrap_or(false)
            })
            .await?;
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
