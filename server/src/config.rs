//! Typed configuration from environment variables. Every variable has a
//! default that needs no editing for `make run`; see the README for the list.

use std::{net::SocketAddr, path::PathBuf, str::FromStr};

use alloy::primitives::Address;
use secrecy::SecretString;

/// A configuration error, naming the variable and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{name} must be set when {because}")]
    Missing { name: &'static str, because: &'static str },
}

/// Everything the server reads from the environment.
#[derive(Debug)]
pub struct Config {
    /// `COLOPHON_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `COLOPHON_DATA_DIR`: database file, chain state and files (default `./data`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…` (default: SQLite in the data dir).
    pub database_url: SecretString,
    /// `COLOPHON_SITE_ROOT`: built CSS, JS and wasm (default `target/site`).
    pub site_root: PathBuf,
    /// The chain: a local anvil, or a node at `COLOPHON_RPC_URL`.
    pub chain: ChainConfig,
    /// `COLOPHON_ANCHOR_INTERVAL` (seconds, default 30), `COLOPHON_ANCHOR_BATCH`
    /// (default 1000) and `COLOPHON_CONFIRMATIONS` (default 1).
    pub anchor: crate::jobs::anchor::AnchorSettings,
    /// `COLOPHON_PUBLIC_URL`: the site's address as users see it (e.g.
    /// `https://colophon.example`). When it is https, cookies are `Secure`.
    pub public_url: Option<String>,
    /// `COLOPHON_MAX_IMAGE_BYTES`, `COLOPHON_MAX_WORKFLOW_BYTES`, `COLOPHON_MAX_LORA_BYTES`.
    pub upload_limits: crate::uploads::UploadLimits,
    /// `COLOPHON_OPERATOR_KEY`: the marketplace's signing key file (default
    /// `DATA_DIR/operator.key`, created on first start; docs/FORMATS.md §11).
    pub operator_key: PathBuf,
    /// `COLOPHON_DEMO`: seed the demo store into an empty database (default on; `0` disables).
    pub demo: bool,
    /// `COLOPHON_PREVIEW_BACKEND`: `auto` (a hardware GPU if present, else the CPU), `gpu` or `cpu`.
    pub preview_backend: colophon_previews::Backend,
    /// `COLOPHON_PREVIEW_WORKERS`: previews rendered at once (default 2; 0 runs no worker in this process).
    pub preview_workers: usize,
    /// `COLOPHON_PUBLIC_RPC_URL`: the chain RPC the verify page suggests to
    /// browsers for its on-chain root check (default: the local anvil's URL;
    /// none for a remote chain, whose `COLOPHON_RPC_URL` may hold an API key).
    pub public_rpc_url: Option<String>,
    /// `COLOPHON_WEBHOOK_RETRY_BASE_MS` and `COLOPHON_WEBHOOK_ALLOW_PRIVATE`.
    pub webhooks: crate::jobs::webhooks::WebhookSettings,
    /// `COLOPHON_OBJECT_STORE`: where originals, previews and avatars live.
    pub object_store: ObjectStoreConfig,
    /// `COLOPHON_PAYMENTS`: `test` (the default: no money moves) or `chain`.
    pub payments: PaymentsConfig,
    /// `COLOPHON_METRICS_TOKEN`: the bearer token `/metrics` asks for (at
    /// least 32 characters). Unset, `/metrics` answers 404: it is never public.
    pub metrics_token: Option<SecretString>,
    /// `COLOPHON_RATE_SEARCH` (per client address), `COLOPHON_RATE_API` (per
    /// API token), `COLOPHON_RATE_UPLOADS` (upload starts per account): requests
    /// per minute, `0` for no limit.
    pub rates: crate::limits::RateSettings,
    /// `COLOPHON_PAGE_CACHE_MS`: how long anonymous pages are kept (default
    /// 1000; `0` renders every request).
    pub page_cache: crate::page_cache::Settings,
}

/// How buyers pay (`COLOPHON_PAYMENTS`).
#[derive(Debug)]
pub enum PaymentsConfig {
    /// Every payment succeeds and no money moves; pages say so.
    Test,
    /// From the buyer's wallet to the sales contract (docs/FORMATS.md §14).
    Chain(ChainPayments),
}

/// Chain payments' settings.
#[derive(Debug)]
pub struct ChainPayments {
    /// `COLOPHON_ETH_USD_CENTS`: US cents per ETH for ETH prices (default 300000: $3,000).
    pub eth_usd_cents: u64,
    /// `COLOPHON_FEE_BPS`: the platform's fee, basis points of each payment (default 500; at most 2000).
    pub fee_bps: u16,
    /// `COLOPHON_PAYMENT_CONFIRMATIONS`: blocks on top of a payment before its
    /// order is issued (default: `COLOPHON_CONFIRMATIONS`).
    pub confirmations: u64,
    /// `COLOPHON_SALES_KEY_FILE`: the sales signer's secp256k1 key as hex
    /// (default `DATA_DIR/sales-signer.key`, created on the local chain).
    pub sales_key_file: PathBuf,
    /// `COLOPHON_SALES_CONTRACT` and `COLOPHON_USD_TOKEN`: the deployed
    /// contract and the stablecoin it allows (a remote chain needs both; the
    /// local chain deploys its own).
    pub contracts: Option<(Address, Address)>,
    /// `COLOPHON_SALES_START_BLOCK`: the block the deployed contract was
    /// created in, where the payment watcher and payouts start reading its
    /// events on a chain never read before (default 0; the local chain
    /// remembers its own).
    pub start_block: u64,
}

/// Where files are kept (`COLOPHON_OBJECT_STORE`).
#[derive(Debug)]
pub enum ObjectStoreConfig {
    /// `local` (the default): a directory, `DATA_DIR/files`.
    Local,
    /// `s3://BUCKET[/PREFIX]`: Amazon S3 or any S3-compatible store, set up by
    /// the standard `AWS_*` variables ([`S3_VARIABLES`]).
    S3 {
        bucket: String,
        /// Keys are stored under this prefix (no leading or trailing `/`); may be empty.
        prefix: String,
        /// The `AWS_*` variables that were set, by name (values are secret).
        options: Vec<(&'static str, SecretString)>,
    },
}

/// The `AWS_*` variables read for an S3 object store (object_store's names).
/// Unset ones fall back to object_store's own defaults; credentials may also
/// come from the instance, container or web-identity providers these name.
pub const S3_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_ENDPOINT_URL_STS",
    "AWS_METADATA_ENDPOINT",
    "AWS_IMDSV1_FALLBACK",
    "AWS_UNSIGNED_PAYLOAD",
    "AWS_CHECKSUM_ALGORITHM",
    "AWS_SERVER_SIDE_ENCRYPTION",
    "AWS_SSE_KMS_KEY_ID",
    "AWS_SSE_BUCKET_KEY_ENABLED",
    "AWS_REQUEST_PAYER",
];

impl ObjectStoreConfig {
    fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let Some(raw) = var("COLOPHON_OBJECT_STORE") else { return Ok(Self::Local) };
        let raw = raw.trim();
        if raw == "local" {
            return Ok(Self::Local);
        }
        let invalid = |reason: &str| ConfigError::Invalid { name: "COLOPHON_OBJECT_STORE", reason: reason.into() };
        let rest = raw.strip_prefix("s3://").ok_or_else(|| invalid("use local or s3://BUCKET[/PREFIX]"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket naming rules: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit.
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(3..=63).contains(&bucket.len())
            || !bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            || !edge_ok(bucket.chars().next())
            || !edge_ok(bucket.chars().last())
        {
            return Err(invalid("the bucket name must be 3 to 63 characters of a-z, 0-9, '.' and '-'"));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part.is_empty() || part == "." || part == "..") && !prefix.is_empty() {
            return Err(invalid("the prefix must be path segments without empty, '.' or '..' parts"));
        }
        let options =
            S3_VARIABLES.iter().filter_map(|name| var(name).map(|v| (*name, SecretString::from(v)))).collect();
        Ok(Self::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned(), options })
    }
}

/// Which chain to anchor on.
#[derive(Debug)]
pub enum ChainConfig {
    /// Start anvil with its state in the data dir and deploy the registry once.
    Local(LocalChain),
    /// Use an existing node and an already deployed registry.
    Remote(RemoteChain),
}

/// `make run`'s default chain.
#[derive(Clone, Debug)]
pub struct LocalChain {
    /// `COLOPHON_ANVIL_BIN` (default `anvil` on PATH).
    pub anvil_bin: PathBuf,
    /// `COLOPHON_ANVIL_PORT` (default 8545; 0 picks a free port).
    pub port: u16,
    /// `COLOPHON_CHAIN_ID` (default 31337).
    pub chain_id: u64,
}

/// A chain run by someone else.
#[derive(Debug)]
pub struct RemoteChain {
    /// `COLOPHON_RPC_URL` (secret: hosted RPC URLs often embed an API key).
    pub rpc_url: SecretString,
    /// `COLOPHON_CHAIN_ID`, checked against the node when set.
    pub chain_id: Option<u64>,
    /// `COLOPHON_REGISTRY_ADDRESS`.
    pub registry: Address,
    /// `COLOPHON_ANCHOR_KEY_FILE`: a file holding the anchorer's secp256k1
    /// private key as hex. Without it the server reads the chain but does not anchor.
    pub anchor_key_file: Option<PathBuf>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr = parsed(&var, "COLOPHON_ADDR")?.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let data_dir = var("COLOPHON_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from);
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("colophon.db").display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: "use sqlite://PATH or postgres://USER@HOST/DB".into(),
            });
        }
        let site_root = var("COLOPHON_SITE_ROOT").map_or_else(|| PathBuf::from("target/site"), PathBuf::from);
        let chain_id: Option<u64> = parsed(&var, "COLOPHON_CHAIN_ID")?;

        let chain = match var("COLOPHON_RPC_URL") {
            Some(rpc_url) => {
                let registry = parsed(&var, "COLOPHON_REGISTRY_ADDRESS")?.ok_or(ConfigError::Missing {
                    name: "COLOPHON_REGISTRY_ADDRESS",
                    because: "COLOPHON_RPC_URL points at an existing chain",
                })?;
                ChainConfig::Remote(RemoteChain {
                    rpc_url: rpc_url.into(),
                    chain_id,
                    registry,
                    anchor_key_file: var("COLOPHON_ANCHOR_KEY_FILE").map(PathBuf::from),
                })
            }
            None => ChainConfig::Local(LocalChain {
                anvil_bin: var("COLOPHON_ANVIL_BIN").map_or_else(|| PathBuf::from("anvil"), PathBuf::from),
                port: parsed(&var, "COLOPHON_ANVIL_PORT")?.unwrap_or(8545),
                chain_id: chain_id.unwrap_or(31337),
            }),
        };

        let defaults = crate::jobs::anchor::AnchorSettings::default();
        let anchor = crate::jobs::anchor::AnchorSettings {
            interval: parsed::<u64>(&var, "COLOPHON_ANCHOR_INTERVAL")?
                .map_or(defaults.interval, std::time::Duration::from_secs),
            batch: parsed(&var, "COLOPHON_ANCHOR_BATCH")?.unwrap_or(defaults.batch).max(1),
            confirmations: parsed(&var, "COLOPHON_CONFIRMATIONS")?.unwrap_or(defaults.confirmations).max(1),
        };

        let public_url = var("COLOPHON_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned());
        if let Some(u) = &public_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: "COLOPHON_PUBLIC_URL",
                reason: "use http://… or https://…".into(),
            });
        }
        let public_rpc_url = var("COLOPHON_PUBLIC_RPC_URL").map(|u| u.trim().to_owned());
        if let Some(u) = &public_rpc_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: "COLOPHON_PUBLIC_RPC_URL",
                reason: "use http://… or https://… (browsers call it with fetch)".into(),
            });
        }
        let metrics_token = var("COLOPHON_METRICS_TOKEN").map(|t| t.trim().to_owned());
        if metrics_token.as_ref().is_some_and(|t| t.len() < 32) {
            return Err(ConfigError::Invalid {
                name: "COLOPHON_METRICS_TOKEN",
                reason: "use at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
            });
        }
        let rate_defaults = crate::limits::RateSettings::default();
        let page_cache = crate::page_cache::Settings {
            ttl: parsed::<u64>(&var, "COLOPHON_PAGE_CACHE_MS")?
                .map_or(crate::page_cache::Settings::default().ttl, std::time::Duration::from_millis),
            ..crate::page_cache::Settings::default()
        };
        let rates = crate::limits::RateSettings {
            sign_in_per_minute: parsed(&var, "COLOPHON_RATE_SIGN_IN")?.unwrap_or(rate_defaults.sign_in_per_minute),
            search_per_minute: parsed(&var, "COLOPHON_RATE_SEARCH")?.unwrap_or(rate_defaults.search_per_minute),
            api_per_minute: parsed(&var, "COLOPHON_RATE_API")?.unwrap_or(rate_defaults.api_per_minute),
            uploads_per_minute: parsed(&var, "COLOPHON_RATE_UPLOADS")?.unwrap_or(rate_defaults.uploads_per_minute),
        };
        let webhook_defaults = crate::jobs::webhooks::WebhookSettings::default();
        let webhooks = crate::jobs::webhooks::WebhookSettings {
            retry_base: parsed::<u64>(&var, "COLOPHON_WEBHOOK_RETRY_BASE_MS")?
                .map_or(webhook_defaults.retry_base, std::time::Duration::from_millis),
            allow_private: matches!(var("COLOPHON_WEBHOOK_ALLOW_PRIVATE").as_deref(), Some("1" | "true" | "on")),
        };
        let object_store = ObjectStoreConfig::from_lookup(&var)?;
        let payments = match var("COLOPHON_PAYMENTS").as_deref().map(str::trim) {
            None | Some("test") => PaymentsConfig::Test,
            Some("chain") => {
                let fee_bps = parsed::<u16>(&var, "COLOPHON_FEE_BPS")?.unwrap_or(500);
                if fee_bps > 2000 {
                    return Err(ConfigError::Invalid {
                        name: "COLOPHON_FEE_BPS",
                        reason: "the sales contract accepts at most 2000 (20 %)".into(),
                    });
                }
                let contract: Option<Address> = parsed(&var, "COLOPHON_SALES_CONTRACT")?;
                let usd: Option<Address> = parsed(&var, "COLOPHON_USD_TOKEN")?;
                let contracts = match (contract, usd) {
                    (Some(c), Some(u)) => Some((c, u)),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "COLOPHON_SALES_CONTRACT",
                            reason: "set it and COLOPHON_USD_TOKEN together, or neither".into(),
                        });
                    }
                };
                if contracts.is_none() && matches!(chain, ChainConfig::Remote(_)) {
                    return Err(ConfigError::Missing {
                        name: "COLOPHON_SALES_CONTRACT",
                        because: "chain payments on COLOPHON_RPC_URL need the deployed sales contract",
                    });
                }
                PaymentsConfig::Chain(ChainPayments {
                    eth_usd_cents: parsed(&var, "COLOPHON_ETH_USD_CENTS")?.unwrap_or(300_000),
                    fee_bps,
                    confirmations: parsed(&var, "COLOPHON_PAYMENT_CONFIRMATIONS")?.unwrap_or(anchor.confirmations),
                    sales_key_file: var("COLOPHON_SALES_KEY_FILE")
                        .map_or_else(|| data_dir.join("sales-signer.key"), PathBuf::from),
                    contracts,
                    start_block: parsed(&var, "COLOPHON_SALES_START_BLOCK")?.unwrap_or(0),
                })
            }
            Some(_) => {
                return Err(ConfigError::Invalid { name: "COLOPHON_PAYMENTS", reason: "use test or chain".into() });
            }
        };
        let d = crate::uploads::UploadLimits::default();
        let upload_limits = crate::uploads::UploadLimits {
            image: parsed(&var, "COLOPHON_MAX_IMAGE_BYTES")?.unwrap_or(d.image),
            workflow: parsed(&var, "COLOPHON_MAX_WORKFLOW_BYTES")?.unwrap_or(d.workflow),
            lora: parsed(&var, "COLOPHON_MAX_LORA_BYTES")?.unwrap_or(d.lora),
            chunk: d.chunk,
            decode_total: parsed::<u64>(&var, "COLOPHON_DECODE_MEMORY_MIB")?.map_or(d.decode_total, |mib| mib << 20),
        };
        Ok(Self {
            addr,
            demo: !matches!(var("COLOPHON_DEMO").as_deref(), Some("0" | "false" | "off")),
            preview_backend: parsed(&var, "COLOPHON_PREVIEW_BACKEND")?.unwrap_or(colophon_previews::Backend::Auto),
            preview_workers: parsed(&var, "COLOPHON_PREVIEW_WORKERS")?.unwrap_or(2),
            operator_key: var("COLOPHON_OPERATOR_KEY").map_or_else(|| data_dir.join("operator.key"), PathBuf::from),
            data_dir,
            database_url: database_url.into(),
            site_root,
            chain,
            anchor,
            public_url,
            public_rpc_url,
            webhooks,
            upload_limits,
            object_store,
            payments,
            metrics_token: metrics_token.map(SecretString::from),
            rates,
            page_cache,
        })
    }
}

fn parsed<T>(var: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    var(name)
        .map(|raw| raw.trim().parse::<T>().map_err(|e| ConfigError::Invalid { name, reason: e.to_string() }))
        .transpose()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret as _;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_editing() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url.expose_secret(), "sqlite://data/colophon.db");
        assert!(matches!(c.chain, ChainConfig::Local(LocalChain { port: 8545, chain_id: 31337, .. })));
    }

    #[test]
    fn database_follows_data_dir_unless_set() {
        let c = config(&[("COLOPHON_DATA_DIR", "/tmp/x")]).expect("valid");
        assert_eq!(c.database_url.expose_secret(), "sqlite:///tmp/x/colophon.db");
        let c = config(&[("DATABASE_URL", "postgres://u@h/db")]).expect("valid");
        assert_eq!(c.database_url.expose_secret(), "postgres://u@h/db");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("COLOPHON_ADDR", "nope")]).expect_err("invalid");
        assert!(err.to_string().starts_with("COLOPHON_ADDR is not valid"), "{err}");
        let err = config(&[("DATABASE_URL", "mysql://x")]).expect_err("invalid");
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
        let err = config(&[("COLOPHON_RPC_URL", "http://node:8545")]).expect_err("registry missing");
        assert!(err.to_string().contains("COLOPHON_REGISTRY_ADDRESS"), "{err}");
    }

    #[test]
    fn chain_payments_on_a_remote_chain_need_the_contracts_and_may_start_late() {
        let remote = [
            ("COLOPHON_RPC_URL", "http://node:8545"),
            ("COLOPHON_REGISTRY_ADDRESS", "0x5FbDB2315678afecb367f032d93F642f64180aa3"),
        ];
        let err = config(&[remote[0], remote[1], ("COLOPHON_PAYMENTS", "chain")]).expect_err("no contract");
        assert!(err.to_string().contains("COLOPHON_SALES_CONTRACT"), "{err}");
        let c = config(&[
            remote[0],
            remote[1],
            ("COLOPHON_PAYMENTS", "chain"),
            ("COLOPHON_SALES_CONTRACT", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
            ("COLOPHON_USD_TOKEN", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"),
            ("COLOPHON_SALES_START_BLOCK", "19000000"),
        ])
        .expect("valid");
        let PaymentsConfig::Chain(p) = c.payments else { panic!("chain payments") };
        assert_eq!((p.start_block, p.fee_bps), (19_000_000, 500));
        let err =
            config(&[("COLOPHON_PAYMENTS", "chain"), ("COLOPHON_SALES_START_BLOCK", "soon")]).expect_err("bad block");
        assert!(err.to_string().contains("COLOPHON_SALES_START_BLOCK"), "{err}");
    }

    #[test]
    fn object_store_is_local_unless_an_s3_url_is_given() {
        assert!(matches!(config(&[]).expect("valid").object_store, ObjectStoreConfig::Local));
        assert!(matches!(
            config(&[("COLOPHON_OBJECT_STORE", "local")]).expect("valid").object_store,
            ObjectStoreConfig::Local
        ));
        let c = config(&[
            ("COLOPHON_OBJECT_STORE", "s3://colophon-files/prod/eu/"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-secret"),
            ("AWS_ENDPOINT", "https://s3.eu-central-1.amazonaws.com"),
            ("AWS_NOT_A_SETTING", "ignored"),
        ])
        .expect("valid");
        let ObjectStoreConfig::S3 { bucket, prefix, options } = &c.object_store else { panic!("expected S3") };
        assert_eq!((bucket.as_str(), prefix.as_str()), ("colophon-files", "prod/eu"));
        let names: Vec<_> = options.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT"]);
        assert!(!format!("{c:?}").contains("wJalrXUtnFEMI"), "credentials must not appear in Debug output");
        let ObjectStoreConfig::S3 { prefix, .. } =
            config(&[("COLOPHON_OBJECT_STORE", "s3://bucket.name-1")]).expect("valid").object_store
        else {
            panic!("expected S3")
        };
        assert_eq!(prefix, "");
    }

    #[test]
    fn bad_object_store_urls_say_what_is_wrong() {
        for (url, says) in [
            ("gs://bucket", "use local or s3://BUCKET[/PREFIX]"),
            ("/srv/files", "use local or s3://BUCKET[/PREFIX]"),
            ("s3://", "bucket name"),
            ("s3://Upper", "bucket name"),
            ("s3://ab", "bucket name"),
            ("s3://-bucket", "bucket name"),
            ("s3://bucket/a//b", "prefix"),
            ("s3://bucket/../etc", "prefix"),
        ] {
            let err = config(&[("COLOPHON_OBJECT_STORE", url)]).expect_err(url);
            let msg = err.to_string();
            assert!(msg.starts_with("COLOPHON_OBJECT_STORE is not valid") && msg.contains(says), "{url}: {msg}");
        }
    }

    #[test]
    fn remote_chain_and_secret_rpc_url() {
        let c = config(&[
            ("COLOPHON_RPC_URL", "https://rpc.example/v1/KEY"),
            ("COLOPHON_REGISTRY_ADDRESS", "0x5FbDB2315678afecb367f032d93F642f64180aa3"),
            ("COLOPHON_CHAIN_ID", "8453"),
        ])
        .expect("valid");
        let ChainConfig::Remote(remote) = c.chain else { panic!("expected a remote chain") };
        assert_eq!(remote.chain_id, Some(8453));
        assert!(!format!("{remote:?}").contains("KEY"), "the RPC URL must not appear in Debug output");
    }
}
