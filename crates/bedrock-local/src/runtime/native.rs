//! InvokeModel and InvokeModelWithResponseStream: the vendors' native JSON bodies.

use bedrock_runtime_types::event_stream::{ConverseStreamOutput, ResponseStream};
use bedrock_runtime_types::types::{
    GuardrailConfiguration, InvokeModelRequest, InvokeModelResponse, InvokeModelWithResponseStreamRequest, Message,
    PayloadPart, SystemContentBlock, ToolConfiguration,
};
use bedrock_runtime_types::Blob;
use serde_json::{json, Map, Value};

use super::converse::{content_block, count_converse_tokens, stream_events};
use super::engine::{fnv1a, splitmix64, OutBlock, Prompt, PromptMessage, Stop, Turn, TOOL_INPUT_FRAGMENT_CHARS};
use super::error::RuntimeError;
use super::guardrail::{generate_guarded, Guarded, GuardrailEvaluator};
use super::registry::{ModelRegistry, Provider, ResolvedModel};
use super::tokens::{self, saturate};
use super::Timed;

/// The native body formats the emulator speaks.
///
/// The body format follows the model's vendor ([`Provider`]); a local id (or an unbound
/// application profile or provisioned model ARN) recognises the format from the body's keys:
/// `anthropic_version` (Anthropic Messages), `messages` (Nova), `texts` (Cohere embeddings),
/// `inputText` (Titan Text), `prompt` (Meta Llama).
///
/// A body that does not fit its format is answered, as the service does, with a
/// `ValidationException` "Malformed input request: ..., please reformat your input and try
/// again." listing each violation as `#<json pointer>: <problem>` (for example
/// `#: required key [max_tokens] not found` or `#: extraneous key [stream] is not permitted`).
///
/// Response bodies are built with `serde_json`, whose objects keep their keys sorted; the key
/// order therefore differs from the service's, which JSON readers ignore.
///
/// Every streamed chunk is a `chunk` event whose `bytes` hold one JSON object; the last chunk
/// also carries `amazon-bedrock-invocationMetrics` (`inputTokenCount`, `outputTokenCount`,
/// `invocationLatency`, `firstByteLatency`), as the service adds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NativeFormat {
    /// Anthropic Messages (`anthropic_version`, `messages`, `max_tokens`, ...).
    AnthropicMessages,
    /// Amazon Nova (`messages`, `system`, `inferenceConfig`, `toolConfig`).
    Nova,
    /// Amazon Titan Text (`inputText`, `textGenerationConfig`).
    TitanText,
    /// Amazon Titan embeddings (`inputText`, `dimensions`, `normalize`).
    TitanEmbed,
    /// Cohere embeddings (`texts`, `input_type`, ...).
    CohereEmbed,
    /// Meta Llama (`prompt`, `max_gen_len`, ...).
    MetaLlama,
}

impl NativeFormat {
    /// The format of `model`, or for local ids the one recognised from `body`'s keys.
    pub fn detect(model: &ResolvedModel, body: &Map<String, Value>) -> Result<Self, RuntimeError> {
        Ok(match model.provider {
            Provider::Anthropic => Self::AnthropicMessages,
            Provider::Nova => Self::Nova,
            Provider::TitanText => Self::TitanText,
            Provider::TitanEmbed => Self::TitanEmbed,
            Provider::CohereEmbed => Self::CohereEmbed,
            Provider::MetaLlama => Self::MetaLlama,
            _ if body.contains_key("anthropic_version") => Self::AnthropicMessages,
            _ if body.contains_key("messages") => Self::Nova,
            _ if body.contains_key("texts") => Self::CohereEmbed,
            _ if body.contains_key("inputText") => Self::TitanText,
            _ if body.contains_key("prompt") => Self::MetaLlama,
            _ => {
                return Err(RuntimeError::malformed(&[
                    "#: required key [messages] not found".to_owned()
                ]))
            }
        })
    }

    fn is_embedding(self) -> bool {
        matches!(self, Self::TitanEmbed | Self::CohereEmbed)
    }
}

/// The message the emulator answers when an embeddings model is asked to stream (its own
/// wording: the service's exact message for this case was not confirmed).
pub const STREAMING_UNSUPPORTED: &str = "The model is unsupported for streaming.";

/// Answers an InvokeModel request with the model's native JSON response body.
///
/// `guardrails` is consulted only when the request names a guardrail
/// (`X-Amzn-Bedrock-GuardrailIdentifier`); see [`GuardrailEvaluator`] for what an
/// intervention does. Embedding models are never guarded.
pub fn invoke_model(
    registry: &ModelRegistry,
    request: &InvokeModelRequest,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<InvokeModelResponse, RuntimeError> {
    let model = registry.resolve(&request.model_id)?;
    let body = parse_body(request.body.as_ref())?;
    let format = NativeFormat::detect(&model, &body)?;
    let response = match format {
        NativeFormat::TitanEmbed => titan_embed(&model, &body)?,
        NativeFormat::CohereEmbed => cohere_embed(&body)?,
        _ => {
            let config = guardrail_config(
                request.guardrail_identifier.as_deref(),
                request.guardrail_version.as_deref(),
            );
            let guarded = guarded_turn(registry, &model, format, &body, config.as_ref(), guardrails)?;
            let mut response = text_response(format, &model, &body, &guarded.turn);
            if let (Some(_), Value::Object(object)) = (&config, &mut response) {
                object.insert(GUARDRAIL_ACTION.to_owned(), guardrail_action(guarded.intervened));
            }
            response
        }
    };
    Ok(InvokeModelResponse::new(
        Blob::new(response.to_string().into_bytes()),
        "application/json",
    ))
}

/// Answers an InvokeModelWithResponseStream request with its `chunk` events in order, each with
/// the pause to make before sending it. Guardrails work as in [`invoke_model`]; the guardrail
/// action rides on the last chunk.
pub fn invoke_model_stream(
    registry: &ModelRegistry,
    request: &InvokeModelWithResponseStreamRequest,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<Vec<Timed<ResponseStream>>, RuntimeError> {
    let model = registry.resolve(&request.model_id)?;
    let body = parse_body(request.body.as_ref())?;
    let format = NativeFormat::detect(&model, &body)?;
    if format.is_embedding() || model.provider.is_embedding() {
        return Err(RuntimeError::validation(STREAMING_UNSUPPORTED));
    }
    let config = guardrail_config(
        request.guardrail_identifier.as_deref(),
        request.guardrail_version.as_deref(),
    );
    let guarded = guarded_turn(registry, &model, format, &body, config.as_ref(), guardrails)?;
    let turn = &guarded.turn;
    let mut chunks = match format {
        NativeFormat::AnthropicMessages => anthropic_stream(&model, &body, turn),
        NativeFormat::Nova => nova_stream(turn),
        NativeFormat::TitanText => titan_text_stream(turn),
        _ => llama_stream(turn),
    };
    if let Some(last) = chunks.last_mut() {
        if let Value::Object(object) = &mut last.event {
            object.insert("amazon-bedrock-invocationMetrics".to_owned(), invocation_metrics(turn));
            if config.is_some() {
                object.insert(GUARDRAIL_ACTION.to_owned(), guardrail_action(guarded.intervened));
            }
        }
    }
    Ok(chunks
        .into_iter()
        .map(|chunk| Timed {
            delay: chunk.delay,
            event: ResponseStream::Chunk(
                PayloadPart::new().with_bytes(Blob::new(chunk.event.to_string().into_bytes())),
            ),
        })
        .collect())
}

const GUARDRAIL_ACTION: &str = "amazon-bedrock-guardrailAction";

fn guardrail_action(intervened: bool) -> Value {
    Value::from(if intervened { "INTERVENED" } else { "NONE" })
}

/// The guardrail the InvokeModel headers name, if any.
fn guardrail_config(identifier: Option<&str>, version: Option<&str>) -> Option<GuardrailConfiguration> {
    let identifier = identifier.filter(|identifier| !identifier.is_empty())?;
    let mut config = GuardrailConfiguration::new().with_guardrail_identifier(identifier);
    if let Some(version) = version.filter(|version| !version.is_empty()) {
        config = config.with_guardrail_version(version);
    }
    Some(config)
}

fn guarded_turn(
    registry: &ModelRegistry,
    model: &ResolvedModel,
    format: NativeFormat,
    body: &Map<String, Value>,
    config: Option<&GuardrailConfiguration>,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<Guarded, RuntimeError> {
    let prompt = text_prompt(format, body)?;
    let input_texts: Vec<String> = prompt
        .system
        .iter()
        .cloned()
        .chain(
            prompt
                .messages
                .iter()
                .filter(|message| !message.assistant)
                .flat_map(|message| message.texts.iter().cloned()),
        )
        .collect();
    generate_guarded(registry, model, &prompt, &input_texts, guardrails.zip(config))
}

/// The input tokens of a native body for `model_id`, as InvokeModel and CountTokens report them.
pub fn count_native_tokens(registry: &ModelRegistry, model_id: &str, body: &[u8]) -> Result<u32, RuntimeError> {
    let model = registry.resolve(model_id)?;
    let blob = Blob::new(body.to_vec());
    let body = parse_body(Some(&blob))?;
    match NativeFormat::detect(&model, &body)? {
        NativeFormat::TitanEmbed => Ok(titan_embed_input(&body)?.1),
        NativeFormat::CohereEmbed => Ok(cohere_input(&body)?
            .iter()
            .map(|text| tokens::count_text(text))
            .fold(0, u32::saturating_add)),
        format => Ok(text_prompt(format, &body)?.input_tokens),
    }
}

fn parse_body(body: Option<&Blob>) -> Result<Map<String, Value>, RuntimeError> {
    let bytes = body.map(|blob| blob.as_ref()).unwrap_or_default();
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(RuntimeError::malformed(&[format!(
            "#: expected type: JSONObject, found: {}",
            type_name(&other)
        )])),
        Err(error) => Err(RuntimeError::malformed(&[format!("#: the body is not JSON ({error})")])),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "Integer",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// Collects the schema violations of one JSON object.
struct Checker<'a> {
    object: &'a Map<String, Value>,
    path: String,
    violations: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(object: &'a Map<String, Value>, path: impl Into<String>) -> Self {
        Self {
            object,
            path: path.into(),
            violations: Vec::new(),
        }
    }

    fn allow(&mut self, required: &[&str], optional: &[&str]) {
        for key in required {
            if !self.object.contains_key(*key) {
                self.violations
                    .push(format!("#{}: required key [{key}] not found", self.path));
            }
        }
        for key in self.object.keys() {
            if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
                self.violations
                    .push(format!("#{}: extraneous key [{key}] is not permitted", self.path));
            }
        }
    }

    fn wrong_type(&mut self, key: &str, expected: &str, found: &Value) {
        self.violations.push(format!(
            "#{}/{key}: expected type: {expected}, found: {}",
            self.path,
            type_name(found)
        ));
    }

    fn string(&mut self, key: &str) -> Option<&'a str> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(other) => {
                self.wrong_type(key, "String", other);
                None
            }
        }
    }

    fn integer(&mut self, key: &str, minimum: i64) -> Option<u32> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_i64() {
                Some(n) if n < minimum => {
                    self.violations
                        .push(format!("#{}/{key}: expected minimum: {minimum}, found: {n}", self.path));
                    None
                }
                Some(n) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
                None => {
                    self.wrong_type(key, "Integer", value);
                    None
                }
            },
        }
    }

    fn number(&mut self, key: &str) {
        if let Some(value) = self.object.get(key) {
            if !value.is_number() {
                self.wrong_type(key, "Number", value);
            }
        }
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        match self.object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
            Some(other) => {
                self.wrong_type(key, "JSONArray of String", other);
                Vec::new()
            }
        }
    }

    fn object(&mut self, key: &str) -> Option<&'a Map<String, Value>> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.wrong_type(key, "JSONObject", other);
                None
            }
        }
    }

    fn absorb(&mut self, other: Checker<'_>) {
        self.violations.extend(other.violations);
    }

    fn finish(self) -> Result<(), RuntimeError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(RuntimeError::malformed(&self.violations))
        }
    }
}

fn text_prompt(format: NativeFormat, body: &Map<String, Value>) -> Result<Prompt, RuntimeError> {
    match format {
        NativeFormat::AnthropicMessages => anthropic_prompt(body),
        NativeFormat::Nova => nova_prompt(body),
        NativeFormat::TitanText => titan_text_prompt(body),
        NativeFormat::MetaLlama => llama_prompt(body),
        NativeFormat::TitanEmbed | NativeFormat::CohereEmbed => {
            Err(RuntimeError::validation(super::error::UNSUPPORTED_CONVERSE_MODEL))
        }
    }
}

fn single_user_prompt(text: &str, max_tokens: Option<u32>, stop_sequences: Vec<String>) -> Prompt {
    Prompt {
        system: Vec::new(),
        messages: vec![PromptMessage {
            assistant: false,
            texts: vec![text.to_owned()],
            tool_results: Vec::new(),
        }],
        tool_names: Vec::new(),
        max_tokens,
        stop_sequences,
        input_tokens: tokens::count_text(text),
    }
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

const ANTHROPIC_REQUIRED: [&str; 3] = ["anthropic_version", "max_tokens", "messages"];
const ANTHROPIC_OPTIONAL: [&str; 10] = [
    "system",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "tools",
    "tool_choice",
    "thinking",
    "metadata",
    "anthropic_beta",
];

fn anthropic_prompt(body: &Map<String, Value>) -> Result<Prompt, RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(&ANTHROPIC_REQUIRED, &ANTHROPIC_OPTIONAL);
    check.string("anthropic_version");
    let max_tokens = check.integer("max_tokens", 1);
    check.number("temperature");
    check.number("top_p");
    let stop_sequences = check.strings("stop_sequences");
    let mut input_tokens = 0u32;
    let mut system = Vec::new();
    match body.get("system") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => {
            input_tokens = input_tokens.saturating_add(tokens::count_text(text));
            system.push(text.clone());
        }
        Some(Value::Array(blocks)) => {
            for block in blocks {
                input_tokens = input_tokens.saturating_add(anthropic_block_tokens(block));
                if let Some(text) = block.get("text").and_then(Value::as_str) {
                    system.push(text.to_owned());
                }
            }
        }
        Some(other) => check.wrong_type("system", "String or JSONArray", other),
    }
    let mut tool_names = Vec::new();
    match body.get("tools") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tools)) => {
            for (index, tool) in tools.iter().enumerate() {
                let Some(tool) = tool.as_object() else {
                    check.wrong_type(&format!("tools/{index}"), "JSONObject", tool);
                    continue;
                };
                let mut tool_check = Checker::new(tool, format!("/tools/{index}"));
                if let Some(name) = tool_check.string("name") {
                    tool_names.push(name.to_owned());
                    input_tokens = input_tokens.saturating_add(tokens::count_text(name));
                }
                if let Some(description) = tool_check.string("description") {
                    input_tokens = input_tokens.saturating_add(tokens::count_text(description));
                }
                if let Some(schema) = tool.get("input_schema") {
                    input_tokens = input_tokens.saturating_add(tokens::count_json(schema));
                }
                check.absorb(tool_check);
            }
        }
        Some(other) => check.wrong_type("tools", "JSONArray", other),
    }
    let mut messages = Vec::new();
    match body.get("messages") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                let Some(message) = item.as_object() else {
                    check.wrong_type(&format!("messages/{index}"), "JSONObject", item);
                    continue;
                };
                let mut message_check = Checker::new(message, format!("/messages/{index}"));
                message_check.allow(&["role", "content"], &[]);
                let role = message_check.string("role");
                let assistant = match role {
                    Some("assistant") => true,
                    Some("user") | None => false,
                    Some(other) => {
                        message_check
                            .violations
                            .push(format!("#/messages/{index}/role: {other} is not a valid enum value"));
                        false
                    }
                };
                let mut out = PromptMessage {
                    assistant,
                    ..PromptMessage::default()
                };
                match message.get("content") {
                    None | Some(Value::Null) => {}
                    Some(Value::String(text)) => {
                        input_tokens = input_tokens.saturating_add(tokens::count_text(text));
                        out.texts.push(text.clone());
                    }
                    Some(Value::Array(blocks)) => {
                        for block in blocks {
                            input_tokens = input_tokens.saturating_add(anthropic_block_tokens(block));
                            match block.get("type").and_then(Value::as_str) {
                                Some("text") => {
                                    if let Some(text) = block.get("text").and_then(Value::as_str) {
                                        out.texts.push(text.to_owned());
                                    }
                                }
                                Some("tool_result") => match block.get("content") {
                                    Some(Value::String(text)) => out.tool_results.push(text.clone()),
                                    Some(Value::Array(parts)) => out.tool_results.extend(
                                        parts
                                            .iter()
                                            .filter_map(|part| part.get("text").and_then(Value::as_str))
                                            .map(str::to_owned),
                                    ),
                                    _ => {}
                                },
                                _ => {}
                            }
                        }
                    }
                    Some(other) => message_check.wrong_type("content", "String or JSONArray", other),
                }
                check.absorb(message_check);
                messages.push(out);
            }
        }
        Some(other) => check.wrong_type("messages", "JSONArray", other),
    }
    check.finish()?;
    Ok(Prompt {
        system,
        messages,
        tool_names,
        max_tokens,
        stop_sequences,
        input_tokens,
    })
}

/// Base64 text of `len` characters decodes to about this many bytes.
fn base64_len(data: &str) -> usize {
    let trimmed = data.trim_end_matches('=');
    trimmed.len() * 3 / 4
}

fn anthropic_block_tokens(block: &Value) -> u32 {
    let text = |key: &str| block.get(key).and_then(Value::as_str).map_or(0, tokens::count_text);
    match block.get("type").and_then(Value::as_str) {
        Some("text") => text("text"),
        Some("thinking") => text("thinking"),
        Some("image") | Some("document") => match block.get("source") {
            Some(source) => match source.get("type").and_then(Value::as_str) {
                Some("text") => source.get("data").and_then(Value::as_str).map_or(0, tokens::count_text),
                _ => tokens::count_binary(source.get("data").and_then(Value::as_str).map_or(0, base64_len)),
            },
            None => tokens::count_binary(0),
        },
        Some("tool_use") => text("name").saturating_add(block.get("input").map_or(0, tokens::count_json)),
        Some("tool_result") => match block.get("content") {
            Some(Value::String(content)) => tokens::count_text(content),
            Some(Value::Array(parts)) => parts.iter().map(anthropic_block_tokens).fold(0, u32::saturating_add),
            _ => 0,
        },
        _ => 0,
    }
}

/// `anthropic.claude-3-haiku-20240307-v1:0` answers as `claude-3-haiku-20240307`.
fn anthropic_model_name(model: &ResolvedModel) -> String {
    let name = model.base_id.strip_prefix("anthropic.").unwrap_or(&model.base_id);
    match name.rfind("-v") {
        Some(at) if name[at + 2..].chars().next().is_some_and(|c| c.is_ascii_digit()) => name[..at].to_owned(),
        _ => name.to_owned(),
    }
}

fn anthropic_message_id(body: &Map<String, Value>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = fnv1a(Value::Object(body.clone()).to_string().as_bytes());
    let mut id = String::from("msg_bdrk_01");
    for _ in 0..22 {
        state = splitmix64(state);
        id.push(ALPHABET[(state % ALPHABET.len() as u64) as usize] as char);
    }
    id
}

fn anthropic_tool_id(id: &str) -> String {
    format!("toolu_bdrk_01{}", id.strip_prefix("tooluse_").unwrap_or(id))
}

fn anthropic_block(block: &OutBlock) -> Value {
    match block {
        OutBlock::Text(text) => json!({"type": "text", "text": text}),
        OutBlock::ToolUse { id, name, input } => {
            json!({"type": "tool_use", "id": anthropic_tool_id(id), "name": name, "input": input})
        }
        OutBlock::Reasoning { text, signature } => {
            json!({"type": "thinking", "thinking": text, "signature": signature})
        }
    }
}

fn anthropic_response(model: &ResolvedModel, body: &Map<String, Value>, turn: &Turn) -> Value {
    json!({
        "id": anthropic_message_id(body),
        "type": "message",
        "role": "assistant",
        "model": anthropic_model_name(model),
        "content": turn.blocks.iter().map(anthropic_block).collect::<Vec<_>>(),
        "stop_reason": turn.stop.as_str(),
        "stop_sequence": turn.stop_sequence,
        "usage": {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens},
    })
}

fn anthropic_stream(model: &ResolvedModel, body: &Map<String, Value>, turn: &Turn) -> Vec<Timed<Value>> {
    let mut events = vec![Timed::now(json!({
        "type": "message_start",
        "message": {
            "id": anthropic_message_id(body),
            "type": "message",
            "role": "assistant",
            "model": anthropic_model_name(model),
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": {"input_tokens": turn.input_tokens, "output_tokens": 1},
        },
    }))];
    let mut pacer = turn.pacer();
    for (index, block) in turn.blocks.iter().enumerate() {
        let start = match block {
            OutBlock::Text(_) => json!({"type": "text", "text": ""}),
            OutBlock::ToolUse { id, name, .. } => {
                json!({"type": "tool_use", "id": anthropic_tool_id(id), "name": name, "input": {}})
            }
            OutBlock::Reasoning { .. } => json!({"type": "thinking", "thinking": ""}),
        };
        events.push(Timed::now(
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        ));
        let deltas: Vec<Value> = match block {
            OutBlock::Text(text) => turn
                .chunks(text)
                .into_iter()
                .map(|chunk| json!({"type": "text_delta", "text": chunk}))
                .collect(),
            OutBlock::ToolUse { input, .. } => tokens::split_chars(&input.to_string(), TOOL_INPUT_FRAGMENT_CHARS)
                .into_iter()
                .map(|fragment| json!({"type": "input_json_delta", "partial_json": fragment}))
                .collect(),
            OutBlock::Reasoning { text, signature } => turn
                .chunks(text)
                .into_iter()
                .map(|chunk| json!({"type": "thinking_delta", "thinking": chunk}))
                .chain(
                    signature
                        .iter()
                        .map(|signature| json!({"type": "signature_delta", "signature": signature})),
                )
                .collect(),
        };
        for delta in deltas {
            events.push(Timed {
                delay: pacer.next_delay(),
                event: json!({"type": "content_block_delta", "index": index, "delta": delta}),
            });
        }
        events.push(Timed::now(json!({"type": "content_block_stop", "index": index})));
    }
    events.push(Timed::now(json!({
        "type": "message_delta",
        "delta": {"stop_reason": turn.stop.as_str(), "stop_sequence": turn.stop_sequence},
        "usage": {"output_tokens": turn.output_tokens},
    })));
    events.push(Timed::now(json!({"type": "message_stop"})));
    events
}

// ---------------------------------------------------------------------------------------------
// Amazon Nova

fn nova_prompt(body: &Map<String, Value>) -> Result<Prompt, RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(
        &["messages"],
        &["schemaVersion", "system", "inferenceConfig", "toolConfig"],
    );
    check.string("schemaVersion");
    let mut max_tokens = None;
    let mut stop_sequences = Vec::new();
    if let Some(config) = check.object("inferenceConfig") {
        let mut config_check = Checker::new(config, "/inferenceConfig");
        config_check.allow(
            &[],
            &[
                "max_new_tokens",
                "maxTokens",
                "temperature",
                "top_p",
                "topP",
                "top_k",
                "topK",
                "stopSequences",
                "reasoningConfig",
            ],
        );
        max_tokens = config_check
            .integer("max_new_tokens", 1)
            .or(config_check.integer("maxTokens", 1));
        stop_sequences = config_check.strings("stopSequences");
        check.absorb(config_check);
    }
    let messages: Vec<Message> = decode(body, "messages", &mut check).unwrap_or_default();
    let system: Option<Vec<SystemContentBlock>> = decode(body, "system", &mut check);
    let tool_config: Option<ToolConfiguration> = decode(body, "toolConfig", &mut check);
    check.finish()?;
    let mut prompt = super::converse::converse_prompt(&messages, system.as_deref(), tool_config.as_ref(), None)?;
    prompt.max_tokens = max_tokens;
    prompt.stop_sequences = stop_sequences;
    prompt.input_tokens = count_converse_tokens(&messages, system.as_deref(), tool_config.as_ref());
    Ok(prompt)
}

/// Reads `key` as a generated model type, recording a violation when it does not fit.
fn decode<T: serde::de::DeserializeOwned>(body: &Map<String, Value>, key: &str, check: &mut Checker<'_>) -> Option<T> {
    let value = body.get(key)?;
    match serde_json::from_value(value.clone()) {
        Ok(decoded) => Some(decoded),
        Err(error) => {
            check.violations.push(format!("#/{key}: {error}"));
            None
        }
    }
}

fn nova_response(turn: &Turn) -> Value {
    let content: Vec<Value> = turn
        .blocks
        .iter()
        .map(|block| serde_json::to_value(content_block(block)).unwrap_or(Value::Null))
        .collect();
    json!({
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": turn.stop.as_str(),
        "usage": {
            "inputTokens": turn.input_tokens,
            "outputTokens": turn.output_tokens,
            "totalTokens": turn.input_tokens.saturating_add(turn.output_tokens),
            "cacheReadInputTokenCount": 0,
            "cacheWriteInputTokenCount": 0,
        },
    })
}

fn nova_stream(turn: &Turn) -> Vec<Timed<Value>> {
    stream_events(turn, None)
        .into_iter()
        .map(|timed| {
            let event = match timed.event {
                // Nova's native metadata chunk carries only the token counts.
                ConverseStreamOutput::Metadata(_) => json!({"metadata": {
                    "usage": {"inputTokens": turn.input_tokens, "outputTokens": turn.output_tokens},
                    "metrics": {},
                    "trace": {},
                }}),
                other => serde_json::to_value(&other).unwrap_or(Value::Null),
            };
            Timed {
                delay: timed.delay,
                event,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Amazon Titan Text

fn titan_text_prompt(body: &Map<String, Value>) -> Result<Prompt, RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(&["inputText"], &["textGenerationConfig"]);
    let text = check.string("inputText").unwrap_or_default();
    let mut max_tokens = None;
    let mut stop_sequences = Vec::new();
    if let Some(config) = check.object("textGenerationConfig") {
        let mut config_check = Checker::new(config, "/textGenerationConfig");
        config_check.allow(&[], &["maxTokenCount", "stopSequences", "temperature", "topP"]);
        max_tokens = config_check.integer("maxTokenCount", 0);
        stop_sequences = config_check.strings("stopSequences");
        config_check.number("temperature");
        config_check.number("topP");
        check.absorb(config_check);
    }
    check.finish()?;
    let mut prompt = single_user_prompt(text, max_tokens, stop_sequences);
    prompt.messages[0].texts = vec![titan_user_text(text).to_owned()];
    Ok(prompt)
}

/// The last `User:` turn of a Titan conversation prompt (up to its `Bot:`), or the whole text.
fn titan_user_text(text: &str) -> &str {
    let Some(at) = text.rfind("User:") else { return text };
    let rest = &text[at + "User:".len()..];
    let end = rest.find("Bot:").unwrap_or(rest.len());
    rest[..end].trim()
}

fn titan_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::MaxTokens => "LENGTH",
        Stop::StopSequence => "STOP_CRITERIA_MET",
        Stop::GuardrailIntervened | Stop::ContentFiltered => "CONTENT_FILTERED",
        _ => "FINISH",
    }
}

fn titan_text_response(turn: &Turn) -> Value {
    json!({
        "inputTextTokenCount": turn.input_tokens,
        "results": [{
            "tokenCount": turn.output_tokens,
            "outputText": turn.text(),
            "completionReason": titan_reason(turn.stop),
        }],
    })
}

fn titan_text_stream(turn: &Turn) -> Vec<Timed<Value>> {
    let text = turn.text();
    let mut chunks = turn.chunks(&text);
    if chunks.is_empty() {
        chunks.push(String::new());
    }
    let last = chunks.len() - 1;
    let mut pacer = turn.pacer();
    let mut total = 0u32;
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, chunk)| {
            total = total.saturating_add(tokens::count_text(&chunk));
            let reason = (index == last).then(|| titan_reason(turn.stop));
            let count = if index == last { turn.output_tokens } else { total };
            Timed {
                delay: pacer.next_delay(),
                event: json!({
                    "outputText": chunk,
                    "index": 0,
                    "totalOutputTextTokenCount": count,
                    "completionReason": reason,
                    "inputTextTokenCount": if index == 0 { Some(turn.input_tokens) } else { None },
                }),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Meta Llama

fn llama_prompt(body: &Map<String, Value>) -> Result<Prompt, RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(&["prompt"], &["temperature", "top_p", "max_gen_len", "images"]);
    let text = check.string("prompt").unwrap_or_default();
    let max_tokens = check.integer("max_gen_len", 1);
    check.number("temperature");
    check.number("top_p");
    check.finish()?;
    let mut prompt = single_user_prompt(text, max_tokens, Vec::new());
    // The families see the last user turn of a chat template, not the template itself; the
    // input tokens still count the whole prompt.
    prompt.messages[0].texts = vec![llama_user_text(text).to_owned()];
    Ok(prompt)
}

/// The last user turn of a Llama 3 (`<|start_header_id|>user<|end_header_id|>`) or Llama 2
/// (`[INST] ... [/INST]`) chat template, or the whole prompt when it uses neither.
fn llama_user_text(prompt: &str) -> &str {
    const LLAMA3_USER: &str = "<|start_header_id|>user<|end_header_id|>";
    if let Some(at) = prompt.rfind(LLAMA3_USER) {
        let rest = &prompt[at + LLAMA3_USER.len()..];
        let end = rest.find("<|eot_id|>").unwrap_or(rest.len());
        return rest[..end].trim();
    }
    if let Some(at) = prompt.rfind("[INST]") {
        let rest = &prompt[at + "[INST]".len()..];
        let end = rest.find("[/INST]").unwrap_or(rest.len());
        let turn = rest[..end].trim();
        // A Llama 2 system prompt sits in front of the first user turn.
        return match turn.rfind("<</SYS>>") {
            Some(sys_end) => turn[sys_end + "<</SYS>>".len()..].trim(),
            None => turn,
        };
    }
    prompt
}

fn llama_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::MaxTokens => "length",
        _ => "stop",
    }
}

fn llama_response(turn: &Turn) -> Value {
    json!({
        "generation": turn.text(),
        "prompt_token_count": turn.input_tokens,
        "generation_token_count": turn.output_tokens,
        "stop_reason": llama_reason(turn.stop),
    })
}

fn llama_stream(turn: &Turn) -> Vec<Timed<Value>> {
    let text = turn.text();
    let mut chunks = turn.chunks(&text);
    if chunks.is_empty() {
        chunks.push(String::new());
    }
    let last = chunks.len() - 1;
    let mut pacer = turn.pacer();
    let mut total = 0u32;
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, chunk)| {
            total = total.saturating_add(tokens::count_text(&chunk));
            let count = if index == last { turn.output_tokens } else { total };
            Timed {
                delay: pacer.next_delay(),
                event: json!({
                    "generation": chunk,
                    "prompt_token_count": if index == 0 { Some(turn.input_tokens) } else { None },
                    "generation_token_count": count,
                    "stop_reason": (index == last).then(|| llama_reason(turn.stop)),
                }),
            }
        })
        .collect()
}

fn text_response(format: NativeFormat, model: &ResolvedModel, body: &Map<String, Value>, turn: &Turn) -> Value {
    match format {
        NativeFormat::AnthropicMessages => anthropic_response(model, body, turn),
        NativeFormat::Nova => nova_response(turn),
        NativeFormat::TitanText => titan_text_response(turn),
        _ => llama_response(turn),
    }
}

fn invocation_metrics(turn: &Turn) -> Value {
    json!({
        "inputTokenCount": turn.input_tokens,
        "outputTokenCount": turn.output_tokens,
        "invocationLatency": turn.latency_ms(),
        "firstByteLatency": turn.pacing.first_chunk_delay.as_millis() as u64,
    })
}

// ---------------------------------------------------------------------------------------------
// Embeddings

/// A deterministic unit vector of `dimensions` values derived from `text`.
pub(crate) fn embedding(text: &str, dimensions: usize, normalize: bool) -> Vec<f32> {
    let mut state = fnv1a(text.as_bytes());
    let mut values: Vec<f64> = (0..dimensions)
        .map(|_| {
            state = splitmix64(state);
            // 53 random bits to [-1, 1).
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect();
    if normalize {
        let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            values.iter_mut().for_each(|v| *v /= norm);
        }
    }
    values.into_iter().map(|v| v as f32).collect()
}

fn titan_embed_input(body: &Map<String, Value>) -> Result<(String, u32, usize, bool), RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(
        &[],
        &[
            "inputText",
            "inputImage",
            "dimensions",
            "normalize",
            "embeddingTypes",
            "embeddingConfig",
        ],
    );
    let text = check.string("inputText").unwrap_or_default().to_owned();
    let image = check.string("inputImage");
    if !body.contains_key("inputText") && image.is_none() {
        check
            .violations
            .push("#: required key [inputText] not found".to_owned());
    }
    let dimensions = check.integer("dimensions", 1);
    if let Some(n) = dimensions {
        if ![256, 384, 512, 1024].contains(&n) {
            check
                .violations
                .push(format!("#/dimensions: {n} is not a valid enum value"));
        }
    }
    let normalize = match body.get("normalize") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(flag)) => *flag,
        Some(other) => {
            check.wrong_type("normalize", "Boolean", other);
            true
        }
    };
    check.finish()?;
    let tokens =
        tokens::count_text(&text).saturating_add(image.map_or(0, |data| tokens::count_binary(base64_len(data))));
    let dimensions = dimensions.map_or(0, |n| n as usize);
    Ok((
        format!("{text}{}", image.unwrap_or_default()),
        tokens,
        dimensions,
        normalize,
    ))
}

fn titan_embed(model: &ResolvedModel, body: &Map<String, Value>) -> Result<Value, RuntimeError> {
    let (text, tokens, dimensions, normalize) = titan_embed_input(body)?;
    let dimensions = if dimensions > 0 {
        dimensions
    } else if model.base_id.starts_with("amazon.titan-embed-text-v1") {
        1536
    } else {
        1024
    };
    Ok(json!({"embedding": embedding(&text, dimensions, normalize), "inputTextTokenCount": tokens}))
}

fn cohere_input(body: &Map<String, Value>) -> Result<Vec<String>, RuntimeError> {
    let mut check = Checker::new(body, "");
    check.allow(
        &["texts", "input_type"],
        &[
            "truncate",
            "embedding_types",
            "images",
            "output_dimension",
            "max_tokens",
        ],
    );
    let texts = check.strings("texts");
    if let Some(kind) = check.string("input_type") {
        if ![
            "search_document",
            "search_query",
            "classification",
            "clustering",
            "image",
        ]
        .contains(&kind)
        {
            check
                .violations
                .push(format!("#/input_type: {kind} is not a valid enum value"));
        }
    }
    if let Some(n) = check.integer("output_dimension", 1) {
        if ![256, 512, 1024, 1536].contains(&n) {
            check
                .violations
                .push(format!("#/output_dimension: {n} is not a valid enum value"));
        }
    }
    if texts.len() > 96 {
        check.violations.push(format!(
            "#/texts: expected maximum item count: 96, found: {}",
            texts.len()
        ));
    }
    check.finish()?;
    Ok(texts)
}

fn cohere_embed(body: &Map<String, Value>) -> Result<Value, RuntimeError> {
    let texts = cohere_input(body)?;
    let dimensions = body
        .get("output_dimension")
        .and_then(Value::as_u64)
        .map_or(1024, |n| n as usize);
    let vectors: Vec<Vec<f32>> = texts.iter().map(|text| embedding(text, dimensions, true)).collect();
    let id = format!(
        "{:016x}{:016x}",
        fnv1a(Value::Object(body.clone()).to_string().as_bytes()),
        saturate(texts.len())
    );
    let types = body.get("embedding_types").and_then(Value::as_array);
    Ok(match types {
        Some(types) => {
            let by_type: Map<String, Value> = types
                .iter()
                .filter_map(Value::as_str)
                .map(|kind| (kind.to_owned(), json!(vectors)))
                .collect();
            json!({"id": id, "response_type": "embeddings_by_type", "embeddings": by_type, "texts": texts})
        }
        None => json!({"id": id, "response_type": "embeddings_floats", "embeddings": vectors, "texts": texts}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_templates_yield_the_last_user_turn() {
        let llama3 = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe nice<|eot_id|>\
                      <|start_header_id|>user<|end_header_id|>\n\nfirst<|eot_id|>\
                      <|start_header_id|>assistant<|end_header_id|>\n\nok<|eot_id|>\
                      <|start_header_id|>user<|end_header_id|>\n\nHello there<|eot_id|>\
                      <|start_header_id|>assistant<|end_header_id|>\n\n";
        assert_eq!(llama_user_text(llama3), "Hello there");
        assert_eq!(
            llama_user_text("<s>[INST] <<SYS>>\nBe nice\n<</SYS>>\n\nHi llama [/INST]"),
            "Hi llama"
        );
        assert_eq!(llama_user_text("[INST] a [/INST] b </s><s>[INST] c [/INST]"), "c");
        assert_eq!(llama_user_text("plain prompt"), "plain prompt");
        assert_eq!(
            titan_user_text("User: hi\nBot: hello\nUser: how are you?\nBot:"),
            "how are you?"
        );
        assert_eq!(titan_user_text("Tell me"), "Tell me");
    }

    #[test]
    fn anthropic_model_names() {
        let model = |id: &str| ResolvedModel {
            requested_id: id.into(),
            base_id: id.into(),
            provider: Provider::Anthropic,
            family: super::super::registry::Family::Echo,
        };
        assert_eq!(
            anthropic_model_name(&model("anthropic.claude-3-haiku-20240307-v1:0")),
            "claude-3-haiku-20240307"
        );
        assert_eq!(
            anthropic_model_name(&model("anthropic.claude-sonnet-4-20250514-v1:0")),
            "claude-sonnet-4-20250514"
        );
        assert_eq!(anthropic_model_name(&model("anthropic.claude-v2")), "claude");
        assert_eq!(anthropic_model_name(&model("echo")), "echo");
    }

    #[test]
    fn embeddings_are_unit_length_and_stable() {
        let a = embedding("a", 64, true);
        assert_eq!(a, embedding("a", 64, true));
        let norm: f32 = a.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        assert!(embedding("a", 8, false).iter().all(|v| (-1.0..1.0).contains(v)));
        assert!(embedding("a", 0, true).is_empty());
    }
}
