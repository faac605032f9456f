#![doc = include_str!("../README.md")]

use std::{io::Read as _, path::PathBuf, process::ExitCode};

use alloy::primitives::Address;
use clap::{Parser, Subcommand};
use colophon_ledger::Chain;
use colophon_provenance::{ContentHash, ContentHasher, KeyStatus, Receipt, VerifyError, verify};

#[derive(Parser)]
#[command(name = "colophon", version, about = "Colophon: prove who made what")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a file against a receipt (and, with --rpc, the root anchored on-chain).
    Verify {
        /// The file to check.
        file: PathBuf,
        /// The receipt JSON (colophon-receipt/1).
        #[arg(long)]
        receipt: PathBuf,
        /// A JSON-RPC URL of the chain named in the receipt's anchor.
        #[arg(long)]
        rpc: Option<String>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Exit codes (documented in the README).
const VERIFIED: u8 = 0;
const NOT_VERIFIED: u8 = 1;
const USAGE: u8 = 2;
const CHAIN_NOT_CHECKED: u8 = 3;

fn hash_file(path: &PathBuf) -> std::io::Result<ContentHash> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut hasher = ContentHasher::new();
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(hasher.finalize()),
            n => hasher.update(&buf[..n]),
        }
    }
}

fn report(json: bool, code: u8, verdict: &str, detail: String) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({ "verdict": verdict, "detail": detail, "exit_code": code }));
    } else if code == VERIFIED {
        println!("verified: {detail}");
    } else {
        eprintln!("{verdict}: {detail}");
    }
    ExitCode::from(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    let Command::Verify { file, receipt, rpc, json } = Cli::parse().command;
    let hash = match hash_file(&file) {
        Ok(h) => h,
        Err(e) => return report(json, USAGE, "error", format!("cannot read {}: {e}", file.display())),
    };
    let receipt = match std::fs::read_to_string(&receipt)
        .map_err(|e| e.to_string())
        .and_then(|text| Receipt::from_json(&text).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => return report(json, USAGE, "error", format!("cannot read the receipt: {e}")),
    };

    let anchored_root = match (&rpc, &receipt.anchor) {
        (Some(url), Some(anchor)) => {
            let Ok(registry) = anchor.contract.parse::<Address>() else {
                return report(
                    json,
                    NOT_VERIFIED,
                    "not verified",
                    "the receipt's contract address is malformed".into(),
                );
            };
            let chain = match Chain::connect(url, registry, Some(anchor.chain_id)).await {
                Ok(c) => c,
                Err(e) => return report(json, USAGE, "error", format!("cannot read the chain: {e}")),
            };
            match chain.anchored_root(receipt.tree_size).await {
                Ok(root) => root,
                Err(e) => return report(json, USAGE, "error", format!("cannot read the chain: {e}")),
            }
        }
        _ => None,
    };

    match verify(&hash, &receipt, anchored_root.as_ref(), KeyStatus::Active) {
        Ok(v) => report(
            json,
            VERIFIED,
            "verified",
            format!(
                "{hash} was registered by key {} (log entry {} of {}), and chain {} holds that root at block {}",
                v.key_id.fingerprint(),
                v.leaf_index,
                v.tree_size,
                v.anchor.chain_id,
                v.anchor.block_number
            ),
        ),
        Err(VerifyError::Unanchored { tree_size }) => report(
            json,
            CHAIN_NOT_CHECKED,
            "chain not checked",
            if rpc.is_none() {
                format!(
                    "signature and inclusion proof verified; pass --rpc to check the root for size {tree_size} on-chain"
                )
            } else {
                format!("signature and inclusion proof verified, but no root is anchored for size {tree_size} yet")
            },
        ),
        Err(e) => report(json, NOT_VERIFIED, "not verified", e.to_string()),
    }
}
