//! Each generator's metadata, in fixtures of our own with the shape the tool
//! writes (docs/FORMATS.md §13): Fooocus, InvokeAI (three generations of
//! it), NovelAI, text chunks after the image data, stealth PNG info, and
//! ComfyUI graphs whose saved image is fed by a sampler that is not the
//! first in text order.

use std::io::Write as _;

use colophon_formats::generation::{self, Generation};

/// A PNG chunk: length, type, data, CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).expect("small").to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

fn text(key: &str, value: &str) -> Vec<u8> {
    chunk(b"tEXt", &[key.as_bytes(), b"\0", value.as_bytes()].concat())
}

/// A 4×4 RGB PNG with `before` chunks ahead of the image data and `after` chunks behind it.
fn png(before: &[Vec<u8>], after: &[Vec<u8>]) -> Vec<u8> {
    let mut plain = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut plain, 4, 4);
        enc.set_color(png::ColorType::Rgb);
        enc.write_header().expect("header").write_image_data(&[90u8; 48]).expect("pixels");
    }
    // signature (8) + IHDR (25), then IDAT…, IEND (12).
    let (head, rest) = plain.split_at(33);
    let (idat, iend) = rest.split_at(rest.len() - 12);
    [head, &before.concat(), idat, &after.concat(), iend].concat()
}

fn read(before: &[Vec<u8>]) -> Generation {
    generation::from_png(&png(before, &[])).expect("metadata")
}

#[test]
fn text_after_the_image_data_counts() {
    let params = "a heron\nSteps: 12, Sampler: Euler a, Seed: 77, Model hash: 0123456789, Model: base";
    let g = generation::from_png(&png(&[], &[text("parameters", params)])).expect("read after IDAT");
    assert_eq!((g.tool.as_str(), g.seed), ("automatic1111", Some(77)));
    // A chunk with a broken CRC or an unknown type beside it loses nothing else.
    let mut bad = text("Dream", "\"x\" -S 1");
    let n = bad.len();
    bad[n - 1] ^= 0xff;
    let g2 = generation::from_png(&png(&[chunk(b"zzZz", b"?")], &[text("parameters", params), bad])).expect("read");
    assert_eq!(g2, g);
}

const FOOOCUS: &str = r#"{"base_model": "juniperXL_v3", "base_model_hash": "0a1b2c3d4e", "full_negative_prompt": ["long text the styles add"], "full_prompt": ["cinematic still a fox in snow . long style text", "a fox in snow, intricate"], "guidance_scale": 4, "loras": [["sdxl_offset_example-lora_1.0.safetensors", 0.1, "4852686128"]], "metadata_scheme": "fooocus", "negative_prompt": "blurry", "performance": "Speed", "prompt": "a fox in snow", "resolution": "(1152, 896)", "sampler": "dpmpp_2m_sde_gpu", "scheduler": "karras", "seed": "18446744073709551000", "sharpness": 2, "steps": 30, "styles": "['Fooocus V2']", "version": "Fooocus v2.5.5"}"#;

#[test]
fn fooocus_json_is_read_as_fooocus_not_dumped_into_the_prompt() {
    let g = read(&[text("parameters", FOOOCUS), text("fooocus_scheme", "fooocus")]);
    assert_eq!(g.tool, "fooocus");
    assert_eq!(g.prompt.as_deref(), Some("a fox in snow"));
    assert_eq!(g.negative_prompt.as_deref(), Some("blurry"));
    assert_eq!(g.seed, Some(18_446_744_073_709_551_000), "Fooocus writes the seed as a string");
    assert_eq!(g.settings["sampler"], "dpmpp_2m_sde_gpu");
    assert_eq!(g.settings["version"], "Fooocus v2.5.5");
    assert_eq!(g.models[0].name, "juniperXL_v3");
    assert_eq!(g.models[0].hash.as_deref(), Some("0a1b2c3d4e"));
    assert_eq!((g.models[1].kind.as_str(), g.models[1].weight.as_deref()), ("lora", Some("0.1")));
    // Fooocus' a1111 scheme: AUTOMATIC1111 text, recognised as Fooocus.
    let a1111 =
        "a fox\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 5, Version: Fooocus v2.5.5";
    let g = read(&[text("parameters", a1111), text("fooocus_scheme", "a1111")]);
    assert_eq!((g.tool.as_str(), g.seed, g.prompt.as_deref()), ("fooocus", Some(5), Some("a fox")));
    // JSON of no known shape claims nothing and never lands in the prompt.
    let g = read(&[text("parameters", r#"{"hello": "world"}"#)]);
    assert_eq!((g.tool.as_str(), g.prompt), ("unknown", None));
}

#[test]
fn invokeai_in_all_three_shapes() {
    let meta = r#"{"generation_mode":"sdxl_txt2img","positive_prompt":"a lighthouse, oil","negative_prompt":"photo","width":1024,"height":1024,"seed":3141,"cfg_scale":7.5,"steps":30,"scheduler":"dpmpp_2m","model":{"name":"juggernautXL","base":"sdxl","hash":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},"loras":[{"model":{"name":"inkwash","hash":"blake3:ff"},"weight":0.6}]}"#;
    let g = read(&[text("invokeai_metadata", meta)]);
    assert_eq!((g.tool.as_str(), g.seed), ("invokeai", Some(3141)));
    assert_eq!(g.prompt.as_deref(), Some("a lighthouse, oil"));
    assert_eq!(g.negative_prompt.as_deref(), Some("photo"));
    assert_eq!(g.settings["scheduler"], "dpmpp_2m");
    assert_eq!(g.models[0].hash.as_deref(), Some("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_eq!(
        (g.models[1].name.as_str(), g.models[1].hash.as_deref()),
        ("inkwash", None),
        "a BLAKE3 hash matches no file here"
    );
    assert_eq!(g.models[1].weight.as_deref(), Some("0.6"));

    let dream = r#""a lighthouse at dusk [blurry, text]" -s 40 -S 2718 -W 512 -H 768 -C 7.5 -A k_lms"#;
    let g = read(&[text("Dream", dream)]);
    assert_eq!((g.tool.as_str(), g.seed), ("invokeai", Some(2718)));
    assert_eq!(g.prompt.as_deref(), Some("a lighthouse at dusk"));
    assert_eq!(g.negative_prompt.as_deref(), Some("blurry, text"));
    assert_eq!((g.settings["steps"].as_str(), g.settings["sampler"].as_str()), ("40", "k_lms"));

    let sd_meta = r#"{"model": "stable diffusion", "model_weights": "deliberate_v2", "model_hash": "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "app_id": "invoke-ai/InvokeAI", "app_version": "2.3.0", "image": {"prompt": [{"prompt": "a lighthouse at dusk [blurry, text]", "weight": 1.0}], "steps": 40, "cfg_scale": 7.5, "seed": 2718, "sampler": "k_lms", "width": 512, "height": 768, "type": "txt2img"}}"#;
    let g = read(&[text("Dream", dream), text("sd-metadata", sd_meta)]);
    assert_eq!((g.tool.as_str(), g.seed), ("invokeai", Some(2718)));
    assert_eq!(g.prompt.as_deref(), Some("a lighthouse at dusk"));
    assert_eq!(g.negative_prompt.as_deref(), Some("blurry, text"));
    assert_eq!(g.models[0].name, "deliberate_v2");
    assert_eq!(g.settings["app_version"], "2.3.0");
}

#[test]
fn novelai_comment_and_description() {
    let comment = r#"{"steps": 28, "sampler": "k_euler_ancestral", "seed": 1234567, "strength": 0.7, "noise": 0.0, "scale": 11.0, "uc": "lowres, bad hands"}"#;
    let g = read(&[
        text("Title", "AI generated image"),
        text("Description", "a cat in space"),
        text("Software", "NovelAI"),
        text("Source", "Stable Diffusion XL C1E1DE52"),
        text("Comment", comment),
    ]);
    assert_eq!((g.tool.as_str(), g.seed), ("novelai", Some(1_234_567)));
    assert_eq!(g.prompt.as_deref(), Some("a cat in space"));
    assert_eq!(g.negative_prompt.as_deref(), Some("lowres, bad hands"));
    assert_eq!((g.settings["sampler"].as_str(), g.settings["scale"].as_str()), ("k_euler_ancestral", "11.0"));
    // A photo's JSON comment without NovelAI's markers is not NovelAI.
    assert_eq!(generation::from_png(&png(&[text("Comment", comment)], &[])), None);
}

/// An RGBA image with `payload` hidden in the alpha LSBs, column by column, as sd-webui-stealth-pnginfo writes it.
fn stealth_png(signature: &str, payload: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut bits: Vec<u8> = Vec::new();
    let push_byte = |b: u8, bits: &mut Vec<u8>| (0..8).rev().for_each(|i| bits.push((b >> i) & 1));
    signature.bytes().for_each(|b| push_byte(b, &mut bits));
    let len = u32::try_from(payload.len() * 8).expect("small");
    len.to_be_bytes().into_iter().for_each(|b| push_byte(b, &mut bits));
    payload.iter().for_each(|b| push_byte(*b, &mut bits));
    assert!(bits.len() <= (w * h) as usize, "image too small for the payload");
    let mut rgba = vec![200u8; (w * h * 4) as usize];
    for (i, bit) in bits.iter().enumerate() {
        let (x, y) = (i as u32 / h, i as u32 % h);
        let at = ((y * w + x) * 4 + 3) as usize;
        rgba[at] = 254 | bit;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.write_header().expect("header").write_image_data(&rgba).expect("pixels");
    }
    out
}

#[test]
fn stealth_png_info_in_the_alpha_channel() {
    let params = "a circle\nNegative prompt: a square\nSteps: 20, Sampler: Euler, Seed: 2015, Model hash: 15012c538f, Model: rv51";
    let g = generation::from_png(&stealth_png("stealth_pnginfo", params.as_bytes(), 64, 160)).expect("hidden text");
    assert_eq!((g.tool.as_str(), g.seed, g.prompt.as_deref()), ("automatic1111", Some(2015), Some("a circle")));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(params.as_bytes()).expect("gzip");
    let packed = gz.finish().expect("gzip");
    assert_eq!(generation::from_png(&stealth_png("stealth_pngcomp", &packed, 64, 160)), Some(g));
    // Alpha noise without the signature is nothing; a claimed length past the image is nothing.
    assert_eq!(generation::from_png(&stealth_png("stealth_nothing", params.as_bytes(), 64, 160)), None);
    let mut liar = stealth_png("stealth_pnginfo", b"", 64, 160);
    liar.truncate(liar.len() - 12);
    assert_eq!(generation::from_png(&liar), None);
}

fn comfy(prompt: &str) -> Generation {
    read(&[text("prompt", prompt)])
}

#[test]
fn comfyui_sampler_is_the_one_that_feeds_the_saved_image() {
    // Node "24" sorts before "3" as text but only feeds a preview; "3" feeds the saved image.
    let prompt = r#"{
      "24": {"class_type": "KSampler", "inputs": {"seed": 1111, "steps": 4, "cfg": 1.0, "sampler_name": "lcm", "scheduler": "simple", "denoise": 1.0, "model": ["4", 0], "positive": ["7", 0], "negative": ["6", 0], "latent_image": ["5", 0]}},
      "25": {"class_type": "VAEDecode", "inputs": {"samples": ["24", 0], "vae": ["4", 2]}},
      "26": {"class_type": "PreviewImage", "inputs": {"images": ["25", 0]}},
      "3": {"class_type": "KSampler", "inputs": {"seed": 2222, "steps": 30, "cfg": 6.5, "sampler_name": "dpmpp_2m", "scheduler": "karras", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "fox", "images": ["8", 0]}}
    }"#;
    let g = comfy(prompt);
    assert_eq!(g.seed, Some(2222));
    assert_eq!((g.settings["steps"].as_str(), g.settings["sampler_name"].as_str()), ("30", "dpmpp_2m"));
    assert_eq!(g.prompt.as_deref(), Some("a red fox"));
    assert_eq!(g.negative_prompt.as_deref(), Some("blurry"));
}

#[test]
fn comfyui_custom_sampler_reads_noise_guider_and_scheduler() {
    // Flux: SamplerCustomAdvanced ← RandomNoise, BasicGuider ← FluxGuidance ← CLIPTextEncode, KSamplerSelect, BasicScheduler.
    let prompt = r#"{
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse in fog", "clip": ["11", 0]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["13", 0], "vae": ["10", 0]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "flux", "images": ["8", 0]}},
      "10": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}},
      "11": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors", "clip_name2": "clip_l.safetensors", "type": "flux"}},
      "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
      "13": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["25", 0], "guider": ["22", 0], "sampler": ["16", 0], "sigmas": ["17", 0], "latent_image": ["27", 0]}},
      "16": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
      "17": {"class_type": "BasicScheduler", "inputs": {"scheduler": "simple", "steps": 20, "denoise": 1.0, "model": ["12", 0]}},
      "22": {"class_type": "BasicGuider", "inputs": {"model": ["12", 0], "conditioning": ["26", 0]}},
      "25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 219670278747233}},
      "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
      "27": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}}
    }"#;
    let g = comfy(prompt);
    assert_eq!(g.seed, Some(219_670_278_747_233));
    assert_eq!(g.prompt.as_deref(), Some("a lighthouse in fog"));
    for (k, v) in [("sampler_name", "euler"), ("steps", "20"), ("scheduler", "simple"), ("guidance", "3.5")] {
        assert_eq!(g.settings.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(g.models.iter().any(|m| m.name == "flux1-dev.safetensors" && m.kind == "diffusion_model"));
}

#[test]
fn comfyui_editor_graph_alone_is_read_too() {
    // Only `workflow` (no `prompt`): widget values are named from the core node table.
    let ui = include_str!("../fixtures/txt2img_lora.ui.json");
    let g = read(&[text("workflow", ui)]);
    assert_eq!(g.tool, "comfyui");
    assert!(g.seed.is_some(), "{g:?}");
    assert_eq!(g.prompt.as_deref(), Some("ink wash painting of a heron over still water, mist, sumi-e"));
    assert_eq!(g.negative_prompt.as_deref(), Some("text, watermark, blurry"));
    assert!(g.settings.contains_key("sampler_name"), "{:?}", g.settings);
}
