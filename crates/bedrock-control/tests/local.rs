//! The control-plane client end to end against bedrock-local: every operation the emulator
//! serves, through `bedrock_control::Client` (config, endpoint, SigV4, executor, generated
//! serializers and parsers), with pagination, typed errors and idempotency tokens.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bedrock_control::error::{CreateGuardrailError, GetGuardrailError};
use bedrock_control::operation::CreateGuardrail;
use bedrock_control::types::*;
use bedrock_control::{wait_until, Client, WaitError, WaitPolicy};
use bedrock_local::control::{Clock as _, ControlPlane, ControlPlaneConfig, ManualClock};
use bedrock_local::service::control::register;
use bedrock_local::{Handle, Router};
use futures_util::StreamExt;
use support::FIXED_TOKEN;

const ACCOUNT: &str = "111122223333";
const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

struct Local {
    handle: Handle,
    clock: ManualClock,
    client: Client,
}

async fn local() -> Local {
    let clock = ManualClock::at_epoch_secs(1_700_000_000);
    let plane = ControlPlane::new(
        ControlPlaneConfig::new()
            .with_region("us-east-1")
            .with_account_id(ACCOUNT)
            .with_clock(Arc::new(clock.clone()))
            .with_id_seed(7),
    );
    let router = register(Router::new(), Arc::new(plane));
    let handle = bedrock_local::start(bedrock_local::Config::new().seed(7).service(router))
        .await
        .unwrap();
    let client = support::client(&handle.base_url()).await;
    Local { handle, clock, client }
}

fn guardrail(name: &str) -> CreateGuardrailRequest {
    CreateGuardrailRequest::new(name, "Blocked input.", "Blocked output.")
}

#[tokio::test]
async fn foundation_models() {
    let local = local().await;
    let all = local
        .client
        .list_foundation_models(ListFoundationModelsRequest::new())
        .await
        .unwrap();
    let all = all.model_summaries.unwrap();
    assert!(all.iter().any(|m| m.model_id == MODEL));
    let anthropic = local
        .client
        .list_foundation_models(
            ListFoundationModelsRequest::new()
                .with_by_provider("Anthropic")
                .with_by_output_modality(ModelModality::Text),
        )
        .await
        .unwrap()
        .model_summaries
        .unwrap();
    assert!(!anthropic.is_empty() && anthropic.len() < all.len());
    assert!(anthropic.iter().all(|m| m.model_id.starts_with("anthropic.")));

    let by_id = local
        .client
        .get_foundation_model(GetFoundationModelRequest::new(MODEL))
        .await
        .unwrap()
        .model_details
        .unwrap();
    assert_eq!(by_id.model_id, MODEL);
    // An ARN as the label: `:` and `/` stay inside one path segment.
    let by_arn = local
        .client
        .get_foundation_model(GetFoundationModelRequest::new(by_id.model_arn.clone()))
        .await
        .unwrap()
        .model_details
        .unwrap();
    assert_eq!(by_arn.model_id, MODEL);
    local.handle.shutdown().await;
}

#[tokio::test]
async fn inference_profiles() {
    let local = local().await;
    let c = &local.client;
    let system: Vec<InferenceProfileSummary> = c
        .list_inference_profiles_paginator(ListInferenceProfilesRequest::new().with_max_results(3))
        .items()
        .map(Result::unwrap)
        .collect()
        .await;
    assert!(system.len() > 3, "{}", system.len());
    let profile = &system[0];
    let got = c
        .get_inference_profile(GetInferenceProfileRequest::new(profile.inference_profile_id.clone()))
        .await
        .unwrap();
    assert_eq!(got.inference_profile_arn, profile.inference_profile_arn);

    let source = format!("arn:aws:bedrock:us-east-1::foundation-model/{MODEL}");
    let created = c
        .create_inference_profile(CreateInferenceProfileRequest::new(
            "my-profile",
            InferenceProfileModelSource::CopyFrom(source),
        ))
        .await
        .unwrap();
    assert!(created
        .inference_profile_arn
        .contains(":application-inference-profile/"));
    let apps = c
        .list_inference_profiles(
            ListInferenceProfilesRequest::new().with_type_equals(InferenceProfileType::Application),
        )
        .await
        .unwrap()
        .inference_profile_summaries
        .unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].inference_profile_name, "my-profile");
    c.delete_inference_profile(DeleteInferenceProfileRequest::new(
        created.inference_profile_arn.clone(),
    ))
    .await
    .unwrap();
    let gone = c
        .get_inference_profile(GetInferenceProfileRequest::new(created.inference_profile_arn))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"), "{gone}");
    local.handle.shutdown().await;
}

#[tokio::test]
async fn guardrails_lifecycle_and_typed_errors() {
    let local = local().await;
    let c = &local.client;
    let created = c.create_guardrail(guardrail("pii")).await.unwrap();
    assert_eq!(created.version, "DRAFT");
    let got = c
        .get_guardrail(GetGuardrailRequest::new(created.guardrail_id.clone()))
        .await
        .unwrap();
    assert_eq!(got.name, "pii");
    assert_eq!(got.status, GuardrailStatus::Ready);

    let updated = c
        .update_guardrail(
            UpdateGuardrailRequest::new(created.guardrail_id.clone(), "pii-2", "No.", "No.")
                .with_description("second draft"),
        )
        .await
        .unwrap();
    assert_eq!(updated.version, "DRAFT");
    let version = c
        .create_guardrail_version(
            CreateGuardrailVersionRequest::new(created.guardrail_arn.clone()).with_description("first release"),
        )
        .await
        .unwrap();
    assert_eq!(version.version, "1");
    let v1 = c
        .get_guardrail(GetGuardrailRequest::new(created.guardrail_id.clone()).with_guardrail_version("1"))
        .await
        .unwrap();
    assert_eq!((v1.name.as_str(), v1.version.as_str()), ("pii-2", "1"));
    let versions = c
        .list_guardrails(ListGuardrailsRequest::new().with_guardrail_identifier(created.guardrail_id.clone()))
        .await
        .unwrap();
    assert_eq!(versions.guardrails.len(), 2);

    // ConflictException: the name is taken (by the updated draft).
    let conflict = c
        .create_guardrail(guardrail("pii-2").with_client_request_token("other-token"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            conflict.service_error(),
            Some(CreateGuardrailError::ConflictException(_))
        ),
        "{conflict}"
    );
    // ValidationException: a name longer than the model's 50 characters.
    let invalid = c.create_guardrail(guardrail(&"x".repeat(51))).await.unwrap_err();
    assert!(
        matches!(
            invalid.service_error(),
            Some(CreateGuardrailError::ValidationException(_))
        ),
        "{invalid}"
    );
    assert!(
        invalid.to_string().contains("failed to satisfy constraint"),
        "{invalid}"
    );

    c.delete_guardrail(DeleteGuardrailRequest::new(created.guardrail_id.clone()))
        .await
        .unwrap();
    // ResourceNotFoundException, with the request id in Display.
    let missing = c
        .get_guardrail(GetGuardrailRequest::new(created.guardrail_id.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing.service_error(),
            Some(GetGuardrailError::ResourceNotFoundException(_))
        ),
        "{missing}"
    );
    let request_id = missing.request_id().expect("a request id");
    assert!(missing.to_string().contains(request_id), "{missing}");
    assert_eq!(missing.meta().unwrap().status, 404);
    assert!(!missing.is_retryable());
    local.handle.shutdown().await;
}

#[tokio::test]
async fn idempotency_token_is_filled_automatically() {
    let local = local().await;
    let c = &local.client;
    let input = guardrail("once");
    assert!(input.client_request_token.is_none());
    let request = c
        .service_client()
        .build_request::<CreateGuardrail>(input.clone())
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["clientRequestToken"], FIXED_TOKEN);
    // The same (filled) token twice: the emulator returns the guardrail made the first time.
    let first = c.create_guardrail(input.clone()).await.unwrap();
    let second = c.create_guardrail(input).await.unwrap();
    assert_eq!(first.guardrail_id, second.guardrail_id);
    let listed = c.list_guardrails(ListGuardrailsRequest::new()).await.unwrap();
    assert_eq!(listed.guardrails.len(), 1);
    // A token set by the caller is kept.
    let explicit = c
        .service_client()
        .build_request::<CreateGuardrail>(guardrail("mine").with_client_request_token("caller-token"))
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(explicit.body()).unwrap();
    assert_eq!(body["clientRequestToken"], "caller-token");
    local.handle.shutdown().await;
}

#[tokio::test]
async fn pagination_across_pages_and_items() {
    let local = local().await;
    let c = &local.client;
    let mut ids = Vec::new();
    for i in 0..5 {
        let created = c
            .create_guardrail(guardrail(&format!("g{i}")).with_client_request_token(format!("token-{i}")))
            .await
            .unwrap();
        ids.push(created.guardrail_id);
    }
    let pages: Vec<ListGuardrailsResponse> = c
        .list_guardrails_paginator(ListGuardrailsRequest::new().with_max_results(2))
        .pages()
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(pages.iter().map(|p| p.guardrails.len()).collect::<Vec<_>>(), [2, 2, 1]);
    assert!(pages[..2].iter().all(|p| p.next_token.is_some()));
    assert!(pages[2].next_token.is_none());
    let mut listed: Vec<String> = c
        .list_guardrails_paginator(ListGuardrailsRequest::new().with_max_results(2))
        .items()
        .map(|g| g.unwrap().id)
        .collect()
        .await;
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
    // Three list requests per walk, plus five creates.
    assert_eq!(local.handle.stats().requests, 5 + 3 + 3);
    local.handle.shutdown().await;
}

fn batch_job(name: &str) -> CreateModelInvocationJobRequest {
    CreateModelInvocationJobRequest::new(
        name,
        format!("arn:aws:iam::{ACCOUNT}:role/batch"),
        MODEL,
        ModelInvocationJobInputDataConfig::S3InputDataConfig(ModelInvocationJobS3InputDataConfig::new(
            "s3://input-bucket/batch/records.jsonl",
        )),
        ModelInvocationJobOutputDataConfig::S3OutputDataConfig(ModelInvocationJobS3OutputDataConfig::new(
            "s3://output-bucket/batch/",
        )),
    )
}

#[tokio::test]
async fn batch_inference_jobs() {
    let local = local().await;
    let c = &local.client;
    let first = c.create_model_invocation_job(batch_job("batch-1")).await.unwrap();
    let job = c
        .get_model_invocation_job(GetModelInvocationJobRequest::new(first.job_arn.clone()))
        .await
        .unwrap();
    assert_eq!(job.status, Some(ModelInvocationJobStatus::Submitted));
    assert_eq!(job.client_request_token.as_deref(), Some(FIXED_TOKEN));
    local.clock.advance(Duration::from_secs(11));
    let job = c
        .get_model_invocation_job(GetModelInvocationJobRequest::new(first.job_arn.clone()))
        .await
        .unwrap();
    assert_eq!(job.status, Some(ModelInvocationJobStatus::InProgress));

    let second = c
        .create_model_invocation_job(batch_job("batch-2").with_client_request_token("second"))
        .await
        .unwrap();
    c.stop_model_invocation_job(StopModelInvocationJobRequest::new(second.job_arn.clone()))
        .await
        .unwrap();
    let stopped = c
        .list_model_invocation_jobs_paginator(
            ListModelInvocationJobsRequest::new().with_status_equals(ModelInvocationJobStatus::Stopped),
        )
        .items()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].job_arn, second.job_arn);
    let all = c
        .list_model_invocation_jobs(ListModelInvocationJobsRequest::new())
        .await
        .unwrap()
        .invocation_job_summaries
        .unwrap();
    assert_eq!(all.len(), 2);
    local.handle.shutdown().await;
}

/// A `bedrock_transport::Clock` whose sleeps move the emulator's manual clock instead of
/// waiting: `wait_until` then runs without real delays.
#[derive(Debug)]
struct EmulatorTime(ManualClock, Instant);

impl bedrock_transport::Clock for EmulatorTime {
    fn now(&self) -> Instant {
        let elapsed = self.0.now().duration_since(SystemTime::UNIX_EPOCH).unwrap() - Duration::from_secs(1_700_000_000);
        self.1 + elapsed
    }
    fn system_time(&self) -> SystemTime {
        self.0.now()
    }
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

#[tokio::test]
async fn provisioned_throughput_with_wait_until() {
    let local = local().await;
    let c = &local.client;
    let created = c
        .create_provisioned_model_throughput(CreateProvisionedModelThroughputRequest::new(
            1,
            "pt-1",
            "amazon.nova-lite-v1:0",
        ))
        .await
        .unwrap();
    let time = EmulatorTime(local.clock.clone(), Instant::now());
    let get = || {
        c.get_provisioned_model_throughput(GetProvisionedModelThroughputRequest::new(
            created.provisioned_model_arn.clone(),
        ))
    };
    let policy = WaitPolicy::fixed(Duration::from_secs(10), Duration::from_secs(120));
    let polls = AtomicU32::new(0);
    let ready = wait_until(
        &time,
        policy,
        || {
            polls.fetch_add(1, Ordering::Relaxed);
            get().send()
        },
        |pt| match pt.status {
            ProvisionedModelStatus::InService => Ok(true),
            ProvisionedModelStatus::Failed => Err("Failed".into()),
            _ => Ok(false),
        },
    )
    .await
    .unwrap();
    assert_eq!(ready.status, ProvisionedModelStatus::InService);
    // Created at t, in service 30 s later: polls at 0, 10, 20 and 30 s.
    assert_eq!(polls.load(Ordering::Relaxed), 4);

    let timed_out = wait_until(
        &time,
        WaitPolicy::fixed(Duration::from_secs(10), Duration::from_secs(25)),
        || get().send(),
        |_| Ok(false),
    )
    .await;
    assert!(
        matches!(timed_out, Err(WaitError::TimedOut { polls: 4 })),
        "{timed_out:?}"
    );

    c.update_provisioned_model_throughput(
        UpdateProvisionedModelThroughputRequest::new("pt-1").with_desired_provisioned_model_name("pt-renamed"),
    )
    .await
    .unwrap();
    let listed = c
        .list_provisioned_model_throughputs(ListProvisionedModelThroughputsRequest::new())
        .await
        .unwrap()
        .provisioned_model_summaries
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].provisioned_model_name, "pt-renamed");
    c.delete_provisioned_model_throughput(DeleteProvisionedModelThroughputRequest::new("pt-renamed"))
        .await
        .unwrap();
    let gone = c
        .get_provisioned_model_throughput(GetProvisionedModelThroughputRequest::new("pt-renamed"))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    local.handle.shutdown().await;
}

#[tokio::test]
async fn tags() {
    let local = local().await;
    let c = &local.client;
    let created = c.create_guardrail(guardrail("tagged")).await.unwrap();
    let arn = created.guardrail_arn;
    c.tag_resource(TagResourceRequest::new(
        arn.clone(),
        vec![Tag::new("env", "dev"), Tag::new("team", "x")],
    ))
    .await
    .unwrap();
    let tags = c
        .list_tags_for_resource(ListTagsForResourceRequest::new(arn.clone()))
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags, vec![Tag::new("env", "dev"), Tag::new("team", "x")]);
    c.untag_resource(UntagResourceRequest::new(arn.clone(), vec!["env".to_owned()]))
        .await
        .unwrap();
    let tags = c
        .list_tags_for_resource(ListTagsForResourceRequest::new(arn))
        .await
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(tags, vec![Tag::new("team", "x")]);
    local.handle.shutdown().await;
}

#[tokio::test]
async fn an_operation_the_emulator_does_not_serve_is_a_typed_501() {
    let local = local().await;
    let error = local
        .client
        .get_custom_model(GetCustomModelRequest::new("my-model"))
        .await
        .unwrap_err();
    assert_eq!(error.meta().unwrap().status, 501);
    assert_eq!(error.code(), Some("ValidationException"));
    assert!(error.to_string().contains("GetCustomModel"), "{error}");
    local.handle.shutdown().await;
}
