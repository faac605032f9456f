//! `colophon verify` end to end: the committed receipt against the file it
//! names, a tampered file, and the on-chain root read from a real anvil.

use std::{path::Path, process::Command};

use alloy::{primitives::B256, signers::local::PrivateKeySigner};
use colophon_ledger::Chain;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn colophon(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_colophon")).args(args).output().expect("run colophon");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn receipt_vector() -> (String, serde_json::Value) {
    let path = format!("{ROOT}/crates/provenance/vectors/receipt.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("vector")).expect("json");
    let receipt = serde_json::to_string(&v["receipt"]).expect("json");
    (receipt, v)
}

/// The committed receipt registers the bytes "file 6" (crates/provenance/tests/it/receipts.rs).
fn fixture(dir: &Path) -> (String, String) {
    let (receipt, _) = receipt_vector();
    let file = dir.join("file");
    std::fs::write(&file, b"file 6").expect("write");
    let receipt_path = dir.join("receipt.json");
    std::fs::write(&receipt_path, receipt).expect("write");
    (file.display().to_string(), receipt_path.display().to_string())
}

#[test]
fn without_a_chain_it_checks_signature_and_proof_and_says_what_is_left() {
    let dir = tempfile_dir();
    let (file, receipt) = fixture(&dir);
    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("signature and inclusion proof verified"), "{out}");

    std::fs::write(&file, b"file 7").expect("tamper");
    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt, "--json"]);
    assert_eq!(code, 1, "{out}");
    let verdict: serde_json::Value = serde_json::from_str(out.trim()).expect("json output");
    assert_eq!(verdict["verdict"], "not verified");
    assert!(verdict["detail"].as_str().expect("detail").contains("is not the hash"), "{out}");

    let (code, out) = colophon(&["verify", "/no/such/file", "--receipt", &receipt]);
    assert_eq!(code, 2, "{out}");
}

#[tokio::test]
async fn with_a_chain_it_trusts_only_the_anchored_root() {
    let dir = tempfile_dir();
    let (file, receipt) = fixture(&dir);
    let (_, vector) = receipt_vector();
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut anvil = Command::new(anvil_bin())
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
        .spawn()
        .expect("anvil");
    let rpc = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if colophon_ledger::chain_id(&rpc).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "anvil started");
    // anvil's first dev account deploys at the address the receipt names.
    let key: PrivateKeySigner =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse().expect("key");
    let deployment = colophon_ledger::deploy(&rpc, key.clone()).await.expect("deploy");
    assert_eq!(
        deployment.registry.to_string().to_lowercase(),
        vector["receipt"]["anchor"]["contract"].as_str().expect("contract")
    );

    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt, "--rpc", &rpc]);
    assert_eq!(code, 3, "not anchored yet: {out}");

    let chain = Chain::connect_with_signer(&rpc, deployment.registry, Some(31337), key).await.expect("chain");
    let wrong = B256::repeat_byte(0x42);
    chain.send_anchor(wrong, 13).await.expect("anchor a different root");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt, "--rpc", &rpc]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("differs from the root anchored on-chain"), "{out}");

    // A fresh chain where the right root is anchored: verified.
    let _ = anvil.kill();
    let _ = anvil.wait();
    let mut anvil = Command::new(anvil_bin())
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--silent"])
        .spawn()
        .expect("anvil");
    for _ in 0..100 {
        if colophon_ledger::chain_id(&rpc).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let key: PrivateKeySigner =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse().expect("key");
    let deployment = colophon_ledger::deploy(&rpc, key.clone()).await.expect("deploy");
    let chain = Chain::connect_with_signer(&rpc, deployment.registry, Some(31337), key).await.expect("chain");
    let mut root = [0u8; 32];
    hex_decode(vector["anchored_root"].as_str().expect("root"), &mut root);
    chain.send_anchor(B256::from(root), 13).await.expect("anchor");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt, "--rpc", &rpc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("chain 31337 holds that root"), "{out}");
    let _ = anvil.kill();
    let _ = anvil.wait();
}

fn hex_decode(s: &str, out: &mut [u8; 32]) {
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex");
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("colophon-cli-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

fn anvil_bin() -> String {
    if let Ok(bin) = std::env::var("COLOPHON_ANVIL_BIN")
        && !bin.is_empty()
    {
        return bin;
    }
    let dir = Path::new(ROOT).join("node_modules/@foundry-rs");
    std::fs::read_dir(&dir)
        .expect("run `make test`: it installs anvil")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/anvil"))
        .find(|p| p.is_file())
        .expect("anvil binary")
        .display()
        .to_string()
}
