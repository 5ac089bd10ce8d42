//! Fixtures for the model benchmarks: a large, realistic Converse request and response.
//!
//! Everything is generated from a fixed seed, so every run (and every machine) benchmarks the
//! same bytes. The benchmarks themselves are in `benches/serde.rs`; run them with
//! `cargo bench -p bench-models`.

use bedrock_runtime_types::types::{
    AutoToolChoice, ContentBlock, ConversationRole, ConverseMetrics, ConverseOutput, ConverseRequest, ConverseResponse,
    ImageBlock, ImageFormat, ImageSource, InferenceConfiguration, Message, StopReason, SystemContentBlock, TokenUsage,
    Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification, ToolUseBlock,
};
use bedrock_runtime_types::{Blob, Document};
use bytes::Bytes;
use serde_json::json;

/// Number of messages in the request's conversation.
pub const MESSAGES: usize = 50;
/// Size of the raw image in the request, before base64.
pub const IMAGE_BYTES: usize = 100 * 1024;

/// A small deterministic generator (xorshift64*), so the fixtures need no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "model",
    "request",
    "response",
    "token",
    "stream",
    "latency",
    "region",
    "bedrock",
    "inference",
    "profile",
    "guardrail",
    "cache",
    "prompt",
    "tool",
    "result",
    "schema",
    "input",
    "output",
    "message",
    "assistant",
    "user",
    "system",
    "weather",
    "forecast",
    "temperature",
    "Paris",
    "London",
    "Tokyo",
    "invoice",
    "customer",
    "order",
    "shipment",
    "delayed",
    "refund",
    "policy",
    "café",
    "naïve",
    "résumé",
    "über",
    "data",
    "pipeline",
    "throughput",
    "encode",
    "decode",
    "serde",
    "JSON",
    "bytes",
    "and",
    "with",
];

/// Prose of about `len` bytes: words, punctuation, some newlines, quotes and non-ASCII letters,
/// so that the JSON encoder has escapes and multi-byte characters to deal with.
fn prose(rng: &mut Rng, len: usize) -> String {
    let mut text = String::with_capacity(len + 16);
    let mut sentence = 0;
    while text.len() < len {
        let word = WORDS[rng.below(WORDS.len())];
        if sentence == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                text.extend(first.to_uppercase());
                text.push_str(chars.as_str());
            }
        } else {
            text.push_str(word);
        }
        sentence += 1;
        match rng.below(40) {
            0 => text.push_str(", \"quoted\" "),
            1 | 2 => text.push_str(", "),
            3 if sentence > 4 => {
                text.push_str(".\n\n");
                sentence = 0;
            }
            4..=6 if sentence > 4 => {
                text.push_str(". ");
                sentence = 0;
            }
            _ => text.push(' '),
        }
    }
    text
}

fn tool_schema(name: &str) -> Document {
    json!({
        "type": "object",
        "description": format!("Arguments of {name}."),
        "properties": {
            "query": { "type": "string", "description": "What to look up.", "minLength": 1, "maxLength": 2048 },
            "location": {
                "type": "object",
                "properties": {
                    "city": { "type": "string" },
                    "country": { "type": "string", "pattern": "^[A-Z]{2}$" },
                    "coordinates": {
                        "type": "array",
                        "items": { "type": "number" },
                        "minItems": 2,
                        "maxItems": 2
                    }
                },
                "required": ["city"]
            },
            "units": { "type": "string", "enum": ["metric", "imperial", "standard"] },
            "limit": { "type": "integer", "minimum": 1, "maximum": 100, "default": 10 },
            "include_history": { "type": "boolean", "default": false },
            "filters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": { "type": "string" },
                        "op": { "type": "string", "enum": ["eq", "ne", "lt", "gt", "contains"] },
                        "value": {}
                    },
                    "required": ["field", "op", "value"]
                }
            }
        },
        "required": ["query"],
        "additionalProperties": false
    })
}

fn tool_config() -> ToolConfiguration {
    let tools = [
        ("get_weather", "Current weather and a five-day forecast for a city."),
        (
            "search_orders",
            "Searches the order database by customer, status and date range.",
        ),
        (
            "lookup_customer",
            "Returns a customer's profile, tier and open tickets.",
        ),
        (
            "create_refund",
            "Opens a refund for an order line; needs a reason code.",
        ),
        (
            "query_metrics",
            "Runs a metrics query over the last 30 days and returns a time series.",
        ),
        ("translate_text", "Translates text between any two of 40 languages."),
    ]
    .into_iter()
    .map(|(name, description)| {
        Tool::ToolSpec(
            ToolSpecification::new(name, ToolInputSchema::Json(tool_schema(name))).with_description(description),
        )
    })
    .collect::<Vec<_>>();
    ToolConfiguration::new(tools).with_tool_choice(ToolChoice::Auto(AutoToolChoice::new()))
}

fn image(rng: &mut Rng) -> ImageBlock {
    let mut bytes = Vec::with_capacity(IMAGE_BYTES);
    while bytes.len() < IMAGE_BYTES {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(IMAGE_BYTES);
    ImageBlock::new(ImageFormat::Png, ImageSource::Bytes(Blob::new(bytes)))
}

fn tool_input(rng: &mut Rng, turn: usize) -> Document {
    json!({
        "query": prose(rng, 60),
        "location": { "city": WORDS[26 + turn % 3], "country": "FR", "coordinates": [48.8566, 2.3522] },
        "units": "metric",
        "limit": 10 + turn,
        "include_history": turn.is_multiple_of(2),
        "filters": [
            { "field": "status", "op": "eq", "value": "delayed" },
            { "field": "total", "op": "gt", "value": 125.5 }
        ]
    })
}

fn tool_output(rng: &mut Rng, turn: usize) -> Document {
    let rows = (0..8)
        .map(|i| {
            let status = ["delayed", "shipped", "open"][i % 3];
            json!({
                "id": format!("ord-{turn:03}-{i:02}"),
                "status": status,
                // Binary-exact amounts: serde_json without `float_roundtrip` may parse other
                // decimals one ulp off, which would break the round-trip test.
                "total": 12.25 * (i + 1) as f64,
                "note": prose(rng, 80),
            })
        })
        .collect::<Vec<_>>();
    json!({ "count": rows.len(), "rows": rows, "next": null })
}

/// A large Converse request: a system prompt, a tool configuration with six JSON-schema tools,
/// [`MESSAGES`] alternating user and assistant messages (text, tool use, tool results), an image
/// of [`IMAGE_BYTES`] bytes in the first user message, and an inference configuration.
pub fn converse_request() -> ConverseRequest {
    let mut rng = Rng(0x5eed_0001_dead_beef);
    let system = vec![
        SystemContentBlock::Text(prose(&mut rng, 4000)),
        SystemContentBlock::Text(prose(&mut rng, 1000)),
    ];
    let mut messages = Vec::with_capacity(MESSAGES);
    for turn in 0..MESSAGES {
        let message = if turn % 2 == 0 {
            let mut content = Vec::new();
            if turn == 0 {
                content.push(ContentBlock::Image(image(&mut rng)));
            }
            if turn % 6 == 2 {
                // The answer to the assistant's tool use in the turn before.
                content.push(ContentBlock::ToolResult(
                    ToolResultBlock::new(
                        format!("tooluse_{:04}", turn - 1),
                        vec![
                            ToolResultContentBlock::Json(tool_output(&mut rng, turn)),
                            ToolResultContentBlock::Text(prose(&mut rng, 200)),
                        ],
                    )
                    .with_status(ToolResultStatus::Success),
                ));
            }
            let len = 600 + rng.below(1200);
            content.push(ContentBlock::Text(prose(&mut rng, len)));
            Message::new(ConversationRole::User, content)
        } else {
            let len = 400 + rng.below(1600);
            let mut content = vec![ContentBlock::Text(prose(&mut rng, len))];
            if turn % 6 == 1 {
                content.push(ContentBlock::ToolUse(ToolUseBlock::new(
                    format!("tooluse_{turn:04}"),
                    "search_orders",
                    tool_input(&mut rng, turn),
                )));
            }
            Message::new(ConversationRole::Assistant, content)
        };
        messages.push(message);
    }
    ConverseRequest::new("anthropic.claude-3-5-sonnet-20240620-v1:0")
        .with_system(system)
        .with_messages(messages)
        .with_tool_config(tool_config())
        .with_inference_config(
            InferenceConfiguration::new()
                .with_max_tokens(4096)
                .with_temperature(0.7)
                .with_top_p(0.9)
                .with_stop_sequences(vec!["\n\nHuman:".to_owned(), "</answer>".to_owned()]),
        )
}

/// A large Converse response: an assistant message with about 32 KB of text and a tool use,
/// token usage with cache counts, and metrics.
pub fn converse_response() -> ConverseResponse {
    let mut rng = Rng(0x5eed_0002_cafe_f00d);
    let content = vec![
        ContentBlock::Text(prose(&mut rng, 32 * 1024)),
        ContentBlock::ToolUse(ToolUseBlock::new(
            "tooluse_0051",
            "search_orders",
            tool_input(&mut rng, 51),
        )),
    ];
    ConverseResponse::new(
        ConverseOutput::Message(Message::new(ConversationRole::Assistant, content)),
        StopReason::ToolUse,
        TokenUsage::new(61_234, 8_190, 69_424)
            .with_cache_read_input_tokens(48_000)
            .with_cache_write_input_tokens(1_024),
        ConverseMetrics::new(12_873),
    )
}

/// The response as the service sends it: its JSON body.
pub fn converse_response_body() -> Vec<u8> {
    serde_json::to_vec(&converse_response()).expect("the response fixture serializes")
}

/// The response as an HTTP response, for `Converse::parse_response`.
pub fn converse_http_response() -> http::Response<Bytes> {
    let body = Bytes::from(converse_response_body());
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .header("x-amzn-requestid", "5b6c5f0e-8d3a-4c53-9a8e-3f0e4f6f2a11")
        .body(body)
        .expect("the response fixture is a valid HTTP response")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_runtime_types::operation::Converse;
    use bedrock_runtime_types::{Operation, Validate};

    #[test]
    fn request_is_large_valid_and_round_trips() {
        let request = converse_request();
        request.validate().expect("the request fixture is valid");
        let json = serde_json::to_vec(&request).unwrap();
        assert!(json.len() > 200_000, "request is {} bytes", json.len());
        let back: ConverseRequest = serde_json::from_slice(&json).unwrap();
        assert!(back == request, "the request does not round-trip");
        let http = Converse::build_request(&request).unwrap();
        assert_eq!(
            http.uri().path(),
            "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
        );
    }

    #[test]
    fn response_parses() {
        let response = converse_response();
        response.validate().expect("the response fixture is valid");
        assert!(converse_response_body().len() > 32 * 1024);
        let parsed = Converse::parse_response(&converse_http_response()).unwrap();
        assert_eq!(parsed, response);
    }
}
