//! Shared by the sample tests.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Reads `json` as a `T` (from the value and from its text), checks that both
/// agree and that writing the `T` gives back exactly `json`, and returns it.
pub fn roundtrip<T: Serialize + DeserializeOwned + Debug + PartialEq>(json: Value) -> T {
    let from_value: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}: {json:#}"));
    let text = serde_json::to_string_pretty(&json).unwrap();
    let from_text: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(from_value, from_text);
    let back = serde_json::to_value(&from_value).unwrap();
    assert_eq!(back, json, "re-serialized JSON differs");
    from_value
}
