//! `bedrock chat --local` in a pseudo-terminal, as a person uses it: prompts typed on the
//! terminal, answers streamed back, the spinner and the usage line that only a terminal gets,
//! the end of the session (`exit`, Ctrl-D) and Ctrl-C.
//!
//! Nothing here sleeps to synchronise: every step waits for the text it expects, with a
//! generous timeout that only turns a hang into a failure. Linux only: the pseudo-terminal
//! calls, and util-linux `setsid` for the Ctrl-C tests.
#![cfg(target_os = "linux")]

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};

/// How long any one expected output may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the program wrote to the terminal so far, and whether the terminal has closed
/// (every process holding it has exited).
#[derive(Default)]
struct Screen {
    state: Mutex<ScreenState>,
    changed: Condvar,
}

#[derive(Default)]
struct ScreenState {
    bytes: Vec<u8>,
    closed: bool,
    /// Stop reading the terminal once the screen shows this: the program then blocks on its
    /// next write to a full terminal, however slow the test thread is to act.
    pause_at: Option<String>,
    paused: bool,
}

/// `bedrock` running on the terminal side of a pseudo-terminal.
struct Terminal {
    master: File,
    screen: Arc<Screen>,
    child: Child,
    reader: Option<JoinHandle<()>>,
    /// How far the test has read.
    seen: usize,
}

impl Terminal {
    /// Starts `bedrock args` with standard input, output and error on a new terminal, echo off
    /// (the screen shows only what bedrock writes). With `own_session`, bedrock leads a new
    /// session whose controlling terminal this is, so that Ctrl-C typed on it sends SIGINT
    /// (util-linux `setsid --ctty`: the test code itself cannot fork without `unsafe`).
    fn start(home: &Path, args: &[&str], own_session: bool) -> Terminal {
        Terminal::start_pausing(home, args, own_session, None)
    }

    /// [`Terminal::start`], with the screen's reading paused once it shows `pause_at`
    /// ([`Terminal::wait_until_paused`], [`Terminal::resume`]).
    fn start_pausing(home: &Path, args: &[&str], own_session: bool, pause_at: Option<&str>) -> Terminal {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(name.to_str().unwrap())
            .unwrap();
        let mut termios = tcgetattr(&slave).unwrap();
        termios.local_modes.remove(LocalModes::ECHO);
        tcsetattr(&slave, OptionalActions::Now, &termios).unwrap();

        let bin = env!("CARGO_BIN_EXE_bedrock");
        let mut command = if own_session {
            let mut command = Command::new("setsid");
            command.args(["--ctty", "--wait", bin]);
            command
        } else {
            Command::new(bin)
        };
        command
            .args(args)
            .env_clear()
            .env("HOME", home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "xterm")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        let child = command.spawn().expect("bedrock starts on the terminal");
        // The command holds the terminal side open until dropped: the screen closes only when
        // the program's copies are gone.
        drop(command);

        let master = File::from(master);
        let screen = Arc::new(Screen::default());
        screen.state.lock().unwrap().pause_at = pause_at.map(str::to_owned);
        let reader = {
            let mut master = master.try_clone().unwrap();
            let screen = screen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    // EIO once no process holds the terminal side any more.
                    let n = master.read(&mut buf).unwrap_or(0);
                    let mut state = screen.state.lock().unwrap();
                    if n == 0 {
                        state.closed = true;
                    } else {
                        state.bytes.extend_from_slice(&buf[..n]);
                    }
                    let shown = |needle: &String| String::from_utf8_lossy(&state.bytes).contains(needle.as_str());
                    if state.pause_at.as_ref().is_some_and(shown) {
                        state.pause_at = None;
                        state.paused = true;
                    }
                    screen.changed.notify_all();
                    if n == 0 {
                        return;
                    }
                    while state.paused {
                        state = screen.changed.wait(state).unwrap();
                    }
                }
            })
        };
        Terminal {
            master,
            screen,
            child,
            reader: Some(reader),
            seen: 0,
        }
    }

    /// Types `text` on the terminal.
    fn type_text(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits until the screen shows `needle` after what was already read; returns the screen
    /// from there to the end of `needle`, and reads past it.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        let mut state = self.screen.state.lock().unwrap();
        loop {
            let unread = String::from_utf8_lossy(&state.bytes[self.seen..]).into_owned();
            if let Some(at) = unread.find(needle) {
                let end = at + needle.len();
                // Lossy decoding keeps the byte offsets of valid UTF-8; the program writes UTF-8.
                self.seen += unread[..end].len();
                return unread[..end].to_owned();
            }
            let now = Instant::now();
            if state.closed || now >= deadline {
                let screen = String::from_utf8_lossy(&state.bytes).into_owned();
                drop(state);
                let _ = self.child.kill();
                panic!("the terminal never showed {needle:?}; it shows:\n{screen:?}");
            }
            state = self.screen.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    /// Waits until reading has paused at the text given to [`Terminal::start_pausing`].
    fn wait_until_paused(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        let mut state = self.screen.state.lock().unwrap();
        while !state.paused {
            let now = Instant::now();
            if state.closed || now >= deadline {
                let screen = String::from_utf8_lossy(&state.bytes).into_owned();
                drop(state);
                let _ = self.child.kill();
                panic!("the terminal never reached the pause; it shows:\n{screen:?}");
            }
            state = self.screen.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    /// Reads the terminal again after a pause.
    fn resume(&mut self) {
        self.screen.state.lock().unwrap().paused = false;
        self.screen.changed.notify_all();
    }

    /// Waits for the program to exit (its terminal to close), and returns its status and
    /// everything after what was already read.
    fn finish(mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + TIMEOUT;
        let mut state = self.screen.state.lock().unwrap();
        while !state.closed {
            let now = Instant::now();
            if now >= deadline {
                let screen = String::from_utf8_lossy(&state.bytes).into_owned();
                drop(state);
                let _ = self.child.kill();
                panic!("bedrock did not exit; the terminal shows:\n{screen:?}");
            }
            state = self.screen.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
        let rest = String::from_utf8_lossy(&state.bytes[self.seen..]).into_owned();
        drop(state);
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (self.child.wait().unwrap(), rest)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // A failed test must not leave bedrock running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The input token count of a usage line (`[end_turn | tokens in 3 out 3 | 12 ms]`).
fn tokens_in(turn: &str) -> u64 {
    let (_, after) = turn.rsplit_once("tokens in ").expect("a usage line");
    after.split_whitespace().next().unwrap().parse().unwrap()
}

/// One turn of an interactive session: types `prompt`, waits for its answer and usage line.
fn turn(terminal: &mut Terminal, prompt: &str) -> String {
    terminal.type_text(&format!("{prompt}\n"));
    let turn = terminal.wait_for(" ms]");
    // The spinner's first frame, then its erasure, then the streamed answer and the usage line.
    let spinner = turn.find("\r| ").unwrap_or_else(|| panic!("no spinner in {turn:?}"));
    let erased = turn
        .find("\r  \r")
        .unwrap_or_else(|| panic!("spinner not erased in {turn:?}"));
    let answer = turn.find(prompt).unwrap_or_else(|| panic!("no answer in {turn:?}"));
    let usage = turn.find("tokens in").unwrap();
    assert!(spinner < erased && erased < answer && answer < usage, "{turn:?}");
    // The next prompt: the answer is complete.
    terminal.wait_for("> ");
    turn
}

fn interactive_session(api: &str, end: &str) {
    let home = tempfile::tempdir().unwrap();
    let mut terminal = Terminal::start(home.path(), &["--local", "chat", "--api", api], false);
    terminal.wait_for("> ");
    let first = turn(&mut terminal, "first question");
    let second = turn(&mut terminal, "and a second one");
    // The second request carries the first turn: more input tokens.
    assert!(
        tokens_in(&second) > tokens_in(&first),
        "{api}: {first:?} then {second:?}"
    );
    terminal.type_text(end);
    let (status, rest) = terminal.finish();
    assert!(status.success(), "{api}: {status:?} {rest:?}");
    assert!(!rest.contains("bedrock:"), "{api}: {rest:?}");
}

#[test]
fn converse_session_on_a_terminal_ends_with_exit() {
    interactive_session("converse", "exit\n");
}

#[test]
fn responses_session_on_a_terminal_ends_at_end_of_input() {
    // Ctrl-D at the start of a line: the end of input.
    interactive_session("responses", "\x04");
}

#[test]
fn messages_session_on_a_terminal_ends_with_exit() {
    interactive_session("messages", "exit\n");
}

#[test]
fn chat_completions_session_on_a_terminal_ends_at_end_of_input() {
    interactive_session("chat-completions", "\x04");
}

#[test]
fn piped_session_gets_only_the_answers() {
    for api in ["converse", "responses"] {
        let home = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock"))
            .args(["--local", "chat", "--api", api])
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"first question\nand a second one\nexit\n")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{api}: {output:?}");
        // No prompt, spinner or usage line: the answers alone.
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            "first question\nand a second one\n",
            "{api}"
        );
        assert_eq!(String::from_utf8(output.stderr).unwrap(), "", "{api}");
    }
}

/// Whether util-linux `setsid` (with `--ctty`) is installed: the Ctrl-C tests need it.
fn have_setsid() -> bool {
    let found = Command::new("setsid")
        .arg("--help")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("--ctty"))
        .unwrap_or(false);
    if !found {
        eprintln!("skipped: util-linux `setsid --ctty` is not installed");
    }
    found
}

/// Ctrl-C while an answer streams: the stream stops, the line ends, exit code 130.
fn interrupt_stream(api: &str) {
    let home = tempfile::tempdir().unwrap();
    // A million tokens, and the terminal not read from the first words on: the answer is
    // still streaming (blocked on its output) when Ctrl-C arrives.
    let mut terminal = Terminal::start_pausing(
        home.path(),
        &[
            "--local",
            "chat",
            "--api",
            api,
            "--model",
            "generator/1000000",
            "--max-tokens",
            "1000000",
            "go",
        ],
        true,
        Some("bravo"),
    );
    terminal.wait_until_paused();
    terminal.type_text("\x03");
    terminal.resume();
    let (status, rest) = terminal.finish();
    assert_eq!(status.code(), Some(130), "{api}: {rest:?}");
    assert!(rest.ends_with("bedrock: interrupted\r\n"), "{api}: {rest:?}");
    assert!(!rest.contains("tokens in"), "{api}: {rest:?}");
}

#[test]
fn ctrl_c_stops_a_converse_stream_with_exit_code_130() {
    if have_setsid() {
        interrupt_stream("converse");
    }
}

#[test]
fn ctrl_c_stops_a_messages_stream_with_exit_code_130() {
    if have_setsid() {
        interrupt_stream("messages");
    }
}

#[test]
fn ctrl_c_at_the_prompt_ends_the_session_with_exit_code_130() {
    if !have_setsid() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut terminal = Terminal::start(home.path(), &["--local", "chat", "--api", "chat-completions"], true);
    terminal.wait_for("> ");
    turn(&mut terminal, "hello");
    terminal.type_text("\x03");
    let (status, rest) = terminal.finish();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert!(rest.contains("bedrock: interrupted"), "{rest:?}");
}
