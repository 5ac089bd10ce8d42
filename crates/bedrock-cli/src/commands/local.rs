//! `bedrock local`: the emulator in the foreground until Ctrl-C.

use crate::args::LocalArgs;
use crate::error::CliError;
use crate::output::outln;

pub async fn run(args: &LocalArgs) -> Result<(), CliError> {
    let mut config = match &args.config {
        Some(path) => bedrock_local::Config::from_file(path).map_err(|e| CliError::usage(e.to_string()))?,
        None => bedrock_local::Config::new(),
    };
    if let Some(port) = args.port {
        config = config.port(port);
    }
    let server = bedrock_local::start(config)
        .await
        .map_err(|e| CliError::failure(format!("could not start bedrock-local: {e}")))?;
    outln!("{}", server.base_url())?;
    eprintln!("bedrock-local is serving; point a client at the URL above (Ctrl-C stops it)");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(())
}
