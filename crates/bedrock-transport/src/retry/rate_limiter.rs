//! The `adaptive` retry mode's client-side rate limiter.

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The lowest send rate the limiter allows, in requests per second.
const MIN_FILL_RATE: f64 = 0.5;
/// The lowest token-bucket capacity.
const MIN_CAPACITY: f64 = 1.0;
/// How much of the newest measurement the smoothed send rate takes.
const SMOOTHING: f64 = 0.8;
/// The send rate is measured in buckets of this many seconds.
const TIME_BUCKET: f64 = 0.5;
/// CUBIC's multiplicative decrease after a throttle.
const BETA: f64 = 0.7;
/// CUBIC's scale: how quickly the rate grows back after a throttle.
const SCALE_CONSTANT: f64 = 0.4;
/// The rate never grows past this multiple of the measured send rate.
const MAX_RATE_ADJUST_SCALE: f64 = 2.0;

/// The client-side rate limiter of the AWS SDKs' `adaptive` retry mode.
///
/// Dormant until the first throttling response; from then on every attempt takes
/// a token from a bucket whose fill rate follows CUBIC congestion control: cut to
/// 70 % of the measured send rate at each throttle, grown back along a cubic curve
/// while requests succeed. This is the algorithm of botocore's `adaptive` mode
/// (`RateClocker`, `CubicCalculator`, `TokenBucket`), which the other SDKs share.
///
/// Times are [`Instant`]s from the executor's [`Clock`](crate::clock::Clock).
pub struct ClientRateLimiter {
    start: Instant,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    enabled: bool,
    // Token bucket.
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Option<f64>,
    // Measured send rate.
    measured_rate: f64,
    last_bucket: f64,
    count: u64,
    // CUBIC.
    w_max: f64,
    k: f64,
    last_throttle: f64,
}

impl ClientRateLimiter {
    /// A dormant limiter whose time starts at `now`.
    pub fn new(now: Instant) -> Self {
        let mut state = State {
            enabled: false,
            fill_rate: 0.0,
            max_capacity: 0.0,
            capacity: 0.0,
            last_refill: None,
            measured_rate: 0.0,
            last_bucket: 0.0,
            count: 0,
            w_max: 0.0,
            k: 0.0,
            last_throttle: 0.0,
        };
        state.k = state.zero_point();
        state.set_max_rate(1.0, 0.0);
        ClientRateLimiter {
            start: now,
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn seconds(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.start).as_secs_f64()
    }

    /// Takes a token to send a request at `now`: `Ok` to send, or `Err(wait)` to
    /// sleep that long and ask again. Always `Ok` while the limiter is dormant.
    pub fn acquire(&self, now: Instant) -> Result<(), Duration> {
        let t = self.seconds(now);
        let mut state = self.lock();
        if !state.enabled {
            return Ok(());
        }
        state.refill(t);
        if state.capacity >= 1.0 {
            state.capacity -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - state.capacity) / state.fill_rate);
        if wait.is_zero() {
            // A sub-nanosecond shortfall: sleeping zero would not refill anything.
            state.capacity = 0.0;
            return Ok(());
        }
        Err(wait)
    }

    /// Records the outcome of an attempt at `now`: a throttling response cuts the send
    /// rate (and wakes the limiter), anything else lets it grow back.
    pub fn record(&self, now: Instant, throttled: bool) {
        let t = self.seconds(now);
        let mut state = self.lock();
        let measured = state.measure(t);
        let new_rate = if throttled {
            let rate = if state.enabled {
                measured.min(state.fill_rate)
            } else {
                measured
            };
            state.enabled = true;
            state.w_max = rate;
            state.k = state.zero_point();
            state.last_throttle = t;
            rate * BETA
        } else {
            let dt = t - state.last_throttle - state.k;
            SCALE_CONSTANT * dt.powi(3) + state.w_max
        };
        state.set_max_rate(new_rate.min(MAX_RATE_ADJUST_SCALE * measured), t);
    }

    /// Whether a throttling response has woken the limiter.
    pub fn is_enabled(&self) -> bool {
        self.lock().enabled
    }

    /// The allowed send rate, in requests per second (meaningful once enabled).
    pub fn send_rate(&self) -> f64 {
        self.lock().fill_rate
    }

    /// The smoothed measured send rate, in requests per second.
    pub fn measured_rate(&self) -> f64 {
        self.lock().measured_rate
    }
}

impl State {
    fn zero_point(&self) -> f64 {
        (self.w_max * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
    }

    fn refill(&mut self, t: f64) {
        if let Some(last) = self.last_refill {
            let filled = (t - last).max(0.0) * self.fill_rate;
            self.capacity = (self.capacity + filled).min(self.max_capacity);
        }
        self.last_refill = Some(t);
    }

    fn set_max_rate(&mut self, rate: f64, t: f64) {
        self.refill(t);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.capacity = self.capacity.min(self.max_capacity);
    }

    fn measure(&mut self, t: f64) -> f64 {
        let bucket = (t / TIME_BUCKET).floor() * TIME_BUCKET;
        self.count += 1;
        if bucket > self.last_bucket {
            let current = self.count as f64 / (bucket - self.last_bucket);
            self.measured_rate = current * SMOOTHING + self.measured_rate * (1.0 - SMOOTHING);
            self.count = 0;
            self.last_bucket = bucket;
        }
        self.measured_rate
    }
}

impl fmt::Debug for ClientRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("ClientRateLimiter")
            .field("enabled", &state.enabled)
            .field("send_rate", &state.fill_rate)
            .field("measured_rate", &state.measured_rate)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, secs: f64) -> Instant {
        start + Duration::from_secs_f64(secs)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn dormant_until_throttled() {
        let start = Instant::now();
        let limiter = ClientRateLimiter::new(start);
        for i in 0..100 {
            assert_eq!(limiter.acquire(at(start, i as f64 * 0.01)), Ok(()));
            limiter.record(at(start, i as f64 * 0.01), false);
        }
        assert!(!limiter.is_enabled());
        limiter.record(at(start, 1.0), true);
        assert!(limiter.is_enabled());
    }

    /// The sequence of the SDKs' shared test vectors (botocore's
    /// `test_client_sending_rates`): measured rate and fill rate after each response.
    #[test]
    fn matches_the_sdk_test_vectors() {
        let start = Instant::now();
        let limiter = ClientRateLimiter::new(start);
        let cases: &[(bool, f64, f64, f64)] = &[
            (false, 0.2, 0.0, 0.5),
            (false, 0.4, 0.0, 0.5),
            (false, 0.6, 4.8, 0.5),
            (false, 0.8, 4.8, 0.5),
            (false, 1.0, 4.16, 0.5),
            (false, 1.2, 4.16, 0.6912),
            (false, 1.4, 4.16, 1.0976),
            (false, 1.6, 5.632, 1.6384),
            (false, 1.8, 5.632, 2.3328),
            (true, 2.0, 4.3264, 3.02848),
            (false, 2.2, 4.3264, 3.48663917347026),
            (false, 2.4, 4.3264, 3.821874416040255),
            (false, 2.6, 5.66528, 4.053385727709987),
            (false, 2.8, 5.66528, 4.200373108479454),
            (false, 3.0, 4.333056, 4.282036558348658),
            (true, 3.2, 4.333056, 2.99742559084406),
            (false, 3.4, 4.333056, 3.4522263943863463),
        ];
        for &(throttled, t, measured, fill) in cases {
            limiter.record(at(start, t), throttled);
            assert!(
                close(limiter.measured_rate(), measured),
                "t={t}: measured {}",
                limiter.measured_rate()
            );
            assert!(close(limiter.send_rate(), fill), "t={t}: fill {}", limiter.send_rate());
        }
    }

    #[test]
    fn throttled_clients_wait_for_tokens() {
        let start = Instant::now();
        let limiter = ClientRateLimiter::new(start);
        limiter.record(start, true);
        // The bucket starts empty at the minimum rate of 0.5 tokens/s.
        let wait = limiter.acquire(start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert_eq!(limiter.acquire(at(start, 2.0)), Ok(()));
        assert!(limiter.acquire(at(start, 2.5)).is_err());
    }
}
