//! Sample payloads of the OpenAI-compatible APIs: each one deserializes, and
//! serializes back to the same JSON value (from a `Value` and from text).

mod common;

use bedrock_mantle_types::openai::operation::{
    CreateChatCompletion, CreateResponse, ListInputItems, ListInputItemsParams, RetrieveResponse,
    RetrieveResponseParams,
};
use bedrock_mantle_types::openai::*;
use bedrock_mantle_types::JsonOperation;
use common::roundtrip;
use serde_json::json;

#[test]
fn responses_create_request_with_function_tools_and_json_schema() {
    let request: CreateResponseRequest = roundtrip(json!({
        "model": "openai.gpt-oss-120b",
        "instructions": "Answer briefly.",
        "input": [
            {"type": "message", "role": "developer", "content": "Use metric units."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "What's the weather in Paris?"},
                {"type": "input_image", "image_url": "https://example.com/paris.png", "detail": "low"}
            ]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{\"temp_c\":18}"},
            {"type": "item_reference", "id": "msg_0"}
        ],
        "tools": [
            {"type": "function", "name": "get_weather", "description": "Current weather",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
             "strict": true},
            {"type": "function", "name": "noop", "parameters": null, "strict": null}
        ],
        "tool_choice": "auto",
        "text": {
            "format": {"type": "json_schema", "name": "weather", "strict": true,
                       "schema": {"type": "object", "properties": {"summary": {"type": "string"}}}},
            "verbosity": "low"
        },
        "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["reasoning.encrypted_content"],
        "max_output_tokens": 1024,
        "temperature": 0.2,
        "top_p": null,
        "store": false,
        "stream": false,
        "metadata": {"trace": "abc"},
        "truncation": "disabled",
        "service_tier": null
    }));
    assert_eq!(request.model, "openai.gpt-oss-120b");
    assert!(matches!(request.input, Some(ResponseInput::List(ref items)) if items.len() == 5));
    assert_eq!(request.top_p, Some(None), "explicit null is kept apart from absent");
    assert_eq!(request.previous_response_id, None);
    assert_eq!(request.service_tier, Some(None));
    let Some(tools) = &request.tools else { panic!() };
    let Tool::Function(noop) = &tools[1] else { panic!() };
    assert_eq!(noop.parameters, Some(None));
    assert_eq!(noop.description, None);
    assert!(matches!(
        request.text.as_ref().and_then(|t| t.format.as_ref()),
        Some(TextFormat::JsonSchema(_))
    ));

    // Plain-string input and a named function tool choice.
    let simple: CreateResponseRequest = roundtrip(json!({
        "model": "m", "input": "Hello", "tool_choice": {"type": "function", "name": "get_weather"}
    }));
    assert_eq!(simple.input, Some(ResponseInput::Text("Hello".into())));
    assert!(matches!(
        simple.tool_choice,
        Some(ResponseToolChoice::FunctionToolChoice(_))
    ));
}

#[test]
fn responses_request_builders_write_the_wire_form() {
    let request = CreateResponseRequest::new("m")
        .with_input("Hi")
        .with_tools(vec![Tool::from(
            FunctionTool::new("f").with_parameters(json!({"type": "object"})),
        )])
        .with_temperature_null()
        .with_extra("provider_option", json!({"x": 1}));
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"model": "m", "input": "Hi", "temperature": null,
               "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
               "provider_option": {"x": 1}})
    );
}

#[test]
fn response_with_message_function_call_reasoning_and_usage() {
    let response: Response = roundtrip(json!({
        "id": "resp_1",
        "object": "response",
        "created_at": 1_741_476_542,
        "completed_at": 1_741_476_545,
        "status": "completed",
        "model": "openai.gpt-oss-120b",
        "background": false,
        "error": null,
        "incomplete_details": null,
        "instructions": null,
        "max_output_tokens": null,
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Need weather."}],
             "content": [{"type": "reasoning_text", "text": "The user wants weather."}],
             "encrypted_content": null, "status": "completed"},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
             "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [
                {"type": "output_text", "text": "It is 18 °C.", "annotations": [
                    {"type": "url_citation", "url": "https://example.com", "title": "Weather", "start_index": 0, "end_index": 5}
                ], "logprobs": []},
                {"type": "refusal", "refusal": "No more."}
            ]}
        ],
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": "medium", "summary": null},
        "store": true,
        "temperature": 0.7,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 0.9,
        "truncation": "disabled",
        "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 12}, "total_tokens": 90},
        "user": null,
        "metadata": {}
    }));
    assert_eq!(response.status, ResponseStatus::Completed);
    assert_eq!(response.output.len(), 3);
    assert!(matches!(response.output[0], OutputItem::Reasoning(_)));
    assert!(matches!(response.output[1], OutputItem::FunctionCall(_)));
    assert_eq!(response.error, Some(None));
    assert_eq!(response.usage.as_ref().unwrap().as_ref().unwrap().total_tokens, 90);
}

#[test]
fn every_responses_stream_event() {
    let response = json!({"id": "resp_1", "object": "response", "created_at": 1, "status": "in_progress",
                          "model": "m", "output": []});
    let text_part = json!({"type": "output_text", "text": "", "annotations": []});
    let events = vec![
        json!({"type": "response.created", "sequence_number": 0, "response": response}),
        json!({"type": "response.queued", "sequence_number": 1, "response": response}),
        json!({"type": "response.in_progress", "sequence_number": 2, "response": response}),
        json!({"type": "response.output_item.added", "sequence_number": 3, "output_index": 0,
               "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []}}),
        json!({"type": "response.content_part.added", "sequence_number": 4, "item_id": "msg_1", "output_index": 0,
               "content_index": 0, "part": text_part}),
        json!({"type": "response.output_text.delta", "sequence_number": 5, "item_id": "msg_1", "output_index": 0,
               "content_index": 0, "delta": "Hel", "logprobs": []}),
        json!({"type": "response.output_text.annotation.added", "sequence_number": 6, "item_id": "msg_1",
               "output_index": 0, "content_index": 0, "annotation_index": 0,
               "annotation": {"type": "file_citation", "file_id": "file_1", "filename": "a.txt", "index": 3}}),
        json!({"type": "response.output_text.done", "sequence_number": 7, "item_id": "msg_1", "output_index": 0,
               "content_index": 0, "text": "Hello"}),
        json!({"type": "response.content_part.done", "sequence_number": 8, "item_id": "msg_1", "output_index": 0,
               "content_index": 0, "part": {"type": "output_text", "text": "Hello"}}),
        json!({"type": "response.refusal.delta", "sequence_number": 9, "item_id": "msg_1", "output_index": 0,
               "content_index": 1, "delta": "No"}),
        json!({"type": "response.refusal.done", "sequence_number": 10, "item_id": "msg_1", "output_index": 0,
               "content_index": 1, "refusal": "No"}),
        json!({"type": "response.output_item.done", "sequence_number": 11, "output_index": 0,
               "item": {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": "Hello"}]}}),
        json!({"type": "response.function_call_arguments.delta", "sequence_number": 12, "item_id": "fc_1",
               "output_index": 1, "delta": "{\"ci"}),
        json!({"type": "response.function_call_arguments.done", "sequence_number": 13, "item_id": "fc_1",
               "output_index": 1, "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}),
        json!({"type": "response.reasoning_summary_part.added", "sequence_number": 14, "item_id": "rs_1",
               "output_index": 2, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 15, "item_id": "rs_1",
               "output_index": 2, "summary_index": 0, "delta": "Think"}),
        json!({"type": "response.reasoning_summary_text.done", "sequence_number": 16, "item_id": "rs_1",
               "output_index": 2, "summary_index": 0, "text": "Think"}),
        json!({"type": "response.reasoning_summary_part.done", "sequence_number": 17, "item_id": "rs_1",
               "output_index": 2, "summary_index": 0, "part": {"type": "summary_text", "text": "Think"}}),
        json!({"type": "response.reasoning_text.delta", "sequence_number": 18, "item_id": "rs_1",
               "output_index": 2, "content_index": 0, "delta": "hm"}),
        json!({"type": "response.reasoning_text.done", "sequence_number": 19, "item_id": "rs_1",
               "output_index": 2, "content_index": 0, "text": "hm"}),
        json!({"type": "response.completed", "sequence_number": 20, "response": response}),
        json!({"type": "response.incomplete", "sequence_number": 21, "response": response}),
        json!({"type": "response.failed", "sequence_number": 22, "response": response}),
        json!({"type": "error", "sequence_number": 23, "code": "server_error", "message": "boom", "param": null}),
    ];
    assert_eq!(
        events.len(),
        ResponseStreamEvent::TAGS.len(),
        "one sample per known event type"
    );
    for event in events {
        let tag = event["type"].as_str().unwrap().to_owned();
        let parsed: ResponseStreamEvent = roundtrip(event.clone());
        assert_eq!(parsed.tag(), Some(tag.as_str()));
        assert!(
            !matches!(parsed, ResponseStreamEvent::Unknown(_)),
            "{tag} parsed as unknown"
        );
        // The operation reads the same payload from an SSE data line.
        let from_sse = CreateResponse::parse_event(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(from_sse, Some(parsed));
    }
}

#[test]
fn unknown_union_types_enum_values_and_extra_fields_round_trip() {
    // A new event type, a new output item type and a new tool type are kept whole.
    let event = json!({"type": "response.web_search_call.searching", "sequence_number": 4, "item_id": "ws_1",
                       "output_index": 0, "nested": {"a": [1, 2.5, null]}});
    let parsed: ResponseStreamEvent = roundtrip(event.clone());
    assert_eq!(parsed, ResponseStreamEvent::Unknown(event));
    assert_eq!(parsed.tag(), Some("response.web_search_call.searching"));

    let response: Response = roundtrip(json!({
        "id": "r", "object": "response", "created_at": 1, "model": "m", "status": "requires_action",
        "output": [{"type": "mcp_call", "id": "mcp_1", "server_label": "notes", "output": "ok"}],
        "tools": [{"type": "notes", "server_label": "notes"}]
    }));
    assert!(matches!(response.status, ResponseStatus::Unknown(ref v) if v.as_str() == "requires_action"));
    assert!(matches!(response.output[0], OutputItem::Unknown(_)));
    assert!(matches!(response.tools.as_ref().unwrap()[0], Tool::Unknown(_)));

    // Provider-specific request members pass through.
    let request: CreateChatCompletionRequest = roundtrip(json!({
        "model": "m", "messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": "ultra", "top_k": 40, "guardrail_config": {"id": "g1", "version": "1"}
    }));
    assert_eq!(request.extra.len(), 2);
    assert_eq!(request.extra["top_k"], json!(40));
    assert!(matches!(
        request.reasoning_effort,
        Some(Some(ReasoningEffort::Unknown(_)))
    ));

    // A message with a role the models do not know.
    let message: ChatMessage = roundtrip(json!({"role": "function", "name": "f", "content": "x"}));
    assert!(matches!(message, ChatMessage::Unknown(_)));
}

#[test]
fn chat_completion_request_with_every_role_and_tool_calls() {
    let request: CreateChatCompletionRequest = roundtrip(json!({
        "model": "mistral.mistral-large",
        "messages": [
            {"role": "developer", "content": "Be terse."},
            {"role": "system", "content": [{"type": "text", "text": "You are helpful."}], "name": "sys"},
            {"role": "user", "content": [
                {"type": "text", "text": "Weather in Paris and Rome?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"}}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "22C"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Paris 18C"}, {"type": "refusal", "refusal": "no"}],
             "refusal": null}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": false}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object"}, "strict": true}},
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_completion_tokens": 500,
        "temperature": 0.5,
        "stop": ["\n\n", "END"],
        "logit_bias": {"50256": -100.5},
        "n": 1,
        "seed": null,
        "parallel_tool_calls": true
    }));
    let roles: Vec<&str> = request
        .messages
        .iter()
        .map(|m| match m {
            ChatMessage::Developer(_) => "developer",
            ChatMessage::System(_) => "system",
            ChatMessage::User(_) => "user",
            ChatMessage::Assistant(_) => "assistant",
            ChatMessage::Tool(_) => "tool",
            _ => "unknown",
        })
        .collect();
    assert_eq!(
        roles,
        ["developer", "system", "user", "assistant", "tool", "tool", "assistant"]
    );
    let ChatMessage::Assistant(assistant) = &request.messages[3] else {
        panic!()
    };
    assert_eq!(assistant.content, Some(None));
    assert_eq!(assistant.tool_calls.as_ref().unwrap().len(), 2);
    assert_eq!(request.seed, Some(None));
    assert!(matches!(
        request.stop,
        Some(Some(CreateChatCompletionRequestStop::List(_)))
    ));
    assert!(request.extra.is_empty());

    let single_stop: CreateChatCompletionRequest =
        roundtrip(json!({"model": "m", "messages": [], "stop": "END", "tool_choice": "required"}));
    assert!(matches!(
        single_stop.stop,
        Some(Some(CreateChatCompletionRequestStop::Text(_)))
    ));
    assert!(matches!(
        single_stop.tool_choice,
        Some(ChatToolChoice::ToolChoiceMode(ToolChoiceMode::Required))
    ));
}

#[test]
fn chat_completion_and_streaming_chunks() {
    let completion: ChatCompletion = roundtrip(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_741_000_000, "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null, "message": {
            "role": "assistant", "content": null, "refusal": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
        }}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                  "completion_tokens_details": {"reasoning_tokens": 0}, "prompt_tokens_details": null},
        "system_fingerprint": null,
        "service_tier": "default"
    }));
    assert_eq!(
        completion.choices[0].finish_reason,
        Some(Some(ChatFinishReason::ToolCalls))
    );
    assert_eq!(completion.service_tier, Some(Some(ServiceTier::Default)));
    // A tier these models do not know is kept as sent.
    let tier: ServiceTier = serde_json::from_str("\"overnight\"").unwrap();
    assert_eq!(tier.as_str(), "overnight");
    assert_eq!(serde_json::to_string(&tier).unwrap(), "\"overnight\"");

    let chunks = vec![
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}),
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"tool_calls": [
                   {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
               ]}, "finish_reason": null}]}),
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]},
                            "finish_reason": null}]}),
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]},
                            "finish_reason": null}]}),
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls", "logprobs": null}]}),
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
               "usage": {"prompt_tokens": 10, "completion_tokens": 12, "total_tokens": 22}}),
    ];
    let mut arguments = String::new();
    for chunk in &chunks {
        let parsed = CreateChatCompletion::parse_event(&serde_json::to_string(chunk).unwrap())
            .unwrap()
            .unwrap();
        let again: ChatCompletionChunk = roundtrip(chunk.clone());
        assert_eq!(parsed, again);
        for choice in &parsed.choices {
            for call in choice.delta.tool_calls.iter().flatten() {
                arguments.push_str(
                    call.function
                        .as_ref()
                        .and_then(|f| f.arguments.as_deref())
                        .unwrap_or(""),
                );
            }
        }
    }
    assert_eq!(arguments, "{\"city\":\"Paris\"}");
    let last: ChatCompletionChunk = serde_json::from_value(chunks[5].clone()).unwrap();
    assert_eq!(last.usage.unwrap().unwrap().total_tokens, 22);
    assert_eq!(CreateChatCompletion::parse_event("[DONE]").unwrap(), None);
    // The terminator with whitespace around it (ASCII or not) still ends the stream.
    for padded in [
        " [DONE]",
        "[DONE]\n",
        "\t[DONE] ",
        "\u{a0}[DONE]",
        "[DONE]\u{2003}",
        "\u{b}[DONE]",
    ] {
        assert_eq!(CreateChatCompletion::parse_event(padded).unwrap(), None, "{padded:?}");
    }
    assert!(CreateChatCompletion::parse_event("[DONE]x").is_err());
}

#[test]
fn models_list_and_error_envelope() {
    let list: ModelList = roundtrip(json!({"object": "list", "data": [
        {"id": "openai.gpt-oss-120b", "object": "model", "created": 1_700_000_000, "owned_by": "openai"},
        {"id": "mistral.mistral-large", "object": "model"}
    ]}));
    assert_eq!(list.data.len(), 2);

    let error: ErrorResponse = roundtrip(json!({"error": {
        "message": "The model `x` does not exist", "type": "invalid_request_error", "param": "model", "code": null
    }}));
    assert_eq!(error.error.param, Some(Some("model".into())));
    assert_eq!(error.error.code, Some(None));
    let body = serde_json::to_vec(&error).unwrap();
    match CreateResponse::parse_response(404, &body) {
        Err(bedrock_mantle_types::ApiError::Service {
            status: 404,
            error: parsed,
        }) => assert_eq!(parsed, error),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_constants_and_missing_members_are_errors() {
    let err = serde_json::from_value::<ModelList>(json!({"object": "dict", "data": []})).unwrap_err();
    assert!(err.to_string().contains("dict"), "{err}");
    let err = serde_json::from_value::<ChatFunctionCall>(json!({"name": "f"})).unwrap_err();
    assert!(err.to_string().contains("arguments"), "{err}");
    let err = serde_json::from_value::<ResponseInput>(json!(5)).unwrap_err();
    assert!(err.to_string().contains("ResponseInput"), "{err}");
}

#[test]
fn operations_describe_method_path_routes_and_stream() {
    assert_eq!(CreateResponse::METHOD, "POST");
    assert_eq!(CreateResponse::PATH, "/responses");
    assert_eq!(CreateResponse::STREAM.unwrap().flag, "stream");
    assert!(CreateResponse::STREAM.unwrap().event_names);
    assert_eq!(CreateChatCompletion::STREAM.unwrap().terminator, Some("[DONE]"));
    assert!(CreateResponse::ROUTES
        .iter()
        .any(|r| r.endpoint == "bedrock-runtime" && r.prefixes == ["/openai/v1"] && r.confirmed));
    assert!(RetrieveResponse::ROUTES
        .iter()
        .any(|r| r.endpoint == "bedrock-runtime" && !r.confirmed));

    let params = RetrieveResponseParams::new("resp/1")
        .with_include(vec![
            Includable::ReasoningEncryptedContent,
            Includable::from("new.value"),
        ])
        .with_stream(true)
        .with_openai_project("proj");
    let request = RetrieveResponse::build_request("/v1", &params, &bedrock_mantle_types::NoBody).unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(
        request.uri().to_string(),
        "/v1/responses/resp%2F1?include=reasoning.encrypted_content&include=new.value&stream=true"
    );
    assert_eq!(request.headers()["OpenAI-Project"], "proj");
    assert!(request.body().is_empty());
    assert!(
        RetrieveResponse::build_request("/v1", &RetrieveResponseParams::new(""), &bedrock_mantle_types::NoBody)
            .is_err()
    );

    let list = ListInputItemsParams::new("r1")
        .with_limit(10)
        .with_order(ListInputItemsOrder::Desc);
    let request = ListInputItems::build_request("/openai/v1/", &list, &bedrock_mantle_types::NoBody).unwrap();
    assert_eq!(
        request.uri().to_string(),
        "/openai/v1/responses/r1/input_items?limit=10&order=desc"
    );

    let body = CreateResponseRequest::new("m").with_input("hi").with_stream(true);
    let request = CreateResponse::build_request("/v1", &Default::default(), &body).unwrap();
    assert_eq!(request.headers()["content-type"], "application/json");
    let sent: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(sent, json!({"model": "m", "input": "hi", "stream": true}));
}
