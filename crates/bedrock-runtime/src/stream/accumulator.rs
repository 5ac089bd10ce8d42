//! [`MessageAccumulator`]: the whole Converse response, rebuilt from ConverseStream events.

use std::collections::BTreeMap;
use std::fmt;

use bedrock_runtime_types::event_stream::ConverseStreamOutput;
use bedrock_runtime_types::types::{
    Citation, CitationGeneratedContent, CitationSourceContent, CitationsContentBlock, CitationsDelta, ContentBlock,
    ContentBlockDelta, ContentBlockStart, ConversationRole, ConverseMetrics, ConverseOutput, ConverseResponse,
    ConverseStreamMetadataEvent, ConverseTrace, ErrorBlock, ImageBlock, ImageBlockDelta, ImageFormat, ImageSource,
    Message, MessageStopEvent, ReasoningContentBlock, ReasoningContentBlockDelta, ReasoningTextBlock, ToolResultBlock,
    ToolResultBlockDelta, ToolResultBlockStart, ToolResultContentBlock, ToolUseBlock, ToolUseBlockStart,
};
use bedrock_wire::union::UnknownMember;
use bedrock_wire::Blob;

/// Rebuilds the response of a non-streaming `Converse` call from ConverseStream events.
///
/// Sans-IO: [`push`](Self::push) every event as it arrives (while also showing it, if you
/// like), then [`finish`](Self::finish) for a [`ConverseResponse`], the type `Converse`
/// returns, so both paths can be handled alike.
///
/// ```
/// # use bedrock_runtime::stream::MessageAccumulator;
/// # use bedrock_runtime_types::event_stream::ConverseStreamOutput;
/// # fn f(events: Vec<ConverseStreamOutput>) -> Result<(), Box<dyn std::error::Error>> {
/// let mut response = MessageAccumulator::new();
/// for event in &events {
///     response.push(event)?;
/// }
/// let response = response.finish()?;
/// # Ok(()) }
/// ```
///
/// # How blocks are rebuilt
///
/// Content blocks are ordered by `contentBlockIndex`; each becomes one [`ContentBlock`] (an
/// index with only a `contentBlockStop` has no content and is left out):
///
/// - `text` deltas join into [`ContentBlock::Text`]; a block that also received `citation`
///   deltas becomes [`ContentBlock::CitationsContent`] with its text as the one generated
///   content and one [`Citation`] per `citation` delta.
/// - A `toolUse` start and its `input` fragments become a [`ToolUseBlock`], the fragments joined
///   and parsed as JSON by `finish` ([`AccumulateError::ToolInput`] if they are not JSON; no
///   fragments at all is the empty object `{}`).
/// - `reasoningContent` deltas become a [`ReasoningContentBlock`]: text with its signature, or
///   the redacted content.
/// - A `toolResult` start and its deltas become a [`ToolResultBlock`]: consecutive text joins
///   into one text item, each JSON delta is an item.
/// - An `image` start and its deltas become an [`ImageBlock`]; `bytes` sources are
///   concatenated. An image whose deltas carry only an error gets an empty `bytes` source and
///   that error.
///
/// # Members these models do not know
///
/// Nothing is dropped silently. A block started with an unknown member becomes
/// [`ContentBlock::Unknown`] in place. A `toolResult` delta of an unknown kind is kept as
/// [`ToolResultContentBlock::Unknown`] in its block. Any other event that carries an unknown
/// member (an unknown stream event, an unknown delta or reasoning delta, a delta for a block
/// that started as unknown) is not applied and is kept, unchanged and in order, in
/// [`skipped`](Self::skipped), so a caller can log it or handle it.
///
/// # Errors
///
/// `push` rejects an event that contradicts the ones before it (see
/// [`AccumulateError::UnexpectedEvent`]) and leaves the accumulator as it was.
#[derive(Clone, Default)]
pub struct MessageAccumulator {
    role: Option<ConversationRole>,
    blocks: BTreeMap<u32, Slot>,
    stop: Option<MessageStopEvent>,
    metadata: Option<ConverseStreamMetadataEvent>,
    skipped: Vec<ConverseStreamOutput>,
}

#[derive(Clone)]
struct Slot {
    block: Block,
    stopped: bool,
}

#[derive(Clone)]
enum Block {
    Text {
        text: String,
        citations: Vec<Citation>,
    },
    ToolUse {
        start: ToolUseBlockStart,
        input: String,
    },
    ToolResult {
        start: ToolResultBlockStart,
        content: Vec<ToolResultContentBlock>,
    },
    Image {
        format: ImageFormat,
        source: Option<ImageSource>,
        error: Option<ErrorBlock>,
    },
    Reasoning {
        text: String,
        signature: Option<String>,
        redacted: Option<Vec<u8>>,
    },
    Unknown(UnknownMember),
    /// A `contentBlockStop` with nothing before it: not part of the message.
    Empty,
}

impl Block {
    /// The block's kind as the wire names it, for error messages.
    fn kind(&self) -> &str {
        match self {
            Block::Text { citations, .. } if citations.is_empty() => "text",
            Block::Text { .. } => "text with citations",
            Block::ToolUse { .. } => "toolUse",
            Block::ToolResult { .. } => "toolResult",
            Block::Image { .. } => "image",
            Block::Reasoning { .. } => "reasoningContent",
            Block::Unknown(member) => member.name(),
            Block::Empty => "no",
        }
    }
}

// Reasoning and image content is sensitive (the generated types redact it): show only the shape.
impl fmt::Debug for MessageAccumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocks: BTreeMap<u32, &str> = self.blocks.iter().map(|(i, slot)| (*i, slot.block.kind())).collect();
        f.debug_struct("MessageAccumulator")
            .field("role", &self.role)
            .field("blocks", &blocks)
            .field("stop", &self.stop.as_ref().map(|stop| &stop.stop_reason))
            .field("metadata", &self.metadata.is_some())
            .field("skipped", &self.skipped.len())
            .finish()
    }
}

impl MessageAccumulator {
    /// An accumulator with nothing pushed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the next event of the stream.
    ///
    /// On error the event is not applied and the accumulator is unchanged.
    pub fn push(&mut self, event: &ConverseStreamOutput) -> Result<(), AccumulateError> {
        match event {
            ConverseStreamOutput::MessageStart(start) => {
                if self.role.is_some() {
                    return Err(unexpected(None, "a second messageStart event"));
                }
                self.role = Some(start.role.clone());
            }
            ConverseStreamOutput::ContentBlockStart(start) => {
                let index = block_index(start.content_block_index)?;
                match self.blocks.get(&index) {
                    None => {}
                    Some(slot) if slot.stopped => {
                        return Err(unexpected(
                            Some(index),
                            "a contentBlockStart after the block's contentBlockStop",
                        ))
                    }
                    Some(slot) => {
                        return Err(unexpected(
                            Some(index),
                            format!(
                                "a contentBlockStart for a block that already has {} content",
                                slot.block.kind()
                            ),
                        ))
                    }
                }
                let block = match &start.start {
                    ContentBlockStart::ToolUse(start) => Block::ToolUse {
                        start: start.clone(),
                        input: String::new(),
                    },
                    ContentBlockStart::ToolResult(start) => Block::ToolResult {
                        start: start.clone(),
                        content: Vec::new(),
                    },
                    ContentBlockStart::Image(start) => Block::Image {
                        format: start.format.clone(),
                        source: None,
                        error: None,
                    },
                    ContentBlockStart::Unknown(member) => Block::Unknown(member.clone()),
                    // A variant of regenerated models that this code does not know yet.
                    _ => {
                        self.skipped.push(event.clone());
                        return Ok(());
                    }
                };
                self.blocks.insert(index, Slot { block, stopped: false });
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                let index = block_index(delta.content_block_index)?;
                if self.apply_delta(index, &delta.delta)? == Applied::Skipped {
                    self.skipped.push(event.clone());
                }
            }
            ConverseStreamOutput::ContentBlockStop(stop) => {
                let index = block_index(stop.content_block_index)?;
                match self.blocks.get_mut(&index) {
                    Some(slot) if slot.stopped => return Err(unexpected(Some(index), "a second contentBlockStop")),
                    Some(slot) => slot.stopped = true,
                    // Nothing to add to the message; recorded so that a late delta is still an error.
                    None => {
                        self.blocks.insert(
                            index,
                            Slot {
                                block: Block::Empty,
                                stopped: true,
                            },
                        );
                    }
                }
            }
            ConverseStreamOutput::MessageStop(stop) => {
                if self.stop.is_some() {
                    return Err(unexpected(None, "a second messageStop event"));
                }
                self.stop = Some(stop.clone());
            }
            ConverseStreamOutput::Metadata(metadata) => {
                if self.metadata.is_some() {
                    return Err(unexpected(None, "a second metadata event"));
                }
                self.metadata = Some(metadata.clone());
            }
            _ => self.skipped.push(event.clone()),
        }
        Ok(())
    }

    /// Applies a delta to block `index`; checks everything before changing anything.
    fn apply_delta(&mut self, index: u32, delta: &ContentBlockDelta) -> Result<Applied, AccumulateError> {
        let slot = match self.blocks.get_mut(&index) {
            Some(slot) if slot.stopped => {
                return Err(unexpected(
                    Some(index),
                    "a contentBlockDelta after the block's contentBlockStop",
                ))
            }
            Some(slot) => slot,
            None => {
                // Text and reasoning blocks have no start event: their first delta starts them.
                let block = match delta {
                    ContentBlockDelta::Text(_) | ContentBlockDelta::Citation(_) => Block::Text {
                        text: String::new(),
                        citations: Vec::new(),
                    },
                    ContentBlockDelta::ReasoningContent(ReasoningContentBlockDelta::Unknown(_)) => {
                        return Ok(Applied::Skipped)
                    }
                    ContentBlockDelta::ReasoningContent(_) => Block::Reasoning {
                        text: String::new(),
                        signature: None,
                        redacted: None,
                    },
                    ContentBlockDelta::ToolUse(_) | ContentBlockDelta::ToolResult(_) | ContentBlockDelta::Image(_) => {
                        return Err(unexpected(
                            Some(index),
                            format!(
                                "a {} delta for a block that has no contentBlockStart",
                                delta_kind(delta)
                            ),
                        ))
                    }
                    _ => return Ok(Applied::Skipped),
                };
                self.blocks.entry(index).or_insert(Slot { block, stopped: false })
            }
        };
        let mismatch = |block: &Block| {
            unexpected(
                Some(index),
                format!("a {} delta for a {} block", delta_kind(delta), block.kind()),
            )
        };
        match (&mut slot.block, delta) {
            (Block::Unknown(_), _) => return Ok(Applied::Skipped),
            (Block::Text { text, .. }, ContentBlockDelta::Text(more)) => text.push_str(more),
            (Block::Text { citations, .. }, ContentBlockDelta::Citation(citation)) => {
                citations.push(citation_from_delta(citation))
            }
            (Block::ToolUse { input, .. }, ContentBlockDelta::ToolUse(more)) => input.push_str(&more.input),
            (Block::ToolResult { content, .. }, ContentBlockDelta::ToolResult(items)) => {
                // A variant of regenerated models that this code does not know yet: keep the
                // whole event rather than apply half of it.
                let known = |item: &ToolResultBlockDelta| {
                    matches!(
                        item,
                        ToolResultBlockDelta::Text(_)
                            | ToolResultBlockDelta::Json(_)
                            | ToolResultBlockDelta::Unknown(_)
                    )
                };
                if !items.iter().all(known) {
                    return Ok(Applied::Skipped);
                }
                for item in items {
                    match (content.last_mut(), item) {
                        (Some(ToolResultContentBlock::Text(text)), ToolResultBlockDelta::Text(more)) => {
                            text.push_str(more)
                        }
                        (_, ToolResultBlockDelta::Text(text)) => {
                            content.push(ToolResultContentBlock::Text(text.clone()))
                        }
                        (_, ToolResultBlockDelta::Json(json)) => {
                            content.push(ToolResultContentBlock::Json(json.clone()))
                        }
                        (_, ToolResultBlockDelta::Unknown(member)) => {
                            content.push(ToolResultContentBlock::Unknown(member.clone()))
                        }
                        (_, _) => unreachable!("checked above"),
                    }
                }
            }
            (Block::Image { source, error, .. }, ContentBlockDelta::Image(more)) => {
                apply_image_delta(index, source, error, more)?
            }
            (
                Block::Reasoning {
                    text,
                    signature,
                    redacted,
                },
                ContentBlockDelta::ReasoningContent(more),
            ) => match more {
                ReasoningContentBlockDelta::Text(more) if redacted.is_none() => text.push_str(more),
                ReasoningContentBlockDelta::Signature(more) if redacted.is_none() => {
                    signature.get_or_insert_with(String::new).push_str(more)
                }
                ReasoningContentBlockDelta::RedactedContent(more) if text.is_empty() && signature.is_none() => {
                    redacted.get_or_insert_with(Vec::new).extend_from_slice(more.as_ref())
                }
                ReasoningContentBlockDelta::Text(_)
                | ReasoningContentBlockDelta::Signature(_)
                | ReasoningContentBlockDelta::RedactedContent(_) => {
                    return Err(unexpected(
                        Some(index),
                        "both reasoning text and redacted reasoning content in one block",
                    ))
                }
                _ => return Ok(Applied::Skipped),
            },
            (_, ContentBlockDelta::Unknown(_)) => return Ok(Applied::Skipped),
            (block, _) => return Err(mismatch(block)),
        }
        Ok(Applied::Applied)
    }

    /// The events that carried a member these models do not know and so could not be placed in
    /// the response, unchanged and in arrival order (see the type's documentation).
    pub fn skipped(&self) -> &[ConverseStreamOutput] {
        &self.skipped
    }

    /// The whole response, as a non-streaming `Converse` call returns it.
    ///
    /// Needs the `messageStart`, `messageStop` and `metadata` events
    /// ([`AccumulateError::MissingEvent`] otherwise: the stream was not read to its end). A block
    /// still open (no `contentBlockStop`) is included as it is.
    pub fn finish(mut self) -> Result<ConverseResponse, AccumulateError> {
        let stop = self
            .stop
            .take()
            .ok_or(AccumulateError::MissingEvent { event: "messageStop" })?;
        let metadata = self
            .metadata
            .take()
            .ok_or(AccumulateError::MissingEvent { event: "metadata" })?;
        let message = self.into_message()?;
        let mut response = ConverseResponse::new(
            ConverseOutput::Message(message),
            stop.stop_reason,
            metadata.usage,
            ConverseMetrics::new(metadata.metrics.latency_ms),
        );
        response.additional_model_response_fields = stop.additional_model_response_fields;
        response.trace = metadata.trace.map(|trace| {
            let mut converse = ConverseTrace::new();
            converse.guardrail = trace.guardrail;
            converse.prompt_router = trace.prompt_router;
            converse
        });
        response.performance_config = metadata.performance_config;
        response.service_tier = metadata.service_tier;
        Ok(response)
    }

    /// Only the message (role and content), for a stream that was not read to its end or when
    /// the rest is not needed. Needs the `messageStart` event.
    pub fn into_message(self) -> Result<Message, AccumulateError> {
        let role = self
            .role
            .ok_or(AccumulateError::MissingEvent { event: "messageStart" })?;
        let mut content = Vec::with_capacity(self.blocks.len());
        for (index, slot) in self.blocks {
            if let Some(block) = finish_block(index, slot.block)? {
                content.push(block);
            }
        }
        Ok(Message::new(role, content))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Applied {
    Applied,
    Skipped,
}

fn finish_block(index: u32, block: Block) -> Result<Option<ContentBlock>, AccumulateError> {
    Ok(Some(match block {
        Block::Empty => return Ok(None),
        Block::Text { text, citations } if citations.is_empty() => ContentBlock::Text(text),
        Block::Text { text, citations } => {
            let content = if text.is_empty() {
                Vec::new()
            } else {
                vec![CitationGeneratedContent::Text(text)]
            };
            ContentBlock::CitationsContent(
                CitationsContentBlock::new()
                    .with_content(content)
                    .with_citations(citations),
            )
        }
        Block::ToolUse { start, input } => {
            let json = if input.trim().is_empty() { "{}" } else { &input };
            let value: serde_json::Value = serde_json::from_str(json).map_err(|source| AccumulateError::ToolInput {
                content_block_index: index,
                tool_use_id: start.tool_use_id.clone(),
                name: start.name.clone(),
                source,
            })?;
            let mut tool_use = ToolUseBlock::new(start.tool_use_id, start.name, value);
            tool_use.r#type = start.r#type;
            ContentBlock::ToolUse(tool_use)
        }
        Block::ToolResult { start, content } => {
            let mut result = ToolResultBlock::new(start.tool_use_id, content);
            result.status = start.status;
            result.r#type = start.r#type;
            ContentBlock::ToolResult(result)
        }
        Block::Image { format, source, error } => {
            let source = match (source, &error) {
                (Some(source), _) => source,
                (None, Some(_)) => ImageSource::Bytes(Blob::new(Vec::new())),
                (None, None) => {
                    return Err(AccumulateError::IncompleteBlock {
                        content_block_index: index,
                        detail: "an image block received neither a source nor an error",
                    })
                }
            };
            let mut image = ImageBlock::new(format, source);
            image.error = error;
            ContentBlock::Image(image)
        }
        Block::Reasoning {
            redacted: Some(redacted),
            ..
        } => ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(Blob::new(redacted))),
        Block::Reasoning { text, signature, .. } => {
            let mut reasoning = ReasoningTextBlock::new(text);
            reasoning.signature = signature;
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(reasoning))
        }
        Block::Unknown(member) => ContentBlock::Unknown(member),
    }))
}

fn apply_image_delta(
    index: u32,
    source: &mut Option<ImageSource>,
    error: &mut Option<ErrorBlock>,
    delta: &ImageBlockDelta,
) -> Result<(), AccumulateError> {
    // Check both halves before changing either, so a rejected delta leaves the block as it was.
    let merged = match (source.as_ref(), &delta.source) {
        (_, None) => None,
        (None, Some(new)) => Some(new.clone()),
        (Some(ImageSource::Bytes(old)), Some(ImageSource::Bytes(new))) => {
            let mut bytes = Vec::with_capacity(old.as_ref().len() + new.as_ref().len());
            bytes.extend_from_slice(old.as_ref());
            bytes.extend_from_slice(new.as_ref());
            Some(ImageSource::Bytes(Blob::new(bytes)))
        }
        (Some(_), Some(_)) => {
            return Err(unexpected(
                Some(index),
                "an image delta with a second source that is not more bytes of the first",
            ))
        }
    };
    if delta.error.is_some() && error.is_some() {
        return Err(unexpected(Some(index), "a second image error"));
    }
    if let Some(merged) = merged {
        *source = Some(merged);
    }
    if let Some(new) = &delta.error {
        *error = Some(new.clone());
    }
    Ok(())
}

fn citation_from_delta(delta: &CitationsDelta) -> Citation {
    let mut citation = Citation::new();
    citation.title = delta.title.clone();
    citation.source = delta.source.clone();
    citation.location = delta.location.clone();
    // A source-content item without text carries nothing to keep.
    citation.source_content = delta.source_content.as_ref().map(|items| {
        items
            .iter()
            .filter_map(|item| item.text.clone().map(CitationSourceContent::Text))
            .collect()
    });
    citation
}

fn delta_kind(delta: &ContentBlockDelta) -> &str {
    match delta {
        ContentBlockDelta::Text(_) => "text",
        ContentBlockDelta::ToolUse(_) => "toolUse",
        ContentBlockDelta::ToolResult(_) => "toolResult",
        ContentBlockDelta::ReasoningContent(_) => "reasoningContent",
        ContentBlockDelta::Citation(_) => "citation",
        ContentBlockDelta::Image(_) => "image",
        ContentBlockDelta::Unknown(member) => member.name(),
        _ => "unknown",
    }
}

fn block_index(index: i32) -> Result<u32, AccumulateError> {
    u32::try_from(index).map_err(|_| AccumulateError::NegativeIndex { index })
}

fn unexpected(content_block_index: Option<u32>, detail: impl Into<String>) -> AccumulateError {
    AccumulateError::UnexpectedEvent {
        content_block_index,
        detail: detail.into(),
    }
}

/// Why ConverseStream events could not be rebuilt into a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum AccumulateError {
    /// An event does not fit the ones before it: a delta of another kind than its block (tool
    /// input for a text block), a block started twice or changed after its stop, a second
    /// `messageStart`, `messageStop` or `metadata`. The events are not one well-formed response:
    /// were two streams pushed into one accumulator?
    UnexpectedEvent {
        /// The content block the event is about, if it is about one.
        content_block_index: Option<u32>,
        /// What arrived, in the wire's terms.
        detail: String,
    },
    /// An event has a negative `contentBlockIndex`.
    NegativeIndex {
        /// The index as received.
        index: i32,
    },
    /// The input fragments of a tool-use block, joined, are not JSON.
    ToolInput {
        /// The tool-use block's index.
        content_block_index: u32,
        /// The `toolUseId` of the block.
        tool_use_id: String,
        /// The tool's name.
        name: String,
        /// What the JSON parser reported (with line and column in the joined input).
        source: serde_json::Error,
    },
    /// A block lacks what its type requires.
    IncompleteBlock {
        /// The block's index.
        content_block_index: u32,
        /// What is missing.
        detail: &'static str,
    },
    /// The stream ended before an event the result needs.
    MissingEvent {
        /// The event's wire name (`messageStart`, `messageStop`, `metadata`).
        event: &'static str,
    },
}

impl fmt::Display for AccumulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccumulateError::UnexpectedEvent {
                content_block_index: Some(index),
                detail,
            } => write!(
                f,
                "content block {index} received {detail}; the events are not one well-formed ConverseStream \
                 response (push each stream into its own accumulator, in arrival order)"
            ),
            AccumulateError::UnexpectedEvent {
                content_block_index: None,
                detail,
            } => write!(
                f,
                "received {detail}; the events are not one well-formed ConverseStream response (push each \
                 stream into its own accumulator, in arrival order)"
            ),
            AccumulateError::NegativeIndex { index } => {
                write!(f, "an event has the negative contentBlockIndex {index}")
            }
            AccumulateError::ToolInput {
                content_block_index,
                tool_use_id,
                name,
                source,
            } => write!(
                f,
                "the input the model wrote for tool `{name}` (toolUseId {tool_use_id}, content block \
                 {content_block_index}) is not valid JSON: {source}; the model may have been cut off (see the \
                 stop reason) or produced invalid output: ask it again or answer with an error tool result"
            ),
            AccumulateError::IncompleteBlock {
                content_block_index,
                detail,
            } => write!(f, "content block {content_block_index} is incomplete: {detail}"),
            AccumulateError::MissingEvent { event } => write!(
                f,
                "the stream ended before its `{event}` event; read the stream to its end before finishing, \
                 or use `into_message` for the content received so far"
            ),
        }
    }
}

impl std::error::Error for AccumulateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Its text is part of ours; its own source is what is left of the chain.
            AccumulateError::ToolInput { source, .. } => std::error::Error::source(source),
            _ => None,
        }
    }
}
