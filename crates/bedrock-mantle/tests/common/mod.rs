//! A recording HTTP/1.1 server on loopback with canned answers, and an in-process
//! `HttpClient` that answers with bodies split into chosen chunks.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bedrock_transport::{BoxError, HttpClient, RequestBody, ResponseBody, ResponseFuture};
use bytes::Bytes;
use futures_core::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub fn ok(body: impl Into<String>) -> Canned {
    Canned {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into(),
    }
}

pub fn sse(body: impl Into<String>) -> Canned {
    Canned {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        body: body.into(),
    }
}

pub fn status(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Canned {
    Canned {
        status,
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: body.into(),
    }
}

pub struct Server {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn last(&self) -> Recorded {
        self.requests().last().cloned().expect("a request")
    }
}

/// Serves `answers` in order, one per request, on 127.0.0.1 port 0.
pub async fn server(answers: Vec<Canned>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let recorded = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let recorded = recorded.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 4096];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let mut lines = head.split("\r\n");
                    let mut first = lines.next().unwrap().split(' ');
                    let method = first.next().unwrap().to_owned();
                    let target = first.next().unwrap().to_owned();
                    let headers: Vec<(String, String)> = lines
                        .filter(|l| !l.is_empty())
                        .map(|l| {
                            let (n, v) = l.split_once(':').unwrap();
                            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
                        })
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .map_or(0, |(_, v)| v.parse().unwrap());
                    while buf.len() < head_end + len {
                        let mut chunk = [0u8; 4096];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
                    buf.drain(..head_end + len);
                    recorded.lock().unwrap().push(Recorded {
                        method,
                        target,
                        headers,
                        body,
                    });
                    let answer = answers.lock().unwrap().pop_front().unwrap_or_else(|| {
                        status(
                            500,
                            &[],
                            r#"{"error":{"message":"no canned answer left","type":"test"}}"#,
                        )
                    });
                    let mut out = format!(
                        "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
                        answer.status,
                        answer.body.len()
                    );
                    for (n, v) in &answer.headers {
                        out.push_str(&format!("{n}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&answer.body);
                    if socket.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Server { url, requests }
}

/// A body of chosen chunks (and maybe an error after them).
pub struct Chunks(pub VecDeque<Result<Bytes, BoxError>>);

impl Stream for Chunks {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front())
    }
}

/// An `HttpClient` that answers every request with the next body of chunks (status 200,
/// `text/event-stream`) and counts requests.
#[derive(Debug, Default)]
pub struct ChunkedClient {
    bodies: Mutex<VecDeque<Vec<Result<Bytes, String>>>>,
    pub requests: Mutex<Vec<String>>,
}

impl ChunkedClient {
    pub fn new(bodies: Vec<Vec<Result<Bytes, String>>>) -> Arc<Self> {
        Arc::new(ChunkedClient {
            bodies: Mutex::new(bodies.into()),
            requests: Mutex::new(Vec::new()),
        })
    }
}

impl HttpClient for ChunkedClient {
    fn send(&self, request: http::Request<RequestBody>) -> ResponseFuture {
        self.requests.lock().unwrap().push(request.uri().to_string());
        let chunks = self.bodies.lock().unwrap().pop_front().unwrap_or_default();
        let body: ResponseBody = Box::pin(Chunks(chunks.into_iter().map(|c| c.map_err(BoxError::from)).collect()));
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "text/event-stream")
            .header("x-amzn-requestid", "req-stream")
            .body(body)
            .unwrap();
        Box::pin(std::future::ready(Ok(response)))
    }
}

/// `text` split into chunks of `size` bytes (splitting CRLF pairs and UTF-8 characters).
pub fn split(text: &str, size: usize) -> Vec<Result<Bytes, String>> {
    text.as_bytes()
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect()
}

/// SSE text of `(event name, data)` pairs.
pub fn sse_text(events: &[(Option<&str>, String)], crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            out.push_str(&format!("event: {name}{nl}"));
        }
        out.push_str(&format!("data: {data}{nl}{nl}"));
    }
    out
}
