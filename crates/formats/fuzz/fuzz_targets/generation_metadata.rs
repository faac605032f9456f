#![no_main]
//! Any bytes as an image's generation metadata — as a whole PNG, as any image
//! (sniffed: PNG text chunks, JPEG/WebP EXIF), and as the text of
//! AUTOMATIC1111's `parameters` and ComfyUI's `prompt`/`workflow` — never
//! panics and never exceeds the documented bounds.

use colophon_formats::generation::{self, MAX_MODELS, MAX_PROMPT, MAX_SETTINGS};
use libfuzzer_sys::fuzz_target;

fn bounded(g: &generation::Generation) {
    assert!(g.models.len() <= MAX_MODELS);
    assert!(g.settings.len() <= MAX_SETTINGS);
    assert!(g.prompt.as_ref().is_none_or(|p| p.chars().count() <= MAX_PROMPT));
    assert!(g.credited_hashes().iter().all(|(_, h)| (10..=64).contains(&h.len())));
}

fuzz_target!(|data: &[u8]| {
    if let Some(g) = generation::from_png(data) {
        bounded(&g);
    }
    if let Some(g) = generation::from_image(data) {
        bounded(&g);
    }
    let text = String::from_utf8_lossy(data);
    bounded(&generation::automatic1111(&text));
    bounded(&generation::comfyui(Some(&text), Some(&text)));
});
