//! Guardrails, round trip: creates a guardrail through the control plane, checks text with
//! ApplyGuardrail, has it screen a Converse turn, and deletes it.
//!
//! `cargo run -p bedrock-runtime --example guardrail` (bedrock-local), or with
//! `BEDROCK_EXAMPLES_AWS=1` against Bedrock (it creates and deletes a guardrail named
//! `sdk-example-no-forbidden`).

use bedrock_config::{Service, ServiceClient};
use bedrock_control_types::operation::{CreateGuardrail, DeleteGuardrail};
use bedrock_control_types::types::{
    CreateGuardrailRequest, DeleteGuardrailRequest, GuardrailWordConfig, GuardrailWordPolicyConfig,
};
use bedrock_runtime::prelude::*;
use bedrock_runtime::types::{
    ApplyGuardrailRequest, ConverseRequest, GuardrailConfiguration, GuardrailContentBlock, GuardrailContentSource,
    GuardrailTextBlock, Message,
};
use bedrock_runtime::Client;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// Returns one line per step: the guardrail's verdicts.
pub async fn run(client: &Client) -> Result<String, Error> {
    let control = ServiceClient::new(client.config(), Service::Bedrock);
    let mut create = CreateGuardrailRequest::new("sdk-example-no-forbidden", "Blocked input.", "Blocked output.");
    create.word_policy_config =
        Some(GuardrailWordPolicyConfig::new().with_words_config(vec![GuardrailWordConfig::new("forbidden")]));
    let id = control.call::<CreateGuardrail>(create).await?.guardrail_id;
    let result = screen(client, &id).await;
    control.call::<DeleteGuardrail>(DeleteGuardrailRequest::new(id)).await?;
    result
}

async fn screen(client: &Client, id: &str) -> Result<String, Error> {
    let mut report = Vec::new();
    for text in ["a perfectly nice sentence", "something forbidden"] {
        let request = ApplyGuardrailRequest::new(
            id,
            "DRAFT",
            GuardrailContentSource::Input,
            vec![GuardrailContentBlock::Text(GuardrailTextBlock::new(text))],
        );
        let verdict = client.apply_guardrail(request).await?;
        report.push(format!("apply {text:?}: {}", verdict.action.as_str()));
    }
    let request = ConverseRequest::new(MODEL)
        .with_messages(vec![Message::user("Tell me something forbidden.")])
        .with_guardrail_config(
            GuardrailConfiguration::new()
                .with_guardrail_identifier(id)
                .with_guardrail_version("DRAFT"),
        );
    let response = client.converse(request).await?;
    report.push(format!(
        "converse: {} {:?}",
        response.stop_reason.as_str(),
        response.output_text().unwrap_or_default()
    ));
    Ok(report.join("\n"))
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
