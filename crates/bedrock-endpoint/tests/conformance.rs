//! Runs endpoint rule-set test suites (botocore's `endpoint-tests-1.json` format) and prints
//! `N passed, M failed` per suite and in total.
//!
//! Environment (relative paths are taken from the workspace root):
//!
//! - `BEDROCK_ENDPOINT_TESTS_DIR`: directory holding `bedrock.json` and `bedrock-runtime.json`,
//!   run against the built-in rule sets (default `../shared/conformance/endpoint-tests`).
//! - `BEDROCK_ENDPOINT_RULESET` and `BEDROCK_ENDPOINT_TESTS`: a rule set and its test file; when
//!   both are set, the rule set is read from JSON at run time and only that pair runs.
//! - `BEDROCK_ENDPOINT_PARTITIONS`: a `partitions.json` to use instead of the compiled-in one.
//!
//! The project's own cases for bedrock-mantle (`tests/bedrock-mantle-endpoint-tests.json`)
//! run in the default mode too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bedrock_endpoint::{Params, Partitions, ResolveError, RuleSet, Service, Value};
use serde_json::Value as Json;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn path_from_env(name: &str) -> Option<PathBuf> {
    let value = std::env::var_os(name).filter(|v| !v.is_empty())?;
    let path = PathBuf::from(value);
    Some(if path.is_absolute() {
        path
    } else {
        workspace_root().join(path)
    })
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn to_value(json: &Json) -> Result<Value, String> {
    Ok(match json {
        Json::String(s) => Value::String(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Integer(n.as_i64().ok_or_else(|| format!("non-integer parameter {n}"))?),
        Json::Array(items) => Value::Array(items.iter().map(to_value).collect::<Result<_, _>>()?),
        Json::Object(fields) => Value::Record(
            fields
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Json::Null => return Err("null parameter".to_owned()),
    })
}

fn to_json(value: &Value) -> Json {
    match value {
        Value::String(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Integer(i) => Json::from(*i),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Record(fields) => Json::Object(fields.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        _ => Json::Null,
    }
}

/// Runs one case; `Err` says how the result differs from the expectation.
fn run_case(case: &Json, rule_set: &RuleSet, partitions: &Partitions) -> Result<(), String> {
    let mut params = Params::new();
    if let Some(given) = case.get("params") {
        let given = given.as_object().ok_or("`params` is not an object")?;
        for (name, value) in given {
            params.set(name.clone(), to_value(value)?);
        }
    }
    let expect = case.get("expect").ok_or("the case has no `expect`")?;
    let result = rule_set.resolve(&params, partitions);
    match (expect.get("endpoint"), expect.get("error"), result) {
        (Some(want), _, Ok(got)) => {
            let url = want
                .get("url")
                .and_then(Json::as_str)
                .ok_or("expected endpoint has no `url`")?;
            if got.url() != url {
                return Err(format!("url: expected {url}, got {}", got.url()));
            }
            let empty = Json::Object(Default::default());
            let want_props = want.get("properties").unwrap_or(&empty);
            let got_props = Json::Object(got.properties().iter().map(|(k, v)| (k.clone(), to_json(v))).collect());
            if *want_props != got_props {
                return Err(format!("properties: expected {want_props}, got {got_props}"));
            }
            let want_headers = want.get("headers").unwrap_or(&empty);
            let got_headers: BTreeMap<&String, &Vec<String>> = got.headers().iter().collect();
            let got_headers = serde_json::to_value(got_headers).map_err(|e| e.to_string())?;
            if *want_headers != got_headers {
                return Err(format!("headers: expected {want_headers}, got {got_headers}"));
            }
            Ok(())
        }
        (Some(_), _, Err(e)) => Err(format!("expected an endpoint, got the error: {e}")),
        (None, Some(want), Ok(got)) => Err(format!("expected the error {want}, got {}", got.url())),
        (None, Some(want), Err(ResolveError::Rule(message))) => {
            let want = want.as_str().ok_or("`expect.error` is not a string")?;
            if message == want {
                Ok(())
            } else {
                Err(format!("error: expected {want:?}, got {message:?}"))
            }
        }
        (None, Some(want), Err(other)) => Err(format!("expected the error {want}, got the engine error: {other}")),
        (None, None, _) => Err("`expect` has neither `endpoint` nor `error`".to_owned()),
    }
}

/// Runs every case of one test file; returns (passed, failed).
fn run_suite(label: &str, tests: &Path, rule_set: &RuleSet, partitions: &Partitions) -> (usize, usize) {
    let doc = match read(tests).and_then(|text| serde_json::from_str::<Json>(&text).map_err(|e| e.to_string())) {
        Ok(doc) => doc,
        Err(message) => {
            println!("FAIL {label}: {message}");
            return (0, 1);
        }
    };
    let Some(cases) = doc.get("testCases").and_then(Json::as_array) else {
        println!("FAIL {label}: {} has no `testCases` array", tests.display());
        return (0, 1);
    };
    let (mut passed, mut failed) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let outcome = std::panic::catch_unwind(|| run_case(case, rule_set, partitions))
            .unwrap_or_else(|_| Err("panicked".to_owned()));
        match outcome {
            Ok(()) => passed += 1,
            Err(message) => {
                failed += 1;
                let doc = case.get("documentation").and_then(Json::as_str).unwrap_or("");
                println!("FAIL {label} #{i} ({doc}): {message}");
            }
        }
    }
    println!("{label}: {passed} passed, {failed} failed");
    (passed, failed)
}

fn main() -> ExitCode {
    let partitions_owned;
    let partitions = match path_from_env("BEDROCK_ENDPOINT_PARTITIONS") {
        Some(path) => match read(&path).and_then(|text| Partitions::from_json(&text).map_err(|e| e.to_string())) {
            Ok(p) => {
                println!("partitions: {}", path.display());
                partitions_owned = p;
                &partitions_owned
            }
            Err(message) => {
                println!("FAIL BEDROCK_ENDPOINT_PARTITIONS: {message}");
                return ExitCode::FAILURE;
            }
        },
        None => Partitions::builtin(),
    };

    let (mut passed, mut failed) = (0, 0);
    match (
        path_from_env("BEDROCK_ENDPOINT_RULESET"),
        path_from_env("BEDROCK_ENDPOINT_TESTS"),
    ) {
        (Some(rules), Some(tests)) => {
            match read(&rules).and_then(|text| RuleSet::from_json(&text).map_err(|e| e.to_string())) {
                Ok(rule_set) => {
                    let label = format!("{} with {}", tests.display(), rules.display());
                    let (p, f) = run_suite(&label, &tests, &rule_set, partitions);
                    passed += p;
                    failed += f;
                }
                Err(message) => {
                    println!("FAIL BEDROCK_ENDPOINT_RULESET: {message}");
                    failed += 1;
                }
            }
        }
        (None, None) => {
            let dir = path_from_env("BEDROCK_ENDPOINT_TESTS_DIR")
                .unwrap_or_else(|| workspace_root().join("../shared/conformance/endpoint-tests"));
            let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bedrock-mantle-endpoint-tests.json");
            let suites = [
                ("bedrock", dir.join("bedrock.json"), Service::Bedrock),
                (
                    "bedrock-runtime",
                    dir.join("bedrock-runtime.json"),
                    Service::BedrockRuntime,
                ),
                ("bedrock-mantle (project cases)", own, Service::BedrockMantle),
            ];
            for (label, tests, service) in suites {
                let (p, f) = run_suite(label, &tests, service.rule_set(), partitions);
                passed += p;
                failed += f;
            }
        }
        _ => {
            println!("FAIL: set both BEDROCK_ENDPOINT_RULESET and BEDROCK_ENDPOINT_TESTS, or neither");
            return ExitCode::FAILURE;
        }
    }
    println!("endpoints: {passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
