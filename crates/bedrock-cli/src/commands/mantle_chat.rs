//! `bedrock chat --api responses|chat-completions|messages`: the same chat through
//! bedrock-mantle's OpenAI view (Responses, Chat Completions) or its Anthropic view (Messages).
//!
//! History per API: Chat Completions and Messages resend the whole message list every turn;
//! Responses chains turns with `previous_response_id` (the service keeps the conversation, so
//! responses are stored, the API's default). `--system` is Chat Completions' first `system`
//! message, Messages' `system` and Responses' `instructions` (sent on every turn: the API does
//! not carry instructions over from a previous response). `--max-tokens` is
//! `max_completion_tokens`, `max_tokens` (4096 when not given: the Messages API requires one)
//! and `max_output_tokens`.

use std::fmt;
use std::time::Instant;

use bedrock_config::Config;
use bedrock_mantle::accumulate::Accumulator;
use bedrock_mantle::stream::{StreamError, StreamOperation};
use bedrock_mantle::types::anthropic::{
    self, CreateMessageRequest, Message, MessageParam, MessageParamContent, MessageParamRole,
};
use bedrock_mantle::types::openai::{
    self, ChatAssistantMessage, ChatCompletion, ChatMessage, ChatStreamOptions, ChatSystemMessage, ChatUserMessage,
    ChatUserMessageContent, CreateChatCompletionRequest, CreateResponseRequest, OutputContent, OutputItem, Response,
    ResponseErrorEvent, ResponseInput,
};
use bedrock_mantle::{Anthropic, JsonCall, OpenAi, StreamingCall};

use super::chat::interruptible;
use crate::args::{ChatApi, ChatArgs, OutputFormat};
use crate::error::{chain, exit, CliError};
use crate::output::{outln, write_out, Terminal};

/// `max_tokens` for the Messages API when `--max-tokens` is not given (the API requires one).
pub const DEFAULT_MESSAGES_MAX_TOKENS: i64 = 4096;

/// A conversation through one of the mantle APIs, with its history.
pub enum MantleChat {
    Responses {
        api: OpenAi,
        previous: Option<String>,
    },
    ChatCompletions {
        api: OpenAi,
        messages: Vec<ChatMessage>,
    },
    Messages {
        api: Anthropic,
        messages: Vec<MessageParam>,
    },
}

/// What a turn printed at the end on a terminal: why it stopped and what it cost.
struct Summary {
    stop: String,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
}

impl MantleChat {
    /// A new conversation through `api` on the mantle endpoint of `config`: the region's
    /// `bedrock-mantle.{region}.api.aws`, or `--endpoint-url` / `--local`'s emulator.
    /// [`ChatApi::Converse`] is not a mantle API (`chat` runs it itself); it gets Messages.
    pub fn new(config: &Config, api: ChatApi) -> Self {
        let client = bedrock_mantle::Client::new(config);
        match api {
            ChatApi::Responses => MantleChat::Responses {
                api: client.openai(),
                previous: None,
            },
            ChatApi::ChatCompletions => MantleChat::ChatCompletions {
                api: client.openai(),
                messages: Vec::new(),
            },
            ChatApi::Messages | ChatApi::Converse => MantleChat::Messages {
                api: client.anthropic(),
                messages: Vec::new(),
            },
        }
    }

    /// One user turn: sends `text` with the history, prints the answer, keeps both.
    pub async fn turn(
        &mut self,
        args: &ChatArgs,
        text: String,
        format: OutputFormat,
        term: Terminal,
    ) -> Result<(), CliError> {
        let started = Instant::now();
        let stream = !args.no_stream;
        let summary = match self {
            MantleChat::Responses { api, previous } => {
                let mut request = CreateResponseRequest::new(args.model()).with_input(ResponseInput::Text(text));
                request.previous_response_id = previous.clone().map(Some);
                request.instructions = args.system.clone().map(Some);
                request.max_output_tokens = args.max_tokens.map(|n| Some(i64::from(n)));
                request.temperature = temperature(args).map(Some);
                let response = if stream {
                    streamed(
                        api.create_response_stream(request),
                        format,
                        term,
                        "bedrock-mantle:CreateResponse",
                    )
                    .await?
                } else {
                    whole(
                        api.create_response(request),
                        format,
                        term,
                        "bedrock-mantle:CreateResponse",
                        response_text,
                    )
                    .await?
                };
                print_json(format, || serde_json::to_string_pretty(&response))?;
                if let Some(Some(error)) = &response.error {
                    return Err(CliError::failure(format!(
                        "the response failed: {}: {}",
                        error.code, error.message
                    )));
                }
                *previous = Some(response.id.clone());
                let usage = response.usage.clone().flatten();
                Summary {
                    stop: response.status.to_string(),
                    input_tokens: usage.as_ref().map(|u| u.input_tokens),
                    output_tokens: usage.as_ref().map(|u| u.output_tokens),
                }
            }
            MantleChat::ChatCompletions { api, messages } => {
                if messages.is_empty() {
                    if let Some(system) = &args.system {
                        messages.push(ChatMessage::System(ChatSystemMessage::new(system.clone())));
                    }
                }
                messages.push(ChatMessage::User(ChatUserMessage::new(ChatUserMessageContent::Text(
                    text,
                ))));
                let mut request = CreateChatCompletionRequest::new(messages.clone(), args.model());
                request.max_completion_tokens = args.max_tokens.map(|n| Some(i64::from(n)));
                request.temperature = temperature(args).map(Some);
                let completion = if stream {
                    request.stream_options = Some(Some(ChatStreamOptions::new().with_include_usage(true)));
                    let call = api.create_chat_completion_stream(request);
                    streamed(call, format, term, "bedrock-mantle:CreateChatCompletion").await?
                } else {
                    let call = api.create_chat_completion(request);
                    whole(
                        call,
                        format,
                        term,
                        "bedrock-mantle:CreateChatCompletion",
                        completion_text,
                    )
                    .await?
                };
                print_json(format, || serde_json::to_string_pretty(&completion))?;
                messages.push(ChatMessage::Assistant(
                    ChatAssistantMessage::new().with_content(completion_text(&completion)),
                ));
                let usage = completion.usage.clone().flatten();
                let stop = completion
                    .choices
                    .first()
                    .and_then(|c| c.finish_reason.clone().flatten())
                    .map_or_else(|| "-".to_owned(), |r| r.to_string());
                Summary {
                    stop,
                    input_tokens: usage.as_ref().map(|u| u.prompt_tokens),
                    output_tokens: usage.as_ref().map(|u| u.completion_tokens),
                }
            }
            MantleChat::Messages { api, messages } => {
                messages.push(MessageParam::new(
                    MessageParamContent::Text(text),
                    MessageParamRole::User,
                ));
                let max_tokens = args.max_tokens.map_or(DEFAULT_MESSAGES_MAX_TOKENS, i64::from);
                let mut request = CreateMessageRequest::new(max_tokens, messages.clone(), args.model());
                if let Some(system) = &args.system {
                    request = request.with_system(system.clone());
                }
                request.temperature = temperature(args);
                let message = if stream {
                    streamed(
                        api.create_message_stream(request),
                        format,
                        term,
                        "bedrock-mantle:CreateMessage",
                    )
                    .await?
                } else {
                    whole(
                        api.create_message(request),
                        format,
                        term,
                        "bedrock-mantle:CreateMessage",
                        message_text,
                    )
                    .await?
                };
                print_json(format, || serde_json::to_string_pretty(&message))?;
                messages.push(MessageParam::new(
                    MessageParamContent::Text(message_text(&message)),
                    MessageParamRole::Assistant,
                ));
                Summary {
                    stop: message
                        .stop_reason
                        .as_ref()
                        .map_or_else(|| "-".to_owned(), |r| r.to_string()),
                    input_tokens: Some(message.usage.input_tokens),
                    output_tokens: Some(message.usage.output_tokens),
                }
            }
        };
        if format == OutputFormat::Text && term.stderr {
            let count = |n: Option<i64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
            eprintln!(
                "[{} | tokens in {} out {} | {} ms]",
                summary.stop,
                count(summary.input_tokens),
                count(summary.output_tokens),
                started.elapsed().as_millis()
            );
        }
        Ok(())
    }
}

/// `--temperature` as the f64 the APIs take, without the float widening's noise (0.2, not
/// 0.20000000298023224).
fn temperature(args: &ChatArgs) -> Option<f64> {
    args.temperature.map(|t| t.to_string().parse().unwrap_or(f64::from(t)))
}

/// With `--output json`, prints the final object (`json` serializes it).
fn print_json(format: OutputFormat, json: impl FnOnce() -> serde_json::Result<String>) -> Result<(), CliError> {
    if format == OutputFormat::Json {
        let json = json().map_err(|e| CliError::failure(e.to_string()))?;
        outln!("{json}")?;
    }
    Ok(())
}

/// The non-streaming call: a spinner while waiting, then the whole answer.
async fn whole<O>(
    call: JsonCall<O>,
    format: OutputFormat,
    term: Terminal,
    action: &str,
    text: impl Fn(&O::Output) -> String,
) -> Result<O::Output, CliError>
where
    O: bedrock_mantle::types::JsonOperation,
    O::Error: fmt::Debug + Send + Sync + 'static,
{
    let mut spinner = term.spinner();
    let result = interruptible(call.send()).await;
    spinner.stop();
    let output = result?.map_err(|e| CliError::from_sdk(e, action))?;
    if format == OutputFormat::Text {
        outln!("{}", text(&output))?;
    }
    Ok(output)
}

/// The streaming call: the text printed as it arrives (in text format), the final object
/// rebuilt from the events. Ctrl-C stops it (exit 130).
async fn streamed<O>(
    call: StreamingCall<O>,
    format: OutputFormat,
    term: Terminal,
    action: &str,
) -> Result<O::Output, CliError>
where
    O: StreamOperation,
    O::Error: fmt::Debug + Send + Sync + 'static,
    O::StreamError: Describe,
{
    let mut spinner = term.spinner();
    let opened = interruptible(call.send()).await;
    let mut events = match opened {
        Ok(Ok(events)) => events,
        Ok(Err(e)) => {
            spinner.stop();
            return Err(CliError::from_sdk(e, action));
        }
        Err(interrupted) => {
            spinner.stop();
            return Err(interrupted);
        }
    };
    let print = format == OutputFormat::Text;
    let mut accumulator = O::Accumulator::default();
    let mut printed = false;
    let end = |spinner: &mut crate::output::Spinner, printed: bool| {
        spinner.stop();
        if print && printed {
            let _ = outln!();
        }
    };
    loop {
        let event = tokio::select! {
            biased;
            () = crate::interrupt::interrupted() => {
                end(&mut spinner, printed);
                return Err(CliError::interrupted());
            }
            event = events.recv() => event,
        };
        let event = match event {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(e) => {
                end(&mut spinner, printed);
                return Err(stream_error(e));
            }
        };
        if let Some(text) = O::text_delta(&event) {
            spinner.stop();
            if print {
                write_out(format_args!("{text}"))?;
                printed = true;
            }
        }
        accumulator.push(&event);
    }
    spinner.stop();
    if print {
        outln!()?;
    }
    accumulator
        .finish()
        .map_err(|e| CliError::failure(format!("incomplete stream: {e}")))
}

/// An error the service sent inside a stream, in words and with the exit code its kind maps to.
trait Describe {
    /// The error's code or type, and its message.
    fn describe(&self) -> (String, String);
}

impl Describe for ResponseErrorEvent {
    fn describe(&self) -> (String, String) {
        (self.code.clone().flatten().unwrap_or_default(), self.message.clone())
    }
}

impl Describe for openai::ErrorResponse {
    fn describe(&self) -> (String, String) {
        let code = self
            .error
            .code
            .clone()
            .flatten()
            .unwrap_or_else(|| self.error.r#type.clone());
        (code, self.error.message.clone())
    }
}

impl Describe for anthropic::ErrorResponse {
    fn describe(&self) -> (String, String) {
        (self.error.r#type.to_string(), self.error.message.clone())
    }
}

fn stream_error<E: Describe + fmt::Debug>(error: StreamError<E>) -> CliError {
    match error {
        StreamError::Service(e) => {
            let (code, message) = e.describe();
            let exit_code = match code.as_str() {
                "rate_limit_error" | "rate_limit_exceeded" | "overloaded_error" => exit::THROTTLED,
                "model_not_found" | "not_found_error" => exit::NOT_FOUND,
                "permission_error" | "authentication_error" => exit::ACCESS_DENIED,
                _ => exit::FAILURE,
            };
            let code = if code.is_empty() { "error".to_owned() } else { code };
            CliError {
                code: exit_code,
                message: format!("the service ended the stream with an error: {code}: {message}"),
            }
        }
        other => CliError::failure(format!("the stream failed: {}", chain(&other))),
    }
}

/// The text of a response's output messages.
fn response_text(response: &Response) -> String {
    let mut text = String::new();
    for item in &response.output {
        if let OutputItem::Message(message) = item {
            for content in &message.content {
                if let OutputContent::OutputText(t) = content {
                    text.push_str(&t.text);
                }
            }
        }
    }
    text
}

/// The first choice's content.
fn completion_text(completion: &ChatCompletion) -> String {
    completion
        .choices
        .iter()
        .find(|c| c.index == 0)
        .and_then(|c| c.message.content.clone().flatten())
        .unwrap_or_default()
}

/// The text blocks of a message.
fn message_text(message: &Message) -> String {
    let mut text = String::new();
    for block in &message.content {
        if let anthropic::ContentBlock::Text(t) = block {
            text.push_str(&t.text);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anthropic_error(kind: &str) -> StreamError<anthropic::ErrorResponse> {
        let json = format!(r#"{{"type":"error","error":{{"type":"{kind}","message":"slow down"}}}}"#);
        StreamError::Service(serde_json::from_str(&json).unwrap())
    }

    #[test]
    fn errors_inside_a_stream_map_to_the_exit_codes() {
        let error = stream_error(anthropic_error("overloaded_error"));
        assert_eq!(error.code, exit::THROTTLED);
        assert_eq!(
            error.message,
            "the service ended the stream with an error: overloaded_error: slow down"
        );
        assert_eq!(stream_error(anthropic_error("not_found_error")).code, exit::NOT_FOUND);
        assert_eq!(
            stream_error(anthropic_error("permission_error")).code,
            exit::ACCESS_DENIED
        );
        assert_eq!(stream_error(anthropic_error("api_error")).code, exit::FAILURE);

        let event: ResponseErrorEvent =
            serde_json::from_str(r#"{"type":"error","message":"gone","sequence_number":3}"#).unwrap();
        let error = stream_error(StreamError::Service(event));
        assert_eq!(error.code, exit::FAILURE);
        assert!(error.message.ends_with("error: gone"), "{}", error.message);

        let openai: openai::ErrorResponse = serde_json::from_str(
            r#"{"error":{"message":"too many","type":"requests","code":"rate_limit_exceeded","param":null}}"#,
        )
        .unwrap();
        assert_eq!(stream_error(StreamError::Service(openai)).code, exit::THROTTLED);
    }

    #[test]
    fn temperature_keeps_the_decimal_written() {
        let args = |t: f32| ChatArgs {
            prompt: Vec::new(),
            api: ChatApi::Messages,
            model: None,
            system: None,
            max_tokens: None,
            temperature: Some(t),
            no_stream: false,
        };
        assert_eq!(temperature(&args(0.2)), Some(0.2));
        assert_eq!(temperature(&args(1.0)), Some(1.0));
        assert_eq!(args(0.2).model(), "anthropic.claude-3-haiku-20240307-v1:0");
    }
}
