#![doc = include_str!("../README.md")]

mod audit;
mod client;
mod net;
mod publish;
mod verify;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "colophon", version, about = "Colophon: prove who made what")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a file against a receipt, or against everything a Colophon
    /// server's ledger says about it; with --rpc, against the root anchored on-chain.
    Verify {
        /// The file to check (hashed locally; it is never uploaded).
        file: PathBuf,
        /// A receipt JSON (colophon-receipt/1): a file receipt or a sale receipt.
        #[arg(long)]
        receipt: Option<PathBuf>,
        /// A Colophon server to ask for every statement about the file's hash
        /// (the answers are checked here, not trusted).
        #[arg(long)]
        server: Option<String>,
        /// A JSON-RPC URL of the chain the receipts' anchors name.
        #[arg(long)]
        rpc: Option<String>,
        /// The ProvenanceRegistry address you trust (default: the one the receipt names).
        #[arg(long)]
        registry: Option<String>,
        /// The marketplace's operator key (64 hex) that must sign sale receipts
        /// (default: the one --server publishes at /api/v1/operator).
        #[arg(long)]
        operator_key: Option<String>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Publish files to your Colophon listings: from a TOML manifest, or one
    /// listing per file inferred from its content. Signs each file here with
    /// your key file; uploads resume; re-running skips what is published.
    /// Needs COLOPHON_TOKEN (scopes read + publish) and COLOPHON_KEY_PASSPHRASE.
    Publish {
        /// Files to list one by one (kind from their content; slug and title from the name).
        paths: Vec<PathBuf>,
        /// The Colophon server.
        #[arg(long)]
        server: String,
        /// Your key file (colophon-key/1), the one active in your Studio.
        #[arg(long)]
        key: PathBuf,
        /// A colophon.toml manifest ([[listing]] tables; files relative to it).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Price for inferred listings, e.g. 25 or 12.50 (USD).
        #[arg(long)]
        price: Option<String>,
        /// Edition size for inferred image listings (1–10,000).
        #[arg(long)]
        edition_size: Option<i64>,
        /// Leave new listings as drafts.
        #[arg(long)]
        draft: bool,
        /// Say what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Upload at most this many bytes per second.
        #[arg(long)]
        limit_rate: Option<u64>,
        /// Print what was done as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Transparency-log operations.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Check that the server's log only ever grew since the last audit (a
    /// consistency proof from the size seen then), and with --rpc that the
    /// root anchored on-chain is a prefix of the log the server serves now.
    Audit {
        /// The Colophon server.
        #[arg(long)]
        server: String,
        /// A JSON-RPC URL of the anchoring chain.
        #[arg(long)]
        rpc: Option<String>,
        /// The ProvenanceRegistry address you trust (default: the one the checkpoint names).
        #[arg(long)]
        registry: Option<String>,
        /// Where the last audited checkpoint is kept (default:
        /// $XDG_STATE_HOME/colophon/audit/<server>.json).
        #[arg(long)]
        state: Option<PathBuf>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Exit codes (documented in the README).
pub const VERIFIED: u8 = 0;
pub const NOT_VERIFIED: u8 = 1;
pub const USAGE: u8 = 2;
pub const CHAIN_NOT_CHECKED: u8 = 3;

#[tokio::main]
async fn main() -> ExitCode {
    let code = match Cli::parse().command {
        Command::Verify { file, receipt, server, rpc, registry, operator_key, json } => {
            verify::run(verify::Args { file, receipt, server, rpc, registry, operator_key, json }).await
        }
        Command::Publish { paths, server, key, manifest, price, edition_size, draft, dry_run, limit_rate, json } => {
            publish::run(publish::Args {
                paths,
                server,
                key,
                manifest,
                price,
                edition_size,
                draft,
                dry_run,
                limit_rate,
                json,
            })
            .await
        }
        Command::Log { command: LogCommand::Audit { server, rpc, registry, state, json } } => {
            audit::run(audit::Args { server, rpc, registry, state, json }).await
        }
    };
    ExitCode::from(code)
}
