//! A JSON reader and writer for serde whose generic code is small.
//!
//! The generated operations read every response body and write every request
//! body through here rather than through `serde_json::from_slice` and
//! `serde_json::to_vec`. The JSON is the same: [`to_vec`] writes exactly the
//! bytes `serde_json::to_vec` writes, and [`from_slice`] accepts exactly what
//! `serde_json::from_slice` accepts and builds the same values (the tests
//! compare both on every input). What differs is where the work is done.
//! `serde_json`'s deserializer is one large generic function per visitor, with
//! the tokenizer inlined into it, and the model crates instantiate it for
//! several hundred visitor types; that was most of their compile time. Here
//! tokenizing, escaping and number formatting are ordinary functions compiled
//! once, and the generic parts only dispatch on a token.
//!
//! `serde_json` stays the JSON crate for everything else, including
//! [`Document`](crate::Document) values; users serialize the models with it as
//! usual.

mod direct;
mod read;
mod transcode;
mod write;

use std::fmt;

use serde::Serialize;

pub use direct::{coded, missing, read, union_value, write, Coded, Object, OpenObject, ReadJson, Slot, WriteJson};
pub use read::{from_slice, Reader};
pub use transcode::{deserialize, serialize};
pub use write::Writer;

/// Reads any JSON text into a `serde_json::Value`, with this module's reader.
///
/// Not generic on purpose: crates that only need a value (error bodies, credential
/// documents, unknown event payloads) call this one compiled copy instead of each
/// instantiating `serde_json`'s deserializer for `Value` again.
pub fn value_from_slice(input: &[u8]) -> Result<serde_json::Value, Error> {
    from_slice(input)
}

/// The deepest nesting of arrays and objects [`from_slice`] reads, as in `serde_json`.
pub const MAX_DEPTH: usize = 127;

/// Writes `value` as compact JSON text.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut writer = write::Writer::default();
    value.serialize(&mut writer)?;
    Ok(writer.into_bytes())
}

/// Why JSON could not be read or written.
///
/// Errors the reader makes itself never quote string values of the input (a
/// mistyped member may hold a secret); they say `string` instead.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    message: Box<str>,
    /// 1-based line and column of the input where reading stopped.
    position: Option<(usize, usize)>,
}

impl Error {
    fn new(message: impl fmt::Display) -> Self {
        Error {
            message: message.to_string().into_boxed_str(),
            position: None,
        }
    }

    /// What was wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line and column of the input where reading stopped, for errors in reading.
    pub fn position(&self) -> Option<(usize, usize)> {
        self.position
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{} at line {line} column {column}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json::Error({self})")
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::new(message)
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error::new(message)
    }
}

#[cfg(test)]
mod tests;
