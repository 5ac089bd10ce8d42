//! TLS configuration for the built-in client: which crypto provider, which trust roots,
//! and custom CA bundles (`AWS_CA_BUNDLE` or config).
//!
//! The crypto provider is chosen at build time by Cargo features (see the crate's
//! `Cargo.toml`): `fips` (aws-lc-rs in FIPS mode) wins over `aws-lc-rs`, which wins
//! over `ring` (the default, chosen because it builds fast and small). With none of
//! them enabled, the process-wide default provider installed with
//! `rustls::crypto::CryptoProvider::install_default` is used. `fips` needs cmake
//! and Go at build time (for aws-lc-fips-sys); [`HyperClient::is_fips`] then
//! reports rustls' `ClientConfig::fips()`.
//!
//! [`HyperClient::is_fips`]: crate::HyperClient::is_fips
//!
//! Trust roots are the Mozilla set compiled in from `webpki-roots` (feature
//! `webpki-roots`, on by default) or the platform's store (feature `native-roots`,
//! selected with [`TrustRoots::Native`]). A [`CaBundle`] *replaces* those roots, as
//! `AWS_CA_BUNDLE` does in the AWS CLI and the other AWS SDKs: only the bundle's
//! certificates are trusted.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::client::{ConnectError, ConnectErrorKind, TlsErrorKind};

/// Where the trust roots come from when no [`CaBundle`] is configured.
///
/// The default is [`WebPki`](TrustRoots::WebPki), or [`Native`](TrustRoots::Native)
/// when only the `native-roots` feature is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The Mozilla root set compiled into the binary (feature `webpki-roots`, on by
    /// default). The same on every machine; does not see roots an administrator added.
    WebPki,
    /// The platform's certificate store (feature `native-roots`): the OS keychain on
    /// macOS and Windows, the system bundle (or `SSL_CERT_FILE`/`SSL_CERT_DIR`) on Linux.
    Native,
}

impl Default for TrustRoots {
    fn default() -> Self {
        if cfg!(all(feature = "native-roots", not(feature = "webpki-roots"))) {
            TrustRoots::Native
        } else {
            TrustRoots::WebPki
        }
    }
}

/// A custom set of trusted CA certificates, in PEM.
///
/// When set (in config or through `AWS_CA_BUNDLE`), only these certificates are
/// trusted: they replace the default roots, as in the AWS CLI and other AWS SDKs.
#[derive(Clone)]
pub struct CaBundle {
    source: CaBundleSource,
}

#[derive(Clone)]
enum CaBundleSource {
    Path(PathBuf),
    Pem(Bytes),
}

impl CaBundle {
    /// A PEM file read when the client is built.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        CaBundle {
            source: CaBundleSource::Path(path.into()),
        }
    }

    /// PEM text already in memory (one or more `CERTIFICATE` blocks).
    pub fn from_pem(pem: impl Into<Bytes>) -> Self {
        CaBundle {
            source: CaBundleSource::Pem(pem.into()),
        }
    }

    /// The file this bundle is read from, if it came from a path.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            CaBundleSource::Path(p) => Some(p),
            CaBundleSource::Pem(_) => None,
        }
    }

    /// Reads and parses the bundle into DER certificates.
    pub(crate) fn load(&self) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
        let path = self.path().map(Path::to_path_buf);
        let invalid = |reason: String, source: Option<crate::BoxError>| {
            let e = ConnectError::new(ConnectErrorKind::InvalidCaBundle { path: path.clone() }).with_detail(reason);
            match source {
                Some(s) => e.with_source(s),
                None => e,
            }
        };
        let pem: Bytes = match &self.source {
            CaBundleSource::Pem(b) => b.clone(),
            CaBundleSource::Path(p) => match std::fs::read(p) {
                Ok(b) => Bytes::from(b),
                Err(e) => return Err(invalid(format!("the file could not be read: {e}"), Some(Box::new(e)))),
            },
        };
        let mut certs = Vec::new();
        for item in CertificateDer::pem_slice_iter(&pem) {
            match item {
                Ok(cert) => certs.push(cert),
                Err(e) => return Err(invalid("it is not valid PEM".into(), Some(Box::new(e)))),
            }
        }
        if certs.is_empty() {
            return Err(invalid("it contains no PEM `CERTIFICATE` block".into(), None));
        }
        Ok(certs)
    }
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            CaBundleSource::Path(p) => f.debug_tuple("CaBundle::Path").field(p).finish(),
            CaBundleSource::Pem(b) => write!(f, "CaBundle::Pem({} bytes)", b.len()),
        }
    }
}

/// The crypto provider compiled in, by priority: `fips`, `aws-lc-rs`, `ring`, then the
/// process default.
pub(crate) fn crypto_provider() -> Result<Arc<CryptoProvider>, ConnectError> {
    #[cfg(feature = "fips")]
    {
        Ok(Arc::new(rustls::crypto::default_fips_provider()))
    }
    #[cfg(all(feature = "aws-lc-rs", not(feature = "fips")))]
    {
        Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs"), not(feature = "fips")))]
    {
        Ok(Arc::new(rustls::crypto::ring::default_provider()))
    }
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs", feature = "fips")))]
    {
        CryptoProvider::get_default().cloned().ok_or_else(|| {
            ConnectError::new(ConnectErrorKind::TlsConfig).with_detail(
                "no TLS crypto provider: enable the `ring`, `aws-lc-rs` or `fips` feature of bedrock-transport, \
                 or install one with rustls::crypto::CryptoProvider::install_default before building the client",
            )
        })
    }
}

fn default_roots(which: TrustRoots) -> Result<RootCertStore, ConnectError> {
    match which {
        TrustRoots::WebPki => webpki_store(),
        TrustRoots::Native => native_store(),
    }
}

#[cfg(feature = "webpki-roots")]
fn webpki_store() -> Result<RootCertStore, ConnectError> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(store)
}

#[cfg(not(feature = "webpki-roots"))]
fn webpki_store() -> Result<RootCertStore, ConnectError> {
    Err(ConnectError::new(ConnectErrorKind::TlsConfig).with_detail(
        "TrustRoots::WebPki needs the `webpki-roots` feature of bedrock-transport; enable it, choose \
         TrustRoots::Native (feature `native-roots`), or configure a CA bundle",
    ))
}

#[cfg(feature = "native-roots")]
fn native_store() -> Result<RootCertStore, ConnectError> {
    let mut store = RootCertStore::empty();
    let loaded = rustls_native_certs::load_native_certs();
    let (added, _ignored) = store.add_parsable_certificates(loaded.certs);
    if added == 0 {
        let mut e = ConnectError::new(ConnectErrorKind::TlsConfig).with_detail(
            "no usable certificate was found in the platform's trust store; configure a CA bundle \
             (AWS_CA_BUNDLE) or use TrustRoots::WebPki",
        );
        if let Some(first) = loaded.errors.into_iter().next() {
            e = e.with_source(Box::new(first));
        }
        return Err(e);
    }
    Ok(store)
}

#[cfg(not(feature = "native-roots"))]
fn native_store() -> Result<RootCertStore, ConnectError> {
    Err(ConnectError::new(ConnectErrorKind::TlsConfig).with_detail(
        "TrustRoots::Native needs the `native-roots` feature of bedrock-transport; enable it or use \
         TrustRoots::WebPki",
    ))
}

/// The root store: the CA bundle's certificates if one is set, else the default roots.
pub(crate) fn root_store(which: TrustRoots, bundle: Option<&CaBundle>) -> Result<RootCertStore, ConnectError> {
    let Some(bundle) = bundle else {
        return default_roots(which);
    };
    let mut store = RootCertStore::empty();
    for cert in bundle.load()? {
        if let Err(e) = store.add(cert) {
            return Err(ConnectError::new(ConnectErrorKind::InvalidCaBundle {
                path: bundle.path().map(Path::to_path_buf),
            })
            .with_detail("a certificate in it could not be parsed")
            .with_source(Box::new(e)));
        }
    }
    Ok(store)
}

/// A client config trusting `roots`, offering `alpn` (most preferred first).
pub(crate) fn client_config(
    provider: Arc<CryptoProvider>,
    roots: Arc<RootCertStore>,
    alpn: &[&[u8]],
) -> Result<Arc<ClientConfig>, ConnectError> {
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| {
            ConnectError::new(ConnectErrorKind::TlsConfig)
                .with_detail("the crypto provider supports no safe TLS version")
                .with_source(Box::new(e))
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// Classifies a handshake failure from tokio-rustls (an `io::Error` wrapping a
/// `rustls::Error` when the TLS layer failed).
pub(crate) fn classify_handshake_error(err: &std::io::Error) -> TlsErrorKind {
    use rustls::CertificateError as C;
    let Some(tls) = err.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        return TlsErrorKind::Other;
    };
    match tls {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsErrorKind::UnknownIssuer,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsErrorKind::CertificateNameMismatch,
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                TlsErrorKind::CertificateExpired
            }
            _ => TlsErrorKind::InvalidCertificate,
        },
        rustls::Error::NoApplicationProtocol
        | rustls::Error::AlertReceived(rustls::AlertDescription::NoApplicationProtocol) => {
            TlsErrorKind::NoApplicationProtocol
        }
        rustls::Error::AlertReceived(rustls::AlertDescription::UnknownCA) => TlsErrorKind::UnknownIssuer,
        _ => TlsErrorKind::Other,
    }
}
