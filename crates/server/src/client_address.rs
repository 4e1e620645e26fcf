//! Which address a request comes from, for rate limits, the audit log, sessions and the
//! `/metrics` allow-list. The peer's address, unless the peer is a reverse proxy the operator
//! trusts (`--trusted-proxies`): then the nearest address in `X-Forwarded-For` that is not
//! itself a trusted proxy, read from the right, since every proxy appends the address it saw
//! and only the entries our proxies added can be believed (a client can put anything in the
//! header it sends).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The `X-Forwarded-For` header.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address as far as the trusted proxies tell; `None` without a peer address
/// (a test request, a Unix socket).
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    Some(resolve(peer, req.headers(), trusted))
}

/// The client's address with the server's settings, as text (empty when unknown).
pub fn client_address(req: &HttpRequest) -> String {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| state.settings.trusted_proxies.clone())
        .unwrap_or_default();
    client_ip(req, &trusted).map(|ip| ip.to_string()).unwrap_or_default()
}

/// Whether the request says it passed through a proxy (any forwarding header).
pub fn was_forwarded(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(FORWARDED_FOR) || headers.contains_key("forwarded") || headers.contains_key("x-real-ip")
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Several headers are one list, in order.
    let hops: Vec<IpAddr> = headers
        .get_all(FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|hop| hop.parse::<IpAddr>().map(|ip| ip.to_canonical()))
        .collect::<Result<_, _>>()
        // An unreadable list cannot be trusted past the proxy that sent it.
        .unwrap_or_default();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(HeaderName::from_static(FORWARDED_FOR), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(resolve(ip("203.0.113.9"), &headers(&["1.2.3.4"]), &trusted), ip("203.0.113.9"));
        assert_eq!(resolve(ip("127.0.0.1"), &headers(&["1.2.3.4"]), &[]), ip("127.0.0.1"));
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        // The client forged 6.6.6.6; the first proxy saw 198.51.100.7.
        let forwarded = headers(&["6.6.6.6, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(resolve(ip("127.0.0.1"), &forwarded, &trusted), ip("198.51.100.7"));
        // Only proxies: the leftmost is the best we know.
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["10.0.0.5"]), &trusted), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted), ip("10.0.0.1"));
        // Garbage in the list: not believed.
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["1.2.3.4, not-an-ip"]), &trusted), ip("10.0.0.1"));
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["::ffff:1.2.3.4"]), &trusted), ip("1.2.3.4"));
    }
}
