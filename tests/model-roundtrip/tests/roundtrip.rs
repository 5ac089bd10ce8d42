//! Random wire JSON of every generated type survives `Deserialize` then `Serialize` unchanged.
//!
//! `MODEL_ROUNDTRIP_SEEDS=n` runs `n` seeds per shape instead of the default; a failure names the
//! shape and seed, and `Rng::for_case(shape, seed)` reproduces its value.

use bedrock_runtime_types::types::StopReason;
use model_roundtrip::support::{first_difference, json_eq, Case, Rng};
use model_roundtrip::{control, runtime};
use serde_json::{json, Value};

const DEFAULT_SEEDS: u64 = 64;

fn seeds() -> u64 {
    std::env::var("MODEL_ROUNDTRIP_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

/// Why one generated value did not come back.
fn check(case: &Case, seed: u64) -> Result<(), String> {
    let value = (case.generate)(&mut Rng::for_case(case.shape, seed), 0);
    let back = (case.round_trip)(&value).map_err(|e| format!("{e}\n  input: {value}"))?;
    match first_difference(&value, &back) {
        None => Ok(()),
        Some(at) => Err(format!("differs at {at}\n  input: {value}\n  back:  {back}")),
    }
}

fn run(crate_name: &str, shapes: &[Case]) {
    let seeds = seeds();
    let mut failures = Vec::new();
    let mut failed_shapes = 0;
    for case in shapes {
        let mut first = None;
        let mut count = 0;
        for seed in 0..seeds {
            if let Err(reason) = check(case, seed) {
                count += 1;
                first.get_or_insert((seed, reason));
            }
        }
        if let Some((seed, reason)) = first {
            failed_shapes += 1;
            failures.push(format!(
                "{crate_name}::{} (shape {}), seed {seed} ({count} of {seeds} seeds fail): {reason}",
                case.rust, case.shape
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{failed_shapes} of {} shapes do not round-trip:\n\n{}",
        shapes.len(),
        failures.join("\n\n")
    );
}

#[test]
fn runtime_types_round_trip() {
    run("bedrock_runtime_types", runtime::SHAPES);
}

#[test]
fn control_types_round_trip() {
    run("bedrock_control_types", control::SHAPES);
}

fn case(shapes: &'static [Case], shape: &str) -> &'static Case {
    shapes
        .iter()
        .find(|c| c.shape == shape)
        .unwrap_or_else(|| panic!("no case for {shape}"))
}

#[test]
fn tables_cover_every_kind_of_shape() {
    for (shape, rust) in [
        ("ConverseRequest", "types::ConverseRequest"),
        ("ContentBlock", "types::ContentBlock"),
        ("StopReason", "types::StopReason"),
        ("ThrottlingException", "error::ThrottlingException"),
        ("ContentBlockDeltaEvent", "types::ContentBlockDeltaEvent"),
        ("InvokeModelRequest", "types::InvokeModelRequest"),
    ] {
        assert_eq!(case(runtime::SHAPES, shape).rust, rust);
    }
    // Event-stream unions are not serde types on their own (their members travel as messages).
    assert!(runtime::SHAPES.iter().all(|c| c.shape != "ConverseStreamOutput"));
    assert!(control::SHAPES.len() > runtime::SHAPES.len());
    assert!(control::SHAPES.iter().any(|c| c.rust.starts_with("error::")));
}

#[test]
fn generators_are_deterministic_and_vary() {
    let converse = case(runtime::SHAPES, "ConverseRequest");
    let a = (converse.generate)(&mut Rng::for_case("ConverseRequest", 3), 0);
    let b = (converse.generate)(&mut Rng::for_case("ConverseRequest", 3), 0);
    assert_eq!(a, b);
    let distinct: std::collections::HashSet<String> = (0..16)
        .map(|seed| (converse.generate)(&mut Rng::for_case("ConverseRequest", seed), 0).to_string())
        .collect();
    assert!(distinct.len() > 8, "{distinct:?}");
}

#[test]
fn generated_values_follow_the_model() {
    let block = case(runtime::SHAPES, "ContentBlock");
    let reason = case(runtime::SHAPES, "StopReason");
    let request = case(runtime::SHAPES, "ConverseRequest");
    let (mut unknown_members, mut unknown_values) = (0, 0);
    for seed in 0..200 {
        let value = (block.generate)(&mut Rng::for_case("ContentBlock", seed), 0);
        let object = value.as_object().expect("a union is an object");
        assert_eq!(object.len(), 1, "a union has exactly one member: {value}");
        let known = [
            "text",
            "image",
            "document",
            "video",
            "audio",
            "toolUse",
            "toolResult",
            "guardContent",
            "cachePoint",
            "reasoningContent",
            "citationsContent",
            "searchResult",
            "toolAddition",
            "toolRemoval",
        ];
        if !known.contains(&object.keys().next().unwrap().as_str()) {
            unknown_members += 1;
        }
        let value = (reason.generate)(&mut Rng::for_case("StopReason", seed), 0);
        if !StopReason::VALUES.contains(&value.as_str().expect("an enum is a string")) {
            unknown_values += 1;
        }
        let value = (request.generate)(&mut Rng::for_case("ConverseRequest", seed), 0);
        assert!(
            value["modelId"].is_string(),
            "required members are always present: {value}"
        );
    }
    assert!(
        unknown_members > 0 && unknown_values > 0,
        "{unknown_members} {unknown_values}"
    );
}

// The checks must be able to fail.

#[test]
fn a_lossy_round_trip_is_detected() {
    // A member the struct does not have is dropped on the way back; the comparison sees it.
    let usage = case(runtime::SHAPES, "TokenUsage");
    let mut value = (usage.generate)(&mut Rng::for_case("TokenUsage", 0), 0);
    value["notAMember"] = json!(1);
    let back = (usage.round_trip)(&value).unwrap();
    assert!(first_difference(&value, &back).unwrap().contains("notAMember"));

    // A changed number is a difference, a differently written equal number is not.
    let mut changed = back.clone();
    changed["inputTokens"] = json!(back["inputTokens"].as_i64().unwrap().wrapping_add(1));
    assert!(!json_eq(&back, &changed));
    let mut same = back.clone();
    same["inputTokens"] = json!(back["inputTokens"].as_i64().unwrap() as f64);
    assert!(json_eq(&back, &same) || back["inputTokens"].as_i64().unwrap().unsigned_abs() > 1 << 53);
}

#[test]
fn invalid_wire_json_is_rejected() {
    let block = case(runtime::SHAPES, "ContentBlock");
    let err =
        (block.round_trip)(&json!({"text": "hi", "image": {"format": "png", "source": {"bytes": ""}}})).unwrap_err();
    assert!(err.contains("more than one member"), "{err}");
    let err = (block.round_trip)(&json!({})).unwrap_err();
    assert!(err.contains("no member"), "{err}");

    let usage = case(runtime::SHAPES, "TokenUsage");
    let err = (usage.round_trip)(&json!({"inputTokens": 1, "outputTokens": 2})).unwrap_err();
    assert!(err.contains("totalTokens"), "{err}");
    let err = (usage.round_trip)(&json!({"inputTokens": 1, "outputTokens": 2, "totalTokens": 1u64 << 40})).unwrap_err();
    assert!(err.contains("invalid value") || err.contains("out of range"), "{err}");

    let image = case(runtime::SHAPES, "ImageSource");
    assert!((image.round_trip)(&json!({"bytes": "not base64!"})).is_err());
}

#[test]
fn unknown_members_and_values_round_trip() {
    let block = case(runtime::SHAPES, "ContentBlock");
    let value = json!({"hologram": {"depth": [1, 2.5, null], "label": "x"}});
    assert_eq!((block.round_trip)(&value).unwrap(), value);
    let reason = case(runtime::SHAPES, "StopReason");
    assert_eq!(
        (reason.round_trip)(&json!("model_exploded")).unwrap(),
        json!("model_exploded")
    );
    let _: Value = (reason.round_trip)(&json!("end_turn")).unwrap();
}
