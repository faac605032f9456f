//! Text a PNG carries, read by walking its chunks rather than by a decoder
//! that stops at the first `IDAT`: tools (and image editors re-saving their
//! files) put `tEXt`/`zTXt`/`iTXt` chunks before or after the image data,
//! and both count (PNG 1.2 §4.2.3 allows text anywhere between `IHDR` and
//! `IEND`). A bad CRC, an unknown chunk or a broken compressed text loses
//! that chunk only. Compressed text is inflated by `miniz_oxide` with a
//! limit of [`MAX_TEXT`] bytes, so a zTXt bomb stops there.
//!
//! Also here: AUTOMATIC1111's "stealth PNG info" (the sd-webui-stealth-pnginfo
//! extension, also written by NovelAI): the text hidden in the least
//! significant bits of the alpha channel (or of R, G, B), read without
//! decoding the whole image into memory.

use std::{collections::BTreeMap, io::Cursor};

use crate::generation::MAX_TEXT;

/// Text chunks whose keywords may carry generation metadata.
const WANTED: [&str; 12] = [
    "parameters",
    "prompt",
    "workflow",
    "fooocus_scheme",
    "invokeai_metadata",
    "invokeai_graph",
    "sd-metadata",
    "Dream",
    "Comment",
    "Description",
    "Software",
    "Source",
];

/// Chunks read before giving up on a file (real files have a few dozen).
const MAX_CHUNKS: usize = 100_000;

/// Every wanted text chunk by keyword; the first of a keyword wins.
pub fn texts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(mut rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") else { return out };
    for _ in 0..MAX_CHUNKS {
        let Some((head, after)) = rest.split_at_checked(8) else { break };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        // A chunk cut short by the end of the file is read as far as it goes only if it is text.
        let data = after.get(..len).unwrap_or(after);
        if kind == b"IEND" {
            break;
        }
        if let Some((key, text)) = text_chunk(kind, data)
            && WANTED.contains(&key.as_str())
        {
            out.entry(key).or_insert(text);
        }
        match after.get(len.saturating_add(4)..) {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_TEXT).ok()
}

/// (keyword, text) of a `tEXt` (Latin-1), `zTXt` (zlib, Latin-1) or `iTXt` (UTF-8) chunk.
fn text_chunk(kind: &[u8], data: &[u8]) -> Option<(String, String)> {
    let nul = data.iter().position(|&b| b == 0)?;
    let (key, rest) = (&data[..nul], &data[nul + 1..]);
    if key.is_empty() || key.len() > 79 {
        return None;
    }
    let key = latin1(key);
    let text = match kind {
        b"tEXt" => (rest.len() <= MAX_TEXT).then(|| latin1(rest))?,
        b"zTXt" => latin1(&inflate(rest.get(1..)?)?),
        b"iTXt" => {
            let (&compressed, rest) = rest.split_first()?;
            let rest = rest.get(1..)?; // compression method
            let lang_end = rest.iter().position(|&b| b == 0)?;
            let rest = &rest[lang_end + 1..];
            let translated_end = rest.iter().position(|&b| b == 0)?;
            let body = &rest[translated_end + 1..];
            let raw = if compressed == 1 { inflate(body)? } else { body.get(..body.len().min(MAX_TEXT + 1))?.to_vec() };
            if raw.len() > MAX_TEXT {
                return None;
            }
            String::from_utf8(raw).ok()?
        }
        _ => return None,
    };
    Some((key, text))
}

/// Longest hidden text read (bytes, after decompression).
const STEALTH_MAX_TEXT: usize = 256 << 10;

/// Largest image whose hidden text is looked for (pixels); larger ones are skipped.
const STEALTH_MAX_PIXELS: u64 = 64 << 20;

/// The stealth PNG info of an 8-bit RGB or RGBA PNG: the signature
/// `stealth_pnginfo` / `stealth_pngcomp` in the alpha LSBs (or
/// `stealth_rgbinfo` / `stealth_rgbcomp` in the R, G, B LSBs), read column by
/// column (x outer, y inner), then a 32-bit big-endian bit count, then that
/// many bits: UTF-8 text, gzip-compressed for the `comp` forms. Rows are
/// decoded one at a time and only the bits of the first columns the text can
/// reach are kept, so memory stays at a row plus the text.
pub fn stealth(bytes: &[u8]) -> Option<String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = match (info.color_type, info.bit_depth) {
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        _ => return None,
    };
    if (width as u64) * (height as u64) > STEALTH_MAX_PIXELS || info.interlaced {
        return None;
    }
    // Bits needed at most: signature, length and the text, for either mode.
    let max_bits = 120 + 32 + STEALTH_MAX_TEXT * 8;
    let columns = width.min(max_bits.div_ceil(height.max(1)) + 1);
    // lsb[c][y] for the first `columns` columns: alpha bit, then r, g, b bits.
    let mut alpha = vec![0u8; columns * height];
    let mut rgb = vec![0u8; columns * height * 3];
    let from_bits = |bits: &[u8]| -> Vec<u8> {
        bits.chunks(8).map(|byte| byte.iter().fold(0u8, |acc, b| (acc << 1) | b)).collect()
    };
    let signature = |bits: &[u8]| from_bits(bits.get(..120).unwrap_or_default());
    for y in 0..height {
        // Most images hide nothing: once the first column holds a whole
        // signature and it is neither, stop decoding.
        if y == 120 && height >= 120 {
            let a = signature(&alpha[..120]);
            let c = signature(&rgb[..120]);
            let known = [&b"stealth_pnginfo"[..], b"stealth_pngcomp", b"stealth_rgbinfo", b"stealth_rgbcomp"];
            if !known.contains(&a.as_slice()) && !known.contains(&c.as_slice()) {
                return None;
            }
        }
        let row = reader.next_row().ok()??;
        let data = row.data();
        for x in 0..columns {
            let px = data.get(x * channels..x * channels + channels)?;
            if channels == 4 {
                alpha[x * height + y] = px[3] & 1;
            }
            for c in 0..3 {
                rgb[(x * height + y) * 3 + c] = px[c] & 1;
            }
        }
    }
    let read = |bits: &[u8], info_sig: &[u8], comp_sig: &[u8]| -> Option<String> {
        let sig = from_bits(bits.get(..120)?);
        let compressed = if sig == comp_sig {
            true
        } else if sig == info_sig {
            false
        } else {
            return None;
        };
        let len_bits = bits.get(120..152)?.iter().fold(0u64, |acc, b| (acc << 1) | u64::from(*b)) as usize;
        if len_bits > STEALTH_MAX_TEXT * 8 {
            return None;
        }
        let payload = from_bits(bits.get(152..152 + len_bits)?);
        let text = if compressed {
            use std::io::Read as _;
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(payload.as_slice())
                .take(STEALTH_MAX_TEXT as u64 + 1)
                .read_to_end(&mut out)
                .ok()?;
            if out.len() > STEALTH_MAX_TEXT {
                return None;
            }
            out
        } else {
            payload
        };
        String::from_utf8(text).ok()
    };
    if channels == 4
        && let Some(text) = read(&alpha, b"stealth_pnginfo", b"stealth_pngcomp")
    {
        return Some(text);
    }
    read(&rgb, b"stealth_rgbinfo", b"stealth_rgbcomp")
}
