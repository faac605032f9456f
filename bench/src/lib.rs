//! Shared helpers for the benchmarks in `benches/` and the load and fault
//! drivers in `src/bin/`.

pub mod driver;

use std::io::{Read as _, Write as _};

use colophon_provenance::{ContentHash, ContentHasher};

/// Streams a file through [`ContentHasher`] in 1 MiB reads, as the server does.
pub fn hash_file(path: &std::path::Path) -> std::io::Result<ContentHash> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut hasher = ContentHasher::new();
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buf[..n]);
    }
}

/// Writes `len` bytes of cheap pseudo-random data (xorshift) to `path`.
pub fn write_test_file(path: &std::path::Path, len: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut chunk = vec![0u8; 1 << 20];
    let mut written = 0;
    while written < len {
        for word in chunk.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes()[..word.len()]);
        }
        let n = usize::try_from((len - written).min(chunk.len() as u64)).unwrap_or(chunk.len());
        out.write_all(&chunk[..n])?;
        written += n as u64;
    }
    out.flush()
}

/// Appends one row of docs/BENCHMARKS.md's summary to `$COLOPHON_BENCH_RESULTS`
/// (set by `make bench`) as a JSON line; does nothing when it is unset.
pub fn result(metric: &str, ours: &str, peer: &str, ratio: &str, command: &str) {
    let Some(path) = std::env::var_os("COLOPHON_BENCH_RESULTS") else { return };
    let row = serde_json::json!({"metric": metric, "ours": ours, "peer": peer, "ratio": ratio, "command": command});
    let written =
        std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| writeln!(f, "{row}"));
    if let Err(e) = written {
        eprintln!("cannot append to {}: {e}", std::path::Path::new(&path).display());
    }
}
