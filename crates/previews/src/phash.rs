//! A 64-bit DCT perceptual hash in integer arithmetic, so every implementation
//! (this CPU code, the GPU shader, a stranger's verifier) gets the same bits.
//!
//! 1. Luma per pixel of the 8-bit RGB(A) image, alpha ignored:
//!    `Y = (77·R + 150·G + 29·B + 128) >> 8`.
//! 2. A 32×32 grid of box averages. Cell `(i, j)` covers rows
//!    `r0 = ⌊i·H/32⌋ .. max(⌊(i+1)·H/32⌋, r0+1)` and the same for columns;
//!    its value is `(Σ Y + n/2) / n` (integer division), n = pixels in the cell.
//! 3. The 8×8 lowest frequencies of a 2-D DCT-II with the fixed-point basis
//!    `C[u][x] = round(4096 · cos((2x+1)·u·π/64))`, u ∈ 0..8, x ∈ 0..32:
//!    rows first, `R[y][u] = (Σ_x C[u][x]·P[y][x]) >> 12` (arithmetic shift),
//!    then columns, `D[v][u] = Σ_y C[v][y]·R[y][u]` (fits in i32).
//! 4. Bit k = 8v+u (including the DC term) is 1 when `2·D[v][u] > s₃₁ + s₃₂`,
//!    where s is the 64 values sorted ascending (greater than the median).
//!    Bit k is bit `7 − k mod 8` of byte `k / 8`: 8 bytes, shown as 16 hex digits.

use std::fmt;
use std::sync::OnceLock;

pub const GRID: usize = 32;
pub const LOW: usize = 8;

/// The fixed-point DCT basis, `LOW × GRID`.
pub fn basis() -> &'static [[i32; GRID]; LOW] {
    static B: OnceLock<[[i32; GRID]; LOW]> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = [[0i32; GRID]; LOW];
        for (u, row) in b.iter_mut().enumerate() {
            for (x, c) in row.iter_mut().enumerate() {
                let angle = ((2 * x + 1) * u) as f64 * std::f64::consts::PI / (2 * GRID) as f64;
                *c = (4096.0 * angle.cos()).round() as i32;
            }
        }
        b
    })
}

#[inline]
pub fn luma(r: u8, g: u8, b: u8) -> u32 {
    (77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8
}

/// The rows (or columns) of grid cell `i` of an axis `n` pixels long.
#[inline]
pub fn cell_range(i: usize, n: usize) -> (usize, usize) {
    let r0 = i * n / GRID;
    let r1 = ((i + 1) * n / GRID).max(r0 + 1);
    (r0, r1.min(n.max(1)))
}

/// The grid cell a pixel at `p` counts towards, for each cell it belongs to.
/// (When the axis is shorter than 32 px, cells share pixels.)
pub fn cells_of(p: usize, n: usize) -> impl Iterator<Item = usize> {
    (0..GRID).filter(move |&i| {
        let (a, b) = cell_range(i, n);
        a <= p && p < b
    })
}

/// The 32×32 cell averages from their sums.
pub fn averages(sums: &[u64], width: usize, height: usize) -> [[i32; GRID]; GRID] {
    let mut p = [[0i32; GRID]; GRID];
    for (i, row) in p.iter_mut().enumerate() {
        let (r0, r1) = cell_range(i, height);
        for (j, v) in row.iter_mut().enumerate() {
            let (c0, c1) = cell_range(j, width);
            let n = ((r1 - r0) * (c1 - c0)) as u64;
            *v = ((sums[i * GRID + j] + n / 2) / n) as i32;
        }
    }
    p
}

/// Step 3: the 8×8 low-frequency DCT coefficients, row-major by v.
pub fn dct(p: &[[i32; GRID]; GRID]) -> [i32; LOW * LOW] {
    let c = basis();
    let mut r = [[0i32; LOW]; GRID];
    for y in 0..GRID {
        for u in 0..LOW {
            let s: i32 = (0..GRID).map(|x| c[u][x] * p[y][x]).sum();
            r[y][u] = s >> 12;
        }
    }
    let mut d = [0i32; LOW * LOW];
    for v in 0..LOW {
        for u in 0..LOW {
            d[v * LOW + u] = (0..GRID).map(|y| c[v][y] * r[y][u]).sum();
        }
    }
    d
}

/// Step 4.
pub fn bits(d: &[i32; LOW * LOW]) -> PHash {
    let mut s = *d;
    s.sort_unstable();
    let twice_median = i64::from(s[31]) + i64::from(s[32]);
    let mut out = [0u8; 8];
    for (k, &v) in d.iter().enumerate() {
        if 2 * i64::from(v) > twice_median {
            out[k / 8] |= 0x80 >> (k % 8);
        }
    }
    PHash(out)
}

/// Steps 1–2 on the CPU: sums of luma per grid cell.
pub fn cell_sums(rgba: &[u8], width: usize, height: usize) -> Vec<u64> {
    use rayon::prelude::*;
    let row_cells: Vec<(usize, usize)> = (0..GRID).map(|j| cell_range(j, width)).collect();
    // Per image row, the 32 column sums; then add rows into their cells.
    let rows: Vec<[u64; GRID]> = rgba
        .par_chunks_exact(width * 4)
        .map(|row| {
            let mut out = [0u64; GRID];
            for (j, &(c0, c1)) in row_cells.iter().enumerate() {
                out[j] = row[c0 * 4..c1 * 4].chunks_exact(4).map(|px| u64::from(luma(px[0], px[1], px[2]))).sum();
            }
            out
        })
        .collect();
    let mut sums = vec![0u64; GRID * GRID];
    for i in 0..GRID {
        let (r0, r1) = cell_range(i, height);
        for row in &rows[r0..r1] {
            for j in 0..GRID {
                sums[i * GRID + j] += row[j];
            }
        }
    }
    sums
}

/// The whole hash on the CPU, from RGBA8 pixels.
pub fn phash_rgba(rgba: &[u8], width: u32, height: u32) -> PHash {
    let (w, h) = (width as usize, height as usize);
    bits(&dct(&averages(&cell_sums(rgba, w, h), w, h)))
}

/// A 64-bit perceptual hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PHash(pub [u8; 8]);

impl PHash {
    pub fn distance(&self, other: &PHash) -> u32 {
        u64::from_be_bytes(self.0).bitxor_count(u64::from_be_bytes(other.0))
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    pub fn parse(s: &str) -> Option<Self> {
        let b = hex::decode(s.trim()).ok()?;
        Some(Self(b.try_into().ok()?))
    }
    pub fn as_i64(&self) -> i64 {
        i64::from_be_bytes(self.0)
    }
    pub fn from_i64(v: i64) -> Self {
        Self(v.to_be_bytes())
    }
}

trait XorCount {
    fn bitxor_count(self, other: Self) -> u32;
}
impl XorCount for u64 {
    fn bitxor_count(self, other: u64) -> u32 {
        (self ^ other).count_ones()
    }
}

impl fmt::Debug for PHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PHash({})", self.to_hex())
    }
}

impl fmt::Display for PHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut v = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = f(x, y);
                v.extend_from_slice(&[r, g, b, 255]);
            }
        }
        v
    }

    #[test]
    fn basis_is_the_documented_table() {
        let b = basis();
        assert_eq!(b[0], [4096; GRID]);
        assert_eq!(b[1][0], 4091); // round(4096·cos(π/64)) = round(4091.07)
        assert_eq!(b[1][31], -4091);
        assert_eq!(b[4][0], 4017); // round(4096·cos(4π/64)) = round(4017.26)
    }

    #[test]
    fn same_picture_at_another_size_hashes_close() {
        let f = |x: u32, y: u32, w: u32, h: u32| {
            let (fx, fy) = (x as f64 / w as f64, y as f64 / h as f64);
            let v = ((fx * 6.0).sin() * (fy * 4.0).cos() * 100.0 + 128.0) as u8;
            [v, (fx * 255.0) as u8, (fy * 200.0) as u8]
        };
        let a = phash_rgba(&gradient(640, 480, |x, y| f(x, y, 640, 480)), 640, 480);
        let b = phash_rgba(&gradient(320, 240, |x, y| f(x, y, 320, 240)), 320, 240);
        let c = phash_rgba(&gradient(480, 640, |x, y| f(y, x, 480, 640)), 480, 640);
        assert!(a.distance(&b) <= 8, "{a} vs {b}");
        assert!(a.distance(&c) > 12, "a transposed picture is another picture: {a} vs {c}");
    }

    #[test]
    fn tiny_images_hash() {
        let p = phash_rgba(&gradient(3, 2, |x, y| [(x * 80) as u8, (y * 100) as u8, 0]), 3, 2);
        assert_eq!(PHash::parse(&p.to_hex()), Some(p));
    }
}
