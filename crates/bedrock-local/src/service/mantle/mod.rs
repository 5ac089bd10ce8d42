//! The OpenAI- and Anthropic-compatible APIs ("mantle") over HTTP, on the emulator's one port.
//!
//! The OpenAI operations (Models, Chat Completions, Responses) are served under both `/v1` and
//! `/openai/v1`: bedrock-mantle serves them under both prefixes and bedrock-runtime under
//! `/openai/v1`, and since the emulator ignores `Host`, one implementation answers all three.
//! The Anthropic Messages operations are served under `/anthropic/v1`. Requests are read and
//! responses written with the generated types of `bedrock-mantle-types`; the answers come from
//! the runtime's model families ([`crate::runtime`]'s engine), so `echo`, `scripted/<name>` and
//! `generator` behave exactly as they do behind Converse.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use bedrock_mantle_types::anthropic::operation as anthropic_op;
use bedrock_mantle_types::openai::operation as openai_op;
use bedrock_mantle_types::JsonOperation;
use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;

use super::Emulator;
use crate::clock::Clock;
use crate::runtime::engine::{self, Prompt, PromptMessage, Turn};
use crate::runtime::{RuntimeError, Timed};
use crate::server::{BoxError, Request, Response, Router};
use crate::wire;

mod anthropic;
mod openai;

/// The prefixes the OpenAI-compatible operations are served under.
pub const OPENAI_PREFIXES: [&str; 2] = ["/v1", "/openai/v1"];
/// The prefix the Anthropic-compatible operations are served under.
pub const ANTHROPIC_PREFIX: &str = "/anthropic/v1";

/// How long a background response stays `queued` after it is created (server clock).
pub const BACKGROUND_QUEUED: Duration = Duration::from_secs(1);
/// How long after its creation a background response completes (server clock); it is
/// `in_progress` between [`BACKGROUND_QUEUED`] and this.
pub const BACKGROUND_COMPLETES: Duration = Duration::from_secs(3);

/// Registers the mantle operations (OpenAI under `/v1` and `/openai/v1`, Anthropic under
/// `/anthropic/v1`) on `router`, answered from `emulator`'s models.
pub fn register(mut router: Router, emulator: Emulator) -> Router {
    let service = Arc::new(Mantle {
        emulator,
        state: Mutex::new(State::default()),
    });
    let openai_ops = [
        op::<openai_op::ListModels>(),
        op::<openai_op::RetrieveModel>(),
        op::<openai_op::CreateChatCompletion>(),
        op::<openai_op::CreateResponse>(),
        op::<openai_op::RetrieveResponse>(),
        op::<openai_op::DeleteResponse>(),
        op::<openai_op::CancelResponse>(),
        op::<openai_op::ListInputItems>(),
    ];
    for prefix in OPENAI_PREFIXES {
        for (id, method, path) in openai_ops {
            router = add(router, method, &format!("{prefix}{path}"), id, &service);
        }
    }
    for (id, method, path) in [
        op::<anthropic_op::CreateMessage>(),
        op::<anthropic_op::CountMessageTokens>(),
    ] {
        router = add(router, method, &format!("{ANTHROPIC_PREFIX}{path}"), id, &service);
    }
    router
}

fn op<O: JsonOperation>() -> (&'static str, &'static str, &'static str) {
    (O::OPERATION_ID, O::METHOD, O::PATH)
}

fn add(router: Router, method: &str, pattern: &str, id: &str, service: &Arc<Mantle>) -> Router {
    let service = service.clone();
    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST);
    let handler = move |request: Request| {
        let service = service.clone();
        async move { service.call(request).await }
    };
    match router.route(method, pattern, id, handler) {
        Ok(router) => router,
        // The generated paths are valid patterns (a unit test registers them all).
        Err(error) => unreachable!("mantle route {pattern}: {error}"),
    }
}

/// The mantle service: the emulator's models and the stored responses.
pub(crate) struct Mantle {
    emulator: Emulator,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    counter: u64,
    responses: HashMap<String, openai::Stored>,
}

impl Mantle {
    async fn call(&self, request: Request) -> Response {
        let operation = request.operation().unwrap_or_default().to_owned();
        let body = request.body.bytes().cloned().unwrap_or_default();
        let param = |name: &str| request.path_param(name).unwrap_or_default().to_owned();
        match operation.as_str() {
            "listModels" => openai::list_models(self),
            "retrieveModel" => openai::retrieve_model(self, &param("model")),
            "createChatCompletion" => openai::chat(self, &body),
            "createResponse" => openai::create_response(self, &body),
            "retrieveResponse" => openai::retrieve_response(self, &param("response_id")),
            "deleteResponse" => openai::delete_response(self, &param("response_id")),
            "cancelResponse" => openai::cancel_response(self, &param("response_id")),
            "listInputItems" => openai::list_input_items(self, &param("response_id"), request.uri().query()),
            "createMessage" => anthropic::create_message(self, &body),
            "countMessageTokens" => anthropic::count_tokens(self, &body),
            _ => ApiError::not_found("Unknown operation.").openai(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A deterministic id: `prefix` and 32 hex digits from a per-server counter.
    fn next_id(&self, prefix: &str) -> String {
        let n = {
            let mut state = self.state();
            state.counter += 1;
            state.counter
        };
        let a = engine::splitmix64(engine::fnv1a(prefix.as_bytes()) ^ n);
        let b = engine::splitmix64(a);
        format!("{prefix}{a:016x}{b:016x}")
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.emulator.clock.clone()
    }

    /// The server clock, in milliseconds since the epoch.
    fn now_millis(&self) -> i64 {
        let since = self
            .emulator
            .clock
            .system_time()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }

    /// Runs the model `model` (any id the runtime's registry resolves) on `prompt`.
    fn generate(&self, model: &str, prompt: &Prompt) -> Result<Turn, ApiError> {
        let registry = self.emulator.registry();
        let resolved = registry.resolve(model).map_err(|_| ApiError::model_not_found(model))?;
        if resolved.provider.is_embedding() {
            return Err(ApiError::invalid(format!(
                "The model `{model}` is an embedding model and cannot generate text."
            )));
        }
        engine::generate(registry, &resolved, prompt).map_err(ApiError::from)
    }

    /// The model ids `/models` lists: the control plane's catalog.
    fn model_ids(&self) -> Vec<String> {
        let request = bedrock_control_types::types::ListFoundationModelsRequest::new();
        self.emulator
            .control_plane()
            .list_foundation_models(&request)
            .map(|list| {
                list.model_summaries
                    .unwrap_or_default()
                    .into_iter()
                    .map(|summary| summary.model_id)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An error of the mantle APIs, written in the OpenAI envelope or the Anthropic shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    code: Option<&'static str>,
    param: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code: None,
            param: None,
        }
    }

    /// 400, `invalid_request_error`.
    fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    fn model_not_found(model: &str) -> Self {
        let mut error = Self::not_found(format!(
            "The model `{model}` does not exist or you do not have access to it."
        ));
        error.code = Some("model_not_found");
        error.param = Some("model".into());
        error
    }

    fn with_param(mut self, param: &str) -> Self {
        self.param = Some(param.to_owned());
        self
    }

    /// The OpenAI envelope `{"error": {"message", "type", "param", "code"}}`.
    fn openai(&self) -> Response {
        wire::openai_error(self.status, &self.message, self.code, self.param.as_deref()).into()
    }

    /// The Anthropic shape `{"type": "error", "error": {"type", "message"}}`.
    fn anthropic(&self) -> Response {
        wire::anthropic_error(self.status, &self.message).into()
    }
}

impl From<RuntimeError> for ApiError {
    fn from(error: RuntimeError) -> Self {
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, error.message())
    }
}

/// Reads a JSON request body into its generated type; a body that does not fit is a 400.
fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| ApiError::invalid(format!("The request body is not valid: {error}")))
}

/// A JSON response of a generated type.
fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::json(status, body),
        Err(error) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).openai(),
    }
}

/// `data: <json>` and a blank line.
fn data_frame<T: Serialize>(value: &T) -> Bytes {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    Bytes::from(format!("data: {json}\n\n"))
}

/// `event: <name>`, `data: <json>` and a blank line.
fn event_frame<T: Serialize>(name: &str, value: &T) -> Bytes {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

/// A `text/event-stream` response sending each frame after its pause on the server's clock.
fn sse(frames: Vec<Timed<Bytes>>, clock: Arc<dyn Clock>) -> Response {
    let stream = futures_util::stream::iter(frames).then(move |timed| {
        let clock = clock.clone();
        async move {
            if timed.delay > Duration::ZERO {
                clock.sleep(timed.delay).await;
            }
            Ok::<Bytes, BoxError>(timed.event)
        }
    });
    Response::stream("text/event-stream", stream)
        .with_header(http::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
}

/// The texts of a message content in wire form: a string, or the `text` of each part.
fn texts_of<T: Serialize>(content: &T) -> Vec<String> {
    match serde_json::to_value(content) {
        Ok(serde_json::Value::String(text)) => vec![text],
        Ok(serde_json::Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(serde_json::Value::as_str))
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Appends a message to a prompt, merging it into the previous one when the role repeats (a
/// tool result following a user text, two tool results in a row).
fn push_message(messages: &mut Vec<PromptMessage>, assistant: bool, texts: Vec<String>, tool_results: Vec<String>) {
    match messages.last_mut() {
        Some(last) if last.assistant == assistant => {
            last.texts.extend(texts);
            last.tool_results.extend(tool_results);
        }
        _ => messages.push(PromptMessage {
            assistant,
            texts,
            tool_results,
        }),
    }
}

/// The input tokens of a prompt whose tools count `tool_tokens`.
fn input_tokens(prompt: &Prompt, tool_tokens: u32) -> u32 {
    let count = |texts: &[String]| {
        texts
            .iter()
            .map(|text| crate::runtime::tokens::count_text(text))
            .fold(0, u32::saturating_add)
    };
    let messages = prompt
        .messages
        .iter()
        .map(|message| count(&message.texts).saturating_add(count(&message.tool_results)))
        .fold(0, u32::saturating_add);
    count(&prompt.system)
        .saturating_add(messages)
        .saturating_add(tool_tokens)
}

/// The tokens of a tool definition: its name, description and compact JSON schema.
fn tool_tokens(name: &str, description: Option<&str>, schema: Option<&serde_json::Value>) -> u32 {
    use crate::runtime::tokens::{count_json, count_text};
    count_text(name)
        .saturating_add(description.map_or(0, count_text))
        .saturating_add(schema.map_or(0, count_json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn every_operation_routes_under_its_prefixes() {
        let clock = ManualClock::new(UNIX_EPOCH);
        let router = register(Router::new(), Emulator::new("us-east-1", 0, Arc::new(clock)));
        for prefix in OPENAI_PREFIXES {
            let path = format!("{prefix}/responses/resp_1/input_items");
            assert_eq!(router.match_path(&Method::GET, &path).unwrap().0, "listInputItems");
            let path = format!("{prefix}/chat/completions");
            assert_eq!(
                router.match_path(&Method::POST, &path).unwrap().0,
                "createChatCompletion"
            );
        }
        let (name, _) = router
            .match_path(&Method::POST, "/anthropic/v1/messages/count_tokens")
            .unwrap();
        assert_eq!(name, "countMessageTokens");
    }
}
