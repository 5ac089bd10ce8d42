//! Every example's `run` against an in-process bedrock-local, so CI proves they work.

use bedrock_runtime::{Client, Config};

#[path = "../examples/converse.rs"]
mod converse;
#[path = "../examples/converse_stream.rs"]
mod converse_stream;
#[path = "../examples/guardrail.rs"]
mod guardrail;
#[path = "../examples/invoke_model.rs"]
mod invoke_model;
#[path = "../examples/tool_use.rs"]
mod tool_use;

/// A client of a fresh emulator that checks SigV4 signatures.
async fn local() -> (Client, bedrock_local::Handle) {
    let server = bedrock_local::start(
        bedrock_local::Config::new().auth(bedrock_local::AuthMode::verify("AKIDLOCAL", "local-secret")),
    )
    .await
    .unwrap();
    let config = Config::builder()
        .region("us-east-1")
        .credentials(bedrock_config::Credentials::new(
            "AKIDLOCAL",
            "local-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(server.base_url())
        .load()
        .await
        .unwrap();
    (Client::new(&config), server)
}

#[tokio::test]
async fn converse_example() {
    let (client, _server) = local().await;
    assert_eq!(converse::run(&client).await.unwrap(), "Say hello in three languages.");
}

#[tokio::test]
async fn converse_stream_example() {
    let (client, _server) = local().await;
    let text = converse_stream::run(&client).await.unwrap();
    assert_eq!(text, "Write a haiku about streams of tokens arriving one by one.");
}

#[tokio::test]
async fn invoke_model_example() {
    let (client, _server) = local().await;
    assert_eq!(invoke_model::run(&client).await.unwrap(), "Name three rivers.");
}

#[tokio::test]
async fn tool_use_example() {
    let (client, server) = local().await;
    let text = tool_use::run(&client).await.unwrap();
    assert!(text.contains("Paris") && text.contains("clear"), "{text}");
    let converses = server
        .log()
        .iter()
        .filter(|e| e.operation.as_deref() == Some("Converse"))
        .count();
    assert_eq!(converses, 2, "one tool call, then the answer");
}

#[tokio::test]
async fn guardrail_example() {
    let (client, server) = local().await;
    let report = guardrail::run(&client).await.unwrap();
    assert_eq!(
        report,
        "apply \"a perfectly nice sentence\": NONE\n\
         apply \"something forbidden\": GUARDRAIL_INTERVENED\n\
         converse: guardrail_intervened \"Blocked input.\""
    );
    let ops: Vec<_> = server.log().into_iter().filter_map(|e| e.operation).collect();
    assert_eq!(ops.first().map(String::as_str), Some("CreateGuardrail"));
    assert_eq!(ops.last().map(String::as_str), Some("DeleteGuardrail"));
}
