//! The poll loop shared by the `Stream` adapters of the sans-IO decoders.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use crate::BoxError;

/// A decoder that is fed chunks and yields items (the event-stream and SSE decoders).
pub(crate) trait PushDecoder {
    type Item;
    type Error;

    fn push(&mut self, chunk: Bytes);
    fn finish(&mut self);
    fn is_finished(&self) -> bool;
    fn decode(&mut self) -> Result<Option<Self::Item>, Self::Error>;
    /// Wraps an error of the body the chunks come from.
    fn body_error(error: BoxError) -> Self::Error;
}

/// Yields decoded items, polling `body` only when no complete item is buffered
/// (that is the back-pressure). After an error or the end, `done` is set and
/// the stream stays finished.
pub(crate) fn poll_decoded<S, E, D>(
    mut body: Pin<&mut S>,
    decoder: &mut D,
    done: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<D::Item, D::Error>>>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
    D: PushDecoder,
{
    loop {
        if *done {
            return Poll::Ready(None);
        }
        match decoder.decode() {
            Ok(Some(item)) => return Poll::Ready(Some(Ok(item))),
            Ok(None) if decoder.is_finished() => {
                *done = true;
                return Poll::Ready(None);
            }
            Ok(None) => {}
            Err(err) => {
                *done = true;
                return Poll::Ready(Some(Err(err)));
            }
        }
        match body.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => decoder.push(chunk),
            Poll::Ready(Some(Err(err))) => {
                *done = true;
                return Poll::Ready(Some(Err(D::body_error(err.into()))));
            }
            Poll::Ready(None) => decoder.finish(),
        }
    }
}
