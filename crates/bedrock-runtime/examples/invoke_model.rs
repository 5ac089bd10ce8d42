//! InvokeModel with the Anthropic Messages body: the model's own JSON in and out.
//!
//! `cargo run -p bedrock-runtime --example invoke_model` (bedrock-local), or with
//! `BEDROCK_EXAMPLES_AWS=1` against Bedrock.

use bedrock_runtime::types::InvokeModelRequest;
use bedrock_runtime::Blob;
use bedrock_runtime::Client;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Sends an Anthropic Messages request and returns the text of the answer.
pub async fn run(client: &Client) -> Result<String, Error> {
    let body = serde_json::json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Name three rivers."}]
    });
    let request = InvokeModelRequest::new(MODEL)
        .with_content_type("application/json")
        .with_accept("application/json")
        .with_body(Blob::new(serde_json::to_vec(&body)?));
    let response = client.invoke_model(request).await?;
    let answer: serde_json::Value = serde_json::from_slice(response.body.as_ref())?;
    eprintln!("stop reason: {}, usage: {}", answer["stop_reason"], answer["usage"]);
    let text = answer["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|block| block["text"].as_str())
        .collect::<String>();
    Ok(text)
}

/// Runs the example against an in-process bedrock-local, or against AWS (credentials and
/// region from the environment) when `BEDROCK_EXAMPLES_AWS=1`.
#[cfg_attr(test, allow(dead_code))]
#[tokio::main]
async fn main() -> Result<(), Error> {
    let (client, _server) = if std::env::var("BEDROCK_EXAMPLES_AWS").as_deref() == Ok("1") {
        (Client::new(&bedrock_runtime::from_env().load().await?), None)
    } else {
        let server = bedrock_local::start(bedrock_local::Config::new()).await?;
        let config = bedrock_runtime::Config::builder()
            .region("us-east-1")
            .credentials(bedrock_config::Credentials::new(
                "AKIDLOCAL",
                "local-secret",
                None,
                None,
                "example",
            ))
            .endpoint_url(server.base_url())
            .load()
            .await?;
        (Client::new(&config), Some(server))
    };
    println!("{}", run(&client).await?);
    Ok(())
}
