//! Colophon's preview renderer.
//!
//! From an original image it makes three watermarked previews (long edge
//! 1600, 640 and 256 px; a Lanczos3 cascade, never upscaling) and a 64-bit
//! DCT perceptual hash. Two renderers give the same bytes:
//!
//! - [`gpu::GpuRenderer`]: wgpu compute shaders (`src/shaders/*.wgsl`) on one
//!   long-lived device shared by all workers;
//! - [`cpu::CpuRenderer`]: `fast_image_resize` (SIMD) for machines without a
//!   hardware GPU.
//!
//! The integer arithmetic both follow is specified in [`plan`] (resizing),
//! [`watermark`] and [`phash`]; decode and JPEG encode run on the CPU.

pub mod cpu;
pub mod gpu;
pub mod phash;
pub mod plan;
pub mod watermark;

use std::time::{Duration, Instant};

pub use phash::PHash;

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The original is not something we can render (the message says why).
    #[error("{0}")]
    Input(String),
    /// No usable GPU, or the GPU refused the work.
    #[error("GPU: {0}")]
    Gpu(String),
    #[error("rendering failed: {0}")]
    Render(String),
}

/// An original, decoded to 8-bit RGBA with alpha composited over white.
pub struct Source<'a> {
    pub rgba: &'a [u8],
    pub width: u32,
    pub height: u32,
}

impl<'a> Source<'a> {
    pub fn new(rgba: &'a [u8], width: u32, height: u32) -> Result<Self, PreviewError> {
        if width == 0 || height == 0 || rgba.len() as u64 != u64::from(width) * u64::from(height) * 4 {
            return Err(PreviewError::Input(format!("{} bytes are not a {width}×{height} RGBA image", rgba.len())));
        }
        Ok(Self { rgba, width, height })
    }
}

/// One preview, RGBA8 with alpha 255.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The size it was made for (its long edge is at most this).
    pub long_edge: u32,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Preview {
    /// Baseline JPEG at quality 85.
    pub fn to_jpeg(&self) -> Result<Vec<u8>, PreviewError> {
        let rgb: Vec<u8> = self.rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
            .encode(&rgb, self.width, self.height, image::ExtendedColorType::Rgb8)
            .map_err(|e| PreviewError::Render(format!("JPEG encoding: {e}")))?;
        Ok(out)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Upload,
    Resize,
    Watermark,
    Hash,
    Download,
}

/// Time per stage of one render (GPU stages are measured around their submission).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub upload: Duration,
    pub resize: Duration,
    pub watermark: Duration,
    pub hash: Duration,
    pub download: Duration,
}

impl Timings {
    pub fn add(&mut self, stage: Stage, since: Instant) {
        let d = since.elapsed();
        match stage {
            Stage::Upload => self.upload += d,
            Stage::Resize => self.resize += d,
            Stage::Watermark => self.watermark += d,
            Stage::Hash => self.hash += d,
            Stage::Download => self.download += d,
        }
    }
    pub fn total(&self) -> Duration {
        self.upload + self.resize + self.watermark + self.hash + self.download
    }
}

/// Three previews (1600, 640, 256) and the perceptual hash of the original.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub previews: Vec<Preview>,
    pub phash: PHash,
    pub timings: Timings,
}

/// `COLOPHON_PREVIEW_BACKEND`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A hardware GPU when there is one, else the CPU.
    Auto,
    /// A GPU (a software Vulkan driver such as lavapipe counts) or fail.
    Gpu,
    Cpu,
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!("COLOPHON_PREVIEW_BACKEND must be auto, gpu or cpu, not {other:?}")),
        }
    }
}

/// A renderer: cheap to clone, shared by workers.
#[derive(Clone)]
pub enum Renderer {
    Cpu(cpu::CpuRenderer),
    Gpu(std::sync::Arc<gpu::GpuRenderer>),
}

impl Renderer {
    /// Picks the renderer `backend` asks for. `Auto` takes a hardware adapter
    /// and falls back to the CPU (software GPUs are slower than the CPU path);
    /// `Gpu` fails loudly when there is no adapter at all.
    pub fn select(backend: Backend) -> Result<Self, PreviewError> {
        match backend {
            Backend::Cpu => Ok(Self::Cpu(cpu::CpuRenderer)),
            Backend::Gpu => Ok(Self::Gpu(std::sync::Arc::new(gpu::GpuRenderer::new(&gpu::GpuOptions::any())?))),
            Backend::Auto => match gpu::GpuRenderer::new(&gpu::GpuOptions::hardware()) {
                Ok(g) => Ok(Self::Gpu(std::sync::Arc::new(g))),
                Err(e) => {
                    tracing::info!(reason = %e, "previews render on the CPU");
                    Ok(Self::Cpu(cpu::CpuRenderer))
                }
            },
        }
    }

    pub fn render(&self, src: &Source<'_>, creator: &str) -> Result<Rendered, PreviewError> {
        match self {
            Self::Cpu(c) => c.render(src, creator),
            Self::Gpu(g) => g.render(src, creator),
        }
    }

    /// Renders several images: the GPU renderer batches their work into one
    /// submission; the CPU renderer runs them side by side on rayon's threads.
    /// One result per item, in order; one bad image fails only itself.
    pub fn render_batch(&self, items: &[(Source<'_>, &str)]) -> Vec<Result<Rendered, PreviewError>> {
        match self {
            Self::Cpu(c) => {
                use rayon::prelude::*;
                items.par_iter().map(|(src, creator)| c.render(src, creator)).collect()
            }
            Self::Gpu(g) => g.render_batch(items),
        }
    }

    /// `cpu` or `gpu`: a metrics label.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cpu(_) => "cpu",
            Self::Gpu(_) => "gpu",
        }
    }

    /// "cpu (fast_image_resize, avx2)" or "gpu (NVIDIA H200, Vulkan)".
    pub fn describe(&self) -> String {
        match self {
            Self::Cpu(_) => "cpu (fast_image_resize)".into(),
            Self::Gpu(g) => format!("gpu ({})", g.adapter_name()),
        }
    }
}

/// Decodes an original under `limits` into RGBA8, alpha composited over white.
pub fn decode(
    bytes: &[u8],
    limits: &colophon_formats::image::ImageLimits,
) -> Result<(Vec<u8>, u32, u32), PreviewError> {
    let img = colophon_formats::image::decode(bytes, limits).map_err(|e| PreviewError::Input(e.0))?;
    let has_alpha = img.color().has_alpha();
    let mut rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    if has_alpha {
        use rayon::prelude::*;
        rgba.par_chunks_exact_mut(4).for_each(|p| {
            let a = u32::from(p[3]);
            for c in &mut p[..3] {
                *c = ((u32::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8;
            }
            p[3] = 255;
        });
    }
    Ok((rgba.into_raw(), w, h))
}
