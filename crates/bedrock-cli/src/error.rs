//! Errors a person can act on, and the exit codes scripts can rely on.

use std::fmt;

use bedrock_config::{ConfigError, SdkError};
use bedrock_transport::TransportErrorKind;
use bedrock_wire::OperationError;

/// Exit codes (documented in the crate's README section of the top-level README).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The service or the network failed in a way not listed below.
    pub const FAILURE: u8 = 1;
    /// Bad command line or bad input file.
    pub const USAGE: u8 = 2;
    /// Configuration: no credentials, no region, bad settings.
    pub const CONFIG: u8 = 3;
    /// The model or resource does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// Throttled, after the retries the configuration allows.
    pub const THROTTLED: u8 = 5;
    /// Access denied.
    pub const ACCESS_DENIED: u8 = 6;
    /// Interrupted (Ctrl-C).
    pub const INTERRUPTED: u8 = 130;
}

/// A failure, already turned into words and an exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        CliError {
            code: exit::CONFIG,
            message: message.into(),
        }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            code: exit::FAILURE,
            message: message.into(),
        }
    }

    /// Ctrl-C.
    pub fn interrupted() -> Self {
        CliError {
            code: exit::INTERRUPTED,
            message: "interrupted".into(),
        }
    }

    /// Standard output was closed by its reader (`| head`): the command stops, quietly and
    /// successfully, since everything the reader wanted was written.
    pub fn output_closed() -> Self {
        CliError {
            code: exit::OK,
            message: String::new(),
        }
    }

    /// Words for a failed call, with a hint where one helps.
    pub fn from_sdk<E: OperationError>(error: SdkError<E>, action: &str) -> Self {
        let detail = chain(&error);
        if let Some(meta) = error.meta() {
            let code = meta.code.as_deref().unwrap_or("");
            let request_id = meta
                .request_id
                .as_deref()
                .map(|id| format!(" (request id {id})"))
                .unwrap_or_default();
            // Never empty: a message, else the code, else the HTTP status.
            let message = [meta.message.as_deref(), Some(code)]
                .into_iter()
                .flatten()
                .find(|m| !m.is_empty())
                .map_or_else(|| format!("HTTP {}", meta.status), str::to_owned);
            return match code {
                "ValidationException" if message.contains("model identifier") => CliError {
                    code: exit::NOT_FOUND,
                    message: format!(
                        "{message}{request_id}\nhint: `bedrock models list` shows the model ids this account and region offer"
                    ),
                },
                // The mantle APIs answer in the OpenAI or Anthropic shape: their codes, or the
                // HTTP status, say the same things.
                "ResourceNotFoundException" | "model_not_found" | "not_found_error" => CliError {
                    code: exit::NOT_FOUND,
                    message: format!(
                        "{message}{request_id}\nhint: `bedrock models list` shows the models this account and region offer"
                    ),
                },
                "AccessDeniedException"
                | "UnrecognizedClientException"
                | "permission_error"
                | "authentication_error"
                | "invalid_api_key" => CliError {
                    code: exit::ACCESS_DENIED,
                    message: format!(
                        "access denied for {action}: {message}{request_id}\nhint: the identity needs permission for the `{action}` action on this resource, and model access must be enabled in the Bedrock console"
                    ),
                },
                _ if error.is_throttling() => CliError {
                    code: exit::THROTTLED,
                    message: format!(
                        "throttled by Bedrock after retries: {message}{request_id}\nhint: wait and try again, raise AWS_MAX_ATTEMPTS, or use a cross-region inference profile"
                    ),
                },
                _ if meta.status == 404 => CliError {
                    code: exit::NOT_FOUND,
                    message: format!("{message}{request_id}"),
                },
                _ if meta.status == 401 || meta.status == 403 => CliError {
                    code: exit::ACCESS_DENIED,
                    message: format!("access denied for {action}: {message}{request_id}"),
                },
                _ if code.is_empty() && meta.message.as_deref().is_some_and(|m| !m.is_empty()) => {
                    CliError::failure(format!("HTTP {}: {message}{request_id}", meta.status))
                }
                _ if code.is_empty() => CliError::failure(format!("{message}{request_id}")),
                _ => CliError::failure(format!("{code}: {message}{request_id}")),
            };
        }
        match &error {
            SdkError::Endpoint(_) => CliError::config(format!(
                "{detail}\nhint: pass --region, set AWS_REGION, or add `region` to your profile"
            )),
            SdkError::Auth(e) if matches!(e.kind(), TransportErrorKind::Signing) => CliError::config(format!(
                "{detail}\nhint: no usable credentials. Looked in: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
                 the profile in ~/.aws/config and ~/.aws/credentials (AWS_PROFILE or --profile), \
                 web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the container and instance metadata. \
                 Set one of them, run `aws configure` / `aws sso login`, or pass --api-key \
                 (or set AWS_BEARER_TOKEN_BEDROCK); --local needs none"
            )),
            SdkError::Build(_) => CliError::usage(detail),
            _ => CliError::failure(detail),
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(error: ConfigError) -> Self {
        CliError::config(chain(&error))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error and its causes on one line, without repeating a cause a message already includes.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use bedrock_config::{json_error_metadata, JsonError};
    use bedrock_wire::error::ServiceError;

    use super::*;

    /// A mantle error response, as the client reports it.
    fn mantle(status: u16, body: &str) -> SdkError<JsonError<String>> {
        let meta = json_error_metadata(status, &Default::default(), body.as_bytes());
        SdkError::Service(ServiceError {
            kind: JsonError::Unhandled(body.to_owned()),
            meta,
        })
    }

    #[test]
    fn mantle_errors_map_to_the_exit_codes_by_code_or_status() {
        let openai = r#"{"error":{"message":"The model `x` does not exist.","type":"invalid_request_error","code":"model_not_found"}}"#;
        let error = CliError::from_sdk(mantle(404, openai), "bedrock-mantle:CreateResponse");
        assert_eq!(error.code, exit::NOT_FOUND);
        assert!(error.message.starts_with("The model `x` does not exist."), "{error}");

        let anthropic = r#"{"type":"error","error":{"type":"permission_error","message":"no access"}}"#;
        let error = CliError::from_sdk(mantle(403, anthropic), "bedrock-mantle:CreateMessage");
        assert_eq!(error.code, exit::ACCESS_DENIED);
        assert!(error.message.contains("bedrock-mantle:CreateMessage"), "{error}");

        // No code the CLI knows: the status decides, else a failure naming the status.
        let error = CliError::from_sdk(mantle(401, r#"{"error":{"message":"who?"}}"#), "a");
        assert_eq!(error.code, exit::ACCESS_DENIED);
        let error = CliError::from_sdk(mantle(404, "<html>"), "a");
        assert_eq!((error.code, error.message.as_str()), (exit::NOT_FOUND, "HTTP 404"));
        let error = CliError::from_sdk(mantle(502, ""), "a");
        assert_eq!((error.code, error.message.as_str()), (exit::FAILURE, "HTTP 502"));
        let error = CliError::from_sdk(mantle(500, r#"{"error":{"message":"boom"}}"#), "a");
        assert_eq!((error.code, error.message.as_str()), (exit::FAILURE, "HTTP 500: boom"));
    }
}
