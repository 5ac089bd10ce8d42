//! Every `pattern` of this crate is checked by `regex-lite` (feature `patterns` turns on
//! `bedrock-wire/patterns-lite`), so each must be expressible for it and must match exactly what
//! the full `regex` engine (which the generator validates patterns with) would match.

use std::fs;

/// The string literals of every `Pattern::new("...")` in the generated sources.
fn patterns() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("Pattern::new(\"") {
            rest = &rest[at + "Pattern::new(\"".len()..];
            let mut literal = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next().unwrap() {
                    (_, '\\') => match chars.next().unwrap().1 {
                        '\\' => literal.push('\\'),
                        '"' => literal.push('"'),
                        'n' => literal.push('\n'),
                        't' => literal.push('\t'),
                        other => panic!("unexpected escape \\{other} in a pattern literal"),
                    },
                    (i, '"') => break i,
                    (_, c) => literal.push(c),
                }
            };
            rest = &rest[end..];
            out.push(literal);
        }
    }
    out.sort();
    out.dedup();
    out
}

const SAMPLES: &[&str] = &[
    "",
    " ",
    "abc",
    "ABC-123",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123",
    "arn:aws:bedrock:us-east-1:123456789012:prompt/ABCDEFGHIJ:12",
    "arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint",
    "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012",
    "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abcdef123456",
    "s3://my-bucket/key/path",
    "123456789012",
    "DRAFT",
    "7",
    "tab\there",
    "line\nbreak",
    "\u{a0}",
    "\u{2003}\u{3000}",
    "\u{85}",
    "\u{b}",
    "x\u{a0}y",
    "héllo wörld",
    "日本語",
    "!~",
    "\u{7f}",
    "key=value:@/+",
    "#$,.",
    "💥",
];

#[test]
fn every_pattern_reads_the_same_in_regex_lite() {
    let patterns = patterns();
    assert!(patterns.len() > 10, "found only {} patterns", patterns.len());
    for source in &patterns {
        let lite_source = bedrock_wire::validate::lite_source(source)
            .unwrap_or_else(|| panic!("`{source}` needs the full regex engine"));
        let lite = regex_lite::Regex::new(&lite_source).unwrap_or_else(|e| panic!("`{lite_source}`: {e}"));
        let full = regex::Regex::new(source).unwrap();
        for sample in SAMPLES {
            assert_eq!(lite.is_match(sample), full.is_match(sample), "`{source}` on {sample:?}");
            // Anchored whole-string reading too, where `\s`/`\S` differences would show.
            let lite_whole = regex_lite::Regex::new(&format!("^(?:{lite_source})$")).unwrap();
            let full_whole = regex::Regex::new(&format!("^(?:{source})$")).unwrap();
            assert_eq!(
                lite_whole.is_match(sample),
                full_whole.is_match(sample),
                "`^{source}$` on {sample:?}"
            );
        }
    }
}

#[test]
fn lite_rewrite_keeps_unicode_white_space() {
    let rewritten = bedrock_wire::validate::lite_source(r"^[a-z\s]+$|^\S$").unwrap();
    let lite = regex_lite::Regex::new(&rewritten).unwrap();
    assert!(lite.is_match("a\u{a0}b"));
    assert!(lite.is_match("é"));
    assert!(lite.is_match("\u{3000}"));
    assert!(!lite.is_match("é\u{3000}"));
    let any = regex_lite::Regex::new(&bedrock_wire::validate::lite_source(r"^[\s\S]$").unwrap()).unwrap();
    for c in ["\u{0}", " ", "\u{a0}", "é", "\u{3000}", "💥", "\u{10ffff}"] {
        assert!(any.is_match(c), "{c:?}");
    }
    assert_eq!(bedrock_wire::validate::lite_source(r"\p{L}+"), None);
    assert_eq!(bedrock_wire::validate::lite_source(r"(?i)abc"), None);
    assert_eq!(bedrock_wire::validate::lite_source(r"\d"), None);
}
