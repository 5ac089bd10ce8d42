//! Loading the shared configuration from an injected environment and files, and what the
//! clients built from it do with it, against small servers on loopback.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bedrock_auth::env::{MapEnv, MapFs};
use bedrock_auth::OsContext;
use bedrock_config::{Config, ConfigError, Credentials, SdkError, Service, ServiceClient};
use bedrock_runtime_types::operation::ListAsyncInvokes;
use bedrock_runtime_types::types::ListAsyncInvokesRequest;
use futures_core::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const API_KEY: &str = "ABSKbG9jYWwtdGVzdC1rZXk=";

fn ctx(env: &[(&str, &str)], files: &[(&str, &str)]) -> OsContext {
    let mut pairs = vec![("HOME", "/home/u"), ("AWS_EC2_METADATA_DISABLED", "true")];
    pairs.extend_from_slice(env);
    OsContext::new(
        MapEnv::from_pairs(pairs),
        MapFs::from_files(files.iter().map(|(p, c)| (*p, *c))),
    )
}

async fn load(env: &[(&str, &str)], files: &[(&str, &str)]) -> Result<Config, ConfigError> {
    bedrock_config::from_env().os_context(ctx(env, files)).load().await
}

#[tokio::test]
async fn region_endpoint_and_retries_come_from_the_profile_and_environment() {
    let config_file = "[profile work]\nregion = eu-central-1\nmax_attempts = 5\nservices = local\n\
                       [services local]\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:9999\n";
    let config = load(
        &[
            ("AWS_PROFILE", "work"),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ],
        &[("/home/u/.aws/config", config_file)],
    )
    .await
    .unwrap();
    assert_eq!(config.region(), Some("eu-central-1"));
    assert_eq!(config.retry_config().max_attempts(), 5);
    assert_eq!(config.auth_mode(), "sigv4 (default credentials chain)");

    let runtime = ServiceClient::new(&config, Service::BedrockRuntime);
    assert_eq!(runtime.endpoint().unwrap().url(), "http://127.0.0.1:9999");
    // The services section names bedrock_runtime only: the control plane stays regional.
    let control = ServiceClient::new(&config, Service::Bedrock);
    assert_eq!(
        control.endpoint().unwrap().url(),
        "https://bedrock.eu-central-1.amazonaws.com"
    );
    assert_eq!(control.endpoint().unwrap().signing_region(), Some("eu-central-1"));
}

#[tokio::test]
async fn environment_wins_over_the_profile_and_code_over_both() {
    let config_file = "[default]\nregion = eu-central-1\n";
    let files = [("/home/u/.aws/config", config_file)];
    let env = [
        ("AWS_REGION", "us-west-2"),
        ("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:1234"),
    ];
    let config = load(&env, &files).await.unwrap();
    assert_eq!(config.region(), Some("us-west-2"));
    let control = ServiceClient::new(&config, Service::Bedrock);
    assert_eq!(control.endpoint().unwrap().url(), "http://127.0.0.1:1234");

    let config = bedrock_config::from_env()
        .os_context(ctx(&env, &files))
        .region("ap-southeast-2")
        .endpoint_url("http://127.0.0.1:4321")
        .load()
        .await
        .unwrap();
    assert_eq!(config.region(), Some("ap-southeast-2"));
    let control = ServiceClient::new(&config, Service::Bedrock);
    assert_eq!(control.endpoint().unwrap().url(), "http://127.0.0.1:4321");
}

#[tokio::test]
async fn api_key_from_the_environment_selects_bearer_auth() {
    let config = load(
        &[("AWS_REGION", "us-east-1"), ("AWS_BEARER_TOKEN_BEDROCK", API_KEY)],
        &[],
    )
    .await
    .unwrap();
    assert_eq!(config.auth_mode(), "bearer (AWS_BEARER_TOKEN_BEDROCK)");
    let client = ServiceClient::new(&config, Service::BedrockRuntime);
    assert!(matches!(client.signing(), bedrock_config::Signing::Bearer(_)));
    // Credentials given in code win over the environment's key.
    let config = bedrock_config::from_env()
        .os_context(ctx(
            &[("AWS_REGION", "us-east-1"), ("AWS_BEARER_TOKEN_BEDROCK", API_KEY)],
            &[],
        ))
        .credentials(Credentials::new("AKID", SECRET, None, None, "test"))
        .load()
        .await
        .unwrap();
    assert_eq!(config.auth_mode(), "sigv4 (explicit credentials)");
}

#[tokio::test]
async fn bad_settings_are_errors_naming_the_setting() {
    let error = load(&[("AWS_REGION", "us-east-1"), ("AWS_MAX_ATTEMPTS", "lots")], &[])
        .await
        .unwrap_err();
    assert!(matches!(error, ConfigError::Retry(_)));
    assert!(error.to_string().contains("AWS_MAX_ATTEMPTS"), "{error}");

    let error = Config::builder()
        .api_key(API_KEY)
        .credentials(Credentials::new("AKID", SECRET, None, None, "test"))
        .load()
        .await
        .unwrap_err();
    assert!(matches!(error, ConfigError::ConflictingAuth), "{error}");

    let error = load(&[], &[("/home/u/.aws/config", "[default\nregion = x\n")])
        .await
        .unwrap_err();
    assert!(matches!(error, ConfigError::ProfileFile(_)), "{error}");
}

#[tokio::test]
async fn a_missing_region_fails_each_call_with_an_endpoint_error() {
    let config = Config::builder()
        .credentials(Credentials::new("AKID", SECRET, None, None, "test"))
        .load()
        .await
        .unwrap();
    let client = ServiceClient::new(&config, Service::BedrockRuntime);
    let error = client
        .call::<ListAsyncInvokes>(ListAsyncInvokesRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(error, SdkError::Endpoint(_)), "{error}");
    assert!(error.to_string().contains("region"), "{error}");
}

#[tokio::test]
async fn secrets_never_appear_in_debug() {
    let config = Config::builder()
        .region("us-east-1")
        .api_key(API_KEY)
        .load()
        .await
        .unwrap();
    let client = ServiceClient::new(&config, Service::BedrockRuntime);
    let text = format!("{config:?} {client:?} {:?}", client.signing());
    assert!(!text.contains(API_KEY), "{text}");

    let config = config.with_credentials_provider(bedrock_auth::provider::StaticProvider::new(Credentials::new(
        "AKID", SECRET, None, None, "test",
    )));
    let client = ServiceClient::new(&config, Service::BedrockRuntime);
    let text = format!("{config:?} {client:?} {:?}", client.signing());
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn copies_share_the_connection_pool_and_leave_the_original_alone() {
    let config = Config::builder()
        .region("us-east-1")
        .api_key(API_KEY)
        .load()
        .await
        .unwrap();
    let other = config
        .with_region("eu-west-1")
        .with_timeouts(bedrock_config::TimeoutConfig::new());
    assert!(Arc::ptr_eq(config.http_client(), other.http_client()));
    assert_eq!(config.region(), Some("us-east-1"));
    assert_eq!(other.region(), Some("eu-west-1"));
    let client = ServiceClient::new(&other, Service::BedrockRuntime);
    assert_eq!(
        client.endpoint().unwrap().url(),
        "https://bedrock-runtime.eu-west-1.amazonaws.com"
    );
}

/// A server on loopback answering each request with the next canned JSON body (status 200),
/// recording request lines.
async fn canned_server(bodies: Vec<&'static str>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut bodies: VecDeque<&str> = bodies.into();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = Vec::new();
            loop {
                let mut chunk = [0u8; 4096];
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                buffer.extend_from_slice(&chunk[..n]);
                if n == 0 || buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let head = String::from_utf8_lossy(&buffer);
            log.lock()
                .unwrap()
                .push(head.lines().next().unwrap_or_default().to_owned());
            let body = bodies.pop_front().unwrap_or("{}");
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-amzn-requestid: r\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (url, seen)
}

async fn collect<S: Stream + Unpin>(mut stream: S) -> Vec<S::Item> {
    let mut out = Vec::new();
    while let Some(item) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut stream).poll_next(cx)).await {
        out.push(item);
    }
    out
}

fn summary(id: &str) -> String {
    format!(
        r#"{{"invocationArn":"arn:aws:bedrock:us-east-1:123456789012:async-invoke/{id}","modelArn":"m","submitTime":"2023-11-14T22:13:20Z","status":"Completed","outputDataConfig":{{"s3OutputDataConfig":{{"s3Uri":"s3://b/o"}}}}}}"#
    )
}

#[tokio::test]
async fn paginators_follow_tokens_across_pages_and_stop_on_a_repeated_token() {
    let page1 = Box::leak(
        format!(
            r#"{{"nextToken":"t1","asyncInvokeSummaries":[{},{}]}}"#,
            summary("a"),
            summary("b")
        )
        .into_boxed_str(),
    );
    let page2 =
        Box::leak(format!(r#"{{"nextToken":"t2","asyncInvokeSummaries":[{}]}}"#, summary("c")).into_boxed_str());
    let page3 = Box::leak(format!(r#"{{"asyncInvokeSummaries":[{}]}}"#, summary("d")).into_boxed_str());
    let (url, seen) = canned_server(vec![page1, page2, page3]).await;
    let config = Config::builder()
        .region("us-east-1")
        .api_key(API_KEY)
        .endpoint_url(url)
        .load()
        .await
        .unwrap();
    let client = ServiceClient::new(&config, Service::BedrockRuntime);
    let items = collect(
        bedrock_config::Paginator::<ListAsyncInvokes>::new(
            client.clone(),
            ListAsyncInvokesRequest::new().with_max_results(2),
        )
        .items(),
    )
    .await;
    let arns: Vec<String> = items
        .into_iter()
        .map(|item| item.unwrap().invocation_arn.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(arns, ["a", "b", "c", "d"]);
    let lines = seen.lock().unwrap().clone();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("GET /async-invoke?maxResults=2 "), "{lines:?}");
    assert!(lines[1].contains("nextToken=t1"), "{lines:?}");
    assert!(lines[2].contains("nextToken=t2"), "{lines:?}");

    let same = r#"{"nextToken":"again","asyncInvokeSummaries":[]}"#;
    let (url, _) = canned_server(vec![same, same, same]).await;
    let client = client.with_config(|c| c.with_endpoint_url(url));
    let pages =
        collect(bedrock_config::Paginator::<ListAsyncInvokes>::new(client, ListAsyncInvokesRequest::new()).pages())
            .await;
    assert_eq!(
        pages.len(),
        3,
        "two pages (the second repeats the token), then the error"
    );
    assert!(pages[0].is_ok() && pages[1].is_ok());
    let error = pages[2].as_ref().unwrap_err();
    assert!(error.to_string().contains("pagination token it was sent"), "{error}");
}
