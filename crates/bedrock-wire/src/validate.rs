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

/// A `pattern` constraint, compiled on first use.
pub struct Pattern {
    source: &'static str,
    #[cfg(feature = "patterns")]
    compiled: std::sync::OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    /// A pattern from the spec. The generator checks at generation time that it compiles.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            #[cfg(feature = "patterns")]
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The regular expression's source.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches; `true` when pattern checks are compiled out (feature `patterns` off).
    pub fn is_match(&self, value: &str) -> bool {
        #[cfg(feature = "patterns")]
        {
            match self.compiled.get_or_init(|| regex::Regex::new(self.source).ok()) {
                Some(regex) => regex.is_match(value),
                None => true,
            }
        }
        #[cfg(not(feature = "patterns"))]
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
