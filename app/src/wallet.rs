//! Paying from a browser wallet (EIP-1193 `window.ethereum`): the calls the
//! listing page makes, and what each failure means for the buyer.

/// A wallet's refusal or failure: EIP-1193's `code` and `message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletError {
    pub code: Option<i64>,
    pub message: String,
}

/// What to tell the buyer when the wallet says no (EIP-1193 and EIP-1474 codes).
pub fn explain(e: &WalletError) -> String {
    let lower = e.message.to_lowercase();
    match e.code {
        _ if e.code == Some(NO_WALLET) => {
            "No browser wallet found. Install one (MetaMask, Rabby, …) to pay from your wallet.".into()
        }
        Some(4001) => "You declined in your wallet. Nothing was charged.".into(),
        Some(4100) => "Your wallet did not allow this site to use that account. Unlock it and try again.".into(),
        Some(4902) => "Your wallet does not know this chain yet: add it in the wallet, then try again.".into(),
        _ if lower.contains("insufficient funds") => {
            "This wallet does not hold enough to pay (price plus gas). Nothing was charged.".into()
        }
        _ if lower.contains("revert") => format!("The payment was refused by the contract: {}", e.message),
        _ if lower.contains("fetch") || lower.contains("network") => {
            "Your wallet cannot reach the chain right now. Try again in a moment.".into()
        }
        _ => format!("Your wallet could not do it: {}", e.message),
    }
}

/// True when the wallet does not offer a method at all (EIP-1193 4200,
/// JSON-RPC -32601): the page then takes the longer way that every wallet
/// offers (for a permit: an approval, then the payment).
pub fn unsupported(e: &WalletError) -> bool {
    matches!(e.code, Some(4200 | -32601)) || e.message.to_lowercase().contains("not supported")
}

/// `amount` (a decimal integer in a token's smallest unit) in whole units, exactly:
/// `format_units("8333333333333334", 18)` is `0.008333333333333334`.
pub fn format_units(amount: &str, decimals: u8) -> String {
    let digits: String = amount.chars().filter(char::is_ascii_digit).collect();
    let d = usize::from(decimals);
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (whole, frac) = padded.split_at(padded.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { whole.to_owned() } else { format!("{whole}.{frac}") }
}

/// The code this page uses when there is no `window.ethereum` at all.
pub const NO_WALLET: i64 = -1;

#[cfg(feature = "hydrate")]
mod eip1193 {
    use leptos::wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{NO_WALLET, WalletError};

    fn error_of(e: &JsValue) -> WalletError {
        let get = |k: &str| js_sys::Reflect::get(e, &JsValue::from_str(k)).ok();
        WalletError {
            code: get("code").and_then(|c| c.as_f64()).map(|c| c as i64),
            message: get("message").and_then(|m| m.as_string()).unwrap_or_else(|| "no reason given".into()),
        }
    }

    /// `window.ethereum.request({method, params})`, as JSON in and out.
    pub async fn request(method: &str, params: serde_json::Value) -> Result<serde_json::Value, WalletError> {
        let window = web_sys::window().ok_or(WalletError { code: Some(NO_WALLET), message: "no window".into() })?;
        let provider = js_sys::Reflect::get(&window, &JsValue::from_str("ethereum"))
            .ok()
            .filter(|p| !p.is_undefined() && !p.is_null())
            .ok_or(WalletError { code: Some(NO_WALLET), message: "no window.ethereum".into() })?;
        let request = js_sys::Reflect::get(&provider, &JsValue::from_str("request"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or(WalletError { code: Some(NO_WALLET), message: "window.ethereum.request is missing".into() })?;
        let args = js_sys::JSON::parse(&serde_json::json!({"method": method, "params": params}).to_string())
            .map_err(|e| error_of(&e))?;
        let promise = request.call1(&provider, &args).map_err(|e| error_of(&e))?;
        let answer = JsFuture::from(js_sys::Promise::from(promise)).await.map_err(|e| error_of(&e))?;
        if answer.is_undefined() || answer.is_null() {
            return Ok(serde_json::Value::Null);
        }
        let text = js_sys::JSON::stringify(&answer).map_err(|e| error_of(&e))?;
        serde_json::from_str(&String::from(text))
            .map_err(|e| WalletError { code: None, message: format!("unreadable answer: {e}") })
    }
}

#[cfg(feature = "hydrate")]
pub use eip1193::request;

/// The steps every wallet flow takes (paying, proving a payout address,
/// withdrawing), with failures already put in words for people.
#[cfg(feature = "hydrate")]
pub mod steps {
    use serde_json::{Value, json};

    use super::{explain, request};

    /// Waits `ms` milliseconds.
    pub async fn sleep(ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// One EIP-1193 call; a refusal comes back as what to tell the user.
    pub async fn call(method: &str, params: Value) -> Result<Value, String> {
        request(method, params).await.map_err(|e| explain(&e))
    }

    /// Asks the wallet to sign EIP-712 typed data (`eth_signTypedData_v4`);
    /// `Ok(None)` when the wallet cannot sign typed data at all.
    pub async fn sign_typed_data(from: &str, typed_data: &Value) -> Result<Option<String>, String> {
        match request("eth_signTypedData_v4", json!([from, typed_data.to_string()])).await {
            Ok(sig) => {
                sig.as_str().map(|s| Some(s.to_owned())).ok_or_else(|| "Your wallet returned no signature.".into())
            }
            Err(e) if super::unsupported(&e) => Ok(None),
            Err(e) => Err(explain(&e)),
        }
    }

    /// A JSON-RPC quantity (`"0x1f"`) as a number.
    pub fn hex_u64(v: &Value) -> Option<u64> {
        u64::from_str_radix(v.as_str()?.trim_start_matches("0x"), 16).ok()
    }

    /// The account the wallet shares with this site (asking for it if needed).
    pub async fn account() -> Result<String, String> {
        let accounts = call("eth_requestAccounts", json!([])).await?;
        accounts[0].as_str().map(str::to_owned).ok_or_else(|| "Your wallet shared no account.".to_owned())
    }

    /// Moves the wallet to `chain_id` when it is elsewhere.
    pub async fn ensure_chain(chain_id: u64, say: impl Fn(String)) -> Result<(), String> {
        let chain = call("eth_chainId", json!([])).await?;
        if hex_u64(&chain) != Some(chain_id) {
            say(format!("Switching your wallet to chain {chain_id}…"));
            call("wallet_switchEthereumChain", json!([{"chainId": format!("{chain_id:#x}")}])).await?;
        }
        Ok(())
    }

    /// The block a transaction was mined in, once it is.
    pub async fn receipt_block(hash: &str) -> Option<u64> {
        let r = call("eth_getTransactionReceipt", json!([hash])).await.ok()?;
        hex_u64(&r["blockNumber"])
    }

    /// Waits (up to ten minutes) for a transaction's receipt; `Ok(true)` if it succeeded.
    pub async fn mined(hash: &str) -> Result<bool, String> {
        for _ in 0..600 {
            if let Ok(r) = call("eth_getTransactionReceipt", json!([hash])).await
                && !r.is_null()
            {
                return Ok(r["status"].as_str() == Some("0x1"));
            }
            sleep(1000).await;
        }
        Err(format!("Transaction {hash} was not mined within ten minutes. Check it in your wallet."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(code: Option<i64>, message: &str) -> String {
        explain(&WalletError { code, message: message.into() })
    }

    #[test]
    fn amounts_read_exactly_in_whole_units() {
        assert_eq!(format_units("8333333333333334", 18), "0.008333333333333334");
        assert_eq!(format_units("25000000", 6), "25");
        assert_eq!(format_units("2500000", 6), "2.5");
        assert_eq!(format_units("0", 6), "0");
        assert_eq!(format_units("1", 18), "0.000000000000000001");
        assert_eq!(format_units("123456789000000000000", 18), "123.456789");
    }

    #[test]
    fn every_refusal_says_what_happened_and_what_to_do() {
        assert!(said(Some(4001), "User rejected the request.").contains("declined"));
        assert!(said(Some(NO_WALLET), "").contains("No browser wallet"));
        assert!(said(Some(4902), "Unrecognized chain").contains("add it"));
        let e = |code, message: &str| WalletError { code, message: message.into() };
        assert!(unsupported(&e(Some(4200), "The requested method is not supported")));
        assert!(unsupported(&e(Some(-32601), "Method not found")));
        assert!(!unsupported(&e(Some(4001), "User rejected the request.")), "a refusal is not a missing method");
        assert!(said(Some(-32000), "insufficient funds for gas * price + value").contains("enough"));
        assert!(said(Some(-32603), "execution reverted: QuoteExpired").contains("refused by the contract"));
        assert!(said(None, "something odd").contains("something odd"));
    }
}
