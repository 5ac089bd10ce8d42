//! The bedrock command-line tool.
//!
//! Skeleton: nothing is implemented yet; the work is tracked in issue #9.

fn main() {
    eprintln!("bedrock-cli is not implemented yet (issue #9)");
    std::process::exit(2);
}
