//! The full emulator: the runtime and control-plane operations wired to the server core.
//!
//! An [`Emulator`] holds the state every connection shares (the [`ControlPlane`], the
//! [`ModelRegistry`], the async-invoke jobs) and one clock, and [`Emulator::router`] registers
//! every operation on a [`Router`]. [`start`](crate::start) uses it when the [`Config`](crate::Config) names no
//! other service, so `bedrock_local::start(Config::new())` answers the whole API:
//!
// Compiled, not run (doc-test time): the crate-level examples start servers.
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use bedrock_local::runtime::{ModelRegistry, Script};
//! use bedrock_local::service::Emulator;
//! use bedrock_local::clock::TokioClock;
//! use bedrock_local::Config;
//! use std::sync::Arc;
//!
//! let mut registry = ModelRegistry::new();
//! registry.add_script("weather", Script::from_json(r#"{"turns":[{"content":[{"text":"Sunny."}]}]}"#)?);
//! let emulator = Emulator::new("us-east-1", 7, Arc::new(TokioClock)).with_registry(registry);
//! let server = bedrock_local::start(Config::new().service(emulator.router())).await?;
//! # server.shutdown().await;
//! # Ok(()) }
//! ```

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::clock::Clock;
use crate::control::{ControlPlane, ControlPlaneConfig};
use crate::runtime::{AsyncInvokeConfig, AsyncInvokeStore, ModelRegistry};
use crate::server::Router;

pub mod control;
pub mod mantle;
pub mod runtime;

/// The emulator's shared state: control plane, models, async-invoke jobs and the clock.
///
/// Cloning is cheap; clones share the same state.
#[derive(Clone)]
pub struct Emulator {
    plane: Arc<ControlPlane>,
    registry: Arc<ModelRegistry>,
    async_invokes: Arc<Mutex<AsyncInvokeStore>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("region", &self.plane.region())
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// An emulator for `region` whose resource ids come from `seed` and whose control plane,
    /// async-invoke jobs and stream pauses all read `clock` (the server core's clock).
    pub fn new(region: &str, seed: u64, clock: Arc<dyn Clock>) -> Self {
        let adapter = Arc::new(ClockAdapter(clock.clone()));
        let plane = ControlPlane::new(
            ControlPlaneConfig::new()
                .with_region(region)
                .with_clock(adapter.clone())
                .with_id_seed(seed),
        );
        let async_config = AsyncInvokeConfig {
            region: region.to_owned(),
            account_id: plane.account_id().to_owned(),
            ..AsyncInvokeConfig::default()
        };
        Emulator {
            registry: Arc::new(ModelRegistry::new()),
            async_invokes: Arc::new(Mutex::new(AsyncInvokeStore::new(async_config, adapter))),
            plane: Arc::new(plane),
            clock,
        }
    }

    /// Uses this model registry (scripts, routes, aliases) instead of the default one.
    pub fn with_registry(mut self, registry: ModelRegistry) -> Self {
        self.registry = Arc::new(registry);
        self
    }

    /// Replaces the async-invoke store (for instance one with another `complete_after`); build
    /// it with [`Emulator::runtime_clock`] to keep one clock.
    pub fn with_async_invoke_store(mut self, store: AsyncInvokeStore) -> Self {
        self.async_invokes = Arc::new(Mutex::new(store));
        self
    }

    /// The control plane (guardrails, catalog, jobs, ...).
    pub fn control_plane(&self) -> &Arc<ControlPlane> {
        &self.plane
    }

    /// The model registry.
    pub fn registry(&self) -> &ModelRegistry {
        &self.registry
    }

    /// The async-invoke jobs (to fail one, for instance).
    pub fn async_invokes(&self) -> &Arc<Mutex<AsyncInvokeStore>> {
        &self.async_invokes
    }

    /// The clock, as the runtime module's [`crate::runtime::Clock`] reads it.
    pub fn runtime_clock(&self) -> Arc<dyn crate::runtime::Clock> {
        Arc::new(ClockAdapter(self.clock.clone()))
    }

    /// A router answering every runtime operation, the mantle (OpenAI- and Anthropic-compatible)
    /// operations and the control-plane operations.
    pub fn router(&self) -> Router {
        let router = runtime::register(Router::new(), self.clone());
        let router = mantle::register(router, self.clone());
        control::register(router, self.plane.clone())
    }
}

/// The server core's clock seen through the runtime's and the control plane's clock traits,
/// so that one clock drives all three.
#[derive(Debug)]
struct ClockAdapter(Arc<dyn Clock>);

impl crate::runtime::Clock for ClockAdapter {
    fn now_millis(&self) -> i64 {
        let since = self.0.system_time().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }
}

impl crate::control::Clock for ClockAdapter {
    fn now(&self) -> SystemTime {
        self.0.system_time()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bedrock_control_types::types::CreateGuardrailRequest;
    use bedrock_runtime_types::server::RuntimeOperation;
    use bedrock_runtime_types::types::{GetAsyncInvokeRequest, StartAsyncInvokeRequest};

    use super::*;
    use crate::clock::ManualClock;
    use crate::server::RUNTIME_OPERATIONS;

    #[test]
    fn every_generated_runtime_operation_is_in_the_core_table() {
        for operation in RuntimeOperation::ALL {
            let route = operation.route();
            let core = RUNTIME_OPERATIONS.iter().find(|(name, _, _)| *name == operation.name());
            assert!(core.is_some(), "{} missing: {route:?}", operation.name());
        }
        assert_eq!(RuntimeOperation::ALL.len(), RUNTIME_OPERATIONS.len());
    }

    #[test]
    fn one_clock_drives_the_control_plane_and_the_jobs() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let emulator = Emulator::new("eu-west-1", 1, Arc::new(clock.clone()));
        let created = emulator
            .control_plane()
            .create_guardrail(&CreateGuardrailRequest::new("g", "in", "out"))
            .unwrap();
        assert_eq!(created.created_at.secs(), 1_700_000_000);
        assert!(created.guardrail_arn.starts_with("arn:aws:bedrock:eu-west-1:"));

        let input: StartAsyncInvokeRequest = serde_json::from_value(serde_json::json!({
            "modelId": "amazon.nova-reel-v1:0",
            "modelInput": {},
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://b/o"}}
        }))
        .unwrap();
        let mut jobs = emulator.async_invokes().lock().unwrap();
        let arn = jobs.start(emulator.registry(), &input).unwrap().invocation_arn;
        let get = GetAsyncInvokeRequest::new(arn);
        assert_eq!(jobs.get(&get).unwrap().status.as_str(), "InProgress");
        clock.advance(Duration::from_secs(60));
        assert_eq!(jobs.get(&get).unwrap().status.as_str(), "Completed");
    }
}
