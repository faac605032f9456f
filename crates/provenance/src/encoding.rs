//! The canonical byte encoding behind statements and leaves.
//!
//! Every value has exactly one encoding, and decoding is strict (no trailing
//! bytes, no non-canonical flags, lengths capped), so `decode(encode(x)) == x`
//! and `encode(decode(b)) == b` for every accepted `b`. The grammar is in
//! `docs/FORMATS.md`:
//!
//! | type | bytes |
//! |---|---|
//! | `u8` | 1 byte |
//! | `u64` | 8 bytes, big-endian |
//! | `bytes32` / `bytes64` | the raw 32 / 64 bytes |
//! | `str` | `u32` big-endian byte length (≤ 4096), then UTF-8 |
//! | `blob` | `u32` big-endian byte length (≤ 4096), then the bytes |
//! | `opt<T>` | `0x00`, or `0x01` followed by `T` |
//! | `list<T>` | `u32` big-endian count (≤ 1024), then each `T` |

/// Longest `str` or `blob` accepted.
pub const MAX_FIELD_LEN: usize = 4096;
/// Most items in a `list`.
pub const MAX_LIST_LEN: usize = 1024;

/// Why bytes are not a valid encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("truncated: needed {needed} more bytes at offset {offset}")]
    Truncated { offset: usize, needed: usize },
    #[error("{0} trailing bytes after the end")]
    TrailingBytes(usize),
    #[error("bad magic: not a Colophon {0}")]
    BadMagic(&'static str),
    #[error("unsupported version {0}")]
    UnsupportedVersion(u8),
    #[error("unknown {what} tag {tag}")]
    UnknownTag { what: &'static str, tag: u8 },
    #[error("optional flag must be 0 or 1, found {0}")]
    BadOptionFlag(u8),
    #[error("field of {0} bytes is longer than the 4096 allowed")]
    TooLong(usize),
    #[error("list of {0} items is longer than the 1024 allowed")]
    TooMany(usize),
    #[error("text is not valid UTF-8")]
    NotUtf8,
    #[error("{0}")]
    Invalid(&'static str),
}

/// Appends canonical encodings to a buffer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.raw(&v.to_be_bytes())
    }
    /// Length-prefixed bytes. Callers validate lengths before encoding
    /// (constructors do), so this never truncates.
    pub fn blob(&mut self, v: &[u8]) -> &mut Self {
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        self.u32(len).raw(v)
    }
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.blob(v.as_bytes())
    }
    pub fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                f(self, x);
                self
            }
        }
    }
    pub fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.u32(u32::try_from(items.len()).unwrap_or(u32::MAX));
        for item in items {
            f(self, item);
        }
        self
    }
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads canonical encodings, strictly.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(DecodeError::Truncated {
            offset: self.pos,
            needed: n.saturating_sub(self.bytes.len().saturating_sub(self.pos)),
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn blob(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u32()? as usize;
        if len > MAX_FIELD_LEN {
            return Err(DecodeError::TooLong(len));
        }
        self.take(len)
    }

    pub fn str(&mut self) -> Result<String, DecodeError> {
        let bytes = self.blob()?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| DecodeError::NotUtf8)
    }

    pub fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, DecodeError>) -> Result<Option<T>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => f(self).map(Some),
            other => Err(DecodeError::BadOptionFlag(other)),
        }
    }

    pub fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T, DecodeError>) -> Result<Vec<T>, DecodeError> {
        let count = self.u32()? as usize;
        if count > MAX_LIST_LEN {
            return Err(DecodeError::TooMany(count));
        }
        (0..count).map(|_| f(self)).collect()
    }

    /// Fails unless every byte was consumed.
    pub fn finish(self) -> Result<(), DecodeError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}
