//! Prints the generation metadata of each image named: `cargo run -p colophon-formats --example read_generation -- FILE…`.
fn main() {
    for path in std::env::args().skip(1) {
        match std::fs::read(&path) {
            Ok(bytes) => match colophon_formats::generation::from_image(&bytes) {
                Some(g) => println!("{path}\n{}", serde_json::to_string_pretty(&g).unwrap_or_default()),
                None => println!("{path}: no generation metadata"),
            },
            Err(e) => println!("{path}: {e}"),
        }
    }
}
