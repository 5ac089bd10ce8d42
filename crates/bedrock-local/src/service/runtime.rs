//! The Bedrock Runtime operations over HTTP: parse with the generated server side, validate,
//! answer with [`crate::runtime`] (or the control plane for stored guardrails), serialize.
//!
//! Routing happens in one place, [`RuntimeService::call`]: the core [`Router`] sends every
//! runtime operation here (so the request log names it), and the generated
//! `bedrock_runtime_types::server::route` gives the operation and its URI labels,
//! percent-decoded as the service decodes them (an ARN model id arrives with `%3A` and `%2F`).

use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use aws_smithy_types::event_stream::Message;
use bedrock_runtime_types::error::{ApplyGuardrailError, InvokeModelWithBidirectionalStreamError, ValidationException};
use bedrock_runtime_types::event_stream::{
    InvokeModelWithBidirectionalStreamInput, InvokeModelWithBidirectionalStreamOutputError,
};
use bedrock_runtime_types::operation::{
    ApplyGuardrail, Converse, ConverseStream, CountTokens, GetAsyncInvoke, InvokeGuardrailChecks, InvokeModel,
    InvokeModelWithBidirectionalStream, InvokeModelWithResponseStream, ListAsyncInvokes, StartAsyncInvoke,
};
use bedrock_runtime_types::server::{route, RuntimeOperation};
use bedrock_runtime_types::types::{
    ConverseStreamResponse, GuardrailAction, GuardrailConfiguration, GuardrailContentBlock, GuardrailContentSource,
    GuardrailTextBlock, GuardrailTrace, GuardrailTraceAssessment, InvokeModelWithBidirectionalStreamResponse,
    InvokeModelWithResponseStreamResponse,
};
use bedrock_wire::server::{error_response, Labels, RequestError, ServerOperation};
use bedrock_wire::{BuildError, Validate};
use bytes::Bytes;
use futures_util::StreamExt;

use super::Emulator;
use crate::clock::Clock;
use crate::control::ControlPlane;
use crate::runtime::{
    self as model, AsyncInvokeStore, GuardrailEvaluator, GuardrailSource, GuardrailVerdict, RuntimeError, Timed,
};
use crate::server::{event_channel, BoxError, BoxFuture, Request, Response, ResponseBody, Router, Service};

/// How many output events a bidirectional stream buffers before it waits for the client.
const DUPLEX_BUFFER: usize = 16;

/// Registers every runtime operation on `router`, answered by `emulator`.
pub fn register(mut router: Router, emulator: Emulator) -> Router {
    let service = Arc::new(RuntimeService { emulator });
    for operation in RuntimeOperation::ALL {
        let service = service.clone();
        router = match router.operation(operation.name(), move |request| service.call(request)) {
            Ok(router) => router,
            // Every name in `RuntimeOperation::ALL` is in the core's table (a test checks it).
            Err(error) => unreachable!("runtime operation missing from the core's table: {error}"),
        };
    }
    router
}

/// The handler of every runtime operation.
#[derive(Debug)]
pub struct RuntimeService {
    emulator: Emulator,
}

impl Service for Arc<RuntimeService> {
    fn call(&self, request: Request) -> BoxFuture<Response> {
        RuntimeService::call(self, request)
    }
}

impl RuntimeService {
    /// Answers one runtime request.
    pub fn call(self: &Arc<Self>, request: Request) -> BoxFuture<Response> {
        let this = self.clone();
        Box::pin(async move { this.answer(request).await })
    }

    async fn answer(&self, request: Request) -> Response {
        let request_id = request.request_id().to_owned();
        let target = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), |p| p.as_str().to_owned());
        let Some((operation, labels)) = route(request.method(), &target) else {
            return crate::wire::ServiceError::unknown_operation().into();
        };
        if operation == RuntimeOperation::InvokeModelWithBidirectionalStream {
            return self.bidirectional(request, &labels, &request_id).await;
        }
        let http = match request.into_http().await {
            Ok(http) => http,
            Err(_) => return crate::wire::ServiceError::validation("The request body could not be read.").into(),
        };
        let e = &self.emulator;
        let rid = request_id.as_str();
        match operation {
            RuntimeOperation::Converse => unary::<Converse>(&http, &labels, rid, |input| {
                let config = input.guardrail_config.as_ref();
                check_guardrail(
                    &e.plane,
                    config.and_then(|c| c.guardrail_identifier.as_deref()),
                    config.and_then(|c| c.guardrail_version.as_deref()),
                )?;
                let guardrails = PlaneGuardrails(&e.plane);
                model::converse(&e.registry, &input, Some(&guardrails)).map_err(Into::into)
            }),
            RuntimeOperation::InvokeModel => unary::<InvokeModel>(&http, &labels, rid, |input| {
                check_guardrail(
                    &e.plane,
                    input.guardrail_identifier.as_deref(),
                    input.guardrail_version.as_deref(),
                )?;
                let guardrails = PlaneGuardrails(&e.plane);
                model::invoke_model(&e.registry, &input, Some(&guardrails)).map_err(Into::into)
            }),
            RuntimeOperation::CountTokens => unary::<CountTokens>(&http, &labels, rid, |input| {
                model::count_tokens(&e.registry, &input).map_err(Into::into)
            }),
            RuntimeOperation::ApplyGuardrail => {
                unary::<ApplyGuardrail>(&http, &labels, rid, |input| e.plane.apply_guardrail_request(&input))
            }
            RuntimeOperation::StartAsyncInvoke => unary::<StartAsyncInvoke>(&http, &labels, rid, |input| {
                jobs(e).start(&e.registry, &input).map_err(Into::into)
            }),
            RuntimeOperation::GetAsyncInvoke => {
                unary::<GetAsyncInvoke>(&http, &labels, rid, |input| jobs(e).get(&input).map_err(Into::into))
            }
            RuntimeOperation::ListAsyncInvokes => {
                unary::<ListAsyncInvokes>(&http, &labels, rid, |input| jobs(e).list(&input).map_err(Into::into))
            }
            RuntimeOperation::InvokeGuardrailChecks => unary::<InvokeGuardrailChecks>(&http, &labels, rid, |input| {
                model::invoke_guardrail_checks(&input).map_err(Into::into)
            }),
            RuntimeOperation::ConverseStream => {
                let input = match parse::<ConverseStream>(&http, &labels, rid) {
                    Ok(input) => input,
                    Err(response) => return *response,
                };
                let config = input.guardrail_config.as_ref();
                let guardrails = PlaneGuardrails(&e.plane);
                let answer = check_guardrail(
                    &e.plane,
                    config.and_then(|c| c.guardrail_identifier.as_deref()),
                    config.and_then(|c| c.guardrail_version.as_deref()),
                )
                .and_then(|()| model::converse_stream(&e.registry, &input, Some(&guardrails)));
                match answer {
                    Ok(events) => stream_response::<ConverseStream, _>(
                        &ConverseStreamResponse::new(),
                        rid,
                        events,
                        |event| event.to_message(),
                        e.clock.clone(),
                    ),
                    Err(error) => ConverseStream::build_error(&error.into(), rid).into(),
                }
            }
            RuntimeOperation::InvokeModelWithResponseStream => {
                let input = match parse::<InvokeModelWithResponseStream>(&http, &labels, rid) {
                    Ok(input) => input,
                    Err(response) => return *response,
                };
                let guardrails = PlaneGuardrails(&e.plane);
                let answer = check_guardrail(
                    &e.plane,
                    input.guardrail_identifier.as_deref(),
                    input.guardrail_version.as_deref(),
                )
                .and_then(|()| model::invoke_model_stream(&e.registry, &input, Some(&guardrails)));
                match answer {
                    Ok(events) => stream_response::<InvokeModelWithResponseStream, _>(
                        &InvokeModelWithResponseStreamResponse::new("application/json"),
                        rid,
                        events,
                        |event| event.to_message(),
                        e.clock.clone(),
                    ),
                    Err(error) => InvokeModelWithResponseStream::build_error(&error.into(), rid).into(),
                }
            }
            // Answered above, before the body is collected; never reached.
            RuntimeOperation::InvokeModelWithBidirectionalStream => crate::wire::ServiceError::internal().into(),
        }
    }

    /// InvokeModelWithBidirectionalStream: the request body stays streaming; each input frame is
    /// decoded, fed to a [`model::DuplexSession`], and its outputs are sent as they come.
    async fn bidirectional(&self, request: Request, labels: &Labels, request_id: &str) -> Response {
        type Op = InvokeModelWithBidirectionalStream;
        let Request { parts, body, .. } = request;
        let mut head = http::Request::new(Bytes::new());
        *head.method_mut() = parts.method.clone();
        *head.uri_mut() = parts.uri.clone();
        *head.headers_mut() = parts.headers.clone();
        let input = match parse::<Op>(&head, labels, request_id) {
            Ok(input) => input,
            Err(response) => return *response,
        };
        let mut session = match model::DuplexSession::new(&self.emulator.registry, &input.model_id) {
            Ok(session) => session,
            Err(error) => {
                let error: InvokeModelWithBidirectionalStreamError = error.into();
                return Op::build_error(&error, request_id).into();
            }
        };
        let initial = match Op::build_response(&InvokeModelWithBidirectionalStreamResponse::new()) {
            Ok(initial) => initial,
            Err(_) => return crate::wire::ServiceError::internal().into(),
        };
        let (tx, rx) = event_channel(DUPLEX_BUFFER);
        tokio::spawn(async move {
            let mut inputs = body.into_messages();
            while let Some(message) = inputs.next().await {
                // A SigV4 client wraps each message in a signed envelope (`:chunk-signature`,
                // `:date`, the encoded message as payload) and ends with an empty one. The
                // signatures themselves are not checked (see docs/bedrock-local.md).
                let message = match message.map(unwrap_signed_envelope) {
                    Ok(Envelope::End) => return,
                    Ok(Envelope::Message(message)) => Ok(message),
                    Err(error) => Err(error),
                };
                let outputs = match message {
                    Ok(message) => match InvokeModelWithBidirectionalStreamInput::from_message(&message) {
                        Ok(input) => session.on_input(&input).map_err(|e| e.message().to_owned()),
                        Err(error) => Err(format!("The input event could not be read: {error}")),
                    },
                    Err(error) => Err(format!("The input stream could not be read: {error}")),
                };
                let outputs = match outputs {
                    Ok(outputs) => outputs,
                    Err(message) => {
                        let exception = InvokeModelWithBidirectionalStreamOutputError::ValidationException(
                            ValidationException::new().with_message(message),
                        );
                        if let Ok(frame) = exception.to_message() {
                            let _ = tx.send(frame).await;
                        }
                        return;
                    }
                };
                for output in outputs {
                    let Ok(frame) = output.to_message() else { return };
                    if tx.send(frame).await.is_err() {
                        return; // the client went away
                    }
                }
                if session.is_finished() {
                    return;
                }
            }
        });
        with_body(initial, ResponseBody::Events(Box::pin(rx)))
    }
}

/// An input message of an event-stream upload, out of its signed envelope if it has one.
enum Envelope {
    Message(Message),
    /// The empty signed message that ends a signed upload.
    End,
}

fn unwrap_signed_envelope(message: Message) -> Envelope {
    let signed = message
        .headers()
        .iter()
        .any(|h| h.name().as_str() == ":chunk-signature");
    if !signed {
        return Envelope::Message(message);
    }
    if message.payload().is_empty() {
        return Envelope::End;
    }
    let mut decoder = bedrock_transport::event_stream::MessageDecoder::new();
    decoder.push(message.payload().clone());
    decoder.finish();
    match decoder.decode() {
        Ok(Some(inner)) => Envelope::Message(inner),
        // Not a message inside: hand the envelope on, which fails as an unreadable event.
        _ => Envelope::Message(message),
    }
}

/// A named guardrail (and version) must exist: the error the service answers otherwise.
fn check_guardrail(plane: &ControlPlane, identifier: Option<&str>, version: Option<&str>) -> Result<(), RuntimeError> {
    let Some(identifier) = identifier.filter(|id| !id.is_empty()) else {
        return Ok(());
    };
    let version = version.filter(|v| !v.is_empty()).unwrap_or("DRAFT");
    match plane.apply_guardrail(identifier, version, &GuardrailContentSource::Input, &[]) {
        Ok(_) => Ok(()),
        Err(ApplyGuardrailError::ResourceNotFoundException(e)) => Err(RuntimeError::ResourceNotFound(
            e.message.unwrap_or_else(|| GUARDRAIL_NOT_FOUND.to_owned()),
        )),
        Err(ApplyGuardrailError::ValidationException(e)) => Err(RuntimeError::validation(
            e.message.unwrap_or_else(|| GUARDRAIL_NOT_FOUND.to_owned()),
        )),
        Err(_) => Ok(()),
    }
}

const GUARDRAIL_NOT_FOUND: &str = "The guardrail identifier or version provided in the request does not exist.";

fn jobs(emulator: &Emulator) -> MutexGuard<'_, AsyncInvokeStore> {
    emulator.async_invokes.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads and validates an operation's input, or answers the error the service would.
fn parse<Op>(request: &http::Request<Bytes>, labels: &Labels, request_id: &str) -> Result<Op::Input, Box<Response>>
where
    Op: ServerOperation,
    Op::Input: Validate,
{
    let input = Op::parse_request(request, labels).map_err(|bad| Box::new(bad.to_response(request_id).into()))?;
    input
        .validate()
        .map_err(|violations| Box::new(RequestError::constraints(&violations).to_response(request_id).into()))?;
    Ok(input)
}

/// Parse, validate, answer, serialize: an operation with a plain JSON response.
fn unary<Op>(
    request: &http::Request<Bytes>,
    labels: &Labels,
    request_id: &str,
    answer: impl FnOnce(Op::Input) -> Result<Op::Output, Op::Error>,
) -> Response
where
    Op: ServerOperation,
    Op::Input: Validate,
{
    let input = match parse::<Op>(request, labels, request_id) {
        Ok(input) => input,
        Err(response) => return *response,
    };
    match answer(input) {
        Ok(output) => match Op::build_response(&output) {
            Ok(response) => response.into(),
            Err(_) => build_failure(request_id),
        },
        Err(error) => Op::build_error(&error, request_id).into(),
    }
}

fn build_failure(request_id: &str) -> Response {
    error_response(
        500,
        "InternalServerException",
        "The response could not be serialized.",
        request_id,
    )
    .into()
}

/// The initial response of a streaming operation, followed by its events, each sent after its
/// pause on the server's clock.
fn stream_response<Op, T>(
    initial: &Op::Output,
    request_id: &str,
    events: Vec<Timed<T>>,
    to_message: fn(&T) -> Result<Message, BuildError>,
    clock: Arc<dyn Clock>,
) -> Response
where
    Op: ServerOperation,
    T: Send + 'static,
{
    let head = match Op::build_response(initial) {
        Ok(head) => head,
        Err(_) => return build_failure(request_id),
    };
    let stream = futures_util::stream::iter(events).then(move |timed| {
        let clock = clock.clone();
        async move {
            if timed.delay > Duration::ZERO {
                clock.sleep(timed.delay).await;
            }
            to_message(&timed.event).map_err(|error| -> BoxError { Box::new(error) })
        }
    });
    with_body(head, ResponseBody::Events(Box::pin(stream)))
}

/// The generated initial response (status, headers) with a streamed body.
fn with_body(head: http::Response<Bytes>, body: ResponseBody) -> Response {
    let (parts, _) = head.into_parts();
    let mut response = Response::new(parts.status, body);
    response.parts.headers = parts.headers;
    response
}

/// The control plane as the runtime's [`GuardrailEvaluator`]: each check is an ApplyGuardrail of
/// the texts, with the guardrail's version (`DRAFT` when none is named).
///
/// A guardrail the control plane does not know lets the content through (the trait has no error
/// path); the handlers check that a named guardrail exists before they call the model.
pub struct PlaneGuardrails<'a>(pub &'a ControlPlane);

impl GuardrailEvaluator for PlaneGuardrails<'_> {
    fn evaluate(&self, config: &GuardrailConfiguration, source: GuardrailSource, texts: &[String]) -> GuardrailVerdict {
        let Some(identifier) = config.guardrail_identifier.as_deref() else {
            return GuardrailVerdict::Allow;
        };
        let version = config.guardrail_version.as_deref().unwrap_or("DRAFT");
        let direction = match source {
            GuardrailSource::Input => GuardrailContentSource::Input,
            GuardrailSource::Output => GuardrailContentSource::Output,
        };
        let content: Vec<GuardrailContentBlock> = texts
            .iter()
            .map(|text| GuardrailContentBlock::Text(GuardrailTextBlock::new(text.clone())))
            .collect();
        let Ok(answer) = self.0.apply_guardrail(identifier, version, &direction, &content) else {
            return GuardrailVerdict::Allow;
        };
        if answer.action != GuardrailAction::GuardrailIntervened {
            return GuardrailVerdict::Allow;
        }
        let message = answer
            .outputs
            .iter()
            .filter_map(|output| output.text.as_deref())
            .collect::<Vec<_>>()
            .join("\n");
        let trace = match config.trace {
            Some(GuardrailTrace::Enabled) | Some(GuardrailTrace::EnabledFull) => {
                let mut trace = GuardrailTraceAssessment::new();
                let assessment = answer.assessments.first().cloned();
                match (source, assessment) {
                    (GuardrailSource::Input, Some(assessment)) => {
                        trace.input_assessment = Some([(identifier.to_owned(), assessment)].into_iter().collect());
                    }
                    (GuardrailSource::Output, Some(_)) => {
                        trace.output_assessments = Some(
                            [(identifier.to_owned(), answer.assessments.clone())]
                                .into_iter()
                                .collect(),
                        );
                    }
                    _ => {}
                }
                trace.action_reason = answer.action_reason.clone();
                Some(trace)
            }
            _ => None,
        };
        GuardrailVerdict::Intervene { message, trace }
    }
}
