// The perceptual hash's heavy part (see phash.rs): luma summed into a 32×32
// grid of cells (`luma`, run over bands of source rows, each row once), then
// the 8×8 low-frequency fixed-point DCT of the cell averages (`dct`). The
// median and the bits are taken on the CPU from the 64 coefficients.

struct Params {
    width: u32,
    height: u32,
    own0: u32,     // first source row this dispatch sums
    own_rows: u32, // rows it sums
    band0: u32,    // the first source row held in `src`
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> sums: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> basis: array<i32>;
@group(0) @binding(4) var<storage, read_write> coeffs: array<i32>;

fn cell_range(i: u32, n: u32) -> vec2<u32> {
    let r0 = i * n / 32u;
    let r1 = min(max((i + 1u) * n / 32u, r0 + 1u), max(n, 1u));
    return vec2<u32>(r0, r1);
}

@compute @workgroup_size(32, 8)
fn luma(@builtin(global_invocation_id) id: vec3<u32>) {
    let j = id.x;
    let r = id.y;
    if (j >= 32u || r >= p.own_rows) {
        return;
    }
    let y = p.own0 + r;
    let cols = cell_range(j, p.width);
    let base = (y - p.band0) * p.width;
    var s = 0u;
    for (var c = cols.x; c < cols.y; c++) {
        let px = src[base + c];
        s += (77u * (px & 0xffu) + 150u * ((px >> 8u) & 0xffu) + 29u * ((px >> 16u) & 0xffu) + 128u) >> 8u;
    }
    for (var i = 0u; i < 32u; i++) {
        let rows = cell_range(i, p.height);
        if (y >= rows.x && y < rows.y) {
            atomicAdd(&sums[i * 32u + j], s);
        }
    }
}

@compute @workgroup_size(64)
fn dct(@builtin(global_invocation_id) id: vec3<u32>) {
    let k = id.x;
    if (k >= 64u) {
        return;
    }
    let v = k / 8u;
    let u = k % 8u;
    var acc = 0i;
    for (var y = 0u; y < 32u; y++) {
        let rows = cell_range(y, p.height);
        var row = 0i;
        for (var x = 0u; x < 32u; x++) {
            let cols = cell_range(x, p.width);
            let n = (rows.y - rows.x) * (cols.y - cols.x);
            let avg = i32((atomicLoad(&sums[y * 32u + x]) + n / 2u) / n);
            row += basis[u * 32u + x] * avg;
        }
        acc += basis[v * 32u + y] * (row >> 12u);
    }
    coeffs[k] = acc;
}
