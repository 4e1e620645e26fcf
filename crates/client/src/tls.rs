//! TLS for `https://` and `wss://`: one rustls configuration (the aws-lc-rs provider that
//! reqwest's rustls already uses, so the graph keeps a single TLS stack) trusting the system's
//! roots plus any the caller adds, such as a private CA. Verification is never switched off.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Why a certificate or TLS setting was refused.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The PEM text held no certificate, or one that could not be read.
    #[error("unreadable certificate: {0}")]
    Certificate(String),
    /// rustls refused the configuration (for instance a root it cannot use).
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The certificates a client trusts beyond the system's, and the rustls configuration built
/// from them the first time a `wss://` connection needs it (loading the system roots reads
/// files, which plain `ws://` callers such as the load generator never pay for).
#[derive(Clone, Debug, Default)]
pub struct TrustedRoots {
    extra: Arc<Vec<CertificateDer<'static>>>,
    config: Arc<OnceLock<Arc<rustls::ClientConfig>>>,
}

impl TrustedRoots {
    /// The system's roots plus every certificate in `pem` (one or more `CERTIFICATE` blocks).
    pub fn with_pem(&self, pem: &[u8]) -> Result<Self, TlsError> {
        let added = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Certificate(e.to_string()))?;
        if added.is_empty() {
            return Err(TlsError::Certificate("no CERTIFICATE block in the PEM text".into()));
        }
        let mut extra = self.extra.as_ref().clone();
        extra.extend(added);
        let roots = Self { extra: Arc::new(extra), config: Arc::default() };
        // Refuse an unusable root now rather than at the first connection.
        roots.rustls_config()?;
        Ok(roots)
    }

    /// The extra roots, DER-encoded (for reqwest).
    pub fn extra(&self) -> &[CertificateDer<'static>] {
        &self.extra
    }

    /// The rustls configuration for `wss://`, built once per set of roots.
    pub fn rustls_config(&self) -> Result<Arc<rustls::ClientConfig>, TlsError> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        let mut store = rustls::RootCertStore::empty();
        for root in self.extra.iter() {
            store.add(root.clone())?;
        }
        // Unreadable system roots are skipped (as browsers do); the extra ones still count.
        let system = rustls_native_certs::load_native_certs();
        store.add_parsable_certificates(system.certs);
        // The provider is named, not taken from the process default: the server's test binary
        // links both of rustls' providers (aws-lc-rs through reqwest, ring through async-nats),
        // and then rustls has no default to pick.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(store)
            .with_no_client_auth();
        Ok(self.config.get_or_init(|| Arc::new(config)).clone())
    }
}
