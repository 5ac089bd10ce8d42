//! Structures: serde glue for structure types.
//!
//! (Generated structures no longer use it: since decision 0008, addendum 2,
//! their serde impls go through `json::serialize` / `json::deserialize`. It
//! stays as a documented, tested helper; `expecting` is still used.)
//!
//! Generated structures do not use `#[derive(Deserialize)]`. The derive
//! emits, per structure, a field-identifier enum with its own visitor, a
//! sequence visitor and a map visitor, and every one of them is compiled again
//! for each deserializer. A generated structure instead implements
//! [`Structure`]: one `visit_members` loop that matches member names as
//! strings, read through the one shared [`Key`] type. The JSON accepted is the
//! same (unknown members ignored, `null` for an optional member read as unset,
//! a missing required member an error naming it); the code is a fraction of
//! the size, which is most of the models' compile time.
//!
//! A member that appears twice keeps its last value, as the AWS SDKs' JSON
//! parsers do.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

/// Implemented by generated structures; their `Deserialize` impl calls [`deserialize`].
pub trait Structure: Sized {
    /// The shape name, for error messages.
    const NAME: &'static str;

    /// Reads the members of one JSON object from `map`.
    fn visit_members<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Deserializes structure `T` from a JSON object.
pub fn deserialize<'de, T: Structure, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct StructureVisitor<T>(PhantomData<T>);
    impl<'de, T: Structure> Visitor<'de> for StructureVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            expecting(f, "structure", T::NAME, "a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::visit_members(map)
        }
    }
    deserializer.deserialize_map(StructureVisitor(PhantomData))
}

/// What a visitor expected, written once rather than formatted in every generic copy.
#[inline(never)]
pub(crate) fn expecting(f: &mut fmt::Formatter<'_>, kind: &str, name: &str, what: &str) -> fmt::Result {
    write!(f, "{kind} {name} ({what})")
}

/// A member name, borrowed from the input when it can be.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The member name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads and drops the value of a member the structure does not know.
pub fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// The error for a required member that the object did not have.
pub fn missing<E: de::Error>(member: &'static str) -> E {
    E::missing_field(member)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Sample {
        name: String,
        count: Option<i32>,
    }

    impl Structure for Sample {
        const NAME: &'static str = "Sample";
        fn visit_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut name = None;
            let mut count = None;
            while let Some(key) = map.next_key::<Key<'de>>()? {
                match key.as_str() {
                    "name" => name = Some(map.next_value()?),
                    "count" => count = map.next_value()?,
                    _ => skip_value(&mut map)?,
                }
            }
            Ok(Sample {
                name: name.ok_or_else(|| missing::<A::Error>("name"))?,
                count,
            })
        }
    }

    impl<'de> Deserialize<'de> for Sample {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    #[test]
    fn reads_members_skips_unknown_and_keeps_the_last_duplicate() {
        let sample: Sample =
            serde_json::from_str(r#"{"x":{"deep":[1,2]},"name":"a","count":null,"name":"b"}"#).unwrap();
        assert_eq!(
            sample,
            Sample {
                name: "b".into(),
                count: None
            }
        );
        // An escaped key is not borrowed, and still matches.
        let sample: Sample = serde_json::from_str(r#"{"n\u0061me":"c","count":3}"#).unwrap();
        assert_eq!(
            sample,
            Sample {
                name: "c".into(),
                count: Some(3)
            }
        );
        // Any self-describing deserializer works, not only JSON text.
        let sample: Sample = serde_json::from_value(serde_json::json!({"name": "d"})).unwrap();
        assert_eq!(sample.name, "d");
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        let err = serde_json::from_str::<Sample>(r#"{"count":1}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        let err = serde_json::from_str::<Sample>(r#"["a",1]"#).unwrap_err();
        assert!(err.to_string().contains("structure Sample"), "{err}");
        let err = serde_json::from_str::<Sample>(r#"{"name":7}"#).unwrap_err();
        assert!(err.to_string().contains("invalid type: integer `7`"), "{err}");
    }
}
