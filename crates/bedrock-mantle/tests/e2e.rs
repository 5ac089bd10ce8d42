//! The mantle client against an in-process bedrock-local (its mantle routes): SigV4 verified
//! by the server with signing name `bedrock-mantle`, API keys, every operation, streams read
//! with the client's decoders and accumulators, background responses polled on a clock shared
//! with the server, error shapes and throttling retries.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_config::{Config, Credentials, RetryConfig};
use bedrock_local::clock::ManualClock;
use bedrock_local::{AuthMode, Emulator, Handle};
use bedrock_mantle::types::anthropic::{self, ContentBlock, CountTokensRequest, CreateMessageRequest, MessageParam};
use bedrock_mantle::types::openai::operation::ListInputItemsParams;
use bedrock_mantle::types::openai::{
    ChatMessage, ChatStreamOptions, ChatUserMessage, ChatUserMessageContent, CreateChatCompletionRequest,
    CreateResponseRequest, ResponseInput, ResponseStatus,
};
use bedrock_mantle::{Client, JsonError, MantleRoute};
use futures_core::Stream;

const KEY: &str = "ABSKlocal-test-key";
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn start_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_767_225_600)
}

async fn local(clock: &ManualClock, faults: &str) -> Handle {
    let emulator = Emulator::new("us-east-1", 7, Arc::new(clock.clone()));
    let mut config = bedrock_local::Config::new()
        .auth(AuthMode::verify(AKID, SECRET).with_api_key(KEY))
        .shared_clock(Arc::new(clock.clone()))
        .service(emulator.router());
    if !faults.is_empty() {
        config = config.faults_str(faults).unwrap();
    }
    bedrock_local::start(config).await.unwrap()
}

async fn mantle(server: &Handle, clock: &ManualClock, sigv4: bool) -> Client {
    let loader = Config::builder()
        .region("us-east-1")
        .endpoint_url(server.base_url())
        .clock(Arc::new(clock.clone()))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)));
    let loader = if sigv4 {
        loader.credentials(Credentials::new(AKID, SECRET, None, None, "test"))
    } else {
        loader.api_key(KEY)
    };
    Client::new(&loader.load().await.unwrap())
}

fn chat(text: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest::new(
        vec![ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
            text.into(),
        )))],
        "echo",
    )
}

fn user(text: &str) -> Vec<MessageParam> {
    vec![MessageParam::new(
        anthropic::MessageParamContent::Text(text.into()),
        anthropic::MessageParamRole::User,
    )]
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}

#[tokio::test]
async fn every_operation_against_bedrock_local() {
    let clock = ManualClock::new(start_time());
    let server = local(&clock, "").await;
    for sigv4 in [true, false] {
        let client = mantle(&server, &clock, sigv4).await;

        let models = client.list_models().await.unwrap();
        assert!(!models.data.is_empty());
        let id = models.data[0].id.clone();
        assert_eq!(client.retrieve_model(&id).await.unwrap().id, id);

        for route in [MantleRoute::V1, MantleRoute::OpenAi] {
            let completion = client
                .create_chat_completion(chat("hello there"))
                .route(route)
                .await
                .unwrap();
            assert_eq!(completion.choices[0].message.content, Some(Some("hello there".into())));
        }
        let mut request = chat("one two three");
        request.stream_options = Some(Some(ChatStreamOptions::new().with_include_usage(true)));
        let mut text = String::new();
        let mut deltas = client
            .create_chat_completion_stream(request.clone())
            .await
            .unwrap()
            .text_deltas();
        while let Some(d) = deltas.recv().await.unwrap() {
            text.push_str(&d);
        }
        assert_eq!(text, "one two three");
        let completion = client
            .create_chat_completion_stream(request)
            .await
            .unwrap()
            .final_output()
            .await
            .unwrap();
        assert_eq!(
            completion.choices[0].message.content,
            Some(Some("one two three".into()))
        );
        assert!(completion.usage.clone().flatten().is_some());

        let request = CreateResponseRequest::new("echo").with_input(ResponseInput::Text("Remember me.".into()));
        let created = client.create_response(request.clone()).await.unwrap();
        assert_eq!(created.status, ResponseStatus::Completed);
        assert_eq!(client.retrieve_response(&created.id).await.unwrap().id, created.id);
        let mut items = client
            .list_input_items_paginator(ListInputItemsParams::new(&created.id).with_limit(1))
            .items();
        let mut count = 0;
        while let Some(item) = next(&mut items).await {
            item.unwrap();
            count += 1;
        }
        assert!(count >= 1);
        let streamed = client
            .create_response_stream(request)
            .await
            .unwrap()
            .final_output()
            .await
            .unwrap();
        assert_eq!(streamed.status, ResponseStatus::Completed);
        assert!(client.delete_response(&created.id).await.unwrap().deleted);
        let gone = client.retrieve_response(&created.id).await.unwrap_err();
        assert_eq!(gone.meta().unwrap().status, 404);

        let message = client
            .create_message(CreateMessageRequest::new(50, user("Hello, world!"), "echo"))
            .await
            .unwrap();
        assert!(matches!(&message.content[0], ContentBlock::Text(t) if t.text == "Hello, world!"));
        let streamed = client
            .create_message_stream(CreateMessageRequest::new(50, user("Hello, world!"), "echo"))
            .await
            .unwrap()
            .final_output()
            .await
            .unwrap();
        assert_eq!(streamed.content, message.content);
        let count = client
            .count_tokens(CountTokensRequest::new(user("Hello, world!"), "echo"))
            .await
            .unwrap();
        assert!(count.input_tokens > 0);
    }
    let identities: Vec<_> = server.log().into_iter().filter_map(|e| e.identity).collect();
    assert!(identities.iter().any(|i| i == "sigv4:AKIDEXAMPLE"), "{identities:?}");
    assert!(identities.iter().any(|i| i.starts_with("api-key")), "{identities:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn background_response_polled_on_the_shared_clock() {
    let clock = ManualClock::new(start_time());
    let server = local(&clock, "").await;
    let client = mantle(&server, &clock, true).await;
    let request = CreateResponseRequest::new("echo")
        .with_input(ResponseInput::Text("in the background".into()))
        .with_background(true);
    let queued = client.create_response(request.clone()).await.unwrap();
    assert_eq!(queued.status, ResponseStatus::Queued);
    let interval = Duration::from_secs(1);
    let task = tokio::spawn(
        client
            .wait_for_response(&queued.id)
            .poll_interval(interval)
            .into_future(),
    );
    let mut advanced = 0;
    while !task.is_finished() {
        tokio::task::yield_now().await;
        let sleeps = clock.sleeps().iter().filter(|d| **d == interval).count();
        if sleeps > advanced {
            advanced = sleeps;
            clock.advance(interval);
        }
    }
    let done = task.await.unwrap().unwrap();
    assert_eq!(done.status, ResponseStatus::Completed);
    assert_eq!(advanced, 3);

    let other = client.create_response(request).await.unwrap();
    let cancelled = client.cancel_response(&other.id).await.unwrap();
    assert_eq!(cancelled.status, ResponseStatus::Cancelled);
    server.shutdown().await;
}

#[tokio::test]
async fn errors_and_throttling_against_bedrock_local() {
    let clock = ManualClock::new(start_time());
    let server = local(&clock, "").await;
    let client = mantle(&server, &clock, false).await;
    let error = client
        .create_response(CreateResponseRequest::new("no-such-model").with_input(ResponseInput::Text("hi".into())))
        .await
        .unwrap_err();
    assert!(matches!(error.service_error(), Some(JsonError::Api(_))), "{error:?}");
    assert!(error.meta().unwrap().status >= 400);
    assert!(error.request_id().is_some(), "{error:?}");
    let error = client
        .create_message(CreateMessageRequest::new(5, user("hi"), "nope"))
        .await
        .unwrap_err();
    assert!(matches!(error.service_error(), Some(JsonError::Api(_))), "{error:?}");
    server.shutdown().await;

    // The first two requests are throttled; the client retries and succeeds (its backoff
    // sleeps on the default clock: 1 ms).
    let server = local(&clock, "throttle:first=2").await;
    let config = Config::builder()
        .region("us-east-1")
        .endpoint_url(server.base_url())
        .api_key(KEY)
        .retry_config(
            RetryConfig::standard()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
        .load()
        .await
        .unwrap();
    let client = Client::new(&config);
    client.create_chat_completion(chat("hi")).await.unwrap();
    let statuses: Vec<_> = server.log().into_iter().filter_map(|e| e.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    server.shutdown().await;
}
