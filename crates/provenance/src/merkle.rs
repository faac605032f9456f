//! The RFC 9162 (Certificate Transparency v2) Merkle tree, over SHA-256.
//!
//! - leaf hash: `SHA-256(0x00 || data)`; node hash: `SHA-256(0x01 || left || right)`;
//!   the empty tree's root is `SHA-256("")`.
//! - `MTH(D[n])` splits at the largest power of two below `n`; proofs follow
//!   RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency), and verification
//!   is the RFC's own algorithm.
//!
//! Why not a crate: `ct-merkle` keeps the whole tree in memory. Here the
//! caller owns node storage through [`NodeSource`]: the hash of every
//! *perfect* subtree (2^level leaves starting at a multiple of 2^level). A log
//! persists those as it appends ([`nodes_completed_by`]); any root or proof for
//! any size then needs only O(log n) look-ups, so a 100M-leaf log never loads
//! its leaves to prove one.

use sha2::{Digest, Sha256};

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// `SHA-256("")`, the root of the empty tree.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Deepest proof accepted (a tree of 2^64 leaves has 64 levels).
const MAX_PROOF_LEN: usize = 64;

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Where tree nodes come from: the hash of the perfect subtree of `2^level`
/// leaves starting at leaf `index * 2^level` (level 0: the leaf hashes).
pub trait NodeSource {
    type Error;
    fn perfect_subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// Why a proof could not be produced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProveError<E> {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("sizes {old} and {new} do not describe a tree and a later version of it")]
    BadSizes { old: u64, new: u64 },
    #[error("node storage failed: {0}")]
    Storage(E),
}

/// Why a proof does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyProofError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("proof has the wrong number of hashes for this position and size")]
    WrongLength,
    #[error("proof leads to a different root")]
    RootMismatch,
    #[error("old size {old} is larger than new size {new}")]
    BadSizes { old: u64, new: u64 },
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[start..end])`, built from perfect subtrees.
fn range_hash<S: NodeSource>(src: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return src.perfect_subtree(n.trailing_zeros(), start >> n.trailing_zeros());
    }
    let k = largest_power_of_two_below(n);
    Ok(node_hash(&range_hash(src, start, start + k)?, &range_hash(src, start + k, end)?))
}

/// The root of the first `size` leaves.
pub fn root<S: NodeSource>(src: &S, size: u64) -> Result<Hash, S::Error> {
    if size == 0 { Ok(EMPTY_ROOT) } else { range_hash(src, 0, size) }
}

/// The inclusion proof (audit path) for leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof<S: NodeSource>(src: &S, index: u64, size: u64) -> Result<Vec<Hash>, ProveError<S::Error>> {
    if index >= size {
        return Err(ProveError::IndexOutOfRange { index, size });
    }
    let mut proof = Vec::new();
    path(src, index, 0, size, &mut proof).map_err(ProveError::Storage)?;
    Ok(proof)
}

fn path<S: NodeSource>(src: &S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if n == 1 {
        return Ok(());
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        path(src, m, start, start + k, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        path(src, m - k, start + k, end, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof between the tree of `old` leaves and the tree of `new` leaves.
pub fn consistency_proof<S: NodeSource>(src: &S, old: u64, new: u64) -> Result<Vec<Hash>, ProveError<S::Error>> {
    if old > new {
        return Err(ProveError::BadSizes { old, new });
    }
    let mut proof = Vec::new();
    if old == 0 || old == new {
        return Ok(proof);
    }
    subproof(src, old, 0, new, true, &mut proof).map_err(ProveError::Storage)?;
    Ok(proof)
}

fn subproof<S: NodeSource>(
    src: &S,
    m: u64,
    start: u64,
    end: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = end - start;
    if m == n {
        if !complete {
            out.push(range_hash(src, start, end)?);
        }
        return Ok(());
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        subproof(src, m, start, start + k, complete, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        subproof(src, m - k, start + k, end, false, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, VerifyProofError> {
    if index >= size {
        return Err(VerifyProofError::IndexOutOfRange { index, size });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(VerifyProofError::WrongLength);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(VerifyProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(VerifyProofError::WrongLength);
    }
    Ok(r)
}

/// Checks that `leaf` is at `index` in the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyProofError> {
    if root_from_inclusion(leaf, index, size, proof)? == *root { Ok(()) } else { Err(VerifyProofError::RootMismatch) }
}

/// Checks that the tree of `new` leaves with `new_root` extends the tree of
/// `old` leaves with `old_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyProofError> {
    if old > new {
        return Err(VerifyProofError::BadSizes { old, new });
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(VerifyProofError::WrongLength);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(VerifyProofError::WrongLength);
        }
        return if old_root == new_root { Ok(()) } else { Err(VerifyProofError::RootMismatch) };
    }
    if old == 0 {
        // Every tree extends the empty tree.
        return if proof.is_empty() { Ok(()) } else { Err(VerifyProofError::WrongLength) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else { return Err(VerifyProofError::WrongLength) };
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return Err(VerifyProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(VerifyProofError::WrongLength);
    }
    if fr == *old_root && sr == *new_root { Ok(()) } else { Err(VerifyProofError::RootMismatch) }
}

/// The perfect subtrees completed by appending leaf `index` with `leaf`:
/// `(level, index, hash)` for level 0 and every level the append closes.
/// A log persists these; that is all [`NodeSource`] ever needs.
pub fn nodes_completed_by<S: NodeSource>(src: &S, index: u64, leaf: Hash) -> Result<Vec<(u32, u64, Hash)>, S::Error> {
    let mut out = vec![(0, index, leaf)];
    let (mut level, mut i, mut h) = (0u32, index, leaf);
    while i & 1 == 1 {
        let left = src.perfect_subtree(level, i - 1)?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((level, i, h));
    }
    Ok(out)
}

/// An in-memory log: every perfect subtree, level by level. For tests, the
/// browser and small logs; the server persists the same nodes in its database.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

/// A node that the tree does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no node at level {level}, index {index}")]
pub struct MissingNode {
    pub level: u32,
    pub index: u64,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf's data; returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(leaf_hash(data))
    }

    /// Appends a leaf hash; returns its index. Stores the leaf and every
    /// perfect subtree it completes (the same nodes as [`nodes_completed_by`]).
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.len();
        let (mut level, mut i, mut hash) = (0usize, index, leaf);
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            if i & 1 == 0 {
                return index;
            }
            // `i` is odd, so its left sibling sits just before it in this row.
            hash = node_hash(&row[row.len() - 2], &hash);
            level += 1;
            i >>= 1;
        }
    }

    pub fn root(&self) -> Hash {
        root(self, self.len()).unwrap_or(EMPTY_ROOT)
    }
}

impl NodeSource for MemoryTree {
    type Error = MissingNode;
    fn perfect_subtree(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
        self.levels
            .get(level as usize)
            .and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)))
            .copied()
            .ok_or(MissingNode { level, index })
    }
}

/// Records which nodes a computation asks for (answering zeros), so a caller
/// whose nodes live in a database can fetch exactly those in one batch and
/// then run the computation again over a [`NodeMap`]. Which nodes a root or
/// proof needs depends only on the sizes and indexes, never on hash values.
#[derive(Debug, Default)]
pub struct NodeRecorder {
    wanted: std::cell::RefCell<Vec<(u32, u64)>>,
}

impl NodeRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The nodes asked for so far, without duplicates.
    pub fn wanted(&self) -> Vec<(u32, u64)> {
        let mut wanted = self.wanted.borrow().clone();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
    }
}

impl NodeSource for NodeRecorder {
    type Error = std::convert::Infallible;
    fn perfect_subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        self.wanted.borrow_mut().push((level, index));
        Ok([0; 32])
    }
}

/// Nodes fetched from storage, keyed by `(level, index)`.
#[derive(Clone, Debug, Default)]
pub struct NodeMap(pub std::collections::HashMap<(u32, u64), Hash>);

impl NodeSource for NodeMap {
    type Error = MissingNode;
    fn perfect_subtree(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
        self.0.get(&(level, index)).copied().ok_or(MissingNode { level, index })
    }
}

/// The left siblings that [`nodes_completed_by`] reads when appending leaf `index`.
pub fn append_needs(index: u64) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let (mut level, mut i) = (0u32, index);
    while i & 1 == 1 {
        out.push((level, i - 1));
        level += 1;
        i >>= 1;
    }
    out
}
