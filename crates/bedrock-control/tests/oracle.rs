//! The control-plane client's wire format, checked against boto3/botocore as an independent
//! oracle, one test per operation.
//!
//! `tests/python/control_oracle.py` builds a non-trivial input for every operation from the
//! pinned service model (every member set down to a depth limit, URI labels holding ARNs
//! with `:` and `/`, two-element query lists, enum values, timestamps, blobs; idempotency
//! tokens left unset), sends it through boto3 (which loads the same pinned model from
//! `specs/cache/extracted`) to a recording server, and writes what botocore sent, a response
//! built from the output shape, and the values in that response. Each test here sends the
//! same input through [`bedrock_control::Client`] to its own recording server answering
//! with that response, then compares method, raw path, query (decoded, as a multiset),
//! headers (content type, modeled headers, the idempotency token) and JSON body
//! (semantically), and checks the typed output against the values put in the response.
//! A second call is answered with one of the operation's modeled client errors (namespaced
//! `x-amzn-errortype`, JSON members): code, message, status and request id must be what
//! boto3 read, and the typed error must be that variant.
//!
//! Needs `python3` with boto3 (`pip install boto3`; `.ci/run` installs it) and the extracted
//! specs (`cargo xtask specs`; `cargo xtask codegen` fetches them too). As in bedrock-local's
//! boto3 test, a missing boto3 fails the test with instructions rather than skipping it.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bedrock_control::operation;
use bedrock_wire::{Operation, OperationError};
use serde_json::Value;
use support::{client, Recorded, Recorder, FIXED_TOKEN};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/control_oracle.py");

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The oracle's recordings for every operation: the script runs once per test binary.
fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let specs = workspace_root().join("specs/cache/extracted");
        assert!(
            specs.join("bedrock/2023-04-20/service-2.json").is_file(),
            "{} holds no extracted specs: run `cargo xtask specs`",
            specs.display()
        );
        match Command::new(python()).args(["-c", "import boto3"]).output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "boto3 is not importable by {}: run `pip install boto3` (CI installs it).\n{}",
                python(),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => panic!(
                "cannot run {}: {error}; install Python 3 and `pip install boto3` (CI installs both)",
                python()
            ),
        }
        let out = std::env::temp_dir().join(format!("bedrock-control-oracle-{}.json", std::process::id()));
        let output = Command::new(python())
            .arg(SCRIPT)
            .arg(&specs)
            .arg(&out)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_BEDROCK")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "control_oracle.py failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        let _ = std::fs::remove_file(&out);
        serde_json::from_str(&text).unwrap()
    })
}

/// Headers that belong to the transport or the signer, not to the operation's serialization.
const TRANSPORT_HEADERS: &[&str] = &[
    "accept-encoding",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "authorization",
    "content-length",
    "host",
    "user-agent",
    "x-amz-date",
    "x-amz-user-agent",
    "x-amz-content-sha256",
    "x-amz-security-token",
];

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            // Form decoding, as Python's parse_qsl (and the service) read a query.
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn decoded_query(query: Option<&str>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    pairs.sort();
    pairs
}

/// JSON equality with numbers compared as `f64` (`1` and `1.0` are the same value).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn check_request(op: &str, expected: &Value, got: &Recorded) -> Vec<String> {
    let mut problems = Vec::new();
    if expected["method"] != got.method.as_str() {
        problems.push(format!("method: boto3 {} , ours {}", expected["method"], got.method));
    }
    if expected["path"] != got.path.as_str() {
        problems.push(format!("path:\n  boto3 {}\n  ours  {}", expected["path"], got.path));
    }
    let mut want: Vec<(String, String)> = expected["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
        .collect();
    want.sort();
    let have = decoded_query(got.query.as_deref());
    if want != have {
        problems.push(format!("query:\n  boto3 {want:?}\n  ours  {have:?}"));
    }
    let boto_headers = expected["headers"].as_object().unwrap();
    for (name, value) in boto_headers {
        if TRANSPORT_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let ours = got
            .headers
            .get(name.as_str())
            .map(|v| v.to_str().unwrap_or("<not UTF-8>"));
        if ours != value.as_str() {
            problems.push(format!("header {name}: boto3 {value}, ours {ours:?}"));
        }
    }
    for (name, value) in &got.headers {
        let name = name.as_str();
        if !TRANSPORT_HEADERS.contains(&name) && !name.starts_with("amz-sdk-") && !boto_headers.contains_key(name) {
            problems.push(format!("header {name}: ours {value:?}, boto3 sends none"));
        }
    }
    let boto_body = expected["body"].as_str().unwrap();
    let ours = std::str::from_utf8(&got.body).unwrap_or("<not UTF-8>");
    match (boto_body.is_empty(), ours.is_empty()) {
        (true, true) => {}
        (false, false) => {
            let (a, b): (Value, Value) = (
                serde_json::from_str(boto_body).unwrap(),
                serde_json::from_str(ours).unwrap_or(Value::Null),
            );
            if !same_json(&a, &b) {
                problems.push(format!("body:\n  boto3 {a}\n  ours  {b}"));
            }
        }
        _ => problems.push(format!("body:\n  boto3 {boto_body:?}\n  ours  {ours:?}")),
    }
    problems.into_iter().map(|p| format!("{op}: {p}")).collect()
}

/// A recording server answering with the oracle's `{status, headers, body}`.
async fn recorder(response: &Value) -> Recorder {
    let headers = response["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Recorder::start(
        response["status"].as_u64().unwrap() as u16,
        headers,
        response["body"].as_str().unwrap().to_owned(),
    )
    .await
}

async fn run<O>(op: &str, call: impl Fn(bedrock_control::Client, O::Input) -> bedrock_control::Call<O>)
where
    O: Operation + 'static,
    O::Input: serde::de::DeserializeOwned + Clone + Send + 'static,
    O::Output: serde::Serialize + Send + 'static,
    O::Error: OperationError + std::fmt::Debug,
{
    let case = &fixture()[op];
    assert!(case.is_object(), "the oracle recorded nothing for {op}");
    let input: O::Input = serde_json::from_value(case["input"].clone())
        .unwrap_or_else(|e| panic!("{op}: the oracle's input does not read as our type: {e}"));
    let server = recorder(&case["response"]).await;
    let client = client(&server.url).await;
    let result = call(client.clone(), input.clone()).await;
    let requests = server.take();
    assert_eq!(requests.len(), 1, "{op}: {} requests sent", requests.len());
    let mut problems = check_request(op, &case["request"], &requests[0]);
    match result {
        Ok(output) => {
            let ours = serde_json::to_value(&output).unwrap();
            if !same_json(&ours, &case["output"]) {
                problems.push(format!("{op}: output:\n  put in {}\n  parsed {ours}", case["output"]));
            }
        }
        Err(e) => problems.push(format!("{op}: the response did not parse: {e:?}")),
    }
    // The same call answered with a modeled error: the code, message, status and request id
    // boto3 read from it, and our typed variant of that code.
    if let Some(expected) = case.get("error") {
        let server = recorder(&expected["response"]).await;
        let client = support::client(&server.url).await;
        match call(client, input).await {
            Ok(_) => problems.push(format!("{op}: the error response parsed as a success")),
            Err(e) => {
                let code = expected["code"].as_str().unwrap();
                let meta = e.meta();
                if e.code() != Some(code) || e.service_error().and_then(|k| k.code()) != Some(code) {
                    problems.push(format!("{op}: error code: boto3 {code}, ours {e:?}"));
                }
                if meta.and_then(|m| m.message.as_deref()) != expected["message"].as_str() {
                    problems.push(format!(
                        "{op}: error message: boto3 {}, ours {e:?}",
                        expected["message"]
                    ));
                }
                if e.request_id() != expected["request_id"].as_str() {
                    problems.push(format!(
                        "{op}: request id: boto3 {}, ours {e:?}",
                        expected["request_id"]
                    ));
                }
                if meta.map(|m| u64::from(m.status)) != expected["status"].as_u64() {
                    problems.push(format!("{op}: status: boto3 {}, ours {e:?}", expected["status"]));
                }
            }
        }
        assert_eq!(server.take().len(), 1, "{op}: a non-retryable error was retried");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let token_header = requests[0].headers.get("x-amz-client-token");
    if let Some(token) = token_header {
        assert_eq!(token, FIXED_TOKEN);
    }
}

macro_rules! oracle_tests {
    ($($method:ident: $op:ident,)*) => {
        $(
            #[tokio::test]
            async fn $method() {
                run::<operation::$op>(stringify!($op), |client, input| client.$method(input)).await;
            }
        )*

        /// Every operation of the model has a test above.
        #[test]
        fn every_operation_is_covered() {
            let covered = [$(<operation::$op as Operation>::NAME),*];
            let recorded: Vec<&str> = fixture().as_object().unwrap().keys().map(String::as_str).collect();
            for name in &recorded {
                assert!(covered.contains(name), "no oracle test for {name}");
            }
            assert_eq!(covered.len(), 108);
        }
    };
}

// One test per operation of the model (all 108; `every_operation_is_covered` checks the list).
oracle_tests! {
    batch_delete_advanced_prompt_optimization_job: BatchDeleteAdvancedPromptOptimizationJob,
    batch_delete_evaluation_job: BatchDeleteEvaluationJob,
    cancel_automated_reasoning_policy_build_workflow: CancelAutomatedReasoningPolicyBuildWorkflow,
    create_advanced_prompt_optimization_job: CreateAdvancedPromptOptimizationJob,
    create_automated_reasoning_policy: CreateAutomatedReasoningPolicy,
    create_automated_reasoning_policy_test_case: CreateAutomatedReasoningPolicyTestCase,
    create_automated_reasoning_policy_version: CreateAutomatedReasoningPolicyVersion,
    create_custom_model: CreateCustomModel,
    create_custom_model_deployment: CreateCustomModelDeployment,
    create_evaluation_job: CreateEvaluationJob,
    create_foundation_model_agreement: CreateFoundationModelAgreement,
    create_guardrail: CreateGuardrail,
    create_guardrail_version: CreateGuardrailVersion,
    create_inference_profile: CreateInferenceProfile,
    create_marketplace_model_endpoint: CreateMarketplaceModelEndpoint,
    create_model_copy_job: CreateModelCopyJob,
    create_model_customization_job: CreateModelCustomizationJob,
    create_model_import_job: CreateModelImportJob,
    create_model_invocation_job: CreateModelInvocationJob,
    create_prompt_router: CreatePromptRouter,
    create_provisioned_model_throughput: CreateProvisionedModelThroughput,
    delete_automated_reasoning_policy: DeleteAutomatedReasoningPolicy,
    delete_automated_reasoning_policy_build_workflow: DeleteAutomatedReasoningPolicyBuildWorkflow,
    delete_automated_reasoning_policy_test_case: DeleteAutomatedReasoningPolicyTestCase,
    delete_custom_model: DeleteCustomModel,
    delete_custom_model_deployment: DeleteCustomModelDeployment,
    delete_enforced_guardrail_configuration: DeleteEnforcedGuardrailConfiguration,
    delete_foundation_model_agreement: DeleteFoundationModelAgreement,
    delete_guardrail: DeleteGuardrail,
    delete_imported_model: DeleteImportedModel,
    delete_inference_profile: DeleteInferenceProfile,
    delete_marketplace_model_endpoint: DeleteMarketplaceModelEndpoint,
    delete_model_invocation_logging_configuration: DeleteModelInvocationLoggingConfiguration,
    delete_prompt_router: DeletePromptRouter,
    delete_provisioned_model_throughput: DeleteProvisionedModelThroughput,
    delete_resource_policy: DeleteResourcePolicy,
    deregister_marketplace_model_endpoint: DeregisterMarketplaceModelEndpoint,
    export_automated_reasoning_policy_version: ExportAutomatedReasoningPolicyVersion,
    get_account_data_retention: GetAccountDataRetention,
    get_advanced_prompt_optimization_job: GetAdvancedPromptOptimizationJob,
    get_automated_reasoning_policy: GetAutomatedReasoningPolicy,
    get_automated_reasoning_policy_annotations: GetAutomatedReasoningPolicyAnnotations,
    get_automated_reasoning_policy_build_workflow: GetAutomatedReasoningPolicyBuildWorkflow,
    get_automated_reasoning_policy_build_workflow_result_assets: GetAutomatedReasoningPolicyBuildWorkflowResultAssets,
    get_automated_reasoning_policy_next_scenario: GetAutomatedReasoningPolicyNextScenario,
    get_automated_reasoning_policy_test_case: GetAutomatedReasoningPolicyTestCase,
    get_automated_reasoning_policy_test_result: GetAutomatedReasoningPolicyTestResult,
    get_custom_model: GetCustomModel,
    get_custom_model_deployment: GetCustomModelDeployment,
    get_evaluation_job: GetEvaluationJob,
    get_foundation_model: GetFoundationModel,
    get_foundation_model_availability: GetFoundationModelAvailability,
    get_guardrail: GetGuardrail,
    get_imported_model: GetImportedModel,
    get_inference_profile: GetInferenceProfile,
    get_marketplace_model_endpoint: GetMarketplaceModelEndpoint,
    get_model_copy_job: GetModelCopyJob,
    get_model_customization_job: GetModelCustomizationJob,
    get_model_import_job: GetModelImportJob,
    get_model_invocation_job: GetModelInvocationJob,
    get_model_invocation_logging_configuration: GetModelInvocationLoggingConfiguration,
    get_prompt_router: GetPromptRouter,
    get_provisioned_model_throughput: GetProvisionedModelThroughput,
    get_resource_policy: GetResourcePolicy,
    get_use_case_for_model_access: GetUseCaseForModelAccess,
    list_advanced_prompt_optimization_jobs: ListAdvancedPromptOptimizationJobs,
    list_automated_reasoning_policies: ListAutomatedReasoningPolicies,
    list_automated_reasoning_policy_build_workflows: ListAutomatedReasoningPolicyBuildWorkflows,
    list_automated_reasoning_policy_test_cases: ListAutomatedReasoningPolicyTestCases,
    list_automated_reasoning_policy_test_results: ListAutomatedReasoningPolicyTestResults,
    list_custom_model_deployments: ListCustomModelDeployments,
    list_custom_models: ListCustomModels,
    list_enforced_guardrails_configuration: ListEnforcedGuardrailsConfiguration,
    list_evaluation_jobs: ListEvaluationJobs,
    list_foundation_model_agreement_offers: ListFoundationModelAgreementOffers,
    list_foundation_models: ListFoundationModels,
    list_guardrails: ListGuardrails,
    list_imported_models: ListImportedModels,
    list_inference_profiles: ListInferenceProfiles,
    list_marketplace_model_endpoints: ListMarketplaceModelEndpoints,
    list_model_copy_jobs: ListModelCopyJobs,
    list_model_customization_jobs: ListModelCustomizationJobs,
    list_model_import_jobs: ListModelImportJobs,
    list_model_invocation_jobs: ListModelInvocationJobs,
    list_prompt_routers: ListPromptRouters,
    list_provisioned_model_throughputs: ListProvisionedModelThroughputs,
    list_tags_for_resource: ListTagsForResource,
    put_account_data_retention: PutAccountDataRetention,
    put_enforced_guardrail_configuration: PutEnforcedGuardrailConfiguration,
    put_model_invocation_logging_configuration: PutModelInvocationLoggingConfiguration,
    put_resource_policy: PutResourcePolicy,
    put_use_case_for_model_access: PutUseCaseForModelAccess,
    register_marketplace_model_endpoint: RegisterMarketplaceModelEndpoint,
    start_automated_reasoning_policy_build_workflow: StartAutomatedReasoningPolicyBuildWorkflow,
    start_automated_reasoning_policy_test_workflow: StartAutomatedReasoningPolicyTestWorkflow,
    stop_advanced_prompt_optimization_job: StopAdvancedPromptOptimizationJob,
    stop_evaluation_job: StopEvaluationJob,
    stop_model_customization_job: StopModelCustomizationJob,
    stop_model_invocation_job: StopModelInvocationJob,
    tag_resource: TagResource,
    untag_resource: UntagResource,
    update_automated_reasoning_policy: UpdateAutomatedReasoningPolicy,
    update_automated_reasoning_policy_annotations: UpdateAutomatedReasoningPolicyAnnotations,
    update_automated_reasoning_policy_test_case: UpdateAutomatedReasoningPolicyTestCase,
    update_custom_model_deployment: UpdateCustomModelDeployment,
    update_guardrail: UpdateGuardrail,
    update_marketplace_model_endpoint: UpdateMarketplaceModelEndpoint,
    update_provisioned_model_throughput: UpdateProvisionedModelThroughput,
}
