//! Accounts: sign up, sign in, sign out, who am I, become a creator.
//!
//! Every function here is a POST server function, so the server's
//! cross-origin protection covers it; sessions are cookie-based (HttpOnly,
//! SameSite=Lax).

use leptos::prelude::*;

use crate::{error::ApiError, types::Me};

#[cfg(feature = "ssr")]
mod ssr {
    pub use crate::auth::*;
    pub use colophon_store::Store;

    /// The client's address, for rate limiting.
    pub async fn client_ip() -> String {
        use axum::extract::ConnectInfo;
        leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|_| "unknown".into())
    }
}

/// Creates an account and signs it in.
#[server(endpoint = "account/sign_up")]
pub async fn sign_up(email: String, password: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            use ssr::*;
            let store = crate::error::server_context::<Store>()?;
            let session = session().await?;
            let limiter = crate::error::server_context::<SignInLimiter>()?;
            if !limiter.check(&format!("ip:{}", client_ip().await)) {
                return Err(ApiError::TooManyRequests("Too many attempts. Wait a minute and try again.".into()));
            }
            let email = normalize_email(&email)?;
            check_password(&password, &email)?;
            let hash = hash_password(password).await?;
            let id = match store.create_account(&email, &hash, chrono::Utc::now()).await {
                Err(colophon_store::StoreError::Conflict { .. }) => {
                    return Err(ApiError::Conflict(
                        "An account with this email already exists. Sign in instead.".into(),
                    ));
                }
                other => other?,
            };
            sign_in_session(&session, id).await?;
            tracing::info!(account_id = id, "account created");
            leptos_axum::redirect("/studio");
            Ok(())
        }
        .await,
    )
}

/// Signs in. Wrong email and wrong password get the same answer.
#[server(endpoint = "account/sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            use ssr::*;
            let store = crate::error::server_context::<Store>()?;
            let session = session().await?;
            let limiter = crate::error::server_context::<SignInLimiter>()?;
            let email = email.trim().to_lowercase();
            if !limiter.check(&format!("ip:{}", client_ip().await)) || !limiter.check(&format!("email:{email}")) {
                return Err(ApiError::TooManyRequests(
                    "Too many sign-in attempts. Wait a minute and try again.".into(),
                ));
            }
            let creds = store.account_credentials(&email).await?;
            let (id, stored) = match creds {
                Some((id, hash)) => (Some(id), Some(hash)),
                None => (None, None),
            };
            let ok = verify_password(password, stored).await;
            match (ok, id) {
                (true, Some(id)) => {
                    sign_in_session(&session, id).await?;
                    leptos_axum::redirect("/studio");
                    Ok(())
                }
                _ => Err(ApiError::Unauthorized("Wrong email or password.".into())),
            }
        }
        .await,
    )
}

/// Ends the session.
#[server(endpoint = "account/sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            use ssr::*;
            let session = session().await?;
            session.flush().await.map_err(session_error)?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// The signed-in account, or `None`.
#[server(endpoint = "account/current")]
pub async fn current_account() -> Result<Option<Me>, ApiError> {
    crate::error::with_status(
        async move {
            use ssr::*;
            let store = crate::error::server_context::<Store>()?;
            let session = session().await?;
            let Some(id) = session_account_id(&session).await else { return Ok(None) };
            let Some(account) = store.account(id).await? else { return Ok(None) };
            let avatar = match &account.creator {
                Some(c) => store.avatar_of(c.id).await?.map(|a| crate::types::avatar_url(&c.handle, &a.sha256)),
                None => None,
            };
            let mut me = Me::from(account);
            if let Some(c) = me.creator.as_mut() {
                c.avatar_url = avatar;
            }
            Ok(Some(me))
        }
        .await,
    )
}

/// Makes the signed-in account a creator.
#[server(endpoint = "account/become_creator")]
pub async fn become_creator(handle: String, display_name: String, bio: String) -> Result<(), ApiError> {
    crate::error::with_status(
        async move {
            use ssr::*;
            let store = crate::error::server_context::<Store>()?;
            let session = session().await?;
            let account = require_account(&store, &session).await?;
            if account.creator.is_some() {
                return Err(ApiError::BadRequest("You are already a creator.".into()));
            }
            let handle = check_handle(&handle)?;
            let display_name = display_name.trim();
            if display_name.is_empty() || display_name.chars().count() > 120 {
                return Err(ApiError::BadRequest("Display names are 1–120 characters.".into()));
            }
            if bio.chars().count() > 2000 {
                return Err(ApiError::BadRequest("Bios are limited to 2,000 characters.".into()));
            }
            match store.become_creator(account.id, &handle, display_name, bio.trim(), chrono::Utc::now()).await {
                Err(colophon_store::StoreError::Conflict { .. }) => {
                    Err(ApiError::Conflict(format!("The handle @{handle} is taken. Choose another.")))
                }
                other => {
                    other?;
                    leptos_axum::redirect("/studio");
                    Ok(())
                }
            }
        }
        .await,
    )
}
