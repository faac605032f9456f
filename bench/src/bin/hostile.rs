//! The hostile-upload memory check (#21): one creator sends 8 image uploads
//! at once — 4 that decode at the per-image ceiling (7,000×7,000 RGBA8:
//! 187 MiB of pixels from a 2 MiB file) and 4 whose header claims
//! 16,384×16,384 RGBA at 16 bits (3 GiB to decode) — each polled for its
//! status by 4 concurrent requests while it is completed. The server's
//! resident memory is sampled every 10 ms, through the uploads and then while
//! the preview worker renders the accepted images from the same budget (until
//! memory is back near idle for 2 s, or a minute), against its idle RSS.
//! Fails (exit 1) on any 5xx, a hostile file accepted, an honest one refused,
//! or growth past the decode budget plus 128 MiB of headroom.
//!
//! Usage: hostile   (env: COLOPHON_SERVER_BIN, COLOPHON_ANVIL_BIN, COLOPHON_DECODE_MEMORY_MIB)

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use colophon_bench::driver::{LocalServer, Tab, rss_kib};
use colophon_provenance::{ContentKind, SigningKey};
use reqwest::StatusCode;

/// A real PNG of `side`² RGBA8 pixels in 64-pixel tiles: a couple of MiB that
/// decode to `side`² × 4 bytes, as decompression bombs do.
fn big_png(side: u32) -> Vec<u8> {
    use image::ImageEncoder as _;
    let pixels: Vec<u8> =
        (0..side * side).flat_map(|i| [((i % side) / 64) as u8, ((i / side) / 64) as u8, 90, 255]).collect();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(&pixels, side, side, image::ExtendedColorType::Rgba8)
    .expect("png");
    out
}

/// A small PNG whose header claims `side`² RGBA pixels at 16 bits each channel.
fn deep_claim(side: u32, seed: u8) -> Vec<u8> {
    let mut png = colophon_bench::driver::png(1, 1, u64::from(seed));
    png[16..20].copy_from_slice(&side.to_be_bytes());
    png[20..24].copy_from_slice(&side.to_be_bytes());
    png[24] = 16;
    png[25] = 6;
    // The IHDR CRC, so the header itself is valid.
    let crc = {
        let mut c = 0xffff_ffffu32;
        for &b in &png[12..29] {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
            }
        }
        !c
    };
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bin = std::env::var_os("COLOPHON_SERVER_BIN")
        .map_or_else(|| PathBuf::from("target/release/colophon-server"), PathBuf::from);
    let budget_mib: u64 = std::env::var("COLOPHON_DECODE_MEMORY_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let data = tempfile::tempdir()?;
    let mut server = LocalServer::new(bin, data.path().join("data"));
    server.env("COLOPHON_DEMO", "0").env("COLOPHON_DECODE_MEMORY_MIB", &budget_mib.to_string());
    server.start().await?;
    let pid = server.pid().context("server pid")?;
    let result = run(&server.base(), pid, budget_mib).await;
    server.stop().await;
    result
}

async fn run(base: &str, pid: u32, budget_mib: u64) -> anyhow::Result<()> {
    let tab = Tab::new(base);
    tab.sign_up("hostile@bench.test").await?;
    let key = SigningKey::from_seed(&[77; 32]);
    tab.become_creator("hostile", &key).await?;
    let honest = Arc::new(big_png(7000));
    let files: Vec<(bool, Arc<Vec<u8>>)> = (0..8u8)
        .map(|i| if i % 2 == 0 { (true, honest.clone()) } else { (false, Arc::new(deep_claim(16_384, i))) })
        .collect();
    let mut listings = Vec::new();
    for i in 0..files.len() {
        listings.push(tab.create_listing("edition", &format!("Hostile {i}"), 10).await?);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(pid).context("rss")?;

    let peak = Arc::new(AtomicU64::new(idle));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for ((honest, bytes), listing) in files.into_iter().zip(listings) {
        let (tab, key) = (tab.clone(), SigningKey::from_seed(&[77; 32]));
        tasks.push(tokio::spawn(async move {
            let upload = tab.start_upload(&listing, &bytes).await?;
            let id = upload["upload_id"].as_str().context("id")?.to_owned();
            tab.send_from(&id, &bytes, 0, 8 << 20).await?;
            let polls: Vec<_> = (0..4)
                .map(|_| {
                    let (tab, id) = (tab.clone(), id.clone());
                    tokio::spawn(async move { tab.get_json(&format!("/api/v1/uploads/{id}")).await })
                })
                .collect();
            let (status, body) =
                tab.complete_upload(&key, &listing, &upload, ContentKind::EditionImage, &bytes).await?;
            let mut codes = vec![status];
            for p in polls {
                codes.push(p.await??.0);
            }
            anyhow::Ok((honest, codes, body))
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        let (honest, codes, body) = t.await??;
        if codes.iter().any(|c| c.is_server_error()) {
            failures.push(format!("a 5xx: {codes:?} {body}"));
        }
        match (honest, codes[0]) {
            (true, StatusCode::CREATED) | (false, StatusCode::BAD_REQUEST) => {}
            (h, s) => failures.push(format!("{} file answered {s}: {body}", if h { "an honest" } else { "a hostile" })),
        }
    }
    let took = started.elapsed();
    let uploads_peak = peak.load(Ordering::Relaxed);
    // The preview worker renders the accepted images next, from the same
    // budget: sample until memory has been back near idle for 2 s (60 s at most).
    let tail = Instant::now();
    let mut quiet = 0;
    while tail.elapsed() < Duration::from_secs(60) && quiet < 4 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        quiet = if rss_kib(pid).unwrap_or(0) < idle + (96 << 10) { quiet + 1 } else { 0 };
    }
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let peak = peak.load(Ordering::Relaxed);
    let grew_mib = (peak.saturating_sub(idle)) / 1024;
    println!(
        "hostile uploads: idle RSS {} MiB; peak {} MiB (+{} MiB) while 8 uploads (4 at the 256 MiB per-image ceiling, 4 claiming 3 GiB) and 32 status polls ran ({:.1} s); peak {} MiB (+{grew_mib} MiB) until their previews were rendered ({:.1} s more); decode budget {budget_mib} MiB",
        idle / 1024,
        uploads_peak / 1024,
        uploads_peak.saturating_sub(idle) / 1024,
        took.as_secs_f64(),
        peak / 1024,
        tail.elapsed().as_secs_f64()
    );
    if grew_mib > budget_mib + 128 {
        failures.push(format!("memory grew {grew_mib} MiB, past the {budget_mib} MiB budget and 128 MiB of headroom"));
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    Ok(())
}
