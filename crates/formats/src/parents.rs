//! What a file's `ContentRegistered` statement may name as parents
//! (docs/FORMATS.md §2): a LoRA's base model (`ss_new_sd_model_hash`), a
//! workflow's pinned model hashes; an image names none. The server checks a
//! statement's parents against what it reads from the file; the browser and
//! the CLI read the same with these two calls before they sign, each with its
//! own I/O:
//!
//! 1. [`prefix_len`] over the file's first bytes says how much of the file to read;
//! 2. [`parents`] over that prefix says the hashes.

use colophon_provenance::{ContentHash, ContentKind};

use crate::{FormatError, Workflow, lora};

/// How many bytes [`parents`] needs from the file's start, given its first
/// [`HEAD`] bytes (or fewer, if the file is shorter) and its size.
pub fn prefix_len(kind: ContentKind, head: &[u8], size: u64) -> Result<u64, FormatError> {
    Ok(match kind {
        ContentKind::Lora => 8u64.saturating_add(lora::header_len(head)?).min(size),
        ContentKind::Workflow => size,
        ContentKind::EditionImage | ContentKind::Preview => 0,
    })
}

/// The bytes [`prefix_len`] needs to see.
pub const HEAD: u64 = 8;

/// The hashes a statement for this file may name as parents, from the
/// prefix [`prefix_len`] asked for.
pub fn parents(kind: ContentKind, prefix: &[u8], size: u64) -> Result<Vec<ContentHash>, FormatError> {
    match kind {
        ContentKind::Lora => {
            Ok(lora::parse_header(prefix, size, lora::DEFAULT_MAX_HEADER)?.info.base_model_hash.into_iter().collect())
        }
        ContentKind::Workflow => Ok(Workflow::parse(prefix)?.pinned_hashes()),
        ContentKind::EditionImage | ContentKind::Preview => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workflow_names_its_pinned_models_and_an_image_nothing() {
        let hash = "ab".repeat(32);
        let wf = format!(
            r#"{{"nodes": [{{"id": 1, "type": "CheckpointLoaderSimple", "widgets_values": ["m.safetensors"],
                "properties": {{"models": [{{"name": "m.safetensors", "hash": "{hash}", "hash_type": "SHA256"}}]}}}}],
              "links": []}}"#
        );
        let size = wf.len() as u64;
        assert_eq!(prefix_len(ContentKind::Workflow, &wf.as_bytes()[..8], size), Ok(size));
        let got = parents(ContentKind::Workflow, wf.as_bytes(), size).expect("workflow");
        assert_eq!(got, vec![ContentHash::parse(&hash).expect("hash")]);
        assert_eq!(prefix_len(ContentKind::EditionImage, b"\x89PNG\r\n\x1a\n", 100), Ok(0));
        assert_eq!(parents(ContentKind::EditionImage, &[], 100), Ok(vec![]));
    }

    #[test]
    fn a_lora_is_read_to_the_end_of_its_header_and_names_its_base_model() {
        let base = "cd".repeat(32);
        let header = format!(
            r#"{{"__metadata__": {{"ss_new_sd_model_hash": "{base}"}},
                "lora_up.weight": {{"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}}}"#
        );
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header.as_bytes());
        file.extend_from_slice(&[0; 4]);
        let size = file.len() as u64;
        let n = prefix_len(ContentKind::Lora, &file[..8], size).expect("prefix");
        assert_eq!(n, size - 4, "the header, not the tensors");
        let got = parents(ContentKind::Lora, &file[..n as usize], size).expect("lora");
        assert_eq!(got, vec![ContentHash::parse(&base).expect("hash")]);
        // A header length past the file's end: read to the end, then refused.
        let bogus = [0xff; 16];
        let n = prefix_len(ContentKind::Lora, &bogus[..8], 16).expect("a length");
        assert_eq!(n, 16);
        assert!(parents(ContentKind::Lora, &bogus, 16).is_err());
    }
}
