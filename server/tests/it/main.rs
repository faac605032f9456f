//! server's integration tests, one binary (one link, one process): each
//! module is what was once a file of its own.

mod accounts;
mod anchoring;
mod authz;
mod avatars;
mod creator_api;
mod demo;
mod ledger_api;
mod limits;
mod made_with;
mod metrics;
mod openapi_snapshot;
mod orders;
mod page_cache;
mod payments;
mod previews;
mod s3;
mod scale_out;
mod site;
mod uploads;
mod webhooks;
