//! Tests of the stream module: real event-stream frames in, typed events and responses out.

use std::collections::VecDeque;
use std::error::Error as _;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bedrock_runtime_types::error::{ModelStreamErrorException, ThrottlingException};
use bedrock_runtime_types::event_stream::{
    ConverseStreamOutput, ConverseStreamOutputError, InvokeModelWithBidirectionalStreamOutput, ResponseStream,
    ResponseStreamError,
};
use bedrock_runtime_types::types::*;
use bedrock_transport::event_stream::{encode, CrcKind, EventStreamError};
use bedrock_transport::{BoxError, ResponseBody};
use bedrock_wire::event_stream::{Header, HeaderValue, Message as EventMessage};
use bedrock_wire::union::UnknownMember;
use bedrock_wire::Blob;
use bytes::Bytes;
use futures_core::Stream;
use serde_json::json;

use super::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A body that yields the given items, always ready.
struct Chunks(VecDeque<Result<Bytes, BoxError>>);

impl Stream for Chunks {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front())
    }
}

fn body<I: IntoIterator<Item = Result<Bytes, BoxError>>>(items: I) -> ResponseBody {
    Box::pin(Chunks(items.into_iter().collect()))
}

/// `bytes` cut at `cuts` (increasing offsets).
fn split(bytes: &[u8], cuts: &[usize]) -> ResponseBody {
    let mut items = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&bytes.len())) {
        items.push(Ok(Bytes::copy_from_slice(&bytes[from..to])));
        from = to;
    }
    body(items)
}

fn frame(message: &EventMessage) -> Vec<u8> {
    encode(message).unwrap().to_vec()
}

fn converse_frames(events: &[ConverseStreamOutput]) -> Vec<u8> {
    events.iter().flat_map(|e| frame(&e.to_message().unwrap())).collect()
}

/// Drains a stream whose body is always ready; panics if it is pending. Returns the items
/// before the first error, the error, and checks that nothing follows it.
fn drain<S, T, E>(mut stream: S) -> (Vec<T>, Option<E>)
where
    S: Stream<Item = Result<T, E>> + Unpin,
{
    let mut cx = Context::from_waker(Waker::noop());
    let mut items = Vec::new();
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(Ok(item))) => items.push(item),
            Poll::Ready(Some(Err(error))) => {
                // After an error the stream is over, even with frames left in the body.
                assert!(matches!(Pin::new(&mut stream).poll_next(&mut cx), Poll::Ready(None)));
                return (items, Some(error));
            }
            Poll::Ready(None) => {
                assert!(matches!(Pin::new(&mut stream).poll_next(&mut cx), Poll::Ready(None)));
                return (items, None);
            }
            Poll::Pending => panic!("an always-ready body left the stream pending"),
        }
    }
}

fn converse(body: ResponseBody) -> ConverseStreamReceiver {
    EventReceiver::new(body, ConverseStreamOutput::from_message)
}

fn text(index: i32, text: &str) -> ConverseStreamOutput {
    ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(ContentBlockDelta::Text(text.into()), index))
}

fn reasoning(index: i32, delta: ReasoningContentBlockDelta) -> ConverseStreamOutput {
    ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(
        ContentBlockDelta::ReasoningContent(delta),
        index,
    ))
}

fn tool_input(index: i32, fragment: &str) -> ConverseStreamOutput {
    ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(
        ContentBlockDelta::ToolUse(ToolUseBlockDelta::new(fragment)),
        index,
    ))
}

fn start(index: i32, start: ContentBlockStart) -> ConverseStreamOutput {
    ConverseStreamOutput::ContentBlockStart(ContentBlockStartEvent::new(start, index))
}

fn stop(index: i32) -> ConverseStreamOutput {
    ConverseStreamOutput::ContentBlockStop(ContentBlockStopEvent::new(index))
}

fn message_start() -> ConverseStreamOutput {
    ConverseStreamOutput::MessageStart(MessageStartEvent::new(ConversationRole::Assistant))
}

fn metadata() -> ConverseStreamOutput {
    ConverseStreamOutput::Metadata(
        ConverseStreamMetadataEvent::new(
            TokenUsage::new(25, 40, 65).with_cache_read_input_tokens(10),
            ConverseStreamMetrics::new(812),
        )
        .with_trace(ConverseStreamTrace::new().with_prompt_router(PromptRouterTrace::new().with_invoked_model_id("m"))),
    )
}

/// A realistic tool-calling turn: reasoning with a signature, two text blocks, a tool use whose
/// input arrives in three fragments.
fn tool_turn() -> Vec<ConverseStreamOutput> {
    vec![
        message_start(),
        reasoning(0, ReasoningContentBlockDelta::Text("The user wants ".into())),
        reasoning(0, ReasoningContentBlockDelta::Text("the weather.".into())),
        reasoning(0, ReasoningContentBlockDelta::Signature("c2lnbmF0dXJl".into())),
        stop(0),
        text(1, "Let me "),
        text(1, "check the weather."),
        stop(1),
        start(
            2,
            ContentBlockStart::ToolUse(ToolUseBlockStart::new("tooluse_1", "get_weather")),
        ),
        tool_input(2, r#"{"city": "Par"#),
        tool_input(2, r#"is", "units": ["#),
        tool_input(2, r#""celsius"]}"#),
        stop(2),
        text(3, "One moment."),
        stop(3),
        ConverseStreamOutput::MessageStop(
            MessageStopEvent::new(StopReason::ToolUse).with_additional_model_response_fields(json!({"k": 1})),
        ),
        metadata(),
    ]
}

fn tool_turn_response() -> ConverseResponse {
    let message = Message::new(
        ConversationRole::Assistant,
        vec![
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(
                ReasoningTextBlock::new("The user wants the weather.").with_signature("c2lnbmF0dXJl"),
            )),
            ContentBlock::Text("Let me check the weather.".into()),
            ContentBlock::ToolUse(ToolUseBlock::new(
                "tooluse_1",
                "get_weather",
                json!({"city": "Paris", "units": ["celsius"]}),
            )),
            ContentBlock::Text("One moment.".into()),
        ],
    );
    ConverseResponse::new(
        ConverseOutput::Message(message),
        StopReason::ToolUse,
        TokenUsage::new(25, 40, 65).with_cache_read_input_tokens(10),
        ConverseMetrics::new(812),
    )
    .with_additional_model_response_fields(json!({"k": 1}))
    .with_trace(ConverseTrace::new().with_prompt_router(PromptRouterTrace::new().with_invoked_model_id("m")))
}

fn accumulate(events: &[ConverseStreamOutput]) -> Result<MessageAccumulator, AccumulateError> {
    let mut accumulator = MessageAccumulator::new();
    for event in events {
        accumulator.push(event)?;
    }
    Ok(accumulator)
}

// ---------------------------------------------------------------------------------------------
// EventReceiver

#[test]
fn public_types_are_send_sync_and_unpin() {
    fn check<T: Send + Sync + Unpin + 'static>() {}
    check::<ConverseStreamReceiver>();
    check::<ResponseStreamReceiver>();
    check::<BidirectionalStreamReceiver>();
    check::<TextDeltas>();
    check::<MessageAccumulator>();
    check::<StreamError<ConverseStreamOutputError>>();
    check::<AccumulateError>();
}

#[test]
fn converse_events_survive_every_split() {
    let events = tool_turn();
    let bytes = converse_frames(&events);
    for at in 0..=bytes.len() {
        let (got, error) = drain(converse(split(&bytes, &[at])));
        assert!(error.is_none(), "split at {at}: {error:?}");
        assert_eq!(got, events, "split at {at}");
    }
    for size in [1, 2, 3, 7, 64, 1000] {
        let cuts: Vec<usize> = (size..bytes.len()).step_by(size).collect();
        let (got, error) = drain(converse(split(&bytes, &cuts)));
        assert!(error.is_none(), "chunks of {size}: {error:?}");
        assert_eq!(got, events, "chunks of {size}");
    }
    // Empty chunks in between change nothing.
    let (got, error) = drain(converse(split(&bytes, &[0, 0, 5, 5, bytes.len()])));
    assert!(error.is_none());
    assert_eq!(got, events);
}

#[test]
fn empty_body_is_an_empty_stream() {
    let (got, error) = drain(converse(body([])));
    assert!(got.is_empty() && error.is_none());
}

#[tokio::test]
async fn recv_reads_to_the_end() {
    let events = tool_turn();
    let mut receiver = converse(split(&converse_frames(&events), &[10, 200]));
    let mut got = Vec::new();
    while let Some(event) = receiver.recv().await.unwrap() {
        got.push(event);
    }
    assert_eq!(got, events);
    assert!(receiver.recv().await.unwrap().is_none());
    assert!(futures_core::stream::FusedStream::is_terminated(&receiver));
}

/// A body that is pending once before each chunk, as a network body is.
struct Slow {
    chunks: VecDeque<Bytes>,
    ready: bool,
}

impl Stream for Slow {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.ready = !self.ready;
        if !self.ready {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.chunks.pop_front().map(Ok))
    }
}

#[tokio::test]
async fn a_pending_body_is_waited_for() {
    let events = tool_turn();
    let bytes = converse_frames(&events);
    let chunks = bytes.chunks(9).map(Bytes::copy_from_slice).collect();
    let mut receiver = converse(Box::pin(Slow { chunks, ready: false }));
    let mut got = Vec::new();
    while let Some(event) = receiver.recv().await.unwrap() {
        got.push(event);
    }
    assert_eq!(got, events);
}

#[test]
fn invoke_model_response_stream_chunks() {
    let parts: Vec<ResponseStream> = [r#"{"delta":"Hel"}"#, r#"{"delta":"lo"}"#]
        .into_iter()
        .map(|json| ResponseStream::Chunk(PayloadPart::new().with_bytes(Blob::new(json.as_bytes()))))
        .collect();
    let bytes: Vec<u8> = parts.iter().flat_map(|p| frame(&p.to_message().unwrap())).collect();
    for at in 0..=bytes.len() {
        let receiver: ResponseStreamReceiver = EventReceiver::new(split(&bytes, &[at]), ResponseStream::from_message);
        let (got, error) = drain(receiver);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, parts, "split at {at}");
    }
    // A modeled exception of this stream.
    let exception = ResponseStreamError::ModelTimeoutException(Default::default());
    let mut bytes = bytes;
    bytes.extend(frame(&exception.to_message().unwrap()));
    let (got, error) = drain(EventReceiver::new(split(&bytes, &[3]), ResponseStream::from_message));
    assert_eq!(got.len(), 2);
    assert!(matches!(
        error,
        Some(StreamError::Exception(ResponseStreamError::ModelTimeoutException(_)))
    ));
}

#[test]
fn bidirectional_output_chunks() {
    let event = InvokeModelWithBidirectionalStreamOutput::Chunk(
        BidirectionalOutputPayloadPart::new().with_bytes(Blob::new(&b"{\"event\":{}}"[..])),
    );
    let bytes = frame(&event.to_message().unwrap());
    let receiver: BidirectionalStreamReceiver = EventReceiver::new(
        split(&bytes, &[1]),
        InvokeModelWithBidirectionalStreamOutput::from_message,
    );
    let (got, error) = drain(receiver);
    assert!(error.is_none());
    assert_eq!(got, vec![event]);
}

#[test]
fn unknown_event_types_are_yielded_as_unknown() {
    let unknown = EventMessage::new(&br#"{"future":true}"#[..])
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(":event-type", HeaderValue::String("somethingNew".into())))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut bytes = converse_frames(&[message_start()]);
    bytes.extend(frame(&unknown));
    bytes.extend(converse_frames(&[text(0, "hi")]));
    let (got, error) = drain(converse(split(&bytes, &[])));
    assert!(error.is_none());
    assert_eq!(got.len(), 3);
    match &got[1] {
        ConverseStreamOutput::Unknown(member) => {
            assert_eq!(member.name(), "somethingNew");
            assert_eq!(member.value(), &json!({"future": true}));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(got[2], text(0, "hi"));
}

#[test]
fn exception_mid_stream_ends_it() {
    let exception = ConverseStreamOutputError::ModelStreamErrorException(
        ModelStreamErrorException::new()
            .with_message("the model failed")
            .with_original_status_code(500),
    );
    let mut bytes = converse_frames(&[message_start(), text(0, "Hel")]);
    let at = bytes.len();
    bytes.extend(frame(&exception.to_message().unwrap()));
    // Frames after the exception are not read.
    bytes.extend(converse_frames(&[text(0, "lo")]));
    for cut in [at - 1, at, at + 1, at + 20] {
        let (got, error) = drain(converse(split(&bytes, &[cut])));
        assert_eq!(got, vec![message_start(), text(0, "Hel")]);
        let error = error.expect("an exception");
        assert_eq!(error.exception(), Some(&exception));
        assert_eq!(
            error.to_string(),
            "the service ended the event stream with an error: ModelStreamErrorException: the model failed"
        );
    }
    // An unmodeled `error` message is the `Unhandled` exception.
    let error_message = ConverseStreamOutputError::Unhandled(bedrock_wire::event_stream::UnhandledEventError {
        code: Some("InternalFailure".into()),
        message: Some("try again".into()),
    });
    let mut bytes = converse_frames(&[message_start()]);
    bytes.extend(frame(&error_message.to_message().unwrap()));
    let (got, error) = drain(converse(split(&bytes, &[7])));
    assert_eq!(got.len(), 1);
    let error = error.unwrap();
    assert!(
        matches!(&error, StreamError::Exception(ConverseStreamOutputError::Unhandled(e)) if e.code.as_deref() == Some("InternalFailure"))
    );
    assert!(error.to_string().ends_with("InternalFailure: try again"), "{error}");
}

#[test]
fn throttling_exception_first() {
    let exception =
        ConverseStreamOutputError::ThrottlingException(ThrottlingException::new().with_message("slow down"));
    let bytes = frame(&exception.to_message().unwrap());
    let (got, error) = drain(converse(split(&bytes, &[])));
    assert!(got.is_empty());
    assert!(matches!(
        error,
        Some(StreamError::Exception(ConverseStreamOutputError::ThrottlingException(
            _
        )))
    ));
}

#[test]
fn truncated_body_is_a_transport_error() {
    let events = tool_turn();
    let bytes = converse_frames(&events);
    let last = frame(&events.last().unwrap().to_message().unwrap()).len();
    let complete = bytes.len() - last;
    for cut in complete + 1..bytes.len() {
        let (got, error) = drain(converse(split(&bytes[..cut], &[complete.min(cut / 2)])));
        assert_eq!(got, events[..events.len() - 1], "cut at {cut}");
        match &error {
            Some(StreamError::Transport(EventStreamError::Truncated { buffered, .. })) => {
                assert_eq!(*buffered, cut - complete)
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let (_, error) = drain(converse(split(&bytes[..complete + 30], &[])));
    let error = error.unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "the event stream was cut off (event stream ended inside a frame: 30 of its {last} bytes had arrived); \
             the connection failed or closed before the response ended: send the request again"
        )
    );
}

#[test]
fn body_error_is_a_transport_error_with_its_cause() {
    let bytes = converse_frames(&[message_start(), text(0, "hi")]);
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer");
    let (got, error) = drain(converse(body([
        Ok(Bytes::copy_from_slice(&bytes[..bytes.len() - 3])),
        Err(Box::new(io) as BoxError),
        Ok(Bytes::copy_from_slice(&bytes[bytes.len() - 3..])),
    ])));
    assert_eq!(got, vec![message_start()]);
    let error = error.unwrap();
    assert!(
        matches!(error, StreamError::Transport(EventStreamError::Body(_))),
        "{error:?}"
    );
    let cause = error.source().expect("the IO error");
    assert_eq!(cause.to_string(), "connection reset by peer");
    assert!(cause.downcast_ref::<std::io::Error>().is_some());
}

#[test]
fn corrupt_crc_is_a_framing_error() {
    let events = [message_start(), text(0, "Hello"), text(0, " world")];
    let clean = converse_frames(&events);
    let first = frame(&events[0].to_message().unwrap()).len();
    let second = frame(&events[1].to_message().unwrap()).len();
    // A payload byte of the second frame, and a byte of its prelude.
    for (at, which) in [(first + second - 6, CrcKind::Message), (first + 2, CrcKind::Prelude)] {
        let mut bytes = clean.clone();
        bytes[at] ^= 0x01;
        for cut in [0, at, at + 1] {
            let (got, error) = drain(converse(split(&bytes, &[cut])));
            assert_eq!(got, vec![message_start()]);
            match &error {
                Some(StreamError::Framing(EventStreamError::Crc { which: w, .. })) => assert_eq!(*w, which),
                other => panic!("{other:?}"),
            }
            let text = error.unwrap().to_string();
            assert!(text.starts_with("the event stream is corrupt ("), "{text}");
            assert!(text.ends_with("send the request again"), "{text}");
        }
    }
}

#[test]
fn malformed_payload_is_a_malformed_error() {
    let bad = EventMessage::new(&br#"{"contentBlockIndex":"zero"}"#[..])
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String("contentBlockDelta".into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut bytes = converse_frames(&[message_start()]);
    bytes.extend(frame(&bad));
    let (got, error) = drain(converse(split(&bytes, &[])));
    assert_eq!(got.len(), 1);
    let error = error.unwrap();
    assert!(matches!(error, StreamError::Malformed(_)), "{error:?}");
    assert!(error.to_string().contains("contentBlockDelta"), "{error}");
    assert!(error.to_string().contains("update the SDK"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// TextDeltas

#[test]
fn text_deltas_are_only_the_text() {
    let events = tool_turn();
    let bytes = converse_frames(&events);
    for at in [0, 1, 100, bytes.len() / 2, bytes.len()] {
        let (got, error) = drain(converse(split(&bytes, &[at])).text_deltas());
        assert!(error.is_none());
        assert_eq!(got, ["Let me ", "check the weather.", "One moment."], "split at {at}");
    }
    // An error after some text ends the text stream the same way.
    let mut bytes = converse_frames(&[message_start(), text(0, "partial")]);
    bytes.extend(frame(
        &ConverseStreamOutputError::ThrottlingException(ThrottlingException::new())
            .to_message()
            .unwrap(),
    ));
    let (got, error) = drain(converse(split(&bytes, &[])).text_deltas());
    assert_eq!(got, ["partial"]);
    assert!(matches!(error, Some(StreamError::Exception(_))));
}

#[tokio::test]
async fn text_deltas_recv() {
    let bytes = converse_frames(&[message_start(), text(0, "a"), stop(0), text(1, "b")]);
    let mut deltas = converse(split(&bytes, &[5])).text_deltas();
    let mut out = String::new();
    while let Some(delta) = deltas.recv().await.unwrap() {
        out.push_str(&delta);
    }
    assert_eq!(out, "ab");
}

// ---------------------------------------------------------------------------------------------
// MessageAccumulator

#[test]
fn accumulator_rebuilds_the_converse_response() {
    let accumulator = accumulate(&tool_turn()).unwrap();
    assert!(accumulator.skipped().is_empty());
    assert_eq!(accumulator.finish().unwrap(), tool_turn_response());
}

#[test]
fn accumulator_from_frames_at_every_split() {
    let bytes = converse_frames(&tool_turn());
    for at in (0..=bytes.len()).step_by(7) {
        let mut receiver = converse(split(&bytes, &[at]));
        let mut accumulator = MessageAccumulator::new();
        let mut cx = Context::from_waker(Waker::noop());
        while let Poll::Ready(Some(event)) = Pin::new(&mut receiver).poll_next(&mut cx) {
            accumulator.push(&event.unwrap()).unwrap();
        }
        assert_eq!(accumulator.finish().unwrap(), tool_turn_response(), "split at {at}");
    }
}

#[test]
fn bad_tool_json_is_a_typed_error() {
    let mut events = tool_turn();
    // The last fragment is lost: `{"city": "Paris", "units": [`.
    events.retain(|e| *e != tool_input(2, r#""celsius"]}"#));
    let error = accumulate(&events).unwrap().finish().unwrap_err();
    match &error {
        AccumulateError::ToolInput {
            content_block_index,
            tool_use_id,
            name,
            source,
        } => {
            assert_eq!(
                (*content_block_index, tool_use_id.as_str(), name.as_str()),
                (2, "tooluse_1", "get_weather")
            );
            assert!(source.is_eof());
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.starts_with(
            "the input the model wrote for tool `get_weather` (toolUseId tooluse_1, content block 2) is not valid JSON: "
        ),
        "{text}"
    );
    // Not JSON at all.
    let events = [
        message_start(),
        start(0, ContentBlockStart::ToolUse(ToolUseBlockStart::new("t", "f"))),
        tool_input(0, "{'single': quotes}"),
    ];
    let error = accumulate(&events).unwrap().into_message().unwrap_err();
    assert!(matches!(error, AccumulateError::ToolInput { ref source, .. } if source.is_syntax()));
}

#[test]
fn tool_use_without_input_is_an_empty_object() {
    let events = [
        message_start(),
        start(
            0,
            ContentBlockStart::ToolUse(ToolUseBlockStart::new("t", "now").with_type(ToolUseType::ServerToolUse)),
        ),
        stop(0),
    ];
    let message = accumulate(&events).unwrap().into_message().unwrap();
    assert_eq!(
        message.content,
        vec![ContentBlock::ToolUse(
            ToolUseBlock::new("t", "now", json!({})).with_type(ToolUseType::ServerToolUse)
        )]
    );
}

#[test]
fn citations_make_a_citations_content_block() {
    let citation = |title: &str, quote: &str| {
        ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(
            ContentBlockDelta::Citation(
                CitationsDelta::new()
                    .with_title(title)
                    .with_source_content(vec![CitationSourceContentDelta::new().with_text(quote)]),
            ),
            1,
        ))
    };
    let events = [
        message_start(),
        text(0, "Plain. "),
        stop(0),
        text(1, "The sky "),
        citation("doc1", "sky is blue"),
        text(1, "is blue."),
        citation("doc2", "blue sky"),
        stop(1),
    ];
    let message = accumulate(&events).unwrap().into_message().unwrap();
    let expected_citation = |title: &str, quote: &str| {
        Citation::new()
            .with_title(title)
            .with_source_content(vec![CitationSourceContent::Text(quote.into())])
    };
    assert_eq!(
        message.content,
        vec![
            ContentBlock::Text("Plain. ".into()),
            ContentBlock::CitationsContent(
                CitationsContentBlock::new()
                    .with_content(vec![CitationGeneratedContent::Text("The sky is blue.".into())])
                    .with_citations(vec![
                        expected_citation("doc1", "sky is blue"),
                        expected_citation("doc2", "blue sky")
                    ])
            ),
        ]
    );
}

#[test]
fn tool_results_and_images_stream_into_blocks() {
    let result_delta = |items: Vec<ToolResultBlockDelta>| {
        ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(ContentBlockDelta::ToolResult(items), 0))
    };
    let image_delta = |delta: ImageBlockDelta| {
        ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(ContentBlockDelta::Image(delta), 1))
    };
    let events = [
        message_start(),
        start(
            0,
            ContentBlockStart::ToolResult(
                ToolResultBlockStart::new("srv_1")
                    .with_status(ToolResultStatus::Success)
                    .with_type("web_search_result"),
            ),
        ),
        result_delta(vec![ToolResultBlockDelta::Text("Found ".into())]),
        result_delta(vec![
            ToolResultBlockDelta::Text("3 pages".into()),
            ToolResultBlockDelta::Json(json!({"n": 3})),
            ToolResultBlockDelta::Text("end".into()),
            ToolResultBlockDelta::Unknown(UnknownMember::new("video", json!({"s": 1}))),
        ]),
        stop(0),
        start(1, ContentBlockStart::Image(ImageBlockStart::new(ImageFormat::Png))),
        image_delta(ImageBlockDelta::new().with_source(ImageSource::Bytes(Blob::new(&b"\x89PN"[..])))),
        image_delta(ImageBlockDelta::new().with_source(ImageSource::Bytes(Blob::new(&b"G..."[..])))),
        stop(1),
        start(2, ContentBlockStart::Image(ImageBlockStart::new(ImageFormat::Jpeg))),
        ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(
            ContentBlockDelta::Image(ImageBlockDelta::new().with_error(ErrorBlock::new().with_message("blocked"))),
            2,
        )),
        stop(2),
    ];
    let message = accumulate(&events).unwrap().into_message().unwrap();
    assert_eq!(
        message.content,
        vec![
            ContentBlock::ToolResult(
                ToolResultBlock::new(
                    "srv_1",
                    vec![
                        ToolResultContentBlock::Text("Found 3 pages".into()),
                        ToolResultContentBlock::Json(json!({"n": 3})),
                        ToolResultContentBlock::Text("end".into()),
                        ToolResultContentBlock::Unknown(UnknownMember::new("video", json!({"s": 1}))),
                    ]
                )
                .with_status(ToolResultStatus::Success)
                .with_type("web_search_result")
            ),
            ContentBlock::Image(ImageBlock::new(
                ImageFormat::Png,
                ImageSource::Bytes(Blob::new(&b"\x89PNG..."[..]))
            )),
            ContentBlock::Image(
                ImageBlock::new(ImageFormat::Jpeg, ImageSource::Bytes(Blob::new(Vec::new())))
                    .with_error(ErrorBlock::new().with_message("blocked"))
            ),
        ]
    );
    // An image with neither source nor error.
    let events = [
        message_start(),
        start(0, ContentBlockStart::Image(ImageBlockStart::new(ImageFormat::Gif))),
        stop(0),
    ];
    let error = accumulate(&events).unwrap().into_message().unwrap_err();
    assert!(
        matches!(
            error,
            AccumulateError::IncompleteBlock {
                content_block_index: 0,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn debug_shows_no_content() {
    let accumulator = accumulate(&tool_turn()).unwrap();
    let debug = format!("{accumulator:?}");
    assert!(!debug.contains("weather"), "{debug}");
    assert!(debug.contains("reasoningContent"), "{debug}");
}

#[test]
fn redacted_reasoning() {
    let events = [
        message_start(),
        reasoning(0, ReasoningContentBlockDelta::RedactedContent(Blob::new(&b"abc"[..]))),
        reasoning(0, ReasoningContentBlockDelta::RedactedContent(Blob::new(&b"def"[..]))),
        stop(0),
    ];
    let message = accumulate(&events).unwrap().into_message().unwrap();
    assert_eq!(
        message.content,
        vec![ContentBlock::ReasoningContent(ReasoningContentBlock::RedactedContent(
            Blob::new(&b"abcdef"[..])
        ))]
    );
    // Redacted content and text cannot share a block.
    let mut accumulator = accumulate(&events[..2]).unwrap();
    let error = accumulator
        .push(&reasoning(0, ReasoningContentBlockDelta::Text("x".into())))
        .unwrap_err();
    assert!(matches!(
        error,
        AccumulateError::UnexpectedEvent {
            content_block_index: Some(0),
            ..
        }
    ));
}

#[test]
fn unknown_members_are_kept_not_dropped() {
    let unknown_event = ConverseStreamOutput::Unknown(UnknownMember::new("heartbeat", json!({})));
    let unknown_delta = ConverseStreamOutput::ContentBlockDelta(ContentBlockDeltaEvent::new(
        ContentBlockDelta::Unknown(UnknownMember::new("audio", json!({"b": "AA=="}))),
        0,
    ));
    let unknown_reasoning = reasoning(
        1,
        ReasoningContentBlockDelta::Unknown(UnknownMember::new("summary", json!("s"))),
    );
    let delta_for_unknown_block = text(2, "x");
    let events = [
        message_start(),
        unknown_event.clone(),
        unknown_delta.clone(),
        text(0, "Hi"),
        unknown_reasoning.clone(),
        reasoning(1, ReasoningContentBlockDelta::Text("hmm".into())),
        start(
            2,
            ContentBlockStart::Unknown(UnknownMember::new("video", json!({"f": "mp4"}))),
        ),
        delta_for_unknown_block.clone(),
        stop(2),
    ];
    let accumulator = accumulate(&events).unwrap();
    assert_eq!(
        accumulator.skipped(),
        [unknown_event, unknown_delta, unknown_reasoning, delta_for_unknown_block]
    );
    let message = accumulator.into_message().unwrap();
    assert_eq!(
        message.content,
        vec![
            ContentBlock::Text("Hi".into()),
            ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(ReasoningTextBlock::new("hmm"))),
            ContentBlock::Unknown(UnknownMember::new("video", json!({"f": "mp4"}))),
        ]
    );
}

#[test]
fn contradicting_events_are_rejected_and_not_applied() {
    let base = [
        message_start(),
        text(0, "a"),
        start(1, ContentBlockStart::ToolUse(ToolUseBlockStart::new("t", "f"))),
    ];
    let cases = [
        (
            tool_input(0, "{}"),
            "content block 0 received a toolUse delta for a text block",
        ),
        (
            text(1, "x"),
            "content block 1 received a text delta for a toolUse block",
        ),
        (
            tool_input(5, "{}"),
            "content block 5 received a toolUse delta for a block that has no contentBlockStart",
        ),
        (
            start(0, ContentBlockStart::Image(ImageBlockStart::new(ImageFormat::Png))),
            "content block 0 received a contentBlockStart for a block that already has text content",
        ),
        (message_start(), "received a second messageStart event"),
    ];
    for (event, expected) in cases {
        let mut accumulator = accumulate(&base).unwrap();
        let error = accumulator.push(&event).unwrap_err();
        assert!(error.to_string().starts_with(expected), "{error}");
        assert!(error
            .to_string()
            .ends_with("(push each stream into its own accumulator, in arrival order)"));
        // Unchanged: the stream can go on.
        accumulator.push(&tool_input(1, "{}")).unwrap();
        let message = accumulator.into_message().unwrap();
        assert_eq!(
            message.content,
            vec![
                ContentBlock::Text("a".into()),
                ContentBlock::ToolUse(ToolUseBlock::new("t", "f", json!({})))
            ]
        );
    }
    // After a block's stop.
    let mut accumulator = accumulate(&[message_start(), text(0, "a"), stop(0)]).unwrap();
    assert!(matches!(
        accumulator.push(&text(0, "b")),
        Err(AccumulateError::UnexpectedEvent {
            content_block_index: Some(0),
            ..
        })
    ));
    assert!(accumulator.push(&stop(0)).is_err());
    // A negative index.
    let error = MessageAccumulator::new().push(&text(-1, "a")).unwrap_err();
    assert!(matches!(error, AccumulateError::NegativeIndex { index: -1 }));
}

#[test]
fn finish_needs_the_whole_stream() {
    let events = tool_turn();
    // Without metadata: the message is there, the response is not.
    let partial = &events[..events.len() - 1];
    let error = accumulate(partial).unwrap().finish().unwrap_err();
    assert!(matches!(error, AccumulateError::MissingEvent { event: "metadata" }));
    assert!(error.to_string().contains("use `into_message`"), "{error}");
    let message = accumulate(partial).unwrap().into_message().unwrap();
    assert_eq!(ConverseOutput::Message(message), tool_turn_response().output);
    // Without messageStop.
    let error = accumulate(&events[..3]).unwrap().finish().unwrap_err();
    assert!(matches!(error, AccumulateError::MissingEvent { event: "messageStop" }));
    // Without messageStart.
    let error = accumulate(&events[1..]).unwrap().finish().unwrap_err();
    assert!(matches!(error, AccumulateError::MissingEvent { event: "messageStart" }));
}

#[test]
fn the_accumulated_response_reads_like_converse_json() {
    // The same type, and the same JSON a non-streaming Converse body would have.
    let response = accumulate(&tool_turn()).unwrap().finish().unwrap();
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(value["stopReason"], "tool_use");
    assert_eq!(
        value["output"]["message"]["content"][2]["toolUse"]["input"]["city"],
        "Paris"
    );
    assert_eq!(value["usage"]["totalTokens"], 65);
    assert_eq!(value["metrics"]["latencyMs"], 812);
}

#[test]
fn a_bare_block_stop_adds_nothing_but_empty_text_is_kept() {
    let events = [message_start(), stop(0), text(1, ""), stop(1), text(2, "x")];
    let mut accumulator = accumulate(&events).unwrap();
    assert!(matches!(
        accumulator.push(&start(0, ContentBlockStart::ToolUse(ToolUseBlockStart::new("t", "f")))),
        Err(AccumulateError::UnexpectedEvent {
            content_block_index: Some(0),
            ..
        })
    ));
    let message = accumulator.into_message().unwrap();
    assert_eq!(
        message.content,
        vec![ContentBlock::Text(String::new()), ContentBlock::Text("x".into())]
    );
}

/// The emulator answers Converse and ConverseStream from the same script: the streamed events,
/// framed, received in chunks and accumulated, are the response Converse returns.
#[test]
fn accumulated_stream_equals_converse_in_the_emulator() {
    use bedrock_local::runtime::{self as emulator, ModelRegistry, Script};

    let script: Script = serde_json::from_value(json!({
        "turns": [{
            "content": [
                {"reasoning": {"text": "The user wants the weather in two cities.", "signature": "sig-1"}},
                {"text": "Let me look that up for both of them."},
                {"toolUse": {"name": "get_weather", "input": {"city": "Paris", "days": [1, 2, 3], "units": {"t": "c"}}}},
                {"text": ""},
                {"toolUse": {"name": "get_time", "input": {}}}
            ],
            "usage": {"inputTokens": 12, "outputTokens": 20},
            "chunkTokens": 2,
            "latencyMs": 300
        }]
    }))
    .unwrap();
    let mut registry = ModelRegistry::new();
    registry.add_script("weather", script);
    let user = Message::new(ConversationRole::User, vec![ContentBlock::Text("Weather?".into())]);
    let expected = emulator::converse(
        &registry,
        &ConverseRequest::new("scripted/weather").with_messages(vec![user.clone()]),
        None,
    )
    .unwrap();
    let events: Vec<ConverseStreamOutput> = emulator::converse_stream(
        &registry,
        &ConverseStreamRequest::new("scripted/weather").with_messages(vec![user]),
        None,
    )
    .unwrap()
    .into_iter()
    .map(|timed| timed.event)
    .collect();
    let ConverseOutput::Message(message) = &expected.output else {
        panic!("{expected:?}")
    };
    assert_eq!(message.content.len(), 5);
    assert!(matches!(
        &message.content[0],
        ContentBlock::ReasoningContent(ReasoningContentBlock::ReasoningText(r)) if r.signature.as_deref() == Some("sig-1")
    ));
    // The tool input really arrives in fragments.
    let fragments = events
        .iter()
        .filter(|e| matches!(e, ConverseStreamOutput::ContentBlockDelta(d) if matches!(d.delta, ContentBlockDelta::ToolUse(_))))
        .count();
    assert!(fragments >= 3, "{fragments} tool input fragments");

    let bytes = converse_frames(&events);
    for size in [1, 5, 64, bytes.len()] {
        let cuts: Vec<usize> = (size..bytes.len()).step_by(size).collect();
        let (received, error) = drain(converse(split(&bytes, &cuts)));
        assert!(error.is_none(), "{error:?}");
        let accumulator = accumulate(&received).unwrap();
        assert!(accumulator.skipped().is_empty());
        assert_eq!(accumulator.finish().unwrap(), expected, "chunks of {size}");
    }
}
