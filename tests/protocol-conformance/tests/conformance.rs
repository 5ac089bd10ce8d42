//! Runs every generated protocol conformance case and prints `N passed, M failed` per suite file.

use std::process::ExitCode;

use protocol_conformance::support::Case;
use protocol_conformance::{INPUT_CASES, OUTPUT_CASES, SERVER_INPUT_CASES, SERVER_OUTPUT_CASES, SKIPPED};

fn run(label: &str, cases: &[Case]) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        let outcome = std::panic::catch_unwind(case.run).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("panicked: {message}"))
        });
        match outcome {
            Ok(()) => passed += 1,
            Err(message) => {
                failed += 1;
                println!("FAIL {label} {} ({}): {message}", case.id, case.suite);
            }
        }
    }
    println!("restJson1 {label}: {passed} passed, {failed} failed");
    (passed, failed)
}

fn main() -> ExitCode {
    for skip in SKIPPED {
        println!("skip {}: {}", skip.id, skip.reason);
    }
    let (ip, if_) = run("input", INPUT_CASES);
    let (op, of) = run("output", OUTPUT_CASES);
    // The same cases from the server side (`ServerOperation`, the router).
    let (sip, sif) = run("server input", SERVER_INPUT_CASES);
    let (sop, sof) = run("server output", SERVER_OUTPUT_CASES);
    println!(
        "conformance: {} passed, {} failed, {} skipped",
        ip + op,
        if_ + of,
        SKIPPED.len()
    );
    println!("conformance (server side): {} passed, {} failed", sip + sop, sif + sof);
    if if_ + of + sif + sof == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
