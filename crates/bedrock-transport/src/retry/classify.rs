//! Which failures are worth another attempt.

/// Error codes the AWS SDKs treat as throttling (botocore's standard mode, the Rust,
/// Go v2 and JavaScript v3 SDKs share this list).
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes the AWS SDKs treat as transient.
pub const TRANSIENT_ERROR_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"];

/// Status codes the AWS SDKs treat as transient, whatever the error code.
pub const TRANSIENT_STATUS_CODES: &[u16] = &[500, 502, 503, 504];

/// Status codes treated as throttling when the error code is not one the operation
/// models (botocore's standard mode: a 429 with an empty body or an unknown code).
pub const THROTTLING_STATUS_CODES: &[u16] = &[429];

/// Bedrock codes treated as throttling in addition to [`THROTTLING_ERROR_CODES`]:
/// Bedrock answers `ServiceUnavailableException` (503) when a model is over
/// capacity, so the `adaptive` mode slows down for it as for throttling.
pub const BEDROCK_THROTTLING_ERROR_CODES: &[&str] = &["ServiceUnavailableException"];

/// Bedrock codes treated as transient in addition to [`TRANSIENT_ERROR_CODES`]:
/// `ModelNotReadyException` (429, modeled `retryable`) while a model is being
/// loaded, even when the caller supplies no model information.
pub const BEDROCK_TRANSIENT_ERROR_CODES: &[&str] = &["ModelNotReadyException"];

/// What a failed attempt is, for the retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryKind {
    /// The service asked the client to slow down: retried, and in `adaptive` mode the
    /// client's send rate drops.
    Throttling,
    /// A server-side or network failure that may not happen again: retried.
    Transient,
    /// The attempt timed out: retried, at a higher retry-quota cost.
    Timeout,
    /// Trying again would fail the same way (or could do harm): not retried.
    NotRetryable,
}

impl RetryKind {
    /// Whether another attempt may succeed.
    pub fn is_retryable(self) -> bool {
        !matches!(self, RetryKind::NotRetryable)
    }

    /// A short lowercase name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryKind::Throttling => "throttling",
            RetryKind::Transient => "transient",
            RetryKind::Timeout => "timeout",
            RetryKind::NotRetryable => "not_retryable",
        }
    }
}

/// What an operation's model says about an error code (the smithy `@retryable`
/// trait), as returned by [`OperationInfo`](crate::executor::OperationInfo)'s hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ModeledRetry {
    /// The operation does not model this code (or the caller does not know).
    #[default]
    Unmodeled,
    /// A modeled error without the `retryable` trait: the generic code and status
    /// rules still apply, except that a 429 alone does not make it throttling.
    NotRetryable,
    /// A modeled error marked `retryable`.
    Retryable,
    /// A modeled error marked `retryable` with `throttling: true`.
    RetryableThrottling,
}

/// Classifies an error response (status 400 or more) the way the AWS SDKs'
/// standard mode does; statuses below 400 are never retried.
///
/// In order: a throttling code ([`THROTTLING_ERROR_CODES`],
/// [`BEDROCK_THROTTLING_ERROR_CODES`]) is [`RetryKind::Throttling`]; a modeled
/// `retryable` trait decides next; then a transient code ([`TRANSIENT_ERROR_CODES`],
/// [`BEDROCK_TRANSIENT_ERROR_CODES`]) or status ([`TRANSIENT_STATUS_CODES`]) is
/// [`RetryKind::Transient`]; a 429 whose code the operation does not model is
/// throttling; everything else is final.
///
/// ```
/// use bedrock_transport::retry::{classify_response, ModeledRetry, RetryKind};
///
/// assert_eq!(classify_response(429, Some("ThrottlingException"), ModeledRetry::NotRetryable), RetryKind::Throttling);
/// assert_eq!(classify_response(429, Some("ModelNotReadyException"), ModeledRetry::Retryable), RetryKind::Transient);
/// assert_eq!(classify_response(502, None, ModeledRetry::Unmodeled), RetryKind::Transient);
/// assert_eq!(classify_response(400, Some("ValidationException"), ModeledRetry::NotRetryable), RetryKind::NotRetryable);
/// ```
pub fn classify_response(status: u16, code: Option<&str>, modeled: ModeledRetry) -> RetryKind {
    if status < 400 {
        return RetryKind::NotRetryable;
    }
    let in_list = |lists: &[&[&str]]| code.is_some_and(|c| lists.iter().any(|list| list.contains(&c)));
    if in_list(&[THROTTLING_ERROR_CODES, BEDROCK_THROTTLING_ERROR_CODES]) {
        return RetryKind::Throttling;
    }
    match modeled {
        ModeledRetry::RetryableThrottling => return RetryKind::Throttling,
        ModeledRetry::Retryable => return RetryKind::Transient,
        ModeledRetry::Unmodeled | ModeledRetry::NotRetryable => {}
    }
    if in_list(&[TRANSIENT_ERROR_CODES, BEDROCK_TRANSIENT_ERROR_CODES]) || TRANSIENT_STATUS_CODES.contains(&status) {
        return RetryKind::Transient;
    }
    if modeled == ModeledRetry::Unmodeled && THROTTLING_STATUS_CODES.contains(&status) {
        return RetryKind::Throttling;
    }
    RetryKind::NotRetryable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_throttling_code_is_throttling() {
        for code in THROTTLING_ERROR_CODES.iter().chain(BEDROCK_THROTTLING_ERROR_CODES) {
            assert_eq!(
                classify_response(400, Some(code), ModeledRetry::NotRetryable),
                RetryKind::Throttling,
                "{code}"
            );
        }
    }

    #[test]
    fn transient_codes_and_statuses() {
        for code in ["RequestTimeout", "RequestTimeoutException", "ModelNotReadyException"] {
            assert_eq!(
                classify_response(400, Some(code), ModeledRetry::Unmodeled),
                RetryKind::Transient
            );
        }
        for status in [500, 502, 503, 504] {
            assert_eq!(
                classify_response(status, None, ModeledRetry::Unmodeled),
                RetryKind::Transient
            );
            assert_eq!(
                classify_response(status, Some("InternalServerException"), ModeledRetry::NotRetryable),
                RetryKind::Transient
            );
        }
        assert_eq!(
            classify_response(501, None, ModeledRetry::Unmodeled),
            RetryKind::NotRetryable
        );
    }

    #[test]
    fn status_429_is_throttling_only_for_unmodeled_codes() {
        assert_eq!(
            classify_response(429, None, ModeledRetry::Unmodeled),
            RetryKind::Throttling
        );
        assert_eq!(
            classify_response(429, Some("SomethingNew"), ModeledRetry::Unmodeled),
            RetryKind::Throttling
        );
        assert_eq!(
            classify_response(429, Some("QuotaThing"), ModeledRetry::NotRetryable),
            RetryKind::NotRetryable
        );
    }

    #[test]
    fn modeled_retryable_trait_is_honoured() {
        assert_eq!(
            classify_response(400, Some("Custom"), ModeledRetry::Retryable),
            RetryKind::Transient
        );
        assert_eq!(
            classify_response(400, Some("Custom"), ModeledRetry::RetryableThrottling),
            RetryKind::Throttling
        );
        assert_eq!(
            classify_response(400, Some("Custom"), ModeledRetry::NotRetryable),
            RetryKind::NotRetryable
        );
    }

    #[test]
    fn client_errors_and_successes_are_final() {
        for (status, code) in [
            (400, "ValidationException"),
            (403, "AccessDeniedException"),
            (404, "ResourceNotFoundException"),
            (424, "ModelErrorException"),
            (408, "ModelTimeoutException"),
            (400, "ServiceQuotaExceededException"),
        ] {
            assert_eq!(
                classify_response(status, Some(code), ModeledRetry::NotRetryable),
                RetryKind::NotRetryable
            );
        }
        assert_eq!(
            classify_response(200, Some("ThrottlingException"), ModeledRetry::Unmodeled),
            RetryKind::NotRetryable
        );
    }
}
