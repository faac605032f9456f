//! Image inspection with limits, against decompression bombs: dimensions are
//! read from the header and checked before any pixel is decoded, and the
//! decoder runs under `image`'s allocation limit.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use serde::Serialize;

use crate::{FileType, FormatError};

/// Limits for decoding one image.
#[derive(Clone, Copy, Debug)]
pub struct ImageLimits {
    pub max_width: u32,
    pub max_height: u32,
    /// Largest pixel count (width × height).
    pub max_pixels: u64,
    /// Bytes the decoder may allocate.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self { max_width: 16_384, max_height: 16_384, max_pixels: 16_384 * 16_384, max_alloc: 2 * 1024 * 1024 * 1024 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub file_type: FileType,
    pub width: u32,
    pub height: u32,
}

fn format_of(t: FileType) -> Option<ImageFormat> {
    match t {
        FileType::Png => Some(ImageFormat::Png),
        FileType::Jpeg => Some(ImageFormat::Jpeg),
        FileType::Webp => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// Reads the dimensions and checks them against `limits`, without decoding pixels.
pub fn inspect(bytes: &[u8], limits: &ImageLimits) -> Result<ImageInfo, FormatError> {
    let file_type = crate::sniff(bytes)
        .filter(|t| t.is_image())
        .ok_or_else(|| FormatError::new("not a PNG, JPEG or WebP image"))?;
    let format = format_of(file_type).ok_or_else(|| FormatError::new("unsupported image type"))?;
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| FormatError::new(format!("unreadable {} header: {e}", file_type.extension())))?;
    check_dimensions(width, height, limits)?;
    Ok(ImageInfo { file_type, width, height })
}

fn check_dimensions(width: u32, height: u32, limits: &ImageLimits) -> Result<(), FormatError> {
    if width == 0 || height == 0 {
        return Err(FormatError::new("the image has no pixels"));
    }
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(FormatError::new(format!(
            "the image is {width}×{height} px; the limit is {}×{} px ({} megapixels)",
            limits.max_width,
            limits.max_height,
            limits.max_pixels / 1_000_000
        )));
    }
    Ok(())
}

/// Bytes decoding `bytes` to RGBA8 pixels will hold at its peak, read from
/// the header alone: the decoder's own buffer (width × height × channels ×
/// bytes per channel) plus the RGBA8 copy when the image is not RGBA8
/// already. Checked against a budget before anything is allocated.
pub fn decode_cost(bytes: &[u8], limits: &ImageLimits) -> Result<(ImageInfo, u64), FormatError> {
    use image::ImageDecoder as _;
    let info = inspect(bytes, limits)?;
    let format = format_of(info.file_type).ok_or_else(|| FormatError::new("unsupported image type"))?;
    let decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| FormatError::new(format!("unreadable {} header: {e}", info.file_type.extension())))?;
    let native = decoder.total_bytes();
    let pixels = u64::from(info.width) * u64::from(info.height);
    let copy = if decoder.color_type() == image::ColorType::Rgba8 { 0 } else { pixels * 4 };
    Ok((info, native.saturating_add(copy)))
}

/// Fully decodes the image under the limits (proves it is not truncated or corrupt).
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<image::DynamicImage, FormatError> {
    let info = inspect(bytes, limits)?;
    let format = format_of(info.file_type).ok_or_else(|| FormatError::new("unsupported image type"))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => FormatError::new("the image needs more memory to decode than allowed"),
        e => FormatError::new(format!("the {} image is corrupt or truncated: {e}", info.file_type.extension())),
    })
}
