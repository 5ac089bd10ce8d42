//! Forward-compatible string enums.
//!
//! Generated enums carry an `Unknown(UnknownValue)` variant for values added to
//! the service after the models were generated, so a new value never fails a
//! response. [`UnknownValue`] can only be made by parsing, so a known value is
//! always its own variant.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// A string enum value the models do not know.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// For generated `From<&str>` impls only: call it with a value that is not a known variant.
    #[doc(hidden)]
    pub fn __from_unmatched(value: &str) -> Self {
        UnknownValue(value.to_owned())
    }

    /// The raw value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deserializes a string enum through its `From<&str>` impl without allocating for known values.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: for<'a> From<&'a str>,
    D: Deserializer<'de>,
{
    struct EnumVisitor<T>(PhantomData<T>);
    impl<T: for<'a> From<&'a str>> Visitor<'_> for EnumVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    deserializer.deserialize_str(EnumVisitor(PhantomData))
}
