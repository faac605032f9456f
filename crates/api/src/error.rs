//! The one error body every JSON endpoint answers with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error: a stable code for programs and a message for people. The
/// message never carries internals (queries, paths, stack traces).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// `bad_request`, `not_found`, `unauthorized`, `forbidden`, `conflict`,
    /// `too_large`, `too_many_requests`, `timeout`, `unavailable` or `internal`.
    pub error: String,
    /// For people; never internals.
    pub message: String,
}
