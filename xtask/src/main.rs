//! Repository automation for the Bedrock SDK workspace; run it as `cargo xtask <command>`.

mod codegen;
mod specs;

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  specs [--update-lock]  fetch (if needed), extract and verify the pinned AWS API models
                         --update-lock: rewrite the hashes in specs/specs.lock for the pinned version
  codegen [--check]      regenerate code from the models
                         --check: fail if the generated code is out of date
  help                   show this message
";

#[derive(Debug, PartialEq, Eq)]
enum Cmd {
    Specs { update_lock: bool },
    Codegen { check: bool },
    Help,
}

fn parse_args(args: &[String]) -> Result<Cmd, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("no command given".to_owned());
    };
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Cmd::Help);
    }
    // Each command takes at most one flag.
    let flag = |name: &str| -> Result<bool, String> {
        match rest {
            [] => Ok(false),
            [only] if only == name => Ok(true),
            [other, ..] if other != name => Err(format!("unexpected argument `{other}` for `{command}`")),
            [_, extra, ..] => Err(format!("unexpected argument `{extra}` for `{command}`")),
            _ => Err(format!("bad arguments for `{command}`")),
        }
    };
    match command.as_str() {
        "specs" => Ok(Cmd::Specs {
            update_lock: flag("--update-lock")?,
        }),
        "codegen" => Ok(Cmd::Codegen {
            check: flag("--check")?,
        }),
        "help" | "-h" | "--help" => Ok(Cmd::Help),
        other => Err(format!("unknown command `{other}`")),
    }
}

/// The workspace root: the parent of this package's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

fn fail(error: impl Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

fn specs(root: &Path, update_lock: bool) -> ExitCode {
    let result = if update_lock {
        specs::run(root, specs::Mode::UpdateLock)
    } else {
        specs::ensure_specs(root)
    };
    let paths = match result {
        Ok(paths) => paths,
        Err(e) => return fail(e),
    };
    let show = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    if update_lock {
        println!(
            "specs: wrote {} for botocore {}",
            specs::LOCK_PATH,
            paths.botocore_version
        );
    } else {
        println!(
            "specs: botocore {} verified against {}",
            paths.botocore_version,
            specs::LOCK_PATH
        );
    }
    for spec in [&paths.bedrock, &paths.runtime] {
        for file in [&spec.service, &spec.paginators, &spec.rules] {
            println!("  {}", show(file));
        }
    }
    println!("  {}", show(&paths.partitions));
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match parse_args(&args) {
        Ok(cmd) => cmd,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    match cmd {
        Cmd::Help => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Cmd::Specs { update_lock } => specs(&root, update_lock),
        Cmd::Codegen { check } => codegen::run(&root, check).map_or_else(fail, |()| ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cmd, String> {
        parse_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse(&["specs"]), Ok(Cmd::Specs { update_lock: false }));
        assert_eq!(parse(&["specs", "--update-lock"]), Ok(Cmd::Specs { update_lock: true }));
        assert_eq!(parse(&["codegen"]), Ok(Cmd::Codegen { check: false }));
        assert_eq!(parse(&["codegen", "--check"]), Ok(Cmd::Codegen { check: true }));
        assert_eq!(parse(&["help"]), Ok(Cmd::Help));
        assert_eq!(parse(&["specs", "--help"]), Ok(Cmd::Help));
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["frobnicate"])
            .unwrap_err()
            .contains("unknown command `frobnicate`"));
        assert!(parse(&["specs", "--check"]).unwrap_err().contains("`--check`"));
        assert!(parse(&["codegen", "--check", "--check"])
            .unwrap_err()
            .contains("unexpected argument"));
    }

    #[test]
    fn root_is_workspace() {
        assert!(workspace_root().join("specs").is_dir() || workspace_root().join("Cargo.toml").is_file());
    }
}
