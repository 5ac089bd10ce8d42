use std::time::Duration;

use bedrock_local::runtime::{
    converse, converse_stream, GeneratorConfig, GuardrailEvaluator, GuardrailSource, GuardrailVerdict, RuntimeError,
    Timed,
};
use bedrock_runtime_types::error::ConverseError;
use bedrock_runtime_types::event_stream::ConverseStreamOutput;
use bedrock_runtime_types::types::{
    ContentBlock, ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseRequest, ConverseStreamRequest,
    DocumentBlock, DocumentSource, GuardrailConfiguration, GuardrailStreamConfiguration, GuardrailTraceAssessment,
    ImageBlock, ImageFormat, ImageSource, InferenceConfiguration, Message, ReasoningContentBlockDelta,
    SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use bedrock_runtime_types::Blob;
use serde_json::json;

use super::{assistant, registry, user};

const HAIKU: &str = "us.anthropic.claude-3-haiku-20240307-v1:0";

fn weather_tools() -> ToolConfiguration {
    ToolConfiguration::new(vec![Tool::ToolSpec(
        ToolSpecification::new("get_weather", ToolInputSchema::Json(json!({"type": "object"})))
            .with_description("Weather"),
    )])
}

#[test]
fn echo_answers_the_last_user_text() {
    let request = ConverseRequest::new(HAIKU)
        .with_system(vec![SystemContentBlock::Text("Be brief.".into())])
        .with_messages(vec![user("Hi"), assistant("Hello"), user("Say this, please!")]);
    let response = converse(&registry(), &request, None).unwrap();
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Say this, please!"}]}},
            "stopReason": "end_turn",
            // input: "Be brief." 3 + "Hi" 1 + "Hello" 1 + "Say this, please!" 5
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
            "metrics": {"latencyMs": 0}
        })
    );
}

#[test]
fn max_tokens_and_stop_sequences() {
    let request = ConverseRequest::new("echo")
        .with_messages(vec![user("one two three four")])
        .with_inference_config(InferenceConfiguration::new().with_max_tokens(2));
    let response = converse(&registry(), &request, None).unwrap();
    assert_eq!(response.stop_reason.as_str(), "max_tokens");
    assert_eq!(
        response.output,
        bedrock_runtime_types::types::ConverseOutput::Message(Message::new(
            ConversationRole::Assistant,
            vec![ContentBlock::Text("one two".into())]
        ))
    );
    assert_eq!((response.usage.output_tokens, response.usage.total_tokens), (2, 6));

    let request = ConverseRequest::new("echo")
        .with_messages(vec![user("one two STOP three")])
        .with_inference_config(InferenceConfiguration::new().with_stop_sequences(vec!["STOP".to_owned()]));
    let response = converse(&registry(), &request, None).unwrap();
    assert_eq!(response.stop_reason.as_str(), "stop_sequence");
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(value["output"]["message"]["content"], json!([{"text": "one two "}]));

    let zero = ConverseRequest::new("echo")
        .with_messages(vec![user("x")])
        .with_inference_config(InferenceConfiguration::new().with_max_tokens(0));
    let error = converse(&registry(), &zero, None).unwrap_err();
    assert!(error.message().contains("inferenceConfig.maxTokens"), "{error}");
}

#[test]
fn echo_tool_call() {
    let request = ConverseRequest::new("echo")
        .with_messages(vec![user(r#"call get_weather {"city": "Paris"}"#)])
        .with_tool_config(weather_tools());
    let response = converse(&registry(), &request, None).unwrap();
    assert_eq!(response.stop_reason.as_str(), "tool_use");
    let value = serde_json::to_value(&response).unwrap();
    let tool = &value["output"]["message"]["content"][0]["toolUse"];
    assert_eq!(tool["name"], "get_weather");
    assert_eq!(tool["input"], json!({"city": "Paris"}));
    assert!(tool["toolUseId"].as_str().unwrap().starts_with("tooluse_"));
    // input: text 9 tokens ("call get_weather {"city": "Paris"}" = call,get_weather->get,_,weather... )
    assert_eq!(
        value["usage"]["outputTokens"],
        json!(3 + 9),
        "get_weather = 3 tokens, {{\"city\":\"Paris\"}} = 9"
    );
}

#[test]
fn scripted_turns_with_reasoning_and_tools() {
    let first = converse(
        &registry(),
        &ConverseRequest::new("scripted/weather").with_messages(vec![user("Weather?")]),
        None,
    )
    .unwrap();
    let value = serde_json::to_value(&first).unwrap();
    assert_eq!(
        value["output"]["message"]["content"],
        json!([
            {"reasoningContent": {"reasoningText": {"text": "The user wants weather.", "signature": "sig-1"}}},
            {"text": "Let me check."},
            {"toolUse": {"toolUseId": "tooluse_weather1", "name": "get_weather", "input": {"city": "Paris"}}}
        ])
    );
    assert_eq!(value["stopReason"], "tool_use");
    assert_eq!(value["usage"]["outputTokens"], json!(5 + 4 + 12));
    // Latency: the first pause and one chunk pause per later delta.
    assert!(value["metrics"]["latencyMs"].as_i64().unwrap() > 100);

    let second = ConverseRequest::new("scripted/weather").with_messages(vec![
        user("Weather?"),
        assistant("Let me check."),
        user("ok"),
    ]);
    let value = serde_json::to_value(converse(&registry(), &second, None).unwrap()).unwrap();
    assert_eq!(
        value["usage"],
        json!({"inputTokens": 40, "outputTokens": 6, "totalTokens": 46})
    );
}

#[test]
fn images_and_documents_count_deterministically() {
    let image = ContentBlock::Image(ImageBlock::new(
        ImageFormat::Png,
        ImageSource::Bytes(Blob::new(vec![0u8; 600])),
    ));
    let document = ContentBlock::Document(DocumentBlock::new(
        "notes",
        DocumentSource::Bytes(Blob::new(b"alpha beta".to_vec())),
    ));
    let request = ConverseRequest::new("echo").with_messages(vec![Message::new(
        ConversationRole::User,
        vec![image, document, ContentBlock::Text("Describe".into())],
    )]);
    let response = converse(&registry(), &request, None).unwrap();
    // image 8 + ceil(600/256)=3, document name 1 + text 2, text 1
    assert_eq!(response.usage.input_tokens, 11 + 3 + 1);
}

#[test]
fn errors_match_the_service() {
    let unknown = converse(
        &registry(),
        &ConverseRequest::new("openai.gpt-5").with_messages(vec![user("x")]),
        None,
    );
    let error = unknown.unwrap_err();
    assert_eq!(
        error,
        RuntimeError::Validation("The provided model identifier is invalid.".into())
    );
    let ConverseError::ValidationException(exception) = ConverseError::from(error) else {
        panic!()
    };
    assert_eq!(
        exception.message.as_deref(),
        Some("The provided model identifier is invalid.")
    );

    let embed = converse(
        &registry(),
        &ConverseRequest::new("amazon.titan-embed-text-v2:0").with_messages(vec![user("x")]),
        None,
    );
    assert!(embed
        .unwrap_err()
        .message()
        .starts_with("This action doesn't support the model"));

    let assistant_first = ConverseRequest::new("echo").with_messages(vec![assistant("x")]);
    let error = converse(&registry(), &assistant_first, None).unwrap_err();
    assert!(error
        .message()
        .starts_with("A conversation must start with a user message."));
    assert!(converse(&registry(), &ConverseRequest::new("echo"), None).is_err());

    let twice = ConverseRequest::new("echo").with_messages(vec![user("a"), user("b")]);
    let error = converse(&registry(), &twice, None).unwrap_err();
    assert!(error
        .message()
        .starts_with("A conversation must alternate between user and assistant roles."));
    let blank = ConverseRequest::new("echo").with_messages(vec![user("a"), assistant("b"), user("  ")]);
    assert_eq!(
        converse(&registry(), &blank, None).unwrap_err().message(),
        "The text field in the ContentBlock object at messages.2.content.0 is blank. Add text to the text field, and try again."
    );
}

fn event_names(events: &[Timed<ConverseStreamOutput>]) -> Vec<String> {
    events
        .iter()
        .map(|timed| match &timed.event {
            ConverseStreamOutput::MessageStart(_) => "messageStart".to_owned(),
            ConverseStreamOutput::ContentBlockStart(start) => {
                format!("contentBlockStart[{}]", start.content_block_index)
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                format!("contentBlockDelta[{}]", delta.content_block_index)
            }
            ConverseStreamOutput::ContentBlockStop(stop) => format!("contentBlockStop[{}]", stop.content_block_index),
            ConverseStreamOutput::MessageStop(stop) => format!("messageStop:{}", stop.stop_reason.as_str()),
            ConverseStreamOutput::Metadata(_) => "metadata".to_owned(),
            _ => "unknown".to_owned(),
        })
        .collect()
}

#[test]
fn text_stream_has_no_content_block_start() {
    let request = ConverseStreamRequest::new(HAIKU).with_messages(vec![user("one two three four five six")]);
    let events = converse_stream(&registry(), &request, None).unwrap();
    assert_eq!(
        event_names(&events),
        [
            "messageStart",
            "contentBlockDelta[0]",
            "contentBlockDelta[0]",
            "contentBlockStop[0]",
            "messageStop:end_turn",
            "metadata"
        ]
    );
    let text: String = events
        .iter()
        .filter_map(|timed| match &timed.event {
            ConverseStreamOutput::ContentBlockDelta(delta) => match &delta.delta {
                ContentBlockDelta::Text(text) => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(text, "one two three four five six");
    assert_eq!(
        serde_json::to_value(&events[0].event).unwrap(),
        json!({"messageStart": {"role": "assistant"}})
    );
    assert_eq!(
        serde_json::to_value(&events[5].event).unwrap(),
        json!({"metadata": {"usage": {"inputTokens": 6, "outputTokens": 6, "totalTokens": 12}, "metrics": {"latencyMs": 0}}})
    );
    assert!(events.iter().all(|timed| timed.delay == Duration::ZERO));
}

#[test]
fn scripted_stream_order_and_pauses() {
    let request = ConverseStreamRequest::new("scripted/weather").with_messages(vec![user("Weather?")]);
    let events = converse_stream(&registry(), &request, None).unwrap();
    assert_eq!(
        event_names(&events),
        [
            "messageStart",
            // reasoning: "The user" " wants weather" "." then the signature
            "contentBlockDelta[0]",
            "contentBlockDelta[0]",
            "contentBlockDelta[0]",
            "contentBlockDelta[0]",
            "contentBlockStop[0]",
            // text: "Let me" " check."
            "contentBlockDelta[1]",
            "contentBlockDelta[1]",
            "contentBlockStop[1]",
            // tool use: start, then {"city":"Paris"} (16 characters) in one fragment
            "contentBlockStart[2]",
            "contentBlockDelta[2]",
            "contentBlockStop[2]",
            "messageStop:tool_use",
            "metadata"
        ]
    );
    let ConverseStreamOutput::ContentBlockDelta(signature) = &events[4].event else {
        panic!()
    };
    assert_eq!(
        signature.delta,
        ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Signature("sig-1".into()))
    );
    let ConverseStreamOutput::ContentBlockStart(start) = &events[9].event else {
        panic!()
    };
    let ContentBlockStart::ToolUse(tool) = &start.start else {
        panic!()
    };
    assert_eq!(
        (tool.tool_use_id.as_str(), tool.name.as_str()),
        ("tooluse_weather1", "get_weather")
    );
    assert_eq!(
        serde_json::to_value(&events[10].event).unwrap(),
        json!({"contentBlockDelta": {"delta": {"toolUse": {"input": "{\"city\":\"Paris\"}"}}, "contentBlockIndex": 2}})
    );
    let delays: Vec<u64> = events.iter().map(|timed| timed.delay.as_millis() as u64).collect();
    assert_eq!(delays, [0, 100, 10, 10, 10, 0, 10, 10, 0, 0, 10, 0, 0, 0]);
    let ConverseStreamOutput::Metadata(metadata) = &events[13].event else {
        panic!()
    };
    assert_eq!(metadata.metrics.latency_ms, 160);
}

struct BlockWord(&'static str);

impl GuardrailEvaluator for BlockWord {
    fn evaluate(
        &self,
        _config: &GuardrailConfiguration,
        source: GuardrailSource,
        texts: &[String],
    ) -> GuardrailVerdict {
        if texts.iter().any(|text| text.contains(self.0)) {
            GuardrailVerdict::Intervene {
                message: format!("Blocked {source:?}."),
                trace: Some(GuardrailTraceAssessment::new().with_action_reason("word")),
            }
        } else {
            GuardrailVerdict::Allow
        }
    }
}

#[test]
fn guardrails_plug_in() {
    let config = GuardrailConfiguration::new()
        .with_guardrail_identifier("gr1")
        .with_guardrail_version("1");
    let request = ConverseRequest::new("echo")
        .with_messages(vec![user("secret plan")])
        .with_guardrail_config(config.clone());
    // No evaluator: the configuration is accepted and ignored.
    assert_eq!(
        converse(&registry(), &request, None).unwrap().stop_reason.as_str(),
        "end_turn"
    );
    let blocked = converse(&registry(), &request, Some(&BlockWord("secret"))).unwrap();
    let value = serde_json::to_value(&blocked).unwrap();
    assert_eq!(value["stopReason"], "guardrail_intervened");
    assert_eq!(
        value["output"]["message"]["content"],
        json!([{"text": "Blocked Input."}])
    );
    assert_eq!(value["trace"]["guardrail"]["actionReason"], "word");
    assert_eq!(value["usage"]["inputTokens"], 2);

    // Only the answer trips it: scripted output.
    let request = ConverseRequest::new("scripted/weather")
        .with_messages(vec![user("Weather?"), assistant("x"), user("ok")])
        .with_guardrail_config(config);
    let value = serde_json::to_value(converse(&registry(), &request, Some(&BlockWord("sunny"))).unwrap()).unwrap();
    assert_eq!(
        value["output"]["message"]["content"],
        json!([{"text": "Blocked Output."}])
    );

    let stream = ConverseStreamRequest::new("echo")
        .with_messages(vec![user("secret")])
        .with_guardrail_config(GuardrailStreamConfiguration::new().with_guardrail_identifier("gr1"));
    let events = converse_stream(&registry(), &stream, Some(&BlockWord("secret"))).unwrap();
    assert_eq!(event_names(&events)[3], "messageStop:guardrail_intervened");
}

#[test]
fn generator_stream_paces_its_chunks() {
    let mut registry = registry();
    registry.set_generator(GeneratorConfig {
        output_tokens: 100,
        chunk_tokens: 10,
        first_chunk_delay: Duration::from_millis(50),
        chunk_delay: Duration::from_millis(5),
    });
    let request = ConverseStreamRequest::new("generator").with_messages(vec![user("go")]);
    let events = converse_stream(&registry, &request, None).unwrap();
    let deltas: Vec<&Timed<ConverseStreamOutput>> = events
        .iter()
        .filter(|timed| matches!(timed.event, ConverseStreamOutput::ContentBlockDelta(_)))
        .collect();
    assert_eq!(deltas.len(), 10);
    assert_eq!(deltas[0].delay, Duration::from_millis(50));
    assert!(deltas[1..].iter().all(|timed| timed.delay == Duration::from_millis(5)));
    let ConverseStreamOutput::Metadata(metadata) = &events.last().unwrap().event else {
        panic!("metadata comes last")
    };
    assert_eq!((metadata.usage.output_tokens, metadata.metrics.latency_ms), (100, 95));

    // The streamed text is the text Converse answers.
    let plain = converse(
        &registry,
        &ConverseRequest::new("generator").with_messages(vec![user("go")]),
        None,
    )
    .unwrap();
    let streamed: String = deltas
        .iter()
        .map(|timed| match &timed.event {
            ConverseStreamOutput::ContentBlockDelta(delta) => match &delta.delta {
                ContentBlockDelta::Text(text) => text.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        })
        .collect();
    let value = serde_json::to_value(&plain).unwrap();
    assert_eq!(value["output"]["message"]["content"][0]["text"], streamed);

    // maxTokens cuts the stream too.
    let short = ConverseStreamRequest::new("generator")
        .with_messages(vec![user("go")])
        .with_inference_config(InferenceConfiguration::new().with_max_tokens(15));
    let events = converse_stream(&registry, &short, None).unwrap();
    assert_eq!(
        serde_json::to_value(&events[events.len() - 2].event).unwrap(),
        json!({"messageStop": {"stopReason": "max_tokens"}})
    );
}
