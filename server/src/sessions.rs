//! Sessions: tower-sessions (the session middleware) with its records kept
//! in Colophon's own database (SQLite or PostgreSQL), so a restart or a
//! second server process keeps everyone signed in.
//!
//! Cookie: `colophon_session`, HttpOnly, SameSite=Lax, `Secure` when the site
//! is served over https (`COLOPHON_PUBLIC_URL`), expiring after 14 days
//! without use. The id is cycled on sign-in (no fixation). Records are JSON.

use async_trait::async_trait;
use colophon_store::Store;
use tower_sessions::{
    Expiry, SessionManagerLayer, SessionStore,
    cookie::{SameSite, time::Duration},
    session::{Id, Record},
    session_store,
};

/// The session store over [`Store`].
#[derive(Clone, Debug)]
pub struct Sessions(Store);

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl Sessions {
    pub fn new(store: Store) -> Self {
        Self(store)
    }

    /// The layer that loads and saves sessions around every request.
    pub fn layer(self, secure: bool) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self)
            .with_name("colophon_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(Duration::days(14)))
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired(&self) -> session_store::Result<u64> {
        self.0.session_delete_expired(now()).await.map_err(backend)
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_vec(record).map_err(backend)?;
        // 128-bit random ids practically never collide, but never overwrite someone else's session.
        while !self
            .0
            .session_insert(&record.id.to_string(), &data, record.expiry_date.unix_timestamp())
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_vec(record).map_err(backend)?;
        self.0.session_save(&record.id.to_string(), &data, record.expiry_date.unix_timestamp()).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = self.0.session_load(&id.to_string(), now()).await.map_err(backend)? else {
            return Ok(None);
        };
        // An unreadable record (e.g. from an incompatible version) is a signed-out session, not an error.
        Ok(serde_json::from_slice(&data).ok())
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.session_delete(&id.to_string()).await.map_err(backend)
    }
}
