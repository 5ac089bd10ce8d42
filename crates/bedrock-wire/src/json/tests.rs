//! Differential tests: every input goes through this module and through `serde_json`, and both must agree.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{from_slice, to_vec, MAX_DEPTH};

/// Both readers accept `input` and build the same value, and both writers write it back byte for byte alike.
fn agree(input: &str) {
    let expected: Value = serde_json::from_str(input).unwrap_or_else(|e| panic!("serde_json rejects {input:?}: {e}"));
    let ours: Value = from_slice(input.as_bytes()).unwrap_or_else(|e| panic!("rejected {input:?}: {e}"));
    assert_eq!(ours, expected, "{input:?}");
    // -0.0 == 0.0, so compare the texts too.
    assert_eq!(
        String::from_utf8(to_vec(&ours).unwrap()).unwrap(),
        serde_json::to_string(&expected).unwrap(),
        "{input:?}"
    );
}

/// Both readers reject `input`.
fn both_reject(input: &[u8]) -> String {
    assert!(
        serde_json::from_slice::<Value>(input).is_err(),
        "serde_json accepts {:?}",
        String::from_utf8_lossy(input)
    );
    match from_slice::<Value>(input) {
        Ok(value) => panic!("accepted {:?} as {value}", String::from_utf8_lossy(input)),
        Err(error) => error.to_string(),
    }
}

#[test]
fn reads_what_serde_json_reads() {
    for input in [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "-0.0",
        "1",
        "-1",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "-1.25e-3",
        "1E400000000000000000000000000000000000000000000000000000000000000000000000000000001",
        "1e-400",
        "0e99999999999999999999",
        "2.2250738585072011e-308",
        "0.1",
        "123456789012345678901234567890",
        "1e22",
        "\"\"",
        "\"plain\"",
        r#""esc\"aped\\\/\b\f\n\r\t""#,
        r#""\u0041\u00e9\u4e2d\ud83d\ude00""#,
        "\"héllo wörld 中文 😀\"",
        "[]",
        "[ 1 , [2, [3]] ,{}]",
        "{}",
        r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"a":2}"#,
        "\t\r\n {\"k\" : \"v\" } \n",
    ] {
        if input.starts_with("1E4") {
            both_reject(input.as_bytes());
        } else {
            agree(input);
        }
    }
}

#[test]
fn rejects_what_serde_json_rejects_and_says_why() {
    for (input, reason) in [
        ("", "EOF while parsing a value"),
        ("nul", "EOF while parsing a value"),
        ("nulx", "expected value"),
        ("tru e", "expected value"),
        ("01", "invalid number"),
        ("-", "EOF while parsing a value"),
        ("-a", "invalid number"),
        ("1.", "EOF while parsing a value"),
        ("1.e5", "invalid number"),
        ("1e", "EOF while parsing a value"),
        ("1e+", "EOF while parsing a value"),
        (".5", "expected value"),
        ("+1", "expected value"),
        ("1e400", "number out of range"),
        ("\"abc", "EOF while parsing a string"),
        ("\"a\u{1}b\"", "control character"),
        (r#""\x""#, "invalid escape"),
        (r#""\u12G4""#, "invalid escape"),
        (r#""\ud800""#, "lone leading surrogate"),
        (r#""\ud800\u0041""#, "lone leading surrogate"),
        (r#""\udc00""#, "surrogate"),
        ("[1,]", "trailing comma"),
        ("[1 2]", "expected `,` or `]`"),
        ("[1", "EOF while parsing a list"),
        ("{\"a\":1,}", "trailing comma"),
        ("{\"a\" 1}", "expected `:`"),
        ("{\"a\":1 \"b\":2}", "expected `,` or `}`"),
        ("{1:2}", "key must be a string"),
        ("{\"a\":1", "EOF while parsing an object"),
        ("[] []", "trailing characters"),
        ("1 2", "trailing characters"),
    ] {
        let message = both_reject(input.as_bytes());
        assert!(message.contains(reason), "{input:?}: {message}");
    }
    // Invalid UTF-8 in a string that is read.
    assert!(both_reject(b"\"\xff\"").contains("invalid unicode code point"));
    assert!(both_reject(b"{\"a\xc3\":1}").contains("invalid unicode code point"));
}

#[test]
fn skipped_values_are_checked_as_serde_json_checks_them() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Only {
        keep: u8,
    }
    // Like serde_json, text that is skipped is not checked for UTF-8 or surrogates, but its syntax is.
    for input in [
        &b"{\"skip\":\"\xff\",\"keep\":1}"[..],
        br#"{"skip":"\ud800","keep":1}"#,
        br#"{"skip":{"a":[1,{"b":null}],"c":"\"x"},"keep":1}"#,
    ] {
        let expected: Only = serde_json::from_slice(input).unwrap();
        assert_eq!(from_slice::<Only>(input).unwrap(), expected);
    }
    for input in [
        &br#"{"skip":[1,],"keep":1}"#[..],
        br#"{"skip":"\q","keep":1}"#,
        br#"{"skip":01,"keep":1}"#,
        br#"{"skip":{"a" 1},"keep":1}"#,
    ] {
        assert!(serde_json::from_slice::<Only>(input).is_err());
        assert!(from_slice::<Only>(input).is_err(), "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn nesting_is_limited_like_serde_json() {
    for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100_000] {
        let input = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let theirs = serde_json::from_str::<Value>(&input).is_ok();
        let ours = from_slice::<Value>(input.as_bytes());
        assert_eq!(ours.is_ok(), theirs, "depth {depth}");
        if let Err(error) = ours {
            assert!(error.to_string().contains("recursion limit exceeded"), "{error}");
        }
        // Skipped values are not limited, in serde_json either.
        let skipped = format!("{{\"skip\":{input},\"keep\":1}}");
        assert_eq!(
            from_slice::<BTreeMap<String, serde::de::IgnoredAny>>(skipped.as_bytes()).is_ok(),
            serde_json::from_str::<BTreeMap<String, serde::de::IgnoredAny>>(&skipped).is_ok(),
            "skipped, depth {depth}"
        );
    }
}

#[test]
fn errors_have_a_position_and_never_quote_strings() {
    let error = from_slice::<Value>(b"{\n  \"a\": [1,\n  2,]\n}").unwrap_err();
    assert_eq!(error.position(), Some((3, 5)));
    assert!(error.to_string().ends_with("at line 3 column 5"), "{error}");
    let error = from_slice::<u32>(br#""hunter2""#).unwrap_err();
    assert_eq!(error.message(), "invalid type: string, expected u32");
    assert!(!format!("{error} {error:?}").contains("hunter2"));
}

#[test]
fn strings_are_borrowed_unless_escaped() {
    let input = br#"["plain","esc\naped"]"#;
    let (plain, escaped): (&str, String) = from_slice(input).unwrap();
    assert_eq!((plain, escaped.as_str()), ("plain", "esc\naped"));
    // An escaped string cannot be borrowed, for serde_json either.
    assert!(from_slice::<&str>(br#""a\nb""#).is_err());
    assert!(serde_json::from_slice::<&str>(br#""a\nb""#).is_err());
}

/// Everything serde's data model has, through derives, against serde_json in both directions.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Everything {
    unit: (),
    boolean: bool,
    small: i8,
    unsigned: u16,
    wide: i64,
    big: u64,
    single: f32,
    double: f64,
    character: char,
    text: String,
    #[serde(with = "serde_bytes_as_seq")]
    bytes: Vec<u8>,
    none: Option<String>,
    some: Option<Box<Everything>>,
    list: Vec<Shape>,
    tuple: (u8, String),
    map: BTreeMap<String, i32>,
    numeric_keys: BTreeMap<u32, bool>,
    newtype: Meters,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(f64);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Dot,
    Circle(f64),
    Rect(u32, u32),
    Named { name: String, sides: u8 },
}

mod serde_bytes_as_seq {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }
}

fn everything(inner: Option<Box<Everything>>) -> Everything {
    Everything {
        unit: (),
        boolean: true,
        small: -8,
        unsigned: 65535,
        wide: i64::MIN,
        big: u64::MAX,
        single: 0.1,
        double: -1.5e300,
        character: 'é',
        text: "tab\there \"quoted\" \u{1} 😀".into(),
        bytes: vec![0, 1, 255],
        none: None,
        some: inner,
        list: vec![
            Shape::Dot,
            Shape::Circle(2.5),
            Shape::Rect(3, 4),
            Shape::Named {
                name: "hex".into(),
                sides: 6,
            },
        ],
        tuple: (7, "seven".into()),
        map: [("a".to_owned(), 1), ("b\n".to_owned(), -2)].into_iter().collect(),
        numeric_keys: [(1, true), (20, false)].into_iter().collect(),
        newtype: Meters(9.75),
    }
}

#[test]
fn derived_types_round_trip_like_serde_json() {
    let value = everything(Some(Box::new(everything(None))));
    let ours = to_vec(&value).unwrap();
    assert_eq!(ours, serde_json::to_vec(&value).unwrap());
    assert_eq!(from_slice::<Everything>(&ours).unwrap(), value);
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    assert_eq!(from_slice::<Everything>(&pretty).unwrap(), value);
    // serde_json also reads a derived struct from an array of its fields, and so do we.
    let as_array = br#"[2.5]"#;
    assert_eq!(
        from_slice::<Meters>(as_array).ok(),
        serde_json::from_slice::<Meters>(as_array).ok()
    );
    // Non-finite floats are written as null, like serde_json.
    assert_eq!(to_vec(&[f64::NAN, f64::INFINITY]).unwrap(), b"[null,null]");
    // Keys that are not strings or numbers fail.
    let mut bad = BTreeMap::new();
    bad.insert(vec![1u8], 1);
    assert_eq!(to_vec(&bad).unwrap_err().message(), "key must be a string");
}

/// SplitMix64, for reproducible random documents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "中", "😀", "\u{2028}",
        ];
        (0..self.below(8))
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.below(if depth > 4 { 4 } else { 6 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => match self.below(4) {
                0 => Value::from(self.next()),
                1 => Value::from(self.next() as i64),
                2 => finite(f64::from_bits(self.next()) % 1e12),
                _ => Value::from((self.below(2000) as f64 - 1000.0) / 8.0),
            },
            3 => Value::String(self.text()),
            4 => Value::Array((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| (self.text(), self.value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

/// A float as JSON; NaN and infinities, which JSON has no form for, become `0.5`.
fn finite(value: f64) -> Value {
    if value.is_finite() {
        Value::from(value)
    } else {
        Value::from(0.5)
    }
}

#[test]
fn random_documents_agree_both_ways() {
    let mut rng = Rng(0x5eed);
    for _ in 0..2000 {
        let value = rng.value(0);
        let compact = serde_json::to_string(&value).unwrap();
        assert_eq!(String::from_utf8(to_vec(&value).unwrap()).unwrap(), compact);
        agree(&compact);
        agree(&serde_json::to_string_pretty(&value).unwrap());
    }
}
