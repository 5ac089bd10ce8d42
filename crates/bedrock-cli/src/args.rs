//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Amazon Bedrock from the terminal: chat with models, list them, invoke them raw, and run
/// the local emulator.
#[derive(Debug, Parser)]
#[command(name = "bedrock", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command shares.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region)
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Named profile of ~/.aws/config (else AWS_PROFILE)
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Send requests to this URL instead of the regional endpoint
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Authenticate with this Bedrock API key instead of SigV4 (else AWS_BEARER_TOKEN_BEDROCK)
    #[arg(long, global = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Start bedrock-local inside this process and talk to it (no credentials, no network)
    #[arg(long, global = true)]
    pub local: bool,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people (tables, streamed text).
    Text,
    /// One JSON document (the wire form) for scripts.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chat with a model (Converse or a mantle API, streamed); without a prompt, an interactive session
    Chat(ChatArgs),
    /// Foundation models
    #[command(subcommand)]
    Models(ModelsCommand),
    /// InvokeModel with a raw, model-specific JSON body
    Invoke(InvokeArgs),
    /// Converse with a raw JSON request (the API's wire form)
    Converse(ConverseArgs),
    /// Generate a short-term Bedrock API key from your AWS credentials
    Token(TokenArgs),
    /// Print the resolved endpoint, signing name, region and auth mode; sends nothing
    Endpoint(EndpointArgs),
    /// Run the bedrock-local emulator in the foreground
    Local(LocalArgs),
}

/// `bedrock chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The prompt; omit it for an interactive session (one line per turn; Ctrl-D or `exit` ends)
    pub prompt: Vec<String>,
    /// Which API to chat through: bedrock-runtime's Converse, or bedrock-mantle's OpenAI
    /// Responses, OpenAI Chat Completions or Anthropic Messages
    #[arg(long, value_enum, default_value_t = ChatApi::Converse)]
    pub api: ChatApi,
    /// Model id, inference profile id or ARN [default: anthropic.claude-3-haiku-20240307-v1:0 for
    /// converse and messages, meta.llama3-3-70b-instruct-v1:0 for responses and chat-completions]
    #[arg(long, short)]
    pub model: Option<String>,
    /// System prompt
    #[arg(long)]
    pub system: Option<String>,
    /// Maximum tokens to generate
    #[arg(long)]
    pub max_tokens: Option<i32>,
    /// Sampling temperature
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Wait for the whole answer instead of streaming it
    #[arg(long)]
    pub no_stream: bool,
}

impl ChatArgs {
    /// The model to use: `--model`, else the API's default.
    pub fn model(&self) -> &str {
        self.model.as_deref().unwrap_or(self.api.default_model())
    }
}

/// The APIs `bedrock chat` can talk through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChatApi {
    /// bedrock-runtime's Converse / ConverseStream
    Converse,
    /// bedrock-mantle's OpenAI Responses API (`/v1/responses`); turns are chained with previous_response_id
    Responses,
    /// bedrock-mantle's OpenAI Chat Completions API (`/v1/chat/completions`)
    ChatCompletions,
    /// bedrock-mantle's Anthropic Messages API (`/anthropic/v1/messages`)
    Messages,
}

impl ChatApi {
    /// The model `chat` uses with this API unless `--model` says otherwise: ids bedrock-local
    /// serves on the same route, so `--local` works without `--model`.
    pub fn default_model(self) -> &'static str {
        match self {
            ChatApi::Converse | ChatApi::Messages => DEFAULT_MODEL,
            ChatApi::Responses | ChatApi::ChatCompletions => DEFAULT_OPENAI_MODEL,
        }
    }
}

/// The model `chat` uses for Converse and Anthropic Messages unless told otherwise.
pub const DEFAULT_MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// The model `chat` uses for the OpenAI APIs (Responses, Chat Completions) unless told otherwise.
pub const DEFAULT_OPENAI_MODEL: &str = "meta.llama3-3-70b-instruct-v1:0";

/// `bedrock models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List foundation models
    List(ModelsListArgs),
    /// Show one foundation model
    Get(ModelsGetArgs),
}

/// `bedrock models list`.
#[derive(Debug, Args)]
pub struct ModelsListArgs {
    /// Only this provider's models (e.g. Anthropic)
    #[arg(long)]
    pub provider: Option<String>,
    /// Only models with this output modality (TEXT, IMAGE, EMBEDDING)
    #[arg(long)]
    pub output_modality: Option<String>,
    /// Only models whose id contains this text
    #[arg(long)]
    pub filter: Option<String>,
}

/// `bedrock models get`.
#[derive(Debug, Args)]
pub struct ModelsGetArgs {
    /// Model id or ARN
    pub model: String,
}

/// `bedrock invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// Model id, inference profile id or ARN
    #[arg(long, short)]
    pub model: String,
    /// File with the request body ('-' for standard input)
    #[arg(long)]
    pub body: PathBuf,
}

/// `bedrock converse`.
#[derive(Debug, Args)]
pub struct ConverseArgs {
    /// File with a Converse request in its JSON wire form, including modelId ('-' for standard input)
    #[arg(long)]
    pub input: PathBuf,
}

/// `bedrock token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Lifetime in seconds (at most 43200, the default)
    #[arg(long, default_value_t = 43_200)]
    pub lifetime: u64,
}

/// `bedrock endpoint`.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// Which endpoint family
    #[arg(long, value_enum, default_value_t = ServiceArg::Runtime)]
    pub service: ServiceArg,
}

/// The endpoint families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceArg {
    /// bedrock-runtime
    Runtime,
    /// bedrock (the control plane)
    Control,
    /// bedrock-mantle
    Mantle,
}

/// `bedrock local`.
#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Port to listen on (default: a free one)
    #[arg(long, short)]
    pub port: Option<u16>,
    /// JSON configuration file (see docs/bedrock-local.md)
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}
