//! Every network provider against real HTTP servers on 127.0.0.1 (see
//! `support`), with configuration in temporary directories and an injected
//! environment. Nothing leaves the loopback interface: every endpoint is
//! overridden to point at a local server.

mod support;

use std::path::Path;
use std::time::Duration;

use bedrock_auth::container::ContainerProvider;
use bedrock_auth::default_chain::default_credentials_provider_with;
use bedrock_auth::env::{MapEnv, RealFs};
use bedrock_auth::imds::{resolve_region_with_imds, ImdsClient, ImdsCredentialsProvider};
use bedrock_auth::profile_provider::ProfileProvider;
use bedrock_auth::region::RegionSource;
use bedrock_auth::sso::token_cache_path;
use bedrock_auth::sts::WebIdentityProvider;
use bedrock_auth::{CredentialsError, OsContext, ProvideCredentials, ProviderConfig};
use support::*;

/// A temporary home directory with `.aws/config` holding `config`.
fn home_with(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws/sso/cache")).unwrap();
    std::fs::write(home.path().join(".aws/config"), config).unwrap();
    home
}

fn cfg(home: &Path, env: &[(&str, String)]) -> ProviderConfig {
    let mut pairs: Vec<(String, String)> = vec![("HOME".into(), home.display().to_string())];
    pairs.extend(env.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let ctx = OsContext::new(MapEnv::from_pairs(pairs), RealFs);
    ProviderConfig::new(&ctx, http_client()).with_clock(fixed_clock())
}

fn profile_provider(cfg: &ProviderConfig) -> ProfileProvider {
    ProfileProvider::new(cfg.os_context()).with_provider_config(cfg.clone())
}

// ---------------------------------------------------------------- STS

#[tokio::test]
async fn web_identity_from_env_calls_sts_unsigned() {
    let sts = serve(|_| ok(sts_xml("AssumeRoleWithWebIdentity", "ASIAWEB", "websecret", "webtoken"))).await;
    let home = home_with("");
    std::fs::write(home.path().join("token"), "oidc-token-value\n").unwrap();
    let cfg = cfg(
        home.path(),
        &[
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                home.path().join("token").display().to_string(),
            ),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web".into()),
            ("AWS_ROLE_SESSION_NAME", "my session".into()),
            ("AWS_REGION", "eu-west-1".into()),
            ("AWS_ENDPOINT_URL_STS", sts.url()),
        ],
    );
    let creds = WebIdentityProvider::new(&cfg).provide_credentials().await.unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.secret_access_key(), creds.session_token()),
        ("ASIAWEB", "websecret", Some("webtoken"))
    );
    assert_eq!(creds.provider_name(), "WebIdentityToken");
    assert!(creds.expiry().is_some());
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/"));
    assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(req.header("authorization"), None, "web identity calls are not signed");
    assert_eq!(
        form_value(&req.body, "Action").as_deref(),
        Some("AssumeRoleWithWebIdentity")
    );
    assert_eq!(form_value(&req.body, "Version").as_deref(), Some("2011-06-15"));
    assert_eq!(
        form_value(&req.body, "RoleArn").as_deref(),
        Some("arn:aws:iam::123456789012:role/web")
    );
    assert_eq!(form_value(&req.body, "RoleSessionName").as_deref(), Some("my session"));
    assert_eq!(
        form_value(&req.body, "WebIdentityToken").as_deref(),
        Some("oidc-token-value")
    );
}

#[tokio::test]
async fn web_identity_not_configured_and_misconfigured() {
    let home = home_with("");
    let none = cfg(home.path(), &[]);
    assert!(WebIdentityProvider::new(&none)
        .provide_credentials()
        .await
        .unwrap_err()
        .is_not_loaded());
    let no_role = cfg(home.path(), &[("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent".into())]);
    let err = WebIdentityProvider::new(&no_role)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        !err.is_not_loaded() && err.to_string().contains("AWS_ROLE_ARN"),
        "{err}"
    );
    let missing_file = cfg(
        home.path(),
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token".into()),
            ("AWS_ROLE_ARN", "arn:r".into()),
        ],
    );
    let err = WebIdentityProvider::new(&missing_file)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("WebIdentityToken:"), "{err}");
}

#[tokio::test]
async fn sts_error_response_is_a_typed_error() {
    let sts = serve(|_| {
        status(
            403,
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>\
             </Error><RequestId>x</RequestId></ErrorResponse>",
        )
    })
    .await;
    let home = home_with("");
    std::fs::write(home.path().join("token"), "t").unwrap();
    let cfg = cfg(
        home.path(),
        &[
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                home.path().join("token").display().to_string(),
            ),
            ("AWS_ROLE_ARN", "arn:r".into()),
            ("AWS_ENDPOINT_URL_STS", sts.url()),
        ],
    );
    let err = WebIdentityProvider::new(&cfg).provide_credentials().await.unwrap_err();
    match &err {
        CredentialsError::Service {
            provider,
            status,
            code,
            message,
        } => {
            assert_eq!(*provider, "WebIdentityToken");
            assert_eq!(*status, 403);
            assert_eq!(code.as_deref(), Some("AccessDenied"));
            assert!(message.as_deref().unwrap().contains("Not authorized"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("AccessDenied"), "{err}");

    // A 200 with a body that is not the expected document.
    let garbage = serve(|_| ok("<html>oops</html>")).await;
    let cfg2 = cfg_with_sts(home.path(), &garbage);
    let err = WebIdentityProvider::new(&cfg2).provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            err,
            CredentialsError::InvalidResponse {
                provider: "WebIdentityToken",
                ..
            }
        ),
        "{err:?}"
    );
}

fn cfg_with_sts(home: &Path, sts: &Server) -> ProviderConfig {
    cfg(
        home,
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", home.join("token").display().to_string()),
            ("AWS_ROLE_ARN", "arn:r".into()),
            ("AWS_ENDPOINT_URL_STS", sts.url()),
        ],
    )
}

#[tokio::test]
async fn profile_role_chain_is_signed_with_each_source() {
    let sts = serve(|req| {
        let arn = form_value(&req.body, "RoleArn").unwrap_or_default();
        let key = if arn.ends_with("mid") { "ASIAMID" } else { "ASIATOP" };
        ok(sts_xml(
            "AssumeRole",
            key,
            &format!("{key}-secret"),
            &format!("{key}-token"),
        ))
    })
    .await;
    let home = home_with(
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n\
         [profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\nexternal_id = ext-1\nduration_seconds = 900\n\
         [profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\nrole_session_name = sess\nregion = eu-west-1\n",
    );
    let cfg = cfg(
        home.path(),
        &[("AWS_PROFILE", "top".into()), ("AWS_ENDPOINT_URL_STS", sts.url())],
    );
    let creds = profile_provider(&cfg).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIATOP");
    assert_eq!(creds.provider_name(), "AssumeRole");

    let requests = sts.requests();
    assert_eq!(requests.len(), 2);
    let (first, second) = (&requests[0], &requests[1]);
    assert_eq!(form_value(&first.body, "Action").as_deref(), Some("AssumeRole"));
    assert_eq!(form_value(&first.body, "ExternalId").as_deref(), Some("ext-1"));
    assert_eq!(form_value(&first.body, "DurationSeconds").as_deref(), Some("900"));
    // No session name configured: the SDKs' default, from the injected clock.
    assert_eq!(
        form_value(&first.body, "RoleSessionName").as_deref(),
        Some("aws-sdk-rust-1704164645000")
    );
    // No region on `mid`: the region chain's, here the selected profile's `region`.
    let auth = first.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDBASE/20240102/eu-west-1/sts/aws4_request"),
        "{auth}"
    );
    assert_eq!(first.header("x-amz-date"), Some("20240102T030405Z"));
    assert_eq!(first.header("x-amz-security-token"), None);

    assert_eq!(
        form_value(&second.body, "RoleArn").as_deref(),
        Some("arn:aws:iam::1:role/top")
    );
    assert_eq!(form_value(&second.body, "RoleSessionName").as_deref(), Some("sess"));
    let auth = second.header("authorization").unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAMID/20240102/eu-west-1/sts/aws4_request"),
        "{auth}"
    );
    assert_eq!(second.header("x-amz-security-token"), Some("ASIAMID-token"));
}

#[tokio::test]
async fn profile_web_identity_then_role() {
    let sts = serve(|req| match form_value(&req.body, "Action").as_deref() {
        Some("AssumeRoleWithWebIdentity") => ok(sts_xml("AssumeRoleWithWebIdentity", "ASIAW", "ws", "wt")),
        _ => ok(sts_xml("AssumeRole", "ASIAR", "rs", "rt")),
    })
    .await;
    let home = home_with("");
    let token = home.path().join("token");
    std::fs::write(&token, "jwt").unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        format!(
            "[profile web]\nrole_arn = arn:web\nweb_identity_token_file = {}\n\
             [default]\nrole_arn = arn:next\nsource_profile = web\n",
            token.display()
        ),
    )
    .unwrap();
    let cfg = cfg(home.path(), &[("AWS_ENDPOINT_URL_STS", sts.url())]);
    let creds = profile_provider(&cfg).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAR");
    let requests = sts.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(form_value(&requests[0].body, "RoleArn").as_deref(), Some("arn:web"));
    assert_eq!(
        form_value(&requests[0].body, "WebIdentityToken").as_deref(),
        Some("jwt")
    );
    assert!(requests[1]
        .header("authorization")
        .unwrap()
        .contains("Credential=ASIAW/"));
}

// ---------------------------------------------------------------- SSO

const SSO_CONFIG: &str = "[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
    [sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n\
    [profile legacy]\nsso_start_url = https://d-2.awsapps.com/start\nsso_region = us-east-1\n\
    sso_account_id = 210987654321\nsso_role_name = Old\n";

fn sso_portal() -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    |req| {
        let token = req.header("x-amz-sso_bearer_token").unwrap_or_default().to_owned();
        ok(format!(
            r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO-{token}","secretAccessKey":"ssosecret","sessionToken":"ssotoken","expiration":1893456000000}}}}"#
        ))
    }
}

fn sso_cfg(home: &Path, portal: &Server, oidc: Option<&Server>, profile: Option<&str>) -> ProviderConfig {
    let mut env = vec![("AWS_ENDPOINT_URL_SSO", portal.url())];
    if let Some(oidc) = oidc {
        env.push(("AWS_ENDPOINT_URL_SSO_OIDC", oidc.url()));
    }
    if let Some(profile) = profile {
        env.push(("AWS_PROFILE", profile.to_owned()));
    }
    cfg(home, &env)
}

#[tokio::test]
async fn sso_session_uses_cached_token() {
    let portal = serve(sso_portal()).await;
    let home = home_with(SSO_CONFIG);
    std::fs::write(
        token_cache_path(home.path(), "corp"),
        r#"{"accessToken":"cachedtoken","expiresAt":"2024-01-02T05:00:00Z"}"#,
    )
    .unwrap();
    let cfg = sso_cfg(home.path(), &portal, None, None);
    let creds = profile_provider(&cfg).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASSO-cachedtoken");
    assert_eq!(creds.provider_name(), "Sso");
    // Epoch milliseconds: 2030-01-01T00:00:00Z.
    assert_eq!(
        creds.expiry(),
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
    );
    let requests = portal.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(
        requests[0].path,
        "/federation/credentials?account_id=123456789012&role_name=Dev"
    );
}

#[tokio::test]
async fn sso_refreshes_an_expiring_token_and_writes_the_cache() {
    let portal = serve(sso_portal()).await;
    let oidc = serve(|req| {
        let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        if req.path == "/token"
            && body["grantType"] == "refresh_token"
            && body["refreshToken"] == "refresh-1"
            && body["clientId"] == "client"
            && body["clientSecret"] == "clientsecret"
        {
            ok(r#"{"accessToken":"newtoken","expiresIn":3600,"refreshToken":"refresh-2","tokenType":"Bearer"}"#)
        } else {
            status(400, r#"{"error":"invalid_request"}"#)
        }
    })
    .await;
    let home = home_with(SSO_CONFIG);
    let cache = token_cache_path(home.path(), "corp");
    // Two minutes left: inside the five-minute refresh window.
    std::fs::write(
        &cache,
        r#"{"accessToken":"oldtoken","expiresAt":"2024-01-02T03:06:05Z","refreshToken":"refresh-1",
            "clientId":"client","clientSecret":"clientsecret","registrationExpiresAt":"2024-03-01T00:00:00Z",
            "region":"eu-west-1","startUrl":"https://d-1.awsapps.com/start"}"#,
    )
    .unwrap();
    let cfg = sso_cfg(home.path(), &portal, Some(&oidc), None);
    let creds = profile_provider(&cfg).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASSO-newtoken");
    assert_eq!(oidc.requests().len(), 1);

    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(written["accessToken"], "newtoken");
    assert_eq!(written["refreshToken"], "refresh-2");
    assert_eq!(written["expiresAt"], "2024-01-02T04:04:05Z");
    // Fields the refresh does not change are kept.
    assert_eq!(written["clientId"], "client");
    assert_eq!(written["startUrl"], "https://d-1.awsapps.com/start");
}

#[tokio::test]
async fn sso_expired_token_without_refresh_asks_for_login() {
    let portal = serve(sso_portal()).await;
    let home = home_with(SSO_CONFIG);
    std::fs::write(
        token_cache_path(home.path(), "https://d-2.awsapps.com/start"),
        r#"{"accessToken":"stale","expiresAt":"2024-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let cfg = sso_cfg(home.path(), &portal, None, Some("legacy"));
    let err = profile_provider(&cfg).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::SsoLoginRequired { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("aws sso login") && text.contains("https://d-2.awsapps.com/start"),
        "{text}"
    );
    assert!(portal.requests().is_empty());

    // No cache file at all: the same advice.
    let empty = home_with(SSO_CONFIG);
    let cfg = sso_cfg(empty.path(), &portal, None, None);
    let err = profile_provider(&cfg).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::SsoLoginRequired { .. }), "{err:?}");
}

#[tokio::test]
async fn sso_portal_error_names_the_code() {
    let portal = serve(|_| {
        Reply::With(
            401,
            vec![(
                "x-amzn-ErrorType",
                "UnauthorizedException:http://internal.amazon.com/".into(),
            )],
            r#"{"message":"Session token not found or invalid"}"#.into(),
        )
    })
    .await;
    let home = home_with(SSO_CONFIG);
    std::fs::write(
        token_cache_path(home.path(), "corp"),
        r#"{"accessToken":"t","expiresAt":"2024-01-02T05:00:00Z"}"#,
    )
    .unwrap();
    let err = profile_provider(&sso_cfg(home.path(), &portal, None, None))
        .provide_credentials()
        .await
        .unwrap_err();
    match &err {
        CredentialsError::Service {
            provider: "Sso",
            status: 401,
            code: Some(code),
            message: Some(message),
        } => {
            assert_eq!(code, "UnauthorizedException");
            assert!(message.contains("Session token not found"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn sso_rejected_refresh_of_an_expired_token_asks_for_login() {
    let portal = serve(sso_portal()).await;
    let oidc = serve(|_| status(400, r#"{"error":"invalid_grant","error_description":"expired"}"#)).await;
    let home = home_with(SSO_CONFIG);
    std::fs::write(
        token_cache_path(home.path(), "corp"),
        r#"{"accessToken":"old","expiresAt":"2024-01-02T00:00:00Z","refreshToken":"r","clientId":"c","clientSecret":"s"}"#,
    )
    .unwrap();
    let cfg = sso_cfg(home.path(), &portal, Some(&oidc), None);
    let err = profile_provider(&cfg).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::SsoLoginRequired { .. }), "{err:?}");
    assert!(portal.requests().is_empty());
}

// ---------------------------------------------------------------- container

#[tokio::test]
async fn container_full_uri_with_token_file() {
    let endpoint = serve(|req| {
        if req.header("authorization") == Some("Bearer pod-token") {
            ok(json_creds("ASIACONT", "contsecret", "conttoken"))
        } else {
            status(401, r#"{"code":"Unauthorized","message":"bad token"}"#)
        }
    })
    .await;
    let home = home_with("");
    std::fs::write(home.path().join("pod-token"), "Bearer pod-token\n").unwrap();
    let cfg = cfg(
        home.path(),
        &[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/v1/credentials", endpoint.url()),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                home.path().join("pod-token").display().to_string(),
            ),
            // The file wins over the variable.
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong".into()),
        ],
    );
    let creds = ContainerProvider::new(&cfg).provide_credentials().await.unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.session_token(), creds.provider_name()),
        ("ASIACONT", Some("conttoken"), "EcsContainer")
    );
    assert_eq!(endpoint.requests()[0].path, "/v1/credentials");

    let wrong = cfg_container(home.path(), &endpoint, Some("Bearer wrong"));
    let err = ContainerProvider::new(&wrong).provide_credentials().await.unwrap_err();
    assert!(
        matches!(&err, CredentialsError::Service { provider: "EcsContainer", status: 401, code: Some(c), .. } if c == "Unauthorized"),
        "{err:?}"
    );
}

fn cfg_container(home: &Path, endpoint: &Server, token: Option<&str>) -> ProviderConfig {
    let mut env = vec![(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}/creds", endpoint.url()),
    )];
    if let Some(token) = token {
        env.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.to_owned()));
    }
    cfg(home, &env)
}

#[tokio::test]
async fn container_garbage_and_disallowed_hosts() {
    let garbage = serve(|_| ok("{\"AccessKeyId\": 42")).await;
    let home = home_with("");
    let err = ContainerProvider::new(&cfg_container(home.path(), &garbage, None))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CredentialsError::InvalidResponse {
                provider: "EcsContainer",
                ..
            }
        ),
        "{err:?}"
    );

    // `localhost` resolves to loopback only, so plain http is fine.
    let good = serve(|_| ok(json_creds("ASIALOCAL", "s", "t"))).await;
    let local = cfg(
        home.path(),
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("http://localhost:{}/creds", good.addr.port()),
        )],
    );
    assert_eq!(
        ContainerProvider::new(&local)
            .provide_credentials()
            .await
            .unwrap()
            .access_key_id(),
        "ASIALOCAL"
    );

    // Plain http to anywhere else is refused before any request is made.
    for uri in [
        "http://10.1.2.3/creds",
        "http://169.254.169.254/creds",
        "ftp://127.0.0.1/x",
    ] {
        let cfg = cfg(home.path(), &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.into())]);
        let err = ContainerProvider::new(&cfg).provide_credentials().await.unwrap_err();
        assert!(
            matches!(
                err,
                CredentialsError::Provider {
                    provider: "EcsContainer",
                    ..
                }
            ),
            "{uri}: {err:?}"
        );
    }
    let header_injection = cfg_container(home.path(), &good, Some("a\r\nx-evil: 1"));
    assert!(ContainerProvider::new(&header_injection)
        .provide_credentials()
        .await
        .is_err());
    assert!(ContainerProvider::new(&cfg(home.path(), &[]))
        .provide_credentials()
        .await
        .unwrap_err()
        .is_not_loaded());
}

// ---------------------------------------------------------------- IMDS

fn imds_routes(path: &str) -> Reply {
    match path {
        "/latest/meta-data/iam/security-credentials/" => ok("my-role\n"),
        "/latest/meta-data/iam/security-credentials/my-role" => ok(json_creds("ASIAIMDS", "imdssecret", "imdstoken")),
        "/latest/meta-data/placement/region" => ok("ap-southeast-2"),
        _ => status(404, ""),
    }
}

#[tokio::test]
async fn imds_token_flow_credentials_and_region() {
    let imds = fake_imds(imds_routes).await;
    let home = home_with("");
    let cfg = cfg(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())]);
    let creds = ImdsCredentialsProvider::new(&cfg).provide_credentials().await.unwrap();
    assert_eq!(
        (creds.access_key_id(), creds.session_token(), creds.provider_name()),
        ("ASIAIMDS", Some("imdstoken"), "Imds")
    );
    let requests = imds.requests();
    let seen: Vec<_> = requests.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    // One token for both reads.
    assert_eq!(
        seen,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/my-role",
        ]
    );

    let region = resolve_region_with_imds(None, &cfg).await.unwrap().unwrap();
    assert_eq!(
        (region.region.as_str(), region.source),
        ("ap-southeast-2", RegionSource::Imds)
    );
    // The environment still wins over IMDS.
    let env_region = self::cfg(
        home.path(),
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
            ("AWS_REGION", "us-west-2".into()),
        ],
    );
    let region = resolve_region_with_imds(None, &env_region).await.unwrap().unwrap();
    assert_eq!(region.source, RegionSource::AwsRegion);

    // The endpoint may also come from the profile.
    let from_profile = home_with(&format!("[default]\nec2_metadata_service_endpoint = {}\n", imds.url()));
    let cfg = self::cfg(from_profile.path(), &[]);
    assert_eq!(ImdsClient::new(&cfg).region().await.unwrap(), "ap-southeast-2");
}

#[tokio::test]
async fn imds_without_role_is_not_configured() {
    let imds = fake_imds(|_| status(404, "")).await;
    let home = home_with("");
    let cfg = cfg(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())]);
    let err = ImdsCredentialsProvider::new(&cfg)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CredentialsError::NotLoaded { provider: "Imds", reason } if reason.contains("404")),
        "{err:?}"
    );

    let broken = fake_imds(|path| {
        if path.ends_with("security-credentials/") {
            ok("r")
        } else {
            status(500, "")
        }
    })
    .await;
    let cfg = self::cfg(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", broken.url())]);
    let err = ImdsCredentialsProvider::new(&cfg)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CredentialsError::Service {
                provider: "Imds",
                status: 500,
                ..
            }
        ),
        "{err:?}"
    );

    let disabled = self::cfg(
        home.path(),
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ],
    );
    let before = imds.requests().len();
    assert!(ImdsCredentialsProvider::new(&disabled)
        .provide_credentials()
        .await
        .unwrap_err()
        .is_not_loaded());
    assert_eq!(imds.requests().len(), before);
}

/// An IMDS that never answers: paused time makes the 1 s deadline pass at once.
#[tokio::test(start_paused = true)]
async fn imds_that_never_answers_times_out() {
    let silent = serve(|_| Reply::Hang).await;
    let home = home_with("");
    let cfg = cfg(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", silent.url())]);
    let err = ImdsCredentialsProvider::new(&cfg)
        .provide_credentials()
        .await
        .unwrap_err();
    // No token answer: not on EC2, so a chain moves on.
    assert!(
        matches!(&err, CredentialsError::NotLoaded { provider: "Imds", reason } if reason.contains("1s")),
        "{err:?}"
    );

    // The token is served but the credentials never come: a timeout error.
    let half = fake_imds(|_| Reply::Hang).await;
    let cfg = self::cfg(home.path(), &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", half.url())]);
    let err = ImdsCredentialsProvider::new(&cfg)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CredentialsError::Timeout { provider: "Imds", after } if after == Duration::from_secs(1)),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- default chain

#[tokio::test]
async fn default_chain_follows_the_sdk_order() {
    let sts = serve(|_| ok(sts_xml("AssumeRoleWithWebIdentity", "ASIAWEBENV", "s", "t"))).await;
    let container = serve(|_| ok(json_creds("ASIACONTAINER", "s", "t"))).await;
    let imds = fake_imds(|path| match path {
        "/latest/meta-data/iam/security-credentials/" => ok("role"),
        _ => ok(json_creds("ASIAIMDSCHAIN", "s", "t")),
    })
    .await;
    let home = home_with("[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n");
    std::fs::write(home.path().join("token"), "jwt").unwrap();
    let no_profile = home_with("");

    let env_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "s".into()),
    ];
    let web = [
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            home.path().join("token").display().to_string(),
        ),
        ("AWS_ROLE_ARN", "arn:r".into()),
        ("AWS_ENDPOINT_URL_STS", sts.url()),
    ];
    let container_env = [("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url())];
    let imds_env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())];

    let run = |home: &Path, env: Vec<(&'static str, String)>| {
        let cfg = cfg(home, &env);
        async move { default_credentials_provider_with(&cfg).credentials().await }
    };
    let all: Vec<_> = env_keys
        .iter()
        .chain(&web)
        .chain(&container_env)
        .chain(&imds_env)
        .cloned()
        .collect();
    let without_env: Vec<_> = all[2..].to_vec();
    let without_web: Vec<_> = container_env.iter().chain(&imds_env).cloned().collect();

    let key = |r: Result<bedrock_auth::Credentials, CredentialsError>| r.unwrap().access_key_id().to_owned();
    assert_eq!(key(run(home.path(), all.clone()).await), "AKIDENV");
    assert_eq!(key(run(home.path(), without_env.clone()).await), "AKIDPROFILE");
    assert_eq!(key(run(no_profile.path(), without_env).await), "ASIAWEBENV");
    assert_eq!(key(run(no_profile.path(), without_web).await), "ASIACONTAINER");
    assert_eq!(key(run(no_profile.path(), imds_env.to_vec()).await), "ASIAIMDSCHAIN");
    assert_eq!(sts.requests().len(), 1);
    assert_eq!(container.requests().len(), 1);

    // Nothing configured (IMDS disabled): one NotLoaded naming every source.
    let err = run(no_profile.path(), vec![("AWS_EC2_METADATA_DISABLED", "true".into())])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(err.is_not_loaded(), "{text}");
    for source in ["Environment", "Profile", "WebIdentityToken", "EcsContainer", "Imds"] {
        assert!(text.contains(source), "{source} missing from: {text}");
    }

    // A configured source that fails stops the chain: an expired SSO login is
    // reported even though the container endpoint would answer.
    let sso_home = home_with(SSO_CONFIG);
    std::fs::write(
        token_cache_path(sso_home.path(), "corp"),
        r#"{"accessToken":"stale","expiresAt":"2023-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let err = run(sso_home.path(), container_env.to_vec()).await.unwrap_err();
    assert!(matches!(err, CredentialsError::SsoLoginRequired { .. }), "{err:?}");
    assert_eq!(container.requests().len(), 1);
}

#[tokio::test]
async fn profile_credential_source_container() {
    let container = serve(|_| ok(json_creds("ASIABASE", "s", "t"))).await;
    let sts = serve(|_| ok(sts_xml("AssumeRole", "ASIAROLE", "s", "t"))).await;
    let home = home_with("[default]\nrole_arn = arn:r\ncredential_source = EcsContainer\n");
    let cfg = cfg(
        home.path(),
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url()),
            ("AWS_ENDPOINT_URL_STS", sts.url()),
        ],
    );
    let creds = profile_provider(&cfg).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAROLE");
    assert!(sts.requests()[0]
        .header("authorization")
        .unwrap()
        .contains("Credential=ASIABASE/"));

    // The profile names the container but it is not configured: a profile error.
    let unset = self::cfg(home.path(), &[("AWS_ENDPOINT_URL_STS", sts.url())]);
    let err = profile_provider(&unset).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::InvalidProfile { .. }), "{err:?}");
}
