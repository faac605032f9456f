//! `colophon verify` end to end: the committed receipt against the file it
//! names, a tampered file, and the on-chain root read from a real anvil.

use std::{path::Path, process::Command};

use alloy::primitives::B256;
use colophon_ledger::Chain;
use colophon_ledger::testing::{Anvil, dev_key};

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
    let anvil = Anvil::start().await;
    let rpc = anvil.rpc.clone();
    // anvil's first dev account deploys at the address the receipt names.
    let key = dev_key(0);
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

    // A fresh chain at the same URL where the right root is anchored: verified.
    let port = anvil.port;
    drop(anvil);
    let anvil = Anvil::start_on(port).await;
    let key = dev_key(0);
    let deployment = colophon_ledger::deploy(&rpc, key.clone()).await.expect("deploy");
    let chain = Chain::connect_with_signer(&rpc, deployment.registry, Some(31337), key).await.expect("chain");
    let mut root = [0u8; 32];
    hex_decode(vector["anchored_root"].as_str().expect("root"), &mut root);
    chain.send_anchor(B256::from(root), 13).await.expect("anchor");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (code, out) = colophon(&["verify", &file, "--receipt", &receipt, "--rpc", &rpc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("chain 31337 holds that root"), "{out}");
    drop(anvil);
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
