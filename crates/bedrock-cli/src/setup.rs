//! From global flags to a configuration; `--local` starts the emulator first.

use bedrock_config::{Config, Credentials};

use crate::args::GlobalArgs;
use crate::error::CliError;

/// The configuration, and the in-process emulator when `--local` asked for one (it stops
/// when this is dropped).
pub struct Session {
    pub config: Config,
    pub local: Option<bedrock_local::Handle>,
}

impl Session {
    pub async fn start(args: &GlobalArgs) -> Result<Session, CliError> {
        let mut loader = bedrock_config::from_env();
        if let Some(profile) = &args.profile {
            loader = loader.profile_name(profile.clone());
        }
        if let Some(region) = &args.region {
            loader = loader.region(region.clone());
        }
        if let Some(url) = &args.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        if let Some(key) = &args.api_key {
            loader = loader.api_key(key.clone());
        }
        let mut local = None;
        if args.local {
            let server = bedrock_local::start(bedrock_local::Config::new())
                .await
                .map_err(|e| CliError::failure(format!("could not start bedrock-local: {e}")))?;
            // The emulator accepts any well-formed signature: fixed local credentials keep the
            // user's real ones (and the credential chain's lookups) out of it.
            loader = loader.endpoint_url(server.base_url());
            if args.region.is_none() {
                loader = loader.region("us-east-1");
            }
            if args.api_key.is_none() {
                loader = loader.credentials(Credentials::new(
                    "AKIDLOCAL",
                    "bedrock-local",
                    None,
                    None,
                    "bedrock-cli --local",
                ));
            }
            local = Some(server);
        }
        let config = loader.load().await?;
        Ok(Session { config, local })
    }

    pub async fn finish(self) {
        if let Some(server) = self.local {
            server.shutdown().await;
        }
    }
}
