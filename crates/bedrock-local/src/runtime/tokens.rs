//! The deterministic tokenizer every model family counts with.
//!
//! A token is either a maximal run of alphanumeric characters (any script) or one single
//! character that is neither alphanumeric nor whitespace. Whitespace is free. So
//! `"Hello, world!"` is four tokens: `Hello`, `,`, `world`, `!`.
//!
//! Binary inputs (images, video, audio, non-UTF-8 documents) have no text to split; they count
//! [`BINARY_BASE_TOKENS`] plus one token per [`BINARY_BYTES_PER_TOKEN`] bytes, rounded up. A
//! binary input that lives in S3 (no bytes in the request) counts the base alone.

use std::ops::Range;

/// Tokens every binary input counts before its size is considered.
pub const BINARY_BASE_TOKENS: u32 = 8;

/// Bytes of a binary input that make one token.
pub const BINARY_BYTES_PER_TOKEN: usize = 256;

/// The byte ranges of the tokens of `text`, in order.
pub fn token_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut word_start: Option<usize> = None;
    for (index, ch) in text.char_indices() {
        if ch.is_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(index);
            }
            continue;
        }
        if let Some(start) = word_start.take() {
            spans.push(start..index);
        }
        if !ch.is_whitespace() {
            spans.push(index..index + ch.len_utf8());
        }
    }
    if let Some(start) = word_start {
        spans.push(start..text.len());
    }
    spans
}

/// The number of tokens of `text`.
pub fn count_text(text: &str) -> u32 {
    saturate(token_spans(text).len())
}

/// The number of tokens of a binary input of `len` bytes.
pub fn count_binary(len: usize) -> u32 {
    BINARY_BASE_TOKENS.saturating_add(saturate(len.div_ceil(BINARY_BYTES_PER_TOKEN)))
}

/// The number of tokens of a byte document: its text when it is UTF-8, else its size.
pub fn count_bytes_document(bytes: &[u8]) -> u32 {
    match std::str::from_utf8(bytes) {
        Ok(text) => count_text(text),
        Err(_) => count_binary(bytes.len()),
    }
}

/// The number of tokens of a JSON value, counted over its compact serialization.
pub fn count_json(value: &serde_json::Value) -> u32 {
    count_text(&value.to_string())
}

/// The longest prefix of `text` holding at most `max_tokens` tokens, and whether anything was cut.
pub fn truncate(text: &str, max_tokens: u32) -> (&str, bool) {
    let spans = token_spans(text);
    let max = max_tokens as usize;
    if spans.len() <= max {
        return (text, false);
    }
    let end = if max == 0 { 0 } else { spans[max - 1].end };
    (&text[..end], true)
}

/// Splits `text` into pieces of `tokens_per_chunk` tokens each (at least one); whitespace stays
/// in front of the token it precedes, so the pieces concatenate back to `text`.
pub fn chunk_text(text: &str, tokens_per_chunk: u32) -> Vec<String> {
    let per_chunk = tokens_per_chunk.max(1) as usize;
    let spans = token_spans(text);
    if spans.is_empty() {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![text.to_owned()]
        };
    }
    let mut chunks = Vec::new();
    let mut start = 0;
    for group in spans.chunks(per_chunk) {
        let end = group.last().map_or(start, |span| span.end);
        chunks.push(text[start..end].to_owned());
        start = end;
    }
    if start < text.len() {
        // Trailing whitespace rides on the last piece.
        if let Some(last) = chunks.last_mut() {
            last.push_str(&text[start..]);
        }
    }
    chunks
}

/// Splits a string into pieces of at most `chars_per_piece` characters (at least one).
pub fn split_chars(text: &str, chars_per_piece: usize) -> Vec<String> {
    let per_piece = chars_per_piece.max(1);
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(per_piece).map(|piece| piece.iter().collect()).collect()
}

pub(crate) fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Converts a token count for a wire field that is an `i32`.
pub(crate) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_punctuation_are_tokens() {
        assert_eq!(count_text("Hello, world!"), 4);
        assert_eq!(count_text("  "), 0);
        assert_eq!(count_text(""), 0);
        assert_eq!(count_text("naïve café 42"), 3);
        assert_eq!(count_text("{\"a\":1}"), 7);
    }

    #[test]
    fn binary_counts_base_plus_size() {
        assert_eq!(count_binary(0), 8);
        assert_eq!(count_binary(1), 9);
        assert_eq!(count_binary(256), 9);
        assert_eq!(count_binary(257), 10);
        assert_eq!(count_bytes_document(b"one two"), 2);
        assert_eq!(count_bytes_document(&[0xff, 0xfe]), 9);
    }

    #[test]
    fn truncate_cuts_at_token_ends() {
        assert_eq!(truncate("one two three", 2), ("one two", true));
        assert_eq!(truncate("one two three", 3), ("one two three", false));
        assert_eq!(truncate("one two", 0), ("", true));
        assert_eq!(truncate("a, b", 2), ("a,", true));
    }

    #[test]
    fn chunks_concatenate_back() {
        let text = "The quick brown fox, jumps. ";
        let chunks = chunk_text(text, 2);
        assert_eq!(chunks, vec!["The quick", " brown fox", ", jumps", ". "]);
        assert_eq!(chunks.concat(), text);
        assert!(chunk_text("", 3).is_empty());
        assert_eq!(chunk_text("   ", 3), vec!["   "]);
        assert_eq!(split_chars("abcdé", 2), vec!["ab", "cd", "é"]);
    }
}
