//! InvokeModelWithBidirectionalStream: an echo-style duplex model.

use std::collections::HashMap;

use bedrock_runtime_types::event_stream::{
    InvokeModelWithBidirectionalStreamInput, InvokeModelWithBidirectionalStreamOutput,
};
use bedrock_runtime_types::types::BidirectionalOutputPayloadPart;
use bedrock_runtime_types::Blob;
use serde_json::{json, Map, Value};

use super::error::RuntimeError;
use super::registry::ModelRegistry;

#[derive(Clone, Debug, Default)]
struct InputContent {
    role: String,
    kind: String,
    /// The id of the output content echoing this input (audio only).
    echo_id: Option<String>,
}

/// The state of one bidirectional stream.
///
/// The chunks follow the shape of Nova Sonic's events: each chunk's bytes hold one JSON object
/// `{"event": {"<name>": {...}}}`. A [`DuplexSession`] is fed the input chunks one at a time and
/// answers the output chunks each one causes:
///
/// | input event | output events |
/// |---|---|
/// | `sessionStart`, `promptStart`, `contentStart` | none (the session remembers names and roles) |
/// | `textInput` of a `USER` content | `completionStart` (first output of a prompt), `contentStart`, `textOutput` with the same text, `contentEnd` (role `ASSISTANT`) |
/// | `audioInput` of a `USER` content | `completionStart` (first output), `contentStart` (first audio chunk of the content), `audioOutput` with the same bytes |
/// | `contentEnd` of an echoed audio content | `contentEnd` |
/// | `promptEnd` | `completionEnd` |
/// | `sessionEnd` | none; the session is finished |
///
/// Inputs of other roles (`SYSTEM`, `TOOL`) are accepted and not echoed. An input that is not
/// such a JSON event, or that names an event the session does not know, is a
/// `ValidationException`.
#[derive(Clone, Debug, Default)]
pub struct DuplexSession {
    contents: HashMap<String, InputContent>,
    completions: HashMap<String, String>,
    next_id: u64,
    finished: bool,
}

impl DuplexSession {
    /// A session for `model_id`, or the error the service answers for an unknown model.
    pub fn new(registry: &ModelRegistry, model_id: &str) -> Result<Self, RuntimeError> {
        let model = registry.resolve(model_id)?;
        if model.provider.is_embedding() {
            return Err(RuntimeError::validation(super::error::UNSUPPORTED_CONVERSE_MODEL));
        }
        Ok(Self::default())
    }

    /// Whether `sessionEnd` was received.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The output chunks one input chunk causes, in order.
    pub fn on_input(
        &mut self,
        input: &InvokeModelWithBidirectionalStreamInput,
    ) -> Result<Vec<InvokeModelWithBidirectionalStreamOutput>, RuntimeError> {
        let InvokeModelWithBidirectionalStreamInput::Chunk(part) = input else {
            return Err(RuntimeError::validation(
                "The input stream holds an event other than chunk.",
            ));
        };
        if self.finished {
            return Err(RuntimeError::validation("The session has already ended."));
        }
        let bytes = part.bytes.as_ref().map(|blob| blob.as_ref()).unwrap_or_default();
        let events = self.on_event(bytes)?;
        Ok(events
            .into_iter()
            .map(|event| {
                let bytes = Blob::new(json!({ "event": event }).to_string().into_bytes());
                InvokeModelWithBidirectionalStreamOutput::Chunk(BidirectionalOutputPayloadPart::new().with_bytes(bytes))
            })
            .collect())
    }

    fn on_event(&mut self, bytes: &[u8]) -> Result<Vec<Value>, RuntimeError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|error| RuntimeError::validation(format!("The input chunk is not JSON: {error}")))?;
        let event = value
            .get("event")
            .and_then(Value::as_object)
            .filter(|event| event.len() == 1)
            .ok_or_else(|| {
                RuntimeError::validation("The input chunk must be an object {\"event\": {\"<name>\": {...}}}.")
            })?;
        let Some((name, body)) = event.iter().next() else {
            return Err(RuntimeError::validation("The input chunk holds no event."));
        };
        let empty = Map::new();
        let body = body.as_object().unwrap_or(&empty);
        let field = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let prompt = field("promptName");
        let mut out = Vec::new();
        match name.as_str() {
            "sessionStart" | "promptStart" => {}
            "contentStart" => {
                let content = InputContent {
                    role: field("role"),
                    kind: field("type"),
                    echo_id: None,
                };
                self.contents.insert(field("contentName"), content);
            }
            "textInput" => {
                if self.role_of(&field("contentName")) == "USER" {
                    self.open_completion(&prompt, &mut out);
                    let id = self.new_id();
                    out.push(json!({"contentStart": {"promptName": prompt, "contentId": id, "type": "TEXT", "role": "ASSISTANT"}}));
                    out.push(json!({"textOutput": {"promptName": prompt, "contentId": id, "content": field("content"), "role": "ASSISTANT"}}));
                    out.push(json!({"contentEnd": {"promptName": prompt, "contentId": id, "type": "TEXT", "stopReason": "END_TURN"}}));
                }
            }
            "audioInput" => {
                let content_name = field("contentName");
                if self.role_of(&content_name) == "USER" {
                    self.open_completion(&prompt, &mut out);
                    let existing = self
                        .contents
                        .get(&content_name)
                        .and_then(|content| content.echo_id.clone());
                    let id = match existing {
                        Some(id) => id,
                        None => {
                            let id = self.new_id();
                            out.push(json!({"contentStart": {"promptName": prompt, "contentId": id, "type": "AUDIO", "role": "ASSISTANT"}}));
                            if let Some(content) = self.contents.get_mut(&content_name) {
                                content.echo_id = Some(id.clone());
                            }
                            id
                        }
                    };
                    out.push(
                        json!({"audioOutput": {"promptName": prompt, "contentId": id, "content": field("content")}}),
                    );
                }
            }
            "toolResult" => {}
            "contentEnd" => {
                if let Some(content) = self.contents.remove(&field("contentName")) {
                    if let Some(id) = content.echo_id {
                        out.push(json!({"contentEnd": {"promptName": prompt, "contentId": id, "type": content.kind, "stopReason": "END_TURN"}}));
                    }
                }
            }
            "promptEnd" => {
                if let Some(completion) = self.completions.remove(&prompt) {
                    out.push(json!({"completionEnd": {"promptName": prompt, "completionId": completion, "stopReason": "END_TURN"}}));
                }
            }
            "sessionEnd" => self.finished = true,
            other => {
                return Err(RuntimeError::validation(format!(
                    "The input event {other} is not known."
                )))
            }
        }
        Ok(out)
    }

    fn role_of(&self, content_name: &str) -> &str {
        self.contents
            .get(content_name)
            .map_or("USER", |content| content.role.as_str())
    }

    fn open_completion(&mut self, prompt: &str, out: &mut Vec<Value>) {
        if !self.completions.contains_key(prompt) {
            let id = self.new_id();
            out.push(json!({"completionStart": {"promptName": prompt, "completionId": id}}));
            self.completions.insert(prompt.to_owned(), id);
        }
    }

    /// A deterministic UUID-shaped id.
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.next_id)
    }
}
