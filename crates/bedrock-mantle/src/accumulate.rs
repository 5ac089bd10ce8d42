//! Accumulators: sans-IO, they rebuild from a stream's events the object a non-streaming call
//! returns. Push every event in order with [`Accumulator::push`], then call
//! [`Accumulator::finish`]. [`EventStream::final_output`](crate::stream::EventStream::final_output)
//! does both.

use std::collections::BTreeMap;
use std::fmt;

use bedrock_mantle_types::anthropic::{
    ContentBlock, ContentBlockDelta, Message, MessageStreamEvent, TextBlock, ThinkingBlock, ToolUseBlock,
};
use bedrock_mantle_types::openai::{
    ChatChoice, ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ChatFinishReason, ChatFunctionCall,
    ChatFunctionToolCall, ChatToolCall, ChatUsage, OutputItem, Response, ResponseStreamEvent, ServiceTier,
};

/// Rebuilds a final object of type [`Output`](Self::Output) from events of type `E`.
pub trait Accumulator<E> {
    /// The rebuilt object.
    type Output;

    /// Takes one event, in stream order.
    fn push(&mut self, event: &E);

    /// The object, once the stream has ended.
    fn finish(self) -> Result<Self::Output, AccumulateError>;
}

/// Why the events did not add up to a final object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccumulateError {
    /// The event that carries the object's identity never came (`response.created`, a first
    /// chunk, `message_start`).
    MissingStart(&'static str),
    /// A tool call's streamed input is not JSON.
    InvalidToolInput {
        /// The content block's index.
        index: i64,
        /// What the JSON parser said.
        reason: String,
    },
}

impl fmt::Display for AccumulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccumulateError::MissingStart(what) => write!(f, "the stream ended without a `{what}` event"),
            AccumulateError::InvalidToolInput { index, reason } => {
                write!(f, "the streamed input of tool call {index} is not JSON: {reason}")
            }
        }
    }
}

impl std::error::Error for AccumulateError {}

/// Rebuilds a Responses [`Response`] from `ResponseStreamEvent`s.
///
/// The lifecycle events (`response.created`, `.queued`, `.in_progress`, `.completed`,
/// `.failed`, `.incomplete`) carry the whole response; the latest wins. Output items finished
/// with `response.output_item.done` are kept by index and fill in the output when the stream
/// ends before a terminal event carried it.
#[derive(Debug, Default)]
pub struct ResponseAccumulator {
    response: Option<Response>,
    terminal: bool,
    items: BTreeMap<i64, OutputItem>,
}

impl ResponseAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// The response as known so far.
    pub fn snapshot(&self) -> Option<&Response> {
        self.response.as_ref()
    }
}

impl Accumulator<ResponseStreamEvent> for ResponseAccumulator {
    type Output = Response;

    fn push(&mut self, event: &ResponseStreamEvent) {
        let (response, terminal) = match event {
            ResponseStreamEvent::ResponseCreated(e) => (&e.response, false),
            ResponseStreamEvent::ResponseQueued(e) => (&e.response, false),
            ResponseStreamEvent::ResponseInProgress(e) => (&e.response, false),
            ResponseStreamEvent::ResponseCompleted(e) => (&e.response, true),
            ResponseStreamEvent::ResponseFailed(e) => (&e.response, true),
            ResponseStreamEvent::ResponseIncomplete(e) => (&e.response, true),
            ResponseStreamEvent::ResponseOutputItemDone(e) => {
                self.items.insert(e.output_index, e.item.clone());
                return;
            }
            _ => return,
        };
        self.response = Some(response.clone());
        self.terminal = terminal;
    }

    fn finish(self) -> Result<Response, AccumulateError> {
        let mut response = self.response.ok_or(AccumulateError::MissingStart("response.created"))?;
        if !self.items.is_empty() && (!self.terminal || response.output.is_empty()) {
            response.output = self.items.into_values().collect();
        }
        Ok(response)
    }
}

#[derive(Debug, Default)]
struct ChoiceState {
    content: Option<String>,
    refusal: Option<String>,
    finish_reason: Option<ChatFinishReason>,
    tool_calls: BTreeMap<i64, (String, String, String)>,
}

/// Rebuilds a [`ChatCompletion`] from `ChatCompletionChunk`s: content and refusal
/// concatenated per choice, tool calls assembled per index from their fragments (id and name
/// from the first, arguments concatenated), the finish reason, and the usage chunk's usage.
#[derive(Debug, Default)]
pub struct ChatCompletionAccumulator {
    head: Option<(String, String, i64)>,
    service_tier: Option<Option<ServiceTier>>,
    system_fingerprint: Option<Option<String>>,
    usage: Option<ChatUsage>,
    choices: BTreeMap<i64, ChoiceState>,
}

impl ChatCompletionAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Accumulator<ChatCompletionChunk> for ChatCompletionAccumulator {
    type Output = ChatCompletion;

    fn push(&mut self, chunk: &ChatCompletionChunk) {
        if self.head.is_none() {
            self.head = Some((chunk.id.clone(), chunk.model.clone(), chunk.created));
        }
        if chunk.service_tier.is_some() {
            self.service_tier = chunk.service_tier.clone();
        }
        if chunk.system_fingerprint.is_some() {
            self.system_fingerprint = chunk.system_fingerprint.clone();
        }
        if let Some(Some(usage)) = &chunk.usage {
            self.usage = Some(usage.clone());
        }
        for choice in &chunk.choices {
            let state = self.choices.entry(choice.index).or_default();
            if let Some(Some(text)) = &choice.delta.content {
                state.content.get_or_insert_with(String::new).push_str(text);
            }
            if let Some(Some(text)) = &choice.delta.refusal {
                state.refusal.get_or_insert_with(String::new).push_str(text);
            }
            if let Some(Some(reason)) = &choice.finish_reason {
                state.finish_reason = Some(reason.clone());
            }
            for call in choice.delta.tool_calls.iter().flatten() {
                let entry = state.tool_calls.entry(call.index).or_default();
                if let Some(id) = &call.id {
                    entry.0.push_str(id);
                }
                if let Some(function) = &call.function {
                    if let Some(name) = &function.name {
                        entry.1.push_str(name);
                    }
                    if let Some(arguments) = &function.arguments {
                        entry.2.push_str(arguments);
                    }
                }
            }
        }
    }

    fn finish(self) -> Result<ChatCompletion, AccumulateError> {
        let (id, model, created) = self
            .head
            .ok_or(AccumulateError::MissingStart("chat.completion.chunk"))?;
        let choices: Vec<ChatChoice> = self
            .choices
            .into_iter()
            .map(|(index, state)| {
                let mut message = ChatCompletionMessage::new();
                message.content = Some(state.content);
                if let Some(refusal) = state.refusal {
                    message.refusal = Some(Some(refusal));
                }
                if !state.tool_calls.is_empty() {
                    message.tool_calls = Some(
                        state
                            .tool_calls
                            .into_values()
                            .map(|(id, name, arguments)| {
                                ChatToolCall::Function(ChatFunctionToolCall::new(
                                    ChatFunctionCall::new(arguments, name),
                                    id,
                                ))
                            })
                            .collect(),
                    );
                }
                let mut choice = ChatChoice::new(index, message);
                choice.finish_reason = Some(state.finish_reason);
                choice
            })
            .collect();
        let mut completion = ChatCompletion::new(choices, created, id, model);
        completion.service_tier = self.service_tier;
        completion.system_fingerprint = self.system_fingerprint;
        completion.usage = self.usage.map(Some);
        Ok(completion)
    }
}

#[derive(Debug)]
enum Block {
    Known(ContentBlock),
    Tool { block: ToolUseBlock, json: String },
}

/// Rebuilds an Anthropic [`Message`] from `MessageStreamEvent`s: the message of
/// `message_start`, each content block from its `content_block_start` with its deltas applied
/// (text, thinking and signature appended, a tool call's `partial_json` concatenated and parsed
/// at the end), and the stop reason, stop sequence and usage of `message_delta`.
#[derive(Debug, Default)]
pub struct MessageAccumulator {
    message: Option<Message>,
    blocks: BTreeMap<i64, Block>,
}

impl MessageAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Accumulator<MessageStreamEvent> for MessageAccumulator {
    type Output = Message;

    fn push(&mut self, event: &MessageStreamEvent) {
        match event {
            MessageStreamEvent::MessageStart(e) => self.message = Some(e.message.clone()),
            MessageStreamEvent::ContentBlockStart(e) => {
                let block = match &e.content_block {
                    ContentBlock::ToolUse(tool) => Block::Tool {
                        block: tool.clone(),
                        json: String::new(),
                    },
                    other => Block::Known(other.clone()),
                };
                self.blocks.insert(e.index, block);
            }
            MessageStreamEvent::ContentBlockDelta(e) => {
                let block = self.blocks.entry(e.index).or_insert_with(|| match &e.delta {
                    ContentBlockDelta::ThinkingDelta(_) | ContentBlockDelta::SignatureDelta(_) => {
                        Block::Known(ContentBlock::Thinking(ThinkingBlock::new("", "")))
                    }
                    _ => Block::Known(ContentBlock::Text(TextBlock::new(""))),
                });
                match (block, &e.delta) {
                    (Block::Known(ContentBlock::Text(b)), ContentBlockDelta::TextDelta(d)) => b.text.push_str(&d.text),
                    (Block::Known(ContentBlock::Thinking(b)), ContentBlockDelta::ThinkingDelta(d)) => {
                        b.thinking.push_str(&d.thinking)
                    }
                    (Block::Known(ContentBlock::Thinking(b)), ContentBlockDelta::SignatureDelta(d)) => {
                        b.signature.push_str(&d.signature)
                    }
                    (Block::Tool { json, .. }, ContentBlockDelta::InputJsonDelta(d)) => json.push_str(&d.partial_json),
                    _ => {}
                }
            }
            MessageStreamEvent::MessageDelta(e) => {
                if let Some(message) = &mut self.message {
                    if let Some(reason) = &e.delta.stop_reason {
                        message.stop_reason = reason.clone();
                    }
                    if let Some(sequence) = &e.delta.stop_sequence {
                        message.stop_sequence = sequence.clone();
                    }
                    message.usage.output_tokens = e.usage.output_tokens;
                    if let Some(Some(n)) = e.usage.input_tokens {
                        message.usage.input_tokens = n;
                    }
                    if let Some(n) = e.usage.cache_creation_input_tokens {
                        message.usage.cache_creation_input_tokens = Some(n);
                    }
                    if let Some(n) = e.usage.cache_read_input_tokens {
                        message.usage.cache_read_input_tokens = Some(n);
                    }
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> Result<Message, AccumulateError> {
        let mut message = self.message.ok_or(AccumulateError::MissingStart("message_start"))?;
        let mut content = Vec::with_capacity(self.blocks.len());
        for (index, block) in self.blocks {
            content.push(match block {
                Block::Known(block) => block,
                Block::Tool { mut block, json } => {
                    if !json.trim().is_empty() {
                        block.input = serde_json::from_str(&json).map_err(|e| AccumulateError::InvalidToolInput {
                            index,
                            reason: e.to_string(),
                        })?;
                    }
                    ContentBlock::ToolUse(block)
                }
            });
        }
        if !content.is_empty() {
            message.content = content;
        }
        Ok(message)
    }
}
