//! Every operation of both services through both sides of HTTP, for random inputs, outputs and
//! errors:
//!
//! - the client's `build_request`, the generated router (it must find the same operation) and the
//!   server's `parse_request` give back an equal input;
//! - the server's `build_response` and the client's `parse_response` give back an equal output;
//! - the server's `build_error` and the client's `parse_response` give back the same typed error,
//!   with the status the model gives it and the request id.
//!
//! "Equal" allows only what the wire cannot carry ([`Outcome::WireEqual`]): the value read back must
//! then build exactly the same HTTP message. Values the client refuses to send (an empty label, a
//! control character in a header) are counted, not checked.
//!
//! `MODEL_ROUNDTRIP_SEEDS=n` runs `n` seeds per operation; a failure names the operation and seed,
//! and `Rng::for_case(name, seed)` reproduces its value.

use bedrock_wire::__private::http::Method;
use model_roundtrip::support::{OperationCase, Outcome, Rng, Router};
use model_roundtrip::{control, runtime};

const DEFAULT_SEEDS: u64 = 48;

fn seeds() -> u64 {
    std::env::var("MODEL_ROUNDTRIP_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

#[derive(Default, Debug)]
struct Tally {
    equal: usize,
    wire_equal: usize,
    unsendable: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, what: &str, case: &OperationCase, seed: u64, result: Result<Outcome, String>) {
        match result {
            Ok(Outcome::Equal) => self.equal += 1,
            Ok(Outcome::WireEqual(_)) => self.wire_equal += 1,
            Ok(Outcome::Unsendable(_)) => self.unsendable += 1,
            Err(reason) => self.failures.push(format!("{} {what}, seed {seed}: {reason}", case.name)),
        }
    }
}

fn run(service: &str, cases: &[OperationCase], route: Router) {
    let seeds = seeds();
    let (mut requests, mut responses) = (Tally::default(), Tally::default());
    let mut errors = Vec::new();
    for case in cases {
        for seed in 0..seeds {
            let input = (case.input)(&mut Rng::for_case(case.name, seed), 0);
            requests.record("request", case, seed, (case.request)(&input, route));
            let output = (case.output)(&mut Rng::for_case(case.name, seed), 0);
            responses.record("response", case, seed, (case.response)(&output));
        }
        for (shape, generate, status) in case.errors {
            for seed in 0..seeds.div_ceil(8) {
                let value = generate(&mut Rng::for_case(shape, seed), 0);
                if let Err(reason) = (case.error)(shape, &value, *status) {
                    errors.push(format!("{} error {shape}, seed {seed}: {reason}", case.name));
                }
            }
        }
        // An error the operation does not model is a 500 `InternalFailure`, read back as `Unhandled`.
        if let Err(reason) = (case.error)("NotModeledException", &serde_json::Value::Null, 500) {
            errors.push(format!("{} unhandled error: {reason}", case.name));
        }
    }
    let failures: Vec<&String> = requests
        .failures
        .iter()
        .chain(&responses.failures)
        .chain(&errors)
        .collect();
    let show: Vec<&str> = failures.iter().take(12).map(|s| s.as_str()).collect();
    assert!(
        failures.is_empty(),
        "{service}: {} failures (first {}):\n\n{}",
        failures.len(),
        show.len(),
        show.join("\n\n")
    );
    eprintln!("{service}: requests {requests:?}\n{service}: responses {responses:?}");
    // The checks must mostly compare values, not give up on them.
    let total = cases.len() * seeds as usize;
    assert!(requests.equal * 2 > total, "{service}: requests {requests:?}");
    assert!(responses.equal * 2 > total, "{service}: responses {responses:?}");
}

#[test]
fn runtime_operations_round_trip_through_the_server_side() {
    assert_eq!(runtime::OPERATIONS.len(), bedrock_runtime_types::server::RuntimeOperation::ALL.len());
    run("bedrock_runtime_types", runtime::OPERATIONS, runtime::route);
}

#[test]
fn control_operations_round_trip_through_the_server_side() {
    assert_eq!(control::OPERATIONS.len(), bedrock_control_types::server::ControlOperation::ALL.len());
    run("bedrock_control_types", control::OPERATIONS, control::route);
}

#[test]
fn every_operation_routes_to_itself_by_its_template() {
    use bedrock_control_types::server::ControlOperation;
    use bedrock_runtime_types::server::RuntimeOperation;
    for op in RuntimeOperation::ALL {
        assert_eq!(RuntimeOperation::ALL[*op as usize], *op);
    }
    for op in ControlOperation::ALL {
        assert_eq!(ControlOperation::ALL[*op as usize], *op);
        assert!(!op.name().is_empty());
    }
}

#[test]
fn model_arns_are_one_label_decoded_as_the_service_does() {
    use bedrock_runtime_types::server::{route, RuntimeOperation};
    let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
    let mut path = String::from("/model/");
    bedrock_wire::http::push_label(&mut path, arn, false);
    path.push_str("/converse-stream");
    let (op, labels) = route(&Method::POST, &path).expect("routes");
    assert_eq!(op, RuntimeOperation::ConverseStream);
    assert_eq!(labels.get("modelId"), Some(arn));
    // Not percent-encoded, the ARN's `/` would be a segment of its own: no operation has that path.
    assert!(route(&Method::POST, &format!("/model/{arn}/converse-stream")).is_none());
    assert!(route(&Method::GET, "/model/m/converse").is_none());
    assert!(route(&Method::POST, "/model/m/converse/extra").is_none());
    let (op, _) = route(&Method::POST, "/model/m/invoke?unrelated=1").unwrap();
    assert_eq!(op.name(), "InvokeModel");
}
