//! StartAsyncInvoke, GetAsyncInvoke and ListAsyncInvokes over an in-memory job store.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_runtime_types::types::{
    AsyncInvokeOutputDataConfig, AsyncInvokeStatus, AsyncInvokeSummary, GetAsyncInvokeRequest, GetAsyncInvokeResponse,
    ListAsyncInvokesRequest, ListAsyncInvokesResponse, SortOrder, StartAsyncInvokeRequest, StartAsyncInvokeResponse,
};
use bedrock_runtime_types::DateTime;

use super::engine::{fnv1a, splitmix64};
use super::error::RuntimeError;
use super::registry::ModelRegistry;

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// The current time, in milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The machine's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told to; share it (`Arc`) between a test and the store.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `millis` since the Unix epoch.
    pub fn new(millis: i64) -> Self {
        Self {
            millis: AtomicI64::new(millis),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(by, Ordering::SeqCst);
    }

    /// Sets the clock to `millis` since the Unix epoch.
    pub fn set(&self, millis: i64) {
        self.millis.store(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

/// How the job store names and completes jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncInvokeConfig {
    /// The region in the ARNs.
    pub region: String,
    /// The account id in the invocation ARNs.
    pub account_id: String,
    /// How long a job stays `InProgress`.
    pub complete_after: Duration,
}

impl Default for AsyncInvokeConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            complete_after: Duration::from_secs(5),
        }
    }
}

#[derive(Clone, Debug)]
struct Job {
    sequence: u64,
    invocation_arn: String,
    model_arn: String,
    client_request_token: Option<String>,
    submit_millis: i64,
    output_data_config: AsyncInvokeOutputDataConfig,
    failure: Option<(String, i64)>,
}

/// The in-memory store behind the async invoke operations.
///
/// A job is `InProgress` from its submission until [`AsyncInvokeConfig::complete_after`] has
/// passed on the store's [`Clock`], and `Completed` from then on (its `endTime` is the moment it
/// completed); [`AsyncInvokeStore::fail`] turns a job `Failed` instead. Nothing runs in the
/// background: the status is computed from the clock whenever a job is read, so tests drive it
/// with a [`ManualClock`].
///
/// StartAsyncInvoke is idempotent on `clientRequestToken`: a token seen before answers the ARN
/// of the job it created. ListAsyncInvokes filters on `submitTimeAfter` / `submitTimeBefore`
/// (both exclusive) and `statusEquals`, sorts by submission time (descending unless asked
/// otherwise) and pages with `maxResults` (default 1000) and an opaque `nextToken`.
pub struct AsyncInvokeStore {
    config: AsyncInvokeConfig,
    clock: Arc<dyn Clock>,
    jobs: Vec<Job>,
}

impl std::fmt::Debug for AsyncInvokeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncInvokeStore")
            .field("config", &self.config)
            .field("jobs", &self.jobs.len())
            .finish()
    }
}

/// The largest page ListAsyncInvokes answers.
const MAX_RESULTS: i32 = 1000;

impl AsyncInvokeStore {
    /// An empty store reading time from `clock`.
    pub fn new(config: AsyncInvokeConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            jobs: Vec::new(),
        }
    }

    /// StartAsyncInvoke: records a job and answers its ARN.
    pub fn start(
        &mut self,
        registry: &ModelRegistry,
        request: &StartAsyncInvokeRequest,
    ) -> Result<StartAsyncInvokeResponse, RuntimeError> {
        if let Some(token) = &request.client_request_token {
            if let Some(job) = self
                .jobs
                .iter()
                .find(|job| job.client_request_token.as_deref() == Some(token))
            {
                return Ok(StartAsyncInvokeResponse::new(job.invocation_arn.clone()));
            }
        }
        let model = registry.resolve(&request.model_id)?;
        if !request.model_input.is_object() {
            return Err(RuntimeError::validation("The modelInput must be a JSON object."));
        }
        match &request.output_data_config {
            AsyncInvokeOutputDataConfig::S3OutputDataConfig(s3)
                if s3.s3_uri.starts_with("s3://") && s3.s3_uri.len() > 5 => {}
            AsyncInvokeOutputDataConfig::S3OutputDataConfig(s3) => {
                return Err(RuntimeError::validation(format!(
                    "The S3 URI {:?} is not valid.",
                    s3.s3_uri
                )))
            }
            _ => {
                return Err(RuntimeError::validation(
                    "The outputDataConfig must hold an s3OutputDataConfig.",
                ))
            }
        }
        let sequence = self.jobs.len() as u64;
        let seed = fnv1a(
            format!(
                "{sequence}\u{0}{}",
                request.client_request_token.as_deref().unwrap_or_default()
            )
            .as_bytes(),
        );
        let job = Job {
            sequence,
            invocation_arn: format!(
                "arn:aws:bedrock:{}:{}:async-invoke/{}",
                self.config.region,
                self.config.account_id,
                base36_id(seed)
            ),
            model_arn: format!(
                "arn:aws:bedrock:{}::foundation-model/{}",
                self.config.region, model.base_id
            ),
            client_request_token: request.client_request_token.clone(),
            submit_millis: self.clock.now_millis(),
            output_data_config: request.output_data_config.clone(),
            failure: None,
        };
        let arn = job.invocation_arn.clone();
        self.jobs.push(job);
        Ok(StartAsyncInvokeResponse::new(arn))
    }

    /// GetAsyncInvoke: the job's current state.
    pub fn get(&self, request: &GetAsyncInvokeRequest) -> Result<GetAsyncInvokeResponse, RuntimeError> {
        let job = self.find(&request.invocation_arn)?;
        let now = self.clock.now_millis();
        let (status, end) = self.status(job, now);
        let mut response = GetAsyncInvokeResponse::new(
            &job.invocation_arn,
            &job.model_arn,
            status,
            DateTime::from_millis(job.submit_millis),
            job.output_data_config.clone(),
        )
        .with_last_modified_time(DateTime::from_millis(end.unwrap_or(job.submit_millis)));
        if let Some(token) = &job.client_request_token {
            response = response.with_client_request_token(token);
        }
        if let Some(end) = end {
            response = response.with_end_time(DateTime::from_millis(end));
        }
        if let Some((message, _)) = &job.failure {
            response = response.with_failure_message(message);
        }
        Ok(response)
    }

    /// ListAsyncInvokes: one page of the jobs that pass the filters.
    pub fn list(&self, request: &ListAsyncInvokesRequest) -> Result<ListAsyncInvokesResponse, RuntimeError> {
        let max_results = request.max_results.unwrap_or(MAX_RESULTS);
        if !(1..=MAX_RESULTS).contains(&max_results) {
            return Err(RuntimeError::validation(format!(
                "1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {MAX_RESULTS}"
            )));
        }
        let offset = match &request.next_token {
            None => 0,
            Some(token) => decode_token(token)
                .ok_or_else(|| RuntimeError::validation("The provided pagination token is invalid."))?,
        };
        let now = self.clock.now_millis();
        let after = request.submit_time_after.and_then(|time| time.to_millis().ok());
        let before = request.submit_time_before.and_then(|time| time.to_millis().ok());
        let mut jobs: Vec<(&Job, AsyncInvokeStatus, Option<i64>)> = self
            .jobs
            .iter()
            .map(|job| {
                let (status, end) = self.status(job, now);
                (job, status, end)
            })
            .filter(|(job, status, _)| {
                after.is_none_or(|after| job.submit_millis > after)
                    && before.is_none_or(|before| job.submit_millis < before)
                    && request.status_equals.as_ref().is_none_or(|wanted| wanted == status)
            })
            .collect();
        jobs.sort_by_key(|(job, _, _)| (job.submit_millis, job.sequence));
        if !matches!(request.sort_order, Some(SortOrder::Ascending)) {
            jobs.reverse();
        }
        let page_size = max_results.unsigned_abs() as usize;
        let summaries: Vec<AsyncInvokeSummary> = jobs
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|(job, status, end)| {
                let mut summary = AsyncInvokeSummary::new(
                    &job.invocation_arn,
                    &job.model_arn,
                    DateTime::from_millis(job.submit_millis),
                    job.output_data_config.clone(),
                )
                .with_status(status.clone())
                .with_last_modified_time(DateTime::from_millis(end.unwrap_or(job.submit_millis)));
                if let Some(token) = &job.client_request_token {
                    summary = summary.with_client_request_token(token);
                }
                if let Some(end) = end {
                    summary = summary.with_end_time(DateTime::from_millis(*end));
                }
                if let Some((message, _)) = &job.failure {
                    summary = summary.with_failure_message(message);
                }
                summary
            })
            .collect();
        let mut response = ListAsyncInvokesResponse::new().with_async_invoke_summaries(summaries);
        if offset.saturating_add(page_size) < jobs.len() {
            response = response.with_next_token(encode_token(offset.saturating_add(page_size)));
        }
        Ok(response)
    }

    /// Marks a job that has not completed yet as `Failed` with `message`; false when the ARN is
    /// unknown or the job already completed.
    pub fn fail(&mut self, invocation_arn: &str, message: impl Into<String>) -> bool {
        let now = self.clock.now_millis();
        let complete_after = self.complete_after_millis();
        match self.jobs.iter_mut().find(|job| job.invocation_arn == invocation_arn) {
            Some(job) if job.failure.is_none() && now < job.submit_millis.saturating_add(complete_after) => {
                job.failure = Some((message.into(), now));
                true
            }
            _ => false,
        }
    }

    fn complete_after_millis(&self) -> i64 {
        i64::try_from(self.config.complete_after.as_millis()).unwrap_or(i64::MAX)
    }

    fn find(&self, arn: &str) -> Result<&Job, RuntimeError> {
        self.jobs
            .iter()
            .find(|job| job.invocation_arn == arn)
            .ok_or_else(|| RuntimeError::validation(format!("The async invocation {arn} was not found.")))
    }

    /// The status at `now`, and when the job ended if it has.
    fn status(&self, job: &Job, now: i64) -> (AsyncInvokeStatus, Option<i64>) {
        if let Some((_, at)) = &job.failure {
            return (AsyncInvokeStatus::Failed, Some(*at));
        }
        let done = job.submit_millis.saturating_add(self.complete_after_millis());
        if now >= done {
            (AsyncInvokeStatus::Completed, Some(done))
        } else {
            (AsyncInvokeStatus::InProgress, None)
        }
    }
}

fn base36_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed;
    (0..12)
        .map(|_| {
            state = splitmix64(state);
            ALPHABET[(state % 36) as usize] as char
        })
        .collect()
}

fn encode_token(offset: usize) -> String {
    format!("page-{offset}")
}

fn decode_token(token: &str) -> Option<usize> {
    token.strip_prefix("page-")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        let clock = ManualClock::new(1_000);
        clock.advance(Duration::from_millis(250));
        assert_eq!(clock.now_millis(), 1_250);
        clock.set(5);
        assert_eq!(clock.now_millis(), 5);
        // 2020-01-01 lies in the past of any machine running these tests.
        assert!(SystemClock.now_millis() > 1_577_836_800_000);
    }

    #[test]
    fn ids_and_tokens() {
        assert_eq!(base36_id(7), base36_id(7));
        assert_ne!(base36_id(7), base36_id(8));
        assert_eq!(decode_token(&encode_token(42)), Some(42));
        assert_eq!(decode_token("page-x"), None);
        assert_eq!(decode_token("42"), None);
    }
}
