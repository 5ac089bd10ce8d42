//! The official AWS SDK for Rust (`aws-sdk-bedrockruntime`) against bedrock-local, in process:
//! Converse and ConverseStream with static test credentials, the emulator as the endpoint.
//!
//! The emulator is started with Permissive auth (any well-formed SigV4 header passes), so the
//! SDK's real signing, endpoint override, request serialization, response parsing and
//! event-stream decoding all run against bedrock-local's wire format.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_sdk_bedrockruntime::config::{Credentials, Region};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseOutput, ConverseStreamOutput, Message, StopReason,
};
use bedrock_local::runtime::{converse, converse_stream, ModelRegistry};
use bedrock_local::{AuthMode, Config, Handle, Request, Response, Router, ServiceError};
use bedrock_runtime_types::operation::{Converse, ConverseStream};
use bedrock_runtime_types::server::route;
use bedrock_wire::server::{Labels, ServerOperation};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// The request as `http::Request<Bytes>` and its URI labels, or the response to send instead.
async fn read(request: Request) -> Result<(http::Request<bytes::Bytes>, Labels, String), Response> {
    let request_id = request.request_id().to_owned();
    let http = request
        .into_http()
        .await
        .map_err(|_| Response::from(ServiceError::validation("unreadable body")))?;
    let target = http.uri().path_and_query().map_or("/", |p| p.as_str());
    let (_, labels) = route(http.method(), target).ok_or_else(|| Response::from(ServiceError::unknown_operation()))?;
    Ok((http, labels, request_id))
}

/// Converse and ConverseStream served by the emulator's deterministic models (echo family).
///
/// The test builds the two routes it needs from `bedrock_local::runtime` and the generated
/// server side, so that it depends on nothing else in bedrock-local; once the emulator's default
/// service serves the runtime operations, `server()` can start that instead.
fn router() -> Router {
    let registry = Arc::new(ModelRegistry::new());
    let stream_registry = registry.clone();
    Router::new()
        .operation("Converse", move |request: Request| {
            let registry = registry.clone();
            async move {
                let (http, labels, request_id) = match read(request).await {
                    Ok(parts) => parts,
                    Err(response) => return response,
                };
                match Converse::parse_request(&http, &labels) {
                    Err(bad) => bad.to_response(&request_id).into(),
                    Ok(input) => match converse(&registry, &input, None) {
                        Ok(output) => Converse::build_response(&output)
                            .map(Response::from)
                            .unwrap_or_else(|_| ServiceError::internal().into()),
                        Err(error) => Converse::build_error(&error.into(), &request_id).into(),
                    },
                }
            }
        })
        .expect("Converse is a runtime operation")
        .operation("ConverseStream", move |request: Request| {
            let registry = stream_registry.clone();
            async move {
                let (http, labels, request_id) = match read(request).await {
                    Ok(parts) => parts,
                    Err(response) => return response,
                };
                match ConverseStream::parse_request(&http, &labels) {
                    Err(bad) => bad.to_response(&request_id).into(),
                    Ok(input) => match converse_stream(&registry, &input, None) {
                        Ok(events) => {
                            let messages = events.into_iter().map(|timed| {
                                timed
                                    .event
                                    .to_message()
                                    .map_err(|e| -> bedrock_local::BoxError { Box::new(e) })
                            });
                            Response::events(futures_util::stream::iter(messages))
                        }
                        Err(error) => ConverseStream::build_error(&error.into(), &request_id).into(),
                    },
                }
            }
        })
        .expect("ConverseStream is a runtime operation")
}

async fn server() -> Handle {
    let config = Config::new().auth(AuthMode::Permissive).service(router());
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
