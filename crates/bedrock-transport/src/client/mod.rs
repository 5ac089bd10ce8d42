//! The built-in HTTP stack: [`HyperClient`], pooled HTTP/1.1 and HTTP/2 over rustls.
//!
//! - **Pooling:** connections are kept per `scheme://host:port` and reused; clones of
//!   a client share the pool, so every client built on one transport shares it too.
//!   HTTP/2 connections are multiplexed.
//! - **Protocol:** chosen by ALPN (`h2` preferred, `http/1.1` accepted) unless
//!   [`HttpVersionPolicy`] says otherwise. A [`RequestBody::Stream`] (the bidirectional
//!   stream) is only sent over HTTP/2; on an HTTP/1.1 connection it fails with
//!   [`ConnectErrorKind::Http2Required`].
//! - **TLS:** rustls, see [`crate::tls`]. **Proxy:** `CONNECT` tunnels, see [`crate::proxy`].
//! - **Timeouts:** connect (DNS + TCP + proxy tunnel) and TLS handshake, each with its
//!   own [`ConnectErrorKind`]. Attempt, operation and first-byte timeouts belong to the
//!   retry layer above.
//!
//! Errors from [`HttpClient::send`] are a [`BoxError`]: a [`ConnectError`] when no
//! connection could be set up (nothing was sent), otherwise hyper's error.
//!
// Compiled, not run: it sends a request to AWS.
//! ```no_run
//! # async fn run() -> Result<(), bedrock_transport::BoxError> {
//! use bedrock_transport::{HttpClient, HyperClient, RequestBody};
//!
//! // Honours AWS_CA_BUNDLE, HTTPS_PROXY and NO_PROXY.
//! let client = HyperClient::from_env()?;
//! let request = http::Request::get("https://bedrock.us-east-1.amazonaws.com/foundation-models")
//!     .body(RequestBody::Bytes(bytes::Bytes::new()))?;
//! let response = client.send(request).await?;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```

mod body;
mod connector;
mod error;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Version;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use self::body::{IncomingStream, OutBody};
use self::connector::{Connector, ConnectorConfig};
pub use self::error::{ConnectError, ConnectErrorKind, ProxyErrorKind, TlsErrorKind};
use crate::body::{BoxError, HttpClient, RequestBody, ResponseBody, ResponseFuture};
use crate::proxy::ProxyConfig;
use crate::tls::{self, CaBundle, TrustRoots};

/// The default connect timeout (DNS, TCP connect and proxy tunnel), as in the AWS SDKs.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
/// The default TLS handshake timeout.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// The default time an idle pooled connection is kept: below the 60 s idle timeout
/// of AWS load balancers, so the client closes first and never reuses a connection
/// the server is closing.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// The default number of idle connections kept per host.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 32;

/// Which HTTP versions the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HttpVersionPolicy {
    /// Offer `h2` and `http/1.1` by ALPN and use what the server picks; plain
    /// `http://` uses HTTP/1.1.
    #[default]
    Negotiate,
    /// HTTP/2 only: ALPN offers only `h2`, plain `http://` uses HTTP/2 with prior
    /// knowledge (h2c).
    Http2Only,
    /// HTTP/1.1 only (streaming request bodies then always fail).
    Http1Only,
}

/// The built-in [`HttpClient`]: hyper's pooled client over rustls.
///
/// Cheap to clone; clones share the connection pool. Build it with
/// [`HyperClient::builder`] or [`HyperClient::from_env`].
#[derive(Clone)]
pub struct HyperClient {
    client: Client<Connector, OutBody>,
    summary: Arc<Summary>,
}

/// What `Debug` shows: the settings, never a secret.
#[derive(Debug)]
struct Summary {
    versions: HttpVersionPolicy,
    connect_timeout: Duration,
    tls_handshake_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    trust: String,
    fips: bool,
    proxy: Option<ProxyConfig>,
}

impl HyperClient {
    /// A builder with the defaults (no environment variables read).
    pub fn builder() -> HyperClientBuilder {
        HyperClientBuilder::new()
    }

    /// A client with the defaults plus `AWS_CA_BUNDLE`, `HTTPS_PROXY` and `NO_PROXY`
    /// from the process environment.
    pub fn from_env() -> Result<Self, ConnectError> {
        HyperClientBuilder::new().with_env().build()
    }

    /// Whether TLS runs on a FIPS-validated crypto module (feature `fips`).
    pub fn is_fips(&self) -> bool {
        self.summary.fips
    }
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        f.debug_struct("HyperClient")
            .field("versions", &s.versions)
            .field("connect_timeout", &s.connect_timeout)
            .field("tls_handshake_timeout", &s.tls_handshake_timeout)
            .field("pool_idle_timeout", &s.pool_idle_timeout)
            .field("pool_max_idle_per_host", &s.pool_max_idle_per_host)
            .field("trust", &s.trust)
            .field("fips", &s.fips)
            .field("proxy", &s.proxy)
            .finish()
    }
}

impl HttpClient for HyperClient {
    fn send(&self, request: http::Request<RequestBody>) -> ResponseFuture {
        let (mut parts, body) = request.into_parts();
        let streaming = matches!(body, RequestBody::Stream(_));
        // Cheap (a shared `Bytes`); made a string only for an error.
        let target = parts.uri.authority().cloned();
        if streaming {
            if self.summary.versions == HttpVersionPolicy::Http1Only {
                let mut err = ConnectError::new(ConnectErrorKind::Http2Required);
                if let Some(t) = target {
                    err = err.with_target(t.as_str());
                }
                return Box::pin(std::future::ready(Err(Box::new(err) as BoxError)));
            }
            // hyper-util refuses to send an HTTP/2 request on an HTTP/1 connection,
            // instead of sending the stream chunked and deadlocking.
            parts.version = Version::HTTP_2;
        }
        let response = self
            .client
            .request(http::Request::from_parts(parts, OutBody::from(body)));
        Box::pin(async move {
            match response.await {
                Ok(response) => Ok(response.map(|b| Box::pin(IncomingStream(b)) as ResponseBody)),
                Err(e) => Err(convert_error(e, streaming, target)),
            }
        })
    }
}

/// Pulls our typed error out of hyper-util's, so callers can downcast the `BoxError`.
fn convert_error(
    e: hyper_util::client::legacy::Error,
    streaming: bool,
    target: Option<http::uri::Authority>,
) -> BoxError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(connect) = err.downcast_ref::<ConnectError>() {
            return Box::new(connect.clone());
        }
        source = err.source();
    }
    // The only error hyper-util raises after checkout without a cause is the version
    // mismatch: an HTTP/2 request on an HTTP/1 connection.
    if streaming
        && !e.is_connect()
        && std::error::Error::source(&e).is_none()
        && e.connect_info().is_some_and(|c| !c.is_negotiated_h2())
    {
        let mut err = ConnectError::new(ConnectErrorKind::Http2Required);
        if let Some(t) = target {
            err = err.with_target(t.as_str());
        }
        return Box::new(err);
    }
    Box::new(e)
}

/// Builds a [`HyperClient`]. Explicit settings win over the environment, whatever
/// the order of the calls.
#[derive(Debug, Clone)]
pub struct HyperClientBuilder {
    connect_timeout: Duration,
    tls_handshake_timeout: Duration,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    versions: HttpVersionPolicy,
    trust_roots: TrustRoots,
    ca_bundle: Option<CaBundle>,
    ca_bundle_explicit: bool,
    proxy: Option<ProxyConfig>,
    proxy_explicit: bool,
    env_error: Option<ConnectError>,
}

impl Default for HyperClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperClientBuilder {
    /// The defaults: [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`],
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`], [`DEFAULT_POOL_MAX_IDLE_PER_HOST`], ALPN
    /// negotiation, the default [`TrustRoots`], no CA bundle, no proxy.
    pub fn new() -> Self {
        HyperClientBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: DEFAULT_POOL_MAX_IDLE_PER_HOST,
            versions: HttpVersionPolicy::default(),
            trust_roots: TrustRoots::default(),
            ca_bundle: None,
            ca_bundle_explicit: false,
            proxy: None,
            proxy_explicit: false,
            env_error: None,
        }
    }

    /// The limit on DNS resolution, TCP connect and (with a proxy) the `CONNECT`
    /// exchange; past it the request fails with [`ConnectErrorKind::ConnectTimeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The limit on the TLS handshake once TCP is connected; past it the request fails
    /// with [`ConnectErrorKind::TlsHandshakeTimeout`].
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = timeout;
        self
    }

    /// How long an idle connection stays in the pool (`None`: until the server closes it).
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// How many idle connections are kept per host (0 disables reuse).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Which HTTP versions to speak (default: negotiate by ALPN).
    pub fn http_versions(mut self, policy: HttpVersionPolicy) -> Self {
        self.versions = policy;
        self
    }

    /// Where the trust roots come from when no CA bundle is set.
    pub fn trust_roots(mut self, roots: TrustRoots) -> Self {
        self.trust_roots = roots;
        self
    }

    /// Trusts only the certificates of `bundle` (overrides `AWS_CA_BUNDLE`).
    pub fn ca_bundle(mut self, bundle: CaBundle) -> Self {
        self.ca_bundle = Some(bundle);
        self.ca_bundle_explicit = true;
        self
    }

    /// Sends `https://` requests through `proxy` (overrides `HTTPS_PROXY`/`NO_PROXY`).
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = Some(proxy);
        self.proxy_explicit = true;
        self
    }

    /// Never uses a proxy, whatever `HTTPS_PROXY` says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = None;
        self.proxy_explicit = true;
        self
    }

    /// Reads `AWS_CA_BUNDLE`, `HTTPS_PROXY`/`https_proxy` and `NO_PROXY`/`no_proxy`
    /// from the process environment, for settings not set explicitly.
    pub fn with_env(self) -> Self {
        self.with_env_from(|name| std::env::var(name).ok())
    }

    /// Like [`with_env`](Self::with_env), with the variables looked up through `env`
    /// (for tests, or configuration that is not the process environment). A bad value
    /// is reported by [`build`](Self::build).
    pub fn with_env_from(mut self, env: impl Fn(&str) -> Option<String>) -> Self {
        if !self.ca_bundle_explicit {
            if let Some(path) = env("AWS_CA_BUNDLE").filter(|p| !p.trim().is_empty()) {
                self.ca_bundle = Some(CaBundle::from_path(path.trim()));
            }
        }
        if !self.proxy_explicit {
            match ProxyConfig::from_env_with(&env) {
                Ok(proxy) => self.proxy = proxy,
                Err(e) => self.env_error = Some(e),
            }
        }
        self
    }

    /// Builds the client: reads the CA bundle and trust roots and sets up TLS. No
    /// connection is opened until the first request.
    pub fn build(self) -> Result<HyperClient, ConnectError> {
        if let Some(e) = self.env_error.filter(|_| !self.proxy_explicit) {
            return Err(e);
        }
        let provider = tls::crypto_provider()?;
        let roots = Arc::new(tls::root_store(self.trust_roots, self.ca_bundle.as_ref())?);
        let alpn: &[&[u8]] = match self.versions {
            HttpVersionPolicy::Negotiate => &[b"h2", b"http/1.1"],
            HttpVersionPolicy::Http2Only => &[b"h2"],
            HttpVersionPolicy::Http1Only => &[b"http/1.1"],
        };
        let endpoint_tls = tls::client_config(provider.clone(), roots.clone(), alpn)?;
        let proxy_tls = tls::client_config(provider, roots, &[b"http/1.1"])?;
        let fips = endpoint_tls.fips();

        let connector = Connector {
            config: Arc::new(ConnectorConfig {
                tls: endpoint_tls,
                proxy_tls,
                connect_timeout: self.connect_timeout,
                tls_handshake_timeout: self.tls_handshake_timeout,
                proxy: self.proxy.clone(),
            }),
        };
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .http2_only(self.versions == HttpVersionPolicy::Http2Only)
            .build(connector);

        let trust = match &self.ca_bundle {
            Some(b) => format!("{b:?}"),
            None => format!("{:?}", self.trust_roots),
        };
        Ok(HyperClient {
            client,
            summary: Arc::new(Summary {
                versions: self.versions,
                connect_timeout: self.connect_timeout,
                tls_handshake_timeout: self.tls_handshake_timeout,
                pool_idle_timeout: self.pool_idle_timeout,
                pool_max_idle_per_host: self.pool_max_idle_per_host,
                trust,
                fips,
                proxy: self.proxy,
            }),
        })
    }
}
