//! The attempt loop against a scripted fake `HttpClient`: retry sequences, headers,
//! per-attempt signing, the retry quota, the adaptive rate limiter, every timeout
//! and stalled streams. Time is tokio's paused clock, so waits are exact and
//! instant; nothing sleeps to synchronise.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bedrock_transport::clock::{Clock, RandomSource, SeededRandom, Sleep, TokioClock};
use bedrock_transport::executor::{AttemptInfo, AttemptResponse, RetryInfo, SignFuture, Signer};
use bedrock_transport::retry::{ModeledRetry, RetryConfig, RetryQuota};
use bedrock_transport::{
    BoxError, Executor, HttpClient, NoSigning, OperationInfo, RequestBody, ResponseBody, ResponseFuture,
    StalledStreamProtection, TimeoutConfig, TimeoutKind, TransportError, TransportErrorKind,
};
use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, Request, Response, StatusCode};

// ---------------------------------------------------------------- the fake peer

/// What the fake client does for one request.
enum Step {
    /// A response head, then these body chunks, then (optionally) a body that never ends.
    Respond {
        status: u16,
        headers: Vec<(&'static str, &'static str)>,
        chunks: Vec<Result<Bytes, BoxError>>,
        then_hang: bool,
    },
    /// The request fails before a response (connection reset, ...).
    Fail(BoxError),
    /// No response head ever arrives.
    Hang,
}

fn ok(body: &'static str) -> Step {
    Step::Respond {
        status: 200,
        headers: vec![("x-amzn-requestid", "req-ok")],
        chunks: vec![Ok(Bytes::from_static(body.as_bytes()))],
        then_hang: false,
    }
}

fn error(status: u16, code: &'static str) -> Step {
    let body = format!("{{\"__type\":\"{code}\",\"message\":\"try again\"}}");
    Step::Respond {
        status,
        headers: vec![("x-amzn-requestid", "req-err")],
        chunks: vec![Ok(Bytes::from(body))],
        then_hang: false,
    }
}

fn status(status: u16) -> Step {
    Step::Respond {
        status,
        headers: vec![],
        chunks: vec![],
        then_hang: false,
    }
}

fn reset() -> Step {
    Step::Fail(Box::new(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset",
    )))
}

/// A request as the fake client saw it.
struct Seen {
    headers: HeaderMap,
    body: Option<Bytes>,
    at: tokio::time::Instant,
}

#[derive(Clone, Default)]
struct FakeClient {
    script: Arc<Mutex<VecDeque<Step>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl fmt::Debug for FakeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FakeClient")
    }
}

impl FakeClient {
    fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        FakeClient {
            script: Arc::new(Mutex::new(steps.into_iter().collect())),
            seen: Arc::default(),
        }
    }

    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn header(&self, index: usize, name: &str) -> String {
        let seen = self.seen.lock().unwrap();
        seen[index]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

impl HttpClient for FakeClient {
    fn send(&self, request: Request<RequestBody>) -> ResponseFuture {
        self.seen.lock().unwrap().push(Seen {
            headers: request.headers().clone(),
            body: request.body().replayable().cloned(),
            at: tokio::time::Instant::now(),
        });
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .expect("the script has a step for every request");
        match step {
            Step::Respond {
                status,
                headers,
                chunks,
                then_hang,
            } => {
                let mut response = Response::new(Box::pin(ScriptBody {
                    chunks: chunks.into(),
                    then_hang,
                }) as ResponseBody);
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                for (name, value) in headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                Box::pin(std::future::ready(Ok(response)))
            }
            Step::Fail(error) => Box::pin(std::future::ready(Err(error))),
            Step::Hang => Box::pin(std::future::pending()),
        }
    }
}

struct ScriptBody {
    chunks: VecDeque<Result<Bytes, BoxError>>,
    then_hang: bool,
}

impl Stream for ScriptBody {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.chunks.pop_front() {
            Some(item) => Poll::Ready(Some(item)),
            None if self.then_hang => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

/// Tokio's clock, with every requested sleep logged.
#[derive(Debug, Clone, Default)]
struct RecordingClock(Arc<Mutex<Vec<Duration>>>);

impl RecordingClock {
    fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Clock for RecordingClock {
    fn now(&self) -> Instant {
        TokioClock.now()
    }
    fn system_time(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.lock().unwrap().push(duration);
        TokioClock.sleep(duration)
    }
}

/// `next_f64` is always one half, so every backoff is exactly half its cap.
#[derive(Debug)]
struct Half;

impl RandomSource for Half {
    fn next_u64(&self) -> u64 {
        0x8000_0000_0000_0000
    }
}

const OP: OperationInfo = OperationInfo::new("bedrock-runtime", "Converse");

fn executor(client: &FakeClient, clock: &RecordingClock) -> Executor {
    Executor::builder(Arc::new(client.clone()))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(Half))
        .build()
}

fn request() -> Request<Bytes> {
    Request::post("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse")
        .header("content-type", "application/json")
        .body(Bytes::from_static(b"{\"messages\":[]}"))
        .unwrap()
}

fn streaming_request() -> Request<RequestBody> {
    request().map(RequestBody::Bytes)
}

async fn read_all(body: &mut ResponseBody) -> (Vec<Bytes>, Option<BoxError>) {
    let mut chunks = Vec::new();
    while let Some(item) = poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        match item {
            Ok(chunk) => chunks.push(chunk),
            Err(error) => return (chunks, Some(error)),
        }
    }
    (chunks, None)
}

fn info(response: &Response<impl Sized>) -> RetryInfo {
    *response.extensions().get::<RetryInfo>().unwrap()
}

// ---------------------------------------------------------------- retry sequences

#[tokio::test(start_paused = true)]
async fn success_at_the_first_attempt_sets_the_sdk_headers() {
    let client = FakeClient::new([ok("{}")]);
    let clock = RecordingClock::default();
    let executor = executor(&client, &clock);
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), "{}");
    assert_eq!((info(&response).attempts, info(&response).quota_exhausted), (1, false));

    let id = client.header(0, "amz-sdk-invocation-id");
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(client.header(0, "amz-sdk-request"), "attempt=1; max=3");
    let ua = client.header(0, "user-agent");
    assert!(
        ua.starts_with(concat!("bedrock-rs/", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert_eq!(executor.retry_quota().available(), 500);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test(start_paused = true)]
async fn transient_errors_are_retried_with_exponential_backoff_and_fresh_signatures() {
    let client = FakeClient::new([status(503), error(500, "InternalServerException"), ok("done")]);
    let clock = RecordingClock::default();
    let executor = executor(&client, &clock);
    let signed = Arc::new(Mutex::new(Vec::new()));
    let log = signed.clone();
    let signer = move |request: &mut Request<RequestBody>, attempt: AttemptInfo| -> Result<(), BoxError> {
        // The SDK headers are in place before signing, and the body is replayable.
        assert!(request.headers().contains_key("amz-sdk-request"));
        assert_eq!(request.body().replayable().unwrap(), &b"{\"messages\":[]}"[..]);
        request
            .headers_mut()
            .insert("authorization", format!("sig-{}", attempt.attempt).parse().unwrap());
        log.lock()
            .unwrap()
            .push((attempt.attempt, attempt.max_attempts, attempt.system_time));
        Ok(())
    };
    let start = tokio::time::Instant::now();
    let response = executor.send_collected(&OP, request(), &signer).await.unwrap();

    assert_eq!(response.body(), "done");
    assert_eq!(info(&response).attempts, 3);
    assert_eq!(client.count(), 3);
    let id = client.header(0, "amz-sdk-invocation-id");
    for n in 0..3 {
        assert_eq!(client.header(n, "authorization"), format!("sig-{}", n + 1));
        assert_eq!(client.header(n, "amz-sdk-request"), format!("attempt={}; max=3", n + 1));
        assert_eq!(
            client.header(n, "amz-sdk-invocation-id"),
            id,
            "one invocation id per operation"
        );
        assert_eq!(
            client.seen.lock().unwrap()[n].body.as_deref(),
            Some(&b"{\"messages\":[]}"[..])
        );
    }
    let signed = signed.lock().unwrap();
    assert_eq!(
        signed.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
        [(1, 3), (2, 3), (3, 3)]
    );
    assert_eq!(signed[0].2, clock.system_time(), "signing uses the executor's clock");

    // Full jitter with rand = 0.5: half of 1 s, then half of 2 s.
    let backoff = [Duration::from_millis(500), Duration::from_millis(1000)];
    assert_eq!(clock.sleeps(), backoff);
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
    let seen = client.seen.lock().unwrap();
    assert_eq!(seen[1].at - seen[0].at, backoff[0]);
    assert_eq!(seen[2].at - seen[1].at, backoff[1]);
    // Two retries took 5 tokens each; the success gave the last 5 back.
    assert_eq!(executor.retry_quota().available(), 495);
}

#[tokio::test(start_paused = true)]
async fn backoff_is_reproducible_with_a_seed_and_bounded() {
    async fn run(seed: u64) -> Vec<Duration> {
        let client = FakeClient::new([status(500), status(502), status(504), status(503), ok("")]);
        let clock = RecordingClock::default();
        let executor = Executor::builder(Arc::new(client))
            .clock(Arc::new(clock.clone()))
            .random_source(Arc::new(SeededRandom::new(seed)))
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build();
        executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
        clock.sleeps()
    }
    let first = run(42).await;
    assert_eq!(first, run(42).await);
    assert_ne!(first, run(43).await);
    assert_eq!(first.len(), 4);
    for (n, delay) in first.iter().enumerate() {
        assert!(*delay < Duration::from_secs(1 << n), "retry {}: {delay:?}", n + 1);
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_is_capped_at_twenty_seconds() {
    let steps = (0..9).map(|_| status(503)).chain([ok("")]);
    let client = FakeClient::new(steps);
    let clock = RecordingClock::default();
    let executor = Executor::builder(Arc::new(client))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::standard().with_max_attempts(10))
        .build();
    executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    let secs: Vec<f64> = clock.sleeps().iter().map(Duration::as_secs_f64).collect();
    assert_eq!(secs, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_max_attempts_and_return_the_last_error_response() {
    let client = FakeClient::new([status(503), status(503), error(503, "ServiceUnavailableException")]);
    let clock = RecordingClock::default();
    let executor = executor(&client, &clock);
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(std::str::from_utf8(response.body())
        .unwrap()
        .contains("ServiceUnavailableException"));
    assert_eq!((info(&response).attempts, info(&response).quota_exhausted), (3, false));
    assert_eq!(
        executor.retry_quota().available(),
        490,
        "failed retries are not refunded"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_settings_from_the_environment_and_profile_drive_the_executor() {
    // AWS_MAX_ATTEMPTS from the environment, retry_mode from the profile.
    let env = |name: &str| (name == "AWS_MAX_ATTEMPTS").then(|| "4".to_string());
    let profile = |key: &str| match key {
        "retry_mode" => Some("adaptive".to_string()),
        "max_attempts" => Some("9".to_string()),
        _ => None,
    };
    let retry = RetryConfig::from_lookups(&env, &profile).unwrap();
    let client = FakeClient::new([status(503), status(503), status(503), status(503), ok("")]);
    let clock = RecordingClock::default();
    let executor = Executor::builder(Arc::new(client.clone()))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(Half))
        .retry_config(retry)
        .build();
    assert!(executor.rate_limiter().is_some(), "adaptive mode has a rate limiter");
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!((response.status().as_u16(), info(&response).attempts), (503, 4));
    assert_eq!(client.count(), 4);
    assert_eq!(client.header(3, "amz-sdk-request"), "attempt=4; max=4");
}

#[tokio::test(start_paused = true)]
async fn final_errors_are_not_retried() {
    for step in [
        error(400, "ValidationException"),
        error(403, "AccessDeniedException"),
        error(424, "ModelErrorException"),
        status(501),
    ] {
        let client = FakeClient::new([step]);
        let executor = executor(&client, &RecordingClock::default());
        let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
        assert_eq!(info(&response).attempts, 1);
        assert_eq!(client.count(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn throttling_codes_from_the_body_or_the_header_are_retried() {
    let header_throttle = Step::Respond {
        status: 400,
        headers: vec![(
            "x-amzn-errortype",
            "ThrottlingException:http://internal.amazon.com/coral/",
        )],
        chunks: vec![],
        then_hang: false,
    };
    let client = FakeClient::new([
        error(429, "ThrottlingException"),
        header_throttle,
        error(400, "com.amazon.coral#TooManyRequestsException"),
        ok(""),
    ]);
    let clock = RecordingClock::default();
    let executor = Executor::builder(Arc::new(client.clone()))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .build();
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(client.count(), 4);
}

#[tokio::test(start_paused = true)]
async fn model_not_ready_and_modeled_retryable_errors_are_retried() {
    fn modeled(code: &str) -> ModeledRetry {
        match code {
            "CapacityBusyException" => ModeledRetry::Retryable,
            _ => ModeledRetry::NotRetryable,
        }
    }
    let op = OP.with_modeled_retry(modeled);
    let client = FakeClient::new([
        error(429, "ModelNotReadyException"),
        error(409, "CapacityBusyException"),
        ok(""),
    ]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor.send_collected(&op, request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(client.count(), 3);

    // Without the hook, an unknown 409 is final.
    let client = FakeClient::new([error(409, "CapacityBusyException")]);
    let executor = self::executor(&client, &RecordingClock::default());
    executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(client.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn connection_errors_before_a_response_are_retried() {
    let client = FakeClient::new([reset(), ok("ok")]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(response.body(), "ok");

    let client = FakeClient::new([reset(), reset(), reset()]);
    let executor = self::executor(&client, &RecordingClock::default());
    let error = executor.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert_eq!(error.kind(), &TransportErrorKind::Io);
    assert_eq!(error.attempts(), 3);
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn body_errors_are_retried_only_for_idempotent_operations() {
    let broken_body = || Step::Respond {
        status: 200,
        headers: vec![],
        chunks: vec![
            Ok(Bytes::from_static(b"{\"par")),
            Err("connection reset mid-body".into()),
        ],
        then_hang: false,
    };
    let client = FakeClient::new([broken_body()]);
    let executor = executor(&client, &RecordingClock::default());
    let error = executor.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert_eq!(error.kind(), &TransportErrorKind::Body);
    assert_eq!(
        client.count(),
        1,
        "the service may already have done (and billed) the work"
    );

    let client = FakeClient::new([broken_body(), ok("{\"whole\":true}")]);
    let executor = self::executor(&client, &RecordingClock::default());
    let idempotent = OP.with_idempotent(true);
    let response = executor
        .send_collected(&idempotent, request(), &NoSigning)
        .await
        .unwrap();
    assert_eq!(response.body(), "{\"whole\":true}");
}

#[tokio::test(start_paused = true)]
async fn signing_errors_are_final() {
    let client = FakeClient::new([]);
    let executor = executor(&client, &RecordingClock::default());
    let signer =
        |_: &mut Request<RequestBody>, _: AttemptInfo| -> Result<(), BoxError> { Err("no credentials".into()) };
    let error = executor.send_collected(&OP, request(), &signer).await.unwrap_err();
    assert_eq!(error.kind(), &TransportErrorKind::Signing);
    assert_eq!(client.count(), 0);
}

// ---------------------------------------------------------------- signer feedback

/// A signer that records every response head it is shown and answers "corrected"
/// for the first `corrections` error responses.
#[derive(Default)]
struct Correcting {
    corrections: Mutex<u32>,
    observed: Mutex<Vec<(u16, Option<String>, SystemTime)>>,
}

impl Correcting {
    fn new(corrections: u32) -> Self {
        Correcting {
            corrections: Mutex::new(corrections),
            observed: Mutex::default(),
        }
    }

    fn observed(&self) -> Vec<(u16, Option<String>)> {
        let observed = self.observed.lock().unwrap();
        observed.iter().map(|(s, c, _)| (*s, c.clone())).collect()
    }
}

impl Signer for Correcting {
    fn sign<'a>(&'a self, request: &'a mut Request<RequestBody>, attempt: AttemptInfo) -> SignFuture<'a> {
        request
            .headers_mut()
            .insert("authorization", format!("sig-{}", attempt.attempt).parse().unwrap());
        Box::pin(std::future::ready(Ok(())))
    }

    fn observe_response(&self, response: &AttemptResponse<'_>) -> bool {
        self.observed.lock().unwrap().push((
            response.status.as_u16(),
            response.error_code.map(str::to_owned),
            response.system_time,
        ));
        let mut left = self.corrections.lock().unwrap();
        if response.status.is_client_error() && *left > 0 {
            *left -= 1;
            return true;
        }
        false
    }
}

fn skew_rejection() -> Step {
    Step::Respond {
        status: 403,
        headers: vec![
            ("x-amzn-requestid", "req-skew"),
            (
                "x-amzn-errortype",
                "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/",
            ),
        ],
        chunks: vec![Ok(Bytes::from_static(b"{\"message\":\"Signature expired\"}"))],
        then_hang: false,
    }
}

#[tokio::test(start_paused = true)]
async fn a_rejection_the_signer_corrected_is_retried_as_transient() {
    let client = FakeClient::new([skew_rejection(), ok("done")]);
    let clock = RecordingClock::default();
    let executor = executor(&client, &clock);
    let signer = Correcting::new(1);
    let pending = executor.send_collected(&OP, request(), &signer);
    tokio::pin!(pending);
    // While the retry waits for its backoff, it holds a transient retry's 5 tokens.
    tokio::select! {
        _ = &mut pending => panic!("the retry waits for its backoff"),
        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
    }
    assert_eq!(executor.retry_quota().available(), 495);
    let response = pending.await.unwrap();

    assert_eq!(response.body(), "done");
    assert_eq!(info(&response).attempts, 2);
    assert_eq!(client.header(1, "authorization"), "sig-2", "the retry is signed again");
    assert_eq!(client.header(1, "amz-sdk-request"), "attempt=2; max=3");
    // The code comes without its URI suffix; the success is shown too.
    assert_eq!(
        signer.observed(),
        [(403, Some("InvalidSignatureException".to_owned())), (200, None)]
    );
    assert_eq!(signer.observed.lock().unwrap()[0].2, clock.system_time());
    assert_eq!(clock.sleeps(), [Duration::from_millis(500)], "the usual backoff");
    assert_eq!(executor.retry_quota().available(), 500, "the success refunds the retry");
}

#[tokio::test(start_paused = true)]
async fn the_code_may_come_from_the_body_and_a_correction_is_retried_once_per_answer() {
    // Each rejection is retried only because the signer says it corrected itself;
    // once it stops saying so, the rejection is final.
    let client = FakeClient::new([
        error(400, "RequestTimeTooSkewed"),
        error(400, "RequestTimeTooSkewed"),
        ok(""),
    ]);
    let executor = executor(&client, &RecordingClock::default());
    let signer = Correcting::new(1);
    let response = executor.send_collected(&OP, request(), &signer).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(info(&response).attempts, 2);
    assert_eq!(client.count(), 2);
    assert_eq!(
        signer.observed(),
        [
            (400, Some("RequestTimeTooSkewed".to_owned())),
            (400, Some("RequestTimeTooSkewed".to_owned()))
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_correction_needs_an_attempt_left_and_quota() {
    // Retries disabled: one attempt, the rejection is returned.
    let client = FakeClient::new([skew_rejection()]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::disabled())
        .build();
    let signer = Correcting::new(1);
    let response = executor.send_collected(&OP, request(), &signer).await.unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!((info(&response).attempts, info(&response).quota_exhausted), (1, false));
    assert_eq!(client.count(), 1);

    // Less quota than a retry costs: not retried, and marked.
    let client = FakeClient::new([skew_rejection()]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .retry_quota(RetryQuota::new(4))
        .build();
    let response = executor
        .send_collected(&OP, request(), &Correcting::new(1))
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!((info(&response).attempts, info(&response).quota_exhausted), (1, true));
    assert_eq!(client.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn signers_that_correct_nothing_change_nothing() {
    // A plain signer (and the default `observe_response`) leaves a 403 final.
    let client = FakeClient::new([skew_rejection()]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!((response.status().as_u16(), info(&response).attempts), (403, 1));

    // Streamed successes are shown to the signer as well, without a code.
    client.script.lock().unwrap().push_back(ok("{}"));
    let signer = Correcting::new(0);
    let response = executor.send(&OP, streaming_request(), &signer).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(signer.observed(), [(200, None)]);
}

// ---------------------------------------------------------------- the retry quota

#[tokio::test(start_paused = true)]
async fn an_exhausted_quota_stops_retries_and_says_so() {
    let quota = || RetryQuota::new(7);
    let build = |client: &FakeClient| {
        Executor::builder(Arc::new(client.clone()))
            .random_source(Arc::new(Half))
            .retry_quota(quota())
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build()
    };

    // Error responses come back as responses, marked.
    let client = FakeClient::new([status(503), status(503)]);
    let executor = build(&client);
    let response = executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!((info(&response).attempts, info(&response).quota_exhausted), (2, true));
    assert_eq!(executor.retry_quota().available(), 2);

    // Clones share the quota: the next operation cannot retry at all.
    let next = executor.clone();
    client.script.lock().unwrap().extend([reset()]);
    let error = next.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert_eq!(error.kind(), &TransportErrorKind::RetryQuotaExhausted);
    assert_eq!(error.attempts(), 1);
    assert_eq!(error.last_error().unwrap().kind(), &TransportErrorKind::Io);
    assert_eq!(client.count(), 3);

    // A success refunds one token at a time.
    client.script.lock().unwrap().extend([ok(""), ok(""), ok("")]);
    for _ in 0..3 {
        next.send_collected(&OP, request(), &NoSigning).await.unwrap();
    }
    assert_eq!(executor.retry_quota().available(), 5);
}

#[tokio::test(start_paused = true)]
async fn timeouts_cost_more_quota() {
    let client = FakeClient::new([Step::Hang, ok("")]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .timeouts(TimeoutConfig::new().with_attempt_timeout(Duration::from_secs(1)))
        .retry_quota(RetryQuota::new(100))
        .build();
    let pending = executor.send_collected(&OP, request(), &NoSigning);
    tokio::pin!(pending);
    // Observe the quota while the retry waits: the timeout took 10 tokens.
    tokio::select! {
        _ = &mut pending => panic!("the retry waits for its backoff"),
        _ = tokio::time::sleep(Duration::from_millis(1200)) => {}
    }
    assert_eq!(executor.retry_quota().available(), 90);
    pending.await.unwrap();
    assert_eq!(executor.retry_quota().available(), 100);
}

// ---------------------------------------------------------------- adaptive mode

#[tokio::test(start_paused = true)]
async fn adaptive_mode_slows_down_after_throttling() {
    let client = FakeClient::new([error(429, "ThrottlingException"), ok(""), ok("")]);
    let clock = RecordingClock::default();
    let executor = Executor::builder(Arc::new(client.clone()))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::adaptive())
        .build();
    let limiter = executor.rate_limiter().unwrap();
    assert!(!limiter.is_enabled());

    let start = tokio::time::Instant::now();
    executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert!(limiter.is_enabled());
    // Backoff 0.5 s, then the limiter's empty bucket at 0.5 tokens/s: 2 s for a token.
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(500), Duration::from_millis(1500)]
    );
    assert_eq!(start.elapsed(), Duration::from_secs(2));

    // The next operation also waits for a token, though nothing failed.
    let before = tokio::time::Instant::now();
    executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert!(before.elapsed() > Duration::ZERO);

    // Standard mode has no limiter.
    assert!(self::executor(&client, &clock).rate_limiter().is_none());
}

// ---------------------------------------------------------------- timeouts

#[tokio::test(start_paused = true)]
async fn first_byte_timeout() {
    let client = FakeClient::new([Step::Hang, Step::Hang]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeouts(TimeoutConfig::new().with_first_byte_timeout(Duration::from_secs(5)))
        .build();
    let start = tokio::time::Instant::now();
    let Err(error) = executor.send(&OP, streaming_request(), &NoSigning).await else {
        panic!("expected a timeout")
    };
    assert_eq!(
        error.kind(),
        &TransportErrorKind::Timeout(TimeoutKind::FirstByte(Duration::from_secs(5)))
    );
    assert!(error.is_timeout());
    assert_eq!(error.attempts(), 2);
    assert_eq!(start.elapsed(), Duration::from_millis(10_500));
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_covers_the_whole_body_when_collecting() {
    let slow_body = || Step::Respond {
        status: 200,
        headers: vec![],
        chunks: vec![Ok(Bytes::from_static(b"{"))],
        then_hang: true,
    };
    let client = FakeClient::new([slow_body(), slow_body()]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeouts(TimeoutConfig::new().with_attempt_timeout(Duration::from_secs(3)))
        .build();
    let error = executor.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert_eq!(
        error.kind(),
        &TransportErrorKind::Timeout(TimeoutKind::Attempt(Duration::from_secs(3)))
    );
    assert_eq!(error.attempts(), 2);
}

#[tokio::test(start_paused = true)]
async fn operation_timeout_covers_every_attempt_and_backoff() {
    let client = FakeClient::new([status(503), status(503), Step::Hang]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .random_source(Arc::new(Half))
        .timeouts(TimeoutConfig::new().with_operation_timeout(Duration::from_secs(4)))
        .build();
    let start = tokio::time::Instant::now();
    let error = executor.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert_eq!(
        error.kind(),
        &TransportErrorKind::Timeout(TimeoutKind::Operation(Duration::from_secs(4)))
    );
    assert_eq!(error.attempts(), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(4));
    assert!(error.to_string().contains("operation timeout"), "{error}");
}

// ---------------------------------------------------------------- streams

#[tokio::test(start_paused = true)]
async fn a_stalled_response_stream_fails_and_is_never_retried() {
    let client = FakeClient::new([Step::Respond {
        status: 200,
        headers: vec![("content-type", "application/vnd.amazon.eventstream")],
        chunks: vec![Ok(Bytes::from_static(b"event-1"))],
        then_hang: true,
    }]);
    let executor = Executor::builder(Arc::new(client.clone()))
        .stalled_stream_protection(StalledStreamProtection::default().with_grace_period(Duration::from_secs(10)))
        .build();
    let response = executor.send(&OP, streaming_request(), &NoSigning).await.unwrap();
    assert_eq!(info(&response).attempts, 1);
    let start = tokio::time::Instant::now();
    let mut body = response.into_body();
    let (chunks, error) = read_all(&mut body).await;
    assert_eq!(chunks, [Bytes::from_static(b"event-1")]);
    let error = error.unwrap().downcast::<TransportError>().unwrap();
    assert_eq!(
        error.kind(),
        &TransportErrorKind::StalledStream {
            minimum_throughput: 1,
            grace_period: Duration::from_secs(10)
        }
    );
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(client.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_breaks_after_delivering_events_is_not_retried() {
    let client = FakeClient::new([
        Step::Respond {
            status: 200,
            headers: vec![],
            chunks: vec![Ok(Bytes::from_static(b"event-1")), Err("connection reset".into())],
            then_hang: false,
        },
        ok("must not be requested"),
    ]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor.send(&OP, streaming_request(), &NoSigning).await.unwrap();
    let (chunks, error) = read_all(&mut response.into_body()).await;
    assert_eq!(chunks.len(), 1);
    assert!(error.is_some());
    assert_eq!(client.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn streaming_operations_retry_error_responses_before_the_stream_starts() {
    let client = FakeClient::new([error(429, "ThrottlingException"), ok("event-bytes")]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor.send(&OP, streaming_request(), &NoSigning).await.unwrap();
    assert_eq!(info(&response).attempts, 2);
    let (chunks, failure) = read_all(&mut response.into_body()).await;
    assert!(failure.is_none());
    assert_eq!(chunks, [Bytes::from_static(b"event-bytes")]);

    // A final error response comes back whole, for the operation's parser.
    let client = FakeClient::new([error(400, "ValidationException")]);
    let executor = self::executor(&client, &RecordingClock::default());
    let response = executor.send(&OP, streaming_request(), &NoSigning).await.unwrap();
    assert_eq!(response.status(), 400);
    let (chunks, _) = read_all(&mut response.into_body()).await;
    assert!(std::str::from_utf8(&chunks.concat())
        .unwrap()
        .contains("ValidationException"));
}

#[tokio::test(start_paused = true)]
async fn a_streaming_request_body_gets_one_attempt() {
    struct Chunks(VecDeque<Bytes>);
    impl Stream for Chunks {
        type Item = Result<Bytes, BoxError>;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }
    let client = FakeClient::new([status(503), ok("")]);
    let executor = executor(&client, &RecordingClock::default());
    let body = RequestBody::Stream(Box::pin(Chunks(VecDeque::from([Bytes::from_static(b"input")]))));
    let request = Request::post("https://bedrock-runtime.us-east-1.amazonaws.com/x")
        .body(body)
        .unwrap();
    let response = executor.send(&OP, request, &NoSigning).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(client.count(), 1);
    assert_eq!(client.header(0, "amz-sdk-request"), "attempt=1; max=1");
}

#[tokio::test(start_paused = true)]
async fn a_stalled_body_is_retried_when_collecting_an_idempotent_operation() {
    let stalled = || Step::Respond {
        status: 200,
        headers: vec![],
        chunks: vec![],
        then_hang: true,
    };
    let client = FakeClient::new([stalled(), ok("{}")]);
    let executor = executor(&client, &RecordingClock::default());
    let response = executor
        .send_collected(&OP.with_idempotent(true), request(), &NoSigning)
        .await
        .unwrap();
    assert_eq!(response.body(), "{}");

    let client = FakeClient::new([stalled()]);
    let executor = self::executor(&client, &RecordingClock::default());
    let error = executor.send_collected(&OP, request(), &NoSigning).await.unwrap_err();
    assert!(matches!(error.kind(), TransportErrorKind::StalledStream { .. }));
    assert_eq!(client.count(), 1);
}

// ---------------------------------------------------------------- user agent

#[tokio::test(start_paused = true)]
async fn app_id_is_appended_and_a_caller_user_agent_is_kept() {
    let client = FakeClient::new([ok(""), ok("")]);
    let executor = Executor::builder(Arc::new(client.clone())).app_id("my app/1").build();
    executor.send_collected(&OP, request(), &NoSigning).await.unwrap();
    assert!(client.header(0, "user-agent").ends_with(" app/my-app-1"));

    let mut custom = request();
    custom.headers_mut().insert("user-agent", "custom/1.0".parse().unwrap());
    executor.send_collected(&OP, custom, &NoSigning).await.unwrap();
    assert_eq!(client.header(1, "user-agent"), "custom/1.0");
}

// ---------------------------------------------------------------- tracing

/// A subscriber that writes every span, field and event into one string.
#[derive(Clone, Default)]
struct Capture {
    text: Arc<Mutex<String>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

struct Writer<'a>(&'a mut String);

impl tracing::field::Visit for Writer<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut text = self.text.lock().unwrap();
        text.push_str("\nspan ");
        text.push_str(span.metadata().name());
        span.record(&mut Writer(&mut text));
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        tracing::span::Id::from_u64(id)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut text = self.text.lock().unwrap();
        text.push_str("\nrecord");
        values.record(&mut Writer(&mut text));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = self.text.lock().unwrap();
        text.push_str("\nevent");
        event.record(&mut Writer(&mut text));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(start_paused = true)]
async fn spans_describe_operation_and_attempts_without_secrets() {
    // Global, not scoped: callsite interest is cached process-wide, and a scoped
    // subscriber can miss spans whose callsites other tests' threads hit first.
    let capture = Capture::default();
    tracing::subscriber::set_global_default(capture.clone()).unwrap();
    const OP: OperationInfo = OperationInfo::new("bedrock-runtime", "TracedOperation");

    let client = FakeClient::new([error(503, "ServiceUnavailableException"), ok("{}"), reset(), ok("{}")]);
    let executor = executor(&client, &RecordingClock::default());
    let signer = |request: &mut Request<RequestBody>, _: AttemptInfo| -> Result<(), BoxError> {
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDSECRET/x, Signature=SECRETSIG".parse()?,
        );
        headers.insert("x-amz-security-token", "SECRETTOKEN".parse()?);
        Ok(())
    };
    let mut secret_request = request();
    secret_request
        .headers_mut()
        .insert("x-api-key", "SECRETKEY".parse().unwrap());
    executor.send_collected(&OP, secret_request, &signer).await.unwrap();
    // A connection error before the response, then a success.
    executor.send_collected(&OP, request(), &signer).await.unwrap();

    let text = capture.text.lock().unwrap().clone();
    for expected in [
        "span operation service=\"bedrock-runtime\" operation=\"TracedOperation\"",
        "span attempt attempt=1 max_attempts=3",
        "span attempt attempt=2 max_attempts=3",
        "status=503",
        "status=200",
        "request_id=\"req-err\"",
        "request_id=\"req-ok\"",
        "attempts=2",
        "duration_ms=",
        "retry=\"throttling\"",
        "retry=\"transient\"",
        "message=retrying",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:{text}");
    }
    assert!(!text.contains("SECRET"), "a secret reached a trace:{text}");
}

#[test]
fn transport_errors_never_show_request_headers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let client = FakeClient::new([reset()]);
    let executor = Executor::builder(Arc::new(client))
        .retry_config(RetryConfig::disabled())
        .build();
    let signer = |request: &mut Request<RequestBody>, _: AttemptInfo| -> Result<(), BoxError> {
        request.headers_mut().insert("authorization", "SECRETSIG".parse()?);
        Ok(())
    };
    let error = runtime
        .block_on(executor.send_collected(&OP, request(), &signer))
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("ConnectionReset"), "{shown}");
}

// ---------------------------------------------------------------- clock injection

#[test]
fn a_manual_clock_drives_the_backoff_without_a_runtime() {
    use bedrock_transport::clock::ManualClock;
    let client = FakeClient::new([status(500), status(500), ok("late")]);
    let clock = ManualClock::default();
    let executor = Executor::builder(Arc::new(client.clone()))
        .clock(Arc::new(clock.clone()))
        .random_source(Arc::new(SeededRandom::new(7)))
        .build();
    let mut send = Box::pin(executor.send_collected(&OP, request(), &NoSigning));
    let mut cx = Context::from_waker(std::task::Waker::noop());

    assert!(send.as_mut().poll(&mut cx).is_pending());
    assert_eq!(client.count(), 1);
    let first = clock.sleeps()[0];
    assert!(first < Duration::from_secs(1));
    clock.advance(first - Duration::from_nanos(1));
    assert!(send.as_mut().poll(&mut cx).is_pending());
    assert_eq!(client.count(), 1, "no retry before the backoff has passed");
    clock.advance(Duration::from_nanos(1));
    assert!(send.as_mut().poll(&mut cx).is_pending());
    assert_eq!(client.count(), 2);

    let second = clock.sleeps()[1];
    assert!(second < Duration::from_secs(2));
    clock.advance(second);
    let Poll::Ready(Ok(response)) = send.as_mut().poll(&mut cx) else {
        panic!("the third attempt succeeds")
    };
    assert_eq!(response.body(), "late");
    assert_eq!(clock.elapsed(), first + second);
}

#[test]
fn executors_are_shareable_and_their_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
    assert_shareable::<Executor>();
    let executor = Executor::new(Arc::new(FakeClient::default()));
    assert_send(&executor.send_collected(&OP, request(), &NoSigning));
    assert_send(&executor.send(&OP, streaming_request(), &NoSigning));
}
