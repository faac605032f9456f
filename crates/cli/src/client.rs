//! A Colophon server as the CLI calls it: the server's own wire types
//! (`colophon-api`), a bearer token for the creator API (none for the public
//! ledger), and refusals in the server's words.

use colophon_api::{
    CompleteUpload, ErrorBody, ListingRequest, Me, RegisteredFile, StartUpload, StatusChange, StudioListing, Upload,
};
use serde::{Serialize, de::DeserializeOwned};

/// Why a call did not give its answer.
#[derive(Debug)]
pub enum Refusal {
    /// The server could not be reached (or its answer was not the promised type).
    Unreachable(String),
    /// The server answered with an error: its status and message.
    Refused(u16, String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(e) => f.write_str(e),
            Self::Refused(status, message) => write!(f, "the server answered {status}: {message}"),
        }
    }
}

impl From<Refusal> for String {
    fn from(r: Refusal) -> Self {
        r.to_string()
    }
}

pub struct Api {
    http: reqwest::Client,
    server: String,
    token: Option<String>,
}

impl Api {
    /// The creator API, with an API token.
    pub fn new(server: &str, token: String) -> Self {
        Self::with(server, Some(token))
    }

    /// The public API (ledger reads), without credentials.
    pub fn anonymous(server: &str) -> Self {
        Self::with(server, None)
    }

    fn with(server: &str, token: Option<String>) -> Self {
        colophon_ledger::install_tls();
        Self { http: reqwest::Client::new(), server: server.trim_end_matches('/').to_owned(), token }
    }

    /// Sends a request and reads the answer as `T`; a status other than 2xx is a refusal.
    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, Refusal> {
        let req = match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        };
        let res = req.send().await.map_err(|e| Refusal::Unreachable(format!("cannot reach {}: {e}", self.server)))?;
        let status = res.status();
        if !status.is_success() {
            let message =
                res.json::<ErrorBody>().await.map(|e| e.message).unwrap_or_else(|_| "no reason given".to_owned());
            return Err(Refusal::Refused(status.as_u16(), message));
        }
        res.json()
            .await
            .map_err(|e| Refusal::Unreachable(format!("{} answered something unexpected: {e}", self.server)))
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Refusal> {
        self.call(self.http.get(self.url(path))).await
    }

    /// GETs `path` (from the server's root); `Ok(None)` on 404.
    pub async fn get_optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Refusal> {
        match self.call(self.http.get(format!("{}{path}", self.server))).await {
            Ok(v) => Ok(Some(v)),
            Err(Refusal::Refused(404, _)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, Refusal> {
        self.call(self.http.post(self.url(path)).json(body)).await
    }

    /// Who the token speaks for, and with which scopes.
    pub async fn me(&self) -> Result<Me, Refusal> {
        self.get("/me").await
    }

    /// The creator's listing with this slug, or `None` if there is none.
    pub async fn listing(&self, slug: &str) -> Result<Option<StudioListing>, Refusal> {
        self.get_optional(&format!("/api/v1/studio/listings/{slug}")).await
    }

    /// Creates a draft.
    pub async fn create_listing(&self, request: &ListingRequest) -> Result<StudioListing, Refusal> {
        self.post("/studio/listings", request).await
    }

    /// Publishes (or archives) a listing.
    pub async fn set_status(&self, slug: &str, status: &str) -> Result<StudioListing, Refusal> {
        self.post(&format!("/studio/listings/{slug}/status"), &StatusChange { status: status.to_owned() }).await
    }

    pub async fn start_upload(&self, start: &StartUpload) -> Result<Upload, Refusal> {
        self.post("/uploads", start).await
    }

    pub async fn upload(&self, id: &str) -> Result<Upload, Refusal> {
        self.get(&format!("/uploads/{id}")).await
    }

    /// Appends `bytes` at `offset`; the answer says where the upload now stands.
    pub async fn put_chunk(&self, id: &str, offset: u64, bytes: Vec<u8>) -> Result<Upload, Refusal> {
        let req = self.http.put(self.url(&format!("/uploads/{id}"))).header("upload-offset", offset.to_string());
        self.call(req.body(bytes)).await
    }

    pub async fn complete(&self, id: &str, signed: &CompleteUpload) -> Result<RegisteredFile, Refusal> {
        self.post(&format!("/uploads/{id}/complete"), signed).await
    }
}
