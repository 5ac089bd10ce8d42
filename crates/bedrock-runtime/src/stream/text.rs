//! [`TextDeltas`]: only the text of a ConverseStream response.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bedrock_runtime_types::event_stream::{ConverseStreamOutput, ConverseStreamOutputError};
use bedrock_runtime_types::types::ContentBlockDelta;
use futures_core::stream::{FusedStream, Stream};

use super::{ConverseStreamReceiver, StreamError};

impl ConverseStreamReceiver {
    /// Only the text the model writes, as it arrives: see [`TextDeltas`].
    pub fn text_deltas(self) -> TextDeltas {
        TextDeltas { events: self }
    }
}

/// The text deltas of a ConverseStream response, in order, as a
/// [`Stream`] of `Result<String, StreamError<ConverseStreamOutputError>>`.
///
/// Each item is the `text` of a `contentBlockDelta` event. Everything else is dropped: other
/// events, reasoning text, tool use, citations, images, events these models do not know, and
/// the boundaries between text blocks (the text of consecutive blocks runs together). To keep
/// any of that, read the [`ConverseStreamReceiver`] itself, and feed a
/// [`MessageAccumulator`](super::MessageAccumulator) for the whole response.
///
/// Errors end the stream exactly as they end the receiver.
pub struct TextDeltas {
    events: ConverseStreamReceiver,
}

impl TextDeltas {
    /// The next piece of text; `Ok(None)` once the stream has ended.
    pub async fn recv(&mut self) -> Result<Option<String>, StreamError<ConverseStreamOutputError>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await.transpose()
    }

    /// The underlying receiver, for the events after the text read so far.
    pub fn into_inner(self) -> ConverseStreamReceiver {
        self.events
    }
}

impl Stream for TextDeltas {
    type Item = Result<String, StreamError<ConverseStreamOutputError>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(Pin::new(&mut self.events).poll_next(cx)) {
                Some(Ok(ConverseStreamOutput::ContentBlockDelta(event))) => {
                    if let ContentBlockDelta::Text(text) = event.delta {
                        return Poll::Ready(Some(Ok(text)));
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl FusedStream for TextDeltas {
    fn is_terminated(&self) -> bool {
        self.events.is_terminated()
    }
}

impl fmt::Debug for TextDeltas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextDeltas").field("events", &self.events).finish()
    }
}
