//! API tokens: bearer credentials a creator makes in the Studio for their
//! pipelines and the CLI. Scoped, shown once, stored as SHA-256, revocable,
//! with a last-used time. Only a signed-in session manages tokens (a token
//! cannot mint tokens).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub use colophon_api::{Scope, tokens::parse_scopes};

/// A token as the Studio lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A new token: the secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: String,
    pub view: TokenView,
}

/// How tokens look (`colophon_api::tokens`), and a fresh one.
#[cfg(feature = "ssr")]
pub mod secret {
    pub use colophon_api::tokens::{PREFIX, SHOWN, hash, well_formed};

    /// A fresh token: the prefix and 256 random bits in hex.
    pub fn generate() -> String {
        format!("{PREFIX}{}", crate::auth::random_hex(32))
    }
}

#[cfg(feature = "ssr")]
pub fn to_view(t: colophon_store::TokenRow) -> TokenView {
    let when = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    TokenView {
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        scopes: parse_scopes(&t.scopes).unwrap_or_default(),
        created_at: when(t.created_at),
        last_used_at: t.last_used_at.map(when),
        revoked_at: t.revoked_at.map(when),
    }
}

/// The signed-in account's tokens, newest first.
#[server(endpoint = "tokens/mine")]
pub async fn my_tokens() -> Result<Vec<TokenView>, ApiError> {
    crate::error::with_status(
        async move {
            let (store, account) = crate::auth::signed_in().await?;
            Ok(store.tokens_of(account.id).await?.into_iter().map(to_view).collect())
        }
        .await,
    )
}

/// Makes a token. `scopes` is comma-separated: `read,publish`.
#[server(endpoint = "tokens/create")]
pub async fn create_token(name: String, scopes: String) -> Result<CreatedToken, ApiError> {
    crate::error::with_status(
        async move {
            let (store, account) = crate::auth::signed_in().await?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::BadRequest("Name the token (1–100 characters), e.g. \"render farm\".".into()));
            }
            let scopes = parse_scopes(&scopes).map_err(ApiError::BadRequest)?;
            if store.tokens_of(account.id).await?.iter().filter(|t| t.revoked_at.is_none()).count() >= 50 {
                return Err(ApiError::BadRequest("You have 50 active tokens: revoke one first.".into()));
            }
            let token = secret::generate();
            let now = chrono::Utc::now();
            let list = scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
            let prefix = &token[..secret::SHOWN];
            let id = store
                .token_create(&colophon_store::NewToken {
                    account_id: account.id,
                    name,
                    token_hash: secret::hash(&token),
                    prefix,
                    scopes: &list,
                    created_at: now,
                })
                .await?;
            tracing::info!(account = account.id, token = id, scopes = %list, "API token created");
            let view = to_view(colophon_store::TokenRow {
                id,
                account_id: account.id,
                name: name.to_owned(),
                prefix: prefix.to_owned(),
                scopes: list,
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            });
            Ok(CreatedToken { token, view })
        }
        .await,
    )
}

/// Revokes one of the signed-in account's tokens, at once.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            let (store, account) = crate::auth::signed_in().await?;
            if !store.token_revoke(id, account.id, chrono::Utc::now()).await? {
                return Err(ApiError::NotFound("No such active token.".into()));
            }
            tracing::info!(account = account.id, token = id, "API token revoked");
            Ok(())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_in_a_fixed_order_without_repeats() {
        assert_eq!(parse_scopes("sales, read,read"), Ok(vec![Scope::Read, Scope::Sales]));
        assert!(parse_scopes("").is_err());
        assert!(parse_scopes("read,admin").expect_err("unknown").contains("admin"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let (a, b) = (secret::generate(), secret::generate());
        assert_ne!(a, b);
        assert!(secret::well_formed(&a), "{a}");
        assert!(!secret::well_formed(&a[..40]));
        assert!(!secret::well_formed(&a.to_uppercase()));
        assert_ne!(secret::hash(&a), secret::hash(&b));
    }
}
