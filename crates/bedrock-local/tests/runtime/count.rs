use bedrock_local::runtime::{converse, count_tokens, invoke_model, RuntimeError};
use bedrock_runtime_types::types::{
    ConverseRequest, ConverseTokensRequest, CountTokensInput, CountTokensRequest, InvokeModelRequest,
    InvokeModelTokensRequest, SystemContentBlock,
};
use serde_json::{json, Value};

use super::{assistant, registry, user};

const HAIKU: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";

#[test]
fn converse_input_counts_like_converse() {
    let messages = vec![
        user("What is the capital of France?"),
        assistant("Paris."),
        user("And Spain?"),
    ];
    let system = vec![SystemContentBlock::Text("Answer briefly.".into())];
    let request = CountTokensRequest::new(
        HAIKU,
        CountTokensInput::Converse(
            ConverseTokensRequest::new()
                .with_messages(messages.clone())
                .with_system(system.clone()),
        ),
    );
    let counted = count_tokens(&registry(), &request).unwrap();
    let conversed = converse(
        &registry(),
        &ConverseRequest::new(HAIKU).with_messages(messages).with_system(system),
        None,
    )
    .unwrap();
    assert_eq!(counted.input_tokens, conversed.usage.input_tokens);
    assert_eq!(
        serde_json::to_value(&counted).unwrap(),
        json!({"inputTokens": 3 + 7 + 2 + 3})
    );
}

#[test]
fn invoke_model_input_counts_like_invoke_model() {
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "How many tokens is this?"}],
    });
    let bytes = body.to_string().into_bytes();
    let request = CountTokensRequest::new(
        HAIKU,
        CountTokensInput::InvokeModel(InvokeModelTokensRequest::new(bytes.clone())),
    );
    let counted = count_tokens(&registry(), &request).unwrap();
    let invoked = invoke_model(&registry(), &InvokeModelRequest::new(HAIKU).with_body(bytes), None).unwrap();
    let invoked: Value = serde_json::from_slice(invoked.body.as_ref()).unwrap();
    assert_eq!(counted.input_tokens, 6);
    assert_eq!(invoked["usage"]["input_tokens"], 6);

    let titan = CountTokensRequest::new(
        "amazon.titan-embed-text-v2:0",
        CountTokensInput::InvokeModel(InvokeModelTokensRequest::new(br#"{"inputText":"a b c"}"#.to_vec())),
    );
    assert_eq!(count_tokens(&registry(), &titan).unwrap().input_tokens, 3);
}

#[test]
fn count_tokens_errors() {
    let unknown = CountTokensRequest::new("nope", CountTokensInput::Converse(ConverseTokensRequest::new()));
    assert_eq!(
        count_tokens(&registry(), &unknown).unwrap_err(),
        RuntimeError::invalid_model()
    );
    let malformed = CountTokensRequest::new(
        HAIKU,
        CountTokensInput::InvokeModel(InvokeModelTokensRequest::new(b"{}".to_vec())),
    );
    let error = count_tokens(&registry(), &malformed).unwrap_err();
    assert!(
        error
            .message()
            .contains("#: required key [anthropic_version] not found"),
        "{error}"
    );
}

#[test]
fn tools_count_name_description_and_schema() {
    use bedrock_runtime_types::types::{Tool, ToolConfiguration, ToolInputSchema, ToolSpecification};
    let tools = ToolConfiguration::new(vec![Tool::ToolSpec(
        ToolSpecification::new("get_weather", ToolInputSchema::Json(json!({"type": "object"})))
            .with_description("Weather"),
    )]);
    let request = CountTokensRequest::new(
        HAIKU,
        CountTokensInput::Converse(
            ConverseTokensRequest::new()
                .with_messages(vec![user("hi")])
                .with_tool_config(tools),
        ),
    );
    // "hi" 1; get_weather 3 (get, _, weather); "Weather" 1; {"type":"object"} 9
    assert_eq!(count_tokens(&registry(), &request).unwrap().input_tokens, 1 + 3 + 1 + 9);
}
