//! Wire equivalence with the official AWS SDK for Rust (issue #7).
//!
//! The same logical input is sent by this repo's clients (`bedrock-runtime`, `bedrock-control`)
//! and by the official ones (`aws-sdk-bedrockruntime`, `aws-sdk-bedrock`) to a recording server on
//! loopback, with the same credentials (with a session token) and the same fixed clock. For
//! Converse, ConverseStream, InvokeModel and ListFoundationModels the recorded requests must have
//! the same method, path and query, the same body (JSON compared as values, see
//! [`assert_json_equivalent`]; InvokeModel's opaque body byte for byte), and:
//!
//! 1. **True signature equality.** The official client, configured through an interceptor to sign
//!    the same header set as ours (see [`SignLikeBedrockRs`]), sends the same headers apart from
//!    [`UNSIGNED_DIFFERENCES`], and the very same `Authorization` header where the body bytes are
//!    the same (InvokeModel, ListFoundationModels). Converse bodies are the same JSON with the
//!    top-level members in another order (the official SDK sorts them, this SDK keeps the model's
//!    order), so their payload hashes differ: there the official request with our body's bytes
//!    must give our `Authorization` header exactly.
//! 2. **The official client as it ships.** Its signed header set differs from ours only by
//!    [`SIGNED_DIFFERENCES`]; the remaining signed headers have the same values; each side's
//!    signature is recomputed independently (the `aws-sigv4` crate over the recorded request) and
//!    matches what it sent; and both requests signed over the common header set give one and the
//!    same signature, i.e. their canonical requests are equal apart from the excluded headers.
//!
//! The server answers each operation with a canned valid response (ConverseStream with a
//! `ValidationException`: only the request matters) and nothing here leaves 127.0.0.1. Run with
//! `-- --nocapture` to see the recorded requests.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_runtime::invocation_id::{InvocationId, InvocationIdGenerator};
use aws_sdk_bedrockruntime::config::{ConfigBag, Credentials, Region};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_async::time::StaticTimeSource;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use bedrock_transport::clock::{ManualClock, SeededRandom};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

const REGION: &str = "us-west-2";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "session-token-for-the-wire-equivalence-test";
/// Both sides sign with this time: 2024-03-05T06:07:08Z.
const SIGNING_SECS: u64 = 1_709_618_828;
const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Signed by one side only: left out of the comparison of signed headers, each for its reason.
const SIGNED_DIFFERENCES: &[&str] = &[
    // The official SDK's user agent (`aws-sdk-rust/<version> ua/2.1 api/bedrockruntime#<version>
    // os/... lang/rust#... m/<feature metrics>`), added before signing and so signed. This SDK
    // sends only `user-agent` (`bedrock-rs/<version> ...`), which SigV4 never signs.
    "x-amz-user-agent",
    // A fresh UUID per operation on each side. This SDK adds it before signing (so a retry's
    // signature covers it); the official SDK adds it after signing (`modify_before_transmit`).
    "amz-sdk-invocation-id",
    // `attempt=N; max=M`: equal values here, but the official SDK adds it after signing (it may
    // carry a `ttl` that depends on the time of transmission), while this SDK signs it.
    "amz-sdk-request",
];

/// Sent by both sides but never signed (SigV4 excludes `user-agent`), with values that name the
/// SDK: compared for presence only. `x-amz-user-agent` and the two `amz-sdk-*` headers above are
/// also allowed to differ here, for the same reasons.
const UNSIGNED_DIFFERENCES: &[&str] = &[
    "user-agent",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
];

// ---------------------------------------------------------------------------------------------
// The recording server.

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: Option<String>,
    /// Lower-case names, in arrival order; repeated names stay repeated.
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let first = values.next();
        assert!(values.next().is_none(), "header {name} is repeated in {self:#?}");
        first
    }

    fn header_map(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for (name, value) in &self.headers {
            assert!(
                map.insert(name.clone(), value.clone()).is_none(),
                "header {name} is repeated in {self:#?}"
            );
        }
        map
    }

    /// `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex`.
    fn authorization(&self) -> Authorization {
        let value = self.header("authorization").expect("a signed request");
        let rest = value.strip_prefix("AWS4-HMAC-SHA256 ").expect("SigV4");
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(", ") {
            let (key, value) = part.split_once('=').expect("key=value");
            match key {
                "Credential" => credential = Some(value.to_owned()),
                "SignedHeaders" => signed_headers = Some(value.split(';').map(str::to_owned).collect()),
                "Signature" => signature = Some(value.to_owned()),
                other => panic!("unexpected {other} in {value}"),
            }
        }
        Authorization {
            credential: credential.expect("Credential"),
            signed_headers: signed_headers.expect("SignedHeaders"),
            signature: signature.expect("Signature"),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("a JSON body ({e}): {:?}", self.body))
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Authorization {
    credential: String,
    signed_headers: Vec<String>,
    signature: String,
}

struct Server {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    async fn start() -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let server_log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = server_log.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let recorded = Recorded {
                                method: parts.method.to_string(),
                                path: parts.uri.path().to_owned(),
                                query: parts.uri.query().map(str::to_owned),
                                headers: parts
                                    .headers
                                    .iter()
                                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().expect("ASCII").to_owned()))
                                    .collect(),
                                body,
                            };
                            let response = canned_response(&recorded.path);
                            log.lock().unwrap().push(recorded);
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server { addr, log }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received since the last call.
    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    /// The one request received since the last call.
    fn take_one(&self) -> Recorded {
        let mut all = self.take();
        assert_eq!(all.len(), 1, "exactly one request (no retry): {all:#?}");
        all.pop().unwrap()
    }
}

fn canned_response(path: &str) -> hyper::Response<Full<Bytes>> {
    let (status, body, extra): (u16, Value, Option<(&str, &str)>) = if path.ends_with("/converse-stream") {
        // Not retryable, so each client sends exactly one request.
        (
            400,
            json!({"message": "canned: the test only records the request"}),
            Some((
                "x-amzn-errortype",
                "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            )),
        )
    } else if path.ends_with("/converse") {
        (
            200,
            json!({
                "output": {"message": {"role": "assistant", "content": [{"text": "canned"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4},
                "metrics": {"latencyMs": 1}
            }),
            None,
        )
    } else if path.ends_with("/invoke") {
        (200, json!({"completion": "canned"}), None)
    } else if path == "/foundation-models" {
        (200, json!({"modelSummaries": []}), None)
    } else {
        (404, json!({"message": format!("no canned response for {path}")}), None)
    };
    let mut builder = hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", "00000000-0000-4000-8000-000000000000");
    if let Some((name, value)) = extra {
        builder = builder.header(name, value);
    }
    builder.body(Full::new(Bytes::from(body.to_string()))).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The two clients' configurations.

fn signing_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SIGNING_SECS)
}

async fn our_config(server: &Server) -> bedrock_config::Config {
    bedrock_config::Config::builder()
        .region(REGION)
        .credentials(bedrock_config::Credentials::new(
            AKID,
            SECRET,
            Some(SESSION_TOKEN.to_owned()),
            None,
            "wire-equivalence",
        ))
        .endpoint_url(server.url())
        .clock(Arc::new(ManualClock::new(signing_time())))
        .random_source(Arc::new(SeededRandom::new(7)))
        .load()
        .await
        .expect("a configuration from code")
}

fn official_credentials() -> Credentials {
    Credentials::new(AKID, SECRET, Some(SESSION_TOKEN.to_owned()), None, "wire-equivalence")
}

/// How the official client is configured: as it ships, or signing the same header set as ours.
#[derive(Debug, Clone)]
enum Official {
    AsShipped,
    /// Sign like bedrock-rs, with the invocation id and `amz-sdk-request` of the given request.
    SignLike(Recorded),
}

/// Makes the official client sign the header set this SDK signs: before signing, it drops
/// `x-amz-user-agent` (this SDK sends none) and adds `amz-sdk-invocation-id` and
/// `amz-sdk-request` with the values this SDK sent (the official client adds them only after
/// signing). The official invocation-id interceptor is turned off ([`NoInvocationId`]) so that
/// it does not append a second id after signing; its `amz-sdk-request` interceptor replaces the
/// header after signing with the same value (`attempt=1; max=3`), which the test checks.
/// Interceptors given in the client's config run after the SDK's own (so after the user-agent
/// interceptor added `x-amz-user-agent`): the test checks that none is sent.
#[derive(Debug)]
struct SignLikeBedrockRs {
    invocation_id: String,
    sdk_request: String,
}

impl Intercept for SignLikeBedrockRs {
    fn name(&self) -> &'static str {
        "SignLikeBedrockRs"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        headers.remove("x-amz-user-agent");
        headers.insert("amz-sdk-invocation-id", self.invocation_id.clone());
        headers.insert("amz-sdk-request", self.sdk_request.clone());
        Ok(())
    }
}

#[derive(Debug)]
struct NoInvocationId;

impl InvocationIdGenerator for NoInvocationId {
    fn generate(&self) -> Result<Option<InvocationId>, BoxError> {
        Ok(None)
    }
}

impl Official {
    fn interceptor(&self) -> Option<(SignLikeBedrockRs, NoInvocationId)> {
        match self {
            Official::AsShipped => None,
            Official::SignLike(ours) => Some((
                SignLikeBedrockRs {
                    invocation_id: ours.header("amz-sdk-invocation-id").expect("ours sends one").to_owned(),
                    sdk_request: ours.header("amz-sdk-request").expect("ours sends one").to_owned(),
                },
                NoInvocationId,
            )),
        }
    }

    fn runtime(&self, server: &Server) -> aws_sdk_bedrockruntime::Client {
        let mut config = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(official_credentials())
            .endpoint_url(server.url())
            .time_source(StaticTimeSource::new(signing_time()));
        if let Some((interceptor, generator)) = self.interceptor() {
            config = config.interceptor(interceptor).invocation_id_generator(generator);
        }
        aws_sdk_bedrockruntime::Client::from_conf(config.build())
    }

    fn control(&self, server: &Server) -> aws_sdk_bedrock::Client {
        let mut config = aws_sdk_bedrock::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_bedrock::config::Region::new(REGION))
            .credentials_provider(official_credentials())
            .endpoint_url(server.url())
            .time_source(StaticTimeSource::new(signing_time()));
        if let Some((interceptor, generator)) = self.interceptor() {
            config = config.interceptor(interceptor).invocation_id_generator(generator);
        }
        aws_sdk_bedrock::Client::from_conf(config.build())
    }
}

// ---------------------------------------------------------------------------------------------
// The comparisons.

/// How the two bodies are compared.
#[derive(Debug, Clone, Copy)]
enum BodyKind {
    /// JSON, compared as values (key order and number spelling aside).
    Json,
    /// Opaque bytes (InvokeModel's model-specific body), compared byte for byte.
    Bytes,
    /// No body, or an empty one.
    Empty,
}

fn is_signature_header(name: &str) -> bool {
    matches!(name, "authorization" | "x-amz-date" | "x-amz-security-token")
}

/// Recomputes a SigV4 signature over `request` with the `aws-sigv4` crate, signing exactly the
/// headers `names` (plus `x-amz-date` and `x-amz-security-token`, which signing adds), and
/// returns the `Authorization` it gives.
fn recompute(request: &Recorded, names: &BTreeSet<String>) -> Authorization {
    recompute_with_body(request, names, &request.body)
}

/// [`recompute`] with another payload in place of the request's body.
fn recompute_with_body(request: &Recorded, names: &BTreeSet<String>, body: &[u8]) -> Authorization {
    let headers = request.header_map();
    let mut pairs = Vec::new();
    for name in names {
        if is_signature_header(name) {
            continue;
        }
        let value = headers
            .get(name)
            .unwrap_or_else(|| panic!("signed header {name} was not received"));
        pairs.push((name.as_str(), value.as_str()));
    }
    let identity: Identity =
        aws_credential_types::Credentials::new(AKID, SECRET, Some(SESSION_TOKEN.to_owned()), None, "recompute").into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("bedrock")
        .time(signing_time())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let uri = match &request.query {
        Some(query) => format!("http://{}{}?{query}", headers["host"], request.path),
        None => format!("http://{}{}", headers["host"], request.path),
    };
    let signable = SignableRequest::new(&request.method, uri, pairs.into_iter(), SignableBody::Bytes(body))
        .expect("a signable request");
    let (instructions, _) = sign(signable, &params).expect("signs").into_parts();
    let (new_headers, _) = instructions.into_parts();
    let authorization = new_headers
        .iter()
        .find(|h| h.name() == "authorization")
        .expect("an authorization header")
        .value()
        .to_owned();
    let mut recomputed = request.clone();
    recomputed.headers = vec![("authorization".to_owned(), authorization)];
    recomputed.authorization()
}

/// JSON members of Smithy type `float` (f32) in the inputs used here. The official SDK writes such
/// a member as the f64 of its f32 value (`0.9f32` as `0.8999999761581421`), this SDK as the shortest
/// decimal that reads back as the same f32 (`0.9`): both parse back to the same f32.
const F32_MEMBERS: &[&str] = &["/inferenceConfig/temperature", "/inferenceConfig/topP"];

/// Compares two JSON values as values: object member order does not matter, numbers compare by
/// value. Where two numbers differ only because `theirs` is the f64 widening of `ours` read as
/// an f32, the path is pushed to `widened` (the caller checks it is an f32 member).
fn assert_json_equivalent(ours: &Value, theirs: &Value, path: &str, widened: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (BTreeSet<&String>, BTreeSet<&String>) = (a.keys().collect(), b.keys().collect());
            assert_eq!(ka, kb, "members of {path}/");
            for (key, value) in a {
                assert_json_equivalent(value, &b[key], &format!("{path}/{key}"), widened);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "length of {path}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_json_equivalent(x, y, &format!("{path}/{i}"), widened);
            }
        }
        (Value::Number(a), Value::Number(b)) if a != b => {
            let (x, y) = (a.as_f64().expect("a number"), b.as_f64().expect("a number"));
            assert_eq!(x as f32 as f64, y, "{path}: {a} and {b} differ beyond the f32 widening");
            widened.push(path.to_owned());
        }
        _ => assert_eq!(ours, theirs, "{path}"),
    }
}

fn assert_same_request_line_and_body(ours: &Recorded, theirs: &Recorded, body: BodyKind) {
    assert_eq!(ours.method, theirs.method, "method");
    assert_eq!(ours.path, theirs.path, "path");
    assert_eq!(ours.query, theirs.query, "query");
    match body {
        BodyKind::Json => {
            let mut widened = Vec::new();
            assert_json_equivalent(&ours.json(), &theirs.json(), "", &mut widened);
            for path in &widened {
                assert!(
                    F32_MEMBERS.contains(&path.as_str()),
                    "{path}: numbers that differ beyond the f32 widening rule"
                );
            }
        }
        BodyKind::Bytes => assert_eq!(ours.body, theirs.body, "body bytes"),
        BodyKind::Empty => {
            assert!(ours.body.is_empty(), "our body: {:?}", ours.body);
            assert!(theirs.body.is_empty(), "their body: {:?}", theirs.body);
        }
    }
}

/// Check 1: the official client signing like bedrock-rs sends the same signature.
fn assert_identical(ours: &Recorded, theirs: &Recorded, body: BodyKind) {
    assert_same_request_line_and_body(ours, theirs, body);
    let their_auth = theirs.authorization();
    let names: BTreeSet<String> = their_auth.signed_headers.iter().cloned().collect();
    assert_eq!(
        recompute(theirs, &names),
        their_auth,
        "the official signature matches its request"
    );
    if ours.body == theirs.body {
        assert_eq!(ours.authorization(), their_auth, "Authorization");
        assert_eq!(
            ours.header("authorization"),
            theirs.header("authorization"),
            "the Authorization header, byte for byte"
        );
    } else {
        // The same JSON with the members in another order (the official SDK writes the input's
        // top-level members alphabetically, this SDK in model order): the payload hash differs,
        // and nothing else. The official request with our body's bytes gives our signature.
        assert!(
            matches!(body, BodyKind::Json),
            "bodies differ: {:?} {:?}",
            ours.body,
            theirs.body
        );
        assert_eq!(ours.body.len(), theirs.body.len(), "body length");
        assert_eq!(
            recompute_with_body(theirs, &names, &ours.body),
            ours.authorization(),
            "the official request with our body's bytes has our Authorization"
        );
    }
    let strip = |r: &Recorded| {
        let mut map = r.header_map();
        map.retain(|name, _| !UNSIGNED_DIFFERENCES.contains(&name.as_str()));
        if ours.body != theirs.body {
            // Compared above, with the body substituted.
            map.remove("authorization");
        }
        map
    };
    assert_eq!(strip(ours), strip(theirs), "every header but {UNSIGNED_DIFFERENCES:?}");
    // What differs is only unsigned: the user agents, and the ids the official client added after signing.
    assert!(theirs.header("user-agent").is_some());
    assert_eq!(ours.header("amz-sdk-request"), theirs.header("amz-sdk-request"));
    assert_eq!(
        ours.header("amz-sdk-invocation-id"),
        theirs.header("amz-sdk-invocation-id")
    );
    assert_eq!(theirs.header("x-amz-user-agent"), None, "dropped before signing");
}

/// Check 2: the official client as it ships.
fn assert_equivalent(ours: &Recorded, theirs: &Recorded, body: BodyKind) {
    assert_same_request_line_and_body(ours, theirs, body);
    let our_auth = ours.authorization();
    let their_auth = theirs.authorization();
    assert_eq!(our_auth.credential, their_auth.credential, "credential scope");
    assert_eq!(
        our_auth.credential,
        format!("{AKID}/20240305/{REGION}/bedrock/aws4_request"),
        "credential scope"
    );

    // Each side's signature, recomputed independently over what was received.
    for (side, request, auth) in [("ours", ours, &our_auth), ("theirs", theirs, &their_auth)] {
        let names: BTreeSet<String> = auth.signed_headers.iter().cloned().collect();
        assert_eq!(
            &recompute(request, &names),
            auth,
            "{side}: the signature matches the request received"
        );
    }

    // The signed header sets differ only by the listed headers; the common ones have equal values.
    let our_names: BTreeSet<String> = our_auth.signed_headers.iter().cloned().collect();
    let their_names: BTreeSet<String> = their_auth.signed_headers.iter().cloned().collect();
    let differing: BTreeSet<&str> = our_names
        .symmetric_difference(&their_names)
        .map(String::as_str)
        .collect();
    for name in &differing {
        assert!(
            SIGNED_DIFFERENCES.contains(name),
            "{name} is signed by one side only: ours {our_names:?}, theirs {their_names:?}"
        );
    }
    let common: BTreeSet<String> = our_names
        .iter()
        .filter(|name| !SIGNED_DIFFERENCES.contains(&name.as_str()))
        .cloned()
        .collect();
    let (our_headers, their_headers) = (ours.header_map(), theirs.header_map());
    for name in &common {
        assert!(their_names.contains(name), "{name} is signed by ours only");
        assert_eq!(our_headers.get(name), their_headers.get(name), "signed header {name}");
    }
    let mut required = vec!["host", "x-amz-date", "x-amz-security-token"];
    if !matches!(body, BodyKind::Empty) {
        required.push("content-type");
    }
    for name in required {
        assert!(common.contains(name), "{name} is signed by both: {common:?}");
    }

    // The canonical requests apart from the excluded headers are equal: signed over the common
    // header set, the two requests give one signature.
    // (With JSON bodies that differ only in member order, their payload stands in for ours.)
    assert_eq!(
        recompute(ours, &common),
        recompute_with_body(theirs, &common, &ours.body),
        "canonical request over {common:?}"
    );
}

/// Runs our side, then the official one both ways, and checks both comparisons.
async fn check<Fut, FutO>(
    server: &Server,
    body: BodyKind,
    ours: impl FnOnce(bedrock_config::Config) -> Fut,
    theirs: impl Fn(Official) -> FutO,
) where
    Fut: std::future::Future<Output = ()>,
    FutO: std::future::Future<Output = ()>,
{
    ours(our_config(server).await).await;
    let our_request = server.take_one();
    eprintln!("ours: {our_request:#?}");

    theirs(Official::AsShipped).await;
    let as_shipped = server.take_one();
    eprintln!("official, as shipped: {as_shipped:#?}");
    assert_equivalent(&our_request, &as_shipped, body);

    theirs(Official::SignLike(our_request.clone())).await;
    let signing_alike = server.take_one();
    eprintln!("official, signing like bedrock-rs: {signing_alike:#?}");
    assert_identical(&our_request, &signing_alike, body);
}

// ---------------------------------------------------------------------------------------------
// The operations.

fn our_converse_input() -> bedrock_runtime::types::ConverseRequest {
    use bedrock_runtime::types::{
        ContentBlock, ConversationRole, ConverseRequest, InferenceConfiguration, Message, SystemContentBlock,
    };
    ConverseRequest::new(MODEL)
        .with_messages(vec![Message::new(
            ConversationRole::User,
            vec![ContentBlock::Text("Hello, \"world\" — ünïcödé\n".into())],
        )])
        .with_system(vec![SystemContentBlock::Text("Answer briefly.".into())])
        .with_inference_config(
            InferenceConfiguration::new()
                .with_max_tokens(256)
                .with_temperature(0.5)
                .with_top_p(0.25)
                .with_stop_sequences(vec!["END".to_owned()]),
        )
        .with_additional_model_request_fields(json!({"top_k": 40, "nested": {"list": [1, 2.5, "x"]}}))
        .with_request_metadata(
            [("team".to_owned(), "sdk".to_owned())]
                .into_iter()
                .collect::<std::collections::HashMap<_, _>>(),
        )
}

fn official_document() -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    Document::Object(
        [
            ("top_k".to_owned(), Document::Number(Number::PosInt(40))),
            (
                "nested".to_owned(),
                Document::Object(
                    [(
                        "list".to_owned(),
                        Document::Array(vec![
                            Document::Number(Number::PosInt(1)),
                            Document::Number(Number::Float(2.5)),
                            Document::String("x".to_owned()),
                        ]),
                    )]
                    .into_iter()
                    .collect(),
                ),
            ),
        ]
        .into_iter()
        .collect(),
    )
}

fn official_message() -> aws_sdk_bedrockruntime::types::Message {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Hello, \"world\" — ünïcödé\n".into()))
        .build()
        .expect("role and content are set")
}

fn official_inference_config() -> aws_sdk_bedrockruntime::types::InferenceConfiguration {
    aws_sdk_bedrockruntime::types::InferenceConfiguration::builder()
        .max_tokens(256)
        .temperature(0.5)
        .top_p(0.25)
        .stop_sequences("END")
        .build()
}

#[tokio::test]
async fn converse() {
    let server = Server::start().await;
    check(
        &server,
        BodyKind::Json,
        |config| async move {
            let output = bedrock_runtime::Client::new(&config)
                .converse(our_converse_input())
                .await
                .expect("our Converse succeeds");
            let _ = output.output;
        },
        |official| {
            let client = official.runtime(&server);
            async move {
                client
                    .converse()
                    .model_id(MODEL)
                    .messages(official_message())
                    .system(aws_sdk_bedrockruntime::types::SystemContentBlock::Text(
                        "Answer briefly.".into(),
                    ))
                    .inference_config(official_inference_config())
                    .additional_model_request_fields(official_document())
                    .request_metadata("team", "sdk")
                    .send()
                    .await
                    .expect("the official Converse succeeds");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn converse_stream() {
    use bedrock_runtime::types::{
        ContentBlock, ConversationRole, ConverseStreamRequest, InferenceConfiguration, Message, SystemContentBlock,
    };

    let server = Server::start().await;
    check(
        &server,
        BodyKind::Json,
        |config| async move {
            let input = ConverseStreamRequest::new(MODEL)
                .with_messages(vec![Message::new(
                    ConversationRole::User,
                    vec![ContentBlock::Text("Hello, \"world\" — ünïcödé\n".into())],
                )])
                .with_system(vec![SystemContentBlock::Text("Answer briefly.".into())])
                .with_inference_config(
                    InferenceConfiguration::new()
                        .with_max_tokens(256)
                        .with_temperature(0.5)
                        .with_top_p(0.25)
                        .with_stop_sequences(vec!["END".to_owned()]),
                );
            let Err(error) = bedrock_runtime::Client::new(&config).converse_stream(input).await else {
                panic!("expected the canned ValidationException");
            };
            assert!(format!("{error:?}").contains("Validation"), "{error:?}");
        },
        |official| {
            let client = official.runtime(&server);
            async move {
                let error = client
                    .converse_stream()
                    .model_id(MODEL)
                    .messages(official_message())
                    .system(aws_sdk_bedrockruntime::types::SystemContentBlock::Text(
                        "Answer briefly.".into(),
                    ))
                    .inference_config(official_inference_config())
                    .send()
                    .await
                    .expect_err("the canned ValidationException");
                assert!(error.into_service_error().is_validation_exception());
            }
        },
    )
    .await;
}

#[tokio::test]
async fn invoke_model() {
    use bedrock_runtime::types::InvokeModelRequest;

    // Opaque to both SDKs: sent as is, with the given content type.
    const BODY: &str =
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}"#;
    let server = Server::start().await;
    check(
        &server,
        BodyKind::Bytes,
        |config| async move {
            let input = InvokeModelRequest::new(MODEL)
                .with_body(bedrock_runtime_types::Blob::new(BODY))
                .with_content_type("application/json")
                .with_accept("application/json");
            let output = bedrock_runtime::Client::new(&config)
                .invoke_model(input)
                .await
                .expect("our InvokeModel succeeds");
            assert_eq!(output.body.as_ref(), br#"{"completion":"canned"}"#);
        },
        |official| {
            let client = official.runtime(&server);
            async move {
                client
                    .invoke_model()
                    .model_id(MODEL)
                    .body(aws_sdk_bedrockruntime::primitives::Blob::new(BODY))
                    .content_type("application/json")
                    .accept("application/json")
                    .send()
                    .await
                    .expect("the official InvokeModel succeeds");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn list_foundation_models() {
    use bedrock_control::types::{ListFoundationModelsRequest, ModelModality};

    let server = Server::start().await;
    check(
        &server,
        BodyKind::Empty,
        |config| async move {
            let input = ListFoundationModelsRequest::new()
                .with_by_provider("anthropic")
                .with_by_output_modality(ModelModality::Text);
            let output = bedrock_control::Client::new(&config)
                .list_foundation_models(input)
                .await
                .expect("our ListFoundationModels succeeds");
            assert_eq!(output.model_summaries.map(|m| m.len()), Some(0));
        },
        |official| {
            let client = official.control(&server);
            async move {
                client
                    .list_foundation_models()
                    .by_provider("anthropic")
                    .by_output_modality(aws_sdk_bedrock::types::ModelModality::Text)
                    .send()
                    .await
                    .expect("the official ListFoundationModels succeeds");
            }
        },
    )
    .await;
}

/// `float` members whose f32 value has no short f64 spelling: the one difference in the JSON the
/// two SDKs write (see [`F32_MEMBERS`]). The bodies then differ in length, so only the body rule
/// and each side's own signature are checked here; the other tests use exactly representable
/// values and compare everything.
#[tokio::test]
async fn converse_float_members() {
    use bedrock_runtime::types::{ContentBlock, ConversationRole, ConverseRequest, InferenceConfiguration, Message};

    let server = Server::start().await;
    let input = ConverseRequest::new(MODEL)
        .with_messages(vec![Message::new(
            ConversationRole::User,
            vec![ContentBlock::Text("Hi".into())],
        )])
        .with_inference_config(InferenceConfiguration::new().with_temperature(0.7).with_top_p(0.9));
    bedrock_runtime::Client::new(&our_config(&server).await)
        .converse(input)
        .await
        .expect("our Converse succeeds");
    let ours = server.take_one();
    Official::AsShipped
        .runtime(&server)
        .converse()
        .model_id(MODEL)
        .messages(
            aws_sdk_bedrockruntime::types::Message::builder()
                .role(aws_sdk_bedrockruntime::types::ConversationRole::User)
                .content(aws_sdk_bedrockruntime::types::ContentBlock::Text("Hi".into()))
                .build()
                .expect("role and content are set"),
        )
        .inference_config(
            aws_sdk_bedrockruntime::types::InferenceConfiguration::builder()
                .temperature(0.7)
                .top_p(0.9)
                .build(),
        )
        .send()
        .await
        .expect("the official Converse succeeds");
    let theirs = server.take_one();

    assert_eq!(ours.json()["inferenceConfig"], json!({"temperature": 0.7, "topP": 0.9}));
    let mut widened = Vec::new();
    assert_json_equivalent(&ours.json(), &theirs.json(), "", &mut widened);
    assert_eq!(
        widened, F32_MEMBERS,
        "both float members are written differently, and only they"
    );
    for request in [&ours, &theirs] {
        let auth = request.authorization();
        let names: BTreeSet<String> = auth.signed_headers.iter().cloned().collect();
        assert_eq!(recompute(request, &names), auth, "each side signs what it sends");
    }
}
