//! The typed errors of the built-in client.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::BoxError;

/// A connection could not be set up, or the client could not be built.
///
/// [`HyperClient`](super::HyperClient) returns it boxed in a [`BoxError`]; get it back
/// with `err.downcast_ref::<ConnectError>()`. No byte of the request was sent when
/// this error is returned from `send`, so a retry is always safe; whether it is
/// *useful* is [`ConnectError::is_transient`].
#[derive(Clone)]
pub struct ConnectError {
    kind: ConnectErrorKind,
    target: Option<String>,
    detail: Option<String>,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

/// What went wrong while connecting (or building the client).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectErrorKind {
    /// The host name could not be resolved.
    Dns,
    /// Every address of the host refused the TCP connection.
    Refused,
    /// Another TCP-level failure (unreachable network, reset, ...).
    Io,
    /// DNS, TCP connect and (with a proxy) the `CONNECT` exchange took longer than
    /// the connect timeout.
    ConnectTimeout(Duration),
    /// TCP connected but the TLS handshake did not finish within the TLS handshake
    /// timeout.
    TlsHandshakeTimeout(Duration),
    /// The TLS handshake failed.
    Tls(TlsErrorKind),
    /// The proxy could not be reached or refused the tunnel.
    Proxy(ProxyErrorKind),
    /// The CA bundle (config or `AWS_CA_BUNDLE`) could not be read or holds no
    /// usable certificate.
    InvalidCaBundle {
        /// The bundle's file, when it came from a path.
        path: Option<PathBuf>,
    },
    /// The proxy URL (config or `HTTPS_PROXY`) could not be parsed.
    InvalidProxyUrl,
    /// The TLS setup is unusable (no crypto provider, trust roots unavailable).
    TlsConfig,
    /// The request URI has no host or a scheme other than `http`/`https`.
    InvalidUri,
    /// The request has a streaming body, which needs HTTP/2, but the connection is
    /// HTTP/1.1.
    Http2Required,
}

/// Why a TLS handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// The server's certificate chain does not lead to a trusted root.
    UnknownIssuer,
    /// The certificate is not valid for the host name in the URL.
    CertificateNameMismatch,
    /// The certificate is expired or not valid yet.
    CertificateExpired,
    /// The certificate is invalid for another reason.
    InvalidCertificate,
    /// Client and server have no application protocol (`h2`, `http/1.1`) in common.
    NoApplicationProtocol,
    /// Another handshake failure (alert from the peer, connection closed, ...).
    Other,
}

/// Why the proxy step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyErrorKind {
    /// The proxy itself could not be reached (DNS, refused, reset, TLS to the proxy).
    Unreachable,
    /// The proxy answered `407 Proxy Authentication Required`.
    AuthenticationRequired,
    /// The proxy answered `CONNECT` with this non-2xx status.
    Rejected(u16),
    /// The proxy's answer was not a valid HTTP/1.x response.
    InvalidResponse,
}

impl ConnectError {
    pub(crate) fn new(kind: ConnectErrorKind) -> Self {
        ConnectError {
            kind,
            target: None,
            detail: None,
            source: None,
        }
    }

    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Prefixes the detail with where the bad value came from (an environment
    /// variable's name).
    pub(crate) fn with_detail_prefix(mut self, prefix: &str) -> Self {
        self.detail = Some(match self.detail.take() {
            Some(d) => format!("{prefix}: {d}"),
            None => prefix.to_string(),
        });
        self
    }

    pub(crate) fn with_source(mut self, source: BoxError) -> Self {
        self.source = Some(Arc::from(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ConnectErrorKind {
        &self.kind
    }

    /// The `host:port` being connected to, when known.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Whether trying again later may succeed: DNS, refused, other IO, timeouts and an
    /// unreachable proxy are transient; certificate, configuration and authentication
    /// problems are not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ConnectErrorKind::Dns
                | ConnectErrorKind::Refused
                | ConnectErrorKind::Io
                | ConnectErrorKind::ConnectTimeout(_)
                | ConnectErrorKind::TlsHandshakeTimeout(_)
                | ConnectErrorKind::Tls(TlsErrorKind::Other)
                | ConnectErrorKind::Proxy(ProxyErrorKind::Unreachable)
        )
    }

    fn summary(&self) -> String {
        let to = match &self.target {
            Some(t) => format!(" to {t}"),
            None => String::new(),
        };
        match &self.kind {
            ConnectErrorKind::Dns => format!(
                "could not resolve the host{to}: check the endpoint URL and region, and the machine's DNS settings"
            ),
            ConnectErrorKind::Refused => format!(
                "connection{to} refused: check the endpoint URL and port, and that nothing (firewall, \
                 missing HTTPS_PROXY) blocks it"
            ),
            ConnectErrorKind::Io => format!("connection{to} failed: check network access to the endpoint"),
            ConnectErrorKind::ConnectTimeout(d) => format!(
                "connection{to} timed out after {d:?}: check network access to the endpoint (firewall, VPC \
                 endpoint, HTTPS_PROXY) or raise the connect timeout"
            ),
            ConnectErrorKind::TlsHandshakeTimeout(d) => format!(
                "TLS handshake{to} did not finish within {d:?}: the server or a middlebox accepted the \
                 connection but does not speak TLS; check the endpoint URL scheme and port, or raise the TLS \
                 handshake timeout"
            ),
            ConnectErrorKind::Tls(kind) => {
                let hint = match kind {
                    TlsErrorKind::UnknownIssuer => {
                        "the server's certificate is not signed by a trusted CA; if a proxy or gateway inspects \
                         TLS, point AWS_CA_BUNDLE (or the client's CA bundle) at its CA certificate"
                    }
                    TlsErrorKind::CertificateNameMismatch => {
                        "the server's certificate is not valid for this host name; check the endpoint URL"
                    }
                    TlsErrorKind::CertificateExpired => {
                        "the server's certificate is expired or not yet valid; check this machine's clock"
                    }
                    TlsErrorKind::InvalidCertificate => "the server's certificate was rejected",
                    TlsErrorKind::NoApplicationProtocol => {
                        "the server supports neither of the offered protocols (h2, http/1.1); if HTTP/2 only is \
                         configured, the server may not support HTTP/2"
                    }
                    TlsErrorKind::Other => "the handshake failed",
                };
                format!("TLS handshake{to} failed: {hint}")
            }
            ConnectErrorKind::Proxy(kind) => match kind {
                ProxyErrorKind::Unreachable => format!(
                    "could not reach the proxy (tunnelling{to}): check HTTPS_PROXY or the proxy config, or add \
                     the host to NO_PROXY"
                ),
                ProxyErrorKind::AuthenticationRequired => {
                    format!("the proxy requires authentication (tunnelling{to})")
                }
                ProxyErrorKind::Rejected(code) => format!(
                    "the proxy refused to open a tunnel{to} (status {code}): the proxy may not allow this host, \
                     or add the host to NO_PROXY"
                ),
                ProxyErrorKind::InvalidResponse => format!(
                    "the proxy's answer to CONNECT{to} was not valid: check that HTTPS_PROXY points at an \
                     HTTP proxy"
                ),
            },
            ConnectErrorKind::InvalidCaBundle { path } => match path {
                Some(p) => format!(
                    "the CA bundle {} (AWS_CA_BUNDLE or config) is unusable: it must be a PEM file of CA \
                     certificates",
                    p.display()
                ),
                None => "the configured CA bundle is unusable: it must be PEM CA certificates".to_string(),
            },
            ConnectErrorKind::InvalidProxyUrl => "the proxy URL is not valid".to_string(),
            ConnectErrorKind::TlsConfig => "the TLS configuration is unusable".to_string(),
            ConnectErrorKind::InvalidUri => {
                format!("the request URI{to} is not usable: it needs an http:// or https:// scheme and a host")
            }
            ConnectErrorKind::Http2Required => format!(
                "the connection{to} is HTTP/1.1, but a streaming request body (the bidirectional stream) needs \
                 HTTP/2: use an endpoint that supports HTTP/2, and do not force HTTP/1.1 in the client config"
            ),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ConnectError");
        d.field("kind", &self.kind);
        if let Some(t) = &self.target {
            d.field("target", t);
        }
        if let Some(detail) = &self.detail {
            d.field("detail", detail);
        }
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|s| &**s as &(dyn StdError + 'static))
    }
}
