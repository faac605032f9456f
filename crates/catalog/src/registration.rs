//! What registers an uploaded file: the creator's `ContentRegistered`
//! statement (docs/FORMATS.md §2, §10). The browser's upload client and
//! `colophon publish` build it here; the server checks a signed one against
//! the same rules (its kind from [`content_kind`], its fields from the upload).

use colophon_api::{CompleteUpload, ListingKind, Upload};
use colophon_formats::{FileType, sniff::Accepts};
use colophon_provenance::{ContentHash, ContentKind, KeyId, SigningKey, Statement, statement::StatementError};

/// The statement kind a listing's files are registered as.
pub fn content_kind(kind: ListingKind) -> ContentKind {
    match kind {
        ListingKind::Edition => ContentKind::EditionImage,
        ListingKind::Workflow => ContentKind::Workflow,
        ListingKind::Lora => ContentKind::Lora,
    }
}

/// What a listing's uploads must be.
pub fn accepts(kind: ListingKind) -> Accepts {
    match kind {
        ListingKind::Edition => Accepts::Image,
        ListingKind::Workflow => Accepts::Workflow,
        ListingKind::Lora => Accepts::Lora,
    }
}

/// The kind of listing a file of this type is sold as.
pub fn listing_kind(t: FileType) -> ListingKind {
    if t.is_image() {
        ListingKind::Edition
    } else if t == FileType::Safetensors {
        ListingKind::Lora
    } else {
        ListingKind::Workflow
    }
}

/// What the uploader knows when every byte has arrived.
pub struct Registration<'a> {
    /// The upload, as the server answered it once complete (an image's
    /// `perceptual_hash` is set then).
    pub upload: &'a Upload,
    pub kind: ListingKind,
    pub content_hash: ContentHash,
    /// What [`colophon_formats::parents`] read from the file.
    pub parents: Vec<ContentHash>,
    /// The listing's `license_hash` (hex).
    pub license_hash: &'a str,
    /// The signer's clock, ms since the Unix epoch.
    pub time_ms: u64,
}

impl Registration<'_> {
    /// Signs the statement with the creator's key: the body that completes the upload.
    pub fn sign(self, key: &SigningKey) -> Result<CompleteUpload, StatementError> {
        let signed = self.statement(key.public_key().key_id()).sign(key)?;
        Ok(CompleteUpload { statement_hex: hex::encode(&signed.bytes), signature_hex: hex::encode(signed.signature) })
    }

    /// The statement to sign. An image's carries the perceptual hash the
    /// server computed from its bytes (docs/FORMATS.md §12), which the
    /// server refuses to see differ.
    pub fn statement(self, creator_key: KeyId) -> Statement {
        let perceptual_hash = match self.kind {
            ListingKind::Edition => self.upload.perceptual_hash.as_deref().and_then(phash_bytes),
            ListingKind::Workflow | ListingKind::Lora => None,
        };
        Statement::ContentRegistered {
            content_hash: self.content_hash,
            content_kind: content_kind(self.kind),
            size: self.upload.size,
            creator_key,
            listing_id: self.upload.listing_ref.clone(),
            file_id: self.upload.file_id.clone(),
            parents: self.parents,
            license_terms: ContentHash::parse(self.license_hash).ok(),
            perceptual_hash,
            time_ms: self.time_ms,
        }
    }
}

/// 16 hex digits → the 8 bytes a statement carries.
fn phash_bytes(h: &str) -> Option<Vec<u8>> {
    hex::decode(h).ok().filter(|b| b.len() == 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(phash: Option<&str>) -> Upload {
        Upload {
            upload_id: "u1".into(),
            file_id: "f1".into(),
            listing_ref: "tide".into(),
            size: 1234,
            offset: 1234,
            chunk_size: 8 << 20,
            expires_at: chrono::DateTime::UNIX_EPOCH,
            perceptual_hash: phash.map(str::to_owned),
        }
    }

    #[test]
    fn an_image_statement_carries_the_upload_and_its_perceptual_hash() {
        let up = upload(Some("0123456789abcdef"));
        let license = "ab".repeat(32);
        let s = Registration {
            upload: &up,
            kind: ListingKind::Edition,
            content_hash: ContentHash([7; 32]),
            parents: vec![],
            license_hash: &license,
            time_ms: 42,
        }
        .statement(KeyId([9; 32]));
        let Statement::ContentRegistered {
            content_kind,
            size,
            listing_id,
            file_id,
            license_terms,
            perceptual_hash,
            time_ms,
            ..
        } = s
        else {
            panic!("not a registration");
        };
        assert_eq!(content_kind, ContentKind::EditionImage);
        assert_eq!((size, listing_id.as_str(), file_id.as_str(), time_ms), (1234, "tide", "f1", 42));
        assert_eq!(license_terms, ContentHash::parse(&license).ok());
        assert_eq!(perceptual_hash, Some(vec![0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]));
    }

    #[test]
    fn only_images_carry_a_perceptual_hash_and_a_malformed_one_is_left_out() {
        let up = upload(Some("0123456789abcdef"));
        let lora = Registration {
            upload: &up,
            kind: ListingKind::Lora,
            content_hash: ContentHash([1; 32]),
            parents: vec![ContentHash([2; 32])],
            license_hash: "",
            time_ms: 1,
        }
        .statement(KeyId([3; 32]));
        assert!(matches!(
            lora,
            Statement::ContentRegistered { content_kind: ContentKind::Lora, perceptual_hash: None, ref parents, .. }
                if parents == &[ContentHash([2; 32])]
        ));
        assert_eq!(phash_bytes("xyz"), None);
        assert_eq!(phash_bytes("0123456789abcdeg"), None);
    }

    #[test]
    fn file_types_map_to_the_listing_kinds_that_take_them() {
        assert_eq!(listing_kind(FileType::Png), ListingKind::Edition);
        assert_eq!(listing_kind(FileType::Safetensors), ListingKind::Lora);
        assert_eq!(listing_kind(FileType::Json), ListingKind::Workflow);
    }
}
