//! AWS event-stream framing (`application/vnd.amazon.eventstream`).
//!
//! A frame is a 12-byte prelude (total length, header length, CRC-32 of those eight bytes),
//! a block of typed headers, the payload, and a CRC-32 of everything before it:
//!
//! ```text
//! | total len u32 | headers len u32 | prelude crc u32 | headers ... | payload ... | message crc u32 |
//! ```
//!
//! [`MessageDecoder`] is sans-IO: push the body's chunks in with [`MessageDecoder::push`], however
//! they are split, and pull [`Message`]s out with [`MessageDecoder::decode`]. [`MessageStream`]
//! drives one over any `Stream` of `Bytes`. [`encode`] writes a frame for the input side of the
//! bidirectional operation.
//!
//! Frames are written by `aws-smithy-eventstream` (the official SDK's writer; see
//! `docs/decisions/0003-event-stream-framing.md`) and read here, into its `Message` type,
//! accepting exactly the frames its reader accepts (a test compares the two on random header
//! blocks). The prelude is checked (CRC, the frame-size limit, impossible lengths) as soon as its
//! 12 bytes have arrived, before anything else of the frame is buffered; the message CRC is
//! checked over the whole frame in one call before the headers are parsed; every failure is an
//! [`EventStreamError`] that says what was wrong.
//!
//! # Copies
//!
//! Chunks are kept as the `Bytes` they arrived in. A frame that lies within one chunk is not
//! copied: header names, string and byte-array values and the payload of the `Message` are
//! slices of the chunk (so they keep that chunk's allocation alive while they live; the
//! recurring names and values such as `:event-type` are shared static strings instead). A frame
//! that spans chunks is joined into one buffer first: one copy of that frame. A frame that
//! arrives in more than 64 pieces averaging under 1 KiB has its further pieces gathered into one
//! buffer as they come, which bounds the bookkeeping a peer can force with tiny chunks.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_eventstream::message_size_hint::MessageSizeHint;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use aws_smithy_types::str_bytes::StrBytes;
use aws_smithy_types::DateTime;
use bytes::{Buf, Bytes, BytesMut};
use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use crate::BoxError;

/// The largest frame accepted by default, in bytes (16 MiB, the protocol's limit).
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Prelude: total length, headers length, prelude CRC.
const PRELUDE_LEN: usize = 12;
/// Prelude plus the trailing message CRC: the smallest possible frame.
const MIN_FRAME_LEN: usize = PRELUDE_LEN + 4;
/// More pieces than this for one frame, averaging under [`SMALL_PIECE`] bytes, switch to gathering.
const MAX_PIECES: usize = 64;
/// See [`MAX_PIECES`].
const SMALL_PIECE: usize = 1024;

/// Which of a frame's two CRC-32 checksums did not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrcKind {
    /// The checksum of the first 8 bytes (the two lengths).
    Prelude,
    /// The checksum of the whole frame before its last 4 bytes.
    Message,
}

impl fmt::Display for CrcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CrcKind::Prelude => "prelude",
            CrcKind::Message => "message",
        })
    }
}

/// Why an event stream could not be decoded or a message could not be encoded.
///
/// After a decoding error the framing is lost: the decoder and the stream produce nothing more.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventStreamError {
    /// A checksum did not match the bytes it covers.
    Crc {
        /// The prelude's checksum or the whole message's.
        which: CrcKind,
        /// The checksum the frame carries.
        received: u32,
        /// The checksum of the bytes as they arrived.
        computed: u32,
    },
    /// The frame is longer than the limit (16 MiB unless configured otherwise).
    FrameTooLarge {
        /// The frame's length in bytes, as declared by its prelude (or as encoded).
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The prelude's lengths cannot describe a frame: the total is under 16 bytes, or the headers
    /// do not fit in it.
    InvalidLength {
        /// The declared total length.
        total_len: u32,
        /// The declared length of the header block.
        headers_len: u32,
    },
    /// The body ended inside a frame.
    Truncated {
        /// The bytes of the incomplete frame that had arrived.
        buffered: usize,
        /// The frame's declared length, if its prelude had arrived.
        expected: Option<usize>,
    },
    /// The checksums matched but the header block is malformed (unknown value type, a length
    /// that runs past the block, a name or string that is not UTF-8...).
    InvalidHeader {
        /// What the parser reported.
        detail: String,
    },
    /// A message cannot be written as a frame (a header name over 255 bytes, a string or byte
    /// array over 32767 bytes, a timestamp outside the protocol's range).
    Encode {
        /// What the writer reported.
        detail: String,
    },
    /// Reading the body failed; the error is the [`source`](std::error::Error::source).
    Body(BoxError),
}

impl fmt::Display for EventStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventStreamError::Crc {
                which,
                received,
                computed,
            } => write!(
                f,
                "event-stream {which} checksum mismatch: the frame carries {received:#010x} but its bytes hash to \
                 {computed:#010x}"
            ),
            EventStreamError::FrameTooLarge { len, max } => {
                write!(f, "event-stream frame of {len} bytes is over the {max}-byte limit")
            }
            EventStreamError::InvalidLength { total_len, headers_len } => write!(
                f,
                "event-stream prelude declares a {total_len}-byte frame with {headers_len} bytes of headers, which \
                 cannot fit (a frame has 16 bytes of prelude and checksum around its headers and payload)"
            ),
            EventStreamError::Truncated {
                buffered,
                expected: Some(expected),
            } => write!(
                f,
                "event stream ended inside a frame: {buffered} of its {expected} bytes had arrived"
            ),
            EventStreamError::Truncated {
                buffered,
                expected: None,
            } => write!(
                f,
                "event stream ended inside a frame: {buffered} bytes had arrived, not enough for its 12-byte prelude"
            ),
            EventStreamError::InvalidHeader { detail } => {
                write!(f, "event-stream frame has a malformed header block: {detail}")
            }
            EventStreamError::Encode { detail } => write!(f, "cannot encode event-stream message: {detail}"),
            EventStreamError::Body(_) => f.write_str("reading the event-stream body failed"),
        }
    }
}

impl std::error::Error for EventStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EventStreamError::Body(source) => Some(&**source),
            _ => None,
        }
    }
}

/// Writes `message` as one event-stream frame.
///
/// Fails with [`EventStreamError::Encode`] for a header the protocol cannot carry and with
/// [`EventStreamError::FrameTooLarge`] for a frame over [`DEFAULT_MAX_FRAME_LEN`].
pub fn encode(message: &Message) -> Result<Bytes, EventStreamError> {
    let mut buf = BytesMut::new();
    encode_to(message, &mut buf)?;
    Ok(buf.freeze())
}

/// Appends `message` as one event-stream frame to `dst`; on error `dst` is unchanged.
///
/// See [`encode`].
pub fn encode_to(message: &Message, dst: &mut BytesMut) -> Result<(), EventStreamError> {
    let max = DEFAULT_MAX_FRAME_LEN;
    // Exact for every message the writer accepts; checked before anything is written.
    let hint = message.size_hint();
    if hint > max {
        return Err(EventStreamError::FrameTooLarge { len: hint, max });
    }
    dst.reserve(hint);
    let start = dst.len();
    if let Err(err) = write_message_to(message, dst) {
        dst.truncate(start);
        return Err(EventStreamError::Encode {
            detail: err.to_string(),
        });
    }
    let len = dst.len() - start;
    if len > max {
        dst.truncate(start);
        return Err(EventStreamError::FrameTooLarge { len, max });
    }
    Ok(())
}

/// A sans-IO event-stream decoder: push chunks in, pull messages out.
///
/// ```
/// # use bedrock_transport::event_stream::{encode, MessageDecoder};
/// # use aws_smithy_types::event_stream::Message;
/// let frame = encode(&Message::new(&b"hello"[..]))?;
/// let mut decoder = MessageDecoder::new();
/// decoder.push(frame.slice(..5));
/// assert!(decoder.decode()?.is_none()); // needs more bytes
/// decoder.push(frame.slice(5..));
/// assert_eq!(decoder.decode()?.expect("a whole message").payload().as_ref(), b"hello");
/// decoder.finish();
/// assert!(decoder.decode()?.is_none()); // ended cleanly
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Call [`decode`](Self::decode) until it returns `Ok(None)` after each
/// [`push`](Self::push); the decoder holds whatever it is given. At the end of the body call
/// [`finish`](Self::finish) and drain again: a partial frame left over is then
/// [`EventStreamError::Truncated`]. After any error the decoder drops its buffer, ignores
/// further input and returns `Ok(None)`.
pub struct MessageDecoder {
    /// Unconsumed input, in order, as it arrived.
    pieces: VecDeque<Bytes>,
    /// The total length of `pieces`.
    pieces_len: usize,
    /// Input gathered after `pieces` once a frame arrives in many small pieces.
    gathered: BytesMut,
    /// The length of the frame at the front, once its prelude has been checked.
    frame_len: Option<usize>,
    max_frame_len: usize,
    finished: bool,
    failed: bool,
}

impl fmt::Debug for MessageDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageDecoder")
            .field("buffered", &self.buffered())
            .field("frame_len", &self.frame_len)
            .field("max_frame_len", &self.max_frame_len)
            .field("finished", &self.finished)
            .field("failed", &self.failed)
            .finish()
    }
}

impl Default for MessageDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl MessageDecoder {
    /// A decoder with the 16 MiB frame limit.
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A decoder that rejects frames longer than `max` bytes (clamped to 16 bytes ..= `u32::MAX`).
    pub fn with_max_frame_len(max: usize) -> Self {
        MessageDecoder {
            pieces: VecDeque::new(),
            pieces_len: 0,
            gathered: BytesMut::new(),
            frame_len: None,
            max_frame_len: max.clamp(MIN_FRAME_LEN, u32::MAX as usize),
            finished: false,
            failed: false,
        }
    }

    /// The frame-size limit in bytes.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Bytes pushed and not yet returned as messages.
    pub fn buffered(&self) -> usize {
        self.pieces_len + self.gathered.len()
    }

    /// Whether an error has been returned (the decoder then produces nothing more).
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Adds the next chunk of the body. Not copied, except as the type docs describe.
    ///
    /// Ignored after [`finish`](Self::finish) or an error.
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() || self.finished || self.failed {
            return;
        }
        let fragmented = self.pieces.len() >= MAX_PIECES && self.pieces_len < self.pieces.len() * SMALL_PIECE;
        if !self.gathered.is_empty() || fragmented {
            self.gathered.extend_from_slice(&chunk);
        } else {
            self.pieces_len += chunk.len();
            self.pieces.push_back(chunk);
        }
    }

    /// Marks the end of the body: once the complete frames are drained, a partial frame left
    /// over makes [`decode`](Self::decode) return [`EventStreamError::Truncated`].
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// The next complete message, `Ok(None)` if more input is needed (or the body has ended
    /// cleanly after [`finish`](Self::finish)).
    pub fn decode(&mut self) -> Result<Option<Message>, EventStreamError> {
        if self.failed {
            return Ok(None);
        }
        let result = self.decode_inner();
        if result.is_err() {
            self.failed = true;
            self.pieces = VecDeque::new();
            self.pieces_len = 0;
            self.gathered = BytesMut::new();
            self.frame_len = None;
        }
        result
    }

    fn decode_inner(&mut self) -> Result<Option<Message>, EventStreamError> {
        let available = self.buffered();
        let frame_len = match self.frame_len {
            Some(len) => len,
            None if available < PRELUDE_LEN => return self.incomplete(available),
            None => {
                let mut prelude = [0u8; PRELUDE_LEN];
                self.peek(&mut prelude);
                let len = check_prelude(&prelude, self.max_frame_len)?;
                self.frame_len = Some(len);
                len
            }
        };
        if available < frame_len {
            return self.incomplete(available);
        }
        self.frame_len = None;
        if !self.gathered.is_empty() {
            let gathered = self.gathered.split().freeze();
            self.pieces_len += gathered.len();
            self.pieces.push_back(gathered);
        }
        self.pieces_len -= frame_len;

        let front = self.pieces.front_mut().expect("available >= frame_len >= 16");
        let frame = if front.len() >= frame_len {
            // The whole frame is in one piece: take it without copying.
            let frame = front.split_to(frame_len);
            if front.is_empty() {
                self.pieces.pop_front();
            }
            frame
        } else {
            // The frame spans pieces: join them (the one copy of such a frame).
            let mut joined = BytesMut::with_capacity(frame_len);
            let mut need = frame_len;
            while need > 0 {
                let front = self.pieces.front_mut().expect("pieces_len covered the frame");
                if front.len() <= need {
                    need -= front.len();
                    joined.extend_from_slice(front);
                    self.pieces.pop_front();
                } else {
                    joined.extend_from_slice(&front[..need]);
                    front.advance(need);
                    need = 0;
                }
            }
            joined.freeze()
        };
        parse_frame(frame).map(Some)
    }

    fn incomplete(&self, available: usize) -> Result<Option<Message>, EventStreamError> {
        if self.finished && available > 0 {
            Err(EventStreamError::Truncated {
                buffered: available,
                expected: self.frame_len,
            })
        } else {
            Ok(None)
        }
    }

    /// Copies the first `out.len()` buffered bytes (all present) into `out`.
    fn peek(&self, out: &mut [u8]) {
        if let Some(front) = self.pieces.front().filter(|front| front.len() >= out.len()) {
            out.copy_from_slice(&front[..out.len()]);
            return;
        }
        let mut filled = 0;
        for piece in self
            .pieces
            .iter()
            .map(|b| &b[..])
            .chain(std::iter::once(&self.gathered[..]))
        {
            let n = piece.len().min(out.len() - filled);
            out[filled..filled + n].copy_from_slice(&piece[..n]);
            filled += n;
            if filled == out.len() {
                break;
            }
        }
    }
}

/// Checks a prelude and returns the frame's total length.
fn check_prelude(prelude: &[u8; PRELUDE_LEN], max: usize) -> Result<usize, EventStreamError> {
    let word = |i: usize| u32::from_be_bytes([prelude[i], prelude[i + 1], prelude[i + 2], prelude[i + 3]]);
    let (total_len, headers_len, received) = (word(0), word(4), word(8));
    let computed = crc32fast::hash(&prelude[..8]);
    if computed != received {
        return Err(EventStreamError::Crc {
            which: CrcKind::Prelude,
            received,
            computed,
        });
    }
    let len = total_len as usize;
    if len > max {
        return Err(EventStreamError::FrameTooLarge { len, max });
    }
    // A header block is empty or at least 2 bytes (name length and value type).
    if len < MIN_FRAME_LEN || headers_len as usize > len - MIN_FRAME_LEN || headers_len == 1 {
        return Err(EventStreamError::InvalidLength { total_len, headers_len });
    }
    Ok(len)
}

/// Parses one whole frame, its prelude already checked by [`check_prelude`].
///
/// The message checksum is verified first, over the whole frame in one call, so a corrupt frame
/// is reported as a checksum mismatch rather than as whatever the header parser would trip over.
/// Header names, string and byte-array values and the payload are slices of `frame`, not copies.
fn parse_frame(frame: Bytes) -> Result<Message, EventStreamError> {
    let len = frame.len();
    let word = |i: usize| u32::from_be_bytes([frame[i], frame[i + 1], frame[i + 2], frame[i + 3]]);
    let received = word(len - 4);
    let computed = crc32fast::hash(&frame[..len - 4]);
    if computed != received {
        return Err(EventStreamError::Crc {
            which: CrcKind::Message,
            received,
            computed,
        });
    }
    let headers_end = PRELUDE_LEN + word(4) as usize;
    let headers = parse_headers(&frame, PRELUDE_LEN, headers_end)
        .map_err(|detail| EventStreamError::InvalidHeader { detail: detail.into() })?;
    Ok(Message::new_from_parts(headers, frame.slice(headers_end..len - 4)))
}

const TYPE_TRUE: u8 = 0;
const TYPE_FALSE: u8 = 1;
const TYPE_BYTE: u8 = 2;
const TYPE_INT16: u8 = 3;
const TYPE_INT32: u8 = 4;
const TYPE_INT64: u8 = 5;
const TYPE_BYTE_ARRAY: u8 = 6;
const TYPE_STRING: u8 = 7;
const TYPE_TIMESTAMP: u8 = 8;
const TYPE_UUID: u8 = 9;

/// Header names and string values that recur in every frame, shared instead of sliced and
/// checked for UTF-8 each time.
const COMMON_STRINGS: &[&str] = &[
    ":message-type",
    ":event-type",
    ":content-type",
    ":exception-type",
    ":error-code",
    ":error-message",
    "event",
    "exception",
    "error",
    "application/json",
    "contentBlockDelta",
    "contentBlockStart",
    "contentBlockStop",
    "messageStart",
    "messageStop",
    "metadata",
    "chunk",
];

/// A name or string value at `frame[start..end]`: a common one without a copy or a check,
/// otherwise a slice of the frame checked once for UTF-8.
fn header_string(frame: &Bytes, start: usize, end: usize) -> Result<StrBytes, &'static str> {
    let raw = &frame[start..end];
    if let Some(common) = COMMON_STRINGS.iter().find(|s| s.as_bytes() == raw) {
        return Ok(StrBytes::from(*common));
    }
    StrBytes::try_from(frame.slice(start..end)).map_err(|_| "a header name or string value is not UTF-8")
}

/// Parses the header block `frame[start..end]` (name length u8, name, value type u8, value),
/// accepting exactly what `aws_smithy_eventstream::frame::read_message_from` accepts.
fn parse_headers(frame: &Bytes, start: usize, end: usize) -> Result<Vec<Header>, &'static str> {
    let mut headers = Vec::new();
    let mut at = start;
    // Takes the next `n` bytes of the block, or fails if they run past it.
    let take = |at: &mut usize, n: usize, what: &'static str| -> Result<usize, &'static str> {
        let from = *at;
        if end - from < n {
            return Err(what);
        }
        *at += n;
        Ok(from)
    };
    while at < end {
        let name_len = frame[take(&mut at, 1, "a header name length runs past the header block")?] as usize;
        let name_at = take(&mut at, name_len, "a header name runs past the header block")?;
        let name = header_string(frame, name_at, name_at + name_len)?;
        let value_type = frame[take(&mut at, 1, "a header value type runs past the header block")?];
        let fixed = |at: &mut usize, n: usize| take(at, n, "a header value runs past the header block");
        let be = |i: usize, n: usize| frame[i..i + n].iter().fold(0u128, |acc, &b| acc << 8 | u128::from(b));
        let value = match value_type {
            TYPE_TRUE => HeaderValue::Bool(true),
            TYPE_FALSE => HeaderValue::Bool(false),
            TYPE_BYTE => HeaderValue::Byte(frame[fixed(&mut at, 1)?] as i8),
            TYPE_INT16 => HeaderValue::Int16(be(fixed(&mut at, 2)?, 2) as u16 as i16),
            TYPE_INT32 => HeaderValue::Int32(be(fixed(&mut at, 4)?, 4) as u32 as i32),
            TYPE_INT64 => HeaderValue::Int64(be(fixed(&mut at, 8)?, 8) as u64 as i64),
            TYPE_TIMESTAMP => HeaderValue::Timestamp(DateTime::from_millis(be(fixed(&mut at, 8)?, 8) as u64 as i64)),
            TYPE_UUID => HeaderValue::Uuid(be(fixed(&mut at, 16)?, 16)),
            TYPE_BYTE_ARRAY | TYPE_STRING => {
                let len = be(fixed(&mut at, 2)?, 2) as usize;
                let value_at = fixed(&mut at, len)?;
                if value_type == TYPE_STRING {
                    HeaderValue::String(header_string(frame, value_at, value_at + len)?)
                } else {
                    HeaderValue::ByteArray(frame.slice(value_at..value_at + len))
                }
            }
            _ => return Err("a header has an unknown value type"),
        };
        headers.push(Header::new(name, value));
    }
    Ok(headers)
}

impl crate::decode::PushDecoder for MessageDecoder {
    type Item = Message;
    type Error = EventStreamError;

    fn push(&mut self, chunk: Bytes) {
        MessageDecoder::push(self, chunk)
    }
    fn finish(&mut self) {
        MessageDecoder::finish(self)
    }
    fn is_finished(&self) -> bool {
        self.finished
    }
    fn decode(&mut self) -> Result<Option<Message>, EventStreamError> {
        MessageDecoder::decode(self)
    }
    fn body_error(error: BoxError) -> EventStreamError {
        EventStreamError::Body(error)
    }
}

pin_project! {
    /// Decodes a body (any `Stream` of `Result<Bytes, E>`) into event-stream [`Message`]s.
    ///
    /// The body is polled only when no complete message is buffered, so a slow consumer holds
    /// the connection's flow control back. A body error ends the stream with
    /// [`EventStreamError::Body`]; a body that ends inside a frame ends it with
    /// [`EventStreamError::Truncated`]. After an error the stream is finished.
    pub struct MessageStream<S> {
        #[pin]
        body: S,
        decoder: MessageDecoder,
        done: bool,
    }
}

impl<S> MessageStream<S> {
    /// Decodes `body` with the 16 MiB frame limit.
    pub fn new(body: S) -> Self {
        Self::with_decoder(body, MessageDecoder::new())
    }

    /// Decodes `body` with a configured decoder (for example another frame limit).
    pub fn with_decoder(body: S, decoder: MessageDecoder) -> Self {
        MessageStream {
            body,
            decoder,
            done: false,
        }
    }

    /// The decoder, for its buffered byte count.
    pub fn decoder(&self) -> &MessageDecoder {
        &self.decoder
    }

    /// The body, with any bytes the decoder had buffered lost.
    pub fn into_inner(self) -> S {
        self.body
    }
}

impl<S> fmt::Debug for MessageStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStream")
            .field("decoder", &self.decoder)
            .field("done", &self.done)
            .finish()
    }
}

impl<S, E> Stream for MessageStream<S>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Item = Result<Message, EventStreamError>;

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

impl<S, E> FusedStream for MessageStream<S>
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
    use aws_smithy_eventstream::frame::read_message_from;
    use aws_smithy_types::event_stream::{Header, HeaderValue};
    use aws_smithy_types::DateTime;

    fn message(event_type: &'static str, payload: &'static [u8]) -> Message {
        Message::new(Bytes::from_static(payload))
            .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
            .add_header(Header::new(":event-type", HeaderValue::String(event_type.into())))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
    }

    /// A frame with the given raw header block and payload and correct checksums.
    fn raw_frame(headers: &[u8], payload: &[u8]) -> Vec<u8> {
        let total = (MIN_FRAME_LEN + headers.len() + payload.len()) as u32;
        let mut frame = Vec::new();
        frame.extend_from_slice(&total.to_be_bytes());
        frame.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        let crc = crc32fast::hash(&frame);
        frame.extend_from_slice(&crc.to_be_bytes());
        frame.extend_from_slice(headers);
        frame.extend_from_slice(payload);
        let crc = crc32fast::hash(&frame);
        frame.extend_from_slice(&crc.to_be_bytes());
        frame
    }

    /// A prelude with a correct checksum.
    fn prelude(total_len: u32, headers_len: u32) -> Vec<u8> {
        let mut prelude = Vec::new();
        prelude.extend_from_slice(&total_len.to_be_bytes());
        prelude.extend_from_slice(&headers_len.to_be_bytes());
        let crc = crc32fast::hash(&prelude);
        prelude.extend_from_slice(&crc.to_be_bytes());
        prelude
    }

    /// Feeds `chunks`, then finishes; returns the messages and the error, if any.
    fn decode_chunks<'a>(
        decoder: &mut MessageDecoder,
        chunks: impl IntoIterator<Item = &'a [u8]>,
    ) -> (Vec<Message>, Option<EventStreamError>) {
        let mut messages = Vec::new();
        let drain = |decoder: &mut MessageDecoder, messages: &mut Vec<Message>| loop {
            match decoder.decode() {
                Ok(Some(message)) => messages.push(message),
                Ok(None) => return None,
                Err(err) => return Some(err),
            }
        };
        for chunk in chunks {
            decoder.push(Bytes::copy_from_slice(chunk));
            if let Some(err) = drain(decoder, &mut messages) {
                return (messages, Some(err));
            }
        }
        decoder.finish();
        let err = drain(decoder, &mut messages);
        (messages, err)
    }

    fn decode_all(input: &[u8]) -> Result<Vec<Message>, EventStreamError> {
        match decode_chunks(&mut MessageDecoder::new(), [input]) {
            (messages, None) => Ok(messages),
            (_, Some(err)) => Err(err),
        }
    }

    fn concat(messages: &[Message]) -> Vec<u8> {
        messages.iter().flat_map(|m| encode(m).unwrap().to_vec()).collect()
    }

    fn sample() -> Vec<Message> {
        vec![
            message("messageStart", br#"{"role":"assistant"}"#),
            message(
                "contentBlockDelta",
                br#"{"contentBlockIndex":0,"delta":{"text":"Hello"}}"#,
            ),
            Message::new(Bytes::new()),
            message("messageStop", br#"{"stopReason":"end_turn"}"#),
        ]
    }

    #[test]
    fn every_header_type_round_trips() {
        let message = Message::new(&b"payload"[..])
            .add_header(Header::new("true", HeaderValue::Bool(true)))
            .add_header(Header::new("false", HeaderValue::Bool(false)))
            .add_header(Header::new("byte", HeaderValue::Byte(-7)))
            .add_header(Header::new("int16", HeaderValue::Int16(i16::MIN)))
            .add_header(Header::new("int32", HeaderValue::Int32(-123_456)))
            .add_header(Header::new("int64", HeaderValue::Int64(i64::MAX)))
            .add_header(Header::new(
                "bytes",
                HeaderValue::ByteArray(Bytes::from_static(&[0, 1, 0xFF])),
            ))
            .add_header(Header::new("string", HeaderValue::String("héllo".into())))
            .add_header(Header::new(
                "timestamp",
                HeaderValue::Timestamp(DateTime::from_millis(1_700_000_000_123)),
            ))
            .add_header(Header::new(
                "uuid",
                HeaderValue::Uuid(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
            ));
        let frame = encode(&message).unwrap();
        assert_eq!(frame.len(), message.size_hint());
        assert_eq!(decode_all(&frame).unwrap(), vec![message.clone()]);
        // The same bytes as the official SDK's reader sees them.
        assert_eq!(read_message_from(&frame[..]).unwrap(), message);
    }

    #[test]
    fn encode_to_appends() {
        let messages = sample();
        let mut buf = BytesMut::from(&b"xy"[..]);
        for m in &messages {
            encode_to(m, &mut buf).unwrap();
        }
        assert_eq!(&buf[..2], b"xy");
        assert_eq!(decode_all(&buf[2..]).unwrap(), messages);
    }

    #[test]
    fn every_two_way_split() {
        let messages = sample();
        let input = concat(&messages);
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            let (got, err) = decode_chunks(&mut MessageDecoder::new(), [a, b]);
            assert!(err.is_none(), "split at {at}: {err:?}");
            assert_eq!(got, messages, "split at {at}");
        }
    }

    #[test]
    fn every_three_way_split() {
        let messages = vec![message("a", b"{}"), Message::new(&b"xyz"[..])];
        let input = concat(&messages);
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let (got, err) = decode_chunks(&mut MessageDecoder::new(), [&input[..i], &input[i..j], &input[j..]]);
                assert!(err.is_none(), "split at {i}, {j}: {err:?}");
                assert_eq!(got, messages, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let messages = sample();
        let input = concat(&messages);
        let (got, err) = decode_chunks(&mut MessageDecoder::new(), input.chunks(1));
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, messages);
    }

    #[test]
    fn many_small_pieces_are_gathered() {
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let messages = vec![
            Message::new(payload.clone()),
            message("x", b"{}"),
            Message::new(payload),
        ];
        let input = concat(&messages);
        let mut decoder = MessageDecoder::new();
        let mut got = Vec::new();
        let mut gathered = false;
        for chunk in input.chunks(7) {
            decoder.push(Bytes::copy_from_slice(chunk));
            assert!(
                decoder.pieces.len() <= MAX_PIECES + 1,
                "{} pieces",
                decoder.pieces.len()
            );
            gathered |= !decoder.gathered.is_empty();
            while let Some(m) = decoder.decode().unwrap() {
                got.push(m);
            }
        }
        decoder.finish();
        assert!(decoder.decode().unwrap().is_none());
        assert!(gathered);
        assert_eq!(got, messages);
        // Large pieces are not gathered.
        let mut decoder = MessageDecoder::new();
        for chunk in input.chunks(16 * 1024) {
            decoder.push(Bytes::copy_from_slice(chunk));
            assert!(decoder.gathered.is_empty());
            while decoder.decode().unwrap().is_some() {}
        }
    }

    #[test]
    fn prelude_crc_mismatch() {
        let mut frame = encode(&message("a", b"{}")).unwrap().to_vec();
        frame[9] ^= 0x01;
        let err = decode_all(&frame).unwrap_err();
        assert!(
            matches!(
                err,
                EventStreamError::Crc {
                    which: CrcKind::Prelude,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("prelude checksum mismatch"), "{err}");
        // A corrupt length is caught by the same checksum, before the length is trusted.
        let mut frame = encode(&message("a", b"{}")).unwrap().to_vec();
        frame[1] ^= 0x40;
        let err = decode_all(&frame).unwrap_err();
        assert!(
            matches!(
                err,
                EventStreamError::Crc {
                    which: CrcKind::Prelude,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn message_crc_mismatch() {
        let clean = encode(&message("contentBlockDelta", br#"{"text":"hi"}"#))
            .unwrap()
            .to_vec();
        // In a header, in the payload, and in the checksum itself.
        for at in [14, clean.len() - 6, clean.len() - 1] {
            let mut frame = clean.clone();
            frame[at] ^= 0x20;
            let err = decode_all(&frame).unwrap_err();
            assert!(
                matches!(
                    err,
                    EventStreamError::Crc {
                        which: CrcKind::Message,
                        ..
                    }
                ),
                "byte {at}: {err:?}"
            );
            assert!(err.to_string().contains("message checksum mismatch"), "{err}");
        }
    }

    #[test]
    fn every_corrupted_byte_is_an_error() {
        let clean = concat(&[message("a", b"{\"k\":1}"), Message::new(&b"z"[..])]);
        for at in 0..clean.len() {
            for mask in [0x01, 0x80, 0xFF] {
                let mut input = clean.clone();
                input[at] ^= mask;
                // Some flips leave the first frame intact; the whole input must never decode.
                assert!(decode_all(&input).is_err(), "byte {at} ^ {mask:#x}");
            }
        }
    }

    #[test]
    fn frame_over_the_limit_is_rejected_from_its_prelude() {
        let mut decoder = MessageDecoder::new();
        decoder.push(Bytes::from(prelude(u32::MAX, 0)));
        let err = decoder.decode().unwrap_err();
        assert!(
            matches!(err, EventStreamError::FrameTooLarge { len, max } if len == u32::MAX as usize && max == DEFAULT_MAX_FRAME_LEN),
            "{err:?}"
        );
        assert!(err.to_string().contains("over the 16777216-byte limit"), "{err}");
        assert_eq!(decoder.buffered(), 0);

        let mut decoder = MessageDecoder::new();
        decoder.push(Bytes::from(prelude(DEFAULT_MAX_FRAME_LEN as u32 + 1, 0)));
        assert!(matches!(decoder.decode(), Err(EventStreamError::FrameTooLarge { .. })));

        // A configured limit.
        let frame = encode(&Message::new(vec![0u8; 100])).unwrap();
        let mut decoder = MessageDecoder::with_max_frame_len(64);
        assert_eq!(decoder.max_frame_len(), 64);
        decoder.push(frame.slice(..12));
        assert!(matches!(
            decoder.decode(),
            Err(EventStreamError::FrameTooLarge { len: 116, max: 64 })
        ));
        let (got, err) = decode_chunks(&mut MessageDecoder::with_max_frame_len(116), [&frame[..]]);
        assert!(err.is_none() && got.len() == 1);
    }

    #[test]
    fn impossible_lengths() {
        for (total, headers) in [(0, 0), (15, 0), (16, 1), (20, 5), (20, 1), (16, u32::MAX)] {
            let mut input = prelude(total, headers);
            input.resize(64, 0);
            let err = decode_all(&input).unwrap_err();
            assert!(
                matches!(err, EventStreamError::InvalidLength { total_len, headers_len } if total_len == total && headers_len == headers),
                "{total}/{headers}: {err:?}"
            );
        }
        // The smallest frame: no headers, no payload.
        let frame = raw_frame(&[], &[]);
        assert_eq!(frame.len(), 16);
        assert_eq!(decode_all(&frame).unwrap(), vec![Message::new(Bytes::new())]);
    }

    #[test]
    fn malformed_headers_with_valid_checksums() {
        let cases: &[&[u8]] = &[
            &[1, b'a', 42],                  // unknown value type
            &[1, b'a', 7, 0, 9, b'x'],       // string longer than the block
            &[2, 0xC3, 0x28, 0],             // name not UTF-8
            &[1, b'a', 7, 0, 2, 0xFF, 0xFE], // string value not UTF-8
            &[1, b'a', 4, 0, 0],             // int32 cut short
            &[5, b'a', b'b'],                // name longer than the block
        ];
        for headers in cases {
            let err = decode_all(&raw_frame(headers, b"{}")).unwrap_err();
            assert!(
                matches!(err, EventStreamError::InvalidHeader { .. }),
                "{headers:?}: {err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with("event-stream frame has a malformed header block: "),
                "{err}"
            );
        }
    }

    #[test]
    fn random_header_blocks_never_panic() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut decoded, mut rejected) = (0, 0);
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut headers: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if len > 0 {
                headers[0] %= 8; // short names, so more blocks get past the name
            }
            if len > 2 {
                let at = headers[0] as usize + 1;
                if at < len {
                    headers[at] %= 11; // mostly known value types
                }
            }
            let frame = raw_frame(&headers, b"p");
            let official = read_message_from(&frame[..]);
            match (decode_all(&frame), &official) {
                (Ok(messages), Ok(message)) => assert_eq!(&messages[0], message, "{headers:?}"),
                (Err(EventStreamError::InvalidLength { .. }), _) => {}
                (ours, official) => assert_eq!(
                    ours.is_ok(),
                    official.is_ok(),
                    "{headers:?}: {ours:?} against {official:?}"
                ),
            }
            match decode_all(&frame) {
                Ok(messages) => {
                    assert_eq!(messages.len(), 1);
                    decoded += 1;
                }
                Err(EventStreamError::InvalidHeader { .. }) => rejected += 1,
                Err(EventStreamError::InvalidLength { .. }) => {}
                Err(other) => panic!("{headers:?}: {other:?}"),
            }
        }
        // Both paths were exercised.
        assert!(
            decoded > 100 && rejected > 1000,
            "{decoded} decoded, {rejected} rejected"
        );
    }

    #[test]
    fn truncated_stream() {
        let input = concat(&sample());
        let last_len = encode(&sample()[3]).unwrap().len();
        let first_len = input.len() - last_len;
        for cut in first_len + 1..input.len() {
            let (got, err) = decode_chunks(&mut MessageDecoder::new(), [&input[..cut]]);
            assert_eq!(got.len(), 3);
            let buffered = cut - first_len;
            let expected = (buffered >= 12).then_some(last_len);
            match err {
                Some(EventStreamError::Truncated {
                    buffered: b,
                    expected: e,
                }) => {
                    assert_eq!((b, e), (buffered, expected), "cut at {cut}")
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let err = decode_all(&input[..first_len + 20]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("event stream ended inside a frame: 20 of its {last_len} bytes had arrived")
        );
        // Ending on a frame boundary is clean.
        assert_eq!(decode_all(&input[..first_len]).unwrap().len(), 3);
        assert!(decode_all(&[]).unwrap().is_empty());
    }

    #[test]
    fn failed_decoder_stays_failed() {
        let mut frame = encode(&message("a", b"{}")).unwrap().to_vec();
        frame[2] ^= 1;
        let mut decoder = MessageDecoder::new();
        decoder.push(Bytes::from(frame));
        assert!(decoder.decode().is_err());
        assert!(decoder.is_failed());
        decoder.push(encode(&message("b", b"{}")).unwrap());
        assert_eq!(decoder.buffered(), 0);
        assert!(decoder.decode().unwrap().is_none());
        decoder.finish();
        assert!(decoder.decode().unwrap().is_none());
    }

    #[test]
    fn encode_rejects_what_the_protocol_cannot_carry() {
        let long_name = Message::new(Bytes::new()).add_header(Header::new("n".repeat(256), HeaderValue::Bool(true)));
        let err = encode(&long_name).unwrap_err();
        assert!(matches!(err, EventStreamError::Encode { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("cannot encode event-stream message: "),
            "{err}"
        );

        let long_value =
            Message::new(Bytes::new()).add_header(Header::new("v", HeaderValue::String("x".repeat(40_000).into())));
        assert!(matches!(encode(&long_value), Err(EventStreamError::Encode { .. })));

        let mut buf = BytesMut::from(&b"keep"[..]);
        assert!(encode_to(&long_value, &mut buf).is_err());
        assert_eq!(&buf[..], b"keep");

        let huge = Message::new(vec![0u8; DEFAULT_MAX_FRAME_LEN]);
        let err = encode(&huge).unwrap_err();
        assert!(matches!(err, EventStreamError::FrameTooLarge { len, .. } if len == DEFAULT_MAX_FRAME_LEN + 16));
        // The largest frame that fits.
        let largest = Message::new(vec![0u8; DEFAULT_MAX_FRAME_LEN - 16]);
        assert_eq!(encode(&largest).unwrap().len(), DEFAULT_MAX_FRAME_LEN);
    }

    #[test]
    fn matches_the_official_reader() {
        for m in sample() {
            let frame = encode(&m).unwrap();
            assert_eq!(
                decode_all(&frame).unwrap(),
                vec![read_message_from(&frame[..]).unwrap()]
            );
        }
    }
}
