//! Long streams in the exact wire form of the OpenAI Responses and Chat Completions APIs, as
//! the service sends them (field sets and order as in captured OpenAI streams, including the
//! `obfuscation` member of deltas and `"usage":null` on every chunk when usage is asked for).

use std::fmt::Write as _;

pub const MODEL: &str = "openai.gpt-oss-120b";
const CREATED: u64 = 1_764_633_600;
const RESPONSE_ID: &str = "resp_0c9f5b2a7e3d41f8006a2e5b7c1d3f4a81937b9d2c6e4f05a1";
const ITEM_ID: &str = "msg_0c9f5b2a7e3d41f8006a2e5b7d2e4a6c81a0f3e5d7b9c1e3f5";
const CHAT_ID: &str = "chatcmpl-CYx4mQ2ZJ7kT9pL3vN8wR5aB1cD6e";

/// Token pieces the deltas cycle through: mostly short words with a leading space, some
/// punctuation, newlines, quotes and non-ASCII text (escaped in the JSON as servers do).
#[rustfmt::skip]
const PIECES: &[&str] = &[
    " The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", "\n\n", " It",
    " is", " a", " “test”", " of", " how", " fast", " we", " can", " parse", " \"quoted\"", " text", ",",
    " café", " naïve", " 東京", " 😀", " and", "\n", "-", " items", ":", " 42", "%", " done",
];

/// What a client must see when it reads a stream to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expected {
    /// Typed events (SSE events other than the `[DONE]` terminator).
    pub events: u64,
    /// Events carrying text (`response.output_text.delta`; chunks whose first choice has
    /// non-empty `delta.content`).
    pub deltas: u64,
    /// Total text bytes in those deltas.
    pub text_bytes: u64,
    /// FNV-1a of the text, in order.
    pub text_hash: u64,
    /// `usage.output_tokens` / `usage.completion_tokens` of the final event.
    pub output_tokens: u64,
}

pub fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= b as u64;
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    hash
}

pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A 16-character obfuscation pad of varying length, as OpenAI adds to deltas.
fn obfuscation(i: usize, len_hint: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let n = 16usize.saturating_sub(len_hint).max(1);
    (0..n)
        .map(|k| ALPHABET[(i * 7 + k * 13) % ALPHABET.len()] as char)
        .collect()
}

fn text(n: usize) -> (Vec<&'static str>, String) {
    let pieces: Vec<&str> = (0..n).map(|i| PIECES[(i * 7 + i / 5) % PIECES.len()]).collect();
    let full = pieces.concat();
    (pieces, full)
}

fn response_object(status: &str, output: &str, usage: &str) -> String {
    format!(
        r#"{{"id":"{RESPONSE_ID}","object":"response","created_at":{CREATED},"status":"{status}","background":false,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"max_tool_calls":null,"model":"{MODEL}","output":[{output}],"parallel_tool_calls":true,"previous_response_id":null,"prompt_cache_key":null,"reasoning":{{"effort":null,"summary":null}},"safety_identifier":null,"service_tier":"default","store":true,"temperature":1.0,"text":{{"format":{{"type":"text"}},"verbosity":"medium"}},"tool_choice":"auto","tools":[],"top_logprobs":0,"top_p":1.0,"truncation":"disabled","usage":{usage},"user":null,"metadata":{{}}}}"#
    )
}

fn sse(out: &mut Vec<Vec<u8>>, event: &str, data: &str) {
    out.push(format!("event: {event}\ndata: {data}\n\n").into_bytes());
}

/// A Responses API stream with `n` text deltas: its SSE events (one `Vec` each) and what a
/// client must count.
pub fn responses(n: usize) -> (Vec<Vec<u8>>, Expected) {
    let (pieces, full) = text(n);
    let mut out = Vec::with_capacity(n + 8);
    let mut seq = 0u64;
    let mut next = || {
        let s = seq;
        seq += 1;
        s
    };
    let in_progress = response_object("in_progress", "", "null");
    sse(
        &mut out,
        "response.created",
        &format!(
            r#"{{"type":"response.created","sequence_number":{},"response":{in_progress}}}"#,
            next()
        ),
    );
    sse(
        &mut out,
        "response.in_progress",
        &format!(
            r#"{{"type":"response.in_progress","sequence_number":{},"response":{in_progress}}}"#,
            next()
        ),
    );
    sse(
        &mut out,
        "response.output_item.added",
        &format!(
            r#"{{"type":"response.output_item.added","sequence_number":{},"output_index":0,"item":{{"id":"{ITEM_ID}","type":"message","status":"in_progress","content":[],"role":"assistant"}}}}"#,
            next()
        ),
    );
    sse(
        &mut out,
        "response.content_part.added",
        &format!(
            r#"{{"type":"response.content_part.added","sequence_number":{},"item_id":"{ITEM_ID}","output_index":0,"content_index":0,"part":{{"type":"output_text","annotations":[],"logprobs":[],"text":""}}}}"#,
            next()
        ),
    );
    let mut expected = Expected {
        text_hash: FNV_START,
        ..Expected::default()
    };
    for (i, piece) in pieces.iter().enumerate() {
        let mut data = String::with_capacity(256);
        write!(
            data,
            r#"{{"type":"response.output_text.delta","sequence_number":{},"item_id":"{ITEM_ID}","output_index":0,"content_index":0,"delta":{},"logprobs":[],"obfuscation":"{}"}}"#,
            next(),
            json_str(piece),
            obfuscation(i, piece.len())
        )
        .unwrap();
        sse(&mut out, "response.output_text.delta", &data);
        expected.deltas += 1;
        expected.text_bytes += piece.len() as u64;
        expected.text_hash = fnv(expected.text_hash, piece.as_bytes());
    }
    let full_json = json_str(&full);
    sse(
        &mut out,
        "response.output_text.done",
        &format!(
            r#"{{"type":"response.output_text.done","sequence_number":{},"item_id":"{ITEM_ID}","output_index":0,"content_index":0,"text":{full_json},"logprobs":[]}}"#,
            next()
        ),
    );
    let part = format!(r#"{{"type":"output_text","annotations":[],"logprobs":[],"text":{full_json}}}"#);
    sse(
        &mut out,
        "response.content_part.done",
        &format!(
            r#"{{"type":"response.content_part.done","sequence_number":{},"item_id":"{ITEM_ID}","output_index":0,"content_index":0,"part":{part}}}"#,
            next()
        ),
    );
    let item =
        format!(r#"{{"id":"{ITEM_ID}","type":"message","status":"completed","content":[{part}],"role":"assistant"}}"#);
    sse(
        &mut out,
        "response.output_item.done",
        &format!(
            r#"{{"type":"response.output_item.done","sequence_number":{},"output_index":0,"item":{item}}}"#,
            next()
        ),
    );
    let usage = format!(
        r#"{{"input_tokens":18,"input_tokens_details":{{"cached_tokens":0}},"output_tokens":{n},"output_tokens_details":{{"reasoning_tokens":0}},"total_tokens":{}}}"#,
        n + 18
    );
    let completed = response_object("completed", &item, &usage);
    sse(
        &mut out,
        "response.completed",
        &format!(
            r#"{{"type":"response.completed","sequence_number":{},"response":{completed}}}"#,
            next()
        ),
    );
    expected.events = out.len() as u64;
    expected.output_tokens = n as u64;
    (out, expected)
}

fn chunk(choices: &str, usage: &str, obfuscation: Option<&str>) -> String {
    let obf = obfuscation
        .map(|o| format!(r#","obfuscation":"{o}""#))
        .unwrap_or_default();
    format!(
        r#"{{"id":"{CHAT_ID}","object":"chat.completion.chunk","created":{CREATED},"model":"{MODEL}","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":[{choices}],"usage":{usage}{obf}}}"#
    )
}

/// A Chat Completions stream with `n` content chunks (after the role chunk), then the
/// `finish_reason` chunk, the usage chunk (`stream_options.include_usage`) and `[DONE]`.
pub fn chat(n: usize) -> (Vec<Vec<u8>>, Expected) {
    let (pieces, _) = text(n);
    let mut out = Vec::with_capacity(n + 4);
    let data = |s: String| format!("data: {s}\n\n").into_bytes();
    out.push(data(chunk(
        r#"{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}"#,
        "null",
        Some("Kx3"),
    )));
    let mut expected = Expected {
        text_hash: FNV_START,
        ..Expected::default()
    };
    for (i, piece) in pieces.iter().enumerate() {
        let choices = format!(
            r#"{{"index":0,"delta":{{"content":{}}},"logprobs":null,"finish_reason":null}}"#,
            json_str(piece)
        );
        out.push(data(chunk(&choices, "null", Some(&obfuscation(i, piece.len())))));
        expected.deltas += 1;
        expected.text_bytes += piece.len() as u64;
        expected.text_hash = fnv(expected.text_hash, piece.as_bytes());
    }
    out.push(data(chunk(
        r#"{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}"#,
        "null",
        Some("pQ"),
    )));
    let usage = format!(
        r#"{{"prompt_tokens":18,"completion_tokens":{n},"total_tokens":{},"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}}"#,
        n + 18
    );
    out.push(data(chunk("", &usage, Some("Zr8tW"))));
    expected.events = out.len() as u64;
    expected.output_tokens = n as u64;
    out.push(b"data: [DONE]\n\n".to_vec());
    (out, expected)
}

/// The events as one HTTP/1.1 chunked body, one HTTP chunk per event (as a server that
/// flushes each event writes it), then the last chunk.
pub fn chunked(events: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::with_capacity(events.iter().map(|e| e.len() + 10).sum::<usize>() + 5);
    for e in events {
        body.extend_from_slice(format!("{:x}\r\n", e.len()).as_bytes());
        body.extend_from_slice(e);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    body
}
