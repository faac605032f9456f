//! Background work that runs beside the web server.

pub mod anchor;
pub mod previews;
pub mod webhooks;
