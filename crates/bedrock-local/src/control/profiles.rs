//! Inference profiles: the system-defined cross-region ones, derived from the
//! catalog, and the application profiles users create.

use bedrock_control_types::error::{
    CreateInferenceProfileError, DeleteInferenceProfileError, GetInferenceProfileError, ListInferenceProfilesError,
};
use bedrock_control_types::types::{
    CreateInferenceProfileRequest, CreateInferenceProfileResponse, DeleteInferenceProfileRequest,
    DeleteInferenceProfileResponse, GetInferenceProfileRequest, GetInferenceProfileResponse, InferenceProfileModel,
    InferenceProfileModelSource, InferenceProfileStatus, InferenceProfileSummary, InferenceProfileType,
    ListInferenceProfilesRequest, ListInferenceProfilesResponse,
};

use super::catalog::{find_model, foundation_model_arn, GEOGRAPHIES, MODELS};
use super::error::{check, Fault};
use super::{datetime, paginate, ControlPlane};

/// An application inference profile.
#[derive(Clone, Debug)]
pub(crate) struct AppProfile {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) models: Vec<String>,
    pub(crate) created_ms: i64,
    pub(crate) client_request_token: Option<String>,
}

/// One profile, system-defined or not, as the list and get operations show it.
struct ProfileView {
    name: String,
    description: Option<String>,
    created_ms: Option<i64>,
    arn: String,
    models: Vec<String>,
    id: String,
    kind: InferenceProfileType,
}

impl ProfileView {
    fn summary(self) -> InferenceProfileSummary {
        let models = self
            .models
            .into_iter()
            .map(|arn| {
                let mut m = InferenceProfileModel::new();
                m.model_arn = Some(arn);
                m
            })
            .collect::<Vec<_>>();
        let mut s = InferenceProfileSummary::new(
            self.name,
            self.arn,
            models,
            self.id,
            InferenceProfileStatus::Active,
            self.kind,
        );
        s.description = self.description;
        s.created_at = self.created_ms.map(datetime);
        s.updated_at = self.created_ms.map(datetime);
        s
    }

    fn get(self) -> GetInferenceProfileResponse {
        let s = self.summary();
        let mut r = GetInferenceProfileResponse::new(
            s.inference_profile_name,
            s.inference_profile_arn,
            s.models,
            s.inference_profile_id,
            s.status,
            s.r#type,
        );
        r.description = s.description;
        r.created_at = s.created_at;
        r.updated_at = s.updated_at;
        r
    }
}

impl ControlPlane {
    /// The system-defined profiles, in list order.
    fn system_profiles(&self) -> Vec<ProfileView> {
        let mut out = Vec::new();
        for (prefix, geo, regions) in GEOGRAPHIES {
            for model in MODELS.iter().filter(|m| m.has_profiles()) {
                let id = format!("{prefix}.{}", model.id);
                out.push(ProfileView {
                    name: format!("{geo} {}", model.name),
                    description: Some(format!("Routes requests to {} in {}.", model.name, regions.join(", "))),
                    created_ms: None,
                    arn: self.arn(&format!("inference-profile/{id}")),
                    models: regions.iter().map(|r| foundation_model_arn(r, model.id)).collect(),
                    id,
                    kind: InferenceProfileType::SystemDefined,
                });
            }
        }
        out
    }

    fn system_profile(&self, identifier: &str) -> Option<ProfileView> {
        let id = super::id_from_identifier(identifier, "inference-profile");
        self.system_profiles().into_iter().find(|p| p.id == id)
    }

    fn app_view(p: &AppProfile) -> ProfileView {
        ProfileView {
            name: p.name.clone(),
            description: p.description.clone(),
            created_ms: Some(p.created_ms),
            arn: p.arn.clone(),
            models: p.models.clone(),
            id: p.id.clone(),
            kind: InferenceProfileType::Application,
        }
    }

    /// The model ARNs behind a model id, foundation-model ARN, or inference
    /// profile id or ARN (system-defined or application); `None` if unknown.
    pub(crate) fn resolve_model_arns(&self, identifier: &str) -> Option<Vec<String>> {
        if let Some(model) = find_model(identifier) {
            return Some(vec![model.arn(&self.region)]);
        }
        if let Some(profile) = self.system_profile(identifier) {
            return Some(profile.models);
        }
        let id = super::id_from_identifier(identifier, "application-inference-profile");
        self.lock().profiles.get(id).map(|p| p.models.clone())
    }

    /// `ListInferenceProfiles`: the system-defined profiles, or with
    /// `typeEquals: APPLICATION` the application profiles in creation order.
    /// Like the service, no `typeEquals` means `SYSTEM_DEFINED`.
    pub fn list_inference_profiles(
        &self,
        input: &ListInferenceProfilesRequest,
    ) -> Result<ListInferenceProfilesResponse, ListInferenceProfilesError> {
        check(input)?;
        let wanted = input.type_equals.clone().unwrap_or(InferenceProfileType::SystemDefined);
        let want = |kind: &InferenceProfileType| wanted == *kind;
        let mut items: Vec<(u64, ProfileView)> = Vec::new();
        if want(&InferenceProfileType::SystemDefined) {
            items.extend(
                self.system_profiles()
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (i as u64, p)),
            );
        }
        if want(&InferenceProfileType::Application) {
            let state = self.lock();
            let mut apps: Vec<&AppProfile> = state.profiles.values().collect();
            apps.sort_by_key(|p| p.seq);
            items.extend(apps.into_iter().map(|p| ((1 << 32) + p.seq, Self::app_view(p))));
        }
        let (page, token) = paginate(items, true, input.max_results, input.next_token.as_deref(), 100)?;
        let mut response = ListInferenceProfilesResponse::new();
        response.inference_profile_summaries = Some(page.into_iter().map(ProfileView::summary).collect());
        response.next_token = token;
        Ok(response)
    }

    /// `GetInferenceProfile`, by id or ARN of either kind.
    pub fn get_inference_profile(
        &self,
        input: &GetInferenceProfileRequest,
    ) -> Result<GetInferenceProfileResponse, GetInferenceProfileError> {
        check(input)?;
        let identifier = &input.inference_profile_identifier;
        if let Some(p) = self.system_profile(identifier) {
            return Ok(p.get());
        }
        let id = super::id_from_identifier(identifier, "application-inference-profile");
        let state = self.lock();
        match state.profiles.get(id) {
            Some(p) => Ok(Self::app_view(p).get()),
            None => Err(profile_not_found(identifier).into()),
        }
    }

    /// `CreateInferenceProfile`: an application profile copying the models of
    /// a foundation model or a system-defined profile (`modelSource.copyFrom`,
    /// an ARN or id).
    pub fn create_inference_profile(
        &self,
        input: &CreateInferenceProfileRequest,
    ) -> Result<CreateInferenceProfileResponse, CreateInferenceProfileError> {
        check(input)?;
        let source = match &input.model_source {
            InferenceProfileModelSource::CopyFrom(source) => source,
            _ => return Err(Fault::Validation("modelSource must set copyFrom.".to_owned()).into()),
        };
        let models = match find_model(source) {
            Some(m) => vec![m.arn(&self.region)],
            None => match self.system_profile(source) {
                Some(p) => p.models,
                None => {
                    return Err(Fault::NotFound(format!(
                        "The model or inference profile '{source}' to copy from was not found."
                    ))
                    .into())
                }
            },
        };
        let now = self.now_ms();
        let mut state = self.lock();
        if let Some(p) = super::same_token(state.profiles.values(), &input.client_request_token, |p| {
            &p.client_request_token
        }) {
            let mut response = CreateInferenceProfileResponse::new(p.arn.clone());
            response.status = Some(InferenceProfileStatus::Active);
            return Ok(response);
        }
        if state.profiles.values().any(|p| p.name == input.inference_profile_name) {
            return Err(Fault::Conflict(format!(
                "An inference profile named '{}' already exists.",
                input.inference_profile_name
            ))
            .into());
        }
        let id = state.fresh_id();
        let arn = self.arn(&format!("application-inference-profile/{id}"));
        let seq = state.next_seq();
        state.set_initial_tags(&arn, input.tags.as_deref())?;
        state.profiles.insert(
            id.clone(),
            AppProfile {
                seq,
                id,
                arn: arn.clone(),
                name: input.inference_profile_name.clone(),
                description: input.description.clone(),
                models,
                created_ms: now,
                client_request_token: input.client_request_token.clone(),
            },
        );
        let mut response = CreateInferenceProfileResponse::new(arn);
        response.status = Some(InferenceProfileStatus::Active);
        Ok(response)
    }

    /// `DeleteInferenceProfile`: application profiles only.
    pub fn delete_inference_profile(
        &self,
        input: &DeleteInferenceProfileRequest,
    ) -> Result<DeleteInferenceProfileResponse, DeleteInferenceProfileError> {
        check(input)?;
        let identifier = &input.inference_profile_identifier;
        if self.system_profile(identifier).is_some() {
            return Err(Fault::Validation(format!(
                "The inference profile '{identifier}' is system-defined and cannot be deleted."
            ))
            .into());
        }
        let id = super::id_from_identifier(identifier, "application-inference-profile");
        let mut state = self.lock();
        match state.profiles.remove(id) {
            Some(p) => {
                state.tags.remove(&p.arn);
                Ok(DeleteInferenceProfileResponse::new())
            }
            None => Err(profile_not_found(identifier).into()),
        }
    }
}

fn profile_not_found(identifier: &str) -> Fault {
    Fault::NotFound(format!("The inference profile '{identifier}' was not found."))
}
