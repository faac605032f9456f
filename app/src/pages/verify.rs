//! Verify: check a file or hash against the ledger. For now it explains the
//! check and validates a pasted hash in the browser.

use leptos::prelude::*;
use leptos_meta::Title;

/// What a pasted string looks like, for live feedback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashInput {
    Empty,
    Valid,
    WrongLength(usize),
    NotHex,
}

/// Classifies a pasted string as a SHA-256 hex digest (64 hex digits,
/// surrounding whitespace and an optional `sha256:` prefix allowed).
pub fn classify_hash(input: &str) -> HashInput {
    let trimmed = input.trim();
    let hex = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
    if hex.is_empty() {
        HashInput::Empty
    } else if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        HashInput::NotHex
    } else if hex.len() != 64 {
        HashInput::WrongLength(hex.len())
    } else {
        HashInput::Valid
    }
}

/// Verify page.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let (hash, set_hash) = signal(String::new());
    let feedback = move || match classify_hash(&hash.get()) {
        HashInput::Empty => ("text-stone-600", "Paste a 64-digit SHA-256 hash.".to_owned()),
        HashInput::Valid => (
            "text-emerald-700",
            "This is a well-formed SHA-256 content hash. Ledger look-up arrives with the Verify service.".to_owned(),
        ),
        HashInput::WrongLength(n) => ("text-rose-700", format!("A SHA-256 hash has 64 hex digits; this has {n}.")),
        HashInput::NotHex => {
            ("text-rose-700", "Only the digits 0–9 and letters a–f can appear in a SHA-256 hash.".to_owned())
        }
    };

    view! {
        <Title text="Verify" />
        <section aria-labelledby="verify-heading" class="flex max-w-3xl flex-col gap-6">
            <div>
                <h1 id="verify-heading" class="text-3xl font-bold tracking-tight">"Verify"</h1>
                <p class="mt-2 text-stone-700">
                    "Check any file or hash against Colophon's public ledger without having to trust us. "
                    "Your file is hashed in your browser (SHA-256) and never uploaded; the hash is looked up in the "
                    "append-only Merkle log; the creator's ed25519 signature and the inclusion proof are checked; "
                    "and the log's root is compared with the one anchored on-chain."
                </p>
            </div>
            <form class="flex flex-col gap-2" on:submit=move |ev| ev.prevent_default()>
                <label for="hash" class="font-medium">"Content hash (SHA-256)"</label>
                <input
                    id="hash"
                    name="hash"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    class="rounded-md border border-stone-300 bg-white px-3 py-2 font-mono text-sm"
                    placeholder="e.g. 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                    aria-describedby="hash-feedback"
                    prop:value=hash
                    on:input=move |ev| set_hash.set(event_target_value(&ev))
                />
                <p id="hash-feedback" aria-live="polite" class=move || format!("text-sm {}", feedback().0)>
                    {move || feedback().1}
                </p>
            </form>
            <ol class="list-decimal space-y-1 pl-6 text-stone-700">
                <li>"Hash: the file's SHA-256, computed on your device."</li>
                <li>"Statement: the creator-signed record that registered this hash."</li>
                <li>"Signature: checked against the creator's registered ed25519 key."</li>
                <li>"Inclusion: a Merkle proof (RFC 9162) that the statement is in the log."</li>
                <li>"Anchor: the log root for that size, read from the ProvenanceRegistry contract."</li>
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_pasted_hashes() {
        let good = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(classify_hash(good), HashInput::Valid);
        assert_eq!(classify_hash(&format!("  sha256:{good}\n")), HashInput::Valid);
        assert_eq!(classify_hash(""), HashInput::Empty);
        assert_eq!(classify_hash("abc"), HashInput::WrongLength(3));
        assert_eq!(classify_hash("xyz"), HashInput::NotHex);
    }
}
