//! Tests of the control plane: one module per operation family, all on a
//! manual clock and a fixed id seed.

use std::sync::Arc;
use std::time::Duration;

use bedrock_control_types::error as ce;
use bedrock_control_types::types::*;

use super::*;

const START: u64 = 1_700_000_000;

fn plane() -> (ControlPlane, ManualClock) {
    let clock = ManualClock::at_epoch_secs(START);
    let plane = ControlPlane::new(
        ControlPlaneConfig::new()
            .with_region("us-west-2")
            .with_account_id("111122223333")
            .with_clock(Arc::new(clock.clone()))
            .with_id_seed(42),
    );
    (plane, clock)
}

fn is_id(id: &str) -> bool {
    id.len() == 12 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

mod ids_and_errors {
    use super::*;

    #[test]
    fn ids_are_seeded_and_service_shaped() {
        let mut a = IdGenerator::new(7);
        let mut b = IdGenerator::new(7);
        let first = a.next_id();
        assert!(is_id(&first), "{first}");
        assert_eq!(first, b.next_id());
        assert_ne!(first, a.next_id());
        assert_ne!(IdGenerator::new(8).next_id(), first);
    }

    #[test]
    fn same_seed_same_resources() {
        let (a, _) = plane();
        let (b, _) = plane();
        for name in ["one", "two"] {
            let request = CreateGuardrailRequest::new(name, "x", "y");
            assert_eq!(
                a.create_guardrail(&request).unwrap(),
                b.create_guardrail(&request).unwrap()
            );
        }
    }

    #[test]
    fn shared_across_threads() {
        let (plane, _) = plane();
        let plane = Arc::new(plane);
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let plane = Arc::clone(&plane);
                std::thread::spawn(move || {
                    (0..5)
                        .map(|j| {
                            let request = CreateGuardrailRequest::new(format!("t{i}-{j}"), "x", "y");
                            plane
                                .create_guardrail(&request)
                                .map(|r| r.guardrail_id)
                                .unwrap_or_default()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut ids: Vec<String> = handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 20);
        assert!(ids.iter().all(|id| is_id(id)));
    }

    #[test]
    fn far_future_clock_does_not_overflow() {
        // As far as the platform's SystemTime reaches (i64::MAX seconds on Unix).
        let far = [u64::MAX / 2, 1 << 40]
            .iter()
            .find_map(|secs| std::time::UNIX_EPOCH.checked_add(Duration::from_secs(*secs)))
            .unwrap_or(std::time::UNIX_EPOCH);
        let clock = ManualClock::new(far);
        let plane = ControlPlane::new(ControlPlaneConfig::new().with_clock(Arc::new(clock)));
        let mut request = CreateProvisionedModelThroughputRequest::new(1, "far", "amazon.nova-lite-v1:0");
        request.commitment_duration = Some(CommitmentDuration::SixMonths);
        let arn = plane
            .create_provisioned_model_throughput(&request)
            .unwrap()
            .provisioned_model_arn;
        plane
            .get_provisioned_model_throughput(&GetProvisionedModelThroughputRequest::new(arn))
            .unwrap();
        let job = CreateModelInvocationJobRequest::new(
            "far",
            "arn:aws:iam::123456789012:role/batch",
            "amazon.nova-lite-v1:0",
            ModelInvocationJobInputDataConfig::S3InputDataConfig(ModelInvocationJobS3InputDataConfig::new(
                "s3://batch-input/records.jsonl",
            )),
            ModelInvocationJobOutputDataConfig::S3OutputDataConfig(ModelInvocationJobS3OutputDataConfig::new(
                "s3://batch-output/",
            )),
        );
        let arn = plane.create_model_invocation_job(&job).unwrap().job_arn;
        plane
            .get_model_invocation_job(&GetModelInvocationJobRequest::new(arn))
            .unwrap();
    }

    #[test]
    fn plane_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ControlPlane>();
    }

    #[test]
    fn not_emulated_names_the_operation() {
        let e = not_emulated("CreateEvaluationJob");
        assert_eq!(e.operation(), "CreateEvaluationJob");
        assert_eq!(NotEmulated::STATUS, 501);
        assert_eq!(NotEmulated::CODE, "ValidationException");
        let message = e.to_validation_exception().message.unwrap_or_default();
        assert!(message.starts_with("bedrock-local does not emulate the control-plane operation CreateEvaluationJob"));
        assert!(!is_emulated("CreateEvaluationJob"));
        assert!(is_emulated("CreateGuardrail"));
        assert_eq!(EMULATED_OPERATIONS.len(), 24);
    }

    #[test]
    fn validation_message_uses_the_service_wording() {
        let request = CreateGuardrailRequest::new("x".repeat(51), "no", "no");
        let message = validation_message(&request).unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{}' at 'name' failed to satisfy constraint: \
                 Member must have length less than or equal to 50",
                "x".repeat(51)
            )
        );
        let (plane, _) = plane();
        match plane.create_guardrail(&request) {
            Err(ce::CreateGuardrailError::ValidationException(e)) => assert_eq!(e.message, Some(message)),
            other => panic!("expected a ValidationException, got {other:?}"),
        }
    }

    #[test]
    fn validation_message_counts_ranges_patterns_and_list_positions() {
        let mut request = ListGuardrailsRequest::new();
        request.max_results = Some(0);
        let message = validation_message(&request).unwrap_or_default();
        assert_eq!(
            message,
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
        );

        let mut request = CreateGuardrailRequest::new("!!!", "", "no");
        let mut words = GuardrailWordPolicyConfig::new();
        words.words_config = Some(vec![GuardrailWordConfig::new("ok"), GuardrailWordConfig::new("")]);
        request.word_policy_config = Some(words);
        let message = validation_message(&request).unwrap_or_default();
        assert!(
            message.starts_with("3 validation errors detected: Value '!!!' at 'name'"),
            "{message}"
        );
        assert!(
            message.contains(
                "Value '!!!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: "
            ),
            "{message}"
        );
        assert!(
            message.contains("Value '' at 'wordPolicyConfig.wordsConfig.2.member.text' failed to satisfy constraint: Member must have length greater than or equal to 1"),
            "{message}"
        );
        assert!(message.contains("; Value "), "{message}");
    }
}

mod catalog {
    use super::*;

    fn ids(response: &ListFoundationModelsResponse) -> Vec<String> {
        response
            .model_summaries
            .iter()
            .flatten()
            .map(|m| m.model_id.clone())
            .collect()
    }

    #[test]
    fn lists_local_and_real_models_with_arns() {
        let (plane, _) = plane();
        let all = plane
            .list_foundation_models(&ListFoundationModelsRequest::new())
            .unwrap();
        let ids = ids(&all);
        for id in LOCAL_MODEL_IDS {
            assert!(ids.contains(&id.to_string()), "{id}");
        }
        for id in [
            "anthropic.claude-3-5-haiku-20241022-v1:0",
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "amazon.nova-pro-v1:0",
            "amazon.titan-embed-text-v2:0",
            "cohere.embed-english-v3",
            "meta.llama3-1-8b-instruct-v1:0",
        ] {
            assert!(ids.contains(&id.to_string()), "{id}");
        }
        let nova = all
            .model_summaries
            .iter()
            .flatten()
            .find(|m| m.model_id == "amazon.nova-lite-v1:0")
            .unwrap();
        assert_eq!(
            nova.model_arn,
            "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"
        );
        assert_eq!(nova.provider_name.as_deref(), Some("Amazon"));
        assert_eq!(nova.response_streaming_supported, Some(true));
        assert_eq!(
            nova.input_modalities,
            Some(vec![ModelModality::Text, ModelModality::Image])
        );
    }

    #[test]
    fn filters_combine() {
        let (plane, _) = plane();
        let mut by = ListFoundationModelsRequest::new();
        by.by_provider = Some("anthropic".to_owned());
        let anthropic = ids(&plane.list_foundation_models(&by).unwrap());
        assert!(!anthropic.is_empty());
        assert!(anthropic.iter().all(|id| id.starts_with("anthropic.")));

        let mut by = ListFoundationModelsRequest::new();
        by.by_output_modality = Some(ModelModality::Embedding);
        let embeddings = ids(&plane.list_foundation_models(&by).unwrap());
        assert!(embeddings.contains(&"cohere.embed-english-v3".to_owned()));
        assert!(embeddings.iter().all(|id| id.contains("embed")), "{embeddings:?}");

        let mut by = ListFoundationModelsRequest::new();
        by.by_customization_type = Some(ModelCustomization::ContinuedPreTraining);
        by.by_provider = Some("Amazon".to_owned());
        let cpt = ids(&plane.list_foundation_models(&by).unwrap());
        assert_eq!(cpt, vec!["amazon.titan-text-express-v1", "amazon.titan-text-lite-v1"]);

        let mut by = ListFoundationModelsRequest::new();
        by.by_inference_type = Some(InferenceType::Provisioned);
        by.by_provider = Some("Meta".to_owned());
        assert!(ids(&plane.list_foundation_models(&by).unwrap()).is_empty());
    }

    #[test]
    fn get_by_id_or_arn_and_not_found() {
        let (plane, _) = plane();
        let by_id = plane
            .get_foundation_model(&GetFoundationModelRequest::new(
                "anthropic.claude-3-7-sonnet-20250219-v1:0",
            ))
            .unwrap();
        let details = by_id.model_details.unwrap();
        assert_eq!(details.model_name.as_deref(), Some("Claude 3.7 Sonnet"));
        assert_eq!(
            details.inference_types_supported.unwrap()[0].as_str(),
            "INFERENCE_PROFILE"
        );
        assert_eq!(
            details.model_lifecycle.unwrap().status,
            FoundationModelLifecycleStatus::Active
        );
        let by_arn = plane
            .get_foundation_model(&GetFoundationModelRequest::new(
                "arn:aws:bedrock:us-west-2::foundation-model/local.echo",
            ))
            .unwrap();
        assert_eq!(
            by_arn.model_details.unwrap().provider_name.as_deref(),
            Some(LOCAL_PROVIDER_NAME)
        );
        match plane.get_foundation_model(&GetFoundationModelRequest::new("acme.nothing-v1")) {
            Err(ce::GetFoundationModelError::ResourceNotFoundException(e)) => {
                assert!(e.message.unwrap().contains("acme.nothing-v1"))
            }
            other => panic!("{other:?}"),
        }
    }
}

mod profiles {
    use super::*;

    #[test]
    fn system_profiles_are_listed_paged_and_gettable() {
        let (plane, _) = plane();
        let mut request = ListInferenceProfilesRequest::new();
        request.max_results = Some(5);
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let page = plane.list_inference_profiles(&request).unwrap();
            let summaries = page.inference_profile_summaries.unwrap();
            assert!(summaries.len() <= 5);
            all.extend(summaries);
            pages += 1;
            match page.next_token {
                Some(token) => request.next_token = Some(token),
                None => break,
            }
        }
        assert!(pages > 2);
        let ids: Vec<&str> = all.iter().map(|p| p.inference_profile_id.as_str()).collect();
        assert!(ids.contains(&"us.anthropic.claude-3-7-sonnet-20250219-v1:0"));
        assert!(ids.contains(&"eu.amazon.nova-micro-v1:0"));
        assert!(!ids.iter().any(|id| id.contains("local.") || id.contains("embed")));

        let got = plane
            .get_inference_profile(&GetInferenceProfileRequest::new(
                "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.amazon.nova-pro-v1:0",
            ))
            .unwrap();
        assert_eq!(got.r#type, InferenceProfileType::SystemDefined);
        assert_eq!(got.models.len(), 3);
        assert_eq!(
            got.models[0].model_arn.as_deref(),
            Some("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0")
        );
    }

    #[test]
    fn application_profiles_lifecycle() {
        let (plane, _) = plane();
        let source =
            "arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0";
        let mut create =
            CreateInferenceProfileRequest::new("team-a", InferenceProfileModelSource::CopyFrom(source.into()));
        create.tags = Some(vec![Tag::new("team", "a")]);
        let created = plane.create_inference_profile(&create).unwrap();
        let arn = created.inference_profile_arn;
        assert!(arn.starts_with("arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/"));
        assert!(is_id(arn.rsplit('/').next().unwrap()));

        match plane.create_inference_profile(&create) {
            Err(ce::CreateInferenceProfileError::ConflictException(_)) => {}
            other => panic!("{other:?}"),
        }

        let got = plane
            .get_inference_profile(&GetInferenceProfileRequest::new(arn.clone()))
            .unwrap();
        assert_eq!(got.r#type, InferenceProfileType::Application);
        assert_eq!(got.models.len(), 3);
        assert!(got.created_at.is_some());

        let mut only_apps = ListInferenceProfilesRequest::new();
        only_apps.type_equals = Some(InferenceProfileType::Application);
        let listed = plane
            .list_inference_profiles(&only_apps)
            .unwrap()
            .inference_profile_summaries
            .unwrap();
        assert_eq!(listed.len(), 1);
        // Like the service, no typeEquals lists only the system-defined ones.
        let mut default = ListInferenceProfilesRequest::new();
        default.max_results = Some(1000);
        let listed = plane
            .list_inference_profiles(&default)
            .unwrap()
            .inference_profile_summaries
            .unwrap();
        assert!(listed.iter().all(|p| p.r#type == InferenceProfileType::SystemDefined));

        let tags = plane
            .list_tags_for_resource(&ListTagsForResourceRequest::new(arn.clone()))
            .unwrap();
        assert_eq!(tags.tags.unwrap(), vec![Tag::new("team", "a")]);

        match plane.delete_inference_profile(&DeleteInferenceProfileRequest::new("us.amazon.nova-pro-v1:0")) {
            Err(ce::DeleteInferenceProfileError::ValidationException(_)) => {}
            other => panic!("{other:?}"),
        }
        plane
            .delete_inference_profile(&DeleteInferenceProfileRequest::new(arn.clone()))
            .unwrap();
        match plane.get_inference_profile(&GetInferenceProfileRequest::new(arn.clone())) {
            Err(ce::GetInferenceProfileError::ResourceNotFoundException(_)) => {}
            other => panic!("{other:?}"),
        }
        match plane.list_tags_for_resource(&ListTagsForResourceRequest::new(arn)) {
            Err(ce::ListTagsForResourceError::ResourceNotFoundException(_)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn copy_from_unknown_model_is_not_found() {
        let (plane, _) = plane();
        let create = CreateInferenceProfileRequest::new(
            "nope",
            InferenceProfileModelSource::CopyFrom("arn:aws:bedrock:us-west-2::foundation-model/acme.none-v1".into()),
        );
        match plane.create_inference_profile(&create) {
            Err(ce::CreateInferenceProfileError::ResourceNotFoundException(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}

mod guardrails {
    use super::*;

    pub(super) fn create(plane: &ControlPlane, name: &str) -> CreateGuardrailResponse {
        plane
            .create_guardrail(&CreateGuardrailRequest::new(name, "Input blocked.", "Output blocked."))
            .unwrap()
    }

    #[test]
    fn create_get_update_with_arn_and_timestamps() {
        let (plane, clock) = plane();
        let mut request = CreateGuardrailRequest::new("pii", "Input blocked.", "Output blocked.");
        request.description = Some("first".into());
        let mut content = GuardrailContentPolicyConfig::new(vec![GuardrailContentFilterConfig::new(
            GuardrailContentFilterType::Hate,
            GuardrailFilterStrength::High,
            GuardrailFilterStrength::Medium,
        )]);
        content.tier_config = Some(GuardrailContentFiltersTierConfig::new(
            GuardrailContentFiltersTierName::Classic,
        ));
        request.content_policy_config = Some(content);
        request.topic_policy_config = Some(GuardrailTopicPolicyConfig::new(vec![GuardrailTopicConfig::new(
            "investing",
            "Investment advice",
            GuardrailTopicType::Deny,
        )]));
        let created = plane.create_guardrail(&request).unwrap();
        assert!(is_id(&created.guardrail_id));
        assert_eq!(
            created.guardrail_arn,
            format!(
                "arn:aws:bedrock:us-west-2:111122223333:guardrail/{}",
                created.guardrail_id
            )
        );
        assert_eq!(created.version, "DRAFT");
        assert_eq!(created.created_at.secs(), START as i64);

        let got = plane
            .get_guardrail(&GetGuardrailRequest::new(created.guardrail_arn.clone()))
            .unwrap();
        assert_eq!(got.name, "pii");
        assert_eq!(got.status, GuardrailStatus::Ready);
        assert_eq!(got.description.as_deref(), Some("first"));
        let filters = got.content_policy.unwrap().filters.unwrap();
        assert_eq!(filters[0].r#type, GuardrailContentFilterType::Hate);
        assert_eq!(filters[0].output_strength, GuardrailFilterStrength::Medium);
        assert_eq!(got.topic_policy.unwrap().topics[0].name, "investing");

        clock.advance(Duration::from_secs(60));
        let mut update = UpdateGuardrailRequest::new(created.guardrail_id.clone(), "pii-2", "In.", "Out.");
        update.kms_key_id = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
        let updated = plane.update_guardrail(&update).unwrap();
        assert_eq!(updated.updated_at.secs(), START as i64 + 60);
        let got = plane
            .get_guardrail(&GetGuardrailRequest::new(created.guardrail_id.clone()))
            .unwrap();
        assert_eq!(got.name, "pii-2");
        assert!(got.content_policy.is_none());
        assert_eq!(got.created_at.secs(), START as i64);
        assert_eq!(
            got.kms_key_arn.as_deref(),
            Some("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
        );
    }

    #[test]
    fn duplicate_names_conflict() {
        let (plane, _) = plane();
        let a = create(&plane, "a");
        create(&plane, "b");
        match plane.create_guardrail(&CreateGuardrailRequest::new("a", "x", "y")) {
            Err(ce::CreateGuardrailError::ConflictException(e)) => assert!(e.message.unwrap().contains("'a'")),
            other => panic!("{other:?}"),
        }
        match plane.update_guardrail(&UpdateGuardrailRequest::new(a.guardrail_id, "b", "x", "y")) {
            Err(ce::UpdateGuardrailError::ConflictException(_)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn client_request_tokens_make_creates_idempotent() {
        let (plane, _) = plane();
        let mut request = CreateGuardrailRequest::new("once", "x", "y");
        request.client_request_token = Some("token-1".into());
        let first = plane.create_guardrail(&request).unwrap();
        let again = plane.create_guardrail(&request).unwrap();
        assert_eq!(first, again);
        assert_eq!(
            plane
                .list_guardrails(&ListGuardrailsRequest::new())
                .unwrap()
                .guardrails
                .len(),
            1
        );
        request.client_request_token = Some("token-2".into());
        assert!(matches!(
            plane.create_guardrail(&request),
            Err(ce::CreateGuardrailError::ConflictException(_))
        ));
    }

    #[test]
    fn bad_custom_regex_is_rejected() {
        let (plane, _) = plane();
        let mut request = CreateGuardrailRequest::new("re", "x", "y");
        let mut sensitive = GuardrailSensitiveInformationPolicyConfig::new();
        sensitive.regexes_config = Some(vec![GuardrailRegexConfig::new(
            "open",
            "(unclosed",
            GuardrailSensitiveInformationAction::Block,
        )]);
        request.sensitive_information_policy_config = Some(sensitive);
        match plane.create_guardrail(&request) {
            Err(ce::CreateGuardrailError::ValidationException(e)) => assert!(e.message.unwrap().contains("(unclosed")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn versions_freeze_the_draft() {
        let (plane, clock) = plane();
        let g = create(&plane, "v");
        let v1 = plane
            .create_guardrail_version(&CreateGuardrailVersionRequest::new(g.guardrail_id.clone()))
            .unwrap();
        assert_eq!(v1.version, "1");
        plane
            .update_guardrail(&UpdateGuardrailRequest::new(
                g.guardrail_id.clone(),
                "v-renamed",
                "x",
                "y",
            ))
            .unwrap();
        clock.advance(Duration::from_secs(5));
        let mut second = CreateGuardrailVersionRequest::new(g.guardrail_arn.clone());
        second.description = Some("second".into());
        assert_eq!(plane.create_guardrail_version(&second).unwrap().version, "2");

        let mut get = GetGuardrailRequest::new(g.guardrail_id.clone());
        get.guardrail_version = Some("1".into());
        assert_eq!(plane.get_guardrail(&get).unwrap().name, "v");
        get.guardrail_version = Some("2".into());
        let v2 = plane.get_guardrail(&get).unwrap();
        assert_eq!((v2.name.as_str(), v2.version.as_str()), ("v-renamed", "2"));
        assert_eq!(v2.description.as_deref(), Some("second"));
        assert_eq!(v2.created_at.secs(), START as i64 + 5);

        let mut list = ListGuardrailsRequest::new();
        list.guardrail_identifier = Some(g.guardrail_id.clone());
        let versions: Vec<String> = plane
            .list_guardrails(&list)
            .unwrap()
            .guardrails
            .into_iter()
            .map(|s| s.version)
            .collect();
        assert_eq!(versions, vec!["DRAFT", "1", "2"]);

        let mut delete = DeleteGuardrailRequest::new(g.guardrail_id.clone());
        delete.guardrail_version = Some("1".into());
        plane.delete_guardrail(&delete).unwrap();
        get.guardrail_version = Some("1".into());
        match plane.get_guardrail(&get) {
            Err(ce::GetGuardrailError::ResourceNotFoundException(_)) => {}
            other => panic!("{other:?}"),
        }
        // Numbers are never reused.
        assert_eq!(
            plane
                .create_guardrail_version(&CreateGuardrailVersionRequest::new(g.guardrail_id.clone()))
                .unwrap()
                .version,
            "3"
        );
        delete.guardrail_version = Some("DRAFT".into());
        assert!(matches!(
            plane.delete_guardrail(&delete),
            Err(ce::DeleteGuardrailError::ValidationException(_))
        ));
        delete.guardrail_version = None;
        plane.delete_guardrail(&delete).unwrap();
        match plane.get_guardrail(&GetGuardrailRequest::new(g.guardrail_id)) {
            Err(ce::GetGuardrailError::ResourceNotFoundException(e)) => {
                assert!(e.message.unwrap().contains("not found"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_pages_with_opaque_tokens() {
        let (plane, _) = plane();
        let names: Vec<String> = (0..7).map(|i| format!("g{i}")).collect();
        for name in &names {
            create(&plane, name);
        }
        let mut request = ListGuardrailsRequest::new();
        request.max_results = Some(3);
        let mut seen = Vec::new();
        let mut tokens = Vec::new();
        loop {
            let page = plane.list_guardrails(&request).unwrap();
            assert!(page.guardrails.len() <= 3);
            seen.extend(page.guardrails.into_iter().map(|g| g.name));
            match page.next_token {
                Some(token) => {
                    tokens.push(token.clone());
                    request.next_token = Some(token);
                }
                None => break,
            }
        }
        assert_eq!(seen, names);
        assert_eq!(tokens.len(), 2);
        assert!(tokens
            .iter()
            .all(|t| !t.contains("g3") && !t.chars().all(|c| c.is_ascii_digit())));

        request.next_token = Some("garbage".into());
        match plane.list_guardrails(&request) {
            Err(ce::ListGuardrailsError::ValidationException(e)) => assert!(e.message.unwrap().contains("garbage")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_guardrail_is_not_found() {
        let (plane, _) = plane();
        match plane.create_guardrail_version(&CreateGuardrailVersionRequest::new("abcdefghijkl")) {
            Err(ce::CreateGuardrailVersionError::ResourceNotFoundException(e)) => {
                assert_eq!(
                    e.message.as_deref(),
                    Some("The guardrail 'abcdefghijkl' was not found.")
                )
            }
            other => panic!("{other:?}"),
        }
    }
}

mod evaluation {
    use super::*;
    use bedrock_runtime_types::error::ApplyGuardrailError;
    use bedrock_runtime_types::types as rt;

    fn text(s: &str) -> Vec<rt::GuardrailContentBlock> {
        vec![rt::GuardrailContentBlock::Text(rt::GuardrailTextBlock::new(s))]
    }

    fn guarded(plane: &ControlPlane) -> String {
        let mut request =
            CreateGuardrailRequest::new("guard", "Sorry, I can't take that input.", "Sorry, I can't say that.");
        let mut words = GuardrailWordPolicyConfig::new();
        let mut detect_only = GuardrailWordConfig::new("pineapple");
        detect_only.input_action = Some(GuardrailWordAction::None);
        words.words_config = Some(vec![GuardrailWordConfig::new("Project Zeus"), detect_only]);
        words.managed_word_lists_config = Some(vec![GuardrailManagedWordsConfig::new(
            GuardrailManagedWordsType::Profanity,
        )]);
        request.word_policy_config = Some(words);
        let mut sensitive = GuardrailSensitiveInformationPolicyConfig::new();
        let mut phone = GuardrailPiiEntityConfig::new(
            GuardrailPiiEntityType::Phone,
            GuardrailSensitiveInformationAction::Anonymize,
        );
        phone.output_action = Some(GuardrailSensitiveInformationAction::Block);
        sensitive.pii_entities_config = Some(vec![
            GuardrailPiiEntityConfig::new(
                GuardrailPiiEntityType::Email,
                GuardrailSensitiveInformationAction::Anonymize,
            ),
            GuardrailPiiEntityConfig::new(
                GuardrailPiiEntityType::UsSocialSecurityNumber,
                GuardrailSensitiveInformationAction::Block,
            ),
            GuardrailPiiEntityConfig::new(
                GuardrailPiiEntityType::CreditDebitCardNumber,
                GuardrailSensitiveInformationAction::Anonymize,
            ),
            phone,
        ]);
        sensitive.regexes_config = Some(vec![GuardrailRegexConfig::new(
            "ORDER_ID",
            r"ORD-\d{6}",
            GuardrailSensitiveInformationAction::Anonymize,
        )]);
        request.sensitive_information_policy_config = Some(sensitive);
        plane.create_guardrail(&request).unwrap().guardrail_id
    }

    #[test]
    fn clean_text_passes() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Input,
                &text("Hello there, how are you?"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::None);
        assert!(r.outputs.is_empty());
        assert_eq!(r.usage.word_policy_units, 1);
        assert_eq!(r.usage.sensitive_information_policy_units, 1);
        assert_eq!(r.usage.content_policy_units, 0);
        assert!(r.assessments[0].word_policy.is_none());
    }

    #[test]
    fn custom_words_block_case_insensitively_as_whole_words() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "",
                &rt::GuardrailContentSource::Input,
                &text("Tell me about project zeus please"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::GuardrailIntervened);
        assert_eq!(r.outputs[0].text.as_deref(), Some("Sorry, I can't take that input."));
        let words = r.assessments[0].word_policy.as_ref().unwrap();
        assert_eq!(words.custom_words[0].r#match, "Project Zeus");
        assert_eq!(words.custom_words[0].action, rt::GuardrailWordPolicyAction::Blocked);

        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Output,
                &text("projects zeusy"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::None);
    }

    #[test]
    fn detect_only_words_and_profanity() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Input,
                &text("I like pineapple"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::None);
        let words = r.assessments[0].word_policy.as_ref().unwrap();
        assert_eq!(words.custom_words[0].action, rt::GuardrailWordPolicyAction::None);
        assert_eq!(words.custom_words[0].detected, Some(true));

        let r = plane
            .apply_guardrail(&id, "DRAFT", &rt::GuardrailContentSource::Output, &text("Well, DAMN."))
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::GuardrailIntervened);
        assert_eq!(r.outputs[0].text.as_deref(), Some("Sorry, I can't say that."));
        let managed = &r.assessments[0].word_policy.as_ref().unwrap().managed_word_lists;
        assert_eq!(managed[0].r#match, "damn");
        assert_eq!(managed[0].r#type, rt::GuardrailManagedWordType::Profanity);
    }

    #[test]
    fn pii_and_regex_are_anonymized() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Input,
                &text("Mail jane.doe@example.com or call (555) 123-4567 about ORD-123456, card 4111 1111 1111 1111."),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::GuardrailIntervened);
        assert_eq!(
            r.outputs[0].text.as_deref(),
            Some("Mail {EMAIL} or call {PHONE} about {ORDER_ID}, card {CREDIT_DEBIT_CARD_NUMBER}.")
        );
        let sensitive = r.assessments[0].sensitive_information_policy.as_ref().unwrap();
        let pii: Vec<(&str, &str)> = sensitive
            .pii_entities
            .iter()
            .map(|p| (p.r#type.as_str(), p.r#match.as_str()))
            .collect();
        assert_eq!(
            pii,
            vec![
                ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"),
                ("EMAIL", "jane.doe@example.com"),
                ("PHONE", "(555) 123-4567"),
            ]
        );
        assert!(sensitive
            .pii_entities
            .iter()
            .all(|p| p.action == rt::GuardrailSensitiveInformationPolicyAction::Anonymized));
        assert_eq!(sensitive.regexes[0].name.as_deref(), Some("ORDER_ID"));
        assert_eq!(sensitive.regexes[0].r#match.as_deref(), Some("ORD-123456"));
        assert_eq!(r.action_reason.as_deref(), Some("Guardrail masked."));
    }

    #[test]
    fn card_numbers_need_a_valid_checksum() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Input,
                &text("ref 1234 5678 9012 3456"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::None);
    }

    #[test]
    fn pii_block_wins_and_actions_differ_by_direction() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Input,
                &text("My SSN is 123-45-6789"),
            )
            .unwrap();
        assert_eq!(r.action, rt::GuardrailAction::GuardrailIntervened);
        assert_eq!(r.outputs[0].text.as_deref(), Some("Sorry, I can't take that input."));
        let pii = &r.assessments[0]
            .sensitive_information_policy
            .as_ref()
            .unwrap()
            .pii_entities;
        assert_eq!(pii[0].r#type, rt::GuardrailPiiEntityType::UsSocialSecurityNumber);
        assert_eq!(pii[0].action, rt::GuardrailSensitiveInformationPolicyAction::Blocked);

        // PHONE anonymizes inputs but blocks outputs.
        let r = plane
            .apply_guardrail(
                &id,
                "DRAFT",
                &rt::GuardrailContentSource::Output,
                &text("Call 555-123-4567"),
            )
            .unwrap();
        assert_eq!(r.outputs[0].text.as_deref(), Some("Sorry, I can't say that."));
    }

    #[test]
    fn versions_are_evaluated_as_frozen() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        plane
            .create_guardrail_version(&CreateGuardrailVersionRequest::new(id.clone()))
            .unwrap();
        plane
            .update_guardrail(&UpdateGuardrailRequest::new(id.clone(), "guard", "in", "out"))
            .unwrap();
        let input = text("project zeus");
        let draft = plane
            .apply_guardrail(&id, "DRAFT", &rt::GuardrailContentSource::Input, &input)
            .unwrap();
        assert_eq!(draft.action, rt::GuardrailAction::None);
        let arn = format!("arn:aws:bedrock:us-west-2:111122223333:guardrail/{id}");
        let v1 = plane
            .apply_guardrail(&arn, "1", &rt::GuardrailContentSource::Input, &input)
            .unwrap();
        assert_eq!(v1.action, rt::GuardrailAction::GuardrailIntervened);
    }

    #[test]
    fn unknown_guardrail_or_version() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        match plane.apply_guardrail("zzzzzzzzzzzz", "DRAFT", &rt::GuardrailContentSource::Input, &text("x")) {
            Err(ApplyGuardrailError::ResourceNotFoundException(e)) => assert_eq!(
                e.message.as_deref(),
                Some("The guardrail identifier or version provided in the request does not exist.")
            ),
            other => panic!("{other:?}"),
        }
        match plane.apply_guardrail(&id, "9", &rt::GuardrailContentSource::Input, &text("x")) {
            Err(ApplyGuardrailError::ResourceNotFoundException(_)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_form_validates_and_honours_full_scope() {
        let (plane, _) = plane();
        let id = guarded(&plane);
        let mut request =
            rt::ApplyGuardrailRequest::new(id.clone(), "DRAFT", rt::GuardrailContentSource::Input, text("hi"));
        request.output_scope = Some(rt::GuardrailOutputScope::Full);
        let r = plane.apply_guardrail_request(&request).unwrap();
        assert_eq!(r.outputs[0].text.as_deref(), Some("hi"));
        let long = "a".repeat(2049);
        let bad = rt::ApplyGuardrailRequest::new(long.clone(), "DRAFT", rt::GuardrailContentSource::Input, text("hi"));
        match plane.apply_guardrail_request(&bad) {
            Err(ApplyGuardrailError::ValidationException(e)) => assert_eq!(
                e.message.unwrap(),
                format!(
                    "1 validation error detected: Value '{long}' at 'guardrailIdentifier' failed to satisfy \
                     constraint: Member must have length less than or equal to 2048"
                )
            ),
            other => panic!("{other:?}"),
        }
    }
}

mod jobs {
    use super::*;

    fn job(name: &str) -> CreateModelInvocationJobRequest {
        CreateModelInvocationJobRequest::new(
            name,
            "arn:aws:iam::111122223333:role/batch",
            "anthropic.claude-3-haiku-20240307-v1:0",
            ModelInvocationJobInputDataConfig::S3InputDataConfig(ModelInvocationJobS3InputDataConfig::new(
                "s3://batch-input/records.jsonl",
            )),
            ModelInvocationJobOutputDataConfig::S3OutputDataConfig(ModelInvocationJobS3OutputDataConfig::new(
                "s3://batch-output/",
            )),
        )
    }

    fn status(plane: &ControlPlane, arn: &str) -> ModelInvocationJobStatus {
        plane
            .get_model_invocation_job(&GetModelInvocationJobRequest::new(arn))
            .unwrap()
            .status
            .unwrap()
    }

    #[test]
    fn status_follows_the_clock() {
        let (plane, clock) = plane();
        let arn = plane.create_model_invocation_job(&job("batch-1")).unwrap().job_arn;
        assert!(arn.starts_with("arn:aws:bedrock:us-west-2:111122223333:model-invocation-job/"));
        assert_eq!(status(&plane, &arn), ModelInvocationJobStatus::Submitted);
        clock.advance(Duration::from_millis(JOB_SUBMITTED_MS as u64));
        assert_eq!(status(&plane, &arn), ModelInvocationJobStatus::InProgress);
        clock.advance(Duration::from_millis(JOB_RUNNING_MS as u64));
        let done = plane
            .get_model_invocation_job(&GetModelInvocationJobRequest::new(arn.clone()))
            .unwrap();
        assert_eq!(done.status, Some(ModelInvocationJobStatus::Completed));
        assert_eq!(done.end_time.unwrap().secs(), START as i64 + 70);
        assert_eq!(done.job_name.as_deref(), Some("batch-1"));
        match plane.stop_model_invocation_job(&StopModelInvocationJobRequest::new(arn)) {
            Err(ce::StopModelInvocationJobError::ConflictException(e)) => {
                assert!(e.message.unwrap().contains("Completed"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stop_and_list_filters() {
        let (plane, clock) = plane();
        let a = plane.create_model_invocation_job(&job("alpha")).unwrap().job_arn;
        clock.advance(Duration::from_secs(1));
        let b = plane.create_model_invocation_job(&job("beta")).unwrap().job_arn;
        clock.advance(Duration::from_secs(1));
        plane.create_model_invocation_job(&job("alpha-2")).unwrap();
        let id = a.rsplit('/').next().unwrap();
        plane
            .stop_model_invocation_job(&StopModelInvocationJobRequest::new(id))
            .unwrap();
        assert_eq!(status(&plane, &a), ModelInvocationJobStatus::Stopped);
        clock.advance(Duration::from_secs(3600));
        assert_eq!(status(&plane, &a), ModelInvocationJobStatus::Stopped);
        assert_eq!(status(&plane, &b), ModelInvocationJobStatus::Completed);

        let names = |r: ListModelInvocationJobsResponse| -> Vec<String> {
            r.invocation_job_summaries
                .unwrap()
                .into_iter()
                .map(|j| j.job_name)
                .collect()
        };
        let all = plane
            .list_model_invocation_jobs(&ListModelInvocationJobsRequest::new())
            .unwrap();
        assert_eq!(names(all), vec!["alpha-2", "beta", "alpha"]);
        let mut request = ListModelInvocationJobsRequest::new();
        request.name_contains = Some("alpha".into());
        request.sort_order = Some(SortOrder::Ascending);
        assert_eq!(
            names(plane.list_model_invocation_jobs(&request).unwrap()),
            vec!["alpha", "alpha-2"]
        );
        let mut request = ListModelInvocationJobsRequest::new();
        request.status_equals = Some(ModelInvocationJobStatus::Stopped);
        assert_eq!(
            names(plane.list_model_invocation_jobs(&request).unwrap()),
            vec!["alpha"]
        );

        let mut request = ListModelInvocationJobsRequest::new();
        request.max_results = Some(2);
        let first = plane.list_model_invocation_jobs(&request).unwrap();
        request.next_token = first.next_token.clone();
        assert_eq!(names(first), vec!["alpha-2", "beta"]);
        let second = plane.list_model_invocation_jobs(&request).unwrap();
        assert!(second.next_token.is_none());
        assert_eq!(names(second), vec!["alpha"]);
    }

    #[test]
    fn unknown_model_and_duplicate_names() {
        let (plane, _) = plane();
        let mut bad = job("x");
        bad.model_id = "acme.none-v1".into();
        assert!(matches!(
            plane.create_model_invocation_job(&bad),
            Err(ce::CreateModelInvocationJobError::ResourceNotFoundException(_))
        ));
        let mut via_profile = job("y");
        via_profile.model_id = "us.anthropic.claude-3-7-sonnet-20250219-v1:0".into();
        plane.create_model_invocation_job(&via_profile).unwrap();
        assert!(matches!(
            plane.create_model_invocation_job(&via_profile),
            Err(ce::CreateModelInvocationJobError::ConflictException(_))
        ));
        assert!(matches!(
            plane.get_model_invocation_job(&GetModelInvocationJobRequest::new("abcdefghijkl")),
            Err(ce::GetModelInvocationJobError::ResourceNotFoundException(_))
        ));
    }
}

mod provisioned {
    use super::*;

    fn get(plane: &ControlPlane, id: &str) -> GetProvisionedModelThroughputResponse {
        plane
            .get_provisioned_model_throughput(&GetProvisionedModelThroughputRequest::new(id))
            .unwrap()
    }

    #[test]
    fn lifecycle_on_the_clock() {
        let (plane, clock) = plane();
        let mut request = CreateProvisionedModelThroughputRequest::new(1, "pt-1", "amazon.nova-lite-v1:0");
        request.commitment_duration = Some(CommitmentDuration::OneMonth);
        let arn = plane
            .create_provisioned_model_throughput(&request)
            .unwrap()
            .provisioned_model_arn;
        assert!(arn.starts_with("arn:aws:bedrock:us-west-2:111122223333:provisioned-model/"));
        assert_eq!(get(&plane, &arn).status, ProvisionedModelStatus::Creating);
        clock.advance(Duration::from_millis(PROVISIONING_MS as u64));
        let ready = get(&plane, "pt-1");
        assert_eq!(ready.status, ProvisionedModelStatus::InService);
        assert_eq!(
            ready.foundation_model_arn,
            "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0"
        );
        assert!(ready.commitment_expiration_time.is_some());

        let mut update = UpdateProvisionedModelThroughputRequest::new(arn.clone());
        update.desired_model_id = Some("amazon.nova-pro-v1:0".into());
        update.desired_provisioned_model_name = Some("pt-renamed".into());
        plane.update_provisioned_model_throughput(&update).unwrap();
        let updating = get(&plane, &arn);
        assert_eq!(updating.status, ProvisionedModelStatus::Updating);
        assert_eq!(updating.provisioned_model_name, "pt-renamed");
        assert!(updating.model_arn.ends_with("amazon.nova-lite-v1:0"));
        assert!(updating.desired_model_arn.ends_with("amazon.nova-pro-v1:0"));
        clock.advance(Duration::from_millis(PROVISIONING_MS as u64));
        let done = get(&plane, "pt-renamed");
        assert_eq!(done.status, ProvisionedModelStatus::InService);
        assert!(done.model_arn.ends_with("amazon.nova-pro-v1:0"));

        let mut list = ListProvisionedModelThroughputsRequest::new();
        list.status_equals = Some(ProvisionedModelStatus::InService);
        let listed = plane
            .list_provisioned_model_throughputs(&list)
            .unwrap()
            .provisioned_model_summaries
            .unwrap();
        assert_eq!(listed.len(), 1);
        list.status_equals = Some(ProvisionedModelStatus::Creating);
        assert!(plane
            .list_provisioned_model_throughputs(&list)
            .unwrap()
            .provisioned_model_summaries
            .unwrap()
            .is_empty());

        plane
            .delete_provisioned_model_throughput(&DeleteProvisionedModelThroughputRequest::new(arn.clone()))
            .unwrap();
        assert!(matches!(
            plane.get_provisioned_model_throughput(&GetProvisionedModelThroughputRequest::new(arn)),
            Err(ce::GetProvisionedModelThroughputError::ResourceNotFoundException(_))
        ));
    }

    #[test]
    fn list_sorts_and_filters_by_model() {
        let (plane, clock) = plane();
        for (name, model) in [
            ("a", "amazon.nova-lite-v1:0"),
            ("b", "amazon.nova-pro-v1:0"),
            ("c", "amazon.nova-lite-v1:0"),
        ] {
            plane
                .create_provisioned_model_throughput(&CreateProvisionedModelThroughputRequest::new(1, name, model))
                .unwrap();
            clock.advance(Duration::from_secs(1));
        }
        let mut list = ListProvisionedModelThroughputsRequest::new();
        list.model_arn_equals = Some("arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0".into());
        let names: Vec<String> = plane
            .list_provisioned_model_throughputs(&list)
            .unwrap()
            .provisioned_model_summaries
            .unwrap()
            .into_iter()
            .map(|p| p.provisioned_model_name)
            .collect();
        assert_eq!(names, vec!["c", "a"]);
        assert!(matches!(
            plane.create_provisioned_model_throughput(&CreateProvisionedModelThroughputRequest::new(
                1,
                "d",
                "acme.x-v1"
            )),
            Err(ce::CreateProvisionedModelThroughputError::ResourceNotFoundException(_))
        ));
    }
}

mod tags {
    use super::*;

    #[test]
    fn tag_untag_list_on_created_resources() {
        let (plane, _) = plane();
        let g = super::guardrails::create(&plane, "tagged");
        let arn = g.guardrail_arn;
        plane
            .tag_resource(&TagResourceRequest::new(
                arn.clone(),
                vec![Tag::new("env", "dev"), Tag::new("team", "x")],
            ))
            .unwrap();
        plane
            .tag_resource(&TagResourceRequest::new(arn.clone(), vec![Tag::new("env", "prod")]))
            .unwrap();
        let tags = plane
            .list_tags_for_resource(&ListTagsForResourceRequest::new(arn.clone()))
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(tags, vec![Tag::new("env", "prod"), Tag::new("team", "x")]);
        plane
            .untag_resource(&UntagResourceRequest::new(
                arn.clone(),
                vec!["env".into(), "absent".into()],
            ))
            .unwrap();
        let tags = plane
            .list_tags_for_resource(&ListTagsForResourceRequest::new(arn.clone()))
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(tags, vec![Tag::new("team", "x")]);

        let unknown = "arn:aws:bedrock:us-west-2:111122223333:guardrail/zzzzzzzzzzzz";
        assert!(matches!(
            plane.tag_resource(&TagResourceRequest::new(unknown, vec![Tag::new("a", "b")])),
            Err(ce::TagResourceError::ResourceNotFoundException(_))
        ));
    }

    #[test]
    fn too_many_tags() {
        let (plane, _) = plane();
        let arn = super::guardrails::create(&plane, "many").guardrail_arn;
        let tags: Vec<Tag> = (0..150).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        plane.tag_resource(&TagResourceRequest::new(arn.clone(), tags)).unwrap();
        let more: Vec<Tag> = (150..201).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        match plane.tag_resource(&TagResourceRequest::new(arn.clone(), more)) {
            Err(ce::TagResourceError::TooManyTagsException(e)) => {
                assert!(e.message.unwrap().contains("201"));
                assert_eq!(e.resource_name.as_deref(), Some(arn.as_str()));
            }
            other => panic!("{other:?}"),
        }
        let kept = plane
            .list_tags_for_resource(&ListTagsForResourceRequest::new(arn))
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(kept.len(), 150);
    }
}
