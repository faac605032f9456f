//! Server-side account helpers shared by server functions and the REST edge:
//! argon2id password hashing, the signed-in account from the session, and
//! sign-in rate limiting.

use std::{num::NonZeroU32, sync::Arc};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use colophon_store::{AccountRow, Store};
use governor::{DefaultKeyedRateLimiter, Quota};
use tower_sessions::Session;

use crate::error::ApiError;

/// The session key holding the signed-in account's id.
pub const ACCOUNT_KEY: &str = "account_id";

/// argon2id with the crate defaults (OWASP's recommended m=19 MiB, t=2, p=1).
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password into a PHC string, off the async runtime.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|_| unavailable())?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        unavailable()
    })
}

/// Checks a password against a PHC string. With no stored hash (unknown
/// email) it still spends the same time, so timing does not reveal accounts.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let phc = match &stored {
            Some(s) => s.as_str(),
            None => {
                dummy = DUMMY_HASH.get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    argon2().hash_password(b"timing equaliser", &salt).map(|h| h.to_string()).unwrap_or_default()
                });
                dummy.as_str()
            }
        };
        let ok = PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok());
        ok && stored.is_some()
    })
    .await
    .unwrap_or(false)
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn unavailable() -> ApiError {
    ApiError::Unavailable("Could not process the password right now. Please try again.".into())
}

/// Sign-in attempts per key (client address, and separately the email):
/// a burst of 10, then one every 6 seconds.
#[derive(Clone)]
pub struct SignInLimiter(Arc<DefaultKeyedRateLimiter<String>>);

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInLimiter")
    }
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(10, 10)
    }
}

impl SignInLimiter {
    /// `burst` attempts, refilled at `per_minute`.
    pub fn new(burst: u32, per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN));
        Self(Arc::new(DefaultKeyedRateLimiter::keyed(quota)))
    }

    /// No limit (`COLOPHON_RATE_SIGN_IN=0`: tests and load drivers).
    pub fn unlimited() -> Self {
        Self(Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(NonZeroU32::MAX))))
    }

    /// Whether another attempt for `key` is allowed now.
    pub fn check(&self, key: &str) -> bool {
        self.0.check_key(&key.to_owned()).is_ok()
    }
}

/// This request's session (from the session layer).
pub async fn session() -> Result<Session, ApiError> {
    leptos_axum::extract::<Session>().await.map_err(|_| {
        tracing::error!("session layer missing");
        ApiError::Unavailable("Sessions are temporarily unavailable.".into())
    })
}

/// The signed-in account id, if any.
pub async fn session_account_id(session: &Session) -> Option<i64> {
    session.get::<i64>(ACCOUNT_KEY).await.ok().flatten()
}

/// The signed-in account (with its creator profile), or `Unauthorized`.
pub async fn require_account(store: &Store, session: &Session) -> Result<AccountRow, ApiError> {
    let Some(id) = session_account_id(session).await else {
        return Err(ApiError::Unauthorized("Sign in first.".into()));
    };
    store.account(id).await?.ok_or_else(|| ApiError::Unauthorized("Sign in first.".into()))
}

/// `n` random bytes from the OS as lower-case hex: idempotency keys, API
/// tokens, webhook secrets.
pub fn random_hex(n: usize) -> String {
    use rand_core::{OsRng, RngCore as _};
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The store and the signed-in account (for server functions), or `Unauthorized`.
pub async fn signed_in() -> Result<(Store, AccountRow), ApiError> {
    let store = crate::error::server_context::<Store>()?;
    let account = require_account(&store, &session().await?).await?;
    Ok((store, account))
}

/// Marks the session signed in as `account_id`, with a fresh session id.
pub async fn sign_in_session(session: &Session, account_id: i64) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(ACCOUNT_KEY, account_id).await.map_err(session_error)
}

pub fn session_error(e: tower_sessions::session::Error) -> ApiError {
    tracing::error!(error = %e, "session store error");
    ApiError::Unavailable("Sessions are temporarily unavailable. Please try again.".into())
}

/// Normalises and checks an email address (shape only; no mail is sent).
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(email) } else { Err(ApiError::BadRequest("Enter a valid email address.".into())) }
}

/// Password rules (NIST 800-63B: length, not composition).
pub fn check_password(password: &str, email: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ApiError::BadRequest("Use a password of at least 10 characters.".into()));
    }
    if n > 512 {
        return Err(ApiError::BadRequest("Passwords are limited to 512 characters.".into()));
    }
    if password.eq_ignore_ascii_case(email) {
        return Err(ApiError::BadRequest("Your password cannot be your email address.".into()));
    }
    Ok(())
}

/// Creator handles: the catalog's rule (`colophon_catalog::Handle`), kept lowercase.
pub fn check_handle(handle: &str) -> Result<String, ApiError> {
    colophon_catalog::Handle::parse(handle)
        .map(colophon_catalog::Handle::into_string)
        .map_err(|e| ApiError::BadRequest(e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(h)).await);
        assert!(!verify_password("anything".into(), None).await, "unknown accounts never verify");
        assert!(!verify_password("x".into(), Some("not a phc string".into())).await);
    }

    #[test]
    fn input_rules() {
        assert_eq!(normalize_email("  Ada@Example.COM ").expect("valid"), "ada@example.com");
        for bad in ["ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@.com"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(check_password("short", "a@b.c").is_err());
        assert!(check_password("a@b.cdefghij", "a@b.cdefghij").is_err());
        assert!(check_password("long enough pass", "a@b.c").is_ok());
        assert_eq!(check_handle("Ada_Vector").expect("valid"), "ada_vector");
        for bad in ["a", "1ada", "ada vector", "ada!", &"a".repeat(33)] {
            assert!(check_handle(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_limiter_allows_a_burst_then_refuses() {
        let l = SignInLimiter::new(3, 1);
        assert!((0..3).all(|_| l.check("1.2.3.4")));
        assert!(!l.check("1.2.3.4"));
        assert!(l.check("5.6.7.8"), "keys are independent");
    }
}
