//! Generation metadata in JPEG and WebP files, built the way the tools write
//! it: AUTOMATIC1111 (piexif) puts `parameters` in the EXIF `UserComment` as
//! `UNICODE\0` + UTF-16 big-endian even in little-endian files; ComfyUI's
//! WebP savers put `workflow:{…}` in `Make` and `prompt:{…}` in `Model`.
//! A camera's comment credits nothing; hostile EXIF yields nothing.

use colophon_formats::{generation, workflow::Workflow};
use image::ImageEncoder as _;

const PARAMETERS: &str = "ink wash heron, <lora:inkwash_v2:0.7>\nNegative prompt: photo\nSteps: 30, Sampler: DPM++ 2M, CFG scale: 5, Seed: 1234567890123, Size: 1024x1024, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: \"inkwash_v2: 0123456789ab\", Version: f2.0.1";

const ASCII: u16 = 2;
const LONG: u16 = 4;
const UNDEFINED: u16 = 7;
const BYTE: u16 = 1;

/// One IFD entry: tag, type, value bytes (already in the file's byte order).
type Entry = (u16, u16, Vec<u8>);

/// A TIFF block as EXIF writers lay it out: IFD0 (`ifd0`, plus a pointer to
/// the Exif IFD when `exif_ifd` is not empty), then the Exif IFD, then values
/// longer than four bytes.
fn tiff(little: bool, ifd0: &[Entry], exif_ifd: &[Entry]) -> Vec<u8> {
    let w16 = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
    let w32 = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
    let ifd_len = |n: usize| 2 + 12 * n + 4;
    let n0 = ifd0.len() + usize::from(!exif_ifd.is_empty());
    let exif_at = 8 + ifd_len(n0);
    let mut ifd0 = ifd0.to_vec();
    if !exif_ifd.is_empty() {
        ifd0.push((0x8769, LONG, w32(u32::try_from(exif_at).expect("small")).to_vec()));
    }
    ifd0.sort_by_key(|e| e.0);
    let mut data_at = exif_at + if exif_ifd.is_empty() { 0 } else { ifd_len(exif_ifd.len()) };
    let (mut head, mut data) = (Vec::new(), Vec::new());
    head.extend_from_slice(if little { b"II*\0" } else { b"MM\0*" });
    head.extend_from_slice(&w32(8));
    for ifd in [&ifd0[..], exif_ifd] {
        if ifd.is_empty() {
            continue;
        }
        head.extend_from_slice(&w16(u16::try_from(ifd.len()).expect("small")));
        for (tag, kind, value) in ifd {
            let unit = if *kind == LONG { 4 } else { 1 };
            head.extend_from_slice(&w16(*tag));
            head.extend_from_slice(&w16(*kind));
            head.extend_from_slice(&w32(u32::try_from(value.len() / unit).expect("small")));
            if value.len() <= 4 {
                let mut inline = value.clone();
                inline.resize(4, 0);
                head.extend_from_slice(&inline);
            } else {
                head.extend_from_slice(&w32(u32::try_from(data_at).expect("small")));
                data.extend_from_slice(value);
                data_at += value.len();
                if data_at % 2 == 1 {
                    data.push(0);
                    data_at += 1;
                }
            }
        }
        head.extend_from_slice(&w32(0));
    }
    head.extend_from_slice(&data);
    head
}

fn ascii(text: &str) -> Vec<u8> {
    [text.as_bytes(), b"\0"].concat()
}

/// piexif's `UserComment.dump(text, encoding="unicode")`.
fn unicode_comment(text: &str, little: bool) -> Vec<u8> {
    let mut out = b"UNICODE\0".to_vec();
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
    }
    out
}

fn rgb(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]))
}

/// A JPEG with `exif` in an APP1 segment right after SOI, where cameras and piexif put it.
fn jpeg_with(exif: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&rgb(16, 8)).expect("jpeg");
    let payload = [b"Exif\0\0".as_slice(), exif].concat();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).expect("fits APP1").to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

fn chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = fourcc.to_vec();
    out.extend_from_slice(&u32::try_from(data.len()).expect("small").to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// An extended WebP (VP8X with the EXIF flag, the lossless image, an EXIF chunk), as Pillow writes it.
fn webp_with(exif: &[u8]) -> Vec<u8> {
    let (w, h) = (16u32, 8u32);
    let mut simple = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut simple)
        .encode(&rgb(w, h), w, h, image::ExtendedColorType::Rgb8)
        .expect("webp");
    let image_chunk = &simple[12..]; // after RIFF, size, WEBP
    let mut vp8x = vec![0x08, 0, 0, 0];
    vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    let body = [b"WEBP".as_slice(), &chunk(b"VP8X", &vp8x), image_chunk, &chunk(b"EXIF", exif)].concat();
    [b"RIFF".as_slice(), &u32::try_from(body.len()).expect("small").to_le_bytes(), &body].concat()
}

const COMFY_PROMPT: &str = r#"{"3": {"class_type": "KSampler", "inputs": {"seed": 918273645, "steps": 24, "cfg": 6.0, "sampler_name": "euler", "model": ["10", 0]}}, "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}}, "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a heron in ink", "clip": ["4", 1]}}, "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "inkwash_v2.safetensors", "strength_model": 0.8, "model": ["4", 0]}}}"#;

#[test]
fn automatic1111_in_a_jpeg_user_comment() {
    let from_png = generation::automatic1111(PARAMETERS);
    // piexif writes UTF-16 big-endian whatever the TIFF byte order; the standard says the TIFF's.
    for (tiff_little, text_little) in [(true, false), (false, false), (true, true)] {
        let exif = tiff(tiff_little, &[], &[(0x9286, UNDEFINED, unicode_comment(PARAMETERS, text_little))]);
        let g = generation::from_image(&jpeg_with(&exif)).expect("metadata");
        assert_eq!(g, from_png, "tiff little {tiff_little}, text little {text_little}");
    }
    // An ASCII comment reads the same.
    let exif = tiff(true, &[], &[(0x9286, UNDEFINED, [b"ASCII\0\0\0".as_slice(), PARAMETERS.as_bytes()].concat())]);
    let g = generation::from_image(&jpeg_with(&exif)).expect("metadata");
    assert_eq!(g.seed, Some(1_234_567_890_123));
    assert_eq!(
        g.credited_hashes(),
        vec![("checkpoint".into(), "31e35c80fc".into()), ("lora".into(), "0123456789ab".into())]
    );
    // The same in a WebP.
    let exif = tiff(true, &[], &[(0x9286, UNDEFINED, unicode_comment(PARAMETERS, false))]);
    assert_eq!(generation::from_image(&webp_with(&exif)), Some(from_png));
}

#[test]
fn comfyui_in_a_webp_make_and_model() {
    let ui = include_str!("../fixtures/txt2img_lora.ui.json");
    let ui_compact =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(ui).expect("json")).expect("json");
    let exif = tiff(
        true,
        &[
            (0x010f, ASCII, ascii(&format!("workflow:{ui_compact}"))),
            (0x0110, ASCII, ascii(&format!("prompt:{COMFY_PROMPT}"))),
        ],
        &[],
    );
    let webp = webp_with(&exif);
    // The file is a WebP the decoder accepts as an image.
    let decoded = image::load_from_memory(&webp).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (16, 8));
    let g = generation::from_image(&webp).expect("metadata");
    assert_eq!(g.tool, "comfyui");
    assert_eq!(g.seed, Some(918_273_645));
    assert_eq!(g.prompt.as_deref(), Some("a heron in ink"));
    assert_eq!(g.workflow_hash, Some(Workflow::parse(ui.as_bytes()).expect("fixture").canonical_hash));
    // The same EXIF in a JPEG, and in ImageDescription, reads the same.
    assert_eq!(generation::from_image(&jpeg_with(&exif)), Some(g.clone()));
    let exif = tiff(false, &[(0x010e, ASCII, ascii(&format!("prompt: {COMFY_PROMPT}")))], &[]);
    assert_eq!(generation::from_image(&jpeg_with(&exif)).map(|g| g.seed), Some(Some(918_273_645)));
}

#[test]
fn photos_and_hostile_exif_credit_nothing() {
    // A camera's EXIF: make, model, a comment that is not generation metadata.
    let exif = tiff(
        true,
        &[(0x010f, ASCII, ascii("Canon")), (0x0110, ASCII, ascii("EOS R5")), (0x010e, ASCII, ascii("Heron, Camargue"))],
        &[(0x9286, UNDEFINED, unicode_comment("Shot at dawn", true))],
    );
    assert_eq!(generation::from_image(&jpeg_with(&exif)), None);
    // No EXIF at all; a PNG still goes through its text chunks; other bytes are not images.
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut plain).encode_image(&rgb(4, 4)).expect("jpeg");
    assert_eq!(generation::from_image(&plain), None);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(rgb(4, 4).as_raw(), 4, 4, image::ExtendedColorType::Rgb8)
        .expect("png");
    assert_eq!(generation::from_image(&png), None);
    assert_eq!(generation::from_image(b"GIF89a\0\0\0\0\0\0\0\0\0\0\0\0"), None);
    // JIS comments are not decoded; a UNICODE comment of odd length loses only its last byte.
    let exif = tiff(true, &[], &[(0x9286, UNDEFINED, [b"JIS\0\0\0\0\0".as_slice(), PARAMETERS.as_bytes()].concat())]);
    assert_eq!(generation::from_image(&jpeg_with(&exif)), None);
    let mut odd = unicode_comment(PARAMETERS, false);
    odd.push(0x41);
    assert!(generation::from_image(&jpeg_with(&tiff(true, &[], &[(0x9286, UNDEFINED, odd)]))).is_some());
    // An IFD whose value offset points past the end, and one claiming 2^32-1 entries' worth of data.
    let mut broken = tiff(true, &[], &[(0x9286, UNDEFINED, unicode_comment(PARAMETERS, false))]);
    let n = broken.len();
    broken.truncate(n / 2);
    assert_eq!(generation::from_image(&jpeg_with(&broken)), None);
    let mut huge = tiff(true, &[(0x010e, BYTE, vec![1; 8])], &[]);
    huge[8 + 2 + 4..8 + 2 + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(generation::from_image(&jpeg_with(&huge)), None);
    // A WebP whose EXIF chunk claims 4 GiB: what the file holds is read, nothing of the claimed size is allocated.
    let mut webp = webp_with(&tiff(true, &[(0x0110, ASCII, ascii(&format!("prompt:{COMFY_PROMPT}")))], &[]));
    let exif_at = webp.windows(4).rposition(|w| w == b"EXIF").expect("chunk");
    webp[exif_at + 4..exif_at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(generation::from_image(&webp).map(|g| g.tool), Some("comfyui".to_owned()));
}

fn bounded(g: &generation::Generation) {
    use generation::{MAX_MODELS, MAX_PROMPT, MAX_SETTINGS};
    assert!(g.models.len() <= MAX_MODELS);
    assert!(g.settings.len() <= MAX_SETTINGS);
    assert!(g.prompt.as_ref().is_none_or(|p| p.chars().count() <= MAX_PROMPT));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// A real metadata JPEG and WebP with bytes flipped or cut anywhere: no panic, bounds hold.
    #[test]
    fn damaged_jpegs_and_webps_never_panic(flips in proptest::collection::vec((0usize..8192, proptest::num::u8::ANY), 0..16), cut in 0usize..8192, webp in proptest::bool::ANY) {
        let exif = tiff(true, &[(0x0110, ASCII, ascii(&format!("prompt:{COMFY_PROMPT}")))], &[(0x9286, UNDEFINED, unicode_comment(PARAMETERS, false))]);
        let mut file = if webp { webp_with(&exif) } else { jpeg_with(&exif) };
        for (at, byte) in flips {
            let n = file.len();
            file[at % n] ^= byte;
        }
        let len = file.len();
        file.truncate(cut.min(len));
        if let Some(g) = generation::from_image(&file) {
            bounded(&g);
        }
    }
}

/// piexif's layout as AUTOMATIC1111 writes it: big-endian, IFD0 holding only
/// the Exif pointer, and an Exif IFD whose next-IFD offset is garbage (it
/// points into the comment). A strict reader drops the whole block; the
/// comment must still be read.
#[test]
fn automatic1111_jpeg_with_a_broken_next_ifd_offset() {
    let mut exif = tiff(false, &[], &[(0x9286, UNDEFINED, unicode_comment(PARAMETERS, false))]);
    // The Exif IFD starts after the 8-byte header and IFD0 (2 + 12 + 4 bytes); its next-IFD offset follows its one entry.
    let next_at = 8 + 18 + 2 + 12;
    exif[next_at..next_at + 4].copy_from_slice(&0x5549_4e43u32.to_be_bytes()); // "UINC", as seen in the wild
    let g = generation::from_image(&jpeg_with(&exif)).expect("the comment is read despite the bad link");
    assert_eq!((g.tool.as_str(), g.seed), ("automatic1111", Some(1_234_567_890_123)));
    assert_eq!(g.prompt.as_deref(), Some("ink wash heron, <lora:inkwash_v2:0.7>"));
    // The same damage in a WebP.
    let g = generation::from_image(&webp_with(&exif)).expect("webp too");
    assert_eq!(g.seed, Some(1_234_567_890_123));
}

/// ComfyUI's animated WebP saver (and AUTOMATIC1111's WebP) start the EXIF
/// chunk with JPEG's `Exif\0\0` marker before the TIFF header.
#[test]
fn webp_exif_with_the_jpeg_marker() {
    let workflow = include_str!("../fixtures/txt2img_lora.ui.json").replace('\n', " ");
    let exif = tiff(
        false,
        &[
            (0x010f, ASCII, ascii(&format!("workflow:{workflow}"))),
            (0x0110, ASCII, ascii(&format!("prompt:{COMFY_PROMPT}"))),
        ],
        &[],
    );
    let marked = webp_with(&[b"Exif\0\0".as_slice(), &exif].concat());
    let g = generation::from_image(&marked).expect("read through the marker");
    assert_eq!(g.tool, "comfyui");
    assert_eq!(g.seed, Some(918_273_645));
    assert_eq!(g.workflow_hash, Some(Workflow::parse(workflow.as_bytes()).expect("fixture").canonical_hash));
    assert_eq!(generation::from_image(&webp_with(&exif)), Some(g), "with or without the marker alike");
}
