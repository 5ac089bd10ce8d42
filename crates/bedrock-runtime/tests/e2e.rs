//! Every runtime operation through the client, against an in-process bedrock-local: the
//! config, endpoint, signing (SigV4 verified by the server, or an API key), executor, the
//! generated parsers, and the event streams in both directions.

use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bedrock_config::{Credentials, RetryConfig, Service, ServiceClient};
use bedrock_local::clock::ManualClock;
use bedrock_local::AuthMode;
use bedrock_runtime::event_stream::{
    ConverseStreamOutput, ConverseStreamOutputError, InvokeModelWithBidirectionalStreamInput,
    InvokeModelWithBidirectionalStreamOutput, ResponseStream, ResponseStreamError,
};
use bedrock_runtime::prelude::*;
use bedrock_runtime::stream::{MessageAccumulator, StreamError};
use bedrock_runtime::types::{
    ApplyGuardrailRequest, AsyncInvokeOutputDataConfig, AsyncInvokeS3OutputDataConfig, AsyncInvokeStatus,
    BidirectionalInputPayloadPart, ContentBlock, ConverseRequest, ConverseStreamRequest, ConverseTokensRequest,
    CountTokensInput, CountTokensRequest, GetAsyncInvokeRequest, GuardrailAction, GuardrailConfiguration,
    GuardrailContentBlock, GuardrailContentSource, GuardrailTextBlock, InvokeGuardrailChecksRequest,
    InvokeModelRequest, InvokeModelWithBidirectionalStreamRequest, InvokeModelWithResponseStreamRequest,
    ListAsyncInvokesRequest, Message, StartAsyncInvokeRequest, StopReason, Tool, ToolResultBlock,
};
use bedrock_runtime::Blob;
use bedrock_runtime::{Client, Config};
use bedrock_transport::{HttpVersionPolicy, HyperClient};
use futures_util::StreamExt;
use serde_json::{json, Value};

const AKID: &str = "AKIDLOCAL";
const SECRET: &str = "local-secret";
const API_KEY: &str = "ABSKlocal-test-key";
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const SONIC: &str = "amazon.nova-sonic-v1:0";

/// A SigV4 client of `server` (HTTP/2 with prior knowledge when `h2`).
async fn sigv4_client(server: &bedrock_local::Handle, h2: bool) -> Client {
    client_with(server, h2, |c| {
        c.credentials(Credentials::new(AKID, SECRET, None, None, "test"))
    })
    .await
}

async fn client_with(
    server: &bedrock_local::Handle,
    h2: bool,
    auth: impl FnOnce(bedrock_config::ConfigLoader) -> bedrock_config::ConfigLoader,
) -> Client {
    let mut loader = Config::builder()
        .region("us-east-1")
        .endpoint_url(server.base_url())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(1)));
    if h2 {
        let http = HyperClient::builder()
            .http_versions(HttpVersionPolicy::Http2Only)
            .build()
            .unwrap();
        loader = loader.http_client(Arc::new(http));
    }
    Client::new(&auth(loader).load().await.unwrap())
}

fn verify() -> AuthMode {
    AuthMode::Verify {
        credentials: [(AKID.to_owned(), SECRET.to_owned())].into_iter().collect(),
        api_keys: vec![API_KEY.to_owned()],
    }
}

async fn start(config: bedrock_local::Config) -> bedrock_local::Handle {
    bedrock_local::start(config).await.unwrap()
}

fn ask(model: &str, text: &str) -> ConverseRequest {
    ConverseRequest::new(model).with_messages(vec![Message::user(text)])
}

fn ask_stream(model: &str, text: &str) -> ConverseStreamRequest {
    ConverseStreamRequest::new(model).with_messages(vec![Message::user(text)])
}

/// The operations the server log shows, in order.
fn operations(server: &bedrock_local::Handle) -> Vec<String> {
    server.log().into_iter().filter_map(|e| e.operation).collect()
}

// ---------------------------------------------------------------------------------------------
// Non-streaming operations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn converse_with_sigv4_verified_by_the_server() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = sigv4_client(&server, false).await;
    let response = client.converse(ask(HAIKU, "hello there")).await.unwrap();
    assert_eq!(response.output_text().as_deref(), Some("hello there"));
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    let entry = &server.log()[0];
    assert_eq!(entry.identity.as_deref(), Some("sigv4:AKIDLOCAL"));
    assert_eq!(entry.status, Some(200));

    // A wrong secret is refused: the signature really is checked.
    let wrong = client_with(&server, false, |c| {
        c.credentials(Credentials::new(AKID, "not-the-secret", None, None, "test"))
    })
    .await;
    let error = wrong.converse(ask(HAIKU, "hello")).await.unwrap_err();
    assert_eq!(error.code(), Some("InvalidSignatureException"), "{error}");
    assert!(!format!("{error:?}{error}").contains("not-the-secret"));
}

#[tokio::test]
async fn converse_with_an_api_key_verified_by_the_server() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = client_with(&server, false, |c| c.api_key(API_KEY)).await;
    let response = client.converse(ask(HAIKU, "keyed")).await.unwrap();
    assert_eq!(response.output_text().as_deref(), Some("keyed"));
    assert!(server.log()[0].identity.as_deref().unwrap().starts_with("api-key:"));

    let unknown = client_with(&server, false, |c| c.api_key("ABSKnot-a-known-key")).await;
    let error = unknown.converse(ask(HAIKU, "keyed")).await.unwrap_err();
    assert_eq!(error.code(), Some("AccessDeniedException"), "{error}");
    assert!(!format!("{error:?}{error}").contains("ABSKnot-a-known-key"));
}

#[tokio::test]
async fn model_ids_profiles_and_arns_are_one_encoded_path_segment() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let cases = [
        (HAIKU, "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"),
        (
            "us.anthropic.claude-3-haiku-20240307-v1:0",
            "/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse",
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fanthropic.claude-3-haiku-20240307-v1%3A0/converse",
        ),
        ("generator/3", "/model/generator%2F3/converse"),
    ];
    for (i, (model, path)) in cases.iter().enumerate() {
        let response = client.converse(ask(model, "hi")).await.unwrap();
        assert!(response.output_text().is_some(), "{model}");
        assert_eq!(&server.log()[i].path, path);
    }
}

#[tokio::test]
async fn invoke_model_with_an_anthropic_body() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "native hello"}]
    });
    let request = InvokeModelRequest::new(HAIKU)
        .with_content_type("application/json")
        .with_body(Blob::new(body.to_string()));
    let response = client.invoke_model(request).await.unwrap();
    assert_eq!(response.content_type, "application/json");
    let answer: Value = serde_json::from_slice(response.body.as_ref()).unwrap();
    assert_eq!(answer["content"][0]["text"], "native hello", "{answer}");
    assert_eq!(answer["stop_reason"], "end_turn");
}

#[tokio::test]
async fn count_tokens_matches_converse_usage() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let messages = vec![Message::user("Hello, world!")];
    let counted = client
        .count_tokens(CountTokensRequest::new(
            HAIKU,
            CountTokensInput::Converse(ConverseTokensRequest::new().with_messages(messages.clone())),
        ))
        .await
        .unwrap();
    let conversed = client
        .converse(ConverseRequest::new(HAIKU).with_messages(messages))
        .await
        .unwrap();
    assert_eq!(counted.input_tokens, 4);
    assert_eq!(counted.input_tokens, conversed.usage.input_tokens);
}

#[tokio::test]
async fn tool_use_round_trip() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let tools = vec![Tool::from_json_schema(
        "get_weather",
        "The weather in a city",
        json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    )];
    let mut messages = vec![Message::user(r#"call get_weather {"city":"Paris"}"#)];
    let first = client
        .converse(
            ConverseRequest::new("echo")
                .with_messages(messages.clone())
                .with_tools(tools.clone()),
        )
        .await
        .unwrap();
    assert_eq!(first.stop_reason, StopReason::ToolUse);
    let calls = first.tool_uses();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "get_weather");
    assert_eq!(calls[0].input, json!({"city": "Paris"}));
    let result = ToolResultBlock::json(calls[0].tool_use_id.clone(), &json!({"sky": "clear", "celsius": 21})).unwrap();
    messages.push(first.message().unwrap().clone());
    messages.push(Message::tool_results(vec![result]));

    let second = client
        .converse(ConverseRequest::new("echo").with_messages(messages).with_tools(tools))
        .await
        .unwrap();
    assert_eq!(second.stop_reason, StopReason::EndTurn);
    let text = second.output_text().unwrap();
    assert!(text.contains("clear") && text.contains("21"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Guardrails
// ---------------------------------------------------------------------------------------------

/// A guardrail blocking the word "forbidden", created through the control plane over HTTP.
async fn create_guardrail(client: &Client) -> String {
    use bedrock_control_types::operation::CreateGuardrail;
    use bedrock_control_types::types::{CreateGuardrailRequest, GuardrailWordConfig, GuardrailWordPolicyConfig};
    let control = ServiceClient::new(client.config(), Service::Bedrock);
    let mut input = CreateGuardrailRequest::new("no-forbidden", "Blocked input.", "Blocked output.");
    input.word_policy_config =
        Some(GuardrailWordPolicyConfig::new().with_words_config(vec![GuardrailWordConfig::new("forbidden")]));
    control.call::<CreateGuardrail>(input).await.unwrap().guardrail_id
}

#[tokio::test]
async fn apply_guardrail_and_converse_with_guardrail_config() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = sigv4_client(&server, false).await;
    let id = create_guardrail(&client).await;

    let apply = |text: &str| {
        ApplyGuardrailRequest::new(
            id.clone(),
            "DRAFT",
            GuardrailContentSource::Input,
            vec![GuardrailContentBlock::Text(GuardrailTextBlock::new(text))],
        )
    };
    let blocked = client.apply_guardrail(apply("this is forbidden")).await.unwrap();
    assert_eq!(blocked.action, GuardrailAction::GuardrailIntervened);
    assert_eq!(blocked.outputs[0].text.as_deref(), Some("Blocked input."));
    let fine = client.apply_guardrail(apply("all good")).await.unwrap();
    assert_eq!(fine.action, GuardrailAction::None);

    let guarded = |text: &str| {
        ask("echo", text).with_guardrail_config(
            GuardrailConfiguration::new()
                .with_guardrail_identifier(id.clone())
                .with_guardrail_version("DRAFT"),
        )
    };
    let response = client.converse(guarded("say forbidden things")).await.unwrap();
    assert_eq!(response.stop_reason, StopReason::GuardrailIntervened);
    assert_eq!(response.output_text().as_deref(), Some("Blocked input."));
    let response = client.converse(guarded("say nice things")).await.unwrap();
    assert_eq!(response.stop_reason, StopReason::EndTurn);

    let missing = client
        .apply_guardrail(ApplyGuardrailRequest::new(
            "nope12345678",
            "DRAFT",
            GuardrailContentSource::Input,
            vec![GuardrailContentBlock::Text(GuardrailTextBlock::new("x"))],
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing.service_error(),
            Some(bedrock_runtime::error::ApplyGuardrailError::ResourceNotFoundException(
                _
            ))
        ),
        "{missing}"
    );
}

#[tokio::test]
async fn invoke_guardrail_checks_finds_pii() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let request: InvokeGuardrailChecksRequest = serde_json::from_value(json!({
        "messages": [{"role": "user", "content": [{"text": "mail bob@example.com"}]}],
        "checks": {"sensitiveInformation": {"entities": [{"type": "EMAIL"}]}}
    }))
    .unwrap();
    let response = client.invoke_guardrail_checks(request).await.unwrap();
    let results = serde_json::to_value(&response.results).unwrap();
    assert_eq!(
        results["sensitiveInformation"]["results"][0]["type"], "EMAIL",
        "{results}"
    );
}

// ---------------------------------------------------------------------------------------------
// Async invokes: lifecycle on the server's clock, pagination
// ---------------------------------------------------------------------------------------------

fn video_job() -> StartAsyncInvokeRequest {
    StartAsyncInvokeRequest::new(
        "amazon.nova-reel-v1:0",
        json!({"taskType": "TEXT_VIDEO"}),
        AsyncInvokeOutputDataConfig::S3OutputDataConfig(AsyncInvokeS3OutputDataConfig::new("s3://bucket/out")),
    )
}

#[tokio::test]
async fn async_invoke_lifecycle_on_the_emulator_clock() {
    let clock = ManualClock::new(SystemTime::now());
    let server = start(bedrock_local::Config::new().clock(clock.clone())).await;
    let client = sigv4_client(&server, false).await;
    let started = client.start_async_invoke(video_job()).await.unwrap();
    let get = || client.get_async_invoke(GetAsyncInvokeRequest::new(started.invocation_arn.clone()));
    let job = get().await.unwrap();
    assert_eq!(job.status, AsyncInvokeStatus::InProgress);
    assert_eq!(job.invocation_arn, started.invocation_arn);
    // The ARN holds `:` and `/`: one encoded label.
    assert!(
        server.log()[1].path.starts_with("/async-invoke/arn%3Aaws%3Abedrock%3A"),
        "{}",
        server.log()[1].path
    );

    clock.advance(Duration::from_secs(4));
    assert_eq!(get().await.unwrap().status, AsyncInvokeStatus::InProgress);
    clock.advance(Duration::from_secs(2));
    let done = get().await.unwrap();
    assert_eq!(done.status, AsyncInvokeStatus::Completed);
    assert!(done.end_time.is_some());
}

#[tokio::test]
async fn list_async_invokes_pages_one_at_a_time() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let mut arns = Vec::new();
    for _ in 0..3 {
        arns.push(client.start_async_invoke(video_job()).await.unwrap().invocation_arn);
    }
    let request = ListAsyncInvokesRequest::new().with_max_results(1);
    let pages: Vec<_> = client
        .list_async_invokes_paginator(request.clone())
        .pages()
        .collect()
        .await;
    let pages: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    let per_page: Vec<usize> = pages
        .iter()
        .map(|p| p.async_invoke_summaries.as_ref().map_or(0, Vec::len))
        .collect();
    assert!(per_page.iter().all(|n| *n <= 1), "{per_page:?}");
    assert_eq!(per_page.iter().sum::<usize>(), 3);
    let lists = operations(&server).iter().filter(|o| *o == "ListAsyncInvokes").count();
    assert_eq!(lists, pages.len());
    assert!(lists >= 3);
    for entry in server
        .log()
        .iter()
        .filter(|e| e.operation.as_deref() == Some("ListAsyncInvokes"))
        .skip(1)
    {
        assert!(entry.path.contains("nextToken="), "{}", entry.path);
    }

    let mut items = pin!(client.list_async_invokes_paginator(request).items());
    let mut listed = Vec::new();
    while let Some(item) = items.next().await {
        listed.push(item.unwrap().invocation_arn);
    }
    listed.sort();
    arns.sort();
    assert_eq!(listed, arns);
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn throttling_then_a_successful_retry() {
    let server = start(bedrock_local::Config::new().faults_str("throttle:first=2").unwrap()).await;
    let client = sigv4_client(&server, false).await;
    let response = client.converse(ask(HAIKU, "after the storm")).await.unwrap();
    assert_eq!(response.output_text().as_deref(), Some("after the storm"));
    let statuses: Vec<_> = server.log().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(429), Some(429), Some(200)]);
    assert_eq!(server.stats().faults.get("throttle"), Some(&2));

    // The same before a stream starts.
    server.reset_fault_counters();
    server.clear_log();
    let output = client.converse_stream(ask_stream(HAIKU, "streamed")).await.unwrap();
    let text: Vec<String> = output.events.text_deltas().map(Result::unwrap).collect().await;
    assert_eq!(text.concat(), "streamed");
    let statuses: Vec<_> = server.log().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(429), Some(429), Some(200)]);
}

#[tokio::test]
async fn a_refused_stream_is_a_typed_error_before_any_event() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let error = client
        .converse_stream(ask_stream("no.such-model-v9", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.service_error(),
            Some(bedrock_runtime::error::ConverseStreamError::ValidationException(_))
        ),
        "{error}"
    );
    assert!(error.request_id().is_some());
}

// ---------------------------------------------------------------------------------------------
// Response streams
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn converse_stream_events_text_and_accumulated_message() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = sigv4_client(&server, false).await;
    let text = "one two three four five six seven eight nine ten";
    let mut output = client.converse_stream(ask_stream(HAIKU, text)).await.unwrap();
    assert_eq!(output.content_type(), Some("application/vnd.amazon.eventstream"));
    assert!(output.request_id().is_some());
    let mut accumulator = MessageAccumulator::new();
    let mut deltas = 0;
    let mut kinds = Vec::new();
    while let Some(event) = output.events.recv().await.unwrap() {
        if matches!(event, ConverseStreamOutput::ContentBlockDelta(_)) {
            deltas += 1;
        }
        kinds.push(std::mem::discriminant(&event));
        accumulator.push(&event).unwrap();
    }
    assert!(deltas > 1, "the text came in several deltas");
    let streamed = accumulator.finish().unwrap();
    let whole = client.converse(ask(HAIKU, text)).await.unwrap();
    assert_eq!(streamed.output_text().as_deref(), Some(text));
    assert_eq!(streamed.output, whole.output);
    assert_eq!(streamed.stop_reason, whole.stop_reason);
    assert_eq!(streamed.usage, whole.usage);
}

#[tokio::test]
async fn invoke_model_with_response_stream_chunks() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "stream me some words please"}]
    });
    let request = InvokeModelWithResponseStreamRequest::new(HAIKU)
        .with_content_type("application/json")
        .with_body(Blob::new(body.to_string()));
    let mut output = client.invoke_model_with_response_stream(request).await.unwrap();
    assert_eq!(output.response.content_type, "application/json");
    let mut text = String::new();
    let mut types = Vec::new();
    while let Some(event) = output.events.recv().await.unwrap() {
        let ResponseStream::Chunk(part) = event else {
            panic!("not a chunk")
        };
        let value: Value = serde_json::from_slice(part.bytes.as_ref().unwrap().as_ref()).unwrap();
        types.push(value["type"].as_str().unwrap_or_default().to_owned());
        if let Some(delta) = value["delta"]["text"].as_str() {
            text.push_str(delta);
        }
    }
    assert_eq!(text, "stream me some words please");
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
}

#[tokio::test]
async fn a_mid_stream_exception_is_a_typed_stream_error() {
    let server = start(
        bedrock_local::Config::new()
            .faults_str("stream-exception-after=2:type=modelStreamErrorException")
            .unwrap(),
    )
    .await;
    let client = sigv4_client(&server, false).await;
    let mut output = client
        .converse_stream(ask_stream(HAIKU, "one two three four five six seven eight"))
        .await
        .unwrap();
    let mut received = 0;
    let error = loop {
        match output.events.recv().await {
            Ok(Some(_)) => received += 1,
            Ok(None) => panic!("the stream ended without the exception"),
            Err(error) => break error,
        }
    };
    assert_eq!(received, 2);
    assert!(
        matches!(
            error,
            StreamError::Exception(ConverseStreamOutputError::ModelStreamErrorException(_))
        ),
        "{error}"
    );
    assert!(
        output.events.recv().await.unwrap().is_none(),
        "the stream ends after the error"
    );

    let request = InvokeModelWithResponseStreamRequest::new(HAIKU).with_body(Blob::new(
        json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50, "messages": [{"role": "user", "content": "a b c d e f"}]})
            .to_string(),
    ));
    let mut output = client.invoke_model_with_response_stream(request).await.unwrap();
    let error = loop {
        match output.events.recv().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended without the exception"),
            Err(error) => break error,
        }
    };
    assert!(
        matches!(
            error.exception(),
            Some(ResponseStreamError::ModelStreamErrorException(_))
        ),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// The bidirectional stream
// ---------------------------------------------------------------------------------------------

fn sonic(event: Value) -> InvokeModelWithBidirectionalStreamInput {
    InvokeModelWithBidirectionalStreamInput::Chunk(
        BidirectionalInputPayloadPart::new().with_bytes(Blob::new(json!({ "event": event }).to_string())),
    )
}

fn opening(text: &str) -> Vec<InvokeModelWithBidirectionalStreamInput> {
    vec![
        sonic(json!({"sessionStart": {}})),
        sonic(json!({"promptStart": {"promptName": "p"}})),
        sonic(json!({"contentStart": {"promptName": "p", "contentName": "c", "type": "TEXT", "role": "USER"}})),
        sonic(json!({"textInput": {"promptName": "p", "contentName": "c", "content": text}})),
    ]
}

/// The name and body of an output event.
fn output_event(event: InvokeModelWithBidirectionalStreamOutput) -> (String, Value) {
    let InvokeModelWithBidirectionalStreamOutput::Chunk(part) = event else {
        panic!("not a chunk")
    };
    let value: Value = serde_json::from_slice(part.bytes.as_ref().unwrap().as_ref()).unwrap();
    let (name, body) = value["event"].as_object().unwrap().iter().next().unwrap();
    (name.clone(), body.clone())
}

async fn bidi_exchange(client: &Client, server: &bedrock_local::Handle) {
    let mut call = client.invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC));
    let mut sender = call.sender().unwrap();
    for event in opening("hello duplex") {
        sender.send(event).await.unwrap();
    }
    let stream = call.await.unwrap();
    assert!(stream.sender.is_none());
    assert!(stream.request_id().is_some());
    let mut receiver = stream.receiver;
    let mut names = Vec::new();
    while names.len() < 4 {
        let (name, body) = output_event(receiver.recv().await.unwrap().unwrap());
        if name == "textOutput" {
            assert_eq!(body["content"], "hello duplex");
        }
        names.push(name);
    }
    assert_eq!(names, ["completionStart", "contentStart", "textOutput", "contentEnd"]);

    // More events on the open stream.
    sender
        .send(sonic(
            json!({"contentStart": {"promptName": "p", "contentName": "d", "type": "TEXT", "role": "USER"}}),
        ))
        .await
        .unwrap();
    sender
        .send(sonic(
            json!({"textInput": {"promptName": "p", "contentName": "d", "content": "again"}}),
        ))
        .await
        .unwrap();
    sender
        .send(sonic(json!({"promptEnd": {"promptName": "p"}})))
        .await
        .unwrap();
    let mut names = Vec::new();
    loop {
        let (name, body) = output_event(receiver.recv().await.unwrap().unwrap());
        if name == "textOutput" {
            assert_eq!(body["content"], "again");
        }
        names.push(name.clone());
        if name == "completionEnd" {
            break;
        }
    }
    assert_eq!(names, ["contentStart", "textOutput", "contentEnd", "completionEnd"]);

    // The client closes its side: the service finishes and the output ends cleanly.
    sender.close();
    assert!(sender.is_closed());
    assert!(receiver.recv().await.unwrap().is_none());
    assert!(matches!(
        sender.send(sonic(json!({"sessionEnd": {}}))).await,
        Err(bedrock_runtime::SendError::Closed)
    ));
    let entry = server.log().pop().unwrap();
    assert_eq!(
        entry.path,
        "/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream"
    );
    assert_eq!(entry.status, Some(200));
}

#[tokio::test]
async fn bidirectional_stream_signed_with_sigv4_and_closed_by_the_client() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = sigv4_client(&server, true).await;
    bidi_exchange(&client, &server).await;
    assert_eq!(server.log()[0].identity.as_deref(), Some("sigv4:AKIDLOCAL"));
}

#[tokio::test]
async fn bidirectional_stream_with_an_api_key() {
    let server = start(bedrock_local::Config::new().auth(verify())).await;
    let client = client_with(&server, true, |c| c.api_key(API_KEY)).await;
    bidi_exchange(&client, &server).await;
}

#[tokio::test]
async fn bidirectional_stream_ended_by_the_server() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, true).await;
    let stream = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC))
        .await
        .unwrap();
    let (sender, mut receiver) = stream.into_parts();
    let mut sender = sender.unwrap();
    for event in opening("bye") {
        sender.send(event).await.unwrap();
    }
    sender
        .send(sonic(json!({"promptEnd": {"promptName": "p"}})))
        .await
        .unwrap();
    sender.send(sonic(json!({"sessionEnd": {}}))).await.unwrap();
    let mut names = Vec::new();
    while let Some(event) = receiver.recv().await.unwrap() {
        names.push(output_event(event).0);
    }
    assert_eq!(names.last().map(String::as_str), Some("completionEnd"));
    // The server ended the exchange; closing afterwards is harmless.
    sender.close();
}

#[tokio::test]
async fn bidirectional_stream_exception_and_dropped_receiver() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, true).await;

    // A chunk the model cannot read: a typed exception ends the output.
    let stream = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC))
        .await
        .unwrap();
    let (sender, mut receiver) = stream.into_parts();
    let mut sender = sender.unwrap();
    sender
        .send(InvokeModelWithBidirectionalStreamInput::Chunk(
            BidirectionalInputPayloadPart::new().with_bytes(Blob::new("not json")),
        ))
        .await
        .unwrap();
    let error = receiver.recv().await.unwrap_err();
    assert!(
        matches!(
            error.exception(),
            Some(bedrock_runtime::event_stream::InvokeModelWithBidirectionalStreamOutputError::ValidationException(_))
        ),
        "{error}"
    );

    // Dropping the receiver ends the exchange: sends then fail.
    let stream = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC))
        .await
        .unwrap();
    let (sender, receiver) = stream.into_parts();
    let mut sender = sender.unwrap();
    sender.send(sonic(json!({"sessionStart": {}}))).await.unwrap();
    drop(receiver);
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if sender.send(sonic(json!({"sessionStart": {}}))).await.is_err() {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(closed.is_ok(), "the sender saw the end of the exchange");
    assert!(sender.is_closed());
}

#[tokio::test]
async fn bidirectional_stream_refused_before_it_starts() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, true).await;
    let error = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("ValidationException"), "{error}");
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client>();
    check::<bedrock_runtime::ConverseStreamingOutput>();
    check::<bedrock_runtime::InvokeModelStreamingOutput>();
    check::<bedrock_runtime::BidirectionalStream>();
    check::<bedrock_runtime::EventSender>();
    check::<bedrock_runtime::SendError>();
    check::<bedrock_runtime::BidirectionalStreamCall>();
    check::<bedrock_runtime::StreamCall<bedrock_runtime::operation::ConverseStream>>();
    check::<ContentBlock>();
}

// ---------------------------------------------------------------------------------------------
// Scripted models, time, HTTP/2
// ---------------------------------------------------------------------------------------------

const WEATHER_SCRIPT: &str = r#"{
  "turns": [
    {
      "content": [
        { "reasoning": { "text": "The user wants the weather.", "signature": "sig-1" } },
        { "text": "Let me look that up." },
        { "toolUse": { "name": "get_weather", "input": { "city": "Paris" }, "toolUseId": "tooluse_1" } }
      ],
      "chunkTokens": 2,
      "firstChunkDelayMs": 150,
      "chunkDelayMs": 20
    },
    { "content": [ { "text": "It is sunny in Paris." } ] }
  ]
}"#;

async fn scripted_server() -> bedrock_local::Handle {
    use bedrock_local::clock::TokioClock;
    use bedrock_local::runtime::{ModelRegistry, Script};
    let mut registry = ModelRegistry::new();
    registry.add_script("weather", Script::from_json(WEATHER_SCRIPT).unwrap());
    let emulator = bedrock_local::Emulator::new("us-east-1", 7, Arc::new(TokioClock)).with_registry(registry);
    start(bedrock_local::Config::new().service(emulator.router())).await
}

/// A scripted tool call, streamed with pauses on tokio's paused clock: the accumulated stream
/// is the non-streaming answer, and the loop finishes with the tool result.
#[tokio::test(start_paused = true)]
async fn scripted_tool_use_streamed_and_accumulated() {
    let server = scripted_server().await;
    let client = sigv4_client(&server, false).await;
    let tools = vec![Tool::from_json_schema(
        "get_weather",
        "Weather",
        json!({"type": "object"}),
    )];
    let mut messages = vec![Message::user("What's the weather in Paris?")];

    let started = tokio::time::Instant::now();
    let output = client
        .converse_stream(
            ConverseStreamRequest::new("scripted/weather")
                .with_messages(messages.clone())
                .with_tools(tools.clone()),
        )
        .await
        .unwrap();
    let mut events = output.events;
    let mut accumulator = MessageAccumulator::new();
    while let Some(event) = events.recv().await.unwrap() {
        accumulator.push(&event).unwrap();
    }
    // The script's pauses were waited for on the (paused, auto-advancing) clock.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    let streamed = accumulator.finish().unwrap();
    let whole = client
        .converse(
            ConverseRequest::new("scripted/weather")
                .with_messages(messages.clone())
                .with_tools(tools.clone()),
        )
        .await
        .unwrap();
    assert_eq!(streamed.output, whole.output);
    assert_eq!(streamed.stop_reason, StopReason::ToolUse);
    assert_eq!(streamed.output_text().as_deref(), Some("Let me look that up."));
    let call = &streamed.tool_uses()[0];
    assert_eq!(
        (call.name.as_str(), &call.input),
        ("get_weather", &json!({"city": "Paris"}))
    );

    messages.push(streamed.message().unwrap().clone());
    messages.push(Message::tool_results(vec![ToolResultBlock::json(
        call.tool_use_id.clone(),
        &json!({"sky": "sunny"}),
    )
    .unwrap()]));
    let last = client
        .converse(
            ConverseRequest::new("scripted/weather")
                .with_messages(messages)
                .with_tools(tools),
        )
        .await
        .unwrap();
    assert_eq!(last.output_text().as_deref(), Some("It is sunny in Paris."));
}

/// The service may stay silent on the bidirectional stream for as long as the user does: a
/// minute of silence (three times the stalled-stream grace period) does not end it.
#[tokio::test(start_paused = true)]
async fn bidirectional_stream_survives_a_long_silence() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, true).await;
    assert!(client.config().stalled_stream_protection().download_enabled());
    let stream = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC))
        .await
        .unwrap();
    let (sender, mut receiver) = stream.into_parts();
    let mut sender = sender.unwrap();
    for event in opening("before") {
        sender.send(event).await.unwrap();
    }
    for _ in 0..4 {
        receiver.recv().await.unwrap().unwrap();
    }
    // The reader waits through the silence (only waiting time counts towards a stall).
    let reader = tokio::spawn(async move {
        let mut echoed = None;
        while echoed.is_none() {
            let (name, body) = output_event(receiver.recv().await?.expect("an event"));
            if name == "textOutput" {
                echoed = body["content"].as_str().map(str::to_owned);
            }
        }
        while receiver.recv().await?.is_some() {}
        Ok::<_, StreamError<_>>(echoed)
    });
    tokio::time::sleep(Duration::from_secs(60)).await;
    sender
        .send(sonic(
            json!({"textInput": {"promptName": "p", "contentName": "c", "content": "after"}}),
        ))
        .await
        .unwrap();
    sender.close();
    let echoed = reader.await.unwrap().unwrap();
    assert_eq!(echoed.as_deref(), Some("after"));
}

/// Without HTTP/2 a plain-http endpoint cannot carry the bidirectional stream: a clear
/// transport error, nothing hangs.
#[tokio::test]
async fn bidirectional_stream_over_http1_is_refused_with_a_clear_error() {
    let server = start(bedrock_local::Config::new()).await;
    let client = sigv4_client(&server, false).await;
    let error = client
        .invoke_model_with_bidirectional_stream(InvokeModelWithBidirectionalStreamRequest::new(SONIC))
        .await
        .unwrap_err();
    let transport = error.as_transport().expect("a transport error");
    let connect = transport.connect_error().expect("a connect error");
    assert!(
        matches!(connect.kind(), bedrock_transport::ConnectErrorKind::Http2Required),
        "{error}"
    );
}
