//! A full round trip (load from files and environment, cache, sign, generate a
//! short-term key, select a mode, fail in every typed way) with every `tracing`
//! event captured at TRACE level, then a grep of the captured text, of `Debug`
//! output and of every error string for the secret values (and the full access
//! key id, of which only a prefix may show). The signer is the crate's own
//! (`bedrock_auth::sigv4`) and logs nothing; `aws-sigv4`, which logged the
//! access key id and, when presigning, the session token at TRACE level, is no
//! longer in the signing path.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use bedrock_auth::env::{MapEnv, MapFs};
use bedrock_auth::{
    default_credentials_provider, generate_short_term_api_key, select_auth_mode, ApiKey, OsContext, Signer, SigningName,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const SECRET: &str = "FILEsecretKEYvalue0123456789abcdefghijkl";
const TOKEN: &str = "FILEsessionTOKENvalue//xyz+";
const ENV_BEARER: &str = "ABSKenvBEARERtokenVALUE";

/// An HTTP client that refuses every request (these sources need no network).
#[derive(Debug)]
struct NoNetwork;
impl bedrock_transport::HttpClient for NoNetwork {
    fn send(&self, _: http::Request<bedrock_transport::RequestBody>) -> bedrock_transport::ResponseFuture {
        Box::pin(async { Err("no network in this test".into()) })
    }
}

fn no_network() -> Arc<dyn bedrock_transport::HttpClient> {
    Arc::new(NoNetwork)
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Recorder<'a>(&'a mut String);
impl Visit for Recorder<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut out = self.0.lock().unwrap();
        span.record(&mut Recorder(&mut out));
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Recorder(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut out = self.0.lock().unwrap();
        out.push('\n');
        out.push_str(event.metadata().target());
        event.record(&mut Recorder(&mut out));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn no_secret_in_logs_debug_or_errors() {
    let capture = Capture::default();
    let mut texts: Vec<String> = Vec::new();
    tracing::subscriber::with_default(capture.clone(), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let credentials_file = format!(
                "[default]\naws_access_key_id = AKIDFILEEXAMPLE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
            );
            let ctx = OsContext::new(
                MapEnv::from_pairs([("HOME", "/h"), ("AWS_BEARER_TOKEN_BEDROCK", ENV_BEARER)]),
                MapFs::from_files([("/h/.aws/credentials", credentials_file.as_str())]),
            );
            let provider = default_credentials_provider(&ctx, no_network());
            let creds = provider.credentials().await.unwrap();
            assert_eq!(creds.secret_access_key(), SECRET);
            texts.push(format!("{creds:?} {creds} {provider:?}"));

            let now = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
            let mut request = http::Request::post("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse")
                .body(bytes::Bytes::from_static(b"{}"))
                .unwrap();
            Signer::new(SigningName::Bedrock, "us-east-1").sign(&mut request, &creds, now).unwrap();
            assert_eq!(request.headers()["x-amz-security-token"], TOKEN);
            texts.push(format!("{request:?} {:?}", request.headers()));

            let key = generate_short_term_api_key(&creds, "us-east-1", now, None).unwrap();
            texts.push(format!("{key:?} {}", key.key));

            let mode = select_auth_mode(None, None, &*ctx.env).unwrap();
            texts.push(format!("{mode:?}"));
            let header = ApiKey::new(ENV_BEARER).authorization_header().unwrap();
            texts.push(format!("{header:?}"));

            // Failures: a process that echoes the secret as garbage, a broken file.
            let leaky = OsContext::new(
                MapEnv::from_pairs([("HOME", "/h")]),
                MapFs::from_files([(
                    "/h/.aws/config",
                    format!("[default]\ncredential_process = echo {SECRET} {TOKEN}\n").as_str(),
                )]),
            );
            let err = default_credentials_provider(&leaky, no_network()).credentials().await.unwrap_err();
            texts.push(format!("{err} {err:?}"));
            let broken = OsContext::new(
                MapEnv::from_pairs([("HOME", "/h")]),
                MapFs::from_files([("/h/.aws/credentials", format!("[default]\n{SECRET}\n").as_str())]),
            );
            let err = default_credentials_provider(&broken, no_network()).credentials().await.unwrap_err();
            texts.push(format!("{err} {err:?}"));
        });
    });
    let logs = capture.0.lock().unwrap().clone();
    assert!(logs.contains("selected auth mode"), "{logs}");
    texts.push(logs);
    for text in &texts {
        for secret in [
            SECRET,
            TOKEN,
            ENV_BEARER,
            "FILEsessionTOKENvalue%2F%2Fxyz%2B",
            "AKIDFILEEXAMPLE",
        ] {
            assert!(!text.contains(secret), "secret {secret:?} leaked in: {text}");
        }
    }
}

// ------------------------------------------------------------------------------------------
// The same check over a real exchange: the transport's executor and hyper client talking to a
// hyper server on 127.0.0.1 (port 0), requests signed per attempt by `bedrock-auth`, a
// clock-skew rejection and correction, an event-stream upload signed message by message, a
// bearer-token call, and failures. The server sees the secrets (it must: they are the
// credentials); the client's logs, `Debug` output and error strings must not.

mod round_trip {
    use super::*;
    use std::convert::Infallible;
    use std::future::poll_fn;
    use std::pin::Pin;

    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    use bedrock_auth::event_stream_sign::EventStreamSigningError;
    use bedrock_auth::provider::StaticProvider;
    use bedrock_auth::{ClockSkew, Credentials, EventStreamSigner, SigV4Signing, Signature};
    use bedrock_transport::clock::{Clock as _, ManualClock};
    use bedrock_transport::event_stream::{encode, MessageDecoder};
    use bedrock_transport::executor::{AttemptInfo, RetryInfo};
    use bedrock_transport::{
        BoxError, Executor, HyperClient, NoSigning, OperationInfo, RequestBody, RetryConfig, TransportErrorKind,
    };
    use bytes::{Bytes, BytesMut};
    use http::{Request, Response, StatusCode};
    use hyper::body::{Body as _, Incoming};
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;

    const AKID: &str = "AKIDROUNDTRIPEXAMPLE";
    const RT_SECRET: &str = "RTsecretKEYvalue/abcdefghijklmnopqrstuvw";
    const RT_TOKEN: &str = "RTsessionTOKENvalue+/xyz==";
    const RT_BEARER: &str = "ABSKroundTRIPbearerVALUE";
    /// 2024-01-02T03:04:05Z on the client; the server's clock is an hour ahead.
    const LOCAL_SECS: u64 = 1_704_164_645;
    const SERVER_AHEAD: Duration = Duration::from_secs(3600);

    /// What the server saw, in order: (path, headers, body).
    type Seen = Arc<Mutex<Vec<(String, http::HeaderMap, Bytes)>>>;

    async fn collect(mut body: Incoming) -> Bytes {
        let mut out = BytesMut::new();
        while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            if let Ok(data) = frame.unwrap().into_data() {
                out.extend_from_slice(&data);
            }
        }
        out.freeze()
    }

    fn http_date(t: std::time::SystemTime) -> String {
        let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        aws_smithy_types::DateTime::from_secs(secs)
            .fmt(aws_smithy_types::date_time::Format::HttpDate)
            .unwrap()
    }

    /// Answers like a service whose clock is `server_now`: a SigV4 request dated more
    /// than five minutes away is refused as `InvalidSignatureException`.
    async fn handle(req: Request<Incoming>, seen: Seen, server_now: std::time::SystemTime) -> Response<String> {
        let (parts, body) = req.into_parts();
        let body = collect(body).await;
        seen.lock()
            .unwrap()
            .push((parts.uri.path().to_owned(), parts.headers.clone(), body));
        let date = http_date(server_now);
        let skewed = parts.headers.get("x-amz-date").is_some_and(|d| {
            let signed = aws_smithy_types::DateTime::from_str(
                &format!(
                    "{}-{}-{}T{}:{}:{}Z",
                    &d.to_str().unwrap()[0..4],
                    &d.to_str().unwrap()[4..6],
                    &d.to_str().unwrap()[6..8],
                    &d.to_str().unwrap()[9..11],
                    &d.to_str().unwrap()[11..13],
                    &d.to_str().unwrap()[13..15]
                ),
                aws_smithy_types::date_time::Format::DateTime,
            )
            .unwrap();
            let server = server_now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
            (signed.secs() - server).abs() > 300
        });
        let (status, code, body) = if skewed {
            (
                StatusCode::FORBIDDEN,
                "InvalidSignatureException",
                r#"{"message":"Signature expired: the request is dated too far from the server time"}"#,
            )
        } else {
            (StatusCode::OK, "", "{}")
        };
        let mut response = Response::builder()
            .status(status)
            .header("date", date)
            .header("x-amzn-requestid", "rid-1");
        if !code.is_empty() {
            response = response.header("x-amzn-errortype", code);
        }
        response.body(body.to_owned()).unwrap()
    }

    async fn start_server(seen: Seen, server_now: std::time::SystemTime) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let seen = seen.clone();
                        async move { Ok::<_, Infallible>(handle(req, seen, server_now).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    }

    /// The client's clock, for `EventStreamSigner` (the executor has its own).
    #[derive(Debug)]
    struct Fixed(ManualClock);
    impl bedrock_auth::Clock for Fixed {
        fn now(&self) -> std::time::SystemTime {
            self.0.system_time()
        }
    }

    #[test]
    fn no_secret_in_logs_debug_or_errors_of_a_signed_round_trip() {
        let capture = Capture::default();
        let mut texts: Vec<String> = Vec::new();
        let mut signatures: Vec<String> = Vec::new();
        let seen: Seen = Arc::default();
        tracing::subscriber::with_default(capture.clone(), || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let local = UNIX_EPOCH + Duration::from_secs(LOCAL_SECS);
                let server_now = local + SERVER_AHEAD;
                let addr = start_server(seen.clone(), server_now).await;
                let clock = ManualClock::new(local);
                let executor = Executor::builder(Arc::new(HyperClient::builder().build().unwrap()))
                    .clock(Arc::new(clock.clone()))
                    .retry_config(RetryConfig::standard().with_initial_backoff(Duration::ZERO))
                    .build();
                texts.push(format!("{executor:?}"));
                let op = OperationInfo::new("bedrock-runtime", "Converse");

                let creds = Credentials::new(AKID, RT_SECRET, Some(RT_TOKEN.to_owned()), None, "Test");
                let skew = ClockSkew::new();
                let signer = bedrock_auth::Signer::new(SigningName::Bedrock, "us-east-1").with_clock_skew(skew.clone());
                let sigv4 = SigV4Signing::new(signer.clone(), StaticProvider::new(creds.clone()));
                let converse = || {
                    Request::post(format!("http://{addr}/model/m/converse"))
                        .header("content-type", "application/json")
                        .body(Bytes::from_static(br#"{"messages":[]}"#))
                        .unwrap()
                };

                // 1. Refused: the client's clock is an hour behind. The executor shows the
                //    rejection to the signer, which learns the skew, and retries it.
                // 2. The retry, signed again with the corrected time, goes through.
                let accepted = executor.send_collected(&op, converse(), &sigv4).await.unwrap();
                assert_eq!(accepted.status(), StatusCode::OK);
                assert_eq!(accepted.extensions().get::<RetryInfo>().unwrap().attempts, 2);
                assert_eq!(skew.offset_millis(), 3_600_000);
                texts.push(format!("{accepted:?}"));

                // 3. An event-stream upload: the request signed with the streaming payload
                //    hash, three messages and the end frame chained from its signature.
                let mut stream_request =
                    Request::post(format!("http://{addr}/model/m/invoke-with-bidirectional-stream"))
                        .header("content-type", "application/vnd.amazon.eventstream")
                        .body(())
                        .unwrap();
                let seed = signer
                    .sign_event_stream_request(&mut stream_request, &creds, clock.system_time())
                    .unwrap();
                signatures.push(seed.expose_secret().to_owned());
                texts.push(format!("{seed:?} {stream_request:?}"));
                let mut events = EventStreamSigner::new(
                    seed,
                    creds.clone(),
                    SigningName::Bedrock,
                    "us-east-1",
                    Arc::new(Fixed(clock.clone())),
                )
                .with_clock_skew(skew.clone());
                let mut body = BytesMut::new();
                for n in 0..3 {
                    let inner = Message::new(format!("{{\"n\":{n}}}").into_bytes())
                        .add_header(Header::new(":event-type", HeaderValue::String("chunk".into())));
                    let outer = events.sign_message(&inner).unwrap();
                    signatures.push(events.previous_signature().expose_secret().to_owned());
                    body.extend_from_slice(&encode(&outer).unwrap());
                }
                body.extend_from_slice(&encode(&events.finish().unwrap()).unwrap());
                signatures.push(events.previous_signature().expose_secret().to_owned());
                texts.push(format!("{events:?}"));
                let err = events.sign_message(&Message::new(&b"late"[..])).unwrap_err();
                assert!(matches!(err, EventStreamSigningError::Finished));
                texts.push(format!("{err} {err:?}"));
                let uploaded = executor
                    .send_collected(&op, stream_request.map(|()| body.freeze()), &NoSigning)
                    .await
                    .unwrap();
                assert_eq!(uploaded.status(), StatusCode::OK);

                // 4. A bearer-token call.
                let key = ApiKey::new(RT_BEARER);
                let bearer = |request: &mut Request<RequestBody>, _: AttemptInfo| -> Result<(), BoxError> {
                    request
                        .headers_mut()
                        .insert(http::header::AUTHORIZATION, key.authorization_header()?);
                    Ok(())
                };
                let response = executor.send_collected(&op, converse(), &bearer).await.unwrap();
                texts.push(format!("{response:?} {key:?} {key}"));

                // 5. Failures: a header SigV4 cannot sign, surfacing as a transport error.
                let unsignable = Request::post(format!("http://{addr}/model/m/converse"))
                    .header("x-custom", http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap())
                    .body(Bytes::from_static(b"{}"))
                    .unwrap();
                let err = executor.send_collected(&op, unsignable, &sigv4).await.unwrap_err();
                assert_eq!(err.kind(), &TransportErrorKind::Signing);
                texts.push(format!("{err} {err:?} {:?}", std::error::Error::source(&err)));
                let err = bedrock_auth::api_key::generate_short_term_api_key(
                    &creds.clone().with_expiry(Some(local)),
                    "us-east-1",
                    local,
                    None,
                )
                .unwrap_err();
                texts.push(format!("{err} {err:?}"));
                let err = events.sign_frame(b"not a frame").unwrap_err();
                texts.push(format!("{err} {err:?}"));
                texts.push(format!(
                    "{creds:?} {creds} {signer:?} {sigv4:?} {skew:?} {:?}",
                    Signature::new("x")
                ));
            });
        });

        // The server got what a service needs: corrected dates, the token, signatures.
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 4, "the unsignable request must not be sent");
        assert_eq!(seen[0].1["x-amz-date"], "20240102T030405Z");
        assert_eq!(seen[1].1["x-amz-date"], "20240102T040405Z");
        assert_eq!(seen[1].1["x-amz-security-token"], RT_TOKEN);
        assert_eq!(seen[2].1["x-amz-content-sha256"], "STREAMING-AWS4-HMAC-SHA256-EVENTS");
        assert_eq!(seen[3].1["authorization"], format!("Bearer {RT_BEARER}"));
        for (_, headers, _) in &seen[..2] {
            let auth = headers["authorization"].to_str().unwrap();
            signatures.push(auth.rsplit("Signature=").next().unwrap().to_owned());
        }
        let mut decoder = MessageDecoder::new();
        decoder.push(seen[2].2.clone());
        decoder.finish();
        let mut frames = Vec::new();
        while let Some(message) = decoder.decode().unwrap() {
            frames.push(message);
        }
        assert_eq!(frames.len(), 4);
        assert!(frames[3].payload().is_empty());
        for (frame, expected) in frames.iter().zip(&signatures[1..5]) {
            let bytes = frame.headers()[0].value().as_byte_array().unwrap();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(&hex, expected);
        }

        let logs = capture.0.lock().unwrap().clone();
        assert!(logs.contains("clock skew detected"), "{logs}");
        assert!(
            logs.contains("Converse"),
            "the transport's spans are captured too: {logs}"
        );
        // aws-sigv4 logged its string to sign (holding the previous signature) as raw
        // bytes, which a text grep would miss: no such event may come back.
        assert!(!logs.contains("\naws_sigv4"), "{logs}");
        texts.push(logs);
        assert_eq!(signatures.len(), 7);
        let mut secrets: Vec<String> = [
            RT_SECRET,
            RT_TOKEN,
            RT_BEARER,
            AKID,
            "RTsessionTOKENvalue%2B%2Fxyz%3D%3D",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        secrets.extend(signatures);
        for text in &texts {
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "secret {secret:?} leaked in: {text}");
            }
        }
    }
}

mod support;

const NET_SECRETS: [&str; 12] = [
    "WEBidentityJWTvalue",
    "STSsecretVALUE",
    "STSsessionTOKEN",
    "SSOaccessTOKENold",
    "SSOrefreshTOKEN",
    "SSOclientSECRET",
    "SSOaccessTOKENnew",
    "SSOroleSECRET",
    "CONTAINERauthTOKEN",
    "CONTAINERsecret",
    "imds-token",
    "IMDSsecretVALUE",
];

/// The same grep over the network providers: successes (whose `Debug` is
/// recorded), refreshes that write the SSO cache, and typed failures, with every
/// secret of the exchange (web identity token, SSO access/refresh tokens and
/// client secret, container authorization token, IMDS session token, returned
/// keys) checked against logs, `Debug` output and error text.
#[test]
fn no_secret_from_network_providers() {
    use bedrock_auth::container::ContainerProvider;
    use bedrock_auth::env::RealFs;
    use bedrock_auth::imds::ImdsCredentialsProvider;
    use bedrock_auth::profile_provider::ProfileProvider;
    use bedrock_auth::sts::WebIdentityProvider;
    use bedrock_auth::{ProvideCredentials, ProviderConfig};
    use support::*;

    let capture = Capture::default();
    let mut texts: Vec<String> = Vec::new();
    tracing::subscriber::with_default(capture.clone(), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let sts = serve(|req| {
                if req.body.contains("WEBidentityJWTvalue") {
                    ok(sts_xml("AssumeRoleWithWebIdentity", "ASIASTSKEYID", "STSsecretVALUE", "STSsessionTOKEN"))
                } else {
                    status(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad</Message></Error></ErrorResponse>")
                }
            })
            .await;
            let oidc = serve(|_| ok(r#"{"accessToken":"SSOaccessTOKENnew","expiresIn":3600,"refreshToken":"SSOrefreshTOKEN2"}"#)).await;
            let portal = serve(|req| {
                if req.header("x-amz-sso_bearer_token") == Some("SSOaccessTOKENnew") {
                    ok(r#"{"roleCredentials":{"accessKeyId":"ASIASSOKEYID","secretAccessKey":"SSOroleSECRET","sessionToken":"SSOroleTOKEN","expiration":1893456000000}}"#)
                } else {
                    status(401, r#"{"message":"Session token not found or invalid"}"#)
                }
            })
            .await;
            let container = serve(|req| {
                if req.header("authorization") == Some("CONTAINERauthTOKEN") {
                    ok(json_creds("ASIACONTKEYID", "CONTAINERsecret", "CONTAINERtoken"))
                } else {
                    ok("{\"AccessKeyId\":")
                }
            })
            .await;
            let imds = fake_imds(|path| {
                if path.ends_with("security-credentials/") {
                    ok("role")
                } else {
                    ok(json_creds("ASIAIMDSKEYID", "IMDSsecretVALUE", "IMDStoken"))
                }
            })
            .await;

            let home = tempfile::tempdir().unwrap();
            let h = home.path();
            std::fs::create_dir_all(h.join(".aws/sso/cache")).unwrap();
            std::fs::write(h.join("jwt"), "WEBidentityJWTvalue").unwrap();
            std::fs::write(h.join("bad-jwt"), "other").unwrap();
            std::fs::write(
                h.join(".aws/config"),
                "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n\
                 [sso-session s]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n",
            )
            .unwrap();
            std::fs::write(
                bedrock_auth::sso::token_cache_path(h, "s"),
                r#"{"accessToken":"SSOaccessTOKENold","expiresAt":"2024-01-02T03:05:00Z","refreshToken":"SSOrefreshTOKEN","clientId":"c","clientSecret":"SSOclientSECRET"}"#,
            )
            .unwrap();
            let cfg = |env: Vec<(&str, String)>| {
                let mut pairs = vec![("HOME".to_owned(), h.display().to_string())];
                pairs.extend(env.into_iter().map(|(k, v)| (k.to_owned(), v)));
                ProviderConfig::new(&OsContext::new(MapEnv::from_pairs(pairs), RealFs), http_client())
                    .with_clock(fixed_clock())
            };

            for jwt in ["jwt", "bad-jwt"] {
                let web = cfg(vec![
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", h.join(jwt).display().to_string()),
                    ("AWS_ROLE_ARN", "arn:r".into()),
                    ("AWS_ENDPOINT_URL_STS", sts.url()),
                ]);
                let provider = WebIdentityProvider::new(&web);
                texts.push(format!("{provider:?} {web:?}"));
                match provider.provide_credentials().await {
                    Ok(c) => texts.push(format!("{c:?} {c}")),
                    Err(e) => texts.push(format!("{e} {e:?}")),
                }
            }

            let sso = cfg(vec![
                ("AWS_ENDPOINT_URL_SSO", portal.url()),
                ("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url()),
            ]);
            let provider = ProfileProvider::new(sso.os_context()).with_provider_config(sso.clone());
            let creds = provider.provide_credentials().await.unwrap();
            assert_eq!(creds.secret_access_key(), "SSOroleSECRET");
            texts.push(format!("{creds:?} {creds} {provider:?}"));
            // The refreshed cache now holds the new token; a wrong one is rejected.
            let rejected = cfg(vec![("AWS_ENDPOINT_URL_SSO", sts.url())]);
            let err = ProfileProvider::new(rejected.os_context())
                .with_provider_config(rejected.clone())
                .provide_credentials()
                .await
                .unwrap_err();
            texts.push(format!("{err} {err:?}"));

            for token in ["CONTAINERauthTOKEN", "wrong"] {
                let c = cfg(vec![
                    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url()),
                    ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.into()),
                ]);
                match ContainerProvider::new(&c).provide_credentials().await {
                    Ok(c) => texts.push(format!("{c:?} {c}")),
                    Err(e) => texts.push(format!("{e} {e:?}")),
                }
            }

            let i = cfg(vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())]);
            let provider = ImdsCredentialsProvider::new(&i);
            let creds = provider.provide_credentials().await.unwrap();
            assert_eq!(creds.secret_access_key(), "IMDSsecretVALUE");
            texts.push(format!("{creds:?} {creds} {provider:?}"));
        });
    });
    texts.push(capture.0.lock().unwrap().clone());
    assert!(texts.iter().any(|t| t.contains("InvalidIdentityToken")), "{texts:?}");
    for text in &texts {
        for secret in NET_SECRETS
            .iter()
            .chain(&["ASIASTSKEYID", "ASIASSOKEYID", "ASIACONTKEYID", "ASIAIMDSKEYID"])
        {
            assert!(!text.contains(secret), "secret {secret:?} leaked in: {text}");
        }
    }
}
