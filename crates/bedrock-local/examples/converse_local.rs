//! One Converse call through every layer of the SDK, offline: bedrock-local runs inside this
//! process, and the request goes out the way it would to Bedrock.
//!
//! ```text
//! cargo run -p bedrock-local --example converse_local -- "Hello, Bedrock!"
//! ```
//!
//! - `bedrock-config` builds the configuration (region, credentials, and the emulator's URL as
//!   an endpoint override, exactly as `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` would set it);
//! - `bedrock-runtime`'s client resolves the endpoint (`bedrock-endpoint`), builds the HTTP
//!   request with the generated sans-IO operation (`bedrock-runtime-types`), signs every
//!   attempt with SigV4 (`bedrock-auth`), sends it with retries and timeouts over a pooled
//!   hyper client (`bedrock-transport`) and parses the typed response;
//! - `bedrock-local` answers as Bedrock does on the wire (the echo model answers with the
//!   prompt).

use std::error::Error;

use bedrock_runtime::types::{
    ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, Message, SystemContentBlock,
};
use bedrock_runtime::{Client, Config};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let prompt = if prompt.is_empty() {
        "Hello, Bedrock!".to_owned()
    } else {
        prompt
    };

    let server = bedrock_local::start(bedrock_local::Config::new()).await?;
    let config = Config::builder()
        .region("us-east-1")
        .credentials(bedrock_config::Credentials::new(
            "AKIDEXAMPLELOCAL",
            "local-secret",
            None,
            None,
            "Example",
        ))
        .endpoint_url(server.base_url())
        .load()
        .await?;
    let client = Client::new(&config);

    let input = ConverseRequest::new(MODEL)
        .with_system(vec![SystemContentBlock::Text("Answer briefly.".into())])
        .with_messages(vec![Message::new(
            ConversationRole::User,
            vec![ContentBlock::Text(prompt)],
        )]);
    let output = client.converse(input).await?;

    if let ConverseOutput::Message(message) = &output.output {
        for block in &message.content {
            if let ContentBlock::Text(text) = block {
                println!("{text}");
            }
        }
    }
    println!(
        "[{} | stop: {} | tokens in {} out {}]",
        server.base_url(),
        output.stop_reason,
        output.usage.input_tokens,
        output.usage.output_tokens
    );
    server.shutdown().await;
    Ok(())
}
