//! What the server hands the app (Leptos context) besides the store, the
//! market and the sign-in limiter: values only the server knows.

/// The site's public address (`COLOPHON_PUBLIC_URL`), for links that leave
/// the site: the certificate's QR code.
#[derive(Clone, Debug)]
pub struct SiteUrl(pub Option<String>);

/// The stylesheet's URL: content-hashed by the build (`server::assets`), so
/// browsers keep it for good; the shell links it.
#[derive(Clone, Debug)]
pub struct Stylesheet(pub String);

impl Default for Stylesheet {
    fn default() -> Self {
        Self("/pkg/colophon.css".into())
    }
}

/// The chain's public JSON-RPC endpoint (`COLOPHON_PUBLIC_RPC_URL`), which
/// /verify and the certificate read the anchored root from, as an origin.
#[derive(Clone, Debug, Default)]
pub struct ChainOrigin(pub Option<String>);

impl ChainOrigin {
    /// The origin (`scheme://host[:port]`) of a URL, if it has one.
    pub fn of(url: Option<&str>) -> Self {
        Self(url.and_then(|u| {
            let (scheme, rest) = u.split_once("://")?;
            let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
            matches!(scheme, "http" | "https")
                .then(|| format!("{scheme}://{host}"))
                .filter(|o| o.chars().all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '\'' | '"')))
        }))
    }
}

/// The Content-Security-Policy of a server-rendered page: scripts only with
/// this response's nonce (the hydration scripts; what they import is
/// trusted through `'strict-dynamic'`), WebAssembly compilation, styles and
/// images from this site, no plugins, no framing, no `<base>`, forms to this
/// site. Connections go to this site, the chain's RPC, and any https or
/// local node: a verifier may point /verify at their own node instead of ours.
pub fn content_security_policy(nonce: &str, chain: &ChainOrigin) -> String {
    let connect = chain.0.as_deref().filter(|o| o.starts_with("http://")).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; font-src 'self'; \
         connect-src 'self' https: http://127.0.0.1:* http://localhost:*{connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_only_this_nonce_and_the_chain_origin() {
        let chain = ChainOrigin::of(Some("https://rpc.example.org:8545/v1?key=secret"));
        assert_eq!(chain.0.as_deref(), Some("https://rpc.example.org:8545"));
        let p = content_security_policy("abc123", &chain);
        assert!(p.contains("script-src 'nonce-abc123' 'strict-dynamic' 'wasm-unsafe-eval';"), "{p}");
        assert!(p.contains("connect-src 'self' https: http://127.0.0.1:* http://localhost:*;"), "{p}");
        let lan = content_security_policy("n", &ChainOrigin::of(Some("http://10.0.0.5:8545")));
        assert!(lan.contains("http://localhost:* http://10.0.0.5:8545;"), "{lan}");
        assert!(!p.contains("unsafe-inline") && !p.contains("secret"), "{p}");
        assert!(p.contains("frame-ancestors 'none'") && p.contains("object-src 'none'"), "{p}");
        // Nothing that could break out of the header's grammar.
        assert_eq!(ChainOrigin::of(Some("javascript:alert(1)")).0, None);
        assert_eq!(ChainOrigin::of(Some("https://a;script-src *")).0, None);
        assert_eq!(ChainOrigin::of(None).0, None);
    }
}
