//! Polling a long-running resource until it settles. The service model defines no waiters,
//! so this is a generic loop over any `Get*` call, not a generated waiter per resource.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use bedrock_transport::Clock;

/// How often and how long [`wait_until`] polls: the first delay, growing by `multiplier` up to
/// `max_interval`, and a total budget measured on the configuration's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitPolicy {
    /// The delay after the first poll.
    pub interval: Duration,
    /// The longest delay between two polls.
    pub max_interval: Duration,
    /// Each delay is the previous one times this (at least 1).
    pub multiplier: f64,
    /// Give up once this much time has passed since the first poll.
    pub timeout: Duration,
}

impl WaitPolicy {
    /// Polls every `interval` (no growth), for at most `timeout`.
    pub fn fixed(interval: Duration, timeout: Duration) -> Self {
        WaitPolicy {
            interval,
            max_interval: interval,
            multiplier: 1.0,
            timeout,
        }
    }
}

impl Default for WaitPolicy {
    /// 5 s, doubling up to 60 s, for at most one hour.
    fn default() -> Self {
        WaitPolicy {
            interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
            multiplier: 2.0,
            timeout: Duration::from_secs(3600),
        }
    }
}

/// Why [`wait_until`] stopped without reaching the wanted state.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<E> {
    /// A poll failed (the call's own error, after its retries).
    Poll(E),
    /// The resource reached a state it will not leave (`check` returned `Err`).
    Failed(String),
    /// The timeout passed; `polls` calls were made.
    TimedOut {
        /// How many polls were made.
        polls: u32,
    },
}

impl<E: fmt::Display> fmt::Display for WaitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Poll(e) => write!(f, "polling failed: {e}"),
            WaitError::Failed(state) => write!(f, "the resource reached a terminal state: {state}"),
            WaitError::TimedOut { polls } => write!(f, "gave up waiting after {polls} polls"),
        }
    }
}

impl<E: StdError + 'static> StdError for WaitError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            WaitError::Poll(e) => Some(e),
            _ => None,
        }
    }
}

/// Calls `poll` until `check` says the output is final: `Ok(true)` returns it, `Ok(false)`
/// waits and polls again, `Err(state)` stops with [`WaitError::Failed`]. Delays run on
/// `clock` (use the client's: `client.config().executor().clock()`), so a test with a
/// paused or manual clock waits no real time.
///
// Compiled, not run: it polls a real job, with real delays.
/// ```no_run
/// # async fn f(client: bedrock_control::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use bedrock_control::types::{GetModelInvocationJobRequest, ModelInvocationJobStatus as S};
/// use bedrock_control::{wait_until, WaitPolicy};
///
/// let job = wait_until(
///     client.config().executor().clock().as_ref(),
///     WaitPolicy::default(),
///     || client.get_model_invocation_job(GetModelInvocationJobRequest::new("job-arn")).send(),
///     |job| match job.status {
///         Some(S::Completed) => Ok(true),
///         Some(S::Failed | S::Stopped | S::Expired) => Err(format!("{:?}", job.status)),
///         _ => Ok(false),
///     },
/// )
/// .await?;
/// # let _ = job; Ok(()) }
/// ```
pub async fn wait_until<T, E, F, Fut>(
    clock: &dyn Clock,
    policy: WaitPolicy,
    mut poll: F,
    mut check: impl FnMut(&T) -> Result<bool, String>,
) -> Result<T, WaitError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = clock.now();
    let mut delay = policy.interval;
    let mut polls = 0u32;
    loop {
        let output = poll().await.map_err(WaitError::Poll)?;
        polls += 1;
        if check(&output).map_err(WaitError::Failed)? {
            return Ok(output);
        }
        let elapsed = clock.now().saturating_duration_since(start);
        if elapsed >= policy.timeout {
            return Err(WaitError::TimedOut { polls });
        }
        clock.sleep(delay.min(policy.timeout - elapsed)).await;
        delay = delay.mul_f64(policy.multiplier.max(1.0)).min(policy.max_interval);
    }
}
