//! The connector: DNS, TCP, optional proxy tunnel, TLS, each step with its own typed
//! error and the connect / TLS handshake timeouts.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::error::{ConnectError, ConnectErrorKind, ProxyErrorKind};
use crate::proxy::{self, ProxyConfig};

/// Everything the connector needs, shared by all clones of a client.
pub(crate) struct ConnectorConfig {
    /// For the endpoint (ALPN per the version policy).
    pub(crate) tls: Arc<ClientConfig>,
    /// For an `https://` proxy (ALPN `http/1.1`).
    pub(crate) proxy_tls: Arc<ClientConfig>,
    pub(crate) connect_timeout: Duration,
    pub(crate) tls_handshake_timeout: Duration,
    pub(crate) proxy: Option<ProxyConfig>,
}

#[derive(Clone)]
pub(crate) struct Connector {
    pub(crate) config: Arc<ConnectorConfig>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let config = self.config.clone();
        Box::pin(async move { connect(&config, &uri).await })
    }
}

async fn connect(config: &ConnectorConfig, uri: &Uri) -> Result<Conn, ConnectError> {
    let invalid = || ConnectError::new(ConnectErrorKind::InvalidUri).with_target(uri.to_string());
    let tls = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(invalid()),
    };
    let host = uri.host().ok_or_else(invalid)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let target = proxy::authority(host, port);

    let proxy = config.proxy.as_ref().filter(|p| tls && p.applies_to(host, port));
    let connect_timeout = config.connect_timeout;
    let transport = tokio::time::timeout(connect_timeout, async {
        match proxy {
            None => dial(host, port)
                .await
                .map(Transport::Tcp)
                .map_err(|e| e.with_target(target.clone())),
            Some(proxy) => via_proxy(config, proxy, host, port).await,
        }
    })
    .await
    .map_err(|_| {
        let e = ConnectError::new(ConnectErrorKind::ConnectTimeout(connect_timeout)).with_target(target.clone());
        match proxy {
            Some(p) => e.with_detail(format!("through the proxy {}", p.redacted_url())),
            None => e,
        }
    })??;

    if !tls {
        return Ok(Conn {
            io: TokioIo::new(Stream::Plain(transport)),
            h2: false,
        });
    }
    let stream = handshake(&config.tls, config.tls_handshake_timeout, host, transport, &target).await?;
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    Ok(Conn {
        io: TokioIo::new(Stream::Tls(Box::new(stream))),
        h2,
    })
}

async fn via_proxy(
    config: &ConnectorConfig,
    proxy: &ProxyConfig,
    host: &str,
    port: u16,
) -> Result<Transport, ConnectError> {
    let unreachable = |e: ConnectError| {
        let why = match e.kind() {
            ConnectErrorKind::Dns => "its host name did not resolve",
            ConnectErrorKind::Refused => "it refused the connection",
            ConnectErrorKind::Tls(_) => "the TLS handshake with it failed",
            _ => "the connection to it failed",
        };
        ConnectError::new(ConnectErrorKind::Proxy(ProxyErrorKind::Unreachable))
            .with_target(proxy::authority(host, port))
            .with_detail(format!("proxy {}: {why}", proxy.redacted_url()))
            .with_source(Box::new(e))
    };
    let tcp = dial(proxy.host(), proxy.port()).await.map_err(unreachable)?;
    let mut transport = if proxy.uses_tls() {
        // The connect timeout around this call bounds the proxy's handshake too.
        let name = server_name(proxy.host(), &proxy::authority(proxy.host(), proxy.port()))?;
        let tls = TlsConnector::from(config.proxy_tls.clone()).connect(name, tcp).await;
        match tls {
            Ok(s) => Transport::Tls(Box::new(s)),
            Err(e) => {
                let kind = crate::tls::classify_handshake_error(&e);
                let inner = ConnectError::new(ConnectErrorKind::Tls(kind))
                    .with_target(proxy::authority(proxy.host(), proxy.port()))
                    .with_source(Box::new(e));
                return Err(unreachable(inner));
            }
        }
    } else {
        Transport::Tcp(tcp)
    };
    proxy::tunnel(&mut transport, proxy, host, port).await?;
    Ok(transport)
}

/// Resolves `host` and connects to its addresses in order.
async fn dial(host: &str, port: u16) -> Result<TcpStream, ConnectError> {
    let target = || proxy::authority(host, port);
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => addrs.collect(),
        Err(e) => {
            return Err(ConnectError::new(ConnectErrorKind::Dns)
                .with_target(target())
                .with_source(Box::new(e)));
        }
    };
    if addrs.is_empty() {
        return Err(ConnectError::new(ConnectErrorKind::Dns)
            .with_target(target())
            .with_detail("the name resolved to no address"));
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Requests are written whole; waiting to coalesce only adds latency.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    let (addr, e) = last.expect("at least one address was tried");
    let kind = if e.kind() == io::ErrorKind::ConnectionRefused {
        ConnectErrorKind::Refused
    } else {
        ConnectErrorKind::Io
    };
    Err(ConnectError::new(kind)
        .with_target(target())
        .with_detail(format!("last address tried: {addr}"))
        .with_source(Box::new(e)))
}

fn server_name(host: &str, target: &str) -> Result<ServerName<'static>, ConnectError> {
    ServerName::try_from(host.to_string()).map_err(|e| {
        ConnectError::new(ConnectErrorKind::InvalidUri)
            .with_target(target.to_string())
            .with_detail("the host is not a valid TLS server name")
            .with_source(Box::new(e))
    })
}

async fn handshake(
    config: &Arc<ClientConfig>,
    timeout: Duration,
    host: &str,
    transport: Transport,
    target: &str,
) -> Result<TlsStream<Transport>, ConnectError> {
    let name = server_name(host, target)?;
    let connecting = TlsConnector::from(config.clone()).connect(name, transport);
    match tokio::time::timeout(timeout, connecting).await {
        Err(_) => Err(ConnectError::new(ConnectErrorKind::TlsHandshakeTimeout(timeout)).with_target(target)),
        Ok(Err(e)) => {
            let kind = crate::tls::classify_handshake_error(&e);
            Err(ConnectError::new(ConnectErrorKind::Tls(kind))
                .with_target(target)
                .with_source(Box::new(e)))
        }
        Ok(Ok(stream)) => Ok(stream),
    }
}

/// The way to the endpoint: TCP, or TLS to an `https://` proxy carrying a tunnel.
pub(crate) enum Transport {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// What hyper reads and writes: the transport, possibly wrapped in the endpoint's TLS.
pub(crate) enum Stream {
    Plain(Transport),
    Tls(Box<TlsStream<Transport>>),
}

macro_rules! delegate_io {
    ($ty:ident, $($variant:ident),+) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() { $($ty::$variant(s) => Pin::new(s).poll_read(cx, buf),)+ }
            }
        }
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                match self.get_mut() { $($ty::$variant(s) => Pin::new(s).poll_write(cx, buf),)+ }
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                match self.get_mut() { $($ty::$variant(s) => Pin::new(s).poll_write_vectored(cx, bufs),)+ }
            }
            fn is_write_vectored(&self) -> bool {
                match self { $($ty::$variant(s) => s.is_write_vectored(),)+ }
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() { $($ty::$variant(s) => Pin::new(s).poll_flush(cx),)+ }
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() { $($ty::$variant(s) => Pin::new(s).poll_shutdown(cx),)+ }
            }
        }
    };
}

delegate_io!(Transport, Tcp, Tls);
delegate_io!(Stream, Plain, Tls);

/// A connection handed to hyper: the stream and whether ALPN chose HTTP/2.
pub(crate) struct Conn {
    io: TokioIo<Stream>,
    h2: bool,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        if self.h2 {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
