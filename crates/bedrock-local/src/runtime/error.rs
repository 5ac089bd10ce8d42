//! The errors the model runtime reports, shaped like the service's own.

use std::fmt;

use bedrock_runtime_types::error::{
    ConverseError, ConverseStreamError, CountTokensError, GetAsyncInvokeError, InvokeGuardrailChecksError,
    InvokeModelError, InvokeModelWithBidirectionalStreamError, InvokeModelWithResponseStreamError,
    ListAsyncInvokesError, ResourceNotFoundException, StartAsyncInvokeError, ValidationException,
};

/// The message the service answers with when a model id names no model it knows.
pub const INVALID_MODEL_IDENTIFIER: &str = "The provided model identifier is invalid.";

/// The message the service answers with when Converse is called on a model that cannot chat
/// (an embeddings model, for instance).
pub const UNSUPPORTED_CONVERSE_MODEL: &str =
    "This action doesn't support the model that you provided. Try again with a supported text or chat model.";

/// An error of a runtime function: which service exception to answer with, and its message.
///
/// Every variant maps to a modeled exception of the operation it came from (see the `From`
/// impls into each operation's error enum), so the server can serialize it as the service does.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeError {
    /// `ValidationException` (HTTP 400): the request was well-formed HTTP but its content is not
    /// acceptable (unknown model, malformed native body, bad pagination token, ...).
    Validation(String),
    /// `ResourceNotFoundException` (HTTP 404).
    ResourceNotFound(String),
}

impl RuntimeError {
    /// A `ValidationException` with this message.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    /// The `ValidationException` the service answers for an unknown model id.
    pub fn invalid_model() -> Self {
        Self::Validation(INVALID_MODEL_IDENTIFIER.to_owned())
    }

    /// A "Malformed input request" `ValidationException` listing each violation
    /// (for example `#: required key [max_tokens] not found`).
    pub fn malformed(violations: &[String]) -> Self {
        let list = if violations.is_empty() {
            "#: request body is not valid".to_owned()
        } else {
            violations.join(", ")
        };
        Self::Validation(format!(
            "Malformed input request: {list}, please reformat your input and try again."
        ))
    }

    /// The error code the server writes in `x-amzn-errortype`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "ValidationException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
        }
    }

    /// The HTTP status the service answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Validation(_) => 400,
            Self::ResourceNotFound(_) => 404,
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        match self {
            Self::Validation(message) | Self::ResourceNotFound(message) => message,
        }
    }

    fn validation_exception(&self) -> ValidationException {
        ValidationException::new().with_message(self.message())
    }

    fn not_found_exception(&self) -> ResourceNotFoundException {
        ResourceNotFoundException::new().with_message(self.message())
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for RuntimeError {}

macro_rules! into_operation_error {
    ($($error:ident),* $(,)?) => {$(
        impl From<RuntimeError> for $error {
            fn from(error: RuntimeError) -> Self {
                match error {
                    RuntimeError::Validation(_) => Self::ValidationException(error.validation_exception()),
                    RuntimeError::ResourceNotFound(_) => Self::ResourceNotFoundException(error.not_found_exception()),
                }
            }
        }
    )*};
}

into_operation_error!(
    ConverseError,
    ConverseStreamError,
    CountTokensError,
    InvokeModelError,
    InvokeModelWithResponseStreamError,
    InvokeModelWithBidirectionalStreamError,
    StartAsyncInvokeError,
);

macro_rules! into_operation_error_without_not_found {
    ($($error:ident),* $(,)?) => {$(
        impl From<RuntimeError> for $error {
            fn from(error: RuntimeError) -> Self {
                // These operations model no ResourceNotFoundException; the service answers
                // a ValidationException instead.
                Self::ValidationException(error.validation_exception())
            }
        }
    )*};
}

into_operation_error_without_not_found!(GetAsyncInvokeError, ListAsyncInvokesError, InvokeGuardrailChecksError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_messages() {
        let invalid = RuntimeError::invalid_model();
        assert_eq!(
            (invalid.code(), invalid.http_status(), invalid.message()),
            ("ValidationException", 400, INVALID_MODEL_IDENTIFIER)
        );
        assert_eq!(
            invalid.to_string(),
            "ValidationException: The provided model identifier is invalid."
        );
        let missing = RuntimeError::ResourceNotFound("gone".into());
        assert_eq!(
            (missing.code(), missing.http_status()),
            ("ResourceNotFoundException", 404)
        );
        assert_eq!(
            RuntimeError::malformed(&["#: a".into(), "#/b: c".into()]).message(),
            "Malformed input request: #: a, #/b: c, please reformat your input and try again."
        );
    }

    #[test]
    fn converts_into_each_operation_error() {
        let not_found = RuntimeError::ResourceNotFound("gone".into());
        let ConverseError::ResourceNotFoundException(exception) = ConverseError::from(not_found.clone()) else {
            panic!("wrong variant")
        };
        assert_eq!(exception.message.as_deref(), Some("gone"));
        assert!(matches!(
            InvokeModelError::from(not_found.clone()),
            InvokeModelError::ResourceNotFoundException(_)
        ));
        // Operations without a modeled ResourceNotFoundException get a ValidationException.
        assert!(matches!(
            GetAsyncInvokeError::from(not_found.clone()),
            GetAsyncInvokeError::ValidationException(_)
        ));
        assert!(matches!(
            ListAsyncInvokesError::from(not_found),
            ListAsyncInvokesError::ValidationException(_)
        ));
        let invalid = RuntimeError::invalid_model();
        assert!(matches!(
            ConverseStreamError::from(invalid.clone()),
            ConverseStreamError::ValidationException(_)
        ));
        assert!(matches!(
            CountTokensError::from(invalid.clone()),
            CountTokensError::ValidationException(_)
        ));
        assert!(matches!(
            InvokeModelWithResponseStreamError::from(invalid.clone()),
            InvokeModelWithResponseStreamError::ValidationException(_)
        ));
        assert!(matches!(
            InvokeModelWithBidirectionalStreamError::from(invalid.clone()),
            InvokeModelWithBidirectionalStreamError::ValidationException(_)
        ));
        assert!(matches!(
            StartAsyncInvokeError::from(invalid),
            StartAsyncInvokeError::ValidationException(_)
        ));
    }
}
