//! File type by content. Names and `Content-Type` headers are claims; the
//! first bytes are evidence.

use serde::Serialize;

/// The file types Colophon accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Png,
    Jpeg,
    Webp,
    /// A safetensors file: an 8-byte little-endian header length, then a JSON object.
    Safetensors,
    /// A UTF-8 JSON object (a workflow candidate).
    Json,
}

impl FileType {
    /// The media type served for this file.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Safetensors => "application/octet-stream",
            Self::Json => "application/json",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Safetensors => "safetensors",
            Self::Json => "json",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::Webp)
    }
}

/// How many leading bytes [`sniff`] needs to decide.
pub const SNIFF_LEN: usize = 16;

/// Identifies a file from its first bytes (at least [`SNIFF_LEN`] when the
/// file is that long). `None` means "not a type we accept".
pub fn sniff(head: &[u8]) -> Option<FileType> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileType::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileType::Jpeg);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(FileType::Webp);
    }
    // safetensors: u64 LE header length (sane: < 100 MB), then '{' possibly after spaces.
    if head.len() >= 9 {
        let n = u64::from_le_bytes(head[0..8].try_into().unwrap_or_default());
        if (2..100_000_000).contains(&n) && head[8..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            return Some(FileType::Safetensors);
        }
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Some(FileType::Json);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_type_and_refuses_the_rest() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileType::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']), Some(FileType::Jpeg));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(FileType::Webp));
        let mut st = 20u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{\"__metadata__\":{}}");
        assert_eq!(sniff(&st), Some(FileType::Safetensors));
        assert_eq!(sniff(b"  \n{\"nodes\": []}"), Some(FileType::Json));
        assert_eq!(sniff(b"\xEF\xBB\xBF{\"1\": {}}"), Some(FileType::Json));
        // A GIF, a PDF, a zip (a .pt checkpoint), plain text, nothing.
        for bad in [&b"GIF89a\x01\0\x01\0"[..], b"%PDF-1.7\n", b"PK\x03\x04\x14\0", b"hello world", b""] {
            assert_eq!(sniff(bad), None, "{bad:?}");
        }
        // A RIFF that is not WebP (a WAV file) is not an image.
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
    }
}
