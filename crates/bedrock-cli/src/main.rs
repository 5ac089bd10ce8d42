//! `bedrock`: Amazon Bedrock from the terminal, built on this SDK's clients.
//!
//! `--local` runs every command against bedrock-local started inside the process, with no
//! credentials and no network. `chat --api` chats through Converse (the default) or a
//! bedrock-mantle API: OpenAI Responses, OpenAI Chat Completions or Anthropic Messages.
//!
//! Exit codes: 0 success, 1 service or network failure, 2 bad command line or input,
//! 3 configuration (credentials, region), 4 model or resource not found, 5 throttled after
//! retries, 6 access denied, 130 interrupted. A standard output closed by its reader ends a
//! command quietly with 0.

mod args;
mod commands;
mod error;
mod interrupt;
mod output;
mod setup;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, ModelsCommand};
use crate::error::{exit, CliError};
use crate::output::Terminal;
use crate::setup::Session;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bedrock: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let result = runtime.block_on(run(cli));
    // A read of standard input can still be blocked on a runtime thread (Ctrl-C at the
    // interactive prompt): exit without waiting for a line that may never come.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => {
            if !error.message.is_empty() {
                eprintln!("bedrock: {error}");
            }
            ExitCode::from(error.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Local(args) = &cli.command {
        return commands::local::run(args).await;
    }
    let term = Terminal::detect();
    let format = cli.global.output;
    let session = Session::start(&cli.global).await?;
    let result = match &cli.command {
        Command::Chat(args) => commands::chat::run(&session, args, format, term).await,
        Command::Models(ModelsCommand::List(args)) => commands::models::list(&session, args, format).await,
        Command::Models(ModelsCommand::Get(args)) => commands::models::get(&session, args, format).await,
        Command::Invoke(args) => commands::raw::invoke(&session, args).await,
        Command::Converse(args) => commands::raw::converse(&session, args, format).await,
        Command::Token(args) => commands::info::token(&session, args, format).await,
        Command::Endpoint(args) => commands::info::endpoint(&session, args, format),
        Command::Local(_) => Ok(()),
    };
    session.finish().await;
    result
}
