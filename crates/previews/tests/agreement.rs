//! The GPU renderer (on lavapipe in CI, pinned to Vulkan so a missing driver
//! fails instead of skipping) and the CPU renderer make the same previews and
//! the same perceptual hash; the CPU renderer is the fixed-point arithmetic
//! `plan` documents.

use std::sync::OnceLock;

use colophon_previews::gpu::{GpuOptions, GpuRenderer};
use colophon_previews::{Rendered, Source, cpu::CpuRenderer, phash, plan, watermark};

fn gpu() -> &'static GpuRenderer {
    static G: OnceLock<GpuRenderer> = OnceLock::new();
    G.get_or_init(|| {
        GpuRenderer::new(&GpuOptions::any())
            .expect("a Vulkan adapter (install mesa-vulkan-drivers for lavapipe): the GPU path must be tested")
    })
}

/// Deterministic test art: gradients, hard edges, fine stripes and noise.
fn art(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 4) as usize);
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let noise = (s & 31) as u8;
            let r = ((x * 255) / w.max(1)) as u8;
            let g: u8 = if (x / 7 + y / 5) % 2 == 0 { 230 } else { 20 };
            let circle = {
                let (dx, dy) = (x as i64 - w as i64 / 2, y as i64 - h as i64 / 3);
                dx * dx + dy * dy < (w.min(h) as i64 / 4).pow(2)
            };
            let b = if circle { 250 } else { ((y * 255) / h.max(1)) as u8 };
            v.extend_from_slice(&[r.saturating_add(noise), g.wrapping_add(noise), b, 255]);
        }
    }
    v
}

fn max_diff(a: &Rendered, b: &Rendered) -> u8 {
    let mut m = 0;
    for (pa, pb) in a.previews.iter().zip(&b.previews) {
        assert_eq!((pa.width, pa.height), (pb.width, pb.height));
        for (x, y) in pa.rgba.iter().zip(&pb.rgba) {
            m = m.max(x.abs_diff(*y));
        }
    }
    m
}

fn both(rgba: &[u8], w: u32, h: u32, gpu: &GpuRenderer) -> (Rendered, Rendered) {
    let src = Source::new(rgba, w, h).expect("source");
    let c = CpuRenderer.render(&src, "Ada Lovelace").expect("cpu render");
    let g = gpu.render(&src, "Ada Lovelace").expect("gpu render");
    (c, g)
}

#[test]
fn gpu_and_cpu_agree_on_previews_and_hash() {
    for (w, h, seed) in [(2000, 1500, 1), (1203, 2411, 2), (1700, 40, 3), (300, 200, 4), (33, 7, 5), (1, 1, 6)] {
        let rgba = art(w, h, seed);
        let (c, g) = both(&rgba, w, h, gpu());
        let d = max_diff(&c, &g);
        assert!(d <= 1, "{w}×{h}: previews differ by {d}");
        assert_eq!(c.phash, g.phash, "{w}×{h}: perceptual hashes differ");
        assert_eq!(c.phash, phash::phash_rgba(&rgba, w, h));
        let sizes: Vec<(u32, u32)> = c.previews.iter().map(|p| (p.width, p.height)).collect();
        let want: Vec<(u32, u32)> = plan::cascade(w, h).iter().map(|s| s.to).collect();
        assert_eq!(sizes, want);
        eprintln!("{w}×{h}: max channel difference {d}, phash {}", c.phash);
    }
}

#[test]
fn tiles_the_original_when_it_exceeds_one_binding() {
    let (w, h) = (2400, 1800);
    let rgba = art(w, h, 9);
    // 2 MiB bindings: the original (17 MB) goes up in bands of ~218 rows.
    let small =
        GpuRenderer::new(&GpuOptions { allow_software: true, max_band: Some(2 << 20) }).map_err(|e| e.to_string());
    let small = small.expect("a second device on the same adapter");
    let src = Source::new(&rgba, w, h).expect("source");
    let tiled = small.render(&src, "x").expect("tiled render");
    let whole = gpu().render(&src, "x").expect("whole render");
    let cpu = CpuRenderer.render(&src, "x").expect("cpu");
    assert_eq!(tiled.phash, whole.phash);
    assert_eq!(tiled.previews, whole.previews, "tiling must not change a pixel");
    assert!(max_diff(&tiled, &cpu) <= 1);
    // Too wide for one band at all: a clear error, not a panic.
    let tiny = GpuRenderer::new(&GpuOptions { allow_software: true, max_band: Some(64 << 10) }).expect("device");
    let err = tiny.render(&src, "x").expect_err("a 9.6 KB row × 100 rows exceeds 64 KiB");
    assert!(err.to_string().contains("too wide") || err.to_string().contains("limit"), "{err}");
}

/// The documented arithmetic, written plainly: fast_image_resize must match it exactly.
fn reference_resize(rgba: &[u8], (fw, fh): (u32, u32), (tw, th): (u32, u32)) -> Vec<u8> {
    let (fw_, fh_) = (fw as usize, fh as usize);
    // Vertical first, into 8-bit rows.
    let tmp: Vec<u8> = if fh == th {
        rgba.to_vec()
    } else {
        let v = plan::Weights::lanczos3(fh, th);
        let mut t = vec![0u8; fw_ * th as usize * 4];
        for o in 0..th as usize {
            for x in 0..fw_ {
                for c in 0..4 {
                    t[(o * fw_ + x) * 4 + c] = v.apply(o, |y| rgba[(y * fw_ + x) * 4 + c]);
                }
            }
        }
        t
    };
    let _ = fh_;
    if fw == tw {
        return tmp;
    }
    let hz = plan::Weights::lanczos3(fw, tw);
    let mut out = vec![0u8; tw as usize * th as usize * 4];
    for y in 0..th as usize {
        for o in 0..tw as usize {
            for c in 0..4 {
                out[(y * tw as usize + o) * 4 + c] = hz.apply(o, |x| tmp[(y * fw_ + x) * 4 + c]);
            }
        }
    }
    out
}

#[test]
fn cpu_renderer_is_the_documented_arithmetic() {
    let (w, h) = (1900, 1300);
    let rgba = art(w, h, 11);
    let src = Source::new(&rgba, w, h).expect("source");
    let r = CpuRenderer.render(&src, "Grace").expect("cpu");
    let mut level = rgba.clone();
    for (step, preview) in plan::cascade(w, h).iter().zip(&r.previews) {
        level = reference_resize(&level, step.from, step.to);
        let mut marked = level.clone();
        watermark::apply(&watermark::Tile::new("Grace", step.to.0, step.to.1), &mut marked, step.to.0);
        assert_eq!(marked, preview.rgba, "{:?}", step);
    }
}

#[test]
fn previews_are_watermarked_and_encode() {
    let (w, h) = (900, 600);
    let rgba = vec![0u8; (w * h * 4) as usize].chunks_exact(4).flat_map(|_| [40u8, 40, 40, 255]).collect::<Vec<_>>();
    let r = CpuRenderer.render(&Source::new(&rgba, w, h).expect("source"), "Ada").expect("cpu");
    for p in &r.previews {
        let changed = p.rgba.chunks_exact(4).filter(|px| px[0] != 40).count();
        let share = changed as f64 / (p.width * p.height) as f64;
        assert!((0.03..0.5).contains(&share), "{}px: {share:.3} of pixels marked", p.long_edge);
        let jpeg = p.to_jpeg().expect("jpeg");
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    }
}

#[test]
fn a_batch_renders_each_image_as_alone() {
    let sizes = [(1800, 1200, 11), (640, 960, 12), (200, 120, 13), (5, 3, 14)];
    let arts: Vec<Vec<u8>> = sizes.iter().map(|&(w, h, s)| art(w, h, s)).collect();
    let names = ["Ada Lovelace", "Grace Hopper", "Émilie du Châtelet", "X"];
    let items: Vec<(Source<'_>, &str)> = sizes
        .iter()
        .zip(&arts)
        .zip(names)
        .map(|((&(w, h, _), rgba), name)| (Source::new(rgba, w, h).expect("source"), name))
        .collect();
    for renderer in [
        colophon_previews::Renderer::Cpu(CpuRenderer),
        colophon_previews::Renderer::Gpu(std::sync::Arc::new(GpuRenderer::new(&GpuOptions::any()).expect("device"))),
    ] {
        let batch = renderer.render_batch(&items);
        assert_eq!(batch.len(), items.len());
        for ((src, name), got) in items.iter().zip(batch) {
            let got = got.expect("batch render");
            let alone = CpuRenderer.render(src, name).expect("cpu render");
            assert_eq!(got.phash, alone.phash, "{}: {}×{}", renderer.describe(), src.width, src.height);
            assert!(max_diff(&got, &alone) <= 1, "{}: {}×{}", renderer.describe(), src.width, src.height);
            // Each image carries its own creator's watermark, not a neighbour's
            // (a 5×3 thumbnail has no room for text).
            if src.width >= 64 {
                let other = CpuRenderer.render(src, "Someone Else").expect("cpu render");
                assert_ne!(got.previews[0].rgba, other.previews[0].rgba);
            }
        }
    }
}
