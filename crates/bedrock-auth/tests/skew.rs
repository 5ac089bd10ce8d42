//! Clock-skew correction end to end: the transport's executor and hyper client,
//! signing with [`SigV4Signing`], against a hyper server on 127.0.0.1 (port 0)
//! that checks SigV4 like a service: a request dated more than five minutes from
//! its clock is refused with `403 InvalidSignatureException`, a signature made with
//! the wrong secret with `403 SignatureDoesNotMatch`, each with a `Date` header.
//! The client's time is a `ManualClock`; backoff is zero, so nothing sleeps.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use bedrock_auth::provider::StaticProvider;
use bedrock_auth::{ClockSkew, Credentials, SigV4Signing, Signer, SigningName};
use bedrock_transport::clock::ManualClock;
use bedrock_transport::executor::RetryInfo;
use bedrock_transport::{Executor, HyperClient, OperationInfo, RetryConfig};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const AKID: &str = "AKIDSKEWTESTEXAMPLE";
const SECRET: &str = "SKEWsecretKEYvalue/abcdefghijklmnopqrstu";
const WRONG_SECRET: &str = "WRONGsecretKEYvalue/abcdefghijklmnopqrst";
/// The client's clock: 2024-01-02T03:04:05Z.
const LOCAL_SECS: u64 = 1_704_164_645;
/// How far a request's date may be from the server's clock.
const ALLOWED: i64 = 5 * 60;

const OP: OperationInfo = OperationInfo::new("bedrock-runtime", "Converse");

fn local() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(LOCAL_SECS)
}

fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    DateTime::from_secs(secs).fmt(Format::HttpDate).unwrap()
}

/// `20240102T030405Z` as a time.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let v = value.as_bytes();
    if v.len() != 16 || v[8] != b'T' || v[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &value[0..4],
        &value[4..6],
        &value[6..8],
        &value[9..11],
        &value[11..13],
        &value[13..15]
    );
    SystemTime::try_from(DateTime::from_str(&iso, Format::DateTime).ok()?).ok()
}

/// What the server saw of each request: its `x-amz-date` and what it answered.
type Seen = Arc<Mutex<Vec<(String, u16)>>>;

/// Recomputes the request's signature with the real secret, over the headers it
/// claims to sign, at the date it carries.
fn signature_matches(parts: &http::request::Parts, body: &Bytes, date: SystemTime) -> bool {
    let Some(auth) = parts.headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(signed) = auth.split(", ").find_map(|part| part.strip_prefix("SignedHeaders=")) else {
        return false;
    };
    let host = parts.headers["host"].to_str().unwrap();
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(format!("http://{host}{}", parts.uri.path()));
    for name in signed.split(';').filter(|n| *n != "host") {
        if let Some(value) = parts.headers.get(name) {
            request = request.header(name, value);
        }
    }
    let mut request = request.body(body.clone()).unwrap();
    let creds = Credentials::new(AKID, SECRET, None, None, "Server");
    Signer::new(SigningName::Bedrock, "us-east-1")
        .sign(&mut request, &creds, date)
        .unwrap();
    request.headers()["authorization"] == auth
}

async fn handle(request: Request<Incoming>, server_now: SystemTime, seen: Seen) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let amz_date = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let dated = parse_amz_date(&amz_date);
    let server_secs = server_now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (status, code, message) = match dated {
        None => (400, Some("IncompleteSignatureException"), "no x-amz-date"),
        Some(t) if (t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 - server_secs).abs() > ALLOWED => (
            403,
            Some("InvalidSignatureException"),
            "Signature expired: the request date is too far from the server's time",
        ),
        Some(t) if !signature_matches(&parts, &body, t) => (
            403,
            Some("SignatureDoesNotMatch"),
            "The request signature we calculated does not match the signature you provided",
        ),
        Some(_) => (200, None, ""),
    };
    seen.lock().unwrap().push((amz_date, status));
    let mut response = Response::builder()
        .status(status)
        .header("date", http_date(server_now))
        .header("x-amzn-requestid", "rid-skew")
        .header("content-type", "application/json");
    let body = match code {
        Some(code) => {
            response = response.header("x-amzn-errortype", code);
            format!("{{\"message\":\"{message}\"}}")
        }
        None => "{\"output\":{}}".to_owned(),
    };
    response.body(Full::new(Bytes::from(body))).unwrap()
}

/// A server whose clock reads `server_now`.
async fn start_server(server_now: SystemTime) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let log = log.clone();
                    async move { Ok::<_, Infallible>(handle(request, server_now, log).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

fn executor(clock: &ManualClock) -> Executor {
    Executor::builder(Arc::new(HyperClient::builder().build().unwrap()))
        .clock(Arc::new(clock.clone()))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::ZERO))
        .build()
}

fn sigv4(secret: &str, skew: &ClockSkew) -> SigV4Signing {
    SigV4Signing::new(
        Signer::new(SigningName::Bedrock, "us-east-1").with_clock_skew(skew.clone()),
        StaticProvider::new(Credentials::new(AKID, secret, None, None, "Test")),
    )
}

fn converse(addr: SocketAddr) -> Request<Bytes> {
    Request::post(format!("http://{addr}/model/m/converse"))
        .header("content-type", "application/json")
        .body(Bytes::from_static(br#"{"messages":[]}"#))
        .unwrap()
}

fn attempts(response: &Response<Bytes>) -> u32 {
    response.extensions().get::<RetryInfo>().unwrap().attempts
}

#[tokio::test]
async fn a_skew_rejection_is_corrected_and_retried_and_later_operations_start_corrected() {
    let server_now = local() + Duration::from_secs(3600);
    let (addr, seen) = start_server(server_now).await;
    let clock = ManualClock::new(local());
    let executor = executor(&clock);
    let skew = ClockSkew::new();
    let signing = sigv4(SECRET, &skew);

    // The first attempt is dated with the local clock, an hour behind, and refused;
    // the second carries the service's time and goes through.
    let response = executor.send_collected(&OP, converse(addr), &signing).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(attempts(&response), 2);
    assert_eq!(skew.offset_millis(), 3_600_000);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("20240102T030405Z".to_owned(), 403),
            ("20240102T040405Z".to_owned(), 200)
        ]
    );
    assert_eq!(clock.sleeps(), [Duration::ZERO], "one retry, with the (zero) backoff");
    assert_eq!(
        executor.retry_quota().available(),
        500,
        "the success refunded the retry"
    );

    // A new operation, a minute later, is dated with the corrected time at once.
    clock.advance(Duration::from_secs(60));
    let response = executor.send_collected(&OP, converse(addr), &signing).await.unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::OK, 1));
    assert_eq!(seen.lock().unwrap()[2], ("20240102T040505Z".to_owned(), 200));

    // A wrong secret, sharing the corrected clock: the rejection's `Date` agrees with
    // it, so the offset stays and the rejection is final.
    let wrong = sigv4(WRONG_SECRET, &skew);
    let response = executor.send_collected(&OP, converse(addr), &wrong).await.unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::FORBIDDEN, 1));
    assert_eq!(response.headers()["x-amzn-errortype"], "SignatureDoesNotMatch");
    assert_eq!(skew.offset_millis(), 3_600_000);
    assert_eq!(seen.lock().unwrap().len(), 4);

    // Nothing secret in what the client can print.
    let printed = format!("{signing:?} {wrong:?} {executor:?} {response:?}");
    for secret in [SECRET, WRONG_SECRET, AKID] {
        assert!(!printed.contains(secret), "{printed}");
    }
}

#[tokio::test]
async fn a_wrong_key_near_the_servers_time_does_not_move_the_clock_and_is_not_retried() {
    // The server is three minutes ahead: within what it accepts, and under the
    // four minutes that count as skew.
    let server_now = local() + Duration::from_secs(3 * 60);
    let (addr, seen) = start_server(server_now).await;
    let clock = ManualClock::new(local());
    let executor = executor(&clock);
    let skew = ClockSkew::new();

    let response = executor
        .send_collected(&OP, converse(addr), &sigv4(WRONG_SECRET, &skew))
        .await
        .unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::FORBIDDEN, 1));
    assert_eq!(response.headers()["x-amzn-errortype"], "SignatureDoesNotMatch");
    assert_eq!(skew.offset_millis(), 0);
    assert!(clock.sleeps().is_empty(), "no retry");
    assert_eq!(executor.retry_quota().available(), 500);

    // The right key works at the local time: three minutes off is accepted.
    let response = executor
        .send_collected(&OP, converse(addr), &sigv4(SECRET, &skew))
        .await
        .unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::OK, 1));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("20240102T030405Z".to_owned(), 403),
            ("20240102T030405Z".to_owned(), 200)
        ]
    );
}

#[tokio::test]
async fn without_an_attempt_left_the_rejection_is_returned_but_the_clock_is_corrected() {
    let (addr, seen) = start_server(local() - Duration::from_secs(20 * 60)).await;
    let clock = ManualClock::new(local());
    let executor = Executor::builder(Arc::new(HyperClient::builder().build().unwrap()))
        .clock(Arc::new(clock.clone()))
        .retry_config(RetryConfig::disabled())
        .build();
    let skew = ClockSkew::new();
    let signing = sigv4(SECRET, &skew);

    let response = executor.send_collected(&OP, converse(addr), &signing).await.unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::FORBIDDEN, 1));
    assert_eq!(response.headers()["x-amzn-errortype"], "InvalidSignatureException");
    assert_eq!(skew.offset_millis(), -1_200_000, "our clock was 20 minutes ahead");

    // The caller's next call is dated with the server's time.
    let response = executor.send_collected(&OP, converse(addr), &signing).await.unwrap();
    assert_eq!((response.status(), attempts(&response)), (StatusCode::OK, 1));
    assert_eq!(seen.lock().unwrap()[1], ("20240102T024405Z".to_owned(), 200));
}
