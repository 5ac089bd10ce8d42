//! HTTPS proxy support: `HTTPS_PROXY` / `NO_PROXY` (or config), with HTTP `CONNECT`
//! tunnelling.
//!
//! Requests to `https://` endpoints go through the proxy in a `CONNECT` tunnel, so TLS
//! is end to end and the proxy sees only the target's host and port. The proxy itself
//! is reached over plain TCP (`http://proxy:port`, the usual corporate setup) or over
//! TLS (`https://proxy:port`). Requests to `http://` endpoints (local emulators) never
//! use the proxy: `HTTP_PROXY` is not read.
//!
//! Credentials in the proxy URL (`http://user:password@proxy:8080`, percent-encoded)
//! are sent as `Proxy-Authorization: Basic` and never printed: `Debug` and every
//! error message show the URL with the user info replaced by `***`.

use std::fmt;
use std::net::IpAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::{ConnectError, ConnectErrorKind, ProxyErrorKind};

/// Where to send `https://` requests, and which hosts bypass it.
#[derive(Clone)]
pub struct ProxyConfig {
    tls: bool,
    host: String,
    port: u16,
    credentials: Option<Credentials>,
    no_proxy: NoProxy,
}

#[derive(Clone)]
struct Credentials {
    /// The ready `Proxy-Authorization` header value (`Basic base64(user:password)`).
    header: String,
}

impl ProxyConfig {
    /// Parses a proxy URL: `http://[user:password@]host[:port]`,
    /// `https://[user:password@]host[:port]`, or `host:port` (taken as `http://`).
    /// The port defaults to 80 for `http` and 443 for `https`; a path is ignored.
    /// User and password are percent-decoded.
    ///
    /// The error never contains the URL (it may hold a password).
    pub fn new(url: &str) -> Result<Self, ConnectError> {
        let invalid = |why: &str| {
            ConnectError::new(ConnectErrorKind::InvalidProxyUrl).with_detail(format!(
                "{why}; expected http://[user:password@]host[:port] (percent-encode special characters in the \
                 user name and password)"
            ))
        };
        let url = url.trim();
        let (tls, rest) = match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => (false, rest),
                "https" => (true, rest),
                _ => return Err(invalid("the scheme is neither http nor https")),
            },
            None => (false, url),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| invalid("the host or port is not valid"))?;
        if host.is_empty() {
            return Err(invalid("the host is empty"));
        }
        let port = match port {
            Some(p) => p,
            None if tls => 443,
            None => 80,
        };
        let credentials = match userinfo {
            None => None,
            Some(u) => {
                let (user, pass) = u.split_once(':').unwrap_or((u, ""));
                let user =
                    percent_decode(user).ok_or_else(|| invalid("the user name is not valid percent-encoding"))?;
                let pass = percent_decode(pass).ok_or_else(|| invalid("the password is not valid percent-encoding"))?;
                Some(Credentials::basic(&user, &pass))
            }
        };
        Ok(ProxyConfig {
            tls,
            host: host.to_ascii_lowercase(),
            port,
            credentials,
            no_proxy: NoProxy::default(),
        })
    }

    /// Reads `HTTPS_PROXY` (or `https_proxy`) and `NO_PROXY` (or `no_proxy`) through
    /// `env`; the upper-case name wins when both are set. `Ok(None)` when no proxy is
    /// set (an empty value counts as unset).
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConnectError> {
        let get = |upper: &str, lower: &str| env(upper).filter(|v| !v.trim().is_empty()).or_else(|| env(lower));
        let Some(url) = get("HTTPS_PROXY", "https_proxy").filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let config = ProxyConfig::new(&url).map_err(|e| e.with_detail_prefix("HTTPS_PROXY"))?;
        let no_proxy = get("NO_PROXY", "no_proxy")
            .map(|v| NoProxy::parse(&v))
            .unwrap_or_default();
        Ok(Some(config.with_no_proxy(no_proxy)))
    }

    /// Sets the basic-auth credentials sent to the proxy (replacing any in the URL).
    pub fn with_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some(Credentials::basic(user, password));
        self
    }

    /// Sets the hosts that bypass the proxy.
    pub fn with_no_proxy(mut self, no_proxy: NoProxy) -> Self {
        self.no_proxy = no_proxy;
        self
    }

    /// The hosts that bypass the proxy.
    pub fn no_proxy(&self) -> &NoProxy {
        &self.no_proxy
    }

    /// Whether a request to `host:port` goes through this proxy (that is, `NO_PROXY`
    /// does not match it).
    pub fn applies_to(&self, host: &str, port: u16) -> bool {
        !self.no_proxy.matches(host, port)
    }

    /// The proxy URL with any credentials replaced by `***`, safe to log.
    pub fn redacted_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let auth = if self.credentials.is_some() { "***@" } else { "" };
        format!("{scheme}://{auth}{}", authority(&self.host, self.port))
    }

    pub(crate) fn uses_tls(&self) -> bool {
        self.tls
    }

    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &self.redacted_url())
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl Credentials {
    fn basic(user: &str, password: &str) -> Self {
        let token = aws_smithy_types::base64::encode(format!("{user}:{password}"));
        Credentials {
            header: format!("Basic {token}"),
        }
    }
}

/// The hosts that bypass the proxy, parsed from a `NO_PROXY`-style list.
///
/// Entries are separated by commas (and whitespace) and matched case-insensitively:
/// - `*` alone: every host bypasses the proxy;
/// - `example.com`: that host and its subdomains (`api.example.com`), not
///   `badexample.com`;
/// - `.example.com` or `*.example.com`: subdomains only, not `example.com` itself;
/// - `10.1.2.3`, `::1`, `[::1]`: that IP address;
/// - `10.0.0.0/8`, `fd00::/8`: IP addresses in that range;
/// - any of the above with `:port` (`example.com:8443`, `[::1]:443`): only that port.
///
/// Host names are not resolved: `localhost` does not match `127.0.0.1`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    pattern: Pattern,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    /// The host and its subdomains.
    Domain(String),
    /// Subdomains only; stored with the leading dot.
    Subdomains(String),
    Ip(IpAddr),
    Cidr(IpAddr, u8),
}

impl NoProxy {
    /// Parses a comma-separated list; entries that cannot be understood are ignored.
    pub fn parse(list: &str) -> Self {
        let mut out = NoProxy::default();
        for entry in list.split(|c: char| c == ',' || c.is_whitespace()) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                out.all = true;
                continue;
            }
            if let Some(rule) = Rule::parse(entry) {
                out.rules.push(rule);
            }
        }
        out
    }

    /// Whether a request to `host:port` bypasses the proxy. `host` may be a name, an
    /// IP address, or a bracketed IPv6 address (as in a URI).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let ip: Option<IpAddr> = host.parse().ok();
        self.rules.iter().any(|rule| {
            if rule.port.is_some_and(|p| p != port) {
                return false;
            }
            match (&rule.pattern, ip) {
                (Pattern::Ip(want), Some(ip)) => *want == ip,
                (Pattern::Cidr(net, bits), Some(ip)) => in_cidr(ip, *net, *bits),
                (Pattern::Domain(d), None) => {
                    host == *d
                        || (host.len() > d.len() && host.ends_with(d.as_str()) && {
                            host.as_bytes()[host.len() - d.len() - 1] == b'.'
                        })
                }
                (Pattern::Subdomains(d), None) => host.ends_with(d.as_str()) && host.len() > d.len(),
                _ => false,
            }
        })
    }

    /// Whether the list bypasses the proxy for everything (`*`).
    pub fn is_all(&self) -> bool {
        self.all
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        !self.all && self.rules.is_empty()
    }
}

impl fmt::Debug for NoProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.all {
            return f.write_str("NoProxy(*)");
        }
        f.debug_list().entries(&self.rules).finish()
    }
}

impl Rule {
    fn parse(entry: &str) -> Option<Rule> {
        let entry = entry.to_ascii_lowercase();
        // CIDR: `addr/bits` (the port form is not supported with a range).
        if let Some((addr, bits)) = entry.split_once('/') {
            let addr: IpAddr = addr.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
            let bits: u8 = bits.parse().ok()?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return None;
            }
            return Some(Rule {
                pattern: Pattern::Cidr(addr, bits),
                port: None,
            });
        }
        // A bare IPv6 address has several colons and no port.
        if let Ok(ip) = entry.parse::<IpAddr>() {
            return Some(Rule {
                pattern: Pattern::Ip(ip),
                port: None,
            });
        }
        let (host, port) = split_host_port(&entry)?;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(Rule {
                pattern: Pattern::Ip(ip),
                port,
            });
        }
        let host = host.trim_end_matches('.');
        let host = host.strip_prefix('*').unwrap_or(host);
        if host.is_empty() || host == "." {
            return None;
        }
        let pattern = if host.starts_with('.') {
            Pattern::Subdomains(host.to_string())
        } else {
            Pattern::Domain(host.to_string())
        };
        Some(Rule { pattern, port })
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Splits `host[:port]` or `[v6][:port]`; the host comes back without brackets.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        return match after {
            "" => Some((host, None)),
            p => Some((host, Some(p.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, Some(port.parse().ok()?))),
        Some(_) => None,
        None => Some((s, None)),
    }
}

/// `host:port`, bracketing an IPv6 host.
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The largest `CONNECT` response head accepted from a proxy.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Opens a `CONNECT` tunnel to `host:port` over `stream` (already connected to the
/// proxy). On success the stream carries bytes to and from the target.
pub(crate) async fn tunnel<S>(stream: &mut S, proxy: &ProxyConfig, host: &str, port: u16) -> Result<(), ConnectError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let target = authority(host, port);
    let fail = |kind: ProxyErrorKind| ConnectError::new(ConnectErrorKind::Proxy(kind)).with_target(target.clone());
    let io_fail = |e: std::io::Error| {
        ConnectError::new(ConnectErrorKind::Proxy(ProxyErrorKind::Unreachable))
            .with_target(target.clone())
            .with_detail(format!("the connection to the proxy {} failed", proxy.redacted_url()))
            .with_source(Box::new(e))
    };

    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(c) = &proxy.credentials {
        head.push_str("Proxy-Authorization: ");
        head.push_str(&c.header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(io_fail)?;
    stream.flush().await.map_err(io_fail)?;

    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let end = loop {
        let n = stream.read(&mut chunk).await.map_err(io_fail)?;
        if n == 0 {
            return Err(fail(ProxyErrorKind::InvalidResponse).with_detail(format!(
                "the proxy {} closed the connection before answering CONNECT",
                proxy.redacted_url()
            )));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_RESPONSE_HEAD {
            return Err(fail(ProxyErrorKind::InvalidResponse).with_detail(format!(
                "the proxy's CONNECT response head is over {MAX_RESPONSE_HEAD} bytes"
            )));
        }
    };
    let status_line = buf.split(|b| *b == b'\n').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().and_then(|s| s.parse::<u16>().ok())) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code,
        _ => {
            return Err(fail(ProxyErrorKind::InvalidResponse).with_detail(format!(
                "the proxy {} did not answer CONNECT with HTTP/1.x",
                proxy.redacted_url()
            )))
        }
    };
    match status {
        200..=299 if end == buf.len() => Ok(()),
        200..=299 => Err(fail(ProxyErrorKind::InvalidResponse)
            .with_detail("the proxy sent data after its CONNECT response, before the client spoke")),
        407 => Err(fail(ProxyErrorKind::AuthenticationRequired).with_detail(format!(
            "the proxy {} {}",
            proxy.redacted_url(),
            if proxy.credentials.is_some() {
                "rejected the credentials in the proxy URL"
            } else {
                "requires credentials: put them in the proxy URL (http://user:password@host:port)"
            }
        ))),
        code => Err(fail(ProxyErrorKind::Rejected(code)).with_detail(format!(
            "the proxy {} refused the tunnel with status {code}",
            proxy.redacted_url()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn np(s: &str) -> NoProxy {
        NoProxy::parse(s)
    }

    #[test]
    fn star_matches_everything() {
        assert!(np("*").matches("bedrock-runtime.us-east-1.amazonaws.com", 443));
        assert!(np("foo, *").matches("1.2.3.4", 1));
        assert!(!np("").matches("example.com", 443));
        assert!(np("").is_empty());
    }

    #[test]
    fn domain_matches_itself_and_subdomains_only() {
        let n = np("example.com");
        assert!(n.matches("example.com", 443));
        assert!(n.matches("api.example.com", 443));
        assert!(n.matches("API.Example.COM.", 443));
        assert!(!n.matches("badexample.com", 443));
        assert!(!n.matches("example.com.evil.net", 443));
    }

    #[test]
    fn leading_dot_and_star_dot_match_subdomains_only() {
        for list in [".amazonaws.com", "*.amazonaws.com"] {
            let n = np(list);
            assert!(n.matches("bedrock-runtime.us-east-1.amazonaws.com", 443), "{list}");
            assert!(!n.matches("amazonaws.com", 443), "{list}");
            assert!(!n.matches("notamazonaws.com", 443), "{list}");
        }
    }

    #[test]
    fn ports_restrict_the_match() {
        let n = np("example.com:8443, [::1]:443, 10.0.0.1:80");
        assert!(n.matches("example.com", 8443));
        assert!(!n.matches("example.com", 443));
        assert!(n.matches("[::1]", 443));
        assert!(n.matches("::1", 443));
        assert!(!n.matches("::1", 80));
        assert!(n.matches("10.0.0.1", 80));
        assert!(!n.matches("10.0.0.1", 443));
    }

    #[test]
    fn ips_and_ranges() {
        let n = np("127.0.0.1 ::1 10.0.0.0/8 fd00::/8");
        assert!(n.matches("127.0.0.1", 443));
        assert!(n.matches("[::1]", 443));
        assert!(n.matches("10.200.3.4", 443));
        assert!(!n.matches("11.0.0.1", 443));
        assert!(n.matches("fd12::1", 443));
        assert!(!n.matches("fe80::1", 443));
        // Names are not resolved.
        assert!(!n.matches("localhost", 443));
        assert!(!np("127.0.0.1").matches("127.0.0.2", 443));
        assert!(np("0.0.0.0/0").matches("8.8.8.8", 1));
    }

    #[test]
    fn junk_entries_are_ignored() {
        let n = np(" , :::bad, 10.0.0.0/99, host:notaport, .,*., example.org ");
        assert!(n.matches("example.org", 443));
        assert!(!n.matches("host", 443));
        assert_eq!(n.rules.len(), 1, "{n:?}");
    }

    #[test]
    fn proxy_url_parsing() {
        let p = ProxyConfig::new("http://proxy.corp:3128").unwrap();
        assert_eq!((p.host(), p.port(), p.uses_tls()), ("proxy.corp", 3128, false));
        let p = ProxyConfig::new("proxy.corp:8080").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.corp", 8080));
        let p = ProxyConfig::new("https://Proxy.Corp/").unwrap();
        assert_eq!((p.host(), p.port(), p.uses_tls()), ("proxy.corp", 443, true));
        let p = ProxyConfig::new("http://[::1]:9").unwrap();
        assert_eq!((p.host(), p.port()), ("::1", 9));
        assert_eq!(p.redacted_url(), "http://[::1]:9");
        for bad in ["socks5://h:1", "http://", "http://h:notaport", "http://u:%zz@h:1"] {
            let err = ProxyConfig::new(bad).unwrap_err();
            assert_eq!(*err.kind(), ConnectErrorKind::InvalidProxyUrl, "{bad}");
        }
    }

    #[test]
    fn credentials_are_decoded_and_never_printed() {
        let p = ProxyConfig::new("http://al%40ice:s3cr%3At@proxy:8080").unwrap();
        // base64("al@ice:s3cr:t")
        assert_eq!(p.credentials.as_ref().unwrap().header, "Basic YWxAaWNlOnMzY3I6dA==");
        let shown = format!("{p:?} {}", p.redacted_url());
        assert!(
            !shown.contains("s3cr") && !shown.contains("ice") && !shown.contains("YWx"),
            "{shown}"
        );
        assert!(shown.contains("http://***@proxy:8080"), "{shown}");
        let err = ProxyConfig::new("ftp://alice:s3cret@proxy").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"));
    }

    #[test]
    fn env_lookup_prefers_upper_case_and_ignores_empty() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert!(ProxyConfig::from_env_with(env(&[])).unwrap().is_none());
        assert!(ProxyConfig::from_env_with(env(&[("HTTPS_PROXY", " ")]))
            .unwrap()
            .is_none());
        let p = ProxyConfig::from_env_with(env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("no_proxy", ".internal"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(p.host(), "upper");
        assert!(!p.applies_to("svc.internal", 443));
        assert!(p.applies_to("bedrock.amazonaws.com", 443));
        let p = ProxyConfig::from_env_with(env(&[("HTTPS_PROXY", ""), ("https_proxy", "http://lower:2")]))
            .unwrap()
            .unwrap();
        assert_eq!(p.host(), "lower");
        let err = ProxyConfig::from_env_with(env(&[("HTTPS_PROXY", "gopher://x:y@z")])).unwrap_err();
        assert!(err.to_string().contains("HTTPS_PROXY"), "{err}");
    }
}
