//! [`ServiceClient`]: runs any generated operation against one service, and [`Call`], the
//! future a client method returns.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use bedrock_auth::{BearerSigning, SigV4Signing, Signer, SigningName};
use bedrock_endpoint::{EndpointError, ResolvedEndpoint, Service};
use bedrock_transport::retry::ModeledRetry;
use bedrock_transport::{OperationInfo, RequestBody, ResponseBody};
use bedrock_wire::operation::HostPrefix;
use bedrock_wire::{BuildError, ErrorRetry, Operation, OperationError};
use bytes::Bytes;

use crate::config::{Auth, Config};
use crate::error::SdkError;

/// A client of one service (`bedrock`, `bedrock-runtime` or `bedrock-mantle`) under one
/// [`Config`]: it resolves the endpoint once, signs every attempt, sends through the
/// configuration's executor and parses with the operation's generated parser.
///
/// The typed clients (`bedrock_runtime::Client`, `bedrock_control::Client`) wrap one; use it
/// directly to call an operation by its type. Cheap to clone.
///
// Compiled, not run: a sketch over a given configuration; the crate-level example runs.
/// ```no_run
/// # async fn f(
/// #     config: bedrock_config::Config,
/// #     input: bedrock_runtime_types::types::CountTokensRequest,
/// # ) -> Result<(), Box<dyn std::error::Error>> {
/// use bedrock_runtime_types::operation::CountTokens;
/// let runtime = bedrock_config::ServiceClient::new(&config, bedrock_endpoint::Service::BedrockRuntime);
/// let output = runtime.call::<CountTokens>(input).await?;
/// # let _ = output; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    service: Service,
    endpoint: Result<ResolvedEndpoint, EndpointError>,
    signing: Signing,
}

/// How this client authenticates its requests.
#[derive(Clone, Debug)]
pub enum Signing {
    /// SigV4, with the signer (and its clock-skew correction) and credentials.
    SigV4(SigV4Signing),
    /// A Bedrock API key.
    Bearer(BearerSigning),
}

impl Signing {
    fn as_transport(&self) -> &dyn bedrock_transport::Signer {
        match self {
            Signing::SigV4(s) => s,
            Signing::Bearer(b) => b,
        }
    }
}

impl ServiceClient {
    /// A client of `service` with the settings of `config`. Endpoint problems (no region, a
    /// bad endpoint URL) are reported by every call, as [`SdkError::Endpoint`], and by
    /// [`endpoint`](Self::endpoint).
    pub fn new(config: &Config, service: Service) -> Self {
        let endpoint = config.endpoint_config(service).resolve();
        let signing = match config.auth() {
            Auth::ApiKey(key) => Signing::Bearer(BearerSigning::new(key)),
            Auth::SigV4(credentials) => {
                let (name, region) = match &endpoint {
                    Ok(e) => (e.signing_name(), e.signing_region()),
                    Err(_) => (service.signing_name(), None),
                };
                let name = if name == SigningName::BedrockMantle.as_str() {
                    SigningName::BedrockMantle
                } else {
                    SigningName::Bedrock
                };
                // Without a region the call fails on the endpoint before signing.
                let region = region.or(config.region()).unwrap_or("us-east-1");
                let signer = Signer::new(name, region).with_clock_skew(config.clock_skew().clone());
                Signing::SigV4(SigV4Signing::new(signer, credentials.clone()))
            }
        };
        ServiceClient {
            inner: Arc::new(Inner {
                config: config.clone(),
                service,
                endpoint,
                signing,
            }),
        }
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service.
    pub fn service(&self) -> Service {
        self.inner.service
    }

    /// The resolved endpoint, or why there is none.
    pub fn endpoint(&self) -> Result<&ResolvedEndpoint, &EndpointError> {
        self.inner.endpoint.as_ref()
    }

    /// How requests are authenticated (for the bidirectional stream, which signs its events).
    pub fn signing(&self) -> &Signing {
        &self.inner.signing
    }

    pub(crate) fn signing_transport(&self) -> &dyn bedrock_transport::Signer {
        self.inner.signing.as_transport()
    }

    /// The same client under a changed configuration (`f` gets a copy of this one's).
    pub fn with_config(&self, f: impl FnOnce(&Config) -> Config) -> ServiceClient {
        ServiceClient::new(&f(&self.inner.config), self.inner.service)
    }

    /// The operation's request, addressed to the resolved endpoint, not yet signed: the
    /// sans-IO half of [`call`](Self::call). Idempotency tokens the input leaves unset are filled.
    pub fn build_request<O>(&self, mut input: O::Input) -> Result<http::Request<Bytes>, SdkError<O::Error>>
    where
        O: Operation,
    {
        O::fill_idempotency_tokens(&mut input, self.inner.config.idempotency_tokens().as_ref());
        let request = O::build_request(&input).map_err(SdkError::Build)?;
        let endpoint = self
            .inner
            .endpoint
            .as_ref()
            .map_err(|e| SdkError::Endpoint(e.clone()))?;
        address(request, endpoint).map_err(SdkError::Build)
    }

    /// Sends `input` as operation `O` and parses the whole response.
    pub async fn call<O>(&self, input: O::Input) -> Result<O::Output, SdkError<O::Error>>
    where
        O: Operation,
        O::Error: OperationError,
    {
        let request = self.build_request::<O>(input)?;
        let info = self.operation_info::<O>();
        let response = self
            .inner
            .config
            .executor()
            .send_collected(&info, request, self.inner.signing.as_transport())
            .await
            .map_err(SdkError::from_transport)?;
        O::parse_response(&response).map_err(SdkError::from)
    }

    /// Sends a request of operation `O` whose response body (or request body) is a stream.
    /// Returns once a successful response head arrives; an error response is read whole and
    /// parsed into the operation's typed error.
    pub async fn send_streaming<O>(
        &self,
        request: http::Request<RequestBody>,
    ) -> Result<http::Response<ResponseBody>, SdkError<O::Error>>
    where
        O: Operation,
        O::Error: OperationError,
    {
        self.send_streaming_signed::<O>(request, self.inner.signing.as_transport())
            .await
    }

    /// [`send_streaming`](Self::send_streaming) with another signer than the client's: for
    /// the bidirectional stream, whose request is signed for a streaming body (SigV4 with the
    /// streaming-events payload hash, the seed of the per-message signatures). The signer
    /// should derive from [`signing`](Self::signing).
    pub async fn send_streaming_signed<O>(
        &self,
        request: http::Request<RequestBody>,
        signer: &dyn bedrock_transport::Signer,
    ) -> Result<http::Response<ResponseBody>, SdkError<O::Error>>
    where
        O: Operation,
        O::Error: OperationError,
    {
        let info = self.operation_info::<O>();
        let response = self
            .inner
            .config
            .executor()
            .send(&info, request, signer)
            .await
            .map_err(SdkError::from_transport)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let body = bedrock_transport::executor::collect(body)
            .await
            .map_err(|e| SdkError::Malformed(bedrock_wire::MalformedResponse::new("error response body", e)))?;
        match O::parse_response(&http::Response::from_parts(parts, body)) {
            Err(e) => Err(e.into()),
            Ok(_) => Err(SdkError::Malformed(bedrock_wire::MalformedResponse::message(
                "an error status with a body that parsed as success",
            ))),
        }
    }

    /// What the executor needs to know about `O`: names for tracing, idempotency, and the
    /// model's retry verdict per error code.
    pub fn operation_info<O>(&self) -> OperationInfo
    where
        O: Operation,
        O::Error: OperationError,
    {
        OperationInfo::new(self.inner.service.name(), O::NAME)
            .with_idempotent(O::IDEMPOTENT)
            .with_modeled_retry(modeled_retry::<O::Error>)
    }
}

impl fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceClient")
            .field("service", &self.inner.service)
            .field("endpoint", &self.inner.endpoint.as_ref().map(|e| e.url()))
            .field("auth", &self.inner.config.auth_mode())
            .finish()
    }
}

fn modeled_retry<E: OperationError>(code: &str) -> ModeledRetry {
    match E::modeled_retry(code) {
        None => ModeledRetry::Unmodeled,
        Some(ErrorRetry::NotRetryable) => ModeledRetry::NotRetryable,
        Some(ErrorRetry::Retryable) => ModeledRetry::Retryable,
        Some(ErrorRetry::Throttling) => ModeledRetry::RetryableThrottling,
    }
}

/// Joins the request's path and query to the endpoint, applies a host prefix and the
/// endpoint's headers.
pub(crate) fn address(
    request: http::Request<Bytes>,
    endpoint: &ResolvedEndpoint,
) -> Result<http::Request<Bytes>, BuildError> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut url = String::with_capacity(endpoint.url().len() + path.len());
    url.push_str(endpoint.url());
    url.push_str(path);
    let mut uri: http::Uri = url.parse().map_err(|e| BuildError::serialize("the request URI", e))?;
    if let Some(HostPrefix(prefix)) = parts.extensions.get::<HostPrefix>() {
        let mut uri_parts = uri.into_parts();
        let authority = uri_parts
            .authority
            .as_ref()
            .map(|a| format!("{prefix}{a}"))
            .unwrap_or_default();
        uri_parts.authority = Some(
            authority
                .parse()
                .map_err(|e| BuildError::serialize("the host prefix", e))?,
        );
        uri = http::Uri::from_parts(uri_parts).map_err(|e| BuildError::serialize("the request URI", e))?;
    }
    parts.uri = uri;
    for (name, values) in endpoint.headers() {
        let name: http::HeaderName = name
            .parse()
            .map_err(|e| BuildError::serialize("an endpoint header", e))?;
        for value in values {
            let value =
                http::HeaderValue::from_str(value).map_err(|e| BuildError::serialize("an endpoint header", e))?;
            parts.headers.append(name.clone(), value);
        }
    }
    Ok(http::Request::from_parts(parts, body))
}

/// A call of operation `O`, ready to send: `.await` it (it implements [`IntoFuture`]), after
/// changing settings for this call only with [`customize`](Self::customize).
///
// Compiled, not run: a sketch over a given configuration; the crate-level example runs.
/// ```no_run
/// # async fn f(client: bedrock_config::ServiceClient, input: bedrock_runtime_types::types::CountTokensRequest) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use bedrock_transport::TimeoutConfig;
/// let call = bedrock_config::Call::<bedrock_runtime_types::operation::CountTokens>::new(client, input);
/// let output = call
///     .customize(|c| c.with_timeouts(TimeoutConfig::new().with_operation_timeout(Duration::from_secs(5))))
///     .await?;
/// # let _ = output; Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<O: Operation> {
    client: ServiceClient,
    input: O::Input,
}

impl<O: Operation> Call<O> {
    /// A call of `O` with `input` on `client`.
    pub fn new(client: ServiceClient, input: O::Input) -> Self {
        Call { client, input }
    }

    /// Changes the configuration for this call only (region, endpoint, auth, retries, timeouts...).
    pub fn customize(mut self, f: impl FnOnce(&Config) -> Config) -> Self {
        self.client = self.client.with_config(f);
        self
    }

    /// The input as it will be sent.
    pub fn input(&self) -> &O::Input {
        &self.input
    }

    /// The input, to change it before sending.
    pub fn input_mut(&mut self) -> &mut O::Input {
        &mut self.input
    }

    /// Sends the call (the same as `.await`).
    pub async fn send(self) -> Result<O::Output, SdkError<O::Error>>
    where
        O::Error: OperationError,
    {
        self.client.call::<O>(self.input).await
    }
}

impl<O> IntoFuture for Call<O>
where
    O: Operation + 'static,
    O::Input: Send + 'static,
    O::Output: Send + 'static,
    O::Error: OperationError,
{
    type Output = Result<O::Output, SdkError<O::Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: Operation> fmt::Debug for Call<O>
where
    O::Input: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &O::NAME)
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}
