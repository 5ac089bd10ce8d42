//! The official `openai` and `anthropic` Python packages against the emulator's mantle routes:
//! runs `tests/python/mantle_clients.py` (chat completions and responses through `/v1` and
//! `/openai/v1`, messages and count_tokens through `/anthropic`, streamed and not, with the
//! packages' own stream parsing and helpers).
//!
//! Needs `python3` with both packages installed (`pip install openai anthropic`); CI installs
//! them. Without them the test fails and says so, rather than passing without having checked
//! anything.

use std::process::Command;

use bedrock_local::{AuthMode, Config};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mantle_clients.py");

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_and_anthropic_packages_talk_to_the_emulator() {
    let probe = Command::new(python()).args(["-c", "import openai, anthropic"]).output();
    match probe {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "the openai and anthropic packages are not importable by {}: run `pip install openai anthropic` \
             (CI installs them).\n{}",
            python(),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!(
            "cannot run {}: {error}; install Python 3 and `pip install openai anthropic` (CI installs both)",
            python()
        ),
    }

    // Verify mode: the bearer key the script sends must be one the server knows.
    let auth = AuthMode::Verify {
        credentials: Default::default(),
        api_keys: vec!["ABSKlocal-test-key".into()],
    };
    let server = bedrock_local::start(Config::new().auth(auth)).await.unwrap();
    let url = server.base_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python())
            .args(["-W", "ignore", SCRIPT])
            .env("BEDROCK_LOCAL_URL", url)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_BASE_URL")
            .env_remove("ANTHROPIC_API_KEY")
            .env_remove("ANTHROPIC_AUTH_TOKEN")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.shutdown().await;
    assert!(
        output.status.success(),
        "mantle_clients.py failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
