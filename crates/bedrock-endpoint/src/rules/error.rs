//! Errors of the rules engine.

use std::fmt;

use super::ParameterType;

/// A rule set or partitions document could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    document: &'static str,
    path: String,
    message: String,
}

impl ParseError {
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn new(document: &'static str, path: &str, message: impl Into<String>) -> Self {
        ParseError {
            document,
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// Where in the document the problem is, such as `rules[0].conditions[1]` (empty for the whole document).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "invalid {}: {}", self.document, self.message)
        } else {
            write!(f, "invalid {} at `{}`: {}", self.document, self.path, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// Evaluating a rule set did not yield an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// An error rule matched; this is its message, such as
    /// `Invalid Configuration: FIPS and custom endpoint are not supported`.
    Rule(String),
    /// No rule matched (a rule set should end with a rule that always matches).
    NoRuleMatched,
    /// A required parameter has neither a value nor a default.
    MissingParameter(String),
    /// A parameter's value has the wrong type.
    ParameterType {
        /// The parameter.
        name: String,
        /// Its declared type.
        expected: ParameterType,
        /// The type of the value given.
        found: &'static str,
    },
    /// The rule set is malformed in a way only evaluation shows (for example a
    /// function given a value of the wrong type).
    InvalidRuleSet(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Rule(message) => f.write_str(message),
            ResolveError::NoRuleMatched => f.write_str("no endpoint rule matched these parameters"),
            ResolveError::MissingParameter(name) => {
                write!(f, "parameter `{name}` is required and has no default; give it a value")
            }
            ResolveError::ParameterType { name, expected, found } => {
                write!(f, "parameter `{name}` is a {expected}, but a {found} was given")
            }
            ResolveError::InvalidRuleSet(message) => write!(f, "invalid rule set: {message}"),
        }
    }
}

impl std::error::Error for ResolveError {}
