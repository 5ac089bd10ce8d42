//! Signing the messages of an event-stream upload (the input side of
//! `InvokeModelWithBidirectionalStream`).
//!
//! The HTTP request is signed once, with a placeholder payload hash
//! ([`Signer::sign_event_stream_request`](crate::Signer::sign_event_stream_request));
//! then every message the client sends is encoded and wrapped in an outer
//! message whose payload is the encoded inner one and whose headers are `:date`
//! (a timestamp) and `:chunk-signature` (32 raw bytes). Each signature covers
//! the previous one, starting from the request's, so messages cannot be
//! dropped, reordered or replayed. An empty outer message, signed the same way,
//! ends the stream.
//!
//! [`EventStreamSigner`] is sans-IO: it holds the chain's state and returns
//! signed messages; the caller encodes and sends them. The string to sign and
//! the key come from [`crate::sigv4`]; nothing is logged (the string to sign
//! holds the previous signature).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_smithy_eventstream::frame::{write_headers_to, write_message_to};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};

use crate::provider::Clock;
use crate::secret::{Credentials, Secret};
use crate::sign::SigningName;
use crate::sigv4::{event_string_to_sign, generate_signing_key, truncate_subsecs};
use crate::skew::ClockSkew;

/// The payload hash of a request whose body is a signed event stream.
pub const STREAMING_EVENTS_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-EVENTS";

/// A SigV4 signature (lowercase hex). Anyone holding it and the stream can
/// forge the next link of a chain, so `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(Secret);

impl Signature {
    /// Wraps a hex signature.
    pub fn new(hex: impl Into<String>) -> Self {
        Signature(Secret::new(hex.into()))
    }

    /// The hex signature. Handle with care: never log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(** redacted **)")
    }
}

/// Why a message could not be signed. Never holds a secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventStreamSigningError {
    /// The end-of-stream message was already signed; the chain is closed.
    Finished,
    /// The bytes given to [`EventStreamSigner::sign_frame`] are not exactly one
    /// valid event-stream message.
    InvalidFrame(String),
    /// The message cannot be encoded (e.g. a header too long).
    Sigv4(String),
}

impl fmt::Display for EventStreamSigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventStreamSigningError::Finished => f.write_str("the event stream was already ended"),
            EventStreamSigningError::InvalidFrame(why) => write!(f, "not one event-stream message: {why}"),
            EventStreamSigningError::Sigv4(why) => write!(f, "event-stream signing failed: {why}"),
        }
    }
}

impl std::error::Error for EventStreamSigningError {}

/// Signs the messages of one event-stream upload, each with the signature of
/// the one before (the first with the request's).
///
/// Time comes from the injected [`Clock`], corrected by an optional
/// [`ClockSkew`]; [`sign_message_at`](Self::sign_message_at) takes it
/// explicitly instead.
#[derive(Debug)]
pub struct EventStreamSigner {
    credentials: Credentials,
    name: SigningName,
    region: String,
    clock: Arc<dyn Clock>,
    skew: Option<ClockSkew>,
    previous: Signature,
    finished: bool,
}

impl EventStreamSigner {
    /// A chain seeded with `seed`, the signature of the stream's HTTP request.
    pub fn new(
        seed: Signature,
        credentials: Credentials,
        name: SigningName,
        region: impl Into<String>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        EventStreamSigner {
            credentials,
            name,
            region: region.into(),
            clock,
            skew: None,
            previous: seed,
            finished: false,
        }
    }

    /// Dates messages with the clock corrected by `skew`.
    pub fn with_clock_skew(mut self, skew: ClockSkew) -> Self {
        self.skew = Some(skew);
        self
    }

    /// Whether the end-of-stream message has been signed.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The signature the next message will chain from.
    pub fn previous_signature(&self) -> &Signature {
        &self.previous
    }

    fn now(&self) -> SystemTime {
        let now = self.clock.now();
        match &self.skew {
            Some(skew) => skew.corrected(now),
            None => now,
        }
    }

    /// Signs `message` at the clock's time: returns the outer message to send.
    pub fn sign_message(&mut self, message: &Message) -> Result<Message, EventStreamSigningError> {
        let time = self.now();
        self.sign_message_at(message, time)
    }

    /// Signs `message` dated `time` (sub-seconds are dropped, as the `:date`
    /// header holds whole seconds in the string to sign).
    pub fn sign_message_at(&mut self, message: &Message, time: SystemTime) -> Result<Message, EventStreamSigningError> {
        self.sign_at(Some(message), time)
    }

    /// Signs an already encoded message (`frame` must hold exactly one). The
    /// outer payload is the same bytes, since encoding is deterministic.
    pub fn sign_frame(&mut self, frame: &[u8]) -> Result<Message, EventStreamSigningError> {
        let mut buf = frame;
        let message = aws_smithy_eventstream::frame::read_message_from(&mut buf)
            .map_err(|e| EventStreamSigningError::InvalidFrame(e.to_string()))?;
        if !buf.is_empty() {
            return Err(EventStreamSigningError::InvalidFrame(format!(
                "{} bytes after the message",
                buf.len()
            )));
        }
        self.sign_message(&message)
    }

    /// Signs the empty message that ends the stream, at the clock's time.
    /// Nothing can be signed afterwards.
    pub fn finish(&mut self) -> Result<Message, EventStreamSigningError> {
        let time = self.now();
        self.finish_at(time)
    }

    /// [`finish`](Self::finish) dated `time`.
    pub fn finish_at(&mut self, time: SystemTime) -> Result<Message, EventStreamSigningError> {
        let end = self.sign_at(None, time)?;
        self.finished = true;
        Ok(end)
    }

    fn sign_at(&mut self, message: Option<&Message>, time: SystemTime) -> Result<Message, EventStreamSigningError> {
        if self.finished {
            return Err(EventStreamSigningError::Finished);
        }
        // The `:date` header holds whole seconds, as does the string to sign.
        let time = truncate_subsecs(time);
        let payload = match message {
            Some(message) => {
                let mut payload = Vec::new();
                write_message_to(message, &mut payload).map_err(|e| EventStreamSigningError::Sigv4(e.to_string()))?;
                payload
            }
            None => Vec::new(),
        };
        let date = Header::new(":date", HeaderValue::Timestamp(time.into()));
        let mut date_bytes = Vec::new();
        write_headers_to(std::slice::from_ref(&date), &mut date_bytes)
            .map_err(|e| EventStreamSigningError::Sigv4(e.to_string()))?;
        let string_to_sign = event_string_to_sign(
            time,
            &self.region,
            self.name.as_str(),
            self.previous.expose_secret(),
            &date_bytes,
            &payload,
        );
        let key = generate_signing_key(
            self.credentials.secret_access_key(),
            time,
            &self.region,
            self.name.as_str(),
        );
        let raw = crate::crypto::hmac_sha256(&key, string_to_sign.as_bytes());
        let signature = crate::crypto::hex(&raw);
        let signed = Message::new(payload)
            .add_header(Header::new(
                ":chunk-signature",
                HeaderValue::ByteArray(raw.to_vec().into()),
            ))
            .add_header(date);
        self.previous = Signature::new(signature);
        Ok(signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::tests::{fixed_time, AKID, SECRET};
    use aws_smithy_eventstream::frame::write_message_to;
    use aws_smithy_types::event_stream::{Header, HeaderValue};
    use std::time::{Duration, UNIX_EPOCH};

    // An independent implementation of the documented algorithm, from SHA-256 up
    // (`sha256`, `hmac`, `hex` live in `sign::tests`).
    use crate::sign::tests::{hex, hmac, sha256};

    /// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` of a time in 2024-01-02 (the fixtures' day).
    fn stamps(secs: u64) -> (String, String) {
        let day_start = 1_704_153_600; // 2024-01-02T00:00:00Z
        let s = secs - day_start;
        assert!(s < 86_400);
        (
            "20240102".to_owned(),
            format!("20240102T{:02}{:02}{:02}Z", s / 3600, s / 60 % 60, s % 60),
        )
    }

    /// The `:date` header alone, encoded by hand: name length, name, type 8
    /// (timestamp), milliseconds since the epoch as a big-endian i64.
    fn date_header_bytes(secs: u64) -> Vec<u8> {
        let mut out = vec![5];
        out.extend_from_slice(b":date");
        out.push(8);
        out.extend_from_slice(&((secs * 1000) as i64).to_be_bytes());
        out
    }

    fn expected_signature(
        secret: &str,
        region: &str,
        service: &str,
        secs: u64,
        previous: &str,
        payload: &[u8],
    ) -> String {
        let (day, stamp) = stamps(secs);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{stamp}\n{day}/{region}/{service}/aws4_request\n{previous}\n{}\n{}",
            hex(&sha256(&date_header_bytes(secs))),
            hex(&sha256(payload))
        );
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
        for part in [region, service, "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        hex(&hmac(&key, string_to_sign.as_bytes()))
    }

    fn encode(message: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        write_message_to(message, &mut out).unwrap();
        out
    }

    #[derive(Debug)]
    struct Ticking(std::sync::Mutex<SystemTime>);
    impl Clock for Ticking {
        fn now(&self) -> SystemTime {
            let mut t = self.0.lock().unwrap();
            let now = *t;
            *t += Duration::from_secs(1);
            now
        }
    }

    fn chunk_signature(message: &Message) -> String {
        assert_eq!(message.headers()[0].name().as_str(), ":chunk-signature");
        hex(message.headers()[0].value().as_byte_array().unwrap())
    }

    fn date_secs(message: &Message) -> i64 {
        assert_eq!(message.headers()[1].name().as_str(), ":date");
        message.headers()[1].value().as_timestamp().unwrap().secs()
    }

    const SEED: &str = "e1d8e8c8815e60969f2a34765c9a15945ffc0badbaa4b7e3b163ea19131e949b";

    fn input(n: u8) -> Message {
        Message::new(format!("{{\"bytes\":\"chunk {n}\"}}").into_bytes())
            .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
            .add_header(Header::new(":event-type", HeaderValue::String("chunk".into())))
            .add_header(Header::new(
                ":content-type",
                HeaderValue::String("application/json".into()),
            ))
    }

    #[test]
    fn chain_of_three_messages_and_the_end_frame_matches_the_algorithm() {
        let start = fixed_time();
        let base = start.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let clock = Arc::new(Ticking(std::sync::Mutex::new(start)));
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let mut signer = EventStreamSigner::new(Signature::new(SEED), creds, SigningName::Bedrock, "us-east-1", clock);

        let mut previous = SEED.to_owned();
        let mut seen = Vec::new();
        for n in 0..3u8 {
            let inner = input(n);
            let outer = signer.sign_message(&inner).unwrap();
            let secs = base + u64::from(n);
            assert_eq!(outer.payload().as_ref(), encode(&inner).as_slice());
            assert_eq!(date_secs(&outer), secs as i64);
            let expected = expected_signature(SECRET, "us-east-1", "bedrock", secs, &previous, &encode(&inner));
            assert_eq!(chunk_signature(&outer), expected, "message {n}");
            assert_eq!(signer.previous_signature().expose_secret(), expected);
            seen.push(expected.clone());
            previous = expected;
        }
        let end = signer.finish().unwrap();
        assert!(end.payload().is_empty());
        let expected = expected_signature(SECRET, "us-east-1", "bedrock", base + 3, &previous, b"");
        assert_eq!(chunk_signature(&end), expected);
        seen.push(expected);
        seen.dedup();
        assert_eq!(seen.len(), 4);

        assert!(signer.is_finished());
        assert!(matches!(
            signer.sign_message(&input(9)),
            Err(EventStreamSigningError::Finished)
        ));
    }

    #[test]
    fn each_signature_depends_on_the_previous_one() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let clock: Arc<dyn Clock> = Arc::new(crate::provider::SystemClock);
        let t = fixed_time();
        let chain = |seed: &str, first: &Message| {
            let mut s = EventStreamSigner::new(
                Signature::new(seed),
                creds.clone(),
                SigningName::Bedrock,
                "us-east-1",
                clock.clone(),
            );
            let a = chunk_signature(&s.sign_message_at(first, t).unwrap());
            let b = chunk_signature(&s.sign_message_at(&input(1), t).unwrap());
            let end = chunk_signature(&s.finish_at(t).unwrap());
            (a, b, end)
        };
        let reference = chain(SEED, &input(0));
        // Another seed changes every later link, not just the first.
        let other_seed = chain(&SEED.replace('e', "f"), &input(0));
        assert_ne!(reference.0, other_seed.0);
        assert_ne!(reference.1, other_seed.1);
        assert_ne!(reference.2, other_seed.2);
        // So does another first message, though the second message is the same.
        let other_first = chain(SEED, &input(7));
        assert_ne!(reference.1, other_first.1);
        assert_ne!(reference.2, other_first.2);
        // And the same inputs give the same chain.
        assert_eq!(reference, chain(SEED, &input(0)));
    }

    // aws-sigv4's own published example: credentials ANOTREAL/notreal…, service
    // `testservice`, time 123456789.000001234 s, previous signature the SHA-256 of
    // `last message sts`, message `test payload` with header `some-header: value`.
    // Its test states the string to sign; our independent implementation must
    // produce the same one, and the signer the HMAC of it.
    #[test]
    fn matches_the_published_aws_sigv4_example() {
        let message = Message::new(&b"test payload"[..])
            .add_header(Header::new("some-header", HeaderValue::String("value".into())));
        let previous = hex(&sha256(b"last message sts"));
        let published_sts = "AWS4-HMAC-SHA256-PAYLOAD\n19731129T213309Z\n19731129/us-east-1/testservice/aws4_request\nbe1f8c7d79ef8e1abc5254a2c70e4da3bfaf4f07328f527444e1fc6ea67273e2\n0c0e3b3bf66b59b976181bd7d401927bbd624107303c713fd1e5f3d3c8dd1b1e\nf2eba0f2e95967ee9fbc6db5e678d2fd599229c0d04b11e4fc8e0f2a02a806c6";
        let ours = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n19731129T213309Z\n19731129/us-east-1/testservice/aws4_request\n{previous}\n{}\n{}",
            hex(&sha256(&date_header_bytes(123_456_789))),
            hex(&sha256(&encode(&message)))
        );
        assert_eq!(ours, published_sts);

        let secret = "notrealrnrELgWzOk3IfjzDKtFBhDby";
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), b"19731129");
        for part in ["us-east-1", "testservice", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let expected = hex(&hmac(&key, published_sts.as_bytes()));

        // Our signer only knows Bedrock names, so sign with the building
        // blocks of `crate::sigv4` for `testservice` first, then through the
        // signer for `bedrock-mantle` and compare with the independent formula.
        let time = UNIX_EPOCH + Duration::new(123_456_789, 1234);
        let whole = crate::sigv4::truncate_subsecs(time);
        let mut date_bytes = Vec::new();
        aws_smithy_eventstream::frame::write_headers_to(
            &[Header::new(":date", HeaderValue::Timestamp(whole.into()))],
            &mut date_bytes,
        )
        .unwrap();
        let sts = crate::sigv4::event_string_to_sign(
            whole,
            "us-east-1",
            "testservice",
            &previous,
            &date_bytes,
            &encode(&message),
        );
        assert_eq!(sts, published_sts);
        let key = crate::sigv4::generate_signing_key(secret, whole, "us-east-1", "testservice");
        assert_eq!(crate::sigv4::calculate_signature(&key, sts.as_bytes()), expected);

        let mut signer = EventStreamSigner::new(
            Signature::new(previous.clone()),
            Credentials::new("ANOTREAL", secret, None, None, "Test"),
            SigningName::BedrockMantle,
            "us-east-1",
            Arc::new(crate::provider::SystemClock),
        );
        let outer = signer.sign_message_at(&message, time).unwrap();
        assert_eq!(date_secs(&outer), 123_456_789);
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), b"19731129");
        for part in ["us-east-1", "bedrock-mantle", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let sts = published_sts.replace("testservice", "bedrock-mantle");
        assert_eq!(chunk_signature(&outer), hex(&hmac(&key, sts.as_bytes())));
    }

    #[test]
    fn encoded_frames_sign_like_messages_and_bad_frames_fail() {
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let clock: Arc<dyn Clock> = Arc::new(Ticking(std::sync::Mutex::new(fixed_time())));
        let mut by_frame = EventStreamSigner::new(
            Signature::new(SEED),
            creds.clone(),
            SigningName::Bedrock,
            "us-east-1",
            clock,
        );
        let clock: Arc<dyn Clock> = Arc::new(Ticking(std::sync::Mutex::new(fixed_time())));
        let mut by_message =
            EventStreamSigner::new(Signature::new(SEED), creds, SigningName::Bedrock, "us-east-1", clock);
        let frame = encode(&input(0));
        assert_eq!(
            by_frame.sign_frame(&frame).unwrap(),
            by_message.sign_message(&input(0)).unwrap()
        );
        let mut two = frame.clone();
        two.extend_from_slice(&frame);
        assert!(matches!(
            by_frame.sign_frame(&two),
            Err(EventStreamSigningError::InvalidFrame(_))
        ));
        assert!(matches!(
            by_frame.sign_frame(&frame[..frame.len() - 1]),
            Err(EventStreamSigningError::InvalidFrame(_))
        ));
        // A failed frame leaves the chain where it was.
        assert_eq!(by_frame.previous_signature(), by_message.previous_signature());
    }

    #[test]
    fn the_clock_skew_moves_message_dates() {
        let skew = ClockSkew::new();
        skew.set_offset_millis(-60_000);
        let clock: Arc<dyn Clock> = Arc::new(Ticking(std::sync::Mutex::new(fixed_time())));
        let creds = Credentials::new(AKID, SECRET, None, None, "Test");
        let mut signer = EventStreamSigner::new(Signature::new(SEED), creds, SigningName::Bedrock, "us-east-1", clock)
            .with_clock_skew(skew);
        let outer = signer.sign_message(&input(0)).unwrap();
        let base = fixed_time().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        assert_eq!(date_secs(&outer), base - 60);
    }

    #[test]
    fn debug_hides_signatures_and_secrets() {
        let creds = Credentials::new(AKID, SECRET, Some("TOKENVALUE".into()), None, "Test");
        let signer = EventStreamSigner::new(
            Signature::new(SEED),
            creds,
            SigningName::Bedrock,
            "us-east-1",
            Arc::new(crate::provider::SystemClock),
        );
        let text = format!("{signer:?} {:?}", Signature::new(SEED));
        for secret in [SEED, SECRET, "TOKENVALUE", AKID] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
