//! SHA-256 content hashes.

use std::{fmt, str::FromStr};

use sha2::{Digest, Sha256};

/// The SHA-256 of a file's bytes. Shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

/// Why a string is not a content hash.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("a SHA-256 hash has 64 hex digits; this has {0}")]
    WrongLength(usize),
    #[error("{found:?} at position {position} is not a hex digit")]
    NotHex { position: usize, found: char },
}

impl ContentHash {
    /// Hashes a whole buffer.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Parses 64 hex digits (either case), optionally prefixed `sha256:`,
    /// with surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<Self, HashParseError> {
        let trimmed = input.trim();
        let hex_str = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
        if let Some((position, found)) = hex_str.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(HashParseError::NotHex { position, found });
        }
        if hex_str.len() != 64 {
            return Err(HashParseError::WrongLength(hex_str.len()));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_str, &mut out).map_err(|_| HashParseError::WrongLength(hex_str.len()))?;
        Ok(Self(out))
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

impl FromStr for ContentHash {
    type Err = HashParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Streaming SHA-256: feed chunks as they arrive (uploads, files on disk),
/// never the whole file at once. Also an [`std::io::Write`] sink.
#[derive(Clone, Default)]
pub struct ContentHasher {
    inner: Sha256,
    len: u64,
}

impl ContentHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.inner.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finalize(self) -> ContentHash {
        ContentHash(self.inner.finalize().into())
    }
}

impl std::io::Write for ContentHasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        // FIPS 180-2 examples.
        assert_eq!(ContentHash::of(b"").to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(
            ContentHash::of(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = ContentHasher::new();
        for chunk in data.chunks(4093) {
            h.update(chunk);
        }
        assert_eq!(h.len(), data.len() as u64);
        assert_eq!(h.finalize(), ContentHash::of(&data));
    }

    #[test]
    fn parsing_is_strict_and_explains_itself() {
        let h = ContentHash::of(b"abc");
        assert_eq!(ContentHash::parse(&h.to_hex()), Ok(h));
        assert_eq!(ContentHash::parse(&format!(" sha256:{}\n", h.to_hex().to_uppercase())), Ok(h));
        assert_eq!(ContentHash::parse("abc"), Err(HashParseError::WrongLength(3)));
        assert_eq!(ContentHash::parse("zz"), Err(HashParseError::NotHex { position: 0, found: 'z' }));
        assert!(ContentHash::parse(&"0".repeat(66)).is_err());
        assert_eq!(ContentHash::parse(""), Err(HashParseError::WrongLength(0)));
    }
}
