//! What both renderers compute, decided once on the CPU: output sizes, the
//! resize cascade and the Lanczos3 weights as 16-bit fixed-point integers.
//!
//! The weights are computed exactly as `fast_image_resize` 6 computes them for
//! `ResizeAlg::Convolution(FilterType::Lanczos3)` on 8-bit RGBA (itself the
//! Pillow-SIMD scheme): f64 weights per output pixel, trimmed of zero taps at
//! both ends, normalised to sum 1, then scaled by 2^precision and rounded to
//! i16, where precision is the largest that keeps the biggest weight below
//! 2^15. A pass is `clamp((2^(p-1) + Σ pixel·weight) >> p, 0, 255)` per
//! channel, the vertical pass first (into 8-bit rows), then the horizontal.
//! The GPU shaders run the same integer arithmetic on these same tables, so
//! the two renderers produce the same bytes.

use std::f64::consts::PI;

/// Long edges of the previews, largest first. Each is made from the one before
/// it (the first from the original): 8192 → 1600 → 640 → 256.
pub const SIZES: [u32; 3] = [1600, 640, 256];

/// Width and height of a preview whose long edge is `long` (never upscaled).
pub fn fit(width: u32, height: u32, long: u32) -> (u32, u32) {
    let edge = width.max(height);
    if edge <= long {
        return (width, height);
    }
    let scale = |v: u32| -> u32 {
        // round(v * long / edge), at least 1 px.
        let n = (u64::from(v) * u64::from(long) * 2 + u64::from(edge)) / (2 * u64::from(edge));
        u32::try_from(n).unwrap_or(u32::MAX).max(1)
    };
    if width >= height { (long, scale(height)) } else { (scale(width), long) }
}

/// One output pixel's taps: input indices `start .. start + len`, and where
/// its weights begin in [`Weights::values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tap {
    pub start: u32,
    pub len: u32,
}

/// Fixed-point Lanczos3 weights for resizing one axis from `from` to `to` pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights {
    pub from: u32,
    pub to: u32,
    /// `to` taps.
    pub taps: Vec<Tap>,
    /// `to × window` weights; output pixel `i`'s are `values[i*window .. i*window + taps[i].len]`.
    pub values: Vec<i32>,
    pub window: u32,
    /// The fixed-point shift.
    pub precision: u32,
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let x = x * PI;
        x.sin() / x
    }
}

fn lanczos3(x: f64) -> f64 {
    if (-3.0..3.0).contains(&x) { sinc(x) * sinc(x / 3.0) } else { 0.0 }
}

impl Weights {
    /// Lanczos3 with the kernel widened by the scale factor when shrinking.
    pub fn lanczos3(from: u32, to: u32) -> Self {
        assert!(from > 0 && to > 0, "empty axis");
        let support = 3.0;
        let scale = f64::from(from) / f64::from(to);
        let filter_scale = scale.max(1.0);
        let radius = support * filter_scale;
        let window = radius.ceil() as usize * 2 + 1;
        let recip = 1.0 / filter_scale;
        let mut coeffs: Vec<f64> = Vec::with_capacity(window * to as usize);
        let mut taps = Vec::with_capacity(to as usize);
        for out in 0..to {
            let in_center = (f64::from(out) + 0.5) * scale;
            let x_min = (in_center - radius).floor().max(0.0) as u32;
            let x_max = (in_center + radius).ceil().min(f64::from(from)) as u32;
            let cur = coeffs.len();
            let mut sum = 0.0;
            let center = in_center - 0.5;
            let mut start = x_min;
            let mut end = x_max;
            for x in x_min..x_max {
                let w = lanczos3((f64::from(x) - center) * recip);
                if x == start && w == 0.0 {
                    start += 1;
                } else {
                    coeffs.push(w);
                    sum += w;
                }
            }
            for &c in coeffs.iter().rev() {
                if end <= start || c != 0.0 {
                    break;
                }
                end -= 1;
            }
            if sum != 0.0 {
                coeffs[cur..].iter_mut().for_each(|w| *w /= sum);
            }
            coeffs.resize(cur + window, 0.0);
            taps.push(Tap { start, len: end - start });
        }
        // The fixed-point precision: as many bits as keep the largest weight under 2^15.
        let max_weight = coeffs.iter().copied().fold(0.0f64, f64::max);
        let mut precision = 0u32;
        for p in 0..22u32 {
            precision = p;
            let next = (max_weight * f64::from(1u32 << (p + 1))).round() as i32;
            if next >= 1 << 15 {
                break;
            }
        }
        let fixed = f64::from(1u32 << precision);
        let mut values = vec![0i32; window * to as usize];
        for (i, tap) in taps.iter().enumerate() {
            for k in 0..tap.len as usize {
                values[i * window + k] = i32::from((coeffs[i * window + k] * fixed).round() as i16);
            }
        }
        Self { from, to, taps, values, window: window as u32, precision }
    }

    /// The input range output pixels `first .. last` read.
    pub fn span(&self, first: u32, last: u32) -> (u32, u32) {
        let lo = self.taps[first as usize..last as usize].iter().map(|t| t.start).min().unwrap_or(0);
        let hi = self.taps[first as usize..last as usize].iter().map(|t| t.start + t.len).max().unwrap_or(0);
        (lo, hi)
    }

    /// One output value from `len` inputs reached through `at`.
    #[inline]
    pub fn apply(&self, out: usize, at: impl Fn(usize) -> u8) -> u8 {
        let tap = self.taps[out];
        let w = &self.values[out * self.window as usize..][..tap.len as usize];
        let mut acc: i32 = 1 << (self.precision - 1);
        for (k, &wk) in w.iter().enumerate() {
            acc += i32::from(at(tap.start as usize + k)) * wk;
        }
        (acc >> self.precision).clamp(0, 255) as u8
    }
}

/// One step of the cascade: resize `from` into preview `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub from: (u32, u32),
    pub to: (u32, u32),
}

impl Step {
    pub fn is_copy(&self) -> bool {
        self.from == self.to
    }
}

/// The cascade for an image: one step per entry of [`SIZES`].
pub fn cascade(width: u32, height: u32) -> Vec<Step> {
    let mut from = (width, height);
    SIZES
        .iter()
        .map(|&long| {
            let to = fit(from.0, from.1, long);
            let step = Step { from, to };
            from = to;
            step
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_upscales() {
        assert_eq!(fit(8192, 4096, 1600), (1600, 800));
        assert_eq!(fit(3000, 4000, 640), (480, 640));
        assert_eq!(fit(500, 300, 640), (500, 300));
        assert_eq!(fit(10_000, 3, 256), (256, 1));
    }

    #[test]
    fn weights_sum_to_one_in_fixed_point() {
        for (from, to) in [(8192, 1600), (1600, 640), (640, 256), (1000, 999), (7, 3)] {
            let w = Weights::lanczos3(from, to);
            for (i, t) in w.taps.iter().enumerate() {
                let s: i32 = w.values[i * w.window as usize..][..t.len as usize].iter().sum();
                let one = 1i32 << w.precision;
                assert!((s - one).abs() <= t.len as i32, "{from}->{to} pixel {i}: {s} vs {one}");
                assert!(t.start + t.len <= from);
            }
        }
    }

    #[test]
    fn cascade_chains_sizes() {
        let c = cascade(8192, 6144);
        assert_eq!(c[0], Step { from: (8192, 6144), to: (1600, 1200) });
        assert_eq!(c[1], Step { from: (1600, 1200), to: (640, 480) });
        assert_eq!(c[2], Step { from: (640, 480), to: (256, 192) });
        assert!(cascade(200, 100).iter().all(Step::is_copy));
    }
}
