//! Generation metadata in JPEG and WebP files: the EXIF block (a JPEG `APP1`
//! segment, a WebP `EXIF` chunk), parsed by `kamadak-exif` — a kept, pure-Rust
//! EXIF reader that never allocates more than the bytes it was given. What the
//! tools write there, and what becomes of it (docs/FORMATS.md §13):
//!
//! | tool | where | read as |
//! |---|---|---|
//! | AUTOMATIC1111 / Forge / SD.Next (JPEG, WebP) | `UserComment` (Exif IFD), `UNICODE` prefix + UTF-16 | `parameters` |
//! | ComfyUI's WebP savers | `Make` = `workflow:{…}`, `Model` = `prompt:{…}` (IFD0) | `workflow`, `prompt` |
//! | other savers | `ImageDescription`, `UserComment`, `XPComment` with `prompt:`/`workflow:` prefixes or A1111 text | by prefix, else `parameters` |
//!
//! Text that is neither prefixed nor shaped like AUTOMATIC1111's (a camera's
//! comment) is ignored, so a photo is never credited with anything.

use std::{collections::BTreeMap, io::Cursor};

use exif::{In, Tag, Value};

use crate::generation::MAX_TEXT;

/// `XPComment` (Windows, UTF-16LE bytes in IFD0).
const XP_COMMENT: Tag = Tag(exif::Context::Tiff, 0x9c9c);

/// The text fields of the EXIF block that may carry generation metadata, by
/// keyword (`parameters`, `prompt`, `workflow`); empty when there is no EXIF
/// block or it is unreadable.
pub fn texts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(exif) = read_exif(bytes) else { return out };
    let little_endian = exif.little_endian();
    for tag in [Tag::Make, Tag::Model, Tag::ImageDescription, Tag::UserComment, XP_COMMENT] {
        let Some(field) = exif.get_field(tag, In::PRIMARY) else { continue };
        let text = match (&field.value, tag) {
            (Value::Undefined(raw, _), Tag::UserComment) => user_comment(raw, little_endian),
            (Value::Byte(raw) | Value::Undefined(raw, _), XP_COMMENT) => utf16(raw, true),
            (Value::Ascii(parts), _) => {
                let joined: Vec<u8> = parts.iter().flat_map(|p| p.iter().copied()).collect();
                (joined.len() <= MAX_TEXT).then(|| String::from_utf8_lossy(&joined).into_owned())
            }
            _ => None,
        };
        let Some(text) = text else { continue };
        let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        if text.is_empty() || text.len() > MAX_TEXT {
            continue;
        }
        if let Some((key, rest)) = text.split_once(':')
            && matches!(key, "prompt" | "workflow")
            && rest.trim_start().starts_with('{')
        {
            out.entry(key.to_owned()).or_insert_with(|| rest.trim_start().to_owned());
        } else if looks_like_automatic1111(text) {
            out.entry("parameters".to_owned()).or_insert_with(|| text.to_owned());
        }
    }
    out
}

/// The EXIF block, read leniently: a bad field or a broken link between IFDs
/// (piexif, which AUTOMATIC1111 uses, writes a next-IFD offset that points
/// into the text) loses that part only, never the fields read before it.
/// WebP's EXIF chunk may start with JPEG's `Exif\0\0` marker (ComfyUI's
/// animated saver and AUTOMATIC1111 write it; the WebP spec says the TIFF
/// header comes first): both forms are read.
fn read_exif(bytes: &[u8]) -> Option<exif::Exif> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let lenient = |r: Result<exif::Exif, exif::Error>| r.or_else(|e| e.distill_partial_result(|_| ())).ok();
    if crate::sniff(bytes) == Some(crate::FileType::Webp) {
        let raw = webp_exif_chunk(bytes)?;
        let raw = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
        return lenient(reader.read_raw(raw.to_vec()));
    }
    lenient(reader.read_from_container(&mut Cursor::new(bytes)))
}

/// The payload of a WebP file's first `EXIF` chunk (RIFF: 12-byte header,
/// then `fourcc, u32le size, data, pad to even`).
fn webp_exif_chunk(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 12usize;
    while let Some(head) = bytes.get(at..at.checked_add(8)?) {
        let size = u32::from_le_bytes(head[4..8].try_into().ok()?) as usize;
        let start = at + 8;
        let end = start.checked_add(size)?;
        if &head[..4] == b"EXIF" {
            // A truncated chunk gives what is there.
            return bytes.get(start..end.min(bytes.len()));
        }
        at = end.checked_add(size & 1)?;
    }
    None
}

/// AUTOMATIC1111's text ends in a settings line that names at least the steps
/// or the seed; a camera's comment does not.
fn looks_like_automatic1111(text: &str) -> bool {
    text.lines().last().is_some_and(|l| l.contains("Steps: ") || l.contains("Seed: "))
}

/// EXIF 2.3 `UserComment`: an 8-byte character-code prefix, then the text.
fn user_comment(raw: &[u8], little_endian: bool) -> Option<String> {
    if raw.len() > MAX_TEXT * 2 + 8 {
        return None;
    }
    let (prefix, body) = raw.split_at_checked(8)?;
    match prefix {
        b"UNICODE\0" => utf16(body, guess_little_endian(body, little_endian)),
        // JIS (Shift_JIS) is not decoded: no generator writes it.
        b"JIS\0\0\0\0\0" => None,
        // ASCII, or "undefined": read as UTF-8, which some writers put there.
        _ => Some(String::from_utf8_lossy(body).into_owned()),
    }
}

/// The byte order of UTF-16 text. The standard says the TIFF header's, but
/// piexif (which AUTOMATIC1111 uses) always writes big-endian into
/// little-endian files; mostly-ASCII text tells: its high bytes are zero.
fn guess_little_endian(body: &[u8], tiff_little_endian: bool) -> bool {
    let zeros_at = |parity: usize| body.iter().skip(parity).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if even == odd { tiff_little_endian } else { odd > even }
}

fn utf16(raw: &[u8], little_endian: bool) -> Option<String> {
    let units = raw.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if little_endian { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
    });
    Some(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
}
