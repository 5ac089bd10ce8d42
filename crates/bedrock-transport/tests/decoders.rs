//! The stream adapters over a body of chunks: ordering, back-pressure, errors, the end of the body.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bedrock_transport::event_stream::{encode, EventStreamError, MessageDecoder, MessageStream};
use bedrock_transport::sse::{Event, SseDecoder, SseError, SseStream};
use bedrock_transport::{BoxError, ResponseBody};
use bytes::Bytes;
use futures_core::stream::{FusedStream, Stream};
use futures_util::stream::{self, StreamExt};

fn message(n: u32) -> Message {
    Message::new(Bytes::from(format!("{{\"n\":{n}}}")))
        .add_header(Header::new(":event-type", HeaderValue::String("chunk".into())))
        .add_header(Header::new("n", HeaderValue::Int32(n as i32)))
}

fn frames(count: u32) -> Vec<u8> {
    (0..count).flat_map(|n| encode(&message(n)).unwrap().to_vec()).collect()
}

/// A body that yields `chunks` and counts how often it is polled.
fn counted_body(
    chunks: Vec<Result<Bytes, BoxError>>,
) -> (impl Stream<Item = Result<Bytes, BoxError>> + Unpin, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let mut chunks = chunks.into_iter();
    let body = stream::poll_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Poll::Ready(chunks.next())
    });
    (body, polls)
}

#[tokio::test]
async fn message_stream_over_chunks_split_everywhere() {
    let input = frames(5);
    for size in [1, 2, 3, 7, 16, 100, input.len()] {
        let chunks: Vec<Result<Bytes, Infallible>> =
            input.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let got: Vec<_> = MessageStream::new(stream::iter(chunks)).collect().await;
        let got: Vec<Message> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got, (0..5).map(message).collect::<Vec<_>>(), "chunks of {size}");
    }
}

#[tokio::test]
async fn message_stream_is_back_pressured() {
    // Two frames per chunk: the second comes from the buffer without polling the body.
    let input = frames(4);
    let half = input.len() / 2;
    let (body, polls) = counted_body(vec![
        Ok(Bytes::copy_from_slice(&input[..half])),
        Ok(Bytes::copy_from_slice(&input[half..])),
    ]);
    let mut messages = MessageStream::new(body);
    assert_eq!(messages.next().await.unwrap().unwrap(), message(0));
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    assert_eq!(messages.next().await.unwrap().unwrap(), message(1));
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    assert_eq!(messages.next().await.unwrap().unwrap(), message(2));
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    assert_eq!(messages.next().await.unwrap().unwrap(), message(3));
    assert!(messages.next().await.is_none());
    assert!(messages.is_terminated());
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    assert!(messages.next().await.is_none());
    assert_eq!(polls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn message_stream_truncated_body() {
    let input = frames(2);
    let cut = input.len() - 3;
    let body = stream::iter([Ok::<_, Infallible>(Bytes::copy_from_slice(&input[..cut]))]);
    let got: Vec<_> = MessageStream::new(body).collect().await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].as_ref().unwrap(), &message(0));
    let frame_len = encode(&message(1)).unwrap().len();
    match &got[1] {
        Err(EventStreamError::Truncated { buffered, expected }) => {
            assert_eq!((*buffered, *expected), (frame_len - 3, Some(frame_len)))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn message_stream_body_error_then_end() {
    let input = frames(1);
    let (body, polls) = counted_body(vec![
        Ok(Bytes::copy_from_slice(&input)),
        Err("connection reset".into()),
        Ok(Bytes::copy_from_slice(&input)),
    ]);
    let mut messages = MessageStream::new(body);
    assert_eq!(messages.next().await.unwrap().unwrap(), message(0));
    let err = messages.next().await.unwrap().unwrap_err();
    assert!(matches!(err, EventStreamError::Body(_)));
    assert_eq!(err.to_string(), "reading the event-stream body failed");
    let source = std::error::Error::source(&err).unwrap();
    assert_eq!(source.to_string(), "connection reset");
    assert!(messages.next().await.is_none());
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn message_stream_crc_error_ends_the_stream() {
    let mut input = frames(3);
    let second = encode(&message(0)).unwrap().len();
    input[second + 20] ^= 0xFF;
    let got: Vec<_> = MessageStream::new(stream::iter([Ok::<_, Infallible>(Bytes::from(input))]))
        .collect()
        .await;
    assert_eq!(got.len(), 2);
    assert!(got[0].is_ok());
    assert!(matches!(got[1], Err(EventStreamError::Crc { .. })), "{:?}", got[1]);
}

#[tokio::test]
async fn message_stream_with_configured_decoder() {
    let body = stream::iter([Ok::<_, Infallible>(Bytes::from(frames(1)))]);
    let mut messages = MessageStream::with_decoder(body, MessageDecoder::with_max_frame_len(20));
    assert_eq!(messages.decoder().max_frame_len(), 20);
    assert!(matches!(
        messages.next().await,
        Some(Err(EventStreamError::FrameTooLarge { max: 20, .. }))
    ));
}

const SSE: &str =
    "event: message_start\ndata: {\"a\":1}\n\n: ping\n\ndata: é😀\r\n\r\nid: 5\ndata: x\ndata: y\r\rdata: tail";

fn sse_expected() -> Vec<Event> {
    let ev = |event: &str, data: &str, id: Option<&str>| Event {
        event: event.into(),
        data: data.into(),
        id: id.map(Into::into),
        retry: None,
    };
    vec![
        ev("message_start", "{\"a\":1}", None),
        ev("message", "é😀", None),
        ev("message", "x\ny", Some("5")),
        ev("message", "tail", Some("5")),
    ]
}

#[tokio::test]
async fn sse_stream_over_chunks_split_everywhere() {
    let input = SSE.as_bytes();
    for size in [1, 2, 3, 5, 8, 13, input.len()] {
        let chunks: Vec<Result<Bytes, Infallible>> =
            input.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let got: Vec<Event> = SseStream::new(stream::iter(chunks)).map(Result::unwrap).collect().await;
        assert_eq!(got, sse_expected(), "chunks of {size}");
    }
}

#[tokio::test]
async fn sse_stream_is_back_pressured() {
    let (body, polls) = counted_body(vec![
        Ok(Bytes::from_static(b"data: 1\n\ndata: 2\n\n")),
        Ok(Bytes::from_static(b"data: 3\n\n")),
    ]);
    let mut events = SseStream::new(body);
    assert_eq!(events.next().await.unwrap().unwrap().data, "1");
    assert_eq!(events.next().await.unwrap().unwrap().data, "2");
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    assert_eq!(events.next().await.unwrap().unwrap().data, "3");
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    assert!(events.next().await.is_none());
    assert!(events.is_terminated());
}

#[tokio::test]
async fn sse_stream_errors() {
    let (body, _) = counted_body(vec![Ok(Bytes::from_static(b"data: 1\n\n")), Err("timed out".into())]);
    let got: Vec<_> = SseStream::new(body).collect().await;
    assert_eq!(got.len(), 2);
    let err = got[1].as_ref().unwrap_err();
    assert!(matches!(err, SseError::Body(_)));
    assert_eq!(std::error::Error::source(err).unwrap().to_string(), "timed out");

    let body = stream::iter([Ok::<_, Infallible>(Bytes::from_static(
        b"data: \xF0\x9F\x98\n\ndata: after\n\n",
    ))]);
    let got: Vec<_> = SseStream::new(body).collect().await;
    assert_eq!(got.len(), 1);
    assert!(matches!(got[0], Err(SseError::InvalidUtf8 { .. })));

    let body = stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"data: 0123456789\n\n"))]);
    let got: Vec<_> = SseStream::with_decoder(body, SseDecoder::with_max_len(8))
        .collect()
        .await;
    assert!(matches!(got[..], [Err(SseError::LineTooLong { limit: 8 })]));
}

#[tokio::test]
async fn sse_stream_keeps_last_event_id() {
    let body = stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"id: abc\nretry: 10\n\n"))]);
    let mut events = SseStream::new(body);
    assert!(events.next().await.is_none());
    assert_eq!(events.decoder().last_event_id(), "abc");
    assert_eq!(
        events.decoder().reconnection_time(),
        Some(std::time::Duration::from_millis(10))
    );
}

#[test]
fn adapters_over_the_response_body_are_send() {
    fn assert_send<T: Send + 'static>() {}
    assert_send::<MessageStream<ResponseBody>>();
    assert_send::<SseStream<ResponseBody>>();
    // And usable behind a pin without boxing.
    fn assert_stream<T: Stream>(_: Pin<&mut T>) {}
    let mut s = MessageStream::new(stream::empty::<Result<Bytes, Infallible>>());
    assert_stream(Pin::new(&mut s));
}
