//! The OpenAI-compatible operations: Models, Chat Completions and Responses.

use bedrock_mantle_types::openai::{
    ChatChoice, ChatChunkChoice, ChatCompletion, ChatCompletionChunk, ChatCompletionMessage, ChatDelta,
    ChatFunctionCall, ChatFunctionCallDelta, ChatFunctionToolCall, ChatMessage, ChatTool, ChatToolCall,
    ChatToolCallDelta, ChatUsage, CreateChatCompletionRequest, CreateChatCompletionRequestStop, CreateResponseRequest,
    DeletedResponse, FunctionCallItem, IncompleteDetails, InputContent, InputItem, InputItemList, InputMessage,
    InputMessageContent, InputTextContent, ItemStatus, Model, ModelList, OutputContent, OutputItem, OutputMessage,
    OutputTextContent, ReasoningItem, ReasoningText, Response, ResponseCompletedEvent, ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent, ResponseCreatedEvent, ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent, ResponseInProgressEvent, ResponseIncompleteEvent, ResponseInput,
    ResponseOutputItemAddedEvent, ResponseOutputItemDoneEvent, ResponseOutputTextDeltaEvent,
    ResponseOutputTextDoneEvent, ResponseStatus, ResponseStreamEvent, ResponseToolChoice, ResponseUsage, TextConfig,
    TextFormat, TextFormatText, Tool, ToolChoiceMode,
};
use bytes::Bytes;
use http::StatusCode;

use super::{
    data_frame, event_frame, input_tokens, json, parse, push_message, sse, texts_of, tool_tokens, ApiError, Mantle,
    BACKGROUND_COMPLETES, BACKGROUND_QUEUED,
};
use crate::runtime::engine::{OutBlock, Prompt, PromptMessage, Turn, TOOL_INPUT_FRAGMENT_CHARS};
use crate::runtime::tokens::split_chars;
use crate::runtime::{Stop, Timed};

/// A stored response: the finished answer, its input items and the conversation so far.
pub(crate) struct Stored {
    response: Response,
    input_items: Vec<InputItem>,
    /// The conversation up to and including this response's answer.
    history: Vec<PromptMessage>,
    background: bool,
    created_millis: i64,
    cancelled: bool,
}

impl Stored {
    /// The response as seen at `now_millis`: a background response is `queued`, then
    /// `in_progress`, then complete; a cancelled one stays `cancelled`.
    fn view(&self, now_millis: i64) -> Response {
        if !self.background {
            return self.response.clone();
        }
        let elapsed = now_millis.saturating_sub(self.created_millis);
        let status = if self.cancelled {
            "cancelled"
        } else if elapsed < BACKGROUND_QUEUED.as_millis() as i64 {
            "queued"
        } else if elapsed < BACKGROUND_COMPLETES.as_millis() as i64 {
            "in_progress"
        } else {
            // Completed on the clock, not when it was created.
            let mut response = self.response.clone();
            if matches!(response.completed_at, Some(Some(_))) {
                let done = self
                    .created_millis
                    .saturating_add(BACKGROUND_COMPLETES.as_millis() as i64);
                response.completed_at = Some(Some(done / 1000));
            }
            return response;
        };
        pending(&self.response, status)
    }

    fn is_finished(&self, now_millis: i64) -> bool {
        !self.background
            || self.cancelled
            || now_millis.saturating_sub(self.created_millis) >= BACKGROUND_COMPLETES.as_millis() as i64
    }
}

/// `response` before it has an answer: no output, no usage, `status`.
fn pending(response: &Response, status: &str) -> Response {
    let mut response = response.clone();
    response.status = status.into();
    response.output = Vec::new();
    response.usage = Some(None);
    response.completed_at = Some(None);
    response.incomplete_details = Some(None);
    response
}

// ------------------------------------------------------------------------------------------
// Models
// ------------------------------------------------------------------------------------------

fn model(id: String) -> Model {
    let mut model = Model::new(id);
    model.created = Some(1_700_000_000);
    model.owned_by = Some("bedrock-local".into());
    model
}

pub(super) fn list_models(mantle: &Mantle) -> crate::server::Response {
    let models: Vec<Model> = mantle.model_ids().into_iter().map(model).collect();
    json(StatusCode::OK, &ModelList::new(models))
}

pub(super) fn retrieve_model(mantle: &Mantle, id: &str) -> crate::server::Response {
    let known = mantle.model_ids().iter().any(|m| m == id) || mantle.emulator.registry().resolve(id).is_ok();
    if known {
        json(StatusCode::OK, &model(id.to_owned()))
    } else {
        ApiError::model_not_found(id).openai()
    }
}

// ------------------------------------------------------------------------------------------
// Chat Completions
// ------------------------------------------------------------------------------------------

fn finish_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::ToolUse => "tool_calls",
        Stop::MaxTokens => "length",
        Stop::GuardrailIntervened | Stop::ContentFiltered => "content_filter",
        _ => "stop",
    }
}

fn chat_prompt(request: &CreateChatCompletionRequest) -> Result<Prompt, ApiError> {
    let mut prompt = Prompt::default();
    for (index, message) in request.messages.iter().enumerate() {
        match message {
            ChatMessage::System(m) => prompt.system.extend(texts_of(&m.content)),
            ChatMessage::Developer(m) => prompt.system.extend(texts_of(&m.content)),
            ChatMessage::User(m) => push_message(&mut prompt.messages, false, texts_of(&m.content), Vec::new()),
            ChatMessage::Assistant(m) => {
                let mut texts = match &m.content {
                    Some(Some(content)) => texts_of(content),
                    _ => Vec::new(),
                };
                for call in m.tool_calls.iter().flatten() {
                    if let ChatToolCall::Function(call) = call {
                        texts.push(format!("call {} {}", call.function.name, call.function.arguments));
                    }
                }
                push_message(&mut prompt.messages, true, texts, Vec::new());
            }
            ChatMessage::Tool(m) => push_message(&mut prompt.messages, false, Vec::new(), texts_of(&m.content)),
            _ => {
                return Err(ApiError::invalid(format!(
                    "Invalid value for 'messages[{index}].role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'."
                ))
                .with_param(&format!("messages[{index}].role")))
            }
        }
    }
    if prompt.messages.iter().all(|m| m.assistant) {
        return Err(ApiError::invalid("'messages' must contain at least one user message.").with_param("messages"));
    }
    let mut tools = 0;
    for tool in request.tools.iter().flatten() {
        let ChatTool::Function(tool) = tool else { continue };
        let f = &tool.function;
        prompt.tool_names.push(f.name.clone());
        tools += tool_tokens(&f.name, f.description.as_deref(), f.parameters.as_ref());
    }
    let max = request.max_completion_tokens.flatten().or(request.max_tokens.flatten());
    prompt.max_tokens = max.map(|n| u32::try_from(n.max(0)).unwrap_or(u32::MAX));
    prompt.stop_sequences = match request.stop.clone().flatten() {
        Some(CreateChatCompletionRequestStop::Text(text)) => vec![text],
        Some(CreateChatCompletionRequestStop::List(list)) => list,
        None => Vec::new(),
    };
    prompt.input_tokens = input_tokens(&prompt, tools);
    Ok(prompt)
}

fn chat_usage(turn: &Turn) -> ChatUsage {
    let (input, output) = (i64::from(turn.input_tokens), i64::from(turn.output_tokens));
    ChatUsage::new(output, input, input + output)
}

pub(super) fn chat(mantle: &Mantle, body: &Bytes) -> crate::server::Response {
    match chat_inner(mantle, body) {
        Ok(response) => response,
        Err(error) => error.openai(),
    }
}

fn chat_inner(mantle: &Mantle, body: &Bytes) -> Result<crate::server::Response, ApiError> {
    let request: CreateChatCompletionRequest = parse(body)?;
    let prompt = chat_prompt(&request)?;
    let turn = mantle.generate(&request.model, &prompt)?;
    let id = mantle.next_id("chatcmpl-");
    let created = mantle.now_millis() / 1000;
    if request.stream.flatten() != Some(true) {
        let mut message = ChatCompletionMessage::new();
        let text = turn.text();
        let calls: Vec<ChatToolCall> = turn
            .blocks
            .iter()
            .filter_map(|block| match block {
                OutBlock::ToolUse { id, name, input } => Some(ChatToolCall::Function(ChatFunctionToolCall::new(
                    ChatFunctionCall::new(input.to_string(), name.clone()),
                    id.clone(),
                ))),
                _ => None,
            })
            .collect();
        message.content = Some((!text.is_empty() || calls.is_empty()).then_some(text));
        message.refusal = Some(None);
        if !calls.is_empty() {
            message.tool_calls = Some(calls);
        }
        let choice = ChatChoice::new(0, message).with_finish_reason(finish_reason(turn.stop));
        let mut completion = ChatCompletion::new(vec![choice], created, id, request.model.clone());
        completion.usage = Some(Some(chat_usage(&turn)));
        return Ok(json(StatusCode::OK, &completion));
    }
    let include_usage = request
        .stream_options
        .clone()
        .flatten()
        .and_then(|options| options.include_usage)
        .unwrap_or(false);
    let chunk = |delta: ChatDelta, finish: Option<&str>| {
        let mut choice = ChatChunkChoice::new(delta, 0);
        choice.finish_reason = Some(finish.map(Into::into));
        ChatCompletionChunk::new(vec![choice], created, id.clone(), request.model.clone())
    };
    let mut frames = Vec::new();
    let mut first = ChatDelta::new();
    first.role = Some("assistant".into());
    first.content = Some(Some(String::new()));
    frames.push(Timed::now(data_frame(&chunk(first, None))));
    let mut pacer = turn.pacer();
    let mut tool_index = 0;
    for block in &turn.blocks {
        match block {
            OutBlock::Text(text) => {
                for piece in turn.chunks(text) {
                    let mut delta = ChatDelta::new();
                    delta.content = Some(Some(piece));
                    frames.push(Timed {
                        delay: pacer.next_delay(),
                        event: data_frame(&chunk(delta, None)),
                    });
                }
            }
            OutBlock::ToolUse {
                id: call_id,
                name,
                input,
            } => {
                let mut start = ChatToolCallDelta::new(tool_index);
                start.id = Some(call_id.clone());
                start.r#type = Some("function".into());
                let mut function = ChatFunctionCallDelta::new();
                function.name = Some(name.clone());
                function.arguments = Some(String::new());
                start.function = Some(function);
                let mut delta = ChatDelta::new();
                delta.tool_calls = Some(vec![start]);
                frames.push(Timed::now(data_frame(&chunk(delta, None))));
                for fragment in split_chars(&input.to_string(), TOOL_INPUT_FRAGMENT_CHARS) {
                    let mut piece = ChatToolCallDelta::new(tool_index);
                    let mut function = ChatFunctionCallDelta::new();
                    function.arguments = Some(fragment);
                    piece.function = Some(function);
                    let mut delta = ChatDelta::new();
                    delta.tool_calls = Some(vec![piece]);
                    frames.push(Timed {
                        delay: pacer.next_delay(),
                        event: data_frame(&chunk(delta, None)),
                    });
                }
                tool_index += 1;
            }
            // Chat Completions has no reasoning content; the reasoning is left out.
            OutBlock::Reasoning { .. } => {}
        }
    }
    frames.push(Timed::now(data_frame(&chunk(
        ChatDelta::new(),
        Some(finish_reason(turn.stop)),
    ))));
    if include_usage {
        let mut last = ChatCompletionChunk::new(Vec::new(), created, id.clone(), request.model.clone());
        last.usage = Some(Some(chat_usage(&turn)));
        frames.push(Timed::now(data_frame(&last)));
    }
    frames.push(Timed::now(Bytes::from_static(b"data: [DONE]\n\n")));
    Ok(sse(frames, mantle.clock()))
}

// ------------------------------------------------------------------------------------------
// Responses
// ------------------------------------------------------------------------------------------

fn role_of<T: serde::Serialize>(role: &T) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The request's input as items, with ids (`msg_...`) given to messages that have none.
fn input_items(mantle: &Mantle, input: Option<&ResponseInput>) -> Result<Vec<InputItem>, ApiError> {
    let items = match input {
        None => Vec::new(),
        Some(ResponseInput::Text(text)) => vec![InputItem::Message(InputMessage::new(text.as_str(), "user"))],
        Some(ResponseInput::List(items)) => items.clone(),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let item = match item {
                // A message without `"type": "message"`, as clients send them.
                InputItem::Unknown(value) if value.get("role").is_some() => {
                    InputItem::Message(serde_json::from_value(value).map_err(|error| {
                        ApiError::invalid(format!("Invalid input item {index}: {error}"))
                            .with_param(&format!("input[{index}]"))
                    })?)
                }
                other => other,
            };
            Ok(match item {
                InputItem::Message(mut message) => {
                    if message.id.is_none() {
                        message.id = Some(mantle.next_id("msg_"));
                    }
                    // Stored as the service lists them: a string content becomes one part.
                    if let InputMessageContent::Text(text) = &message.content {
                        let part = InputContent::InputText(InputTextContent::new(text.as_str()));
                        message.content = InputMessageContent::List(vec![part]);
                    }
                    message.status.get_or_insert_with(|| ItemStatus::from("completed"));
                    InputItem::Message(message)
                }
                other => other,
            })
        })
        .collect()
}

/// Adds the input items to the prompt: system and developer messages to the system prompt,
/// function calls as the assistant's `call <name> <arguments>`, their outputs as tool results.
fn add_items(prompt: &mut Prompt, items: &[InputItem]) {
    for item in items {
        match item {
            InputItem::Message(message) => match role_of(&message.role).as_str() {
                "system" | "developer" => prompt.system.extend(texts_of(&message.content)),
                "assistant" => push_message(&mut prompt.messages, true, texts_of(&message.content), Vec::new()),
                _ => push_message(&mut prompt.messages, false, texts_of(&message.content), Vec::new()),
            },
            InputItem::FunctionCall(call) => push_message(
                &mut prompt.messages,
                true,
                vec![format!("call {} {}", call.name, call.arguments)],
                Vec::new(),
            ),
            InputItem::FunctionCallOutput(output) => {
                let texts = texts_of(&output.output);
                push_message(&mut prompt.messages, false, Vec::new(), texts);
            }
            _ => {}
        }
    }
}

/// The answer as output items: a message per text block, a `function_call` per tool use, a
/// `reasoning` item per reasoning block.
fn output_items(mantle: &Mantle, turn: &Turn) -> Vec<OutputItem> {
    turn.blocks
        .iter()
        .map(|block| match block {
            OutBlock::Text(text) => {
                let mut part = OutputTextContent::new(text.as_str());
                part.annotations = Some(Vec::new());
                part.logprobs = Some(Vec::new());
                let mut message = OutputMessage::new(vec![OutputContent::OutputText(part)], mantle.next_id("msg_"));
                message.status = Some(ItemStatus::from("completed"));
                OutputItem::Message(message)
            }
            OutBlock::ToolUse { id, name, input } => {
                let mut call = FunctionCallItem::new(input.to_string(), id.as_str(), name.as_str());
                call.id = Some(mantle.next_id("fc_"));
                call.status = Some(ItemStatus::from("completed"));
                OutputItem::FunctionCall(call)
            }
            OutBlock::Reasoning { text, signature } => {
                let mut item = ReasoningItem::new(Vec::new());
                item.id = Some(mantle.next_id("rs_"));
                item.content = Some(vec![ReasoningText::new(text.as_str())]);
                item.encrypted_content = signature.clone().map(Some);
                OutputItem::Reasoning(item)
            }
        })
        .collect()
}

/// The assistant message the answer adds to the conversation.
fn answer_message(turn: &Turn) -> PromptMessage {
    let texts = turn
        .blocks
        .iter()
        .filter_map(|block| match block {
            OutBlock::Text(text) => Some(text.clone()),
            OutBlock::ToolUse { name, input, .. } => Some(format!("call {name} {input}")),
            OutBlock::Reasoning { .. } => None,
        })
        .collect();
    PromptMessage {
        assistant: true,
        texts,
        tool_results: Vec::new(),
    }
}

pub(super) fn create_response(mantle: &Mantle, body: &Bytes) -> crate::server::Response {
    match create_inner(mantle, body) {
        Ok(response) => response,
        Err(error) => error.openai(),
    }
}

fn create_inner(mantle: &Mantle, body: &Bytes) -> Result<crate::server::Response, ApiError> {
    let request: CreateResponseRequest = parse(body)?;
    let store = request.store.flatten().unwrap_or(true);
    let background = request.background.flatten().unwrap_or(false);
    let stream = request.stream.flatten().unwrap_or(false);
    if background && !store {
        return Err(
            ApiError::invalid("Background responses must be stored: `store` cannot be false.").with_param("store"),
        );
    }
    if background && stream {
        return Err(ApiError::invalid("bedrock-local does not stream background responses.").with_param("stream"));
    }
    let previous_id = request.previous_response_id.clone().flatten();
    let mut prompt = Prompt::default();
    if let Some(previous) = &previous_id {
        let state = mantle.state();
        let stored = state.responses.get(previous).ok_or_else(|| {
            ApiError::not_found(format!("Previous response with id '{previous}' not found."))
                .with_param("previous_response_id")
        })?;
        prompt.messages = stored.history.clone();
    }
    if let Some(instructions) = request.instructions.clone().flatten() {
        prompt.system.push(instructions);
    }
    let items = input_items(mantle, request.input.as_ref())?;
    add_items(&mut prompt, &items);
    if prompt.messages.last().is_none_or(|m| m.assistant) {
        return Err(
            ApiError::invalid("The input must end with a user message or a function call output.").with_param("input"),
        );
    }
    let mut tools = 0;
    for tool in request.tools.iter().flatten() {
        if let Tool::Function(tool) = tool {
            prompt.tool_names.push(tool.name.clone());
            let schema = tool.parameters.clone().flatten();
            tools += tool_tokens(
                &tool.name,
                tool.description.clone().flatten().as_deref(),
                schema.as_ref(),
            );
        }
    }
    prompt.max_tokens = request
        .max_output_tokens
        .flatten()
        .map(|n| u32::try_from(n.max(0)).unwrap_or(u32::MAX));
    prompt.input_tokens = input_tokens(&prompt, tools);
    let turn = mantle.generate(&request.model, &prompt)?;

    let now = mantle.now_millis();
    let id = mantle.next_id("resp_");
    let incomplete = turn.stop == Stop::MaxTokens;
    let mut response = Response::new(
        now / 1000,
        id.as_str(),
        request.model.as_str(),
        output_items(mantle, &turn),
        if incomplete { "incomplete" } else { "completed" },
    );
    response.background = Some(Some(background));
    response.completed_at = Some((!incomplete).then_some(now / 1000));
    response.error = Some(None);
    response.incomplete_details = Some(incomplete.then(|| {
        let mut details = IncompleteDetails::new();
        details.reason = Some("max_output_tokens".into());
        details
    }));
    response.instructions = Some(request.instructions.clone().flatten().map(Into::into));
    response.max_output_tokens = Some(request.max_output_tokens.flatten());
    response.metadata = Some(request.metadata.clone().flatten());
    response.parallel_tool_calls = Some(request.parallel_tool_calls.flatten().unwrap_or(true));
    response.previous_response_id = Some(previous_id);
    response.store = Some(Some(store));
    response.temperature = Some(Some(request.temperature.flatten().unwrap_or(1.0)));
    response.top_p = Some(Some(request.top_p.flatten().unwrap_or(1.0)));
    response.text = Some(request.text.clone().unwrap_or_else(|| {
        let mut text = TextConfig::new();
        text.format = Some(TextFormat::Text(TextFormatText::new()));
        text
    }));
    response.tool_choice = Some(
        request
            .tool_choice
            .clone()
            .unwrap_or_else(|| ResponseToolChoice::from(ToolChoiceMode::from("auto"))),
    );
    response.tools = Some(request.tools.clone().unwrap_or_default());
    let (input, output) = (i64::from(turn.input_tokens), i64::from(turn.output_tokens));
    response.usage = Some(Some(ResponseUsage::new(input, output, input + output)));

    if store {
        let mut history = prompt.messages.clone();
        history.push(answer_message(&turn));
        mantle.state().responses.insert(
            id.clone(),
            Stored {
                response: response.clone(),
                input_items: items,
                history,
                background,
                created_millis: now,
                cancelled: false,
            },
        );
    }
    if background {
        return Ok(json(StatusCode::OK, &pending(&response, "queued")));
    }
    if !stream {
        return Ok(json(StatusCode::OK, &response));
    }
    Ok(sse(response_events(&response, &turn), mantle.clock()))
}

/// The events of a streamed response, in the order the service sends them, each with its
/// `sequence_number` (0, 1, 2, ...).
fn response_events(response: &Response, turn: &Turn) -> Vec<Timed<Bytes>> {
    let mut frames = Vec::new();
    let mut sequence = 0_i64;
    let mut next = || {
        let n = sequence;
        sequence += 1;
        n
    };
    let push = |frames: &mut Vec<Timed<Bytes>>, delay, event: ResponseStreamEvent| {
        let name = event.tag().unwrap_or("error").to_owned();
        frames.push(Timed {
            delay,
            event: event_frame(&name, &event),
        });
    };
    let zero = std::time::Duration::ZERO;
    let started = pending(response, "in_progress");
    push(
        &mut frames,
        zero,
        ResponseStreamEvent::ResponseCreated(ResponseCreatedEvent::new(started.clone(), next())),
    );
    push(
        &mut frames,
        zero,
        ResponseStreamEvent::ResponseInProgress(ResponseInProgressEvent::new(started, next())),
    );
    let mut pacer = turn.pacer();
    for (index, item) in response.output.iter().enumerate() {
        let output_index = index as i64;
        let added = match item {
            OutputItem::Message(message) => {
                let mut open = message.clone();
                open.content = Vec::new();
                open.status = Some("in_progress".into());
                OutputItem::Message(open)
            }
            OutputItem::FunctionCall(call) => {
                let mut open = call.clone();
                open.arguments = String::new();
                open.status = Some("in_progress".into());
                OutputItem::FunctionCall(open)
            }
            other => other.clone(),
        };
        push(
            &mut frames,
            zero,
            ResponseStreamEvent::ResponseOutputItemAdded(ResponseOutputItemAddedEvent::new(
                added,
                output_index,
                next(),
            )),
        );
        match item {
            OutputItem::Message(message) => {
                let item_id = message.id.clone();
                for (content_index, part) in message.content.iter().enumerate() {
                    let content_index = content_index as i64;
                    let OutputContent::OutputText(full) = part else {
                        continue;
                    };
                    let mut empty = full.clone();
                    empty.text = String::new();
                    push(
                        &mut frames,
                        zero,
                        ResponseStreamEvent::ResponseContentPartAdded(ResponseContentPartAddedEvent::new(
                            content_index,
                            item_id.as_str(),
                            output_index,
                            OutputContent::OutputText(empty),
                            next(),
                        )),
                    );
                    for piece in turn.chunks(&full.text) {
                        let mut delta = ResponseOutputTextDeltaEvent::new(
                            content_index,
                            piece,
                            item_id.as_str(),
                            output_index,
                            next(),
                        );
                        delta.logprobs = Some(Vec::new());
                        push(
                            &mut frames,
                            pacer.next_delay(),
                            ResponseStreamEvent::ResponseOutputTextDelta(delta),
                        );
                    }
                    let mut done = ResponseOutputTextDoneEvent::new(
                        content_index,
                        item_id.as_str(),
                        output_index,
                        next(),
                        full.text.as_str(),
                    );
                    done.logprobs = Some(Vec::new());
                    push(&mut frames, zero, ResponseStreamEvent::ResponseOutputTextDone(done));
                    push(
                        &mut frames,
                        zero,
                        ResponseStreamEvent::ResponseContentPartDone(ResponseContentPartDoneEvent::new(
                            content_index,
                            item_id.as_str(),
                            output_index,
                            part.clone(),
                            next(),
                        )),
                    );
                }
            }
            OutputItem::FunctionCall(call) => {
                let item_id = call.id.clone().unwrap_or_default();
                for fragment in split_chars(&call.arguments, TOOL_INPUT_FRAGMENT_CHARS) {
                    let event =
                        ResponseFunctionCallArgumentsDeltaEvent::new(fragment, item_id.as_str(), output_index, next());
                    push(
                        &mut frames,
                        pacer.next_delay(),
                        ResponseStreamEvent::ResponseFunctionCallArgumentsDelta(event),
                    );
                }
                let mut done = ResponseFunctionCallArgumentsDoneEvent::new(
                    call.arguments.as_str(),
                    item_id.as_str(),
                    output_index,
                    next(),
                );
                done.name = Some(call.name.clone());
                push(
                    &mut frames,
                    zero,
                    ResponseStreamEvent::ResponseFunctionCallArgumentsDone(done),
                );
            }
            _ => {}
        }
        push(
            &mut frames,
            zero,
            ResponseStreamEvent::ResponseOutputItemDone(ResponseOutputItemDoneEvent::new(
                item.clone(),
                output_index,
                next(),
            )),
        );
    }
    let last = if matches!(response.status, ResponseStatus::Incomplete) {
        ResponseStreamEvent::ResponseIncomplete(ResponseIncompleteEvent::new(response.clone(), next()))
    } else {
        ResponseStreamEvent::ResponseCompleted(ResponseCompletedEvent::new(response.clone(), next()))
    };
    push(&mut frames, zero, last);
    frames
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Response with id '{id}' not found.")).with_param("response_id")
}

pub(super) fn retrieve_response(mantle: &Mantle, id: &str) -> crate::server::Response {
    let now = mantle.now_millis();
    match mantle.state().responses.get(id) {
        Some(stored) => json(StatusCode::OK, &stored.view(now)),
        None => not_found(id).openai(),
    }
}

pub(super) fn delete_response(mantle: &Mantle, id: &str) -> crate::server::Response {
    match mantle.state().responses.remove(id) {
        Some(_) => {
            let mut deleted = DeletedResponse::new(true, id);
            deleted.object = Some("response".into());
            json(StatusCode::OK, &deleted)
        }
        None => not_found(id).openai(),
    }
}

pub(super) fn cancel_response(mantle: &Mantle, id: &str) -> crate::server::Response {
    let now = mantle.now_millis();
    let mut state = mantle.state();
    let Some(stored) = state.responses.get_mut(id) else {
        return not_found(id).openai();
    };
    if !stored.background {
        return ApiError::invalid("Only background responses can be cancelled.").openai();
    }
    if !stored.is_finished(now) {
        stored.cancelled = true;
    }
    json(StatusCode::OK, &stored.view(now))
}

pub(super) fn list_input_items(mantle: &Mantle, id: &str, query: Option<&str>) -> crate::server::Response {
    let mut limit = 20_usize;
    let mut ascending = false;
    let mut after: Option<String> = None;
    for (key, value) in query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
    {
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        match key {
            "limit" => match value.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => limit = n,
                _ => {
                    return ApiError::invalid("Invalid 'limit': expected an integer between 1 and 100.")
                        .with_param("limit")
                        .openai()
                }
            },
            "order" => ascending = value == "asc",
            "after" => after = Some(value),
            _ => {}
        }
    }
    let state = mantle.state();
    let Some(stored) = state.responses.get(id) else {
        return not_found(id).openai();
    };
    let mut items: Vec<InputItem> = stored.input_items.clone();
    if !ascending {
        items.reverse();
    }
    if let Some(after) = after {
        if let Some(at) = items
            .iter()
            .position(|item| item_id(item).as_deref() == Some(after.as_str()))
        {
            items.drain(..=at);
        }
    }
    let has_more = items.len() > limit;
    items.truncate(limit);
    let mut list = InputItemList::new(items, has_more);
    list.first_id = Some(list.data.first().and_then(item_id));
    list.last_id = Some(list.data.last().and_then(item_id));
    json(StatusCode::OK, &list)
}

fn item_id(item: &InputItem) -> Option<String> {
    match item {
        InputItem::Message(message) => message.id.clone(),
        InputItem::FunctionCall(call) => call.id.clone(),
        InputItem::FunctionCallOutput(output) => output.id.clone(),
        InputItem::Reasoning(reasoning) => reasoning.id.clone(),
        _ => None,
    }
}
