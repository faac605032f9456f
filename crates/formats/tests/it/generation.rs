//! Generation metadata read from real-shaped PNGs: AUTOMATIC1111's
//! `parameters` (tEXt), ComfyUI's `prompt` + `workflow` (as ComfyUI writes
//! them), compressed chunks, and hostile ones (a zTXt bomb, broken JSON,
//! a truncated file) that must yield nothing rather than fail or balloon.

use colophon_formats::{generation, workflow::Workflow};

/// A 4×4 RGB PNG with `texts` as (kind, keyword, text): kind t = tEXt, z = zTXt, i = iTXt.
fn png_with(texts: &[(char, &str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 4, 4);
        enc.set_color(png::ColorType::Rgb);
        for (kind, key, text) in texts {
            match kind {
                't' => enc.add_text_chunk(key.to_string(), text.to_string()).expect("tEXt"),
                'z' => enc.add_ztxt_chunk(key.to_string(), text.to_string()).expect("zTXt"),
                _ => enc.add_itxt_chunk(key.to_string(), text.to_string()).expect("iTXt"),
            }
        }
        let mut w = enc.write_header().expect("header");
        w.write_image_data(&[90u8; 48]).expect("pixels");
    }
    out
}

const PARAMETERS: &str = "ink wash heron, <lora:inkwash_v2:0.7>\nNegative prompt: photo\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5, Seed: 1234567890123, Size: 1024x1024, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: \"inkwash_v2: 0123456789ab\", Version: f2.0.1";

#[test]
fn automatic1111_in_a_text_chunk() {
    let g = generation::from_png(&png_with(&[('t', "parameters", PARAMETERS)])).expect("metadata");
    assert_eq!(g.tool, "automatic1111");
    assert_eq!(g.seed, Some(1_234_567_890_123));
    assert_eq!(g.settings["Schedule type"], "Karras");
    let credited = g.credited_hashes();
    assert_eq!(credited, vec![("checkpoint".into(), "31e35c80fc".into()), ("lora".into(), "0123456789ab".into())]);
    // The same text compressed (zTXt) or as UTF-8 (iTXt) reads the same.
    assert_eq!(generation::from_png(&png_with(&[('z', "parameters", PARAMETERS)])), Some(g.clone()));
    assert_eq!(generation::from_png(&png_with(&[('i', "parameters", PARAMETERS)])), Some(g));
}

#[test]
fn comfyui_prompt_and_workflow() {
    let ui = include_str!("../fixtures/txt2img_lora.ui.json");
    let prompt = r#"{
      "3": {"class_type": "KSampler", "inputs": {"seed": 918273645, "steps": 24, "cfg": 6.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["10", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a heron in ink", "clip": ["4", 1]}},
      "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "inkwash_v2.safetensors", "strength_model": 0.8, "model": ["4", 0]}}
    }"#;
    let g = generation::from_png(&png_with(&[('t', "prompt", prompt), ('t', "workflow", ui)])).expect("metadata");
    assert_eq!(g.tool, "comfyui");
    assert_eq!(g.seed, Some(918_273_645));
    assert_eq!(g.prompt.as_deref(), Some("a heron in ink"));
    assert_eq!(g.settings["sampler_name"], "euler");
    // The embedded graph's identity is the workflow file's canonical hash.
    let canonical = Workflow::parse(ui.as_bytes()).expect("fixture").canonical_hash;
    assert_eq!(g.workflow_hash, Some(canonical));
    assert!(g.credited_hashes().contains(&("workflow".into(), canonical.to_hex())));
    assert!(g.models.iter().any(|m| m.kind == "lora"), "{:?}", g.models);
}

#[test]
fn hostile_metadata_yields_nothing_or_little() {
    // A zTXt bomb: 64 MiB of 'a' compresses to ~64 KiB; decompression stops at 1 MiB and the chunk is skipped.
    let bomb = "a".repeat(64 << 20);
    assert_eq!(generation::from_png(&png_with(&[('z', "parameters", &bomb)])), None);
    // Broken JSON in ComfyUI's chunks: the tool is known, nothing else is claimed.
    let g = generation::from_png(&png_with(&[('t', "prompt", "{not json"), ('t', "workflow", "[1,2")])).expect("some");
    assert_eq!((g.tool.as_str(), g.seed, g.workflow_hash, g.models.len()), ("comfyui", None, None, 0));
    // Other keywords are ignored; a truncated or non-PNG file has none.
    assert_eq!(generation::from_png(&png_with(&[('t', "Comment", "hello")])), None);
    let full = png_with(&[('t', "parameters", PARAMETERS)]);
    assert_eq!(generation::from_png(&full[..20]), None);
    assert_eq!(generation::from_png(b"GIF89a"), None);
}

fn bounded(g: &generation::Generation) {
    use generation::{MAX_MODELS, MAX_PROMPT, MAX_SETTINGS};
    assert!(g.models.len() <= MAX_MODELS, "{} models", g.models.len());
    assert!(g.settings.len() <= MAX_SETTINGS);
    assert!(g.prompt.as_ref().is_none_or(|p| p.chars().count() <= MAX_PROMPT));
    assert!(g.credited_hashes().iter().all(|(_, h)| (10..=64).contains(&h.len())));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Arbitrary text as AUTOMATIC1111 parameters or ComfyUI graphs: no panic, bounds hold.
    #[test]
    fn any_text_is_read_within_bounds(text in "(?s).{0,2000}", extra in "[A-Za-z ]{0,20}: \"?[0-9a-f, :]{0,80}\"?") {
        bounded(&generation::automatic1111(&text));
        bounded(&generation::automatic1111(&format!("{text}\nSteps: 1, {extra}")));
        bounded(&generation::comfyui(Some(&text), Some(&text)));
    }

    /// A real metadata PNG with bytes flipped or cut anywhere: no panic, bounds hold.
    #[test]
    fn damaged_pngs_never_panic(flips in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 0..16), cut in 0usize..4096) {
        let mut png = png_with(&[('t', "parameters", PARAMETERS), ('z', "workflow", include_str!("../fixtures/txt2img_lora.ui.json"))]);
        for (at, byte) in flips {
            let n = png.len();
            png[at % n] ^= byte;
        }
        let len = png.len();
        png.truncate(cut.min(len));
        if let Some(g) = generation::from_png(&png) {
            bounded(&g);
        }
    }
}
