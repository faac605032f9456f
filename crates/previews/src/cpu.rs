//! The CPU renderer: `fast_image_resize` (SIMD convolution, rayon threads)
//! for the Lanczos3 cascade, then the watermark and the perceptual hash.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::{PreviewError, Rendered, Source, Stage, Timings, phash, plan, watermark};

#[derive(Clone, Copy, Debug, Default)]
pub struct CpuRenderer;

impl CpuRenderer {
    pub fn render(&self, src: &Source<'_>, creator: &str) -> Result<Rendered, PreviewError> {
        let mut t = Timings::default();
        let started = std::time::Instant::now();
        let hash = phash::phash_rgba(src.rgba, src.width, src.height);
        t.add(Stage::Hash, started);

        let started = std::time::Instant::now();
        let mut resizer = Resizer::new();
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)).use_alpha(false);
        let mut levels: Vec<(u32, u32, Vec<u8>)> = Vec::with_capacity(plan::SIZES.len());
        for step in plan::cascade(src.width, src.height) {
            let (fw, fh) = step.from;
            let from: &[u8] = levels.last().map_or(src.rgba, |l| &l.2);
            if step.is_copy() {
                levels.push((fw, fh, from.to_vec()));
                continue;
            }
            let input = ImageRef::new(fw, fh, from, PixelType::U8x4).map_err(|e| PreviewError::Input(e.to_string()))?;
            let mut out = Image::new(step.to.0, step.to.1, PixelType::U8x4);
            resizer.resize(&input, &mut out, &options).map_err(|e| PreviewError::Render(e.to_string()))?;
            levels.push((step.to.0, step.to.1, out.into_vec()));
        }
        t.add(Stage::Resize, started);

        let started = std::time::Instant::now();
        let previews = levels
            .into_iter()
            .zip(plan::SIZES)
            .map(|((w, h, mut rgba), long)| {
                let tile = watermark::Tile::new(creator, w, h);
                watermark::apply(&tile, &mut rgba, w);
                crate::Preview { long_edge: long, width: w, height: h, rgba }
            })
            .collect();
        t.add(Stage::Watermark, started);
        Ok(Rendered { previews, phash: hash, timings: t })
    }
}
