use std::sync::Arc;
use std::time::Duration;

use bedrock_local::runtime::{AsyncInvokeConfig, AsyncInvokeStore, ManualClock};
use bedrock_runtime_types::error::GetAsyncInvokeError;
use bedrock_runtime_types::types::{
    AsyncInvokeOutputDataConfig, AsyncInvokeS3OutputDataConfig, AsyncInvokeStatus, GetAsyncInvokeRequest,
    ListAsyncInvokesRequest, SortOrder, StartAsyncInvokeRequest,
};
use bedrock_runtime_types::DateTime;
use serde_json::json;

use super::registry;

const T0: i64 = 1_700_000_000_000;

fn output() -> AsyncInvokeOutputDataConfig {
    AsyncInvokeOutputDataConfig::S3OutputDataConfig(AsyncInvokeS3OutputDataConfig::new("s3://bucket/out"))
}

fn store() -> (AsyncInvokeStore, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    let config = AsyncInvokeConfig {
        complete_after: Duration::from_secs(60),
        ..AsyncInvokeConfig::default()
    };
    (AsyncInvokeStore::new(config, clock.clone()), clock)
}

fn start(store: &mut AsyncInvokeStore, token: Option<&str>) -> String {
    let mut request =
        StartAsyncInvokeRequest::new("amazon.nova-reel-v1:0", json!({"taskType": "TEXT_VIDEO"}), output());
    if let Some(token) = token {
        request = request.with_client_request_token(token);
    }
    store.start(&registry(), &request).unwrap().invocation_arn
}

#[test]
fn status_advances_with_the_clock() {
    let (mut store, clock) = store();
    let arn = start(&mut store, Some("token-1"));
    assert!(
        arn.starts_with("arn:aws:bedrock:us-east-1:123456789012:async-invoke/"),
        "{arn}"
    );
    let id = arn.rsplit('/').next().unwrap();
    assert!(
        id.len() == 12 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{id}"
    );

    let job = store.get(&GetAsyncInvokeRequest::new(&arn)).unwrap();
    assert_eq!(job.status, AsyncInvokeStatus::InProgress);
    assert_eq!(
        job.model_arn,
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0"
    );
    assert_eq!(job.client_request_token.as_deref(), Some("token-1"));
    assert_eq!(job.end_time, None);

    clock.advance(Duration::from_secs(59));
    assert_eq!(
        store.get(&GetAsyncInvokeRequest::new(&arn)).unwrap().status,
        AsyncInvokeStatus::InProgress
    );
    clock.advance(Duration::from_secs(1));
    let done = store.get(&GetAsyncInvokeRequest::new(&arn)).unwrap();
    assert_eq!(done.status, AsyncInvokeStatus::Completed);
    assert_eq!(done.end_time, Some(DateTime::from_millis(T0 + 60_000)));
    assert_eq!(done.submit_time, DateTime::from_millis(T0));

    // Idempotent on the client token.
    assert_eq!(start(&mut store, Some("token-1")), arn);
    assert_ne!(start(&mut store, Some("token-2")), arn);
}

#[test]
fn failures_and_errors() {
    let (mut store, clock) = store();
    let arn = start(&mut store, None);
    assert!(store.fail(&arn, "The model input was rejected."));
    clock.advance(Duration::from_secs(120));
    let failed = store.get(&GetAsyncInvokeRequest::new(&arn)).unwrap();
    assert_eq!(failed.status, AsyncInvokeStatus::Failed);
    assert_eq!(failed.failure_message.as_deref(), Some("The model input was rejected."));
    let later = start(&mut store, None);
    clock.advance(Duration::from_secs(60));
    assert!(!store.fail(&later, "too late"), "a completed job cannot fail");

    let missing = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/aaaaaaaaaaaa";
    let error = store.get(&GetAsyncInvokeRequest::new(missing)).unwrap_err();
    assert!(matches!(
        GetAsyncInvokeError::from(error),
        GetAsyncInvokeError::ValidationException(_)
    ));
    let unknown = StartAsyncInvokeRequest::new("nope", json!({}), output());
    assert_eq!(
        store.start(&registry(), &unknown).unwrap_err().message(),
        "The provided model identifier is invalid."
    );
    let bad_uri = StartAsyncInvokeRequest::new(
        "amazon.nova-reel-v1:0",
        json!({}),
        AsyncInvokeOutputDataConfig::S3OutputDataConfig(AsyncInvokeS3OutputDataConfig::new("https://x")),
    );
    assert!(store.start(&registry(), &bad_uri).is_err());
    let not_object = StartAsyncInvokeRequest::new("amazon.nova-reel-v1:0", json!("text"), output());
    assert!(store.start(&registry(), &not_object).is_err());
}

#[test]
fn list_filters_sorts_and_pages() {
    let (mut store, clock) = store();
    let mut arns = Vec::new();
    for _ in 0..5 {
        arns.push(start(&mut store, None));
        clock.advance(Duration::from_secs(20));
    }
    // Now T0+100s: jobs 0..=2 (submitted at 0, 20, 40 s) completed; 3 and 4 in progress.
    let all = store.list(&ListAsyncInvokesRequest::new()).unwrap();
    let listed: Vec<&str> = all
        .async_invoke_summaries
        .as_ref()
        .unwrap()
        .iter()
        .map(|summary| summary.invocation_arn.as_str())
        .collect();
    let newest_first: Vec<&str> = arns.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert_eq!(all.next_token, None);

    let completed = store
        .list(&ListAsyncInvokesRequest::new().with_status_equals(AsyncInvokeStatus::Completed))
        .unwrap();
    assert_eq!(completed.async_invoke_summaries.unwrap().len(), 3);

    let window = store
        .list(
            &ListAsyncInvokesRequest::new()
                .with_submit_time_after(DateTime::from_millis(T0))
                .with_submit_time_before(DateTime::from_millis(T0 + 80_000))
                .with_sort_order(SortOrder::Ascending),
        )
        .unwrap();
    let window: Vec<String> = window
        .async_invoke_summaries
        .unwrap()
        .into_iter()
        .map(|summary| summary.invocation_arn)
        .collect();
    assert_eq!(window, arns[1..4].to_vec());

    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = ListAsyncInvokesRequest::new()
            .with_max_results(2)
            .with_sort_order(SortOrder::Ascending);
        if let Some(token) = &token {
            request = request.with_next_token(token);
        }
        let page = store.list(&request).unwrap();
        pages.push(
            page.async_invoke_summaries
                .unwrap()
                .into_iter()
                .map(|summary| summary.invocation_arn)
                .collect::<Vec<_>>(),
        );
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(pages.concat(), arns);

    assert!(store
        .list(&ListAsyncInvokesRequest::new().with_next_token("garbage"))
        .is_err());
    assert!(store.list(&ListAsyncInvokesRequest::new().with_max_results(0)).is_err());
}
