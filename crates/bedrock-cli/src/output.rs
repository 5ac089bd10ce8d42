//! Terminal or pipe: a spinner and a usage line for people, plain text for pipes.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::CliError;

/// Whether standard output and standard error are terminals.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminal {
    pub fn detect() -> Self {
        Terminal {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }

    /// A spinner on standard error until the first token, only when a person is watching.
    pub fn spinner(&self) -> Spinner {
        Spinner::start(self.stderr && self.stdout)
    }
}

/// Spins on standard error until stopped; does nothing when disabled.
pub struct Spinner {
    running: Option<Arc<AtomicBool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    fn start(enabled: bool) -> Self {
        if !enabled {
            return Spinner {
                running: None,
                task: None,
            };
        }
        const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
        // The first frame at once, so that even a fast first token follows a visible spinner.
        eprint!("\r{} ", FRAMES[0]);
        let _ = std::io::stderr().flush();
        let running = Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        let task = tokio::spawn(async move {
            let mut i = 1;
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if !flag.load(Ordering::Relaxed) {
                    break;
                }
                eprint!("\r{} ", FRAMES[i % FRAMES.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
            }
        });
        Spinner {
            running: Some(running),
            task: Some(task),
        }
    }

    /// Stops and erases the spinner (idempotent).
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.store(false, Ordering::Relaxed);
            if let Some(task) = self.task.take() {
                task.abort();
            }
            eprint!("\r  \r");
            let _ = std::io::stderr().flush();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes to standard output. A closed pipe (`bedrock models list | head -1`) ends the command
/// quietly ([`CliError::output_closed`]); any other write error is a failure to report.
pub fn write_out(args: std::fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::output_closed()
        } else {
            CliError::failure(format!("could not write to standard output: {e}"))
        }
    })
}

/// `println!` that returns the write error instead of panicking: `outln!(...)?`.
macro_rules! outln {
    () => {
        $crate::output::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use outln;
