//! Provisioned model throughput, whose status follows the clock.

use bedrock_control_types::error::{
    CreateProvisionedModelThroughputError, DeleteProvisionedModelThroughputError, GetProvisionedModelThroughputError,
    ListProvisionedModelThroughputsError, UpdateProvisionedModelThroughputError,
};
use bedrock_control_types::types::{
    CommitmentDuration, CreateProvisionedModelThroughputRequest, CreateProvisionedModelThroughputResponse,
    DeleteProvisionedModelThroughputRequest, DeleteProvisionedModelThroughputResponse,
    GetProvisionedModelThroughputRequest, GetProvisionedModelThroughputResponse,
    ListProvisionedModelThroughputsRequest, ListProvisionedModelThroughputsResponse, ProvisionedModelStatus,
    ProvisionedModelSummary, SortOrder, UpdateProvisionedModelThroughputRequest,
    UpdateProvisionedModelThroughputResponse,
};

use super::catalog::find_model;
use super::error::{check, Fault};
use super::{datetime, millis, paginate, ControlPlane, State};

/// How long a provisioned throughput is `Creating` (or `Updating`) before it
/// is `InService`.
pub const PROVISIONING_MS: i64 = 30_000;

/// A provisioned throughput.
#[derive(Clone, Debug)]
pub(crate) struct Provisioned {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) model_units: i32,
    /// The model ARN in service, and the one an update asked for.
    pub(crate) model_arn: String,
    pub(crate) desired_model_arn: String,
    pub(crate) foundation_model_arn: String,
    pub(crate) commitment: Option<CommitmentDuration>,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
    /// When the current `Creating` or `Updating` phase ends.
    pub(crate) ready_ms: i64,
    pub(crate) updating: bool,
    pub(crate) client_request_token: Option<String>,
}

impl Provisioned {
    fn status(&self, now: i64) -> ProvisionedModelStatus {
        match (now < self.ready_ms, self.updating) {
            (true, false) => ProvisionedModelStatus::Creating,
            (true, true) => ProvisionedModelStatus::Updating,
            (false, _) => ProvisionedModelStatus::InService,
        }
    }

    /// Applies a finished update.
    fn settle(&mut self, now: i64) {
        if self.updating && now >= self.ready_ms {
            self.updating = false;
            self.model_arn = self.desired_model_arn.clone();
            self.modified_ms = self.ready_ms;
        }
    }

    fn commitment_expiration_ms(&self) -> Option<i64> {
        const DAY_MS: i64 = 86_400_000;
        let days = match self.commitment.as_ref()?.as_str() {
            "OneMonth" => 30,
            "SixMonths" => 182,
            _ => return None,
        };
        Some(self.created_ms.saturating_add(days * DAY_MS))
    }

    fn summary(&self, now: i64) -> ProvisionedModelSummary {
        let mut s = ProvisionedModelSummary::new(
            self.name.clone(),
            self.arn.clone(),
            self.model_arn.clone(),
            self.desired_model_arn.clone(),
            self.foundation_model_arn.clone(),
            self.model_units,
            self.model_units,
            self.status(now),
            datetime(self.created_ms),
            datetime(self.modified_ms),
        );
        s.commitment_duration = self.commitment.clone();
        s.commitment_expiration_time = self.commitment_expiration_ms().map(datetime);
        s
    }
}

/// Finds a provisioned throughput by id, ARN or name.
fn find_id(state: &State, identifier: &str) -> Result<String, Fault> {
    let id = super::id_from_identifier(identifier, "provisioned-model");
    if state.provisioned.contains_key(id) {
        return Ok(id.to_owned());
    }
    state
        .provisioned
        .values()
        .find(|p| p.name == identifier)
        .map(|p| p.id.clone())
        .ok_or_else(|| Fault::NotFound(format!("The provisioned model '{identifier}' was not found.")))
}

impl State {
    fn settle_provisioned(&mut self, now: i64) {
        for p in self.provisioned.values_mut() {
            p.settle(now);
        }
    }
}

impl ControlPlane {
    /// `CreateProvisionedModelThroughput` on a catalog model: `Creating`, then
    /// `InService` after [`PROVISIONING_MS`] (by the injected clock). Names are
    /// unique.
    pub fn create_provisioned_model_throughput(
        &self,
        input: &CreateProvisionedModelThroughputRequest,
    ) -> Result<CreateProvisionedModelThroughputResponse, CreateProvisionedModelThroughputError> {
        check(input)?;
        let model = find_model(&input.model_id)
            .ok_or_else(|| Fault::NotFound(format!("The model '{}' was not found.", input.model_id)))?;
        let now = self.now_ms();
        let mut state = self.lock();
        if let Some(p) = super::same_token(state.provisioned.values(), &input.client_request_token, |p| {
            &p.client_request_token
        }) {
            return Ok(CreateProvisionedModelThroughputResponse::new(p.arn.clone()));
        }
        if state
            .provisioned
            .values()
            .any(|p| p.name == input.provisioned_model_name)
        {
            return Err(Fault::Validation(format!(
                "A provisioned model named '{}' already exists.",
                input.provisioned_model_name
            ))
            .into());
        }
        let id = state.fresh_id();
        let arn = self.arn(&format!("provisioned-model/{id}"));
        state.set_initial_tags(&arn, input.tags.as_deref())?;
        let seq = state.next_seq();
        let model_arn = model.arn(&self.region);
        state.provisioned.insert(
            id.clone(),
            Provisioned {
                seq,
                id,
                arn: arn.clone(),
                name: input.provisioned_model_name.clone(),
                model_units: input.model_units,
                model_arn: model_arn.clone(),
                desired_model_arn: model_arn.clone(),
                foundation_model_arn: model_arn,
                commitment: input.commitment_duration.clone(),
                created_ms: now,
                modified_ms: now,
                ready_ms: now.saturating_add(PROVISIONING_MS),
                updating: false,
                client_request_token: input.client_request_token.clone(),
            },
        );
        Ok(CreateProvisionedModelThroughputResponse::new(arn))
    }

    /// `GetProvisionedModelThroughput`, by id, ARN or name.
    pub fn get_provisioned_model_throughput(
        &self,
        input: &GetProvisionedModelThroughputRequest,
    ) -> Result<GetProvisionedModelThroughputResponse, GetProvisionedModelThroughputError> {
        check(input)?;
        let now = self.now_ms();
        let mut state = self.lock();
        state.settle_provisioned(now);
        let id = find_id(&state, &input.provisioned_model_id)?;
        let p = state.provisioned.get(&id).ok_or_else(|| Fault::NotFound(id.clone()))?;
        let s = p.summary(now);
        let mut r = GetProvisionedModelThroughputResponse::new(
            s.model_units,
            s.desired_model_units,
            s.provisioned_model_name,
            s.provisioned_model_arn,
            s.model_arn,
            s.desired_model_arn,
            s.foundation_model_arn,
            s.status,
            s.creation_time,
            s.last_modified_time,
        );
        r.commitment_duration = s.commitment_duration;
        r.commitment_expiration_time = s.commitment_expiration_time;
        Ok(r)
    }

    /// `ListProvisionedModelThroughputs`: filtered by creation time, status,
    /// model ARN and name, sorted by creation time (descending by default).
    pub fn list_provisioned_model_throughputs(
        &self,
        input: &ListProvisionedModelThroughputsRequest,
    ) -> Result<ListProvisionedModelThroughputsResponse, ListProvisionedModelThroughputsError> {
        check(input)?;
        let now = self.now_ms();
        let mut state = self.lock();
        state.settle_provisioned(now);
        let ascending = input.sort_order == Some(SortOrder::Ascending);
        let mut all: Vec<&Provisioned> = state
            .provisioned
            .values()
            .filter(|p| {
                input
                    .creation_time_after
                    .as_ref()
                    .is_none_or(|t| p.created_ms > millis(t))
                    && input
                        .creation_time_before
                        .as_ref()
                        .is_none_or(|t| p.created_ms < millis(t))
                    && input.status_equals.as_ref().is_none_or(|s| p.status(now) == *s)
                    && input.model_arn_equals.as_deref().is_none_or(|m| p.model_arn == m)
                    && input.name_contains.as_deref().is_none_or(|n| p.name.contains(n))
            })
            .collect();
        all.sort_by_key(|p| p.seq);
        if !ascending {
            all.reverse();
        }
        let items = all.into_iter().map(|p| (p.seq, p.summary(now))).collect();
        let (page, token) = paginate(items, ascending, input.max_results, input.next_token.as_deref(), 100)?;
        let mut response = ListProvisionedModelThroughputsResponse::new();
        response.provisioned_model_summaries = Some(page);
        response.next_token = token;
        Ok(response)
    }

    /// `UpdateProvisionedModelThroughput`: renames at once; a new model puts
    /// the throughput in `Updating` for [`PROVISIONING_MS`], after which the
    /// model is in service.
    pub fn update_provisioned_model_throughput(
        &self,
        input: &UpdateProvisionedModelThroughputRequest,
    ) -> Result<UpdateProvisionedModelThroughputResponse, UpdateProvisionedModelThroughputError> {
        check(input)?;
        let desired = match &input.desired_model_id {
            Some(model_id) => Some(
                find_model(model_id)
                    .ok_or_else(|| Fault::NotFound(format!("The model '{model_id}' was not found.")))?
                    .arn(&self.region),
            ),
            None => None,
        };
        let now = self.now_ms();
        let mut state = self.lock();
        state.settle_provisioned(now);
        let id = find_id(&state, &input.provisioned_model_id)?;
        if let Some(name) = &input.desired_provisioned_model_name {
            if state.provisioned.values().any(|p| p.id != id && &p.name == name) {
                return Err(Fault::Validation(format!("A provisioned model named '{name}' already exists.")).into());
            }
        }
        let p = state
            .provisioned
            .get_mut(&id)
            .ok_or_else(|| Fault::NotFound(id.clone()))?;
        if p.status(now) != ProvisionedModelStatus::InService && desired.is_some() {
            return Err(Fault::Validation(format!(
                "The provisioned model '{}' is {} and cannot change its model now.",
                input.provisioned_model_id,
                p.status(now).as_str()
            ))
            .into());
        }
        if let Some(name) = &input.desired_provisioned_model_name {
            p.name = name.clone();
        }
        if let Some(desired) = desired {
            p.desired_model_arn = desired;
            p.updating = true;
            p.ready_ms = now.saturating_add(PROVISIONING_MS);
        }
        p.modified_ms = now;
        Ok(UpdateProvisionedModelThroughputResponse::new())
    }

    /// `DeleteProvisionedModelThroughput`, by id, ARN or name.
    pub fn delete_provisioned_model_throughput(
        &self,
        input: &DeleteProvisionedModelThroughputRequest,
    ) -> Result<DeleteProvisionedModelThroughputResponse, DeleteProvisionedModelThroughputError> {
        check(input)?;
        let mut state = self.lock();
        let id = find_id(&state, &input.provisioned_model_id)?;
        if let Some(p) = state.provisioned.remove(&id) {
            state.tags.remove(&p.arn);
        }
        Ok(DeleteProvisionedModelThroughputResponse::new())
    }
}
