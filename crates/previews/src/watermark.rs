//! The preview watermark: the creator's name in a staggered, repeating label
//! (an 8×8 bitmap font scaled by whole pixels) over thin diagonal hairlines,
//! alpha-blended in integer arithmetic so both renderers agree exactly.
//!
//! For a preview `w × h` with long edge `L`: scale `s = max(1, (L + 160) / 320)`.
//! The label tile is `tw × th` (`tw` = label width + 4 glyphs, `th` = 32·s);
//! the label sits at (2 glyphs, 12·s) with a one-`s` drop shadow down-right.
//! Pixel (x, y) reads the tile at `((x + (y / th)·(tw / 3)) mod tw, y mod th)`.
//! Blending, per channel c: text `(c·135 + 255·120 + 127) / 255`,
//! shadow `(c·165 + 127) / 255`, hairline (`(x + y) mod 24s < s`) `(c·215 + 255·40 + 127) / 255`,
//! text over shadow over hairline.

use font8x8::UnicodeFonts;

pub const TEXT: u32 = 1;
pub const SHADOW: u32 = 2;
pub const TEXT_ALPHA: u32 = 120;
pub const SHADOW_ALPHA: u32 = 90;
pub const LINE_ALPHA: u32 = 40;

/// A label tile and the numbers that place it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    pub width: u32,
    pub height: u32,
    pub scale: u32,
    /// `width × height` cells of 0, [`TEXT`] or [`SHADOW`].
    pub cells: Vec<u32>,
}

fn glyph(c: char) -> [u8; 8] {
    font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// What the label says.
pub fn label(creator: &str) -> String {
    let name: String = creator.chars().filter(|c| !c.is_control()).take(40).collect();
    format!("\u{a9} {} \u{b7} COLOPHON PREVIEW", name.trim())
}

impl Tile {
    pub fn new(creator: &str, width: u32, height: u32) -> Self {
        let long = width.max(height);
        let s = ((long + 160) / 320).max(1);
        let text: Vec<char> = label(creator).chars().collect();
        let glyph_w = 8 * s;
        let tw = (text.len() as u32 + 4) * glyph_w;
        let th = 32 * s;
        let mut cells = vec![0u32; (tw * th) as usize];
        let (x0, y0) = (2 * glyph_w, 12 * s);
        for pass in [SHADOW, TEXT] {
            let off = if pass == SHADOW { s } else { 0 };
            for (i, &c) in text.iter().enumerate() {
                let g = glyph(c);
                for (gy, bits) in g.iter().enumerate() {
                    for gx in 0..8u32 {
                        // font8x8: bit 0 is the leftmost pixel.
                        if bits & (1 << gx) == 0 {
                            continue;
                        }
                        for dy in 0..s {
                            for dx in 0..s {
                                let x = x0 + i as u32 * glyph_w + gx * s + dx + off;
                                let y = y0 + gy as u32 * s + dy + off;
                                if x < tw && y < th {
                                    cells[(y * tw + x) as usize] = pass;
                                }
                            }
                        }
                    }
                }
            }
        }
        Self { width: tw, height: th, scale: s, cells }
    }

    /// The mark at output pixel (x, y): 0, TEXT, SHADOW, or 3 for a hairline.
    #[inline]
    pub fn at(&self, x: u32, y: u32) -> u32 {
        let row = y / self.height;
        let tx = (x + row * (self.width / 3)) % self.width;
        let ty = y % self.height;
        let cell = self.cells[(ty * self.width + tx) as usize];
        if cell != 0 {
            cell
        } else if (x + y) % (24 * self.scale) < self.scale {
            3
        } else {
            0
        }
    }
}

/// One channel under a mark.
#[inline]
pub fn blend(c: u8, mark: u32) -> u8 {
    let c = u32::from(c);
    let v = match mark {
        TEXT => (c * (255 - TEXT_ALPHA) + 255 * TEXT_ALPHA + 127) / 255,
        SHADOW => (c * (255 - SHADOW_ALPHA) + 127) / 255,
        3 => (c * (255 - LINE_ALPHA) + 255 * LINE_ALPHA + 127) / 255,
        _ => c,
    };
    v as u8
}

/// Marks an RGBA8 image in place.
pub fn apply(tile: &Tile, rgba: &mut [u8], width: u32) {
    use rayon::prelude::*;
    rgba.par_chunks_exact_mut(width as usize * 4).enumerate().for_each(|(y, row)| {
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            let m = tile.at(x as u32, y as u32);
            if m != 0 {
                for c in &mut px[..3] {
                    *c = blend(*c, m);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_spells_the_label_and_scales() {
        let small = Tile::new("Ada", 256, 200);
        let big = Tile::new("Ada", 1600, 1200);
        assert_eq!(small.scale, 1);
        assert_eq!(big.scale, 5);
        assert!(small.cells.contains(&TEXT) && small.cells.contains(&SHADOW));
        assert_eq!(big.width, small.width * 5);
        assert!(label("Ada\u{7}").starts_with("\u{a9} Ada \u{b7}"));
    }

    #[test]
    fn blend_is_bounded_and_visible() {
        assert_eq!(blend(0, 0), 0);
        assert_eq!(blend(255, TEXT), 255);
        assert!(blend(0, TEXT) > 100);
        assert!(blend(255, SHADOW) < 200);
    }
}
