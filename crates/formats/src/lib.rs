//! What Colophon understands about the files creators sell.
//!
//! Everything here is a pure function over bytes the caller already has: no
//! I/O, no clock. The server runs it on uploads; the browser (wasm32) runs it
//! before an upload so a creator sees what will be registered.
//!
//! - [`sniff`]: the file type from its first bytes, never from its name.
//! - [`lora`]: safetensors headers, kohya `ss_*` metadata, and the
//!   tensor-data hash (the file minus its header, as kohya's `sshs_model_hash`).
//! - [`workflow`]: ComfyUI workflows in UI or API format, the models they
//!   reference, and a canonical hash that ignores layout.
//! - [`parents`]: what a file's statement may name as parents, for the
//!   browser and the CLI to sign and the server to check.
//! - [`license`]: licence terms as structured fields and their hash.
//! - [`image`] (feature `image`): dimension and allocation limits against
//!   decompression bombs.
//! - [`generation`] (feature `image`): what made an image — AUTOMATIC1111 and
//!   ComfyUI metadata in PNG text chunks and in JPEG/WebP EXIF, bounded.

#[cfg(feature = "image")]
mod comfy;
#[cfg(feature = "image")]
mod exif_text;
#[cfg(feature = "image")]
pub mod generation;
#[cfg(feature = "image")]
pub mod image;
mod json_limits;
pub mod license;
pub mod lora;
pub mod parents;
#[cfg(feature = "image")]
mod png_text;
pub mod sniff;
pub mod workflow;

pub use license::LicenseTerms;
pub use lora::{LoraHasher, LoraHashes, LoraHeader, LoraInfo};
pub use sniff::{FileType, sniff};
pub use workflow::{Workflow, WorkflowFormat};

/// The name a person knows a generator by, from the `tool` id that
/// generation metadata records (`generation::Generation::tool`).
pub fn generator_name(tool: &str) -> &'static str {
    match tool {
        "automatic1111" => "AUTOMATIC1111",
        "comfyui" => "ComfyUI",
        "fooocus" => "Fooocus",
        "invokeai" => "InvokeAI",
        "novelai" => "NovelAI",
        _ => "an unknown tool",
    }
}

/// A parse failure a creator can act on: the message says what is wrong with
/// the file, never how the server works.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

impl FormatError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}
