use std::time::Duration;

use bedrock_local::runtime::{
    invoke_model, invoke_model_stream, Family, GeneratorConfig, GuardrailEvaluator, GuardrailSource, GuardrailVerdict,
    RuntimeError,
};
use bedrock_runtime_types::event_stream::ResponseStream;
use bedrock_runtime_types::types::{GuardrailConfiguration, InvokeModelRequest, InvokeModelWithResponseStreamRequest};
use serde_json::{json, Value};

use super::registry;

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn invoke(model: &str, body: Value) -> Result<Value, RuntimeError> {
    let request = InvokeModelRequest::new(model).with_body(body.to_string().into_bytes());
    let response = invoke_model(&registry(), &request, None)?;
    assert_eq!(response.content_type, "application/json");
    Ok(serde_json::from_slice(response.body.as_ref()).unwrap())
}

fn stream(model: &str, body: Value) -> Result<Vec<(Duration, Value)>, RuntimeError> {
    let request = InvokeModelWithResponseStreamRequest::new(model).with_body(body.to_string().into_bytes());
    Ok(invoke_model_stream(&registry(), &request, None)?
        .into_iter()
        .map(|timed| {
            let ResponseStream::Chunk(part) = timed.event else {
                panic!("not a chunk")
            };
            (
                timed.delay,
                serde_json::from_slice(part.bytes.unwrap().as_ref()).unwrap(),
            )
        })
        .collect())
}

fn malformed(model: &str, body: Value) -> String {
    match invoke(model, body) {
        Err(RuntimeError::Validation(message)) => message,
        other => panic!("expected a ValidationException, got {other:?}"),
    }
}

#[test]
fn anthropic_messages_response() {
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]}],
    });
    let response = invoke(&format!("us.{HAIKU}"), body.clone()).unwrap();
    let id = response["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("msg_bdrk_01") && id.len() == 33, "{id}");
    assert_eq!(
        response,
        json!({
            "id": id,
            "type": "message",
            "role": "assistant",
            "model": "claude-3-haiku-20240307",
            "content": [{"type": "text", "text": "Hello there"}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": 5, "output_tokens": 2}
        })
    );
    assert_eq!(invoke(HAIKU, body).unwrap()["id"], id, "ids are deterministic");
}

#[test]
fn anthropic_stop_sequence_and_tools() {
    let response = invoke(
        HAIKU,
        json!({
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 100,
            "stop_sequences": ["three"],
            "messages": [{"role": "user", "content": "one two three"}],
        }),
    )
    .unwrap();
    assert_eq!(
        (&response["stop_reason"], &response["stop_sequence"]),
        (&json!("stop_sequence"), &json!("three"))
    );
    assert_eq!(response["content"], json!([{"type": "text", "text": "one two "}]));

    let response = invoke(
        HAIKU,
        json!({
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 100,
            "tools": [{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}],
            "messages": [{"role": "user", "content": "call get_weather {\"city\":\"Oslo\"}"}],
        }),
    )
    .unwrap();
    assert_eq!(response["stop_reason"], "tool_use");
    let tool = &response["content"][0];
    assert_eq!(
        (&tool["type"], &tool["name"], &tool["input"]),
        (&json!("tool_use"), &json!("get_weather"), &json!({"city": "Oslo"}))
    );
    assert!(tool["id"].as_str().unwrap().starts_with("toolu_bdrk_01"));
}

#[test]
fn anthropic_malformed_bodies() {
    assert_eq!(
        malformed(HAIKU, json!({"anthropic_version": "bedrock-2023-05-31", "messages": [], "stream": true})),
        "Malformed input request: #: required key [max_tokens] not found, #: extraneous key [stream] is not permitted, please reformat your input and try again."
    );
    assert_eq!(
        malformed(
            HAIKU,
            json!({"anthropic_version": "x", "max_tokens": 0, "messages": [{"role": "bot", "content": "x", "type": "t"}]})
        ),
        "Malformed input request: #/max_tokens: expected minimum: 1, found: 0, #/messages/0: extraneous key [type] is not permitted, #/messages/0/role: bot is not a valid enum value, please reformat your input and try again."
    );
    let request = InvokeModelRequest::new(HAIKU).with_body(b"not json".to_vec());
    let error = invoke_model(&registry(), &request, None).unwrap_err();
    assert!(
        error
            .message()
            .starts_with("Malformed input request: #: the body is not JSON"),
        "{error}"
    );
    assert!(malformed(HAIKU, json!([1])).contains("#: expected type: JSONObject, found: JSONArray"));
    assert_eq!(
        invoke("anthropic.unknown", json!({})).unwrap_err(),
        RuntimeError::Validation("The provided model identifier is invalid.".into())
    );
}

#[test]
fn anthropic_stream_events() {
    let chunks = stream(
        "scripted/weather",
        json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{"role": "user", "content": "Weather?"}]}),
    )
    .unwrap();
    let kinds: Vec<String> = chunks
        .iter()
        .map(|(_, chunk)| {
            let kind = chunk["type"].as_str().unwrap().to_owned();
            match chunk["delta"]["type"].as_str() {
                Some(delta) if kind == "content_block_delta" => format!("{kind}:{delta}"),
                _ => kind,
            }
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "message_start",
            "content_block_start",
            "content_block_delta:thinking_delta",
            "content_block_delta:thinking_delta",
            "content_block_delta:thinking_delta",
            "content_block_delta:signature_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta:text_delta",
            "content_block_delta:text_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta:input_json_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let message = &chunks[0].1["message"];
    assert_eq!(
        (&message["content"], &message["usage"]["input_tokens"]),
        (&json!([]), &json!(2))
    );
    assert_eq!(
        chunks[7].1,
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}})
    );
    assert_eq!(
        chunks[11].1,
        json!({"type": "content_block_start", "index": 2,
               "content_block": {"type": "tool_use", "id": "toolu_bdrk_01weather1", "name": "get_weather", "input": {}}})
    );
    assert_eq!(
        chunks[12].1,
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"city\":\"Paris\"}"}})
    );
    assert_eq!(
        chunks[14].1,
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 21}})
    );
    assert_eq!(
        chunks[15].1,
        json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": 2, "outputTokenCount": 21, "invocationLatency": 160, "firstByteLatency": 100}})
    );
    assert_eq!(chunks[2].0, Duration::from_millis(100));
}

#[test]
fn nova_response_and_stream() {
    let body = json!({
        "schemaVersion": "messages-v1",
        "system": [{"text": "Be brief."}],
        "messages": [{"role": "user", "content": [{"text": "Hello Nova friend"}]}],
        "inferenceConfig": {"max_new_tokens": 2, "temperature": 0.5},
    });
    assert_eq!(
        invoke("us.amazon.nova-lite-v1:0", body.clone()).unwrap(),
        json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello Nova"}]}},
            "stopReason": "max_tokens",
            "usage": {"inputTokens": 6, "outputTokens": 2, "totalTokens": 8, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0}
        })
    );
    let chunks: Vec<Value> = stream("amazon.nova-lite-v1:0", body)
        .unwrap()
        .into_iter()
        .map(|(_, chunk)| chunk)
        .collect();
    assert_eq!(
        chunks,
        [
            json!({"messageStart": {"role": "assistant"}}),
            json!({"contentBlockDelta": {"delta": {"text": "Hello Nova"}, "contentBlockIndex": 0}}),
            json!({"contentBlockStop": {"contentBlockIndex": 0}}),
            json!({"messageStop": {"stopReason": "max_tokens"}}),
            json!({"metadata": {"usage": {"inputTokens": 6, "outputTokens": 2}, "metrics": {}, "trace": {}},
                   "amazon-bedrock-invocationMetrics": {"inputTokenCount": 6, "outputTokenCount": 2, "invocationLatency": 0, "firstByteLatency": 0}}),
        ]
    );
    let error = malformed("amazon.nova-pro-v1:0", json!({"messages": [{"role": "user"}]}));
    assert!(error.starts_with("Malformed input request: #/messages: "), "{error}");
    assert!(malformed("amazon.nova-pro-v1:0", json!({})).contains("#: required key [messages] not found"));
}

#[test]
fn titan_text_response_and_stream() {
    let body =
        json!({"inputText": "Tell me a story", "textGenerationConfig": {"maxTokenCount": 3, "temperature": 0.1}});
    assert_eq!(
        invoke("amazon.titan-text-express-v1", body.clone()).unwrap(),
        json!({"inputTextTokenCount": 4, "results": [{"tokenCount": 3, "outputText": "Tell me a", "completionReason": "LENGTH"}]})
    );
    let chunks: Vec<Value> = stream("amazon.titan-text-express-v1", body)
        .unwrap()
        .into_iter()
        .map(|(_, chunk)| chunk)
        .collect();
    assert_eq!(
        chunks,
        [
            json!({"outputText": "Tell me a", "index": 0, "totalOutputTextTokenCount": 3, "completionReason": "LENGTH",
                "inputTextTokenCount": 4,
                "amazon-bedrock-invocationMetrics": {"inputTokenCount": 4, "outputTokenCount": 3, "invocationLatency": 0, "firstByteLatency": 0}})
        ]
    );
    assert_eq!(
        malformed("amazon.titan-text-lite-v1", json!({"prompt": "x"})),
        "Malformed input request: #: required key [inputText] not found, #: extraneous key [prompt] is not permitted, please reformat your input and try again."
    );
    let done = invoke("amazon.titan-text-lite-v1", json!({"inputText": "Hi"})).unwrap();
    assert_eq!(done["results"][0]["completionReason"], "FINISH");
}

#[test]
fn llama_response_and_stream() {
    let mut registry = registry();
    registry.route(
        "meta.llama",
        Family::Generator(GeneratorConfig {
            output_tokens: 10,
            chunk_tokens: 4,
            ..GeneratorConfig::default()
        }),
    );
    let request = InvokeModelRequest::new("us.meta.llama3-1-8b-instruct-v1:0").with_body(
        json!({"prompt": "Write words", "max_gen_len": 512})
            .to_string()
            .into_bytes(),
    );
    let body: Value = serde_json::from_slice(invoke_model(&registry, &request, None).unwrap().body.as_ref()).unwrap();
    assert_eq!(body["prompt_token_count"], 2);
    assert_eq!(body["generation_token_count"], 10);
    assert_eq!(body["stop_reason"], "stop");
    assert_eq!(body["generation"].as_str().unwrap().split(' ').count(), 10);

    let chunks: Vec<Value> = stream(
        "meta.llama3-8b-instruct-v1:0",
        json!({"prompt": "a b c d e", "max_gen_len": 3}),
    )
    .unwrap()
    .into_iter()
    .map(|(_, chunk)| chunk)
    .collect();
    assert_eq!(
        chunks,
        [
            json!({"generation": "a b c", "prompt_token_count": 5, "generation_token_count": 3, "stop_reason": "length",
                "amazon-bedrock-invocationMetrics": {"inputTokenCount": 5, "outputTokenCount": 3, "invocationLatency": 0, "firstByteLatency": 0}})
        ]
    );
    assert!(malformed("meta.llama3-8b-instruct-v1:0", json!({"prompt": 5}))
        .contains("#/prompt: expected type: String, found: Integer"));
}

#[test]
fn embeddings_are_deterministic_unit_vectors() {
    let first = invoke(
        "amazon.titan-embed-text-v2:0",
        json!({"inputText": "hello world", "dimensions": 256}),
    )
    .unwrap();
    assert_eq!(first["inputTextTokenCount"], 2);
    let vector: Vec<f64> = serde_json::from_value(first["embedding"].clone()).unwrap();
    assert_eq!(vector.len(), 256);
    let norm: f64 = vector.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "{norm}");
    assert_eq!(
        invoke(
            "amazon.titan-embed-text-v2:0",
            json!({"inputText": "hello world", "dimensions": 256})
        )
        .unwrap(),
        first
    );
    let other = invoke(
        "amazon.titan-embed-text-v2:0",
        json!({"inputText": "hello there", "dimensions": 256}),
    )
    .unwrap();
    assert_ne!(other["embedding"], first["embedding"]);
    let v1 = invoke("amazon.titan-embed-text-v1", json!({"inputText": "x"})).unwrap();
    assert_eq!(v1["embedding"].as_array().unwrap().len(), 1536);
    assert!(malformed(
        "amazon.titan-embed-text-v2:0",
        json!({"inputText": "x", "dimensions": 100})
    )
    .contains("#/dimensions: 100 is not a valid enum value"));

    let cohere = invoke(
        "cohere.embed-english-v3",
        json!({"texts": ["a", "b"], "input_type": "search_document"}),
    )
    .unwrap();
    assert_eq!(cohere["response_type"], "embeddings_floats");
    assert_eq!(cohere["texts"], json!(["a", "b"]));
    assert_eq!(cohere["embeddings"].as_array().unwrap().len(), 2);
    assert_eq!(cohere["embeddings"][0].as_array().unwrap().len(), 1024);
    let by_type = invoke(
        "cohere.embed-english-v3",
        json!({"texts": ["a"], "input_type": "search_query", "embedding_types": ["float"]}),
    )
    .unwrap();
    assert_eq!(by_type["response_type"], "embeddings_by_type");
    assert_eq!(by_type["embeddings"]["float"], json!([cohere["embeddings"][0]]));
    assert_eq!(
        malformed("cohere.embed-english-v3", json!({"texts": ["a"]})),
        "Malformed input request: #: required key [input_type] not found, please reformat your input and try again."
    );
    let error = stream("amazon.titan-embed-text-v2:0", json!({"inputText": "x"})).unwrap_err();
    assert_eq!(error.message(), "The model is unsupported for streaming.");
}

#[test]
fn local_ids_recognise_the_body() {
    let anthropic = invoke(
        "echo",
        json!({"anthropic_version": "v", "max_tokens": 5, "messages": [{"role": "user", "content": "hey"}]}),
    );
    assert_eq!(anthropic.unwrap()["content"][0]["text"], "hey");
    assert_eq!(
        invoke("echo", json!({"inputText": "hey"})).unwrap()["results"][0]["outputText"],
        "hey"
    );
    assert_eq!(invoke("echo", json!({"prompt": "hey"})).unwrap()["generation"], "hey");
    assert_eq!(
        invoke(
            "echo",
            json!({"messages": [{"role": "user", "content": [{"text": "hey"}]}]})
        )
        .unwrap()["output"]["message"]["content"],
        json!([{"text": "hey"}])
    );
    assert!(malformed("echo", json!({"foo": 1})).contains("#: required key [messages] not found"));
    let generated = invoke("generator/7", json!({"prompt": "x"})).unwrap();
    assert_eq!(generated["generation_token_count"], 7);
}

struct BlockAll;

impl GuardrailEvaluator for BlockAll {
    fn evaluate(
        &self,
        config: &GuardrailConfiguration,
        source: GuardrailSource,
        _texts: &[String],
    ) -> GuardrailVerdict {
        assert_eq!(config.guardrail_identifier.as_deref(), Some("gr1"));
        assert_eq!(config.guardrail_version.as_deref(), Some("2"));
        assert_eq!(source, GuardrailSource::Input);
        GuardrailVerdict::Intervene {
            message: "Sorry, I cannot help.".into(),
            trace: None,
        }
    }
}

#[test]
fn guardrails_on_native_bodies() {
    let body = json!({"inputText": "tell me secrets"}).to_string().into_bytes();
    let request = InvokeModelRequest::new("amazon.titan-text-express-v1")
        .with_body(body.clone())
        .with_guardrail_identifier("gr1")
        .with_guardrail_version("2");
    let passed: Value =
        serde_json::from_slice(invoke_model(&registry(), &request, None).unwrap().body.as_ref()).unwrap();
    assert_eq!(passed["amazon-bedrock-guardrailAction"], "NONE");
    assert_eq!(passed["results"][0]["outputText"], "tell me secrets");
    let blocked: Value = serde_json::from_slice(
        invoke_model(&registry(), &request, Some(&BlockAll))
            .unwrap()
            .body
            .as_ref(),
    )
    .unwrap();
    assert_eq!(
        blocked,
        json!({"amazon-bedrock-guardrailAction": "INTERVENED", "inputTextTokenCount": 3,
               "results": [{"tokenCount": 6, "outputText": "Sorry, I cannot help.", "completionReason": "CONTENT_FILTERED"}]})
    );
    // Without the header the evaluator is not asked, and no action is reported.
    let plain = InvokeModelRequest::new("amazon.titan-text-express-v1").with_body(body.clone());
    let plain: Value = serde_json::from_slice(
        invoke_model(&registry(), &plain, Some(&BlockAll))
            .unwrap()
            .body
            .as_ref(),
    )
    .unwrap();
    assert_eq!(plain.get("amazon-bedrock-guardrailAction"), None);

    let stream_request = InvokeModelWithResponseStreamRequest::new("amazon.titan-text-express-v1")
        .with_body(body)
        .with_guardrail_identifier("gr1")
        .with_guardrail_version("2");
    let chunks = invoke_model_stream(&registry(), &stream_request, Some(&BlockAll)).unwrap();
    let ResponseStream::Chunk(last) = &chunks.last().unwrap().event else {
        panic!()
    };
    let last: Value = serde_json::from_slice(last.bytes.as_ref().unwrap().as_ref()).unwrap();
    assert_eq!(last["amazon-bedrock-guardrailAction"], "INTERVENED");
    assert_eq!(last["completionReason"], "CONTENT_FILTERED");
}
