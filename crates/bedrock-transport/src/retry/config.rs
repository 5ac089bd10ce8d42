//! Retry mode, attempts and backoff, and where they come from.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::clock::RandomSource;

/// Attempts per operation when nothing else is configured (the first one included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The backoff scale: the first retry waits up to this long.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// No retry waits longer than this (before a `x-amz-retry-after` hint).
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(20);
/// How much longer than the computed backoff a `x-amz-retry-after` header may make
/// the wait.
pub const RETRY_AFTER_MAX_EXTRA: Duration = Duration::from_secs(5);

const ENV_MAX_ATTEMPTS: &str = "AWS_MAX_ATTEMPTS";
const ENV_RETRY_MODE: &str = "AWS_RETRY_MODE";
const PROFILE_MAX_ATTEMPTS: &str = "max_attempts";
const PROFILE_RETRY_MODE: &str = "retry_mode";

/// The retry modes of the AWS SDKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// Exponential backoff with jitter and a client-wide retry quota.
    #[default]
    Standard,
    /// `Standard`, plus a client-side rate limiter that slows every request of the
    /// client down once the service throttles.
    Adaptive,
}

impl RetryMode {
    /// The mode's name in configuration (`standard`, `adaptive`).
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
        }
    }

    /// Parses a configured name, ignoring case. `legacy` (a mode of older SDKs that
    /// this one does not have) means `standard`.
    fn parse(value: &str) -> Option<RetryMode> {
        match value.trim().to_ascii_lowercase().as_str() {
            "standard" | "legacy" => Some(RetryMode::Standard),
            "adaptive" => Some(RetryMode::Adaptive),
            _ => None,
        }
    }
}

impl fmt::Display for RetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an operation is retried.
///
/// ```
/// use std::time::Duration;
/// use bedrock_transport::retry::{RetryConfig, RetryMode};
///
/// let config = RetryConfig::adaptive().with_max_attempts(5).with_max_backoff(Duration::from_secs(10));
/// assert_eq!(config.mode(), RetryMode::Adaptive);
/// assert_eq!(config.max_attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    mode: RetryMode,
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::standard()
    }
}

impl RetryConfig {
    /// `standard` mode with 3 attempts, 1 s initial and 20 s maximum backoff.
    pub fn standard() -> Self {
        RetryConfig {
            mode: RetryMode::Standard,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
        }
    }

    /// `adaptive` mode with the `standard` defaults.
    pub fn adaptive() -> Self {
        RetryConfig::standard().with_mode(RetryMode::Adaptive)
    }

    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryConfig::standard().with_max_attempts(1)
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: RetryMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the attempts per operation, the first one included; 0 is taken as 1.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the backoff scale: the first retry waits a random time up to this.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the cap on the computed backoff.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }

    /// The attempts per operation, the first one included (at least 1).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff scale.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The cap on the computed backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Reads `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` from the process environment.
    pub fn from_env() -> Result<Self, RetryConfigError> {
        RetryConfig::from_env_and_profile(&|name| std::env::var(name).ok(), None)
    }

    /// Loads the configuration the way the AWS SDKs do: each setting from the
    /// environment (`AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS`), else from the profile
    /// (`retry_mode`, `max_attempts`, as parsed from the shared config file), else the
    /// default. Empty values count as unset.
    ///
    /// A value that is set but invalid is an error naming where it came from, never
    /// silently replaced by a default.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use bedrock_transport::retry::{RetryConfig, RetryMode};
    ///
    /// let profile = HashMap::from([("retry_mode".to_string(), "adaptive".to_string())]);
    /// let env = |name: &str| (name == "AWS_MAX_ATTEMPTS").then(|| "5".to_string());
    /// let config = RetryConfig::from_env_and_profile(&env, Some(&profile))?;
    /// assert_eq!((config.mode(), config.max_attempts()), (RetryMode::Adaptive, 5));
    ///
    /// let bad = |name: &str| (name == "AWS_MAX_ATTEMPTS").then(|| "abc".to_string());
    /// let err = RetryConfig::from_env_and_profile(&bad, None).unwrap_err();
    /// assert_eq!(err.setting(), "AWS_MAX_ATTEMPTS");
    /// # Ok::<(), bedrock_transport::retry::RetryConfigError>(())
    /// ```
    pub fn from_env_and_profile(
        env: &dyn Fn(&str) -> Option<String>,
        profile: Option<&HashMap<String, String>>,
    ) -> Result<Self, RetryConfigError> {
        RetryConfig::from_lookups(env, &|key| profile.and_then(|p| p.get(key)).cloned())
    }

    /// Like [`from_env_and_profile`](Self::from_env_and_profile), with the profile's
    /// keys looked up through `profile`, so a parsed config-file section plugs in
    /// without being copied into a map.
    ///
    /// ```
    /// use bedrock_transport::retry::{RetryConfig, RetryMode};
    ///
    /// let env = |_: &str| None;
    /// let profile = |key: &str| (key == "max_attempts").then(|| "6".to_string());
    /// let config = RetryConfig::from_lookups(&env, &profile)?;
    /// assert_eq!((config.mode(), config.max_attempts()), (RetryMode::Standard, 6));
    /// # Ok::<(), bedrock_transport::retry::RetryConfigError>(())
    /// ```
    pub fn from_lookups(
        env: &dyn Fn(&str) -> Option<String>,
        profile: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, RetryConfigError> {
        let lookup = |env_name: &'static str, profile_key: &'static str| -> Option<(Source, String)> {
            let set = |v: &String| !v.trim().is_empty();
            env(env_name)
                .filter(set)
                .map(|v| (Source::Env(env_name), v))
                .or_else(|| {
                    profile(profile_key)
                        .filter(set)
                        .map(|v| (Source::Profile(profile_key), v))
                })
        };
        let mut config = RetryConfig::standard();
        if let Some((source, value)) = lookup(ENV_RETRY_MODE, PROFILE_RETRY_MODE) {
            config.mode = RetryMode::parse(&value).ok_or(RetryConfigError {
                source,
                value,
                expected: "`standard` or `adaptive`",
            })?;
        }
        if let Some((source, value)) = lookup(ENV_MAX_ATTEMPTS, PROFILE_MAX_ATTEMPTS) {
            config.max_attempts = value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(RetryConfigError {
                    source,
                    value,
                    expected: "a whole number of at least 1 (the first attempt included)",
                })?;
        }
        Ok(config)
    }

    /// The wait before retry number `retry` (1 for the first retry): full jitter,
    /// `rand(0,1) * min(initial_backoff * 2^(retry-1), max_backoff)`.
    ///
    /// A `x-amz-retry-after` hint from the service raises the wait to the hint, by
    /// at most [`RETRY_AFTER_MAX_EXTRA`] over the computed value.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>, rng: &dyn RandomSource) -> Duration {
        let factor = 2f64.powi(retry.saturating_sub(1).min(1023) as i32);
        let scale = Duration::try_from_secs_f64(self.initial_backoff.as_secs_f64() * factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        let jittered = scale.mul_f64(rng.next_f64());
        match retry_after {
            Some(hint) => jittered.max(hint.min(jittered + RETRY_AFTER_MAX_EXTRA)),
            None => jittered,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Env(&'static str),
    Profile(&'static str),
}

/// A retry setting from the environment or the profile has an invalid value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfigError {
    source: Source,
    value: String,
    expected: &'static str,
}

impl RetryConfigError {
    /// The environment variable (`AWS_MAX_ATTEMPTS`) or profile key (`max_attempts`)
    /// that holds the bad value.
    pub fn setting(&self) -> &'static str {
        match self.source {
            Source::Env(name) | Source::Profile(name) => name,
        }
    }

    /// Whether the value came from the environment (else from the profile).
    pub fn is_from_env(&self) -> bool {
        matches!(self.source, Source::Env(_))
    }

    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for RetryConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            Source::Env(name) => write!(f, "environment variable {name}={:?} is not valid", self.value)?,
            Source::Profile(key) => write!(f, "profile setting `{key} = {}` is not valid", self.value)?,
        }
        write!(f, ": expected {}; fix or unset it", self.expected)
    }
}

impl StdError for RetryConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SeededRandom;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn defaults_without_any_setting() {
        let config = RetryConfig::from_env_and_profile(&env_of(&[]), None).unwrap();
        assert_eq!(config, RetryConfig::standard());
        assert_eq!(config.max_attempts(), 3);
        assert_eq!(config.max_backoff(), Duration::from_secs(20));
    }

    #[test]
    fn env_wins_over_profile_setting_by_setting() {
        let profile = HashMap::from([
            ("retry_mode".to_string(), "standard".to_string()),
            ("max_attempts".to_string(), "7".to_string()),
        ]);
        let config =
            RetryConfig::from_env_and_profile(&env_of(&[("AWS_RETRY_MODE", "Adaptive")]), Some(&profile)).unwrap();
        assert_eq!(config.mode(), RetryMode::Adaptive);
        assert_eq!(config.max_attempts(), 7);
    }

    #[test]
    fn empty_values_count_as_unset_and_legacy_means_standard() {
        let profile = HashMap::from([("retry_mode".to_string(), "legacy".to_string())]);
        let config = RetryConfig::from_env_and_profile(
            &env_of(&[("AWS_RETRY_MODE", " "), ("AWS_MAX_ATTEMPTS", "")]),
            Some(&profile),
        )
        .unwrap();
        assert_eq!(config, RetryConfig::standard());
    }

    #[test]
    fn invalid_values_name_their_source() {
        let err = RetryConfig::from_env_and_profile(&env_of(&[("AWS_MAX_ATTEMPTS", "abc")]), None).unwrap_err();
        assert_eq!(
            (err.setting(), err.value(), err.is_from_env()),
            ("AWS_MAX_ATTEMPTS", "abc", true)
        );
        assert!(err.to_string().contains("AWS_MAX_ATTEMPTS=\"abc\""), "{err}");

        let err = RetryConfig::from_env_and_profile(&env_of(&[("AWS_MAX_ATTEMPTS", "0")]), None).unwrap_err();
        assert!(err.to_string().contains("at least 1"), "{err}");

        let profile = HashMap::from([("retry_mode".to_string(), "fast".to_string())]);
        let err = RetryConfig::from_env_and_profile(&env_of(&[]), Some(&profile)).unwrap_err();
        assert_eq!((err.setting(), err.is_from_env()), ("retry_mode", false));
        assert!(err.to_string().contains("`retry_mode = fast`"), "{err}");
    }

    #[test]
    fn backoff_is_full_jitter_under_the_exponential_cap() {
        let config = RetryConfig::standard();
        let rng = SeededRandom::new(42);
        for retry in 1..=40u32 {
            let cap = Duration::from_secs(1u64 << (retry - 1).min(5)).min(Duration::from_secs(20));
            for _ in 0..50 {
                let delay = config.backoff(retry, None, &rng);
                assert!(delay < cap, "retry {retry}: {delay:?} >= {cap:?}");
            }
        }
    }

    #[derive(Debug)]
    struct Fixed(f64);
    impl RandomSource for Fixed {
        fn next_u64(&self) -> u64 {
            unreachable!()
        }
        fn next_f64(&self) -> f64 {
            self.0
        }
    }

    #[test]
    fn backoff_values_with_a_fixed_random() {
        let config = RetryConfig::standard();
        let half = Fixed(0.5);
        let waits: Vec<_> = (1..=7).map(|n| config.backoff(n, None, &half)).collect();
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(
            waits,
            [ms(500), ms(1000), ms(2000), ms(4000), ms(8000), ms(10_000), ms(10_000)]
        );
        assert_eq!(config.backoff(u32::MAX, None, &half), ms(10_000));
    }

    #[test]
    fn retry_after_raises_the_wait_within_five_seconds() {
        let config = RetryConfig::standard();
        let half = Fixed(0.5);
        let s = Duration::from_secs;
        assert_eq!(config.backoff(1, Some(s(3)), &half), s(3));
        assert_eq!(config.backoff(1, Some(s(60)), &half), Duration::from_millis(5500));
        assert_eq!(
            config.backoff(1, Some(Duration::ZERO), &half),
            Duration::from_millis(500)
        );
    }
}
