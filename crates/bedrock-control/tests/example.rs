//! The `list_models` example runs against bedrock-local.

#[path = "../examples/list_models.rs"]
#[allow(dead_code)]
mod list_models;

#[tokio::test]
async fn list_models_example_prints_the_catalog() {
    let server = bedrock_local::start(bedrock_local::Config::new()).await.unwrap();
    let config = bedrock_control::Config::builder()
        .region("us-east-1")
        .api_key("ABSKlocal-example-key")
        .endpoint_url(server.base_url())
        .load()
        .await
        .unwrap();
    let table = list_models::run(&bedrock_control::Client::new(&config)).await.unwrap();
    let mut lines = table.lines();
    assert!(lines.next().unwrap().starts_with("PROVIDER"));
    assert!(table.contains("anthropic.claude-3-haiku-20240307-v1:0"), "{table}");
    assert!(table.contains("local.echo"), "{table}");
    assert!(table.trim_end().ends_with(" models"));
    server.shutdown().await;
}
