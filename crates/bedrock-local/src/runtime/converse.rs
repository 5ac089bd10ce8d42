//! Converse and ConverseStream.

use bedrock_runtime_types::event_stream::ConverseStreamOutput;
use bedrock_runtime_types::types::{AudioSource, ImageSource, VideoSource};
use bedrock_runtime_types::types::{
    ContentBlock, ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockStart, ContentBlockStartEvent,
    ContentBlockStopEvent, ConversationRole, ConverseMetrics, ConverseOutput, ConverseRequest, ConverseResponse,
    ConverseStreamMetadataEvent, ConverseStreamMetrics, ConverseStreamRequest, ConverseStreamTrace, ConverseTrace,
    DocumentContentBlock, DocumentSource, GuardrailConfiguration, GuardrailConverseContentBlock,
    GuardrailTraceAssessment, InferenceConfiguration, Message, MessageStartEvent, MessageStopEvent,
    ReasoningContentBlock, ReasoningContentBlockDelta, ReasoningTextBlock, StopReason, SystemContentBlock, TokenUsage,
    Tool, ToolConfiguration, ToolInputSchema, ToolResultContentBlock, ToolUseBlock, ToolUseBlockDelta,
    ToolUseBlockStart,
};

use super::engine::{OutBlock, Prompt, PromptMessage, Stop, Turn, TOOL_INPUT_FRAGMENT_CHARS};
use super::error::{RuntimeError, UNSUPPORTED_CONVERSE_MODEL};
use super::guardrail::{generate_guarded, GuardrailEvaluator};
use super::registry::ModelRegistry;
use super::tokens::{self, to_i32};
use super::Timed;

/// The message the service answers when the conversation is empty or opens with the assistant.
pub const FIRST_MESSAGE_NOT_USER: &str =
    "A conversation must start with a user message. Try again with a conversation that starts with a user message.";

/// Answers a Converse request.
///
/// `guardrails` is consulted only when the request has a `guardrailConfig`; without an
/// evaluator the guardrail configuration is accepted and ignored.
pub fn converse(
    registry: &ModelRegistry,
    request: &ConverseRequest,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<ConverseResponse, RuntimeError> {
    let input = ConverseInput {
        model_id: &request.model_id,
        messages: request.messages.as_deref(),
        system: request.system.as_deref(),
        tool_config: request.tool_config.as_ref(),
        inference_config: request.inference_config.as_ref(),
        guardrail: request.guardrail_config.clone(),
    };
    let (turn, trace) = run(registry, &input, guardrails)?;
    let message = Message::new(
        ConversationRole::Assistant,
        turn.blocks.iter().map(content_block).collect::<Vec<_>>(),
    );
    let mut response = ConverseResponse::new(
        ConverseOutput::Message(message),
        stop_reason(turn.stop),
        usage(&turn),
        ConverseMetrics::new(turn.latency_ms()),
    );
    if let Some(trace) = trace {
        response = response.with_trace(ConverseTrace::new().with_guardrail(trace));
    }
    Ok(response)
}

/// Answers a ConverseStream request with its events in the order the service sends them, each
/// with the pause to make before sending it.
///
/// The order is `messageStart`; then per content block: `contentBlockStart` (tool calls only;
/// text and reasoning blocks open with their first delta), one or more `contentBlockDelta`
/// (text chunks, tool input JSON fragments, reasoning text chunks then the signature),
/// `contentBlockStop`; then `messageStop` and `metadata`. Only content deltas carry pauses.
pub fn converse_stream(
    registry: &ModelRegistry,
    request: &ConverseStreamRequest,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<Vec<Timed<ConverseStreamOutput>>, RuntimeError> {
    let guardrail = request.guardrail_config.as_ref().map(|config| {
        let mut plain = GuardrailConfiguration::new();
        plain.guardrail_identifier = config.guardrail_identifier.clone();
        plain.guardrail_version = config.guardrail_version.clone();
        plain.trace = config.trace.clone();
        plain
    });
    let input = ConverseInput {
        model_id: &request.model_id,
        messages: request.messages.as_deref(),
        system: request.system.as_deref(),
        tool_config: request.tool_config.as_ref(),
        inference_config: request.inference_config.as_ref(),
        guardrail,
    };
    let (turn, trace) = run(registry, &input, guardrails)?;
    Ok(stream_events(&turn, trace))
}

/// The input tokens of a Converse-shaped request, as Converse and CountTokens report them.
///
/// The count is the sum over the system prompt, every content block of every message and every
/// tool specification (name, description and the compact JSON of its schema); see
/// [`tokens`](super::tokens) for how text and binary content count.
pub fn count_converse_tokens(
    messages: &[Message],
    system: Option<&[SystemContentBlock]>,
    tool_config: Option<&ToolConfiguration>,
) -> u32 {
    let system_tokens: u32 = system
        .unwrap_or_default()
        .iter()
        .map(count_system_block)
        .fold(0, u32::saturating_add);
    let message_tokens: u32 = messages
        .iter()
        .flat_map(|message| message.content.iter())
        .map(count_content_block)
        .fold(0, u32::saturating_add);
    let tool_tokens: u32 = tool_config
        .map(|config| config.tools.iter().map(count_tool).fold(0, u32::saturating_add))
        .unwrap_or(0);
    system_tokens.saturating_add(message_tokens).saturating_add(tool_tokens)
}

struct ConverseInput<'a> {
    model_id: &'a str,
    messages: Option<&'a [Message]>,
    system: Option<&'a [SystemContentBlock]>,
    tool_config: Option<&'a ToolConfiguration>,
    inference_config: Option<&'a InferenceConfiguration>,
    guardrail: Option<GuardrailConfiguration>,
}

fn run(
    registry: &ModelRegistry,
    input: &ConverseInput<'_>,
    guardrails: Option<&dyn GuardrailEvaluator>,
) -> Result<(Turn, Option<GuardrailTraceAssessment>), RuntimeError> {
    let model = registry.resolve(input.model_id)?;
    if model.provider.is_embedding() {
        return Err(RuntimeError::validation(UNSUPPORTED_CONVERSE_MODEL));
    }
    let messages = input.messages.unwrap_or_default();
    if messages.first().map(|message| &message.role) != Some(&ConversationRole::User) {
        return Err(RuntimeError::validation(FIRST_MESSAGE_NOT_USER));
    }
    check_messages(messages)?;
    let prompt = converse_prompt(messages, input.system, input.tool_config, input.inference_config)?;
    let guardrail = guardrails.zip(input.guardrail.as_ref());
    let guarded = generate_guarded(
        registry,
        &model,
        &prompt,
        &input_texts(messages, input.system),
        guardrail,
    )?;
    Ok((guarded.turn, guarded.trace))
}

/// The message the service answers when two messages in a row have the same role.
pub const ROLES_MUST_ALTERNATE: &str = "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";

/// Checks what the service checks of every conversation: roles alternate and no text block is
/// blank.
fn check_messages(messages: &[Message]) -> Result<(), RuntimeError> {
    if messages.windows(2).any(|pair| pair[0].role == pair[1].role) {
        return Err(RuntimeError::validation(ROLES_MUST_ALTERNATE));
    }
    for (message_index, message) in messages.iter().enumerate() {
        for (block_index, block) in message.content.iter().enumerate() {
            if let ContentBlock::Text(text) = block {
                if text.trim().is_empty() {
                    return Err(RuntimeError::validation(format!(
                        "The text field in the ContentBlock object at messages.{message_index}.content.{block_index} is blank. Add text to the text field, and try again."
                    )));
                }
            }
        }
    }
    Ok(())
}

fn input_texts(messages: &[Message], system: Option<&[SystemContentBlock]>) -> Vec<String> {
    let mut texts: Vec<String> = system
        .unwrap_or_default()
        .iter()
        .filter_map(|block| match block {
            SystemContentBlock::Text(text) => Some(text.clone()),
            SystemContentBlock::GuardContent(GuardrailConverseContentBlock::Text(text)) => Some(text.text.clone()),
            _ => None,
        })
        .collect();
    for message in messages.iter().filter(|message| message.role == ConversationRole::User) {
        for block in &message.content {
            match block {
                ContentBlock::Text(text) => texts.push(text.clone()),
                ContentBlock::GuardContent(GuardrailConverseContentBlock::Text(text)) => texts.push(text.text.clone()),
                _ => {}
            }
        }
    }
    texts
}

pub(crate) fn converse_prompt(
    messages: &[Message],
    system: Option<&[SystemContentBlock]>,
    tool_config: Option<&ToolConfiguration>,
    inference: Option<&InferenceConfiguration>,
) -> Result<Prompt, RuntimeError> {
    let max_tokens = match inference.and_then(|config| config.max_tokens) {
        Some(n) if n < 1 => {
            return Err(RuntimeError::validation(format!(
                "1 validation error detected: Value '{n}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )))
        }
        Some(n) => Some(n.unsigned_abs()),
        None => None,
    };
    Ok(Prompt {
        system: system
            .unwrap_or_default()
            .iter()
            .filter_map(|block| match block {
                SystemContentBlock::Text(text) => Some(text.clone()),
                _ => None,
            })
            .collect(),
        messages: messages.iter().map(prompt_message).collect(),
        tool_names: tool_config
            .map(|config| {
                config
                    .tools
                    .iter()
                    .filter_map(|tool| match tool {
                        Tool::ToolSpec(spec) => Some(spec.name.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        max_tokens,
        stop_sequences: inference
            .and_then(|config| config.stop_sequences.clone())
            .unwrap_or_default(),
        input_tokens: count_converse_tokens(messages, system, tool_config),
    })
}

fn prompt_message(message: &Message) -> PromptMessage {
    let mut out = PromptMessage {
        assistant: message.role == ConversationRole::Assistant,
        ..PromptMessage::default()
    };
    for block in &message.content {
        match block {
            ContentBlock::Text(text) => out.texts.push(text.clone()),
            ContentBlock::ToolResult(result) => {
                for part in &result.content {
                    match part {
                        ToolResultContentBlock::Text(text) => out.tool_results.push(text.clone()),
                        ToolResultContentBlock::Json(json) => out.tool_results.push(json.to_string()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn count_system_block(block: &SystemContentBlock) -> u32 {
    match block {
        SystemContentBlock::Text(text) => tokens::count_text(text),
        SystemContentBlock::GuardContent(guard) => count_guard(guard),
        _ => 0,
    }
}

fn count_guard(block: &GuardrailConverseContentBlock) -> u32 {
    match block {
        GuardrailConverseContentBlock::Text(text) => tokens::count_text(&text.text),
        GuardrailConverseContentBlock::Image(image) => match &image.source {
            bedrock_runtime_types::types::GuardrailConverseImageSource::Bytes(bytes) => {
                tokens::count_binary(bytes.as_ref().len())
            }
            _ => tokens::count_binary(0),
        },
        _ => 0,
    }
}

fn count_image(source: &ImageSource) -> u32 {
    match source {
        ImageSource::Bytes(bytes) => tokens::count_binary(bytes.as_ref().len()),
        _ => tokens::count_binary(0),
    }
}

fn count_document(source: &DocumentSource) -> u32 {
    match source {
        DocumentSource::Bytes(bytes) => tokens::count_bytes_document(bytes.as_ref()),
        DocumentSource::Text(text) => tokens::count_text(text),
        DocumentSource::Content(parts) => parts
            .iter()
            .map(|part| match part {
                DocumentContentBlock::Text(text) => tokens::count_text(text),
                _ => 0,
            })
            .fold(0, u32::saturating_add),
        _ => tokens::count_binary(0),
    }
}

/// The tokens of one Converse content block.
pub(crate) fn count_content_block(block: &ContentBlock) -> u32 {
    match block {
        ContentBlock::Text(text) => tokens::count_text(text),
        ContentBlock::Image(image) => count_image(&image.source),
        ContentBlock::Document(document) => {
            tokens::count_text(&document.name).saturating_add(count_document(&document.source))
        }
        ContentBlock::Video(video) => match &video.source {
            VideoSource::Bytes(bytes) => tokens::count_binary(bytes.as_ref().len()),
            _ => tokens::count_binary(0),
        },
        ContentBlock::Audio(audio) => match &audio.source {
            AudioSource::Bytes(bytes) => tokens::count_binary(bytes.as_ref().len()),
            _ => tokens::count_binary(0),
        },
        ContentBlock::ToolUse(tool) => tokens::count_text(&tool.name).saturating_add(tokens::count_json(&tool.input)),
        ContentBlock::ToolResult(result) => result
            .content
            .iter()
            .map(|part| match part {
                ToolResultContentBlock::Json(json) => tokens::count_json(json),
                ToolResultContentBlock::Text(text) => tokens::count_text(text),
                ToolResultContentBlock::Image(image) => count_image(&image.source),
                ToolResultContentBlock::Document(document) => {
                    tokens::count_text(&document.name).saturating_add(count_document(&document.source))
                }
                ToolResultContentBlock::Video(_) => tokens::count_binary(0),
                ToolResultContentBlock::SearchResult(result) => result
                    .content
                    .iter()
                    .map(|part| tokens::count_text(&part.text))
                    .fold(0, u32::saturating_add),
                _ => 0,
            })
            .fold(0, u32::saturating_add),
        ContentBlock::GuardContent(guard) => count_guard(guard),
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning)) => {
            tokens::count_text(&reasoning.text)
        }
        ContentBlock::SearchResult(result) => result
            .content
            .iter()
            .map(|part| tokens::count_text(&part.text))
            .fold(0, u32::saturating_add),
        _ => 0,
    }
}

fn count_tool(tool: &Tool) -> u32 {
    match tool {
        Tool::ToolSpec(spec) => {
            let schema = match &spec.input_schema {
                ToolInputSchema::Json(json) => tokens::count_json(json),
                _ => 0,
            };
            tokens::count_text(&spec.name)
                .saturating_add(spec.description.as_deref().map_or(0, tokens::count_text))
                .saturating_add(schema)
        }
        _ => 0,
    }
}

fn stop_reason(stop: Stop) -> StopReason {
    StopReason::from(stop.as_str())
}

pub(crate) fn usage(turn: &Turn) -> TokenUsage {
    TokenUsage::new(
        to_i32(turn.input_tokens),
        to_i32(turn.output_tokens),
        to_i32(turn.input_tokens.saturating_add(turn.output_tokens)),
    )
}

pub(crate) fn content_block(block: &OutBlock) -> ContentBlock {
    match block {
        OutBlock::Text(text) => ContentBlock::Text(text.clone()),
        OutBlock::ToolUse { id, name, input } => ContentBlock::ToolUse(ToolUseBlock::new(id, name, input.clone())),
        OutBlock::Reasoning { text, signature } => {
            let mut reasoning = ReasoningTextBlock::new(text);
            if let Some(signature) = signature {
                reasoning = reasoning.with_signature(signature);
            }
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning))
        }
    }
}

pub(crate) fn stream_events(turn: &Turn, trace: Option<GuardrailTraceAssessment>) -> Vec<Timed<ConverseStreamOutput>> {
    let mut events = vec![Timed::now(ConverseStreamOutput::MessageStart(MessageStartEvent::new(
        ConversationRole::Assistant,
    )))];
    let mut pacer = turn.pacer();
    for (index, block) in turn.blocks.iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        let mut delta = |delta: ContentBlockDelta, events: &mut Vec<Timed<ConverseStreamOutput>>| {
            events.push(Timed {
                delay: pacer.next_delay(),
                event: ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(delta, index)),
            });
        };
        match block {
            OutBlock::Text(text) => {
                let chunks = turn.chunks(text);
                if chunks.is_empty() {
                    delta(ContentBlockDelta::Text(String::new()), &mut events);
                }
                for chunk in chunks {
                    delta(ContentBlockDelta::Text(chunk), &mut events);
                }
            }
            OutBlock::ToolUse { id, name, input } => {
                events.push(Timed::now(ConverseStreamOutput::ContentBlockStart(
                    ContentBlockStartEvent::new(ContentBlockStart::ToolUse(ToolUseBlockStart::new(id, name)), index),
                )));
                for fragment in tokens::split_chars(&input.to_string(), TOOL_INPUT_FRAGMENT_CHARS) {
                    delta(
                        ContentBlockDelta::ToolUse(ToolUseBlockDelta::new(fragment)),
                        &mut events,
                    );
                }
            }
            OutBlock::Reasoning { text, signature } => {
                for chunk in turn.chunks(text) {
                    delta(
                        ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Text(chunk)),
                        &mut events,
                    );
                }
                if let Some(signature) = signature {
                    delta(
                        ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Signature(signature.clone())),
                        &mut events,
                    );
                }
            }
        }
        events.push(Timed::now(ConverseStreamOutput::ContentBlockStop(
            ContentBlockStopEvent::new(index),
        )));
    }
    events.push(Timed::now(ConverseStreamOutput::MessageStop(MessageStopEvent::new(
        stop_reason(turn.stop),
    ))));
    let mut metadata = ConverseStreamMetadataEvent::new(usage(turn), ConverseStreamMetrics::new(turn.latency_ms()));
    if let Some(trace) = trace {
        metadata = metadata.with_trace(ConverseStreamTrace::new().with_guardrail(trace));
    }
    events.push(Timed::now(ConverseStreamOutput::Metadata(metadata)));
    events
}
