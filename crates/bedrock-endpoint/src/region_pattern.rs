//! The `regionRegex` patterns of `partitions.json`, matched without a regex engine.
//!
//! Every partition pattern AWS ships has one shape: anchored at both ends, literal text
//! (`\-` for a hyphen), a group of literal alternatives such as `(us|eu|ap)`, and the
//! classes `\w+` and `\d+`. [`RegionPattern`] parses exactly that subset and matches it
//! as an ASCII regex engine would (`\w` is `[0-9A-Za-z_]`, `\d` is `[0-9]`). The built-in
//! partitions need nothing else, so a client's build carries no regex engine; a pattern
//! outside the subset, from a `partitions.json` read at run time, goes to `regex-lite`
//! (feature `json`).

/// One piece of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    /// This exact text.
    Text(String),
    /// One of these texts.
    OneOf(Vec<String>),
    /// One or more ASCII word characters (`\w+`).
    Word,
    /// One or more ASCII digits (`\d+`).
    Digits,
}

/// A parsed region pattern: the pieces between `^` and `$`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegionPattern {
    pieces: Vec<Piece>,
}

impl RegionPattern {
    /// Parses `pattern`, or `None` when it is outside the subset described above.
    pub(crate) fn parse(pattern: &str) -> Option<RegionPattern> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        let mut pieces = Vec::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            let piece = match c {
                '\\' => match chars.next()? {
                    'w' => repeated(&mut chars, Piece::Word)?,
                    'd' => repeated(&mut chars, Piece::Digits)?,
                    escaped if is_escaped_literal(escaped) => Piece::Text(escaped.to_string()),
                    _ => return None,
                },
                '(' => {
                    let mut options = vec![String::new()];
                    loop {
                        match chars.next()? {
                            ')' => break,
                            '|' => options.push(String::new()),
                            '\\' => match chars.next()? {
                                escaped if is_escaped_literal(escaped) => options.last_mut()?.push(escaped),
                                _ => return None,
                            },
                            c if is_literal(c) => options.last_mut()?.push(c),
                            _ => return None,
                        }
                    }
                    if options.iter().any(String::is_empty) {
                        return None;
                    }
                    Piece::OneOf(options)
                }
                c if is_literal(c) => Piece::Text(c.to_string()),
                _ => return None,
            };
            // Adjacent literal text is one piece.
            match (pieces.last_mut(), piece) {
                (Some(Piece::Text(text)), Piece::Text(more)) => text.push_str(&more),
                (_, piece) => pieces.push(piece),
            }
        }
        Some(RegionPattern { pieces })
    }

    /// Whether the whole of `region` matches.
    pub(crate) fn is_match(&self, region: &str) -> bool {
        matches_from(&self.pieces, region.as_bytes())
    }
}

/// `\w` and `\d` must be followed by `+`: a bare class or another quantifier is outside
/// the subset.
fn repeated(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, piece: Piece) -> Option<Piece> {
    (chars.next()? == '+').then_some(piece)
}

/// Characters that stand for themselves unescaped.
fn is_literal(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Characters that stand for themselves after a backslash.
fn is_escaped_literal(c: char) -> bool {
    matches!(
        c,
        '-' | '.' | '_' | '/' | '\\' | '(' | ')' | '|' | '^' | '$' | '+' | '*' | '?'
    )
}

/// Backtracking match of `pieces` against all of `text`. Patterns are a handful of
/// pieces and region names a few dozen bytes, so the search is tiny.
fn matches_from(pieces: &[Piece], text: &[u8]) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match piece {
        Piece::Text(t) => text
            .strip_prefix(t.as_bytes())
            .is_some_and(|after| matches_from(rest, after)),
        Piece::OneOf(options) => options.iter().any(|t| {
            text.strip_prefix(t.as_bytes())
                .is_some_and(|after| matches_from(rest, after))
        }),
        Piece::Word | Piece::Digits => {
            let class = |b: &u8| match piece {
                Piece::Word => b.is_ascii_alphanumeric() || *b == b'_',
                _ => b.is_ascii_digit(),
            };
            let run = text.iter().take_while(|b| class(b)).count();
            // Longest first, as a greedy engine would; any length that lets the rest match will do.
            (1..=run).rev().any(|n| matches_from(rest, &text[n..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns of the pinned partitions.json, and strings around them.
    const PATTERNS: &[&str] = &[
        r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
        r"^cn\-\w+\-\d+$",
        r"^eusc\-(de)\-\w+\-\d+$",
        r"^us\-iso\-\w+\-\d+$",
        r"^us\-isob\-\w+\-\d+$",
        r"^eu\-isoe\-\w+\-\d+$",
        r"^us\-isof\-\w+\-\d+$",
        r"^us\-gov\-\w+\-\d+$",
        r"^other\-\d+$",
        r"^a_b-c\.d$",
        r"^\w+1$",
        r"^x\d+\d+$",
    ];

    #[test]
    fn agrees_with_a_regex_engine() {
        let parts = [
            "", "us", "eu", "cn", "eusc", "de", "gov", "isob", "isoe", "east", "1", "12", "_", "x", "other", "a_b",
            "c.d", "é", "9a",
        ];
        // Every join of up to three parts, with and without hyphens: ~50,000 strings.
        let mut inputs = vec![String::new()];
        for _ in 0..3 {
            let mut next = Vec::new();
            for s in &inputs {
                for p in parts {
                    next.push(format!("{s}{p}"));
                    next.push(format!("{s}-{p}"));
                }
            }
            inputs.extend(next);
            inputs.sort();
            inputs.dedup();
            inputs.retain(|s| s.len() <= 24);
        }
        for pattern in PATTERNS {
            let ours = RegionPattern::parse(pattern).unwrap_or_else(|| panic!("{pattern} should parse"));
            let engine = regex_lite::Regex::new(pattern).unwrap();
            for input in &inputs {
                assert_eq!(ours.is_match(input), engine.is_match(input), "{pattern} on {input:?}");
            }
        }
    }

    #[test]
    fn refuses_what_it_cannot_match_exactly() {
        for pattern in [
            r"us\-\w+",              // not anchored
            r"^us\-\w+",             // no end anchor
            r"^us.east$",            // `.` unescaped
            r"^\w*$",                // other quantifiers
            r"^\w$",                 // a class without `+`
            r"^(us|)$",              // an empty alternative
            r"^(us|eu$",             // an open group
            r"^[a-z]+$",             // character classes
            r"^\s+$",                // other escapes
            r"^us-east-1$ trailing", // text after `$`
        ] {
            assert_eq!(RegionPattern::parse(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn matches_regions() {
        let aws = RegionPattern::parse(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$").unwrap();
        assert!(aws.is_match("us-east-1"));
        assert!(aws.is_match("ap-southeast-12"));
        assert!(!aws.is_match("us-east-"));
        assert!(!aws.is_match("cn-north-1"));
        assert!(!aws.is_match("us-east-1x"));
    }
}
