//! One Converse call through every layer of the SDK, offline: bedrock-local runs inside this
//! process, and the request goes out the way it would to Bedrock.
//!
//! ```text
//! cargo run -p bedrock-local --example converse_local -- "Hello, Bedrock!"
//! ```
//!
//! - `bedrock-endpoint` resolves the endpoint (here the emulator's URL, given as an endpoint
//!   override, exactly as `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` would);
//! - `bedrock-runtime-types` builds the HTTP request and parses the response (sans-IO);
//! - `bedrock-auth` signs every attempt with SigV4;
//! - `bedrock-transport` sends it with retries and timeouts over a pooled hyper client;
//! - `bedrock-local` answers as Bedrock does on the wire (the echo model answers with the
//!   prompt).

use std::error::Error;
use std::sync::Arc;

use bedrock_auth::provider::StaticProvider;
use bedrock_auth::{Credentials, SigV4Signing, Signer, SigningName};
use bedrock_endpoint::{EndpointConfig, Env, Service};
use bedrock_runtime_types::operation::Converse;
use bedrock_runtime_types::types::{ContentBlock, ConversationRole, ConverseRequest, Message, SystemContentBlock};
use bedrock_runtime_types::Operation;
use bedrock_transport::{Executor, HyperClient, OperationInfo};

const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const REGION: &str = "us-east-1";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let prompt = if prompt.is_empty() {
        "Hello, Bedrock!".to_owned()
    } else {
        prompt
    };

    let server = bedrock_local::start(bedrock_local::Config::new()).await?;
    let endpoint = EndpointConfig::new(Service::BedrockRuntime)
        .region(REGION)
        .endpoint_url(server.base_url())
        .env(Env::from_pairs::<_, String, String>([]))
        .resolve()?;

    let input = ConverseRequest::new(MODEL)
        .with_system(vec![SystemContentBlock::Text("Answer briefly.".into())])
        .with_messages(vec![Message::new(
            ConversationRole::User,
            vec![ContentBlock::Text(prompt)],
        )]);
    let request = Converse::build_request(&input)?;
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    parts.uri = format!("{}{path}", endpoint.url()).parse()?;
    let request = http::Request::from_parts(parts, body);

    let executor = Executor::new(Arc::new(HyperClient::builder().build()?));
    let signing = SigV4Signing::new(
        Signer::new(SigningName::Bedrock, endpoint.signing_region().unwrap_or(REGION)),
        StaticProvider::new(Credentials::new(
            "AKIDEXAMPLELOCAL",
            "local-secret",
            None,
            None,
            "Example",
        )),
    );
    let op = OperationInfo::new("bedrock-runtime", "Converse");
    let response = executor.send_collected(&op, request, &signing).await?;
    let output = Converse::parse_response(&response)?;

    if let bedrock_runtime_types::types::ConverseOutput::Message(message) = &output.output {
        for block in &message.content {
            if let ContentBlock::Text(text) = block {
                println!("{text}");
            }
        }
    }
    println!(
        "[{} | stop: {} | tokens in {} out {}]",
        endpoint.url(),
        output.stop_reason,
        output.usage.input_tokens,
        output.usage.output_tokens
    );
    server.shutdown().await;
    Ok(())
}
