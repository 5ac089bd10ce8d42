//! Event-stream message headers, as the generated event mappings read and write them.
//!
//! Framing (prelude, CRCs) belongs to the transport; this module only deals
//! with decoded [`Message`]s.

pub use aws_smithy_types::event_stream::{Header, HeaderValue, Message};

use crate::error::MalformedResponse;
use crate::json;

/// Kinds of message, from the `:message-type` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    /// A modeled event; `:event-type` names it.
    Event,
    /// A modeled exception; `:exception-type` names it.
    Exception,
    /// An unmodeled error; `:error-code` and `:error-message` describe it.
    Error,
}

/// The value of a string header, if present.
pub fn header_str<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| h.value().as_string().ok())
        .map(|s| s.as_str())
}

/// Reads `:message-type`.
pub fn message_type(message: &Message) -> Result<MessageType, MalformedResponse> {
    match header_str(message, ":message-type") {
        Some("event") => Ok(MessageType::Event),
        Some("exception") => Ok(MessageType::Exception),
        Some("error") => Ok(MessageType::Error),
        Some(other) => Err(MalformedResponse::message(format!(
            "event-stream message type `{other}` is unknown"
        ))),
        None => Err(MalformedResponse::message(
            "event-stream message has no `:message-type` header",
        )),
    }
}

/// The headers every outgoing event carries.
pub fn event_message(event_type: &'static str, content_type: &'static str, payload: Vec<u8>) -> Message {
    Message::new(payload)
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(":event-type", HeaderValue::String(event_type.into())))
        .add_header(Header::new(":content-type", HeaderValue::String(content_type.into())))
}

/// An event-stream error that the models do not describe, or an exception of an unknown type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnhandledEventError {
    /// `:error-code` or `:exception-type`.
    pub code: Option<String>,
    /// `:error-message`, or the payload's `message` member.
    pub message: Option<String>,
}

impl UnhandledEventError {
    /// Reads the code and message of an error or unknown exception message.
    pub fn from_message(message: &Message) -> Self {
        let code = header_str(message, ":error-code")
            .or_else(|| header_str(message, ":exception-type"))
            .map(str::to_owned);
        let text = header_str(message, ":error-message").map(str::to_owned).or_else(|| {
            let json = crate::json::value_from_slice(message.payload()).ok()?;
            ["message", "Message"]
                .iter()
                .find_map(|k| json.get(*k)?.as_str().map(str::to_owned))
        });
        UnhandledEventError { code, message: text }
    }
}

impl std::fmt::Display for UnhandledEventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code.as_deref().unwrap_or("unknown event-stream error"))?;
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// Why a message could not be turned into an event.
#[derive(Debug)]
pub enum EventError<E> {
    /// The service sent an exception (modeled, or `Unhandled` in `E`).
    Exception(E),
    /// The message does not match the stream's model.
    Malformed(MalformedResponse),
}

impl<E> From<MalformedResponse> for EventError<E> {
    fn from(e: MalformedResponse) -> Self {
        EventError::Malformed(e)
    }
}

impl<E: std::fmt::Display> std::fmt::Display for EventError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Exception(e) => e.fmt(f),
            EventError::Malformed(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for EventError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EventError::Exception(e) => Some(e),
            EventError::Malformed(e) => Some(e),
        }
    }
}

/// Reads a message's JSON payload as `T`; `what` names the event for the error.
pub fn decode_payload<T: json::ReadJson>(message: &Message, what: &str) -> Result<T, MalformedResponse> {
    let payload = message.payload();
    let payload = if payload.is_empty() {
        b"{}".as_slice()
    } else {
        payload.as_ref()
    };
    match json::read(payload) {
        Ok(value) => Ok(value),
        Err(error) => Err(malformed_payload(what, error)),
    }
}

fn malformed_payload(what: &str, error: json::Error) -> MalformedResponse {
    MalformedResponse::new(format!("payload of event `{what}`"), error)
}

/// Builds an event message with a JSON payload.
pub fn encode_event<T: json::WriteJson>(event_type: &'static str, value: &T) -> Result<Message, crate::BuildError> {
    let payload = json::write(value).map_err(|e| crate::BuildError::serialize("an event payload", e))?;
    Ok(event_message(event_type, "application/json", payload))
}

/// Builds an exception message with a JSON payload.
pub fn encode_exception<T: json::WriteJson>(
    exception_type: &'static str,
    value: &T,
) -> Result<Message, crate::BuildError> {
    let payload = json::write(value).map_err(|e| crate::BuildError::serialize("an exception payload", e))?;
    Ok(Message::new(payload)
        .add_header(Header::new(":message-type", HeaderValue::String("exception".into())))
        .add_header(Header::new(
            ":exception-type",
            HeaderValue::String(exception_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        )))
}
