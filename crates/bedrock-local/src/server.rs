//! The server: configuration, the accept loop (HTTP/1.1 and prior-knowledge HTTP/2 on one port),
//! the request pipeline (request id, faults, auth, dispatch, stream faults), and the handler
//! boundary ([`Service`], [`Request`], [`Response`], [`Router`]).
//!
//! # Pipeline
//!
//! Every request gets an id from the seeded generator, then:
//!
//! 1. faults are chosen (the config's, then the `x-bedrock-local-fault` header's; `first=` and
//!    `rate=` decide per request) and recorded;
//! 2. `latency-ms` waits on the injected clock; `reset` drops the connection;
//! 3. the body is collected, unless it is a stream (`application/vnd.amazon.eventstream` or a
//!    `STREAMING-...` payload hash), which the handler reads as it arrives;
//! 4. authentication ([`crate::auth`]); a failure answers the service's 403;
//! 5. error faults (`throttle`, `status=`, `error=`) answer their error;
//! 6. the [`Service`] (by default a [`Router`]) answers; a handler that panics answers
//!    `InternalServerException` (logged as `handler-panic`);
//! 7. the body is sent with the stream faults applied (`ttfb-ms`, `truncate`, `corrupt-crc`,
//!    `stall`, `stream-exception-after`), with back-pressure: a stream is polled only as fast as
//!    the client reads.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_types::event_stream::Message;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderValue, Method, StatusCode};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::auth::{authenticate, AuthMode, AuthRequest, Identity};
use crate::clock::{Clock, RandomSource, RequestIds, SeededRandom, TokioClock};
use crate::fault::{parse_faults, Fault, FaultKind, StreamFaults, FAULT_HEADER};
use crate::wire::{self, ServiceError};

/// A boxed error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
/// A stream of body chunks.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>;
/// A stream of event-stream messages; the server frames them.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<Message, BoxError>> + Send + 'static>>;

/// The largest request body the server collects (a streaming body is not collected).
pub const MAX_REQUEST_BODY: usize = 32 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// Server configuration: a builder, and the JSON form of the `--config` file.
///
/// ```json
/// { "listen": "127.0.0.1:4000", "region": "us-east-1", "seed": 7,
///   "auth": { "mode": "verify", "credentials": { "AKIDEXAMPLE": "secret" }, "api_keys": ["ABSKtest"] },
///   "faults": ["throttle:rate=0.1"] }
/// ```
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The address to bind (default `127.0.0.1:0`, a free port on loopback).
    pub listen: SocketAddr,
    /// The region the server plays (the SigV4 scope must name it); default `us-east-1`.
    pub region: String,
    /// The seed of request ids and of `rate=` faults.
    pub seed: u64,
    /// Authentication (default [`AuthMode::Permissive`]).
    pub auth: AuthMode,
    /// Faults applied to every request (same grammar as the header).
    pub faults: Vec<Fault>,
    /// How many log entries are kept (the oldest are dropped); default 10 000.
    pub log_capacity: usize,
    /// How long shutdown waits for open connections before closing them, in milliseconds.
    pub shutdown_grace_ms: u64,
    #[serde(skip)]
    clock: Option<Arc<dyn Clock>>,
    #[serde(skip)]
    service: Option<Arc<dyn Service>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            region: "us-east-1".into(),
            seed: 0,
            auth: AuthMode::default(),
            faults: Vec::new(),
            log_capacity: 10_000,
            shutdown_grace_ms: 1_000,
            clock: None,
            service: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("region", &self.region)
            .field("seed", &self.seed)
            .field("auth", &self.auth)
            .field(
                "faults",
                &self.faults.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(),
            )
            .field("log_capacity", &self.log_capacity)
            .field("custom_clock", &self.clock.is_some())
            .field("custom_service", &self.service.is_some())
            .finish()
    }
}

/// A configuration file could not be read or parsed.
#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The defaults: loopback, a free port, `us-east-1`, seed 0, permissive auth, no faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the JSON form.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError(format!("invalid configuration: {e}")))
    }

    /// Reads and parses a JSON configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Self::from_json(&text)
    }

    /// Binds this address.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Binds this port on the configured address.
    pub fn port(mut self, port: u16) -> Self {
        self.listen.set_port(port);
        self
    }

    /// Plays this region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Seeds request ids and `rate=` faults.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the auth mode.
    pub fn auth(mut self, auth: AuthMode) -> Self {
        self.auth = auth;
        self
    }

    /// Adds a fault applied to every request.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Adds faults written in the header grammar.
    pub fn faults_str(mut self, text: &str) -> Result<Self, crate::fault::FaultParseError> {
        self.faults.extend(parse_faults(text)?);
        Ok(self)
    }

    /// Uses this clock for latency, stalls and signature dates (default: tokio's time and the
    /// system's wall clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Uses this clock (shared).
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Answers requests with this service (default: the full emulator,
    /// [`crate::service::Emulator`], on this config's region, seed and clock).
    pub fn service(mut self, service: impl Service) -> Self {
        self.service = Some(Arc::new(service));
        self
    }

    /// Keeps this many log entries.
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// A request body: collected bytes, or (for streaming operations) the body as it arrives.
///
/// It is a [`Stream`] of chunks either way; [`RequestBody::collect`] gathers it;
/// [`RequestBody::into_messages`] decodes it as an event stream.
pub struct RequestBody {
    inner: RequestBodyInner,
}

enum RequestBodyInner {
    Full(Option<Bytes>),
    Incoming(Incoming),
}

impl RequestBody {
    /// A collected body.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        RequestBody {
            inner: RequestBodyInner::Full(Some(bytes.into())),
        }
    }

    /// The bytes, if the body was collected (and not yet read as a stream).
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            RequestBodyInner::Full(bytes) => bytes.as_ref(),
            RequestBodyInner::Incoming(_) => None,
        }
    }

    /// Reads the whole body (up to [`MAX_REQUEST_BODY`]).
    pub async fn collect(mut self) -> Result<Bytes, BoxError> {
        if let RequestBodyInner::Full(bytes) = &mut self.inner {
            return Ok(bytes.take().unwrap_or_default());
        }
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            if out.len() + chunk.len() > MAX_REQUEST_BODY {
                return Err("request body is over the size limit".into());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }

    /// Decodes the body as an event stream (the input of the bidirectional operation), message
    /// by message as the frames arrive.
    pub fn into_messages(self) -> bedrock_transport::event_stream::MessageStream<RequestBody> {
        bedrock_transport::event_stream::MessageStream::new(self)
    }
}

impl Stream for RequestBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match &mut self.inner {
            RequestBodyInner::Full(bytes) => Poll::Ready(bytes.take().map(Ok)),
            RequestBodyInner::Incoming(incoming) => loop {
                match Pin::new(&mut *incoming).poll_frame(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            return Poll::Ready(Some(Ok(data)));
                        }
                    }
                }
            },
        }
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            RequestBodyInner::Full(Some(b)) => write!(f, "RequestBody({} bytes)", b.len()),
            RequestBodyInner::Full(None) => f.write_str("RequestBody(read)"),
            RequestBodyInner::Incoming(_) => f.write_str("RequestBody(streaming)"),
        }
    }
}

/// What the server knows about a request beyond its HTTP form.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The id sent back in `x-amzn-requestid`.
    pub request_id: String,
    /// Who the request was authenticated as.
    pub identity: Identity,
    /// The region the server plays.
    pub region: String,
    /// The operation, once a [`Router`] has matched it.
    pub operation: Option<String>,
    /// The path labels the route matched (percent-decoded), e.g. `modelId`.
    pub path_params: Vec<(String, String)>,
}

/// A request as a [`Service`] sees it.
#[derive(Debug)]
pub struct Request {
    /// Method, URI, headers.
    pub parts: http::request::Parts,
    /// The body.
    pub body: RequestBody,
    /// Request id, identity, operation, path labels.
    pub context: RequestContext,
}

impl Request {
    /// A request with a collected body, as the server would build it (for unit-testing handlers).
    pub fn from_http(request: http::Request<Bytes>, request_id: impl Into<String>) -> Self {
        let (parts, body) = request.into_parts();
        Request {
            parts,
            body: RequestBody::from_bytes(body),
            context: RequestContext {
                request_id: request_id.into(),
                identity: Identity::Anonymous,
                region: "us-east-1".into(),
                operation: None,
                path_params: Vec::new(),
            },
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The URI (path and query).
    pub fn uri(&self) -> &http::Uri {
        &self.parts.uri
    }

    /// The headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.parts.headers
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.context.request_id
    }

    /// The operation the router matched.
    pub fn operation(&self) -> Option<&str> {
        self.context.operation.as_deref()
    }

    /// A path label the router matched (percent-decoded).
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.context
            .path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Converts the request into an `http::Request` with the collected body.
    pub async fn into_http(self) -> Result<http::Request<Bytes>, BoxError> {
        let body = self.body.collect().await?;
        Ok(http::Request::from_parts(self.parts, body))
    }
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// A response body.
pub enum ResponseBody {
    /// The whole body (sent with `content-length`).
    Bytes(Bytes),
    /// Chunks, sent as they come (chunked in HTTP/1.1).
    Stream(ByteStream),
    /// Event-stream messages; the server frames each one with
    /// `bedrock_transport::event_stream::encode` and applies the stream faults frame by frame.
    Events(EventStream),
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseBody::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            ResponseBody::Stream(_) => f.write_str("Stream"),
            ResponseBody::Events(_) => f.write_str("Events"),
        }
    }
}

/// The operation a [`Router`] matched, carried in the response's extensions for the log.
#[derive(Debug, Clone)]
pub struct OperationName(pub String);

/// A response from a [`Service`].
#[derive(Debug)]
pub struct Response {
    /// Status, headers, extensions.
    pub parts: http::response::Parts,
    /// The body.
    pub body: ResponseBody,
    /// Stream faults the handler asks for (merged with the request's).
    pub faults: Vec<Fault>,
}

impl Response {
    /// A response with a status and a body and no headers.
    pub fn new(status: StatusCode, body: ResponseBody) -> Self {
        let (mut parts, ()) = http::Response::new(()).into_parts();
        parts.status = status;
        Response {
            parts,
            body,
            faults: Vec::new(),
        }
    }

    /// A JSON response (`content-type: application/json`).
    pub fn json(status: StatusCode, body: impl Into<Bytes>) -> Self {
        wire::json_response(status, body).into()
    }

    /// A 200 event stream (`content-type: application/vnd.amazon.eventstream`): each message
    /// becomes one frame, sent when the client is ready for it.
    pub fn events(stream: impl Stream<Item = Result<Message, BoxError>> + Send + 'static) -> Self {
        Response::new(StatusCode::OK, ResponseBody::Events(Box::pin(stream)))
            .with_header(http::header::CONTENT_TYPE, HeaderValue::from_static(wire::EVENT_STREAM))
    }

    /// A 200 streamed body of this content type.
    pub fn stream(
        content_type: &'static str,
        stream: impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static,
    ) -> Self {
        Response::new(StatusCode::OK, ResponseBody::Stream(Box::pin(stream)))
            .with_header(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type))
    }

    /// Sets a header.
    pub fn with_header(mut self, name: http::header::HeaderName, value: HeaderValue) -> Self {
        self.parts.headers.insert(name, value);
        self
    }

    /// Asks the server to apply a stream fault to this response's body (e.g. a handler that
    /// simulates a model failing mid-stream: `stream-exception-after=2:type=modelStreamErrorException`).
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.parts.status
    }
}

impl From<http::Response<Bytes>> for Response {
    fn from(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        Response {
            parts,
            body: ResponseBody::Bytes(body),
            faults: Vec::new(),
        }
    }
}

impl From<ServiceError> for Response {
    fn from(error: ServiceError) -> Self {
        error.to_response().into()
    }
}

/// The sending half of [`event_channel`].
#[derive(Debug, Clone)]
pub struct EventSender {
    tx: mpsc::Sender<Result<Message, BoxError>>,
}

/// The client has gone away (or the response was dropped); nothing more can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event stream's receiver is closed")
    }
}

impl std::error::Error for Closed {}

impl EventSender {
    /// Sends one message; waits while the channel is full (the client has not read yet).
    pub async fn send(&self, message: Message) -> Result<(), Closed> {
        self.tx.send(Ok(message)).await.map_err(|_| Closed)
    }

    /// Ends the stream with an error: the connection is aborted (no exception frame; for that,
    /// send [`ServiceError::to_exception_message`]).
    pub async fn abort(&self, error: BoxError) -> Result<(), Closed> {
        self.tx.send(Err(error)).await.map_err(|_| Closed)
    }
}

/// The receiving half of [`event_channel`]: a stream for [`Response::events`].
#[derive(Debug)]
pub struct EventReceiver {
    rx: mpsc::Receiver<Result<Message, BoxError>>,
}

impl Stream for EventReceiver {
    type Item = Result<Message, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

/// A bounded channel of event-stream messages, for a handler that produces events from a task:
/// `let (tx, rx) = event_channel(1); spawn(produce(tx)); Response::events(rx)`. The stream ends
/// when every sender is dropped.
pub fn event_channel(capacity: usize) -> (EventSender, EventReceiver) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (EventSender { tx }, EventReceiver { rx })
}

// ---------------------------------------------------------------------------------------------
// Services and routing
// ---------------------------------------------------------------------------------------------

/// The handler boundary: something that answers requests.
///
/// Implemented for closures `Fn(Request) -> impl Future<Output = Response>`.
pub trait Service: Send + Sync + 'static {
    /// Answers one request.
    fn call(&self, request: Request) -> BoxFuture<Response>;
}

impl<F, Fut> Service for F
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn call(&self, request: Request) -> BoxFuture<Response> {
        Box::pin(self(request))
    }
}

/// Answers every request with `UnknownOperationException` (404), in the OpenAI or Anthropic
/// error shape on the mantle prefixes ([`wire::error_for_path`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnknownOperation;

impl Service for UnknownOperation {
    fn call(&self, request: Request) -> BoxFuture<Response> {
        let response = wire::error_for_path(request.uri().path(), &ServiceError::unknown_operation());
        Box::pin(async move { response.into() })
    }
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Label(String),
    Greedy(String),
}

struct Route {
    method: Method,
    segments: Vec<Segment>,
    operation: String,
    service: Arc<dyn Service>,
}

/// The Bedrock Runtime operations: name, method, path pattern (`{label}`, `{label+}` greedy).
pub const RUNTIME_OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "ApplyGuardrail",
        "POST",
        "/guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply",
    ),
    ("Converse", "POST", "/model/{modelId}/converse"),
    ("ConverseStream", "POST", "/model/{modelId}/converse-stream"),
    ("CountTokens", "POST", "/model/{modelId}/count-tokens"),
    ("GetAsyncInvoke", "GET", "/async-invoke/{invocationArn}"),
    ("InvokeGuardrailChecks", "POST", "/guardrail-checks/invoke"),
    ("InvokeModel", "POST", "/model/{modelId}/invoke"),
    (
        "InvokeModelWithBidirectionalStream",
        "POST",
        "/model/{modelId}/invoke-with-bidirectional-stream",
    ),
    (
        "InvokeModelWithResponseStream",
        "POST",
        "/model/{modelId}/invoke-with-response-stream",
    ),
    ("ListAsyncInvokes", "GET", "/async-invoke"),
    ("StartAsyncInvoke", "POST", "/async-invoke"),
];

/// The Bedrock control-plane operations (`bedrock` 2023-04-20): name, method, path pattern.
/// Copied from botocore's service model (see `specs/specs.lock`); a test compares it with the
/// model when `specs/cache` is present.
pub const CONTROL_OPERATIONS: &[(&str, &str, &str)] = &[
    ("BatchDeleteAdvancedPromptOptimizationJob", "POST", "/advanced-prompt-optimization-job/batch-delete"),
    ("BatchDeleteEvaluationJob", "POST", "/evaluation-jobs/batch-delete"),
    ("CancelAutomatedReasoningPolicyBuildWorkflow", "POST", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/cancel"),
    ("CreateAdvancedPromptOptimizationJob", "POST", "/advanced-prompt-optimization-jobs"),
    ("CreateAutomatedReasoningPolicy", "POST", "/automated-reasoning-policies"),
    ("CreateAutomatedReasoningPolicyTestCase", "POST", "/automated-reasoning-policies/{policyArn}/test-cases"),
    ("CreateAutomatedReasoningPolicyVersion", "POST", "/automated-reasoning-policies/{policyArn}/versions"),
    ("CreateCustomModel", "POST", "/custom-models/create-custom-model"),
    ("CreateCustomModelDeployment", "POST", "/model-customization/custom-model-deployments"),
    ("CreateEvaluationJob", "POST", "/evaluation-jobs"),
    ("CreateFoundationModelAgreement", "POST", "/create-foundation-model-agreement"),
    ("CreateGuardrail", "POST", "/guardrails"),
    ("CreateGuardrailVersion", "POST", "/guardrails/{guardrailIdentifier}"),
    ("CreateInferenceProfile", "POST", "/inference-profiles"),
    ("CreateMarketplaceModelEndpoint", "POST", "/marketplace-model/endpoints"),
    ("CreateModelCopyJob", "POST", "/model-copy-jobs"),
    ("CreateModelCustomizationJob", "POST", "/model-customization-jobs"),
    ("CreateModelImportJob", "POST", "/model-import-jobs"),
    ("CreateModelInvocationJob", "POST", "/model-invocation-job"),
    ("CreatePromptRouter", "POST", "/prompt-routers"),
    ("CreateProvisionedModelThroughput", "POST", "/provisioned-model-throughput"),
    ("DeleteAutomatedReasoningPolicy", "DELETE", "/automated-reasoning-policies/{policyArn}"),
    ("DeleteAutomatedReasoningPolicyBuildWorkflow", "DELETE", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}"),
    ("DeleteAutomatedReasoningPolicyTestCase", "DELETE", "/automated-reasoning-policies/{policyArn}/test-cases/{testCaseId}"),
    ("DeleteCustomModel", "DELETE", "/custom-models/{modelIdentifier}"),
    ("DeleteCustomModelDeployment", "DELETE", "/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}"),
    ("DeleteEnforcedGuardrailConfiguration", "DELETE", "/enforcedGuardrailsConfiguration/{configId}"),
    ("DeleteFoundationModelAgreement", "POST", "/delete-foundation-model-agreement"),
    ("DeleteGuardrail", "DELETE", "/guardrails/{guardrailIdentifier}"),
    ("DeleteImportedModel", "DELETE", "/imported-models/{modelIdentifier}"),
    ("DeleteInferenceProfile", "DELETE", "/inference-profiles/{inferenceProfileIdentifier}"),
    ("DeleteMarketplaceModelEndpoint", "DELETE", "/marketplace-model/endpoints/{endpointArn}"),
    ("DeleteModelInvocationLoggingConfiguration", "DELETE", "/logging/modelinvocations"),
    ("DeletePromptRouter", "DELETE", "/prompt-routers/{promptRouterArn}"),
    ("DeleteProvisionedModelThroughput", "DELETE", "/provisioned-model-throughput/{provisionedModelId}"),
    ("DeleteResourcePolicy", "DELETE", "/resource-policy/{resourceArn}"),
    ("DeregisterMarketplaceModelEndpoint", "DELETE", "/marketplace-model/endpoints/{endpointArn}/registration"),
    ("ExportAutomatedReasoningPolicyVersion", "GET", "/automated-reasoning-policies/{policyArn}/export"),
    ("GetAccountDataRetention", "GET", "/data-retention"),
    ("GetAdvancedPromptOptimizationJob", "GET", "/advanced-prompt-optimization-jobs/{jobIdentifier}"),
    ("GetAutomatedReasoningPolicy", "GET", "/automated-reasoning-policies/{policyArn}"),
    ("GetAutomatedReasoningPolicyAnnotations", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/annotations"),
    ("GetAutomatedReasoningPolicyBuildWorkflow", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}"),
    ("GetAutomatedReasoningPolicyBuildWorkflowResultAssets", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/result-assets"),
    ("GetAutomatedReasoningPolicyNextScenario", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/scenarios"),
    ("GetAutomatedReasoningPolicyTestCase", "GET", "/automated-reasoning-policies/{policyArn}/test-cases/{testCaseId}"),
    ("GetAutomatedReasoningPolicyTestResult", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/test-cases/{testCaseId}/test-results"),
    ("GetCustomModel", "GET", "/custom-models/{modelIdentifier}"),
    ("GetCustomModelDeployment", "GET", "/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}"),
    ("GetEvaluationJob", "GET", "/evaluation-jobs/{jobIdentifier}"),
    ("GetFoundationModel", "GET", "/foundation-models/{modelIdentifier}"),
    ("GetFoundationModelAvailability", "GET", "/foundation-model-availability/{modelId}"),
    ("GetGuardrail", "GET", "/guardrails/{guardrailIdentifier}"),
    ("GetImportedModel", "GET", "/imported-models/{modelIdentifier}"),
    ("GetInferenceProfile", "GET", "/inference-profiles/{inferenceProfileIdentifier}"),
    ("GetMarketplaceModelEndpoint", "GET", "/marketplace-model/endpoints/{endpointArn}"),
    ("GetModelCopyJob", "GET", "/model-copy-jobs/{jobArn}"),
    ("GetModelCustomizationJob", "GET", "/model-customization-jobs/{jobIdentifier}"),
    ("GetModelImportJob", "GET", "/model-import-jobs/{jobIdentifier}"),
    ("GetModelInvocationJob", "GET", "/model-invocation-job/{jobIdentifier}"),
    ("GetModelInvocationLoggingConfiguration", "GET", "/logging/modelinvocations"),
    ("GetPromptRouter", "GET", "/prompt-routers/{promptRouterArn}"),
    ("GetProvisionedModelThroughput", "GET", "/provisioned-model-throughput/{provisionedModelId}"),
    ("GetResourcePolicy", "GET", "/resource-policy/{resourceArn}"),
    ("GetUseCaseForModelAccess", "GET", "/use-case-for-model-access"),
    ("ListAdvancedPromptOptimizationJobs", "GET", "/advanced-prompt-optimization-jobs"),
    ("ListAutomatedReasoningPolicies", "GET", "/automated-reasoning-policies"),
    ("ListAutomatedReasoningPolicyBuildWorkflows", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows"),
    ("ListAutomatedReasoningPolicyTestCases", "GET", "/automated-reasoning-policies/{policyArn}/test-cases"),
    ("ListAutomatedReasoningPolicyTestResults", "GET", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/test-results"),
    ("ListCustomModelDeployments", "GET", "/model-customization/custom-model-deployments"),
    ("ListCustomModels", "GET", "/custom-models"),
    ("ListEnforcedGuardrailsConfiguration", "GET", "/enforcedGuardrailsConfiguration"),
    ("ListEvaluationJobs", "GET", "/evaluation-jobs"),
    ("ListFoundationModelAgreementOffers", "GET", "/list-foundation-model-agreement-offers/{modelId}"),
    ("ListFoundationModels", "GET", "/foundation-models"),
    ("ListGuardrails", "GET", "/guardrails"),
    ("ListImportedModels", "GET", "/imported-models"),
    ("ListInferenceProfiles", "GET", "/inference-profiles"),
    ("ListMarketplaceModelEndpoints", "GET", "/marketplace-model/endpoints"),
    ("ListModelCopyJobs", "GET", "/model-copy-jobs"),
    ("ListModelCustomizationJobs", "GET", "/model-customization-jobs"),
    ("ListModelImportJobs", "GET", "/model-import-jobs"),
    ("ListModelInvocationJobs", "GET", "/model-invocation-jobs"),
    ("ListPromptRouters", "GET", "/prompt-routers"),
    ("ListProvisionedModelThroughputs", "GET", "/provisioned-model-throughputs"),
    ("ListTagsForResource", "POST", "/listTagsForResource"),
    ("PutAccountDataRetention", "PUT", "/data-retention"),
    ("PutEnforcedGuardrailConfiguration", "PUT", "/enforcedGuardrailsConfiguration"),
    ("PutModelInvocationLoggingConfiguration", "PUT", "/logging/modelinvocations"),
    ("PutResourcePolicy", "POST", "/resource-policy"),
    ("PutUseCaseForModelAccess", "POST", "/use-case-for-model-access"),
    ("RegisterMarketplaceModelEndpoint", "POST", "/marketplace-model/endpoints/{endpointIdentifier}/registration"),
    ("StartAutomatedReasoningPolicyBuildWorkflow", "POST", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowType}/start"),
    ("StartAutomatedReasoningPolicyTestWorkflow", "POST", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/test-workflows"),
    ("StopAdvancedPromptOptimizationJob", "POST", "/advanced-prompt-optimization-jobs/{jobIdentifier}/stop"),
    ("StopEvaluationJob", "POST", "/evaluation-job/{jobIdentifier}/stop"),
    ("StopModelCustomizationJob", "POST", "/model-customization-jobs/{jobIdentifier}/stop"),
    ("StopModelInvocationJob", "POST", "/model-invocation-job/{jobIdentifier}/stop"),
    ("TagResource", "POST", "/tagResource"),
    ("UntagResource", "POST", "/untagResource"),
    ("UpdateAutomatedReasoningPolicy", "PATCH", "/automated-reasoning-policies/{policyArn}"),
    ("UpdateAutomatedReasoningPolicyAnnotations", "PATCH", "/automated-reasoning-policies/{policyArn}/build-workflows/{buildWorkflowId}/annotations"),
    ("UpdateAutomatedReasoningPolicyTestCase", "PATCH", "/automated-reasoning-policies/{policyArn}/test-cases/{testCaseId}"),
    ("UpdateCustomModelDeployment", "PATCH", "/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}"),
    ("UpdateGuardrail", "PUT", "/guardrails/{guardrailIdentifier}"),
    ("UpdateMarketplaceModelEndpoint", "PATCH", "/marketplace-model/endpoints/{endpointArn}"),
    ("UpdateProvisionedModelThroughput", "PATCH", "/provisioned-model-throughput/{provisionedModelId}"),
];

/// A route's pattern or operation name is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(pub String);

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RouteError {}

/// Dispatches requests by method and path to the service registered for the operation; any
/// host name is accepted, so one port serves the runtime, the control plane and mantle.
/// Unmatched requests go to the fallback ([`UnknownOperation`] unless set).
pub struct Router {
    routes: Vec<Route>,
    fallback: Arc<dyn Service>,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            routes: Vec::new(),
            fallback: Arc::new(UnknownOperation),
        }
    }
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.routes.iter().map(|r| (&r.operation, r.method.as_str())))
            .finish()
    }
}

impl Router {
    /// A router with no routes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `service` for `operation` at `method` + `pattern` (e.g.
    /// `/model/{modelId}/converse`; `{name+}` matches the rest of the path).
    pub fn route(
        mut self,
        method: Method,
        pattern: &str,
        operation: impl Into<String>,
        service: impl Service,
    ) -> Result<Self, RouteError> {
        let segments = parse_pattern(pattern)?;
        self.routes.push(Route {
            method,
            segments,
            operation: operation.into(),
            service: Arc::new(service),
        });
        Ok(self)
    }

    /// Registers `service` for a Bedrock operation by name: a runtime operation
    /// ([`RUNTIME_OPERATIONS`]) or a control-plane one ([`CONTROL_OPERATIONS`]); no name is in both.
    pub fn operation(self, name: &str, service: impl Service) -> Result<Self, RouteError> {
        let (_, method, pattern) = RUNTIME_OPERATIONS
            .iter()
            .chain(CONTROL_OPERATIONS)
            .find(|(n, _, _)| *n == name)
            .ok_or_else(|| RouteError(format!("unknown operation {name}")))?;
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| RouteError(e.to_string()))?;
        self.route(method, pattern, name, service)
    }

    /// Answers unmatched requests with `service`.
    pub fn fallback(mut self, service: impl Service) -> Self {
        self.fallback = Arc::new(service);
        self
    }

    /// The operation and path labels a request would be routed to.
    pub fn match_path(&self, method: &Method, path: &str) -> Option<(&str, Vec<(String, String)>)> {
        self.find(method, path)
            .map(|(route, params)| (route.operation.as_str(), params))
    }

    fn find(&self, method: &Method, path: &str) -> Option<(&Route, Vec<(String, String)>)> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|r| r.method == method)
            .find_map(|route| match_segments(&route.segments, &segments).map(|params| (route, params)))
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, RouteError> {
    let bad = || RouteError(format!("invalid route pattern {pattern}"));
    let rest = pattern.strip_prefix('/').ok_or_else(bad)?;
    rest.split('/')
        .map(|segment| {
            if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                match inner.strip_suffix('+') {
                    Some(name) if !name.is_empty() => Ok(Segment::Greedy(name.to_owned())),
                    None if !inner.is_empty() => Ok(Segment::Label(inner.to_owned())),
                    _ => Err(bad()),
                }
            } else if segment.contains(['{', '}']) {
                Err(bad())
            } else {
                Ok(Segment::Literal(segment.to_owned()))
            }
        })
        .collect()
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn match_segments(pattern: &[Segment], path: &[&str]) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for (i, segment) in pattern.iter().enumerate() {
        match segment {
            Segment::Literal(lit) => {
                if path.get(i)? != lit {
                    return None;
                }
            }
            Segment::Label(name) => {
                let value = path.get(i)?;
                if value.is_empty() {
                    return None;
                }
                params.push((name.clone(), decode(value)));
            }
            Segment::Greedy(name) => {
                let rest = path.get(i..)?.join("/");
                if rest.is_empty() || i + 1 != pattern.len() {
                    return None;
                }
                params.push((name.clone(), decode(&rest)));
                return Some(params);
            }
        }
    }
    (path.len() == pattern.len()).then_some(params)
}

impl Service for Router {
    fn call(&self, mut request: Request) -> BoxFuture<Response> {
        match self.find(&request.parts.method, request.parts.uri.path()) {
            Some((route, params)) => {
                let operation = route.operation.clone();
                request.context.operation = Some(operation.clone());
                request.context.path_params = params;
                let future = route.service.call(request);
                Box::pin(async move {
                    let mut response = future.await;
                    response.parts.extensions.insert(OperationName(operation));
                    response
                })
            }
            None => self.fallback.call(request),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stats and log
// ---------------------------------------------------------------------------------------------

/// Counters since the server started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Connections accepted.
    pub connections: u64,
    /// Requests received.
    pub requests: u64,
    /// Responses by status code.
    pub responses: BTreeMap<u16, u64>,
    /// Requests refused by authentication.
    pub auth_failures: u64,
    /// Faults applied, by kind (`throttle`, `reset`, ...).
    pub faults: BTreeMap<String, u64>,
}

/// One request as the server saw it. Holds no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogEntry {
    /// The request id.
    pub request_id: String,
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The operation, if a route matched.
    pub operation: Option<String>,
    /// Who the request was authenticated as (`sigv4:AKID`, `api-key:...abcd`).
    pub identity: Option<String>,
    /// The status sent; `None` when the connection was reset instead.
    pub status: Option<u16>,
    /// The error type sent, if any.
    pub error_type: Option<String>,
    /// Why authentication failed, if it did.
    pub auth_failure: Option<String>,
    /// The faults applied (their text).
    pub faults: Vec<String>,
}

struct Shared {
    region: String,
    auth: AuthMode,
    faults: Vec<Fault>,
    log_capacity: usize,
    clock: Arc<dyn Clock>,
    service: Arc<dyn Service>,
    ids: RequestIds,
    random: SeededRandom,
    counters: Mutex<HashMap<String, u64>>,
    stats: Mutex<Stats>,
    log: Mutex<std::collections::VecDeque<LogEntry>>,
    shutdown: watch::Receiver<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Whether a fault applies to this request (its `rate=` draw and `first=` budget).
    fn triggers(&self, fault: &Fault) -> bool {
        if let Some(rate) = fault.rate {
            if self.random.next_f64() >= rate {
                return false;
            }
        }
        if let Some(first) = fault.first {
            let mut counters = lock(&self.counters);
            let count = counters.entry(fault.text.clone()).or_insert(0);
            if *count >= first {
                return false;
            }
            *count += 1;
        }
        true
    }

    fn record(&self, entry: LogEntry) {
        {
            let mut stats = lock(&self.stats);
            if let Some(status) = entry.status {
                *stats.responses.entry(status).or_insert(0) += 1;
            }
            if entry.auth_failure.is_some() {
                stats.auth_failures += 1;
            }
        }
        let mut log = lock(&self.log);
        if self.log_capacity == 0 {
            return;
        }
        while log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(entry);
    }

    fn count_fault(&self, kind: &str) {
        *lock(&self.stats).faults.entry(kind.to_owned()).or_insert(0) += 1;
    }
}

// ---------------------------------------------------------------------------------------------
// Start, handle, shutdown
// ---------------------------------------------------------------------------------------------

/// The server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// Binding the address failed.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } => Some(source),
        }
    }
}

/// A running server. Dropping it shuts the server down (without waiting).
pub struct Handle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("addr", &self.addr).finish()
    }
}

impl Handle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }

    /// The recorded requests, oldest first.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Forgets how many requests each `first=N` fault has hit, so they fire again.
    pub fn reset_fault_counters(&self) {
        lock(&self.shared.counters).clear();
    }

    /// Empties the log (the stats are kept).
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Stops accepting, lets open connections finish their requests (up to the configured grace
    /// period; stalled streams are ended), and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Starts a server; it runs on the current tokio runtime until [`Handle::shutdown`] or the
/// handle is dropped.
pub async fn start(config: Config) -> Result<Handle, StartError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let clock: Arc<dyn Clock> = config.clock.unwrap_or_else(|| Arc::new(TokioClock));
    let service = config.service.unwrap_or_else(|| {
        let emulator = crate::service::Emulator::new(&config.region, config.seed, clock.clone());
        Arc::new(emulator.router())
    });
    let shared = Arc::new(Shared {
        region: config.region,
        auth: config.auth,
        faults: config.faults,
        log_capacity: config.log_capacity,
        clock,
        service,
        ids: RequestIds::new(config.seed),
        random: SeededRandom::new(config.seed ^ 0x5EED_FA17),
        counters: Mutex::new(HashMap::new()),
        stats: Mutex::new(Stats::default()),
        log: Mutex::new(Default::default()),
        shutdown: shutdown_rx.clone(),
    });
    let grace = Duration::from_millis(config.shutdown_grace_ms);
    let task = tokio::spawn(accept_loop(listener, shared.clone(), shutdown_rx, grace));
    Ok(Handle {
        addr,
        shared,
        shutdown: shutdown_tx,
        task: Some(task),
    })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>, grace: Duration) {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                lock(&shared.stats).connections += 1;
                let shared = shared.clone();
                let service = hyper::service::service_fn(move |request| handle_request(shared.clone(), request));
                let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let watched = graceful.watch(connection);
                connections.spawn(async move {
                    let _ = watched.await;
                });
            }
            _ = stopped(&mut shutdown) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    connections.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The request pipeline
// ---------------------------------------------------------------------------------------------

fn is_streaming_request(headers: &http::HeaderMap) -> bool {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let payload_hash = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    content_type.starts_with(wire::EVENT_STREAM) || payload_hash.starts_with("STREAMING-")
}

async fn handle_request(
    shared: Arc<Shared>,
    request: http::Request<Incoming>,
) -> Result<http::Response<OutBody>, BoxError> {
    let request_id = shared.ids.next_id();
    lock(&shared.stats).requests += 1;
    let (parts, incoming) = request.into_parts();
    let mut entry = LogEntry {
        request_id: request_id.clone(),
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        operation: None,
        identity: None,
        status: None,
        error_type: None,
        auth_failure: None,
        faults: Vec::new(),
    };

    // 1. Faults.
    let mut faults: Vec<Fault> = shared.faults.clone();
    if let Some(value) = parts.headers.get(FAULT_HEADER) {
        let parsed = value
            .to_str()
            .map_err(|_| format!("{FAULT_HEADER} is not visible ASCII"))
            .and_then(|text| parse_faults(text).map_err(|e| e.to_string()));
        match parsed {
            Ok(list) => faults.extend(list),
            Err(message) => {
                let error = ServiceError::validation(message);
                let response = wire::error_for_path(parts.uri.path(), &error).into();
                return Ok(finish(&shared, entry, response, StreamFaults::default()));
            }
        }
    }
    let active: Vec<Fault> = faults.into_iter().filter(|f| shared.triggers(f)).collect();
    for fault in &active {
        entry.faults.push(fault.text.clone());
        shared.count_fault(fault.kind.name());
    }

    // 2. Latency and reset.
    for fault in &active {
        if let FaultKind::Latency(delay) = fault.kind {
            shared.clock.sleep(delay).await;
        }
    }
    if active.iter().any(|f| f.kind == FaultKind::Reset) {
        shared.record(entry);
        return Err("injected fault: connection reset".into());
    }

    // 3. Body.
    let body = if is_streaming_request(&parts.headers) {
        RequestBody {
            inner: RequestBodyInner::Incoming(incoming),
        }
    } else {
        let streaming = RequestBody {
            inner: RequestBodyInner::Incoming(incoming),
        };
        match streaming.collect().await {
            Ok(bytes) => RequestBody::from_bytes(bytes),
            Err(_) => {
                // The client went away or sent too much: nothing sensible to answer.
                let response = ServiceError::validation("The request body could not be read.").into();
                return Ok(finish(&shared, entry, response, StreamFaults::default()));
            }
        }
    };

    // 4. Auth.
    let now = shared.clock.system_time();
    let identity = match authenticate(
        &shared.auth,
        &shared.region,
        now,
        &AuthRequest {
            parts: &parts,
            body: body.bytes(),
        },
    ) {
        Ok(identity) => identity,
        Err(failure) => {
            entry.auth_failure = Some(failure.detail);
            let response = wire::error_for_path(parts.uri.path(), &failure.error).into();
            return Ok(finish(&shared, entry, response, StreamFaults::default()));
        }
    };
    entry.identity = Some(identity.to_string());

    // 5. Error faults.
    if let Some(error) = active.iter().find_map(Fault::error) {
        let response = wire::error_for_path(parts.uri.path(), &error).into();
        return Ok(finish(&shared, entry, response, StreamFaults::default()));
    }

    // 6. The service.
    let request = Request {
        parts,
        body,
        context: RequestContext {
            request_id,
            identity,
            region: shared.region.clone(),
            operation: None,
            path_params: Vec::new(),
        },
    };
    // A handler that panics answers InternalServerException instead of killing the connection.
    let call = std::panic::AssertUnwindSafe(shared.service.call(request));
    let mut response = match futures_util::FutureExt::catch_unwind(call).await {
        Ok(response) => response,
        Err(_) => {
            entry.faults.push("handler-panic".into());
            ServiceError::internal().into()
        }
    };

    // 7. Stream faults.
    let mut stream_faults = StreamFaults::default();
    for fault in &active {
        stream_faults.add(fault);
    }
    for fault in std::mem::take(&mut response.faults) {
        if stream_faults.add(&fault) {
            entry.faults.push(fault.text.clone());
            shared.count_fault(fault.kind.name());
        }
    }
    Ok(finish(&shared, entry, response, stream_faults))
}

/// Adds the request id, records the log entry, and turns the body into what hyper sends.
fn finish(
    shared: &Arc<Shared>,
    mut entry: LogEntry,
    response: Response,
    faults: StreamFaults,
) -> http::Response<OutBody> {
    let Response { mut parts, body, .. } = response;
    let request_path = entry.path.split('?').next().unwrap_or_default().to_owned();
    if !parts.headers.contains_key(wire::REQUEST_ID) {
        if let Ok(value) = HeaderValue::from_str(&entry.request_id) {
            parts.headers.insert(wire::REQUEST_ID, value);
        }
    }
    entry.status = Some(parts.status.as_u16());
    entry.error_type = parts
        .headers
        .get(wire::ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned());
    entry.operation = parts.extensions.get::<OperationName>().map(|o| o.0.clone());
    shared.record(entry);

    let body = match body {
        ResponseBody::Bytes(bytes) if faults.is_empty() => OutBody::full(bytes),
        body => {
            if let ResponseBody::Bytes(bytes) = &body {
                // A truncated body must still announce its full length.
                parts
                    .headers
                    .insert(http::header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            }
            let (tx, rx) = mpsc::channel(1);
            // An SSE stream (the mantle routes) ends with its API's `error` event instead.
            let is_sse = parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
            let sse_path = is_sse.then(|| request_path.clone());
            tokio::spawn(pump(
                body,
                faults,
                sse_path,
                tx,
                shared.clock.clone(),
                shared.shutdown.clone(),
            ));
            OutBody {
                inner: OutInner::Channel(rx),
            }
        }
    };
    http::Response::from_parts(parts, body)
}

type Chunk = Result<Bytes, BoxError>;

/// The most event-stream frames [`pump`] joins into one chunk: 16 KiB, a TLS record's worth.
const COALESCE_LIMIT: usize = 16 * 1024;

/// Sends a response body chunk by chunk (frame by frame), applying the stream faults. The
/// channel holds one chunk, so the source is only polled as fast as the client reads.
///
/// Event-stream frames that are ready together go out together, as real Bedrock's do when they
/// come fast (several per TLS record): frames are joined into one chunk (one write and flush)
/// while the next one is ready at once, up to [`COALESCE_LIMIT`] bytes. A frame that is not ready
/// (a scripted pause, a slow source) sends what is joined first, so a pause still separates
/// writes; faults apply to the frame they name as before, the frames before it sent first.
async fn pump(
    body: ResponseBody,
    faults: StreamFaults,
    sse_path: Option<String>,
    tx: mpsc::Sender<Chunk>,
    clock: Arc<dyn Clock>,
    shutdown: watch::Receiver<bool>,
) {
    if let Some(delay) = faults.ttfb {
        clock.sleep(delay).await;
    }
    let events = matches!(body, ResponseBody::Events(_));
    let mut source: ByteStream = match body {
        ResponseBody::Bytes(bytes) => Box::pin(futures_util::stream::iter([Ok(bytes)])),
        ResponseBody::Stream(stream) => stream,
        ResponseBody::Events(stream) => Box::pin(stream.map(|item| {
            item.and_then(|message| bedrock_transport::event_stream::encode(&message).map_err(BoxError::from))
        })),
    };
    // Event-stream frames joined and not sent yet (always empty for other bodies).
    let mut batch = bytes::BytesMut::new();
    let mut index = 0usize;
    loop {
        if faults.stall == Some(index) {
            if flush(&tx, &mut batch).await {
                stall(&tx, shutdown).await;
            }
            return;
        }
        if let Some((after, error)) = &faults.exception_after {
            if events && *after == index {
                if flush(&tx, &mut batch).await {
                    let frame = bedrock_transport::event_stream::encode(&error.to_exception_message());
                    let _ = tx.send(frame.map_err(BoxError::from)).await;
                }
                return;
            }
            if let (Some(path), true) = (&sse_path, *after == index) {
                if let Some(frame) = wire::sse_error_frame(path, error, index) {
                    let _ = tx.send(Ok(frame)).await;
                    return;
                }
            }
        }
        let item = if batch.is_empty() {
            source.next().await
        } else {
            match std::future::poll_fn(|cx| Poll::Ready(source.poll_next_unpin(cx))).await {
                Poll::Ready(item) => item,
                Poll::Pending => {
                    // Nothing more is ready now: send what is joined.
                    if !flush(&tx, &mut batch).await {
                        return;
                    }
                    continue;
                }
            }
        };
        let Some(item) = item else { break };
        let mut chunk = match item {
            Ok(chunk) => chunk,
            Err(error) => {
                if flush(&tx, &mut batch).await {
                    let _ = tx.send(Err(error)).await;
                }
                return;
            }
        };
        if events && faults.corrupt_crc == Some(index) && !chunk.is_empty() {
            let mut bytes = chunk.to_vec();
            if let Some(last) = bytes.last_mut() {
                *last ^= 0xff;
            }
            chunk = Bytes::from(bytes);
        }
        if faults.truncate == Some(index) {
            let half = chunk.slice(..chunk.len() / 2);
            if events {
                // An event stream ends cleanly in the middle of a frame.
                batch.extend_from_slice(&half);
                flush(&tx, &mut batch).await;
            } else if tx.send(Ok(half)).await.is_ok() {
                // A body with a content length cannot end early cleanly: abort the connection.
                let _ = tx.send(Err("injected fault: truncated body".into())).await;
            }
            return;
        }
        if events {
            batch.extend_from_slice(&chunk);
            if batch.len() >= COALESCE_LIMIT && !flush(&tx, &mut batch).await {
                return;
            }
        } else if tx.send(Ok(chunk)).await.is_err() {
            return;
        }
        index += 1;
    }
    if !flush(&tx, &mut batch).await {
        return;
    }
    if faults.stall.is_some_and(|n| n >= index) {
        stall(&tx, shutdown).await;
        return;
    }
    if let Some((_, error)) = &faults.exception_after {
        if events {
            let frame = bedrock_transport::event_stream::encode(&error.to_exception_message());
            let _ = tx.send(frame.map_err(BoxError::from)).await;
        } else if let Some(frame) = sse_path.and_then(|path| wire::sse_error_frame(&path, error, index)) {
            let _ = tx.send(Ok(frame)).await;
        }
    }
}

/// Sends the joined frames, if any, as one chunk; false if the client has gone away.
async fn flush(tx: &mpsc::Sender<Chunk>, batch: &mut bytes::BytesMut) -> bool {
    batch.is_empty() || tx.send(Ok(batch.split().freeze())).await.is_ok()
}

/// Completes once the server is shutting down.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|stop| *stop).await.is_err() {
        // The handle is gone without saying so: treat it as a shutdown.
    }
}

/// Sends nothing more, keeping the stream open, until the client goes away or the server shuts
/// down (which aborts the stream).
async fn stall(tx: &mpsc::Sender<Chunk>, mut shutdown: watch::Receiver<bool>) {
    tokio::select! {
        _ = tx.closed() => {}
        _ = stopped(&mut shutdown) => {
            let _ = tx.try_send(Err("server shutting down".into()));
        }
    }
}

/// The body hyper sends.
pub(crate) struct OutBody {
    inner: OutInner,
}

enum OutInner {
    Full(Option<Bytes>),
    Channel(mpsc::Receiver<Chunk>),
}

impl OutBody {
    fn full(bytes: Bytes) -> Self {
        OutBody {
            inner: OutInner::Full(Some(bytes)),
        }
    }
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.inner {
            OutInner::Full(bytes) => Poll::Ready(bytes.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            OutInner::Channel(rx) => rx.poll_recv(cx).map(|item| item.map(|chunk| chunk.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.inner, OutInner::Full(None)) || matches!(&self.inner, OutInner::Full(Some(b)) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            OutInner::Full(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            OutInner::Full(None) => SizeHint::with_exact(0),
            OutInner::Channel(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs [`pump`] over event messages fed by hand; returns the feed and the chunks' receiver.
    fn pump_events(faults: StreamFaults) -> (mpsc::UnboundedSender<Result<Message, BoxError>>, mpsc::Receiver<Chunk>) {
        let (events, mut source) = mpsc::unbounded_channel::<Result<Message, BoxError>>();
        let source = futures_util::stream::poll_fn(move |cx| source.poll_recv(cx));
        let (tx, rx) = mpsc::channel(1);
        let (stop, shutdown) = watch::channel(false);
        tokio::spawn(async move {
            pump(
                ResponseBody::Events(Box::pin(source)),
                faults,
                None,
                tx,
                Arc::new(TokioClock),
                shutdown,
            )
            .await;
            drop(stop);
        });
        (events, rx)
    }

    fn event(i: u8) -> Message {
        Message::new(vec![i; 10])
    }

    fn frames(range: std::ops::Range<u8>) -> Vec<u8> {
        range
            .flat_map(|i| bedrock_transport::event_stream::encode(&event(i)).unwrap().to_vec())
            .collect()
    }

    #[tokio::test]
    async fn frames_ready_together_go_out_in_one_chunk_and_a_pause_separates_them() {
        let (events, mut chunks) = pump_events(StreamFaults::default());
        for i in 0..3 {
            events.send(Ok(event(i))).unwrap();
        }
        assert_eq!(chunks.recv().await.unwrap().unwrap(), frames(0..3));
        // Nothing was ready for a while: the next frames are a chunk of their own.
        events.send(Ok(event(3))).unwrap();
        events.send(Ok(event(4))).unwrap();
        drop(events);
        assert_eq!(chunks.recv().await.unwrap().unwrap(), frames(3..5));
        assert!(chunks.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_joined_chunk_is_cut_where_the_truncation_says() {
        let faults = StreamFaults {
            truncate: Some(2),
            ..StreamFaults::default()
        };
        let (events, mut chunks) = pump_events(faults);
        for i in 0..4 {
            events.send(Ok(event(i))).unwrap();
        }
        let third = bedrock_transport::event_stream::encode(&event(2)).unwrap();
        let mut expected = frames(0..2);
        expected.extend_from_slice(&third[..third.len() / 2]);
        assert_eq!(chunks.recv().await.unwrap().unwrap(), expected);
        assert!(chunks.recv().await.is_none());
    }

    #[tokio::test]
    async fn joined_frames_are_sent_before_an_injected_exception() {
        let error = ServiceError::internal();
        let faults = StreamFaults {
            exception_after: Some((2, error.clone())),
            ..StreamFaults::default()
        };
        let (events, mut chunks) = pump_events(faults);
        for i in 0..4 {
            events.send(Ok(event(i))).unwrap();
        }
        assert_eq!(chunks.recv().await.unwrap().unwrap(), frames(0..2));
        let exception = chunks.recv().await.unwrap().unwrap();
        assert_eq!(
            exception,
            bedrock_transport::event_stream::encode(&error.to_exception_message()).unwrap()
        );
        assert!(chunks.recv().await.is_none());
    }

    #[test]
    fn routes_match_labels_and_greedy() {
        let noop = |_r: Request| async { Response::json(StatusCode::OK, "{}") };
        let router = Router::new()
            .operation("Converse", noop)
            .unwrap()
            .route(Method::GET, "/files/{key+}", "GetFile", noop)
            .unwrap();
        let (op, params) = router
            .match_path(&Method::POST, "/model/anthropic.claude-v2%3A1/converse")
            .unwrap();
        assert_eq!(op, "Converse");
        assert_eq!(params, [("modelId".to_owned(), "anthropic.claude-v2:1".to_owned())]);
        assert!(router.match_path(&Method::GET, "/model/x/converse").is_none());
        assert!(router.match_path(&Method::POST, "/model//converse").is_none());
        assert!(router.match_path(&Method::POST, "/model/x/converse/more").is_none());
        let (_, params) = router.match_path(&Method::GET, "/files/a/b/c").unwrap();
        assert_eq!(params[0].1, "a/b/c");
        assert!(Router::new().operation("Nope", noop).is_err());
        assert!(Router::new().route(Method::GET, "no-slash", "X", noop).is_err());
    }

    /// The operation tables match botocore's models, when `cargo xtask specs` has fetched them.
    #[test]
    fn operation_tables_match_the_service_models() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/cache/extracted");
        for (service, version, table) in [
            ("bedrock-runtime", "2023-09-30", RUNTIME_OPERATIONS),
            ("bedrock", "2023-04-20", CONTROL_OPERATIONS),
        ] {
            let path = root.join(service).join(version).join("service-2.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                eprintln!("skipped: {} not present (run `cargo xtask specs`)", path.display());
                continue;
            };
            let model: serde_json::Value = serde_json::from_str(&text).unwrap();
            let operations = model["operations"].as_object().unwrap();
            assert_eq!(operations.len(), table.len(), "{service}");
            for (name, method, uri) in table {
                let http = &operations[*name]["http"];
                assert_eq!(http["method"], *method, "{name}");
                assert_eq!(http["requestUri"], *uri, "{name}");
            }
        }
        // Every pattern parses and no name is in both tables.
        for (name, _, pattern) in RUNTIME_OPERATIONS.iter().chain(CONTROL_OPERATIONS) {
            parse_pattern(pattern).unwrap();
            assert_eq!(
                RUNTIME_OPERATIONS
                    .iter()
                    .chain(CONTROL_OPERATIONS)
                    .filter(|(n, ..)| n == name)
                    .count(),
                1,
                "{name}"
            );
        }
        let noop = |_r: Request| async { Response::json(StatusCode::OK, "{}") };
        let router = Router::new().operation("GetGuardrail", noop).unwrap();
        let (op, params) = router.match_path(&Method::GET, "/guardrails/gr-1").unwrap();
        assert_eq!((op, params[0].1.as_str()), ("GetGuardrail", "gr-1"));
    }

    #[test]
    fn config_from_json() {
        let config = Config::from_json(
            r#"{"listen":"127.0.0.1:4000","region":"us-west-2","seed":7,
                "auth":{"mode":"verify","credentials":{"AKID":"secret"},"api_keys":["ABSKk"]},
                "faults":["throttle:first=1"]}"#,
        )
        .unwrap();
        assert_eq!(config.listen.port(), 4000);
        assert_eq!(config.region, "us-west-2");
        assert_eq!(config.faults[0].first, Some(1));
        assert!(matches!(config.auth, AuthMode::Verify { .. }));
        assert!(!format!("{config:?}").contains("secret"));
        assert!(Config::from_json(r#"{"faults":["bogus"]}"#).is_err());
        assert!(Config::from_json(r#"{"nope":1}"#).is_err());
    }
}
