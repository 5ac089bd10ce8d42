//! restJson1 HTTP bindings: URI labels, query strings and header values.

use std::fmt;

pub use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use http::HeaderValue;

use crate::error::{BuildError, MalformedResponse};
use crate::json;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn percent_encode_into(out: &mut String, value: &str, keep_slash: bool) {
    for &byte in value.as_bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        }
    }
}

/// Appends a URI label value, percent-encoding everything but unreserved characters.
///
/// A greedy label (`{key+}`) keeps `/` so the value spans path segments; any
/// other label encodes it, so an ARN such as `arn:aws:bedrock:us-east-1::foundation-model/x`
/// stays one segment.
///
/// ```
/// let mut path = String::from("/model/");
/// bedrock_wire::http::push_label(&mut path, "arn:aws:bedrock:us-east-1::foundation-model/m", false);
/// assert_eq!(path, "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fm");
/// ```
pub fn push_label(out: &mut String, value: &str, greedy: bool) {
    percent_encode_into(out, value, greedy);
}

/// Builds a query string, percent-encoding keys and values.
#[derive(Debug)]
pub struct QueryWriter {
    uri: String,
    has_query: bool,
}

impl QueryWriter {
    /// Starts from a path that may already carry constant query parameters.
    pub fn new(path_and_query: String) -> Self {
        let has_query = path_and_query.contains('?');
        QueryWriter {
            uri: path_and_query,
            has_query,
        }
    }

    fn separator(&mut self) {
        self.uri.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
    }

    /// Adds `key=value`.
    pub fn push(&mut self, key: &str, value: &str) {
        self.separator();
        percent_encode_into(&mut self.uri, key, false);
        self.uri.push('=');
        percent_encode_into(&mut self.uri, value, false);
    }

    /// Whether `key` is already present (bound members take precedence over map members).
    pub fn contains_key(&self, key: &str) -> bool {
        let Some((_, query)) = self.uri.split_once('?') else {
            return false;
        };
        let mut encoded = String::new();
        percent_encode_into(&mut encoded, key, false);
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(encoded.as_str()))
    }

    /// The finished path and query.
    pub fn finish(self) -> String {
        self.uri
    }
}

/// Formats a timestamp for a label, query parameter or header.
pub fn fmt_timestamp(value: &DateTime, format: Format) -> Result<String, BuildError> {
    value.fmt(format).map_err(|e| BuildError::serialize("a timestamp", e))
}

/// Formats a float the way restJson1 writes it outside JSON (`NaN`, `Infinity`, `-Infinity` for
/// non-finite values), with the shortest text that reads back as the same `f32` or `f64`.
pub fn fmt_float<F: Into<f64> + fmt::Display + Copy>(value: F) -> String {
    let wide: f64 = value.into();
    if wide.is_nan() {
        "NaN".to_owned()
    } else if wide.is_infinite() {
        if wide > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        value.to_string()
    }
}

/// Joins list items into one header value, quoting items that contain `,` or `"`.
pub fn fmt_header_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if item.contains([',', '"']) {
            out.push('"');
            out.push_str(&item.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        } else {
            out.push_str(item);
        }
    }
    out
}

/// Encodes a JSON value carried in a header (`mediaType` strings and documents): base64 of its text.
pub fn fmt_base64_header(text: &str) -> String {
    aws_smithy_types::base64::encode(text.as_bytes())
}

/// Makes a header value, naming `member` on failure.
pub fn header_value(member: &'static str, value: &str) -> Result<HeaderValue, BuildError> {
    HeaderValue::from_str(value).map_err(|_| BuildError::invalid_header(member))
}

/// Reads a header as UTF-8 text.
pub fn header_str<'a>(name: &str, value: &'a HeaderValue) -> Result<&'a str, MalformedResponse> {
    value
        .to_str()
        .map_err(|e| MalformedResponse::new(format!("header `{name}` is not visible ASCII"), e))
}

/// Parses a scalar header (integers, booleans).
pub fn parse_header<T>(name: &str, value: &str) -> Result<T, MalformedResponse>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    value
        .trim()
        .parse()
        .map_err(|e| MalformedResponse::new(format!("header `{name}` value `{value}`"), e))
}

/// Parses a float header, accepting `NaN`, `Infinity` and `-Infinity`.
pub fn parse_float_header(name: &str, value: &str) -> Result<f64, MalformedResponse> {
    match value.trim() {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        other => parse_header(name, other),
    }
}

/// Parses a timestamp header in `format`.
pub fn parse_timestamp_header(name: &str, value: &str, format: Format) -> Result<DateTime, MalformedResponse> {
    let format = if format == Format::DateTime {
        Format::DateTimeWithOffset
    } else {
        format
    };
    DateTime::from_str(value.trim(), format)
        .map_err(|e| MalformedResponse::new(format!("header `{name}` value `{value}`"), e))
}

/// Decodes a base64 header holding text (a `mediaType` string or a JSON document).
pub fn parse_base64_header(name: &str, value: &str) -> Result<String, MalformedResponse> {
    let bytes = aws_smithy_types::base64::decode(value.trim())
        .map_err(|e| MalformedResponse::new(format!("header `{name}` is not base64"), e))?;
    String::from_utf8(bytes).map_err(|e| MalformedResponse::new(format!("header `{name}` is not UTF-8"), e))
}

/// Splits a list header into items, honouring double-quoted items.
///
/// HTTP-date timestamps contain a comma of their own, so timestamp lists in
/// that format split on every second comma instead (`http_dates`).
pub fn split_header_list(name: &str, value: &str, http_dates: bool) -> Result<Vec<String>, MalformedResponse> {
    if http_dates {
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        if !parts.len().is_multiple_of(2) {
            return Err(MalformedResponse::message(format!(
                "header `{name}` is not a list of HTTP dates: `{value}`"
            )));
        }
        return Ok(parts
            .chunks(2)
            .map(|pair| format!("{}, {}", pair[0], pair[1]))
            .collect());
    }
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => item.push(c),
                }
            }
            if !closed {
                return Err(MalformedResponse::message(format!(
                    "header `{name}` has an unterminated quote"
                )));
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            match chars.next() {
                None | Some(',') => {}
                Some(_) => {
                    return Err(MalformedResponse::message(format!(
                        "header `{name}` has text after a quoted item"
                    )))
                }
            }
            items.push(item);
        } else {
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
                item.push(c);
            }
            items.push(item.trim().to_owned());
        }
        if chars.peek().is_none() {
            break;
        }
    }
    Ok(items)
}

/// Reads a JSON body; an empty body reads as `{}`.
pub fn parse_json_body<T: json::ReadJson>(body: &[u8]) -> Result<T, MalformedResponse> {
    json::read(or_empty_object(body)).map_err(malformed_body)
}

/// Reads a JSON payload member; `None` for an empty body.
pub fn parse_json_payload<T: json::ReadJson>(body: &[u8]) -> Result<Option<T>, MalformedResponse> {
    if is_blank(body) {
        return Ok(None);
    }
    json::read(body).map(Some).map_err(malformed_payload)
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// `{}` for a blank body, else the body.
pub(crate) fn or_empty_object(body: &[u8]) -> &[u8] {
    if is_blank(body) {
        b"{}"
    } else {
        body
    }
}

// Named functions rather than closures, so that each `T` does not get its own copy.
fn malformed_body(error: json::Error) -> MalformedResponse {
    MalformedResponse::new("JSON body", error)
}

fn malformed_payload(error: json::Error) -> MalformedResponse {
    MalformedResponse::new("JSON payload", error)
}

/// Reads a text payload member; `None` for an empty body.
pub fn parse_text_payload(body: &[u8]) -> Result<Option<String>, MalformedResponse> {
    if body.is_empty() {
        return Ok(None);
    }
    String::from_utf8(body.to_vec())
        .map(Some)
        .map_err(|e| MalformedResponse::new("text payload", e))
}

/// Writes a JSON body.
pub fn json_body<T: json::WriteJson + ?Sized>(value: &T) -> Result<bytes::Bytes, BuildError> {
    json::write(value).map(bytes::Bytes::from).map_err(unwritable_body)
}

fn unwritable_body(error: json::Error) -> BuildError {
    BuildError::serialize("the JSON body", error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_queries_are_encoded() {
        let mut path = String::from("/a/");
        push_label(&mut path, "x y/z", true);
        assert_eq!(path, "/a/x%20y/z");
        let mut q = QueryWriter::new("/p?const=1".into());
        q.push("k", "a&b=c");
        assert!(q.contains_key("k"));
        assert!(!q.contains_key("missing"));
        assert_eq!(q.finish(), "/p?const=1&k=a%26b%3Dc");
    }

    #[test]
    fn header_lists_round_trip() {
        let value = fmt_header_list(["a", "b,c", "d\"e"]);
        assert_eq!(value, r#"a, "b,c", "d\"e""#);
        assert_eq!(split_header_list("x", &value, false).unwrap(), vec!["a", "b,c", "d\"e"]);
        assert_eq!(
            split_header_list(
                "x",
                "Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 23:48:18 GMT",
                true
            )
            .unwrap(),
            vec!["Mon, 16 Dec 2019 23:48:18 GMT", "Tue, 17 Dec 2019 23:48:18 GMT"]
        );
        assert!(split_header_list("x", "\"open", false).is_err());
    }

    #[test]
    fn floats_use_protocol_names() {
        assert_eq!(fmt_float(f64::NAN), "NaN");
        assert_eq!(fmt_float(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(fmt_float(1.5), "1.5");
        assert!(parse_float_header("x", "Infinity").unwrap().is_infinite());
    }
}
