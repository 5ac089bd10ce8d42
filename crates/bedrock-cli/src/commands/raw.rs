//! `bedrock invoke` and `bedrock converse`: raw JSON in, the service's answer out.

use std::io::Read;
use std::path::Path;

use bedrock_runtime::types::{ConverseRequest, InvokeModelRequest};
use bedrock_runtime::Client;
use bedrock_wire::Blob;

use crate::args::{ConverseArgs, InvokeArgs, OutputFormat};
use crate::error::CliError;
use crate::output::{outln, write_out};
use crate::setup::Session;

fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut buffer = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buffer)
            .map_err(|e| CliError::usage(format!("could not read standard input: {e}")))?;
        return Ok(buffer);
    }
    std::fs::read(path).map_err(|e| CliError::usage(format!("could not read {}: {e}", path.display())))
}

pub async fn invoke(session: &Session, args: &InvokeArgs) -> Result<(), CliError> {
    let body = read_input(&args.body)?;
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&body) {
        return Err(CliError::usage(format!("{} is not JSON: {e}", args.body.display())));
    }
    let request = InvokeModelRequest::new(args.model.clone())
        .with_body(Blob::new(body))
        .with_content_type("application/json")
        .with_accept("application/json");
    let response = Client::new(&session.config)
        .invoke_model(request)
        .await
        .map_err(|e| CliError::from_sdk(e, "bedrock:InvokeModel"))?;
    let bytes = response.body.into_inner();
    // Pretty-print JSON answers; anything else goes out as it came.
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) => outln!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::failure(e.to_string()))?
        )?,
        Err(_) => write_out(format_args!("{}", String::from_utf8_lossy(&bytes)))?,
    }
    Ok(())
}

pub async fn converse(session: &Session, args: &ConverseArgs, format: OutputFormat) -> Result<(), CliError> {
    let input = read_input(&args.input)?;
    let request: ConverseRequest = serde_json::from_slice(&input).map_err(|e| {
        CliError::usage(format!(
            "{} is not a Converse request in its JSON wire form: {e}",
            args.input.display()
        ))
    })?;
    let response = Client::new(&session.config)
        .converse(request)
        .await
        .map_err(|e| CliError::from_sdk(e, "bedrock:InvokeModel"))?;
    let json = match format {
        OutputFormat::Json => serde_json::to_string(&response),
        OutputFormat::Text => serde_json::to_string_pretty(&response),
    }
    .map_err(|e| CliError::failure(e.to_string()))?;
    outln!("{json}")?;
    Ok(())
}
