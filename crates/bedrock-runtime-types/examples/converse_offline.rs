//! The SDK's main job without a network or credentials: build a Converse
//! request exactly as it goes on the wire, then read a response and a stream
//! of events the way the client will.
//!
//! Run: `cargo run -p bedrock-runtime-types --example converse_offline`

use bedrock_runtime_types::event_stream::ConverseStreamOutput;
use bedrock_runtime_types::operation::Converse;
use bedrock_runtime_types::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseOutput, ConverseRequest, InferenceConfiguration,
    Message, SystemContentBlock,
};
use bedrock_runtime_types::{Operation, Validate};
use bedrock_wire::event_stream::{Header, HeaderValue, Message as EventMessage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let request = ConverseRequest::new("anthropic.claude-3-5-haiku-20241022-v1:0")
        .with_system(vec![SystemContentBlock::Text("Answer in one sentence.".into())])
        .with_messages(vec![Message::new(
            ConversationRole::User,
            vec![ContentBlock::Text("What is Amazon Bedrock?".into())],
        )])
        .with_inference_config(InferenceConfiguration::new().with_max_tokens(256).with_temperature(0.2));
    request.validate()?;

    let http_request = Converse::build_request(&request)?;
    println!("{} {}", http_request.method(), http_request.uri());
    for (name, value) in http_request.headers() {
        println!("{name}: {}", value.to_str()?);
    }
    println!("\n{}\n", std::str::from_utf8(http_request.body())?);

    // A response as the service sends it.
    let body = r#"{"output":{"message":{"role":"assistant","content":[{"text":"Amazon Bedrock is a managed service for foundation models."}]}},
        "stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":11,"totalTokens":23},"metrics":{"latencyMs":310}}"#;
    let response = http::Response::builder()
        .status(200)
        .header("x-amzn-requestid", "4b1f0d2e-example")
        .body(bytes::Bytes::from(body))?;
    let output = Converse::parse_response(&response)?;
    if let ConverseOutput::Message(message) = &output.output {
        for block in &message.content {
            if let ContentBlock::Text(text) = block {
                println!("assistant: {text}");
            }
        }
    }
    println!(
        "stop reason: {}, tokens: {}",
        output.stop_reason, output.usage.total_tokens
    );

    // A ConverseStream event, after the transport has decoded its framing.
    let event = EventMessage::new(&br#"{"contentBlockIndex":0,"delta":{"text":"Hello"}}"#[..])
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String("contentBlockDelta".into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    if let ConverseStreamOutput::ContentBlockDelta(delta) = ConverseStreamOutput::from_message(&event)? {
        if let ContentBlockDelta::Text(text) = &delta.delta {
            println!("stream delta: {text}");
        }
    }
    Ok(())
}
