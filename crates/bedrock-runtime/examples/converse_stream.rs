//! ConverseStream: prints the answer's text as it arrives.
//!
//! `cargo run -p bedrock-runtime --example converse_stream` (bedrock-local), or with
//! `BEDROCK_EXAMPLES_AWS=1` against Bedrock.

use std::io::Write as _;

use bedrock_runtime::prelude::*;
use bedrock_runtime::types::{ConverseStreamRequest, Message};
use bedrock_runtime::Client;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Streams one answer to standard output, token by token, and returns the whole text.
pub async fn run(client: &Client) -> Result<String, Error> {
    let request = ConverseStreamRequest::new(MODEL).with_messages(vec![Message::user(
        "Write a haiku about streams of tokens arriving one by one.",
    )]);
    let output = client.converse_stream(request).await?;
    let mut deltas = output.events.text_deltas();
    let mut text = String::new();
    let mut stdout = std::io::stdout();
    while let Some(delta) = deltas.recv().await? {
        print!("{delta}");
        stdout.flush()?;
        text.push_str(&delta);
    }
    println!();
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
