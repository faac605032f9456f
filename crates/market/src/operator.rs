//! The marketplace's own ed25519 key. It signs what only the marketplace can
//! attest (sales and licence grants); creators' keys never reach the server.
//!
//! Key file (docs/FORMATS.md §11): the 32-byte seed as 64 lower-case hex
//! digits and a newline, mode 0600. Created on first start when missing.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use colophon_provenance::{PublicKey, SigningKey};

#[derive(Debug, thiserror::Error)]
pub enum OperatorKeyError {
    #[error("could not read the operator key {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("could not create the operator key {path}: {source}")]
    Create { path: PathBuf, source: std::io::Error },
    #[error("the operator key {path} is not 64 hex digits (a 32-byte ed25519 seed)")]
    Malformed { path: PathBuf },
}

/// The operator's signing key. Debug output never shows the seed.
#[derive(Clone)]
pub struct OperatorKey(std::sync::Arc<SigningKey>);

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OperatorKey").field(&self.public_key().to_hex()).finish()
    }
}

impl OperatorKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(std::sync::Arc::new(SigningKey::from_seed(seed)))
    }

    /// Reads the key file at `path`, creating it (with a fresh random key,
    /// readable by the owner only) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, OperatorKeyError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).ok_or_else(|| OperatorKeyError::Malformed { path: path.into() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(path),
            Err(source) => Err(OperatorKeyError::Read { path: path.into(), source }),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let seed: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
        Some(Self::from_seed(&seed))
    }

    fn create(path: &Path) -> Result<Self, OperatorKeyError> {
        let err = |source| OperatorKeyError::Create { path: path.into(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let seed: [u8; 32] = rand::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // Written to a temporary name and renamed, so a crash never leaves half a key.
        let tmp = path.with_extension("key.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut file = options.open(&tmp).map_err(err)?;
        file.write_all(format!("{}\n", hex::encode(seed)).as_bytes()).map_err(err)?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)?;
        tracing::info!(path = %path.display(), "created the operator key");
        Ok(Self::from_seed(&seed))
    }

    pub fn public_key(&self) -> PublicKey {
        self.0.public_key()
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keys/operator.key");
        let a = OperatorKey::load_or_create(&path).expect("create");
        let b = OperatorKey::load_or_create(&path).expect("read");
        assert_eq!(a.public_key(), b.public_key());
        let text = std::fs::read_to_string(&path).expect("file");
        assert_eq!(text.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{a:?}").contains(text.trim()), "Debug must not print the seed");
    }

    #[test]
    fn a_malformed_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("operator.key");
        std::fs::write(&path, "not a key").expect("write");
        assert!(matches!(OperatorKey::load_or_create(&path), Err(OperatorKeyError::Malformed { .. })));
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "not a key");
    }
}
