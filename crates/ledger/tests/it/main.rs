//! colophon-ledger against real parts: a TLS RPC endpoint, and the sales contract on anvil.

mod sales;
mod tls;
