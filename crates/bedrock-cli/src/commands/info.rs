//! `bedrock token`, `bedrock endpoint`: local computations, nothing sent to Bedrock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_auth::generate_short_term_api_key;
use bedrock_config::{Service, ServiceClient, Signing};
use bedrock_wire::DateTime;

use crate::args::{EndpointArgs, OutputFormat, ServiceArg, TokenArgs};
use crate::error::{chain, CliError};
use crate::output::outln;
use crate::setup::Session;

pub async fn token(session: &Session, args: &TokenArgs, format: OutputFormat) -> Result<(), CliError> {
    let config = &session.config;
    let region = config
        .region()
        .ok_or_else(|| CliError::config("a short-term key is tied to a region: pass --region or set AWS_REGION"))?;
    let provider = config.credentials_provider().ok_or_else(|| {
        CliError::config("a short-term key is made from AWS credentials, but an API key is configured")
    })?;
    let credentials = provider.provide_credentials().await.map_err(|e| {
        CliError::config(format!(
            "{}\nhint: configure AWS credentials (environment, profile, SSO) to generate a key",
            chain(&e)
        ))
    })?;
    let key = generate_short_term_api_key(
        &credentials,
        region,
        SystemTime::now(),
        Some(Duration::from_secs(args.lifetime)),
    )
    .map_err(|e| CliError::usage(chain(&e)))?;
    let secs = key.expires_at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let expires = DateTime::from_secs(secs as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::json!({ "apiKey": key.key.expose_secret(), "expiresAt": expires, "region": region })
        )?,
        OutputFormat::Text => {
            outln!("{}", key.key.expose_secret())?;
            eprintln!("expires {expires} (region {region}); use it as AWS_BEARER_TOKEN_BEDROCK");
        }
    }
    Ok(())
}

pub fn endpoint(session: &Session, args: &EndpointArgs, format: OutputFormat) -> Result<(), CliError> {
    let service = match args.service {
        ServiceArg::Runtime => Service::BedrockRuntime,
        ServiceArg::Control => Service::Bedrock,
        ServiceArg::Mantle => Service::BedrockMantle,
    };
    let client = ServiceClient::new(&session.config, service);
    let endpoint = client.endpoint().map_err(|e| {
        CliError::config(format!(
            "{}\nhint: pass --region, set AWS_REGION, or add `region` to your profile",
            chain(e)
        ))
    })?;
    let auth = match client.signing() {
        Signing::SigV4(_) | Signing::Bearer(_) => session.config.auth_mode(),
    };
    let region = endpoint.signing_region().unwrap_or("-");
    match format {
        OutputFormat::Json => outln!(
            "{}",
            serde_json::json!({
                "service": service.name(),
                "url": endpoint.url(),
                "source": endpoint.source().to_string(),
                "signingName": endpoint.signing_name(),
                "signingRegion": endpoint.signing_region(),
                "auth": session.config.auth_mode(),
            })
        )?,
        OutputFormat::Text => {
            outln!("service       {}", service.name())?;
            outln!("url           {} ({})", endpoint.url(), endpoint.source())?;
            outln!("signing name  {}", endpoint.signing_name())?;
            outln!("region        {region}")?;
            outln!("auth          {auth}")?;
        }
    }
    Ok(())
}
