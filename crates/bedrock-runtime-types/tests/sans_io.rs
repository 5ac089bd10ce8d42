//! Behaviour of the generated runtime models without any IO: requests built from inputs, outputs
//! and typed errors parsed from responses, event-stream messages, validation, redaction, pagination
//! and idempotency tokens.

use bedrock_runtime_types::error::{ConverseError, InvokeModelError, ThrottlingException};
use bedrock_runtime_types::event_stream::{ConverseStreamOutput, ConverseStreamOutputError};
use bedrock_runtime_types::operation::{Converse, InvokeModel, ListAsyncInvokes, StartAsyncInvoke};
use bedrock_runtime_types::types::{
    AsyncInvokeOutputDataConfig, AsyncInvokeS3OutputDataConfig, AsyncInvokeStatus, AsyncInvokeSummary, ContentBlock,
    ContentBlockDelta, ContentBlockDeltaEvent, ConversationRole, ConverseOutput, ConverseRequest, ConverseResponse,
    InvokeModelRequest, ListAsyncInvokesRequest, ListAsyncInvokesResponse, Message, PerformanceConfigLatency,
    ServiceTierType, StartAsyncInvokeRequest, StopReason,
};
use bedrock_runtime_types::{BuildError, DateTime, Operation, Paginated, ResponseError, Validate};
use bedrock_wire::error::BuildErrorKind;
use bedrock_wire::event_stream::{EventError, Header, HeaderValue, Message as EventMessage};
use bedrock_wire::operation::FixedToken;
use bedrock_wire::validate::ViolationKind;
use bytes::Bytes;
use serde_json::{json, Value};

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn hello() -> ConverseRequest {
    ConverseRequest::new(HAIKU).with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text("hi".into())],
    )])
}

fn body_json(request: &http::Request<Bytes>) -> Value {
    serde_json::from_slice(request.body()).expect("the body is JSON")
}

fn response(status: u16, headers: &[(&str, &str)], body: &'static [u8]) -> http::Response<Bytes> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Bytes::from_static(body)).unwrap()
}

// Converse: request.

#[test]
fn converse_request_has_method_path_headers_and_json_body() {
    let request = Converse::build_request(&hello()).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.uri().path(),
        "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"
    );
    assert_eq!(request.uri().query(), None);
    assert_eq!(request.headers()["content-type"], "application/json");
    assert_eq!(
        request.headers()["content-length"],
        request.body().len().to_string().as_str()
    );
    // The model id is in the path, not the body; members are camelCase; content blocks are unions.
    assert_eq!(
        body_json(&request),
        json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    );
}

#[test]
fn converse_body_carries_optional_members_only_when_set() {
    let request = ConverseRequest::new(HAIKU)
        .with_messages(vec![
            Message::new("user", vec![ContentBlock::Text("2+2?".into())]),
            Message::new("assistant", vec![ContentBlock::Text("4".into())]),
        ])
        .with_additional_model_request_fields(json!({"top_k": 5}))
        .with_additional_model_response_field_paths(vec!["/stop_sequence".to_owned()]);
    let body = body_json(&Converse::build_request(&request).unwrap());
    assert_eq!(
        body,
        json!({
            "messages": [
                {"role": "user", "content": [{"text": "2+2?"}]},
                {"role": "assistant", "content": [{"text": "4"}]},
            ],
            "additionalModelRequestFields": {"top_k": 5},
            "additionalModelResponseFieldPaths": ["/stop_sequence"],
        })
    );
    assert_eq!(
        body_json(&Converse::build_request(&ConverseRequest::new(HAIKU)).unwrap()),
        json!({})
    );
}

#[test]
fn an_arn_model_id_stays_one_path_segment() {
    let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku";
    let request = Converse::build_request(&ConverseRequest::new(arn)).unwrap();
    assert_eq!(
        request.uri().path(),
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-haiku/converse"
    );
}

#[test]
fn an_empty_label_is_a_build_error_naming_the_member() {
    let error: BuildError = Converse::build_request(&ConverseRequest::new("")).unwrap_err();
    assert!(
        matches!(error.kind(), BuildErrorKind::EmptyLabel { member: "modelId" }),
        "{error:?}"
    );
    assert!(error.to_string().contains("modelId"), "{error}");
}

// Converse: response.

const CONVERSE_RESPONSE: &[u8] = br#"{
    "output": {"message": {"role": "assistant", "content": [{"text": "Hello! How can I help?"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21},
    "metrics": {"latencyMs": 412}
}"#;

#[test]
fn converse_response_parses_output_stop_reason_usage_and_metrics() {
    let output: ConverseResponse = Converse::parse_response(&response(
        200,
        &[("content-type", "application/json")],
        CONVERSE_RESPONSE,
    ))
    .unwrap();
    let ConverseOutput::Message(message) = &output.output else {
        panic!("{:?}", output.output)
    };
    assert_eq!(message.role, ConversationRole::Assistant);
    assert_eq!(
        message.content,
        vec![ContentBlock::Text("Hello! How can I help?".into())]
    );
    assert_eq!(output.stop_reason, StopReason::EndTurn);
    assert_eq!(
        (
            output.usage.input_tokens,
            output.usage.output_tokens,
            output.usage.total_tokens
        ),
        (12, 9, 21)
    );
    assert_eq!(output.usage.cache_read_input_tokens, None);
    assert_eq!(output.metrics.latency_ms, 412);
    assert_eq!(output.trace, None);
}

#[test]
fn unknown_stop_reasons_and_content_blocks_survive_a_round_trip() {
    let body = json!({
        "output": {"message": {"role": "assistant", "content": [
            {"text": "a"},
            {"hologram": {"frames": [1, 2], "fps": 24.5}},
        ]}},
        "stopReason": "ran_out_of_ideas",
        "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
        "metrics": {"latencyMs": 5},
    });
    let output: ConverseResponse = serde_json::from_value(body.clone()).unwrap();
    assert!(matches!(&output.stop_reason, StopReason::Unknown(v) if v.as_str() == "ran_out_of_ideas"));
    assert_eq!(output.stop_reason.as_str(), "ran_out_of_ideas");
    assert_eq!(
        serde_json::to_value(&output.stop_reason).unwrap(),
        json!("ran_out_of_ideas")
    );
    let ConverseOutput::Message(message) = &output.output else {
        panic!()
    };
    let ContentBlock::Unknown(unknown) = &message.content[1] else {
        panic!("{:?}", message.content[1])
    };
    assert_eq!(unknown.name(), "hologram");
    assert_eq!(unknown.value(), &json!({"frames": [1, 2], "fps": 24.5}));
    assert_eq!(serde_json::to_value(&output).unwrap(), body);
    // A known value is always its own variant, however it was made.
    assert_eq!(StopReason::from("end_turn"), StopReason::EndTurn);
}

// Errors.

#[test]
fn a_modeled_error_is_dispatched_on_the_error_type_header() {
    let reply = response(
        429,
        &[
            (
                "x-amzn-errortype",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            ),
            ("x-amzn-requestid", "5b1c7a0e-0000-4c5e-9d3e-1234567890ab"),
            ("content-type", "application/json"),
        ],
        br#"{"message":"slow down"}"#,
    );
    let Err(ResponseError::Service(error)) = Converse::parse_response(&reply) else {
        panic!("not a service error")
    };
    assert_eq!(
        error.kind,
        ConverseError::ThrottlingException(ThrottlingException::new().with_message("slow down"))
    );
    assert_eq!(error.kind.code(), Some("ThrottlingException"));
    assert_eq!(error.meta.status, 429);
    assert_eq!(error.meta.code.as_deref(), Some("ThrottlingException"));
    assert_eq!(error.meta.message.as_deref(), Some("slow down"));
    assert_eq!(
        error.meta.request_id.as_deref(),
        Some("5b1c7a0e-0000-4c5e-9d3e-1234567890ab")
    );
    assert!(error.to_string().contains("slow down"), "{error}");
}

#[test]
fn the_error_code_may_come_from_the_body() {
    let reply = response(
        400,
        &[],
        br#"{"__type":"com.amazon.bedrock#ValidationException","message":"bad"}"#,
    );
    let Err(ResponseError::Service(error)) = Converse::parse_response(&reply) else {
        panic!()
    };
    assert!(
        matches!(error.kind, ConverseError::ValidationException(_)),
        "{:?}",
        error.kind
    );
    assert_eq!(error.meta.message.as_deref(), Some("bad"));
}

#[test]
fn an_unknown_error_code_is_unhandled_but_keeps_its_metadata() {
    let reply = response(
        418,
        &[("x-amzn-errortype", "TeapotException"), ("x-amzn-requestid", "rid-1")],
        br#"{"message":"short and stout"}"#,
    );
    let Err(ResponseError::Service(error)) = Converse::parse_response(&reply) else {
        panic!()
    };
    assert_eq!(error.kind, ConverseError::Unhandled);
    assert_eq!(error.kind.code(), None);
    assert_eq!(error.meta.status, 418);
    assert_eq!(error.meta.code.as_deref(), Some("TeapotException"));
    assert_eq!(error.meta.message.as_deref(), Some("short and stout"));
    assert_eq!(error.meta.request_id.as_deref(), Some("rid-1"));
    assert_eq!(
        error.to_string(),
        "TeapotException: short and stout (HTTP 418, request id rid-1)"
    );
}

#[test]
fn a_malformed_success_body_is_malformed_not_a_panic() {
    for body in [&b"{\"output\":"[..], b"[]", b"", br#"{"stopReason":"end_turn"}"#] {
        let reply = http::Response::builder()
            .status(200)
            .body(Bytes::copy_from_slice(body))
            .unwrap();
        match Converse::parse_response(&reply) {
            Err(ResponseError::Malformed(e)) => assert!(e.to_string().starts_with("malformed response"), "{e}"),
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

// InvokeModel: blob payload and header bindings.

#[test]
fn invoke_model_sends_the_blob_as_the_body_and_binds_headers() {
    let payload = br#"{"prompt":"\n\nHuman: hi\n\nAssistant:","max_tokens_to_sample":50}"#;
    let input = InvokeModelRequest::new(HAIKU)
        .with_body(payload.to_vec())
        .with_content_type("application/json")
        .with_accept("application/json")
        .with_performance_config_latency(PerformanceConfigLatency::Optimized);
    let request = InvokeModel::build_request(&input).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.uri().path(),
        "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"
    );
    assert_eq!(request.body().as_ref(), payload);
    assert_eq!(request.headers()["content-type"], "application/json");
    assert_eq!(request.headers()["accept"], "application/json");
    assert_eq!(
        request.headers()["x-amzn-bedrock-performanceconfig-latency"],
        "optimized"
    );
    assert!(request.headers().get("x-amzn-bedrock-trace").is_none());

    // A header value HTTP cannot carry is a build error naming the member.
    let error = InvokeModel::build_request(&InvokeModelRequest::new(HAIKU).with_accept("a\nb")).unwrap_err();
    assert!(
        matches!(error.kind(), BuildErrorKind::InvalidHeader { member: "accept" }),
        "{error:?}"
    );
}

#[test]
fn invoke_model_response_body_is_the_blob_and_headers_fill_members() {
    let reply = response(
        200,
        &[
            ("Content-Type", "application/json"),
            ("X-Amzn-Bedrock-PerformanceConfig-Latency", "standard"),
            ("X-Amzn-Bedrock-Service-Tier", "flex"),
        ],
        br#"{"completion":" Hello!","stop_reason":"stop_sequence"}"#,
    );
    let output = InvokeModel::parse_response(&reply).unwrap();
    assert_eq!(
        output.body.as_ref(),
        br#"{"completion":" Hello!","stop_reason":"stop_sequence"}"#
    );
    assert_eq!(output.content_type, "application/json");
    assert_eq!(
        output.performance_config_latency,
        Some(PerformanceConfigLatency::Standard)
    );
    assert_eq!(output.service_tier, Some(ServiceTierType::Flex));

    let reply = response(
        424,
        &[("x-amzn-errortype", "ModelErrorException")],
        br#"{"message":"boom"}"#,
    );
    let Err(ResponseError::Service(error)) = InvokeModel::parse_response(&reply) else {
        panic!()
    };
    assert!(
        matches!(error.kind, InvokeModelError::ModelErrorException(_)),
        "{:?}",
        error.kind
    );
}

// Event streams.

fn event(event_type: &'static str, payload: Value) -> EventMessage {
    EventMessage::new(serde_json::to_vec(&payload).unwrap())
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(":event-type", HeaderValue::String(event_type.into())))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ))
}

#[test]
fn an_event_message_decodes_to_its_typed_event_and_back() {
    let message = event(
        "contentBlockDelta",
        json!({"delta": {"text": "Hel"}, "contentBlockIndex": 0}),
    );
    let decoded = ConverseStreamOutput::from_message(&message).unwrap();
    assert_eq!(
        decoded,
        ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(ContentBlockDelta::Text("Hel".into()), 0))
    );

    let encoded = decoded.to_message().unwrap();
    assert_eq!(ConverseStreamOutput::from_message(&encoded).unwrap(), decoded);
    let header = |name: &str| {
        encoded
            .headers()
            .iter()
            .find(|h| h.name().as_str() == name)
            .map(|h| h.value().as_string().unwrap().as_str())
    };
    assert_eq!(header(":message-type"), Some("event"));
    assert_eq!(header(":event-type"), Some("contentBlockDelta"));
    let payload: Value = serde_json::from_slice(encoded.payload()).unwrap();
    assert_eq!(payload, json!({"delta": {"text": "Hel"}, "contentBlockIndex": 0}));
}

#[test]
fn an_unknown_event_type_is_kept() {
    let decoded = ConverseStreamOutput::from_message(&event("thinkingHarder", json!({"level": 3}))).unwrap();
    let ConverseStreamOutput::Unknown(unknown) = decoded else {
        panic!("{decoded:?}")
    };
    assert_eq!(
        (unknown.name(), unknown.value()),
        ("thinkingHarder", &json!({"level": 3}))
    );
}

#[test]
fn an_exception_message_is_a_typed_stream_error() {
    let message = EventMessage::new(br#"{"message":"slow down"}"#.to_vec())
        .add_header(Header::new(":message-type", HeaderValue::String("exception".into())))
        .add_header(Header::new(
            ":exception-type",
            HeaderValue::String("throttlingException".into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let error = ConverseStreamOutput::from_message(&message).unwrap_err();
    let EventError::Exception(ConverseStreamOutputError::ThrottlingException(exception)) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(exception.message.as_deref(), Some("slow down"));

    // The exception encodes to a message that decodes to the same error.
    let EventError::Exception(kind) = error else {
        unreachable!()
    };
    let again = ConverseStreamOutput::from_message(&kind.to_message().unwrap()).unwrap_err();
    assert!(matches!(again, EventError::Exception(ref k) if *k == kind), "{again:?}");
}

#[test]
fn error_messages_and_bad_messages_are_reported() {
    let message = EventMessage::new(Vec::new())
        .add_header(Header::new(":message-type", HeaderValue::String("error".into())))
        .add_header(Header::new(
            ":error-code",
            HeaderValue::String("InternalFailure".into()),
        ))
        .add_header(Header::new(":error-message", HeaderValue::String("oops".into())));
    let Err(EventError::Exception(ConverseStreamOutputError::Unhandled(unhandled))) =
        ConverseStreamOutput::from_message(&message)
    else {
        panic!()
    };
    assert_eq!(
        (unhandled.code.as_deref(), unhandled.message.as_deref()),
        (Some("InternalFailure"), Some("oops"))
    );

    let bad_payload = event(
        "contentBlockDelta",
        json!({"delta": {"text": "a", "toolUse": {"input": ""}}}),
    );
    assert!(matches!(
        ConverseStreamOutput::from_message(&bad_payload),
        Err(EventError::Malformed(_))
    ));
    let no_type = EventMessage::new(b"{}".to_vec());
    assert!(matches!(
        ConverseStreamOutput::from_message(&no_type),
        Err(EventError::Malformed(_))
    ));
}

// Validation.

#[test]
fn validate_reports_every_violation_with_its_path() {
    let too_many_paths: Vec<String> = (0..11).map(|i| format!("/field{i}")).collect();
    let request = ConverseRequest::new("").with_additional_model_response_field_paths(too_many_paths);
    let error = request.validate().unwrap_err();
    let paths: Vec<&str> = error.violations().iter().map(|v| v.path.as_str()).collect();
    assert!(paths.contains(&"modelId"), "{error}");
    assert!(paths.contains(&"additionalModelResponseFieldPaths"), "{error}");
    assert!(error.violations().iter().any(|v| v.path == "modelId"
        && v.kind
            == ViolationKind::Length {
                min: Some(1),
                max: Some(2048),
                actual: 0
            }));
    assert!(error
        .violations()
        .iter()
        .any(|v| v.path == "additionalModelResponseFieldPaths"
            && v.kind
                == ViolationKind::Length {
                    min: Some(0),
                    max: Some(10),
                    actual: 11
                }));

    assert_eq!(hello().validate(), Ok(()));
}

#[test]
fn validate_finds_violations_deep_inside_lists_and_unions() {
    // An empty tool-use id (length 1..=64) inside the second content block of the first message.
    let request = ConverseRequest::new(HAIKU).with_messages(vec![Message::new(
        ConversationRole::Assistant,
        vec![
            ContentBlock::Text("calling".into()),
            ContentBlock::ToolUse(bedrock_runtime_types::types::ToolUseBlock::new(
                "",
                "weather",
                json!({}),
            )),
        ],
    )]);
    let error = request.validate().unwrap_err();
    let paths: Vec<&str> = error.violations().iter().map(|v| v.path.as_str()).collect();
    assert!(paths.contains(&"messages[0].content[1].toolUse.toolUseId"), "{error}");
}

// Redaction.

#[test]
fn debug_redacts_sensitive_members() {
    let secret = "sk-very-secret-prompt";
    let input = InvokeModelRequest::new(HAIKU)
        .with_body(secret.as_bytes().to_vec())
        .with_request_metadata(secret)
        .with_accept("application/json");
    let text = format!("{input:?}");
    assert!(text.contains(bedrock_wire::REDACTED), "{text}");
    assert!(!text.contains(secret), "{text}");
    assert!(
        text.contains("application/json"),
        "non-sensitive members are shown: {text}"
    );

    let start = StartAsyncInvokeRequest::new(HAIKU, json!({"prompt": secret}), s3_output());
    let text = format!("{start:?}");
    assert!(
        !text.contains(secret) && text.contains(bedrock_wire::REDACTED),
        "{text}"
    );
    let text = format!(
        "{:#?}",
        hello().with_request_metadata([("user".to_owned(), secret.to_owned())])
    );
    assert!(!text.contains(secret), "{text}");
}

// Pagination.

fn s3_output() -> AsyncInvokeOutputDataConfig {
    AsyncInvokeOutputDataConfig::S3OutputDataConfig(AsyncInvokeS3OutputDataConfig::new("s3://bucket/out/"))
}

#[test]
fn list_async_invokes_is_paginated() {
    fn paginated<P: Paginated>() {}
    paginated::<ListAsyncInvokes>();

    let mut input = ListAsyncInvokesRequest::new().with_max_results(2);
    ListAsyncInvokes::set_token(&mut input, Some("page/2=".to_owned()));
    assert_eq!(input.next_token.as_deref(), Some("page/2="));
    let request = ListAsyncInvokes::build_request(&input).unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(request.uri().path(), "/async-invoke");
    assert_eq!(request.uri().query(), Some("maxResults=2&nextToken=page%2F2%3D"));
    ListAsyncInvokes::set_token(&mut input, None);
    assert_eq!(input.next_token, None);

    let reply = response(
        200,
        &[("content-type", "application/json")],
        br#"{"nextToken":"t3","asyncInvokeSummaries":[{
            "invocationArn":"arn:aws:bedrock:us-east-1:123456789012:async-invoke/abcdefghijkl",
            "modelArn":"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0",
            "status":"InProgress",
            "submitTime":"2024-11-20T10:15:30.5Z",
            "outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://bucket/out/"}}
        }]}"#,
    );
    let output: ListAsyncInvokesResponse = ListAsyncInvokes::parse_response(&reply).unwrap();
    assert_eq!(ListAsyncInvokes::next_token(&output), Some("t3"));
    let items: Vec<AsyncInvokeSummary> = ListAsyncInvokes::items(output);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].status, Some(AsyncInvokeStatus::InProgress));
    assert_eq!(items[0].submit_time, DateTime::from_secs_f64(1_732_097_730.5));
    assert_eq!(items[0].output_data_config, s3_output());

    let last = ListAsyncInvokesResponse::new();
    assert_eq!(ListAsyncInvokes::next_token(&last), None);
    assert!(ListAsyncInvokes::items(last).is_empty());
}

// Idempotency tokens.

#[test]
fn start_async_invoke_fills_its_idempotency_token() {
    let mut input =
        StartAsyncInvokeRequest::new("amazon.nova-reel-v1:0", json!({"taskType": "TEXT_VIDEO"}), s3_output());
    assert_eq!(input.client_request_token, None);
    StartAsyncInvoke::fill_idempotency_tokens(&mut input, &FixedToken("token-123".into()));
    assert_eq!(input.client_request_token.as_deref(), Some("token-123"));

    let request = StartAsyncInvoke::build_request(&input).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().path(), "/async-invoke");
    assert_eq!(
        body_json(&request),
        json!({
            "clientRequestToken": "token-123",
            "modelId": "amazon.nova-reel-v1:0",
            "modelInput": {"taskType": "TEXT_VIDEO"},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://bucket/out/"}},
        })
    );

    // A token the caller set is kept.
    StartAsyncInvoke::fill_idempotency_tokens(&mut input, &FixedToken("other".into()));
    assert_eq!(input.client_request_token.as_deref(), Some("token-123"));
}

// The operations' own JSON path (`ReadJson`) and the serde path fail alike on bad input.
// The serde path reads a whole value before `ReadJson` checks it, so its errors other than
// JSON syntax point at the end of that value; the messages are the same.

fn same_error<T>(input: &str)
where
    T: bedrock_wire::json::ReadJson + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let direct = bedrock_wire::json::read::<T>(input.as_bytes()).expect_err(input);
    let serde = bedrock_wire::json::from_slice::<T>(input.as_bytes()).expect_err(input);
    assert_eq!(direct.message(), serde.message(), "input: {input}");
    assert!(
        direct.position().is_some() && serde.position().is_some(),
        "input: {input}"
    );
}

#[test]
fn direct_reader_fails_like_the_serde_path() {
    // Structures: wrong kinds, missing and null required members, bad JSON, trailing text.
    for input in [
        r#"[]"#,
        r#""text""#,
        r#"{"role":"user"}"#,
        r#"{"role":"user","content":null}"#,
        r#"{"role":7,"content":[]}"#,
        r#"{"role":"user","content":{}}"#,
        r#"{"role":"user","content":[{"text":1}]}"#,
        r#"{"role":"user","content":[]"#,
        r#"{"role":"user","content":[]} x"#,
        r#"{"role":"user",,"content":[]}"#,
        r#"{"role":"user","content":[{"text":"a","image":null,"text":"b"}]}"#,
    ] {
        same_error::<Message>(input);
    }
    // Unions: none set, two set, wrong kinds.
    for input in [
        r#"{}"#,
        r#"{"text":"a","reasoningContent":{}}"#,
        r#"{"text":null}"#,
        r#"[1]"#,
    ] {
        same_error::<ContentBlock>(input);
    }
    // Numbers out of range, timestamps of the wrong kind.
    same_error::<AsyncInvokeSummary>(
        r#"{"invocationArn":"a","modelArn":"m","submitTime":"yesterday","outputDataConfig":{}}"#,
    );
    same_error::<ConverseResponse>(
        r#"{"output":{},"stopReason":"end_turn","usage":{"inputTokens":3000000000,"outputTokens":1,"totalTokens":1},"metrics":{"latencyMs":1}}"#,
    );
}

#[test]
fn direct_reader_reads_what_the_serde_path_reads() {
    // Escaped keys, unknown members of every kind, duplicate members (the last wins), `__type`.
    let input = r#"{"r\u006fle":"user","x":{"deep":[1,{"a":null}]},"content":[{"__type":"t","text":"a"}],"content":[{"text":"b"},{"future":{"k":1}}]}"#;
    let direct: Message = bedrock_wire::json::read(input.as_bytes()).unwrap();
    let serde: Message = bedrock_wire::json::from_slice(input.as_bytes()).unwrap();
    assert_eq!(direct, serde);
    assert_eq!(direct.content.len(), 2);
    assert!(matches!(&direct.content[1], ContentBlock::Unknown(u) if u.name() == "future"));
}
