//! Calls of [`JsonOperation`]s: the OpenAI- and Anthropic-compatible APIs described by the
//! project's OpenAPI documents (`bedrock-mantle-types`, decision 0010).
//!
//! The same runner as the AWS operations (endpoint resolved once, signing per attempt, the
//! shared executor's retries), with what differs for these APIs:
//!
//! - the caller chooses the route prefix (`/v1`, `/openai/v1`, `/anthropic/v1`), because it
//!   depends on the endpoint and the model;
//! - errors are the API's JSON error body, wrapped in [`JsonError`] so that they travel in
//!   [`SdkError::Service`] with the usual [`ErrorMetadata`] (HTTP status, code from
//!   `error.code` or `error.type`, message, request id from `x-amzn-requestid`,
//!   `x-request-id`, `request-id` or the body's `request_id`), and so that
//!   [`SdkError::is_retryable`] and [`SdkError::is_throttling`] work as for every other call:
//!   HTTP 429 is throttling, 500/502/503/504 are transient;
//! - streamed responses (server-sent events) are returned at the response head, like the
//!   AWS event streams; decoding the events is the client's (`bedrock-mantle`).

use std::error::Error as StdError;
use std::fmt;

use bedrock_transport::{OperationInfo, RequestBody, ResponseBody};
use bedrock_wire::openapi::{ApiError, JsonOperation};
use bedrock_wire::{ErrorMetadata, ErrorRetry, MalformedResponse, OperationError, ServiceError};
use bytes::Bytes;

use crate::client::{address, ServiceClient};
use crate::error::SdkError;

/// The error of a [`JsonOperation`] call that the service answered: the API's error body
/// (`E`, the operation's `Error` type), or the body as text when it does not have that shape.
///
/// It is the `kind` of [`SdkError::Service`]; the metadata (status, code, message, request id)
/// is next to it in [`ServiceError::meta`]. These APIs model no error codes, so
/// [`OperationError::code`] is `None` and retries follow the HTTP status.
#[derive(Debug)]
#[non_exhaustive]
pub enum JsonError<E> {
    /// The API's error body.
    Api(E),
    /// An error status whose body is not the API's error shape (a proxy's HTML page, an empty
    /// body): the body as text, lossily, at most 1 KiB of it.
    Unhandled(String),
}

impl<E> JsonError<E> {
    /// The API's error body, if the service sent one.
    pub fn api(&self) -> Option<&E> {
        match self {
            JsonError::Api(e) => Some(e),
            JsonError::Unhandled(_) => None,
        }
    }
}

impl<E> fmt::Display for JsonError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Api(_) => f.write_str("the API's error response"),
            JsonError::Unhandled(_) => f.write_str("an error response that is not the API's error shape"),
        }
    }
}

impl<E: fmt::Debug> StdError for JsonError<E> {}

impl<E: fmt::Debug + Send + Sync + 'static> OperationError for JsonError<E> {
    fn code(&self) -> Option<&'static str> {
        None
    }

    fn is_retryable(&self) -> bool {
        false
    }

    fn is_throttling(&self) -> bool {
        false
    }

    fn modeled_retry(_code: &str) -> Option<ErrorRetry> {
        None
    }
}

/// The error of a call of JSON operation `O`.
pub type JsonSdkError<O> = SdkError<JsonError<<O as JsonOperation>::Error>>;

/// Code, message and request id of an error response in the OpenAI (`{"error": {"code",
/// "type", "message"}}`) or Anthropic (`{"type": "error", "error": {"type", "message"},
/// "request_id"}`) shape.
pub fn json_error_metadata(status: u16, headers: &http::HeaderMap, body: &[u8]) -> ErrorMetadata {
    let json = bedrock_wire::json::value_from_slice(body).ok();
    let error = json.as_ref().and_then(|j| j.get("error"));
    let text = |v: Option<&serde_json::Value>, name: &str| v?.get(name)?.as_str().map(str::to_owned);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    ErrorMetadata {
        status,
        code: text(error, "code").or_else(|| text(error, "type")),
        message: text(error, "message"),
        request_id: header("x-amzn-requestid")
            .or_else(|| header("x-request-id"))
            .or_else(|| header("request-id"))
            .or_else(|| text(json.as_ref(), "request_id")),
    }
}

/// Turns an error response into the operation's typed error.
fn service_error<O: JsonOperation>(response: &http::Response<Bytes>) -> JsonSdkError<O> {
    let status = response.status().as_u16();
    let meta = json_error_metadata(status, response.headers(), response.body());
    let kind = match O::parse_response(status, response.body()) {
        Err(ApiError::Service { error, .. }) => JsonError::Api(error),
        _ => JsonError::Unhandled(body_of(&String::from_utf8_lossy(response.body()))),
    };
    SdkError::Service(ServiceError { kind, meta })
}

fn body_of(body: &str) -> String {
    let mut end = body.len().min(1024);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_owned()
}

impl ServiceClient {
    /// The request of JSON operation `O` under route prefix `prefix` (such as `/v1`),
    /// addressed to the resolved endpoint, not yet signed.
    pub fn build_json_request<O: JsonOperation>(
        &self,
        prefix: &str,
        params: &O::Params,
        body: &O::Body,
    ) -> Result<http::Request<Bytes>, JsonSdkError<O>> {
        let request = O::build_request(prefix, params, body).map_err(SdkError::Build)?;
        let endpoint = self.endpoint().map_err(|e| SdkError::Endpoint(e.clone()))?;
        address(request, endpoint).map_err(SdkError::Build)
    }

    /// Sends JSON operation `O` under route prefix `prefix` and parses the whole response.
    /// Retries (throttling, server errors, connection failures) follow the configuration.
    pub async fn call_json<O>(
        &self,
        prefix: &str,
        params: &O::Params,
        body: &O::Body,
    ) -> Result<O::Output, JsonSdkError<O>>
    where
        O: JsonOperation,
        O::Error: fmt::Debug + Send + Sync + 'static,
    {
        let request = self.build_json_request::<O>(prefix, params, body)?;
        let info = self.json_operation_info::<O>();
        let response = self
            .config()
            .executor()
            .send_collected(&info, request, self.signing_transport())
            .await
            .map_err(SdkError::from_transport)?;
        if !response.status().is_success() {
            return Err(service_error::<O>(&response));
        }
        O::parse_response(response.status().as_u16(), response.body()).map_err(|e| match e {
            ApiError::Malformed(e) => SdkError::Malformed(e),
            _ => service_error::<O>(&response),
        })
    }

    /// Sends a streaming request of JSON operation `O` (a request whose stream flag is set,
    /// with `accept: text/event-stream`). Returns once a successful response head arrives, with
    /// the body unread; retries happen only before that. An error response is read whole and
    /// returned as the typed error.
    pub async fn send_json_streaming<O>(
        &self,
        prefix: &str,
        params: &O::Params,
        body: &O::Body,
    ) -> Result<http::Response<ResponseBody>, JsonSdkError<O>>
    where
        O: JsonOperation,
        O::Error: fmt::Debug + Send + Sync + 'static,
    {
        let mut request = self.build_json_request::<O>(prefix, params, body)?;
        request.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/event-stream"),
        );
        let info = self.json_operation_info::<O>();
        let response = self
            .config()
            .executor()
            .send(&info, request.map(RequestBody::Bytes), self.signing_transport())
            .await
            .map_err(SdkError::from_transport)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let body = bedrock_transport::executor::collect(body)
            .await
            .map_err(|e| SdkError::Malformed(MalformedResponse::new("error response body", e)))?;
        Err(service_error::<O>(&http::Response::from_parts(parts, body)))
    }

    /// What the executor needs to know about JSON operation `O`: its names for tracing, and
    /// whether it is idempotent (`GET` and `DELETE` are: a body cut while being read is
    /// retried). No error code is modeled: retries follow the HTTP status.
    pub fn json_operation_info<O: JsonOperation>(&self) -> OperationInfo {
        OperationInfo::new(self.service().name(), O::OPERATION_ID)
            .with_idempotent(matches!(O::METHOD, "GET" | "DELETE" | "HEAD"))
    }
}
