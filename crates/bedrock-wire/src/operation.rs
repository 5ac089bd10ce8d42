//! The sans-IO boundary every generated operation implements.

use bytes::Bytes;

use crate::error::{BuildError, ResponseError};

/// One API operation: a pure mapping from input to HTTP request, and from HTTP response to output.
///
/// The request carries only the path and query; the client joins them to the
/// resolved endpoint, signs, and sends. No IO happens here.
pub trait Operation {
    /// The operation's name, as in the API reference.
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: http::Method;
    /// Whether the operation may be retried without side effects.
    const IDEMPOTENT: bool;
    /// The input structure.
    type Input;
    /// The output structure.
    type Output;
    /// The operation's typed errors.
    type Error;

    /// Fills idempotency-token members the caller left unset.
    fn fill_idempotency_tokens(input: &mut Self::Input, tokens: &dyn IdempotencyTokens) {
        let _ = (input, tokens);
    }

    /// Serializes the input into a request whose URI is a path and query.
    fn build_request(input: &Self::Input) -> Result<http::Request<Bytes>, BuildError>;

    /// Reads the output, or the typed error, from a complete response.
    fn parse_response(response: &http::Response<Bytes>) -> Result<Self::Output, ResponseError<Self::Error>>;
}

/// An operation whose results come in pages linked by a continuation token.
pub trait Paginated: Operation {
    /// One result across pages.
    type Item;

    /// The token that asks for the next page, if there is one.
    fn next_token(output: &Self::Output) -> Option<&str>;

    /// Sets the input's continuation token.
    fn set_token(input: &mut Self::Input, token: Option<String>);

    /// The page's results.
    fn items(output: Self::Output) -> Vec<Self::Item>;
}

/// A source of idempotency tokens (UUIDs in the AWS SDKs).
pub trait IdempotencyTokens: Send + Sync {
    /// A fresh token.
    fn token(&self) -> String;
}

/// The same token every time: for tests and replays.
#[derive(Clone, Debug)]
pub struct FixedToken(pub String);

impl IdempotencyTokens for FixedToken {
    fn token(&self) -> String {
        self.0.clone()
    }
}

/// A host prefix (from an operation's endpoint trait) that the client must put before the endpoint's host.
///
/// Stored in the request's extensions by [`Operation::build_request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPrefix(pub String);

/// What an operation's model says about retrying after one of its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorRetry {
    /// Modeled, without the `retryable` trait.
    NotRetryable,
    /// Modeled and marked retryable.
    Retryable,
    /// Modeled and marked retryable as throttling.
    Throttling,
}

/// The typed errors of one operation (implemented by every generated error enum).
pub trait OperationError: std::error::Error + Send + Sync + 'static {
    /// The error code of a modeled exception; `None` for an error the operation does not model.
    fn code(&self) -> Option<&'static str>;

    /// Whether the model marks this error retryable.
    fn is_retryable(&self) -> bool;

    /// Whether the model marks this error as throttling.
    fn is_throttling(&self) -> bool;

    /// The model's verdict on an error code: `None` when the operation does not model it.
    fn modeled_retry(code: &str) -> Option<ErrorRetry>
    where
        Self: Sized;
}
