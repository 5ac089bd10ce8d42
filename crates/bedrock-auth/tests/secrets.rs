//! A full round trip (load from files and environment, cache, sign, generate a
//! short-term key, select a mode, fail in every typed way) with every `tracing`
//! event captured at TRACE level, then a grep of the captured text, of `Debug`
//! output and of every error string for the secret values (and the full access
//! key id, of which only a prefix may show). `aws-sigv4`'s own TRACE events are
//! silenced by the crate because they carry the access key id and, when
//! presigning, the session token.

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
