//! The response-streaming operations (`ConverseStream`, `InvokeModelWithResponseStream`):
//! [`StreamCall`], the awaitable a client method returns, and [`StreamingOutput`], what it
//! resolves to.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bedrock_config::{Config, SdkError, ServiceClient};
use bedrock_runtime_types::event_stream::{
    ConverseStreamOutput, ConverseStreamOutputError, ResponseStream, ResponseStreamError,
};
use bedrock_runtime_types::operation::{ConverseStream, InvokeModelWithResponseStream};
use bedrock_runtime_types::types::{ConverseStreamResponse, InvokeModelWithResponseStreamResponse};
use bedrock_transport::RequestBody;
use bedrock_wire::{Operation, OperationError};
use bytes::Bytes;

use crate::stream::{DecodeFn, EventReceiver};

/// An operation whose response body is an event stream of `Event`s (or of its
/// exceptions, `EventError`).
pub trait EventStreamOperation: Operation {
    /// The union of the stream's events.
    type Event;
    /// The exceptions the service may send in place of an event.
    type EventError;
    /// The generated `from_message` of [`Event`](Self::Event).
    const DECODE: DecodeFn<Self::Event, Self::EventError>;
}

impl EventStreamOperation for ConverseStream {
    type Event = ConverseStreamOutput;
    type EventError = ConverseStreamOutputError;
    const DECODE: DecodeFn<ConverseStreamOutput, ConverseStreamOutputError> = ConverseStreamOutput::from_message;
}

impl EventStreamOperation for InvokeModelWithResponseStream {
    type Event = ResponseStream;
    type EventError = ResponseStreamError;
    const DECODE: DecodeFn<ResponseStream, ResponseStreamError> = ResponseStream::from_message;
}

/// A streaming response whose head has arrived: the modeled members of the response (its
/// headers, parsed by the generated parser), the raw headers, and the events, read as they
/// arrive.
///
/// Retries happen only before this point: once the head is here, an error in the stream
/// (a modeled exception, a cut connection) ends [`events`](Self::events) with a
/// [`StreamError`](crate::stream::StreamError) and is never retried.
#[non_exhaustive]
pub struct StreamingOutput<O, T, E> {
    /// The modeled members of the response (for `InvokeModelWithResponseStream`, the
    /// `X-Amzn-Bedrock-Content-Type` and performance/tier headers).
    pub response: O,
    /// The events.
    pub events: EventReceiver<T, E>,
    /// The response's status and headers as received.
    pub headers: http::HeaderMap,
}

impl<O, T, E> StreamingOutput<O, T, E> {
    /// The request id (`x-amzn-requestid`), to quote in support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-amzn-requestid").and_then(|v| v.to_str().ok())
    }

    /// The `content-type` of the response body (`application/vnd.amazon.eventstream`).
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

impl<O: fmt::Debug, T, E> fmt::Debug for StreamingOutput<O, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingOutput")
            .field("response", &self.response)
            .field("request_id", &self.request_id())
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// What [`Client::converse_stream`](crate::Client::converse_stream) resolves to; read the
/// events from `.events` (or just the text: `.events.text_deltas()`).
pub type ConverseStreamingOutput =
    StreamingOutput<ConverseStreamResponse, ConverseStreamOutput, ConverseStreamOutputError>;

/// What [`Client::invoke_model_with_response_stream`](crate::Client::invoke_model_with_response_stream)
/// resolves to: `.response.content_type` is the model's body format, each `chunk` event one
/// piece of the model's own streaming JSON.
pub type InvokeModelStreamingOutput =
    StreamingOutput<InvokeModelWithResponseStreamResponse, ResponseStream, ResponseStreamError>;

/// A call of a response-streaming operation, ready to send: `.await` it, after changing
/// settings for this call only with [`customize`](Self::customize). It resolves once the
/// response head arrives (after the retries the configuration allows).
#[must_use = "a call does nothing until it is awaited"]
pub struct StreamCall<O: Operation> {
    client: ServiceClient,
    input: O::Input,
}

impl<O: EventStreamOperation> StreamCall<O> {
    /// A call of `O` with `input` on `client`.
    pub fn new(client: ServiceClient, input: O::Input) -> Self {
        StreamCall { client, input }
    }

    /// Changes the configuration for this call only (timeouts, retries, stalled-stream
    /// protection...).
    pub fn customize(mut self, f: impl FnOnce(&Config) -> Config) -> Self {
        self.client = self.client.with_config(f);
        self
    }

    /// The input as it will be sent.
    pub fn input(&self) -> &O::Input {
        &self.input
    }

    /// The input, to change it before sending.
    pub fn input_mut(&mut self) -> &mut O::Input {
        &mut self.input
    }

    /// Sends the call (the same as `.await`).
    pub async fn send(self) -> Result<StreamingOutput<O::Output, O::Event, O::EventError>, SdkError<O::Error>>
    where
        O::Error: OperationError,
    {
        let request = self.client.build_request::<O>(self.input)?;
        let request = request.map(RequestBody::Bytes);
        let response = self.client.send_streaming::<O>(request).await?;
        let (parts, body) = response.into_parts();
        let output = parse_head::<O>(&parts)?;
        Ok(StreamingOutput {
            response: output,
            events: EventReceiver::new(body, O::DECODE),
            headers: parts.headers,
        })
    }
}

/// Parses the modeled members of a successful streaming response from its head.
pub(crate) fn parse_head<O>(parts: &http::response::Parts) -> Result<O::Output, SdkError<O::Error>>
where
    O: Operation,
{
    let mut head = http::Response::new(Bytes::new());
    *head.status_mut() = parts.status;
    *head.headers_mut() = parts.headers.clone();
    O::parse_response(&head).map_err(SdkError::from)
}

impl<O> IntoFuture for StreamCall<O>
where
    O: EventStreamOperation + 'static,
    O::Input: Send + 'static,
    O::Output: Send + 'static,
    O::Event: Send + 'static,
    O::EventError: Send + 'static,
    O::Error: OperationError,
{
    type Output = Result<StreamingOutput<O::Output, O::Event, O::EventError>, SdkError<O::Error>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<O: Operation> fmt::Debug for StreamCall<O>
where
    O::Input: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamCall")
            .field("operation", &O::NAME)
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}
