//! https from the clients Colophon builds: reqwest on rustls with *ring*
//! ([`colophon_ledger::install_tls`]) talks to a real TLS server, refuses a
//! certificate no trusted root issued — through alloy's JSON-RPC transport
//! too — and accepts it once its CA is trusted. (reqwest is built without a
//! default crypto provider: a client built before `install_tls` would panic.)

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CA: &str = include_str!("tls/ca.pem");
const CERT: &str = include_str!("tls/localhost.pem");
const KEY: &str = include_str!("tls/localhost.key");

/// A TLS server on 127.0.0.1 that answers every request with a JSON-RPC
/// result (eth_chainId = 31337) carrying the request's id.
async fn https_server() -> u16 {
    colophon_ledger::install_tls();
    let cert = CertificateDer::from_pem_slice(CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).expect("key");
    let config =
        rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![cert], key).expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while got.len() < head_end + length {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let request: serde_json::Value =
                    serde_json::from_slice(&got[head_end..head_end + length]).unwrap_or_default();
                let body = serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "result": "0x7a69"}).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn chain_of(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut at = e.source();
    while let Some(s) = at {
        out.push_str(": ");
        out.push_str(&s.to_string());
        at = s.source();
    }
    out
}

#[tokio::test]
async fn https_refuses_an_untrusted_certificate_and_accepts_a_trusted_one() {
    let port = https_server().await;
    let url = format!("https://localhost:{port}/");
    let call = serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []});

    // The platform's roots do not include our test CA: the handshake fails on the certificate.
    let err = reqwest::Client::new().post(&url).json(&call).send().await.expect_err("an untrusted certificate");
    let why = chain_of(&err);
    assert!(why.to_ascii_lowercase().contains("certificate"), "{why}");

    // alloy's transport (every chain read and anchor) goes through the same TLS stack.
    let err = colophon_ledger::chain_id(&url).await.expect_err("alloy refuses the untrusted certificate too");
    assert!(matches!(err, colophon_ledger::LedgerError::Rpc(_)), "{err}");

    // Trusting the CA: the request goes through and the answer is read.
    let ca = reqwest::Certificate::from_pem(CA.as_bytes()).expect("CA");
    let client = reqwest::Client::builder().add_root_certificate(ca).build().expect("client");
    let res = client.post(&url).json(&call).send().await.expect("a trusted certificate");
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let answer: serde_json::Value = res.json().await.expect("json");
    assert_eq!((answer["id"].as_i64(), answer["result"].as_str()), (Some(7), Some("0x7a69")));
}
