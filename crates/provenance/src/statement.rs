//! Statements: what the log records, in one canonical byte encoding.
//!
//! ```text
//! statement := "COLOPHON-STMT" u8(version) u8(kind) body(kind)
//! ```
//! Version 1 is every kind's body; version 2 exists only for the sale kinds
//! (5 and 6) and is the version-1 body followed by the chain payment the sale
//! was paid with. A sale without such a payment is always version 1, so every
//! statement still has exactly one encoding. Kind 7 (a resale) is always paid
//! on chain, so it exists in version 2 only.
//! The full grammar of each body is in `docs/FORMATS.md`; the encoder below is
//! its reference implementation. The signature is plain Ed25519 over these
//! bytes. The 13-byte magic separates the signing domain from anything else a
//! key might sign.

use crate::{
    ContentHash, KeyId, PublicKey, SigningKey,
    encoding::{DecodeError, MAX_FIELD_LEN, MAX_LIST_LEN, Reader, Writer},
    keys::KeyError,
};

/// Domain separator at the start of every statement.
pub const STATEMENT_MAGIC: &[u8; 13] = b"COLOPHON-STMT";
/// Domain separator at the start of every log leaf.
pub const LEAF_MAGIC: &[u8; 13] = b"COLOPHON-LEAF";
/// The statement version of every kind's plain body.
pub const VERSION: u8 = 1;
/// The statement version of a sale statement that binds its chain payment.
pub const VERSION_PAID: u8 = 2;
/// The version byte of a log leaf (independent of the statement's).
pub const LEAF_VERSION: u8 = 1;

/// A payment on an EVM chain that a sale statement binds (statement
/// version 2): the sales contract's `Paid` event the sale was issued for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Payment {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The sales contract that emitted the event.
    #[serde(serialize_with = "hex_0x")]
    pub contract: [u8; 20],
    /// The transaction that paid.
    #[serde(serialize_with = "hex_0x")]
    pub tx_hash: [u8; 32],
    /// The event's index among its block's logs (JSON-RPC `logIndex`).
    pub log_index: u64,
    /// The token paid; twenty zero bytes for the chain's native coin (ETH).
    #[serde(serialize_with = "hex_0x")]
    pub token: [u8; 20],
    /// What was paid, in the token's smallest unit (wei; 10⁻⁶ dUSD): a
    /// 256-bit unsigned integer, big-endian. JSON writes it in decimal.
    #[serde(serialize_with = "u256_decimal")]
    pub amount: [u8; 32],
}

impl Payment {
    fn write(&self, w: &mut Writer) {
        w.u64(self.chain_id)
            .raw(&self.contract)
            .raw(&self.tx_hash)
            .u64(self.log_index)
            .raw(&self.token)
            .raw(&self.amount);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            chain_id: r.u64()?,
            contract: r.array()?,
            tx_hash: r.array()?,
            log_index: r.u64()?,
            token: r.array()?,
            amount: r.array()?,
        })
    }

    /// `amount` in decimal digits.
    pub fn amount_decimal(&self) -> String {
        decimal(&self.amount)
    }

    /// The payment in words: what, where, which transaction.
    pub fn summary(&self) -> String {
        let what = if self.token == [0; 20] {
            format!("{} wei", self.amount_decimal())
        } else {
            format!("{} units of token 0x{}", self.amount_decimal(), hex::encode(self.token))
        };
        format!(
            "paid {what} on chain {} to contract 0x{} (transaction 0x{}, log {})",
            self.chain_id,
            hex::encode(self.contract),
            hex::encode(self.tx_hash),
            self.log_index
        )
    }
}

fn hex_0x<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("0x{}", hex::encode(v)))
}

fn u256_decimal<S: serde::Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&decimal(v))
}

/// A big-endian unsigned integer in decimal (schoolbook division by 10).
fn decimal(be: &[u8]) -> String {
    let mut n = be.to_vec();
    let mut digits = Vec::new();
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u16;
        for b in &mut n {
            let cur = (rem << 8) | u16::from(*b);
            *b = u8::try_from(cur / 10).unwrap_or(u8::MAX);
            rem = cur % 10;
        }
        digits.push(b'0' + u8::try_from(rem).unwrap_or(0));
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// What kind of file a `ContentRegistered` statement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// tag 1: the original image of a limited edition.
    EditionImage = 1,
    /// tag 2: a ComfyUI workflow (JSON).
    Workflow = 2,
    /// tag 3: a LoRA (safetensors).
    Lora = 3,
    /// tag 4: a preview rendered by Colophon.
    Preview = 4,
}

impl ContentKind {
    fn from_tag(tag: u8) -> Result<Self, DecodeError> {
        Ok(match tag {
            1 => Self::EditionImage,
            2 => Self::Workflow,
            3 => Self::Lora,
            4 => Self::Preview,
            tag => return Err(DecodeError::UnknownTag { what: "content kind", tag }),
        })
    }
}

/// Why a key was revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// tag 1: the key leaked; nothing it ever signed can be trusted.
    Compromised = 1,
    /// tag 2: replaced by a rotation; what it signed before stays valid.
    Superseded = 2,
    /// tag 3: no longer used; what it signed before stays valid.
    Retired = 3,
}

impl RevocationReason {
    fn from_tag(tag: u8) -> Result<Self, DecodeError> {
        Ok(match tag {
            1 => Self::Compromised,
            2 => Self::Superseded,
            3 => Self::Retired,
            tag => return Err(DecodeError::UnknownTag { what: "revocation reason", tag }),
        })
    }
}

/// A statement. Times are Unix milliseconds (UTC), passed in by the caller.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Statement {
    /// kind 1. A creator registers a file. Signed by `creator_key`.
    ContentRegistered {
        content_hash: ContentHash,
        content_kind: ContentKind,
        size: u64,
        creator_key: KeyId,
        listing_id: String,
        file_id: String,
        /// Hashes this file derives from (a LoRA's base model, models a
        /// workflow references); strictly ascending, no duplicates.
        parents: Vec<ContentHash>,
        /// SHA-256 of the listing's canonical licence terms.
        license_terms: Option<ContentHash>,
        /// Perceptual hash bytes (e.g. 8-byte pHash), when the file is an image.
        #[serde(serialize_with = "hex_opt")]
        perceptual_hash: Option<Vec<u8>>,
        time_ms: u64,
    },
    /// kind 2. A creator registers a key; signed by that key (proof of possession).
    KeyRegistered {
        #[serde(serialize_with = "hex::serde::serialize")]
        public_key: [u8; 32],
        account: String,
        time_ms: u64,
    },
    /// kind 3. A key hands over to a new one; signed by the old key.
    KeyRotated {
        old_key: KeyId,
        #[serde(serialize_with = "hex::serde::serialize")]
        new_public_key: [u8; 32],
        time_ms: u64,
    },
    /// kind 4. A key is revoked; signed by that key or by its successor.
    KeyRevoked { key: KeyId, reason: RevocationReason, time_ms: u64 },
    /// kind 5. Edition `edition` of `edition_size` of a listing was sold;
    /// signed by the marketplace's operator key.
    EditionSold {
        listing_id: String,
        content_hash: ContentHash,
        edition: u64,
        edition_size: u64,
        /// SHA-256 of the buyer's account reference (buyers stay private).
        #[serde(serialize_with = "hex::serde::serialize")]
        buyer_ref: [u8; 32],
        price_minor: u64,
        currency: String,
        time_ms: u64,
        /// The chain payment this sale was issued for (version 2), or none
        /// (version 1: paid off chain, or before chain payments existed).
        #[serde(skip_serializing_if = "Option::is_none")]
        payment: Option<Payment>,
    },
    /// kind 6. A licence to a workflow or LoRA was granted; signed by the
    /// marketplace's operator key.
    LicenseGranted {
        listing_id: String,
        content_hash: ContentHash,
        #[serde(serialize_with = "hex::serde::serialize")]
        licensee_ref: [u8; 32],
        license_terms: ContentHash,
        time_ms: u64,
        /// As `EditionSold`'s.
        #[serde(skip_serializing_if = "Option::is_none")]
        payment: Option<Payment>,
    },
    /// kind 7 (version 2 only). Edition `edition` of a listing changed hands
    /// in a resale paid on chain: the holder `seller_ref` (the `buyer_ref` of
    /// the statement that gave it to them) sold it to `buyer_ref`. Signed by
    /// the marketplace's operator key. Each edition's chain of custody is its
    /// `EditionSold` followed by its `EditionTransferred` statements.
    EditionTransferred {
        listing_id: String,
        content_hash: ContentHash,
        edition: u64,
        edition_size: u64,
        #[serde(serialize_with = "hex::serde::serialize")]
        seller_ref: [u8; 32],
        #[serde(serialize_with = "hex::serde::serialize")]
        buyer_ref: [u8; 32],
        price_minor: u64,
        currency: String,
        time_ms: u64,
        /// The resale's payment (the royalty and shares are in its `Paid` event).
        payment: Payment,
    },
}

fn hex_opt<S: serde::Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(bytes) => s.serialize_some(&hex::encode(bytes)),
        None => s.serialize_none(),
    }
}

/// Why a statement cannot be built or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("malformed statement: {0}")]
    Decode(#[from] DecodeError),
    #[error("invalid statement: {0}")]
    Invalid(&'static str),
}

impl Statement {
    /// The kind tag in the encoding.
    pub fn kind_tag(&self) -> u8 {
        match self {
            Self::ContentRegistered { .. } => 1,
            Self::KeyRegistered { .. } => 2,
            Self::KeyRotated { .. } => 3,
            Self::KeyRevoked { .. } => 4,
            Self::EditionSold { .. } => 5,
            Self::LicenseGranted { .. } => 6,
            Self::EditionTransferred { .. } => 7,
        }
    }

    /// The version byte this statement encodes with: 2 for a sale bound to a
    /// chain payment (and every transfer), else 1.
    pub fn version(&self) -> u8 {
        if self.payment().is_some() { VERSION_PAID } else { VERSION }
    }

    /// The chain payment a sale statement binds.
    pub fn payment(&self) -> Option<&Payment> {
        match self {
            Self::EditionSold { payment, .. } | Self::LicenseGranted { payment, .. } => payment.as_ref(),
            Self::EditionTransferred { payment, .. } => Some(payment),
            _ => None,
        }
    }

    /// True for what the operator signs about a sale: `EditionSold`,
    /// `LicenseGranted` and `EditionTransferred` (a resale).
    pub fn is_sale(&self) -> bool {
        matches!(self, Self::EditionSold { .. } | Self::LicenseGranted { .. } | Self::EditionTransferred { .. })
    }

    /// What a sale statement records, in words ("edition #3 of 10 sold"),
    /// for every verifier's output alike; `None` for other kinds.
    pub fn sale_summary(&self) -> Option<String> {
        match self {
            Self::EditionSold { edition, edition_size, .. } => {
                Some(format!("edition #{edition} of {edition_size} sold"))
            }
            Self::EditionTransferred { edition, edition_size, seller_ref, buyer_ref, .. } => Some(format!(
                "edition #{edition} of {edition_size} resold: holder {}… to {}…",
                &hex::encode(seller_ref)[..12],
                &hex::encode(buyer_ref)[..12]
            )),
            Self::LicenseGranted { .. } => Some("a licence granted".to_owned()),
            _ => None,
        }
    }

    /// The file a statement is about (registrations and sales), if any.
    pub fn content_hash(&self) -> Option<ContentHash> {
        match self {
            Self::ContentRegistered { content_hash, .. }
            | Self::EditionSold { content_hash, .. }
            | Self::LicenseGranted { content_hash, .. }
            | Self::EditionTransferred { content_hash, .. } => Some(*content_hash),
            Self::KeyRegistered { .. } | Self::KeyRotated { .. } | Self::KeyRevoked { .. } => None,
        }
    }

    /// When the statement says it was made.
    pub fn time_ms(&self) -> u64 {
        match self {
            Self::ContentRegistered { time_ms, .. }
            | Self::KeyRegistered { time_ms, .. }
            | Self::KeyRotated { time_ms, .. }
            | Self::KeyRevoked { time_ms, .. }
            | Self::EditionSold { time_ms, .. }
            | Self::LicenseGranted { time_ms, .. }
            | Self::EditionTransferred { time_ms, .. } => *time_ms,
        }
    }

    /// Checks the rules the encoding relies on (lengths, ordering, ranges).
    pub fn validate(&self) -> Result<(), StatementError> {
        let text = |s: &str| {
            if s.len() > MAX_FIELD_LEN {
                Err(StatementError::Invalid("text field longer than 4096 bytes"))
            } else {
                Ok(())
            }
        };
        match self {
            Self::ContentRegistered { listing_id, file_id, parents, perceptual_hash, .. } => {
                text(listing_id)?;
                text(file_id)?;
                if parents.len() > MAX_LIST_LEN {
                    return Err(StatementError::Invalid("more than 1024 parents"));
                }
                if parents.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(StatementError::Invalid("parents must be strictly ascending (sorted, no duplicates)"));
                }
                if perceptual_hash.as_ref().is_some_and(|p| p.is_empty() || p.len() > 64) {
                    return Err(StatementError::Invalid("perceptual hash must be 1 to 64 bytes"));
                }
            }
            Self::KeyRegistered { public_key, account, .. } => {
                text(account)?;
                PublicKey::from_bytes(public_key).map_err(|_| StatementError::Invalid("not an ed25519 public key"))?;
            }
            Self::KeyRotated { new_public_key, .. } => {
                PublicKey::from_bytes(new_public_key)
                    .map_err(|_| StatementError::Invalid("not an ed25519 public key"))?;
            }
            Self::KeyRevoked { .. } => {}
            Self::EditionSold { listing_id, edition, edition_size, currency, .. }
            | Self::EditionTransferred { listing_id, edition, edition_size, currency, .. } => {
                text(listing_id)?;
                if *edition == 0 || edition > edition_size {
                    return Err(StatementError::Invalid("edition number must be within 1..=edition size"));
                }
                if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(StatementError::Invalid("currency must be a 3-letter ISO 4217 code"));
                }
            }
            Self::LicenseGranted { listing_id, .. } => text(listing_id)?,
        }
        Ok(())
    }

    /// The canonical bytes (what gets signed).
    pub fn encode(&self) -> Result<Vec<u8>, StatementError> {
        self.validate()?;
        let mut w = Writer::new();
        w.raw(STATEMENT_MAGIC).u8(self.version()).u8(self.kind_tag());
        match self {
            Self::ContentRegistered {
                content_hash,
                content_kind,
                size,
                creator_key,
                listing_id,
                file_id,
                parents,
                license_terms,
                perceptual_hash,
                time_ms,
            } => {
                w.raw(&content_hash.0)
                    .u8(*content_kind as u8)
                    .u64(*size)
                    .raw(&creator_key.0)
                    .str(listing_id)
                    .str(file_id)
                    .list(parents, |w, p| {
                        w.raw(&p.0);
                    })
                    .opt(license_terms.as_ref(), |w, h| {
                        w.raw(&h.0);
                    })
                    .opt(perceptual_hash.as_deref(), |w, p| {
                        w.blob(p);
                    })
                    .u64(*time_ms);
            }
            Self::KeyRegistered { public_key, account, time_ms } => {
                w.raw(public_key).str(account).u64(*time_ms);
            }
            Self::KeyRotated { old_key, new_public_key, time_ms } => {
                w.raw(&old_key.0).raw(new_public_key).u64(*time_ms);
            }
            Self::KeyRevoked { key, reason, time_ms } => {
                w.raw(&key.0).u8(*reason as u8).u64(*time_ms);
            }
            Self::EditionSold {
                listing_id,
                content_hash,
                edition,
                edition_size,
                buyer_ref,
                price_minor,
                currency,
                time_ms,
                payment: _,
            } => {
                w.str(listing_id)
                    .raw(&content_hash.0)
                    .u64(*edition)
                    .u64(*edition_size)
                    .raw(buyer_ref)
                    .u64(*price_minor)
                    .str(currency)
                    .u64(*time_ms);
            }
            Self::LicenseGranted { listing_id, content_hash, licensee_ref, license_terms, time_ms, payment: _ } => {
                w.str(listing_id).raw(&content_hash.0).raw(licensee_ref).raw(&license_terms.0).u64(*time_ms);
            }
            Self::EditionTransferred {
                listing_id,
                content_hash,
                edition,
                edition_size,
                seller_ref,
                buyer_ref,
                price_minor,
                currency,
                time_ms,
                payment: _,
            } => {
                w.str(listing_id)
                    .raw(&content_hash.0)
                    .u64(*edition)
                    .u64(*edition_size)
                    .raw(seller_ref)
                    .raw(buyer_ref)
                    .u64(*price_minor)
                    .str(currency)
                    .u64(*time_ms);
            }
        }
        if let Some(payment) = self.payment() {
            payment.write(&mut w);
        }
        Ok(w.finish())
    }

    /// Parses canonical bytes; anything else is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, StatementError> {
        let mut r = Reader::new(bytes);
        if r.take(STATEMENT_MAGIC.len()).map_err(|_| DecodeError::BadMagic("statement"))? != STATEMENT_MAGIC {
            return Err(DecodeError::BadMagic("statement").into());
        }
        let version = r.u8()?;
        if version != VERSION && version != VERSION_PAID {
            return Err(DecodeError::UnsupportedVersion(version).into());
        }
        let kind = r.u8()?;
        if version == VERSION_PAID && !matches!(kind, 5..=7) {
            return Err(DecodeError::Invalid("version 2 is only for sale statements (kinds 5, 6 and 7)").into());
        }
        if version == VERSION && kind == 7 {
            return Err(DecodeError::Invalid("kind 7 (EditionTransferred) exists only in version 2").into());
        }
        let hash = |r: &mut Reader<'_>| r.array::<32>().map(ContentHash);
        let mut statement = match kind {
            1 => Self::ContentRegistered {
                content_hash: hash(&mut r)?,
                content_kind: ContentKind::from_tag(r.u8()?)?,
                size: r.u64()?,
                creator_key: KeyId(r.array()?),
                listing_id: r.str()?,
                file_id: r.str()?,
                parents: r.list(hash)?,
                license_terms: r.opt(hash)?,
                perceptual_hash: r.opt(|r| r.blob().map(<[u8]>::to_vec))?,
                time_ms: r.u64()?,
            },
            2 => Self::KeyRegistered { public_key: r.array()?, account: r.str()?, time_ms: r.u64()? },
            3 => Self::KeyRotated { old_key: KeyId(r.array()?), new_public_key: r.array()?, time_ms: r.u64()? },
            4 => Self::KeyRevoked {
                key: KeyId(r.array()?),
                reason: RevocationReason::from_tag(r.u8()?)?,
                time_ms: r.u64()?,
            },
            5 => Self::EditionSold {
                listing_id: r.str()?,
                content_hash: hash(&mut r)?,
                edition: r.u64()?,
                edition_size: r.u64()?,
                buyer_ref: r.array()?,
                price_minor: r.u64()?,
                currency: r.str()?,
                time_ms: r.u64()?,
                payment: None,
            },
            6 => Self::LicenseGranted {
                listing_id: r.str()?,
                content_hash: hash(&mut r)?,
                licensee_ref: r.array()?,
                license_terms: hash(&mut r)?,
                time_ms: r.u64()?,
                payment: None,
            },
            7 => Self::EditionTransferred {
                listing_id: r.str()?,
                content_hash: hash(&mut r)?,
                edition: r.u64()?,
                edition_size: r.u64()?,
                seller_ref: r.array()?,
                buyer_ref: r.array()?,
                price_minor: r.u64()?,
                currency: r.str()?,
                time_ms: r.u64()?,
                payment: Payment::read(&mut r)?,
            },
            tag => return Err(DecodeError::UnknownTag { what: "statement kind", tag }.into()),
        };
        if version == VERSION_PAID && kind != 7 {
            let read = Payment::read(&mut r)?;
            if let Self::EditionSold { payment, .. } | Self::LicenseGranted { payment, .. } = &mut statement {
                *payment = Some(read);
            }
        }
        r.finish()?;
        statement.validate()?;
        Ok(statement)
    }

    /// Signs the canonical bytes with `key`.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedStatement, StatementError> {
        let bytes = self.encode()?;
        let signature = key.sign(&bytes);
        Ok(SignedStatement { statement: self.clone(), bytes, public_key: key.public_key(), signature })
    }
}

/// A statement with its canonical bytes, the signer's public key and signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedStatement {
    pub statement: Statement,
    pub bytes: Vec<u8>,
    pub public_key: PublicKey,
    pub signature: [u8; 64],
}

impl SignedStatement {
    /// Decodes `bytes` and checks `signature` by `public_key` over them.
    pub fn verify(bytes: &[u8], public_key: PublicKey, signature: [u8; 64]) -> Result<Self, SignedStatementError> {
        let statement = Statement::decode(bytes)?;
        public_key.verify(bytes, &signature)?;
        Ok(Self { statement, bytes: bytes.to_vec(), public_key, signature })
    }

    /// The leaf this statement occupies in the log:
    /// `"COLOPHON-LEAF" u8(1) blob(statement) bytes32(public key) bytes64(signature)`.
    pub fn leaf_data(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(LEAF_MAGIC).u8(LEAF_VERSION).blob(&self.bytes).raw(&self.public_key.to_bytes()).raw(&self.signature);
        w.finish()
    }

    /// `SHA-256(0x00 || leaf_data)`, the RFC 9162 leaf hash.
    pub fn leaf_hash(&self) -> crate::merkle::Hash {
        crate::merkle::leaf_hash(&self.leaf_data())
    }
}

/// Why a signed statement was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignedStatementError {
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// The `buyer_ref` / `licensee_ref` of a sale statement (docs/FORMATS.md
/// §11): `SHA-256("colophon/buyer-ref/v1" || 0x00 || salt || order_id)`.
/// The buyer's certificate holds the salt and order id, so the buyer can
/// show which statement is theirs while the log names no one.
pub fn buyer_ref(salt: &[u8; 32], order_id: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"colophon/buyer-ref/v1\0");
    h.update(salt);
    h.update(order_id.as_bytes());
    h.finalize().into()
}
