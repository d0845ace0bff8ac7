//! Where a sign-in may return to: a path on this site, never an open
//! redirect. A browser reads a `Location` by the WHATWG URL standard
//! (url.spec.whatwg.org, "basic URL parser": tabs and line breaks are
//! dropped, `\` counts as `/` in http URLs, and `//host` starts another
//! origin), so `next` is joined onto the public URL with the `url` crate,
//! which follows that standard, and must stay on the public URL's origin.
//! Control characters, backslashes and a leading `//` are refused outright,
//! as written and once percent-decoded, so no later decoding can make one.

use percent_encoding::percent_decode_str;
use url::{Position, Url};

/// `next` as a path on the site at `public_url`, or `None` when a browser
/// could read it as anywhere else.
pub(crate) fn local_path(public_url: &str, next: &str) -> Option<String> {
    let decoded = percent_decode_str(next).decode_utf8_lossy();
    let plain = |text: &str| {
        text.starts_with('/')
            && !text.starts_with("//")
            && !text.contains('\\')
            && !text.chars().any(char::is_control)
    };
    if !plain(next) || !plain(&decoded) {
        return None;
    }
    let base = Url::parse(public_url).ok()?;
    let joined = base.join(next).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let path = &joined[Position::BeforePath..];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://gate.example.com";

    #[test]
    fn a_path_on_this_site_is_kept() {
        for good in ["/inbox", "/inbox/pau_1?tag=team%3Adata", "/inbox#top"] {
            assert_eq!(local_path(SITE, good).as_deref(), Some(good));
        }
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_is_refused() {
        for hostile in [
            "/\t/evil.com",
            "\t//evil.com",
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com",
            "http:evil.com",
            "/%2F%2Fevil.com",
            "/%5Cevil.com",
            "/%09/evil.com",
            "/\r\n/evil.com",
            "evil.com",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(local_path(SITE, hostile), None, "{hostile:?}");
        }
    }
}
