//! Preview rendering: Colophon's CPU path, its GPU path and libvips doing the
//! same work on the same images, in one run. Not a test; results go in
//! docs/BENCHMARKS.md.
//!
//! ```sh
//! cargo run --release -p colophon-bench --bin previews -- [images] [width]x[height]
//! COLOPHON_BENCH_GPU=any …   # include a software adapter (lavapipe) as "gpu"
//! ```
//!
//! The work per image: decode a PNG original, make 1600/640/256 px
//! previews (Lanczos3; each from the one before), watermark each, and encode
//! each as JPEG q85; Colophon also computes the perceptual hash. libvips
//! (`vips`, from libvips-tools) runs `copy` (decode to its native format),
//! `thumbnail` ×3, `composite2` with our watermark overlay ×3 (made outside
//! the timing) and `jpegsave` ×3, one process per step on files in the page cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use colophon_previews::gpu::{GpuOptions, GpuRenderer};
use colophon_previews::{Rendered, Source, cpu::CpuRenderer, plan, watermark};

const REPEAT: usize = 3;

fn art(w: u32, h: u32, seed: u32) -> image::RgbImage {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    image::RgbImage::from_fn(w, h, |x, y| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
        let ring = (((fx - 0.4).powi(2) + (fy - 0.5).powi(2)).sqrt() * (40.0 + f64::from(seed))) as u32 % 2;
        let n = (s & 15) as u8;
        image::Rgb([(fx * 230.0) as u8 + n, if ring == 0 { 210 } else { 40 } + n, ((fx * fy) * 240.0) as u8 + n])
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Row {
    name: String,
    decode: Duration,
    stages: String,
    post_decode: Duration,
    encode: Duration,
}

impl Row {
    fn total(&self) -> Duration {
        self.decode + self.post_decode + self.encode
    }
}

fn colophon(name: &str, files: &[PathBuf], render: &dyn Fn(&Source<'_>) -> Rendered) -> Row {
    let (mut dec, mut post, mut enc) = (vec![], vec![], vec![]);
    let mut sum = colophon_previews::Timings::default();
    for path in files {
        let bytes = std::fs::read(path).expect("read");
        for _ in 0..REPEAT {
            let t = Instant::now();
            let (rgba, w, h) = colophon_previews::decode(&bytes, &Default::default()).expect("decode");
            dec.push(t.elapsed());
            let src = Source::new(&rgba, w, h).expect("source");
            let t = Instant::now();
            let r = render(&src);
            post.push(t.elapsed());
            let t = Instant::now();
            for p in &r.previews {
                std::hint::black_box(p.to_jpeg().expect("jpeg"));
            }
            enc.push(t.elapsed());
            let s = r.timings;
            sum.upload += s.upload;
            sum.resize += s.resize;
            sum.watermark += s.watermark;
            sum.hash += s.hash;
            sum.download += s.download;
        }
    }
    let n = (files.len() * REPEAT) as u32;
    let stages = [
        ("upload", sum.upload),
        ("resize", sum.resize),
        ("watermark", sum.watermark),
        ("hash", sum.hash),
        ("download", sum.download),
    ]
    .iter()
    .filter(|(_, d)| !d.is_zero())
    .map(|(k, d)| format!("{k} {}", ms(*d / n)))
    .collect::<Vec<_>>()
    .join(", ");
    Row { name: name.into(), decode: median(dec), stages, post_decode: median(post), encode: median(enc) }
}

fn vips(args: &[&str]) {
    let out = Command::new("vips").args(args).output().expect("vips (apt-get install libvips-tools)");
    assert!(out.status.success(), "vips {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn libvips(files: &[PathBuf], dir: &Path) -> Row {
    let (mut dec, mut post, mut enc) = (vec![], vec![], vec![]);
    let (mut thumb_t, mut comp_t) = (Duration::ZERO, Duration::ZERO);
    for (i, path) in files.iter().enumerate() {
        let (w, h) = image::image_dimensions(path).expect("dims");
        // Watermark overlays of each preview's size: our own marks on transparent, made once.
        let steps = plan::cascade(w, h);
        for step in &steps {
            let (pw, ph) = step.to;
            let tile = watermark::Tile::new("Ada Lovelace", pw, ph);
            let overlay = image::RgbaImage::from_fn(pw, ph, |x, y| match tile.at(x, y) {
                watermark::TEXT => image::Rgba([255, 255, 255, 120]),
                watermark::SHADOW => image::Rgba([0, 0, 0, 90]),
                3 => image::Rgba([255, 255, 255, 40]),
                _ => image::Rgba([0, 0, 0, 0]),
            });
            overlay.save(dir.join(format!("wm{i}-{pw}.png"))).expect("overlay");
        }
        let v = |name: &str| dir.join(name).to_string_lossy().into_owned();
        for _ in 0..REPEAT {
            let t = Instant::now();
            vips(&["copy", &path.to_string_lossy(), &v("orig.v")]);
            dec.push(t.elapsed());
            let t = Instant::now();
            let mut from = v("orig.v");
            for (k, step) in steps.iter().enumerate() {
                let (pw, ph) = step.to;
                let out = v(&format!("t{k}.v"));
                let s = Instant::now();
                vips(&["thumbnail", &from, &out, &pw.max(ph).to_string(), "--size", "down"]);
                thumb_t += s.elapsed();
                let s = Instant::now();
                vips(&["composite2", &out, &v(&format!("wm{i}-{pw}.png")), &v(&format!("m{k}.v")), "over"]);
                comp_t += s.elapsed();
                from = out;
            }
            post.push(t.elapsed());
            let t = Instant::now();
            for k in 0..steps.len() {
                vips(&["jpegsave", &v(&format!("m{k}.v")), &v(&format!("p{k}.jpg")), "--Q", "85"]);
            }
            enc.push(t.elapsed());
        }
    }
    let n = (files.len() * REPEAT) as u32;
    Row {
        name: "libvips 8.14 (`vips` CLI)".into(),
        decode: median(dec),
        stages: format!("thumbnail {}, composite {}", ms(thumb_t / n), ms(comp_t / n)),
        post_decode: median(post),
        encode: median(enc),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let (w, h) = args
        .get(2)
        .and_then(|s| s.split_once('x'))
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .unwrap_or((6000u32, 4000u32));
    let dir = tempfile::tempdir().expect("tempdir");
    let files: Vec<PathBuf> = (0..count)
        .map(|i| {
            let p = dir.path().join(format!("img{i}.png"));
            art(w, h, i + 1).save(&p).expect("png");
            p
        })
        .collect();
    eprintln!("{count} PNG originals of {w}×{h}, {REPEAT} runs each; medians per image");
    let mut rows = vec![colophon("Colophon CPU (fast_image_resize)", &files, &|s| {
        CpuRenderer.render(s, "Ada Lovelace").expect("cpu")
    })];
    let software = std::env::var("COLOPHON_BENCH_GPU").as_deref() == Ok("any");
    let opts = if software { GpuOptions::any() } else { GpuOptions::hardware() };
    match GpuRenderer::new(&opts) {
        Ok(gpu) => {
            let name = format!("Colophon GPU ({})", gpu.adapter_name());
            rows.push(colophon(&name, &files, &|s| gpu.render(s, "Ada Lovelace").expect("gpu")));
        }
        Err(e) => eprintln!("no GPU row: {e}"),
    }
    rows.push(libvips(&files, dir.path()));
    println!(
        "| path | decode | post-decode (resize ×3, watermark ×3, hash) | of which, per image | JPEG encode ×3 | total | images/s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} ms | **{} ms** | {} | {} ms | {} ms | {:.2} |",
            r.name,
            ms(r.decode),
            ms(r.post_decode),
            r.stages,
            ms(r.encode),
            ms(r.total()),
            1.0 / r.total().as_secs_f64()
        );
    }
    let Some((vips, ours)) = rows.split_last() else { return };
    for r in ours {
        let speed = vips.post_decode.as_secs_f64() / r.post_decode.as_secs_f64();
        println!("\n{}: post-decode {speed:.2}× libvips's speed", r.name);
        colophon_bench::result(
            &format!("Previews of a {w}×{h} PNG, post-decode (resize ×3, watermark ×3, pHash): {}", r.name),
            &format!("{} ms", ms(r.post_decode)),
            &format!("{}: {} ms", vips.name, ms(vips.post_decode)),
            &format!("{speed:.2}× libvips's speed"),
            &format!("cargo run --release -p colophon-bench --bin previews -- {count} {w}x{h}"),
        );
    }
}
