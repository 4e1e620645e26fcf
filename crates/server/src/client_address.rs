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

/// The client's address as far as the trusted proxies tell; `None` when it cannot be known:
/// no peer address (a test request, a Unix socket), or a trusted proxy's list with an entry
/// that is not an address (the hops beyond it cannot be believed).
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    resolve(peer, req.headers(), trusted)
}

/// The client's address with the server's settings, as text for the audit log and the login
/// limits: the nearest address known (the proxy's, when what it forwarded is unreadable).
pub fn client_address(req: &HttpRequest) -> String {
    let trusted = trusted_proxies(req);
    let peer = req.peer_addr().map(|a| a.ip().to_canonical());
    client_ip(req, &trusted).or(peer).map(|ip| ip.to_string()).unwrap_or_default()
}

fn trusted_proxies(req: &HttpRequest) -> Vec<IpNet> {
    req.app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| state.settings.trusted_proxies.clone())
        .unwrap_or_default()
}

/// Whether the request came from one of the trusted proxies.
pub fn from_trusted_proxy(req: &HttpRequest) -> bool {
    let trusted = trusted_proxies(req);
    req.peer_addr().is_some_and(|p| trusted.iter().any(|net| net.contains(&p.ip().to_canonical())))
}

/// Whether the request says it passed through a proxy (any forwarding header).
pub fn was_forwarded(req: &HttpRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(FORWARDED_FOR) || headers.contains_key("forwarded") || headers.contains_key("x-real-ip")
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // Several headers are one list, in order; read from the right, hop by hop.
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all(FORWARDED_FOR) {
        // A header that is not text is as unreadable as a hop that is not an address.
        hops.extend(value.to_str().ok()?.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        // Unreadable: whoever wrote it is beyond what the trusted proxies vouch for.
        client = hop.parse::<IpAddr>().ok()?.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    Some(client)
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
        assert_eq!(resolve(ip("203.0.113.9"), &headers(&["1.2.3.4"]), &trusted), Some(ip("203.0.113.9")));
        assert_eq!(resolve(ip("127.0.0.1"), &headers(&["1.2.3.4"]), &[]), Some(ip("127.0.0.1")));
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        // The client forged 6.6.6.6; the first proxy saw 198.51.100.7.
        let forwarded = headers(&["6.6.6.6, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(resolve(ip("127.0.0.1"), &forwarded, &trusted), Some(ip("198.51.100.7")));
        // Only proxies: the leftmost is the best we know.
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["10.0.0.5"]), &trusted), Some(ip("10.0.0.5")));
        // No header: the proxy itself.
        assert_eq!(resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted), Some(ip("10.0.0.1")));
        // Garbage before the client's entry: its forgery is never reached.
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["junk, 1.2.3.4"]), &trusted), Some(ip("1.2.3.4")));
        // Garbage where the proxy's entry should be: the client is unknown, not the proxy.
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["1.2.3.4, not-an-ip"]), &trusted), None);
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["x"]), &trusted), None);
        assert_eq!(resolve(ip("10.0.0.1"), &headers(&["::ffff:1.2.3.4"]), &trusted), Some(ip("1.2.3.4")));
    }
}
