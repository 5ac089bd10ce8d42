//! The control-plane state of the emulator, as pure in-memory logic.
//!
//! [`ControlPlane`] holds everything the Bedrock control plane
//! (`bedrock.{region}.amazonaws.com`) would remember: the foundation model
//! catalog, inference profiles, guardrails and their versions, model
//! invocation jobs, provisioned throughput and tags. It does no IO: the HTTP
//! server parses a request into the generated `...Request` type of
//! `bedrock-control-types`, calls the method named after the operation, and
//! serializes the typed response or error it gets back.
//!
//! Time comes from an injected [`Clock`] and identifiers from a seeded
//! generator, so a test sees the same ids and timestamps on every run, and
//! advances long-running resources (jobs, provisioned throughput) by moving
//! a [`ManualClock`] rather than by sleeping.
//!
//! The guardrail evaluation engine behind the runtime's `ApplyGuardrail` (and
//! the `guardrailConfig` of Converse) is [`ControlPlane::apply_guardrail`].

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_control_types::error::ValidationException;
use bedrock_control_types::types::Tag;
use bedrock_control_types::DateTime;

mod catalog;
mod error;
pub(crate) mod evaluate;
mod guardrails;
mod jobs;
mod profiles;
mod provisioned;
mod tags;
#[cfg(test)]
mod tests;

pub use catalog::{LOCAL_MODEL_IDS, LOCAL_PROVIDER_NAME};
pub use error::{validation_message, NotEmulated};
pub use evaluate::{DETECTED_PII_TYPES, PROFANITY};
pub use jobs::{JOB_RUNNING_MS, JOB_SUBMITTED_MS};
pub use provisioned::PROVISIONING_MS;

/// The control-plane operations [`ControlPlane`] emulates, by their API names.
///
/// Every other operation of the service should be answered with
/// [`not_emulated`].
pub const EMULATED_OPERATIONS: &[&str] = &[
    "ListFoundationModels",
    "GetFoundationModel",
    "ListInferenceProfiles",
    "GetInferenceProfile",
    "CreateInferenceProfile",
    "DeleteInferenceProfile",
    "CreateGuardrail",
    "GetGuardrail",
    "ListGuardrails",
    "UpdateGuardrail",
    "DeleteGuardrail",
    "CreateGuardrailVersion",
    "CreateModelInvocationJob",
    "GetModelInvocationJob",
    "ListModelInvocationJobs",
    "StopModelInvocationJob",
    "CreateProvisionedModelThroughput",
    "GetProvisionedModelThroughput",
    "ListProvisionedModelThroughputs",
    "UpdateProvisionedModelThroughput",
    "DeleteProvisionedModelThroughput",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

/// Whether `operation` (an API name such as `"CreateGuardrail"`) is emulated.
pub fn is_emulated(operation: &str) -> bool {
    EMULATED_OPERATIONS.contains(&operation)
}

/// The error for a control-plane operation the emulator does not implement.
///
/// It is a `ValidationException` (a client fault no SDK retries) whose message
/// names the operation; the server should send it with HTTP status
/// [`NotEmulated::STATUS`] (501), which the AWS SDKs do not treat as
/// transient, so a test fails at once with a readable message.
pub fn not_emulated(operation_name: &str) -> NotEmulated {
    NotEmulated::new(operation_name)
}

/// Where the control plane reads the time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: SystemTime) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A clock stopped at `secs` seconds after the Unix epoch.
    pub fn at_epoch_secs(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Moves the clock forward by `by` (it stays put if that would pass the
    /// latest time the platform can represent).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(later) = now.checked_add(by) {
            *now = later;
        }
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A deterministic generator of the service's 12-character lowercase
/// alphanumeric resource ids (splitmix64 over a seed).
#[derive(Clone, Debug)]
pub struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        IdGenerator { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next id: 12 characters of `[a-z0-9]`.
    pub fn next_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut bits = self.next_u64();
        let mut id = String::with_capacity(12);
        for _ in 0..12 {
            id.push(ALPHABET[(bits % 36) as usize] as char);
            bits /= 36;
        }
        id
    }
}

/// How a [`ControlPlane`] is set up.
#[derive(Clone)]
pub struct ControlPlaneConfig {
    /// The region in every ARN, such as `us-east-1`.
    pub region: String,
    /// The 12-digit account id in every ARN of a created resource.
    pub account_id: String,
    /// Where the time comes from.
    pub clock: Arc<dyn Clock>,
    /// The seed of the id generator.
    pub id_seed: u64,
}

impl ControlPlaneConfig {
    /// `us-east-1`, account `123456789012`, the wall clock, seed 0.
    pub fn new() -> Self {
        ControlPlaneConfig {
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            clock: Arc::new(SystemClock),
            id_seed: 0,
        }
    }

    /// Sets the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the account id.
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// Sets the clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the id seed.
    pub fn with_id_seed(mut self, seed: u64) -> Self {
        self.id_seed = seed;
        self
    }
}

impl Default for ControlPlaneConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ControlPlaneConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlPlaneConfig")
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .field("id_seed", &self.id_seed)
            .finish_non_exhaustive()
    }
}

/// The emulated control plane: every resource it created, behind one mutex.
///
/// Methods are named after the operations (`create_guardrail` for
/// `CreateGuardrail`), take the generated request and return the generated
/// response or the operation's generated error enum. Inputs are checked with
/// their generated `validate()` first, and violations come back as a
/// `ValidationException` worded like the service's.
pub struct ControlPlane {
    region: String,
    account_id: String,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlPlane")
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct State {
    ids: IdGenerator,
    seq: u64,
    guardrails: BTreeMap<String, guardrails::Guardrail>,
    profiles: BTreeMap<String, profiles::AppProfile>,
    jobs: BTreeMap<String, jobs::Job>,
    provisioned: BTreeMap<String, provisioned::Provisioned>,
    tags: HashMap<String, Vec<Tag>>,
}

impl State {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A fresh id no resource of any kind uses yet.
    fn fresh_id(&mut self) -> String {
        loop {
            let id = self.ids.next_id();
            let taken = self.guardrails.contains_key(&id)
                || self.profiles.contains_key(&id)
                || self.jobs.contains_key(&id)
                || self.provisioned.contains_key(&id);
            if !taken {
                return id;
            }
        }
    }
}

impl ControlPlane {
    /// A control plane with no resources, set up by `config`.
    pub fn new(config: ControlPlaneConfig) -> Self {
        ControlPlane {
            region: config.region,
            account_id: config.account_id,
            clock: config.clock,
            state: Mutex::new(State {
                ids: IdGenerator::new(config.id_seed),
                seq: 0,
                guardrails: BTreeMap::new(),
                profiles: BTreeMap::new(),
                jobs: BTreeMap::new(),
                provisioned: BTreeMap::new(),
                tags: HashMap::new(),
            }),
        }
    }

    /// The region in this control plane's ARNs.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account id in this control plane's ARNs.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated in
        // a way later calls would misread, so a poisoned lock is still used.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Milliseconds since the Unix epoch (0 for a clock before 1970).
    fn now_ms(&self) -> i64 {
        match self.clock.now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }

    fn arn(&self, resource: &str) -> String {
        format!("arn:aws:bedrock:{}:{}:{resource}", self.region, self.account_id)
    }
}

fn datetime(ms: i64) -> DateTime {
    DateTime::from_millis(ms)
}

fn millis(time: &DateTime) -> i64 {
    time.to_millis()
        .unwrap_or(if time.secs() < 0 { i64::MIN } else { i64::MAX })
}

/// The resource id at the end of an ARN (`.../guardrail/abc` → `abc`), or the
/// identifier itself when it is not an ARN.
fn id_from_identifier<'a>(identifier: &'a str, resource_type: &str) -> &'a str {
    if identifier.starts_with("arn:") {
        let marker = format!(":{resource_type}/");
        match identifier.find(&marker) {
            Some(at) => &identifier[at + marker.len()..],
            None => identifier,
        }
    } else {
        identifier
    }
}

/// The resource created earlier with the same `clientRequestToken`, so a
/// retried create returns it instead of making a second one.
fn same_token<'a, T: 'a>(
    mut items: impl Iterator<Item = &'a T>,
    token: &Option<String>,
    token_of: impl Fn(&T) -> &Option<String>,
) -> Option<&'a T> {
    let token = token.as_ref()?;
    items.find(|item| token_of(item).as_ref() == Some(token))
}

/// A page of `items` (already in list order, each with its position key).
///
/// The token handed back is opaque to clients: the key of the first item of
/// the next page, hex-encoded behind a fixed prefix. A token whose item was
/// deleted in between resumes at the next item in list order.
fn paginate<T>(
    items: Vec<(u64, T)>,
    ascending: bool,
    max_results: Option<i32>,
    next_token: Option<&str>,
    default_max: usize,
) -> Result<(Vec<T>, Option<String>), error::Fault> {
    let max = match max_results {
        Some(n) if n > 0 => n as usize,
        Some(_) => default_max,
        None => default_max,
    };
    let start = match next_token {
        None => 0,
        Some(token) => {
            let key = decode_token(token)
                .ok_or_else(|| error::Fault::Validation(format!("The pagination token '{token}' is not valid.")))?;
            items
                .iter()
                .position(|(k, _)| if ascending { *k >= key } else { *k <= key })
                .unwrap_or(items.len())
        }
    };
    let mut rest = items.into_iter().skip(start);
    let page: Vec<(u64, T)> = rest.by_ref().take(max).collect();
    let token = rest.next().map(|(key, _)| encode_token(key));
    Ok((page.into_iter().map(|(_, item)| item).collect(), token))
}

const TOKEN_PREFIX: &str = "bl1";
const TOKEN_MASK: u64 = 0x5EED_BEEF_0DD5_A1E5;

fn encode_token(key: u64) -> String {
    format!("{TOKEN_PREFIX}{:016x}", key ^ TOKEN_MASK)
}

fn decode_token(token: &str) -> Option<u64> {
    let hex = token.strip_prefix(TOKEN_PREFIX)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().map(|k| k ^ TOKEN_MASK)
}

impl From<&NotEmulated> for ValidationException {
    fn from(value: &NotEmulated) -> Self {
        ValidationException::new().with_message(value.message())
    }
}
