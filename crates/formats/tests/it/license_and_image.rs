use colophon_formats::{
    LicenseTerms,
    image::{ImageLimits, decode, inspect},
    sniff::FileType,
};

#[test]
fn licence_hash_is_the_canonical_json_of_every_field() {
    let t = LicenseTerms::default();
    t.validate().expect("default is valid");
    let json = br#"{"commercial_use":false,"credit_required":true,"derivatives":true,"notes":"","personal_use":true,"redistribution":false,"version":1}"#;
    assert_eq!(t.hash(), colophon_provenance::ContentHash::of(json));
    let commercial = LicenseTerms { commercial_use: true, ..t.clone() };
    assert_ne!(commercial.hash(), t.hash());
    assert!(commercial.plain_words().contains(&"Commercial use allowed.".to_owned()));
    let bad = LicenseTerms { personal_use: false, commercial_use: true, ..t.clone() };
    assert!(bad.validate().is_err());
    let long = LicenseTerms { notes: "x".repeat(2001), ..t };
    assert!(long.validate().is_err());
    assert!(serde_json::from_str::<LicenseTerms>(r#"{"version":1,"surprise":true}"#).is_err());
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode");
    out.into_inner()
}

#[test]
fn images_are_checked_before_decoding() {
    let limits = ImageLimits { max_width: 1000, max_height: 1000, max_pixels: 500_000, max_alloc: 64 << 20 };
    let info = inspect(&png(64, 48), &limits).expect("valid");
    assert_eq!((info.file_type, info.width, info.height), (FileType::Png, 64, 48));
    let img = decode(&png(64, 48), &limits).expect("decodes");
    assert_eq!((img.width(), img.height()), (64, 48));

    assert!(inspect(&png(1001, 1), &limits).expect_err("wide").0.contains("limit"));
    assert!(inspect(&png(800, 800), &limits).expect_err("too many pixels").0.contains("megapixels"));

    // A decompression bomb: a tiny PNG whose header claims 100,000 × 100,000 pixels.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    assert!(bomb.len() < 100);
    let err = inspect(&bomb, &ImageLimits::default()).expect_err("bomb").0;
    assert!(err.contains("100000×100000 px; the limit is"), "{err}");

    // Truncated: header fine, pixels missing.
    let good = png(64, 48);
    let cut = &good[..good.len() / 2];
    assert!(decode(cut, &limits).expect_err("truncated").0.contains("corrupt or truncated"));
    // Not an image at all, or an image type we do not take.
    assert!(inspect(b"GIF89a\x01\0\x01\0\0\0\0", &limits).is_err());
    assert!(inspect(b"{\"nodes\": []}", &limits).is_err());
}
