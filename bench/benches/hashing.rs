//! SHA-256 throughput on the same 1 GiB file: our streaming `ContentHasher`
//! against `openssl dgst -sha256`, in the same run. Goal: ≥ 0.9× openssl.
//! The file is read once before measuring, so both read it from the page cache.

use std::process::Command;

use colophon_bench::{hash_file, write_test_file};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SIZE: u64 = 1 << 30;

fn hashing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("one-gib.bin");
    write_test_file(&path, SIZE).expect("write test file");
    let ours = hash_file(&path).expect("hash");
    let openssl = Command::new("openssl").arg("dgst").arg("-sha256").arg("-r").arg(&path).output().expect("openssl");
    let openssl_hex = String::from_utf8_lossy(&openssl.stdout).split_whitespace().next().unwrap_or_default().to_owned();
    assert_eq!(ours.to_hex(), openssl_hex, "both compute the same digest");

    let mut group = c.benchmark_group("sha256_1GiB_file");
    group.throughput(Throughput::Bytes(SIZE)).sample_size(10);
    group.bench_function("colophon ContentHasher", |b| b.iter(|| hash_file(&path).expect("hash")));
    group.bench_function("openssl dgst -sha256", |b| {
        b.iter(|| {
            let status = Command::new("openssl").arg("dgst").arg("-sha256").arg(&path).output().expect("openssl");
            assert!(status.status.success());
        })
    });
    group.finish();
}

criterion_group!(benches, hashing);
criterion_main!(benches);
