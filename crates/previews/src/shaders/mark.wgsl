// The preview watermark (see watermark.rs): a staggered label tile and diagonal
// hairlines, blended per channel in integers; alpha is kept.

struct Params {
    width: u32,
    height: u32,
    tile_w: u32,
    tile_h: u32,
    scale: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> tile: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

fn blend(c: u32, mark: u32) -> u32 {
    switch mark {
        case 1u: { return (c * 135u + 255u * 120u + 127u) / 255u; } // text, alpha 120, white
        case 2u: { return (c * 165u + 127u) / 255u; }               // shadow, alpha 90, black
        case 3u: { return (c * 215u + 255u * 40u + 127u) / 255u; }  // hairline, alpha 40, white
        default: { return c; }
    }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x;
    let y = id.y;
    if (x >= p.width || y >= p.height) {
        return;
    }
    let row = y / p.tile_h;
    let tx = (x + row * (p.tile_w / 3u)) % p.tile_w;
    let ty = y % p.tile_h;
    var mark = tile[ty * p.tile_w + tx];
    if (mark == 0u && (x + y) % (24u * p.scale) < p.scale) {
        mark = 3u;
    }
    let px = src[y * p.width + x];
    if (mark == 0u) {
        dst[y * p.width + x] = px;
        return;
    }
    let r = blend(px & 0xffu, mark);
    let g = blend((px >> 8u) & 0xffu, mark);
    let b = blend((px >> 16u) & 0xffu, mark);
    dst[y * p.width + x] = r | (g << 8u) | (b << 16u) | (px & 0xff000000u);
}
