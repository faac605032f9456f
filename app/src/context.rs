//! What the server hands the app (Leptos context) besides the store, the
//! market and the sign-in limiter: values only the server knows.

/// The site's public address (`COLOPHON_PUBLIC_URL`), for links that leave
/// the site: the certificate's QR code.
#[derive(Clone, Debug)]
pub struct SiteUrl(pub Option<String>);
