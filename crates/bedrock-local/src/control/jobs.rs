//! Batch inference (model invocation) jobs, whose status follows the clock.

use bedrock_control_types::error::{
    CreateModelInvocationJobError, GetModelInvocationJobError, ListModelInvocationJobsError,
    StopModelInvocationJobError,
};
use bedrock_control_types::types::{
    CreateModelInvocationJobRequest, CreateModelInvocationJobResponse, GetModelInvocationJobRequest,
    GetModelInvocationJobResponse, ListModelInvocationJobsRequest, ListModelInvocationJobsResponse,
    ModelInvocationJobInputDataConfig, ModelInvocationJobOutputDataConfig, ModelInvocationJobStatus,
    ModelInvocationJobSummary, ModelInvocationType, SortOrder, StopModelInvocationJobRequest,
    StopModelInvocationJobResponse, VpcConfig,
};

use super::error::{check, Fault};
use super::{datetime, millis, paginate, ControlPlane, State};

/// How long a job stays `Submitted` before it runs.
pub const JOB_SUBMITTED_MS: i64 = 10_000;
/// How long a job runs (`InProgress`) before it is `Completed`.
pub const JOB_RUNNING_MS: i64 = 60_000;

/// A model invocation job.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) model_id: String,
    pub(crate) role_arn: String,
    pub(crate) client_request_token: Option<String>,
    pub(crate) input: ModelInvocationJobInputDataConfig,
    pub(crate) output: ModelInvocationJobOutputDataConfig,
    pub(crate) vpc: Option<VpcConfig>,
    pub(crate) timeout_hours: Option<i32>,
    pub(crate) invocation_type: Option<ModelInvocationType>,
    pub(crate) submit_ms: i64,
    pub(crate) stopped_ms: Option<i64>,
}

impl Job {
    /// Status, time of the last change and end time, at `now`.
    fn status(&self, now: i64) -> (ModelInvocationJobStatus, i64, Option<i64>) {
        let started = self.submit_ms.saturating_add(JOB_SUBMITTED_MS);
        let completed = started.saturating_add(JOB_RUNNING_MS);
        if let Some(stopped) = self.stopped_ms {
            if stopped < completed {
                return (ModelInvocationJobStatus::Stopped, stopped, Some(stopped));
            }
        }
        if now < started {
            (ModelInvocationJobStatus::Submitted, self.submit_ms, None)
        } else if now < completed {
            (ModelInvocationJobStatus::InProgress, started, None)
        } else {
            (ModelInvocationJobStatus::Completed, completed, Some(completed))
        }
    }

    fn expiration_ms(&self) -> i64 {
        let hours = i64::from(self.timeout_hours.unwrap_or(24).max(0));
        self.submit_ms.saturating_add(hours.saturating_mul(3_600_000))
    }

    fn summary(&self, now: i64) -> ModelInvocationJobSummary {
        let (status, modified, end) = self.status(now);
        let mut s = ModelInvocationJobSummary::new(
            self.arn.clone(),
            self.name.clone(),
            self.model_id.clone(),
            self.role_arn.clone(),
            datetime(self.submit_ms),
            self.input.clone(),
            self.output.clone(),
        );
        s.client_request_token = self.client_request_token.clone();
        s.status = Some(status);
        s.last_modified_time = Some(datetime(modified));
        s.end_time = end.map(datetime);
        s.vpc_config = self.vpc.clone();
        s.timeout_duration_in_hours = self.timeout_hours;
        s.job_expiration_time = Some(datetime(self.expiration_ms()));
        s.model_invocation_type = self.invocation_type.clone();
        s
    }
}

fn find<'a>(state: &'a State, identifier: &str) -> Result<&'a Job, Fault> {
    let id = super::id_from_identifier(identifier, "model-invocation-job");
    state
        .jobs
        .get(id)
        .ok_or_else(|| Fault::NotFound(format!("The model invocation job '{identifier}' was not found.")))
}

impl ControlPlane {
    /// `CreateModelInvocationJob`: a job on a catalog model or inference
    /// profile; `Submitted`, then `InProgress` after [`JOB_SUBMITTED_MS`],
    /// then `Completed` after [`JOB_RUNNING_MS`] more (by the injected clock).
    /// Nothing is read from or written to S3.
    pub fn create_model_invocation_job(
        &self,
        input: &CreateModelInvocationJobRequest,
    ) -> Result<CreateModelInvocationJobResponse, CreateModelInvocationJobError> {
        check(input)?;
        if self.resolve_model_arns(&input.model_id).is_none() {
            return Err(Fault::NotFound(format!("The model '{}' was not found.", input.model_id)).into());
        }
        let now = self.now_ms();
        let mut state = self.lock();
        if let Some(j) = super::same_token(state.jobs.values(), &input.client_request_token, |j| {
            &j.client_request_token
        }) {
            return Ok(CreateModelInvocationJobResponse::new(j.arn.clone()));
        }
        if state.jobs.values().any(|j| j.name == input.job_name) {
            return Err(Fault::Conflict(format!(
                "A model invocation job named '{}' already exists.",
                input.job_name
            ))
            .into());
        }
        let id = state.fresh_id();
        let arn = self.arn(&format!("model-invocation-job/{id}"));
        state.set_initial_tags(&arn, input.tags.as_deref())?;
        let seq = state.next_seq();
        state.jobs.insert(
            id.clone(),
            Job {
                seq,
                id,
                arn: arn.clone(),
                name: input.job_name.clone(),
                model_id: input.model_id.clone(),
                role_arn: input.role_arn.clone(),
                client_request_token: input.client_request_token.clone(),
                input: input.input_data_config.clone(),
                output: input.output_data_config.clone(),
                vpc: input.vpc_config.clone(),
                timeout_hours: input.timeout_duration_in_hours,
                invocation_type: input.model_invocation_type.clone(),
                submit_ms: now,
                stopped_ms: None,
            },
        );
        Ok(CreateModelInvocationJobResponse::new(arn))
    }

    /// `GetModelInvocationJob`, by job id or ARN.
    pub fn get_model_invocation_job(
        &self,
        input: &GetModelInvocationJobRequest,
    ) -> Result<GetModelInvocationJobResponse, GetModelInvocationJobError> {
        check(input)?;
        let now = self.now_ms();
        let state = self.lock();
        let s = find(&state, &input.job_identifier)?.summary(now);
        let mut r = GetModelInvocationJobResponse::new(
            s.job_arn,
            s.model_id,
            s.role_arn,
            s.submit_time,
            s.input_data_config,
            s.output_data_config,
        );
        r.job_name = Some(s.job_name);
        r.client_request_token = s.client_request_token;
        r.status = s.status;
        r.last_modified_time = s.last_modified_time;
        r.end_time = s.end_time;
        r.vpc_config = s.vpc_config;
        r.timeout_duration_in_hours = s.timeout_duration_in_hours;
        r.job_expiration_time = s.job_expiration_time;
        r.model_invocation_type = s.model_invocation_type;
        Ok(r)
    }

    /// `ListModelInvocationJobs`: filtered by submit time, status and name,
    /// sorted by creation time (descending unless `sortOrder` says otherwise).
    pub fn list_model_invocation_jobs(
        &self,
        input: &ListModelInvocationJobsRequest,
    ) -> Result<ListModelInvocationJobsResponse, ListModelInvocationJobsError> {
        check(input)?;
        let now = self.now_ms();
        let state = self.lock();
        let ascending = input.sort_order == Some(SortOrder::Ascending);
        let mut jobs: Vec<&Job> = state
            .jobs
            .values()
            .filter(|j| {
                input.submit_time_after.as_ref().is_none_or(|t| j.submit_ms > millis(t))
                    && input
                        .submit_time_before
                        .as_ref()
                        .is_none_or(|t| j.submit_ms < millis(t))
                    && input.name_contains.as_deref().is_none_or(|n| j.name.contains(n))
                    && input.status_equals.as_ref().is_none_or(|s| j.status(now).0 == *s)
            })
            .collect();
        jobs.sort_by_key(|j| j.seq);
        if !ascending {
            jobs.reverse();
        }
        let items = jobs.into_iter().map(|j| (j.seq, j.summary(now))).collect();
        let (page, token) = paginate(items, ascending, input.max_results, input.next_token.as_deref(), 100)?;
        let mut response = ListModelInvocationJobsResponse::new();
        response.invocation_job_summaries = Some(page);
        response.next_token = token;
        Ok(response)
    }

    /// `StopModelInvocationJob`: a `Submitted` or `InProgress` job becomes
    /// `Stopped`; stopping a finished job is a `ConflictException`.
    pub fn stop_model_invocation_job(
        &self,
        input: &StopModelInvocationJobRequest,
    ) -> Result<StopModelInvocationJobResponse, StopModelInvocationJobError> {
        check(input)?;
        let now = self.now_ms();
        let mut state = self.lock();
        let id = find(&state, &input.job_identifier)?.id.clone();
        if let Some(job) = state.jobs.get_mut(&id) {
            let status = job.status(now).0;
            match status {
                ModelInvocationJobStatus::Submitted | ModelInvocationJobStatus::InProgress => {
                    job.stopped_ms = Some(now)
                }
                other => {
                    return Err(Fault::Conflict(format!(
                        "The model invocation job '{}' is {} and cannot be stopped.",
                        input.job_identifier,
                        other.as_str()
                    ))
                    .into())
                }
            }
        }
        Ok(StopModelInvocationJobResponse::new())
    }
}
