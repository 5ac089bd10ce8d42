//! Template strings (`"https://{Region}.{PartitionResult#dnsSuffix}"`) and `getAttr` paths (`a.b[0]`).

/// One step of a `getAttr` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A record field.
    Key(String),
    /// An array element.
    Index(usize),
}

/// A parsed `getAttr` path such as `resourceId[2]` or `a.b[0]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Path {
    pub(crate) segments: Vec<Segment>,
}

impl Path {
    /// Parses a path: keys separated by `.`, each optionally followed by `[index]`.
    pub(crate) fn parse(text: &str) -> Result<Path, String> {
        if text.is_empty() {
            return Err("empty getAttr path".to_owned());
        }
        let mut segments = Vec::new();
        for part in text.split('.') {
            let (key, rest) = match part.find('[') {
                Some(at) => (&part[..at], &part[at..]),
                None => (part, ""),
            };
            if key.is_empty() && rest.is_empty() {
                return Err(format!("getAttr path `{text}` has an empty segment"));
            }
            if !key.is_empty() {
                if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    return Err(format!("getAttr path `{text}` has an invalid key `{key}`"));
                }
                segments.push(Segment::Key(key.to_owned()));
            }
            let mut rest = rest;
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .ok_or_else(|| format!("getAttr path `{text}` has an unclosed `[`"))?;
                let index = rest[1..close]
                    .parse::<usize>()
                    .map_err(|_| format!("getAttr path `{text}` has an invalid index `{}`", &rest[1..close]))?;
                segments.push(Segment::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(format!("getAttr path `{text}` has text after `]`"));
                }
            }
        }
        Ok(Path { segments })
    }
}

/// A piece of a template string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text (with `{{` and `}}` already unescaped).
    Text(String),
    /// `{Name}` or `{Name#path}`.
    Var {
        /// The parameter or assigned variable.
        name: String,
        /// The `getAttr` path after `#`, if any.
        path: Option<Path>,
    },
}

/// A template string: literal text with `{Name}` and `{Name#path}` substitutions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) parts: Vec<Part>,
}

impl Template {
    /// Parses a template. `{{` and `}}` stand for literal braces.
    pub(crate) fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &text[at + 1..];
                    let close = rest
                        .find('}')
                        .ok_or_else(|| format!("template `{text}` has an unclosed `{{`"))?;
                    let inner = &rest[..close];
                    for _ in 0..inner.chars().count() + 1 {
                        chars.next();
                    }
                    let (name, path) = match inner.split_once('#') {
                        Some((name, path)) => (name, Some(Path::parse(path)?)),
                        None => (inner, None),
                    };
                    if !is_identifier(name) {
                        return Err(format!("template `{text}` refers to `{inner}`, which is not a name"));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Var {
                        name: name.to_owned(),
                        path,
                    });
                }
                '}' => {
                    return Err(format!(
                        "template `{text}` has a `}}` without `{{`; write `}}}}` for a brace"
                    ))
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// The text, if the template has no substitutions.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }
}

/// Whether `name` can name a parameter or variable: a letter, then letters, digits or `_`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p = Path::parse("a.b[0]").unwrap();
        assert_eq!(
            p.segments,
            vec![Segment::Key("a".into()), Segment::Key("b".into()), Segment::Index(0)]
        );
        assert_eq!(Path::parse("[2]").unwrap().segments, vec![Segment::Index(2)]);
        assert_eq!(
            Path::parse("resourceId[1]").unwrap().segments,
            vec![Segment::Key("resourceId".into()), Segment::Index(1)]
        );
        for bad in ["", "a..b", "a[", "a[x]", "a[-1]", "a[0]b", "a b"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates() {
        let t = Template::parse("https://svc.{Region}.{PartitionResult#dnsSuffix}").unwrap();
        assert_eq!(
            t.parts,
            vec![
                Part::Text("https://svc.".into()),
                Part::Var {
                    name: "Region".into(),
                    path: None
                },
                Part::Text(".".into()),
                Part::Var {
                    name: "PartitionResult".into(),
                    path: Some(Path::parse("dnsSuffix").unwrap())
                },
            ]
        );
        assert_eq!(Template::parse("{{a}}").unwrap().as_literal(), Some("{a}"));
        assert_eq!(Template::parse("").unwrap().as_literal(), Some(""));
        assert_eq!(Template::parse("héllo").unwrap().as_literal(), Some("héllo"));
        for bad in ["{", "}", "{Region", "{9a}", "{}", "{a#}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
