//! Constraint checks behind the generated `validate()` methods.
//!
//! Required members are plain (non-`Option`) fields, so the type system
//! already enforces them; `validate()` checks what types cannot express:
//! lengths, numeric ranges and patterns. It is never called on responses.

use std::fmt;

/// One broken constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// Where, from the validated value: `messages[0].content[1].text`.
    pub path: String,
    /// Which constraint.
    pub kind: ViolationKind,
}

/// The constraint that was broken.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A string (in characters), blob (in bytes), list or map (in entries) has the wrong size.
    Length {
        /// Smallest allowed size.
        min: Option<u64>,
        /// Largest allowed size.
        max: Option<u64>,
        /// The actual size.
        actual: u64,
    },
    /// A number is out of range.
    Range {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
        /// The actual value.
        actual: f64,
    },
    /// A string does not match its pattern.
    Pattern {
        /// The regular expression it must match.
        pattern: &'static str,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn bounds<T: fmt::Display>(f: &mut fmt::Formatter<'_>, min: &Option<T>, max: &Option<T>) -> fmt::Result {
            match (min, max) {
                (Some(min), Some(max)) => write!(f, "between {min} and {max}"),
                (Some(min), None) => write!(f, "at least {min}"),
                (None, Some(max)) => write!(f, "at most {max}"),
                (None, None) => f.write_str("unbounded"),
            }
        }
        write!(f, "{}: ", self.path)?;
        match &self.kind {
            ViolationKind::Length { min, max, actual } => {
                write!(f, "length {actual}, must be ")?;
                bounds(f, min, max)
            }
            ViolationKind::Range { min, max, actual } => {
                write!(f, "value {actual}, must be ")?;
                bounds(f, min, max)
            }
            ViolationKind::Pattern { pattern } => write!(f, "does not match the pattern `{pattern}`"),
        }
    }
}

/// Every constraint a value breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    /// The broken constraints, in member order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} constraint violation(s)", self.violations.len())?;
        for v in &self.violations {
            write!(f, "; {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Implemented by every generated structure and union.
pub trait Validate {
    /// Appends the violations of this value, found under `path`, to `out`.
    fn validate_at(&self, path: &str, out: &mut Vec<Violation>);

    /// Checks every constraint, returning all violations at once.
    fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Vec::new();
        self.validate_at("", &mut violations);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { violations })
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_at(&self, path: &str, out: &mut Vec<Violation>) {
        (**self).validate_at(path, out)
    }
}

/// Joins a parent path and a member name.
pub fn member_path(parent: &str, member: &str) -> String {
    if parent.is_empty() {
        member.to_owned()
    } else {
        format!("{parent}.{member}")
    }
}

/// Joins a parent path and a list index or map key.
pub fn index_path(parent: &str, index: impl fmt::Display) -> String {
    format!("{parent}[{index}]")
}

/// Checks a size against inclusive bounds.
pub fn check_length(out: &mut Vec<Violation>, path: &str, actual: usize, min: Option<u64>, max: Option<u64>) {
    let actual = actual as u64;
    if min.is_some_and(|min| actual < min) || max.is_some_and(|max| actual > max) {
        out.push(Violation {
            path: path.to_owned(),
            kind: ViolationKind::Length { min, max, actual },
        });
    }
}

/// Checks a number against inclusive bounds.
pub fn check_range(out: &mut Vec<Violation>, path: &str, actual: f64, min: Option<f64>, max: Option<f64>) {
    if min.is_some_and(|min| actual < min) || max.is_some_and(|max| actual > max) {
        out.push(Violation {
            path: path.to_owned(),
            kind: ViolationKind::Range { min, max, actual },
        });
    }
}

/// The engine `validate()` compiles patterns with: the full `regex` (feature `patterns`, needed
/// for Unicode classes such as `\p{L}`), else `regex-lite` (feature `patterns-lite`) on the
/// pattern rewritten by [`lite_source`] so that it matches exactly what `regex` would.
#[cfg(feature = "patterns")]
type Engine = regex::Regex;
#[cfg(all(feature = "patterns-lite", not(feature = "patterns")))]
type Engine = regex_lite::Regex;

#[cfg(feature = "patterns")]
fn compile(source: &str) -> Option<Engine> {
    regex::Regex::new(source).ok()
}
#[cfg(all(feature = "patterns-lite", not(feature = "patterns")))]
fn compile(source: &str) -> Option<Engine> {
    regex_lite::Regex::new(&lite_source(source)?).ok()
}

/// Unicode `White_Space`, which is what `\s` means in `regex` (and in the Java-style patterns
/// of the specs); `regex-lite`'s `\s` is ASCII only.
const WHITE_SPACE: &str =
    "\\t\\n\\x0B\\x0C\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

/// Every Unicode scalar value not in [`WHITE_SPACE`], as class items.
const NOT_WHITE_SPACE: &str = "\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{84}\\x{86}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{10FFFF}";

/// A spec pattern rewritten for `regex-lite` so that it matches exactly the strings `regex`
/// matches: `\s` and `\S` become the Unicode `White_Space` class and its negation. `None` for
/// a pattern that uses what `regex-lite` would read differently (Unicode-aware `\d`, `\w`,
/// `\b`, Unicode classes `\p{..}`, flags such as case-insensitive `(?i)`): such a pattern needs
/// the full engine (feature `patterns`) and is not checked under `patterns-lite` alone.
pub fn lite_source(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut chars = source.chars().peekable();
    // Depth of (possibly nested) bracketed classes.
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next()?;
                match next {
                    's' if depth > 0 => out.push_str(WHITE_SPACE),
                    's' => {
                        out.push('[');
                        out.push_str(WHITE_SPACE);
                        out.push(']');
                    }
                    // `regex-lite` has no nested classes, so inside a class the complement is spelled out.
                    'S' if depth > 0 => out.push_str(NOT_WHITE_SPACE),
                    'S' => {
                        out.push_str("[^");
                        out.push_str(WHITE_SPACE);
                        out.push(']');
                    }
                    'd' | 'D' | 'w' | 'W' | 'b' | 'B' | 'p' | 'P' | '<' | '>' => return None,
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            '[' => {
                if depth > 0 && chars.peek() == Some(&':') {
                    // An ASCII class such as `[:alpha:]`: the same in both engines.
                    out.push('[');
                    for c in chars.by_ref() {
                        out.push(c);
                        if c == ']' {
                            break;
                        }
                    }
                    continue;
                }
                depth += 1;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next()?);
                }
                // A `]` first in a class is a literal.
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
            }
            '(' if depth == 0 && chars.peek() == Some(&'?') => {
                chars.next();
                // Only the non-capturing group `(?:` reads the same; flags may not.
                if chars.next()? != ':' {
                    return None;
                }
                out.push_str("(?:");
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// A `pattern` constraint, compiled on first use.
pub struct Pattern {
    source: &'static str,
    #[cfg(any(feature = "patterns", feature = "patterns-lite"))]
    compiled: std::sync::OnceLock<Option<Engine>>,
}

impl Pattern {
    /// A pattern from the spec. The generator checks at generation time that it compiles.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            #[cfg(any(feature = "patterns", feature = "patterns-lite"))]
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The regular expression's source.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches; `true` when pattern checks are compiled out (features `patterns`
    /// and `patterns-lite` off) or the pattern cannot be compiled by the engine in use.
    pub fn is_match(&self, value: &str) -> bool {
        #[cfg(any(feature = "patterns", feature = "patterns-lite"))]
        {
            match self.compiled.get_or_init(|| compile(self.source)) {
                Some(regex) => regex.is_match(value),
                None => true,
            }
        }
        #[cfg(not(any(feature = "patterns", feature = "patterns-lite")))]
        {
            let _ = value;
            true
        }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// Checks a string against a pattern (a search, not a full match, as Smithy defines it).
pub fn check_pattern(out: &mut Vec<Violation>, path: &str, value: &str, pattern: &'static Pattern) {
    if !pattern.is_match(value) {
        out.push(Violation {
            path: path.to_owned(),
            kind: ViolationKind::Pattern {
                pattern: pattern.source,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ID: Pattern = Pattern::new("^[a-z]+$");

    #[test]
    fn collects_every_violation_with_paths() {
        let mut out = Vec::new();
        check_length(&mut out, &member_path("", "name"), 0, Some(1), Some(3));
        check_range(&mut out, &index_path("items", 2), 11.0, None, Some(10.0));
        check_pattern(&mut out, "id", "ABC", &ID);
        check_pattern(&mut out, "ok", "abc", &ID);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].to_string(), "name: length 0, must be between 1 and 3");
        assert_eq!(out[1].to_string(), "items[2]: value 11, must be at most 10");
        assert_eq!(out[2].to_string(), "id: does not match the pattern `^[a-z]+$`");
    }
}
