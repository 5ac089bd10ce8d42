//! Rust names for spec names.

/// `modelId` → `model_id`, `AWSRegion` → `aws_region`, `type` → `r#type`.
pub fn field_name(name: &str) -> String {
    let snake = snake_case(name);
    match snake.as_str() {
        "self" | "crate" | "super" | "Self" => format!("{snake}_"),
        s if is_keyword(s) => format!("r#{snake}"),
        _ => snake,
    }
}

/// Converts camelCase, PascalCase and SCREAMING_CASE to snake_case.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() {
        "value".to_owned()
    } else if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// Converts any spec name or enum value to PascalCase: `ON_DEMAND` → `OnDemand`, `end_turn` → `EndTurn`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_upper {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    if out.is_empty() {
        "Empty".to_owned()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

/// An enum variant name for a spec value or member: PascalCase, avoiding `Self` and the generated `Unknown`.
pub fn variant_name(name: &str) -> String {
    let v = pascal_case(name);
    match v.as_str() {
        "Self" | "Unknown" => format!("{v}Value"),
        _ => v,
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "gen"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

/// Names the generated code uses unqualified; shapes with these names get a suffix.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "String", "Vec", "Option", "Box", "Result", "HashMap", "Blob", "DateTime", "Document", "Bytes", "Self", "Some",
    "None", "Ok", "Err", "Default", "Clone", "Debug",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(field_name("modelId"), "model_id");
        assert_eq!(field_name("AWSRegion"), "aws_region");
        assert_eq!(field_name("s3Uri"), "s3_uri");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("HTTPHeaders"), "http_headers");
        assert_eq!(pascal_case("ON_DEMAND"), "OnDemand");
        assert_eq!(pascal_case("end_turn"), "EndTurn");
        assert_eq!(pascal_case("InProgress"), "InProgress");
        assert_eq!(pascal_case("1"), "V1");
        assert_eq!(pascal_case("text/plain"), "TextPlain");
    }
}
