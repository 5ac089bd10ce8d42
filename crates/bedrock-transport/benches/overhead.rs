//! Per-request overhead of `HyperClient` against a loopback hyper server, compared with
//! a bare hyper-util client sending the same bytes (the floor).
//!
//! Run: `cargo bench -p bedrock-transport --bench overhead -- --warm-up-time 1 --measurement-time 3`.
//! Results and how to read them: `docs/performance.md` (section 3).
//!
//! Each iteration is one request on a warm pooled connection: a 1 KiB POST (about a
//! Converse request) answered with 512 bytes, the response body read to the end. The
//! server runs on its own thread and runtime; the client side runs on the bench thread's
//! current-thread runtime, so both clients pay the same scheduling costs.

use std::convert::Infallible;
use std::future::poll_fn;
use std::hint::black_box;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bedrock_transport::{CaBundle, HttpClient, HttpVersionPolicy, HyperClient, RequestBody};
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http::{Request, Response};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{CertificateParams, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

const REQUEST_LEN: usize = 1024;
const RESPONSE_LEN: usize = 512;

/// A body sent in one frame, the same for the server and the bare client.
struct Once(Option<Bytes>);

impl Body for Once {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |b| b.len() as u64))
    }
}

/// Reads a hyper body to the end, returning its length.
async fn drain(mut body: Incoming) -> usize {
    let mut n = 0;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame.expect("body frame").into_data() {
            n += data.len();
        }
    }
    n
}

/// Starts the server on its own thread: reads each request body, answers 512 bytes.
fn start_server(tls: Option<Arc<ServerConfig>>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("listener");
            let response = Bytes::from(vec![b'r'; RESPONSE_LEN]);
            loop {
                let (tcp, _) = listener.accept().await.expect("accept");
                tcp.set_nodelay(true).expect("nodelay");
                let response = response.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let response = response.clone();
                        async move {
                            drain(req.into_body()).await;
                            Ok::<_, Infallible>(Response::new(Once(Some(response))))
                        }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let _ = match tls {
                        None => builder.serve_connection(TokioIo::new(tcp), service).await,
                        Some(config) => {
                            let tls = tokio_rustls::TlsAcceptor::from(config)
                                .accept(tcp)
                                .await
                                .expect("handshake");
                            builder.serve_connection(TokioIo::new(tls), service).await
                        }
                    };
                });
            }
        });
    });
    addr
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn bare_client(http2_only: bool) -> Client<HttpConnector, Once> {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .http2_only(http2_only)
        .build(connector)
}

async fn bare_request(client: &Client<HttpConnector, Once>, url: &str, body: &Bytes) -> usize {
    let request = Request::post(url)
        .header("content-type", "application/json")
        .body(Once(Some(body.clone())))
        .expect("request");
    let response = client.request(request).await.expect("bare request");
    drain(response.into_body()).await
}

async fn our_request(client: &HyperClient, url: &str, body: &Bytes) -> usize {
    let request = Request::post(url)
        .header("content-type", "application/json")
        .body(RequestBody::Bytes(body.clone()))
        .expect("request");
    let response = client.send(request).await.expect("our request");
    let mut body = response.into_body();
    let mut n = 0;
    while let Some(chunk) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        n += chunk.expect("chunk").len();
    }
    n
}

/// Whether this is a measuring run (`cargo bench`), not `--list` or `cargo test --benches`.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A paired A/B measurement that survives a busy machine: rounds of `PER_ROUND`
/// requests alternate between the two clients (which one goes first alternates too),
/// so load that comes and goes hits both alike. Prints per-request medians and the
/// median of the per-round ratios.
fn paired(name: &str, mut bare: impl FnMut() -> usize, mut ours: impl FnMut() -> usize) {
    const ROUNDS: usize = 40;
    const PER_ROUND: usize = 250;
    let time = |f: &mut dyn FnMut() -> usize| {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            black_box(f());
        }
        start.elapsed().as_secs_f64() * 1e6 / PER_ROUND as f64
    };
    let (mut a, mut b, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (ta, tb) = if round % 2 == 0 {
            let ta = time(&mut bare);
            (ta, time(&mut ours))
        } else {
            let tb = time(&mut ours);
            (time(&mut bare), tb)
        };
        a.push(ta);
        b.push(tb);
        ratio.push(tb / ta);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "paired {name}: bare_hyper_util {:.2} µs, bedrock_transport {:.2} µs, ratio median {:.3} \
         ({ROUNDS} rounds x {PER_ROUND} requests each)",
        median(&mut a),
        median(&mut b),
        median(&mut ratio)
    );
}

fn overhead(c: &mut Criterion) {
    let rt = runtime();
    let body = Bytes::from(vec![b'q'; REQUEST_LEN]);

    for (name, http2) in [("http1_loopback", false), ("h2c_loopback", true)] {
        let addr = start_server(None);
        let url = format!("http://{addr}/model/invoke");
        let bare = bare_client(http2);
        let policy = if http2 {
            HttpVersionPolicy::Http2Only
        } else {
            HttpVersionPolicy::Negotiate
        };
        let ours = HyperClient::builder().http_versions(policy).build().expect("client");
        // Warm both pools and check both see the whole response.
        assert_eq!(rt.block_on(bare_request(&bare, &url, &body)), RESPONSE_LEN);
        assert_eq!(rt.block_on(our_request(&ours, &url, &body)), RESPONSE_LEN);

        if benchmarking() {
            paired(
                name,
                || rt.block_on(bare_request(&bare, &url, &body)),
                || rt.block_on(our_request(&ours, &url, &body)),
            );
        }

        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(1));
        group.bench_function("bare_hyper_util", |b| {
            b.iter(|| rt.block_on(bare_request(&bare, &url, &body)))
        });
        group.bench_function("bedrock_transport", |b| {
            b.iter(|| rt.block_on(our_request(&ours, &url, &body)))
        });
        group.finish();
    }

    // Over TLS with ALPN (what Bedrock uses): no bare baseline, rustls is the same code
    // under both; the number shows what TLS adds per request.
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let addr = start_server(Some(Arc::new(config)));
    let url = format!("https://{addr}/model/invoke");
    let ours = HyperClient::builder()
        .ca_bundle(CaBundle::from_pem(cert.pem()))
        .build()
        .expect("client");
    assert_eq!(rt.block_on(our_request(&ours, &url, &body)), RESPONSE_LEN);
    let mut group = c.benchmark_group("h2_tls_loopback");
    group.throughput(Throughput::Elements(1));
    group.bench_function("bedrock_transport", |b| {
        b.iter(|| rt.block_on(our_request(&ours, &url, &body)))
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
