//! The API's OpenAPI 3.1 document, generated from the code: schemas from
//! `colophon_api`'s types, operations from the handlers' `#[utoipa::path]`
//! (their doc comments are the prose). Served at `/api/v1/openapi.json`;
//! committed as `docs/openapi.json`, which `/docs/api` renders and a test
//! keeps equal to this (`COLOPHON_WRITE_OPENAPI=1` rewrites it).

use std::sync::OnceLock;

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::routes::{ledger, orders, payments, payouts, resales, studio, uploads};

/// Why a creator call is refused before it runs (every creator operation).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, reason = "a response set for the document only")]
pub enum CallerRefused {
    /// No session and no token, or the token is unknown or revoked
    #[response(status = 401)]
    Unauthorized(colophon_api::ErrorBody),
    /// The token lacks the operation's scope (see its security), or the account is not a creator
    #[response(status = 403)]
    Forbidden(colophon_api::ErrorBody),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Colophon API",
        version = "1",
        description = "Two parts. The verifier API (tag `verifier`) is public and unauthenticated: the transparency \
log's checkpoint and RFC 9162 proofs, and every statement about a content hash with a receipt to check offline; \
nothing it says needs to be trusted — receipts verify with any ed25519 and RFC 9162 implementation and the chain. \
The creator API (tag `creator`) is what the Studio does, for pipelines and the `colophon` CLI: authenticate with an \
API token made in the Studio (`Authorization: Bearer col_…`, scopes `read`, `publish`, `sales`) or the browser \
session. Files are signed by the creator's own key on their machine; a token never signs. The collector API \
(tag `collector`) buys with the browser session: test payments at `/api/v1/orders`, wallet payments through a \
signed quote at `/api/v1/orders/quote` (docs/FORMATS.md §14). Formats: \
docs/FORMATS.md (§2 statements, §4 Merkle tree, §5 receipts, §5.1 key standing, §10 uploads, §11 sales, §12 \
perceptual hashes). Errors are `{\"error\", \"message\"}` with a message meant for people."
    ),
    tags(
        (name = "verifier", description = "Public ledger reads: no authentication."),
        (name = "creator", description = "Listings, signed uploads and sales: an API token or the session."),
        (name = "collector", description = "Buying, orders and receipts: the buyer's browser session."),
    ),
    paths(
        ledger::checkpoint,
        ledger::inclusion,
        ledger::consistency,
        ledger::by_hash,
        orders::operator,
        ledger::chain,
        ledger::openapi,
        studio::me,
        studio::listings,
        studio::create,
        studio::listing,
        studio::set_status,
        studio::sales,
        crate::avatars::put,
        crate::avatars::delete,
        orders::sales_csv,
        orders::create,
        orders::mine,
        orders::one,
        orders::download,
        orders::receipt,
        orders::sale_receipt,
        payments::create,
        payments::one,
        payments::permit,
        payouts::view,
        payouts::challenge,
        payouts::prove,
        resales::offer,
        resales::withdraw,
        resales::mine,
        resales::listing,
        resales::custody,
        uploads::start,
        uploads::status,
        uploads::put_chunk,
        uploads::cancel,
        uploads::complete,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// The two ways to call the creator API.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from the Studio: `col_` and 64 hex digits. Scopes: `read` (account, listings, \
                         files), `publish` (create listings, uploads, publish/archive), `sales` (sales). A missing \
                         scope answers 403; an unknown or revoked token 401.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "id",
                "The browser session (every scope); cross-site writes are refused.",
            ))),
        );
    }
}

/// The document as served: pretty JSON, built once.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut json = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        json.push('\n');
        json
    })
}
