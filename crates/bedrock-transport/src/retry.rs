//! Retry policy, as the AWS SDKs document it for their `standard` and `adaptive`
//! retry modes.
//!
//! - [`RetryConfig`]: mode, attempts (default 3) and exponential backoff with full
//!   jitter (`rand(0,1) * min(initial * 2^(n-1), 20 s)` before retry `n`), loaded
//!   from `AWS_RETRY_MODE` / `AWS_MAX_ATTEMPTS` and the shared-config profile keys
//!   `retry_mode` / `max_attempts`.
//! - [`classify_response`] and the code lists: which errors are throttling,
//!   transient or final ([`RetryKind`]).
//! - [`RetryQuota`]: the client-wide token bucket that stops retry storms (500
//!   tokens, 5 per retry, 10 per retry after a timeout, refunded on success).
//! - [`ClientRateLimiter`]: the `adaptive` mode's CUBIC send-rate limiter, which
//!   slows every request of the client down after throttling.
//!
//! The attempt loop that applies all of this is [`Executor`](crate::executor::Executor).

mod classify;
mod config;
mod quota;
mod rate_limiter;

pub use self::classify::{
    classify_response, ModeledRetry, RetryKind, BEDROCK_THROTTLING_ERROR_CODES, BEDROCK_TRANSIENT_ERROR_CODES,
    THROTTLING_ERROR_CODES, THROTTLING_STATUS_CODES, TRANSIENT_ERROR_CODES, TRANSIENT_STATUS_CODES,
};
pub use self::config::{
    RetryConfig, RetryConfigError, RetryMode, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BACKOFF,
    RETRY_AFTER_MAX_EXTRA,
};
pub use self::quota::{
    RetryQuota, DEFAULT_RETRY_COST, DEFAULT_RETRY_QUOTA, DEFAULT_TIMEOUT_RETRY_COST, NO_RETRY_INCREMENT,
};
pub use self::rate_limiter::ClientRateLimiter;
