//! ed25519 keys (RFC 8032, via `ed25519-dalek`), key ids and fingerprints.
//!
//! Signatures are plain Ed25519 over the statement bytes — no prehash, no
//! context — so any RFC 8032 library verifies them. Verification is strict
//! (`verify_strict`): small-order and non-canonical keys and signatures are
//! rejected.

use std::fmt;

use ed25519_dalek::{Signer as _, Verifier as _};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

/// Why a key or signature was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a valid ed25519 public key")]
    InvalidPublicKey,
    #[error("expected {expected} hex digits")]
    BadHex { expected: usize },
    #[error("signature does not verify")]
    BadSignature,
}

/// `SHA-256(public key bytes)`: how statements name a key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 32]);

impl KeyId {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first 16 bytes in groups of four hex digits, for people to compare
    /// (e.g. `3f2a 91c0 …`, eight groups).
    pub fn fingerprint(&self) -> String {
        let hex = hex::encode(&self.0[..16]);
        hex.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect::<Vec<_>>().join(" ")
    }

    pub fn parse(hex_str: &str) -> Result<Self, KeyError> {
        parse_hex::<32>(hex_str).map(Self)
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

pub(crate) fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], KeyError> {
    let s = s.trim();
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| KeyError::BadHex { expected: N * 2 })?;
    Ok(out)
}

/// An ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Accepts only points that decompress; weak (small-order) keys are
    /// refused at verification by `verify_strict`.
    /// A public key from its 32-byte encoding. Refused: a point that does not
    /// decode, and a non-canonical encoding (y ≥ p = 2^255 − 19), which would
    /// give one point two key ids (docs/FORMATS.md §3).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let y_not_reduced = bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff) && bytes[0] >= 0xed;
        if y_not_reduced {
            return Err(KeyError::InvalidPublicKey);
        }
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map(Self).map_err(|_| KeyError::InvalidPublicKey)
    }

    pub fn parse(hex_str: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&parse_hex::<32>(hex_str)?)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    pub fn key_id(&self) -> KeyId {
        KeyId(Sha256::digest(self.0.as_bytes()).into())
    }

    /// Strict RFC 8032 verification of `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), KeyError> {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        if self.0.is_weak() {
            return Err(KeyError::BadSignature);
        }
        self.0.verify_strict(message, &sig).map_err(|_| KeyError::BadSignature)?;
        // verify_strict already implies verify; keep the plain check too so a
        // future dalek change can only make us stricter.
        self.0.verify(message, &sig).map_err(|_| KeyError::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// An ed25519 signing key. Zeroized on drop; never printed.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A new key from the caller's CSPRNG (the browser's `crypto.getRandomValues`,
    /// the OS in the CLI).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self(ed25519_dalek::SigningKey::generate(rng))
    }

    /// From the 32-byte RFC 8032 secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The 32-byte secret seed (for the encrypted key file only).
    pub fn seed(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.0.to_bytes())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public: {})", self.public_key().to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        parse_hex::<N>(s).expect("hex")
    }

    /// RFC 8032 §7.1, TEST 1–3 and TEST SHA(abc).
    #[test]
    fn rfc8032_vectors() {
        let vectors: [(&str, &str, &str, &str); 4] = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
            (
                "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
                "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
            ),
            (
                "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
                "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
                "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
            ),
        ];
        for (secret, public, message, signature) in vectors {
            let key = SigningKey::from_seed(&h::<32>(secret));
            assert_eq!(key.public_key().to_hex(), public);
            let msg = hex::decode(message).expect("hex");
            let sig = key.sign(&msg);
            assert_eq!(hex::encode(sig), signature);
            key.public_key().verify(&msg, &sig).expect("verifies");
            let mut bad = sig;
            bad[0] ^= 1;
            assert_eq!(key.public_key().verify(&msg, &bad), Err(KeyError::BadSignature));
        }
    }

    #[test]
    fn key_ids_and_fingerprints() {
        let key = SigningKey::from_seed(&[7; 32]).public_key();
        let id = key.key_id();
        assert_eq!(id.0, <[u8; 32]>::from(Sha256::digest(key.to_bytes())));
        let fp = id.fingerprint();
        assert_eq!(fp.len(), 8 * 4 + 7);
        assert_eq!(fp.replace(' ', ""), id.to_hex()[..32]);
        assert_eq!(KeyId::parse(&id.to_hex()), Ok(id));
    }

    #[test]
    fn small_order_public_keys_never_verify() {
        // The identity point (a small-order point): any "signature" must fail.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = PublicKey::from_bytes(&identity).expect("decompresses");
        let mut sig = [0u8; 64];
        sig[0] = 1;
        assert_eq!(key.verify(b"anything", &sig), Err(KeyError::BadSignature));
    }

    #[test]
    fn non_canonical_public_keys_are_refused() {
        // y = p, p + 1, … 2^255 − 1 (either sign bit): encodings of points that have a shorter one.
        for low in 0xedu8..=0xff {
            for sign in [0u8, 0x80] {
                let mut bytes = [0xffu8; 32];
                bytes[0] = low;
                bytes[31] = 0x7f | sign;
                assert_eq!(PublicKey::from_bytes(&bytes).err(), Some(KeyError::InvalidPublicKey), "{low:02x} {sign}");
            }
        }
        // p − 1 (order 2) is canonical: it decodes, and never verifies anything.
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let key = PublicKey::from_bytes(&minus_one).expect("canonical");
        assert_eq!(key.verify(b"anything", &[0u8; 64]), Err(KeyError::BadSignature));
    }
}
