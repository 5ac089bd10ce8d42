//! `cargo xtask specs`: obtain, extract and verify the pinned AWS API models.
//!
//! The models come from the `botocore` wheel on PyPI, fetched with the ordinary
//! Python package client (`python3 -m pip download`). The wheel version and the
//! SHA-256 of every file we use are pinned in `specs/specs.lock`; the wheel and
//! the extracted JSON live in the git-ignored `specs/cache/`.
//!
//! Layout after a successful run:
//!
//! ```text
//! specs/cache/botocore-<version>-py3-none-any.whl
//! specs/cache/extracted/bedrock/2023-04-20/{service-2,paginators-1,endpoint-rule-set-1}.json
//! specs/cache/extracted/bedrock-runtime/2023-09-30/{service-2,paginators-1,endpoint-rule-set-1}.json
//! specs/cache/extracted/partitions.json
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

/// Lock file, relative to the workspace root.
pub const LOCK_PATH: &str = "specs/specs.lock";
/// Download cache (git-ignored), relative to the workspace root.
pub const CACHE_DIR: &str = "specs/cache";
/// Where the decompressed JSON files go, relative to the workspace root.
pub const EXTRACTED_DIR: &str = "specs/cache/extracted";
/// Records which botocore version the extracted files came from.
const STAMP_FILE: &str = ".botocore-version";
/// Directory of the service models inside the wheel.
const WHEEL_DATA_PREFIX: &str = "botocore/data/";

/// Control-plane service: (botocore directory, API version).
pub const BEDROCK: (&str, &str) = ("bedrock", "2023-04-20");
/// Runtime service: (botocore directory, API version).
pub const BEDROCK_RUNTIME: (&str, &str) = ("bedrock-runtime", "2023-09-30");

const SERVICE_FILE: &str = "service-2.json";
const PAGINATORS_FILE: &str = "paginators-1.json";
const RULES_FILE: &str = "endpoint-rule-set-1.json";
const PARTITIONS_FILE: &str = "partitions.json";

/// Paths of one service's extracted model files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// `service-2.json`: shapes and operations.
    pub service: PathBuf,
    /// `paginators-1.json`.
    pub paginators: PathBuf,
    /// `endpoint-rule-set-1.json`.
    pub rules: PathBuf,
}

/// Everything [`ensure_specs`] guarantees to exist and match `specs/specs.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecPaths {
    /// The pinned botocore version the files came from.
    pub botocore_version: String,
    /// Amazon Bedrock control plane (`bedrock`, 2023-04-20).
    pub bedrock: ServiceSpec,
    /// Amazon Bedrock runtime (`bedrock-runtime`, 2023-09-30).
    pub runtime: ServiceSpec,
    /// botocore's `partitions.json`.
    pub partitions: PathBuf,
}

impl SpecPaths {
    fn new(extracted: &Path, version: &str) -> Self {
        let service = |(name, api): (&str, &str)| {
            let dir = extracted.join(name).join(api);
            ServiceSpec {
                service: dir.join(SERVICE_FILE),
                paginators: dir.join(PAGINATORS_FILE),
                rules: dir.join(RULES_FILE),
            }
        };
        SpecPaths {
            botocore_version: version.to_owned(),
            bedrock: service(BEDROCK),
            runtime: service(BEDROCK_RUNTIME),
            partitions: extracted.join(PARTITIONS_FILE),
        }
    }
}

/// Lock keys (paths relative to `specs/cache/extracted/`, `/`-separated) of every file we extract.
pub fn spec_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for (name, api) in [BEDROCK, BEDROCK_RUNTIME] {
        for file in [SERVICE_FILE, PAGINATORS_FILE, RULES_FILE] {
            keys.push(format!("{name}/{api}/{file}"));
        }
    }
    keys.push(PARTITIONS_FILE.to_owned());
    keys
}

/// What [`run`] should do with the lock file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Check everything against the lock; never modify it.
    Verify,
    /// Re-extract from the pinned wheel and rewrite the hashes in the lock (the version is kept).
    UpdateLock,
}

/// Everything that can go wrong while obtaining the specs.
#[derive(Debug)]
pub enum SpecsError {
    /// An I/O operation failed.
    Io { context: String, source: io::Error },
    /// `python3` could not be started.
    PythonMissing,
    /// `python3` runs but has no pip module.
    PipMissing { stderr_tail: String },
    /// `pip download` failed.
    DownloadFailed {
        version: String,
        status: String,
        stderr_tail: String,
    },
    /// pip succeeded but the expected wheel is not in the cache.
    WheelNotFound { version: String, dir: PathBuf },
    /// The wheel is not a readable zip archive.
    BadWheel { wheel: PathBuf, message: String },
    /// The wheel's own hash does not match the lock.
    WheelHashMismatch {
        wheel: PathBuf,
        version: String,
        expected: String,
        actual: String,
    },
    /// A model file is absent from the wheel.
    MissingInWheel { wheel: PathBuf, name: String },
    /// A `.gz` entry in the wheel (named in full) does not decompress.
    Decompress { name: String, source: io::Error },
    /// An extracted file's hash does not match the lock.
    HashMismatch {
        file: String,
        version: String,
        expected: String,
        actual: String,
        others: usize,
    },
    /// `specs/specs.lock` does not exist.
    LockMissing { path: PathBuf },
    /// `specs/specs.lock` does not parse.
    LockMalformed {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// The lock's hash table does not list exactly the files we extract.
    LockOutOfDate {
        path: PathBuf,
        missing: Vec<String>,
        extra: Vec<String>,
    },
}

const UPDATE_HINT: &str = "if the `botocore` pin in specs/specs.lock was bumped on purpose, run \
                           `cargo xtask specs --update-lock` and commit the new lock";

impl fmt::Display for SpecsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecsError::Io { context, source } => write!(f, "{context}: {source}"),
            SpecsError::PythonMissing => write!(
                f,
                "could not run `python3`; install Python 3 with pip (the specs are fetched with \
                 `python3 -m pip download`)"
            ),
            SpecsError::PipMissing { stderr_tail } => write!(
                f,
                "`python3 -m pip` is not available; install Python 3 with pip (e.g. `python3 -m ensurepip` \
                 or your OS package `python3-pip`)\npip said:\n{stderr_tail}"
            ),
            SpecsError::DownloadFailed {
                version,
                status,
                stderr_tail,
            } => write!(
                f,
                "`pip download botocore=={version}` failed ({status}); check the network and that the \
                 version exists on PyPI\npip said:\n{stderr_tail}"
            ),
            SpecsError::WheelNotFound { version, dir } => write!(
                f,
                "pip finished but no `botocore-{version}-*.whl` appeared in {}",
                dir.display()
            ),
            SpecsError::BadWheel { wheel, message } => write!(
                f,
                "cannot read wheel {}: {message}; delete it and run again to re-download",
                wheel.display()
            ),
            SpecsError::WheelHashMismatch {
                wheel,
                version,
                expected,
                actual,
            } => write!(
                f,
                "hash mismatch for wheel {} (botocore {version}): expected sha256 {expected}, got {actual}; \
                 {UPDATE_HINT}, otherwise delete the wheel and retry",
                wheel.display()
            ),
            SpecsError::MissingInWheel { wheel, name } => {
                write!(f, "`{name}` (or `{name}.gz`) is missing from wheel {}", wheel.display())
            }
            SpecsError::Decompress { name, source } => {
                write!(f, "cannot decompress `{name}` from the wheel: {source}")
            }
            SpecsError::HashMismatch {
                file,
                version,
                expected,
                actual,
                others,
            } => {
                write!(
                    f,
                    "hash mismatch for {file} (botocore {version}): expected sha256 {expected}, got {actual}"
                )?;
                if *others > 0 {
                    write!(f, " ({others} other file(s) differ too)")?;
                }
                write!(f, "; {UPDATE_HINT}")
            }
            SpecsError::LockMissing { path } => write!(
                f,
                "{} not found; create it with a line `botocore = \"<version>\"` and run \
                 `cargo xtask specs --update-lock`",
                path.display()
            ),
            SpecsError::LockMalformed {
                path,
                line: Some(line),
                message,
            } => {
                write!(f, "malformed lock file {}:{line}: {message}", path.display())
            }
            SpecsError::LockMalformed {
                path,
                line: None,
                message,
            } => {
                write!(f, "malformed lock file {}: {message}", path.display())
            }
            SpecsError::LockOutOfDate { path, missing, extra } => {
                write!(f, "{} does not match the files xtask extracts", path.display())?;
                if !missing.is_empty() {
                    write!(f, "; no hash for: {}", missing.join(", "))?;
                }
                if !extra.is_empty() {
                    write!(f, "; unexpected entries: {}", extra.join(", "))?;
                }
                write!(f, "; run `cargo xtask specs --update-lock`")
            }
        }
    }
}

impl std::error::Error for SpecsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecsError::Io { source, .. } | SpecsError::Decompress { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(context: impl FnOnce() -> String) -> impl FnOnce(io::Error) -> SpecsError {
    move |source| SpecsError::Io {
        context: context(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Lock file
// ---------------------------------------------------------------------------------------------

/// Parsed contents of `specs/specs.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// Pinned botocore version (`botocore = "…"`).
    pub botocore: String,
    /// SHA-256 of the wheel file (`wheel-sha256 = "…"`), if recorded.
    pub wheel_sha256: Option<String>,
    /// `[sha256]` table: extracted file (relative, `/`-separated) to SHA-256 of its JSON.
    pub files: BTreeMap<String, String>,
}

/// A lock parse failure: 1-based line number (if any) and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockParseError {
    pub line: Option<usize>,
    pub message: String,
}

impl LockParseError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        LockParseError {
            line: Some(line),
            message: message.into(),
        }
    }
}

/// Parses the lock format: `#` comments, blank lines, `key = "value"` pairs at the top
/// (`botocore`, optional `wheel-sha256`) and a `[sha256]` table with quoted path keys.
pub fn parse_lock(text: &str) -> Result<Lock, LockParseError> {
    let mut botocore: Option<String> = None;
    let mut wheel_sha256: Option<String> = None;
    let mut files = BTreeMap::new();
    let mut in_sha256 = false;

    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| LockParseError::at(line_no, "section header is missing `]`"))?
                .trim();
            if name != "sha256" {
                return Err(LockParseError::at(line_no, format!("unknown section `[{name}]`")));
            }
            if in_sha256 {
                return Err(LockParseError::at(line_no, "duplicate `[sha256]` section"));
            }
            in_sha256 = true;
            continue;
        }

        let (key, value) = parse_pair(line).map_err(|message| LockParseError::at(line_no, message))?;
        if in_sha256 {
            check_sha256(&value).map_err(|message| LockParseError::at(line_no, message))?;
            if key.is_empty() || key.starts_with('/') || key.split('/').any(|part| part == ".." || part.is_empty()) {
                return Err(LockParseError::at(line_no, format!("invalid file path `{key}`")));
            }
            if files.insert(key.clone(), value).is_some() {
                return Err(LockParseError::at(line_no, format!("duplicate entry for `{key}`")));
            }
            continue;
        }
        let slot = match key.as_str() {
            "botocore" => {
                check_version(&value).map_err(|message| LockParseError::at(line_no, message))?;
                &mut botocore
            }
            "wheel-sha256" => {
                check_sha256(&value).map_err(|message| LockParseError::at(line_no, message))?;
                &mut wheel_sha256
            }
            other => {
                return Err(LockParseError::at(
                    line_no,
                    format!("unknown key `{other}` (expected `botocore` or `wheel-sha256`)"),
                ))
            }
        };
        if slot.replace(value).is_some() {
            return Err(LockParseError::at(line_no, format!("duplicate key `{key}`")));
        }
    }

    let botocore = botocore.ok_or_else(|| LockParseError {
        line: None,
        message: "missing `botocore = \"<version>\"` (it must come before `[sha256]`)".to_owned(),
    })?;
    Ok(Lock {
        botocore,
        wheel_sha256,
        files,
    })
}

/// Splits `key = "value"  # comment`; the key is bare (`[A-Za-z0-9_-]+`) or double-quoted.
fn parse_pair(line: &str) -> Result<(String, String), String> {
    let (key, rest) = if line.starts_with('"') {
        parse_quoted(line).map_err(|e| format!("bad key: {e}"))?
    } else {
        let end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(line.len());
        if end == 0 {
            return Err(format!("expected `key = \"value\"`, found `{line}`"));
        }
        (line[..end].to_owned(), &line[end..])
    };
    let rest = rest
        .trim_start()
        .strip_prefix('=')
        .ok_or_else(|| format!("expected `=` after key `{key}`"))?
        .trim_start();
    if !rest.starts_with('"') {
        return Err(format!("value of `{key}` must be a double-quoted string"));
    }
    let (value, tail) = parse_quoted(rest).map_err(|e| format!("bad value for `{key}`: {e}"))?;
    let tail = tail.trim_start();
    if !tail.is_empty() && !tail.starts_with('#') {
        return Err(format!("unexpected text after value of `{key}`: `{tail}`"));
    }
    Ok((key, value))
}

/// Parses a `"…"` string at the start of `s` (no escapes allowed); returns it and the remainder.
fn parse_quoted(s: &str) -> Result<(String, &str), String> {
    let body = s.strip_prefix('"').ok_or("expected `\"`")?;
    let end = body.find('"').ok_or("unterminated string")?;
    let value = &body[..end];
    if value.contains('\\') {
        return Err("escape sequences are not supported".to_owned());
    }
    Ok((value.to_owned(), &body[end + 1..]))
}

fn check_sha256(value: &str) -> Result<(), String> {
    if value.len() == 64 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(format!("`{value}` is not a lowercase hex SHA-256 (64 characters)"))
    }
}

fn check_version(value: &str) -> Result<(), String> {
    if !value.is_empty()
        && value.starts_with(|c: char| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '!' | '_'))
    {
        Ok(())
    } else {
        Err(format!("`{value}` is not a valid botocore version"))
    }
}

/// Renders a lock file; [`parse_lock`] reads it back unchanged.
pub fn render_lock(lock: &Lock) -> String {
    let mut out = String::new();
    out.push_str("# Pinned AWS API models for code generation; see specs/README.md.\n");
    out.push_str("# To bump: edit `botocore` below, then run `cargo xtask specs --update-lock`.\n");
    out.push_str(&format!("botocore = \"{}\"\n", lock.botocore));
    if let Some(wheel) = &lock.wheel_sha256 {
        out.push_str(&format!("wheel-sha256 = \"{wheel}\"\n"));
    }
    out.push_str("\n# SHA-256 of each decompressed JSON file under specs/cache/extracted/.\n");
    out.push_str("[sha256]\n");
    for (file, hash) in &lock.files {
        out.push_str(&format!("\"{file}\" = \"{hash}\"\n"));
    }
    out
}

fn read_lock(path: &Path) -> Result<Lock, SpecsError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(SpecsError::LockMissing { path: path.to_owned() }),
        Err(source) => return Err(io_err(|| format!("reading {}", path.display()))(source)),
    };
    parse_lock(&text).map_err(|e| SpecsError::LockMalformed {
        path: path.to_owned(),
        line: e.line,
        message: e.message,
    })
}

fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), SpecsError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_err(|| format!("creating {}", parent.display())))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, contents).map_err(io_err(|| format!("writing {}", tmp.display())))?;
    fs::rename(&tmp, path).map_err(io_err(|| format!("renaming {} to {}", tmp.display(), path.display())))
}

// ---------------------------------------------------------------------------------------------
// Hashing, download, extraction
// ---------------------------------------------------------------------------------------------

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

fn to_hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for &b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

fn sha256_file(path: &Path) -> Result<String, SpecsError> {
    let mut file = fs::File::open(path).map_err(io_err(|| format!("opening {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(io_err(|| format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(to_hex(&hasher.finalize()))
}

/// Finds `botocore-<version>-*.whl` in `dir`.
fn find_wheel(dir: &Path, version: &str) -> Result<Option<PathBuf>, SpecsError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_err(|| format!("listing {}", dir.display()))(source)),
    };
    let prefix = format!("botocore-{version}-");
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err(|| format!("listing {}", dir.display())))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found.into_iter().next())
}

/// Returns the cached wheel for `version`, running pip first if it is not cached yet.
fn obtain_wheel(cache: &Path, version: &str) -> Result<PathBuf, SpecsError> {
    if let Some(wheel) = find_wheel(cache, version)? {
        return Ok(wheel);
    }
    fs::create_dir_all(cache).map_err(io_err(|| format!("creating {}", cache.display())))?;
    eprintln!(
        "specs: downloading botocore=={version} with pip into {}",
        cache.display()
    );
    let output = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--disable-pip-version-check",
            "--no-input",
            "--no-deps",
        ])
        .arg("--only-binary=:all:")
        .arg(format!("botocore=={version}"))
        .arg("-d")
        .arg(cache)
        .output()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                SpecsError::PythonMissing
            } else {
                SpecsError::Io {
                    context: "running `python3 -m pip download`".to_owned(),
                    source: e,
                }
            }
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = if stderr.trim().is_empty() {
            String::from_utf8_lossy(&output.stdout)
        } else {
            stderr
        };
        let stderr_tail = tail(&stderr, 15);
        if stderr.contains("No module named pip") {
            return Err(SpecsError::PipMissing { stderr_tail });
        }
        return Err(SpecsError::DownloadFailed {
            version: version.to_owned(),
            status: output.status.to_string(),
            stderr_tail,
        });
    }
    find_wheel(cache, version)?.ok_or_else(|| SpecsError::WheelNotFound {
        version: version.to_owned(),
        dir: cache.to_owned(),
    })
}

/// The last `lines` non-blank lines of `text`, indented, each cut to a readable length.
fn tail(text: &str, lines: usize) -> String {
    const MAX_LINE: usize = 300;
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = all.len().saturating_sub(lines);
    all[start..]
        .iter()
        .map(|l| match l.char_indices().nth(MAX_LINE) {
            Some((cut, _)) => format!("  {}…", &l[..cut]),
            None => format!("  {l}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads `botocore/data/<key>` from the wheel, falling back to `<key>.gz` (decompressed).
fn read_spec_from_wheel<R: io::Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    wheel: &Path,
    key: &str,
) -> Result<Vec<u8>, SpecsError> {
    let plain = format!("{WHEEL_DATA_PREFIX}{key}");
    let gz = format!("{plain}.gz");
    let bad = |message: String| SpecsError::BadWheel {
        wheel: wheel.to_owned(),
        message,
    };
    let (name, compressed) = if archive.index_for_name(&plain).is_some() {
        (plain, false)
    } else if archive.index_for_name(&gz).is_some() {
        (gz, true)
    } else {
        return Err(SpecsError::MissingInWheel {
            wheel: wheel.to_owned(),
            name: plain,
        });
    };
    let mut raw = Vec::new();
    archive
        .by_name(&name)
        .map_err(|e| bad(format!("opening `{name}`: {e}")))?
        .read_to_end(&mut raw)
        .map_err(|e| bad(format!("reading `{name}`: {e}")))?;
    if !compressed {
        return Ok(raw);
    }
    let mut json = Vec::new();
    GzDecoder::new(raw.as_slice())
        .read_to_end(&mut json)
        .map_err(|source| SpecsError::Decompress { name, source })?;
    Ok(json)
}

/// Reads every `key` from the wheel (in memory), returning key -> decompressed contents.
fn read_specs_from_wheel(wheel: &Path, keys: &[String]) -> Result<BTreeMap<String, Vec<u8>>, SpecsError> {
    let file = fs::File::open(wheel).map_err(io_err(|| format!("opening {}", wheel.display())))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| SpecsError::BadWheel {
        wheel: wheel.to_owned(),
        message: e.to_string(),
    })?;
    keys.iter()
        .map(|key| Ok((key.clone(), read_spec_from_wheel(&mut archive, wheel, key)?)))
        .collect()
}

/// Writes the extracted files under `out_dir` (plus the version stamp, last).
fn write_extracted(out_dir: &Path, version: &str, contents: &BTreeMap<String, Vec<u8>>) -> Result<(), SpecsError> {
    let stamp = out_dir.join(STAMP_FILE);
    match fs::remove_file(&stamp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(io_err(|| format!("removing {}", stamp.display()))(source)),
    }
    for (key, bytes) in contents {
        write_atomically(&key_path(out_dir, key), bytes)?;
    }
    write_atomically(&stamp, format!("{version}\n").as_bytes())
}

fn key_path(out_dir: &Path, key: &str) -> PathBuf {
    key.split('/').fold(out_dir.to_path_buf(), |path, part| path.join(part))
}

/// Compares `actual` hashes against the lock's; reports the first mismatch (in key order).
fn compare_hashes(lock: &Lock, keys: &[String], actual: &BTreeMap<String, String>) -> Result<(), SpecsError> {
    let mismatches: Vec<(&String, &String, &String)> = keys
        .iter()
        .filter_map(|key| {
            let expected = lock.files.get(key)?;
            let got = actual.get(key)?;
            (expected != got).then_some((key, expected, got))
        })
        .collect();
    match mismatches.first() {
        None => Ok(()),
        Some((file, expected, got)) => Err(SpecsError::HashMismatch {
            file: (*file).clone(),
            version: lock.botocore.clone(),
            expected: (*expected).clone(),
            actual: (*got).clone(),
            others: mismatches.len() - 1,
        }),
    }
}

/// True if `out_dir` holds files extracted from `lock.botocore` whose hashes all match the lock.
fn extracted_up_to_date(out_dir: &Path, lock: &Lock, keys: &[String]) -> bool {
    let stamp_ok = fs::read_to_string(out_dir.join(STAMP_FILE)).is_ok_and(|s| s.trim() == lock.botocore);
    stamp_ok
        && keys.iter().all(|key| {
            let expected = lock.files.get(key);
            fs::read(key_path(out_dir, key)).is_ok_and(|bytes| Some(&sha256_hex(&bytes)) == expected)
        })
}

fn check_lock_covers(lock: &Lock, keys: &[String], lock_path: &Path) -> Result<(), SpecsError> {
    let missing: Vec<String> = keys.iter().filter(|k| !lock.files.contains_key(*k)).cloned().collect();
    let extra: Vec<String> = lock.files.keys().filter(|k| !keys.contains(k)).cloned().collect();
    if missing.is_empty() && extra.is_empty() {
        Ok(())
    } else {
        Err(SpecsError::LockOutOfDate {
            path: lock_path.to_owned(),
            missing,
            extra,
        })
    }
}

/// Where [`run_in`] reads and writes; split out so tests can point it at a temp dir.
struct Layout {
    lock: PathBuf,
    cache: PathBuf,
    extracted: PathBuf,
}

impl Layout {
    fn new(root: &Path) -> Self {
        Layout {
            lock: root.join(LOCK_PATH),
            cache: root.join(CACHE_DIR),
            extracted: root.join(EXTRACTED_DIR),
        }
    }
}

/// Download-if-needed, extract and verify the pinned specs under workspace `root`.
///
/// If the extracted files already match the lock, neither pip nor the wheel is touched, so
/// reruns work offline. This is what `cargo xtask codegen` calls.
pub fn ensure_specs(root: &Path) -> Result<SpecPaths, SpecsError> {
    run(root, Mode::Verify)
}

/// `cargo xtask specs [--update-lock]`.
pub fn run(root: &Path, mode: Mode) -> Result<SpecPaths, SpecsError> {
    run_in(&Layout::new(root), mode)
}

fn run_in(layout: &Layout, mode: Mode) -> Result<SpecPaths, SpecsError> {
    let lock = read_lock(&layout.lock)?;
    let keys = spec_keys();
    let paths = SpecPaths::new(&layout.extracted, &lock.botocore);

    if mode == Mode::Verify {
        check_lock_covers(&lock, &keys, &layout.lock)?;
        if extracted_up_to_date(&layout.extracted, &lock, &keys) {
            return Ok(paths);
        }
    }

    let wheel = obtain_wheel(&layout.cache, &lock.botocore)?;
    let wheel_hash = sha256_file(&wheel)?;
    if mode == Mode::Verify {
        if let Some(expected) = &lock.wheel_sha256 {
            if *expected != wheel_hash {
                return Err(SpecsError::WheelHashMismatch {
                    wheel,
                    version: lock.botocore.clone(),
                    expected: expected.clone(),
                    actual: wheel_hash,
                });
            }
        }
    }

    let contents = read_specs_from_wheel(&wheel, &keys)?;
    let hashes: BTreeMap<String, String> = contents.iter().map(|(k, v)| (k.clone(), sha256_hex(v))).collect();
    match mode {
        Mode::Verify => compare_hashes(&lock, &keys, &hashes)?,
        Mode::UpdateLock => {
            let new_lock = Lock {
                botocore: lock.botocore.clone(),
                wheel_sha256: Some(wheel_hash),
                files: hashes,
            };
            write_atomically(&layout.lock, render_lock(&new_lock).as_bytes())?;
        }
    }
    write_extracted(&layout.extracted, &lock.botocore, &contents)?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const H1: &str = "0000000000000000000000000000000000000000000000000000000000000001";
    const H2: &str = "00000000000000000000000000000000000000000000000000000000000000ff";

    /// A fresh, empty directory under the system temp dir; removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!("xtask-specs-{name}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).expect("gzip write");
        enc.finish().expect("gzip finish")
    }

    /// Writes a wheel-like zip of `(name, bytes)` entries, alternating Deflated and Stored.
    fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
        let file = fs::File::create(path).expect("create zip");
        let mut zip = zip::ZipWriter::new(file);
        for (i, (name, bytes)) in entries.iter().enumerate() {
            let method = if i % 2 == 0 {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(name.as_str(), options).expect("start_file");
            zip.write_all(bytes).expect("write entry");
        }
        zip.finish().expect("finish zip");
    }

    fn content_for(key: &str) -> Vec<u8> {
        format!("{{\"file\": \"{key}\", \"padding\": \"{}\"}}", "x".repeat(200)).into_bytes()
    }

    /// Wheel entries for all spec keys: service-2 and rules as `.json.gz`, the rest plain.
    fn fake_wheel_entries() -> Vec<(String, Vec<u8>)> {
        let mut entries = vec![("botocore/__init__.py".to_owned(), b"# not a spec\n".to_vec())];
        for key in spec_keys() {
            let name = format!("{WHEEL_DATA_PREFIX}{key}");
            if key.ends_with(SERVICE_FILE) || key.ends_with(RULES_FILE) {
                entries.push((format!("{name}.gz"), gzip(&content_for(&key))));
            } else {
                entries.push((name, content_for(&key)));
            }
        }
        entries
    }

    #[test]
    fn parses_good_lock() {
        let text = format!(
            "# comment\n\nbotocore = \"1.44.5\"   # trailing comment\nwheel-sha256 = \"{H1}\"\n\n[sha256]\n\
             \"bedrock/2023-04-20/service-2.json\" = \"{H1}\"\n  \"partitions.json\"=\"{H2}\"\n"
        );
        let lock = parse_lock(&text).expect("parses");
        assert_eq!(lock.botocore, "1.44.5");
        assert_eq!(lock.wheel_sha256.as_deref(), Some(H1));
        assert_eq!(lock.files.len(), 2);
        assert_eq!(lock.files["bedrock/2023-04-20/service-2.json"], H1);
        assert_eq!(lock.files["partitions.json"], H2);
        // Rendering and re-parsing is lossless.
        assert_eq!(parse_lock(&render_lock(&lock)), Ok(lock));
    }

    #[test]
    fn lock_with_only_version_parses() {
        let lock = parse_lock("botocore = \"1.2.3\"\n[sha256]\n").expect("parses");
        assert_eq!(lock.botocore, "1.2.3");
        assert!(lock.files.is_empty());
        assert_eq!(lock.wheel_sha256, None);
    }

    #[test]
    fn malformed_locks_report_line_numbers() {
        let cases: &[(&str, Option<usize>, &str)] = &[
            (
                "botocore = \"1.0\"\n[sha256]\n\"a.json\" = \"zz\"\n",
                Some(3),
                "not a lowercase hex SHA-256",
            ),
            ("# c\nbotocore = 1.0\n", Some(2), "double-quoted"),
            ("botocore = \"1.0\"\nbotocore = \"1.1\"\n", Some(2), "duplicate key"),
            ("botocore = \"1.0\"\n[hashes]\n", Some(2), "unknown section"),
            ("botocore = \"1.0\"\n[sha256\n", Some(2), "missing `]`"),
            ("botocore = \"1.0\"\nfoo = \"bar\"\n", Some(2), "unknown key `foo`"),
            ("\n\nbotocore \"1.0\"\n", Some(3), "expected `=`"),
            ("botocore = \"1.0\" extra\n", Some(1), "unexpected text"),
            ("botocore = \"1.0\n", Some(1), "unterminated"),
            (
                "botocore = \"not a version\"\n",
                Some(1),
                "not a valid botocore version",
            ),
            (
                &format!("botocore = \"1.0\"\n[sha256]\n\"a.json\" = \"{H1}\"\n\"a.json\" = \"{H1}\"\n"),
                Some(4),
                "duplicate entry",
            ),
            (
                &format!("botocore = \"1.0\"\n[sha256]\n\"../a.json\" = \"{H1}\"\n"),
                Some(3),
                "invalid file path",
            ),
            ("# only a comment\n[sha256]\n", None, "missing `botocore"),
        ];
        for (text, line, needle) in cases {
            let err = parse_lock(text).expect_err(text);
            assert_eq!(err.line, *line, "line for {text:?}: {err:?}");
            assert!(err.message.contains(needle), "message for {text:?}: {}", err.message);
        }
        let shown = SpecsError::LockMalformed {
            path: PathBuf::from("specs/specs.lock"),
            line: Some(7),
            message: "boom".to_owned(),
        }
        .to_string();
        assert_eq!(shown, "malformed lock file specs/specs.lock:7: boom");
    }

    #[test]
    fn hash_mismatch_message_names_file_hashes_and_fix() {
        let lock = Lock {
            botocore: "1.44.5".to_owned(),
            wheel_sha256: None,
            files: [
                ("a.json".to_owned(), H1.to_owned()),
                ("b.json".to_owned(), H1.to_owned()),
            ]
            .into(),
        };
        let keys = vec!["a.json".to_owned(), "b.json".to_owned()];
        let actual: BTreeMap<String, String> = [
            ("a.json".to_owned(), H2.to_owned()),
            ("b.json".to_owned(), H2.to_owned()),
        ]
        .into();
        let err = compare_hashes(&lock, &keys, &actual).expect_err("mismatch");
        let msg = err.to_string();
        for needle in ["a.json", H1, H2, "1.44.5", "--update-lock", "1 other file"] {
            assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
        }
        let same: BTreeMap<String, String> = [
            ("a.json".to_owned(), H1.to_owned()),
            ("b.json".to_owned(), H1.to_owned()),
        ]
        .into();
        assert!(compare_hashes(&lock, &keys, &same).is_ok());
    }

    #[test]
    fn error_messages_for_environment_problems() {
        assert!(SpecsError::PythonMissing
            .to_string()
            .contains("install Python 3 with pip"));
        let msg = SpecsError::DownloadFailed {
            version: "9.9.9".to_owned(),
            status: "exit status: 1".to_owned(),
            stderr_tail: "  ERROR: No matching distribution".to_owned(),
        }
        .to_string();
        assert!(
            msg.contains("botocore==9.9.9") && msg.contains("No matching distribution"),
            "{msg}"
        );
        let msg = SpecsError::MissingInWheel {
            wheel: PathBuf::from("w.whl"),
            name: "botocore/data/x.json".to_owned(),
        }
        .to_string();
        assert!(msg.contains("botocore/data/x.json") && msg.contains("w.whl"), "{msg}");
        assert_eq!(tail("a\n\nb\nc\nd\n", 2), "  c\n  d");
        let long = tail(&"é".repeat(1000), 1);
        assert!(long.ends_with('…') && long.chars().count() == 2 + 300 + 1, "{long}");
    }

    #[test]
    fn extracts_plain_and_gz_entries_and_verifies() {
        let tmp = TempDir::new("extract");
        let wheel = tmp.0.join("fake.whl");
        let plain = "{\"plain\": true}".repeat(20);
        let zipped = "{\"gz\": true}".repeat(20);
        write_zip(
            &wheel,
            &[
                (
                    "botocore/data/svc/2020-01-01/paginators-1.json".to_owned(),
                    plain.clone().into_bytes(),
                ),
                (
                    "botocore/data/svc/2020-01-01/service-2.json.gz".to_owned(),
                    gzip(zipped.as_bytes()),
                ),
                // When both forms exist, the plain one wins.
                ("botocore/data/both.json".to_owned(), b"plain".to_vec()),
                ("botocore/data/both.json.gz".to_owned(), gzip(b"gz")),
            ],
        );
        let keys: Vec<String> = [
            "svc/2020-01-01/paginators-1.json",
            "svc/2020-01-01/service-2.json",
            "both.json",
        ]
        .map(String::from)
        .into();
        let contents = read_specs_from_wheel(&wheel, &keys).expect("extract");
        assert_eq!(contents["svc/2020-01-01/paginators-1.json"], plain.as_bytes());
        assert_eq!(contents["svc/2020-01-01/service-2.json"], zipped.as_bytes());
        assert_eq!(contents["both.json"], b"plain");

        let out = tmp.0.join("extracted");
        write_extracted(&out, "0.0.1", &contents).expect("write");
        assert_eq!(
            fs::read(out.join("svc").join("2020-01-01").join("service-2.json")).expect("read"),
            zipped.as_bytes()
        );

        let lock = Lock {
            botocore: "0.0.1".to_owned(),
            wheel_sha256: None,
            files: contents.iter().map(|(k, v)| (k.clone(), sha256_hex(v))).collect(),
        };
        assert!(extracted_up_to_date(&out, &lock, &keys));
        // A different pinned version invalidates the extracted files even if hashes match.
        let bumped = Lock {
            botocore: "0.0.2".to_owned(),
            ..lock.clone()
        };
        assert!(!extracted_up_to_date(&out, &bumped, &keys));
        // Tampering is detected.
        fs::write(out.join("both.json"), b"tampered").expect("tamper");
        assert!(!extracted_up_to_date(&out, &lock, &keys));

        let missing = read_specs_from_wheel(&wheel, &["nope/service-2.json".to_owned()]).expect_err("missing");
        assert!(
            matches!(&missing, SpecsError::MissingInWheel { name, .. } if name == "botocore/data/nope/service-2.json"),
            "{missing}"
        );
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// Full flow against a wheel already in the cache: no pip, no network.
    #[test]
    fn update_lock_then_verify_with_cached_wheel() {
        let tmp = TempDir::new("flow");
        let layout = Layout::new(&tmp.0);
        fs::create_dir_all(&layout.cache).expect("mkdir cache");
        fs::create_dir_all(layout.lock.parent().expect("lock parent")).expect("mkdir specs");
        let wheel = layout.cache.join("botocore-0.0.1-py3-none-any.whl");
        write_zip(&wheel, &fake_wheel_entries());

        // Verify against a lock without hashes: asks for --update-lock.
        fs::write(&layout.lock, "botocore = \"0.0.1\"\n").expect("write lock");
        let err = run_in(&layout, Mode::Verify).expect_err("no hashes yet");
        assert!(matches!(err, SpecsError::LockOutOfDate { .. }), "{err}");

        let paths = run_in(&layout, Mode::UpdateLock).expect("update lock");
        let lock = read_lock(&layout.lock).expect("lock readable");
        assert_eq!(lock.botocore, "0.0.1");
        assert_eq!(lock.files.keys().cloned().collect::<Vec<_>>().len(), spec_keys().len());
        assert_eq!(lock.wheel_sha256, Some(sha256_file(&wheel).expect("hash wheel")));
        assert_eq!(
            fs::read(&paths.runtime.service).expect("read"),
            content_for("bedrock-runtime/2023-09-30/service-2.json")
        );
        assert_eq!(
            fs::read(&paths.partitions).expect("read"),
            content_for("partitions.json")
        );

        // Verify succeeds; then again with the wheel gone (extracted files suffice, "offline").
        assert_eq!(run_in(&layout, Mode::Verify).expect("verify"), paths);
        let parked = tmp.0.join("parked.whl");
        fs::rename(&wheel, &parked).expect("park wheel");
        assert_eq!(run_in(&layout, Mode::Verify).expect("verify offline"), paths);

        // A tampered extracted file is restored from the wheel when the wheel is present.
        fs::rename(&parked, &wheel).expect("restore wheel");
        fs::write(&paths.bedrock.paginators, b"{}").expect("tamper");
        run_in(&layout, Mode::Verify).expect("re-extract");
        assert_eq!(
            fs::read(&paths.bedrock.paginators).expect("read"),
            content_for("bedrock/2023-04-20/paginators-1.json")
        );

        // A lock hash that disagrees with the wheel contents is a named mismatch.
        let mut bad = lock.clone();
        bad.wheel_sha256 = None;
        bad.files.insert("partitions.json".to_owned(), H1.to_owned());
        fs::write(&layout.lock, render_lock(&bad)).expect("write lock");
        let err = run_in(&layout, Mode::Verify).expect_err("mismatch");
        match &err {
            SpecsError::HashMismatch { file, expected, .. } => {
                assert_eq!(file, "partitions.json");
                assert_eq!(expected, H1);
            }
            other => panic!("unexpected error: {other}"),
        }
    }
}
