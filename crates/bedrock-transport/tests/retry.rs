//! The retry policy through the public API: configuration from injected
//! environment and profile, backoff bounds with a seeded random source, the retry
//! quota under concurrency, the adaptive rate limiter over (injected) time, and the
//! error-code lists.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use bedrock_transport::clock::{RandomSource, SeededRandom};
use bedrock_transport::retry::{
    classify_response, ClientRateLimiter, ModeledRetry, RetryConfig, RetryKind, RetryMode, RetryQuota,
    THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES, TRANSIENT_STATUS_CODES,
};

// ---------------------------------------------------------------- configuration

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

/// Settings as `(name, value)` pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

fn profile(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn configuration_sources_and_precedence() {
    let cases: &[(Pairs<'_>, Pairs<'_>, RetryMode, u32)] = &[
        (&[], &[], RetryMode::Standard, 3),
        (&[("AWS_RETRY_MODE", "adaptive")], &[], RetryMode::Adaptive, 3),
        (&[("AWS_MAX_ATTEMPTS", "10")], &[], RetryMode::Standard, 10),
        (
            &[],
            &[("retry_mode", "adaptive"), ("max_attempts", "2")],
            RetryMode::Adaptive,
            2,
        ),
        (
            &[("AWS_RETRY_MODE", "STANDARD"), ("AWS_MAX_ATTEMPTS", " 1 ")],
            &[("retry_mode", "adaptive"), ("max_attempts", "9")],
            RetryMode::Standard,
            1,
        ),
        (
            &[("AWS_MAX_ATTEMPTS", "")],
            &[("max_attempts", "4")],
            RetryMode::Standard,
            4,
        ),
    ];
    for (vars, keys, mode, attempts) in cases {
        let keys = profile(keys);
        let config = RetryConfig::from_env_and_profile(&env(vars), Some(&keys)).unwrap();
        assert_eq!(
            (config.mode(), config.max_attempts()),
            (*mode, *attempts),
            "env {vars:?}, profile {keys:?}"
        );
    }
}

#[test]
fn bad_values_are_errors_naming_the_setting() {
    let cases: &[(Pairs<'_>, Pairs<'_>, &str)] = &[
        (&[("AWS_MAX_ATTEMPTS", "abc")], &[], "AWS_MAX_ATTEMPTS"),
        (&[("AWS_MAX_ATTEMPTS", "-1")], &[], "AWS_MAX_ATTEMPTS"),
        (&[("AWS_MAX_ATTEMPTS", "0")], &[], "AWS_MAX_ATTEMPTS"),
        (&[("AWS_RETRY_MODE", "aggressive")], &[], "AWS_RETRY_MODE"),
        (&[], &[("max_attempts", "3.5")], "max_attempts"),
        (&[], &[("retry_mode", "none")], "retry_mode"),
        // A bad profile value is an error even though the environment sets the other key.
        (
            &[("AWS_RETRY_MODE", "adaptive")],
            &[("max_attempts", "many")],
            "max_attempts",
        ),
    ];
    for (vars, keys, setting) in cases {
        let keys = profile(keys);
        let error = RetryConfig::from_env_and_profile(&env(vars), Some(&keys)).unwrap_err();
        assert_eq!(error.setting(), *setting);
        assert!(error.to_string().contains(setting), "{error}");
    }
}

#[test]
fn a_valid_environment_value_hides_a_bad_profile_value() {
    let keys = profile(&[("max_attempts", "oops")]);
    let config = RetryConfig::from_env_and_profile(&env(&[("AWS_MAX_ATTEMPTS", "5")]), Some(&keys)).unwrap();
    assert_eq!(config.max_attempts(), 5);
}

// ---------------------------------------------------------------- backoff

#[test]
fn backoff_bounds_and_spread_with_a_seed() {
    let config = RetryConfig::standard();
    let rng = SeededRandom::new(2024);
    for retry in 1..=8u32 {
        let cap = Duration::from_secs(1 << (retry - 1)).min(Duration::from_secs(20));
        let samples: Vec<f64> = (0..4000)
            .map(|_| config.backoff(retry, None, &rng).as_secs_f64())
            .collect();
        assert!(samples.iter().all(|s| *s >= 0.0 && *s < cap.as_secs_f64()));
        // Full jitter: uniform over [0, cap), so the mean is about cap / 2.
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        let expected = cap.as_secs_f64() / 2.0;
        assert!(
            (mean - expected).abs() < expected * 0.05,
            "retry {retry}: mean {mean}, expected {expected}"
        );
    }
}

#[test]
fn custom_backoff_scale_and_cap() {
    let config = RetryConfig::standard()
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_millis(300));
    let rng = SeededRandom::new(1);
    for retry in 1..=20 {
        assert!(config.backoff(retry, None, &rng) < Duration::from_millis(300));
    }
    assert_eq!(RetryConfig::disabled().max_attempts(), 1);
    assert_eq!(RetryConfig::standard().with_max_attempts(0).max_attempts(), 1);
}

#[test]
fn seeded_sources_repeat_and_differ() {
    let a: Vec<u64> = (0..5)
        .map({
            let r = SeededRandom::new(9);
            move |_| r.next_u64()
        })
        .collect();
    let b: Vec<u64> = (0..5)
        .map({
            let r = SeededRandom::new(9);
            move |_| r.next_u64()
        })
        .collect();
    assert_eq!(a, b);
    let os1 = SeededRandom::from_os().next_u64();
    let os2 = SeededRandom::from_os().next_u64();
    assert_ne!(os1, os2, "two OS-seeded sources should not collide");
}

// ---------------------------------------------------------------- quota

#[test]
fn the_quota_is_never_overdrawn_under_concurrency() {
    let quota = Arc::new(RetryQuota::default());
    let granted: u32 = (0..8)
        .map(|_| {
            let quota = quota.clone();
            thread::spawn(move || {
                (0..100)
                    .filter(|_| quota.try_acquire(RetryKind::Transient).is_some())
                    .count() as u32
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .sum();
    assert_eq!(granted, 100, "500 tokens at 5 per retry");
    assert_eq!(quota.available(), 0);
    assert_eq!(quota.try_acquire(RetryKind::Throttling), None);
    quota.release(10);
    assert_eq!(quota.try_acquire(RetryKind::Timeout), Some(10));
}

#[test]
fn quota_exhaustion_then_recovery_through_successes() {
    let quota = RetryQuota::default();
    let mut retries = 0;
    while quota.try_acquire(RetryKind::Timeout).is_some() {
        retries += 1;
    }
    assert_eq!(retries, 50, "500 tokens at 10 per retry after a timeout");
    // Each first-attempt success gives back one token; five make one retry possible.
    for _ in 0..4 {
        quota.release(1);
    }
    assert_eq!(quota.try_acquire(RetryKind::Transient), None);
    quota.release(1);
    assert_eq!(quota.try_acquire(RetryKind::Transient), Some(5));
}

// ---------------------------------------------------------------- adaptive rate limiter

#[test]
fn the_rate_limiter_cuts_the_rate_on_throttles_and_grows_it_back() {
    let start = Instant::now();
    let at = |secs: f64| start + Duration::from_secs_f64(secs);
    let limiter = ClientRateLimiter::new(start);

    // 20 requests per second for 5 s, all successful: the limiter stays dormant.
    let mut t = 0.0;
    while t < 5.0 {
        assert_eq!(limiter.acquire(at(t)), Ok(()));
        limiter.record(at(t), false);
        t += 0.05;
    }
    assert!(!limiter.is_enabled());
    let measured = limiter.measured_rate();
    assert!((measured - 20.0).abs() < 1.0, "{measured}");

    // A throttle: the allowed rate drops to 70 % of the measured rate.
    limiter.record(at(5.0), true);
    assert!(limiter.is_enabled());
    let cut = limiter.send_rate();
    assert!((cut - 0.7 * limiter.measured_rate()).abs() < 1e-9, "{cut}");

    // Sending as fast as allowed, the rate climbs back past where it was cut.
    let mut t = 5.0;
    let mut sent = 0;
    while t < 15.0 {
        match limiter.acquire(at(t)) {
            Ok(()) => {
                limiter.record(at(t), false);
                sent += 1;
                t += 0.01;
            }
            Err(wait) => t += wait.as_secs_f64(),
        }
    }
    assert!(limiter.send_rate() > cut, "{} <= {cut}", limiter.send_rate());
    assert!(sent > 50, "{sent}");

    // Throttles in a row keep cutting.
    let before = limiter.send_rate();
    limiter.record(at(15.0), true);
    limiter.record(at(15.1), true);
    assert!(limiter.send_rate() < before);
}

#[test]
fn the_rate_limiter_never_drops_below_half_a_request_per_second() {
    let start = Instant::now();
    let limiter = ClientRateLimiter::new(start);
    for i in 0..50 {
        limiter.record(start + Duration::from_millis(i * 10), true);
    }
    assert_eq!(limiter.send_rate(), 0.5);
    let t = start + Duration::from_secs(1);
    let wait = limiter.acquire(t).unwrap_err();
    assert!(wait <= Duration::from_secs(2), "{wait:?}");
    assert_eq!(limiter.acquire(t + wait), Ok(()));
}

// ---------------------------------------------------------------- classification

#[test]
fn the_code_lists_are_the_sdks_lists() {
    let mut throttling = THROTTLING_ERROR_CODES.to_vec();
    throttling.sort_unstable();
    assert_eq!(
        throttling,
        [
            "BandwidthLimitExceeded",
            "EC2ThrottledException",
            "LimitExceededException",
            "PriorRequestNotComplete",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "SlowDown",
            "ThrottledException",
            "Throttling",
            "ThrottlingException",
            "TooManyRequestsException",
            "TransactionInProgressException",
        ]
    );
    assert_eq!(
        TRANSIENT_ERROR_CODES,
        ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    );
    assert_eq!(TRANSIENT_STATUS_CODES, [500, 502, 503, 504]);
}

#[test]
fn bedrock_errors_classify_as_documented() {
    use ModeledRetry::{Retryable, Unmodeled};
    use RetryKind::{Throttling, Transient};
    let cases = [
        (429, "ThrottlingException", ModeledRetry::NotRetryable, Throttling),
        (
            503,
            "ServiceUnavailableException",
            ModeledRetry::NotRetryable,
            Throttling,
        ),
        (500, "InternalServerException", ModeledRetry::NotRetryable, Transient),
        (429, "ModelNotReadyException", Retryable, Transient),
        (429, "ModelNotReadyException", Unmodeled, Transient),
        (
            408,
            "ModelTimeoutException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (
            424,
            "ModelErrorException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (
            400,
            "ValidationException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (
            400,
            "ServiceQuotaExceededException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (
            403,
            "AccessDeniedException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (
            404,
            "ResourceNotFoundException",
            ModeledRetry::NotRetryable,
            RetryKind::NotRetryable,
        ),
        (400, "ExpiredTokenException", Unmodeled, RetryKind::NotRetryable),
    ];
    for (status, code, modeled, expected) in cases {
        assert_eq!(
            classify_response(status, Some(code), modeled),
            expected,
            "{status} {code}"
        );
    }
}
