//! Where to come back to after signing in: a same-site path ([`SafeNext`]), parsed from
//! the hostile `next` parameter of the sign-in form, and the `next` a role guard sends a
//! visitor to sign in with.

use axum::http::request::Parts;
use axum::http::{Method, Uri, header};

/// Where to go after signing in: a path on this site, parsed from the hostile `next`
/// parameter. What it holds is printable ASCII (so it is a valid `Location` header), begins
/// with one `/`, and neither it nor any percent-decoding of it begins with `//` or `/\`
/// (which browsers follow to another host) or holds a backslash or a control character
/// (which browsers strip or turn into `/`: `/%09/evil.example` → `//evil.example`). Being
/// a path, it has no scheme. Anything else is refused and the user goes home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeNext(String);

impl SafeNext {
    /// Longest `next` kept (a path with its query); longer ones go home.
    const MAX_LEN: usize = 2048;
    /// How many layers of percent-encoding are looked through before giving up.
    const MAX_DECODES: usize = 4;

    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > Self::MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut layer = raw.as_bytes().to_vec();
        for _ in 0..=Self::MAX_DECODES {
            if !Self::same_site(&layer) {
                return None;
            }
            let decoded: Vec<u8> = percent_encoding::percent_decode(&layer).collect();
            if decoded == layer {
                return Some(Self(raw.to_string()));
            }
            layer = decoded;
        }
        None
    }

    /// One layer's check: a path of this site, with nothing a browser rewrites.
    fn same_site(path: &[u8]) -> bool {
        path.first() == Some(&b'/')
            && !matches!(path.get(1), Some(b'/' | b'\\'))
            && !path.iter().any(|b| *b == b'\\' || b.is_ascii_control())
    }

    /// `next`, or home when it is missing or refused.
    pub fn or_home(raw: Option<&str>) -> Self {
        raw.and_then(Self::parse)
            .unwrap_or_else(|| Self("/".into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The page a visitor sent to sign in comes back to: the page asked for (`GET`), or for a
/// form's post the page the form was on (the same-site `Referer`; browsers send it under
/// the pages' `Referrer-Policy: same-origin`); home when there is none.
pub fn come_back(parts: &Parts) -> SafeNext {
    let asked = if parts.method == Method::GET || parts.method == Method::HEAD {
        parts.uri.path_and_query().map(|p| p.as_str().to_string())
    } else {
        referring_page(parts)
    };
    SafeNext::or_home(asked.as_deref())
}

/// The path of the `Referer` when it is a page of this site (same host as the request).
fn referring_page(parts: &Parts) -> Option<String> {
    let referer: Uri = parts
        .headers
        .get(header::REFERER)?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    let host = parts.headers.get(header::HOST)?.to_str().ok()?;
    (referer.authority()?.as_str() == host)
        .then(|| referer.path_and_query().map(|p| p.as_str().to_string()))
        .flatten()
}

/// `/signin?next=…` for a visitor, to come back to `next` after signing in.
pub fn sign_in_path(next: &SafeNext) -> String {
    format!(
        "/signin?{}",
        serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::SafeNext;
    use proptest::prelude::*;

    fn next(raw: &str) -> Option<String> {
        SafeNext::parse(raw).map(|n| n.as_str().to_string())
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(next("/roster").as_deref(), Some("/roster"));
        assert_eq!(
            next("/official/ledger?street=510104017&page=2").as_deref(),
            Some("/official/ledger?street=510104017&page=2")
        );
        assert_eq!(
            next("/signin?next=%2Ffirm").as_deref(),
            Some("/signin?next=%2Ffirm")
        );
        assert_eq!(next("/"), Some("/".into()));
        for refused in [
            "",
            "roster",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\tevil",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%255C/evil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/a\\b",
            "/a%5Cb",
            "/a b",
            "/锦江",
            "/a\u{7f}",
            "/a%00b",
        ] {
            assert_eq!(next(refused), None, "{refused:?}");
        }
        assert_eq!(SafeNext::or_home(Some("//evil.example")).as_str(), "/");
        assert_eq!(SafeNext::or_home(None).as_str(), "/");
        assert_eq!(next(&format!("/{}", "a".repeat(3000))), None);
    }

    /// Every layer of percent-decoding of `s`, `s` first (at most 8).
    fn layers(s: &str) -> Vec<Vec<u8>> {
        let mut out = vec![s.as_bytes().to_vec()];
        for _ in 0..8 {
            let d: Vec<u8> = percent_encoding::percent_decode(out.last().unwrap()).collect();
            if &d == out.last().unwrap() {
                break;
            }
            out.push(d);
        }
        out
    }

    fn assert_safe(raw: &str) {
        let Some(n) = SafeNext::parse(raw) else {
            return;
        };
        let s = n.as_str();
        assert_eq!(s, raw);
        assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
        assert!(axum::http::HeaderValue::from_str(s).is_ok());
        for layer in layers(s) {
            assert_eq!(layer.first(), Some(&b'/'), "{s:?}");
            assert!(
                !layer.starts_with(b"//") && !layer.starts_with(b"/\\"),
                "{s:?}"
            );
            assert!(
                !layer.iter().any(|b| *b == b'\\' || b.is_ascii_control()),
                "{s:?}"
            );
        }
        // A path has no scheme, and the browser keeps it on this site.
        let base = reqwest::Url::parse("https://wuye.example/signin").unwrap();
        let joined = base.join(s).unwrap();
        assert_eq!(joined.host_str(), Some("wuye.example"), "{s:?}");
        assert_eq!(joined.scheme(), "https");
    }

    proptest! {
        #[test]
        fn never_panics_and_never_leaves_the_site(raw in any::<String>()) {
            assert_safe(&raw);
        }

        #[test]
        fn url_like_strings_never_leave_the_site(
            raw in "[/\\\\%0-9a-fA-F.:@?#a-z\t\n ]{0,24}"
        ) {
            assert_safe(&raw);
        }

        #[test]
        fn encoded_slashes_never_leave_the_site(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("/"), Just("\\"), Just("%2F"), Just("%2f"), Just("%5C"), Just("%25"),
                    Just("%09"), Just("%0A"), Just("2F"), Just("5C"), Just("evil.example"), Just(":"),
                ],
                0..8,
            )
        ) {
            assert_safe(&parts.concat());
        }
    }

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> axum::http::request::Parts {
        let mut b = axum::http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn a_visitor_comes_back_to_the_page() {
        use super::{come_back, sign_in_path};
        let got = |p| come_back(&p).as_str().to_string();
        assert_eq!(
            got(parts("GET", "/official/ledger?q=1", &[])),
            "/official/ledger?q=1"
        );
        let form = [
            ("host", "wuye.example"),
            ("referer", "https://wuye.example/committee/tenders/t1"),
        ];
        assert_eq!(
            got(parts("POST", "/committee/tenders/t1/award", &form)),
            "/committee/tenders/t1"
        );
        let elsewhere = [
            ("host", "wuye.example"),
            ("referer", "https://evil.example/x"),
        ];
        assert_eq!(got(parts("POST", "/firm/tenders/t1/bid", &elsewhere)), "/");
        assert_eq!(got(parts("POST", "/firm/tenders/t1/bid", &[])), "/");
        assert_eq!(
            sign_in_path(&come_back(&parts("GET", "/association", &[]))),
            "/signin?next=%2Fassociation"
        );
    }
}
