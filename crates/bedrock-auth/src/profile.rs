//! The shared `config` and `credentials` files.
//!
//! Rules followed (as the AWS SDKs and CLI document them):
//! - Config file: `[profile NAME]` names a profile; `[default]` and
//!   `[profile default]` both name the default one (the second wins if both are
//!   present); any other section without the `profile ` prefix is ignored.
//!   `[sso-session NAME]` and `[services NAME]` are their own namespaces.
//! - Credentials file: `[NAME]` names a profile; `[profile NAME]` is ignored.
//! - Where both files set the same key of the same profile, the credentials file wins.
//! - Lines starting with `#` or `;` are comments; so is the rest of a line after a
//!   `#` or `;` that follows whitespace.
//! - A line that starts with whitespace continues the previous property: when that
//!   property's value was empty (`key =`), the line is a nested `sub_key = value`
//!   (as in `[services]` sections: `bedrock_runtime =` then `  endpoint_url = …`);
//!   otherwise the line is appended to the value after a newline.
//! - Files that do not exist are treated as empty; malformed lines are an error
//!   naming the file and the line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::env::OsContext;

/// A malformed or unreadable config or credentials file.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProfileFileError {
    /// A line could not be parsed.
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// The file exists but could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: io::Error,
    },
}

impl fmt::Display for ProfileFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileFileError::Parse { path, line, message } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
            ProfileFileError::Read { path, source } => write!(f, "could not read {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ProfileFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileFileError::Read { source, .. } => Some(source),
            ProfileFileError::Parse { .. } => None,
        }
    }
}

/// One property: a value, or (for `key =` followed by indented lines) a set of
/// nested sub-properties.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Property {
    value: String,
    sub_properties: BTreeMap<String, String>,
}

impl Property {
    /// The value (empty for a property that only has sub-properties).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The nested `sub_key = value` pairs.
    pub fn sub_properties(&self) -> &BTreeMap<String, String> {
        &self.sub_properties
    }
}

impl fmt::Debug for Property {
    // Values may be secrets (aws_secret_access_key): never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property")
            .field("sub_keys", &self.sub_properties.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A section of a file: a profile, an `sso-session` or a `services` block.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
}

impl Section {
    /// The section's name (without the `profile `/`sso-session `/`services ` prefix).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A property's value, when set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A property with its sub-properties.
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.get(key)
    }

    /// The keys set in this section.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.properties.keys().map(String::as_str)
    }
}

impl fmt::Debug for Section {
    // Only keys are shown; values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("keys", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Which file a text came from; decides how section names are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The `config` file (`[profile NAME]`).
    Config,
    /// The `credentials` file (`[NAME]`).
    Credentials,
}

/// The parsed and merged config and credentials files, and the selected profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    profiles: HashMap<String, Section>,
    sso_sessions: HashMap<String, Section>,
    services: HashMap<String, Section>,
    selected: String,
}

/// The raw result of parsing one file: sections in order with their header text.
struct RawSection {
    header: String,
    properties: BTreeMap<String, Property>,
}

fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if (*b == b'#' || *b == b';') && i > 0 && bytes[i - 1].is_ascii_whitespace() {
            return value[..i].trim_end();
        }
    }
    value
}

fn parse_raw(path: &Path, text: &str) -> Result<Vec<RawSection>, ProfileFileError> {
    let err = |line: usize, message: &str| ProfileFileError::Parse {
        path: path.to_path_buf(),
        line,
        message: message.to_owned(),
    };
    let mut sections: Vec<RawSection> = Vec::new();
    // The key of the property that a continuation line would extend.
    let mut current_key: Option<String> = None;
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if indented && !trimmed.starts_with('[') {
            let (Some(key), Some(section)) = (current_key.as_ref(), sections.last_mut()) else {
                return Err(err(line_no, "indented line does not continue any property"));
            };
            let property = section.properties.get_mut(key).expect("current key exists");
            let content = strip_inline_comment(trimmed);
            if property.value.is_empty() {
                let Some((sub_key, sub_value)) = content.split_once('=') else {
                    return Err(err(
                        line_no,
                        "expected `sub_key = value` under a property with an empty value",
                    ));
                };
                let sub_key = sub_key.trim();
                if sub_key.is_empty() {
                    return Err(err(line_no, "empty sub-property name"));
                }
                property
                    .sub_properties
                    .insert(sub_key.to_owned(), sub_value.trim().to_owned());
            } else {
                property.value.push('\n');
                property.value.push_str(content);
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err(err(line_no, "section header is missing its closing `]`"));
            };
            let after = rest[end + 1..].trim();
            if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
                return Err(err(line_no, "unexpected text after the section header"));
            }
            let header = rest[..end].trim();
            if header.is_empty() {
                return Err(err(line_no, "empty section name"));
            }
            sections.push(RawSection {
                header: header.to_owned(),
                properties: BTreeMap::new(),
            });
            current_key = None;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(err(line_no, "property outside of any `[section]`"));
        };
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(err(line_no, "expected `key = value`"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(err(line_no, "empty property name"));
        }
        let value = strip_inline_comment(value.trim()).to_owned();
        section.properties.insert(
            key.to_owned(),
            Property {
                value,
                sub_properties: BTreeMap::new(),
            },
        );
        current_key = Some(key.to_owned());
    }
    Ok(sections)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace)
}

fn merge_into(target: &mut HashMap<String, Section>, name: &str, properties: BTreeMap<String, Property>) {
    let section = target.entry(name.to_owned()).or_insert_with(|| Section {
        name: name.to_owned(),
        properties: BTreeMap::new(),
    });
    section.properties.extend(properties);
}

impl ProfileSet {
    /// An empty set with `selected` as the selected profile.
    pub fn empty(selected: impl Into<String>) -> Self {
        ProfileSet {
            selected: selected.into(),
            ..Default::default()
        }
    }

    /// Parses and merges one file's text into this set. Files must be added
    /// config first, credentials second, so that the credentials file wins.
    pub fn add_file(&mut self, kind: FileKind, path: &Path, text: &str) -> Result<(), ProfileFileError> {
        let raw = parse_raw(path, text)?;
        // `[profile default]` beats `[default]` in the config file, whatever the order.
        let mut bare_default: Vec<BTreeMap<String, Property>> = Vec::new();
        let mut prefixed_default = false;
        for section in raw {
            let mut words = section.header.splitn(2, char::is_whitespace);
            let first = words.next().unwrap_or_default();
            let rest = words.next().map(str::trim);
            match (kind, first, rest) {
                (FileKind::Config, "profile", Some(name)) if valid_name(name) => {
                    prefixed_default |= name == "default";
                    merge_into(&mut self.profiles, name, section.properties);
                }
                (FileKind::Config, "sso-session", Some(name)) if valid_name(name) => {
                    merge_into(&mut self.sso_sessions, name, section.properties);
                }
                (FileKind::Config, "services", Some(name)) if valid_name(name) => {
                    merge_into(&mut self.services, name, section.properties);
                }
                (FileKind::Config, "default", None) => bare_default.push(section.properties),
                (FileKind::Credentials, name, None) if valid_name(name) => {
                    merge_into(&mut self.profiles, name, section.properties);
                }
                _ => {
                    tracing::debug!(
                        file = %path.display(),
                        section = %section.header,
                        "ignoring a section that is not valid in this file"
                    );
                }
            }
        }
        if !prefixed_default {
            for properties in bare_default {
                merge_into(&mut self.profiles, "default", properties);
            }
        }
        Ok(())
    }

    /// Loads the files the environment points at: `AWS_CONFIG_FILE` (else
    /// `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (else
    /// `~/.aws/credentials`). Missing files count as empty. The selected profile is
    /// `profile_override`, else `AWS_PROFILE`, else `default`.
    pub fn load(ctx: &OsContext, profile_override: Option<&str>) -> Result<Self, ProfileFileError> {
        let selected = profile_override
            .map(str::to_owned)
            .or_else(|| ctx.env.get_non_empty("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let mut set = ProfileSet::empty(selected);
        for (kind, var, default) in [
            (FileKind::Config, "AWS_CONFIG_FILE", "config"),
            (FileKind::Credentials, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        ] {
            let path = match ctx.env.get_non_empty(var) {
                Some(p) => ctx.expand_home(&p),
                None => match ctx.home_dir() {
                    Some(home) => home.join(".aws").join(default),
                    None => continue,
                },
            };
            match ctx.fs.read_to_string(&path) {
                Ok(text) => set.add_file(kind, &path, &text)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    tracing::debug!(file = %path.display(), "shared AWS file not found; treated as empty");
                }
                Err(source) => return Err(ProfileFileError::Read { path, source }),
            }
        }
        Ok(set)
    }

    /// The name of the selected profile.
    pub fn selected_profile_name(&self) -> &str {
        &self.selected
    }

    /// The selected profile, if either file defines it.
    pub fn selected_profile(&self) -> Option<&Section> {
        self.profiles.get(&self.selected)
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// A `[services NAME]` section.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// The endpoint URL configured for a service in a profile: the profile's
    /// `services` section's `SERVICE_KEY = / endpoint_url = …` entry, else the
    /// profile's own `endpoint_url`. `service_key` is the snake-case service id,
    /// e.g. `bedrock_runtime`.
    pub fn endpoint_url(&self, profile: &str, service_key: &str) -> Option<&str> {
        let profile = self.profile(profile)?;
        let from_services = profile
            .get("services")
            .and_then(|name| self.services(name))
            .and_then(|services| services.property(service_key))
            .and_then(|p| p.sub_properties().get("endpoint_url"))
            .map(String::as_str)
            .filter(|v| !v.is_empty());
        from_services.or_else(|| profile.get("endpoint_url"))
    }

    /// The names of all profiles.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{MapEnv, MapFs};

    fn parse(config: &str, credentials: &str) -> ProfileSet {
        let mut set = ProfileSet::empty("default");
        set.add_file(FileKind::Config, Path::new("/c/config"), config).unwrap();
        set.add_file(FileKind::Credentials, Path::new("/c/credentials"), credentials)
            .unwrap();
        set
    }

    #[test]
    fn profile_prefix_rules() {
        let set = parse(
            "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[bare]\nregion = x\n",
            "[dev]\naws_access_key_id = AKID\n[profile ignored]\nx = 1\n",
        );
        assert_eq!(set.profile("default").unwrap().get("region"), Some("us-east-1"));
        assert_eq!(set.profile("dev").unwrap().get("region"), Some("eu-west-1"));
        assert_eq!(set.profile("dev").unwrap().get("aws_access_key_id"), Some("AKID"));
        assert!(set.profile("bare").is_none());
        assert!(set.profile("ignored").is_none());
        assert!(set.profile("profile ignored").is_none());
    }

    #[test]
    fn profile_default_beats_bare_default_and_credentials_win() {
        let set = parse(
            "[profile default]\nregion = a\n[default]\nregion = b\noutput = json\n",
            "[default]\nregion = c\n",
        );
        let default = set.profile("default").unwrap();
        assert_eq!(default.get("region"), Some("c"));
        assert_eq!(default.get("output"), None);
    }

    #[test]
    fn comments_continuations_and_services() {
        let set = parse(
            "# leading comment\n; another\n[profile p] # trailing\nregion = us-west-2 ; inline\nurl = http://x/#frag\n\
             services = mine\ndescription = first\n  second\n\
             [services mine]\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:9000\n  other = 1\n\
             bedrock =\n  endpoint_url = http://127.0.0.1:9001\n\
             [sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
            "",
        );
        let p = set.profile("p").unwrap();
        assert_eq!(p.get("region"), Some("us-west-2"));
        assert_eq!(p.get("url"), Some("http://x/#frag"));
        assert_eq!(p.get("description"), Some("first\nsecond"));
        assert_eq!(set.endpoint_url("p", "bedrock_runtime"), Some("http://127.0.0.1:9000"));
        assert_eq!(set.endpoint_url("p", "bedrock"), Some("http://127.0.0.1:9001"));
        assert_eq!(set.endpoint_url("p", "s3"), None);
        let services = set.services("mine").unwrap();
        assert_eq!(
            services
                .property("bedrock_runtime")
                .unwrap()
                .sub_properties()
                .get("other")
                .unwrap(),
            "1"
        );
        assert_eq!(set.sso_session("corp").unwrap().get("sso_region"), Some("us-east-1"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("region = x\n", 1, "outside"),
            ("[profile a]\n\nnot a property\n", 3, "key = value"),
            ("[profile a\n", 1, "closing"),
            ("  indented = 1\n", 1, "continue"),
            ("[profile a]\n= v\n", 2, "empty property"),
            ("[profile a]\nk =\n  no-equals\n", 3, "sub_key"),
            ("[]\n", 1, "empty section"),
            ("[profile a] junk\n", 1, "after the section"),
        ];
        for (text, line, needle) in cases {
            let mut set = ProfileSet::empty("default");
            let err = set
                .add_file(FileKind::Config, Path::new("/x/config"), text)
                .unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with(&format!("/x/config:{line}:")), "{text:?} -> {msg}");
            assert!(msg.contains(needle), "{text:?} -> {msg}");
        }
    }

    #[test]
    fn debug_does_not_print_values() {
        let set = parse("", "[default]\naws_secret_access_key = SUPERSECRET\n");
        assert!(!format!("{set:?}").contains("SUPERSECRET"));
    }

    #[test]
    fn load_uses_env_paths_and_selected_profile() {
        let ctx = OsContext::new(
            MapEnv::from_pairs([
                ("HOME", "/home/u"),
                ("AWS_CONFIG_FILE", "~/custom/config"),
                ("AWS_PROFILE", "work"),
            ]),
            MapFs::from_files([
                ("/home/u/custom/config", "[profile work]\nregion = ap-south-1\n"),
                ("/home/u/.aws/credentials", "[work]\naws_access_key_id = AKIDWORK\n"),
            ]),
        );
        let set = ProfileSet::load(&ctx, None).unwrap();
        assert_eq!(set.selected_profile_name(), "work");
        let work = set.selected_profile().unwrap();
        assert_eq!(work.get("region"), Some("ap-south-1"));
        assert_eq!(work.get("aws_access_key_id"), Some("AKIDWORK"));
        let overridden = ProfileSet::load(&ctx, Some("other")).unwrap();
        assert_eq!(overridden.selected_profile_name(), "other");
        assert!(overridden.selected_profile().is_none());
    }

    #[test]
    fn real_files_in_temp_dir() {
        let dir = std::env::temp_dir().join(format!("bedrock-auth-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        std::fs::write(&config, "[default]\r\nregion = us-east-2\r\n").unwrap();
        let ctx = OsContext::new(
            MapEnv::from_pairs([
                ("AWS_CONFIG_FILE", config.to_str().unwrap()),
                ("AWS_SHARED_CREDENTIALS_FILE", dir.join("missing").to_str().unwrap()),
            ]),
            crate::env::RealFs,
        );
        let set = ProfileSet::load(&ctx, None).unwrap();
        assert_eq!(set.selected_profile().unwrap().get("region"), Some("us-east-2"));
        std::fs::write(&config, "[default]\nbroken\n").unwrap();
        let err = ProfileSet::load(&ctx, None).unwrap_err();
        assert!(err.to_string().contains(":2:"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
