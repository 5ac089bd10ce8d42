//! The control plane over HTTP: a real server on 127.0.0.1 (port 0) whose router is
//! `service::control::register`, driven with raw requests (status, headers, JSON bodies) and
//! with this SDK's generated client side (`Operation::build_request` / `parse_response`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bedrock_control_types::error::GetGuardrailError;
use bedrock_control_types::operation::{CreateGuardrail, GetGuardrail, ListFoundationModels};
use bedrock_control_types::types::{
    CreateGuardrailRequest, GetGuardrailRequest, GuardrailStatus, ListFoundationModelsRequest, ModelModality,
};
use bedrock_local::control::{ControlPlane, ControlPlaneConfig, ManualClock};
use bedrock_local::service::control::register;
use bedrock_local::{Config, Handle, Router};
use bedrock_wire::Operation;
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

const START: u64 = 1_700_000_000;
const ACCOUNT: &str = "111122223333";

struct Emulator {
    handle: Handle,
    clock: ManualClock,
}

async fn emulator() -> Emulator {
    let clock = ManualClock::at_epoch_secs(START);
    let plane = ControlPlane::new(
        ControlPlaneConfig::new()
            .with_region("us-east-1")
            .with_account_id(ACCOUNT)
            .with_clock(Arc::new(clock.clone()))
            .with_id_seed(7),
    );
    let router = register(Router::new(), Arc::new(plane));
    let handle = bedrock_local::start(Config::new().seed(7).service(router))
        .await
        .unwrap();
    Emulator { handle, clock }
}

/// What came back: status, headers, JSON body (`Null` when empty).
struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Value,
}

impl Answer {
    fn error_type(&self) -> &str {
        self.headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(':').next())
            .unwrap_or("")
    }

    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }
}

async fn send_http(addr: SocketAddr, mut request: http::Request<Bytes>) -> http::Response<Bytes> {
    let headers = request.headers_mut();
    headers.insert("host", addr.to_string().parse().unwrap());
    headers.insert("authorization", "Bearer ABSKlocal-test-key".parse().unwrap());
    if !request.body().is_empty() && !request.headers().contains_key("content-type") {
        request
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
    }
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request.map(Full::new)).await.unwrap();
    let (parts, body) = response.into_parts();
    http::Response::from_parts(parts, body.collect().await.unwrap().to_bytes())
}

async fn call(emulator: &Emulator, method: Method, path: &str, body: Option<Value>) -> Answer {
    let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
    let request = http::Request::builder().method(method).uri(path).body(body).unwrap();
    let response = send_http(emulator.handle.local_addr(), request).await;
    let (parts, body) = response.into_parts();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)))
    };
    assert!(parts.headers.contains_key("x-amzn-requestid"), "{path}");
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// Percent-encodes a label value the way clients do (`:` and `/` included).
fn label(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn json_content_type(answer: &Answer) {
    assert_eq!(answer.headers["content-type"], "application/json");
}

#[tokio::test]
async fn list_foundation_models_with_filters() {
    let emulator = emulator().await;
    let all = call(&emulator, Method::GET, "/foundation-models", None).await;
    assert_eq!(all.status, StatusCode::OK);
    json_content_type(&all);
    let summaries = all.body["modelSummaries"].as_array().unwrap();
    let echo = summaries
        .iter()
        .find(|m| m["modelId"] == "local.echo")
        .expect("the local echo model is listed");
    assert_eq!(echo["providerName"], "bedrock-local");
    assert_eq!(
        echo["modelArn"],
        "arn:aws:bedrock:us-east-1::foundation-model/local.echo"
    );

    let anthropic = call(
        &emulator,
        Method::GET,
        "/foundation-models?byProvider=anthropic&byOutputModality=TEXT&byInferenceType=ON_DEMAND",
        None,
    )
    .await;
    assert_eq!(anthropic.status, StatusCode::OK);
    let models = anthropic.body["modelSummaries"].as_array().unwrap();
    assert!(!models.is_empty() && models.len() < summaries.len());
    for model in models {
        assert_eq!(model["providerName"], "Anthropic", "{model}");
        assert!(model["outputModalities"].as_array().unwrap().contains(&json!("TEXT")));
        assert!(model["inferenceTypesSupported"]
            .as_array()
            .unwrap()
            .contains(&json!("ON_DEMAND")));
    }

    let embeddings = call(
        &emulator,
        Method::GET,
        "/foundation-models?byOutputModality=EMBEDDING",
        None,
    )
    .await;
    let models = embeddings.body["modelSummaries"].as_array().unwrap();
    assert!(!models.is_empty());
    assert!(
        models.iter().all(|m| m["outputModalities"] == json!(["EMBEDDING"])),
        "{models:?}"
    );

    let one = call(
        &emulator,
        Method::GET,
        &format!(
            "/foundation-models/{}",
            label("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")
        ),
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["modelDetails"]["modelId"], "amazon.nova-lite-v1:0");

    // Enums are open on the wire: an unknown inference type filters everything out.
    let unknown = call(
        &emulator,
        Method::GET,
        "/foundation-models?byInferenceType=SOMETIMES",
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(unknown.body, json!({ "modelSummaries": [] }));
    let bad = call(&emulator, Method::GET, "/foundation-models?byProvider=%21%21%21", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_type(), "ValidationException");
    assert!(
        bad.message()
            .starts_with("1 validation error detected: Value '!!!' at 'byProvider'"),
        "{}",
        bad.message()
    );
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn guardrail_lifecycle() {
    let emulator = emulator().await;
    let create = |name: &str| {
        json!({
            "name": name,
            "blockedInputMessaging": "Input blocked.",
            "blockedOutputsMessaging": "Output blocked.",
            "wordPolicyConfig": { "wordsConfig": [ { "text": "forbidden" } ] },
        })
    };
    let created = call(&emulator, Method::POST, "/guardrails", Some(create("pii"))).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    json_content_type(&created);
    let id = created.body["guardrailId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 12);
    assert_eq!(
        created.body["guardrailArn"],
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/{id}")
    );
    assert_eq!(created.body["version"], "DRAFT");
    assert_eq!(created.body["createdAt"], "2023-11-14T22:13:20Z");

    let got = call(&emulator, Method::GET, &format!("/guardrails/{id}"), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["name"], "pii");
    assert_eq!(got.body["status"], "READY");
    assert_eq!(got.body["version"], "DRAFT");
    assert_eq!(got.body["wordPolicy"]["words"][0]["text"], "forbidden");

    let duplicate = call(&emulator, Method::POST, "/guardrails", Some(create("pii"))).await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert_eq!(duplicate.error_type(), "ConflictException");

    // Two more guardrails; list them two per page.
    for name in ["second", "third"] {
        let answer = call(&emulator, Method::POST, "/guardrails", Some(create(name))).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
    }
    let mut names = Vec::new();
    let mut path = "/guardrails?maxResults=2".to_owned();
    let mut pages = 0;
    loop {
        let page = call(&emulator, Method::GET, &path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let guardrails = page.body["guardrails"].as_array().unwrap();
        assert!(guardrails.len() <= 2);
        names.extend(guardrails.iter().map(|g| g["name"].as_str().unwrap().to_owned()));
        pages += 1;
        match page.body["nextToken"].as_str() {
            Some(token) => path = format!("/guardrails?maxResults=2&nextToken={}", label(token)),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    names.sort();
    assert_eq!(names, ["pii", "second", "third"]);
    let forged = call(&emulator, Method::GET, "/guardrails?nextToken=forged", None).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(forged.error_type(), "ValidationException");

    let version = call(
        &emulator,
        Method::POST,
        &format!("/guardrails/{id}"),
        Some(json!({ "description": "first release" })),
    )
    .await;
    assert_eq!(version.status, StatusCode::ACCEPTED, "{}", version.body);
    assert_eq!(version.body, json!({ "guardrailId": id, "version": "1" }));

    let updated = call(
        &emulator,
        Method::PUT,
        &format!("/guardrails/{id}"),
        Some(json!({
            "name": "pii-2",
            "blockedInputMessaging": "In.",
            "blockedOutputsMessaging": "Out.",
        })),
    )
    .await;
    assert_eq!(updated.status, StatusCode::ACCEPTED, "{}", updated.body);
    assert_eq!(updated.body["version"], "DRAFT");
    let draft = call(&emulator, Method::GET, &format!("/guardrails/{id}"), None).await;
    assert_eq!(draft.body["name"], "pii-2");
    let frozen = call(
        &emulator,
        Method::GET,
        &format!("/guardrails/{id}?guardrailVersion=1"),
        None,
    )
    .await;
    assert_eq!(frozen.body["name"], "pii");
    assert_eq!(frozen.body["version"], "1");

    let deleted = call(&emulator, Method::DELETE, &format!("/guardrails/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED);
    assert_eq!(deleted.body, json!({}));
    let gone = call(&emulator, Method::GET, &format!("/guardrails/{id}"), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_type(), "ResourceNotFoundException");
    json_content_type(&gone);
    assert!(gone.message().contains(&id), "{}", gone.message());

    // A request the generated parser rejects, and one that breaks a constraint.
    let missing = call(&emulator, Method::POST, "/guardrails", Some(json!({ "name": "x" }))).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.error_type(), "ValidationException");
    assert!(
        missing.message().contains("blockedInputMessaging"),
        "{}",
        missing.message()
    );
    let too_long = call(&emulator, Method::POST, "/guardrails", Some(create(&"x".repeat(51)))).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(
        too_long.message().starts_with("1 validation error detected: Value '"),
        "{}",
        too_long.message()
    );
    let malformed = send_http(
        emulator.handle.local_addr(),
        http::Request::builder()
            .method(Method::POST)
            .uri("/guardrails")
            .body(Bytes::from_static(b"{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(malformed.headers()["x-amzn-errortype"]
        .to_str()
        .unwrap()
        .starts_with("SerializationException"));
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn inference_profiles() {
    let emulator = emulator().await;
    let system = call(&emulator, Method::GET, "/inference-profiles?maxResults=5", None).await;
    assert_eq!(system.status, StatusCode::OK);
    let profiles = system.body["inferenceProfileSummaries"].as_array().unwrap();
    assert_eq!(profiles.len(), 5);
    assert!(profiles.iter().all(|p| p["type"] == "SYSTEM_DEFINED"));
    assert!(system.body["nextToken"].is_string());

    let nova = call(
        &emulator,
        Method::GET,
        "/inference-profiles/us.amazon.nova-pro-v1:0",
        None,
    )
    .await;
    assert_eq!(nova.status, StatusCode::OK, "{}", nova.body);
    assert_eq!(
        nova.body["inferenceProfileArn"],
        format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-pro-v1:0")
    );
    assert_eq!(nova.body["models"].as_array().unwrap().len(), 3);

    let created = call(
        &emulator,
        Method::POST,
        "/inference-profiles",
        Some(json!({
            "inferenceProfileName": "team-a",
            "modelSource": { "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0" },
            "tags": [ { "key": "team", "value": "a" } ],
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "ACTIVE");
    let arn = created.body["inferenceProfileArn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with(&format!(
        "arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/"
    )));

    let apps = call(&emulator, Method::GET, "/inference-profiles?type=APPLICATION", None).await;
    let apps = apps.body["inferenceProfileSummaries"].as_array().unwrap().clone();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["inferenceProfileName"], "team-a");

    let got = call(
        &emulator,
        Method::GET,
        &format!("/inference-profiles/{}", label(&arn)),
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["type"], "APPLICATION");

    let deleted = call(
        &emulator,
        Method::DELETE,
        &format!("/inference-profiles/{}", label(&arn)),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = call(
        &emulator,
        Method::GET,
        &format!("/inference-profiles/{}", label(&arn)),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_type(), "ResourceNotFoundException");
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn model_invocation_jobs_follow_the_clock() {
    let emulator = emulator().await;
    let job = |name: &str| {
        json!({
            "jobName": name,
            "roleArn": format!("arn:aws:iam::{ACCOUNT}:role/batch"),
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "inputDataConfig": { "s3InputDataConfig": { "s3Uri": "s3://batch-input/records.jsonl" } },
            "outputDataConfig": { "s3OutputDataConfig": { "s3Uri": "s3://batch-output/" } },
        })
    };
    let created = call(&emulator, Method::POST, "/model-invocation-job", Some(job("batch-1"))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let arn = created.body["jobArn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with(&format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/")));
    let path = format!("/model-invocation-job/{}", label(&arn));

    let status = |answer: &Answer| answer.body["status"].as_str().unwrap_or("").to_owned();
    assert_eq!(status(&call(&emulator, Method::GET, &path, None).await), "Submitted");
    emulator.clock.advance(Duration::from_secs(10));
    let running = call(&emulator, Method::GET, &path, None).await;
    assert_eq!(status(&running), "InProgress");
    assert_eq!(running.body["jobName"], "batch-1");

    let second = call(&emulator, Method::POST, "/model-invocation-job", Some(job("batch-2"))).await;
    let second_arn = second.body["jobArn"].as_str().unwrap().to_owned();
    let stopped = call(
        &emulator,
        Method::POST,
        &format!("/model-invocation-job/{}/stop", label(&second_arn)),
        None,
    )
    .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);

    emulator.clock.advance(Duration::from_secs(60));
    assert_eq!(status(&call(&emulator, Method::GET, &path, None).await), "Completed");
    let late_stop = call(&emulator, Method::POST, &format!("{path}/stop"), None).await;
    assert_eq!(late_stop.status, StatusCode::BAD_REQUEST);
    assert_eq!(late_stop.error_type(), "ConflictException");

    let completed = call(
        &emulator,
        Method::GET,
        "/model-invocation-jobs?statusEquals=Completed",
        None,
    )
    .await;
    let jobs = completed.body["invocationJobSummaries"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["jobArn"], arn.as_str());
    let all = call(&emulator, Method::GET, "/model-invocation-jobs", None).await;
    assert_eq!(all.body["invocationJobSummaries"].as_array().unwrap().len(), 2);

    let unknown = call(&emulator, Method::GET, "/model-invocation-job/abcdefghijkl", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn provisioned_throughput_lifecycle() {
    let emulator = emulator().await;
    let created = call(
        &emulator,
        Method::POST,
        "/provisioned-model-throughput",
        Some(json!({ "modelUnits": 1, "provisionedModelName": "pt-1", "modelId": "amazon.nova-lite-v1:0" })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let arn = created.body["provisionedModelArn"].as_str().unwrap().to_owned();
    assert!(arn.starts_with(&format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/")));

    let by_name = call(&emulator, Method::GET, "/provisioned-model-throughput/pt-1", None).await;
    assert_eq!(by_name.status, StatusCode::OK);
    assert_eq!(by_name.body["status"], "Creating");
    assert_eq!(by_name.body["provisionedModelArn"], arn.as_str());
    emulator.clock.advance(Duration::from_secs(30));
    let path = format!("/provisioned-model-throughput/{}", label(&arn));
    assert_eq!(
        call(&emulator, Method::GET, &path, None).await.body["status"],
        "InService"
    );

    let updated = call(
        &emulator,
        Method::PATCH,
        &path,
        Some(json!({ "desiredProvisionedModelName": "pt-renamed" })),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let listed = call(&emulator, Method::GET, "/provisioned-model-throughputs", None).await;
    let summaries = listed.body["provisionedModelSummaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0]["provisionedModelName"], "pt-renamed");

    let deleted = call(&emulator, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = call(&emulator, Method::GET, &path, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.error_type(), "ResourceNotFoundException");
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn tags_on_a_created_resource() {
    let emulator = emulator().await;
    let created = call(
        &emulator,
        Method::POST,
        "/guardrails",
        Some(json!({ "name": "tagged", "blockedInputMessaging": "no", "blockedOutputsMessaging": "no" })),
    )
    .await;
    let arn = created.body["guardrailArn"].as_str().unwrap().to_owned();

    let tag =
        json!({ "resourceARN": arn, "tags": [ { "key": "env", "value": "dev" }, { "key": "team", "value": "x" } ] });
    let tagged = call(&emulator, Method::POST, "/tagResource", Some(tag)).await;
    assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
    assert_eq!(tagged.body, json!({}));
    let list = || json!({ "resourceARN": arn });
    let tags = call(&emulator, Method::POST, "/listTagsForResource", Some(list())).await;
    assert_eq!(
        tags.body,
        json!({ "tags": [ { "key": "env", "value": "dev" }, { "key": "team", "value": "x" } ] })
    );

    let untag = json!({ "resourceARN": arn, "tagKeys": ["env"] });
    let untagged = call(&emulator, Method::POST, "/untagResource", Some(untag)).await;
    assert_eq!(untagged.status, StatusCode::OK);
    let tags = call(&emulator, Method::POST, "/listTagsForResource", Some(list())).await;
    assert_eq!(tags.body, json!({ "tags": [ { "key": "team", "value": "x" } ] }));

    let unknown = json!({ "resourceARN": format!("arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/zzzzzzzzzzzz") });
    let missing = call(&emulator, Method::POST, "/listTagsForResource", Some(unknown)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_type(), "ResourceNotFoundException");
    emulator.handle.shutdown().await;
}

#[tokio::test]
async fn operations_not_emulated_answer_501_naming_them() {
    let emulator = emulator().await;
    let answer = call(
        &emulator,
        Method::POST,
        "/model-customization-jobs",
        Some(json!({ "jobName": "ft", "customModelName": "m", "roleArn": "r", "baseModelIdentifier": "b" })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(answer.error_type(), "ValidationException");
    json_content_type(&answer);
    assert!(
        answer
            .message()
            .starts_with("bedrock-local does not emulate the control-plane operation CreateModelCustomizationJob;"),
        "{}",
        answer.message()
    );
    assert!(answer.message().contains("CreateGuardrail"));

    let other = call(&emulator, Method::GET, "/custom-models/my-model", None).await;
    assert_eq!(other.status, StatusCode::NOT_IMPLEMENTED);
    assert!(
        other.message().contains("operation GetCustomModel;"),
        "{}",
        other.message()
    );

    let log = emulator.handle.log();
    assert_eq!(log[0].operation.as_deref(), Some("CreateModelCustomizationJob"));
    assert_eq!(log[1].operation.as_deref(), Some("GetCustomModel"));
    emulator.handle.shutdown().await;
}

/// Builds the request with the generated client side, sends it, parses the answer with it.
async fn sdk_call<O: Operation>(
    emulator: &Emulator,
    input: &O::Input,
) -> Result<O::Output, bedrock_wire::ResponseError<O::Error>> {
    let request = O::build_request(input).unwrap();
    let response = send_http(emulator.handle.local_addr(), request).await;
    O::parse_response(&response)
}

#[tokio::test]
async fn the_generated_client_side_reads_the_answers() {
    let emulator = emulator().await;

    let mut filter = ListFoundationModelsRequest::new();
    filter.by_output_modality = Some(ModelModality::Embedding);
    let models = sdk_call::<ListFoundationModels>(&emulator, &filter).await.unwrap();
    let models = models.model_summaries.unwrap();
    assert!(!models.is_empty());
    assert!(models
        .iter()
        .all(|m| m.output_modalities.as_deref() == Some(&[ModelModality::Embedding][..])));

    let created = sdk_call::<CreateGuardrail>(&emulator, &CreateGuardrailRequest::new("sdk", "In.", "Out."))
        .await
        .unwrap();
    assert_eq!(created.version, "DRAFT");
    assert_eq!(created.guardrail_id.len(), 12);

    let got = sdk_call::<GetGuardrail>(&emulator, &GetGuardrailRequest::new(created.guardrail_arn.clone()))
        .await
        .unwrap();
    assert_eq!(got.guardrail_id, created.guardrail_id);
    assert_eq!(got.name, "sdk");
    assert_eq!(got.status, GuardrailStatus::Ready);
    assert_eq!(got.blocked_outputs_messaging, "Out.");

    let missing = sdk_call::<GetGuardrail>(&emulator, &GetGuardrailRequest::new("zzzzzzzzzzzz")).await;
    match missing.map_err(|e| e.as_service().map(|s| s.kind.clone())) {
        Err(Some(GetGuardrailError::ResourceNotFoundException(e))) => {
            assert!(e.message.unwrap_or_default().contains("zzzzzzzzzzzz"))
        }
        other => panic!("{other:?}"),
    }
    emulator.handle.shutdown().await;
}
