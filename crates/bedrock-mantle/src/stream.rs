//! Streamed responses: server-sent events decoded into typed events ([`EventStream`]), only
//! their text ([`TextDeltas`]), and the final object rebuilt from them (the accumulators in
//! [`crate::accumulate`]).

use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bedrock_mantle_types::anthropic::operation::CreateMessage;
use bedrock_mantle_types::anthropic::{ContentBlockDelta, MessageStreamEvent};
use bedrock_mantle_types::openai::operation::{CreateChatCompletion, CreateResponse, RetrieveResponse};
use bedrock_mantle_types::openai::{ChatCompletionChunk, ResponseErrorEvent, ResponseStreamEvent};
use bedrock_mantle_types::{anthropic, openai, JsonOperation};
use bedrock_transport::sse::{Event, EventRef, SseError, SseStream};
use bedrock_transport::ResponseBody;
use bedrock_wire::MalformedResponse;
use futures_core::stream::{FusedStream, Stream};

use crate::accumulate::{
    AccumulateError, Accumulator, ChatCompletionAccumulator, MessageAccumulator, ResponseAccumulator,
};

/// Why a stream ended early. Nothing is retried once a stream's head has arrived.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError<E> {
    /// The service sent an error in the stream (an `error` event, or an error object in place
    /// of a chunk): `E` is its typed payload.
    Service(E),
    /// An event's data is not the operation's event JSON.
    Malformed(MalformedResponse),
    /// The event framing could not be decoded, or reading the body failed (a cut connection, a
    /// stalled stream).
    Decode(SseError),
    /// The stream ended without what an accumulator needs to rebuild the final object.
    Incomplete(AccumulateError),
}

impl<E: fmt::Debug> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Service(e) => write!(f, "the service sent an error in the stream: {e:?}"),
            StreamError::Malformed(e) => write!(f, "malformed stream event: {e}"),
            StreamError::Decode(e) => write!(f, "the event stream failed: {e}"),
            StreamError::Incomplete(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for StreamError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Service(_) => None,
            StreamError::Malformed(e) => Some(e),
            StreamError::Decode(e) => Some(e),
            StreamError::Incomplete(e) => Some(e),
        }
    }
}

/// A [`JsonOperation`] whose response can be a stream of server-sent events: how one SSE event
/// becomes a typed event or a typed error, where its text is, and how the final object is
/// rebuilt. Implemented for `createResponse`, `retrieveResponse`, `createChatCompletion` and
/// `createMessage`.
pub trait StreamOperation: JsonOperation {
    /// The payload of an error sent in the stream.
    type StreamError: fmt::Debug + Send + Sync + 'static;
    /// Rebuilds [`Output`](JsonOperation::Output) from the events.
    type Accumulator: Accumulator<Self::Event, Output = Self::Output> + Default;

    /// One SSE event: `Ok(None)` at the terminator (`[DONE]`), the typed event, or the error the
    /// service sent.
    fn decode(event: &Event) -> Result<Option<Self::Event>, StreamError<Self::StreamError>>;

    /// As [`decode`](Self::decode), from an event borrowed from the decoder ([`EventStream`]
    /// reads events this way). The default makes the owned [`Event`] and calls `decode`; the
    /// implementations here read the borrowed data directly.
    fn decode_ref(event: EventRef<'_>) -> Result<Option<Self::Event>, StreamError<Self::StreamError>> {
        Self::decode(&event.to_event())
    }

    /// The text an event adds to the answer, if any.
    fn text_delta(event: &Self::Event) -> Option<&str>;
}

fn response_event(data: &str) -> Result<Option<ResponseStreamEvent>, StreamError<ResponseErrorEvent>> {
    match CreateResponse::parse_event(data) {
        Ok(Some(ResponseStreamEvent::Error(e))) => Err(StreamError::Service(e)),
        Ok(event) => Ok(event),
        Err(e) => Err(StreamError::Malformed(e)),
    }
}

fn response_text(event: &ResponseStreamEvent) -> Option<&str> {
    match event {
        ResponseStreamEvent::ResponseOutputTextDelta(e) => Some(&e.delta),
        _ => None,
    }
}

impl StreamOperation for CreateResponse {
    type StreamError = ResponseErrorEvent;
    type Accumulator = ResponseAccumulator;

    fn decode(event: &Event) -> Result<Option<ResponseStreamEvent>, StreamError<ResponseErrorEvent>> {
        response_event(&event.data)
    }

    fn decode_ref(event: EventRef<'_>) -> Result<Option<ResponseStreamEvent>, StreamError<ResponseErrorEvent>> {
        response_event(event.data)
    }

    fn text_delta(event: &ResponseStreamEvent) -> Option<&str> {
        response_text(event)
    }
}

impl StreamOperation for RetrieveResponse {
    type StreamError = ResponseErrorEvent;
    type Accumulator = ResponseAccumulator;

    fn decode(event: &Event) -> Result<Option<ResponseStreamEvent>, StreamError<ResponseErrorEvent>> {
        response_event(&event.data)
    }

    fn decode_ref(event: EventRef<'_>) -> Result<Option<ResponseStreamEvent>, StreamError<ResponseErrorEvent>> {
        response_event(event.data)
    }

    fn text_delta(event: &ResponseStreamEvent) -> Option<&str> {
        response_text(event)
    }
}

/// A chunk, or an error object (`{"error": {...}}`) sent in place of one.
fn chat_chunk(data: &str) -> Result<Option<ChatCompletionChunk>, StreamError<openai::ErrorResponse>> {
    match CreateChatCompletion::parse_event(data) {
        Ok(chunk) => Ok(chunk),
        Err(malformed) => match serde_json::from_str::<openai::ErrorResponse>(data) {
            Ok(error) => Err(StreamError::Service(error)),
            Err(_) => Err(StreamError::Malformed(malformed)),
        },
    }
}

/// A Messages event; an `error` event is the typed error, whether its data parses as the union
/// or only as the error.
fn message_event(name: &str, data: &str) -> Result<Option<MessageStreamEvent>, StreamError<anthropic::ErrorResponse>> {
    match CreateMessage::parse_event(data) {
        Ok(Some(MessageStreamEvent::Error(e))) => Err(StreamError::Service(e)),
        Ok(other) => Ok(other),
        Err(malformed) if name == "error" => match serde_json::from_str::<anthropic::ErrorResponse>(data) {
            Ok(e) => Err(StreamError::Service(e)),
            Err(_) => Err(StreamError::Malformed(malformed)),
        },
        Err(malformed) => Err(StreamError::Malformed(malformed)),
    }
}

impl StreamOperation for CreateChatCompletion {
    type StreamError = openai::ErrorResponse;
    type Accumulator = ChatCompletionAccumulator;

    /// A chunk, or an error object (`{"error": {...}}`) sent in place of one.
    fn decode(event: &Event) -> Result<Option<ChatCompletionChunk>, StreamError<openai::ErrorResponse>> {
        chat_chunk(&event.data)
    }

    fn decode_ref(event: EventRef<'_>) -> Result<Option<ChatCompletionChunk>, StreamError<openai::ErrorResponse>> {
        chat_chunk(event.data)
    }

    /// The `content` of the first choice's delta (`n > 1` asks for several choices; read the
    /// chunks for the others).
    fn text_delta(chunk: &ChatCompletionChunk) -> Option<&str> {
        let choice = chunk.choices.iter().find(|c| c.index == 0)?;
        choice.delta.content.as_ref()?.as_deref()
    }
}

impl StreamOperation for CreateMessage {
    type StreamError = anthropic::ErrorResponse;
    type Accumulator = MessageAccumulator;

    /// The event named by the payload's `type` (the SSE `event:` name repeats it); an `error`
    /// event is the typed error, whether its data parses as the union or only as the error.
    fn decode(event: &Event) -> Result<Option<MessageStreamEvent>, StreamError<anthropic::ErrorResponse>> {
        message_event(&event.event, &event.data)
    }

    fn decode_ref(event: EventRef<'_>) -> Result<Option<MessageStreamEvent>, StreamError<anthropic::ErrorResponse>> {
        message_event(event.event, event.data)
    }

    fn text_delta(event: &MessageStreamEvent) -> Option<&str> {
        match event {
            MessageStreamEvent::ContentBlockDelta(e) => match &e.delta {
                ContentBlockDelta::TextDelta(t) => Some(&t.text),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The typed events of a streamed response, as a [`Stream`] of
/// `Result<O::Event, StreamError<O::StreamError>>`.
///
/// It ends (`None`) at the terminator (`[DONE]`) or at the end of the body; the first error
/// ends it too. The `Debug` output names the operation and the request id only.
pub struct EventStream<O: StreamOperation> {
    sse: SseStream<ResponseBody>,
    headers: http::HeaderMap,
    done: bool,
    _operation: PhantomData<fn() -> O>,
}

/// What [`EventStream::recv`] returns.
type Received<O> = Result<Option<<O as JsonOperation>::Event>, StreamError<<O as StreamOperation>::StreamError>>;

impl<O: StreamOperation> EventStream<O> {
    /// Decodes the body of a successful streamed response.
    pub fn new(response: http::Response<ResponseBody>) -> Self {
        let (parts, body) = response.into_parts();
        EventStream {
            sse: SseStream::new(body),
            headers: parts.headers,
            done: false,
            _operation: PhantomData,
        }
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The request id (`x-amzn-requestid`, else `x-request-id` or `request-id`).
    pub fn request_id(&self) -> Option<&str> {
        ["x-amzn-requestid", "x-request-id", "request-id"]
            .iter()
            .find_map(|h| self.headers.get(*h)?.to_str().ok())
    }

    /// The next event; `Ok(None)` once the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<O::Event>, StreamError<O::StreamError>> {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// The next event as [`recv`](Self::recv) returns it; [`Stream::poll_next`] transposes it.
    /// The event is borrowed from the decoder: no per-event allocation or copy before the JSON
    /// parser reads it, and the typed event (a Responses event is 800 bytes) is not re-wrapped
    /// on its way out.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Received<O>> {
        if self.done {
            return Poll::Ready(Ok(None));
        }
        let decoded = match ready!(Pin::new(&mut self.sse).poll_next_ref(cx)) {
            Some(Ok(event)) => O::decode_ref(event),
            Some(Err(e)) => Err(StreamError::Decode(e)),
            None => Ok(None),
        };
        if !matches!(decoded, Ok(Some(_))) {
            self.done = true;
        }
        Poll::Ready(decoded)
    }

    /// Only the text the model writes: see [`TextDeltas`].
    pub fn text_deltas(self) -> TextDeltas<O> {
        TextDeltas { events: self }
    }

    /// Reads the whole stream and rebuilds the object a non-streaming call returns.
    pub async fn final_output(mut self) -> Result<O::Output, StreamError<O::StreamError>> {
        let mut accumulator = O::Accumulator::default();
        while let Some(event) = self.recv().await? {
            accumulator.push(&event);
        }
        accumulator.finish().map_err(StreamError::Incomplete)
    }
}

impl<O: StreamOperation> Unpin for EventStream<O> {}

impl<O: StreamOperation> Stream for EventStream<O> {
    type Item = Result<O::Event, StreamError<O::StreamError>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_event(cx).map(Result::transpose)
    }
}

impl<O: StreamOperation> FusedStream for EventStream<O> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<O: StreamOperation> fmt::Debug for EventStream<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("operation", &O::OPERATION_ID)
            .field("request_id", &self.request_id())
            .field("done", &self.done)
            .finish()
    }
}

/// The text of a streamed response, in order, as a [`Stream`] of
/// `Result<String, StreamError<O::StreamError>>`: Responses' `response.output_text.delta`,
/// Chat Completions' first choice's `delta.content`, Messages' `text_delta`. Everything else
/// (tool calls, reasoning, usage, events these models do not know) is dropped; read the
/// [`EventStream`] to keep it. Errors end it as they end the event stream.
pub struct TextDeltas<O: StreamOperation> {
    events: EventStream<O>,
}

impl<O: StreamOperation> TextDeltas<O> {
    /// The next piece of text; `Ok(None)` once the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<String>, StreamError<O::StreamError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await.transpose()
    }

    /// The underlying event stream, for the events after the text read so far.
    pub fn into_inner(self) -> EventStream<O> {
        self.events
    }
}

impl<O: StreamOperation> Unpin for TextDeltas<O> {}

impl<O: StreamOperation> Stream for TextDeltas<O> {
    type Item = Result<String, StreamError<O::StreamError>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(Pin::new(&mut self.events).poll_next(cx)) {
                Some(Ok(event)) => {
                    if let Some(text) = O::text_delta(&event) {
                        return Poll::Ready(Some(Ok(text.to_owned())));
                    }
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<O: StreamOperation> FusedStream for TextDeltas<O> {
    fn is_terminated(&self) -> bool {
        self.events.is_terminated()
    }
}

impl<O: StreamOperation> fmt::Debug for TextDeltas<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextDeltas").field("events", &self.events).finish()
    }
}
