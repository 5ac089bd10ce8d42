//! Tool use: the model asks for a tool, the program runs it and sends the result back,
//! until the model answers in text.
//!
//! `cargo run -p bedrock-runtime --example tool_use` (bedrock-local), or with
//! `BEDROCK_EXAMPLES_AWS=1` against Bedrock.

use bedrock_runtime::prelude::*;
use bedrock_runtime::types::{ConverseRequest, Message, StopReason, Tool, ToolResultBlock};
use bedrock_runtime::Client;
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// The tool's answer (a real program would look the weather up).
#[derive(serde::Serialize)]
struct Weather {
    city: String,
    sky: &'static str,
    celsius: i32,
}

fn get_weather(input: &Value) -> Result<Weather, String> {
    let city = input["city"].as_str().ok_or("the input has no city")?;
    Ok(Weather {
        city: city.to_owned(),
        sky: "clear",
        celsius: 21,
    })
}

/// Runs the conversation until the model stops asking for tools; returns its last text.
pub async fn run(client: &Client) -> Result<String, Error> {
    let tools = vec![Tool::from_json_schema(
        "get_weather",
        "The current weather in a city.",
        json!({
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city's name"}},
            "required": ["city"]
        }),
    )];
    // The echo family of bedrock-local calls a tool when told "call <tool> <json>"; a real
    // model understands the request too.
    let mut messages = vec![Message::user(r#"call get_weather {"city":"Paris"}"#)];
    for _turn in 0..5 {
        let request = ConverseRequest::new(MODEL)
            .with_messages(messages.clone())
            .with_tools(tools.clone());
        let response = client.converse(request).await?;
        if response.stop_reason != StopReason::ToolUse {
            return Ok(response.output_text().unwrap_or_default());
        }
        let mut results = Vec::new();
        for call in response.tool_uses() {
            eprintln!("tool call: {}({})", call.name, call.input);
            let result = match (call.name.as_str(), get_weather(&call.input)) {
                ("get_weather", Ok(weather)) => ToolResultBlock::json(call.tool_use_id.clone(), &weather)?,
                ("get_weather", Err(why)) => ToolResultBlock::error(call.tool_use_id.clone(), why),
                (other, _) => ToolResultBlock::error(call.tool_use_id.clone(), format!("no tool named {other}")),
            };
            results.push(result);
        }
        messages.extend(response.message().cloned());
        messages.push(Message::tool_results(results));
    }
    Err("the model kept asking for tools".into())
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
