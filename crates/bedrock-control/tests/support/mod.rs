//! Shared by the integration tests: a client pointed at a local endpoint, and a recording
//! HTTP server that answers every request with one canned response.

#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bedrock_config::Credentials;
use bedrock_control::{Client, Config};
use bedrock_wire::operation::FixedToken;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The idempotency token both SDKs are made to generate in the tests.
pub const FIXED_TOKEN: &str = "00000000-1111-4222-8333-444455556666";

/// A client of `url` with static credentials and a fixed idempotency token.
pub async fn client(url: &str) -> Client {
    let config = Config::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDLOCAL", "local-secret", None, None, "test"))
        .endpoint_url(url)
        .load()
        .await
        .unwrap()
        .with_idempotency_tokens(FixedToken(FIXED_TOKEN.to_owned()));
    Client::new(&config)
}

/// A request as the recording server saw it.
#[derive(Debug)]
pub struct Recorded {
    pub method: String,
    /// Raw (still percent-encoded) path.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// A loopback HTTP/1.1 server that records each request and answers with `response`.
pub struct Recorder {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(status: u16, headers: Vec<(String, String)>, body: String) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let canned = Arc::new((status, headers, Bytes::from(body)));
        let log = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let canned = canned.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        let canned = canned.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            log.lock().unwrap().push(Recorded {
                                method: parts.method.to_string(),
                                path: parts.uri.path().to_owned(),
                                query: parts.uri.query().map(str::to_owned),
                                headers: parts.headers,
                                body,
                            });
                            let (status, headers, body) = &*canned;
                            let mut response = http::Response::builder().status(*status);
                            for (name, value) in headers {
                                response = response.header(name, value);
                            }
                            Ok::<_, Infallible>(response.body(Full::new(body.clone())).unwrap())
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Recorder { url, requests, task }
    }

    /// The requests received so far.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}
