//! One Converse turn, and its text.
//!
//! `cargo run -p bedrock-runtime --example converse` (bedrock-local), or with
//! `BEDROCK_EXAMPLES_AWS=1` against Bedrock.

use bedrock_runtime::prelude::*;
use bedrock_runtime::types::{ConverseRequest, InferenceConfiguration, Message};
use bedrock_runtime::Client;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model (on bedrock-local, the echo family answers with the prompt).
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Asks one question and returns the answer's text.
pub async fn run(client: &Client) -> Result<String, Error> {
    let request = ConverseRequest::new(MODEL)
        .with_messages(vec![Message::user("Say hello in three languages.")])
        .with_inference_config(InferenceConfiguration::new().with_max_tokens(200));
    let response = client.converse(request).await?;
    eprintln!("stop reason: {:?}, usage: {:?}", response.stop_reason, response.usage);
    Ok(response.output_text().unwrap_or_default())
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
