//! Stalled-stream protection for response bodies.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;

use super::TransportError;
use crate::body::{BoxError, ResponseBody};
use crate::clock::{Clock, Sleep};

/// The default throughput floor: 1 byte per second.
pub const DEFAULT_MINIMUM_THROUGHPUT: u64 = 1;
/// The default time the throughput may stay below the floor: 20 s, as in the AWS SDKs.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(20);

/// Fails a response body whose throughput stays below a floor for a grace period.
///
/// On by default (1 B/s for 20 s, the AWS SDKs' defaults). Only time the reader
/// spends *waiting* for data counts: a caller that is slow to poll the stream is
/// never mistaken for a stalled server. A stall ends the body with a
/// [`TransportError`] of kind
/// [`StalledStream`](super::TransportErrorKind::StalledStream).
///
/// ```
/// use std::time::Duration;
/// use bedrock_transport::executor::StalledStreamProtection;
///
/// let relaxed = StalledStreamProtection::default().with_grace_period(Duration::from_secs(120));
/// assert!(relaxed.is_enabled());
/// assert!(!StalledStreamProtection::disabled().is_enabled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalledStreamProtection {
    enabled: bool,
    minimum_throughput: u64,
    grace_period: Duration,
}

impl Default for StalledStreamProtection {
    fn default() -> Self {
        StalledStreamProtection {
            enabled: true,
            minimum_throughput: DEFAULT_MINIMUM_THROUGHPUT,
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

impl StalledStreamProtection {
    /// No protection: a body may stall forever (bounded only by the timeouts).
    pub fn disabled() -> Self {
        StalledStreamProtection {
            enabled: false,
            ..Default::default()
        }
    }

    /// Sets the floor, in bytes per second (0 is taken as 1).
    pub fn with_minimum_throughput(mut self, bytes_per_second: u64) -> Self {
        self.minimum_throughput = bytes_per_second.max(1);
        self
    }

    /// Sets how long the throughput may stay below the floor (at least 1 ms).
    pub fn with_grace_period(mut self, grace_period: Duration) -> Self {
        self.grace_period = grace_period.max(Duration::from_millis(1));
        self
    }

    /// Whether bodies are protected.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The floor, in bytes per second.
    pub fn minimum_throughput(&self) -> u64 {
        self.minimum_throughput
    }

    /// How long the throughput may stay below the floor.
    pub fn grace_period(&self) -> Duration {
        self.grace_period
    }

    /// Wraps a body in the protection (or returns it as is when disabled).
    pub fn protect(&self, body: ResponseBody, clock: Arc<dyn Clock>) -> ResponseBody {
        if !self.enabled {
            return body;
        }
        Box::pin(StalledStreamBody {
            inner: body,
            clock,
            options: *self,
            window: None,
            done: false,
        })
    }
}

struct StalledStreamBody {
    inner: ResponseBody,
    clock: Arc<dyn Clock>,
    options: StalledStreamProtection,
    /// Open while the reader has been waiting for data and the floor is not met yet.
    window: Option<Window>,
    done: bool,
}

struct Window {
    start: Instant,
    bytes: u64,
    timer: Sleep,
}

impl StalledStreamBody {
    fn open_window(&self) -> Window {
        Window {
            start: self.clock.now(),
            bytes: 0,
            timer: self.clock.sleep(self.options.grace_period),
        }
    }

    fn floor_met(&self, window: &Window) -> bool {
        let elapsed = self.clock.now().saturating_duration_since(window.start);
        window.bytes as f64 >= self.options.minimum_throughput as f64 * elapsed.as_secs_f64()
    }
}

impl Stream for StalledStreamBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(mut window) = this.window.take() {
                    window.bytes += chunk.len() as u64;
                    if !this.floor_met(&window) {
                        this.window = Some(window);
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                this.window = None;
                this.done = other.is_none();
                Poll::Ready(other)
            }
            Poll::Pending => loop {
                let mut window = match this.window.take() {
                    Some(window) => window,
                    None => this.open_window(),
                };
                if window.timer.as_mut().poll(cx).is_pending() {
                    this.window = Some(window);
                    return Poll::Pending;
                }
                if !this.floor_met(&window) {
                    this.done = true;
                    let error = TransportError::stalled(this.options.minimum_throughput, this.options.grace_period);
                    return Poll::Ready(Some(Err(Box::new(error))));
                }
                // The floor was met over this window: start the next one.
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::task::Waker;

    use super::*;
    use crate::clock::ManualClock;
    use crate::executor::TransportErrorKind;

    /// A body fed by hand: `None` in the queue means "pending".
    #[derive(Clone, Default)]
    struct Feed(Arc<Mutex<VecDeque<Option<Bytes>>>>);

    impl Feed {
        fn push(&self, item: Option<&'static [u8]>) {
            self.0.lock().unwrap().push_back(item.map(Bytes::from_static));
        }
    }

    impl Stream for Feed {
        type Item = Result<Bytes, BoxError>;
        fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            match self.0.lock().unwrap().pop_front() {
                Some(Some(bytes)) => Poll::Ready(Some(Ok(bytes))),
                _ => Poll::Pending,
            }
        }
    }

    fn poll(body: &mut ResponseBody) -> Poll<Option<Result<Bytes, BoxError>>> {
        body.as_mut().poll_next(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn fails_after_the_grace_period_without_data() {
        let clock = ManualClock::default();
        let feed = Feed::default();
        let mut body = StalledStreamProtection::default().protect(Box::pin(feed.clone()), Arc::new(clock.clone()));
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(19));
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(1));
        let Poll::Ready(Some(Err(error))) = poll(&mut body) else {
            panic!("expected a stall")
        };
        let error = error.downcast::<TransportError>().unwrap();
        assert_eq!(
            error.kind(),
            &TransportErrorKind::StalledStream {
                minimum_throughput: 1,
                grace_period: Duration::from_secs(20)
            }
        );
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn data_above_the_floor_keeps_the_stream_alive() {
        let clock = ManualClock::default();
        let feed = Feed::default();
        let options = StalledStreamProtection::default().with_minimum_throughput(10);
        let mut body = options.protect(Box::pin(feed.clone()), Arc::new(clock.clone()));
        for _ in 0..10 {
            assert!(poll(&mut body).is_pending());
            clock.advance(Duration::from_secs(15));
            feed.push(Some(&[0; 200]));
            assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        }
    }

    #[test]
    fn a_trickle_below_the_floor_is_a_stall() {
        let clock = ManualClock::default();
        let feed = Feed::default();
        let options = StalledStreamProtection::default()
            .with_minimum_throughput(100)
            .with_grace_period(Duration::from_secs(5));
        let mut body = options.protect(Box::pin(feed.clone()), Arc::new(clock.clone()));
        for _ in 0..4 {
            assert!(poll(&mut body).is_pending());
            clock.advance(Duration::from_secs(1));
            feed.push(Some(b"x"));
            assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        }
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(1));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Err(_)))));
    }

    #[test]
    fn time_the_reader_is_not_waiting_does_not_count() {
        let clock = ManualClock::default();
        let feed = Feed::default();
        let mut body = StalledStreamProtection::default().protect(Box::pin(feed.clone()), Arc::new(clock.clone()));
        feed.push(Some(b"first"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        // The reader is busy for a minute; the server sent the next chunk meanwhile.
        clock.advance(Duration::from_secs(60));
        feed.push(Some(b"second"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        assert!(poll(&mut body).is_pending());
    }

    #[test]
    fn disabled_protection_leaves_the_body_alone() {
        let clock = ManualClock::default();
        let mut body = StalledStreamProtection::disabled().protect(Box::pin(Feed::default()), Arc::new(clock.clone()));
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(3600));
        assert!(poll(&mut body).is_pending());
        assert!(clock.sleeps().is_empty());
    }
}
