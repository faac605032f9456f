//! `colophon-precompress DIR`: writes brotli and gzip copies of the site's
//! JavaScript, wasm and CSS under DIR (server::assets), for `/pkg` to serve.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: colophon-precompress DIR");
        return std::process::ExitCode::from(2);
    };
    match server::assets::precompress(std::path::Path::new(&dir)) {
        Ok(files) => {
            for (file, plain, br, gz) in files {
                let kib = |n: u64| n.div_ceil(1024);
                println!("{file}: {} KiB, brotli {} KiB, gzip {} KiB", kib(plain), kib(br), kib(gz));
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("colophon-precompress: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
