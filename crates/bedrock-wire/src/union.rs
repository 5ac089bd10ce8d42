//! Forward-compatible unions.
//!
//! (Generated unions now read through `json::Reader::read_union` and their
//! serde impls go through `json::serialize` / `json::deserialize`; of this
//! module they use [`UnknownMember`].)
//!
//! A union is a JSON object with exactly one member set. Generated unions
//! implement [`UnionVariants`] and deserialize through [`deserialize`], which
//! skips `null` members and the `__type` marker some services add, and rejects
//! objects with no member or more than one. Members the generator did not know
//! about are kept as an [`UnknownMember`] so they survive a round trip.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Serialize;

use crate::structure::{expecting, Key};

/// Implemented by generated unions.
pub trait UnionVariants: Sized {
    /// The union's shape name, for error messages.
    const NAME: &'static str;

    /// Reads the value of member `key` from `map`; `Ok(None)` when the value is `null`.
    fn visit_member<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Result<Option<Self>, A::Error>;
}

/// A union member this version of the models does not know, kept as raw JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownMember {
    name: String,
    value: serde_json::Value,
}

impl UnknownMember {
    /// Reads the value of member `name`; `Ok(None)` when it is `null`.
    pub fn visit<'de, A: MapAccess<'de>>(name: &str, map: &mut A) -> Result<Option<Self>, A::Error> {
        let value: Option<serde_json::Value> = map.next_value()?;
        Ok(value.map(|value| UnknownMember {
            name: name.to_owned(),
            value,
        }))
    }

    /// A member named `name` with a raw JSON value.
    pub fn new(name: impl Into<String>, value: serde_json::Value) -> Self {
        UnknownMember {
            name: name.into(),
            value,
        }
    }

    /// The member's JSON name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The member's raw JSON value.
    pub fn value(&self) -> &serde_json::Value {
        &self.value
    }
}

impl Serialize for UnknownMember {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.name, &self.value)?;
        map.end()
    }
}

/// Deserializes a union `U` from a JSON object with exactly one non-null member.
pub fn deserialize<'de, U: UnionVariants, D: Deserializer<'de>>(deserializer: D) -> Result<U, D::Error> {
    struct UnionVisitor<U>(PhantomData<U>);
    impl<'de, U: UnionVariants> Visitor<'de> for UnionVisitor<U> {
        type Value = U;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            expecting(f, "union", U::NAME, "an object with exactly one member set")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<U, A::Error> {
            let mut found: Option<(U, Key<'de>)> = None;
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if key.as_str() == "__type" {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                if let Some(value) = U::visit_member(key.as_str(), &mut map)? {
                    if let Some((_, first)) = &found {
                        return Err(de::Error::custom(format_args!(
                            "union {} has more than one member set (`{}` and `{}`)",
                            U::NAME,
                            first.as_str(),
                            key.as_str()
                        )));
                    }
                    found = Some((value, key));
                }
            }
            found
                .map(|(value, _)| value)
                .ok_or_else(|| de::Error::custom(format_args!("union {} has no member set", U::NAME)))
        }
    }
    deserializer.deserialize_map(UnionVisitor(PhantomData))
}
