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

const DEFAULT_SEEDS: u64 = 128;

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
    /// A few of the reasons, for the log.
    examples: Vec<String>,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, what: &str, case: &OperationCase, seed: u64, result: Result<Outcome, String>) {
        match result {
            Ok(Outcome::Equal) => self.equal += 1,
            Ok(Outcome::WireEqual(at)) => {
                self.wire_equal += 1;
                if self.examples.len() < 6 {
                    self.examples.push(format!("{} wire-equal at {at}", case.name));
                }
            }
            Ok(Outcome::Unsendable(why)) => {
                self.unsendable += 1;
                if self.examples.len() < 6 {
                    self.examples.push(format!("{} unsendable: {why}", case.name));
                }
            }
            Err(reason) => self
                .failures
                .push(format!("{} {what}, seed {seed}: {reason}", case.name)),
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
    assert_eq!(
        runtime::OPERATIONS.len(),
        bedrock_runtime_types::server::RuntimeOperation::ALL.len()
    );
    run("bedrock_runtime_types", runtime::OPERATIONS, runtime::route);
}

#[test]
fn control_operations_round_trip_through_the_server_side() {
    assert_eq!(
        control::OPERATIONS.len(),
        bedrock_control_types::server::ControlOperation::ALL.len()
    );
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

// What the server answers to requests it cannot read, and the exact form of its responses.

fn converse_request(body: &'static str) -> bedrock_wire::__private::http::Request<bedrock_wire::__private::Bytes> {
    bedrock_wire::__private::http::Request::builder()
        .method(Method::POST)
        .uri("/model/m/converse")
        .header("content-type", "application/json")
        .body(bedrock_wire::__private::Bytes::from_static(body.as_bytes()))
        .unwrap()
}

#[test]
fn unreadable_requests_say_where_and_become_service_errors() {
    use bedrock_control_types::operation::ListCustomModels;
    use bedrock_runtime_types::operation::Converse;
    use bedrock_wire::server::{Location, RequestErrorKind, ServerOperation};

    let (_, labels) = bedrock_runtime_types::server::route(&Method::POST, "/model/m/converse").unwrap();
    let error = Converse::parse_request(&converse_request("{\"messages\": 7}"), &labels).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::Serialization);
    assert_eq!(error.location(), Location::Body);
    let response = error.to_response("rid");
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-amzn-errortype"], "SerializationException");
    assert_eq!(response.headers()["x-amzn-requestid"], "rid");

    // A missing label cannot come from the router, but a hand-made call says which one.
    let error = Converse::parse_request(&converse_request("{}"), &bedrock_wire::server::Labels::new()).unwrap_err();
    assert_eq!(error.kind(), RequestErrorKind::Validation);
    assert_eq!(error.member(), Some("modelId"));
    assert_eq!(error.code(), "ValidationException");

    let request = bedrock_wire::__private::http::Request::builder()
        .method(Method::GET)
        .uri("/custom-models?maxResults=many")
        .body(bedrock_wire::__private::Bytes::new())
        .unwrap();
    let (op, labels) =
        bedrock_control_types::server::route(request.method(), "/custom-models?maxResults=many").unwrap();
    assert_eq!(op.name(), "ListCustomModels");
    let error = ListCustomModels::parse_request(&request, &labels).unwrap_err();
    assert_eq!(error.location(), Location::Query("maxResults"));
    assert_eq!(error.member(), Some("maxResults"));
    assert_eq!(error.code(), "SerializationException");
}

#[test]
fn responses_and_errors_have_the_services_form() {
    use bedrock_runtime_types::error::{ConverseError, ValidationException};
    use bedrock_runtime_types::operation::{Converse, ConverseStream};
    use bedrock_runtime_types::types::ConverseStreamResponse;
    use bedrock_wire::server::ServerOperation;

    let error = ConverseError::ValidationException(ValidationException::new().with_message("Malformed input request"));
    let response = Converse::build_error(&error, "7c1e");
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-amzn-errortype"], "ValidationException");
    assert_eq!(response.headers()["x-amzn-requestid"], "7c1e");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(&response.body()[..], br#"{"message":"Malformed input request"}"#);

    let response = Converse::build_error(&ConverseError::Unhandled, "7c1e");
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["x-amzn-errortype"], "InternalFailure");

    // An event-stream output is only the initial response; the messages follow on the body.
    let response = ConverseStream::build_response(&ConverseStreamResponse::new()).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.amazon.eventstream");
    assert!(response.body().is_empty());
}
