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

    /// The wire word (as serialized): `png`, `jpeg`, `webp`, `safetensors` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Webp => "webp",
            Self::Safetensors => "safetensors",
            Self::Json => "json",
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

/// Whether text is UTF-16: a UTF-16 byte-order mark, or a zero second byte
/// (ASCII in UTF-16LE). JSON files must be UTF-8.
pub fn looks_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || bytes.get(1) == Some(&0)
}

/// What a listing takes, for the check on a file's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepts {
    /// A PNG, JPEG or WebP image.
    Image,
    /// A ComfyUI workflow: a UTF-8 JSON object.
    Workflow,
    /// A LoRA in the safetensors format.
    Lora,
}

/// Refuses a file by its first bytes (`head`, up to [`SNIFF_LEN`] of them,
/// fewer while they are arriving) and its declared `size`, before the rest
/// is sent: the wrong type, UTF-16 JSON, a safetensors header longer than
/// [`crate::lora::DEFAULT_MAX_HEADER`] or than the file. Too few bytes to
/// tell refuse nothing.
pub fn admit_prefix(accepts: Accepts, head: &[u8], size: u64) -> Result<(), crate::FormatError> {
    let refuse = |msg: &str| Err(crate::FormatError(msg.to_owned()));
    match accepts {
        Accepts::Image if head.len() >= 12 && !sniff(head).is_some_and(FileType::is_image) => {
            refuse("This listing takes a PNG, JPEG or WebP image, and the file's first bytes are none of these.")
        }
        Accepts::Workflow => {
            if looks_utf16(head) {
                return refuse("The workflow is UTF-16 text; save it as UTF-8 JSON.");
            }
            let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            match text.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') | None => Ok(()),
                Some(_) => refuse("A ComfyUI workflow is a JSON object, and this file does not start with '{'."),
            }
        }
        Accepts::Lora if head.len() >= 8 => {
            crate::lora::checked_header_len(head, size, crate::lora::DEFAULT_MAX_HEADER)?;
            if head[8..].iter().any(|b| !b.is_ascii_whitespace()) && sniff(head) != Some(FileType::Safetensors) {
                return refuse("This listing takes a LoRA in the safetensors format, and the file is not one.");
            }
            Ok(())
        }
        _ => Ok(()),
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

    #[test]
    fn first_bytes_refuse_what_they_can_and_nothing_more() {
        let refused = |a, head: &[u8], size| admit_prefix(a, head, size).expect_err("refused").0;
        // Too few bytes to tell: nothing is refused yet.
        assert!(admit_prefix(Accepts::Image, b"GIF8", 100).is_ok());
        assert!(refused(Accepts::Image, b"GIF89a\x01\0\x01\0\x80\0\0\0", 100).contains("PNG, JPEG or WebP"));
        assert!(admit_prefix(Accepts::Image, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 100).is_ok());
        // Workflows: UTF-16 by name, a JSON array or text refused, a BOM and whitespace allowed.
        let utf16: Vec<u8> = "{\"1\": {}}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(refused(Accepts::Workflow, &utf16, 100).contains("UTF-16"));
        assert!(refused(Accepts::Workflow, b"[1, 2]", 100).contains("JSON object"));
        assert!(admit_prefix(Accepts::Workflow, b"\xEF\xBB\xBF \n{\"nodes\"", 100).is_ok());
        // LoRAs: a header claim past the limit or the file, or a non-safetensors start.
        let claim = |n: u64, rest: &[u8]| [n.to_le_bytes().as_slice(), rest].concat();
        assert!(refused(Accepts::Lora, &claim(100_000_000, b"{\"a\""), 1 << 30).contains("the limit is"));
        assert!(refused(Accepts::Lora, &claim(5000, b"{\"a\""), 100).contains("the file has only 100"));
        assert!(refused(Accepts::Lora, &claim(20, b"PK\x03\x04"), 100).contains("not one"));
        assert!(admit_prefix(Accepts::Lora, &claim(20, b"{\"a\""), 100).is_ok());
    }
}
