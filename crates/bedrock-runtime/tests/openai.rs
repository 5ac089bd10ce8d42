//! bedrock-runtime's OpenAI-compatible routes (`/openai/v1`, feature `openai`): the same
//! implementation as bedrock-mantle's, signed for `bedrock`.
#![cfg(feature = "openai")]

#[path = "../../bedrock-mantle/tests/common/mod.rs"]
mod common;

use bedrock_config::{Config, Credentials};
use bedrock_runtime::openai::types::openai::{
    ChatMessage, ChatUserMessage, ChatUserMessageContent, CreateChatCompletionRequest, CreateResponseRequest,
    ResponseInput,
};
use common::*;
use serde_json::json;

async fn sigv4(url: &str) -> Config {
    Config::builder()
        .region("us-west-2")
        .endpoint_url(url)
        .credentials(Credentials::new(
            "AKIDRUNTIME",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        ))
        .load()
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_completions_on_openai_v1_are_signed_for_bedrock() {
    let server = server(vec![ok(
        r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hi"}}]}"#,
    )])
    .await;
    let client = bedrock_runtime::Client::new(&sigv4(&server.url).await);
    assert_eq!(client.openai().route_prefix(), "/openai/v1");
    let request = CreateChatCompletionRequest::new(
        vec![ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
            "Hi".into(),
        )))],
        "openai.gpt-oss-20b-1:0",
    );
    let completion = client.openai().create_chat_completion(request).await.unwrap();
    assert_eq!(completion.choices[0].message.content, Some(Some("Hi".into())));
    let r = server.last();
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/openai/v1/chat/completions")
    );
    let auth = r.header("authorization").unwrap();
    assert!(auth.contains("/us-west-2/bedrock/aws4_request"), "{auth}");
    assert_eq!(r.json()["model"], json!("openai.gpt-oss-20b-1:0"));
}

#[tokio::test]
async fn responses_stream_on_openai_v1() {
    let snapshot = json!({"id": "resp_1", "object": "response", "created_at": 1, "status": "completed",
                          "model": "m", "output": []});
    let body = sse_text(
        &[
            (
                Some("response.output_text.delta"),
                json!({"type": "response.output_text.delta", "sequence_number": 1, "item_id": "m1",
                       "output_index": 0, "content_index": 0, "delta": "Hello"})
                .to_string(),
            ),
            (
                Some("response.completed"),
                json!({"type": "response.completed", "sequence_number": 2, "response": snapshot}).to_string(),
            ),
        ],
        false,
    );
    let server = server(vec![sse(body)]).await;
    let client = bedrock_runtime::Client::new(&sigv4(&server.url).await);
    let request = CreateResponseRequest::new("m").with_input(ResponseInput::Text("Hi".into()));
    let mut text = client
        .openai()
        .create_response_stream(request)
        .await
        .unwrap()
        .text_deltas();
    assert_eq!(text.recv().await.unwrap().as_deref(), Some("Hello"));
    assert_eq!(text.recv().await.unwrap(), None);
    let r = server.last();
    assert_eq!(r.target, "/openai/v1/responses");
    assert!(r.header("authorization").unwrap().contains("/bedrock/aws4_request"));
    assert_eq!(r.json()["stream"], json!(true));
}

#[tokio::test]
async fn openai_v1_against_bedrock_local_verifies_the_bedrock_signing_name() {
    let auth = bedrock_local::AuthMode::verify("AKIDRUNTIME", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let server = bedrock_local::start(bedrock_local::Config::new().auth(auth))
        .await
        .unwrap();
    // The emulator's region; the signature is checked against it.
    let config = sigv4(&server.base_url()).await.with_region("us-east-1");
    let client = bedrock_runtime::Client::new(&config);
    let request = CreateChatCompletionRequest::new(
        vec![ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
            "hello there".into(),
        )))],
        "echo",
    );
    let completion = client.openai().create_chat_completion(request).await.unwrap();
    assert_eq!(completion.choices[0].message.content, Some(Some("hello there".into())));
    let request = CreateResponseRequest::new("echo").with_input(ResponseInput::Text("one two".into()));
    let response = client
        .openai()
        .create_response_stream(request)
        .await
        .unwrap()
        .final_output()
        .await
        .unwrap();
    assert_eq!(response.model, "echo");
    let log = server.log();
    assert!(log.iter().all(|e| e.status == Some(200)), "{log:?}");
    assert!(
        log.iter().all(|e| e.identity.as_deref() == Some("sigv4:AKIDRUNTIME")),
        "{log:?}"
    );
    server.shutdown().await;
}
