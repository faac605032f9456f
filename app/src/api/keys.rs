//! Creator keys: the browser generates and signs; the server only verifies
//! and logs. Each change is one signed statement appended to the log in the
//! same transaction as the key row.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// A key as the Studio shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub key_id: String,
    pub public_key: String,
    pub fingerprint: String,
    /// active | rotated | revoked
    pub status: String,
    pub registered_leaf: u64,
    pub ended_leaf: Option<u64>,
    pub revoke_reason: Option<String>,
    pub created_at: String,
}

/// The signed-in creator's handle (the `account` their statements name) and keys, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyKeys {
    pub handle: String,
    pub keys: Vec<KeyView>,
}

impl MyKeys {
    pub fn active(&self) -> Option<&KeyView> {
        self.keys.iter().find(|k| k.status == "active")
    }
}

#[cfg(feature = "ssr")]
pub(crate) async fn require_creator()
-> Result<(colophon_store::Store, colophon_store::AccountRow, colophon_store::CreatorRow), ApiError> {
    let (store, account) = crate::auth::signed_in().await?;
    let creator =
        account.creator.clone().ok_or_else(|| ApiError::Forbidden("Become a creator in the Studio first.".into()))?;
    Ok((store, account, creator))
}

/// The signed-in creator's keys.
#[server(endpoint = "keys/mine")]
pub async fn list_my_keys() -> Result<MyKeys, ApiError> {
    crate::error::with_status(
        async move {
            let (store, _, creator) = require_creator().await?;
            let keys = store.creator_keys(creator.id).await?;
            Ok(MyKeys { handle: creator.handle, keys: keys.into_iter().map(to_view).collect() })
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
fn to_view(k: colophon_store::KeyRow) -> KeyView {
    let id = colophon_provenance::KeyId(k.key_id);
    KeyView {
        key_id: id.to_hex(),
        public_key: hex_encode(&k.public_key),
        fingerprint: id.fingerprint(),
        status: k.status.as_str().to_owned(),
        registered_leaf: k.registered_leaf,
        ended_leaf: k.ended_leaf,
        revoke_reason: k.revoke_reason,
        created_at: k.created_at.to_rfc3339(),
    }
}

#[cfg(feature = "ssr")]
fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "ssr")]
fn hex_decode<const N: usize>(s: &str, what: &str) -> Result<[u8; N], ApiError> {
    let s = s.trim();
    let bad = || ApiError::BadRequest(format!("{what} must be {} hex digits.", N * 2));
    if s.len() != N * 2 {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let text = std::str::from_utf8(chunk).map_err(|_| bad())?;
        out[i] = u8::from_str_radix(text, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Statements older or newer than this (vs the server clock) are refused.
#[cfg(feature = "ssr")]
const MAX_CLOCK_SKEW_MS: u64 = 15 * 60 * 1000;

/// Submits a key statement signed in the browser: `KeyRegistered` (signed
/// by the new key: proof of possession), `KeyRotated` (signed by the
/// current key) or `KeyRevoked` (signed by the key or its successor).
/// Returns the statement's log index.
#[server(endpoint = "keys/submit")]
pub async fn submit_key_statement(
    statement_hex: String,
    public_key_hex: String,
    signature_hex: String,
) -> Result<u64, ApiError> {
    crate::error::with_status(
        async move {
            use colophon_provenance::{PublicKey, SignedStatement, Statement};
            use colophon_store::{KeyState, NewKey, NewLogEntry, StoreError};

            let (store, _, creator) = require_creator().await?;
            if statement_hex.len() > 16_384 {
                return Err(ApiError::BadRequest("The statement is too long.".into()));
            }
            let bytes: Vec<u8> = (0..statement_hex.len() / 2)
                .map(|i| statement_hex.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect::<Option<_>>()
                .filter(|_| statement_hex.len().is_multiple_of(2))
                .ok_or_else(|| ApiError::BadRequest("The statement must be hex.".into()))?;
            let pk = PublicKey::from_bytes(&hex_decode::<32>(&public_key_hex, "The public key")?)
                .map_err(|_| ApiError::BadRequest("The public key is not a valid ed25519 key.".into()))?;
            let sig = hex_decode::<64>(&signature_hex, "The signature")?;
            let signed = SignedStatement::verify(&bytes, pk, sig)
                .map_err(|e| ApiError::BadRequest(format!("The statement was rejected: {e}.")))?;
            let now = chrono::Utc::now();
            let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
            if signed.statement.time_ms().abs_diff(now_ms) > MAX_CLOCK_SKEW_MS {
                return Err(ApiError::BadRequest(
                    "The statement's time is more than 15 minutes off. Check your clock.".into(),
                ));
            }
            let entry = NewLogEntry::from_signed(&signed, now);
            let conflict = |e: StoreError, msg: &str| match e {
                StoreError::Conflict { .. } => ApiError::BadRequest(msg.to_owned()),
                other => other.into(),
            };
            let owned_key = |row: Option<colophon_store::KeyRow>| {
                row.filter(|k| k.creator_id == creator.id)
                    .ok_or_else(|| ApiError::Forbidden("That key is not yours.".into()))
            };
            match &signed.statement {
                Statement::KeyRegistered { public_key, account, .. } => {
                    if *public_key != pk.to_bytes() {
                        return Err(ApiError::BadRequest(
                            "A key registration must be signed by the key it registers.".into(),
                        ));
                    }
                    if *account != creator.handle {
                        return Err(ApiError::BadRequest(format!(
                            "The statement names {account}, but you are {}.",
                            creator.handle
                        )));
                    }
                    let key = NewKey {
                        creator_id: creator.id,
                        key_id: pk.key_id().0,
                        public_key: pk.to_bytes(),
                        entry,
                        replaces: None,
                    };
                    store.register_key(&key).await.map_err(|e| {
                        conflict(e, "You already have an active key (or this key is registered). Rotate it instead.")
                    })
                }
                Statement::KeyRotated { old_key, new_public_key, .. } => {
                    let old = owned_key(store.key(&old_key.0).await?)?;
                    if old.status != KeyState::Active {
                        return Err(ApiError::BadRequest("Only your active key can be rotated.".into()));
                    }
                    if old.public_key != pk.to_bytes() {
                        return Err(ApiError::BadRequest(
                            "A rotation must be signed by the key being replaced.".into(),
                        ));
                    }
                    let new_pk = PublicKey::from_bytes(new_public_key)
                        .map_err(|_| ApiError::BadRequest("The new public key is not a valid ed25519 key.".into()))?;
                    let key = NewKey {
                        creator_id: creator.id,
                        key_id: new_pk.key_id().0,
                        public_key: new_pk.to_bytes(),
                        entry,
                        replaces: Some(old.key_id),
                    };
                    store
                        .register_key(&key)
                        .await
                        .map_err(|e| conflict(e, "That key was already rotated or registered."))
                }
                Statement::KeyRevoked { key, reason, .. } => {
                    let target = owned_key(store.key(&key.0).await?)?;
                    let signer_ok = target.public_key == pk.to_bytes() || {
                        // Its successor may revoke it (e.g. an old laptop's key found compromised later).
                        let signer = store.key(&pk.key_id().0).await?;
                        signer.is_some_and(|s| {
                            s.creator_id == creator.id && s.registered_leaf == target.ended_leaf.unwrap_or(u64::MAX)
                        })
                    };
                    if !signer_ok {
                        return Err(ApiError::BadRequest(
                            "A revocation must be signed by the key itself or its successor.".into(),
                        ));
                    }
                    let reason = serde_json::to_value(reason)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    store
                        .revoke_key(&target.key_id, &reason, &entry)
                        .await
                        .map_err(|e| conflict(e, "That key is already revoked."))
                }
                _ => Err(ApiError::BadRequest("Only key statements can be submitted here.".into())),
            }
        }
        .await,
    )
}
