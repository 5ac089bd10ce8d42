//! boto3 (a third-party client: botocore's serializers, SigV4 signer, event-stream parser and
//! error handling) against the emulator: runs `tests/python/boto3_fidelity.py`.
//!
//! Needs `python3` with boto3 installed (`pip install boto3`); CI installs it. Without it the
//! test fails and says so, rather than passing without having checked anything.

use std::process::Command;

use bedrock_local::{AuthMode, Config};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/boto3_fidelity.py");

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_talks_to_the_emulator() {
    let probe = Command::new(python()).args(["-c", "import boto3"]).output();
    match probe {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "boto3 is not importable by {}: run `pip install boto3` (CI installs it).\n{}",
            python(),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!(
            "cannot run {}: {error}; install Python 3 and `pip install boto3` (CI installs both)",
            python()
        ),
    }

    let server = bedrock_local::start(Config::new().auth(AuthMode::Permissive))
        .await
        .unwrap();
    let url = server.base_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python())
            .arg(SCRIPT)
            .env("BEDROCK_LOCAL_URL", url)
            // The control-plane routes are wired by a parallel change; until it is merged the
            // script skips its control-plane class. Remove this line after the merge.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.shutdown().await;
    assert!(
        output.status.success(),
        "boto3_fidelity.py failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
