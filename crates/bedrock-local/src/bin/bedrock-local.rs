//! `bedrock-local [--port N] [--config FILE]`: runs the emulator until Ctrl-C.
//!
//! Prints the base URL (`http://127.0.0.1:PORT`) on the first line of standard output.

use std::process::ExitCode;

const USAGE: &str = "usage: bedrock-local [--port N] [--config FILE]\n\n\
  --port N       listen on 127.0.0.1:N (default: the config's address, else a free port)\n\
  --config FILE  JSON configuration (see docs/bedrock-local.md)\n";

fn parse_args() -> Result<Option<bedrock_local::Config>, String> {
    let mut port = None;
    let mut config_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" | "-p" => {
                let value = inline.or_else(|| args.next()).ok_or("--port needs a value")?;
                port = Some(value.parse::<u16>().map_err(|_| format!("invalid port: {value}"))?);
            }
            "--config" | "-c" => {
                config_path = Some(inline.or_else(|| args.next()).ok_or("--config needs a file")?);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let mut config = match config_path {
        Some(path) => bedrock_local::Config::from_file(path).map_err(|e| e.to_string())?,
        None => bedrock_local::Config::new(),
    };
    if let Some(port) = port {
        config = config.port(port);
    }
    Ok(Some(config))
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(Some(config)) => config,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprint!("bedrock-local: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("bedrock-local: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match bedrock_local::start(config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("bedrock-local: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!("{}", server.base_url());
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("bedrock-local: cannot wait for Ctrl-C: {e}");
        }
        eprintln!("bedrock-local: shutting down");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
