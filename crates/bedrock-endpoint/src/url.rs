//! A small, strict parser for endpoint URLs (`http(s)://host[:port][/path]`).
//!
//! Used by the rules engine's `parseURL` and to check endpoint overrides
//! before anything is sent. It accepts less than a browser does on purpose:
//! ASCII only, no user information, no whitespace or control characters.

/// The parts of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedUrl<'a> {
    /// `http` or `https`, lower-case.
    pub(crate) scheme: &'static str,
    /// `host[:port]` as written.
    pub(crate) authority: &'a str,
    /// The host without brackets' contents changed (`[::1]` stays bracketed).
    pub(crate) host: &'a str,
    /// The port, if written.
    pub(crate) port: Option<u16>,
    /// The path as written (may be empty).
    pub(crate) path: &'a str,
    /// Whether the host is an IPv4 or IPv6 address.
    pub(crate) is_ip: bool,
    /// Whether a `?query` follows the path.
    pub(crate) has_query: bool,
    /// Whether a `#fragment` follows.
    pub(crate) has_fragment: bool,
}

/// Parses `text`; the error says what is wrong, in words a user can act on.
pub(crate) fn parse(text: &str) -> Result<ParsedUrl<'_>, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it contains {c:?}; remove whitespace and control characters"));
    }
    if !text.is_ascii() {
        return Err("it contains non-ASCII characters; write an international host name in punycode".to_owned());
    }
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| "it has no scheme; write it as `https://host` (or `http://` for a local emulator)".to_owned())?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return Err(format!("its scheme `{scheme}` is not `https` or `http`"));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    if authority.is_empty() {
        return Err("it has no host".to_owned());
    }
    if authority.contains('@') {
        return Err("it contains user information (`user@`); credentials do not belong in an endpoint URL".to_owned());
    }
    let (host, port_text) = if let Some(inner) = authority.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| "its IPv6 address has no closing `]`".to_owned())?;
        let addr = &inner[..close];
        if addr.is_empty()
            || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            || !addr.contains(':')
        {
            return Err(format!("`[{addr}]` is not an IPv6 address"));
        }
        let tail = &inner[close + 1..];
        let port = match tail.strip_prefix(':') {
            Some(port) => Some(port),
            None if tail.is_empty() => None,
            None => return Err(format!("unexpected `{tail}` after the IPv6 address")),
        };
        (&authority[..close + 2], port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port_text {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit()) => Some(n),
            _ => return Err(format!("its port `{p}` is not a number from 1 to 65535")),
        },
    };
    let is_ipv6 = host.starts_with('[');
    if !is_ipv6 {
        if host.is_empty() {
            return Err("it has no host".to_owned());
        }
        for label in host.split('.') {
            if label.is_empty() {
                return Err(format!("its host `{host}` has an empty label"));
            }
            if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(format!(
                    "its host `{host}` contains characters other than letters, digits, `-`, `_` and `.`"
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(format!("its host `{host}` has a label that starts or ends with `-`"));
            }
        }
    }
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let path = &after[..path_end];
    let suffix = &after[path_end..];
    check_path(path)?;
    let has_query = suffix.starts_with('?');
    let has_fragment = suffix.contains('#');
    Ok(ParsedUrl {
        scheme,
        authority,
        host,
        port,
        path,
        is_ip: is_ipv6 || is_ipv4(host),
        has_query,
        has_fragment,
    })
}

/// Checks the characters of a path: RFC 3986 `pchar`s, `/`, and well-formed `%XX` escapes.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
            if hex.is_none() {
                return Err(format!(
                    "its path `{path}` has a `%` that is not followed by two hex digits"
                ));
            }
            i += 3;
            continue;
        }
        let ok = c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&c);
        if !ok {
            return Err(format!(
                "its path `{path}` contains `{}`, which must be percent-encoded",
                c as char
            ));
        }
        i += 1;
    }
    Ok(())
}

fn is_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()) && p.parse::<u8>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_endpoint_urls() {
        let u = parse("https://bedrock-runtime.us-east-1.amazonaws.com").unwrap();
        assert_eq!(
            (u.scheme, u.authority, u.path, u.is_ip),
            ("https", "bedrock-runtime.us-east-1.amazonaws.com", "", false)
        );
        let u = parse("HTTP://localhost:8080/base/").unwrap();
        assert_eq!(
            (u.scheme, u.host, u.port, u.path),
            ("http", "localhost", Some(8080), "/base/")
        );
        let u = parse("http://127.0.0.1:4566").unwrap();
        assert!(u.is_ip);
        let u = parse("http://[::1]:9000/x").unwrap();
        assert_eq!((u.host, u.port, u.is_ip), ("[::1]", Some(9000), true));
        assert!(parse("https://example.com/a?b=c").unwrap().has_query);
        assert!(parse("https://example.com#frag").unwrap().has_fragment);
    }

    #[test]
    fn rejects_malformed_urls() {
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            " https://example.com",
            "https://user:pw@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:abc",
            "https://exa..mple.com",
            "https://-bad.com",
            "https://ex\u{e4}mple.com",
            "https://example.com/a b",
            "https://example.com/%zz",
            "https://example.com/<x>",
            "https://[zz]",
            "https://[::1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
