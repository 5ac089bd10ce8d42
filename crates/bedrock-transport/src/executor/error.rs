//! The typed error of sending an operation.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::body::BoxError;
use crate::client::ConnectError;

/// Sending an operation failed without a response to hand back.
///
/// Error *responses* (4xx, 5xx) are not this error: once retries are over they are
/// returned as responses, for the operation's parser to turn into its typed error.
/// The [`kind`](TransportError::kind) says what went wrong; `source()` has the
/// underlying error (`Display` does not repeat it: print the chain). Neither `Display` nor `Debug` shows request headers, so
/// credentials never appear in logs.
pub struct TransportError {
    kind: TransportErrorKind,
    attempts: u32,
    source: Option<BoxError>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be set up (DNS, TCP, TLS, proxy); nothing was sent. The
    /// source is a [`ConnectError`] (see [`TransportError::connect_error`]).
    Connect,
    /// The connection failed after the request was (perhaps partly) sent and before a
    /// response arrived.
    Io,
    /// A time limit passed.
    Timeout(TimeoutKind),
    /// A response body delivered less than `minimum_throughput` bytes per second for
    /// `grace_period` while the reader was waiting for it.
    StalledStream {
        /// The configured floor, in bytes per second.
        minimum_throughput: u64,
        /// How long the throughput stayed below the floor.
        grace_period: Duration,
    },
    /// The HTTP stack took less than `minimum_throughput` bytes per second of a
    /// streaming request body for `grace_period` while it was ready for more from
    /// the caller (the peer stopped reading, or the connection is stuck). Time the
    /// body spent waiting on the caller does not count.
    StalledUpload {
        /// The configured floor, in bytes per second.
        minimum_throughput: u64,
        /// How long the throughput stayed below the floor.
        grace_period: Duration,
    },
    /// Reading the response body failed.
    Body,
    /// The signer refused to sign the request (for example, no credentials).
    Signing,
    /// Retrying stopped early because the client's retry quota is spent (too many
    /// recent failures); the source is the last attempt's error.
    RetryQuotaExhausted,
}

/// Which time limit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The whole operation (every attempt and the waits between them).
    Operation(Duration),
    /// One attempt (sending, and receiving the response head, plus the whole body for
    /// non-streaming operations and error responses).
    Attempt(Duration),
    /// The response head did not arrive in time after the request was handed to the
    /// HTTP client.
    FirstByte(Duration),
}

impl TimeoutKind {
    /// The limit that passed.
    pub fn limit(self) -> Duration {
        match self {
            TimeoutKind::Operation(d) | TimeoutKind::Attempt(d) | TimeoutKind::FirstByte(d) => d,
        }
    }
}

impl TransportError {
    pub(crate) fn new(kind: TransportErrorKind, source: Option<BoxError>) -> Self {
        TransportError {
            kind,
            attempts: 1,
            source,
        }
    }

    /// An error from [`HttpClient::send`](crate::HttpClient::send): `Connect` when a
    /// [`ConnectError`] is in its chain, else `Io`.
    pub(crate) fn from_client(error: BoxError) -> Self {
        let kind = if find_connect_error(&*error).is_some() {
            TransportErrorKind::Connect
        } else {
            TransportErrorKind::Io
        };
        TransportError::new(kind, Some(error))
    }

    /// An error from a response body: a stall detected by the protection passes
    /// through, anything else is `Body`.
    pub(crate) fn from_body(error: BoxError) -> Self {
        match error.downcast::<TransportError>() {
            Ok(error) => *error,
            Err(error) => TransportError::new(TransportErrorKind::Body, Some(error)),
        }
    }

    pub(crate) fn timeout(kind: TimeoutKind) -> Self {
        TransportError::new(TransportErrorKind::Timeout(kind), None)
    }

    pub(crate) fn stalled(minimum_throughput: u64, grace_period: Duration) -> Self {
        TransportError::new(
            TransportErrorKind::StalledStream {
                minimum_throughput,
                grace_period,
            },
            None,
        )
    }

    pub(crate) fn stalled_upload(minimum_throughput: u64, grace_period: Duration) -> Self {
        TransportError::new(
            TransportErrorKind::StalledUpload {
                minimum_throughput,
                grace_period,
            },
            None,
        )
    }

    pub(crate) fn quota_exhausted(last: TransportError) -> Self {
        let attempts = last.attempts;
        TransportError::new(TransportErrorKind::RetryQuotaExhausted, Some(Box::new(last))).with_attempts(attempts)
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &TransportErrorKind {
        &self.kind
    }

    /// How many attempts were made (at least 1).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether a time limit passed or a stream stalled.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout(_)
                | TransportErrorKind::StalledStream { .. }
                | TransportErrorKind::StalledUpload { .. }
        )
    }

    /// The connection error, when no connection could be set up (also through
    /// [`TransportErrorKind::RetryQuotaExhausted`]).
    pub fn connect_error(&self) -> Option<&ConnectError> {
        self.source.as_deref().and_then(|s| find_connect_error(s))
    }

    /// The last attempt's error, when retrying stopped because the quota ran out.
    pub fn last_error(&self) -> Option<&TransportError> {
        match self.kind {
            TransportErrorKind::RetryQuotaExhausted => self.source.as_deref()?.downcast_ref(),
            _ => None,
        }
    }
}

fn find_connect_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a ConnectError> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(connect) = e.downcast_ref::<ConnectError>() {
            return Some(connect);
        }
        next = e.source();
    }
    None
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TransportErrorKind::Connect => f.write_str("could not connect to the endpoint")?,
            TransportErrorKind::Io => f.write_str(
                "the connection failed before a response arrived: the network or the server dropped it; \
                 trying again later may succeed",
            )?,
            TransportErrorKind::Timeout(TimeoutKind::Operation(d)) => write!(
                f,
                "the operation did not finish within its {d:?} operation timeout: raise the operation timeout, \
                 or check network access to the endpoint"
            )?,
            TransportErrorKind::Timeout(TimeoutKind::Attempt(d)) => write!(
                f,
                "the request did not finish within the {d:?} attempt timeout: raise the attempt timeout \
                 (a long model response can take minutes), or check network access to the endpoint"
            )?,
            TransportErrorKind::Timeout(TimeoutKind::FirstByte(d)) => write!(
                f,
                "no response arrived within the {d:?} first-byte timeout: raise it (models can take minutes \
                 before answering a non-streaming request), or check network access to the endpoint"
            )?,
            TransportErrorKind::StalledStream {
                minimum_throughput,
                grace_period,
            } => write!(
                f,
                "the response stream stalled: less than {minimum_throughput} B/s arrived for {grace_period:?}; \
                 the connection is probably broken. If the service can legitimately pause that long, \
                 raise the grace period or turn stalled-stream protection off"
            )?,
            TransportErrorKind::StalledUpload {
                minimum_throughput,
                grace_period,
            } => write!(
                f,
                "the request stream stalled: the connection took less than {minimum_throughput} B/s of it \
                 for {grace_period:?} while more was ready to send; the service stopped reading or the \
                 connection is broken. If the service can legitimately pause that long, raise the grace \
                 period or turn upload stalled-stream protection off"
            )?,
            TransportErrorKind::Body => f.write_str("reading the response body failed")?,
            TransportErrorKind::Signing => f.write_str("the request could not be signed: check the credentials")?,
            TransportErrorKind::RetryQuotaExhausted => f.write_str(
                "gave up retrying because the client's retry quota is spent (many recent failures); \
                 the cause is the last attempt's error",
            )?,
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TransportError");
        d.field("kind", &self.kind).field("attempts", &self.attempts);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn StdError + 'static))
    }
}
