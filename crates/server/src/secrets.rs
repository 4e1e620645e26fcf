//! The token-signing secret: taken from the settings, or generated once and kept in the data
//! dir (mode 0600) so tokens survive restarts without anyone having to configure a secret.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use rand::RngCore;
use secrecy::SecretString;

const FILE_NAME: &str = "jwt-secret";

/// Returns the configured secret, or the one in `data_dir`, creating it on first start.
pub fn load_or_create_jwt_secret(configured: Option<&SecretString>, data_dir: &Path) -> anyhow::Result<SecretString> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    let path = data_dir.join(FILE_NAME);
    match fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 32 => {
            return Ok(SecretString::from(existing.trim().to_owned()));
        }
        Ok(_) => anyhow::bail!("the secret in {} is too short; delete it to generate a new one", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(secret.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new token-signing secret");
    Ok(SecretString::from(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generated_secret_is_persisted_and_reused() {
        let dir = std::env::temp_dir().join(format!("confab-secret-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let first = load_or_create_jwt_secret(None, &dir).unwrap();
        let second = load_or_create_jwt_secret(None, &dir).unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 64);
        let mode = fs::metadata(dir.join(FILE_NAME)).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn configured_secret_wins() {
        let configured = SecretString::from("x".repeat(40));
        let got = load_or_create_jwt_secret(Some(&configured), Path::new("/nonexistent")).unwrap();
        assert_eq!(got.expose_secret(), configured.expose_secret());
    }
}
