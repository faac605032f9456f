use std::collections::BTreeMap;

use colophon_formats::lora::{self, DEFAULT_MAX_HEADER, LoraHasher, parse_header, synthesize};
use colophon_provenance::ContentHash;
use proptest::prelude::*;

fn kohya_metadata() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("ss_base_model_version", "sdxl_base_v1-0"),
        ("ss_sd_model_name", "sd_xl_base_1.0.safetensors"),
        ("ss_new_sd_model_hash", "31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b"),
        ("ss_network_module", "networks.lora"),
        ("ss_network_dim", "16"),
        ("ss_network_alpha", "8.0"),
        ("ss_resolution", "(1024, 1024)"),
        ("ss_num_epochs", "10"),
        ("ss_steps", "2400"),
        ("ss_learning_rate", "0.0001"),
        ("ss_output_name", "ink_wash_v2"),
        ("ss_training_comment", "None"),
        ("modelspec.title", "Ink Wash v2"),
        ("modelspec.architecture", "stable-diffusion-xl-v1-base/lora"),
        (
            "ss_tag_frequency",
            r#"{"10_inkwash": {"ink wash": 40, "heron": 12, "mist": 25}, "5_extra": {"mist": 5, "sumi-e": 30}}"#,
        ),
    ] {
        m.insert(k.to_owned(), v.to_owned());
    }
    m
}

fn sample() -> Vec<u8> {
    synthesize(
        &["lora_unet_down_blocks_0_attentions_0_proj_in", "lora_te1_text_model_encoder_layers_0_mlp_fc1"],
        4,
        32,
        &kohya_metadata(),
        7,
    )
}

#[test]
fn parses_a_kohya_lora_and_reads_its_metadata() {
    let file = sample();
    let h = parse_header(&file, file.len() as u64, DEFAULT_MAX_HEADER).expect("valid");
    assert_eq!(h.data_offset, 8 + h.header_len);
    assert_eq!(h.data_offset % 8, 0, "header padded to 8 bytes");
    assert_eq!(h.data_len, file.len() as u64 - h.data_offset);
    let i = &h.info;
    assert_eq!(i.tensor_count, 6);
    assert_eq!(i.parameters, 2 * (4 * 32 * 2 + 1));
    assert_eq!(i.dtypes.get("F16"), Some(&6));
    assert_eq!(i.network, "LoRA");
    assert_eq!(i.kohya.title.as_deref(), Some("Ink Wash v2"));
    assert_eq!(i.kohya.base_model_version.as_deref(), Some("sdxl_base_v1-0"));
    assert_eq!(i.kohya.network_dim.as_deref(), Some("16"));
    assert_eq!(i.kohya.network_alpha.as_deref(), Some("8.0"));
    assert_eq!(i.kohya.resolution.as_deref(), Some("(1024, 1024)"));
    assert_eq!(i.kohya.epochs.as_deref(), Some("10"));
    assert_eq!(i.kohya.training_comment, None, "kohya writes the string None for no comment");
    assert_eq!(
        i.kohya.top_tags,
        vec![("ink wash".into(), 40), ("mist".into(), 30), ("sumi-e".into(), 30), ("heron".into(), 12)],
        "summed across datasets, most frequent first, ties by name"
    );
    assert_eq!(
        i.base_model_hash.map(|h| h.to_hex()).as_deref(),
        Some("31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b")
    );
    assert_eq!(i.metadata.len(), kohya_metadata().len());
}

#[test]
fn tensor_data_hash_ignores_metadata_and_matches_chunking() {
    let a = sample();
    let mut md = kohya_metadata();
    md.insert("modelspec.title".into(), "Ink Wash v2 (retitled)".into());
    let b = synthesize(
        &["lora_unet_down_blocks_0_attentions_0_proj_in", "lora_te1_text_model_encoder_layers_0_mlp_fc1"],
        4,
        32,
        &md,
        7,
    );
    let hash = |file: &[u8], chunk: usize| {
        let mut h = LoraHasher::new();
        for c in file.chunks(chunk) {
            h.update(c);
        }
        h.finalize()
    };
    let (ha, hb) = (hash(&a, 4096), hash(&b, 4096));
    assert_ne!(ha.file, hb.file, "metadata edit changes the file hash");
    assert_eq!(ha.tensor_data, hb.tensor_data, "but not the tensor-data hash");
    assert_eq!(ha.file, ContentHash::of(&a));
    let h = parse_header(&a, a.len() as u64, DEFAULT_MAX_HEADER).expect("valid");
    assert_eq!(ha.tensor_data, Some(ContentHash::of(&a[h.data_offset as usize..])));
    // Chunk boundaries never matter, including ones inside the 8-byte length.
    for chunk in [1, 3, 7, 8, 9, 100, a.len()] {
        assert_eq!(hash(&a, chunk), ha, "chunk size {chunk}");
    }
    // A stream that ends inside the header has no tensor-data hash.
    assert_eq!(hash(&a[..20], 5).tensor_data, None);
}

#[test]
fn hostile_and_broken_files_get_clear_errors() {
    let good = sample();
    let n = lora::header_len(&good).expect("len") as usize;
    let err = |bytes: &[u8], size: u64| parse_header(bytes, size, DEFAULT_MAX_HEADER).expect_err("must fail").0;

    assert!(err(&good[..5], 5).contains("shorter than"));
    // Header length pointing past the end of the file.
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(err(&huge, huge.len() as u64).contains("limit"));
    let mut past = good.clone();
    past[..8].copy_from_slice(&(good.len() as u64).to_le_bytes());
    assert!(err(&past, past.len() as u64).contains("only"));
    // Truncated data section.
    assert!(err(&good[..good.len() - 2], good.len() as u64 - 2).contains("tensor data"));
    // Extra bytes after the data.
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 16]);
    assert!(err(&longer, longer.len() as u64).contains("tensor data"));
    // Not JSON / not UTF-8 / not an object.
    let with_header = |h: &[u8]| {
        let mut f = (h.len() as u64).to_le_bytes().to_vec();
        f.extend_from_slice(h);
        f
    };
    let f = with_header(b"[1,2,3]");
    assert!(err(&f, f.len() as u64).contains("not a JSON object"));
    let f = with_header(b"{\xff\xfe}");
    assert!(err(&f, f.len() as u64).contains("UTF-8"));
    let f = with_header(br#"{"a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}, "#);
    assert!(err(&f, f.len() as u64).contains("invalid safetensors header"));
    // Overlapping offsets.
    let mut f = with_header(
        br#"{"x.lora_up.weight": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}, "x.lora_down.weight": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]}}"#,
    );
    f.extend_from_slice(&[0; 6]);
    assert!(err(&f, f.len() as u64).contains("invalid safetensors header"));
    // Shape × dtype disagreeing with offsets (an overflow attempt).
    let mut f = with_header(
        br#"{"x.lora_up.weight": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}"#,
    );
    f.extend_from_slice(&[0; 4]);
    assert!(err(&f, f.len() as u64).contains("invalid safetensors header"));
    // Non-string metadata values.
    let mut f = with_header(
        br#"{"__metadata__": {"ss_network_dim": 16}, "x.lora_up.weight": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}"#,
    );
    f.extend_from_slice(&[0; 4]);
    assert!(err(&f, f.len() as u64).contains("invalid safetensors header"));
    // A full checkpoint is not a LoRA.
    let mut f = with_header(
        br#"{"model.diffusion_model.out.0.weight": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}"#,
    );
    f.extend_from_slice(&[0; 4]);
    assert!(err(&f, f.len() as u64).contains("no LoRA tensors"));
    // No tensors at all.
    let f = with_header(br#"{"__metadata__": {"a": "b"}}"#);
    assert!(err(&f, f.len() as u64).contains("no tensors"));
    // A custom, lower header limit.
    assert!(parse_header(&good, good.len() as u64, (n - 1) as u64).expect_err("limit").0.contains("limit"));
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), extra in 0u64..1024) {
        let _ = parse_header(&bytes, bytes.len() as u64 + extra, DEFAULT_MAX_HEADER);
        let mut h = LoraHasher::new();
        h.update(&bytes);
        let _ = h.finalize();
    }
}

/// The fuzzer starts from this file; `COLOPHON_WRITE_VECTORS=1` rewrites it.
#[test]
fn fuzz_seed_is_the_current_sample() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/safetensors_header/kohya_lora.safetensors");
    if std::env::var_os("COLOPHON_WRITE_VECTORS").is_some() {
        std::fs::write(path, sample()).expect("write seed");
    }
    assert_eq!(std::fs::read(path).expect("seed exists"), sample());
}

/// A safetensors file from a raw header text and `data_len` zero bytes of data.
fn raw_file(header: &str, data_len: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend(std::iter::repeat_n(0u8, data_len));
    out
}

/// One F16 tensor entry of `n` elements at `at`.
fn entry(name: &str, at: usize, n: usize) -> String {
    format!(r#""{name}": {{"dtype": "F16", "shape": [{n}], "data_offsets": [{at}, {}]}}"#, at + 2 * n)
}

fn parse(file: &[u8]) -> Result<lora::LoraHeader, String> {
    parse_header(file, file.len() as u64, DEFAULT_MAX_HEADER).map_err(|e| e.0)
}

#[test]
fn trainers_and_adapter_families_are_identified() {
    let cases = [
        (
            [
                "lora_unet_down_blocks_0_attn1_to_q.lora_down.weight",
                "lora_unet_down_blocks_0_attn1_to_q.lora_up.weight",
            ],
            "LoRA",
            "kohya",
        ),
        (["lora_unet_mid_block_attn.hada_w1_a", "lora_unet_mid_block_attn.hada_w1_b"], "LoHa", "kohya"),
        (["lycoris_mid_block_attn.lokr_w1", "lycoris_mid_block_attn.lokr_w2"], "LoKr", "kohya"),
        (
            ["unet.down_blocks.0.attn1.to_q.lora_A.weight", "unet.down_blocks.0.attn1.to_q.lora_B.weight"],
            "LoRA",
            "diffusers",
        ),
        (
            [
                "base_model.model.transformer.blocks.0.attn.to_q.lora_A.weight",
                "base_model.model.transformer.blocks.0.attn.to_q.lora_B.weight",
            ],
            "LoRA",
            "peft",
        ),
        (
            [
                "diffusion_model.input_blocks.1.1.proj_in.lora_down.weight",
                "diffusion_model.input_blocks.1.1.proj_in.lora_up.weight",
            ],
            "LoRA",
            "comfyui",
        ),
    ];
    for (names, network, layout) in cases {
        let header = format!("{{{}, {}}}", entry(names[0], 0, 4), entry(names[1], 8, 4));
        let h = parse(&raw_file(&header, 16)).expect(layout);
        assert_eq!((h.info.network.as_str(), h.info.layout.as_str()), (network, layout), "{names:?}");
    }
}

#[test]
fn duplicate_names_and_oversized_headers_are_refused_by_name() {
    let twice = format!("{{{}, {}}}", entry("a.lora_up.weight", 0, 4), entry("a.lora_up.weight", 8, 4));
    assert_eq!(
        parse(&raw_file(&twice, 16)).expect_err("twice"),
        "the safetensors header names tensor \"a.lora_up.weight\" twice"
    );
    // Too many (empty) tensors: refused by count, before the reference parser builds its table.
    let many: Vec<String> = (0..=lora::MAX_TENSORS)
        .map(|i| format!(r#""t{i}.lora_up.weight": {{"dtype": "F16", "shape": [0], "data_offsets": [0, 0]}}"#))
        .collect();
    let e = parse(&raw_file(&format!("{{{}}}", many.join(",")), 0)).expect_err("many");
    assert_eq!(e, format!("the safetensors header lists more than {0} tensors; the limit is {0}", lora::MAX_TENSORS));
    // Too many metadata keys.
    let keys: Vec<String> = (0..=lora::MAX_METADATA_KEYS).map(|i| format!(r#""k{i}": """#)).collect();
    let header = format!(r#"{{"__metadata__": {{{}}}, {}}}"#, keys.join(","), entry("a.lora_up.weight", 0, 4));
    let e = parse(&raw_file(&header, 8)).expect_err("keys");
    assert!(e.contains("metadata entries; the limit is 1000"), "{e}");
}

#[test]
fn stored_metadata_and_tag_counts_stay_bounded() {
    // 200 values of 2,000 characters: more than the stored budget, so some are left out and counted.
    let big: Vec<String> = (0..200).map(|i| format!(r#""k{i:03}": "{}""#, "x".repeat(3000))).collect();
    let huge_tags =
        format!(r#""ss_tag_frequency": "{{\"a\": {{\"t\": {}}}, \"b\": {{\"t\": {}}}}}""#, u64::MAX, u64::MAX);
    let header =
        format!(r#"{{"__metadata__": {{{}, {huge_tags}}}, {}}}"#, big.join(","), entry("a.lora_up.weight", 0, 4));
    let h = parse(&raw_file(&header, 8)).expect("valid");
    let stored: usize = h.info.metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert!(stored <= lora::MAX_METADATA_BYTES, "{stored}");
    assert!(h.info.metadata_truncated > 0);
    assert!(h.info.metadata.values().all(|v| v.chars().count() <= lora::MAX_METADATA_VALUE + 1));
    // Tag counts that would overflow a u64 sum saturate (a debug build panicked here).
    assert_eq!(h.info.kohya.top_tags, vec![("t".to_owned(), u64::MAX)]);
}
