//! The official AWS SDK for Rust (`aws-sdk-bedrockruntime`) against bedrock-local, in process:
//! Converse and ConverseStream with static test credentials, the emulator as the endpoint.
//!
//! The emulator is started with Permissive auth (any well-formed SigV4 header passes), so the
//! SDK's real signing, endpoint override, request serialization, response parsing and
//! event-stream decoding all run against bedrock-local's wire format.

use aws_config::BehaviorVersion;
use aws_sdk_bedrockruntime::config::{Credentials, Region};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseOutput, ConverseStreamOutput, Message, StopReason,
};
use bedrock_local::{AuthMode, Config, Handle};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

async fn server() -> Handle {
    // The emulator's default service: every runtime and control-plane operation.
    let config = Config::new().auth(AuthMode::Permissive);
    bedrock_local::start(config)
        .await
        .expect("bedrock-local starts on 127.0.0.1:0")
}

async fn client(handle: &Handle) -> aws_sdk_bedrockruntime::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "bedrock-local-test",
        ))
        .endpoint_url(handle.base_url())
        .load()
        .await;
    aws_sdk_bedrockruntime::Client::new(&config)
}

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .expect("role and content are set")
}

#[tokio::test]
async fn converse_answers_with_the_echo() {
    let handle = server().await;
    let client = client(&handle).await;

    let output = client
        .converse()
        .model_id(MODEL)
        .messages(user("Hello from the official SDK"))
        .send()
        .await
        .expect("Converse succeeds");

    let Some(ConverseOutput::Message(message)) = output.output() else {
        panic!("no message in {output:?}");
    };
    assert_eq!(message.role(), &ConversationRole::Assistant);
    let texts: Vec<&str> = message
        .content()
        .iter()
        .filter_map(|block| block.as_text().ok().map(String::as_str))
        .collect();
    assert_eq!(texts, ["Hello from the official SDK"]);
    assert_eq!(output.stop_reason(), &StopReason::EndTurn);
    let usage = output.usage().expect("usage");
    assert!(usage.input_tokens() > 0 && usage.output_tokens() > 0, "{usage:?}");

    let log = handle.log();
    assert_eq!(log.len(), 1);
    assert!(log[0].path.ends_with("/converse"), "{}", log[0].path);
    handle.shutdown().await;
}

#[tokio::test]
async fn converse_stream_sends_the_events_in_order() {
    let handle = server().await;
    let client = client(&handle).await;

    let mut output = client
        .converse_stream()
        .model_id(MODEL)
        .messages(user("one two three four five six seven eight nine"))
        .send()
        .await
        .expect("ConverseStream succeeds");

    let mut kinds = Vec::new();
    let mut text = String::new();
    while let Some(event) = output.stream.recv().await.expect("a well-formed event stream") {
        kinds.push(match &event {
            ConverseStreamOutput::MessageStart(start) => {
                assert_eq!(start.role(), &ConversationRole::Assistant);
                "messageStart"
            }
            ConverseStreamOutput::ContentBlockStart(_) => "contentBlockStart",
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                if let Some(ContentBlockDelta::Text(chunk)) = delta.delta() {
                    text.push_str(chunk);
                }
                "contentBlockDelta"
            }
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(stop) => {
                assert_eq!(stop.stop_reason(), &StopReason::EndTurn);
                "messageStop"
            }
            ConverseStreamOutput::Metadata(metadata) => {
                assert!(metadata.usage().is_some_and(|u| u.output_tokens() == 9), "{metadata:?}");
                "metadata"
            }
            other => panic!("unexpected event {other:?}"),
        });
    }

    assert_eq!(text, "one two three four five six seven eight nine");
    // 9 tokens at 4 per chunk: three deltas.
    assert_eq!(
        kinds,
        [
            "messageStart",
            "contentBlockDelta",
            "contentBlockDelta",
            "contentBlockDelta",
            "contentBlockStop",
            "messageStop",
            "metadata",
        ]
    );
    handle.shutdown().await;
}
