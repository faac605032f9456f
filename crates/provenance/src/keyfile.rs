//! The passphrase-encrypted key file, read by the browser and the CLI alike,
//! so a creator's private key only ever lives on the creator's side.
//!
//! JSON, `format: "colophon-key/1"`. The 32-byte ed25519 seed is encrypted with
//! XChaCha20-Poly1305 under a key derived from the passphrase by argon2id
//! (parameters stored in the file); the associated data binds the ciphertext
//! to the public key: `"colophon-key/1" || public_key (32 bytes)`. See
//! `docs/FORMATS.md` for every field.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::{Engine as _, engine::general_purpose::STANDARD as B64};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{KeyId, PublicKey, SigningKey};

pub const FORMAT: &str = "colophon-key/1";

/// argon2id cost. The defaults follow RFC 9106's second recommended option
/// (64 MiB, 3 passes), about a second in a browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 }
    }
}

/// The file, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub format: String,
    pub algorithm: String,
    /// 64 hex digits.
    pub public_key: String,
    /// SHA-256 of the public key, 64 hex digits (informational; checked on open).
    pub key_id: String,
    pub kdf: Kdf,
    pub cipher: Cipher,
    /// base64 (standard, padded) of the 32-byte seed's ciphertext + 16-byte tag.
    pub ciphertext: String,
    /// Free text chosen by the owner (e.g. "studio laptop").
    #[serde(default)]
    pub label: String,
    /// Unix milliseconds when the key was made.
    pub created_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Always `argon2id` (version 0x13).
    pub name: String,
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    /// base64 of 16 random bytes.
    pub salt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cipher {
    /// Always `xchacha20poly1305`.
    pub name: String,
    /// base64 of 24 random bytes.
    pub nonce: String,
}

/// Why a key file cannot be made or opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("not a Colophon key file: {0}")]
    Malformed(String),
    #[error("unsupported key file: {0}")]
    Unsupported(String),
    #[error("the key file asks for unreasonable key-derivation costs ({0}); refusing to open it")]
    CostTooHigh(String),
    #[error("wrong passphrase, or the key file was altered")]
    WrongPassphraseOrTampered,
    #[error("the passphrase is empty")]
    EmptyPassphrase,
}

const AAD_PREFIX: &[u8] = FORMAT.as_bytes();
const MAX_M_COST_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

fn derive(passphrase: &str, salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, KeyFileError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32))
        .map_err(|e| KeyFileError::Unsupported(format!("argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| KeyFileError::Unsupported(format!("argon2: {e}")))?;
    Ok(out)
}

fn aad(public_key: &PublicKey) -> Vec<u8> {
    [AAD_PREFIX, &public_key.to_bytes()].concat()
}

impl KeyFile {
    /// Encrypts `key` under `passphrase`.
    pub fn seal(
        key: &SigningKey,
        passphrase: &str,
        params: KdfParams,
        label: &str,
        created_ms: u64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, KeyFileError> {
        if passphrase.is_empty() {
            return Err(KeyFileError::EmptyPassphrase);
        }
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        let wrapping = derive(passphrase, &salt, params)?;
        let public_key = key.public_key();
        let seed = key.seed();
        let ciphertext = XChaCha20Poly1305::new(wrapping.as_ref().into())
            .encrypt(&XNonce::from(nonce), Payload { msg: seed.as_ref(), aad: &aad(&public_key) })
            .map_err(|_| KeyFileError::Malformed("encryption failed".into()))?;
        Ok(Self {
            format: FORMAT.into(),
            algorithm: "ed25519".into(),
            public_key: public_key.to_hex(),
            key_id: public_key.key_id().to_hex(),
            kdf: Kdf {
                name: "argon2id".into(),
                m_cost_kib: params.m_cost_kib,
                t_cost: params.t_cost,
                p_cost: params.p_cost,
                salt: B64.encode(salt),
            },
            cipher: Cipher { name: "xchacha20poly1305".into(), nonce: B64.encode(nonce) },
            ciphertext: B64.encode(ciphertext),
            label: label.into(),
            created_ms,
        })
    }

    /// Decrypts the key. Checks that it matches the stated public key.
    pub fn open(&self, passphrase: &str) -> Result<SigningKey, KeyFileError> {
        let public_key = self.check()?;
        let salt = B64.decode(&self.kdf.salt).map_err(|_| KeyFileError::Malformed("salt is not base64".into()))?;
        let nonce =
            B64.decode(&self.cipher.nonce).map_err(|_| KeyFileError::Malformed("nonce is not base64".into()))?;
        let ciphertext =
            B64.decode(&self.ciphertext).map_err(|_| KeyFileError::Malformed("ciphertext is not base64".into()))?;
        if salt.len() < 8 || nonce.len() != 24 || ciphertext.len() != 48 {
            return Err(KeyFileError::Malformed("salt, nonce or ciphertext has the wrong length".into()));
        }
        let nonce: [u8; 24] =
            nonce.as_slice().try_into().map_err(|_| KeyFileError::Malformed("nonce is not 24 bytes".into()))?;
        let params = KdfParams { m_cost_kib: self.kdf.m_cost_kib, t_cost: self.kdf.t_cost, p_cost: self.kdf.p_cost };
        let wrapping = derive(passphrase, &salt, params)?;
        let seed = Zeroizing::new(
            XChaCha20Poly1305::new(wrapping.as_ref().into())
                .decrypt(&XNonce::from(nonce), Payload { msg: &ciphertext, aad: &aad(&public_key) })
                .map_err(|_| KeyFileError::WrongPassphraseOrTampered)?,
        );
        let seed: &[u8; 32] =
            seed.as_slice().try_into().map_err(|_| KeyFileError::Malformed("seed is not 32 bytes".into()))?;
        let key = SigningKey::from_seed(seed);
        if key.public_key() != public_key {
            return Err(KeyFileError::WrongPassphraseOrTampered);
        }
        Ok(key)
    }

    /// Validates everything but the secret: format, algorithms, costs, public key and id.
    pub fn check(&self) -> Result<PublicKey, KeyFileError> {
        if self.format != FORMAT {
            return Err(KeyFileError::Unsupported(format!("format {:?}", self.format)));
        }
        if self.algorithm != "ed25519" || self.kdf.name != "argon2id" || self.cipher.name != "xchacha20poly1305" {
            return Err(KeyFileError::Unsupported("only ed25519 / argon2id / xchacha20poly1305".into()));
        }
        if self.kdf.m_cost_kib > MAX_M_COST_KIB || self.kdf.t_cost > MAX_T_COST || self.kdf.p_cost > MAX_P_COST {
            return Err(KeyFileError::CostTooHigh(format!(
                "m={} KiB, t={}, p={}",
                self.kdf.m_cost_kib, self.kdf.t_cost, self.kdf.p_cost
            )));
        }
        let public_key =
            PublicKey::parse(&self.public_key).map_err(|e| KeyFileError::Malformed(format!("public_key: {e}")))?;
        if KeyId::parse(&self.key_id).ok() != Some(public_key.key_id()) {
            return Err(KeyFileError::Malformed("key_id does not match public_key".into()));
        }
        Ok(public_key)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, KeyFileError> {
        serde_json::from_str(text).map_err(|e| KeyFileError::Malformed(e.to_string()))
    }
}
