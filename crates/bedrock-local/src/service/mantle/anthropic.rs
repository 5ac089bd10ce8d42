//! The Anthropic-compatible operations: Messages (streamed or not) and count_tokens.

use bedrock_mantle_types::anthropic::{
    ContentBlock, ContentBlockDelta, ContentBlockDeltaEvent, ContentBlockParam, ContentBlockStartEvent,
    ContentBlockStopEvent, CountTokensRequest, CountTokensResponse, CreateMessageRequest, InputJsonDelta, Message,
    MessageDeltaBody, MessageDeltaEvent, MessageDeltaUsage, MessageParam, MessageParamContent, MessageStartEvent,
    MessageStopEvent, MessageStreamEvent, SignatureDelta, SystemPrompt, TextBlock, TextDelta, ThinkingBlock,
    ThinkingDelta, Tool, ToolUseBlock, Usage,
};
use bytes::Bytes;
use http::StatusCode;
use std::time::Duration;

use super::{event_frame, input_tokens, json, parse, push_message, sse, texts_of, tool_tokens, ApiError, Mantle};
use crate::runtime::engine::{OutBlock, Prompt, Turn, TOOL_INPUT_FRAGMENT_CHARS};
use crate::runtime::tokens::split_chars;
use crate::runtime::{Stop, Timed};

fn stop_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::ToolUse => "tool_use",
        Stop::MaxTokens => "max_tokens",
        Stop::StopSequence => "stop_sequence",
        Stop::GuardrailIntervened | Stop::ContentFiltered => "refusal",
        _ => "end_turn",
    }
}

/// The prompt of a Messages or count_tokens request.
fn prompt(
    messages: &[MessageParam],
    system: Option<&SystemPrompt>,
    tools: Option<&Vec<Tool>>,
) -> Result<Prompt, ApiError> {
    let mut prompt = Prompt::default();
    if let Some(system) = system {
        prompt.system = texts_of(system);
    }
    for (index, message) in messages.iter().enumerate() {
        let assistant = match serde_json::to_value(&message.role)
            .ok()
            .as_ref()
            .and_then(|v| v.as_str())
        {
            Some("user") => false,
            Some("assistant") => true,
            _ => {
                return Err(ApiError::invalid(format!(
                    "messages.{index}.role: Input should be 'user' or 'assistant'"
                )))
            }
        };
        let mut texts = Vec::new();
        let mut results = Vec::new();
        match &message.content {
            MessageParamContent::Text(text) => texts.push(text.clone()),
            MessageParamContent::List(blocks) => {
                for block in blocks {
                    match block {
                        ContentBlockParam::Text(text) => texts.push(text.text.clone()),
                        ContentBlockParam::ToolUse(call) => texts.push(format!("call {} {}", call.name, call.input)),
                        ContentBlockParam::ToolResult(result) => {
                            results.extend(result.content.as_ref().map(texts_of).unwrap_or_default())
                        }
                        _ => {}
                    }
                }
            }
        }
        push_message(&mut prompt.messages, assistant, texts, results);
    }
    if prompt.messages.first().is_none_or(|m| m.assistant) {
        return Err(ApiError::invalid(
            "messages: the first message must use the \"user\" role",
        ));
    }
    let mut tool_count = 0;
    for tool in tools.into_iter().flatten() {
        prompt.tool_names.push(tool.name.clone());
        tool_count += tool_tokens(&tool.name, tool.description.as_deref(), tool.input_schema.as_ref());
    }
    prompt.input_tokens = input_tokens(&prompt, tool_count);
    Ok(prompt)
}

fn content_block(block: &OutBlock) -> ContentBlock {
    match block {
        OutBlock::Text(text) => {
            let mut block = TextBlock::new(text.as_str());
            block.citations = Some(None);
            ContentBlock::Text(block)
        }
        OutBlock::ToolUse { id, name, input } => {
            ContentBlock::ToolUse(ToolUseBlock::new(id.as_str(), input.clone(), name.as_str()))
        }
        OutBlock::Reasoning { text, signature } => {
            ContentBlock::Thinking(ThinkingBlock::new(signature.clone().unwrap_or_default(), text.as_str()))
        }
    }
}

pub(super) fn create_message(mantle: &Mantle, body: &Bytes) -> crate::server::Response {
    match create_inner(mantle, body) {
        Ok(response) => response,
        Err(error) => error.anthropic(),
    }
}

fn create_inner(mantle: &Mantle, body: &Bytes) -> Result<crate::server::Response, ApiError> {
    let request: CreateMessageRequest = parse(body)?;
    if request.max_tokens < 1 {
        return Err(ApiError::invalid(
            "max_tokens: Input should be greater than or equal to 1",
        ));
    }
    let mut prompt = prompt(&request.messages, request.system.as_ref(), request.tools.as_ref())?;
    prompt.max_tokens = Some(u32::try_from(request.max_tokens).unwrap_or(u32::MAX));
    prompt.stop_sequences = request.stop_sequences.clone().unwrap_or_default();
    let turn = mantle.generate(&request.model, &prompt)?;
    let id = mantle.next_id("msg_");
    let usage = Usage::new(i64::from(turn.input_tokens), i64::from(turn.output_tokens));
    if !request.stream.unwrap_or(false) {
        let content: Vec<ContentBlock> = turn.blocks.iter().map(content_block).collect();
        let message = Message::new(
            content,
            id,
            request.model.as_str(),
            Some(stop_reason(turn.stop).into()),
            turn.stop_sequence.clone(),
            usage,
        );
        return Ok(json(StatusCode::OK, &message));
    }
    let start = Message::new(
        Vec::new(),
        id,
        request.model.as_str(),
        None,
        None,
        Usage::new(i64::from(turn.input_tokens), 0),
    );
    Ok(sse(message_events(start, &turn), mantle.clock()))
}

/// `message_start`, per block `content_block_start`, its deltas and `content_block_stop`, then
/// `message_delta` (stop reason and usage) and `message_stop`, each with its `event:` line.
fn message_events(start: Message, turn: &Turn) -> Vec<Timed<Bytes>> {
    let mut frames = Vec::new();
    let push = |frames: &mut Vec<Timed<Bytes>>, delay: Duration, event: MessageStreamEvent| {
        let name = event.tag().unwrap_or("error").to_owned();
        frames.push(Timed {
            delay,
            event: event_frame(&name, &event),
        });
    };
    let zero = Duration::ZERO;
    push(
        &mut frames,
        zero,
        MessageStreamEvent::MessageStart(MessageStartEvent::new(start)),
    );
    let mut pacer = turn.pacer();
    for (index, block) in turn.blocks.iter().enumerate() {
        let index = index as i64;
        let (empty, deltas): (ContentBlock, Vec<ContentBlockDelta>) = match block {
            OutBlock::Text(text) => (
                content_block(&OutBlock::Text(String::new())),
                turn.chunks(text)
                    .into_iter()
                    .map(|piece| ContentBlockDelta::TextDelta(TextDelta::new(piece)))
                    .collect(),
            ),
            OutBlock::ToolUse { id, name, input } => (
                ContentBlock::ToolUse(ToolUseBlock::new(id.as_str(), serde_json::json!({}), name.as_str())),
                split_chars(&input.to_string(), TOOL_INPUT_FRAGMENT_CHARS)
                    .into_iter()
                    .map(|piece| ContentBlockDelta::InputJsonDelta(InputJsonDelta::new(piece)))
                    .collect(),
            ),
            OutBlock::Reasoning { text, signature } => {
                let mut deltas: Vec<ContentBlockDelta> = turn
                    .chunks(text)
                    .into_iter()
                    .map(|piece| ContentBlockDelta::ThinkingDelta(ThinkingDelta::new(piece)))
                    .collect();
                if let Some(signature) = signature {
                    deltas.push(ContentBlockDelta::SignatureDelta(SignatureDelta::new(
                        signature.as_str(),
                    )));
                }
                (ContentBlock::Thinking(ThinkingBlock::new("", "")), deltas)
            }
        };
        push(
            &mut frames,
            zero,
            MessageStreamEvent::ContentBlockStart(ContentBlockStartEvent::new(empty, index)),
        );
        for delta in deltas {
            push(
                &mut frames,
                pacer.next_delay(),
                MessageStreamEvent::ContentBlockDelta(ContentBlockDeltaEvent::new(delta, index)),
            );
        }
        push(
            &mut frames,
            zero,
            MessageStreamEvent::ContentBlockStop(ContentBlockStopEvent::new(index)),
        );
    }
    let mut body = MessageDeltaBody::new();
    body.stop_reason = Some(Some(stop_reason(turn.stop).into()));
    body.stop_sequence = Some(turn.stop_sequence.clone());
    let mut usage = MessageDeltaUsage::new(i64::from(turn.output_tokens));
    usage.input_tokens = Some(Some(i64::from(turn.input_tokens)));
    push(
        &mut frames,
        zero,
        MessageStreamEvent::MessageDelta(MessageDeltaEvent::new(body, usage)),
    );
    push(
        &mut frames,
        zero,
        MessageStreamEvent::MessageStop(MessageStopEvent::new()),
    );
    frames
}

pub(super) fn count_tokens(mantle: &Mantle, body: &Bytes) -> crate::server::Response {
    let answer = parse::<CountTokensRequest>(body).and_then(|request| {
        mantle
            .emulator
            .registry()
            .resolve(&request.model)
            .map_err(|_| ApiError::model_not_found(&request.model))?;
        prompt(&request.messages, request.system.as_ref(), request.tools.as_ref())
    });
    match answer {
        Ok(prompt) => json(
            StatusCode::OK,
            &CountTokensResponse::new(i64::from(prompt.input_tokens)),
        ),
        Err(error) => error.anthropic(),
    }
}
