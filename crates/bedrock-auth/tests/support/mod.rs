//! Small hyper servers on 127.0.0.1 port 0 that play STS, SSO, SSO-OIDC, a
//! container credentials endpoint and IMDS, and record what they received.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_auth::Clock;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What to answer.
pub enum Reply {
    /// Status, extra headers, body.
    With(u16, Vec<(&'static str, String)>, String),
    /// Never answer (the connection stays open).
    Hang,
}

pub fn ok(body: impl Into<String>) -> Reply {
    Reply::With(200, vec![], body.into())
}

pub fn status(code: u16, body: impl Into<String>) -> Reply {
    Reply::With(code, vec![], body.into())
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// Serves `handler` until the test's runtime ends.
pub async fn serve(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let recorded = requests.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let handler = handler.clone();
                    let recorded = recorded.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let request = Recorded {
                            method: parts.method.to_string(),
                            path: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
                            headers: parts.headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        };
                        recorded.lock().unwrap().push(request.clone());
                        match handler(&request) {
                            Reply::Hang => std::future::pending().await,
                            Reply::With(code, headers, body) => {
                                let mut response = http::Response::builder().status(code);
                                for (name, value) in headers {
                                    response = response.header(name, value);
                                }
                                Ok::<_, Infallible>(response.body(Full::new(Bytes::from(body))).unwrap())
                            }
                        }
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server { addr, requests }
}

/// The real transport, with no proxy from the environment.
pub fn http_client() -> Arc<dyn bedrock_transport::HttpClient> {
    Arc::new(bedrock_transport::HyperClient::builder().no_proxy().build().unwrap())
}

/// 2024-01-02T03:04:05Z.
pub const NOW_SECS: u64 = 1_704_164_645;

#[derive(Debug)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(NOW_SECS)))
}

/// An STS answer for `action` with the given keys, expiring in 2030.
pub fn sts_xml(action: &str, access_key_id: &str, secret: &str, token: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>\
         <Credentials><AccessKeyId>{access_key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>\
         </{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// The credentials JSON of the container endpoint and IMDS, expiring in 2030.
pub fn json_creds(access_key_id: &str, secret: &str, token: &str) -> String {
    format!(
        r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"{access_key_id}","SecretAccessKey":"{secret}","Token":"{token}","Expiration":"2030-01-01T00:00:00Z"}}"#
    )
}

/// A form body's value for `key` (percent-decoded enough for the tests: `%XX` only).
pub fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

pub fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A fake IMDS: token `imds-token` for PUTs with a TTL header; 401 for GETs
/// without it; otherwise `routes(path)`.
pub async fn fake_imds(routes: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Server {
    serve(move |req| {
        if req.path == "/latest/api/token" {
            return if req.method == "PUT" && req.header("x-aws-ec2-metadata-token-ttl-seconds") == Some("21600") {
                ok("imds-token")
            } else {
                status(400, "")
            };
        }
        if req.header("x-aws-ec2-metadata-token") != Some("imds-token") {
            return status(401, "");
        }
        routes(&req.path)
    })
    .await
}
