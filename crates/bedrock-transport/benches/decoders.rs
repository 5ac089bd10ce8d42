//! Decoder throughput: the event-stream decoder against `aws-smithy-eventstream` used directly
//! on the same frames, and the SSE decoder against the `eventsource-stream` crate on the same
//! input.
//!
//! Run: `cargo bench -p bedrock-transport --bench decoders -- --warm-up-time 1 --measurement-time 3`.
//! On a busy machine, `DECODERS_INTERLEAVED=1 cargo bench -p bedrock-transport --bench decoders`
//! instead runs each group's cases in turn, many rounds, and prints the fastest and median
//! round of each (see [`interleaved`]).
//! Results and how to read them: `docs/performance.md` (section 4); the decision they
//! back: `docs/decisions/0003-event-stream-framing.md`.
//!
//! Every case decodes a whole body per iteration; throughput is the body's bytes (messages/s is
//! the message count divided by the time per iteration). Stream adapters are polled with a
//! no-op waker over an always-ready `stream::iter`, so what is measured is the decoding, not a
//! runtime.
//!
//! The event-stream bodies are delivered two ways: one frame per chunk (how Bedrock's HTTP/2
//! DATA frames usually arrive) and 16 KiB chunks cut without regard for frame boundaries.
//! "aws: SegmentedBuf + MessageFrameDecoder" is how the official SDK's receiver drives the
//! same parser. "prototype: own zero-copy parser" is a header parser written for this
//! comparison only (not shipped): it is what replacing `aws-smithy-eventstream` would gain.

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use aws_smithy_eventstream::frame::{read_message_from, write_message_to, DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bedrock_transport::event_stream::{encode, MessageDecoder, MessageStream};
use bedrock_transport::sse::{SseDecoder, SseStream};
use bytes::Bytes;
use bytes_utils::SegmentedBuf;
use criterion::{criterion_group, Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures_core::Stream;
use futures_util::stream;

const CHUNK: usize = 16 * 1024;

/// Polls an always-ready stream to its end; returns the item count.
fn drain<S: Stream + Unpin>(mut s: S) -> usize {
    let mut cx = Context::from_waker(Waker::noop());
    let mut n = 0;
    loop {
        match Pin::new(&mut s).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => {
                black_box(item);
                n += 1;
            }
            Poll::Ready(None) => return n,
            Poll::Pending => unreachable!("the body is always ready"),
        }
    }
}

fn body(chunks: &[Bytes]) -> impl Stream<Item = Result<Bytes, Infallible>> + Unpin + '_ {
    stream::iter(chunks.iter().cloned().map(Ok))
}

/// Cuts `all` into `size`-byte chunks that share its storage, as a socket's reads do.
fn rechunk(all: &Bytes, size: usize) -> Vec<Bytes> {
    (0..all.len())
        .step_by(size)
        .map(|at| all.slice(at..(at + size).min(all.len())))
        .collect()
}

/// `all` cut at the given lengths, sharing its storage.
fn split_at_lengths(all: &Bytes, lengths: impl IntoIterator<Item = usize>) -> Vec<Bytes> {
    let mut at = 0;
    lengths
        .into_iter()
        .map(|len| {
            at += len;
            all.slice(at - len..at)
        })
        .collect()
}

/// One benchmark: a name and a closure that decodes (or encodes) the whole body once.
struct Case<'a> {
    name: String,
    run: Box<dyn FnMut() + 'a>,
}

fn case<'a>(name: impl Into<String>, run: impl FnMut() + 'a) -> Case<'a> {
    Case {
        name: name.into(),
        run: Box::new(run),
    }
}

/// Cases over the same input of `bytes` bytes and `items` messages or events.
struct Group<'a> {
    name: String,
    bytes: usize,
    items: usize,
    cases: Vec<Case<'a>>,
}

/// A ConverseStream-like body: `count` `contentBlockDelta` events with 1-40-word text deltas.
fn converse_messages(count: usize) -> Vec<Message> {
    (0..count)
        .map(|i| {
            let text = "token ".repeat(1 + i % 40);
            let payload = format!(
                r#"{{"contentBlockIndex":0,"delta":{{"text":"{text}"}},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"}}"#
            );
            Message::new(Bytes::from(payload))
                .add_header(Header::new(
                    ":event-type",
                    HeaderValue::String("contentBlockDelta".into()),
                ))
                .add_header(Header::new(
                    ":content-type",
                    HeaderValue::String("application/json".into()),
                ))
                .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        })
        .collect()
}

/// Large payloads: `count` 64 KiB chunks (an image or audio model's output).
fn large_messages(count: usize) -> Vec<Message> {
    (0..count)
        .map(|i| {
            Message::new(Bytes::from(vec![b'A' + (i % 26) as u8; 64 * 1024]))
                .add_header(Header::new(":event-type", HeaderValue::String("chunk".into())))
                .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        })
        .collect()
}

/// Frames encoded once, delivered one per chunk and in 16 KiB chunks.
struct Frames {
    all: Bytes,
    per_frame: Vec<Bytes>,
    chunked: Vec<Bytes>,
    count: usize,
}

impl Frames {
    fn new(messages: &[Message]) -> Self {
        let encoded: Vec<Bytes> = messages.iter().map(|m| encode(m).unwrap()).collect();
        let all = Bytes::from(encoded.concat());
        let per_frame = split_at_lengths(&all, encoded.iter().map(Bytes::len));
        let chunked = rechunk(&all, CHUNK);
        Frames {
            all,
            per_frame,
            chunked,
            count: messages.len(),
        }
    }
}

fn event_stream_group<'a>(name: &str, frames: &'a Frames) -> Group<'a> {
    let n = frames.count;
    let decoder_over = |chunks: &'a [Bytes]| {
        move || {
            let mut decoder = MessageDecoder::new();
            let mut count = 0;
            for chunk in chunks {
                decoder.push(chunk.clone());
                while let Some(message) = decoder.decode().unwrap() {
                    black_box(message);
                    count += 1;
                }
            }
            assert_eq!(count, n);
        }
    };
    let cases = vec![
        case("aws: read_message_from per frame", move || {
            for frame in &frames.per_frame {
                black_box(read_message_from(&frame[..]).unwrap());
            }
        }),
        case("ours: MessageDecoder, frame per chunk", decoder_over(&frames.per_frame)),
        case("aws: SegmentedBuf + MessageFrameDecoder, 16 KiB chunks", move || {
            let mut decoder = MessageFrameDecoder::new();
            let mut buf = SegmentedBuf::new();
            let mut count = 0;
            for chunk in &frames.chunked {
                buf.push(chunk.clone());
                while let DecodedFrame::Complete(message) = decoder.decode_frame(&mut buf).unwrap() {
                    black_box(message);
                    count += 1;
                }
            }
            assert_eq!(count, n);
        }),
        case("ours: MessageDecoder, 16 KiB chunks", decoder_over(&frames.chunked)),
        case("ours: MessageStream, 16 KiB chunks", move || {
            assert_eq!(drain(MessageStream::new(body(&frames.chunked))), n)
        }),
        case("prototype: own zero-copy parser per frame", move || {
            for frame in &frames.per_frame {
                black_box(prototype::decode(frame).unwrap());
            }
        }),
    ];
    Group {
        name: format!("event_stream/{name}"),
        bytes: frames.all.len(),
        items: n,
        cases,
    }
}

fn encode_group(messages: &[Message]) -> Group<'_> {
    let len: usize = messages.iter().map(|m| encode(m).unwrap().len()).sum();
    let cases = vec![
        case("aws: write_message_to", move || {
            for m in messages {
                let mut buf = Vec::new();
                write_message_to(m, &mut buf).unwrap();
                black_box(buf);
            }
        }),
        case("ours: encode", move || {
            for m in messages {
                black_box(encode(m).unwrap());
            }
        }),
    ];
    Group {
        name: "event_stream_encode/converse_1000_events".into(),
        bytes: len,
        items: messages.len(),
        cases,
    }
}

/// An OpenAI-style chat completion stream: `data:` lines of JSON and a `[DONE]` sentinel.
fn openai_events(count: usize) -> Vec<String> {
    let mut events: Vec<String> = (0..count)
        .map(|i| {
            let text = "tok ".repeat(1 + i % 20);
            format!(
                "data: {{\"id\":\"chatcmpl-9abcdefghijklmnop\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\
                 \"model\":\"gpt-oss-120b\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}},\
                 \"finish_reason\":null}}]}}\n\n"
            )
        })
        .collect();
    events.push("data: [DONE]\n\n".into());
    events
}

/// An Anthropic-style message stream: `event:` and `data:` lines, CRLF line ends, pings.
fn anthropic_events(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            if i % 50 == 0 {
                "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n".to_string()
            } else {
                let text = "tok ".repeat(1 + i % 20);
                format!(
                    "event: content_block_delta\r\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\
                     \"delta\":{{\"type\":\"text_delta\",\"text\":\"{text}\"}}}}\r\n\r\n"
                )
            }
        })
        .collect()
}

/// An SSE body, delivered one event per chunk and in 16 KiB chunks.
struct SseBody {
    all: Bytes,
    per_event: Vec<Bytes>,
    chunked: Vec<Bytes>,
    count: usize,
}

impl SseBody {
    fn new(events: &[String]) -> Self {
        let all = Bytes::from(events.concat());
        let per_event = split_at_lengths(&all, events.iter().map(String::len));
        let chunked = rechunk(&all, CHUNK);
        SseBody {
            all,
            per_event,
            chunked,
            count: events.len(),
        }
    }
}

fn sse_group<'a>(name: &str, input: &'a SseBody) -> Group<'a> {
    let n = input.count;
    let mut cases = Vec::new();
    for (label, chunks) in [("event per chunk", &input.per_event), ("16 KiB chunks", &input.chunked)] {
        cases.push(case(format!("ours: SseDecoder, {label}"), move || {
            let mut decoder = SseDecoder::new();
            let mut count = 0;
            for chunk in chunks {
                decoder.push(chunk.clone());
                while let Some(event) = decoder.decode().unwrap() {
                    black_box(event);
                    count += 1;
                }
            }
            decoder.finish();
            while let Some(event) = decoder.decode().unwrap() {
                black_box(event);
                count += 1;
            }
            assert_eq!(count, n);
        }));
        cases.push(case(format!("ours: SseStream, {label}"), move || {
            assert_eq!(drain(SseStream::new(body(chunks))), n)
        }));
        cases.push(case(format!("eventsource-stream, {label}"), move || {
            assert_eq!(drain(body(chunks).eventsource()), n)
        }));
    }
    Group {
        name: format!("sse/{name}"),
        bytes: input.all.len(),
        items: n,
        cases,
    }
}

/// An event-stream frame parser that keeps header values and the payload as slices of the
/// frame's `Bytes`. Written for this benchmark only, to measure what replacing
/// `aws-smithy-eventstream`'s parser would gain; errors are not typed.
mod prototype {
    use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
    use aws_smithy_types::str_bytes::StrBytes;
    use aws_smithy_types::DateTime;
    use bytes::Bytes;

    fn be<const N: usize>(frame: &[u8], at: usize) -> Result<[u8; N], ()> {
        frame.get(at..at + N).and_then(|s| s.try_into().ok()).ok_or(())
    }

    pub fn decode(frame: &Bytes) -> Result<Message, ()> {
        let len = frame.len();
        if len < 16 {
            return Err(());
        }
        let total = u32::from_be_bytes(be(frame, 0)?) as usize;
        let headers_len = u32::from_be_bytes(be(frame, 4)?) as usize;
        if crc32fast::hash(&frame[..8]) != u32::from_be_bytes(be(frame, 8)?)
            || total != len
            || headers_len > len - 16
            || crc32fast::hash(&frame[..len - 4]) != u32::from_be_bytes(be(frame, len - 4)?)
        {
            return Err(());
        }
        let end = 12 + headers_len;
        let mut headers = Vec::new();
        let mut at = 12;
        while at < end {
            let name_len = frame[at] as usize;
            at += 1;
            if at + name_len >= end {
                return Err(());
            }
            let name = StrBytes::try_from(frame.slice(at..at + name_len)).map_err(|_| ())?;
            at += name_len;
            let kind = frame[at];
            at += 1;
            let fixed = |at: &mut usize, n: usize| -> Result<usize, ()> {
                let start = *at;
                *at += n;
                if *at > end {
                    Err(())
                } else {
                    Ok(start)
                }
            };
            let value = match kind {
                0 => HeaderValue::Bool(true),
                1 => HeaderValue::Bool(false),
                2 => HeaderValue::Byte(frame[fixed(&mut at, 1)?] as i8),
                3 => HeaderValue::Int16(i16::from_be_bytes(be(frame, fixed(&mut at, 2)?)?)),
                4 => HeaderValue::Int32(i32::from_be_bytes(be(frame, fixed(&mut at, 4)?)?)),
                5 => HeaderValue::Int64(i64::from_be_bytes(be(frame, fixed(&mut at, 8)?)?)),
                6 | 7 => {
                    let n = u16::from_be_bytes(be(frame, fixed(&mut at, 2)?)?) as usize;
                    let start = fixed(&mut at, n)?;
                    let bytes = frame.slice(start..start + n);
                    if kind == 6 {
                        HeaderValue::ByteArray(bytes)
                    } else {
                        HeaderValue::String(StrBytes::try_from(bytes).map_err(|_| ())?)
                    }
                }
                8 => HeaderValue::Timestamp(DateTime::from_millis(i64::from_be_bytes(be(
                    frame,
                    fixed(&mut at, 8)?,
                )?))),
                9 => HeaderValue::Uuid(u128::from_be_bytes(be(frame, fixed(&mut at, 16)?)?)),
                _ => return Err(()),
            };
            headers.push(Header::new(name, value));
        }
        Ok(Message::new_from_parts(headers, frame.slice(end..len - 4)))
    }
}

/// The prototype agrees with the official parser on the benchmark's frames.
fn check_prototype() {
    for m in converse_messages(50).iter().chain(large_messages(2).iter()) {
        let frame = encode(m).unwrap();
        assert_eq!(
            prototype::decode(&frame).unwrap(),
            read_message_from(&frame[..]).unwrap()
        );
    }
}

/// Every input, built once; the groups borrow it.
struct Inputs {
    converse: Frames,
    large: Frames,
    encode: Vec<Message>,
    openai: SseBody,
    anthropic: SseBody,
}

impl Inputs {
    fn new() -> Self {
        check_prototype();
        Inputs {
            converse: Frames::new(&converse_messages(1000)),
            large: Frames::new(&large_messages(64)),
            encode: converse_messages(1000),
            openai: SseBody::new(&openai_events(1000)),
            anthropic: SseBody::new(&anthropic_events(1000)),
        }
    }

    fn groups(&self) -> Vec<Group<'_>> {
        vec![
            event_stream_group("converse_1000_events", &self.converse),
            event_stream_group("large_64x64KiB", &self.large),
            encode_group(&self.encode),
            sse_group("openai_1000_events", &self.openai),
            sse_group("anthropic_1000_events", &self.anthropic),
        ]
    }
}

fn criterion_benches(c: &mut Criterion) {
    let inputs = Inputs::new();
    for group in inputs.groups() {
        let mut g = c.benchmark_group(&group.name);
        g.throughput(Throughput::Bytes(group.bytes as u64));
        for mut case in group.cases {
            g.bench_function(&case.name, |b| b.iter(&mut case.run));
        }
        g.finish();
    }
}

/// Runs every case of a group in turn, `ROUNDS` times, and prints each one's fastest and
/// median round as a Markdown table. Interleaving spreads the load of other processes over all
/// cases alike, and the fastest round is close to what the code costs without that load.
fn interleaved() {
    const ROUNDS: usize = 300;
    let inputs = Inputs::new();
    println!("| group | case | fastest | median | MB/s (fastest) | items/s (fastest) |");
    println!("|---|---|---:|---:|---:|---:|");
    for mut group in inputs.groups() {
        let mut times = vec![Vec::with_capacity(ROUNDS); group.cases.len()];
        for case in &mut group.cases {
            (case.run)(); // warm up
        }
        for _ in 0..ROUNDS {
            for (case, times) in group.cases.iter_mut().zip(&mut times) {
                let start = Instant::now();
                (case.run)();
                times.push(start.elapsed());
            }
        }
        for (case, times) in group.cases.iter().zip(&mut times) {
            times.sort();
            let (fastest, median) = (times[0].as_secs_f64(), times[ROUNDS / 2].as_secs_f64());
            println!(
                "| {} | {} | {:.0} µs | {:.0} µs | {:.0} | {:.0}k |",
                group.name,
                case.name,
                fastest * 1e6,
                median * 1e6,
                group.bytes as f64 / fastest / 1e6,
                group.items as f64 / fastest / 1e3,
            );
        }
    }
}

criterion_group!(benches, criterion_benches);

fn main() {
    if std::env::var_os("DECODERS_INTERLEAVED").is_some() {
        interleaved();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
