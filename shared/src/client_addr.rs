//! The client's address (客户端地址) behind reverse proxies, for throttling.
//!
//! A request's peer is the address that opened the TCP connection. When that peer is a
//! configured trusted proxy ([`TrustedProxies`], the `trusted_proxies` setting), its
//! `X-Forwarded-For` is read from the right: each entry added by a trusted proxy is
//! skipped, and the right-most entry that is not a trusted proxy is the client. From any
//! other peer the header is ignored, so a caller cannot choose the address it is counted
//! against. [`layer`] resolves the address once per request and puts a [`ClientAddr`] in
//! the request's extensions; handlers take it as an extractor.

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// At most this many `X-Forwarded-For` entries are examined (right to left); a longer
/// chain ends at the last examined hop.
pub const MAX_FORWARDED_HOPS: usize = 16;

/// One address range: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(s: &str) -> Option<Net> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.trim(), Some(p.trim())),
            None => (s.trim(), None),
        };
        let addr = addr.parse::<IpAddr>().ok()?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max)?
            }
            Some(_) => return None,
        };
        Some(Net { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The peers whose `X-Forwarded-For` is believed: addresses (`10.0.0.5`, `::1`) and CIDR
/// ranges (`10.0.0.0/8`). Empty by default: the header is then never read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<Net>,
}

impl TrustedProxies {
    /// Parses a list of addresses and CIDR ranges; names the first entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut nets = Vec::with_capacity(entries.len());
        for entry in entries {
            let entry = entry.as_ref();
            nets.push(Net::parse(entry).ok_or_else(|| {
                format!("trusted_proxies: {entry:?} is neither an IP address nor a CIDR range")
            })?);
        }
        Ok(Self { nets })
    }

    /// Loopback only (`127.0.0.0/8`, `::1`): a proxy on the same host, e.g. the pages of
    /// `wuye up` calling the APIs on the same port.
    pub fn loopback() -> Self {
        Self {
            nets: vec![
                Net {
                    addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
                    prefix: 8,
                },
                Net {
                    addr: IpAddr::V6(Ipv6Addr::LOCALHOST),
                    prefix: 128,
                },
            ],
        }
    }

    /// These ranges and also `other`'s.
    pub fn and(mut self, other: &TrustedProxies) -> Self {
        for net in &other.nets {
            if !self.nets.contains(net) {
                self.nets.push(*net);
            }
        }
        self
    }

    /// This one address too (e.g. the address `wuye up` listens on).
    pub fn and_addr(self, ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        let prefix = if ip.is_ipv4() { 32 } else { 128 };
        self.and(&TrustedProxies {
            nets: vec![Net { addr: ip, prefix }],
        })
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|n| n.contains(ip))
    }
}

/// The client's address: the peer's, or when the peer is a trusted proxy the right-most
/// `X-Forwarded-For` entry that is not a trusted proxy. When every examined entry is a
/// trusted proxy, the left-most examined one; a malformed entry ends the walk at the
/// last hop that could be believed. `None` only when the peer is unknown (a router
/// served without `ConnectInfo`), and then the header is not read either.
pub fn resolve(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let mut client = peer?.to_canonical();
    if !trusted.contains(client) {
        return Some(client);
    }
    // Every header line in order, each a comma-separated list; read from the right.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in entries.iter().rev().take(MAX_FORWARDED_HOPS) {
        let Some(ip) = parse_entry(entry) else {
            break;
        };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    Some(client)
}

/// An `X-Forwarded-For` entry: an IP address, optionally `[v6]:port` or `v4:port`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    entry
        .parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

/// The resolved client address of a request, put in its extensions by [`layer`]. As an
/// extractor without the layer it falls back to the peer address (the header unread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The throttling key: the address, or `unknown`.
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("unknown"),
        }
    }
}

fn peer(parts_ext: &axum::http::Extensions) -> Option<IpAddr> {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .unwrap_or_else(|| ClientAddr(peer(&parts.extensions).map(|p| p.to_canonical()))))
    }
}

/// Middleware (`axum::middleware::from_fn_with_state(Arc<TrustedProxies>, layer)`):
/// resolves the client address once and records it as a [`ClientAddr`] extension.
pub async fn layer(
    State(trusted): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    let addr = ClientAddr(resolve(peer(req.extensions()), req.headers(), &trusted));
    req.extensions_mut().insert(addr);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.7", "fd00::/8"]).unwrap();
        assert!(t.contains(ip("10.200.3.4")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("192.168.1.7")));
        assert!(!t.contains(ip("192.168.1.8")));
        assert!(t.contains(ip("fd12::1")));
        assert!(!t.contains(ip("fe80::1")));
        // An IPv4-mapped IPv6 peer is its IPv4 address.
        assert!(t.contains(ip("::ffff:10.1.2.3")));
        assert!(
            TrustedProxies::parse(&["0.0.0.0/0"])
                .unwrap()
                .contains(ip("8.8.8.8"))
        );
        for bad in [
            "10.0.0.0/33",
            "nonsense",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "::/129",
            "",
        ] {
            assert!(TrustedProxies::parse(&[bad]).is_err(), "{bad} accepted");
        }
        assert!(TrustedProxies::default().is_empty());
        assert!(TrustedProxies::loopback().contains(ip("127.0.0.1")));
        assert!(TrustedProxies::loopback().contains(ip("::1")));
        assert!(!TrustedProxies::loopback().contains(ip("192.168.0.1")));
    }

    #[test]
    fn the_header_is_ignored_from_an_untrusted_peer() {
        let none = TrustedProxies::default();
        let h = xff(&["203.0.113.9"]);
        assert_eq!(
            resolve(Some(ip("127.0.0.1")), &h, &none),
            Some(ip("127.0.0.1"))
        );
        // Private addresses are not trusted for being private.
        let t = TrustedProxies::parse(&["10.0.0.1"]).unwrap();
        assert_eq!(resolve(Some(ip("10.0.0.2")), &h, &t), Some(ip("10.0.0.2")));
        assert_eq!(resolve(None, &h, &t), None);
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        // The client forged a left-most entry; the proxies appended the real one.
        let h = xff(&["6.6.6.6, 198.51.100.4", "10.0.0.3"]);
        assert_eq!(
            resolve(Some(ip("10.0.0.1")), &h, &t),
            Some(ip("198.51.100.4"))
        );
        // No header: the proxy itself.
        assert_eq!(
            resolve(Some(ip("10.0.0.1")), &HeaderMap::new(), &t),
            Some(ip("10.0.0.1"))
        );
        // Every entry trusted: the left-most.
        let h = xff(&["10.1.1.1, 10.2.2.2"]);
        assert_eq!(resolve(Some(ip("10.0.0.1")), &h, &t), Some(ip("10.1.1.1")));
        // A malformed entry ends the walk at the last believable hop.
        let h = xff(&["198.51.100.4, garbage, 10.0.0.9"]);
        assert_eq!(resolve(Some(ip("10.0.0.1")), &h, &t), Some(ip("10.0.0.9")));
        // Ports and brackets are tolerated.
        let h = xff(&["198.51.100.4:5123"]);
        assert_eq!(
            resolve(Some(ip("10.0.0.1")), &h, &t),
            Some(ip("198.51.100.4"))
        );
        let h = xff(&["[2001:db8::1]:443"]);
        assert_eq!(
            resolve(Some(ip("10.0.0.1")), &h, &t),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn long_chains_are_cut() {
        let t = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let chain = vec!["10.0.0.7"; 1000].join(", ");
        let h = xff(&[&format!("198.51.100.4, {chain}")]);
        assert_eq!(resolve(Some(ip("10.0.0.1")), &h, &t), Some(ip("10.0.0.7")));
    }
}
