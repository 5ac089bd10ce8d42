//! Stalled-stream protection on the upload side of the bidirectional stream, through
//! the executor and the built-in client, against a real HTTP/2 (prior knowledge)
//! hyper server on 127.0.0.1, port 0.
//!
//! The server's flow-control window is small and it reads the request body only
//! when the test says so, so the test decides how fast the upload may go. Time is a
//! `ManualClock`: it moves only when the test advances it, after it has seen the
//! request body hand its chunks to the HTTP stack. Nothing sleeps to synchronise.

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bedrock_transport::clock::ManualClock;
use bedrock_transport::{
    BoxError, Executor, HttpVersionPolicy, HyperClient, NoSigning, OperationInfo, RequestBody, ResponseBody,
    StalledStreamProtection, TransportError, TransportErrorKind,
};
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use hyper::body::{Body, Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

const OP: OperationInfo = OperationInfo::new("bedrock-runtime", "InvokeModelWithBidirectionalStream");
/// The server's HTTP/2 receive window for the request body.
const WINDOW: u32 = 1000;

/// What the server does with the request body.
#[derive(Clone, Copy)]
enum Reading {
    /// Never reads it (and keeps it open), so the client's send window fills up.
    Never,
    /// Reads `WINDOW` bytes per grant from the test and echoes them back.
    OnGrant,
}

struct Server {
    url: String,
    warm_up: String,
    /// Each message lets the server read `WINDOW` more bytes of the request body.
    grants: mpsc::UnboundedSender<()>,
}

async fn start_server(reading: Reading) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/model/m/invoke-with-bidirectional-stream");
    let warm_up = format!("http://{addr}/warm-up");
    let (grants, grant_rx) = mpsc::unbounded_channel::<()>();
    let grant_rx = Arc::new(tokio::sync::Mutex::new(grant_rx));
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else { return };
        // Request bodies and response senders the server holds on to without reading.
        let kept: Arc<Mutex<Vec<Box<dyn Send>>>> = Arc::default();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (tx, rx) = mpsc::unbounded_channel();
            let warm_up = request.uri().path() == "/warm-up";
            let body = request.into_body();
            match reading {
                _ if warm_up => drop(tx),
                Reading::Never => kept.lock().unwrap().push(Box::new((body, tx))),
                Reading::OnGrant => {
                    tokio::spawn(echo_on_grant(body, tx, grant_rx.clone()));
                }
            }
            async move { Ok::<_, Infallible>(Response::new(ChannelBody(rx))) }
        });
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(WINDOW)
            .adaptive_window(false)
            .serve_connection(TokioIo::new(tcp), service)
            .await;
    });
    Server { url, warm_up, grants }
}

/// Reads the request body `WINDOW` bytes per grant (which gives the client that much
/// window back) and echoes what it read.
async fn echo_on_grant(
    mut body: Incoming,
    tx: mpsc::UnboundedSender<Bytes>,
    grants: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<()>>>,
) {
    let mut grants = grants.lock().await;
    let mut budget = 0usize;
    loop {
        while budget == 0 {
            if grants.recv().await.is_none() {
                return;
            }
            budget += WINDOW as usize;
        }
        match poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    budget = budget.saturating_sub(data.len());
                    let _ = tx.send(data);
                }
            }
            // The end of the request (or its reset) ends the response.
            _ => return,
        }
    }
}

/// A response body fed from a channel.
struct ChannelBody(mpsc::UnboundedReceiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.get_mut().0.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

/// A request body that always has its next chunk ready (`chunks` of `size` bytes),
/// and publishes how many chunks the HTTP stack has taken.
struct EagerBody {
    size: usize,
    left: usize,
    taken: watch::Sender<usize>,
}

impl Stream for EagerBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        this.left -= 1;
        this.taken.send_modify(|n| *n += 1);
        Poll::Ready(Some(Ok(Bytes::from(vec![b'a'; this.size]))))
    }
}

fn eager_body(chunks: usize, size: usize) -> (RequestBody, watch::Receiver<usize>) {
    let (taken, rx) = watch::channel(0);
    let body = EagerBody {
        size,
        left: chunks,
        taken,
    };
    (RequestBody::Stream(Box::pin(body)), rx)
}

/// An executor whose pooled HTTP/2 connection to `server` is already open: its
/// first exchange took the server's settings (the small window) on board, so the
/// upload under test starts with them.
async fn executor(server: &Server, clock: &ManualClock, protection: StalledStreamProtection) -> Executor {
    let client = HyperClient::builder()
        .http_versions(HttpVersionPolicy::Http2Only)
        .build()
        .unwrap();
    let executor = Executor::builder(Arc::new(client))
        .clock(Arc::new(clock.clone()))
        .stalled_stream_protection(protection)
        .build();
    let warm_up = Request::get(&server.warm_up).body(Bytes::new()).unwrap();
    let response = soon("the warm-up", executor.send_collected(&OP, warm_up, &NoSigning))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    executor
}

/// Bounds a wait on the network, so a broken test fails instead of hanging.
async fn soon<F: Future>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

async fn taken_at_least(taken: &mut watch::Receiver<usize>, n: usize) {
    soon("the HTTP stack to take a chunk", taken.wait_for(|t| *t >= n))
        .await
        .unwrap();
}

async fn next_chunk(body: &mut ResponseBody) -> Option<Result<Bytes, BoxError>> {
    soon("the response", poll_fn(|cx| body.as_mut().poll_next(cx))).await
}

fn kind_of(error: BoxError) -> TransportErrorKind {
    match error.downcast::<TransportError>() {
        Ok(error) => error.kind().clone(),
        Err(other) => panic!("not a TransportError: {other:?}"),
    }
}

#[tokio::test]
async fn an_upload_the_server_stops_reading_fails_with_stalled_upload() {
    let server = start_server(Reading::Never).await;
    let clock = ManualClock::default();
    let executor = executor(&server, &clock, StalledStreamProtection::default()).await;
    // Chunks far larger than the server's window: the stack takes one it can only
    // partly send, holds the next, and then waits for window that never comes.
    let (body, mut taken) = eager_body(usize::MAX, 16 * 1024);
    let request = Request::post(&server.url).body(body).unwrap();
    let response = executor.send(&OP, request, &NoSigning).await.unwrap();
    assert_eq!(response.status(), 200);
    taken_at_least(&mut taken, 2).await;
    let taken_before = *taken.borrow();

    clock.advance(Duration::from_secs(19));
    let mut body = response.into_body();
    let pending = poll_fn(|cx| Poll::Ready(body.as_mut().poll_next(cx).is_pending())).await;
    assert!(pending, "no stall before the grace period is over");
    clock.advance(Duration::from_secs(1));
    let error = next_chunk(&mut body).await.unwrap().unwrap_err();
    let message = error.to_string();
    assert_eq!(
        kind_of(error),
        TransportErrorKind::StalledUpload {
            minimum_throughput: 1,
            grace_period: Duration::from_secs(20)
        }
    );
    assert!(message.contains("request stream stalled"), "{message}");
    assert!(next_chunk(&mut body).await.is_none(), "the stream ends after the error");
    assert_eq!(*taken.borrow(), taken_before, "the stack took nothing more");
}

/// Runs an upload of `chunks` × `WINDOW` bytes the server reads at `WINDOW` bytes
/// per second of the manual clock, with the given floor and a 5 s grace period;
/// returns the echoed byte count, or the error and when it came.
async fn upload_at_a_thousand_bytes_a_second(
    chunks: usize,
    minimum_throughput: u64,
) -> Result<usize, (TransportErrorKind, Duration)> {
    let server = start_server(Reading::OnGrant).await;
    let clock = ManualClock::default();
    let protection = StalledStreamProtection::default()
        .with_minimum_throughput(minimum_throughput)
        .with_grace_period(Duration::from_secs(5));
    let executor = executor(&server, &clock, protection).await;
    let (body, mut taken) = eager_body(chunks, WINDOW as usize);
    let request = Request::post(&server.url).body(body).unwrap();
    let response = executor.send(&OP, request, &NoSigning).await.unwrap();
    let mut body = response.into_body();
    // The first chunk fills the window, the stack holds the second.
    taken_at_least(&mut taken, 2.min(chunks)).await;
    let mut echoed = 0;
    for i in 0..chunks {
        server.grants.send(()).unwrap();
        // Read the echo of chunk `i`; the response is polled meanwhile, which is
        // where an upload stall is noticed.
        while echoed < (i + 1) * WINDOW as usize {
            match next_chunk(&mut body).await {
                Some(Ok(bytes)) => echoed += bytes.len(),
                Some(Err(error)) => return Err((kind_of(error), clock.elapsed())),
                None => panic!("the response ended early"),
            }
        }
        // The read gave the client window back: it sends the held chunk and takes
        // the next one, all at this instant of the manual clock.
        taken_at_least(&mut taken, (i + 3).min(chunks)).await;
        clock.advance(Duration::from_secs(1));
    }
    // Let the server read the end of the request, which ends the response.
    server.grants.send(()).unwrap();
    match next_chunk(&mut body).await {
        None => Ok(echoed),
        Some(other) => panic!("expected the end of the response, got {other:?}"),
    }
}

#[tokio::test]
async fn a_slow_upload_above_the_floor_succeeds() {
    // 1000 B/s against a 400 B/s floor, for 12 s: more than twice the grace period.
    let echoed = upload_at_a_thousand_bytes_a_second(12, 400).await;
    assert_eq!(echoed, Ok(12 * WINDOW as usize));
}

#[tokio::test]
async fn the_same_upload_below_the_floor_stalls_after_the_grace_period() {
    // The same exchange against a 2000 B/s floor: too slow from the first second on.
    let error = upload_at_a_thousand_bytes_a_second(12, 2000).await.unwrap_err();
    assert_eq!(
        error,
        (
            TransportErrorKind::StalledUpload {
                minimum_throughput: 2000,
                grace_period: Duration::from_secs(5)
            },
            Duration::from_secs(5)
        )
    );
}
