//! `credential_process`: run a command and read credentials from its JSON output.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::error::{CredentialsError, ProcessError};
use crate::provider::{BoxFuture, Clock, ProvideCredentials, SystemClock};
use crate::secret::Credentials;

/// Default time a `credential_process` may run before it is killed.
pub const DEFAULT_PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `credential_process` commands through the platform shell (`sh -c` on
/// Unix, `cmd /C` on Windows) and parses their `Version: 1` JSON output:
///
/// ```json
/// {"Version": 1, "AccessKeyId": "…", "SecretAccessKey": "…",
///  "SessionToken": "…", "Expiration": "2024-01-02T03:04:05Z"}
/// ```
///
/// The process is killed when it exceeds the timeout. Needs a tokio runtime
/// with the time and process drivers (`enable_all`).
#[derive(Debug, Clone)]
pub struct CredentialProcessProvider {
    command: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl CredentialProcessProvider {
    /// Name used in [`Credentials::provider_name`].
    pub const NAME: &'static str = "CredentialProcess";

    /// A provider running `command` with the default timeout.
    pub fn new(command: impl Into<String>) -> Self {
        CredentialProcessProvider {
            command: command.into(),
            timeout: DEFAULT_PROCESS_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sets the timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the clock used to reject expired output.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn program(&self) -> String {
        self.command.split_whitespace().next().unwrap_or_default().to_owned()
    }

    async fn run(&self) -> Result<Credentials, ProcessError> {
        let program = self.program();
        #[cfg(windows)]
        let mut command = {
            let mut c = tokio::process::Command::new("cmd.exe");
            c.arg("/C").arg(&self.command);
            c
        };
        #[cfg(not(windows))]
        let mut command = {
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c").arg(&self.command);
            c
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = command.spawn().map_err(|source| ProcessError::Spawn {
            program: program.clone(),
            source,
        })?;
        let output = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(source)) => return Err(ProcessError::Spawn { program, source }),
            // Dropping the future drops the child, which kills it (kill_on_drop).
            Err(_) => {
                return Err(ProcessError::Timeout {
                    program,
                    after: self.timeout,
                })
            }
        };
        if !output.status.success() {
            let stderr: String = String::from_utf8_lossy(&output.stderr)
                .trim()
                .chars()
                .take(256)
                .collect();
            return Err(ProcessError::ExitStatus {
                program,
                code: output.status.code(),
                stderr,
            });
        }
        let creds = parse_process_output(&program, &output.stdout)?;
        if creds.is_expired(self.clock.now()) {
            return Err(ProcessError::Expired { program });
        }
        Ok(creds)
    }
}

impl ProvideCredentials for CredentialProcessProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move { self.run().await.map_err(CredentialsError::Process) })
    }
}

/// Parses the `Version: 1` JSON a credential process prints. Error messages
/// never quote the output.
pub fn parse_process_output(program: &str, stdout: &[u8]) -> Result<Credentials, ProcessError> {
    let invalid = |reason: &str| ProcessError::InvalidOutput {
        program: program.to_owned(),
        reason: reason.to_owned(),
    };
    // The reader's errors name what was expected and where, never the content.
    let value = bedrock_wire::json::value_from_slice(stdout).map_err(|e| invalid(&format!("not JSON ({e})")))?;
    let object = value.as_object().ok_or_else(|| invalid("not a JSON object"))?;
    match object.get("Version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(_) => return Err(invalid("unsupported `Version` (only 1 is supported)")),
        None => return Err(invalid("missing or non-numeric `Version`")),
    }
    let string = |key: &str| -> Result<Option<String>, ProcessError> {
        match object.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(&format!("`{key}` is not a string"))),
        }
    };
    let access_key_id = string("AccessKeyId")?.ok_or_else(|| invalid("missing `AccessKeyId`"))?;
    let secret = string("SecretAccessKey")?.ok_or_else(|| invalid("missing `SecretAccessKey`"))?;
    let token = string("SessionToken")?;
    let expiry = match string("Expiration")? {
        None => None,
        Some(text) => {
            let dt = aws_smithy_types::DateTime::from_str(&text, aws_smithy_types::date_time::Format::DateTime)
                .map_err(|_| invalid("`Expiration` is not an RFC 3339 timestamp"))?;
            let secs = u64::try_from(dt.secs()).map_err(|_| invalid("`Expiration` is before 1970"))?;
            Some(UNIX_EPOCH + Duration::new(secs, dt.subsec_nanos()))
        }
    };
    Ok(Credentials::new(
        access_key_id,
        secret,
        token,
        expiry,
        CredentialProcessProvider::NAME,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[derive(Debug)]
    struct Fixed(SystemTime);
    impl Clock for Fixed {
        fn now(&self) -> SystemTime {
            self.0
        }
    }

    const GOOD: &str = r#"{"Version":1,"AccessKeyId":"AKIDPROC","SecretAccessKey":"procsecret","SessionToken":"proctoken","Expiration":"2030-01-01T00:00:00Z"}"#;

    #[test]
    fn parses_version_1() {
        let c = parse_process_output("p", GOOD.as_bytes()).unwrap();
        assert_eq!(c.access_key_id(), "AKIDPROC");
        assert_eq!(c.secret_access_key(), "procsecret");
        assert_eq!(c.session_token(), Some("proctoken"));
        assert_eq!(c.expiry(), Some(UNIX_EPOCH + Duration::from_secs(1_893_456_000)));
        let no_expiry = parse_process_output("p", br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}"#).unwrap();
        assert_eq!(no_expiry.expiry(), None);
    }

    #[test]
    fn rejects_bad_output_without_quoting_it() {
        let cases: &[(&str, &str)] = &[
            ("this is garbage procsecret", "not JSON"),
            ("[1]", "not a JSON object"),
            (
                r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"procsecret"}"#,
                "unsupported",
            ),
            (r#"{"AccessKeyId":"A","SecretAccessKey":"procsecret"}"#, "Version"),
            (r#"{"Version":1,"SecretAccessKey":"procsecret"}"#, "AccessKeyId"),
            (r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":7}"#, "not a string"),
            (
                r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"procsecret","Expiration":"soon"}"#,
                "RFC 3339",
            ),
        ];
        for (out, needle) in cases {
            let msg = parse_process_output("p", out.as_bytes()).unwrap_err().to_string();
            assert!(msg.contains(needle), "{out} -> {msg}");
            assert!(!msg.contains("procsecret"), "{msg}");
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn runs_the_command() {
        let p = CredentialProcessProvider::new(format!("printf '%s' '{GOOD}'"))
            .with_clock(Arc::new(Fixed(UNIX_EPOCH + Duration::from_secs(1_700_000_000))));
        assert_eq!(p.provide_credentials().await.unwrap().access_key_id(), "AKIDPROC");

        let expired = p
            .clone()
            .with_clock(Arc::new(Fixed(UNIX_EPOCH + Duration::from_secs(1_900_000_000))));
        let err = expired.provide_credentials().await.unwrap_err();
        assert!(
            matches!(err, CredentialsError::Process(ProcessError::Expired { .. })),
            "{err}"
        );

        let failing = CredentialProcessProvider::new("echo nope >&2; exit 3");
        let msg = failing.provide_credentials().await.unwrap_err().to_string();
        assert!(msg.contains("status 3") && msg.contains("nope"), "{msg}");

        let garbage = CredentialProcessProvider::new("echo garbage");
        let msg = garbage.provide_credentials().await.unwrap_err().to_string();
        assert!(msg.contains("invalid output"), "{msg}");

        let slow = CredentialProcessProvider::new("sleep 5").with_timeout(Duration::from_millis(200));
        let started = std::time::Instant::now();
        let err = slow.provide_credentials().await.unwrap_err();
        assert!(
            matches!(err, CredentialsError::Process(ProcessError::Timeout { .. })),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
    }
}
