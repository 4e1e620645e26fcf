//! Rate limits on what clients send: a token bucket per WebSocket connection and one per user
//! (shared by the user's connections and their REST sends), with `governor`'s GCRA buckets.
//! Past a limit a request is answered `rate_limited` with when to retry, and the connection
//! stays open: nothing is dropped silently, and a client that slows down goes on.
//!
//! API tokens have a bucket each too (`TokenLimits`), and their REST answers say where they
//! stand in `X-RateLimit-Limit` (the burst), `X-RateLimit-Remaining` and `X-RateLimit-Reset`
//! (seconds until the bucket is full again), so a bot can pace itself before it is refused.
//!
//! The buckets are generous (each a multiple of what a person or a well-behaved bot sends,
//! with a burst twice the rate so a reconnecting client can flush its outbox); they bound
//! what one flooding client or account can take from everyone else.

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::{StateInformationMiddleware, StateSnapshot};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use protocol::bots::ApiTokenId;
use protocol::{ErrorCode, UserId};

use crate::error::ApiError;

/// How often idle users' buckets are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The clock every bucket reads. Made once: making one calibrates it with `CPUID`, which a
/// virtual machine traps, and a bucket per connection made one per WebSocket handshake (3.5 % of
/// all CPU while 10,000 clients connected, BENCHMARKS.md).
static CLOCK: std::sync::LazyLock<DefaultClock> = std::sync::LazyLock::new(DefaultClock::default);

/// `per_second` sustained, twice that in a burst (at least 1).
fn quota(per_second: u32) -> Quota {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
    Quota::per_second(rate).allow_burst(burst)
}

/// Every user's bucket; one per server.
pub struct UserLimits(DefaultKeyedRateLimiter<UserId>);

impl UserLimits {
    /// Buckets of `per_second` requests per user.
    pub fn new(per_second: u32) -> Self {
        Self(RateLimiter::keyed(quota(per_second)))
    }

    /// Takes one request from `user`'s bucket, or says when to retry.
    pub fn check(&self, user: UserId) -> Result<(), ApiError> {
        self.0.check_key(&user).map_err(|not_until| limited(not_until.wait_time_from(self.0.clock().now())))
    }
}

/// Every API token's bucket; one per server.
pub struct TokenLimits(DefaultKeyedRateLimiter<ApiTokenId, StateInformationMiddleware>);

/// Where a token's bucket stands after a request, for the `X-RateLimit-*` headers.
#[derive(Clone, Copy, Debug)]
pub struct TokenBucketState {
    /// Requests the full bucket holds.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
}

impl TokenLimits {
    /// Buckets of `per_second` requests per token.
    pub fn new(per_second: u32) -> Self {
        Self(RateLimiter::keyed(quota(per_second)).with_middleware::<StateInformationMiddleware>())
    }

    /// Takes one request from `token`'s bucket: where it stands now, or the refusal (which
    /// carries where it stands too).
    pub fn check(&self, token: ApiTokenId) -> Result<TokenBucketState, (ApiError, TokenBucketState)> {
        match self.0.check_key(&token) {
            Ok(snapshot) => Ok(bucket_state(&snapshot)),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.0.clock().now());
                let state = TokenBucketState {
                    remaining: 0,
                    reset_secs: reset_secs(&not_until.quota(), 0),
                    ..bucket_state_of(&not_until.quota())
                };
                Err((limited(wait), state))
            }
        }
    }
}

/// Forgets full buckets now and then, so the maps hold only recently active users and tokens.
pub async fn sweep(users: std::sync::Arc<UserLimits>, tokens: std::sync::Arc<TokenLimits>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        users.0.retain_recent();
        users.0.shrink_to_fit();
        tokens.0.retain_recent();
        tokens.0.shrink_to_fit();
    }
}

fn bucket_state(snapshot: &StateSnapshot) -> TokenBucketState {
    let quota = snapshot.quota();
    let remaining = snapshot.remaining_burst_capacity();
    TokenBucketState { remaining, reset_secs: reset_secs(&quota, remaining), ..bucket_state_of(&quota) }
}

fn bucket_state_of(quota: &Quota) -> TokenBucketState {
    TokenBucketState { limit: quota.burst_size().get(), remaining: 0, reset_secs: 0 }
}

/// Seconds until a bucket with `remaining` of its burst left is full again (rounded up).
fn reset_secs(quota: &Quota, remaining: u32) -> u64 {
    let missing = quota.burst_size().get().saturating_sub(remaining);
    let nanos = quota.replenish_interval().as_nanos().saturating_mul(u128::from(missing));
    u64::try_from(nanos.div_ceil(1_000_000_000)).unwrap_or(u64::MAX)
}

/// Middleware: adds the `X-RateLimit-*` headers to the answer of a request an API token made
/// (the `AuthUser` extractor leaves the bucket's state in the request's extensions).
pub async fn rate_limit_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Read after routing: cloning the request before would keep the router from matching it.
    let mut res = next.call(req).await?;
    let state = res.request().extensions().get::<TokenBucketState>().copied();
    if let Some(state) = state {
        let headers = res.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", u64::from(state.limit)),
            ("x-ratelimit-remaining", u64::from(state.remaining)),
            ("x-ratelimit-reset", state.reset_secs),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    Ok(res)
}

/// One connection's bucket.
pub struct ConnectionLimit(DefaultDirectRateLimiter);

impl ConnectionLimit {
    /// A bucket of `per_second` frames.
    pub fn new(per_second: u32) -> Self {
        Self(RateLimiter::direct_with_clock(quota(per_second), CLOCK.clone()))
    }

    /// Takes one frame from the connection's bucket, then from its user's.
    pub fn check(&self, users: &UserLimits, user: UserId) -> Result<(), ApiError> {
        self.0.check().map_err(|not_until| limited(not_until.wait_time_from(self.0.clock().now())))?;
        users.check(user)
    }
}

fn limited(wait: Duration) -> ApiError {
    let ms = wait.as_millis().max(1);
    ApiError::new(ErrorCode::RateLimited, format!("too many requests; retry in {ms} ms"))
        .with_retry_after(wait.as_secs().max(1))
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let users = UserLimits::new(1_000);
        let conn = ConnectionLimit::new(5);
        let user = UserId(Uuid::new_v4());
        let passed = (0..30).filter(|_| conn.check(&users, user).is_ok()).count();
        assert_eq!(passed, 10, "a burst of twice the rate");
        let refused = conn.check(&users, user).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::RateLimited);
    }

    #[test]
    fn a_users_connections_share_the_users_bucket() {
        let users = UserLimits::new(3);
        let (a, b) = (ConnectionLimit::new(100), ConnectionLimit::new(100));
        let user = UserId(Uuid::new_v4());
        let passed = (0..10).filter(|i| if i % 2 == 0 { a.check(&users, user) } else { b.check(&users, user) }.is_ok());
        assert_eq!(passed.count(), 6);
        assert!(users.check(UserId(Uuid::new_v4())).is_ok(), "another user has a bucket of their own");
    }
}
