//! The attempt loop: sign, send, time out, classify, back off, retry.
//!
//! An [`Executor`] sends one operation at a time over an [`HttpClient`], applying
//! the [`retry`](crate::retry) policy and the time limits:
//!
//! | limit | covers | error |
//! |---|---|---|
//! | operation timeout | everything until `send` returns: all attempts, backoff, rate-limiter waits | [`TimeoutKind::Operation`] |
//! | attempt timeout | one HTTP exchange until the response head (and its whole body for [`Executor::send_collected`] and for error responses) | [`TimeoutKind::Attempt`] |
//! | first-byte timeout | from handing the request to the HTTP client until the response head | [`TimeoutKind::FirstByte`] |
//! | stalled-stream protection, downloads | every response body, also after `send` returned a stream | [`TransportErrorKind::StalledStream`] |
//! | stalled-stream protection, uploads | a streaming request body, checked while waiting for the response head and while its body is read | [`TransportErrorKind::StalledUpload`] |
//!
//! None of the timeouts is set by default (a model can think for minutes);
//! stalled-stream protection is on. Connect and TLS-handshake timeouts belong to
//! the HTTP client.
//!
//! Each attempt gets a fresh copy of the request (bodies are replayable bytes),
//! the headers `amz-sdk-invocation-id` (one per operation), `amz-sdk-request:
//! attempt=N; max=M` and a `user-agent` naming this SDK, and only then goes to the
//! [`Signer`], so every attempt is signed again. The signer also sees the head of
//! each response ([`Signer::observe_response`]); when it answers that it corrected
//! itself (a SigV4 signer learning the service's clock from a clock-skew
//! rejection), that error response is retried like a transient error. A request
//! with a streaming body ([`RequestBody::Stream`]) cannot be replayed and gets
//! one attempt.
//!
//! A response is handed to the caller only once it is final: a streaming response
//! whose events reached the caller is never retried behind its back.
//!
//! Tracing: an `operation` span (info: `service`, `operation`, `attempts`, `status`,
//! `request_id`, `duration_ms`, `error`) with an `attempt` span (debug: `attempt`,
//! `max_attempts`, `status`, `request_id`, `duration_ms`, `retry`) per attempt. No
//! header other than the request id is recorded.

mod error;
mod stalled;

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant, SystemTime};

use bedrock_wire::error::ErrorMetadata;
use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::header::{HeaderName, HeaderValue, USER_AGENT};
use tracing::field::Empty;
use tracing::Instrument;

pub use self::error::{TimeoutKind, TransportError, TransportErrorKind};
pub use self::stalled::{StalledStreamProtection, DEFAULT_GRACE_PERIOD, DEFAULT_MINIMUM_THROUGHPUT};
use crate::body::{BoxError, HttpClient, RequestBody, ResponseBody};
use crate::clock::{Clock, RandomSource, SeededRandom, TokioClock};
use crate::retry::{
    classify_response, ClientRateLimiter, ModeledRetry, RetryConfig, RetryKind, RetryMode, RetryQuota,
    NO_RETRY_INCREMENT,
};

const INVOCATION_ID: HeaderName = HeaderName::from_static("amz-sdk-invocation-id");
const SDK_REQUEST: HeaderName = HeaderName::from_static("amz-sdk-request");
const RETRY_AFTER: &str = "x-amz-retry-after";
const REQUEST_ID_HEADERS: [&str; 2] = ["x-amzn-requestid", "x-amz-request-id"];

/// The name this SDK sends in `user-agent`.
pub const SDK_NAME: &str = "bedrock-rs";

/// What the executor needs to know about an operation.
///
/// ```
/// use bedrock_transport::executor::OperationInfo;
/// use bedrock_transport::retry::ModeledRetry;
///
/// fn converse_errors(code: &str) -> ModeledRetry {
///     match code {
///         "ModelNotReadyException" => ModeledRetry::Retryable,
///         "ThrottlingException" | "ValidationException" => ModeledRetry::NotRetryable,
///         _ => ModeledRetry::Unmodeled,
///     }
/// }
/// const CONVERSE: OperationInfo = OperationInfo::new("bedrock-runtime", "Converse").with_modeled_retry(converse_errors);
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The service, for tracing (e.g. `bedrock-runtime`).
    pub service: &'static str,
    /// The operation's name, for tracing (e.g. `Converse`).
    pub operation: &'static str,
    /// Whether the operation is idempotent: then a response body that fails or
    /// stalls while being read is retried too (for others the service may already
    /// have done the work, e.g. billed a model invocation).
    pub idempotent: bool,
    /// What the operation's model says about an error code (its `@retryable`
    /// errors); the default knows nothing.
    pub modeled_retry: fn(&str) -> ModeledRetry,
}

fn unmodeled(_code: &str) -> ModeledRetry {
    ModeledRetry::Unmodeled
}

impl OperationInfo {
    /// A non-idempotent operation without modeled retry information.
    pub const fn new(service: &'static str, operation: &'static str) -> Self {
        OperationInfo {
            service,
            operation,
            idempotent: false,
            modeled_retry: unmodeled,
        }
    }

    /// Marks the operation idempotent (or not).
    pub const fn with_idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sets the hook that maps an error code to the model's retry verdict.
    pub const fn with_modeled_retry(mut self, modeled_retry: fn(&str) -> ModeledRetry) -> Self {
        self.modeled_retry = modeled_retry;
        self
    }
}

/// The time limits of an operation; all unset by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeoutConfig {
    operation: Option<Duration>,
    attempt: Option<Duration>,
    first_byte: Option<Duration>,
}

impl TimeoutConfig {
    /// No limits.
    pub fn new() -> Self {
        TimeoutConfig::default()
    }

    /// Limits the whole operation: every attempt and the waits between them.
    pub fn with_operation_timeout(mut self, limit: Duration) -> Self {
        self.operation = Some(limit);
        self
    }

    /// Limits each attempt.
    pub fn with_attempt_timeout(mut self, limit: Duration) -> Self {
        self.attempt = Some(limit);
        self
    }

    /// Limits the wait for the response head of each attempt.
    pub fn with_first_byte_timeout(mut self, limit: Duration) -> Self {
        self.first_byte = Some(limit);
        self
    }

    /// The operation timeout.
    pub fn operation_timeout(&self) -> Option<Duration> {
        self.operation
    }

    /// The attempt timeout.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt
    }

    /// The first-byte timeout.
    pub fn first_byte_timeout(&self) -> Option<Duration> {
        self.first_byte
    }
}

/// What a [`Signer`] is told about the attempt it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptInfo {
    /// The attempt's number, from 1.
    pub attempt: u32,
    /// The most attempts this operation may make.
    pub max_attempts: u32,
    /// The executor clock's wall-clock time: what the signature should be dated.
    pub system_time: SystemTime,
}

impl AttemptInfo {
    /// Describes attempt `attempt` of at most `max_attempts`, to be dated
    /// `system_time` (for tests of a signer; the executor makes its own).
    pub fn new(attempt: u32, max_attempts: u32, system_time: SystemTime) -> Self {
        AttemptInfo {
            attempt,
            max_attempts,
            system_time,
        }
    }
}

/// What [`Executor::send`] and [`Executor::send_collected`] return. Boxed on purpose: the
/// retry loop's state machine is then compiled once, in this crate, instead of again in every
/// crate that awaits it (an `async fn` body is instantiated where it is polled).
pub type SendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TransportError>> + Send + 'a>>;

/// What a [`Signer`] returns.
pub type SignFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// What a [`Signer`] is shown of a response, through [`Signer::observe_response`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptResponse<'a> {
    /// The response's status.
    pub status: http::StatusCode,
    /// The response's headers (e.g. `Date`).
    pub headers: &'a http::HeaderMap,
    /// The error code the executor read from an error response (`x-amzn-errortype`,
    /// else the body's `code` or `__type`, without namespace or URI); `None` for a
    /// success or an error without a code.
    pub error_code: Option<&'a str>,
    /// The executor clock's wall-clock time once the response was in (for an error,
    /// its whole body): the local "now" to compare a `Date` header with.
    pub system_time: SystemTime,
}

impl<'a> AttemptResponse<'a> {
    /// A response as the executor would describe it (for tests of a signer).
    pub fn new(
        status: http::StatusCode,
        headers: &'a http::HeaderMap,
        error_code: Option<&'a str>,
        system_time: SystemTime,
    ) -> Self {
        AttemptResponse {
            status,
            headers,
            error_code,
            system_time,
        }
    }
}

/// Signs each attempt (SigV4, a bearer token, ...), right before it is sent, and
/// may look at what came back.
///
/// Any `Fn(&mut http::Request<RequestBody>, AttemptInfo) -> Result<(), BoxError>`
/// is a signer; an async one (that may refresh credentials) implements the trait.
/// A signing error ends the operation with [`TransportErrorKind::Signing`].
pub trait Signer: Send + Sync {
    /// Adds the signature to `request`.
    fn sign<'a>(&'a self, request: &'a mut http::Request<RequestBody>, attempt: AttemptInfo) -> SignFuture<'a>;

    /// Called with the head of every response an attempt gets (successes and
    /// errors; not failures that produced no response), before the executor
    /// decides whether to retry.
    ///
    /// Returning `true` says "I corrected myself because of this response; the
    /// same request, signed again, should now be accepted": a SigV4 signer whose
    /// clock the service has just shown to be off does so. The executor then
    /// retries an error response it would otherwise have returned, as a transient
    /// error: the retry is an attempt like any other, so it needs an attempt left
    /// under the maximum and takes its cost from the retry quota, and it waits the
    /// usual backoff. The answer is ignored for successful responses.
    ///
    /// The default looks at nothing and returns `false`.
    fn observe_response(&self, response: &AttemptResponse<'_>) -> bool {
        let _ = response;
        false
    }
}

impl<F> Signer for F
where
    F: Fn(&mut http::Request<RequestBody>, AttemptInfo) -> Result<(), BoxError> + Send + Sync,
{
    fn sign<'a>(&'a self, request: &'a mut http::Request<RequestBody>, attempt: AttemptInfo) -> SignFuture<'a> {
        Box::pin(std::future::ready(self(request, attempt)))
    }
}

/// Runs `f` on the request seen as an `http::Request<Bytes>`, for signers that
/// work over a byte body (SigV4 hashes it); `None`, without calling `f`, for a
/// streaming body. Nothing is copied: the body is reference-counted.
///
/// ```
/// use bedrock_transport::executor::with_bytes_body;
/// use bedrock_transport::RequestBody;
///
/// let mut request = http::Request::new(RequestBody::Bytes(bytes::Bytes::from_static(b"{}")));
/// let len = with_bytes_body(&mut request, |r| {
///     r.headers_mut().insert("x-signed", http::HeaderValue::from_static("yes"));
///     r.body().len()
/// });
/// assert_eq!(len, Some(2));
/// assert_eq!(request.headers()["x-signed"], "yes");
/// ```
pub fn with_bytes_body<R>(
    request: &mut http::Request<RequestBody>,
    f: impl FnOnce(&mut http::Request<Bytes>) -> R,
) -> Option<R> {
    let bytes = request.body().replayable()?.clone();
    let placeholder = http::Request::new(RequestBody::Bytes(Bytes::new()));
    let (parts, _) = std::mem::replace(request, placeholder).into_parts();
    let mut as_bytes = http::Request::from_parts(parts, bytes);
    let output = f(&mut as_bytes);
    let (parts, bytes) = as_bytes.into_parts();
    *request = http::Request::from_parts(parts, RequestBody::Bytes(bytes));
    Some(output)
}

/// A signer that leaves requests unsigned (anonymous calls, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSigning;

impl Signer for NoSigning {
    fn sign<'a>(&'a self, _request: &'a mut http::Request<RequestBody>, _attempt: AttemptInfo) -> SignFuture<'a> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// How a response came about; in the extensions of every response the executor
/// returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryInfo {
    /// Attempts made, the one that produced this response included.
    pub attempts: u32,
    /// Whether retrying stopped because the retry quota was spent (the response is an
    /// error that could have been retried).
    pub quota_exhausted: bool,
}

/// The `user-agent` this SDK sends: `bedrock-rs/{version} os/{os} lang/rust`.
pub fn default_user_agent() -> String {
    format!(
        "{SDK_NAME}/{} os/{} lang/rust",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    )
}

/// Sends operations with retries, timeouts and stalled-stream protection.
///
/// Cheap to clone; clones share the HTTP client, the retry quota and (in `adaptive`
/// mode) the rate limiter, so one executor per client gives every operation of the
/// client one quota, as in the AWS SDKs.
#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    client: Arc<dyn HttpClient>,
    retry: RetryConfig,
    quota: RetryQuota,
    limiter: Option<ClientRateLimiter>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    timeouts: TimeoutConfig,
    stalled: StalledStreamProtection,
    user_agent: HeaderValue,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Executor")
            .field("client", &inner.client)
            .field("retry", &inner.retry)
            .field("quota", &inner.quota)
            .field("rate_limiter", &inner.limiter)
            .field("timeouts", &inner.timeouts)
            .field("stalled_stream_protection", &inner.stalled)
            .field("user_agent", &inner.user_agent)
            .finish()
    }
}

/// Builds an [`Executor`].
pub struct ExecutorBuilder {
    client: Arc<dyn HttpClient>,
    retry: RetryConfig,
    quota: Option<RetryQuota>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    timeouts: TimeoutConfig,
    stalled: StalledStreamProtection,
    app_id: Option<String>,
}

impl fmt::Debug for ExecutorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutorBuilder")
            .field("client", &self.client)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("stalled_stream_protection", &self.stalled)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

impl ExecutorBuilder {
    /// The retry configuration (default: `standard`, 3 attempts).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// A custom retry quota (default: 500 tokens, 5 per retry, 10 after a timeout).
    pub fn retry_quota(mut self, quota: RetryQuota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// The time limits (default: none).
    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Stalled-stream protection for response bodies and streaming request bodies
    /// (default: on for both, 1 B/s for 20 s).
    pub fn stalled_stream_protection(mut self, protection: StalledStreamProtection) -> Self {
        self.stalled = protection;
        self
    }

    /// The clock (default: [`TokioClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The random source for backoff jitter and invocation ids (default: seeded from
    /// the OS).
    pub fn random_source(mut self, rng: Arc<dyn RandomSource>) -> Self {
        self.rng = rng;
        self
    }

    /// An application id appended to the user agent as `app/{id}` (characters other
    /// than ASCII letters, digits and `!#$%&'*+-.^_`|~` become `-`).
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// Builds the executor.
    pub fn build(self) -> Executor {
        let mut user_agent = default_user_agent();
        if let Some(app_id) = self.app_id.as_deref().filter(|id| !id.is_empty()) {
            let token: String = app_id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            user_agent.push_str(" app/");
            user_agent.push_str(&token);
        }
        let user_agent = HeaderValue::from_str(&user_agent).unwrap_or(HeaderValue::from_static(SDK_NAME));
        let limiter = (self.retry.mode() == RetryMode::Adaptive).then(|| ClientRateLimiter::new(self.clock.now()));
        Executor {
            inner: Arc::new(Inner {
                client: self.client,
                retry: self.retry,
                quota: self.quota.unwrap_or_default(),
                limiter,
                clock: self.clock,
                rng: self.rng,
                timeouts: self.timeouts,
                stalled: self.stalled,
                user_agent,
            }),
        }
    }
}

enum Mode {
    /// Return successful responses as soon as their head arrives.
    Stream,
    /// Read every body to its end within the attempt.
    Collect,
}

enum Outcome {
    Streamed(http::Response<ResponseBody>),
    Collected(http::Response<Bytes>),
    Failed(TransportError),
}

impl Executor {
    /// An executor with the defaults over `client`.
    pub fn new(client: Arc<dyn HttpClient>) -> Self {
        Executor::builder(client).build()
    }

    /// A builder over `client`.
    pub fn builder(client: Arc<dyn HttpClient>) -> ExecutorBuilder {
        ExecutorBuilder {
            client,
            retry: RetryConfig::default(),
            quota: None,
            clock: Arc::new(TokioClock),
            rng: Arc::new(SeededRandom::from_os()),
            timeouts: TimeoutConfig::default(),
            stalled: StalledStreamProtection::default(),
            app_id: None,
        }
    }

    /// The retry configuration.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The retry quota shared by this executor's clones.
    pub fn retry_quota(&self) -> &RetryQuota {
        &self.inner.quota
    }

    /// The `adaptive` mode's rate limiter (`None` in `standard` mode).
    pub fn rate_limiter(&self) -> Option<&ClientRateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// The time limits.
    pub fn timeouts(&self) -> &TimeoutConfig {
        &self.inner.timeouts
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Sends an operation whose successful response body is a stream (event stream,
    /// server-sent events), or whose request body is one.
    ///
    /// Returns once a successful response head arrives; its body comes wrapped in
    /// stalled-stream protection and is never retried. Error responses are read
    /// whole within the attempt, retried when they should be, and otherwise returned
    /// (their body as one chunk) for the operation's parser.
    pub fn send<'a>(
        &'a self,
        op: &'a OperationInfo,
        request: http::Request<RequestBody>,
        signer: &'a dyn Signer,
    ) -> SendFuture<'a, http::Response<ResponseBody>> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            match self.execute(op, parts, body, signer, Mode::Stream).await {
                Outcome::Streamed(response) => Ok(response),
                Outcome::Collected(response) => Ok(response.map(once)),
                Outcome::Failed(error) => Err(error),
            }
        })
    }

    /// Sends an operation and reads its whole response body within each attempt, so
    /// a body that fails or stalls can still be retried (for idempotent operations).
    /// Error responses are returned once retries are over, for the operation's parser.
    pub fn send_collected<'a>(
        &'a self,
        op: &'a OperationInfo,
        request: http::Request<Bytes>,
        signer: &'a dyn Signer,
    ) -> SendFuture<'a, http::Response<Bytes>> {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            match self
                .execute(op, parts, RequestBody::Bytes(body), signer, Mode::Collect)
                .await
            {
                Outcome::Collected(response) => Ok(response),
                Outcome::Streamed(response) => {
                    // Collect mode never streams; read the body anyway rather than panic.
                    let (parts, body) = response.into_parts();
                    let body = collect(body).await.map_err(TransportError::from_body)?;
                    Ok(http::Response::from_parts(parts, body))
                }
                Outcome::Failed(error) => Err(error),
            }
        })
    }

    async fn execute(
        &self,
        op: &OperationInfo,
        parts: http::request::Parts,
        body: RequestBody,
        signer: &dyn Signer,
        mode: Mode,
    ) -> Outcome {
        let inner = &*self.inner;
        let started = inner.clock.now();
        let attempts = AtomicU32::new(1);
        let span = tracing::info_span!(
            "operation",
            service = op.service,
            operation = op.operation,
            attempts = Empty,
            status = Empty,
            request_id = Empty,
            duration_ms = Empty,
            error = Empty,
        );
        // Boxed: the loop's state is large, and `instrument` and the timeout would
        // otherwise move it around by value.
        let run = Box::pin(self.attempt_loop(op, parts, body, signer, mode, &attempts));
        let outcome = async {
            match with_timeout(&*inner.clock, inner.timeouts.operation, run).await {
                Ok(outcome) => outcome,
                Err(limit) => Outcome::Failed(
                    TransportError::timeout(TimeoutKind::Operation(limit))
                        .with_attempts(attempts.load(Ordering::Relaxed)),
                ),
            }
        }
        .instrument(span.clone())
        .await;

        span.record("attempts", attempts.load(Ordering::Relaxed));
        span.record("duration_ms", elapsed_ms(&*inner.clock, started));
        match &outcome {
            Outcome::Streamed(response) => record_response(&span, response.status(), response.headers()),
            Outcome::Collected(response) => record_response(&span, response.status(), response.headers()),
            Outcome::Failed(error) => {
                span.record("error", tracing::field::display(error));
            }
        }
        outcome
    }

    async fn attempt_loop(
        &self,
        op: &OperationInfo,
        parts: http::request::Parts,
        body: RequestBody,
        signer: &dyn Signer,
        mode: Mode,
        attempts: &AtomicU32,
    ) -> Outcome {
        let inner = &*self.inner;
        let replay = body.replayable().cloned();
        let max_attempts = if replay.is_some() {
            inner.retry.max_attempts()
        } else {
            1
        };
        let invocation_id = HeaderValue::from_str(&invocation_id(&*inner.rng)).expect("a UUID is a valid header value");
        let mut first_body = Some(body);
        // Tokens the latest retry took from the quota, given back on success.
        let mut retry_cost = None;
        let mut attempt = 1;
        loop {
            attempts.store(attempt, Ordering::Relaxed);
            if let Some(limiter) = &inner.limiter {
                while let Err(wait) = limiter.acquire(inner.clock.now()) {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "client rate limiter delays the attempt"
                    );
                    inner.clock.sleep(wait).await;
                }
            }
            let body = match first_body.take() {
                Some(body) => body,
                None => RequestBody::Bytes(replay.clone().unwrap_or_default()),
            };
            let mut request = http::Request::from_parts(parts.clone(), body);
            let headers = request.headers_mut();
            headers.insert(INVOCATION_ID, invocation_id.clone());
            headers.insert(
                SDK_REQUEST,
                HeaderValue::from_str(&format!("attempt={attempt}; max={max_attempts}"))
                    .expect("digits are a valid header value"),
            );
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, inner.user_agent.clone());
            }

            let span = tracing::debug_span!(
                "attempt",
                attempt,
                max_attempts,
                status = Empty,
                request_id = Empty,
                duration_ms = Empty,
                retry = Empty,
            );
            let attempt_started = inner.clock.now();
            let info = AttemptInfo {
                attempt,
                max_attempts,
                system_time: inner.clock.system_time(),
            };
            let outcome = Box::pin(
                async {
                    match signer.sign(&mut request, info).await {
                        Ok(()) => self.one_attempt(request, &mode).await,
                        Err(error) => Outcome::Failed(TransportError::new(TransportErrorKind::Signing, Some(error))),
                    }
                }
                .instrument(span.clone()),
            )
            .await;

            let (kind, retry_after) = match &outcome {
                Outcome::Streamed(response) => {
                    record_response(&span, response.status(), response.headers());
                    let head =
                        AttemptResponse::new(response.status(), response.headers(), None, inner.clock.system_time());
                    span.in_scope(|| signer.observe_response(&head));
                    (None, None)
                }
                Outcome::Collected(response) => {
                    record_response(&span, response.status(), response.headers());
                    let code = error_code(response);
                    let mut kind = classify_collected(op, response.status(), code.as_deref());
                    let head = AttemptResponse::new(
                        response.status(),
                        response.headers(),
                        code.as_deref(),
                        inner.clock.system_time(),
                    );
                    let corrected = span.in_scope(|| signer.observe_response(&head));
                    if corrected && kind == Some(RetryKind::NotRetryable) {
                        tracing::debug!(
                            parent: &span,
                            "the signer corrected itself after this rejection; the attempt is retried"
                        );
                        kind = Some(RetryKind::Transient);
                    }
                    (kind, retry_after(response.headers()))
                }
                Outcome::Failed(error) => {
                    span.record("status", tracing::field::debug(error.kind()));
                    (Some(classify_error(op, error)), None)
                }
            };
            span.record("duration_ms", elapsed_ms(&*inner.clock, attempt_started));
            let sent = !matches!(&outcome, Outcome::Failed(e) if e.kind() == &TransportErrorKind::Signing);
            if let (Some(limiter), true) = (&inner.limiter, sent) {
                limiter.record(inner.clock.now(), kind == Some(RetryKind::Throttling));
            }

            let Some(kind) = kind else {
                // A success: give back what the last retry took, or one token.
                inner.quota.release(retry_cost.unwrap_or(NO_RETRY_INCREMENT));
                return finish(outcome, attempt, false);
            };
            span.record("retry", kind.as_str());
            if !kind.is_retryable() || attempt >= max_attempts {
                return finish(outcome, attempt, false);
            }
            let Some(cost) = inner.quota.try_acquire(kind) else {
                tracing::debug!(attempt, "retry quota exhausted; not retrying");
                return finish(outcome, attempt, true);
            };
            retry_cost = Some(cost);
            drop(outcome);
            let delay = inner.retry.backoff(attempt, retry_after, &*inner.rng);
            tracing::debug!(
                attempt,
                retry = kind.as_str(),
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            inner.clock.sleep(delay).await;
            attempt += 1;
        }
    }

    /// One HTTP exchange, within the attempt and first-byte timeouts.
    async fn one_attempt(&self, request: http::Request<RequestBody>, mode: &Mode) -> Outcome {
        let inner = &*self.inner;
        let exchange = async {
            let (parts, body) = request.into_parts();
            let (body, mut upload) = inner.stalled.protect_upload(body, inner.clock.clone());
            let send = inner.client.send(http::Request::from_parts(parts, body));
            let send = until_upload_stalls(send, upload.as_mut());
            let response = match with_timeout(&*inner.clock, inner.timeouts.first_byte, send).await {
                Ok(Ok(Ok(response))) => response,
                Ok(Ok(Err(error))) => return Outcome::Failed(TransportError::from_client(error)),
                Ok(Err(stalled)) => return Outcome::Failed(stalled),
                Err(limit) => return Outcome::Failed(TransportError::timeout(TimeoutKind::FirstByte(limit))),
            };
            let (parts, body) = response.into_parts();
            let body = inner.stalled.protect_response(body, inner.clock.clone(), upload);
            if matches!(mode, Mode::Stream) && parts.status.is_success() {
                return Outcome::Streamed(http::Response::from_parts(parts, body));
            }
            match collect(body).await {
                Ok(bytes) => Outcome::Collected(http::Response::from_parts(parts, bytes)),
                Err(error) => Outcome::Failed(TransportError::from_body(error)),
            }
        };
        match with_timeout(&*inner.clock, inner.timeouts.attempt, exchange).await {
            Ok(outcome) => outcome,
            Err(limit) => Outcome::Failed(TransportError::timeout(TimeoutKind::Attempt(limit))),
        }
    }
}

/// The error code of an error response; `None` for a success.
fn error_code(response: &http::Response<Bytes>) -> Option<String> {
    let status = response.status();
    if status.is_success() {
        return None;
    }
    ErrorMetadata::from_response(status.as_u16(), response.headers(), response.body()).code
}

/// `None` for a success, else what kind of failure the error response is.
fn classify_collected(op: &OperationInfo, status: http::StatusCode, code: Option<&str>) -> Option<RetryKind> {
    if status.is_success() {
        return None;
    }
    let modeled = code.map(op.modeled_retry).unwrap_or_default();
    Some(classify_response(status.as_u16(), code, modeled))
}

/// What kind of failure an attempt that produced no response is.
fn classify_error(op: &OperationInfo, error: &TransportError) -> RetryKind {
    match error.kind() {
        TransportErrorKind::Connect => match error.connect_error() {
            Some(connect) if !connect.is_transient() => RetryKind::NotRetryable,
            _ => RetryKind::Transient,
        },
        TransportErrorKind::Io => RetryKind::Transient,
        TransportErrorKind::Timeout(TimeoutKind::Attempt(_) | TimeoutKind::FirstByte(_)) => RetryKind::Timeout,
        TransportErrorKind::Body if op.idempotent => RetryKind::Transient,
        TransportErrorKind::StalledStream { .. } if op.idempotent => RetryKind::Timeout,
        _ => RetryKind::NotRetryable,
    }
}

fn finish(outcome: Outcome, attempts: u32, quota_exhausted: bool) -> Outcome {
    let info = RetryInfo {
        attempts,
        quota_exhausted,
    };
    match outcome {
        Outcome::Streamed(mut response) => {
            response.extensions_mut().insert(info);
            Outcome::Streamed(response)
        }
        Outcome::Collected(mut response) => {
            response.extensions_mut().insert(info);
            Outcome::Collected(response)
        }
        Outcome::Failed(error) if quota_exhausted => {
            Outcome::Failed(TransportError::quota_exhausted(error.with_attempts(attempts)))
        }
        Outcome::Failed(error) => Outcome::Failed(error.with_attempts(attempts)),
    }
}

fn record_response(span: &tracing::Span, status: http::StatusCode, headers: &http::HeaderMap) {
    span.record("status", status.as_u16());
    if let Some(id) = REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
    {
        span.record("request_id", id);
    }
}

/// The `x-amz-retry-after` hint, in milliseconds.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_millis)
}

fn elapsed_ms(clock: &dyn Clock, since: Instant) -> u64 {
    clock.now().saturating_duration_since(since).as_millis() as u64
}

/// Runs `future`, or gives up with `Err(limit)` once `limit` passes on `clock`.
async fn with_timeout<F: Future>(clock: &dyn Clock, limit: Option<Duration>, future: F) -> Result<F::Output, Duration> {
    let Some(limit) = limit else {
        return Ok(future.await);
    };
    let mut future = pin!(future);
    let mut sleep = clock.sleep(limit);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        sleep.as_mut().poll(cx).map(|()| Err(limit))
    })
    .await
}

/// Runs `future` (sending a request), or gives up once its streaming body's
/// upload stalls.
async fn until_upload_stalls<F: Future>(
    future: F,
    mut upload: Option<&mut stalled::UploadWatch>,
) -> Result<F::Output, TransportError> {
    let mut future = pin!(future);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match upload.as_deref_mut() {
            Some(watch) => watch.poll_stalled(cx).map(Err),
            None => Poll::Pending,
        }
    })
    .await
}

/// Reads a body to its end (one chunk is returned without copying).
pub async fn collect(mut body: ResponseBody) -> Result<Bytes, BoxError> {
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    while let Some(chunk) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let chunk = chunk?;
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let mut buf = BytesMut::with_capacity(head.len() + chunk.len());
                buf.extend_from_slice(head);
                buf.extend_from_slice(&chunk);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, rest) {
        (_, Some(buf)) => buf.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    })
}

/// A body of one chunk (or none).
fn once(bytes: Bytes) -> ResponseBody {
    struct Once(Option<Bytes>);
    impl Stream for Once {
        type Item = Result<Bytes, BoxError>;
        fn poll_next(mut self: Pin<&mut Self>, _cx: &mut std::task::Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.take().filter(|b| !b.is_empty()).map(Ok))
        }
    }
    Box::pin(Once(Some(bytes)))
}

/// A random (version 4) UUID.
fn invocation_id(rng: &dyn RandomSource) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 0xf)] as char);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_ids_are_v4_uuids_from_the_random_source() {
        let id = invocation_id(&SeededRandom::new(1));
        assert_eq!(id, invocation_id(&SeededRandom::new(1)));
        assert_eq!(id.len(), 36);
        let groups: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]));
    }

    #[test]
    fn user_agent_names_the_sdk_and_version() {
        let ua = default_user_agent();
        assert!(
            ua.starts_with(&format!("bedrock-rs/{} ", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        assert!(ua.ends_with("lang/rust"));
    }

    #[test]
    fn connect_errors_are_retried_only_when_transient() {
        use crate::client::{ConnectError, ConnectErrorKind, TlsErrorKind};
        let op = OperationInfo::new("s", "o");
        let from = |kind| TransportError::from_client(Box::new(ConnectError::new(kind)));
        let refused = from(ConnectErrorKind::Refused);
        assert_eq!(refused.kind(), &TransportErrorKind::Connect);
        assert_eq!(classify_error(&op, &refused), RetryKind::Transient);
        assert_eq!(classify_error(&op, &from(ConnectErrorKind::Dns)), RetryKind::Transient);
        let bad_cert = from(ConnectErrorKind::Tls(TlsErrorKind::UnknownIssuer));
        assert_eq!(classify_error(&op, &bad_cert), RetryKind::NotRetryable);
        assert!(bad_cert.connect_error().is_some());
        let exhausted = TransportError::quota_exhausted(refused);
        assert!(exhausted.connect_error().is_some(), "found through the last error");
    }

    #[test]
    fn retry_after_is_milliseconds() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
