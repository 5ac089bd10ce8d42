//! Sample payloads of the Anthropic-compatible Messages API: each one
//! deserializes, and serializes back to the same JSON value.

mod common;

use bedrock_mantle_types::anthropic::operation::{CountMessageTokens, CreateMessage, CreateMessageParams};
use bedrock_mantle_types::anthropic::*;
use bedrock_mantle_types::{ApiError, JsonOperation};
use common::roundtrip;
use serde_json::json;

#[test]
fn messages_request_with_tools_thinking_and_tool_result() {
    let request: CreateMessageRequest = roundtrip(json!({
        "model": "anthropic.claude-sonnet-4-5",
        "max_tokens": 2048,
        "system": [{"type": "text", "text": "You are a weather bot.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "messages": [
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should call the tool.", "signature": "sig=="},
                {"type": "redacted_thinking", "data": "opaque"},
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris", "units": ["c"]}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": [
                    {"type": "text", "text": "18C and sunny"},
                    {"type": "image", "source": {"type": "url", "url": "https://example.com/sun.png"}}
                ], "is_error": false},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "timeout", "is_error": true,
                 "cache_control": null},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
                 "title": "Forecast", "context": null, "citations": {"enabled": true}},
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain"}}
            ]}
        ],
        "tools": [
            {"name": "get_weather", "description": "Current weather",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
             "cache_control": {"type": "ephemeral"}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
        ],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "temperature": 1.0,
        "top_k": 5,
        "stop_sequences": ["\n\nHuman:"],
        "metadata": {"user_id": null},
        "stream": false
    }));
    assert_eq!(request.messages.len(), 3);
    assert!(matches!(request.system, Some(SystemPrompt::List(_))));
    assert!(matches!(
        request.thinking,
        Some(ThinkingConfig::Enabled(ThinkingEnabled {
            budget_tokens: 1024,
            ..
        }))
    ));
    let MessageParamContent::List(blocks) = &request.messages[2].content else {
        panic!()
    };
    let ContentBlockParam::ToolResult(result) = &blocks[1] else {
        panic!()
    };
    assert_eq!(result.cache_control, Some(None));
    assert_eq!(
        result.content,
        Some(ToolResultBlockParamContent::Text("timeout".into()))
    );
    // Server tools are open objects: members the models do not know are kept.
    let server_tool = &request.tools.as_ref().unwrap()[1];
    assert_eq!(server_tool.r#type.as_deref(), Some("web_search_20250305"));
    assert_eq!(server_tool.extra["max_uses"], json!(3));
    assert_eq!(request.metadata.as_ref().unwrap().user_id, Some(None));

    // Adaptive thinking with output_config, plain-string system and tool choice `tool`.
    let adaptive: CreateMessageRequest = roundtrip(json!({
        "model": "m", "max_tokens": 10, "system": "Be brief.",
        "messages": [{"role": "user", "content": "hi"}],
        "thinking": {"type": "adaptive", "display": "summarized", "future_knob": 2},
        "output_config": {"effort": "high", "format": {"type": "json"}},
        "tool_choice": {"type": "tool", "name": "get_weather"},
        "anthropic_feature": {"on": true}
    }));
    let Some(ThinkingConfig::Adaptive(thinking)) = &adaptive.thinking else {
        panic!()
    };
    assert_eq!(thinking.extra["future_knob"], json!(2));
    assert_eq!(adaptive.output_config.as_ref().unwrap().extra.len(), 1);
    assert_eq!(adaptive.extra["anthropic_feature"], json!({"on": true}));
}

#[test]
fn message_response() {
    let message: Message = roundtrip(json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "anthropic.claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Plan.", "signature": "sig"},
            {"type": "redacted_thinking", "data": "xyz"},
            {"type": "text", "text": "Paris is sunny.", "citations": [
                {"type": "char_location", "cited_text": "sunny", "document_index": 0, "document_title": null,
                 "start_char_index": 0, "end_char_index": 5},
                {"type": "page_location", "cited_text": "p", "document_index": 0, "document_title": "F",
                 "start_page_number": 1, "end_page_number": 2},
                {"type": "content_block_location", "cited_text": "c", "document_index": 1,
                 "start_block_index": 0, "end_block_index": 1}
            ]},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "paris"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": null, "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                  "server_tool_use": {"web_search_requests": 1}, "service_tier": "standard"}
    }));
    assert_eq!(message.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(message.stop_sequence, None);
    assert!(
        matches!(message.content[5], ContentBlock::Unknown(_)),
        "a new block type is kept whole"
    );
    assert_eq!(message.usage.cache_read_input_tokens, Some(None));

    // Required-but-nullable members must be present: `null` is fine, absent is an error.
    let mut without = serde_json::to_value(&message).unwrap();
    without.as_object_mut().unwrap().remove("stop_sequence");
    let err = serde_json::from_value::<Message>(without).unwrap_err();
    assert!(err.to_string().contains("stop_sequence"), "{err}");
}

#[test]
fn every_message_stream_event() {
    let events = vec![
        json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
               "model": "m", "content": [], "stop_reason": null, "stop_sequence": null,
               "usage": {"input_tokens": 25, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hmm"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "ping"}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello"}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "citations_delta", "citation":
               {"type": "char_location", "cited_text": "x", "document_index": 0, "document_title": "D",
                "start_char_index": 0, "end_char_index": 1}}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1",
               "name": "get_weather", "input": {}}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"city\": \"Pa"}}),
        json!({"type": "content_block_stop", "index": 2}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null},
               "usage": {"output_tokens": 89, "input_tokens": null}}),
        json!({"type": "message_stop"}),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for event in events {
        let tag = event["type"].as_str().unwrap().to_owned();
        let parsed: MessageStreamEvent = roundtrip(event.clone());
        assert!(!matches!(parsed, MessageStreamEvent::Unknown(_)), "{tag}");
        assert_eq!(CreateMessage::parse_event(&event.to_string()).unwrap(), Some(parsed));
        seen.insert(tag);
    }
    let all: std::collections::BTreeSet<String> = MessageStreamEvent::TAGS.iter().map(|t| t.to_string()).collect();
    assert_eq!(seen, all, "one sample per known event type");

    // Unknown event and delta types round-trip.
    let unknown: MessageStreamEvent = roundtrip(json!({"type": "message_annotation", "data": [1, {"x": null}]}));
    assert!(matches!(unknown, MessageStreamEvent::Unknown(_)));
    let delta: MessageStreamEvent =
        roundtrip(json!({"type": "content_block_delta", "index": 3, "delta": {"type": "audio_delta", "pcm": "AAA="}}));
    let MessageStreamEvent::ContentBlockDelta(delta) = delta else {
        panic!()
    };
    assert!(matches!(delta.delta, ContentBlockDelta::Unknown(_)));
}

#[test]
fn error_envelope_and_unknown_error_type() {
    let error: ErrorResponse = roundtrip(json!({"type": "error", "error": {"type": "invalid_request_error",
        "message": "max_tokens: Field required"}, "request_id": "req_1"}));
    assert_eq!(error.error.r#type, ErrorDetailType::InvalidRequestError);
    let new_kind: ErrorResponse =
        roundtrip(json!({"type": "error", "error": {"type": "quota_error", "message": "q"}, "request_id": null}));
    assert_eq!(new_kind.error.r#type.as_str(), "quota_error");
    assert_eq!(new_kind.request_id, Some(None));
    match CreateMessage::parse_response(529, &serde_json::to_vec(&error).unwrap()) {
        Err(ApiError::Service {
            status: 529,
            error: parsed,
        }) => assert_eq!(parsed, error),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        CreateMessage::parse_response(502, b"<html>Bad gateway</html>"),
        Err(ApiError::Status { status: 502, .. })
    ));
}

#[test]
fn count_tokens_and_the_operations() {
    let _: CountTokensRequest = roundtrip(json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "system": "s", "tools": [{"name": "t", "input_schema": {"type": "object"}}], "thinking": {"type": "disabled"},
        "tool_choice": {"type": "none"}}));
    let _: CountTokensResponse = roundtrip(json!({"input_tokens": 14}));

    assert_eq!(CountMessageTokens::PATH, "/messages/count_tokens");
    assert!(CountMessageTokens::STREAM.is_none());
    assert_eq!(CreateMessage::ROUTES[0].endpoint, "bedrock-mantle");
    assert_eq!(CreateMessage::ROUTES[0].prefixes, ["/anthropic/v1"]);

    let params = CreateMessageParams::new().with_anthropic_beta(vec!["a-2025".to_owned(), "b-2025".to_owned()]);
    assert_eq!(params.anthropic_version, "2023-06-01");
    let body = CreateMessageRequest::new(
        16,
        vec![MessageParam::new("hello", MessageParamRole::User)],
        "anthropic.claude-sonnet-4-5",
    )
    .with_stream(true);
    let request = CreateMessage::build_request("/anthropic/v1", &params, &body).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().to_string(), "/anthropic/v1/messages");
    assert_eq!(request.headers()["anthropic-version"], "2023-06-01");
    assert_eq!(request.headers()["anthropic-beta"], "a-2025,b-2025");
    let sent: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(
        sent,
        json!({"max_tokens": 16, "messages": [{"content": "hello", "role": "user"}],
               "model": "anthropic.claude-sonnet-4-5", "stream": true})
    );
}
