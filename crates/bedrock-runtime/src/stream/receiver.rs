//! [`EventReceiver`]: typed events out of a streaming response body.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use bedrock_transport::event_stream::{EventStreamError, MessageStream};
use bedrock_transport::ResponseBody;
use bedrock_wire::event_stream::{EventError, Message};
use bedrock_wire::MalformedResponse;
use futures_core::stream::{FusedStream, Stream};

/// Turns one event-stream message into an event, or the exception the service sent instead.
///
/// The generated `from_message` functions have this type, e.g.
/// [`ConverseStreamOutput::from_message`](bedrock_runtime_types::event_stream::ConverseStreamOutput::from_message).
pub type DecodeFn<T, E> = fn(&Message) -> Result<T, EventError<E>>;

/// The events of a streaming response, decoded as they arrive.
///
/// A [`Stream`] of `Result<T, StreamError<E>>`, where `T` is the operation's event union and `E`
/// its exception enum; [`recv`](Self::recv) is the same without a `StreamExt` import. The body
/// is read only when the next event is asked for, so a slow reader slows the sender down rather
/// than buffering the whole response.
///
/// The stream ends (yields `None`) when the body ends on a frame boundary, and right after the
/// first error: an exception from the service, a message that does not match the model, corrupt
/// framing, or a failed or cut-off connection. Each is its own [`StreamError`] variant.
///
/// Events of a type these models do not know are yielded, not skipped: every generated event
/// union has an `Unknown` variant holding the event's name and JSON payload, so a newer service
/// does not break an older SDK and nothing is lost. Match them with a wildcard arm.
///
// Compiled, not run: a fragment over a given receiver; the crate-level examples stream.
/// ```no_run
/// # use bedrock_runtime::stream::ConverseStreamReceiver;
/// # use bedrock_runtime_types::event_stream::ConverseStreamOutput;
/// # async fn f(mut events: ConverseStreamReceiver) -> Result<(), Box<dyn std::error::Error>> {
/// while let Some(event) = events.recv().await? {
///     if let ConverseStreamOutput::MessageStop(stop) = event {
///         println!("stopped: {:?}", stop.stop_reason);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct EventReceiver<T, E> {
    // `ResponseBody` is `Send` but not `Sync`. The mutex makes the receiver `Sync` without
    // unsafe code; it is only reached through `&mut self` (`get_mut`), so it never locks.
    messages: Mutex<MessageStream<ResponseBody>>,
    decode: DecodeFn<T, E>,
    done: bool,
}

impl<T, E> EventReceiver<T, E> {
    /// Decodes `body`, an `application/vnd.amazon.eventstream` response body, with `decode`
    /// (the generated `from_message` of the operation's event union).
    ///
    /// Frames over 16 MiB (the protocol's limit) are rejected as [`StreamError::Framing`].
    pub fn new(body: ResponseBody, decode: DecodeFn<T, E>) -> Self {
        EventReceiver {
            messages: Mutex::new(MessageStream::new(body)),
            decode,
            done: false,
        }
    }

    /// The next event; `Ok(None)` once the stream has ended, cleanly or after an error.
    pub async fn recv(&mut self) -> Result<Option<T>, StreamError<E>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await.transpose()
    }
}

impl<T, E> Stream for EventReceiver<T, E> {
    type Item = Result<T, StreamError<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        // Never locked, so never poisoned.
        let messages = this.messages.get_mut().unwrap_or_else(PoisonError::into_inner);
        let item = match ready!(Pin::new(messages).poll_next(cx)) {
            None => {
                this.done = true;
                return Poll::Ready(None);
            }
            Some(Ok(message)) => (this.decode)(&message).map_err(StreamError::from),
            Some(Err(error)) => Err(StreamError::from(error)),
        };
        this.done = item.is_err();
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<T, E> FusedStream for EventReceiver<T, E> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T, E> fmt::Debug for EventReceiver<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventReceiver")
            .field("event", &std::any::type_name::<T>())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Why an event stream ended early. `E` is the operation's exception enum.
///
/// Events received before the error were complete and correct.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError<E> {
    /// The service sent an exception in place of the next event (throttling, a model error...).
    /// Unmodeled errors and exceptions these models do not know are `E`'s `Unhandled` variant.
    Exception(E),
    /// A message arrived intact but does not match the model: a payload that is not the event's
    /// JSON, a missing `:event-type` header, an unknown `:message-type`.
    Malformed(MalformedResponse),
    /// The bytes are not valid event-stream framing: a checksum mismatch, impossible lengths, a
    /// frame over the size limit, or a malformed header block. Nothing after it can be read.
    Framing(EventStreamError),
    /// The connection failed or closed before the stream's end:
    /// [`EventStreamError::Body`] (with the IO or timeout error as its source) or
    /// [`EventStreamError::Truncated`] (the body ended inside a frame).
    Transport(EventStreamError),
}

impl<E> StreamError<E> {
    /// The service's exception, if that is what ended the stream.
    pub fn exception(&self) -> Option<&E> {
        match self {
            StreamError::Exception(exception) => Some(exception),
            _ => None,
        }
    }
}

impl<E> From<EventError<E>> for StreamError<E> {
    fn from(error: EventError<E>) -> Self {
        match error {
            EventError::Exception(exception) => StreamError::Exception(exception),
            EventError::Malformed(malformed) => StreamError::Malformed(malformed),
        }
    }
}

impl<E> From<EventStreamError> for StreamError<E> {
    fn from(error: EventStreamError) -> Self {
        match error {
            EventStreamError::Body(_) | EventStreamError::Truncated { .. } => StreamError::Transport(error),
            _ => StreamError::Framing(error),
        }
    }
}

// Each variant's text includes its cause's, so `source()` skips that level and returns the
// cause's own source (the IO error under a body error, the JSON error under a bad payload).
impl<E: fmt::Display> fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Exception(exception) => {
                write!(f, "the service ended the event stream with an error: {exception}")
            }
            StreamError::Malformed(malformed) => write!(
                f,
                "could not read an event of the stream ({malformed}); the service sent an event this \
                 version of the SDK does not understand: update the SDK, or report it if it is current"
            ),
            StreamError::Framing(error) => write!(
                f,
                "the event stream is corrupt ({error}); the rest of the response cannot be read: send the \
                 request again"
            ),
            StreamError::Transport(error) => write!(
                f,
                "the event stream was cut off ({error}); the connection failed or closed before the response \
                 ended: send the request again"
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for StreamError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Exception(exception) => exception.source(),
            StreamError::Malformed(malformed) => malformed.source(),
            StreamError::Framing(error) | StreamError::Transport(error) => error.source(),
        }
    }
}
