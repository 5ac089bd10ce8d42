//! Errors from credential providers.

use std::fmt;
use std::time::Duration;

use crate::profile::ProfileFileError;

/// Why a provider produced no credentials.
///
/// [`CredentialsError::NotLoaded`] means "this source has nothing to offer"; a
/// chain moves on to its next provider. Every other variant stops the chain, as
/// in the AWS SDKs: the source was configured but is broken.
///
/// No variant ever holds a secret value.
#[derive(Debug)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The source is not configured (e.g. no `AWS_ACCESS_KEY_ID`).
    NotLoaded {
        /// The provider.
        provider: &'static str,
        /// Why.
        reason: String,
    },
    /// A config or credentials file could not be read or parsed.
    ProfileFile(ProfileFileError),
    /// A profile is configured in a way that cannot produce credentials.
    InvalidProfile {
        /// The profile.
        profile: String,
        /// What is wrong.
        reason: String,
    },
    /// `source_profile` references form a loop.
    ProfileLoop {
        /// The profiles visited, ending with the one seen twice.
        chain: Vec<String>,
    },
    /// A `credential_process` failed.
    Process(ProcessError),
    /// A provider returned credentials that had already expired.
    Expired {
        /// The provider.
        provider: &'static str,
    },
    /// A provider did not answer in time.
    Timeout {
        /// The provider.
        provider: &'static str,
        /// How long it was given.
        after: Duration,
    },
    /// Any other failure of a provider (e.g. a role assumer).
    Provider {
        /// The provider.
        provider: &'static str,
        /// What failed.
        message: String,
    },
    /// A credentials service answered with an error (e.g. an STS
    /// `<ErrorResponse>`, an HTTP error status from SSO, a container endpoint or IMDS).
    Service {
        /// The provider.
        provider: &'static str,
        /// The HTTP status.
        status: u16,
        /// The service's error code, when it gave one (e.g. `AccessDenied`).
        code: Option<String>,
        /// The service's message, when it gave one.
        message: Option<String>,
    },
    /// A credentials service answered with a body that is not what it should be.
    InvalidResponse {
        /// The provider.
        provider: &'static str,
        /// What is wrong (never the body itself, which may hold secrets).
        reason: String,
    },
    /// The IAM Identity Center token has expired and cannot be refreshed.
    SsoLoginRequired {
        /// The `sso_session` name, or the start URL of a legacy profile.
        session: String,
        /// Why the cached token is unusable.
        reason: String,
    },
}

impl CredentialsError {
    /// Shorthand for [`CredentialsError::NotLoaded`].
    pub fn not_loaded(provider: &'static str, reason: impl Into<String>) -> Self {
        CredentialsError::NotLoaded {
            provider,
            reason: reason.into(),
        }
    }

    /// Whether a chain should try its next provider after this error.
    pub fn is_not_loaded(&self) -> bool {
        matches!(self, CredentialsError::NotLoaded { .. })
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotLoaded { provider, reason } => write!(f, "{provider}: no credentials: {reason}"),
            CredentialsError::ProfileFile(e) => write!(f, "profile: {e}"),
            CredentialsError::InvalidProfile { profile, reason } => write!(f, "profile `{profile}`: {reason}"),
            CredentialsError::ProfileLoop { chain } => {
                write!(f, "profile: source_profile loop: {}", chain.join(" -> "))
            }
            CredentialsError::Process(e) => write!(f, "credential_process: {e}"),
            CredentialsError::Expired { provider } => write!(f, "{provider}: returned expired credentials"),
            CredentialsError::Timeout { provider, after } => write!(f, "{provider}: no answer within {after:?}"),
            CredentialsError::Provider { provider, message } => write!(f, "{provider}: {message}"),
            CredentialsError::Service {
                provider,
                status,
                code,
                message,
            } => {
                write!(f, "{provider}: service error (HTTP {status})")?;
                if let Some(code) = code {
                    write!(f, " {code}")?;
                }
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            CredentialsError::InvalidResponse { provider, reason } => {
                write!(f, "{provider}: invalid response: {reason}")
            }
            CredentialsError::SsoLoginRequired { session, reason } => {
                write!(f, "Sso: {reason}; run `aws sso login` for `{session}` to sign in again")
            }
        }
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CredentialsError::ProfileFile(e) => Some(e),
            CredentialsError::Process(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ProfileFileError> for CredentialsError {
    fn from(e: ProfileFileError) -> Self {
        CredentialsError::ProfileFile(e)
    }
}

/// How a `credential_process` failed. `program` is the first word of the command
/// only (the rest may hold arguments the user would not want logged). The
/// process's standard output is never quoted, since it may hold secrets.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProcessError {
    /// The process could not be started.
    Spawn {
        /// The program.
        program: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The process did not finish in time and was killed.
    Timeout {
        /// The program.
        program: String,
        /// The limit.
        after: Duration,
    },
    /// The process exited with a failure status.
    ExitStatus {
        /// The program.
        program: String,
        /// The exit code, if it exited normally.
        code: Option<i32>,
        /// The first 256 characters of its standard error.
        stderr: String,
    },
    /// The output is not the expected JSON document.
    InvalidOutput {
        /// The program.
        program: String,
        /// What was wrong (never the output itself).
        reason: String,
    },
    /// The output's `Expiration` is in the past.
    Expired {
        /// The program.
        program: String,
    },
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Spawn { program, source } => write!(f, "could not start `{program}`: {source}"),
            ProcessError::Timeout { program, after } => write!(f, "`{program}` did not finish within {after:?}"),
            ProcessError::ExitStatus { program, code, stderr } => {
                match code {
                    Some(code) => write!(f, "`{program}` exited with status {code}")?,
                    None => write!(f, "`{program}` was terminated by a signal")?,
                }
                if !stderr.is_empty() {
                    write!(f, ": {stderr}")?;
                }
                Ok(())
            }
            ProcessError::InvalidOutput { program, reason } => {
                write!(f, "`{program}` printed invalid output: {reason}")
            }
            ProcessError::Expired { program } => write!(f, "`{program}` returned expired credentials"),
        }
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProcessError::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}
