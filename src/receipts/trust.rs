//! Whom a verifier trusts. A receipt names its issuer (`iss`) and its key
//! (`kid`), but both are written by whoever signed it: a forger serving
//! its own key set at the URL its receipt names would vouch for itself. So
//! the keys always come from a trust anchor the verifier was given (a key
//! set, a public key, or a pinned issuer whose key set is then fetched),
//! and when issuers are pinned, a receipt naming another issuer is refused
//! before its signature is even looked at. Pure: the CLI reads the files
//! and fetches the key sets.
//!
//! Issuers compare as written, after dropping a trailing `/` (the server
//! drops it from its public URL too): `https://a.example` and
//! `https://A.example` are different issuers here, so two names never
//! meet by accident. A key set is fetched over https only; plain http is
//! accepted for loopback hosts, where nobody sits on the path.
//!
//! References: RFC 7519 §4.1.1 (`iss`), RFC 7515 §4.1.4 (`kid` is only a
//! hint), RFC 8414 §3 / RFC 8615 (`/.well-known/` locations).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{Jwks, ReceiptClaims, verify};

/// Keys a verifier trusts, and where they came from (said in every verdict).
#[derive(Debug, Clone)]
pub struct Anchor {
    /// The keys.
    pub keys: Jwks,
    /// Where they came from, in words: a file, a URL.
    pub source: String,
}

/// The issuers a verifier pinned; empty: the issuer is not checked (the
/// keys alone are the anchor).
#[derive(Debug, Clone, Default)]
pub struct Pinned {
    issuers: Vec<String>,
}

/// A receipt whose signature verified with an anchor's key.
#[derive(Debug, Clone)]
pub struct Trusted {
    /// What it says.
    pub claims: ReceiptClaims,
    /// The key that signed it.
    pub kid: String,
    /// The pinned issuer it names; `None` when no issuer was pinned.
    pub issuer: Option<String>,
}

/// `url` without a trailing `/`.
fn normalized(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

/// Checks that keys may be fetched from `url`: https, or http to a
/// loopback host.
pub fn check_fetchable(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url} is not a URL: {e}"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{url}: keys fetched over plain http could be swapped on the way; use https \
             (http is accepted only for localhost)"
        )),
        other => Err(format!("{url}: expected an https URL, not {other}:")),
    }
}

/// Where an issuer publishes its keys.
pub fn jwks_url(issuer: &str) -> String {
    format!("{}/.well-known/jwks.json", normalized(issuer))
}

/// The `iss` a receipt claims, read without checking anything: only to
/// name it, or to pick among pinned issuers.
pub fn claimed_issuer(jws: &str) -> Option<String> {
    let payload = jws.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["iss"].as_str().map(str::to_owned)
}

impl Pinned {
    /// The issuers in `urls` (public URLs of pausegate servers); the
    /// error names the one that cannot be an issuer.
    pub fn new<S: AsRef<str>>(urls: &[S]) -> Result<Self, String> {
        let mut issuers = Vec::new();
        for url in urls
            .iter()
            .map(AsRef::as_ref)
            .filter(|u| !u.trim().is_empty())
        {
            let issuer = normalized(url);
            check_fetchable(&issuer)?;
            issuers.push(issuer);
        }
        Ok(Self { issuers })
    }

    /// Whether no issuer is pinned.
    pub fn is_empty(&self) -> bool {
        self.issuers.is_empty()
    }

    /// The pinned issuer a receipt naming `claimed` comes from; the error
    /// names both the receipt's issuer and the pinned ones.
    pub fn select(&self, claimed: Option<&str>) -> Result<&str, String> {
        let pinned = self.issuers.join(", ");
        let Some(claimed) = claimed else {
            return Err(format!(
                "the receipt names no issuer, but the trusted issuer is {pinned}"
            ));
        };
        let claimed_normalized = normalized(claimed);
        self.issuers
            .iter()
            .find(|issuer| **issuer == claimed_normalized)
            .map(String::as_str)
            .ok_or_else(|| {
                format!("the receipt's issuer is {claimed}, but the trusted issuer is {pinned}")
            })
    }
}

/// Checks `jws` with the keys of `anchor`, and, when issuers are pinned,
/// that it names one of them. The error names what is wrong.
pub fn verify_trusted(jws: &str, anchor: &Anchor, pinned: &Pinned) -> Result<Trusted, String> {
    if !pinned.is_empty() {
        // Refused before the signature: another issuer's keys are not ours to ask.
        pinned.select(claimed_issuer(jws).as_deref())?;
    }
    let claims =
        verify(jws, &anchor.keys).map_err(|why| format!("{why} (keys from {})", anchor.source))?;
    let issuer = match pinned.is_empty() {
        true => None,
        false => Some(pinned.select(claims.iss.as_deref())?.to_owned()),
    };
    let kid = jsonwebtoken::decode_header(jws)
        .ok()
        .and_then(|header| header.kid)
        .unwrap_or_default();
    Ok(Trusted {
        claims,
        kid,
        issuer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_issuer_matches_only_itself_with_or_without_a_trailing_slash() {
        let pinned = Pinned::new(&["https://gate.example.com/"]).unwrap();
        assert_eq!(
            pinned.select(Some("https://gate.example.com")),
            Ok("https://gate.example.com")
        );
        let other = pinned
            .select(Some("https://gate.example.com.evil"))
            .unwrap_err();
        assert!(other.contains("https://gate.example.com.evil"), "{other}");
        assert!(other.contains("trusted issuer is https://gate.example.com"));
        assert!(pinned.select(Some("https://GATE.example.com")).is_err());
        assert!(pinned.select(None).unwrap_err().contains("names no issuer"));
    }

    #[test]
    fn keys_are_fetched_over_https_or_from_loopback_only() {
        assert!(check_fetchable("https://gate.example.com").is_ok());
        assert!(check_fetchable("http://127.0.0.1:8080").is_ok());
        assert!(check_fetchable("http://localhost:8080").is_ok());
        assert!(check_fetchable("http://[::1]:8080").is_ok());
        let plain = check_fetchable("http://gate.example.com").unwrap_err();
        assert!(plain.contains("plain http"), "{plain}");
        assert!(check_fetchable("file:///etc/keys").is_err());
        assert!(Pinned::new(&["http://gate.example.com"]).is_err());
    }
}
