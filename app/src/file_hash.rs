//! Reading and hashing a browser `File` in slices, in wasm: bounded memory
//! (one 8 MiB slice at a time) whatever the file's size. The file never
//! leaves the browser.

use colophon_provenance::{ContentHash, ContentHasher};
use wasm_bindgen_futures::JsFuture;

/// Bytes read per step.
pub const SLICE: f64 = 8.0 * 1024.0 * 1024.0;

/// Starts reading bytes `start..end` of `file` (the browser reads off the
/// main thread; `finish` waits for it).
fn start_read(file: &web_sys::File, start: f64, end: f64) -> Result<js_sys::Promise, String> {
    let blob = file.slice_with_f64_and_f64(start, end).map_err(|_| "Could not read the file.")?;
    Ok(blob.array_buffer())
}

async fn finish(read: js_sys::Promise) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(read).await.map_err(|_| "Could not read the file.")?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Bytes `start..end` of `file`.
pub async fn read(file: &web_sys::File, start: f64, end: f64) -> Result<Vec<u8>, String> {
    finish(start_read(file, start, end)?).await
}

/// The file's SHA-256; `progress` gets the fraction done after each slice.
/// The next slice is read while this one is hashed (two in memory at most).
pub async fn sha256(file: &web_sys::File, progress: impl Fn(f64)) -> Result<ContentHash, String> {
    let size = file.size();
    let mut hasher = ContentHasher::new();
    progress(0.0);
    let mut at = 0.0;
    let mut pending = (size > 0.0).then(|| start_read(file, 0.0, SLICE.min(size))).transpose()?;
    while let Some(read) = pending.take() {
        let bytes = finish(read).await?;
        at += bytes.len() as f64;
        if bytes.is_empty() {
            return Err("The file changed or could not be read while hashing.".into());
        }
        if at < size {
            pending = Some(start_read(file, at, (at + SLICE).min(size))?);
        }
        hasher.update(&bytes);
        progress(at / size);
    }
    progress(1.0);
    Ok(hasher.finalize())
}
