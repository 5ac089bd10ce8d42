//! The emulator's core against a real server on 127.0.0.1, port 0, with hyper's client.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::event_stream::{HeaderValue as EsValue, Message};
use bedrock_auth::{generate_short_term_api_key, Credentials, Signer, SigningName};
use bedrock_local::clock::{ManualClock, RequestIds};
use bedrock_local::wire::{event_message, EVENT_STREAM};
use bedrock_local::{event_channel, AuthMode, Config, Handle, Request, Response, Router, FAULT_HEADER};
use bedrock_transport::event_stream::{encode, CrcKind, EventStreamError, MessageStream};
use bytes::Bytes;
use futures_util::StreamExt;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const MODEL_PATH: &str = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
const STREAM_PATH: &str = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream";

/// 2024-01-02T03:04:05Z.
fn fixed_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_704_164_645)
}

/// Converse answers `{"ok":true,"model":...}`; ConverseStream answers three events.
fn router() -> Router {
    Router::new()
        .operation("Converse", |request: Request| async move {
            let model = request.path_param("modelId").unwrap_or_default().to_owned();
            Response::json(
                StatusCode::OK,
                serde_json::json!({ "ok": true, "model": model }).to_string(),
            )
        })
        .unwrap()
        .operation("ConverseStream", |_request: Request| async move {
            let events = (0..3).map(|i| {
                Ok(event_message(
                    "contentBlockDelta",
                    format!(r#"{{"delta":{{"text":"part {i}"}},"contentBlockIndex":0}}"#),
                ))
            });
            Response::events(futures_util::stream::iter(events))
        })
        .unwrap()
}

async fn server(config: Config) -> Handle {
    bedrock_local::start(config.service(router())).await.unwrap()
}

fn request(addr: SocketAddr, method: Method, path: &str, body: &'static [u8]) -> http::Request<Bytes> {
    http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Bytes::from_static(body))
        .unwrap()
}

fn with_bearer(mut request: http::Request<Bytes>, token: &str) -> http::Request<Bytes> {
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

fn with_fault(mut request: http::Request<Bytes>, fault: &str) -> http::Request<Bytes> {
    request.headers_mut().insert(FAULT_HEADER, fault.parse().unwrap());
    request
}

async fn send_h1(addr: SocketAddr, request: http::Request<Bytes>) -> Result<http::Response<Incoming>, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    sender.send_request(request.map(Full::new)).await
}

async fn send_h2(addr: SocketAddr, request: http::Request<Bytes>) -> Result<http::Response<Incoming>, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    sender.send_request(request.map(Full::new)).await
}

async fn body_of(response: http::Response<Incoming>) -> (http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    (parts, body.collect().await.unwrap().to_bytes())
}

fn error_type(parts: &http::response::Parts) -> &str {
    parts.headers["x-amzn-errortype"]
        .to_str()
        .unwrap()
        .split(':')
        .next()
        .unwrap()
}

fn messages(
    response: http::Response<Incoming>,
) -> MessageStream<impl futures_core::Stream<Item = Result<Bytes, hyper::Error>>> {
    MessageStream::new(response.into_body().into_data_stream())
}

fn header<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| match h.value() {
            EsValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

fn signed(addr: SocketAddr, secret: &str, time: SystemTime) -> http::Request<Bytes> {
    let mut request = request(addr, Method::POST, MODEL_PATH, br#"{"messages":[]}"#);
    let credentials = Credentials::new(AKID, secret, None, None, "test");
    Signer::new(SigningName::Bedrock, "us-east-1")
        .sign(&mut request, &credentials, time)
        .unwrap();
    request
}

fn verify_config() -> Config {
    Config::new()
        .auth(AuthMode::verify(AKID, SECRET).with_api_key("ABSKlocal-test-key"))
        .clock(ManualClock::new(fixed_time()))
}

#[tokio::test]
async fn http1_and_h2c_answer_unknown_operation_with_seeded_request_ids() {
    let server = server(Config::new().seed(42)).await;
    let addr = server.local_addr();
    assert_eq!(server.base_url(), format!("http://{addr}"));
    let ids = RequestIds::new(42);

    for (i, use_h2) in [false, true].into_iter().enumerate() {
        let req = with_bearer(request(addr, Method::POST, "/no/such/operation", b"{}"), "ABSKanything");
        let response = if use_h2 {
            send_h2(addr, req).await
        } else {
            send_h1(addr, req).await
        }
        .unwrap();
        let expected_version = if use_h2 {
            http::Version::HTTP_2
        } else {
            http::Version::HTTP_11
        };
        assert_eq!(response.version(), expected_version);
        let (parts, body) = body_of(response).await;
        assert_eq!(parts.status, StatusCode::NOT_FOUND, "request {i}");
        assert_eq!(error_type(&parts), "UnknownOperationException");
        assert_eq!(parts.headers["content-type"], "application/json");
        assert_eq!(parts.headers["x-amzn-requestid"], ids.next_id().as_str());
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(json["message"].is_string(), "{json}");
    }

    // Any host name routes by path.
    let mut req = with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKanything");
    req.headers_mut()
        .insert("host", "bedrock-runtime.us-east-1.amazonaws.com".parse().unwrap());
    let (parts, body) = body_of(send_h1(addr, req).await.unwrap()).await;
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["model"],
        "anthropic.claude-3-haiku-20240307-v1:0"
    );

    let stats = server.stats();
    assert_eq!(stats.requests, 3);
    assert_eq!(stats.responses[&404], 2);
    let log = server.log();
    assert_eq!(log[2].operation.as_deref(), Some("Converse"));
    assert_eq!(log[2].identity.as_deref(), Some("api-key:...hing"));
    server.shutdown().await;
}

#[tokio::test]
async fn permissive_auth_requires_well_formed_auth() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let (parts, body) = body_of(
        send_h1(addr, request(addr, Method::POST, MODEL_PATH, b"{}"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(parts.status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&parts), "MissingAuthenticationTokenException");
    assert_eq!(&body[..], br#"{"Message":"Missing Authentication Token"}"#);

    // Any signature is accepted in permissive mode.
    let response = send_h1(addr, signed(addr, "not-the-secret", SystemTime::now()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(server.stats().auth_failures, 1);
}

#[tokio::test]
async fn sigv4_is_verified() {
    let server = server(verify_config()).await;
    let addr = server.local_addr();

    let response = send_h1(addr, signed(addr, SECRET, fixed_time())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // Over HTTP/2 the host is the :authority.
    let mut h2 = signed(addr, SECRET, fixed_time());
    h2.headers_mut().remove("host");
    assert_eq!(send_h2(addr, h2).await.unwrap().status(), StatusCode::OK);

    let (parts, body) = body_of(send_h1(addr, signed(addr, "wrong-secret", fixed_time())).await.unwrap()).await;
    assert_eq!(parts.status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&parts), "InvalidSignatureException");
    assert!(String::from_utf8_lossy(&body).contains("does not match"));

    // A tampered body no longer matches its signature.
    let mut tampered = signed(addr, SECRET, fixed_time());
    *tampered.body_mut() = Bytes::from_static(br#"{"messages":[1]}"#);
    let (parts, _) = body_of(send_h1(addr, tampered).await.unwrap()).await;
    assert_eq!(error_type(&parts), "InvalidSignatureException");

    // A declared payload hash that is not the body's.
    let mut mismatched = signed(addr, SECRET, fixed_time());
    mismatched
        .headers_mut()
        .insert("x-amz-content-sha256", "0".repeat(64).parse().unwrap());
    let (parts, _) = body_of(send_h1(addr, mismatched).await.unwrap()).await;
    assert_eq!(error_type(&parts), "InvalidSignatureException");

    // Ten minutes late: outside the ±5 min window.
    let (parts, body) = body_of(
        send_h1(addr, signed(addr, SECRET, fixed_time() - Duration::from_secs(600)))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(error_type(&parts), "InvalidSignatureException");
    assert!(String::from_utf8_lossy(&body).contains("Signature expired"), "{body:?}");

    // An unknown access key.
    let mut unknown = request(addr, Method::POST, MODEL_PATH, b"{}");
    Signer::new(SigningName::Bedrock, "us-east-1")
        .sign(
            &mut unknown,
            &Credentials::new("AKIDUNKNOWN", SECRET, None, None, "test"),
            fixed_time(),
        )
        .unwrap();
    let (parts, _) = body_of(send_h1(addr, unknown).await.unwrap()).await;
    assert_eq!(parts.status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&parts), "UnrecognizedClientException");

    // The wrong region.
    let mut wrong_region = request(addr, Method::POST, MODEL_PATH, b"{}");
    Signer::new(SigningName::Bedrock, "eu-west-1")
        .sign(
            &mut wrong_region,
            &Credentials::new(AKID, SECRET, None, None, "test"),
            fixed_time(),
        )
        .unwrap();
    let (parts, _) = body_of(send_h1(addr, wrong_region).await.unwrap()).await;
    assert_eq!(error_type(&parts), "InvalidSignatureException");

    let log = server.log();
    assert_eq!(log[0].identity.as_deref(), Some("sigv4:AKIDEXAMPLE"));
    assert_eq!(log[2].auth_failure.as_deref(), Some("signature mismatch"));
    assert!(!format!("{log:?}").contains(SECRET));
    assert_eq!(server.stats().auth_failures, 6);
}

#[tokio::test]
async fn bearer_keys_are_verified() {
    let server = server(verify_config()).await;
    let addr = server.local_addr();
    let send = |token: String| {
        let req = with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), &token);
        async move { body_of(send_h1(addr, req).await.unwrap()).await }
    };

    let (parts, _) = send("ABSKlocal-test-key".into()).await;
    assert_eq!(parts.status, StatusCode::OK);

    let (parts, body) = send("ABSKsomething-else".into()).await;
    assert_eq!(parts.status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&parts), "AccessDeniedException");
    assert!(String::from_utf8_lossy(&body).contains("Authentication failed"));

    let (parts, body) = send("not-a-key".into()).await;
    assert_eq!(error_type(&parts), "AccessDeniedException");
    assert!(String::from_utf8_lossy(&body).contains("Invalid API Key format"));

    let credentials = Credentials::new(AKID, SECRET, None, None, "test");
    let short = generate_short_term_api_key(&credentials, "us-east-1", fixed_time(), None).unwrap();
    let (parts, _) = send(short.key.expose_secret().to_owned()).await;
    assert_eq!(parts.status, StatusCode::OK);

    let forged = Credentials::new(AKID, "another-secret", None, None, "test");
    let bad = generate_short_term_api_key(&forged, "us-east-1", fixed_time(), None).unwrap();
    let (parts, _) = send(bad.key.expose_secret().to_owned()).await;
    assert_eq!(error_type(&parts), "AccessDeniedException");

    let expired = generate_short_term_api_key(
        &credentials,
        "us-east-1",
        fixed_time() - Duration::from_secs(3600),
        Some(Duration::from_secs(60)),
    )
    .unwrap();
    let (parts, _) = send(expired.key.expose_secret().to_owned()).await;
    assert_eq!(error_type(&parts), "AccessDeniedException");

    let log = server.log();
    assert_eq!(
        log[3]
            .identity
            .as_deref()
            .map(|i| i.starts_with("short-term-api-key:...")),
        Some(true)
    );
    assert!(!format!("{log:?}").contains("ABSKlocal-test-key"));
}

#[tokio::test]
async fn throttle_first_two_then_ok() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let req = with_fault(
            with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk"),
            "throttle:first=2",
        );
        let (parts, body) = body_of(send_h1(addr, req).await.unwrap()).await;
        if parts.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(error_type(&parts), "ThrottlingException");
            assert_eq!(
                &body[..],
                br#"{"message":"Too many requests, please wait before trying again."}"#
            );
        }
        statuses.push(parts.status.as_u16());
    }
    assert_eq!(statuses, [429, 429, 200]);
    assert_eq!(server.stats().faults["throttle"], 2);
    let log = server.log();
    assert_eq!(log[0].faults, ["throttle:first=2"]);
    assert_eq!(log[0].error_type.as_deref(), Some("ThrottlingException"));
    assert!(log[2].faults.is_empty());
}

#[tokio::test]
async fn status_and_error_faults_and_bad_fault_header() {
    let server = server(Config::new().faults_str("status=503:first=1").unwrap()).await;
    let addr = server.local_addr();
    let send = |fault: Option<&'static str>| {
        let mut req = with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk");
        if let Some(fault) = fault {
            req = with_fault(req, fault);
        }
        async move { body_of(send_h1(addr, req).await.unwrap()).await.0 }
    };
    let parts = send(None).await;
    assert_eq!(parts.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_type(&parts), "ServiceUnavailableException");
    assert_eq!(send(None).await.status, StatusCode::OK);
    let parts = send(Some("error=ModelTimeoutException")).await;
    assert_eq!(
        (parts.status.as_u16(), error_type(&parts)),
        (408, "ModelTimeoutException")
    );
    let parts = send(Some("explode")).await;
    assert_eq!(
        (parts.status.as_u16(), error_type(&parts)),
        (400, "ValidationException")
    );
}

#[tokio::test]
async fn reset_drops_the_connection() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let req = with_fault(
        with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk"),
        "reset",
    );
    assert!(send_h1(addr, req).await.is_err());
    let req = with_fault(
        with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk"),
        "reset",
    );
    assert!(send_h2(addr, req).await.is_err());
    assert_eq!(server.stats().faults["reset"], 2);
    assert_eq!(server.log()[0].status, None);
}

#[tokio::test]
async fn truncate_breaks_a_sized_body() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let req = with_fault(
        with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk"),
        "truncate",
    );
    let response = send_h1(addr, req).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.into_body().collect().await.is_err());
}

fn stream_request(addr: SocketAddr, fault: &str) -> http::Request<Bytes> {
    with_fault(
        with_bearer(request(addr, Method::POST, STREAM_PATH, b"{}"), "ABSKk"),
        fault,
    )
}

#[tokio::test]
async fn event_streams_and_their_faults() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();

    // No fault: three events.
    let req = with_bearer(request(addr, Method::POST, STREAM_PATH, b"{}"), "ABSKk");
    let response = send_h2(addr, req).await.unwrap();
    assert_eq!(response.headers()["content-type"], EVENT_STREAM);
    let all: Vec<Message> = messages(response).map(|m| m.unwrap()).collect().await;
    assert_eq!(all.len(), 3);
    assert_eq!(header(&all[0], ":event-type"), Some("contentBlockDelta"));

    // Corrupt CRC on the second frame.
    let response = send_h1(addr, stream_request(addr, "corrupt-crc=1")).await.unwrap();
    let mut stream = messages(response);
    assert!(stream.next().await.unwrap().is_ok());
    match stream.next().await.unwrap() {
        Err(EventStreamError::Crc {
            which: CrcKind::Message,
            ..
        }) => {}
        other => panic!("expected a CRC error, got {other:?}"),
    }

    // An exception after one frame, then the end.
    let response = send_h1(
        addr,
        stream_request(addr, "stream-exception-after=1:type=throttlingException"),
    )
    .await
    .unwrap();
    let all: Vec<Message> = messages(response).map(|m| m.unwrap()).collect().await;
    assert_eq!(all.len(), 2);
    assert_eq!(header(&all[1], ":message-type"), Some("exception"));
    assert_eq!(header(&all[1], ":exception-type"), Some("throttlingException"));

    // Truncated inside the first frame: the stream ends cleanly mid-frame.
    let response = send_h1(addr, stream_request(addr, "truncate")).await.unwrap();
    let results: Vec<_> = messages(response).collect().await;
    assert!(
        matches!(results.as_slice(), [Err(EventStreamError::Truncated { .. })]),
        "{results:?}"
    );

    let stats = server.stats();
    assert_eq!(stats.faults["corrupt-crc"], 1);
    assert_eq!(stats.faults["stream-exception-after"], 1);
}

#[tokio::test(start_paused = true)]
async fn stall_keeps_the_stream_open_without_data() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let response = send_h1(addr, stream_request(addr, "stall=1")).await.unwrap();
    let mut stream = messages(response);
    assert!(stream.next().await.unwrap().is_ok());
    let started = tokio::time::Instant::now();
    let waited = tokio::time::timeout(Duration::from_secs(30), stream.next()).await;
    assert!(waited.is_err(), "the stalled stream produced {waited:?}");
    assert!(started.elapsed() >= Duration::from_secs(30));
    // Shutdown ends the stalled stream.
    server.shutdown().await;
    let after = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap();
    assert!(!matches!(after, Some(Ok(_))));
}

#[tokio::test(start_paused = true)]
async fn latency_and_time_to_first_byte_use_tokio_time() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    let started = tokio::time::Instant::now();
    let req = with_fault(
        with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk"),
        "latency-ms=200",
    );
    let response = send_h1(addr, req).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.status(), StatusCode::OK);

    let started = tokio::time::Instant::now();
    let response = send_h1(addr, stream_request(addr, "ttfb-ms=1500")).await.unwrap();
    let head = started.elapsed();
    assert!(head < Duration::from_millis(1500), "{head:?}");
    let mut stream = messages(response);
    assert!(stream.next().await.unwrap().is_ok());
    assert!(started.elapsed() >= Duration::from_millis(1500));
}

/// The bidirectional operation: over HTTP/2 the handler reads the request body's frames as they
/// arrive and answers each before the client sends the next.
#[tokio::test]
async fn h2_request_bodies_stream_both_ways() {
    let echo = |request: Request| async move {
        let (tx, rx) = event_channel(1);
        let mut input = request.body.into_messages();
        tokio::spawn(async move {
            while let Some(Ok(message)) = input.next().await {
                if tx.send(event_message("echo", message.payload().clone())).await.is_err() {
                    break;
                }
            }
        });
        Response::events(rx)
    };
    let router = Router::new()
        .operation("InvokeModelWithBidirectionalStream", echo)
        .unwrap();
    let server = bedrock_local::start(Config::new().service(router)).await.unwrap();
    let addr = server.local_addr();

    let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::convert::Infallible>>(1);
    let body = StreamBody::new(Box::pin(futures_util::stream::unfold(body_rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })));
    let request = http::Request::post(format!(
        "http://{addr}/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream"
    ))
    .header("content-type", EVENT_STREAM)
    .header("authorization", "Bearer ABSKk")
    .body(body)
    .unwrap();
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);

    let first = encode(&event_message("chunk", "one")).unwrap();
    body_tx.send(Ok(Frame::data(first))).await.unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut output = messages(response);
    let echoed = output.next().await.unwrap().unwrap();
    assert_eq!(&echoed.payload()[..], b"one");

    // The second input frame is sent only after the first answer arrived.
    body_tx
        .send(Ok(Frame::data(encode(&event_message("chunk", "two")).unwrap())))
        .await
        .unwrap();
    let echoed = output.next().await.unwrap().unwrap();
    assert_eq!(&echoed.payload()[..], b"two");
    drop(body_tx);
    assert!(output.next().await.is_none());
    assert_eq!(
        server.log()[0].operation.as_deref(),
        Some("InvokeModelWithBidirectionalStream")
    );
}

/// The bidirectional operation's initial request is signed with the fixed streaming payload hash.
#[tokio::test]
async fn signed_event_stream_upload_is_verified() {
    let echo = |request: Request| async move {
        let count = request.body.into_messages().count().await;
        Response::json(StatusCode::OK, format!(r#"{{"frames":{count}}}"#))
    };
    let router = Router::new()
        .operation("InvokeModelWithBidirectionalStream", echo)
        .unwrap();
    let server = bedrock_local::start(verify_config().service(router)).await.unwrap();
    let addr = server.local_addr();
    let frames = [
        encode(&event_message("chunk", "a")).unwrap(),
        encode(&event_message("chunk", "b")).unwrap(),
    ]
    .concat();
    let send = |secret: &'static str| {
        let frames = frames.clone();
        async move {
            let mut request = http::Request::post(format!(
                "http://{addr}/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream"
            ))
            .header("content-type", EVENT_STREAM)
            .body(Bytes::from(frames))
            .unwrap();
            Signer::new(SigningName::Bedrock, "us-east-1")
                .sign_event_stream_request(
                    &mut request,
                    &Credentials::new(AKID, secret, None, None, "test"),
                    fixed_time(),
                )
                .unwrap();
            body_of(send_h2(addr, request).await.unwrap()).await
        }
    };
    let (parts, body) = send(SECRET).await;
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(&body[..], br#"{"frames":2}"#);
    let (parts, _) = send("wrong").await;
    assert_eq!(error_type(&parts), "InvalidSignatureException");
}

#[tokio::test]
async fn a_panicking_handler_answers_internal_server_error() {
    let router = Router::new()
        .operation("Converse", |_request: Request| async move {
            if true {
                panic!("handler bug");
            }
            Response::json(StatusCode::OK, "{}")
        })
        .unwrap();
    let server = bedrock_local::start(Config::new().service(router)).await.unwrap();
    let addr = server.local_addr();
    for _ in 0..2 {
        let req = with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk");
        let (parts, _) = body_of(send_h1(addr, req).await.unwrap()).await;
        assert_eq!(parts.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error_type(&parts), "InternalServerException");
    }
}

#[tokio::test]
async fn rate_faults_follow_the_seed() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let server = server(Config::new().seed(seed).faults_str("throttle:rate=0.5").unwrap()).await;
        let addr = server.local_addr();
        let mut out = Vec::new();
        for _ in 0..16 {
            let req = with_bearer(request(addr, Method::POST, MODEL_PATH, b"{}"), "ABSKk");
            out.push(send_h1(addr, req).await.unwrap().status().as_u16());
        }
        out
    }
    let first = statuses(3).await;
    assert_eq!(first, statuses(3).await);
    assert!(first.contains(&429) && first.contains(&200), "{first:?}");
}

/// An endless event stream is polled only as fast as the client reads.
#[tokio::test(start_paused = true)]
async fn event_streams_have_back_pressure() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = produced.clone();
    let router = Router::new()
        .operation("ConverseStream", move |_request: Request| {
            let counter = counter.clone();
            async move {
                let payload = Bytes::from(vec![b'x'; 64 * 1024]);
                Response::events(futures_util::stream::repeat_with(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    Ok(event_message("chunk", payload.clone()))
                }))
            }
        })
        .unwrap();
    let server = bedrock_local::start(Config::new().service(router)).await.unwrap();
    let addr = server.local_addr();
    let response = send_h1(
        addr,
        with_bearer(request(addr, Method::POST, STREAM_PATH, b"{}"), "ABSKk"),
    )
    .await
    .unwrap();
    // Let everything run until idle (paused time advances only when nothing else can).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stalled_at = produced.load(Ordering::SeqCst);
    assert!(
        stalled_at < 1000,
        "produced {stalled_at} frames (64 KiB each) with nobody reading"
    );
    let mut stream = messages(response);
    for _ in 0..stalled_at + 10 {
        stream.next().await.unwrap().unwrap();
    }
    assert!(produced.load(Ordering::SeqCst) > stalled_at);
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let server = server(Config::new()).await;
    let addr = server.local_addr();
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}
