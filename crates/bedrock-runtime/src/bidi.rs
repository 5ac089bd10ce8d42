//! `InvokeModelWithBidirectionalStream`: input events up an HTTP/2 request body while output
//! events come down the response.
//!
//! The request body is a [`RequestBody::Stream`] fed by an [`EventSender`]. With SigV4, the
//! HTTP request is signed with the streaming-events payload hash and every message is wrapped
//! in an outer message signed with the chained signature ([`EventStreamSigner`]); the end of
//! the input is an empty signed message. With an API key, messages go unsigned and the end of
//! the input is the end of the body.
//!
//! Stalled-stream protection: the upload side stays as configured (the HTTP stack not taking
//! the body is a stall; the caller not sending is not). The download side is turned off for
//! this operation: a model that waits for the user (a voice model between turns) is silent
//! for as long as the user is, which is not a stall. See `docs/decisions/0004-aws-smithy-runtime.md`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bedrock_auth::provider::SharedCredentialsProvider;
use bedrock_auth::{EventStreamSigner, SystemClock};
use bedrock_config::{Config, SdkError, ServiceClient, Signing};
use bedrock_runtime_types::error::InvokeModelWithBidirectionalStreamError;
use bedrock_runtime_types::event_stream::{
    InvokeModelWithBidirectionalStreamInput, InvokeModelWithBidirectionalStreamOutput,
};
use bedrock_runtime_types::operation::InvokeModelWithBidirectionalStream;
use bedrock_runtime_types::types::{
    InvokeModelWithBidirectionalStreamRequest, InvokeModelWithBidirectionalStreamResponse,
};
use bedrock_transport::executor::{AttemptInfo, AttemptResponse, SignFuture};
use bedrock_transport::{BoxError, RequestBody, ResponseBody};
use bedrock_wire::event_stream::Message;
use bedrock_wire::BuildError;
use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};

use crate::stream::{BidirectionalStreamReceiver, EventReceiver};

/// How many encoded input events may wait for the HTTP stack before
/// [`EventSender::send`] waits.
const INPUT_BUFFER: usize = 16;

/// A call of `InvokeModelWithBidirectionalStream`, ready to start: `.await` it (or
/// [`send`](Self::send)), after changing settings for this call only with
/// [`customize`](Self::customize).
///
/// It resolves once the response head arrives. The service may wait for the first input
/// events before answering: queue them with [`sender`](Self::sender) before awaiting.
#[must_use = "a call does nothing until it is awaited"]
pub struct BidirectionalStreamCall {
    client: ServiceClient,
    input: InvokeModelWithBidirectionalStreamRequest,
    sender: Option<EventSender>,
    events: mpsc::Receiver<Message>,
}

impl BidirectionalStreamCall {
    pub(crate) fn new(client: ServiceClient, input: InvokeModelWithBidirectionalStreamRequest) -> Self {
        let (tx, rx) = mpsc::channel(INPUT_BUFFER);
        BidirectionalStreamCall {
            client,
            input,
            sender: Some(EventSender { tx: Some(tx) }),
            events: rx,
        }
    }

    /// Changes the configuration for this call only.
    pub fn customize(mut self, f: impl FnOnce(&Config) -> Config) -> Self {
        self.client = self.client.with_config(f);
        self
    }

    /// Takes the sender half before the call is sent, to queue the first events (up to 16
    /// wait without blocking). The [`BidirectionalStream`] then has no sender. `None` if it
    /// was already taken.
    pub fn sender(&mut self) -> Option<EventSender> {
        self.sender.take()
    }

    /// Sends the request and waits for the response head. A request refused before the
    /// stream starts (validation, auth, throttling) is a typed error here; retries are not
    /// made, since the input cannot be replayed.
    pub async fn send(self) -> Result<BidirectionalStream, SdkError<InvokeModelWithBidirectionalStreamError>> {
        type Op = InvokeModelWithBidirectionalStream;
        let client = without_download_stall_protection(&self.client);
        let request = client.build_request::<Op>(self.input)?;
        let (cancel_tx, cancel_rx) = oneshot::channel();
        let (signer_tx, signer_rx) = oneshot::channel();
        let body = InputBody {
            signer: SignerState::Waiting(signer_rx),
            events: self.events,
            cancel: cancel_rx,
            done: false,
        };
        let request = request.map(|_| RequestBody::Stream(Box::pin(body)));
        let signing = BidiSigning::new(client.signing(), client.config().credentials_provider(), signer_tx);
        let response = client.send_streaming_signed::<Op>(request, &signing).await?;
        let (parts, body) = response.into_parts();
        let output = crate::streaming::parse_head::<Op>(&parts)?;
        let body: ResponseBody = Box::pin(GuardedBody {
            body,
            _cancel: cancel_tx,
        });
        Ok(BidirectionalStream {
            sender: self.sender,
            receiver: EventReceiver::new(body, InvokeModelWithBidirectionalStreamOutput::from_message),
            response: output,
            headers: parts.headers,
        })
    }
}

/// The same client with download-stall protection off (see the module docs).
fn without_download_stall_protection(client: &ServiceClient) -> ServiceClient {
    let protection = *client.config().stalled_stream_protection();
    if !protection.download_enabled() {
        return client.clone();
    }
    client.with_config(|c| c.with_stalled_stream_protection(protection.with_download_enabled(false)))
}

impl IntoFuture for BidirectionalStreamCall {
    type Output = Result<BidirectionalStream, SdkError<InvokeModelWithBidirectionalStreamError>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl fmt::Debug for BidirectionalStreamCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BidirectionalStreamCall")
            .field("input", &self.input)
            .field("sender_taken", &self.sender.is_none())
            .finish_non_exhaustive()
    }
}

/// A started bidirectional stream: send input events with [`sender`](Self::sender), read
/// output events from [`receiver`](Self::receiver). The halves can move to different tasks.
///
/// Ending it: [`EventSender::close`] (or dropping the sender) ends the input cleanly (with the
/// signed end frame under SigV4) and the service then finishes its answer, which ends the
/// receiver. Dropping the receiver ends the whole exchange at once: the request is reset and
/// further sends fail with [`SendError::Closed`]. The service ending its side ends the
/// receiver; a modeled exception arrives as a typed
/// [`StreamError::Exception`](crate::stream::StreamError::Exception).
///
// Compiled, not run: it needs a speech-to-speech model session over HTTP/2.
/// ```no_run
/// # async fn f(client: bedrock_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use bedrock_runtime::event_stream::InvokeModelWithBidirectionalStreamInput as Input;
/// use bedrock_runtime::types::{BidirectionalInputPayloadPart, InvokeModelWithBidirectionalStreamRequest};
///
/// let chunk = |json: &str| Input::Chunk(BidirectionalInputPayloadPart::new().with_bytes(bedrock_runtime::Blob::new(json)));
/// let mut call = client.invoke_model_with_bidirectional_stream(
///     InvokeModelWithBidirectionalStreamRequest::new("amazon.nova-sonic-v1:0"),
/// );
/// let mut sender = call.sender().expect("not taken yet");
/// sender.send(chunk(r#"{"event":{"sessionStart":{}}}"#)).await?; // queued before the head
/// let mut stream = call.await?;
/// tokio::spawn(async move {
///     // ... more events, from the microphone ...
///     sender.close(); // the end of the input (the signed end frame under SigV4)
/// });
/// while let Some(event) = stream.receiver.recv().await? {
///     println!("{event:?}");
/// }
/// # Ok(()) }
/// ```
#[non_exhaustive]
pub struct BidirectionalStream {
    /// The input half; `None` if it was taken with [`BidirectionalStreamCall::sender`].
    pub sender: Option<EventSender>,
    /// The output events.
    pub receiver: BidirectionalStreamReceiver,
    /// The modeled members of the response head (none today).
    pub response: InvokeModelWithBidirectionalStreamResponse,
    /// The response headers as received.
    pub headers: http::HeaderMap,
}

impl BidirectionalStream {
    /// The request id (`x-amzn-requestid`).
    pub fn request_id(&self) -> Option<&str> {
        self.headers.get("x-amzn-requestid").and_then(|v| v.to_str().ok())
    }

    /// Splits into the sender (if not taken before) and the receiver.
    pub fn into_parts(self) -> (Option<EventSender>, BidirectionalStreamReceiver) {
        (self.sender, self.receiver)
    }
}

impl fmt::Debug for BidirectionalStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BidirectionalStream")
            .field("sender", &self.sender)
            .field("receiver", &self.receiver)
            .field("request_id", &self.request_id())
            .finish_non_exhaustive()
    }
}

/// The input half of a bidirectional stream.
///
/// Events are encoded when sent (an event these models cannot encode is refused at once) and
/// signed as the HTTP stack takes them. Up to 16 wait for the stack; beyond that `send` waits,
/// which is the stream's back-pressure.
pub struct EventSender {
    tx: Option<mpsc::Sender<Message>>,
}

impl EventSender {
    /// Sends one input event.
    pub async fn send(&mut self, event: InvokeModelWithBidirectionalStreamInput) -> Result<(), SendError> {
        let message = event.to_message().map_err(SendError::Encode)?;
        let tx = self.tx.as_ref().ok_or(SendError::Closed)?;
        tx.send(message).await.map_err(|_| SendError::Closed)
    }

    /// Ends the input: under SigV4 the signed empty message is sent, then the request body
    /// ends. The service answers what is pending and ends the output. Dropping the sender does
    /// the same.
    pub fn close(&mut self) {
        self.tx = None;
    }

    /// Whether the input was closed here, or the exchange is over (the receiver was dropped,
    /// the service or the connection ended the request).
    pub fn is_closed(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_closed())
    }
}

impl fmt::Debug for EventSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Why an input event was not sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The event cannot be encoded (an `Unknown` event of a newer model).
    Encode(BuildError),
    /// The input is closed: [`EventSender::close`] was called, the receiver was dropped, or the
    /// service or the connection ended the request (the receiver says why).
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Encode(e) => write!(f, "the input event could not be encoded: {e}"),
            SendError::Closed => f.write_str(
                "the bidirectional stream's input is closed (closed by the caller, or the exchange ended: read the \
                 receiver for why)",
            ),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Encode(e) => Some(e),
            SendError::Closed => None,
        }
    }
}

/// The transport signer of the bidirectional request: signs the HTTP request (SigV4 with the
/// streaming payload hash, or the bearer key) and hands the event signer to the body.
struct BidiSigning {
    auth: BidiAuth,
    signer_tx: Mutex<Option<oneshot::Sender<Option<EventStreamSigner>>>>,
}

enum BidiAuth {
    SigV4 {
        signing: bedrock_auth::SigV4Signing,
        credentials: SharedCredentialsProvider,
    },
    Bearer(bedrock_auth::BearerSigning),
    /// SigV4 signing with no credentials provider in the configuration: cannot happen with
    /// a `ServiceClient` built from a `Config`; refused rather than sent unsigned.
    Missing,
}

impl BidiSigning {
    fn new(
        signing: &Signing,
        credentials: Option<&SharedCredentialsProvider>,
        signer_tx: oneshot::Sender<Option<EventStreamSigner>>,
    ) -> Self {
        let auth = match (signing, credentials) {
            (Signing::SigV4(signing), Some(credentials)) => BidiAuth::SigV4 {
                signing: signing.clone(),
                credentials: credentials.clone(),
            },
            (Signing::Bearer(bearer), _) => BidiAuth::Bearer(bearer.clone()),
            _ => BidiAuth::Missing,
        };
        BidiSigning {
            auth,
            signer_tx: Mutex::new(Some(signer_tx)),
        }
    }

    fn hand_over(&self, signer: Option<EventStreamSigner>) {
        let tx = self.signer_tx.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(tx) = tx {
            // The body is gone only if the request was dropped; nothing to sign then.
            let _ = tx.send(signer);
        }
    }
}

#[derive(Debug)]
struct MissingCredentials;

impl fmt::Display for MissingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigV4 signing without a credentials provider")
    }
}

impl std::error::Error for MissingCredentials {}

impl bedrock_transport::Signer for BidiSigning {
    fn sign<'a>(&'a self, request: &'a mut http::Request<RequestBody>, attempt: AttemptInfo) -> SignFuture<'a> {
        Box::pin(async move {
            match &self.auth {
                BidiAuth::SigV4 { signing, credentials } => {
                    use bedrock_auth::ProvideCredentials as _;
                    let credentials = credentials.provide_credentials().await?;
                    let signer = signing.signer();
                    let seed = signer.sign_event_stream_request(request, &credentials, attempt.system_time)?;
                    let mut events = EventStreamSigner::new(
                        seed,
                        credentials,
                        signer.name(),
                        signer.region(),
                        Arc::new(SystemClock),
                    );
                    if let Some(skew) = signer.clock_skew() {
                        events = events.with_clock_skew(skew.clone());
                    }
                    self.hand_over(Some(events));
                    Ok(())
                }
                BidiAuth::Bearer(bearer) => {
                    bedrock_transport::Signer::sign(bearer, request, attempt).await?;
                    self.hand_over(None);
                    Ok(())
                }
                BidiAuth::Missing => Err(Box::new(MissingCredentials) as BoxError),
            }
        })
    }

    fn observe_response(&self, response: &AttemptResponse<'_>) -> bool {
        match &self.auth {
            BidiAuth::SigV4 { signing, .. } => bedrock_transport::Signer::observe_response(signing, response),
            _ => false,
        }
    }
}

enum SignerState {
    /// Until the request is signed: `Some` signer under SigV4, `None` unsigned.
    Waiting(oneshot::Receiver<Option<EventStreamSigner>>),
    Ready(Option<EventStreamSigner>),
}

/// The request body: input messages, signed and encoded as the HTTP stack polls.
struct InputBody {
    signer: SignerState,
    events: mpsc::Receiver<Message>,
    cancel: oneshot::Receiver<()>,
    done: bool,
}

#[derive(Debug)]
struct BodyError(String);

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BodyError {}

fn body_error(text: impl Into<String>) -> Poll<Option<Result<Bytes, BoxError>>> {
    Poll::Ready(Some(Err(Box::new(BodyError(text.into())))))
}

impl Stream for InputBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        // The receiver was dropped: reset the request rather than end it cleanly.
        if Pin::new(&mut this.cancel).poll(cx).is_ready() {
            this.done = true;
            return body_error("the receiver of the bidirectional stream was dropped");
        }
        if let SignerState::Waiting(rx) = &mut this.signer {
            match Pin::new(rx).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(signer)) => this.signer = SignerState::Ready(signer),
                Poll::Ready(Err(_)) => {
                    this.done = true;
                    return body_error("the request was not signed");
                }
            }
        }
        let SignerState::Ready(signer) = &mut this.signer else {
            return Poll::Pending;
        };
        let message = match this.events.poll_recv(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(message)) => match signer {
                Some(signer) => signer.sign_message(&message),
                None => Ok(message),
            },
            Poll::Ready(None) => {
                this.done = true;
                match signer {
                    Some(signer) => signer.finish(),
                    None => return Poll::Ready(None),
                }
            }
        };
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                this.done = true;
                return body_error(format!("an input event could not be signed: {e}"));
            }
        };
        match bedrock_transport::event_stream::encode(&message) {
            Ok(bytes) => Poll::Ready(Some(Ok(bytes))),
            Err(e) => {
                this.done = true;
                body_error(format!("an input event could not be encoded: {e}"))
            }
        }
    }
}

/// The response body, holding the token whose drop resets the request body.
struct GuardedBody {
    body: ResponseBody,
    _cancel: oneshot::Sender<()>,
}

impl Stream for GuardedBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.body.as_mut().poll_next(cx)
    }
}
