//! The mantle client against a recording server on loopback (and an in-process HTTP client
//! for bodies split at chosen chunk boundaries).

mod common;

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bedrock_auth::env::{MapEnv, MapFs};
use bedrock_auth::OsContext;
use bedrock_config::{Config, Credentials, RetryConfig, SdkError};
use bedrock_mantle::accumulate::{Accumulator, ChatCompletionAccumulator, MessageAccumulator, ResponseAccumulator};
use bedrock_mantle::stream::StreamError;
use bedrock_mantle::types::anthropic::{
    self, ContentBlock, CountTokensRequest, CreateMessageRequest, MessageParam, MessageParamRole,
};
use bedrock_mantle::types::openai::operation::ListInputItemsParams;
use bedrock_mantle::types::openai::{
    ChatFinishReason, ChatMessage, ChatToolCall, ChatUserMessage, ChatUserMessageContent, CreateChatCompletionRequest,
    CreateResponseRequest, ListInputItemsOrder, OutputItem, ResponseInput, ResponseStatus,
};
use bedrock_mantle::{Client, JsonError, MantleRoute, WaitError};
use bedrock_transport::clock::ManualClock;
use common::*;
use serde_json::json;

const API_KEY: &str = "ABSKbWFudGxlLXRlc3Qta2V5";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn fast_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(1))
}

async fn bearer(url: &str) -> Config {
    Config::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .api_key(API_KEY)
        .retry_config(fast_retries())
        .load()
        .await
        .unwrap()
}

async fn sigv4(url: &str) -> Config {
    Config::builder()
        .region("us-west-2")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDMANTLE", SECRET, None, None, "test"))
        .retry_config(fast_retries())
        .load()
        .await
        .unwrap()
}

fn response_json(id: &str, status: &str) -> String {
    json!({"id": id, "object": "response", "created_at": 1, "status": status, "model": "m", "output": []}).to_string()
}

fn chat_request() -> CreateChatCompletionRequest {
    CreateChatCompletionRequest::new(
        vec![ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
            "Hi".into(),
        )))],
        "openai.gpt-oss-120b",
    )
}

fn message_request() -> CreateMessageRequest {
    CreateMessageRequest::new(
        64,
        vec![MessageParam::new(
            anthropic::MessageParamContent::Text("Hi".into()),
            MessageParamRole::User,
        )],
        "anthropic.claude-sonnet-4",
    )
}

const CHAT: &str = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hello"}}]}"#;
const MESSAGE: &str = r#"{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}"#;

#[tokio::test]
async fn every_operation_sends_its_method_path_query_headers_and_body() {
    let server = server(vec![
        ok(response_json("resp_1", "completed")),
        ok(response_json("resp_1", "completed")),
        ok(r#"{"id":"resp_1","object":"response.deleted","deleted":true}"#),
        ok(response_json("resp_1", "cancelled")),
        ok(r#"{"object":"list","data":[],"has_more":false,"first_id":null,"last_id":null}"#),
        ok(CHAT),
        ok(r#"{"object":"list","data":[{"id":"openai.gpt-oss-120b","object":"model"}]}"#),
        ok(r#"{"id":"openai.gpt-oss-120b","object":"model"}"#),
        ok(MESSAGE),
        ok(r#"{"input_tokens":14}"#),
    ])
    .await;
    let client = Client::new(&bearer(&server.url).await);

    let request = CreateResponseRequest::new("openai.gpt-oss-120b").with_input(ResponseInput::Text("Hi".into()));
    let response = client.create_response(request).await.unwrap();
    assert_eq!(response.id, "resp_1");
    let r = server.last();
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/v1/responses"));
    assert_eq!(r.header("authorization"), Some(format!("Bearer {API_KEY}").as_str()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), json!({"model": "openai.gpt-oss-120b", "input": "Hi"}));

    client.retrieve_response("resp_1").await.unwrap();
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.target.as_str(), r.body.as_str()),
        ("GET", "/v1/responses/resp_1", "")
    );

    let deleted = client.delete_response("resp_1").await.unwrap();
    assert!(deleted.deleted);
    assert_eq!(server.last().method, "DELETE");

    let cancelled = client.cancel_response("resp_1").await.unwrap();
    assert_eq!(cancelled.status, ResponseStatus::Cancelled);
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/v1/responses/resp_1/cancel")
    );

    let params = ListInputItemsParams::new("resp_1")
        .with_limit(10)
        .with_order(ListInputItemsOrder::Desc)
        .with_after("item_0");
    client.list_input_items(params).await.unwrap();
    assert_eq!(
        server.last().target,
        "/v1/responses/resp_1/input_items?after=item_0&limit=10&order=desc"
    );

    // The route depends on the model: this one is served on /openai/v1.
    let completion = client
        .create_chat_completion(chat_request())
        .route(MantleRoute::OpenAi)
        .await
        .unwrap();
    assert_eq!(completion.choices[0].message.content, Some(Some("Hello".into())));
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/openai/v1/chat/completions")
    );
    assert_eq!(r.json()["messages"], json!([{"role": "user", "content": "Hi"}]));

    let models = client.list_models().await.unwrap();
    assert_eq!(models.data.len(), 1);
    assert_eq!(server.last().target, "/v1/models");
    client.retrieve_model("openai.gpt-oss-120b").await.unwrap();
    assert_eq!(server.last().target, "/v1/models/openai.gpt-oss-120b");

    let message = client.create_message(message_request()).await.unwrap();
    assert!(matches!(&message.content[0], ContentBlock::Text(t) if t.text == "Hello"));
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/anthropic/v1/messages")
    );
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.json()["max_tokens"], json!(64));

    let count = client
        .count_tokens(CountTokensRequest::new(
            vec![MessageParam::new(
                anthropic::MessageParamContent::Text("Hi".into()),
                MessageParamRole::User,
            )],
            "anthropic.claude-sonnet-4",
        ))
        .prefix("/custom/v9")
        .await
        .unwrap();
    assert_eq!(count.input_tokens, 14);
    assert_eq!(server.last().target, "/custom/v9/messages/count_tokens");
    assert_eq!(server.requests().len(), 10);
}

#[tokio::test]
async fn sigv4_signs_for_bedrock_mantle() {
    let server = server(vec![ok(CHAT)]).await;
    let client = Client::new(&sigv4(&server.url).await);
    assert_eq!(client.route_prefix(MantleRoute::V1), "/v1");
    assert_eq!(client.openai_on(MantleRoute::OpenAi).route_prefix(), "/openai/v1");
    client.create_chat_completion(chat_request()).await.unwrap();
    let r = server.last();
    assert_eq!(r.target, "/v1/chat/completions");
    let auth = r.header("authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDMANTLE/"), "{auth}");
    assert!(auth.contains("/us-west-2/bedrock-mantle/aws4_request"), "{auth}");
    assert!(r.header("x-amz-date").is_some());
}

fn ctx(env: &[(&str, &str)]) -> OsContext {
    let mut pairs = vec![("HOME", "/home/u"), ("AWS_EC2_METADATA_DISABLED", "true")];
    pairs.extend_from_slice(env);
    OsContext::new(MapEnv::from_pairs(pairs), MapFs::from_files(Vec::<(&str, &str)>::new()))
}

#[tokio::test]
async fn bearer_token_precedence_and_short_term_keys() {
    let server = server(vec![ok(CHAT), ok(CHAT), ok(CHAT)]).await;
    let env = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_BEARER_TOKEN_BEDROCK", API_KEY),
        ("AWS_ENDPOINT_URL_BEDROCK_MANTLE", server.url.as_str()),
    ];
    // AWS_BEARER_TOKEN_BEDROCK wins over environment credentials.
    let config = bedrock_config::from_env().os_context(ctx(&env)).load().await.unwrap();
    Client::new(&config)
        .create_chat_completion(chat_request())
        .await
        .unwrap();
    assert_eq!(
        server.last().header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );

    // A key in code wins over the environment's.
    let config = bedrock_config::from_env()
        .os_context(ctx(&env))
        .api_key("ABSKY29kZQ==")
        .load()
        .await
        .unwrap();
    Client::new(&config)
        .create_chat_completion(chat_request())
        .await
        .unwrap();
    assert_eq!(server.last().header("authorization"), Some("Bearer ABSKY29kZQ=="));

    // A short-term key generated from credentials works as the API key.
    let credentials = Credentials::new("AKIDMANTLE", SECRET, None, None, "test");
    let key = bedrock_auth::generate_short_term_api_key(&credentials, "us-east-1", SystemTime::now(), None).unwrap();
    let config = bearer(&server.url).await.with_api_key(key.key.expose_secret());
    Client::new(&config)
        .create_chat_completion(chat_request())
        .await
        .unwrap();
    let auth = server.last().header("authorization").unwrap().to_owned();
    assert!(auth.starts_with("Bearer bedrock-api-key-"), "{auth}");
    assert!(!format!("{config:?}").contains(API_KEY));
}

#[tokio::test]
async fn error_envelopes_of_both_shapes_are_typed_errors_with_status_and_request_id() {
    let server = server(vec![
        status(
            404,
            &[("content-type", "application/json"), ("x-amzn-requestid", "req-openai")],
            r#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#,
        ),
        status(
            400,
            &[("content-type", "application/json"), ("request-id", "req-anthropic")],
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: required"},"request_id":"req-anthropic"}"#,
        ),
        status(502, &[("content-type", "text/html")], "<html>bad gateway</html>"),
    ])
    .await;
    let config = bearer(&server.url).await.with_retry_config(RetryConfig::disabled());
    let client = Client::new(&config);

    let error = client.create_chat_completion(chat_request()).await.unwrap_err();
    assert_eq!(error.request_id(), Some("req-openai"));
    assert_eq!(error.code(), Some("model_not_found"));
    let meta = error.meta().unwrap();
    assert_eq!(meta.status, 404);
    assert_eq!(meta.message.as_deref(), Some("The model `x` does not exist"));
    match error.service_error() {
        Some(JsonError::Api(body)) => assert_eq!(body.error.r#type, "invalid_request_error"),
        other => panic!("{other:?}"),
    }
    assert!(!error.is_retryable() && !error.is_throttling());
    let shown = error.to_string();
    assert!(
        shown.contains("model_not_found") && shown.contains("req-openai"),
        "{shown}"
    );

    let error = client.create_message(message_request()).await.unwrap_err();
    assert_eq!(error.request_id(), Some("req-anthropic"));
    assert_eq!(error.code(), Some("invalid_request_error"));
    assert_eq!(error.meta().unwrap().status, 400);
    match error.service_error() {
        Some(JsonError::Api(body)) => assert_eq!(body.error.message, "max_tokens: required"),
        other => panic!("{other:?}"),
    }

    let error = client.list_models().await.unwrap_err();
    assert!(matches!(error.service_error(), Some(JsonError::Unhandled(body)) if body.contains("bad gateway")));
    assert_eq!(error.meta().unwrap().status, 502);
    assert!(error.is_retryable());
}

#[tokio::test]
async fn throttling_is_retried_then_succeeds() {
    let throttled = r#"{"error":{"message":"Too many requests","type":"rate_limit_error","code":null}}"#;
    let server = server(vec![
        status(429, &[("content-type", "application/json")], throttled),
        status(429, &[("content-type", "application/json")], throttled),
        ok(CHAT),
        status(
            429,
            &[("content-type", "application/json"), ("x-amzn-requestid", "r3")],
            throttled,
        ),
        status(429, &[("content-type", "application/json")], throttled),
        status(
            429,
            &[("content-type", "application/json"), ("x-amzn-requestid", "r5")],
            throttled,
        ),
    ])
    .await;
    let client = Client::new(&bearer(&server.url).await);
    client.create_chat_completion(chat_request()).await.unwrap();
    assert_eq!(server.requests().len(), 3);
    let error = client.create_chat_completion(chat_request()).await.unwrap_err();
    assert!(error.is_throttling() && error.is_retryable());
    assert_eq!(error.meta().unwrap().status, 429);
    assert_eq!(error.request_id(), Some("r5"));
    assert_eq!(server.requests().len(), 6);
}

fn response_events() -> Vec<(Option<&'static str>, String)> {
    let snapshot = json!({"id": "resp_1", "object": "response", "created_at": 1, "status": "in_progress",
                          "model": "m", "output": []});
    let item = json!({"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                      "content": [{"type": "output_text", "text": "Héllo wörld 🎉", "annotations": []}]});
    let mut done = snapshot.clone();
    done["status"] = json!("completed");
    done["output"] = json!([item]);
    let delta = |seq: i64, text: &str| {
        json!({"type": "response.output_text.delta", "sequence_number": seq, "item_id": "msg_1",
               "output_index": 0, "content_index": 0, "delta": text})
    };
    vec![
        (
            Some("response.created"),
            json!({"type": "response.created", "sequence_number": 0, "response": snapshot}),
        ),
        (Some("response.output_text.delta"), delta(1, "Héllo")),
        (Some("response.output_text.delta"), delta(2, " wörld")),
        (Some("response.output_text.delta"), delta(3, " 🎉")),
        (
            Some("response.output_item.done"),
            json!({"type": "response.output_item.done", "sequence_number": 4, "output_index": 0, "item": item}),
        ),
        (
            Some("response.completed"),
            json!({"type": "response.completed", "sequence_number": 5, "response": done}),
        ),
    ]
    .into_iter()
    .map(|(n, v)| (n, v.to_string()))
    .collect()
}

async fn chunked_client(bodies: Vec<Vec<Result<bytes::Bytes, String>>>) -> (Client, Arc<ChunkedClient>) {
    let http = ChunkedClient::new(bodies);
    let config = Config::builder()
        .region("us-east-1")
        .api_key(API_KEY)
        .http_client(http.clone())
        .retry_config(fast_retries())
        .load()
        .await
        .unwrap();
    (Client::new(&config), http)
}

#[tokio::test]
async fn responses_stream_split_at_awkward_boundaries() {
    for crlf in [false, true] {
        let text = sse_text(&response_events(), crlf);
        for size in [1, 2, 3, 5, 7, 64] {
            let (client, http) = chunked_client(vec![split(&text, size), split(&text, size)]).await;
            let request = CreateResponseRequest::new("m").with_input(ResponseInput::Text("Hi".into()));
            let mut deltas = client
                .create_response_stream(request.clone())
                .await
                .unwrap()
                .text_deltas();
            let mut text_out = String::new();
            while let Some(delta) = deltas.recv().await.unwrap() {
                text_out.push_str(&delta);
            }
            assert_eq!(text_out, "Héllo wörld 🎉", "chunks of {size}");
            let response = client
                .create_response_stream(request)
                .await
                .unwrap()
                .final_output()
                .await
                .unwrap();
            assert_eq!(response.status, ResponseStatus::Completed);
            assert!(matches!(&response.output[0], OutputItem::Message(_)));
            assert_eq!(
                http.requests.lock().unwrap()[0],
                "https://bedrock-mantle.us-east-1.api.aws/v1/responses"
            );
        }
    }
}

#[tokio::test]
async fn responses_accumulator_without_a_terminal_event_keeps_finished_items() {
    let events = response_events();
    let mut acc = ResponseAccumulator::new();
    for (_, data) in &events[..5] {
        acc.push(&serde_json::from_str(data).unwrap());
    }
    let response = acc.finish().unwrap();
    assert_eq!(response.status, ResponseStatus::InProgress);
    assert_eq!(response.output.len(), 1);
    assert!(ResponseAccumulator::new().finish().is_err());
}

fn chat_chunks() -> Vec<(Option<&'static str>, String)> {
    let head = |choices: serde_json::Value| json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": choices});
    let mut usage = head(json!([]));
    usage["usage"] = json!({"prompt_tokens": 10, "completion_tokens": 12, "total_tokens": 22});
    vec![
        head(json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}])),
        head(json!([{"index": 0, "delta": {"content": "Let me "}, "finish_reason": null}])),
        head(json!([{"index": 0, "delta": {"content": "check ☀"}, "finish_reason": null}])),
        head(json!([{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
        ]}, "finish_reason": null}])),
        head(json!([{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}}])),
        head(json!([{"index": 0, "delta": {"tool_calls": [
            {"index": 1, "id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
        ]}}])),
        head(json!([{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}}])),
        head(json!([{"index": 0, "delta": {}, "finish_reason": "tool_calls"}])),
        usage,
    ]
    .into_iter()
    .map(|v| (None, v.to_string()))
    .chain(std::iter::once((None, "[DONE]".to_owned())))
    .collect()
}

#[tokio::test]
async fn chat_completion_stream_with_tool_call_fragments_and_usage() {
    let text = sse_text(&chat_chunks(), false);
    for size in [1, 4, 9, 1000] {
        // Bytes after [DONE] are never read as events.
        let mut body = split(&text, size);
        body.push(Ok(bytes::Bytes::from_static(b"data: not json\n\n")));
        let (client, _) = chunked_client(vec![body.clone(), body]).await;
        let mut request = chat_request();
        request.stream_options = Some(Some(
            bedrock_mantle::types::openai::ChatStreamOptions::new().with_include_usage(true),
        ));
        let mut deltas = client
            .create_chat_completion_stream(request.clone())
            .await
            .unwrap()
            .text_deltas();
        let mut out = String::new();
        while let Some(d) = deltas.recv().await.unwrap() {
            out.push_str(&d);
        }
        assert_eq!(out, "Let me check ☀");
        let completion = client
            .create_chat_completion_stream(request)
            .await
            .unwrap()
            .final_output()
            .await
            .unwrap();
        let choice = &completion.choices[0];
        assert_eq!(choice.finish_reason, Some(Some(ChatFinishReason::ToolCalls)));
        assert_eq!(choice.message.content, Some(Some("Let me check ☀".into())));
        let calls = choice.message.tool_calls.as_ref().unwrap();
        match (&calls[0], &calls[1]) {
            (ChatToolCall::Function(a), ChatToolCall::Function(b)) => {
                assert_eq!((a.id.as_str(), a.function.name.as_str()), ("call_1", "get_weather"));
                assert_eq!(a.function.arguments, "{\"city\":\"Paris\"}");
                assert_eq!((b.id.as_str(), b.function.arguments.as_str()), ("call_2", "{}"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(completion.usage.clone().unwrap().unwrap().total_tokens, 22);
    }
}

fn message_events() -> Vec<(Option<&'static str>, String)> {
    [
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
               "model": "m", "content": [], "stop_reason": null, "stop_sequence": null,
               "usage": {"input_tokens": 25, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hmm"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "ping"}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Bonjour, "}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "ça va"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1",
               "name": "get_weather", "input": {}}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"city\": \"Pa"}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "ris\"}"}}),
        json!({"type": "content_block_stop", "index": 2}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null},
               "usage": {"output_tokens": 89}}),
        json!({"type": "message_stop"}),
    ]
    .into_iter()
    .map(|v| {
        let name: &'static str = Box::leak(v["type"].as_str().unwrap().to_owned().into_boxed_str());
        (Some(name), v.to_string())
    })
    .collect()
}

#[tokio::test]
async fn anthropic_message_stream_with_event_names() {
    let text = sse_text(&message_events(), true);
    for size in [1, 3, 11, 4096] {
        let (client, http) = chunked_client(vec![split(&text, size), split(&text, size)]).await;
        let mut deltas = client
            .create_message_stream(message_request())
            .await
            .unwrap()
            .text_deltas();
        let mut out = String::new();
        while let Some(d) = deltas.recv().await.unwrap() {
            out.push_str(&d);
        }
        assert_eq!(out, "Bonjour, ça va");
        let message = client
            .create_message_stream(message_request())
            .await
            .unwrap()
            .final_output()
            .await
            .unwrap();
        assert_eq!(message.usage.output_tokens, 89);
        assert_eq!(message.usage.input_tokens, 25);
        assert_eq!(message.stop_reason.as_ref().map(|s| s.as_str()), Some("tool_use"));
        match &message.content[..] {
            [ContentBlock::Thinking(t), ContentBlock::Text(x), ContentBlock::ToolUse(u)] => {
                assert_eq!((t.thinking.as_str(), t.signature.as_str()), ("Hmm", "sig"));
                assert_eq!(x.text, "Bonjour, ça va");
                assert_eq!(u.input, json!({"city": "Paris"}));
            }
            other => panic!("{other:?}"),
        }
        assert!(http.requests.lock().unwrap()[0].ends_with("/anthropic/v1/messages"));
    }
    let mut acc = MessageAccumulator::new();
    acc.push(&serde_json::from_str(&message_events()[0].1).unwrap());
    acc.push(&serde_json::from_str(&message_events()[10].1).unwrap());
    acc.push(
        &serde_json::from_str(
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"#,
        )
        .unwrap(),
    );
    assert!(acc.finish().is_err());
    let chat = ChatCompletionAccumulator::new();
    assert!(chat.finish().is_err());
}

#[tokio::test]
async fn errors_in_the_stream_are_typed_and_never_retried() {
    // Responses: an `error` event.
    let mut events = response_events()[..2].to_vec();
    events.push((
        Some("error"),
        json!({"type": "error", "sequence_number": 2, "code": "server_error", "message": "boom", "param": null})
            .to_string(),
    ));
    let (client, http) = chunked_client(vec![split(&sse_text(&events, false), 5)]).await;
    let mut stream = client
        .create_response_stream(CreateResponseRequest::new("m"))
        .await
        .unwrap();
    assert_eq!(stream.request_id(), Some("req-stream"));
    assert!(stream.recv().await.unwrap().is_some());
    assert!(stream.recv().await.unwrap().is_some());
    match stream.recv().await {
        Err(StreamError::Service(e)) => assert_eq!(
            (e.code.clone(), e.message.as_str()),
            (Some(Some("server_error".into())), "boom")
        ),
        other => panic!("{other:?}"),
    }
    assert!(stream.recv().await.unwrap().is_none());

    // Anthropic: `event: error`.
    let mut events = message_events()[..3].to_vec();
    events.push((
        Some("error"),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}).to_string(),
    ));
    let (client, _) = chunked_client(vec![split(&sse_text(&events, false), 2)]).await;
    let error = client
        .create_message_stream(message_request())
        .await
        .unwrap()
        .final_output()
        .await
        .unwrap_err();
    match error {
        StreamError::Service(e) => assert_eq!(e.error.message, "Overloaded"),
        other => panic!("{other:?}"),
    }

    // Chat Completions: an error object in place of a chunk.
    let mut events = chat_chunks()[..2].to_vec();
    events.push((
        None,
        json!({"error": {"message": "upstream failed", "type": "server_error"}}).to_string(),
    ));
    let (client, _) = chunked_client(vec![split(&sse_text(&events, false), 3)]).await;
    let mut deltas = client
        .create_chat_completion_stream(chat_request())
        .await
        .unwrap()
        .text_deltas();
    assert_eq!(deltas.recv().await.unwrap().as_deref(), Some(""));
    assert_eq!(deltas.recv().await.unwrap().as_deref(), Some("Let me "));
    assert!(matches!(deltas.recv().await, Err(StreamError::Service(e)) if e.error.message == "upstream failed"));

    // A connection cut mid-stream: the events so far, then a decode error; one request only.
    let mut body = split(&sse_text(&chat_chunks(), false), 50);
    body.truncate(8);
    body.push(Err("connection reset".into()));
    let (client, http2) = chunked_client(vec![body]).await;
    let mut stream = client.create_chat_completion_stream(chat_request()).await.unwrap();
    let mut seen = 0;
    let error = loop {
        match stream.recv().await {
            Ok(Some(_)) => seen += 1,
            Ok(None) => panic!("the stream should fail"),
            Err(e) => break e,
        }
    };
    assert!(seen >= 1);
    assert!(matches!(error, StreamError::Decode(_)), "{error:?}");
    assert!(stream.recv().await.unwrap().is_none());
    assert_eq!(http2.requests.lock().unwrap().len(), 1);
    assert_eq!(http.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_error_status_on_a_streaming_call_is_retried_before_the_head() {
    let throttled = r#"{"error":{"message":"slow down","type":"rate_limit_error"}}"#;
    let body = sse_text(&chat_chunks(), false);
    let server = server(vec![
        status(429, &[("content-type", "application/json")], throttled),
        sse(body),
        status(
            400,
            &[("content-type", "application/json"), ("x-amzn-requestid", "bad")],
            throttled,
        ),
    ])
    .await;
    let client = Client::new(&bearer(&server.url).await);
    let stream = client.create_chat_completion_stream(chat_request()).await.unwrap();
    let completion = stream.final_output().await.unwrap();
    assert_eq!(completion.id, "c");
    assert_eq!(server.requests().len(), 2);
    let r = server.last();
    assert_eq!(r.header("accept"), Some("text/event-stream"));
    assert_eq!(r.json()["stream"], json!(true));
    let error = client.create_chat_completion_stream(chat_request()).await.unwrap_err();
    assert_eq!((error.meta().unwrap().status, error.request_id()), (400, Some("bad")));
}

#[tokio::test]
async fn input_items_paginate_over_after_cursors() {
    let page = |ids: &[&str], more: bool| {
        let data: Vec<_> = ids
            .iter()
            .map(|id| json!({"type": "message", "id": id, "role": "user", "content": [{"type": "input_text", "text": "x"}]}))
            .collect();
        ok(json!({"object": "list", "data": data, "has_more": more, "first_id": ids[0], "last_id": ids[ids.len() - 1]})
            .to_string())
    };
    let server = server(vec![
        page(&["a", "b"], true),
        page(&["c", "d"], true),
        page(&["e"], false),
        page(&["x"], true),
        page(&["x"], true),
    ])
    .await;
    let client = Client::new(&bearer(&server.url).await);
    let mut items = client
        .list_input_items_paginator(ListInputItemsParams::new("resp_1").with_limit(2))
        .items();
    let mut count = 0;
    while let Some(item) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut items).poll_next(cx)).await {
        item.unwrap();
        count += 1;
    }
    assert_eq!(count, 5);
    let targets: Vec<_> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/v1/responses/resp_1/input_items?limit=2",
            "/v1/responses/resp_1/input_items?after=b&limit=2",
            "/v1/responses/resp_1/input_items?after=d&limit=2",
        ]
    );
    // A repeated cursor stops the pages.
    let mut pages = client.list_input_items_paginator(ListInputItemsParams::new("resp_2"));
    let mut n = 0;
    while let Some(page) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut pages).poll_next(cx)).await {
        page.unwrap();
        n += 1;
    }
    assert_eq!(n, 2);
}

use futures_core::Stream as _;

#[tokio::test]
async fn wait_for_response_polls_on_the_injected_clock() {
    let server = server(vec![
        ok(response_json("resp_bg", "queued")),
        ok(response_json("resp_bg", "in_progress")),
        ok(response_json("resp_bg", "completed")),
        ok(response_json("resp_slow", "in_progress")),
        ok(response_json("resp_slow", "in_progress")),
    ])
    .await;
    let clock = ManualClock::default();
    let config = Config::builder()
        .region("us-east-1")
        .endpoint_url(&server.url)
        .api_key(API_KEY)
        .clock(Arc::new(clock.clone()))
        .load()
        .await
        .unwrap();
    let client = Client::new(&config);
    let interval = Duration::from_secs(5);

    let task = tokio::spawn(
        client
            .wait_for_response("resp_bg")
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
    let response = task.await.unwrap().unwrap();
    assert_eq!(response.status, ResponseStatus::Completed);
    assert_eq!(advanced, 2);
    assert_eq!(server.requests().len(), 3);
    assert!(server.requests().iter().all(|r| r.target == "/v1/responses/resp_bg"));

    let task = tokio::spawn(
        client
            .wait_for_response("resp_slow")
            .poll_interval(interval)
            .max_wait(Duration::from_secs(7))
            .into_future(),
    );
    let mut advanced = 0;
    while !task.is_finished() {
        tokio::task::yield_now().await;
        let sleeps = clock.sleeps().iter().filter(|d| **d == interval).count();
        if sleeps > advanced + 2 {
            advanced = sleeps - 2;
            clock.advance(interval);
        }
    }
    match task.await.unwrap() {
        Err(WaitError::TimedOut(r)) => assert_eq!(r.status, ResponseStatus::InProgress),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client>();
    check::<bedrock_mantle::OpenAi>();
    check::<bedrock_mantle::Anthropic>();
    // Streams own a response body, which is `Send` (like the runtime's event receivers).
    fn send<T: Send>() {}
    send::<bedrock_mantle::stream::EventStream<bedrock_mantle::types::openai::operation::CreateResponse>>();
    send::<bedrock_mantle::InputItemPages>();
    check::<bedrock_mantle::JsonCall<bedrock_mantle::types::openai::operation::CreateResponse>>();
    check::<bedrock_mantle::JsonSdkError<bedrock_mantle::types::openai::operation::CreateResponse>>();
    check::<StreamError<anthropic::ErrorResponse>>();
    let _ = SdkError::<JsonError<anthropic::ErrorResponse>>::Malformed;
}
