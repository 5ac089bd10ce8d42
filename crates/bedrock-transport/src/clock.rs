//! Time and randomness, injectable so retries, timeouts and stalled-stream
//! protection can be tested deterministically.
//!
//! - [`Clock`]: a monotonic `now`, a wall-clock `system_time` (for signing), and
//!   `sleep`. [`TokioClock`] is the default; it follows tokio's paused time in
//!   tests (`#[tokio::test(start_paused = true)]`). [`ManualClock`] moves only when
//!   told to.
//! - [`RandomSource`]: the jitter of retry backoff and the invocation id.
//!   [`SeededRandom::new`] gives a reproducible sequence; the default is seeded from
//!   the OS's per-process hash keys.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

/// The future [`Clock::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current monotonic instant.
    fn now(&self) -> Instant;

    /// The current wall-clock time (what a request signature is dated with).
    fn system_time(&self) -> SystemTime;

    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The default clock: tokio's timer and `std`'s wall clock.
///
/// `now` is `tokio::time::Instant::now()`, so it follows tokio's paused time in
/// tests. `sleep` needs a tokio runtime with the time driver enabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when [`ManualClock::advance`] is called.
///
/// Clones share the same time. Sleeps complete when the clock is advanced past
/// their deadline; every requested sleep is logged ([`ManualClock::sleeps`]).
/// It needs no runtime, so it also works in plain `#[test]`s.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

struct ManualState {
    start: Instant,
    system_start: SystemTime,
    elapsed: Duration,
    waiting: Vec<(Duration, Waker)>,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock at an arbitrary instant, whose wall-clock time starts at `system_start`.
    pub fn new(system_start: SystemTime) -> Self {
        ManualClock {
            inner: Arc::new(Mutex::new(ManualState {
                start: Instant::now(),
                system_start,
                elapsed: Duration::ZERO,
                waiting: Vec::new(),
                sleeps: Vec::new(),
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, ManualState> {
        // A panic while holding the lock leaves consistent state: nothing to repair.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward and wakes the sleeps that are due.
    pub fn advance(&self, duration: Duration) {
        let due: Vec<Waker> = {
            let mut state = self.state();
            state.elapsed += duration;
            let now = state.elapsed;
            let (due, pending): (Vec<_>, Vec<_>) = state.waiting.drain(..).partition(|(deadline, _)| *deadline <= now);
            state.waiting = pending;
            due.into_iter().map(|(_, waker)| waker).collect()
        };
        for waker in due {
            waker.wake();
        }
    }

    /// How far the clock has been advanced since it was created.
    pub fn elapsed(&self) -> Duration {
        self.state().elapsed
    }

    /// Every duration passed to [`Clock::sleep`] so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock").field("elapsed", &self.elapsed()).finish()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let state = self.state();
        state.start + state.elapsed
    }

    fn system_time(&self) -> SystemTime {
        let state = self.state();
        state.system_start + state.elapsed
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let deadline = {
            let mut state = self.state();
            state.sleeps.push(duration);
            state.elapsed + duration
        };
        Box::pin(ManualSleep {
            clock: self.clone(),
            deadline,
        })
    }
}

struct ManualSleep {
    clock: ManualClock,
    deadline: Duration,
}

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.clock.state();
        if state.elapsed >= self.deadline {
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        if !state
            .waiting
            .iter()
            .any(|(d, w)| *d == deadline && w.will_wake(cx.waker()))
        {
            state.waiting.push((deadline, cx.waker().clone()));
        }
        Poll::Pending
    }
}

/// A source of randomness: retry jitter and invocation ids.
pub trait RandomSource: Send + Sync + fmt::Debug + 'static {
    /// 64 uniformly distributed bits.
    fn next_u64(&self) -> u64;

    /// A number uniformly distributed in `[0, 1)`.
    fn next_f64(&self) -> f64 {
        // The top 53 bits fill an f64's mantissa exactly.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// A small, lock-free generator (SplitMix64). Not for cryptography: it spreads
/// retries apart and makes invocation ids unique.
///
/// [`SeededRandom::new`] repeats the same sequence for the same seed; the
/// [`Default`] is seeded from the process's random hash keys and the time.
pub struct SeededRandom {
    state: AtomicU64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SeededRandom {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRandom {
            state: AtomicU64::new(seed),
        }
    }

    /// A generator seeded from the OS (the per-process keys of `RandomState`) and the time.
    pub fn from_os() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        SeededRandom::new(hasher.finish())
    }
}

impl Default for SeededRandom {
    fn default() -> Self {
        SeededRandom::from_os()
    }
}

impl fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The state is not shown: it would let a reader predict the invocation ids.
        f.write_str("SeededRandom { .. }")
    }
}

impl RandomSource for SeededRandom {
    fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_reproducible_and_in_range() {
        let a = SeededRandom::new(7);
        let b = SeededRandom::new(7);
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(SeededRandom::new(1).next_u64(), SeededRandom::new(2).next_u64());
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::default();
        let t0 = clock.now();
        let s0 = clock.system_time();
        clock.advance(Duration::from_secs(3));
        assert_eq!(clock.now() - t0, Duration::from_secs(3));
        assert_eq!(clock.system_time().duration_since(s0).unwrap(), Duration::from_secs(3));
    }

    #[test]
    fn manual_sleep_completes_at_its_deadline() {
        let clock = ManualClock::default();
        let mut sleep = clock.sleep(Duration::from_secs(2));
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        clock.advance(Duration::from_secs(1));
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        clock.advance(Duration::from_secs(1));
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    }
}
