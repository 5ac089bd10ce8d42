//! Adapters between the crate's bodies and hyper's, moving `Bytes` without copying.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use hyper::body::{Body, Frame, Incoming, SizeHint};

use crate::body::{BoxError, RequestBody};

/// The request body handed to hyper.
pub(crate) enum OutBody {
    /// Sent in one frame; `None` once sent. Its exact size gives `content-length`.
    Full(Option<Bytes>),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>),
}

impl From<RequestBody> for OutBody {
    fn from(body: RequestBody) -> Self {
        match body {
            RequestBody::Bytes(b) if b.is_empty() => OutBody::Full(None),
            RequestBody::Bytes(b) => OutBody::Full(Some(b)),
            RequestBody::Stream(s) => OutBody::Stream(s),
        }
    }
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            OutBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            OutBody::Stream(s) => s.as_mut().poll_next(cx).map(|item| item.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            OutBody::Stream(_) => SizeHint::default(),
        }
    }
}

/// hyper's response body as the crate's [`ResponseBody`](crate::body::ResponseBody)
/// stream: data frames are passed on as they are, trailers are dropped.
pub(crate) struct IncomingStream(pub(crate) Incoming);

impl Stream for IncomingStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let body = &mut self.get_mut().0;
        loop {
            match Pin::new(&mut *body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Poll::Ready(Some(Ok(data))),
                    // Trailers: nothing in the SDK reads them.
                    Err(_) => continue,
                },
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, None)
    }
}
