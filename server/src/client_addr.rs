//! The client address: the one place that says who sent a request, for rate limits, audit
//! events and log lines.
//!
//! It is the TCP peer, unless that peer is a trusted proxy (`--trusted-proxy`, addresses or
//! CIDR blocks): then `X-Forwarded-For` is read from the right, skipping trusted proxies, and
//! the first address that is not one is the client. Hops further left were written by the
//! client itself and are never believed. Without trusted proxies the header is ignored.
//!
//! Use it in a handler as an extractor (`ClientAddr(ip): ClientAddr`); it never refuses a
//! request (when the server runs without peer addresses, as in-process tests do, it is
//! `0.0.0.0`).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The header a proxy appends the address it received the request from to.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The address of the client that sent a request (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .copied()
            .unwrap_or(ClientAddr(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`127.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    ///
    /// # Errors
    /// A message naming the entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.as_ref().trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("{entry}: a trusted proxy is an IP address or a CIDR block")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            // A hop that is not an address ends the chain: nothing left of it is believed.
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The middleware that works the client address out once and leaves it in the request's
/// extensions for [`ClientAddr`].
pub async fn resolve(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = proxies.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        let got = none.client(ip("203.0.113.9"), &forwarded(&["198.51.100.1"]));
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse(&["127.0.0.1", "10.0.0.0/8"]).unwrap();
        let peer = ip("127.0.0.1");
        // The client wrote the first entry itself; the proxies appended the rest.
        let headers = forwarded(&["6.6.6.6, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(proxies.client(peer, &headers), ip("198.51.100.7"));
        // Only trusted hops: the leftmost one.
        assert_eq!(
            proxies.client(peer, &forwarded(&["10.0.0.1"])),
            ip("10.0.0.1")
        );
        // No header: the proxy itself.
        assert_eq!(proxies.client(peer, &HeaderMap::new()), peer);
        // Garbage stops the walk at the last good hop.
        let headers = forwarded(&["6.6.6.6, nonsense, 10.1.2.3"]);
        assert_eq!(proxies.client(peer, &headers), ip("10.1.2.3"));
        // An untrusted peer's header is not read.
        assert_eq!(
            proxies.client(ip("192.0.2.1"), &forwarded(&["6.6.6.6"])),
            ip("192.0.2.1")
        );
        // IPv4-mapped peers count as their IPv4 address.
        assert_eq!(
            proxies.client(ip("::ffff:127.0.0.1"), &forwarded(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn entries_are_addresses_or_blocks() {
        assert!(TrustedProxies::parse(&["::1", "fd00::/8", "192.168.0.0/16"]).is_ok());
        let error = TrustedProxies::parse(&["proxy.example"]).unwrap_err();
        assert!(error.contains("proxy.example"));
    }
}
