//! Server-sent events (`text/event-stream`), parsed by the WHATWG HTML "event stream
//! interpretation" rules.
//!
//! [`SseDecoder`] is sans-IO: push the body's chunks in with [`SseDecoder::push`], however they
//! are split (inside a CRLF pair or inside a UTF-8 character included), and pull [`Event`]s out
//! with [`SseDecoder::decode`]. [`SseStream`] drives one over any `Stream` of `Bytes`.
//!
//! What the rules give:
//!
//! - Lines end with CRLF, LF or CR, mixed freely; a leading byte-order mark is skipped.
//! - A line starting with `:` is a comment. Otherwise the field name runs to the first `:`
//!   (a line without one is a name with an empty value) and one space after the colon is dropped.
//! - `data` lines append their value and a LF to the event's data; `event` sets its type
//!   (`"message"` when none is given); `id` sets the last event ID, which stays for later events
//!   until set again (a value containing NUL is ignored); `retry` sets the reconnection time if
//!   the value is all ASCII digits. Other fields are ignored.
//! - A blank line dispatches the event: the final LF is removed from the data, and an event
//!   with no `data` line at all is not dispatched.
//!
//! Where this decoder departs from the specification, on purpose:
//!
//! - **End of stream.** The specification discards an event not followed by a blank line.
//!   Some OpenAI- and Anthropic-compatible servers close the stream right after the last
//!   event's `data` line, so at the end of the body the pending line and event are completed
//!   and dispatched as if a blank line had followed.
//! - **Invalid UTF-8.** The specification decodes with replacement characters; here a `data`,
//!   `event` or `id` value that is not UTF-8 is an [`SseError::InvalidUtf8`]. Comments and
//!   ignored fields are skipped without being decoded.
//! - **Size limits.** A line or an event's data longer than the limit (16 MiB by default) is an
//!   error rather than an allocation without bound.
//!
//! # Copies
//!
//! A server usually writes each event in one piece, so most events arrive whole at the start
//! of a chunk. Such an event (an optional `event` line, one `data` line, the blank line, all
//! ending in LF) is not copied at all: [`SseDecoder::decode_ref`] and
//! [`SseStream::poll_next_ref`] lend its type and data straight from the chunk, validated as
//! UTF-8 there. Any other event is assembled in the decoder's data buffer, its `data` bytes
//! copied once from the chunks (lines split across chunks are not joined first);
//! `decode_ref` lends that buffer and takes it back on the next call, so reading events that
//! way allocates nothing per event. [`SseDecoder::decode`] returns owned strings: a copy of a
//! lent event, or the data buffer itself, handed over (the next event then starts a new one).

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use crate::BoxError;

/// The default limit on one line and on one event's data, in bytes (16 MiB).
pub const DEFAULT_MAX_LEN: usize = 16 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
/// The longest field name the decoder acts on (`event`, `retry`).
const MAX_KNOWN_NAME: usize = 5;

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event type: the last `event` field's value, or `"message"` when it had none (or an
    /// empty one).
    pub event: String,
    /// The `data` lines' values joined with LF.
    pub data: String,
    /// The last event ID, which persists across events until an `id` field changes it; `None`
    /// while it is empty (never set, or reset by an empty `id` field).
    pub id: Option<String>,
    /// The reconnection time from a valid `retry` field among this event's lines, if any. The
    /// latest one seen anywhere is [`SseDecoder::reconnection_time`].
    pub retry: Option<Duration>,
}

/// One dispatched server-sent event, borrowed from the decoder: what
/// [`SseDecoder::decode_ref`] and [`SseStream::poll_next_ref`] return. Reading events this way
/// allocates nothing per event: the decoder keeps its buffers for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The event type, as [`Event::event`].
    pub event: &'a str,
    /// The `data` lines' values joined with LF, as [`Event::data`].
    pub data: &'a str,
    /// The last event ID, as [`Event::id`].
    pub id: Option<&'a str>,
    /// The reconnection time of this event, as [`Event::retry`].
    pub retry: Option<Duration>,
}

impl EventRef<'_> {
    /// The owned [`Event`].
    pub fn to_event(&self) -> Event {
        Event {
            event: self.event.to_owned(),
            data: self.data.to_owned(),
            id: self.id.map(str::to_owned),
            retry: self.retry,
        }
    }
}

/// A field of an SSE line whose value was not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseField {
    /// An event's joined `data`.
    Data,
    /// An `event` field.
    Event,
    /// An `id` field.
    Id,
}

impl fmt::Display for SseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SseField::Data => "data",
            SseField::Event => "event",
            SseField::Id => "id",
        })
    }
}

/// Why a server-sent event stream could not be decoded.
///
/// After an error the decoder and the stream produce nothing more.
#[derive(Debug)]
#[non_exhaustive]
pub enum SseError {
    /// A field's value is not valid UTF-8.
    InvalidUtf8 {
        /// Which field.
        field: SseField,
    },
    /// A line is longer than the limit.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// An event's data is longer than the limit.
    EventTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Reading the body failed; the error is the [`source`](std::error::Error::source).
    Body(BoxError),
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::InvalidUtf8 { field } => write!(f, "server-sent event `{field}` value is not valid UTF-8"),
            SseError::LineTooLong { limit } => {
                write!(f, "server-sent event line is longer than the {limit}-byte limit")
            }
            SseError::EventTooLong { limit } => {
                write!(f, "server-sent event data is longer than the {limit}-byte limit")
            }
            SseError::Body(_) => f.write_str("reading the server-sent event body failed"),
        }
    }
}

impl std::error::Error for SseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SseError::Body(source) => Some(&**source),
            _ => None,
        }
    }
}

/// Where the parser is within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of the stream, having matched this many bytes of a byte-order mark.
    Bom(usize),
    /// At the start of a line.
    LineStart,
    /// Reading a field name.
    Name,
    /// Just after the colon: one space is dropped.
    ValueStart,
    /// Reading a field value.
    Value,
    /// Skipping a comment.
    Comment,
}

/// An event found whole at the start of a chunk: byte ranges in that chunk.
#[derive(Debug, Clone)]
struct WholeEvent {
    /// The `event` line's value (empty without one).
    event: Range<usize>,
    /// The `data` line's value.
    data: Range<usize>,
    /// The event's length, blank line included.
    len: usize,
}

/// The field whose name was read on the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
    Ignored,
}

/// A sans-IO server-sent event decoder: push chunks in, pull events out.
///
/// ```
/// # use bedrock_transport::sse::SseDecoder;
/// # use bytes::Bytes;
/// let mut decoder = SseDecoder::new();
/// decoder.push(Bytes::from_static(b"event: ping\ndata: {\"n\":"));
/// assert!(decoder.decode()?.is_none()); // needs more bytes
/// decoder.push(Bytes::from_static(b"1}\r\n\r\ndata: last"));
/// let event = decoder.decode()?.expect("a whole event");
/// assert_eq!((event.event.as_str(), event.data.as_str()), ("ping", "{\"n\":1}"));
/// decoder.finish(); // the final event has no blank line after it
/// assert_eq!(decoder.decode()?.expect("the last event").data, "last");
/// assert!(decoder.decode()?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Call [`decode`](Self::decode) until it returns `Ok(None)` after each
/// [`push`](Self::push). At the end of the body call [`finish`](Self::finish) and drain again:
/// the pending event, if any, is dispatched (see the [module docs](self)).
pub struct SseDecoder {
    input: VecDeque<Bytes>,
    /// The event dispatched last, when it was found whole at the start of the first chunk: it
    /// is lent from there, and its bytes are consumed on the next step.
    whole: Option<WholeEvent>,
    state: State,
    field: Field,
    name: [u8; MAX_KNOWN_NAME],
    /// Bytes of the current field name; past `MAX_KNOWN_NAME` the name is not one we act on.
    name_len: usize,
    /// The previous line ended with CR, so a LF right after it is part of that line end.
    after_cr: bool,
    /// Bytes of the current line so far.
    line_len: usize,
    /// The value of an `event`, `id` or `retry` field being read.
    value: Vec<u8>,
    /// The data buffer: each `data` line's value and a LF.
    data: Vec<u8>,
    /// The data of the event dispatched last (validated), until the next decode call takes its
    /// buffer back; `event_type` and `dispatched_retry` belong to it until then.
    dispatched: Option<String>,
    dispatched_retry: Option<Duration>,
    event_type: String,
    last_event_id: String,
    retry: Option<Duration>,
    reconnection_time: Option<Duration>,
    max_len: usize,
    finished: bool,
    flushed: bool,
    failed: bool,
}

impl fmt::Debug for SseDecoder {
    // Sizes and state only: the buffers hold the stream's content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseDecoder")
            .field("buffered", &self.input.iter().map(Bytes::len).sum::<usize>())
            .field("state", &self.state)
            .field("data_len", &self.data.len())
            .field("max_len", &self.max_len)
            .field("finished", &self.finished)
            .field("failed", &self.failed)
            .finish()
    }
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the 16 MiB line and event limit.
    pub fn new() -> Self {
        Self::with_max_len(DEFAULT_MAX_LEN)
    }

    /// A decoder that rejects a line, or an event's data, longer than `max` bytes.
    pub fn with_max_len(max: usize) -> Self {
        SseDecoder {
            input: VecDeque::new(),
            whole: None,
            state: State::Bom(0),
            field: Field::Ignored,
            name: [0; MAX_KNOWN_NAME],
            name_len: 0,
            after_cr: false,
            line_len: 0,
            value: Vec::new(),
            data: Vec::new(),
            dispatched: None,
            dispatched_retry: None,
            event_type: String::new(),
            last_event_id: String::new(),
            retry: None,
            reconnection_time: None,
            max_len: max,
            finished: false,
            flushed: false,
            failed: false,
        }
    }

    /// The limit on a line and on an event's data, in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The last event ID so far (empty if none).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The latest reconnection time a `retry` field set, if any.
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.reconnection_time
    }

    /// Whether an error has been returned (the decoder then produces nothing more).
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Adds the next chunk of the body. Ignored after [`finish`](Self::finish) or an error.
    pub fn push(&mut self, chunk: Bytes) {
        if !chunk.is_empty() && !self.finished && !self.failed {
            self.input.push_back(chunk);
        }
    }

    /// Marks the end of the body: once the complete events are drained,
    /// [`decode`](Self::decode) dispatches the pending one, if any.
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// The next event, `Ok(None)` if more input is needed (or, after
    /// [`finish`](Self::finish), when all events have been returned).
    pub fn decode(&mut self) -> Result<Option<Event>, SseError> {
        if !self.step()? {
            return Ok(None);
        }
        if self.whole.is_some() {
            return self.current().map(|event| Some(event.to_event()));
        }
        let data = self.dispatched.take().unwrap_or_default();
        let event = if self.event_type.is_empty() {
            String::from("message")
        } else {
            std::mem::take(&mut self.event_type)
        };
        let id = (!self.last_event_id.is_empty()).then(|| self.last_event_id.clone());
        Ok(Some(Event {
            event,
            data,
            id,
            retry: self.dispatched_retry.take(),
        }))
    }

    /// The next event, borrowed from the decoder (no allocation per event); otherwise as
    /// [`decode`](Self::decode). The event stays valid until the next call.
    pub fn decode_ref(&mut self) -> Result<Option<EventRef<'_>>, SseError> {
        if !self.step()? {
            return Ok(None);
        }
        self.current().map(Some)
    }

    /// The event the last [`step`](Self::step) dispatched. An event lent from a chunk is
    /// validated as UTF-8 here; if that fails the decoder is failed (its buffers are dropped on
    /// the next step).
    fn current(&mut self) -> Result<EventRef<'_>, SseError> {
        let id = (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str());
        let retry = self.dispatched_retry;
        let (event, data) = match (&self.whole, self.input.front()) {
            (Some(whole), Some(chunk)) => {
                let Ok(data) = std::str::from_utf8(&chunk[whole.data.clone()]) else {
                    self.failed = true;
                    return Err(SseError::InvalidUtf8 { field: SseField::Data });
                };
                let event = if whole.event.is_empty() {
                    ""
                } else if let Ok(event) = std::str::from_utf8(&chunk[whole.event.clone()]) {
                    event
                } else {
                    self.failed = true;
                    return Err(SseError::InvalidUtf8 { field: SseField::Event });
                };
                (event, data)
            }
            _ => (self.event_type.as_str(), self.dispatched.as_deref().unwrap_or_default()),
        };
        Ok(EventRef {
            event: if event.is_empty() { "message" } else { event },
            data,
            id,
            retry,
        })
    }

    /// Takes back the buffers of the event dispatched last, then parses up to the next event:
    /// `Ok(true)` when one is dispatched, `Ok(false)` when more input is needed (or all is done).
    fn step(&mut self) -> Result<bool, SseError> {
        if let Some(whole) = self.whole.take() {
            // The lent event's bytes are consumed now.
            if let Some(chunk) = self.input.front_mut() {
                chunk.advance(whole.len);
                if chunk.is_empty() {
                    self.input.pop_front();
                }
            }
            self.dispatched_retry = None;
        }
        if let Some(data) = self.dispatched.take() {
            let mut buffer = data.into_bytes();
            buffer.clear();
            self.data = buffer;
            self.event_type.clear();
            self.dispatched_retry = None;
        }
        if self.failed {
            // `current` fails the decoder without dropping the buffers it lends from.
            self.input.clear();
            self.data = Vec::new();
            self.value = Vec::new();
            return Ok(false);
        }
        if let Some(whole) = self.whole_event() {
            self.state = State::LineStart;
            self.dispatched_retry = self.retry.take();
            self.whole = Some(whole);
            return Ok(true);
        }
        let result = self.decode_inner();
        if result.is_err() {
            self.failed = true;
            self.input.clear();
            self.data = Vec::new();
            self.value = Vec::new();
        }
        result
    }

    /// The event at the start of the first chunk, if it is there whole in the usual shape
    /// (an optional `event` line, one `data` line, then a blank line, every line ending in a
    /// lone LF, all within the limits) and the decoder is between events. Anything else,
    /// including an event cut across chunks, goes through [`parse`](Self::parse), which gives
    /// the same result for these bytes.
    fn whole_event(&self) -> Option<WholeEvent> {
        // At the start of the stream a chunk starting with `event:` or `data:` has no BOM.
        let between_events = matches!(self.state, State::LineStart | State::Bom(0));
        if !between_events || self.after_cr || !self.data.is_empty() || !self.event_type.is_empty() {
            return None;
        }
        let chunk = self.input.front()?;
        let (event, mut at) = if chunk.starts_with(b"event:") {
            line_value(chunk, 6)?
        } else {
            (0..0, 0)
        };
        if !chunk[at..].starts_with(b"data:") {
            return None;
        }
        let data;
        (data, at) = line_value(chunk, at + 5)?;
        if chunk.get(at) != Some(&b'\n') || at + 1 > self.max_len {
            return None;
        }
        Some(WholeEvent {
            event,
            data,
            len: at + 1,
        })
    }

    fn decode_inner(&mut self) -> Result<bool, SseError> {
        while let Some(mut chunk) = self.input.pop_front() {
            let (consumed, dispatched) = self.parse(&chunk)?;
            if consumed < chunk.len() {
                chunk.advance(consumed);
                self.input.push_front(chunk);
            }
            if dispatched {
                return Ok(true);
            }
        }
        if self.finished && !self.flushed {
            self.flushed = true;
            return self.end_of_stream();
        }
        Ok(false)
    }

    /// Completes the pending line and event at the end of the body.
    fn end_of_stream(&mut self) -> Result<bool, SseError> {
        match self.state {
            State::Name => {
                self.field = self.classify();
                self.end_line()?;
            }
            State::ValueStart | State::Value => self.end_line()?,
            State::Bom(_) | State::LineStart | State::Comment => {}
        }
        self.state = State::LineStart;
        self.dispatch()
    }

    /// Parses `buf` up to and including the first line that dispatches an event. Returns the
    /// bytes consumed and whether an event was dispatched.
    fn parse(&mut self, buf: &[u8]) -> Result<(usize, bool), SseError> {
        let mut i = 0;
        while i < buf.len() {
            match self.state {
                State::Bom(matched) => {
                    if buf[i] == BOM[matched] {
                        i += 1;
                        self.state = if matched + 1 == BOM.len() {
                            State::LineStart
                        } else {
                            State::Bom(matched + 1)
                        };
                    } else if matched == 0 {
                        self.state = State::LineStart;
                    } else {
                        // The stream starts with part of a BOM: those bytes begin a field name
                        // that cannot be one we act on.
                        self.state = State::Name;
                        self.name_len = MAX_KNOWN_NAME + 1;
                        self.line_len = matched;
                    }
                }
                State::LineStart => {
                    let byte = buf[i];
                    if self.after_cr {
                        self.after_cr = false;
                        if byte == b'\n' {
                            i += 1;
                            continue;
                        }
                    }
                    self.line_len = 0;
                    match byte {
                        b'\r' | b'\n' => {
                            i += 1;
                            self.after_cr = byte == b'\r';
                            if self.dispatch()? {
                                return Ok((i, true));
                            }
                        }
                        b':' => {
                            i += 1;
                            self.line_len = 1;
                            self.state = State::Comment;
                        }
                        // Most lines of these streams are `data: ...`: when the whole name and
                        // colon are in this chunk, skip the name state (same result).
                        b'd' if buf[i..].starts_with(b"data:") => {
                            i += 5;
                            self.add_line_len(5)?;
                            self.field = Field::Data;
                            self.state = State::ValueStart;
                        }
                        _ => {
                            self.name_len = 0;
                            self.state = State::Name;
                        }
                    }
                }
                State::Name => {
                    let rest = &buf[i..];
                    let end = memchr::memchr3(b':', b'\r', b'\n', rest);
                    let name = &rest[..end.unwrap_or(rest.len())];
                    self.add_line_len(name.len())?;
                    if self.name_len + name.len() <= MAX_KNOWN_NAME {
                        self.name[self.name_len..self.name_len + name.len()].copy_from_slice(name);
                    }
                    self.name_len += name.len();
                    let Some(end) = end else {
                        i = buf.len();
                        continue;
                    };
                    i += end + 1;
                    self.field = self.classify();
                    if rest[end] == b':' {
                        self.add_line_len(1)?;
                        self.state = State::ValueStart;
                    } else {
                        self.after_cr = rest[end] == b'\r';
                        self.end_line()?;
                        self.state = State::LineStart;
                    }
                }
                State::ValueStart => {
                    if buf[i] == b' ' {
                        i += 1;
                        self.add_line_len(1)?;
                    }
                    self.state = State::Value;
                }
                State::Value => {
                    let rest = &buf[i..];
                    let end = memchr::memchr2(b'\r', b'\n', rest);
                    self.append_value(&rest[..end.unwrap_or(rest.len())])?;
                    let Some(end) = end else {
                        i = buf.len();
                        continue;
                    };
                    i += end + 1;
                    self.after_cr = rest[end] == b'\r';
                    self.end_line()?;
                    self.state = State::LineStart;
                }
                State::Comment => {
                    let rest = &buf[i..];
                    let Some(end) = memchr::memchr2(b'\r', b'\n', rest) else {
                        self.add_line_len(rest.len())?;
                        i = buf.len();
                        continue;
                    };
                    self.add_line_len(end)?;
                    i += end + 1;
                    self.after_cr = rest[end] == b'\r';
                    self.state = State::LineStart;
                }
            }
        }
        Ok((i, false))
    }

    fn add_line_len(&mut self, n: usize) -> Result<(), SseError> {
        self.line_len += n;
        if self.line_len > self.max_len {
            return Err(SseError::LineTooLong { limit: self.max_len });
        }
        Ok(())
    }

    fn classify(&self) -> Field {
        match self.name.get(..self.name_len) {
            Some(b"data") => Field::Data,
            Some(b"event") => Field::Event,
            Some(b"id") => Field::Id,
            Some(b"retry") => Field::Retry,
            _ => Field::Ignored,
        }
    }

    fn append_value(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        self.add_line_len(bytes.len())?;
        match self.field {
            Field::Data => {
                // Room for the LF that ends the line too.
                if self.data.len() + bytes.len() + 1 > self.max_len {
                    return Err(SseError::EventTooLong { limit: self.max_len });
                }
                self.data.reserve(bytes.len() + 1);
                self.data.extend_from_slice(bytes);
            }
            Field::Event | Field::Id | Field::Retry => self.value.extend_from_slice(bytes),
            Field::Ignored => {}
        }
        Ok(())
    }

    /// Acts on a completed field line.
    fn end_line(&mut self) -> Result<(), SseError> {
        match self.field {
            Field::Data => {
                if self.data.len() + 1 > self.max_len {
                    return Err(SseError::EventTooLong { limit: self.max_len });
                }
                self.data.push(b'\n');
            }
            Field::Event => {
                let value =
                    std::str::from_utf8(&self.value).map_err(|_| SseError::InvalidUtf8 { field: SseField::Event })?;
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            Field::Id => {
                if !self.value.contains(&0) {
                    let value =
                        std::str::from_utf8(&self.value).map_err(|_| SseError::InvalidUtf8 { field: SseField::Id })?;
                    self.last_event_id.clear();
                    self.last_event_id.push_str(value);
                }
            }
            Field::Retry => {
                if !self.value.is_empty() && self.value.iter().all(u8::is_ascii_digit) {
                    // All ASCII digits, so UTF-8; a value past u64 milliseconds is ignored.
                    if let Some(ms) = std::str::from_utf8(&self.value)
                        .ok()
                        .and_then(|s| s.parse::<u64>().ok())
                    {
                        self.retry = Some(Duration::from_millis(ms));
                        self.reconnection_time = self.retry;
                    }
                }
            }
            Field::Ignored => {}
        }
        self.value.clear();
        Ok(())
    }

    /// Dispatches the event at a blank line: its data (validated, the buffer moved, not
    /// copied), type and retry stay in the decoder until the next [`step`](Self::step).
    fn dispatch(&mut self) -> Result<bool, SseError> {
        let retry = self.retry.take();
        if self.data.is_empty() {
            self.event_type.clear();
            return Ok(false);
        }
        self.data.pop(); // the LF after the last data line
        let data = String::from_utf8(std::mem::take(&mut self.data))
            .map_err(|_| SseError::InvalidUtf8 { field: SseField::Data })?;
        self.dispatched = Some(data);
        self.dispatched_retry = retry;
        Ok(true)
    }
}

/// The value of the line in `chunk` whose field name and colon end at `from`, without the one
/// leading space the rules drop, and where the next line starts; `None` unless the line ends
/// in `chunk` with a lone LF.
fn line_value(chunk: &[u8], from: usize) -> Option<(Range<usize>, usize)> {
    let start = if chunk.get(from) == Some(&b' ') { from + 1 } else { from };
    let end = start + memchr::memchr2(b'\r', b'\n', &chunk[start..])?;
    (chunk[end] == b'\n').then_some((start..end, end + 1))
}

impl crate::decode::PushDecoder for SseDecoder {
    type Item = Event;
    type Error = SseError;

    fn push(&mut self, chunk: Bytes) {
        SseDecoder::push(self, chunk)
    }
    fn finish(&mut self) {
        SseDecoder::finish(self)
    }
    fn is_finished(&self) -> bool {
        self.finished
    }
    fn decode(&mut self) -> Result<Option<Event>, SseError> {
        SseDecoder::decode(self)
    }
    fn body_error(error: BoxError) -> SseError {
        SseError::Body(error)
    }
}

pin_project! {
    /// Decodes a body (any `Stream` of `Result<Bytes, E>`) into server-sent [`Event`]s.
    ///
    /// The body is polled only when no complete event is buffered, so a slow consumer holds the
    /// connection's flow control back. At the end of the body the pending event is dispatched
    /// (see the [module docs](self)). A body error ends the stream with [`SseError::Body`].
    /// After an error the stream is finished.
    pub struct SseStream<S> {
        #[pin]
        body: S,
        decoder: SseDecoder,
        done: bool,
    }
}

impl<S> SseStream<S> {
    /// Decodes `body` with the 16 MiB limits.
    pub fn new(body: S) -> Self {
        Self::with_decoder(body, SseDecoder::new())
    }

    /// Decodes `body` with a configured decoder (for example other limits).
    pub fn with_decoder(body: S, decoder: SseDecoder) -> Self {
        SseStream {
            body,
            decoder,
            done: false,
        }
    }

    /// The decoder, for the last event ID and reconnection time.
    pub fn decoder(&self) -> &SseDecoder {
        &self.decoder
    }

    /// The next event, borrowed from the decoder until the next poll (no allocation per
    /// event); otherwise as [`Stream::poll_next`].
    pub fn poll_next_ref<'a, E>(
        self: Pin<&'a mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<EventRef<'a>, SseError>>>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Into<BoxError>,
    {
        let mut this = self.project();
        loop {
            if *this.done {
                return Poll::Ready(None);
            }
            match this.decoder.step() {
                Ok(true) => break,
                Ok(false) if this.decoder.finished => {
                    *this.done = true;
                    return Poll::Ready(None);
                }
                Ok(false) => {}
                Err(err) => {
                    *this.done = true;
                    return Poll::Ready(Some(Err(err)));
                }
            }
            match this.body.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => this.decoder.push(chunk),
                Poll::Ready(Some(Err(err))) => {
                    *this.done = true;
                    return Poll::Ready(Some(Err(SseError::Body(err.into()))));
                }
                Poll::Ready(None) => this.decoder.finish(),
            }
        }
        let decoder: &'a mut SseDecoder = this.decoder;
        match decoder.current() {
            Ok(event) => Poll::Ready(Some(Ok(event))),
            Err(err) => {
                *this.done = true;
                Poll::Ready(Some(Err(err)))
            }
        }
    }

    /// The body, with any bytes the decoder had buffered lost.
    pub fn into_inner(self) -> S {
        self.body
    }
}

impl<S> fmt::Debug for SseStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseStream")
            .field("decoder", &self.decoder)
            .field("done", &self.done)
            .finish()
    }
}

impl<S, E> Stream for SseStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Item = Result<Event, SseError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        crate::decode::poll_decoded(this.body, this.decoder, this.done, cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<S, E> FusedStream for SseStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    fn is_terminated(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: Option<&str>) -> Event {
        Event {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
            retry: None,
        }
    }

    fn msg(data: &str) -> Event {
        ev("message", data, None)
    }

    /// Feeds `chunks`, then finishes; returns the events and the error, if any.
    fn decode_chunks<'a>(
        decoder: &mut SseDecoder,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> (Vec<Event>, Option<SseError>) {
        let mut events = Vec::new();
        let drain = |decoder: &mut SseDecoder, events: &mut Vec<Event>| loop {
            match decoder.decode() {
                Ok(Some(event)) => events.push(event),
                Ok(None) => return None,
                Err(err) => return Some(err),
            }
        };
        for chunk in chunks {
            decoder.push(Bytes::copy_from_slice(chunk));
            if let Some(err) = drain(decoder, &mut events) {
                return (events, Some(err));
            }
        }
        decoder.finish();
        let err = drain(decoder, &mut events);
        (events, err)
    }

    fn decode_all(input: &[u8]) -> Result<Vec<Event>, SseError> {
        match decode_chunks(&mut SseDecoder::new(), [input]) {
            (events, None) => Ok(events),
            (_, Some(err)) => Err(err),
        }
    }

    fn events(input: &str) -> Vec<Event> {
        decode_all(input.as_bytes()).unwrap()
    }

    #[test]
    fn comments_ids_and_spaces() {
        let input = ": a comment line\n\ndata: one\nid: 7\n\ndata:two\nid\n\ndata:  three\n";
        assert_eq!(
            events(input),
            vec![ev("message", "one", Some("7")), msg("two"), msg(" three")]
        );
    }

    #[test]
    fn empty_data_lines() {
        // A `data` line with no value still makes an event; a block with no `data` line does not.
        let input = "data\n\ndata\ndata\n\nevent: lonely\n\ndata:\n";
        assert_eq!(events(input), vec![msg(""), msg("\n"), msg("")]);
    }

    #[test]
    fn one_space_is_dropped() {
        assert_eq!(
            events("data:x\n\ndata: x\n\ndata:  x\n\n"),
            vec![msg("x"), msg("x"), msg(" x")]
        );
    }

    #[test]
    fn multi_line_data() {
        assert_eq!(
            events("data: first\ndata: second\ndata:\ndata: fourth\n\n"),
            vec![msg("first\nsecond\n\nfourth")]
        );
    }

    #[test]
    fn event_types_reset_after_each_event() {
        let input = "event: put\ndata: 1\n\nevent: delete\ndata: 2\n\ndata: 3\n\nevent: ignored\n\ndata: 4\n\nevent:\ndata: 5\n\n";
        assert_eq!(
            events(input),
            vec![
                ev("put", "1", None),
                ev("delete", "2", None),
                msg("3"),
                msg("4"),
                msg("5")
            ]
        );
    }

    #[test]
    fn line_endings_mixed() {
        let input = "data: a\rdata: b\r\ndata: c\n\r\nevent: e\r\rdata: d\r\n\ndata: f\n\r";
        assert_eq!(events(input), vec![msg("a\nb\nc"), msg("d"), msg("f")]);
        // CR then LF is one line end even in separate chunks; CR CR is two.
        let (got, err) = decode_chunks(&mut SseDecoder::new(), [&b"data: x\r"[..], b"\ndata: y\r", b"\r"]);
        assert!(err.is_none());
        assert_eq!(got, vec![msg("x\ny")]);
    }

    #[test]
    fn id_persists_and_nul_is_ignored() {
        let input = "id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid: 3\ndata: d\n\nid:\ndata: e\n\n";
        assert_eq!(
            events(input),
            vec![
                ev("message", "a", Some("1")),
                ev("message", "b", Some("1")),
                ev("message", "c", Some("1")),
                ev("message", "d", Some("3")),
                msg("e"),
            ]
        );
        // An id in a block without data still sets the last event ID.
        let mut decoder = SseDecoder::new();
        let (got, _) = decode_chunks(&mut decoder, [&b"id: 9\n\ndata: z\n\n"[..]]);
        assert_eq!(got, vec![ev("message", "z", Some("9"))]);
        assert_eq!(decoder.last_event_id(), "9");
    }

    #[test]
    fn retry() {
        let mut decoder = SseDecoder::new();
        let input = "retry: 1500\ndata: a\n\ndata: b\n\nretry: 12a\ndata: c\n\nretry\nretry:\nretry: -5\nretry: 99999999999999999999999\ndata: d\n\nretry: 250\n\n";
        let (got, err) = decode_chunks(&mut decoder, [input.as_bytes()]);
        assert!(err.is_none());
        let retries: Vec<_> = got.iter().map(|e| e.retry).collect();
        assert_eq!(retries, vec![Some(Duration::from_millis(1500)), None, None, None]);
        // A `retry` in a block with no data is not lost.
        assert_eq!(decoder.reconnection_time(), Some(Duration::from_millis(250)));
    }

    #[test]
    fn other_fields_and_colons() {
        let input = "Data: no\nfoo: bar\ndata: a:b: c\n:data: comment\nevent : no\ndatum\n\n";
        assert_eq!(events(input), vec![msg("a:b: c")]);
    }

    #[test]
    fn byte_order_mark() {
        assert_eq!(events("\u{FEFF}data: x\n\n"), vec![msg("x")]);
        // Only one mark is skipped; a second starts a field name that means nothing.
        assert_eq!(events("\u{FEFF}\u{FEFF}data: x\n\ndata: y\n\n"), vec![msg("y")]);
        // A mark not at the start is part of the line.
        assert_eq!(events("data: \u{FEFF}x\n\n"), vec![msg("\u{FEFF}x")]);
        // A partial mark starts a field name too.
        assert_eq!(decode_all(b"\xEF\xBBdata: x\n\ndata: y\n\n").unwrap(), vec![msg("y")]);
        assert_eq!(decode_all(b"\xEF\xBB\xBF").unwrap(), vec![]);
        // Split across chunks.
        let (got, err) = decode_chunks(&mut SseDecoder::new(), [&b"\xEF"[..], b"\xBB", b"\xBFdata: x\n\n"]);
        assert!(err.is_none());
        assert_eq!(got, vec![msg("x")]);
    }

    #[test]
    fn final_event_without_blank_line() {
        assert_eq!(events("data: a\n\ndata: b\n"), vec![msg("a"), msg("b")]);
        assert_eq!(events("data: a\n\ndata: b"), vec![msg("a"), msg("b")]);
        assert_eq!(events("data: a\r"), vec![msg("a")]);
        assert_eq!(events("event: x\ndata"), vec![ev("x", "", None)]);
        assert_eq!(events("data: a\n\n: trailing comment"), vec![msg("a")]);
        assert_eq!(events("data: a\n\nevent: x\n"), vec![msg("a")]);
        assert_eq!(events(""), vec![]);
    }

    #[test]
    fn utf8_split_anywhere() {
        let input = "event: é\ndata: añ€😀\nid: ü\n\n";
        let bytes = input.as_bytes();
        let want = vec![ev("é", "añ€😀", Some("ü"))];
        for at in 0..=bytes.len() {
            let (got, err) = decode_chunks(&mut SseDecoder::new(), [&bytes[..at], &bytes[at..]]);
            assert!(err.is_none(), "split at {at}: {err:?}");
            assert_eq!(got, want, "split at {at}");
        }
    }

    #[test]
    fn invalid_utf8() {
        let err = decode_all(b"data: \xC3\x28\n\n").unwrap_err();
        assert!(
            matches!(err, SseError::InvalidUtf8 { field: SseField::Data }),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "server-sent event `data` value is not valid UTF-8");
        let err = decode_all(b"event: \xFF\ndata: x\n\n").unwrap_err();
        assert!(
            matches!(err, SseError::InvalidUtf8 { field: SseField::Event }),
            "{err:?}"
        );
        let err = decode_all(b"id: \xE2\x82\ndata: x\n\n").unwrap_err();
        assert!(matches!(err, SseError::InvalidUtf8 { field: SseField::Id }), "{err:?}");
        // A truncated character at the end of the stream.
        let err = decode_all(b"data: \xE2\x82").unwrap_err();
        assert!(
            matches!(err, SseError::InvalidUtf8 { field: SseField::Data }),
            "{err:?}"
        );
        // Comments and ignored fields are not decoded.
        assert_eq!(
            decode_all(b": \xFF\nfoo: \xFF\n\xFF: x\ndata: ok\n\n").unwrap(),
            vec![msg("ok")]
        );
        // Events before the bad one are returned, then nothing more.
        let (got, err) = decode_chunks(&mut SseDecoder::new(), [&b"data: a\n\ndata: \xFF\n\ndata: c\n\n"[..]]);
        assert_eq!(got, vec![msg("a")]);
        assert!(err.is_some());
    }

    #[test]
    fn limits() {
        let mut decoder = SseDecoder::with_max_len(16);
        assert_eq!(decoder.max_len(), 16);
        let (got, err) = decode_chunks(&mut decoder, [&b"data: 0123456789\n\n"[..]]);
        assert_eq!(got, vec![msg("0123456789")]);
        assert!(err.is_none());
        for input in [
            &b"data: 0123456789A\n\n"[..],
            b": a comment that is too long\n",
            b"a-field-name-that-is-long\n",
        ] {
            let (_, err) = decode_chunks(&mut SseDecoder::with_max_len(16), input.chunks(3));
            assert!(matches!(err, Some(SseError::LineTooLong { limit: 16 })), "{err:?}");
        }
        let (_, err) = decode_chunks(
            &mut SseDecoder::with_max_len(16),
            [&b"data: 0123\ndata: 4567\ndata: 89AB\ndata: C\n"[..]],
        );
        assert!(matches!(err, Some(SseError::EventTooLong { limit: 16 })), "{err:?}");
        assert_eq!(
            err.unwrap().to_string(),
            "server-sent event data is longer than the 16-byte limit"
        );
        // Many empty data lines are bounded too.
        let (_, err) = decode_chunks(&mut SseDecoder::with_max_len(16), ["data\n".repeat(20).as_bytes()]);
        assert!(matches!(err, Some(SseError::EventTooLong { .. })), "{err:?}");
    }

    fn rich_input() -> &'static str {
        "\u{FEFF}: keep-alive\r\nevent: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n\
         id: 42\nretry: 3000\ndata: line one\ndata:line two é😀\n\n\
         event: ping\rdata\r\r\
         data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n\
         id\nevent: x\ndata: last"
    }

    fn rich_expected() -> Vec<Event> {
        vec![
            ev("message_start", "{\"type\":\"message_start\"}", None),
            Event {
                retry: Some(Duration::from_secs(3)),
                ..ev("message", "line one\nline two é😀", Some("42"))
            },
            ev("ping", "", Some("42")),
            ev(
                "message",
                "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}",
                Some("42"),
            ),
            ev("x", "last", None),
        ]
    }

    #[test]
    fn every_two_way_split() {
        let input = rich_input().as_bytes();
        assert_eq!(decode_all(input).unwrap(), rich_expected());
        for at in 0..=input.len() {
            let (got, err) = decode_chunks(&mut SseDecoder::new(), [&input[..at], &input[at..]]);
            assert!(err.is_none(), "split at {at}: {err:?}");
            assert_eq!(got, rich_expected(), "split at {at}");
        }
    }

    #[test]
    fn every_three_way_split() {
        let input = "\u{FEFF}id: 1\r\ndata: é\r\rdata:x\n\ndata".as_bytes();
        let want = vec![
            ev("message", "é", Some("1")),
            ev("message", "x", Some("1")),
            ev("message", "", Some("1")),
        ];
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let (got, err) = decode_chunks(&mut SseDecoder::new(), [&input[..i], &input[i..j], &input[j..]]);
                assert!(err.is_none(), "split at {i}, {j}: {err:?}");
                assert_eq!(got, want, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let (got, err) = decode_chunks(&mut SseDecoder::new(), rich_input().as_bytes().chunks(1));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, rich_expected());
    }

    #[test]
    fn borrowed_events_match_owned_ones() {
        let input = rich_input().as_bytes();
        for at in 0..=input.len() {
            let mut decoder = SseDecoder::new();
            let mut got = Vec::new();
            for chunk in [&input[..at], &input[at..]] {
                decoder.push(Bytes::copy_from_slice(chunk));
                while let Some(event) = decoder.decode_ref().unwrap() {
                    got.push(event.to_event());
                }
            }
            decoder.finish();
            while let Some(event) = decoder.decode_ref().unwrap() {
                got.push(event.to_event());
            }
            assert_eq!(got, rich_expected(), "split at {at}");
        }
        // Owned and borrowed reads mix.
        let mut decoder = SseDecoder::new();
        decoder.push(Bytes::from_static(
            b"event: a\ndata: 1\n\ndata: 2\n\nevent: c\ndata: 3\n\n",
        ));
        assert_eq!(decoder.decode_ref().unwrap().unwrap().to_event(), ev("a", "1", None));
        assert_eq!(decoder.decode().unwrap(), Some(msg("2")));
        let third = decoder.decode_ref().unwrap().unwrap();
        assert_eq!((third.event, third.data), ("c", "3"));
        assert!(decoder.decode_ref().unwrap().is_none());
        // An error ends borrowed reads too.
        let mut decoder = SseDecoder::new();
        decoder.push(Bytes::from_static(b"data: \xFF\n\ndata: x\n\n"));
        assert!(decoder.decode_ref().is_err());
        assert!(decoder.decode_ref().unwrap().is_none());
    }

    #[test]
    fn whole_events_are_lent_from_the_chunk() {
        // Events in one chunk, several in the shape read without a copy, others not (CRLF, two
        // data lines, an id line, a comment, a retry before an event): the same events as when
        // every byte comes in a chunk of its own, where no event is ever whole.
        let inputs: [&[u8]; 5] = [
            b"data: a\n\nevent: e\ndata:b\n\nevent:\ndata: \n\ndata: {\"x\":\"\xC3\xA9\"}\n\n",
            b"retry: 7\ndata: a\n\ndata: b\n\nid: 1\ndata: c\n\ndata: d\n\n",
            b"data: a\r\n\r\ndata: b\n\r\ndata: c\ndata: d\n\n: note\ndata: e\n\nevent: x\rdata: f\n\n",
            b"event: e\ndata: a\n\nevent: e\n\ndata: b\n\ndata: c\n",
            b"\xEF\xBB\xBFdata: a\n\ndata: b\n\n",
        ];
        for input in inputs {
            let (byte_by_byte, err) = decode_chunks(&mut SseDecoder::new(), input.chunks(1));
            assert!(err.is_none(), "{err:?}");
            assert_eq!(
                decode_all(input).unwrap(),
                byte_by_byte,
                "{}",
                String::from_utf8_lossy(input)
            );
            let mut decoder = SseDecoder::new();
            decoder.push(Bytes::copy_from_slice(input));
            decoder.finish();
            let mut lent = Vec::new();
            while let Some(event) = decoder.decode_ref().unwrap() {
                lent.push(event.to_event());
            }
            assert_eq!(lent, byte_by_byte, "{}", String::from_utf8_lossy(input));
        }
        let retried = decode_all(b"retry: 7\ndata: a\n\ndata: b\n\n").unwrap();
        assert_eq!(retried[0].retry, Some(Duration::from_millis(7)));
        assert_eq!(retried[1].retry, None);

        // No copy: the data points into the chunk.
        let chunk = Bytes::from_static(b"data: x\n\nevent: name\ndata: {\"y\":1}\n\n");
        let inside = |text: &str| chunk.as_ptr_range().contains(&text.as_ptr());
        let mut decoder = SseDecoder::new();
        decoder.push(chunk.clone());
        let first = decoder.decode_ref().unwrap().unwrap();
        assert!(first.event == "message" && first.data == "x" && inside(first.data));
        let second = decoder.decode_ref().unwrap().unwrap();
        assert_eq!((second.event, second.data), ("name", "{\"y\":1}"));
        assert!(inside(second.event) && inside(second.data));
        assert!(decoder.decode_ref().unwrap().is_none());

        // Invalid UTF-8 in a whole event fails the decoder, borrowed or owned.
        for (input, field) in [
            (&b"data: a\n\ndata: \xFF\n\ndata: c\n\n"[..], SseField::Data),
            (b"data: a\n\nevent: \xFF\ndata: b\n\ndata: c\n\n", SseField::Event),
        ] {
            let mut decoder = SseDecoder::new();
            decoder.push(Bytes::from_static(input));
            assert_eq!(decoder.decode_ref().unwrap().unwrap().data, "a");
            let err = decoder.decode_ref().unwrap_err();
            assert!(
                matches!(err, SseError::InvalidUtf8 { field: f } if f == field),
                "{err:?}"
            );
            assert!(decoder.is_failed());
            assert!(decoder.decode_ref().unwrap().is_none());
            let (got, err) = decode_chunks(&mut SseDecoder::new(), [input]);
            assert_eq!(got, vec![msg("a")]);
            assert!(
                matches!(err, Some(SseError::InvalidUtf8 { field: f }) if f == field),
                "{err:?}"
            );
        }

        // An event past the limit is left to the line parser, which reports it.
        let (got, err) = decode_chunks(
            &mut SseDecoder::with_max_len(16),
            [&b"data: a\n\ndata: 0123456789A\n\n"[..]],
        );
        assert_eq!(got, vec![msg("a")]);
        assert!(matches!(err, Some(SseError::LineTooLong { limit: 16 })), "{err:?}");
    }

    #[test]
    fn finished_and_failed_decoders() {
        let mut decoder = SseDecoder::new();
        decoder.push(Bytes::from_static(b"data: a\n\n"));
        decoder.finish();
        decoder.push(Bytes::from_static(b"data: ignored\n\n"));
        assert_eq!(decoder.decode().unwrap(), Some(msg("a")));
        assert_eq!(decoder.decode().unwrap(), None);
        assert_eq!(decoder.decode().unwrap(), None);

        let mut decoder = SseDecoder::with_max_len(4);
        decoder.push(Bytes::from_static(b"data: too long\n\n"));
        assert!(decoder.decode().is_err());
        assert!(decoder.is_failed());
        decoder.push(Bytes::from_static(b"data\n\n"));
        assert_eq!(decoder.decode().unwrap(), None);
    }
}
