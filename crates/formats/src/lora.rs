//! LoRA files in the safetensors format.
//!
//! ```text
//! file := u64le(N) header[N] data
//! header := JSON object: "__metadata__" -> {string: string} (optional),
//!           tensor name -> {"dtype", "shape", "data_offsets": [begin, end]}
//! ```
//! The header is parsed and validated by the `safetensors` crate (the format's
//! reference implementation): offsets must tile `data` exactly, with sizes that
//! match dtype × shape. We need only the first `8 + N` bytes plus the file size,
//! so multi-GB files are never buffered.
//!
//! Two hashes identify a LoRA:
//! - the **file hash**: SHA-256 of every byte;
//! - the **tensor-data hash**: SHA-256 of `data` alone (everything after the
//!   header). Editing metadata (a title, trigger words) changes the file hash
//!   but not this one. It is the same value kohya's sd-scripts write as
//!   `sshs_model_hash` and A1111 shows as the "AddNet" hash, so it can be
//!   matched against generation metadata in the wild.

use std::collections::BTreeMap;

use colophon_provenance::ContentHash;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::FormatError;

/// Headers larger than this are refused by default (real LoRA headers with
/// kohya tag frequencies are tens of KiB; the format's own ceiling is 100 MB).
pub const DEFAULT_MAX_HEADER: u64 = 16 * 1024 * 1024;

/// Most tensors a LoRA may list (kohya SDXL LoRAs have ~2,200, full LyCORIS ~6,000).
pub const MAX_TENSORS: usize = 20_000;
/// Most `__metadata__` entries (kohya writes ~80).
pub const MAX_METADATA_KEYS: usize = 1_000;
/// Most JSON values in a header (a tensor entry is ~8).
pub const MAX_HEADER_VALUES: usize = 250_000;
/// Characters of one metadata value kept for display.
pub const MAX_METADATA_VALUE: usize = 2_000;
/// Bytes of metadata kept for display in all (keys and values); the rest is
/// named in `metadata_truncated`.
pub const MAX_METADATA_BYTES: usize = 256 << 10;

/// Walks the header as it streams: counts tensors and metadata entries,
/// refuses a tensor name given twice (JSON parsers keep the last one
/// silently; the file would then mean different things to different
/// readers), and bounds values and depth — all before a tree is built.
fn check_header_shape(header: &[u8]) -> Result<(), FormatError> {
    use serde::de::{DeserializeSeed, MapAccess, Visitor};
    use std::cell::Cell;
    const WHAT: &str = "the safetensors header";
    struct Top<'a>(crate::json_limits::Counter<'a>);
    struct Meta<'a>(crate::json_limits::Counter<'a>);
    impl<'de> DeserializeSeed<'de> for Top<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Top<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.0.nest()?;
            let mut names = std::collections::HashSet::new();
            while let Some(name) = map.next_key::<String>()? {
                if name == "__metadata__" {
                    map.next_value_seed(Meta(self.0.child()))?;
                    continue;
                }
                if names.len() == MAX_TENSORS {
                    return Err(serde::de::Error::custom(format!(
                        "{WHAT} lists more than {MAX_TENSORS} tensors; the limit is {MAX_TENSORS}"
                    )));
                }
                if !names.insert(name.clone()) {
                    let shown: String = name.chars().take(200).collect();
                    return Err(serde::de::Error::custom(format!("{WHAT} names tensor \"{shown}\" twice")));
                }
                map.next_value_seed(self.0.child())?;
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Meta<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Meta<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
            self.0.bump()
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            self.0.nest()?;
            let mut keys = 0usize;
            while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                keys += 1;
                if keys > MAX_METADATA_KEYS {
                    return Err(serde::de::Error::custom(format!(
                        "{WHAT} has more than {MAX_METADATA_KEYS} metadata entries; the limit is {MAX_METADATA_KEYS}"
                    )));
                }
                map.next_value_seed(self.0.child())?;
            }
            Ok(())
        }
    }
    let count = Cell::new(0);
    let counter =
        crate::json_limits::Counter { count: &count, depth: 0, max: MAX_HEADER_VALUES, max_depth: 8, what: WHAT };
    crate::json_limits::walk(header, WHAT, Top(counter)).map_err(|e| {
        if e.0.starts_with(WHAT) { e } else { FormatError::new(format!("invalid safetensors header: {}", e.0)) }
    })
}

/// A validated header and where the tensor data starts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoraHeader {
    /// N, the JSON header's length in bytes.
    pub header_len: u64,
    /// `8 + N`: the offset of the tensor data.
    pub data_offset: u64,
    /// Bytes of tensor data the header describes.
    pub data_len: u64,
    pub info: LoraInfo,
}

/// What a collector sees about a LoRA before buying it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoraInfo {
    pub tensor_count: usize,
    /// Total number of weights (elements) across tensors.
    pub parameters: u64,
    /// dtype name -> number of tensors.
    pub dtypes: BTreeMap<String, usize>,
    /// The adapter family recognised from tensor names: `LoRA`, `LoHa`, `LoKr`, `OFT`.
    pub network: String,
    /// Whose naming the tensors follow: `kohya` (`lora_unet_…`, `lora_te…`),
    /// `diffusers` / `peft` (`….lora_A.weight`), `comfyui` (`diffusion_model.…`
    /// as ComfyUI's LoRA extraction writes), or `other`.
    #[serde(default)]
    pub layout: String,
    /// Metadata entries left out of `metadata` to keep it within bounds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub metadata_truncated: usize,
    /// Structured kohya / modelspec fields, where stated.
    pub kohya: KohyaInfo,
    /// The base model's SHA-256, when the metadata states one (`ss_new_sd_model_hash`).
    pub base_model_hash: Option<ContentHash>,
    /// `sshs_model_hash` as written by the trainer: the tensor-data hash it claims.
    pub claimed_tensor_hash: Option<String>,
    /// Every `__metadata__` entry, values shortened to 2,000 characters for display.
    pub metadata: BTreeMap<String, String>,
}

/// The kohya `ss_*` and `modelspec.*` keys people look for.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KohyaInfo {
    pub title: Option<String>,
    pub base_model: Option<String>,
    pub base_model_version: Option<String>,
    pub network_module: Option<String>,
    pub network_dim: Option<String>,
    pub network_alpha: Option<String>,
    pub resolution: Option<String>,
    pub epochs: Option<String>,
    pub steps: Option<String>,
    pub learning_rate: Option<String>,
    pub output_name: Option<String>,
    pub training_comment: Option<String>,
    /// The most frequent training tags (from `ss_tag_frequency`), most frequent first.
    pub top_tags: Vec<(String, u64)>,
}

/// Reads N from the first 8 bytes.
pub fn header_len(head: &[u8]) -> Result<u64, FormatError> {
    let bytes: [u8; 8] = head
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| FormatError::new("not a safetensors file: shorter than its 8-byte header length"))?;
    Ok(u64::from_le_bytes(bytes))
}

/// Reads N from the first 8 bytes and checks it against `max_header` and
/// the `file_size`: all a file's first 8 bytes can refuse.
pub fn checked_header_len(head: &[u8], file_size: u64, max_header: u64) -> Result<u64, FormatError> {
    let n = header_len(head)?;
    if n > max_header {
        return Err(FormatError::new(format!("safetensors header is {n} bytes; the limit is {max_header} bytes")));
    }
    if n.saturating_add(8) > file_size {
        return Err(FormatError::new(format!("safetensors header claims {n} bytes but the file has only {file_size}")));
    }
    Ok(n)
}

/// Parses and validates the header. `prefix` must hold at least `8 + N`
/// bytes; `file_size` is the whole file's length.
pub fn parse_header(prefix: &[u8], file_size: u64, max_header: u64) -> Result<LoraHeader, FormatError> {
    let n = checked_header_len(prefix, file_size, max_header)?;
    let data_offset = 8 + n;
    let header =
        prefix.get(8..data_offset as usize).ok_or_else(|| FormatError::new("safetensors header is truncated"))?;
    let text = std::str::from_utf8(header).map_err(|_| FormatError::new("safetensors header is not UTF-8"))?;
    if !text.trim_start().starts_with('{') {
        return Err(FormatError::new("safetensors header is not a JSON object"));
    }
    check_header_shape(header)?;
    let meta: safetensors::tensor::Metadata =
        serde_json::from_str(text).map_err(|e| FormatError::new(format!("invalid safetensors header: {e}")))?;
    let data_len = meta.data_len() as u64;
    let actual = file_size - data_offset;
    if data_len != actual {
        return Err(FormatError::new(format!(
            "safetensors header describes {data_len} bytes of tensor data but the file holds {actual}"
        )));
    }
    let info = describe(&meta)?;
    Ok(LoraHeader { header_len: n, data_offset, data_len, info })
}

fn describe(meta: &safetensors::tensor::Metadata) -> Result<LoraInfo, FormatError> {
    let tensors = meta.tensors();
    if tensors.is_empty() {
        return Err(FormatError::new("this safetensors file holds no tensors"));
    }
    let mut info = LoraInfo { tensor_count: tensors.len(), ..LoraInfo::default() };
    let mut families = BTreeMap::<&str, usize>::new();
    let mut layouts = BTreeMap::<&str, usize>::new();
    for (name, t) in &tensors {
        *layouts.entry(layout_of(name)).or_default() += 1;
        let elements = t.shape.iter().fold(1u64, |acc, &d| acc.saturating_mul(d as u64));
        info.parameters = info.parameters.saturating_add(elements);
        *info.dtypes.entry(format!("{:?}", t.dtype)).or_default() += 1;
        if let Some(family) = network_family(name) {
            *families.entry(family).or_default() += 1;
        }
    }
    let Some((family, _)) = families.into_iter().max_by_key(|(_, n)| *n) else {
        return Err(FormatError::new(
            "this safetensors file has no LoRA tensors (lora_up/lora_down, lora_A/lora_B, LoHa, LoKr, OFT); \
             full checkpoints are not LoRAs",
        ));
    };
    info.network = family.to_owned();
    info.layout = layouts.into_iter().max_by_key(|(_, n)| *n).map(|(l, _)| l.to_owned()).unwrap_or_default();
    let md = meta.metadata().clone().unwrap_or_default();
    let get = |k: &str| md.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    info.kohya = KohyaInfo {
        title: get("modelspec.title"),
        base_model: get("ss_sd_model_name"),
        base_model_version: get("ss_base_model_version").or_else(|| get("modelspec.architecture")),
        network_module: get("ss_network_module"),
        network_dim: get("ss_network_dim"),
        network_alpha: get("ss_network_alpha"),
        resolution: get("ss_resolution").or_else(|| get("modelspec.resolution")),
        epochs: get("ss_num_epochs").or_else(|| get("ss_epoch")),
        steps: get("ss_steps").or_else(|| get("ss_max_train_steps")),
        learning_rate: get("ss_learning_rate").or_else(|| get("ss_unet_lr")),
        output_name: get("ss_output_name"),
        training_comment: get("ss_training_comment").filter(|c| c != "None"),
        top_tags: md.get("ss_tag_frequency").map(|f| top_tags(f, 20)).unwrap_or_default(),
    };
    info.base_model_hash = get("ss_new_sd_model_hash").and_then(|h| ContentHash::parse(&h).ok());
    info.claimed_tensor_hash = get("sshs_model_hash");
    let mut budget = MAX_METADATA_BYTES;
    for (k, v) in md {
        let v = if v.chars().count() > MAX_METADATA_VALUE {
            v.chars().take(MAX_METADATA_VALUE).chain("…".chars()).collect()
        } else {
            v
        };
        if k.len() + v.len() > budget {
            info.metadata_truncated += 1;
            continue;
        }
        budget -= k.len() + v.len();
        info.metadata.insert(k, v);
    }
    Ok(info)
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whose naming convention a tensor name follows.
fn layout_of(name: &str) -> &'static str {
    if name.starts_with("lora_unet_") || name.starts_with("lora_te") || name.starts_with("lycoris_") {
        "kohya"
    } else if name.contains(".lora_A.") || name.contains(".lora_B.") || name.contains(".lora_magnitude_vector") {
        if name.starts_with("base_model.model.") { "peft" } else { "diffusers" }
    } else if name.contains(".lora.down.") || name.contains(".lora.up.") || name.contains(".lora_linear_layer.") {
        "diffusers"
    } else if name.starts_with("diffusion_model.") || name.starts_with("text_encoders.") {
        "comfyui"
    } else {
        "other"
    }
}

/// The adapter family a tensor name belongs to, if any.
fn network_family(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    if n.contains("hada_") {
        Some("LoHa")
    } else if n.contains("lokr_") {
        Some("LoKr")
    } else if n.contains("oft_") || n.contains(".oft") {
        Some("OFT")
    } else if n.contains("lora") {
        Some("LoRA")
    } else {
        None
    }
}

/// `ss_tag_frequency` is a JSON string: {dataset dir: {tag: count}}. Summed
/// over datasets; malformed values yield no tags rather than an error.
fn top_tags(freq: &str, limit: usize) -> Vec<(String, u64)> {
    let Ok(serde_json::Value::Object(sets)) = serde_json::from_str::<serde_json::Value>(freq) else {
        return Vec::new();
    };
    let mut sums = BTreeMap::<String, u64>::new();
    for tags in sets.values().filter_map(|v| v.as_object()) {
        for (tag, count) in tags {
            let tag = tag.trim();
            if !tag.is_empty() && tag.len() <= 200 {
                // Counts are the trainer's claim: a huge one saturates instead of overflowing.
                let sum = sums.entry(tag.to_owned()).or_default();
                *sum = sum.saturating_add(count.as_u64().unwrap_or(0));
            }
        }
    }
    let mut tags: Vec<_> = sums.into_iter().collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    tags.truncate(limit);
    tags
}

/// Both hashes of a safetensors file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LoraHashes {
    pub file: ContentHash,
    /// `None` when the stream ended before the header did.
    pub tensor_data: Option<ContentHash>,
}

/// Streams a file once and computes [`LoraHashes`]: the whole-file hash and
/// the hash of everything after the header, which it locates itself.
#[derive(Clone, Default)]
pub struct LoraHasher {
    file: Sha256,
    data: Sha256,
    pos: u64,
    len_bytes: Vec<u8>,
    data_offset: Option<u64>,
}

impl LoraHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.file.update(chunk);
        let start = self.pos;
        self.pos += chunk.len() as u64;
        if self.data_offset.is_none() {
            let need = 8 - self.len_bytes.len();
            self.len_bytes.extend_from_slice(&chunk[..need.min(chunk.len())]);
            if let Ok(bytes) = <[u8; 8]>::try_from(self.len_bytes.as_slice()) {
                self.data_offset = Some(u64::from_le_bytes(bytes).saturating_add(8));
            }
        }
        if let Some(offset) = self.data_offset
            && self.pos > offset
        {
            let skip = offset.saturating_sub(start) as usize;
            self.data.update(&chunk[skip..]);
        }
    }

    pub fn finalize(self) -> LoraHashes {
        let file = ContentHash(self.file.finalize().into());
        let tensor_data = match self.data_offset {
            Some(offset) if self.pos >= offset => Some(ContentHash(self.data.finalize().into())),
            _ => None,
        };
        LoraHashes { file, tensor_data }
    }
}

/// Writes a small, valid LoRA file: `rank`-r `lora_down`/`lora_up` F16 pairs
/// (plus `alpha`) for each named module, weights from a deterministic
/// generator, and the given `__metadata__`. Used for the demo store and
/// tests; real trainers produce the same layout.
pub fn synthesize(
    modules: &[&str],
    rank: usize,
    width: usize,
    metadata: &BTreeMap<String, String>,
    seed: u64,
) -> Vec<u8> {
    let mut state = seed | 1;
    let mut next = move || {
        // xorshift64*: deterministic, dependency-free filler weights.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 48) as u16
    };
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        header.insert("__metadata__".into(), serde_json::to_value(metadata).unwrap_or_default());
    }
    let mut data = Vec::new();
    let mut tensor = |name: String,
                      shape: Vec<usize>,
                      data: &mut Vec<u8>,
                      header: &mut serde_json::Map<String, serde_json::Value>| {
        let begin = data.len();
        for _ in 0..shape.iter().product::<usize>() {
            // Small F16 values: sign + exponent well below 1.0.
            let bits = 0x2000 | (next() & 0x83FF);
            data.extend_from_slice(&bits.to_le_bytes());
        }
        header.insert(name, serde_json::json!({"dtype": "F16", "shape": shape, "data_offsets": [begin, data.len()]}));
    };
    for m in modules {
        tensor(format!("{m}.lora_down.weight"), vec![rank, width], &mut data, &mut header);
        tensor(format!("{m}.lora_up.weight"), vec![width, rank], &mut data, &mut header);
        tensor(format!("{m}.alpha"), vec![], &mut data, &mut header);
    }
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header)).unwrap_or_default();
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    out.extend_from_slice(&data);
    out
}
