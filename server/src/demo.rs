//! The demo store: on first start with an empty database (and unless
//! `COLOPHON_DEMO=0`), three demo creators publish a dozen listings whose
//! files are made here — procedural images, tiny synthetic LoRAs and
//! real-shaped ComfyUI workflows — through the same upload path as the
//! Studio (signed `ContentRegistered` statements, validation, one
//! transaction each), and demo collectors buy a few. The anchorer then
//! anchors it all on the local chain. Everything says "demo".
//!
//! Demo keys are generated here and dropped after seeding: no one can sign
//! for a demo creator afterwards, and no demo account can sign in.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{Duration, Utc};
use colophon_provenance::{ContentHash, ContentKind, SigningKey, Statement};
use colophon_store::{ListingDraft, ListingKind, ListingStatus, NewKey, NewLogEntry};
use serde_json::json;

use crate::{state::AppState, uploads::CompleteUpload};

/// A password hash that matches no password: demo accounts cannot sign in.
const NO_PASSWORD: &str = "!demo-account";

struct DemoCreator {
    handle: &'static str,
    name: &'static str,
    bio: &'static str,
}

const CREATORS: [DemoCreator; 3] = [
    DemoCreator {
        handle: "demo-mira",
        name: "Mira Okafor (demo)",
        bio: "Demo creator made by Colophon's seed: interference patterns and tides. Not a real artist.",
    },
    DemoCreator {
        handle: "demo-juno",
        name: "Juno Vale (demo)",
        bio: "Demo creator made by Colophon's seed: LoRAs and the workflows that use them. Not a real artist.",
    },
    DemoCreator {
        handle: "demo-tomas",
        name: "Tomás Ferreira (demo)",
        bio: "Demo creator made by Colophon's seed: tiles, grids and moiré. Not a real artist.",
    },
];

enum Art {
    Tides,
    Rings,
    Truchet,
    Moire,
    Warp,
    Grid,
}

struct Window {
    starts_in_hours: Option<i64>,
    ends_in_hours: Option<i64>,
}

const OPEN: Window = Window { starts_in_hours: None, ends_in_hours: None };

struct DemoListing {
    creator: usize,
    title: &'static str,
    description: &'static str,
    tags: &'static str,
    price_minor: i64,
    what: What,
    window: Window,
    cap: Option<i64>,
    /// Demo collectors buy this many.
    sales: usize,
}

enum What {
    Edition(Art, i64),
    Lora(&'static str),
    Workflow(&'static str, u64),
}

fn listings() -> Vec<DemoListing> {
    use What::*;
    vec![
        DemoListing {
            creator: 0,
            title: "Tidal Memory",
            description: "Interfering swells in ink blue, rendered from two sine fields.",
            tags: "ocean,ink,generative",
            price_minor: 4800,
            what: Edition(Art::Tides, 25),
            window: OPEN,
            cap: Some(2),
            sales: 3,
        },
        DemoListing {
            creator: 0,
            title: "Dawn Rings",
            description: "Concentric rings warming from violet to gold.",
            tags: "sunrise,rings,generative",
            price_minor: 2500,
            what: Edition(Art::Rings, 10),
            window: Window { starts_in_hours: None, ends_in_hours: Some(72) },
            cap: None,
            sales: 2,
        },
        DemoListing {
            creator: 0,
            title: "Undertow",
            description: "A domain-warped current; a very small edition, already sold out.",
            tags: "ocean,warp",
            price_minor: 9000,
            what: Edition(Art::Warp, 3),
            window: OPEN,
            cap: None,
            sales: 3,
        },
        DemoListing {
            creator: 2,
            title: "Truchet Garden",
            description: "Quarter-circle tiles turned by a hash of their position.",
            tags: "tiles,truchet,pattern",
            price_minor: 1800,
            what: Edition(Art::Truchet, 50),
            window: OPEN,
            cap: None,
            sales: 1,
        },
        DemoListing {
            creator: 2,
            title: "Moiré Lantern",
            description: "Two families of circles, slightly apart.",
            tags: "moire,circles",
            price_minor: 3200,
            what: Edition(Art::Moire, 12),
            window: Window { starts_in_hours: Some(48), ends_in_hours: None },
            cap: None,
            sales: 0,
        },
        DemoListing {
            creator: 2,
            title: "Quiet Grid",
            description: "A grid of muted squares, each colour drawn from the cell's hash.",
            tags: "grid,minimal",
            price_minor: 1200,
            what: Edition(Art::Grid, 100),
            window: OPEN,
            cap: Some(5),
            sales: 0,
        },
        DemoListing {
            creator: 1,
            title: "Watercolor Wash LoRA",
            description: "A tiny synthetic SDXL LoRA for soft watercolour washes (demo weights).",
            tags: "lora,sdxl,watercolor",
            price_minor: 1500,
            what: Lora("watercolor wash"),
            window: OPEN,
            cap: None,
            sales: 1,
        },
        DemoListing {
            creator: 1,
            title: "Linocut Texture LoRA",
            description: "Synthetic LoRA: carved linocut grain (demo weights).",
            tags: "lora,sdxl,linocut,print",
            price_minor: 1200,
            what: Lora("linocut"),
            window: OPEN,
            cap: None,
            sales: 0,
        },
        DemoListing {
            creator: 1,
            title: "Ink Bloom LoRA",
            description: "Synthetic LoRA: ink blooming in water (demo weights).",
            tags: "lora,sd15,ink",
            price_minor: 900,
            what: Lora("ink bloom"),
            window: OPEN,
            cap: None,
            sales: 0,
        },
        DemoListing {
            creator: 1,
            title: "Watercolor Portrait Workflow",
            description: "txt2img with the Watercolor Wash LoRA at 0.8, 28 steps, DPM++ 2M Karras.",
            tags: "workflow,comfyui,portrait",
            price_minor: 600,
            what: Workflow("a watercolor portrait, soft washes", 1_234_567),
            window: OPEN,
            cap: None,
            sales: 1,
        },
        DemoListing {
            creator: 1,
            title: "Linocut Poster Workflow",
            description: "txt2img + upscale for poster-sized linocut prints.",
            tags: "workflow,comfyui,poster",
            price_minor: 800,
            what: Workflow("a linocut poster of a lighthouse", 42),
            window: OPEN,
            cap: None,
            sales: 0,
        },
        DemoListing {
            creator: 0,
            title: "Tide Study Workflow",
            description: "The graph behind the tide studies: seed sweep over a fixed prompt.",
            tags: "workflow,comfyui,ocean",
            price_minor: 500,
            what: Workflow("ocean tide study, ink on paper", 7),
            window: OPEN,
            cap: None,
            sales: 0,
        },
    ]
}

/// Seeds the demo store when the ledger is empty. Returns whether it did.
/// On the local chain with wallet payments: each demo creator without a payout
/// address gets one of anvil's dev wallets (from the 5th on; the first ones
/// are left for buyers), so the demo store can be paid from a browser wallet.
pub async fn give_payout_addresses(store: &colophon_store::Store) -> anyhow::Result<()> {
    for (c, wallet) in CREATORS.iter().zip(crate::devchain::DEV_WALLETS.iter().skip(4)) {
        let email = format!("{}@demo.colophon.invalid", c.handle);
        let Some((account, _)) = store.account_credentials(&email).await? else { continue };
        let Some(creator) = store.account(account).await?.and_then(|a| a.creator) else { continue };
        if store.creator_payout_address(creator.id).await?.is_none() {
            store.set_creator_payout_address(creator.id, wallet).await?;
        }
    }
    Ok(())
}

pub async fn seed_if_empty(state: &AppState) -> anyhow::Result<bool> {
    if state.store.log_size().await? > 0 {
        return Ok(false);
    }
    tracing::info!("empty database: seeding the demo store (COLOPHON_DEMO=0 disables this)");
    let now = Utc::now();
    let mut creators = Vec::new();
    for c in &CREATORS {
        let account =
            state.store.create_account(&format!("{}@demo.colophon.invalid", c.handle), NO_PASSWORD, now).await?;
        let creator_id = state.store.become_creator(account, c.handle, c.name, c.bio, now).await?;
        let key = SigningKey::from_seed(&rand::random());
        let signed = Statement::KeyRegistered {
            public_key: key.public_key().to_bytes(),
            account: c.handle.into(),
            time_ms: ms(now),
        }
        .sign(&key)?;
        state
            .store
            .register_key(&NewKey {
                creator_id,
                key_id: key.public_key().key_id().0,
                public_key: key.public_key().to_bytes(),
                entry: NewLogEntry::from_signed(&signed, now),
                replaces: None,
            })
            .await?;
        let row = state.store.account(account).await?.context("demo account vanished")?;
        creators.push((row, key));
    }
    let mut collectors = Vec::new();
    for i in 1..=4 {
        collectors
            .push(state.store.create_account(&format!("collector-{i}@demo.colophon.invalid"), NO_PASSWORD, now).await?);
    }

    for (n, l) in listings().into_iter().enumerate() {
        let (account, key) = &creators[l.creator];
        let creator = account.creator.as_ref().context("demo creator")?;
        let (kind, edition_size, bytes, content_kind) = match &l.what {
            What::Edition(art, size) => {
                (ListingKind::Edition, Some(*size), render(art, n as u32), ContentKind::EditionImage)
            }
            What::Lora(style) => (ListingKind::Lora, None, lora(style), ContentKind::Lora),
            What::Workflow(prompt, seed) => {
                (ListingKind::Workflow, None, workflow(prompt, *seed), ContentKind::Workflow)
            }
        };
        let terms = colophon_formats::LicenseTerms {
            version: 1,
            personal_use: true,
            commercial_use: kind != ListingKind::Edition,
            derivatives: kind != ListingKind::Edition,
            credit_required: true,
            redistribution: false,
            notes: "Demo listing generated by Colophon's seed.".into(),
        };
        let slug =
            format!("{}-demo", colophon_catalog::Slug::from_title(l.title).map(|s| s.to_string()).unwrap_or_default());
        let listing_id = state
            .store
            .create_draft(&ListingDraft {
                creator_id: creator.id,
                slug: &slug,
                kind,
                title: l.title,
                description: &format!("{} (Demo listing.)", l.description),
                price_minor: l.price_minor,
                currency: "USD",
                edition_size,
                sale_starts_at: l.window.starts_in_hours.map(|h| now + Duration::hours(h)),
                sale_ends_at: l.window.ends_in_hours.map(|h| now + Duration::hours(h)),
                per_account_cap: l.cap,
                royalty_bps: if kind == ListingKind::Edition { colophon_catalog::DEFAULT_ROYALTY_BPS } else { 0 },
                tags: &format!("demo,{}", l.tags),
                license_json: &serde_json::to_string(&terms)?,
                license_hash: terms.hash().0,
                created_at: now,
            })
            .await?;
        upload(state, account, key, listing_id, &bytes, content_kind, terms.hash()).await?;
        state.store.set_listing_status(listing_id, creator.id, ListingStatus::Published, Utc::now()).await?;
        for (i, buyer) in collectors.iter().cycle().skip(n).take(l.sales).enumerate() {
            let key = format!("demo-seed-{n}-{i}");
            state.market.buy(*buyer, None, listing_id, l.price_minor, &key, Utc::now()).await?;
        }
    }
    tracing::info!("demo store seeded: 3 creators, 12 listings");
    Ok(true)
}

fn ms(t: chrono::DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp_millis()).unwrap_or_default()
}

/// Through the same path as the Studio: start, one chunk, signed completion.
async fn upload(
    state: &AppState,
    account: &colophon_store::AccountRow,
    key: &SigningKey,
    listing_id: i64,
    bytes: &[u8],
    content_kind: ContentKind,
    license: ContentHash,
) -> anyhow::Result<()> {
    let hash = ContentHash::of(bytes);
    let start = crate::uploads::StartUpload { listing_id, size: bytes.len() as u64, sha256: hash.to_hex() };
    let up = state.uploads.start(account, start).await.map_err(|e| anyhow::anyhow!("demo upload: {e}"))?;
    let body = axum::body::Body::from(bytes.to_vec());
    state.uploads.put_chunk(account, &up.upload_id, 0, body).await.map_err(|e| anyhow::anyhow!("demo upload: {e}"))?;
    // Like the Studio: an image's statement carries the hash the upload status reports.
    let status = state.uploads.status(account, &up.upload_id).await.map_err(|e| anyhow::anyhow!("demo upload: {e}"))?;
    let perceptual_hash = status.perceptual_hash.and_then(|h| hex::decode(h).ok());
    let parents = match content_kind {
        ContentKind::Lora => colophon_formats::lora::parse_header(bytes, bytes.len() as u64, bytes.len() as u64)
            .ok()
            .and_then(|h| h.info.base_model_hash)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let signed = Statement::ContentRegistered {
        content_hash: hash,
        content_kind,
        size: bytes.len() as u64,
        creator_key: key.public_key().key_id(),
        listing_id: up.listing_ref.clone(),
        file_id: up.file_id.clone(),
        parents,
        license_terms: Some(license),
        perceptual_hash,
        time_ms: ms(Utc::now()),
    }
    .sign(key)?;
    let done =
        CompleteUpload { statement_hex: hex::encode(&signed.bytes), signature_hex: hex::encode(signed.signature) };
    state.uploads.complete(account, &up.upload_id, done).await.map_err(|e| anyhow::anyhow!("demo upload: {e}"))?;
    Ok(())
}

/// A 512×512 procedural PNG.
fn render(art: &Art, seed: u32) -> Vec<u8> {
    const SIZE: u32 = 512;
    let hash = |x: u32, y: u32| -> u32 {
        let mut h = x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B) ^ seed.wrapping_mul(0xC2B2_AE35);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^ (h >> 12)
    };
    let mix = |a: [f32; 3], b: [f32; 3], t: f32| {
        let t = t.clamp(0.0, 1.0);
        [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
    };
    let img = image::RgbImage::from_fn(SIZE, SIZE, |px, py| {
        let (x, y) = (px as f32 / SIZE as f32, py as f32 / SIZE as f32);
        let c = match art {
            Art::Tides => {
                let v =
                    ((x * 23.0 + (y * 7.0).sin() * 2.0).sin() + (y * 31.0 + (x * 5.0).cos() * 3.0).sin()) * 0.25 + 0.5;
                mix([8.0, 24.0, 58.0], [180.0, 214.0, 230.0], v)
            }
            Art::Rings => {
                let r = ((x - 0.5).powi(2) + (y - 0.62).powi(2)).sqrt();
                let band = ((r * 60.0).sin() * 0.5 + 0.5) * 0.35;
                mix([60.0, 30.0, 110.0], [250.0, 190.0, 70.0], 1.0 - r * 1.6 + band)
            }
            Art::Truchet => {
                let (cx, cy) = (px / 32, py / 32);
                let (fx, fy) = ((px % 32) as f32 / 32.0, (py % 32) as f32 / 32.0);
                let fx = if hash(cx, cy) & 1 == 1 { 1.0 - fx } else { fx };
                let d = (fx.hypot(fy) - 0.5).abs().min(((1.0 - fx).hypot(1.0 - fy) - 0.5).abs());
                if d < 0.09 { [30.0, 90.0, 60.0] } else { [236.0, 230.0, 214.0] }
            }
            Art::Moire => {
                let a = ((x - 0.45).hypot(y - 0.5) * 160.0).sin();
                let b = ((x - 0.55).hypot(y - 0.5) * 160.0).sin();
                mix([20.0, 20.0, 28.0], [240.0, 170.0, 60.0], (a * b) * 0.5 + 0.5)
            }
            Art::Warp => {
                let wx = x + 0.15 * (y * 9.0).sin();
                let wy = y + 0.15 * (x * 7.0).cos();
                let v = (wx * 14.0 + (wy * 11.0).sin() * 2.5).sin() * 0.5 + 0.5;
                mix([6.0, 40.0, 48.0], [120.0, 220.0, 200.0], v)
            }
            Art::Grid => {
                let h = hash(px / 64, py / 64);
                let edge = px % 64 < 4 || py % 64 < 4;
                if edge {
                    [245.0, 242.0, 235.0]
                } else {
                    [120.0 + (h & 63) as f32, 110.0 + ((h >> 6) & 63) as f32, 100.0 + ((h >> 12) & 63) as f32]
                }
            }
        };
        let grain = (hash(px, py) & 7) as f32 - 3.5;
        image::Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Writing a PNG to memory cannot fail for an RGB image.
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// A tiny synthetic LoRA with kohya metadata.
fn lora(style: &str) -> Vec<u8> {
    let base = ContentHash::of(b"demo base model: sd_xl_base_1.0");
    let md = BTreeMap::from([
        ("ss_network_module".to_owned(), "networks.lora".to_owned()),
        ("ss_network_dim".to_owned(), "8".to_owned()),
        ("ss_network_alpha".to_owned(), "4".to_owned()),
        ("ss_base_model_version".to_owned(), "sdxl_base_v1-0".to_owned()),
        ("ss_sd_model_name".to_owned(), "sd_xl_base_1.0.safetensors".to_owned()),
        ("ss_new_sd_model_hash".to_owned(), base.to_hex()),
        ("ss_resolution".to_owned(), "(1024, 1024)".to_owned()),
        ("ss_num_epochs".to_owned(), "10".to_owned()),
        ("ss_learning_rate".to_owned(), "0.0001".to_owned()),
        ("ss_tag_frequency".to_owned(), json!({"demo": {style: 40, "demo": 12}}).to_string()),
        ("colophon_demo".to_owned(), "true".to_owned()),
    ]);
    colophon_formats::lora::synthesize(
        &["lora_unet_input_blocks_4_1_proj_in", "lora_te1_text_model_encoder_layers_0_self_attn_q_proj"],
        8,
        64,
        &md,
        style.len() as u64,
    )
}

/// A ComfyUI API-format txt2img graph with a LoRA.
fn workflow(prompt: &str, seed: u64) -> Vec<u8> {
    let graph = json!({
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1], "lora_name": "watercolor_wash_demo.safetensors", "strength_model": 0.8, "strength_clip": 0.8}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": prompt, "clip": ["10", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry, lowres", "clip": ["10", 1]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
        "3": {"class_type": "KSampler", "inputs": {"model": ["10", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0], "seed": seed, "steps": 28, "cfg": 6.5, "sampler_name": "dpmpp_2m", "scheduler": "karras", "denoise": 1.0}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "colophon_demo"}}
    });
    serde_json::to_vec_pretty(&graph).unwrap_or_default()
}
