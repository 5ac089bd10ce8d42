//! The built-in client against real hyper servers (and a tiny CONNECT proxy) on
//! 127.0.0.1, port 0. No test sleeps to synchronise: timeouts are provoked by peers that
//! never answer, so only the timeout under test can end the wait.

use std::convert::Infallible;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bedrock_transport::{
    BoxError, CaBundle, ConnectError, ConnectErrorKind, HttpClient, HttpVersionPolicy, HyperClient, NoProxy,
    ProxyConfig, ProxyErrorKind, RequestBody, ResponseBody, TlsErrorKind,
};
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response, Version};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

// ---------------------------------------------------------------- certificates

/// A CA and a server certificate for `localhost` and `127.0.0.1`, made for each test.
struct Pki {
    ca_pem: String,
    cert: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Pki {
    fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "bedrock-transport test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        Pki {
            ca_pem: ca.pem(),
            cert: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    fn server_config(&self, alpn: &[&[u8]]) -> Arc<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![self.cert.clone()], key)
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    fn bundle(&self) -> CaBundle {
        CaBundle::from_pem(self.ca_pem.clone().into_bytes())
    }
}

const H2_H1: &[&[u8]] = &[b"h2", b"http/1.1"];
const H1: &[&[u8]] = &[b"http/1.1"];

// ---------------------------------------------------------------- servers

/// A hyper server (HTTP/1.1 and HTTP/2, by ALPN or preface) that echoes each request
/// body back as it arrives, and counts the TCP connections it accepted.
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Server {
    async fn start(tls: Option<Arc<ServerConfig>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => serve(tcp).await,
                        Some(config) => {
                            if let Ok(stream) = TlsAcceptor::from(config).accept(tcp).await {
                                serve(stream).await;
                            }
                        }
                    }
                });
            }
        });
        Server { addr, connections }
    }

    fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(stream: S) {
    let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
        Ok::<_, Infallible>(Response::new(req.into_body()))
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

// ---------------------------------------------------------------- helpers

fn client(pki: &Pki) -> HyperClient {
    HyperClient::builder().ca_bundle(pki.bundle()).build().unwrap()
}

fn post(url: &str, body: &'static str) -> Request<RequestBody> {
    Request::post(url)
        .body(RequestBody::Bytes(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

async fn next_chunk(body: &mut ResponseBody) -> Option<Bytes> {
    poll_fn(|cx| body.as_mut().poll_next(cx)).await.map(|r| r.unwrap())
}

async fn read_all(mut body: ResponseBody) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = next_chunk(&mut body).await {
        out.extend_from_slice(&chunk);
    }
    out
}

/// Sends `request` and returns (version, body).
async fn roundtrip(client: &HyperClient, request: Request<RequestBody>) -> (Version, Vec<u8>) {
    let response = client
        .send(request)
        .await
        .unwrap_or_else(|e| panic!("send failed: {e} / {e:?}"));
    assert_eq!(response.status(), 200);
    let version = response.version();
    (version, read_all(response.into_body()).await)
}

async fn send_err(client: &HyperClient, request: Request<RequestBody>) -> ConnectError {
    let err: BoxError = match client.send(request).await {
        Ok(r) => panic!("expected an error, got {}", r.status()),
        Err(e) => e,
    };
    match err.downcast::<ConnectError>() {
        Ok(e) => *e,
        Err(e) => panic!("not a ConnectError: {e:?}"),
    }
}

/// A request body fed from a channel, for the bidirectional stream.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl Stream for ChannelBody {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_recv(cx).map(|o| o.map(Ok))
    }
}

fn env_of(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()))
}

// ---------------------------------------------------------------- pooling and protocols

#[tokio::test]
async fn http1_second_request_and_clones_reuse_the_connection() {
    let server = Server::start(None).await;
    let client = HyperClient::builder().build().unwrap();
    let (version, body) = roundtrip(&client, post(&server.url("http", "/a"), "one")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_11, &b"one"[..]));
    let (_, body) = roundtrip(&client, post(&server.url("http", "/b"), "two")).await;
    assert_eq!(body, b"two");
    // A clone (another service client on the same transport) shares the pool.
    let shared: Arc<dyn HttpClient> = Arc::new(client.clone());
    let response = shared.send(post(&server.url("http", "/c"), "three")).await.unwrap();
    assert_eq!(read_all(response.into_body()).await, b"three");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn pool_can_be_disabled() {
    let server = Server::start(None).await;
    let client = HyperClient::builder().pool_max_idle_per_host(0).build().unwrap();
    roundtrip(&client, post(&server.url("http", "/"), "a")).await;
    roundtrip(&client, post(&server.url("http", "/"), "b")).await;
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn alpn_negotiates_http2_and_multiplexes_on_one_connection() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let client = client(&pki);
    let (version, body) = roundtrip(&client, post(&server.url("https", "/"), "hello")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"hello"[..]));
    let url = server.url("https", "/");
    let clone = client.clone();
    let (a, b) = tokio::join!(roundtrip(&client, post(&url, "a")), roundtrip(&clone, post(&url, "b")));
    assert_eq!((a.1, b.1), (b"a".to_vec(), b"b".to_vec()));
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn alpn_falls_back_to_http1_and_still_pools() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H1))).await;
    let client = client(&pki);
    for body in ["x", "y"] {
        let (version, echoed) = roundtrip(&client, post(&server.url("https", "/"), body)).await;
        assert_eq!((version, echoed), (Version::HTTP_11, body.as_bytes().to_vec()));
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn http2_only_uses_prior_knowledge_on_plain_http() {
    let server = Server::start(None).await;
    let client = HyperClient::builder()
        .http_versions(HttpVersionPolicy::Http2Only)
        .build()
        .unwrap();
    let (version, body) = roundtrip(&client, post(&server.url("http", "/"), "h2c")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"h2c"[..]));
}

#[tokio::test]
async fn http2_only_against_an_http1_only_server_is_a_typed_tls_error() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H1))).await;
    let client = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .http_versions(HttpVersionPolicy::Http2Only)
        .build()
        .unwrap();
    let err = send_err(&client, post(&server.url("https", "/"), "")).await;
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::Tls(TlsErrorKind::NoApplicationProtocol),
        "{err}"
    );
}

// ---------------------------------------------------------------- the bidirectional stream

#[tokio::test]
async fn bidirectional_stream_echoes_each_chunk_while_the_request_is_still_open() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let client = client(&pki);
    let (tx, rx) = mpsc::channel(1);
    let request = Request::post(server.url("https", "/stream"))
        .body(RequestBody::Stream(Box::pin(ChannelBody(rx))))
        .unwrap();
    tx.send(Bytes::from_static(b"ping-0")).await.unwrap();
    let response = client.send(request).await.unwrap();
    assert_eq!(response.version(), Version::HTTP_2);
    let mut body = response.into_body();
    assert_eq!(next_chunk(&mut body).await.unwrap(), "ping-0");
    // Each echo arrives before the next chunk is sent: both directions are open at once.
    for i in 1..5 {
        let chunk = Bytes::from(format!("ping-{i}"));
        tx.send(chunk.clone()).await.unwrap();
        assert_eq!(next_chunk(&mut body).await.unwrap(), chunk);
    }
    drop(tx);
    assert_eq!(next_chunk(&mut body).await, None);
}

#[tokio::test]
async fn streaming_body_on_an_http1_connection_is_refused_not_deadlocked() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H1))).await;
    let client = client(&pki);
    let (_tx, rx) = mpsc::channel(1);
    let request = Request::post(server.url("https", "/"))
        .body(RequestBody::Stream(Box::pin(ChannelBody(rx))))
        .unwrap();
    let err = send_err(&client, request).await;
    assert_eq!(*err.kind(), ConnectErrorKind::Http2Required, "{err}");
    assert!(err.to_string().contains("HTTP/2"), "{err}");

    let h1_only = HyperClient::builder()
        .http_versions(HttpVersionPolicy::Http1Only)
        .build()
        .unwrap();
    let (_tx, rx) = mpsc::channel(1);
    let request = Request::post(server.url("https", "/"))
        .body(RequestBody::Stream(Box::pin(ChannelBody(rx))))
        .unwrap();
    assert_eq!(
        *send_err(&h1_only, request).await.kind(),
        ConnectErrorKind::Http2Required
    );
}

// ---------------------------------------------------------------- timeouts and TCP errors

#[tokio::test]
async fn connect_timeout_is_its_own_error() {
    // A listener whose accept queue (backlog 0: one connection) is already full: the
    // kernel drops further SYNs, so the connect hangs until our timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let _filler = std::net::TcpStream::connect(addr).unwrap();

    let timeout = Duration::from_millis(200);
    let client = HyperClient::builder().connect_timeout(timeout).build().unwrap();
    let err = send_err(&client, post(&format!("http://{addr}/"), "")).await;
    assert_eq!(*err.kind(), ConnectErrorKind::ConnectTimeout(timeout), "{err}");
    assert!(err.is_transient());
    assert_eq!(err.target(), Some(addr.to_string().as_str()));
    assert!(err.to_string().contains("connect timeout"), "{err}");
}

#[tokio::test]
async fn tls_handshake_timeout_is_its_own_error() {
    // Accepts TCP, then never speaks.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (hold_tx, mut hold_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = hold_tx.send(tcp);
        }
    });
    let timeout = Duration::from_millis(200);
    let client = HyperClient::builder()
        .connect_timeout(Duration::from_secs(10))
        .tls_handshake_timeout(timeout)
        .build()
        .unwrap();
    let err = send_err(&client, post(&format!("https://{addr}/"), "")).await;
    assert_eq!(*err.kind(), ConnectErrorKind::TlsHandshakeTimeout(timeout), "{err}");
    assert!(err.is_transient());
    assert!(hold_rx.recv().await.is_some(), "the server saw the TCP connection");
}

#[tokio::test]
async fn refused_connection_is_typed() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = HyperClient::builder().build().unwrap();
    let err = send_err(&client, post(&format!("http://{addr}/"), "")).await;
    assert_eq!(*err.kind(), ConnectErrorKind::Refused, "{err:?}");
    assert!(err.is_transient());
}

// ---------------------------------------------------------------- trust roots and CA bundles

#[tokio::test]
async fn default_roots_reject_a_private_ca_with_a_hint() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let client = HyperClient::builder().build().unwrap();
    let err = send_err(&client, post(&server.url("https", "/"), "")).await;
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::Tls(TlsErrorKind::UnknownIssuer),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert!(err.to_string().contains("AWS_CA_BUNDLE"), "{err}");
    assert_eq!(client.is_fips(), cfg!(feature = "fips"));
}

/// With `--features fips` this runs the handshake on the FIPS module: the client's
/// rustls config must say so (`ClientConfig::fips()`) and still reach the server.
#[tokio::test]
async fn the_compiled_in_provider_reports_fips_and_completes_a_tls_request() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let client = client(&pki);
    assert_eq!(client.is_fips(), cfg!(feature = "fips"));
    assert!(format!("{client:?}").contains(&format!("fips: {}", cfg!(feature = "fips"))));
    let (version, body) = roundtrip(&client, post(&server.url("https", "/"), "fips?")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"fips?"[..]));
}

#[tokio::test]
async fn aws_ca_bundle_from_the_environment_is_trusted() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let path = temp_path("ca-bundle.pem");
    std::fs::write(&path, &pki.ca_pem).unwrap();
    let env = env_of(vec![("AWS_CA_BUNDLE", path.display().to_string())]);
    let client = HyperClient::builder().with_env_from(env).build().unwrap();
    let (version, body) = roundtrip(&client, post(&server.url("https", "/"), "trusted")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"trusted"[..]));
    // The name in the certificate is checked too: localhost is in it.
    let url = format!("https://localhost:{}/", server.addr.port());
    roundtrip(&client, post(&url, "by name")).await;
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn unusable_ca_bundles_fail_the_build_with_the_path() {
    let missing = temp_path("does-not-exist.pem");
    let env = env_of(vec![("AWS_CA_BUNDLE", missing.display().to_string())]);
    let err = HyperClient::builder().with_env_from(env).build().unwrap_err();
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::InvalidCaBundle {
            path: Some(missing.clone())
        }
    );
    assert!(err.to_string().contains(&missing.display().to_string()), "{err}");

    let no_certs = temp_path("no-certs.pem");
    std::fs::write(&no_certs, "not a certificate\n").unwrap();
    let err = HyperClient::builder()
        .ca_bundle(CaBundle::from_path(&no_certs))
        .build()
        .unwrap_err();
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::InvalidCaBundle {
            path: Some(no_certs.clone())
        }
    );
    std::fs::remove_file(no_certs).unwrap();

    let err = HyperClient::builder()
        .ca_bundle(CaBundle::from_pem("garbage"))
        .build()
        .unwrap_err();
    assert_eq!(*err.kind(), ConnectErrorKind::InvalidCaBundle { path: None });
}

#[tokio::test]
async fn explicit_config_wins_over_the_environment_in_any_order() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let bad_env = || {
        env_of(vec![
            ("AWS_CA_BUNDLE", temp_path("missing.pem").display().to_string()),
            ("HTTPS_PROXY", "http://127.0.0.1:1".to_string()),
        ])
    };
    let before = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .no_proxy()
        .with_env_from(bad_env())
        .build()
        .unwrap();
    let after = HyperClient::builder()
        .with_env_from(bad_env())
        .ca_bundle(pki.bundle())
        .no_proxy()
        .build()
        .unwrap();
    for client in [before, after] {
        roundtrip(&client, post(&server.url("https", "/"), "ok")).await;
    }
}

// ---------------------------------------------------------------- proxy

/// A tiny CONNECT proxy: records each request head, then tunnels (or answers 407).
struct TestProxy {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    async fn start(tls: Option<Arc<ServerConfig>>, require_auth: Option<&'static str>) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let seen = seen.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => proxy_conn(tcp, seen, require_auth).await,
                        Some(c) => {
                            if let Ok(s) = TlsAcceptor::from(c).accept(tcp).await {
                                proxy_conn(s, seen, require_auth).await
                            }
                        }
                    }
                });
            }
        });
        TestProxy { addr, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn proxy_conn<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    seen: Arc<Mutex<Vec<String>>>,
    auth: Option<&str>,
) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        if client.read_exact(&mut byte).await.is_err() {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    seen.lock().unwrap().push(head.clone());
    if let Some(expected) = auth {
        if !head.contains(&format!("Proxy-Authorization: {expected}\r\n")) {
            let _ = client
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n")
                .await;
            return;
        }
    }
    let target = head.split_whitespace().nth(1).unwrap().to_string();
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .unwrap();
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_with_credentials() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    // base64("user:p@ss")
    let proxy = TestProxy::start(None, Some("Basic dXNlcjpwQHNz")).await;
    let config = ProxyConfig::new(&format!("http://user:p%40ss@{}", proxy.addr)).unwrap();
    let builder = HyperClient::builder().ca_bundle(pki.bundle()).proxy(config);
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains("p%40ss") && !shown.contains("p@ss") && !shown.contains("dXNl"),
        "{shown}"
    );
    let client = builder.build().unwrap();
    let (version, body) = roundtrip(&client, post(&server.url("https", "/"), "tunnelled")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"tunnelled"[..]));
    roundtrip(&client, post(&server.url("https", "/"), "again")).await;
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "the tunnelled connection is pooled: {heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT {} HTTP/1.1\r\n", server.addr)),
        "{}",
        heads[0]
    );
    // Debug never shows the password.
    let shown = format!("{client:?}");
    assert!(
        shown.contains("http://***@127.0.0.1") && !shown.contains("p%40ss") && !shown.contains("p@ss"),
        "{shown}"
    );
}

#[tokio::test]
async fn https_proxy_url_is_reached_over_tls() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let proxy = TestProxy::start(Some(pki.server_config(H1)), None).await;
    let config = ProxyConfig::new(&format!("https://localhost:{}", proxy.addr.port())).unwrap();
    let client = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .proxy(config)
        .build()
        .unwrap();
    let (version, body) = roundtrip(&client, post(&server.url("https", "/"), "tls in tls")).await;
    assert_eq!((version, body.as_slice()), (Version::HTTP_2, &b"tls in tls"[..]));
    assert_eq!(proxy.heads().len(), 1);
}

#[tokio::test]
async fn proxy_from_the_environment_and_no_proxy() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;
    let proxy = TestProxy::start(None, None).await;
    let env = |no_proxy: &str| {
        env_of(vec![
            ("https_proxy", format!("http://{}", proxy.addr)),
            ("NO_PROXY", no_proxy.to_string()),
        ])
    };
    let via_proxy = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .with_env_from(env("example.com"))
        .build()
        .unwrap();
    roundtrip(&via_proxy, post(&server.url("https", "/"), "a")).await;
    assert_eq!(proxy.heads().len(), 1);

    for bypass in [
        "127.0.0.1",
        "*",
        format!("127.0.0.1:{}", server.addr.port()).as_str(),
        "127.0.0.0/8",
    ] {
        let direct = HyperClient::builder()
            .ca_bundle(pki.bundle())
            .with_env_from(env(bypass))
            .build()
            .unwrap();
        roundtrip(&direct, post(&server.url("https", "/"), "b")).await;
    }
    // A port that does not match keeps the proxy.
    let other_port = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .with_env_from(env("127.0.0.1:1"))
        .build()
        .unwrap();
    roundtrip(&other_port, post(&server.url("https", "/"), "c")).await;
    assert_eq!(proxy.heads().len(), 2);

    // Plain http:// never uses the proxy.
    let plain = Server::start(None).await;
    roundtrip(&via_proxy, post(&plain.url("http", "/"), "d")).await;
    assert_eq!(proxy.heads().len(), 2);
}

#[tokio::test]
async fn proxy_failures_are_typed() {
    let pki = Pki::new();
    let server = Server::start(Some(pki.server_config(H2_H1))).await;

    let proxy = TestProxy::start(None, Some("Basic secret")).await;
    let config = ProxyConfig::new(&format!("http://{}", proxy.addr)).unwrap();
    let client = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .proxy(config)
        .build()
        .unwrap();
    let err = send_err(&client, post(&server.url("https", "/"), "")).await;
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::Proxy(ProxyErrorKind::AuthenticationRequired),
        "{err}"
    );
    assert!(!err.is_transient());
    assert!(err.to_string().contains("user:password@"), "{err}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = ProxyConfig::new(&format!("http://u:hunter2@{closed}")).unwrap();
    let client = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .proxy(config.clone())
        .build()
        .unwrap();
    let err = send_err(&client, post(&server.url("https", "/"), "")).await;
    assert_eq!(
        *err.kind(),
        ConnectErrorKind::Proxy(ProxyErrorKind::Unreachable),
        "{err}"
    );
    assert!(err.is_transient());
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");

    // The same unreachable proxy is skipped for hosts in NO_PROXY.
    let bypass = config.with_no_proxy(NoProxy::parse("localhost, 127.0.0.1"));
    let client = HyperClient::builder()
        .ca_bundle(pki.bundle())
        .proxy(bypass)
        .build()
        .unwrap();
    roundtrip(&client, post(&server.url("https", "/"), "direct")).await;
}

#[tokio::test]
async fn bad_https_proxy_variable_fails_the_build_without_echoing_it() {
    let env = env_of(vec![("HTTPS_PROXY", "socks5://user:hunter2@proxy:1080".to_string())]);
    let err = HyperClient::builder().with_env_from(env).build().unwrap_err();
    assert_eq!(*err.kind(), ConnectErrorKind::InvalidProxyUrl);
    assert!(
        err.to_string().contains("HTTPS_PROXY") && !format!("{err:?}").contains("hunter2"),
        "{err}"
    );
}
