//! The standard library functions that do more than compare values.

use std::collections::BTreeMap;

use crate::value::Value;

/// `substring(input, start, stop, reverse)`: ASCII only; `None` when the bounds do not fit.
/// With `reverse`, the bounds count from the end, and the result still reads forwards.
pub(crate) fn substring(input: &str, start: i64, stop: i64, reverse: bool) -> Option<String> {
    let (start, stop) = (usize::try_from(start).ok()?, usize::try_from(stop).ok()?);
    if start >= stop || !input.is_ascii() || input.len() < stop {
        return None;
    }
    let (from, to) = if reverse {
        (input.len() - stop, input.len() - start)
    } else {
        (start, stop)
    };
    Some(input[from..to].to_owned())
}

/// `uriEncode(value)`: percent-encodes every byte except the RFC 3986 unreserved characters.
pub(crate) fn uri_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        }
    }
    out
}

/// `parseURL(value)`: `scheme`, `authority`, `path`, `normalizedPath` and `isIp` of an
/// `http(s)` URL without a query; `None` for anything else.
pub(crate) fn parse_url(value: &str) -> Option<Value> {
    let url = crate::url::parse(value).ok()?;
    if url.has_query || url.has_fragment {
        return None;
    }
    let normalized = if url.path.is_empty() {
        "/".to_owned()
    } else {
        let mut n = String::with_capacity(url.path.len() + 2);
        if !url.path.starts_with('/') {
            n.push('/');
        }
        n.push_str(url.path);
        if !url.path.ends_with('/') {
            n.push('/');
        }
        n
    };
    let mut fields = BTreeMap::new();
    fields.insert("scheme".to_owned(), Value::from(url.scheme));
    fields.insert("authority".to_owned(), Value::from(url.authority));
    fields.insert("path".to_owned(), Value::from(url.path));
    fields.insert("normalizedPath".to_owned(), Value::String(normalized));
    fields.insert("isIp".to_owned(), Value::Bool(url.is_ip));
    Some(Value::Record(fields))
}

/// `isValidHostLabel(value, allowSubDomains)`: each label is 1 to 63 ASCII letters, digits or
/// `-`, not starting with `-`; with `allowSubDomains`, labels are separated by `.`.
pub(crate) fn is_valid_host_label(value: &str, allow_subdomains: bool) -> bool {
    if allow_subdomains {
        value.split('.').all(single_label)
    } else {
        single_label(value)
    }
}

fn single_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `aws.parseArn(value)`: `partition`, `service`, `region`, `accountId` and `resourceId`
/// (the resource split on `:` and `/`); `None` unless the value is `arn:` followed by five
/// `:`-separated parts with a non-empty partition, service and resource.
pub(crate) fn parse_arn(value: &str) -> Option<Value> {
    let mut parts = value.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn != "arn" || partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    let mut fields = BTreeMap::new();
    fields.insert("partition".to_owned(), Value::from(partition));
    fields.insert("service".to_owned(), Value::from(service));
    fields.insert("region".to_owned(), Value::from(region));
    fields.insert("accountId".to_owned(), Value::from(account));
    fields.insert(
        "resourceId".to_owned(),
        Value::Array(resource.split([':', '/']).map(Value::from).collect()),
    );
    Some(Value::Record(fields))
}

/// `aws.isVirtualHostableS3Bucket(value, allowSubDomains)`: 3 to 63 characters, lower-case
/// letters, digits and `-` (and `.` with `allowSubDomains`, but never `..`, `.-` or `-.`),
/// starting and ending with a letter or digit, and not shaped like an IPv4 address.
pub(crate) fn is_virtual_hostable_s3_bucket(value: &str, allow_subdomains: bool) -> bool {
    let bytes = value.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !(3..=63).contains(&bytes.len()) || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    if !allow_subdomains {
        return bytes.iter().all(|&c| alnum(c) || c == b'-');
    }
    let shaped = bytes.windows(2).all(|pair| match (pair[0], pair[1]) {
        (b'.' | b'-', b'.') | (b'.', b'-') => false,
        (_, c) => alnum(c) || c == b'.' || c == b'-',
    });
    let ipv4 = {
        let parts: Vec<&str> = value.split('.').collect();
        parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
    };
    shaped && !ipv4
}

/// `split(value, delimiter, limit)`: `limit` 0 splits everywhere, otherwise into at most
/// `limit` parts. `None` for an empty delimiter or a negative limit.
pub(crate) fn split(value: &str, delimiter: &str, limit: i64) -> Option<Value> {
    if delimiter.is_empty() || limit < 0 {
        return None;
    }
    let parts: Vec<Value> = if limit == 0 {
        value.split(delimiter).map(Value::from).collect()
    } else {
        let limit = usize::try_from(limit).ok()?;
        value.splitn(limit, delimiter).map(Value::from).collect()
    };
    Some(Value::Array(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings() {
        assert_eq!(substring("hello", 0, 2, false).as_deref(), Some("he"));
        assert_eq!(substring("hello", 0, 2, true).as_deref(), Some("lo"));
        assert_eq!(substring("hello", 1, 5, true).as_deref(), Some("hell"));
        assert_eq!(substring("hello", 0, 5, false).as_deref(), Some("hello"));
        assert_eq!(substring("hello", 0, 6, false), None);
        assert_eq!(substring("hello", 2, 2, false), None);
        assert_eq!(substring("hello", -1, 2, false), None);
        assert_eq!(substring("a\u{1f431}b", 0, 1, false), None);
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(uri_encode("a b/c:d~e_f.g-h"), "a%20b%2Fc%3Ad~e_f.g-h");
        assert_eq!(uri_encode("\u{e9}"), "%C3%A9");
        assert_eq!(uri_encode("*+=&?#%"), "%2A%2B%3D%26%3F%23%25");
    }

    #[test]
    fn urls() {
        let u = parse_url("https://example.com").unwrap();
        assert_eq!(u.get("path"), Some(&Value::from("")));
        assert_eq!(u.get("normalizedPath"), Some(&Value::from("/")));
        assert_eq!(u.get("isIp"), Some(&Value::Bool(false)));
        let u = parse_url("http://192.168.0.1:8080/a/b").unwrap();
        assert_eq!(u.get("authority"), Some(&Value::from("192.168.0.1:8080")));
        assert_eq!(u.get("normalizedPath"), Some(&Value::from("/a/b/")));
        assert_eq!(u.get("isIp"), Some(&Value::Bool(true)));
        assert_eq!(u.get("scheme"), Some(&Value::from("http")));
        assert!(parse_url("https://example.com/?q=1").is_none());
        assert!(parse_url("wss://example.com").is_none());
        assert!(parse_url("not a url").is_none());
    }

    #[test]
    fn host_labels() {
        assert!(is_valid_host_label("us-east-1", false));
        assert!(is_valid_host_label("a", false));
        assert!(!is_valid_host_label("", false));
        assert!(!is_valid_host_label("-a", false));
        assert!(!is_valid_host_label("a.b", false));
        assert!(is_valid_host_label("a.b", true));
        assert!(!is_valid_host_label("a..b", true));
        assert!(!is_valid_host_label(&"a".repeat(64), false));
        assert!(!is_valid_host_label("us-east-1/../x", false));
    }

    #[test]
    fn arns() {
        let arn = parse_arn("arn:aws:s3:us-east-2:012345678:outpost:op-1234").unwrap();
        assert_eq!(arn.get("service"), Some(&Value::from("s3")));
        assert_eq!(
            arn.get("resourceId"),
            Some(&Value::Array(vec![Value::from("outpost"), Value::from("op-1234")]))
        );
        let arn = parse_arn("arn:aws:s3:::bucket/dir/*").unwrap();
        assert_eq!(arn.get("region"), Some(&Value::from("")));
        assert_eq!(
            arn.get("resourceId").and_then(Value::as_array).map(<[Value]>::len),
            Some(3)
        );
        assert!(parse_arn("arn:aws:s3:us-east-2:012345678:").is_none());
        assert!(parse_arn("arn::s3:r:a:res").is_none());
        assert!(parse_arn("nope:aws:s3:r:a:res").is_none());
        assert!(parse_arn("arn:aws:s3").is_none());
    }

    #[test]
    fn s3_buckets() {
        assert!(is_virtual_hostable_s3_bucket("a--b--x-s3", false));
        assert!(is_virtual_hostable_s3_bucket("my.bucket", true));
        assert!(!is_virtual_hostable_s3_bucket("my.bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("a-.b-.c", true));
        assert!(!is_virtual_hostable_s3_bucket("Bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("ab", false));
        assert!(!is_virtual_hostable_s3_bucket("192.168.5.4", true));
        assert!(!is_virtual_hostable_s3_bucket("a..b", true));
        assert!(!is_virtual_hostable_s3_bucket("a.-b", true));
        assert!(!is_virtual_hostable_s3_bucket("bucket-", false));
    }

    #[test]
    fn splits() {
        let strings = |v: Option<Value>| -> Vec<String> {
            v.unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(strings(split("a--b--c", "--", 0)), ["a", "b", "c"]);
        assert_eq!(strings(split("a--b--c", "--", 2)), ["a", "b--c"]);
        assert_eq!(strings(split("a--b--c", "--", 1)), ["a--b--c"]);
        assert_eq!(strings(split("--b--", "--", 0)), ["", "b", ""]);
        assert!(split("a", "", 0).is_none());
    }
}
