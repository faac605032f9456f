// Lanczos3 resizing in the fixed-point arithmetic of `fast_image_resize`
// (see plan.rs): per channel `clamp((2^(p-1) + Σ pixel·weight) >> p, 0, 255)`.
// Pixels are RGBA8 packed in u32 (R in the low byte). The vertical pass runs
// first, over a band of source rows, into 8-bit rows; the horizontal pass then
// reads those rows.

struct Params {
    src_w: u32,     // pixels per source row
    row0: u32,      // vertical: the band's first source row
    first: u32,     // vertical: the first output row of this dispatch
    count: u32,     // outputs along the resized axis (rows, or dst_w)
    lines: u32,     // lines across (columns for vertical, rows for horizontal)
    window: u32,    // weights per output in `weights`
    shift: u32,     // fixed-point shift (the weights' precision)
    dst_w: u32,     // pixels per destination row
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> taps: array<vec2<u32>>; // (first input, count) per output
@group(0) @binding(3) var<storage, read> weights: array<i32>;
@group(0) @binding(4) var<storage, read_write> dst: array<u32>;

fn unpack(px: u32) -> vec4<i32> {
    return vec4<i32>(i32(px & 0xffu), i32((px >> 8u) & 0xffu), i32((px >> 16u) & 0xffu), i32(px >> 24u));
}

fn pack(acc: vec4<i32>) -> u32 {
    let c = vec4<u32>(clamp(acc >> vec4<u32>(p.shift), vec4<i32>(0), vec4<i32>(255)));
    return c.x | (c.y << 8u) | (c.z << 16u) | (c.w << 24u);
}

@compute @workgroup_size(16, 16)
fn vertical(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x;
    let j = id.y;
    if (x >= p.lines || j >= p.count) {
        return;
    }
    let o = p.first + j;
    let tap = taps[o];
    var acc = vec4<i32>(1i << (p.shift - 1u));
    for (var k = 0u; k < tap.y; k++) {
        acc += unpack(src[(tap.x + k - p.row0) * p.src_w + x]) * weights[o * p.window + k];
    }
    dst[o * p.dst_w + x] = pack(acc);
}

@compute @workgroup_size(16, 16)
fn horizontal(@builtin(global_invocation_id) id: vec3<u32>) {
    let x = id.x;
    let y = id.y;
    if (x >= p.count || y >= p.lines) {
        return;
    }
    let tap = taps[x];
    let base = y * p.src_w + tap.x;
    var acc = vec4<i32>(1i << (p.shift - 1u));
    for (var k = 0u; k < tap.y; k++) {
        acc += unpack(src[base + k]) * weights[x * p.window + k];
    }
    dst[y * p.dst_w + x] = pack(acc);
}
