//! Reading and hashing a browser `File` in slices, in wasm: bounded memory
//! (one 8 MiB slice at a time) whatever the file's size. The file never
//! leaves the browser.

use colophon_provenance::{ContentHash, ContentHasher};
use wasm_bindgen_futures::JsFuture;

/// Bytes read per step.
pub const SLICE: f64 = 8.0 * 1024.0 * 1024.0;

/// Bytes `start..end` of `file`.
pub async fn read(file: &web_sys::File, start: f64, end: f64) -> Result<Vec<u8>, String> {
    let blob = file.slice_with_f64_and_f64(start, end).map_err(|_| "Could not read the file.")?;
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(|_| "Could not read the file.")?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// The file's SHA-256; `progress` gets the fraction done after each slice.
pub async fn sha256(file: &web_sys::File, progress: impl Fn(f64)) -> Result<ContentHash, String> {
    let size = file.size();
    let mut hasher = ContentHasher::new();
    let mut at = 0.0;
    progress(0.0);
    while at < size {
        let end = (at + SLICE).min(size);
        hasher.update(&read(file, at, end).await?);
        at = end;
        progress(at / size);
    }
    progress(1.0);
    Ok(hasher.finalize())
}
