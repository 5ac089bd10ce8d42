//! The foundation model catalog and the system-defined inference profiles.

use bedrock_control_types::error::{GetFoundationModelError, ListFoundationModelsError};
use bedrock_control_types::types::{
    FoundationModelDetails, FoundationModelLifecycle, FoundationModelLifecycleStatus, FoundationModelSummary,
    GetFoundationModelRequest, GetFoundationModelResponse, InferenceType, ListFoundationModelsRequest,
    ListFoundationModelsResponse, ModelCustomization, ModelModality,
};

use super::error::{check, Fault};
use super::ControlPlane;

/// The provider name of the emulator's own model families.
pub const LOCAL_PROVIDER_NAME: &str = "bedrock-local";

/// The model ids of the emulator's own families, answered by the runtime
/// without any network: `local.echo`, `local.generator`, `local.scripted`.
pub const LOCAL_MODEL_IDS: &[&str] = &["local.echo", "local.generator", "local.scripted"];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Modality {
    Text,
    Image,
    Embedding,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Inference {
    /// `ON_DEMAND`.
    OnDemand,
    /// `INFERENCE_PROFILE`: only through a cross-region profile.
    Profile,
    /// `PROVISIONED`.
    Provisioned,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Custom {
    FineTuning,
    ContinuedPreTraining,
    Distillation,
}

/// One catalog entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Model {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) provider: &'static str,
    pub(crate) input: &'static [Modality],
    pub(crate) output: &'static [Modality],
    pub(crate) streaming: bool,
    pub(crate) customizations: &'static [Custom],
    pub(crate) inference: &'static [Inference],
    pub(crate) legacy: bool,
}

use Custom::*;
use Inference::*;
use Modality::*;

const fn model(
    id: &'static str,
    name: &'static str,
    provider: &'static str,
    input: &'static [Modality],
    output: &'static [Modality],
    streaming: bool,
    inference: &'static [Inference],
) -> Model {
    Model {
        id,
        name,
        provider,
        input,
        output,
        streaming,
        customizations: &[],
        inference,
        legacy: false,
    }
}

const fn legacy(m: Model) -> Model {
    Model { legacy: true, ..m }
}

const fn customizable(m: Model, customizations: &'static [Custom]) -> Model {
    Model { customizations, ..m }
}

const T: &[Modality] = &[Text];
const TI: &[Modality] = &[Text, Image];
const E: &[Modality] = &[Embedding];
const OD: &[Inference] = &[OnDemand];
const ODP: &[Inference] = &[OnDemand, Provisioned];
const IP: &[Inference] = &[Profile];

/// The catalog, in the order `ListFoundationModels` returns it.
pub(crate) static MODELS: &[Model] = &[
    model("local.echo", "Echo", LOCAL_PROVIDER_NAME, TI, T, true, OD),
    model("local.generator", "Generator", LOCAL_PROVIDER_NAME, TI, T, true, OD),
    model("local.scripted", "Scripted", LOCAL_PROVIDER_NAME, TI, T, true, OD),
    model(
        "anthropic.claude-3-haiku-20240307-v1:0",
        "Claude 3 Haiku",
        "Anthropic",
        TI,
        T,
        true,
        ODP,
    ),
    legacy(model(
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "Claude 3 Sonnet",
        "Anthropic",
        TI,
        T,
        true,
        ODP,
    )),
    model(
        "anthropic.claude-3-opus-20240229-v1:0",
        "Claude 3 Opus",
        "Anthropic",
        TI,
        T,
        true,
        IP,
    ),
    model(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "Claude 3.5 Haiku",
        "Anthropic",
        T,
        T,
        true,
        OD,
    ),
    legacy(model(
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "Claude 3.5 Sonnet",
        "Anthropic",
        TI,
        T,
        true,
        ODP,
    )),
    model(
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "Claude 3.5 Sonnet v2",
        "Anthropic",
        TI,
        T,
        true,
        ODP,
    ),
    model(
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "Claude 3.7 Sonnet",
        "Anthropic",
        TI,
        T,
        true,
        IP,
    ),
    model(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "Claude Sonnet 4",
        "Anthropic",
        TI,
        T,
        true,
        IP,
    ),
    model(
        "anthropic.claude-opus-4-20250514-v1:0",
        "Claude Opus 4",
        "Anthropic",
        TI,
        T,
        true,
        IP,
    ),
    customizable(
        model("amazon.nova-micro-v1:0", "Nova Micro", "Amazon", T, T, true, ODP),
        &[FineTuning, Distillation],
    ),
    customizable(
        model("amazon.nova-lite-v1:0", "Nova Lite", "Amazon", TI, T, true, ODP),
        &[FineTuning, Distillation],
    ),
    customizable(
        model("amazon.nova-pro-v1:0", "Nova Pro", "Amazon", TI, T, true, ODP),
        &[FineTuning, Distillation],
    ),
    customizable(
        model(
            "amazon.titan-text-express-v1",
            "Titan Text Express",
            "Amazon",
            T,
            T,
            true,
            ODP,
        ),
        &[FineTuning, ContinuedPreTraining],
    ),
    customizable(
        model(
            "amazon.titan-text-lite-v1",
            "Titan Text Lite",
            "Amazon",
            T,
            T,
            true,
            ODP,
        ),
        &[FineTuning, ContinuedPreTraining],
    ),
    model(
        "amazon.titan-embed-text-v1",
        "Titan Embeddings G1",
        "Amazon",
        T,
        E,
        false,
        OD,
    ),
    model(
        "amazon.titan-embed-text-v2:0",
        "Titan Text Embed V2",
        "Amazon",
        T,
        E,
        false,
        OD,
    ),
    model("cohere.embed-english-v3", "Embed English", "Cohere", TI, E, false, ODP),
    model(
        "cohere.embed-multilingual-v3",
        "Embed Multilingual",
        "Cohere",
        TI,
        E,
        false,
        ODP,
    ),
    model(
        "meta.llama3-8b-instruct-v1:0",
        "Llama 3 8B Instruct",
        "Meta",
        T,
        T,
        true,
        OD,
    ),
    model(
        "meta.llama3-70b-instruct-v1:0",
        "Llama 3 70B Instruct",
        "Meta",
        T,
        T,
        true,
        OD,
    ),
    customizable(
        model(
            "meta.llama3-1-8b-instruct-v1:0",
            "Llama 3.1 8B Instruct",
            "Meta",
            T,
            T,
            true,
            IP,
        ),
        &[FineTuning, Distillation],
    ),
    customizable(
        model(
            "meta.llama3-1-70b-instruct-v1:0",
            "Llama 3.1 70B Instruct",
            "Meta",
            T,
            T,
            true,
            IP,
        ),
        &[FineTuning, Distillation],
    ),
    model(
        "meta.llama3-2-1b-instruct-v1:0",
        "Llama 3.2 1B Instruct",
        "Meta",
        T,
        T,
        true,
        IP,
    ),
    model(
        "meta.llama3-2-11b-instruct-v1:0",
        "Llama 3.2 11B Instruct",
        "Meta",
        TI,
        T,
        true,
        IP,
    ),
    model(
        "meta.llama3-3-70b-instruct-v1:0",
        "Llama 3.3 70B Instruct",
        "Meta",
        T,
        T,
        true,
        IP,
    ),
];

/// The cross-region groups of the system-defined inference profiles: prefix,
/// display name and the regions a request may be routed to.
pub(crate) const GEOGRAPHIES: &[(&str, &str, &[&str])] = &[
    ("us", "US", &["us-east-1", "us-east-2", "us-west-2"]),
    ("eu", "EU", &["eu-central-1", "eu-west-1", "eu-west-3"]),
];

impl Model {
    pub(crate) fn arn(&self, region: &str) -> String {
        foundation_model_arn(region, self.id)
    }

    /// Whether the model has system-defined cross-region profiles.
    pub(crate) fn has_profiles(&self) -> bool {
        self.provider != LOCAL_PROVIDER_NAME && self.output != E && !self.legacy
    }

    fn summary(&self, region: &str) -> FoundationModelSummary {
        let mut s = FoundationModelSummary::new(self.arn(region), self.id);
        s.model_name = Some(self.name.to_owned());
        s.provider_name = Some(self.provider.to_owned());
        s.input_modalities = Some(self.input.iter().map(|m| m.wire()).collect());
        s.output_modalities = Some(self.output.iter().map(|m| m.wire()).collect());
        s.response_streaming_supported = Some(self.streaming);
        s.customizations_supported = Some(self.customizations.iter().map(|c| c.wire()).collect());
        s.inference_types_supported = Some(self.inference.iter().map(|i| i.wire()).collect());
        s.model_lifecycle = Some(FoundationModelLifecycle::new(if self.legacy {
            FoundationModelLifecycleStatus::Legacy
        } else {
            FoundationModelLifecycleStatus::Active
        }));
        s
    }

    fn details(&self, region: &str) -> FoundationModelDetails {
        let s = self.summary(region);
        let mut d = FoundationModelDetails::new(s.model_arn, s.model_id);
        d.model_name = s.model_name;
        d.provider_name = s.provider_name;
        d.input_modalities = s.input_modalities;
        d.output_modalities = s.output_modalities;
        d.response_streaming_supported = s.response_streaming_supported;
        d.customizations_supported = s.customizations_supported;
        d.inference_types_supported = s.inference_types_supported;
        d.model_lifecycle = s.model_lifecycle;
        d
    }
}

impl Modality {
    fn wire(self) -> ModelModality {
        match self {
            Text => ModelModality::Text,
            Image => ModelModality::Image,
            Embedding => ModelModality::Embedding,
        }
    }
}

impl Inference {
    fn wire(self) -> InferenceType {
        match self {
            OnDemand => InferenceType::OnDemand,
            Provisioned => InferenceType::Provisioned,
            // Newer than the pinned spec's enum: kept as the raw wire value.
            Profile => InferenceType::from("INFERENCE_PROFILE"),
        }
    }
}

impl Custom {
    fn wire(self) -> ModelCustomization {
        match self {
            FineTuning => ModelCustomization::FineTuning,
            ContinuedPreTraining => ModelCustomization::ContinuedPreTraining,
            Distillation => ModelCustomization::Distillation,
        }
    }
}

pub(crate) fn foundation_model_arn(region: &str, id: &str) -> String {
    format!("arn:aws:bedrock:{region}::foundation-model/{id}")
}

/// The catalog entry for a model id or foundation-model ARN (any region).
pub(crate) fn find_model(identifier: &str) -> Option<&'static Model> {
    let id = match identifier.strip_prefix("arn:") {
        Some(_) => identifier.split_once(":foundation-model/")?.1,
        None => identifier,
    };
    MODELS.iter().find(|m| m.id == id)
}

impl ControlPlane {
    /// `ListFoundationModels`: the catalog, filtered by provider
    /// (case-insensitive), customization type, output modality and inference
    /// type.
    pub fn list_foundation_models(
        &self,
        input: &ListFoundationModelsRequest,
    ) -> Result<ListFoundationModelsResponse, ListFoundationModelsError> {
        check(input)?;
        let summaries = MODELS
            .iter()
            .filter(|m| {
                input
                    .by_provider
                    .as_deref()
                    .is_none_or(|p| m.provider.eq_ignore_ascii_case(p))
                    && input
                        .by_customization_type
                        .as_ref()
                        .is_none_or(|c| m.customizations.iter().any(|x| x.wire() == *c))
                    && input
                        .by_output_modality
                        .as_ref()
                        .is_none_or(|o| m.output.iter().any(|x| x.wire() == *o))
                    && input
                        .by_inference_type
                        .as_ref()
                        .is_none_or(|i| m.inference.iter().any(|x| x.wire() == *i))
            })
            .map(|m| m.summary(&self.region))
            .collect::<Vec<_>>();
        let mut response = ListFoundationModelsResponse::new();
        response.model_summaries = Some(summaries);
        Ok(response)
    }

    /// `GetFoundationModel`: one catalog entry, by model id or ARN.
    pub fn get_foundation_model(
        &self,
        input: &GetFoundationModelRequest,
    ) -> Result<GetFoundationModelResponse, GetFoundationModelError> {
        check(input)?;
        let model = find_model(&input.model_identifier).ok_or_else(|| {
            Fault::NotFound(format!(
                "The model '{}' was not found in the foundation model catalog.",
                input.model_identifier
            ))
        })?;
        let mut response = GetFoundationModelResponse::new();
        response.model_details = Some(model.details(&self.region));
        Ok(response)
    }
}
