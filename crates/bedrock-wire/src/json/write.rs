//! Writing: a thin `serde::Serializer` over a byte buffer, producing `serde_json`'s compact output.
//!
//! Escaping and number formatting are plain methods of [`Writer`]; numbers go
//! through `serde_json`'s own formatter so that they are written digit for
//! digit as `serde_json` writes them.

use serde::ser::{self, Impossible, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

use super::Error;

/// The output buffer.
///
/// A `serde::Serializer` (through `&mut Writer`), and the writer that
/// generated [`WriteJson`](super::WriteJson) impls call directly.
pub struct Writer {
    out: Vec<u8>,
    /// The first error of a [`WriteJson`](super::WriteJson) impl; writing goes on, the result is discarded.
    pub(super) failed: Option<Error>,
}

impl Default for Writer {
    fn default() -> Self {
        // As serde_json's `to_vec` starts.
        Writer {
            out: Vec::with_capacity(128),
            failed: None,
        }
    }
}

/// How each byte is written inside a string: `0` as itself, `u` as `\u00XX`, anything else as
/// `\` and that character. What `serde_json` escapes: `"`, `\` and the control characters,
/// with the short forms JSON has.
static ESCAPE: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

impl Writer {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    pub(super) fn string(&mut self, text: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = text.as_bytes();
        self.out.reserve(bytes.len() + 2);
        self.out.push(b'"');
        let mut start = 0;
        for (i, &byte) in bytes.iter().enumerate() {
            let escape = ESCAPE[usize::from(byte)];
            if escape == 0 {
                continue;
            }
            self.out.extend_from_slice(&bytes[start..i]);
            match escape {
                b'u' => self.out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]),
                short => self.out.extend_from_slice(&[b'\\', short]),
            }
            start = i + 1;
        }
        self.out.extend_from_slice(&bytes[start..]);
        self.out.push(b'"');
    }

    pub(super) fn raw(&mut self, text: &[u8]) {
        self.out.extend_from_slice(text);
    }

    /// The `,` before every element or member but the first.
    pub(super) fn separator(&mut self, first: &mut bool) {
        if !std::mem::take(first) {
            self.out.push(b',');
        }
    }

    pub(super) fn member_name(&mut self, first: &mut bool, name: &str) {
        self.separator(first);
        self.string(name);
        self.out.push(b':');
    }

    fn i64(&mut self, value: i64) {
        // Writing to a `Vec` cannot fail.
        let _ = CompactFormatter.write_i64(&mut self.out, value);
    }

    fn u64(&mut self, value: u64) {
        let _ = CompactFormatter.write_u64(&mut self.out, value);
    }

    fn i128(&mut self, value: i128) {
        let _ = CompactFormatter.write_i128(&mut self.out, value);
    }

    fn u128(&mut self, value: u128) {
        let _ = CompactFormatter.write_u128(&mut self.out, value);
    }

    /// Non-finite floats are `null`, as `serde_json` writes them.
    fn f64(&mut self, value: f64) {
        if value.is_finite() {
            let _ = CompactFormatter.write_f64(&mut self.out, value);
        } else {
            self.raw(b"null");
        }
    }

    fn f32(&mut self, value: f32) {
        if value.is_finite() {
            let _ = CompactFormatter.write_f32(&mut self.out, value);
        } else {
            self.raw(b"null");
        }
    }

    fn compound(&mut self, open: &'static [u8], close: &'static [u8]) -> SerdeCompound<'_> {
        self.raw(open);
        SerdeCompound {
            writer: self,
            first: true,
            close,
        }
    }

    /// `{"variant":` with `open` after it; the compound's `close` ends both.
    fn variant_compound(&mut self, variant: &str, open: &'static [u8], close: &'static [u8]) -> SerdeCompound<'_> {
        self.out.push(b'{');
        self.string(variant);
        self.out.push(b':');
        self.compound(open, close)
    }
}

/// An array or object being written through serde.
pub struct SerdeCompound<'a> {
    writer: &'a mut Writer,
    first: bool,
    close: &'static [u8],
}

impl SerdeCompound<'_> {
    fn end(self) -> Result<(), Error> {
        self.writer.raw(self.close);
        Ok(())
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.writer.separator(&mut self.first);
        value.serialize(&mut *self.writer)
    }

    fn member<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        self.writer.member_name(&mut self.first, name);
        value.serialize(&mut *self.writer)
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SerdeCompound<'a>;
    type SerializeTuple = SerdeCompound<'a>;
    type SerializeTupleStruct = SerdeCompound<'a>;
    type SerializeTupleVariant = SerdeCompound<'a>;
    type SerializeMap = SerdeCompound<'a>;
    type SerializeStruct = SerdeCompound<'a>;
    type SerializeStructVariant = SerdeCompound<'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.raw(if value { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.i64(value.into());
        Ok(())
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.i64(value.into());
        Ok(())
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.i64(value.into());
        Ok(())
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.i64(value);
        Ok(())
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.i128(value);
        Ok(())
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.u64(value.into());
        Ok(())
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.u64(value.into());
        Ok(())
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.u64(value.into());
        Ok(())
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.u64(value);
        Ok(())
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.u128(value);
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        self.f32(value);
        Ok(())
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        self.f64(value);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.string(value);
        Ok(())
    }
    /// An array of numbers, as `serde_json` writes bytes.
    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        let mut array = self.compound(b"[", b"]");
        for byte in value {
            array.element(byte)?;
        }
        array.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.raw(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.raw(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.raw(b"null");
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut object = self.compound(b"{", b"}");
        object.member(variant, value)?;
        object.end()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.compound(b"[", b"]"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.compound(b"[", b"]"))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.compound(b"[", b"]"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.variant_compound(variant, b"[", b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.compound(b"{", b"}"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.compound(b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<SerdeCompound<'a>, Error> {
        Ok(self.variant_compound(variant, b"{", b"}}"))
    }
}

impl ser::SerializeSeq for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeTuple for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeTupleStruct for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeTupleVariant for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeMap for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.writer.separator(&mut self.first);
        key.serialize(MemberName(&mut *self.writer))?;
        self.writer.raw(b":");
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeStruct for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        self.member(name, value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

impl ser::SerializeStructVariant for SerdeCompound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), Error> {
        self.member(name, value)
    }
    fn end(self) -> Result<(), Error> {
        SerdeCompound::end(self)
    }
}

/// A map key: strings, and (quoted, as `serde_json` writes them) numbers, booleans and chars.
struct MemberName<'a>(&'a mut Writer);

impl MemberName<'_> {
    fn quoted(self, write: impl FnOnce(&mut Writer)) -> Result<(), Error> {
        self.0.raw(b"\"");
        write(self.0);
        self.0.raw(b"\"");
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    Error::new("key must be a string")
}

impl ser::Serializer for MemberName<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.0.string(value);
        Ok(())
    }
    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.0.string(value.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(|w| w.raw(if value { b"true" } else { b"false" }))
    }
    fn serialize_i8(self, value: i8) -> Result<(), Error> {
        self.quoted(|w| w.i64(value.into()))
    }
    fn serialize_i16(self, value: i16) -> Result<(), Error> {
        self.quoted(|w| w.i64(value.into()))
    }
    fn serialize_i32(self, value: i32) -> Result<(), Error> {
        self.quoted(|w| w.i64(value.into()))
    }
    fn serialize_i64(self, value: i64) -> Result<(), Error> {
        self.quoted(|w| w.i64(value))
    }
    fn serialize_i128(self, value: i128) -> Result<(), Error> {
        self.quoted(|w| w.i128(value))
    }
    fn serialize_u8(self, value: u8) -> Result<(), Error> {
        self.quoted(|w| w.u64(value.into()))
    }
    fn serialize_u16(self, value: u16) -> Result<(), Error> {
        self.quoted(|w| w.u64(value.into()))
    }
    fn serialize_u32(self, value: u32) -> Result<(), Error> {
        self.quoted(|w| w.u64(value.into()))
    }
    fn serialize_u64(self, value: u64) -> Result<(), Error> {
        self.quoted(|w| w.u64(value))
    }
    fn serialize_u128(self, value: u128) -> Result<(), Error> {
        self.quoted(|w| w.u128(value))
    }
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error::new("float key must be finite"));
        }
        self.quoted(|w| w.f32(value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(Error::new("float key must be finite"));
        }
        self.quoted(|w| w.f64(value))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}
