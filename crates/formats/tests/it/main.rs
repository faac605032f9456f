//! crates/formats's integration tests, one binary (one link, one process): each
//! module is what was once a file of its own.

#![recursion_limit = "256"]

mod generation;
mod generation_exif;
mod generation_tools;
mod license_and_image;
mod lora;
mod real_inputs;
mod workflow;
