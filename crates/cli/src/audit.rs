//! `colophon log audit`: what a monitor of a transparency log does. It keeps
//! the last checkpoint it accepted and, each run, demands an RFC 9162
//! consistency proof that the server's current log extends it; with --rpc it
//! also checks that the newest root anchored on-chain is a prefix of the log
//! the server serves now.

use std::path::PathBuf;

use colophon_provenance::merkle::verify_consistency;
use serde::{Deserialize, Serialize};

use crate::{CHAIN_NOT_CHECKED, NOT_VERIFIED, USAGE, VERIFIED, net};

pub struct Args {
    pub server: String,
    pub rpc: Option<String>,
    pub registry: Option<String>,
    pub state: Option<PathBuf>,
    pub json: bool,
}

use colophon_api::{Checkpoint, Consistency};

/// What the audit remembers between runs (JSON in the state file).
#[derive(Serialize, Deserialize)]
struct Seen {
    server: String,
    tree_size: u64,
    root: String,
}

fn default_state(server: &str) -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    let name: String =
        server.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    base.join("colophon/audit").join(format!("{name}.json"))
}

fn print(json: bool, code: u8, detail: &str, size: Option<u64>) -> u8 {
    let verdict = match code {
        VERIFIED => "consistent",
        CHAIN_NOT_CHECKED => "consistent, chain not checked",
        NOT_VERIFIED => "INCONSISTENT",
        _ => "error",
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "verdict": verdict, "detail": detail, "exit_code": code, "tree_size": size })
        );
    } else if code == VERIFIED || code == CHAIN_NOT_CHECKED {
        println!("{verdict}: {detail}");
    } else {
        eprintln!("{verdict}: {detail}");
    }
    code
}

/// Fetches and checks a consistency proof from (`old`, `old_root`) to (`new`, `new_root`).
async fn consistent(
    server: &str,
    old: u64,
    old_root: &[u8; 32],
    new: u64,
    new_root: &[u8; 32],
) -> Result<Result<(), String>, String> {
    if old == new {
        return Ok(if old_root == new_root { Ok(()) } else { Err(format!("two different roots for size {new}")) });
    }
    let proof: Consistency = net::get_json(server, &format!("/api/v1/log/consistency?from={old}&to={new}"))
        .await?
        .ok_or_else(|| "the server has no consistency endpoint".to_owned())?;
    if net::hash32(&proof.from_root)? != *old_root || net::hash32(&proof.to_root)? != *new_root {
        return Ok(Err(format!("the proof's roots for sizes {old} and {new} are not the ones being compared")));
    }
    let hashes = proof.proof.iter().map(|h| net::hash32(h)).collect::<Result<Vec<_>, _>>()?;
    Ok(verify_consistency(old, new, old_root, new_root, &hashes)
        .map_err(|e| format!("the consistency proof from size {old} to {new} does not verify: {e}")))
}

pub async fn run(a: Args) -> u8 {
    let fail = |detail: String| print(a.json, USAGE, &detail, None);
    let state_path = a.state.clone().unwrap_or_else(|| default_state(&a.server));
    let head: Checkpoint = match net::get_json(&a.server, "/api/v1/log/checkpoint").await {
        Ok(Some(c)) => c,
        Ok(None) => return fail(format!("{} has no /api/v1/log/checkpoint", a.server)),
        Err(e) => return fail(e),
    };
    let root = match net::hash32(&head.root) {
        Ok(r) => r,
        Err(e) => return fail(format!("the checkpoint's root: {e}")),
    };
    let mut said = Vec::new();

    // 1. The log only grew since the last audit.
    let seen: Option<Seen> = match std::fs::read_to_string(&state_path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(s) => Some(s),
            Err(e) => return fail(format!("{} is not an audit state file: {e}", state_path.display())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return fail(format!("cannot read {}: {e}", state_path.display())),
    };
    match &seen {
        Some(s) if s.tree_size > head.tree_size => {
            return print(
                a.json,
                NOT_VERIFIED,
                &format!(
                    "the log shrank: size {} was seen before, the server now says {}",
                    s.tree_size, head.tree_size
                ),
                Some(head.tree_size),
            );
        }
        Some(s) => {
            let old_root = match net::hash32(&s.root) {
                Ok(r) => r,
                Err(e) => return fail(format!("{}: {e}", state_path.display())),
            };
            match consistent(&a.server, s.tree_size, &old_root, head.tree_size, &root).await {
                Ok(Ok(())) => {
                    said.push(format!("size {} → {} is an append-only extension", s.tree_size, head.tree_size))
                }
                Ok(Err(why)) => {
                    return print(a.json, NOT_VERIFIED, &format!("the log was rewritten: {why}"), Some(head.tree_size));
                }
                Err(e) => return fail(e),
            }
        }
        None => said.push(format!("first audit: size {} with root {} is now the reference", head.tree_size, head.root)),
    }

    // 2. The chain's newest anchored root is a prefix of this log.
    let mut code = VERIFIED;
    match (&a.rpc, &head.anchor) {
        (Some(rpc), Some(anchor)) => {
            let registry = a.registry.clone().unwrap_or_else(|| anchor.contract.clone());
            if !registry.eq_ignore_ascii_case(&anchor.contract) {
                return print(
                    a.json,
                    NOT_VERIFIED,
                    &format!(
                        "the server anchors in contract {}, not in the registry you trust ({registry})",
                        anchor.contract
                    ),
                    Some(head.tree_size),
                );
            }
            let on_chain = match net::chain_root(rpc, &registry, anchor.chain_id, anchor.tree_size).await {
                Ok(Some(r)) => r,
                Ok(None) => {
                    return print(
                        a.json,
                        NOT_VERIFIED,
                        &format!(
                            "the server claims an anchor for size {} that the chain does not hold",
                            anchor.tree_size
                        ),
                        Some(head.tree_size),
                    );
                }
                Err(e) => return fail(e),
            };
            match consistent(&a.server, anchor.tree_size, &on_chain, head.tree_size, &root).await {
                Ok(Ok(())) => said.push(format!(
                    "chain {} anchors size {} and the log extends that root",
                    anchor.chain_id, anchor.tree_size
                )),
                Ok(Err(why)) => {
                    return print(
                        a.json,
                        NOT_VERIFIED,
                        &format!(
                            "the log does not extend the root anchored on-chain for size {}: {why}",
                            anchor.tree_size
                        ),
                        Some(head.tree_size),
                    );
                }
                Err(e) => return fail(e),
            }
        }
        (Some(_), None) => {
            code = CHAIN_NOT_CHECKED;
            said.push("nothing is anchored on-chain yet".into());
        }
        (None, _) => {
            code = CHAIN_NOT_CHECKED;
            said.push("pass --rpc to check the anchored root too".into());
        }
    }

    // Remember this checkpoint only once it checked out.
    let next = Seen { server: a.server.clone(), tree_size: head.tree_size, root: head.root.clone() };
    if let Err(e) = save(&state_path, &next) {
        return fail(format!("cannot write {}: {e}", state_path.display()));
    }
    print(a.json, code, &said.join("; "), Some(head.tree_size))
}

/// Writes the state atomically (temp file + rename).
fn save(path: &PathBuf, seen: &Seen) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(seen).map_err(std::io::Error::other)?)?;
    std::fs::rename(tmp, path)
}
