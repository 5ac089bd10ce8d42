//! `bedrock chat`: Converse (or, with `--api`, a mantle API: see [`super::mantle_chat`]),
//! streamed to the terminal as tokens arrive.

use std::io::Write;
use std::time::Instant;

use bedrock_runtime::event_stream::ConverseStreamOutput;
use bedrock_runtime::stream::{ConverseStreamReceiver, MessageAccumulator};
use bedrock_runtime::types::{
    ContentBlock, ConversationRole, ConverseOutput, ConverseRequest, ConverseResponse, ConverseStreamRequest,
    InferenceConfiguration, Message, SystemContentBlock,
};
use bedrock_runtime::Client;
use tokio::io::AsyncBufReadExt;

use super::mantle_chat::MantleChat;
use crate::args::{ChatApi, ChatArgs, OutputFormat};
use crate::error::{chain, CliError};
use crate::output::{outln, write_out, Terminal};
use crate::setup::Session;

/// One conversation, through whichever API `--api` chose; it keeps its own history.
enum Conversation {
    Converse { client: Client, history: Vec<Message> },
    Mantle(MantleChat),
}

impl Conversation {
    async fn turn(
        &mut self,
        args: &ChatArgs,
        text: String,
        format: OutputFormat,
        term: Terminal,
    ) -> Result<(), CliError> {
        match self {
            Conversation::Converse { client, history } => turn(client, args, history, text, format, term).await,
            Conversation::Mantle(chat) => chat.turn(args, text, format, term).await,
        }
    }
}

pub async fn run(session: &Session, args: &ChatArgs, format: OutputFormat, term: Terminal) -> Result<(), CliError> {
    crate::interrupt::listen();
    let mut conversation = match args.api {
        ChatApi::Converse => Conversation::Converse {
            client: Client::new(&session.config),
            history: Vec::new(),
        },
        api => Conversation::Mantle(MantleChat::new(&session.config, api)),
    };
    let prompt = args.prompt.join(" ");
    if !prompt.trim().is_empty() {
        return conversation.turn(args, prompt, format, term).await;
    }
    // Interactive: one line per turn, the conversation kept as history; end of input (Ctrl-D)
    // or a line `exit` / `quit` ends it, Ctrl-C interrupts it.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    loop {
        if term.stdout {
            eprint!("> ");
            let _ = std::io::stderr().flush();
        }
        let line = match interruptible(lines.next_line()).await? {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e) => return Err(CliError::failure(format!("could not read standard input: {e}"))),
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" || line == "quit" {
            return Ok(());
        }
        conversation.turn(args, line.to_owned(), format, term).await?;
    }
}

/// One user turn: sends the history plus `text`, prints the answer, appends both to the history.
async fn turn(
    client: &Client,
    args: &ChatArgs,
    history: &mut Vec<Message>,
    text: String,
    format: OutputFormat,
    term: Terminal,
) -> Result<(), CliError> {
    history.push(Message::new(ConversationRole::User, vec![ContentBlock::Text(text)]));
    let started = Instant::now();
    let response = if args.no_stream || format == OutputFormat::Json {
        let mut request = ConverseRequest::new(args.model()).with_messages(history.clone());
        if let Some(system) = &args.system {
            request = request.with_system(vec![SystemContentBlock::Text(system.clone())]);
        }
        if let Some(config) = inference_config(args) {
            request = request.with_inference_config(config);
        }
        let mut spinner = term.spinner();
        let response = interruptible(client.converse(request).send()).await?;
        spinner.stop();
        let response = response.map_err(|e| CliError::from_sdk(e, "bedrock:InvokeModel"))?;
        if format == OutputFormat::Text {
            outln!("{}", text_of(&response))?;
        }
        response
    } else {
        stream_turn(client, args, history, term).await?
    };
    if format == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&response).map_err(|e| CliError::failure(e.to_string()))?;
        outln!("{json}")?;
    } else if term.stderr {
        eprintln!(
            "[{} | tokens in {} out {} | {} ms]",
            response.stop_reason,
            response.usage.input_tokens,
            response.usage.output_tokens,
            started.elapsed().as_millis()
        );
    }
    if let ConverseOutput::Message(message) = &response.output {
        history.push(message.clone());
    }
    Ok(())
}

async fn stream_turn(
    client: &Client,
    args: &ChatArgs,
    history: &[Message],
    term: Terminal,
) -> Result<ConverseResponse, CliError> {
    let mut request = ConverseStreamRequest::new(args.model()).with_messages(history.to_vec());
    if let Some(system) = &args.system {
        request = request.with_system(vec![SystemContentBlock::Text(system.clone())]);
    }
    if let Some(config) = inference_config(args) {
        request = request.with_inference_config(config);
    }
    let mut spinner = term.spinner();
    let mut receiver = interruptible(open_stream(client, request)).await??;
    let mut accumulator = MessageAccumulator::new();
    loop {
        let event = tokio::select! {
            biased;
            () = crate::interrupt::interrupted() => {
                spinner.stop();
                let _ = outln!();
                return Err(CliError::interrupted());
            }
            event = receiver.recv() => event,
        };
        let event = match event {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(e) => {
                spinner.stop();
                let _ = outln!();
                return Err(CliError::failure(format!("the stream failed: {}", chain(&e))));
            }
        };
        if let ConverseStreamOutput::ContentBlockDelta(delta) = &event {
            if let bedrock_runtime::types::ContentBlockDelta::Text(text) = &delta.delta {
                spinner.stop();
                write_out(format_args!("{text}"))?;
            }
        }
        accumulator
            .push(&event)
            .map_err(|e| CliError::failure(format!("unexpected stream: {e}")))?;
    }
    spinner.stop();
    outln!()?;
    accumulator
        .finish()
        .map_err(|e| CliError::failure(format!("incomplete stream: {e}")))
}

/// Sends ConverseStream and returns the typed event receiver once the response head arrives.
async fn open_stream(client: &Client, request: ConverseStreamRequest) -> Result<ConverseStreamReceiver, CliError> {
    let output = client
        .converse_stream(request)
        .await
        .map_err(|e| CliError::from_sdk(e, "bedrock:InvokeModelWithResponseStream"))?;
    Ok(output.events)
}

fn inference_config(args: &ChatArgs) -> Option<InferenceConfiguration> {
    if args.max_tokens.is_none() && args.temperature.is_none() {
        return None;
    }
    let mut config = InferenceConfiguration::new();
    config.max_tokens = args.max_tokens;
    config.temperature = args.temperature;
    Some(config)
}

fn text_of(response: &ConverseResponse) -> String {
    let mut text = String::new();
    if let ConverseOutput::Message(message) = &response.output {
        for block in &message.content {
            if let ContentBlock::Text(t) = block {
                text.push_str(t);
            }
        }
    }
    text
}

/// Runs `future` unless Ctrl-C comes first.
pub(crate) async fn interruptible<T>(future: impl std::future::Future<Output = T>) -> Result<T, CliError> {
    tokio::select! {
        biased;
        () = crate::interrupt::interrupted() => Err(CliError::interrupted()),
        value = future => Ok(value),
    }
}
