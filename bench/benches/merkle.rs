//! Proofs at 10M leaves: inclusion and consistency proof generation (from
//! stored perfect-subtree nodes, O(log n) look-ups) and verification.

use colophon_provenance::merkle::{
    MemoryTree, consistency_proof, inclusion_proof, root, verify_consistency, verify_inclusion,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const LEAVES: u64 = 10_000_000;

fn merkle(c: &mut Criterion) {
    let mut tree = MemoryTree::new();
    for i in 0..LEAVES {
        tree.push(&i.to_be_bytes());
    }
    let size = LEAVES;
    let root_now = root(&tree, size).expect("root");
    let old = size / 2 + 12_345;
    let old_root = root(&tree, old).expect("root");
    let mut group = c.benchmark_group("merkle_10M");

    let mut index = 0u64;
    group.bench_function(BenchmarkId::new("inclusion_proof", "10M"), |b| {
        b.iter(|| {
            index = (index + 7_919_113) % size;
            inclusion_proof(&tree, index, size).expect("proof")
        })
    });
    let leaf_index = 6_543_210;
    let proof = inclusion_proof(&tree, leaf_index, size).expect("proof");
    let leaf = colophon_provenance::merkle::leaf_hash(&leaf_index.to_be_bytes());
    group.bench_function(BenchmarkId::new("verify_inclusion", "10M"), |b| {
        b.iter(|| verify_inclusion(&leaf, leaf_index, size, &proof, &root_now).expect("verifies"))
    });
    group.bench_function(BenchmarkId::new("consistency_proof", "5M->10M"), |b| {
        b.iter(|| consistency_proof(&tree, old, size).expect("proof"))
    });
    let cproof = consistency_proof(&tree, old, size).expect("proof");
    group.bench_function(BenchmarkId::new("verify_consistency", "5M->10M"), |b| {
        b.iter(|| verify_consistency(old, size, &old_root, &root_now, &cproof).expect("verifies"))
    });
    group.bench_function(BenchmarkId::new("root", "10M"), |b| b.iter(|| root(&tree, size).expect("root")));
    group.finish();
}

criterion_group!(benches, merkle);
criterion_main!(benches);
