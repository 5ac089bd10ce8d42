//! The generated types' JSON: [`ReadJson`] and [`WriteJson`], written out per type.
//!
//! The generated operations read and write bodies through these two traits,
//! and the generated serde impls go through them too (see
//! [`serialize`](super::serialize)), so a model crate compiles one plain
//! function per type and direction and no serde code of its own.
//!
//! What keeps the per-type functions small: a structure's `read_json` only
//! lists its members (name, required or not) and one [`Slot`] per member, and
//! [`Reader::read_structure`] is the one loop that matches names, handles
//! `null`, checks required members and consumes the braces for every
//! structure. Unions go through [`Reader::read_union`] with one small closure,
//! and `Vec`/`HashMap` through the non-generic [`Reader::read_array`] and
//! [`Reader::read_map`]. The generic code left is one copy of the slot, list
//! and map impls per member type, shared by every structure with a member of
//! that type. Writing cannot fail in a way the caller could act on member by
//! member, so a [`WriteJson`] impl returns nothing and the [`Writer`] keeps
//! the first error (see [`write`]).
//!
//! The JSON is the same as through serde, byte for byte when writing and
//! value for value when reading (the model round-trip tests compare both
//! paths for every generated type), and so are the error messages.
//! Leaf values (strings, numbers, booleans, documents and the
//! [`codec`](crate::codec) forms) go through their serde impls on the same
//! reader and writer; those copies are compiled once, here or per codec.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Expected};
use serde::Serialize;

use super::read::Reader;
use super::write::Writer;
use super::Error;
use crate::codec::{Decode, Encode, Encoded};
use crate::union::UnknownMember;

/// A value the generated operations read from JSON text without going through serde.
pub trait ReadJson: Sized {
    /// Reads one value at the reader's position.
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error>;
}

/// A value the generated operations write as JSON text without going through serde.
pub trait WriteJson {
    /// Writes the value at the writer's position; a failure is kept by the writer ([`Writer::fail`]).
    fn write_json(&self, writer: &mut Writer);
}

/// Reads a `T` from JSON text; the whole input must be that one value.
pub fn read<T: ReadJson>(input: &[u8]) -> Result<T, Error> {
    let mut reader = Reader::new(input);
    let value = T::read_json(&mut reader);
    reader.finish(value)
}

/// Writes `value` as compact JSON text.
pub fn write<T: WriteJson + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut writer = Writer::default();
    value.write_json(&mut writer);
    writer.finish()
}

/// An object being read: pass it to [`Reader::next_key`] until that returns `None`.
pub struct Object {
    first: bool,
}

/// An object being written: pass it to [`Writer::member`] for each member.
pub struct OpenObject {
    first: bool,
}

/// What a reader expected, for error messages: the same words as the serde impls use.
enum Expecting {
    Structure(&'static str),
    Union(&'static str),
    Text(&'static str),
}

impl Expected for Expecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expecting::Structure(name) => crate::structure::expecting(f, "structure", name, "a JSON object"),
            Expecting::Union(name) => {
                crate::structure::expecting(f, "union", name, "an object with exactly one member set")
            }
            Expecting::Text(text) => f.write_str(text),
        }
    }
}

impl<'de> Reader<'de> {
    /// The end of [`read`]: the error located, or trailing text refused.
    fn finish<T>(&mut self, value: Result<T, Error>) -> Result<T, Error> {
        match value {
            Ok(value) => self.end().map(|()| value),
            Err(error) => Err(self.locate(error)),
        }
    }

    /// Opens the object of structure `name`.
    pub fn structure(&mut self, name: &'static str) -> Result<Object, Error> {
        self.open_object(&Expecting::Structure(name))
    }

    /// Opens the object of union `name`.
    pub fn union(&mut self, name: &'static str) -> Result<Object, Error> {
        self.open_object(&Expecting::Union(name))
    }

    fn open_object(&mut self, expected: &Expecting) -> Result<Object, Error> {
        self.expect_open(b'{', expected)?;
        Ok(Object { first: true })
    }

    /// The next member name of `object` (the reader is then at its value), or `None` at the
    /// closing `}`, which [`end_object`](Self::end_object) consumes.
    pub fn next_key(&mut self, object: &mut Object) -> Result<Option<Cow<'de, str>>, Error> {
        if !self.next_member(&mut object.first)? {
            return Ok(None);
        }
        let name = self.string()?;
        self.colon()?;
        Ok(Some(name))
    }

    /// Consumes the `}` of `object` once [`next_key`](Self::next_key) returned `None`.
    pub fn end_object(&mut self, object: Object) -> Result<(), Error> {
        let Object { first: _ } = object;
        self.close(b'}')
    }

    /// Reads the object of structure `name`: each member listed in `members` (its name, and
    /// whether it is required) into the slot at the same index of `slots`, others skipped.
    /// `null` leaves an optional member unset and is an error for a required one (as its
    /// type's reader reports it); a required member missing is an error, before the `}`.
    ///
    /// One loop for every structure: a generated `read_json` only lists its slots.
    pub fn read_structure(
        &mut self,
        name: &'static str,
        members: &[(&'static str, bool)],
        slots: &mut [&mut dyn Slot],
    ) -> Result<(), Error> {
        let mut object = self.structure(name)?;
        while let Some(key) = self.next_key(&mut object)? {
            let found = members
                .iter()
                .zip(slots.iter_mut())
                .find(|((member, _), _)| **member == key);
            match found {
                Some(((_, required), slot)) => {
                    let null = !*required && self.null()?;
                    slot.read(self, null)?;
                }
                None => self.skip_value()?,
            }
        }
        for ((member, required), slot) in members.iter().zip(slots.iter()) {
            if *required && !slot.is_set() {
                return Err(missing(member));
            }
        }
        self.end_object(object)
    }

    /// Reads the object of union `name`: `read` is called with the index in `names` of the
    /// member set (`names.len()` for a name not there), its name and the reader at its value.
    /// `null` members and the `__type` marker are skipped; no member set, or more than one,
    /// is an error.
    pub fn read_union(
        &mut self,
        name: &'static str,
        names: &[&str],
        read: &mut dyn FnMut(usize, &str, &mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut first = None;
        let mut object = self.union(name)?;
        while let Some((member, key)) = self.union_member(&mut object, names)? {
            if self.null()? {
                continue;
            }
            read(member, &key, self)?;
            self.union_set(name, &mut first, key)?;
        }
        if first.is_none() {
            return Err(union_unset(name));
        }
        self.end_object(object)
    }

    /// Reads an array, calling `item` with the reader at each element.
    pub fn read_array(&mut self, item: &mut dyn FnMut(&mut Self) -> Result<(), Error>) -> Result<(), Error> {
        let mut first = self.open_array(&Expecting::Text("a sequence"))?;
        while self.next_element(&mut first)? {
            item(self)?;
        }
        self.close(b']')
    }

    /// Reads a map, calling `entry` with each key and the reader at its value.
    pub fn read_map(&mut self, entry: &mut dyn FnMut(&str, &mut Self) -> Result<(), Error>) -> Result<(), Error> {
        let mut object = self.open_object(&Expecting::Text("a map"))?;
        while let Some(key) = self.next_key(&mut object)? {
            entry(&key, self)?;
        }
        self.end_object(object)
    }

    /// Reads a `T`.
    pub fn read<T: ReadJson>(&mut self) -> Result<T, Error> {
        T::read_json(self)
    }

    /// Reads a `T` in codec `F`'s form.
    pub fn decode<F, T: Decode<F>>(&mut self) -> Result<T, Error> {
        T::decode(self)
    }

    /// Reads a string enum through its `From<&str>`.
    pub fn string_enum<T: for<'a> From<&'a str>>(&mut self) -> Result<T, Error> {
        let text = self.text()?;
        Ok(T::from(&text))
    }

    /// A string, for string enums: anything else is an error expecting "a string".
    fn text(&mut self) -> Result<Cow<'de, str>, Error> {
        match self.peek_value()? {
            b'"' => self.string(),
            _ => Err(self.invalid_type(&Expecting::Text("a string"))),
        }
    }

    /// Skips the value of a member nobody reads.
    pub fn skip(&mut self) -> Result<(), Error> {
        self.skip_value()
    }

    /// Consumes a `null` if there is one.
    fn null(&mut self) -> Result<bool, Error> {
        if self.peek_value()? == b'n' {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The next member of a union's object: its index in `names` (`names.len()` for a name
    /// not there) and its name; the `__type` marker some services add is skipped.
    pub fn union_member(
        &mut self,
        object: &mut Object,
        names: &[&str],
    ) -> Result<Option<(usize, Cow<'de, str>)>, Error> {
        while let Some(key) = self.next_key(object)? {
            if key == "__type" {
                self.skip_value()?;
                continue;
            }
            let index = names.iter().position(|name| *name == key).unwrap_or(names.len());
            return Ok(Some((index, key)));
        }
        Ok(None)
    }

    /// Records that member `key` of union `union` was set; an error if one already was.
    pub fn union_set(
        &mut self,
        union: &'static str,
        first: &mut Option<Cow<'de, str>>,
        key: Cow<'de, str>,
    ) -> Result<(), Error> {
        if let Some(first) = first {
            return Err(<Error as serde::de::Error>::custom(format_args!(
                "union {union} has more than one member set (`{first}` and `{key}`)"
            )));
        }
        *first = Some(key);
        Ok(())
    }
}

/// A member's place while its structure is read (see [`Reader::read_structure`]).
pub trait Slot {
    /// Reads a value into the slot, or leaves it unset when the member was `null` (the
    /// `null` is consumed already).
    fn read(&mut self, reader: &mut Reader<'_>, null: bool) -> Result<(), Error>;
    /// Whether a value was read.
    fn is_set(&self) -> bool;
}

impl<T: ReadJson> Slot for Option<T> {
    fn read(&mut self, reader: &mut Reader<'_>, null: bool) -> Result<(), Error> {
        *self = if null { None } else { Some(T::read_json(reader)?) };
        Ok(())
    }

    fn is_set(&self) -> bool {
        self.is_some()
    }
}

/// The slot of a member in codec `F`'s form (see [`crate::codec`]); made by [`coded`].
pub struct Coded<'a, F, T>(&'a mut Option<T>, PhantomData<F>);

/// The slot of a member read in codec `F`'s form.
pub fn coded<F, T: Decode<F>>(slot: &mut Option<T>) -> Coded<'_, F, T> {
    Coded(slot, PhantomData)
}

impl<F, T: Decode<F>> Slot for Coded<'_, F, T> {
    fn read(&mut self, reader: &mut Reader<'_>, null: bool) -> Result<(), Error> {
        *self.0 = if null { None } else { Some(T::decode(reader)?) };
        Ok(())
    }

    fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

/// The value of a union once its members are read, or the error for a union with no member set.
pub fn union_value<U>(union: &'static str, value: Option<U>) -> Result<U, Error> {
    match value {
        Some(value) => Ok(value),
        None => Err(union_unset(union)),
    }
}

fn union_unset(union: &str) -> Error {
    <Error as serde::de::Error>::custom(format_args!("union {union} has no member set"))
}

/// The error for a required member that the object did not have.
pub fn missing(member: &'static str) -> Error {
    <Error as serde::de::Error>::missing_field(member)
}

impl Writer {
    /// The end of [`write`]: the text, or the first error a value reported.
    fn finish(self) -> Result<Vec<u8>, Error> {
        match self.failed {
            None => Ok(self.into_bytes()),
            Some(error) => Err(error),
        }
    }

    /// Keeps `error` if it is the first; the text written is then discarded.
    pub fn fail(&mut self, error: Error) {
        self.failed.get_or_insert(error);
    }

    /// Writes `{` and returns the object to pass to [`member`](Self::member).
    pub fn begin_object(&mut self) -> OpenObject {
        self.raw(b"{");
        OpenObject { first: true }
    }

    /// Writes a member name (and the `,` before it when needed); its value comes next.
    pub fn member(&mut self, object: &mut OpenObject, name: &str) {
        self.member_name(&mut object.first, name);
    }

    /// Writes member `name` with `value`.
    pub fn required<T: WriteJson + ?Sized>(&mut self, object: &mut OpenObject, name: &str, value: &T) {
        self.member_name(&mut object.first, name);
        value.write_json(self);
    }

    /// Writes member `name` if `value` is set; an unset member is left out.
    pub fn optional<T: WriteJson>(&mut self, object: &mut OpenObject, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.member_name(&mut object.first, name);
            value.write_json(self);
        }
    }

    /// Writes member `name` with `value` in codec `F`'s form (see [`crate::codec`]).
    pub fn encode_required<F, T: Encode<F> + ?Sized>(&mut self, object: &mut OpenObject, name: &str, value: &T) {
        self.member_name(&mut object.first, name);
        self.encode::<F, T>(value);
    }

    /// Writes member `name` in codec `F`'s form if `value` is set.
    pub fn encode_optional<F, T: Encode<F>>(&mut self, object: &mut OpenObject, name: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.member_name(&mut object.first, name);
            self.encode::<F, T>(value);
        }
    }

    /// Writes `}`.
    pub fn end_object(&mut self, _object: OpenObject) {
        self.raw(b"}");
    }

    /// Writes `value` in codec `F`'s form.
    pub fn encode<F, T: Encode<F> + ?Sized>(&mut self, value: &T) {
        self.serialize(&Encoded::<F, T>::new(value));
    }

    /// Writes a value through its serde impl.
    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        if let Err(error) = value.serialize(&mut *self) {
            self.fail(error);
        }
    }

    /// Writes a string.
    pub fn text(&mut self, text: &str) {
        self.string(text);
    }
}

// Leaves: through their serde impls, compiled once here.
macro_rules! through_serde {
    ($($t:ty),*) => {$(
        impl ReadJson for $t {
            fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
                Self::deserialize(reader)
            }
        }
        impl WriteJson for $t {
            fn write_json(&self, writer: &mut Writer) {
                writer.serialize(self);
            }
        }
    )*};
}

through_serde!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, serde_json::Value);

impl ReadJson for String {
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
        Self::deserialize(reader)
    }
}

impl WriteJson for String {
    fn write_json(&self, writer: &mut Writer) {
        writer.string(self);
    }
}

impl WriteJson for str {
    fn write_json(&self, writer: &mut Writer) {
        writer.string(self);
    }
}

impl<T: ReadJson> ReadJson for Option<T> {
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
        if reader.null()? {
            Ok(None)
        } else {
            T::read_json(reader).map(Some)
        }
    }
}

impl<T: WriteJson> WriteJson for Option<T> {
    fn write_json(&self, writer: &mut Writer) {
        match self {
            Some(value) => value.write_json(writer),
            None => writer.raw(b"null"),
        }
    }
}

impl<T: ReadJson> ReadJson for Box<T> {
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
        T::read_json(reader).map(Box::new)
    }
}

impl<T: WriteJson + ?Sized> WriteJson for Box<T> {
    fn write_json(&self, writer: &mut Writer) {
        (**self).write_json(writer);
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, writer: &mut Writer) {
        (**self).write_json(writer);
    }
}

impl<T: ReadJson> ReadJson for Vec<T> {
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
        let mut items = Vec::new();
        reader.read_array(&mut |reader| {
            items.push(T::read_json(reader)?);
            Ok(())
        })?;
        Ok(items)
    }
}

impl<T: WriteJson> WriteJson for Vec<T> {
    fn write_json(&self, writer: &mut Writer) {
        writer.raw(b"[");
        let mut first = true;
        for item in self {
            writer.separator(&mut first);
            item.write_json(writer);
        }
        writer.raw(b"]");
    }
}

impl<T: ReadJson> ReadJson for HashMap<String, T> {
    fn read_json(reader: &mut Reader<'_>) -> Result<Self, Error> {
        let mut map = HashMap::new();
        reader.read_map(&mut |key, reader| {
            map.insert(key.to_owned(), T::read_json(reader)?);
            Ok(())
        })?;
        Ok(map)
    }
}

impl<T: WriteJson> WriteJson for HashMap<String, T> {
    fn write_json(&self, writer: &mut Writer) {
        let mut object = writer.begin_object();
        for (key, value) in self {
            writer.required(&mut object, key, value);
        }
        writer.end_object(object);
    }
}

impl UnknownMember {
    /// Reads the value (not `null`, see [`Reader::read_union`]) of member `name` of a union.
    pub fn read_value(name: &str, reader: &mut Reader<'_>) -> Result<Self, Error> {
        let value: serde_json::Value = reader.read()?;
        Ok(UnknownMember::new(name, value))
    }
}

impl WriteJson for UnknownMember {
    fn write_json(&self, writer: &mut Writer) {
        writer.serialize(self);
    }
}
