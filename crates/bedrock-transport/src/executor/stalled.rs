//! Stalled-stream protection for response bodies (downloads) and streaming
//! request bodies (uploads).

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;

use super::TransportError;
use crate::body::{BoxError, RequestBody, ResponseBody};
use crate::clock::{Clock, Sleep};

/// The default throughput floor: 1 byte per second.
pub const DEFAULT_MINIMUM_THROUGHPUT: u64 = 1;
/// The default time the throughput may stay below the floor: 20 s, as in the AWS SDKs.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(20);

/// Fails a stream whose throughput stays below a floor for a grace period.
///
/// On by default, for both directions (1 B/s for 20 s, the AWS SDKs' defaults):
///
/// - **Downloads** (every response body): only time the reader spends *waiting*
///   for data counts, so a caller that is slow to poll the stream is never
///   mistaken for a stalled server. A stall ends the body with a
///   [`TransportError`] of kind
///   [`StalledStream`](super::TransportErrorKind::StalledStream).
/// - **Uploads** (a [`RequestBody::Stream`], the bidirectional stream): counts
///   the bytes the HTTP stack takes from the body, and only the time the stack
///   owes the body a poll (after taking a chunk, until it asks for the next).
///   Time the body spends waiting on the caller for its next chunk does not count,
///   as in the AWS SDKs. The body hands the stack at most 16 KiB at a time, and
///   the stack keeps taking slices while the peer's HTTP/2 flow-control window
///   has room (and holds one more), so a peer that stops reading is noticed once
///   that window is used up and the grace period has passed. A stall is reported where the caller is listening: the
///   response (or, before its head, `send`) fails with
///   [`StalledUpload`](super::TransportErrorKind::StalledUpload); it is noticed
///   while the response is being polled.
///
/// ```
/// use std::time::Duration;
/// use bedrock_transport::executor::StalledStreamProtection;
///
/// let relaxed = StalledStreamProtection::default().with_grace_period(Duration::from_secs(120));
/// assert!(relaxed.is_enabled());
/// assert!(relaxed.upload_enabled() && relaxed.download_enabled());
/// let downloads_only = StalledStreamProtection::default().with_upload_enabled(false);
/// assert!(downloads_only.is_enabled() && !downloads_only.upload_enabled());
/// assert!(!StalledStreamProtection::disabled().is_enabled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StalledStreamProtection {
    download: bool,
    upload: bool,
    minimum_throughput: u64,
    grace_period: Duration,
}

impl Default for StalledStreamProtection {
    fn default() -> Self {
        StalledStreamProtection {
            download: true,
            upload: true,
            minimum_throughput: DEFAULT_MINIMUM_THROUGHPUT,
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

impl StalledStreamProtection {
    /// No protection: a stream may stall forever (bounded only by the timeouts).
    pub fn disabled() -> Self {
        StalledStreamProtection {
            download: false,
            upload: false,
            ..Default::default()
        }
    }

    /// Turns the protection of response bodies on or off.
    pub fn with_download_enabled(mut self, enabled: bool) -> Self {
        self.download = enabled;
        self
    }

    /// Turns the protection of streaming request bodies on or off.
    pub fn with_upload_enabled(mut self, enabled: bool) -> Self {
        self.upload = enabled;
        self
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

    /// Whether any stream is protected.
    pub fn is_enabled(&self) -> bool {
        self.download || self.upload
    }

    /// Whether response bodies are protected.
    pub fn download_enabled(&self) -> bool {
        self.download
    }

    /// Whether streaming request bodies are protected.
    pub fn upload_enabled(&self) -> bool {
        self.upload
    }

    /// The floor, in bytes per second.
    pub fn minimum_throughput(&self) -> u64 {
        self.minimum_throughput
    }

    /// How long the throughput may stay below the floor.
    pub fn grace_period(&self) -> Duration {
        self.grace_period
    }

    /// Wraps a response body in the download protection (or returns it as is
    /// when that is off).
    pub fn protect(&self, body: ResponseBody, clock: Arc<dyn Clock>) -> ResponseBody {
        self.protect_response(body, clock, None)
    }

    /// Wraps a response body in the download protection and, for a streaming
    /// request, in the watch over its upload.
    pub(crate) fn protect_response(
        &self,
        body: ResponseBody,
        clock: Arc<dyn Clock>,
        upload: Option<UploadWatch>,
    ) -> ResponseBody {
        if !self.download && upload.is_none() {
            return body;
        }
        Box::pin(StalledStreamBody {
            inner: body,
            clock,
            options: *self,
            enough: self.enough_bytes(),
            window: None,
            timer: None,
            upload,
            done: false,
        })
    }

    /// The bytes that meet the floor over a whole grace period (at least 1), so over any
    /// window that has not outlasted it.
    fn enough_bytes(&self) -> u64 {
        (self.minimum_throughput as f64 * self.grace_period.as_secs_f64())
            .ceil()
            .max(1.0) as u64
    }

    /// Wraps a streaming request body so the HTTP stack's progress on it is
    /// measured; the returned watch reports a stall. Byte bodies and disabled
    /// upload protection pass through untouched.
    pub(crate) fn protect_upload(
        &self,
        body: RequestBody,
        clock: Arc<dyn Clock>,
    ) -> (RequestBody, Option<UploadWatch>) {
        let RequestBody::Stream(inner) = body else {
            return (body, None);
        };
        if !self.upload {
            return (RequestBody::Stream(inner), None);
        }
        let shared = Arc::new(Mutex::new(UploadShared {
            window: None,
            state: UploadState::Sending,
        }));
        let body = UploadBody {
            inner,
            rest: Bytes::new(),
            shared: shared.clone(),
            clock: clock.clone(),
            options: *self,
            done: false,
        };
        let watch = UploadWatch {
            shared,
            clock,
            options: *self,
            timer: None,
        };
        (RequestBody::Stream(Box::pin(body)), Some(watch))
    }
}

/// Bytes moved since `start`, and whether that meets `floor` bytes per second.
struct Window {
    start: Instant,
    bytes: u64,
}

impl Window {
    fn floor_met(&self, floor: u64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.start);
        self.bytes as f64 >= floor as f64 * elapsed.as_secs_f64()
    }
}

/// The download protection.
///
/// A window opens when the inner body returns `Pending` (the reader starts waiting; one clock
/// read) and closes once the bytes that arrived in it meet the floor. While data flows, a chunk
/// of at least floor × grace period bytes closes the window without reading the clock (the
/// floor cannot fail over a window shorter than the grace period); a smaller one reads it.
/// The grace-period timer is kept across windows: it is created once, and when it fires for a
/// window that is already over, it is re-armed for the current window's deadline, so a reader
/// that keeps catching up with the server does not create and cancel a timer per chunk.
struct StalledStreamBody {
    inner: ResponseBody,
    clock: Arc<dyn Clock>,
    options: StalledStreamProtection,
    /// [`StalledStreamProtection::enough_bytes`].
    enough: u64,
    /// Open while the reader has been waiting for data and the floor is not met yet.
    window: Option<Window>,
    /// The grace-period timer and its deadline (at or before the open window's deadline).
    timer: Option<(Instant, Sleep)>,
    /// The watch over the request body's upload, for the bidirectional stream.
    upload: Option<UploadWatch>,
    done: bool,
}

impl Stream for StalledStreamBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(upload) = &mut this.upload {
            if let Poll::Ready(error) = upload.poll_stalled(cx) {
                this.done = true;
                return Poll::Ready(Some(Err(Box::new(error))));
            }
        }
        let floor = this.options.minimum_throughput;
        let grace = this.options.grace_period;
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(window) = &mut this.window {
                    window.bytes += chunk.len() as u64;
                    if window.bytes >= this.enough || window.floor_met(floor, this.clock.now()) {
                        this.window = None;
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                this.window = None;
                this.timer = None;
                this.done = other.is_none();
                Poll::Ready(other)
            }
            Poll::Pending if !this.options.download => Poll::Pending,
            Poll::Pending => loop {
                let window = this.window.get_or_insert_with(|| Window {
                    start: this.clock.now(),
                    bytes: 0,
                });
                let deadline = window.start + grace;
                let (_, timer) = this.timer.get_or_insert_with(|| (deadline, this.clock.sleep(grace)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let (fired, _) = this.timer.take().expect("polled above");
                let now = this.clock.now();
                if fired < deadline && now < deadline {
                    // The timer was set for an earlier window: wait out this one's rest.
                    this.timer = Some((deadline, this.clock.sleep(deadline - now)));
                    continue;
                }
                if !window.floor_met(floor, now) {
                    this.done = true;
                    this.window = None;
                    let error = TransportError::stalled(floor, grace);
                    return Poll::Ready(Some(Err(Box::new(error))));
                }
                // The floor was met over this window: start the next one.
                this.window = None;
            },
        }
    }
}

// ---------------------------------------------------------------- uploads
//
// The HTTP stack polls the request body on its own task, and stops polling it
// when it cannot send (the peer's flow-control window is full): then nothing
// runs in the body. So the body only records what happens, and the check runs
// in a watch that the caller's task polls: first racing the response head, then
// inside the response body the caller reads.

/// What the request body and its watch share.
struct UploadShared {
    /// Open from a chunk handed to the HTTP stack, while the stack owes the body
    /// a poll and has not taken the floor's worth of bytes since `start`.
    window: Option<Window>,
    state: UploadState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UploadState {
    Sending,
    /// The body ended, failed or was dropped: nothing more to watch.
    Finished,
    Stalled,
}

fn lock(shared: &Mutex<UploadShared>) -> MutexGuard<'_, UploadShared> {
    // Every update leaves the state consistent, so a poisoned lock is still usable.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// The request body as the HTTP stack sees it: the caller's stream, measured.
/// The most the request body hands the HTTP stack at once. The stack takes the
/// next chunk only once the last one has mostly drained, so a large chunk on a slow
/// link would look like a stall; in slices the measurement sees it drain. 16 KiB is
/// HTTP/2's default largest frame: h2 cuts chunks there anyway. Slicing `Bytes`
/// copies nothing.
const UPLOAD_SLICE: usize = 16 * 1024;

struct UploadBody {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>,
    /// What is left of the caller's last chunk after the slices handed out.
    rest: Bytes,
    shared: Arc<Mutex<UploadShared>>,
    clock: Arc<dyn Clock>,
    options: StalledStreamProtection,
    done: bool,
}

impl UploadBody {
    fn stalled_error(&self) -> TransportError {
        TransportError::stalled_upload(self.options.minimum_throughput, self.options.grace_period)
    }
}

impl Stream for UploadBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if lock(&this.shared).state == UploadState::Stalled {
            // The caller was told already; failing the body makes the HTTP stack
            // reset the stream instead of sending more.
            this.done = true;
            return Poll::Ready(Some(Err(Box::new(this.stalled_error()))));
        }
        let polled = if this.rest.is_empty() {
            this.inner.as_mut().poll_next(cx)
        } else {
            Poll::Ready(Some(Ok(std::mem::take(&mut this.rest))))
        };
        let polled = match polled {
            Poll::Ready(Some(Ok(mut chunk))) if chunk.len() > UPLOAD_SLICE => {
                this.rest = chunk.split_off(UPLOAD_SLICE);
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        };
        let mut shared = lock(&this.shared);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                let now = this.clock.now();
                let floor = this.options.minimum_throughput;
                let still_below = shared.window.as_mut().is_some_and(|window| {
                    window.bytes += chunk.len() as u64;
                    !window.floor_met(floor, now)
                });
                if !still_below {
                    // From here the stack owes the body a poll.
                    shared.window = Some(Window { start: now, bytes: 0 });
                }
            }
            Poll::Ready(_) => {
                this.done = true;
                shared.window = None;
                shared.state = UploadState::Finished;
            }
            // Waiting on the caller for the next chunk: not the connection's fault.
            Poll::Pending => shared.window = None,
        }
        polled
    }
}

impl Drop for UploadBody {
    fn drop(&mut self) {
        let mut shared = lock(&self.shared);
        if shared.state == UploadState::Sending {
            shared.state = UploadState::Finished;
            shared.window = None;
        }
    }
}

/// Watches an upload; polled by the task that waits for the response.
pub(crate) struct UploadWatch {
    shared: Arc<Mutex<UploadShared>>,
    clock: Arc<dyn Clock>,
    options: StalledStreamProtection,
    /// When the next check is due, and the sleep until then.
    timer: Option<(Instant, Sleep)>,
}

impl UploadWatch {
    /// Ready with the error once the upload has stalled; pending otherwise,
    /// with a timer set for the next moment it could have.
    pub(crate) fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<TransportError> {
        let floor = self.options.minimum_throughput;
        let grace = self.options.grace_period;
        loop {
            let now = self.clock.now();
            let due = {
                let mut shared = lock(&self.shared);
                match shared.state {
                    UploadState::Finished => {
                        self.timer = None;
                        return Poll::Pending;
                    }
                    UploadState::Stalled => return Poll::Ready(TransportError::stalled_upload(floor, grace)),
                    UploadState::Sending => {}
                }
                match &shared.window {
                    Some(window) if now >= window.start + grace => {
                        if !window.floor_met(floor, now) {
                            shared.state = UploadState::Stalled;
                            shared.window = None;
                            self.timer = None;
                            return Poll::Ready(TransportError::stalled_upload(floor, grace));
                        }
                        // The floor was met over this window: start the next one.
                        shared.window = Some(Window { start: now, bytes: 0 });
                        now + grace
                    }
                    Some(window) => window.start + grace,
                    // Nothing owed now; a window opened later is at least this far off.
                    None => now + grace,
                }
            };
            let timer = match &mut self.timer {
                Some((at, timer)) if *at == due => timer,
                slot => {
                    let (_, timer) = slot.insert((due, self.clock.sleep(due.saturating_duration_since(now))));
                    timer
                }
            };
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.timer = None;
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
    fn a_reader_that_keeps_catching_up_sets_one_timer() {
        let clock = ManualClock::default();
        let feed = Feed::default();
        let mut body = StalledStreamProtection::default().protect(Box::pin(feed.clone()), Arc::new(clock.clone()));
        for _ in 0..100 {
            assert!(poll(&mut body).is_pending());
            clock.advance(Duration::from_millis(100));
            feed.push(Some(&[0; 100]));
            assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        }
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(20)]);
        // The server stops at 10 s: the stall is reported 20 s later, not when the first timer fires.
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(10));
        assert!(poll(&mut body).is_pending());
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(20), Duration::from_secs(10)]);
        clock.advance(Duration::from_secs(9));
        assert!(poll(&mut body).is_pending());
        clock.advance(Duration::from_secs(1));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Err(_)))));
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

    // ------------------------------------------------------------ uploads

    /// A request body fed by hand (`None` in the queue: pending) and its watch.
    fn upload(options: StalledStreamProtection, clock: &ManualClock) -> (Feed, ResponseBody, UploadWatch) {
        let feed = Feed::default();
        let (body, watch) =
            options.protect_upload(RequestBody::Stream(Box::pin(feed.clone())), Arc::new(clock.clone()));
        let RequestBody::Stream(body) = body else {
            panic!("a stream stays a stream")
        };
        (feed, body, watch.expect("upload protection is on"))
    }

    fn check(watch: &mut UploadWatch) -> Poll<TransportError> {
        watch.poll_stalled(&mut Context::from_waker(Waker::noop()))
    }

    fn upload_stall(minimum_throughput: u64, grace_period: Duration) -> TransportErrorKind {
        TransportErrorKind::StalledUpload {
            minimum_throughput,
            grace_period,
        }
    }

    #[test]
    fn an_upload_the_stack_stops_taking_stalls_after_the_grace_period() {
        let clock = ManualClock::default();
        let (feed, mut body, mut watch) = upload(StalledStreamProtection::default(), &clock);
        assert!(check(&mut watch).is_pending());
        feed.push(Some(b"chunk"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        // The stack took the chunk and never comes back for the next one.
        clock.advance(Duration::from_secs(19));
        assert!(check(&mut watch).is_pending());
        clock.advance(Duration::from_secs(1));
        let Poll::Ready(error) = check(&mut watch) else {
            panic!("expected a stall")
        };
        assert_eq!(error.kind(), &upload_stall(1, Duration::from_secs(20)));
        assert!(error.is_timeout());
        assert!(check(&mut watch).is_ready(), "a stall stays a stall");
        // Should the stack poll again, the body fails so the stream is reset.
        feed.push(Some(b"late"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Err(_)))));
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn time_the_upload_waits_on_the_caller_does_not_count() {
        let clock = ManualClock::default();
        let (feed, mut body, mut watch) = upload(StalledStreamProtection::default(), &clock);
        feed.push(Some(b"first"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        // The stack asks for more at once; the caller has nothing for a minute.
        assert!(poll(&mut body).is_pending());
        for _ in 0..6 {
            clock.advance(Duration::from_secs(10));
            assert!(check(&mut watch).is_pending());
        }
        feed.push(Some(b"second"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        assert!(check(&mut watch).is_pending());
    }

    #[test]
    fn an_upload_trickle_below_the_floor_is_a_stall() {
        let clock = ManualClock::default();
        let options = StalledStreamProtection::default()
            .with_minimum_throughput(100)
            .with_grace_period(Duration::from_secs(5));
        let (feed, mut body, mut watch) = upload(options, &clock);
        // The stack takes one byte a second, though the caller always has more.
        for _ in 0..5 {
            feed.push(Some(b"x"));
            assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
            assert!(check(&mut watch).is_pending());
            clock.advance(Duration::from_secs(1));
        }
        let Poll::Ready(error) = check(&mut watch) else {
            panic!("expected a stall")
        };
        assert_eq!(error.kind(), &upload_stall(100, Duration::from_secs(5)));
    }

    #[test]
    fn an_upload_above_the_floor_keeps_going() {
        let clock = ManualClock::default();
        let options = StalledStreamProtection::default().with_minimum_throughput(10);
        let (feed, mut body, mut watch) = upload(options, &clock);
        for _ in 0..10 {
            feed.push(Some(&[0; 200]));
            assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
            clock.advance(Duration::from_secs(15));
            assert!(check(&mut watch).is_pending());
        }
    }

    #[test]
    fn a_finished_upload_is_no_longer_watched() {
        let clock = ManualClock::default();
        let (feed, mut body, mut watch) = upload(StalledStreamProtection::default(), &clock);
        feed.push(Some(b"all"));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        drop(body);
        clock.advance(Duration::from_secs(3600));
        assert!(check(&mut watch).is_pending());
        assert!(watch.timer.is_none(), "no timer is left running");
    }

    #[test]
    fn a_stalled_upload_ends_the_response_body() {
        let clock = ManualClock::default();
        let (feed, mut request, watch) = upload(StalledStreamProtection::default(), &clock);
        let options = StalledStreamProtection::default().with_download_enabled(false);
        let mut response = options.protect_response(Box::pin(Feed::default()), Arc::new(clock.clone()), Some(watch));
        feed.push(Some(b"chunk"));
        assert!(matches!(poll(&mut request), Poll::Ready(Some(Ok(_)))));
        assert!(poll(&mut response).is_pending());
        clock.advance(Duration::from_secs(20));
        let Poll::Ready(Some(Err(error))) = poll(&mut response) else {
            panic!("expected a stall")
        };
        let error = error.downcast::<TransportError>().unwrap();
        assert_eq!(error.kind(), &upload_stall(1, Duration::from_secs(20)));
        assert!(matches!(poll(&mut response), Poll::Ready(None)));
    }

    #[test]
    fn upload_protection_leaves_byte_bodies_alone_and_can_be_turned_off() {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::default());
        let bytes = RequestBody::Bytes(Bytes::from_static(b"{}"));
        let (bytes, watch) = StalledStreamProtection::default().protect_upload(bytes, clock.clone());
        assert!(watch.is_none() && bytes.replayable().is_some());
        let off = StalledStreamProtection::default().with_upload_enabled(false);
        let (_, watch) = off.protect_upload(RequestBody::Stream(Box::pin(Feed::default())), clock);
        assert!(watch.is_none());
        assert!(off.is_enabled() && off.download_enabled());
    }

    #[test]
    fn large_chunks_go_out_in_slices_so_a_slow_link_is_not_a_stall() {
        let clock = ManualClock::default();
        let (feed, mut body, mut watch) = upload(StalledStreamProtection::default(), &clock);
        let big: &'static [u8] = Box::leak(vec![7u8; 4 * UPLOAD_SLICE + 100].into_boxed_slice());
        feed.push(Some(big));
        // The link drains one slice every 15 s: slower than the chunk, faster than the floor.
        let mut sizes = Vec::new();
        for _ in 0..5 {
            let Poll::Ready(Some(Ok(slice))) = poll(&mut body) else {
                panic!("expected a slice")
            };
            sizes.push(slice.len());
            clock.advance(Duration::from_secs(15));
            assert!(check(&mut watch).is_pending());
        }
        assert_eq!(sizes, [UPLOAD_SLICE, UPLOAD_SLICE, UPLOAD_SLICE, UPLOAD_SLICE, 100]);
        assert!(poll(&mut body).is_pending(), "then the caller's stream again");
    }
}
