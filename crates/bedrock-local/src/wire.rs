//! What responses look like on the wire: request-id and error headers, JSON error bodies with the
//! status codes Bedrock uses, and event-stream messages (events and stream exceptions).
//!
//! Every response carries `x-amzn-requestid`. An error carries `x-amzn-errortype`
//! (`Name:http://internal.amazon.com/coral/com.amazon.bedrock/`, the form AWS's JSON services
//! send; clients strip everything from the `:`, so this also checks that they do), `content-type: application/json` and the body `{"message":"..."}`.
//! The errors of the front door (authentication) use `{"Message":"..."}`, capitalised, as the
//! service's does.

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use http::{HeaderValue as HttpHeaderValue, StatusCode};

/// The request-id header.
pub const REQUEST_ID: &str = "x-amzn-requestid";
/// The error-type header.
pub const ERROR_TYPE: &str = "x-amzn-errortype";
/// The content type of JSON bodies.
pub const JSON: &str = "application/json";
/// The content type of event streams.
pub const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";
/// The URI appended to the error type in `x-amzn-errortype`.
pub const ERROR_TYPE_URI: &str = "http://internal.amazon.com/coral/com.amazon.bedrock/";

/// An error the emulator answers with: status, error type and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status code.
    pub status: StatusCode,
    /// The error's shape name, e.g. `ThrottlingException`.
    pub error_type: String,
    /// The human-readable message.
    pub message: String,
    /// Whether the body's key is `Message` (the front door's auth errors) rather than `message`.
    pub capital_message: bool,
}

impl ServiceError {
    /// An error with an explicit status, type and message.
    pub fn new(status: StatusCode, error_type: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError {
            status,
            error_type: error_type.into(),
            message: message.into(),
            capital_message: false,
        }
    }

    /// `ValidationException`, 400.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    /// `AccessDeniedException`, 403.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }

    /// `ResourceNotFoundException`, 404.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// `ThrottlingException`, 429, with the service's message.
    pub fn throttling() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        )
    }

    /// `InternalServerException`, 500.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            "The server encountered an internal error while processing the request.",
        )
    }

    /// `ServiceUnavailableException`, 503, with the service's message.
    pub fn service_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableException",
            "Bedrock is unable to process your request.",
        )
    }

    /// `ModelTimeoutException`, 408.
    pub fn model_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "ModelTimeoutException",
            "Model has timed out in processing the request. Try your request again.",
        )
    }

    /// `ModelNotReadyException`, 429.
    pub fn model_not_ready() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ModelNotReadyException",
            "Model is not ready to serve inference requests. Try your request again.",
        )
    }

    /// `ModelErrorException`, 424.
    pub fn model_error(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FAILED_DEPENDENCY, "ModelErrorException", message)
    }

    /// `ServiceQuotaExceededException`, 400.
    pub fn service_quota_exceeded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ServiceQuotaExceededException", message)
    }

    /// `ConflictException`, 400 (the control plane's).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ConflictException", message)
    }

    /// `UnknownOperationException`, 404: no operation matches the method and path.
    pub fn unknown_operation() -> Self {
        Self::new(StatusCode::NOT_FOUND, "UnknownOperationException", "Unknown operation")
    }

    /// The error a given status stands for, with its default message: 400 validation, 403 access
    /// denied, 404 not found, 408 model timeout, 424 model error, 429 throttling, 500 internal,
    /// 503 unavailable; any other status is an `InternalServerException` with that status.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::validation("The request is invalid."),
            403 => Self::access_denied("You don't have access to the model with the specified model ID."),
            404 => Self::resource_not_found("The requested resource could not be found."),
            408 => Self::model_timeout(),
            424 => Self::model_error("The model returned an error."),
            429 => Self::throttling(),
            503 => Self::service_unavailable(),
            _ => ServiceError {
                status,
                ..Self::internal()
            },
        }
    }

    /// The error of a given type name with its usual status and default message, if it is one
    /// Bedrock sends.
    pub fn for_type(error_type: &str) -> Option<Self> {
        Some(match error_type {
            "ValidationException" => Self::validation("The request is invalid."),
            "AccessDeniedException" => Self::for_status(StatusCode::FORBIDDEN),
            "ResourceNotFoundException" => Self::for_status(StatusCode::NOT_FOUND),
            "ThrottlingException" => Self::throttling(),
            "InternalServerException" => Self::internal(),
            "ServiceUnavailableException" => Self::service_unavailable(),
            "ModelTimeoutException" => Self::model_timeout(),
            "ModelNotReadyException" => Self::model_not_ready(),
            "ModelErrorException" => Self::model_error("The model returned an error."),
            "ServiceQuotaExceededException" => Self::service_quota_exceeded("Your request exceeds the service quota."),
            "ConflictException" => Self::conflict("The request conflicts with the resource's state."),
            "ModelStreamErrorException" => Self::new(
                StatusCode::FAILED_DEPENDENCY,
                "ModelStreamErrorException",
                "An error occurred while streaming the response. Retry your request.",
            ),
            "ResourceInUseException" => Self::new(
                StatusCode::BAD_REQUEST,
                "ResourceInUseException",
                "The resource is in use.",
            ),
            "TooManyTagsException" => Self::new(
                StatusCode::BAD_REQUEST,
                "TooManyTagsException",
                "The request contains more tags than can be associated with a resource.",
            ),
            _ => return None,
        })
    }

    /// The JSON body.
    pub fn body(&self) -> Bytes {
        let key = if self.capital_message { "Message" } else { "message" };
        let mut map = serde_json::Map::new();
        map.insert(key.to_owned(), serde_json::Value::String(self.message.clone()));
        Bytes::from(serde_json::Value::Object(map).to_string())
    }

    /// The response (without the request id, which the server adds).
    pub fn to_response(&self) -> http::Response<Bytes> {
        let mut response = http::Response::new(self.body());
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(http::header::CONTENT_TYPE, HttpHeaderValue::from_static(JSON));
        if let Ok(value) = HttpHeaderValue::from_str(&format!("{}:{ERROR_TYPE_URI}", self.error_type)) {
            headers.insert(ERROR_TYPE, value);
        }
        response
    }

    /// This error as an exception message inside an event stream (see [`exception_message`]).
    pub fn to_exception_message(&self) -> Message {
        exception_message(&lower_camel(&self.error_type), &self.message)
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.error_type, self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ServiceError {}

/// `ThrottlingException` → `throttlingException`: the union member name an exception has inside
/// Bedrock's event streams.
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The API whose error shape a request path takes: the mantle routes answer errors in the
/// OpenAI envelope or the Anthropic shape, everything else in Bedrock's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"message": ...}` with `x-amzn-errortype` (the runtime and the control plane).
    Bedrock,
    /// `{"error": {"message", "type", "param", "code"}}` (`/v1/...`, `/openai/v1/...`).
    OpenAi,
    /// `{"type": "error", "error": {"type", "message"}}` (`/anthropic/...`).
    Anthropic,
}

impl ErrorShape {
    /// The shape of errors answered on `path`.
    pub fn for_path(path: &str) -> Self {
        if path.starts_with("/anthropic/") {
            ErrorShape::Anthropic
        } else if path.starts_with("/v1/") || path.starts_with("/openai/v1/") {
            ErrorShape::OpenAi
        } else {
            ErrorShape::Bedrock
        }
    }
}

/// The response of an error the core answers (authentication, faults) on `path`: Bedrock's
/// shape, or on the mantle routes the OpenAI / Anthropic shape. There a missing credential and
/// a refused API key are 401 (`authentication_error`), as those APIs answer; a refused SigV4
/// signature stays 403.
pub fn error_for_path(path: &str, error: &ServiceError) -> http::Response<Bytes> {
    let shape = ErrorShape::for_path(path);
    let unauthenticated = error.error_type == "MissingAuthenticationTokenException"
        || (error.error_type == "AccessDeniedException" && error.capital_message);
    let status = if unauthenticated {
        StatusCode::UNAUTHORIZED
    } else {
        error.status
    };
    let mut response = match shape {
        ErrorShape::Bedrock => return error.to_response(),
        ErrorShape::OpenAi => {
            let code = match status.as_u16() {
                401 => Some("invalid_api_key"),
                429 => Some("rate_limit_exceeded"),
                _ => None,
            };
            openai_error(status, &error.message, code, None)
        }
        ErrorShape::Anthropic => anthropic_error(status, &error.message),
    };
    // Kept for the request log, which records the error type from this header.
    if let Ok(value) = HttpHeaderValue::from_str(&error.error_type) {
        response.headers_mut().insert(ERROR_TYPE, value);
    }
    response
}

/// The SSE event that ends a stream on a mantle route with an error (the
/// `stream-exception-after` fault), `None` elsewhere. `index` is the number of events already
/// sent, which is the `sequence_number` of a Responses stream's `error` event.
///
/// - Responses (`.../responses`): `event: error`, `{"type": "error", "code", "message", "param", "sequence_number"}`.
/// - Chat Completions: `data: {"error": {"message", "type", "param", "code"}}`.
/// - Anthropic: `event: error`, `{"type": "error", "error": {"type", "message"}}`.
pub fn sse_error_frame(path: &str, error: &ServiceError, index: usize) -> Option<Bytes> {
    let status = error.status;
    let frame = match ErrorShape::for_path(path) {
        ErrorShape::Bedrock => return None,
        ErrorShape::Anthropic => {
            use bedrock_mantle_types::anthropic::{ErrorDetail, ErrorResponse};
            let body = ErrorResponse::new(ErrorDetail::new(error.message.as_str(), anthropic_error_type(status)));
            format!("event: error\ndata: {}\n\n", serde_json::to_string(&body).ok()?)
        }
        ErrorShape::OpenAi if path.ends_with("/responses") => {
            use bedrock_mantle_types::openai::ResponseErrorEvent;
            let mut event = ResponseErrorEvent::new(error.message.as_str(), i64::try_from(index).ok()?);
            event.code = Some(Some(openai_error_type(status).to_owned()));
            event.param = Some(None);
            format!("event: error\ndata: {}\n\n", serde_json::to_string(&event).ok()?)
        }
        ErrorShape::OpenAi => {
            use bedrock_mantle_types::openai::{ErrorObject, ErrorResponse};
            let mut object = ErrorObject::new(error.message.as_str(), openai_error_type(status));
            object.code = Some(None);
            object.param = Some(None);
            format!("data: {}\n\n", serde_json::to_string(&ErrorResponse::new(object)).ok()?)
        }
    };
    Some(Bytes::from(frame))
}

/// The OpenAI error `type` of a status.
pub fn openai_error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        429 => "rate_limit_error",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    }
}

/// An error in the OpenAI envelope, `{"error": {"message", "type", "param", "code"}}`.
pub fn openai_error(
    status: StatusCode,
    message: &str,
    code: Option<&str>,
    param: Option<&str>,
) -> http::Response<Bytes> {
    use bedrock_mantle_types::openai::{ErrorObject, ErrorResponse};
    let mut object = ErrorObject::new(message, openai_error_type(status));
    object.code = Some(code.map(str::to_owned));
    object.param = Some(param.map(str::to_owned));
    let body = serde_json::to_vec(&ErrorResponse::new(object)).unwrap_or_default();
    json_response(status, body)
}

/// The Anthropic error `type` of a status.
pub fn anthropic_error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// An error in the Anthropic shape, `{"type": "error", "error": {"type", "message"}}`.
pub fn anthropic_error(status: StatusCode, message: &str) -> http::Response<Bytes> {
    use bedrock_mantle_types::anthropic::{ErrorDetail, ErrorResponse};
    let error = ErrorResponse::new(ErrorDetail::new(message, anthropic_error_type(status)));
    let body = serde_json::to_vec(&error).unwrap_or_default();
    json_response(status, body)
}

/// A JSON response with `content-type: application/json`.
pub fn json_response(status: StatusCode, body: impl Into<Bytes>) -> http::Response<Bytes> {
    let mut response = http::Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, HttpHeaderValue::from_static(JSON));
    response
}

/// An event message: `:message-type: event`, `:event-type`, `:content-type: application/json`,
/// with a JSON payload.
pub fn event_message(event_type: &str, payload: impl Into<Bytes>) -> Message {
    Message::new(payload.into())
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.to_owned().into()),
        ))
        .add_header(Header::new(":content-type", HeaderValue::String(JSON.into())))
}

/// A stream exception: `:message-type: exception`, `:exception-type` (the union member name, e.g.
/// `throttlingException`), `:content-type: application/json`, payload `{"message":"..."}`.
pub fn exception_message(exception_type: &str, message: &str) -> Message {
    let payload = serde_json::json!({ "message": message }).to_string();
    Message::new(Bytes::from(payload))
        .add_header(Header::new(":message-type", HeaderValue::String("exception".into())))
        .add_header(Header::new(
            ":exception-type",
            HeaderValue::String(exception_type.to_owned().into()),
        ))
        .add_header(Header::new(":content-type", HeaderValue::String(JSON.into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_response_shape() {
        let response = ServiceError::throttling().to_response();
        assert_eq!(response.status(), 429);
        assert_eq!(
            response.headers()[ERROR_TYPE],
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
        );
        assert_eq!(response.headers()["content-type"], JSON);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["message"], "Too many requests, please wait before trying again.");
        assert_eq!(ServiceError::for_status(StatusCode::BAD_GATEWAY).status, 502);
        assert_eq!(ServiceError::for_type("ModelNotReadyException").unwrap().status, 429);
        assert_eq!(lower_camel("InternalServerException"), "internalServerException");
    }
}
