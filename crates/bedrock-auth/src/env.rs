//! Injectable environment-variable and file-system access, so that every
//! provider can be tested without touching the real process environment.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads environment variables.
pub trait Env: Send + Sync + fmt::Debug {
    /// The value of `key`, or `None` when it is unset or not valid Unicode.
    fn get(&self, key: &str) -> Option<String>;

    /// The value of `key` when it is set and not blank.
    fn get_non_empty(&self, key: &str) -> Option<String> {
        self.get(key).filter(|v| !v.trim().is_empty())
    }
}

/// The real process environment (`std::env::var`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

/// A fixed set of variables, for tests and for callers that want to isolate the
/// SDK from the process environment.
/// `Debug` shows variable names only (values may be secrets).
#[derive(Clone, Default)]
pub struct MapEnv(HashMap<String, String>);

impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<_> = self.0.keys().collect();
        keys.sort();
        f.debug_tuple("MapEnv").field(&keys).finish()
    }
}

impl MapEnv {
    /// An environment holding exactly these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        MapEnv(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl Env for MapEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// Reads files.
pub trait Fs: Send + Sync + fmt::Debug {
    /// The contents of `path` as UTF-8 text.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;

    /// Replaces the contents of `path` (used to write back a refreshed SSO
    /// token). Read-only file systems refuse, which callers treat as a warning.
    fn write(&self, path: &Path, contents: &str) -> io::Result<()> {
        let _ = (path, contents);
        Err(io::Error::new(io::ErrorKind::Unsupported, "read-only file system"))
    }
}

/// The real file system (`std::fs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl Fs for RealFs {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    /// Writes a sibling temporary file and renames it over `path`, so a reader
    /// never sees half a file. On Unix the file is created readable by its
    /// owner only: what is written here (SSO tokens) is secret.
    fn write(&self, path: &Path, contents: &str) -> io::Result<()> {
        use std::io::Write as _;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".{}.tmp", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let result = options.open(&tmp).and_then(|mut file| {
            file.write_all(contents.as_bytes())?;
            file.sync_all()
        });
        match result.and_then(|()| std::fs::rename(&tmp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// An in-memory file system, for tests. `Debug` shows paths only.
#[derive(Clone, Default)]
pub struct MapFs(HashMap<PathBuf, String>);

impl fmt::Debug for MapFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut paths: Vec<_> = self.0.keys().collect();
        paths.sort();
        f.debug_tuple("MapFs").field(&paths).finish()
    }
}

impl MapFs {
    /// A file system holding exactly these files.
    pub fn from_files<P: Into<PathBuf>, C: Into<String>>(files: impl IntoIterator<Item = (P, C)>) -> Self {
        MapFs(files.into_iter().map(|(p, c)| (p.into(), c.into())).collect())
    }
}

impl Fs for MapFs {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// The environment and file system a provider reads, shared cheaply.
#[derive(Debug, Clone)]
pub struct OsContext {
    /// Environment variables.
    pub env: Arc<dyn Env>,
    /// Files.
    pub fs: Arc<dyn Fs>,
}

impl OsContext {
    /// The real process environment and file system.
    pub fn real() -> Self {
        OsContext {
            env: Arc::new(ProcessEnv),
            fs: Arc::new(RealFs),
        }
    }

    /// A context from explicit parts.
    pub fn new(env: impl Env + 'static, fs: impl Fs + 'static) -> Self {
        OsContext {
            env: Arc::new(env),
            fs: Arc::new(fs),
        }
    }

    /// The user's home directory: `HOME`, else `USERPROFILE`, else
    /// `HOMEDRIVE` + `HOMEPATH` (the order the AWS SDKs use).
    pub fn home_dir(&self) -> Option<PathBuf> {
        if let Some(home) = self.env.get_non_empty("HOME") {
            return Some(PathBuf::from(home));
        }
        if let Some(profile) = self.env.get_non_empty("USERPROFILE") {
            return Some(PathBuf::from(profile));
        }
        match (self.env.get_non_empty("HOMEDRIVE"), self.env.get_non_empty("HOMEPATH")) {
            (Some(drive), Some(path)) => Some(PathBuf::from(format!("{drive}{path}"))),
            _ => None,
        }
    }

    /// Expands a leading `~` (alone or followed by a path separator) to the home directory.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        let rest = if path == "~" {
            Some("")
        } else {
            path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\"))
        };
        match (rest, self.home_dir()) {
            (Some(""), Some(home)) => home,
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }
}

impl Default for OsContext {
    fn default() -> Self {
        OsContext::real()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_fs_write_replaces_and_is_private() {
        let dir = std::env::temp_dir().join(format!("bedrock-auth-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token.json");
        std::fs::write(&path, "old").unwrap();
        RealFs.write(&path, "new").unwrap();
        assert_eq!(RealFs.read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
        assert!(MapFs::default().write(&path, "x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn home_expansion() {
        let ctx = OsContext::new(MapEnv::from_pairs([("HOME", "/home/u")]), MapFs::default());
        assert_eq!(ctx.expand_home("~/.aws/config"), PathBuf::from("/home/u/.aws/config"));
        assert_eq!(ctx.expand_home("~"), PathBuf::from("/home/u"));
        assert_eq!(ctx.expand_home("/etc/x"), PathBuf::from("/etc/x"));
        let win = OsContext::new(
            MapEnv::from_pairs([("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\u")]),
            MapFs::default(),
        );
        assert_eq!(win.home_dir(), Some(PathBuf::from("C:\\Users\\u")));
        let none = OsContext::new(MapEnv::default(), MapFs::default());
        assert_eq!(none.expand_home("~/x"), PathBuf::from("~/x"));
    }
}
