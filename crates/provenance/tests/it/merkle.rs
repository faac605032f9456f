//! The Merkle tree against Certificate Transparency's published vectors
//! (RFC 6962 reference tests: 8 leaves, roots for every size, inclusion and
//! consistency proofs), and properties over random trees.

use colophon_provenance::merkle::{
    self, EMPTY_ROOT, Hash, MemoryTree, NodeSource, VerifyProofError, consistency_proof, inclusion_proof, root,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

fn h(s: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).expect("hex");
    out
}

const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn ct_tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in LEAVES {
        tree.push(&hex::decode(leaf).expect("hex"));
    }
    tree
}

#[test]
fn roots_match_ct_vectors_for_every_size() {
    let tree = ct_tree();
    assert_eq!(EMPTY_ROOT, h(ROOTS[0]));
    for (size, expected) in ROOTS.iter().enumerate() {
        assert_eq!(root(&tree, size as u64).expect("root"), h(expected), "size {size}");
    }
    assert_eq!(tree.root(), h(ROOTS[8]));
}

#[test]
fn inclusion_proofs_match_ct_vectors() {
    let tree = ct_tree();
    let cases: [(u64, u64, &[&str]); 2] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (index, size, expected) in cases {
        let proof = inclusion_proof(&tree, index, size).expect("proof");
        assert_eq!(proof, expected.iter().map(|s| h(s)).collect::<Vec<_>>(), "leaf {index} of {size}");
        let leaf = merkle::leaf_hash(&hex::decode(LEAVES[index as usize]).expect("hex"));
        verify_inclusion(&leaf, index, size, &proof, &h(ROOTS[size as usize])).expect("verifies");
    }
    assert!(inclusion_proof(&tree, 8, 8).is_err(), "index past the end");
}

#[test]
fn consistency_proofs_match_ct_vectors() {
    let tree = ct_tree();
    let cases: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (old, new, expected) in cases {
        let proof = consistency_proof(&tree, old, new).expect("proof");
        assert_eq!(proof, expected.iter().map(|s| h(s)).collect::<Vec<_>>(), "{old} -> {new}");
        verify_consistency(old, new, &h(ROOTS[old as usize]), &h(ROOTS[new as usize]), &proof).expect("verifies");
    }
}

/// A node source that counts look-ups, to show proofs touch O(log n) nodes.
struct Counting<'a>(&'a MemoryTree, std::cell::Cell<u32>);
impl NodeSource for Counting<'_> {
    type Error = merkle::MissingNode;
    fn perfect_subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        self.1.set(self.1.get() + 1);
        self.0.perfect_subtree(level, index)
    }
}

#[test]
fn proofs_read_logarithmically_many_nodes() {
    let mut tree = MemoryTree::new();
    for i in 0..100_000u32 {
        tree.push(&i.to_be_bytes());
    }
    let counting = Counting(&tree, std::cell::Cell::new(0));
    let proof = inclusion_proof(&counting, 77_777, 99_999).expect("proof");
    assert!(proof.len() <= 17);
    assert!(counting.1.get() <= 2 * 17 * 2, "looked up {} nodes", counting.1.get());
}

fn tree_of(n: usize) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for i in 0..n {
        tree.push(&(i as u64).to_le_bytes());
    }
    tree
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_inclusion_proof_verifies_and_any_flip_fails(
        size in 1u64..300, index_seed in any::<u64>(), flip in any::<(usize, u8)>()
    ) {
        let tree = tree_of(size as usize);
        let index = index_seed % size;
        let root = root(&tree, size).expect("root");
        let leaf = tree.perfect_subtree(0, index).expect("leaf");
        let proof = inclusion_proof(&tree, index, size).expect("proof");
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());

        // Flip one bit anywhere in the proof, the leaf or the root: it must fail.
        let bit = 1u8 << (flip.1 % 8);
        let mut bad_root = root;
        bad_root[flip.0 % 32] ^= bit;
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
        let mut bad_leaf = leaf;
        bad_leaf[flip.0 % 32] ^= bit;
        prop_assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
        if !proof.is_empty() {
            let mut bad_proof = proof.clone();
            bad_proof[flip.0 % proof.len()][flip.0 % 32] ^= bit;
            prop_assert!(verify_inclusion(&leaf, index, size, &bad_proof, &root).is_err());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err(), "short proof");
        }
        // Claiming another position or size fails too.
        if size > 1 {
            prop_assert!(verify_inclusion(&leaf, (index + 1) % size, size, &proof, &root).is_err());
        }
        prop_assert_eq!(
            verify_inclusion(&leaf, size, size, &proof, &root),
            Err(VerifyProofError::IndexOutOfRange { index: size, size })
        );
    }

    #[test]
    fn every_consistency_proof_verifies_and_any_flip_fails(
        new in 1u64..300, old_seed in any::<u64>(), flip in any::<(usize, u8)>()
    ) {
        let tree = tree_of(new as usize);
        let old = old_seed % (new + 1);
        let old_root = root(&tree, old).expect("root");
        let new_root = root(&tree, new).expect("root");
        let proof = consistency_proof(&tree, old, new).expect("proof");
        prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());

        let bit = 1u8 << (flip.1 % 8);
        if old > 0 && old < new {
            let mut bad = new_root;
            bad[flip.0 % 32] ^= bit;
            prop_assert!(verify_consistency(old, new, &old_root, &bad, &proof).is_err());
            let mut bad = old_root;
            bad[flip.0 % 32] ^= bit;
            prop_assert!(verify_consistency(old, new, &bad, &new_root, &proof).is_err());
            let mut bad_proof = proof.clone();
            bad_proof[flip.0 % proof.len()][flip.0 % 32] ^= bit;
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad_proof).is_err());
        }
    }

    #[test]
    fn appending_never_changes_earlier_roots(n in 1usize..200) {
        let mut tree = MemoryTree::new();
        let mut roots = Vec::new();
        for i in 0..n {
            tree.push(&(i as u32).to_be_bytes());
            roots.push(tree.root());
        }
        for (i, r) in roots.iter().enumerate() {
            prop_assert_eq!(&root(&tree, i as u64 + 1).expect("root"), r);
        }
    }
}

#[test]
fn recorded_nodes_are_exactly_what_a_proof_needs() {
    use colophon_provenance::merkle::{NodeMap, NodeRecorder, append_needs, nodes_completed_by};
    let tree = tree_of(1000);
    let recorder = NodeRecorder::new();
    let _ = inclusion_proof(&recorder, 637, 999);
    let _ = consistency_proof(&recorder, 400, 999);
    let _ = root(&recorder, 999);
    let map = NodeMap(
        recorder.wanted().into_iter().map(|(l, i)| ((l, i), tree.perfect_subtree(l, i).expect("node"))).collect(),
    );
    assert_eq!(inclusion_proof(&map, 637, 999).expect("proof"), inclusion_proof(&tree, 637, 999).expect("proof"));
    assert_eq!(consistency_proof(&map, 400, 999).expect("p"), consistency_proof(&tree, 400, 999).expect("p"));
    assert_eq!(root(&map, 999).expect("root"), root(&tree, 999).expect("root"));

    // Appending leaf 1000 (binary 1111101000) reads no siblings; leaf 1023 reads ten.
    assert!(append_needs(1000).is_empty());
    assert_eq!(append_needs(1023).len(), 10);
    let mut big = tree_of(1023);
    let leaf = merkle::leaf_hash(b"next");
    let map =
        NodeMap(append_needs(1023).into_iter().map(|(l, i)| ((l, i), big.perfect_subtree(l, i).expect("n"))).collect());
    let nodes = nodes_completed_by(&map, 1023, leaf).expect("siblings are enough");
    big.push_hash(leaf);
    for (level, index, hash) in nodes {
        assert_eq!(big.perfect_subtree(level, index).expect("node"), hash);
    }
}
