//! The client against bedrock-local, through every layer: config, endpoint, signing,
//! executor, generated parser.

use bedrock_config::Credentials;
use bedrock_runtime::types::{ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, Message};
use bedrock_runtime::{Client, Config};

async fn client(server: &bedrock_local::Handle) -> Client {
    let config = Config::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDLOCAL", "local-secret", None, None, "test"))
        .endpoint_url(server.base_url())
        .load()
        .await
        .unwrap();
    Client::new(&config)
}

#[tokio::test]
async fn converse_round_trip() {
    let server = bedrock_local::start(bedrock_local::Config::new()).await.unwrap();
    let client = client(&server).await;
    let request = ConverseRequest::new("anthropic.claude-3-haiku-20240307-v1:0").with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text("ping".into())],
    )]);
    let response = client.converse(request).await.unwrap();
    let ConverseOutput::Message(message) = &response.output else {
        panic!("unexpected output {:?}", response.output)
    };
    assert!(matches!(&message.content[0], ContentBlock::Text(t) if t.contains("ping")));
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_model_is_a_typed_error_with_request_id() {
    let server = bedrock_local::start(bedrock_local::Config::new()).await.unwrap();
    let client = client(&server).await;
    let request = ConverseRequest::new("no.such-model-v9").with_messages(vec![Message::new(
        ConversationRole::User,
        vec![ContentBlock::Text("ping".into())],
    )]);
    let error = client.converse(request).await.unwrap_err();
    let meta = error.meta().expect("a service error");
    assert!(error.request_id().is_some(), "{error}");
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains(meta.request_id.as_deref().unwrap()),
        "{error}"
    );
    server.shutdown().await;
}
