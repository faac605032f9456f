//! Browser entry point. `wasm-bindgen` exports [`hydrate`], which the page's
//! hydration script calls once the wasm module has loaded.

/// Attaches the client-side reactive system to the server-rendered DOM.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
