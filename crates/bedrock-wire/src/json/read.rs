//! Reading: a tokenizer made of plain functions, and a thin `serde::Deserializer` over it.
//!
//! Every generic method below peeks at one byte or takes one token from the
//! [`Reader`] and hands it to the visitor; scanning strings, numbers and
//! whitespace happens in the `Reader`'s own (non-generic) methods.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::{Error, MAX_DEPTH};

/// Reads a value of `T` from JSON text, borrowing strings from `input` where `T` allows it.
pub fn from_slice<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, Error> {
    let mut reader = Reader::new(input);
    let value = match T::deserialize(&mut reader) {
        Ok(value) => value,
        Err(error) => return Err(reader.locate(error)),
    };
    reader.end()?;
    Ok(value)
}

/// The bytes that end a run of plain string text: `"`, `\` and the control characters.
static SPECIAL_IN_STRING: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// JSON text and how far it has been read.
///
/// A `serde::Deserializer` (through `&mut Reader`), and the reader that
/// generated [`ReadJson`](super::ReadJson) impls call directly.
pub struct Reader<'de> {
    input: &'de [u8],
    pos: usize,
    /// Arrays and objects open around the current position.
    depth: usize,
}

enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl Number {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Number::Unsigned(n) => visitor.visit_u64(n),
            Number::Signed(n) => visitor.visit_i64(n),
            Number::Float(n) => visitor.visit_f64(n),
        }
    }
}

/// One value's first token; for arrays and objects the bracket has been consumed.
enum Token<'de> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'de, str>),
    Array,
    Object,
}

impl<'de> Reader<'de> {
    pub(super) fn new(input: &'de [u8]) -> Self {
        Reader {
            input,
            pos: 0,
            depth: 0,
        }
    }

    /// Checks that nothing but whitespace follows the value read.
    pub(super) fn end(&mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// Consumes `bracket` (`[` or `{`), or fails naming what was `expected` instead.
    pub(super) fn expect_open(&mut self, bracket: u8, expected: &dyn Expected) -> Result<(), Error> {
        if self.peek_value()? == bracket {
            self.open()
        } else {
            Err(self.invalid_type(expected))
        }
    }

    /// Consumes `[`; the flag to pass to [`next_element`](Self::next_element).
    pub(super) fn open_array(&mut self, expected: &dyn Expected) -> Result<bool, Error> {
        self.expect_open(b'[', expected).map(|()| true)
    }

    fn error(&self, message: &str) -> Error {
        self.locate(Error::new(message))
    }

    /// Adds the current position to an error that has none (errors made by visitors).
    pub(super) fn locate(&self, mut error: Error) -> Error {
        if error.position.is_none() {
            let read = &self.input[..self.pos.min(self.input.len())];
            let line_start = read.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let line = 1 + read.iter().filter(|&&b| b == b'\n').count();
            error.position = Some((line, self.pos - line_start + 1));
        }
        error
    }

    /// Skips whitespace; the next byte, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&byte) = self.input.get(self.pos) {
            match byte {
                b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                _ => return Some(byte),
            }
        }
        None
    }

    /// The first byte of a value.
    pub(super) fn peek_value(&mut self) -> Result<u8, Error> {
        match self.peek() {
            Some(byte) => Ok(byte),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn next_token(&mut self) -> Result<Token<'de>, Error> {
        match self.peek_value()? {
            b'n' => self.literal(b"null").map(|()| Token::Null),
            b't' => self.literal(b"true").map(|()| Token::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Token::Bool(false)),
            b'"' => self.string().map(Token::String),
            b'-' | b'0'..=b'9' => self.number().map(Token::Number),
            b'[' => self.open().map(|()| Token::Array),
            b'{' => self.open().map(|()| Token::Object),
            _ => Err(self.error("expected value")),
        }
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else if word.starts_with(&self.input[self.pos..]) {
            self.pos = self.input.len();
            Err(self.error("EOF while parsing a value"))
        } else {
            Err(self.error("expected value"))
        }
    }

    /// Consumes `[` or `{`.
    fn open(&mut self) -> Result<(), Error> {
        if self.depth == MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Consumes the `]` or `}` that ends what [`open`](Self::open) opened.
    pub(super) fn close(&mut self, bracket: u8) -> Result<(), Error> {
        match self.peek() {
            Some(byte) if byte == bracket => {
                self.pos += 1;
                self.depth -= 1;
                Ok(())
            }
            Some(_) => Err(self.error("trailing characters")),
            None if bracket == b']' => Err(self.error("EOF while parsing a list")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    /// Moves to the next array element; `false` at the closing `]` (not consumed).
    pub(super) fn next_element(&mut self, first: &mut bool) -> Result<bool, Error> {
        let mut byte = match self.peek() {
            Some(byte) => byte,
            None => return Err(self.error("EOF while parsing a list")),
        };
        if byte == b']' {
            return Ok(false);
        }
        if !*first {
            if byte != b',' {
                return Err(self.error("expected `,` or `]`"));
            }
            self.pos += 1;
            byte = self.peek_value()?;
            if byte == b']' {
                return Err(self.error("trailing comma"));
            }
        }
        *first = false;
        Ok(true)
    }

    /// Moves to the next object member's name (the opening `"`, not consumed); `false` at the closing `}`.
    pub(super) fn next_member(&mut self, first: &mut bool) -> Result<bool, Error> {
        let mut byte = match self.peek() {
            Some(byte) => byte,
            None => return Err(self.error("EOF while parsing an object")),
        };
        if byte == b'}' {
            return Ok(false);
        }
        if !*first {
            if byte != b',' {
                return Err(self.error("expected `,` or `}`"));
            }
            self.pos += 1;
            byte = match self.peek() {
                Some(byte) => byte,
                None => return Err(self.error("EOF while parsing an object")),
            };
            if byte == b'}' {
                return Err(self.error("trailing comma"));
            }
        }
        if byte != b'"' {
            return Err(self.error("key must be a string"));
        }
        *first = false;
        Ok(true)
    }

    /// Consumes the `:` after a member name.
    pub(super) fn colon(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("expected `:`")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    /// Reads a string starting at its opening `"`; borrowed unless it has escapes.
    pub(super) fn string(&mut self) -> Result<Cow<'de, str>, Error> {
        self.pos += 1;
        let mut owned: Option<String> = None;
        let mut chunk_start = self.pos;
        loop {
            let Some(&byte) = self.input.get(self.pos) else {
                return Err(self.error("EOF while parsing a string"));
            };
            match byte {
                _ if !SPECIAL_IN_STRING[usize::from(byte)] => self.skip_plain_text(),
                b'"' => {
                    let chunk = self.utf8(chunk_start, self.pos)?;
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(chunk),
                        Some(mut text) => {
                            text.push_str(chunk);
                            Cow::Owned(text)
                        }
                    });
                }
                b'\\' => {
                    let chunk = self.utf8(chunk_start, self.pos)?;
                    let text = owned.get_or_insert_with(String::new);
                    text.push_str(chunk);
                    self.pos += 1;
                    let c = self.escape()?;
                    text.push(c);
                    chunk_start = self.pos;
                }
                _ => return Err(self.error("control character (\\u0000-\\u001F) found while parsing a string")),
            }
        }
    }

    /// Moves to the next byte of a string that needs a look (see [`SPECIAL_IN_STRING`]).
    fn skip_plain_text(&mut self) {
        // Eight bytes at a time while none of them is special, then byte by byte.
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGH != 0;
        let rest = &self.input[self.pos..];
        let mut skipped = 0;
        for chunk in rest.chunks_exact(8) {
            let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
            let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
            if below_space
                || has_zero_byte(word ^ (ONES * u64::from(b'"')))
                || has_zero_byte(word ^ (ONES * u64::from(b'\\')))
            {
                break;
            }
            skipped += 8;
        }
        self.pos += skipped
            + rest[skipped..]
                .iter()
                .position(|&b| SPECIAL_IN_STRING[usize::from(b)])
                .unwrap_or(rest.len() - skipped);
    }

    fn utf8(&mut self, start: usize, end: usize) -> Result<&'de str, Error> {
        let input: &'de [u8] = self.input;
        std::str::from_utf8(&input[start..end]).map_err(|e| {
            self.pos = start + e.valid_up_to();
            self.error("invalid unicode code point")
        })
    }

    /// Reads an escape after its `\`.
    fn escape(&mut self) -> Result<char, Error> {
        let Some(&byte) = self.input.get(self.pos) else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.pos += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.input[self.pos..].starts_with(b"\\u") {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in hex escape")),
                    _ => unit,
                };
                char::from_u32(code).expect("surrogates are excluded above")
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut value = 0;
        for _ in 0..4 {
            let Some(&byte) = self.input.get(self.pos) else {
                return Err(self.error("EOF while parsing a string"));
            };
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ => return Err(self.error("invalid escape")),
            };
            value = value * 16 + u32::from(digit);
            self.pos += 1;
        }
        Ok(value)
    }

    /// Skips a string without building it; like `serde_json`, ignored text is not checked for UTF-8.
    fn skip_string(&mut self) -> Result<(), Error> {
        self.pos += 1;
        loop {
            self.skip_plain_text();
            let Some(&byte) = self.input.get(self.pos) else {
                return Err(self.error("EOF while parsing a string"));
            };
            self.pos += 1;
            match byte {
                b'"' => return Ok(()),
                b'\\' => match self.input.get(self.pos) {
                    Some(b'u') => {
                        self.pos += 1;
                        self.hex4()?;
                    }
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
                    Some(_) => {
                        self.pos += 1;
                        return Err(self.error("invalid escape"));
                    }
                    None => return Err(self.error("EOF while parsing a string")),
                },
                _ => {
                    self.pos -= 1;
                    return Err(self.error("control character (\\u0000-\\u001F) found while parsing a string"));
                }
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.input.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Reads a number: integers as `u64` or `i64` when they fit, everything else as `f64`.
    fn number(&mut self) -> Result<Number, Error> {
        let start = self.pos;
        let negative = self.input[self.pos] == b'-';
        if negative {
            self.pos += 1;
        }
        match self.input.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.input.get(self.pos), Some(b'0'..=b'9')) {
                    return Err(self.error("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.error("invalid number")),
            None => return Err(self.error("EOF while parsing a value")),
        }
        let mut integer = true;
        if self.input.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.number_error());
            }
            integer = false;
        }
        if matches!(self.input.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.input.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.number_error());
            }
            integer = false;
        }
        let text = std::str::from_utf8(&self.input[start..self.pos]).expect("number text is ASCII");
        if integer {
            if let Ok(magnitude) = text.trim_start_matches('-').parse::<u64>() {
                // `-0` is a float, as in serde_json; so is anything below `i64::MIN`.
                return Ok(match (negative, magnitude) {
                    (false, _) => Number::Unsigned(magnitude),
                    (true, 0) => Number::Float(-0.0),
                    (true, m) if m <= 1 << 63 => Number::Signed((m as i64).wrapping_neg()),
                    (true, _) => Number::Float(-(magnitude as f64)),
                });
            }
        }
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Number::Float(value)),
            _ => Err(self.error("number out of range")),
        }
    }

    fn number_error(&self) -> Error {
        if self.pos >= self.input.len() {
            self.error("EOF while parsing a value")
        } else {
            self.error("invalid number")
        }
    }

    /// Skips one value of any kind, checking its syntax.
    ///
    /// Iterative, so any nesting is skipped without recursion; like `serde_json`,
    /// the depth limit applies to values that are read, not to skipped ones.
    pub(super) fn skip_value(&mut self) -> Result<(), Error> {
        // The closing bracket of every container around the current position.
        let mut closers: Vec<u8> = Vec::new();
        'value: loop {
            match self.peek_value()? {
                b'"' => self.skip_string()?,
                b'[' => {
                    self.pos += 1;
                    closers.push(b']');
                    if self.next_element(&mut true)? {
                        continue 'value;
                    }
                }
                b'{' => {
                    self.pos += 1;
                    closers.push(b'}');
                    if self.next_member(&mut true)? {
                        self.skip_string()?;
                        self.colon()?;
                        continue 'value;
                    }
                }
                _ => {
                    self.next_token()?;
                }
            }
            // A value ended: go to the next element of its container, or close the container.
            while let Some(&closer) = closers.last() {
                if closer == b']' {
                    if self.next_element(&mut false)? {
                        continue 'value;
                    }
                } else if self.next_member(&mut false)? {
                    self.skip_string()?;
                    self.colon()?;
                    continue 'value;
                }
                self.pos += 1;
                closers.pop();
            }
            return Ok(());
        }
    }

    /// The error for a value of the wrong kind; reads the value to describe it.
    pub(super) fn invalid_type(&mut self, expected: &dyn Expected) -> Error {
        let start = self.pos;
        let unexpected = match self.next_token() {
            Ok(Token::Null) => Unexpected::Unit,
            Ok(Token::Bool(b)) => Unexpected::Bool(b),
            Ok(Token::Number(Number::Unsigned(n))) => Unexpected::Unsigned(n),
            Ok(Token::Number(Number::Signed(n))) => Unexpected::Signed(n),
            Ok(Token::Number(Number::Float(n))) => Unexpected::Float(n),
            // Never the text itself: it may be a secret in the wrong member.
            Ok(Token::String(_)) => Unexpected::Other("string"),
            Ok(Token::Array) => Unexpected::Seq,
            Ok(Token::Object) => Unexpected::Map,
            Err(error) => return error,
        };
        self.pos = start;
        self.locate(de::Error::invalid_type(unexpected, expected))
    }

    fn array<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let value = visitor.visit_seq(Elements {
            reader: self,
            first: true,
        })?;
        self.close(b']')?;
        Ok(value)
    }

    fn object<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let value = visitor.visit_map(Members {
            reader: self,
            first: true,
        })?;
        self.close(b'}')?;
        Ok(value)
    }
}

fn visit_text<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> Result<V::Value, Error> {
    match text {
        Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
        Cow::Owned(text) => visitor.visit_string(text),
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.next_token()? {
            Token::Null => visitor.visit_unit(),
            Token::Bool(b) => visitor.visit_bool(b),
            Token::Number(n) => n.visit(visitor),
            Token::String(text) => visit_text(text, visitor),
            Token::Array => self.array(visitor),
            Token::Object => self.object(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b't' | b'f' => self.deserialize_any(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'-' | b'0'..=b'9' => self.number()?.visit(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'"' => visit_text(self.string()?, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'"' => match self.string()? {
                Cow::Borrowed(text) => visitor.visit_borrowed_bytes(text.as_bytes()),
                Cow::Owned(text) => visitor.visit_byte_buf(text.into_bytes()),
            },
            b'[' => self.deserialize_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek_value()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek_value()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_unit()
        } else {
            Err(self.invalid_type(&visitor))
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'[' => {
                self.open()?;
                self.array(visitor)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'{' => {
                self.open()?;
                self.object(visitor)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    /// Objects, and (as `serde_json` accepts for derived structs) arrays of the members in order.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    /// `"Variant"` for a unit variant, `{"Variant": value}` for the others.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_value()? {
            b'"' => visitor.visit_enum(de::value::CowStrDeserializer::<Error>::new(self.string()?)),
            b'{' => {
                self.open()?;
                if !self.next_member(&mut true)? {
                    return Err(self.error("expected an enum variant"));
                }
                let value = visitor.visit_enum(Variant { reader: self })?;
                self.close(b'}')?;
                Ok(value)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip_value()?;
        visitor.visit_unit()
    }
}

/// The elements of an array.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.reader.next_element(&mut self.first)? {
            seed.deserialize(&mut *self.reader).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// The members of an object.
struct Members<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Members<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if !self.reader.next_member(&mut self.first)? {
            return Ok(None);
        }
        let name = self.reader.string()?;
        self.reader.colon()?;
        seed.deserialize(MemberName(name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }
}

/// A member name as a deserializer: a string, borrowed from the input when it has no escapes.
///
/// As in `serde_json`, a key read as a number or a boolean is parsed from the name (`{"1": ...}`).
struct MemberName<'de>(Cow<'de, str>);

impl MemberName<'_> {
    fn number(&self) -> Result<Number, Error> {
        let mut reader = Reader {
            input: self.0.as_bytes(),
            pos: 0,
            depth: 0,
        };
        if let Some(b'-' | b'0'..=b'9') = reader.input.first() {
            let number = reader.number()?;
            if reader.pos == reader.input.len() {
                return Ok(number);
            }
        }
        Err(Error::new("invalid number in a member name"))
    }
}

impl<'de> de::Deserializer<'de> for MemberName<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visit_text(self.0, visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &*self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(de::Error::invalid_type(Unexpected::Other("string"), &visitor)),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.number()?.visit(visitor)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The variant of an enum written as `{"Variant": value}`.
struct Variant<'a, 'de> {
    reader: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name = self.reader.string()?;
        self.reader.colon()?;
        let variant = seed.deserialize(MemberName(name))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self.reader)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self.reader)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self.reader, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self.reader, visitor)
    }
}
