//! Small helpers for writing Rust source text.

use std::fmt::Write as _;

/// Appends formatted text; writing to a `String` cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use w;

/// Writes `///` doc lines (or `//!` with `inner`), one per line of `text`.
pub(crate) fn doc(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            let _ = writeln!(out, "/// {line}");
        }
    }
}

/// A Rust string literal for `s`.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The header every generated file starts with.
pub(crate) fn file_header(header: &str, what: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// {header}");
    let _ = writeln!(out, "//! {what}");
    out.push('\n');
    out
}

/// `bounds` as text for docs: `1..=64`, `>= 1`, `<= 64`.
pub(crate) fn bounds_text(min: Option<f64>, max: Option<f64>) -> Option<String> {
    let fmt = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    };
    match (min, max) {
        (Some(a), Some(b)) => Some(format!("{}..={}", fmt(a), fmt(b))),
        (Some(a), None) => Some(format!(">= {}", fmt(a))),
        (None, Some(b)) => Some(format!("<= {}", fmt(b))),
        (None, None) => None,
    }
}

/// The codec marker type for a codec module name.
pub(crate) fn codec_marker(module: &str) -> &'static str {
    match module {
        "epoch_seconds" => "EpochSeconds",
        "rfc3339" => "Rfc3339",
        "http_date" => "HttpDate",
        "base64" => "Base64",
        "float" => "Float",
        other => unreachable!("unknown codec `{other}`"),
    }
}
