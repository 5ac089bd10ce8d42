//! Serde codecs for values whose wire form differs from serde's default.
//!
//! Each codec is a marker type ([`EpochSeconds`], [`Rfc3339`], [`HttpDate`],
//! [`Base64`], [`Float`]) and a module of the same name in snake case that
//! works with `#[serde(with = "...")]`. The modules accept the value itself
//! and any nesting of `Option`, `Vec` and `HashMap<String, _>` around it, so the
//! generator can use one attribute whatever the member's container.
//!
//! ```
//! use aws_smithy_types::DateTime;
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Event {
//!     #[serde(with = "bedrock_wire::codec::epoch_seconds")]
//!     at: Option<DateTime>,
//! }
//! let json = serde_json::to_string(&Event { at: Some(DateTime::from_secs(1)) })?;
//! assert_eq!(json, r#"{"at":1}"#);
//! assert_eq!(serde_json::from_str::<Event>(&json)?.at, Some(DateTime::from_secs(1)));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::{Blob, DateTime};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// A value that can be written in codec `F`'s form.
pub trait Encode<F> {
    /// Writes the value in the codec's form.
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// A value that can be read in codec `F`'s form.
pub trait Decode<F>: Sized {
    /// Reads a value in the codec's form.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Both directions.
pub trait Codec<F>: Encode<F> + Decode<F> {}
impl<F, T: Encode<F> + Decode<F>> Codec<F> for T {}

impl<F, T: Encode<F> + ?Sized> Encode<F> for &T {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).encode(serializer)
    }
}

/// Timestamps as seconds since the Unix epoch, a JSON number that may have a fraction.
pub enum EpochSeconds {}
/// Timestamps as RFC 3339 date-time strings (`2019-12-16T23:48:18Z`).
pub enum Rfc3339 {}
/// Timestamps as IMF-fixdate strings (`Mon, 16 Dec 2019 23:48:18 GMT`).
pub enum HttpDate {}
/// Blobs as base64 strings.
pub enum Base64 {}
/// Floats as JSON numbers, and `NaN`, `Infinity`, `-Infinity` as strings.
pub enum Float {}

/// Borrows a value so that it serializes in codec `F`'s form.
pub struct Encoded<'a, F, T: ?Sized>(&'a T, PhantomData<F>);

impl<'a, F, T: ?Sized> Encoded<'a, F, T> {
    /// Wraps `value`.
    pub fn new(value: &'a T) -> Self {
        Encoded(value, PhantomData)
    }
}

impl<F, T: Encode<F> + ?Sized> Serialize for Encoded<'_, F, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.encode(serializer)
    }
}

/// Holds a value read in codec `F`'s form.
pub struct Decoded<F, T>(pub T, PhantomData<F>);

impl<'de, F, T: Decode<F>> Deserialize<'de> for Decoded<F, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::decode(deserializer).map(|value| Decoded(value, PhantomData))
    }
}

impl<F, T: Encode<F>> Encode<F> for Option<T> {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => value.encode(serializer),
            None => serializer.serialize_none(),
        }
    }
}

impl<F, T: Decode<F>> Decode<F> for Option<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<Decoded<F, T>>::deserialize(deserializer)?.map(|d| d.0))
    }
}

impl<F, T: Encode<F>> Encode<F> for Box<T> {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).encode(serializer)
    }
}

impl<F, T: Decode<F>> Decode<F> for Box<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::decode(deserializer).map(Box::new)
    }
}

impl<F, T: Encode<F>> Encode<F> for Vec<T> {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for item in self {
            seq.serialize_element(&Encoded::<F, T>::new(item))?;
        }
        seq.end()
    }
}

impl<F, T: Decode<F>> Decode<F> for Vec<T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<F, T>(PhantomData<(F, T)>);
        impl<'de, F, T: Decode<F>> Visitor<'de> for ListVisitor<F, T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(Decoded(item, _)) = seq.next_element::<Decoded<F, T>>()? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(ListVisitor(PhantomData))
    }
}

impl<F, T: Encode<F>> Encode<F> for HashMap<String, T> {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, &Encoded::<F, T>::new(value))?;
        }
        map.end()
    }
}

impl<F, T: Decode<F>> Decode<F> for HashMap<String, T> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<F, T>(PhantomData<(F, T)>);
        impl<'de, F, T: Decode<F>> Visitor<'de> for MapVisitor<F, T> {
            type Value = HashMap<String, T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = HashMap::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some((key, Decoded(value, _))) = map.next_entry::<String, Decoded<F, T>>()? {
                    out.insert(key, value);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl Encode<EpochSeconds> for DateTime {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.has_subsec_nanos() {
            serializer.serialize_f64(self.as_secs_f64())
        } else {
            serializer.serialize_i64(self.secs())
        }
    }
}

impl Decode<EpochSeconds> for DateTime {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EpochVisitor;
        impl Visitor<'_> for EpochVisitor {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp in seconds since the Unix epoch")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateTime, E> {
                Ok(DateTime::from_secs(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateTime, E> {
                i64::try_from(v)
                    .map(DateTime::from_secs)
                    .map_err(|_| E::custom(format_args!("timestamp {v} is out of range")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DateTime, E> {
                if !v.is_finite() || v.abs() > i64::MAX as f64 {
                    return Err(E::custom("timestamp is not a finite number of seconds"));
                }
                // Round (not truncate) to whole nanoseconds so `1.001` stays 1.001 s.
                let mut secs = v.floor() as i64;
                let mut nanos = ((v - v.floor()) * 1e9).round() as u32;
                if nanos >= 1_000_000_000 {
                    secs += 1;
                    nanos -= 1_000_000_000;
                }
                Ok(DateTime::from_secs_and_nanos(secs, nanos))
            }
        }
        deserializer.deserialize_any(EpochVisitor)
    }
}

fn decode_formatted<'de, D: Deserializer<'de>>(deserializer: D, format: Format) -> Result<DateTime, D::Error> {
    struct StrVisitor(Format);
    impl Visitor<'_> for StrVisitor {
        type Value = DateTime;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a timestamp string in {:?} format", self.0)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
            DateTime::from_str(v, self.0).map_err(|e| E::custom(format_args!("invalid timestamp `{v}`: {e}")))
        }
    }
    deserializer.deserialize_str(StrVisitor(format))
}

fn encode_formatted<S: Serializer>(value: &DateTime, serializer: S, format: Format) -> Result<S::Ok, S::Error> {
    let text = value.fmt(format).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

impl Encode<Rfc3339> for DateTime {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        encode_formatted(self, serializer, Format::DateTime)
    }
}

impl Decode<Rfc3339> for DateTime {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode_formatted(deserializer, Format::DateTimeWithOffset)
    }
}

impl Encode<HttpDate> for DateTime {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        encode_formatted(self, serializer, Format::HttpDate)
    }
}

impl Decode<HttpDate> for DateTime {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode_formatted(deserializer, Format::HttpDate)
    }
}

impl Encode<Base64> for Blob {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&aws_smithy_types::base64::encode(self.as_ref()))
    }
}

impl Decode<Base64> for Blob {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64Visitor;
        impl Visitor<'_> for Base64Visitor {
            type Value = Blob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Blob, E> {
                aws_smithy_types::base64::decode(v)
                    .map(Blob::new)
                    .map_err(|e| E::custom(format_args!("invalid base64: {e}")))
            }
        }
        deserializer.deserialize_str(Base64Visitor)
    }
}

struct FloatVisitor;
impl Visitor<'_> for FloatVisitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, or one of \"NaN\", \"Infinity\", \"-Infinity\"")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }
}

fn non_finite_name(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

impl Encode<Float> for f64 {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_finite() {
            serializer.serialize_f64(*self)
        } else {
            serializer.serialize_str(non_finite_name(*self))
        }
    }
}

impl Decode<Float> for f64 {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FloatVisitor)
    }
}

impl Encode<Float> for f32 {
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_finite() {
            serializer.serialize_f32(*self)
        } else {
            serializer.serialize_str(non_finite_name(f64::from(*self)))
        }
    }
}

impl Decode<Float> for f32 {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FloatVisitor).map(|v| v as f32)
    }
}

macro_rules! codec_module {
    ($(#[$doc:meta])* $module:ident, $format:ty) => {
        $(#[$doc])*
        pub mod $module {
            use super::*;
            /// Serializes `value` in this codec's form.
            pub fn serialize<T: Encode<$format> + ?Sized, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
                value.encode(serializer)
            }
            /// Deserializes a value in this codec's form.
            pub fn deserialize<'de, T: Decode<$format>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
                T::decode(deserializer)
            }
        }
    };
}

codec_module!(
    /// `#[serde(with)]` module for [`EpochSeconds`].
    epoch_seconds,
    EpochSeconds
);
codec_module!(
    /// `#[serde(with)]` module for [`Rfc3339`].
    rfc3339,
    Rfc3339
);
codec_module!(
    /// `#[serde(with)]` module for [`HttpDate`].
    http_date,
    HttpDate
);
codec_module!(
    /// `#[serde(with)]` module for [`Base64`].
    base64,
    Base64
);
codec_module!(
    /// `#[serde(with)]` module for [`Float`].
    float,
    Float
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(with = "epoch_seconds")]
        epoch: DateTime,
        #[serde(with = "rfc3339")]
        iso: Vec<DateTime>,
        #[serde(with = "http_date", default, skip_serializing_if = "Option::is_none")]
        http: Option<DateTime>,
        #[serde(with = "base64")]
        blobs: HashMap<String, Blob>,
        #[serde(with = "float")]
        floats: Vec<f64>,
        #[serde(with = "float")]
        single: f32,
    }

    #[test]
    fn round_trips_every_codec() {
        let json = r#"{"epoch":1576540098.5,"iso":["2019-12-16T23:48:18Z"],"http":"Mon, 16 Dec 2019 23:48:18 GMT","blobs":{"a":"Zm9v"},"floats":[1.5,"NaN","Infinity","-Infinity"],"single":"-Infinity"}"#;
        let sample: Sample = serde_json::from_str(json).unwrap();
        assert_eq!(sample.epoch, DateTime::from_secs_f64(1576540098.5));
        assert_eq!(sample.iso, vec![DateTime::from_secs(1576540098)]);
        assert_eq!(sample.http, Some(DateTime::from_secs(1576540098)));
        assert_eq!(sample.blobs["a"].as_ref(), b"foo");
        assert!(sample.floats[1].is_nan());
        assert_eq!(sample.single, f32::NEG_INFINITY);
        let back: serde_json::Value = serde_json::to_value(&sample).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }

    #[test]
    fn fractional_epoch_seconds_round_trip() {
        for text in ["1.001", "1576540098.52", "-1.5", "0.999"] {
            let value: Decoded<EpochSeconds, DateTime> = serde_json::from_str(text).unwrap();
            let back = serde_json::to_string(&Encoded::<EpochSeconds, _>::new(&value.0)).unwrap();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn rejects_bad_input_with_a_reason() {
        let err = serde_json::from_str::<Sample>(r#"{"epoch":"yesterday"}"#).unwrap_err();
        assert!(err.to_string().contains("seconds since the Unix epoch"), "{err}");
        let err = serde_json::from_str::<Decoded<Base64, Blob>>(r#""!!""#).err().unwrap();
        assert!(err.to_string().contains("invalid base64"), "{err}");
        let err = serde_json::from_str::<Decoded<Float, f64>>(r#""Inf""#).err().unwrap();
        assert!(err.to_string().contains("NaN"), "{err}");
    }
}
