//! The egress guard: every HTTP request Confab makes on a user's behalf (outgoing webhooks)
//! goes through [`EgressClient`], which never reaches private, loopback, link-local,
//! unique-local, CGNAT, multicast, unspecified, reserved or documentation addresses unless the
//! operator lists them with `--egress-allow CIDR,...`.
//!
//! Why each check sits where it does: a URL names a host, but what matters is the address the
//! socket connects to. So names are resolved by our own resolver, which hands the connector
//! only permitted addresses (the address checked is the address connected to: no window for a
//! DNS answer that changes between a check and the connect); IP-literal hosts, which the
//! connector never resolves, are checked before the request and on every redirect by a custom
//! redirect policy (at most [`MAX_REDIRECTS`] hops). Proxies are off (a proxy would connect for
//! us, out of our sight), and timeouts and a body limit bound what a slow or huge answer costs.
//!
//! `http://` is accepted only for IP-literal hosts inside the allowed ranges (a receiver on the
//! operator's own network); everything else must be `https://`, so a signed payload never
//! crosses the internet in clear.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Redirects followed before a request fails; each hop is checked like the first URL.
pub const MAX_REDIRECTS: usize = 3;
/// Time to establish a connection (resolution included).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a whole request, from connecting to the end of the answer's headers.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Ranges nobody outside the operator's network should be made to reach, with the name a
/// refusal gives. IPv4-mapped, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address
/// they carry (see [`forbidden`]).
static FORBIDDEN: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("100::/64", "discard"),
        ("2001::/23", "reserved"),
        ("2001:db8::/32", "documentation"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    ]
    .into_iter()
    // unwrap: the literals above are valid CIDRs (the unit tests parse every one).
    .map(|(net, why)| (net.parse().unwrap_or_else(|_| unreachable!("bad CIDR literal {net}")), why))
    .collect()
});

/// Why an address may not be reached, or `None` if it is a public address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    let ip = carried_ipv4(ip).map_or(ip, IpAddr::V4);
    FORBIDDEN.iter().find(|(net, _)| net.contains(&ip)).map(|(_, why)| *why)
}

/// The IPv4 address an IPv6 address stands for (IPv4-mapped `::ffff:a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`), which is where a connection to it ends up.
fn carried_ipv4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let [a, b] = [s[6].to_be_bytes(), s[7].to_be_bytes()];
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(a[0], a[1], b[0], b[1]));
    }
    if s[0] == 0x2002 {
        let [c, d] = [s[1].to_be_bytes(), s[2].to_be_bytes()];
        return Some(Ipv4Addr::new(c[0], c[1], d[0], d[1]));
    }
    None
}

/// Why a request was not made.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The address is in a forbidden range and not in `--egress-allow`.
    #[error("{host} is a {why} address ({ip}), which outgoing requests may not reach (see --egress-allow)")]
    Forbidden {
        /// The host as the URL named it.
        host: String,
        /// The address it is or resolved to.
        ip: IpAddr,
        /// The range's name.
        why: &'static str,
    },
    /// The URL's scheme is not allowed for its host.
    #[error("{0}")]
    Scheme(&'static str),
    /// The name resolved to nothing.
    #[error("{host} could not be resolved: {why}")]
    Unresolved {
        /// The name.
        host: String,
        /// The resolver's answer.
        why: String,
    },
    /// Too many redirects.
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
}

/// The operator's exceptions to the forbidden ranges.
#[derive(Clone, Debug, Default)]
pub struct EgressPolicy {
    allow: Vec<IpNet>,
}

impl EgressPolicy {
    /// A policy permitting public addresses and those in `allow`.
    pub fn new(allow: Vec<IpNet>) -> Self {
        Self { allow }
    }

    fn allowed(&self, ip: IpAddr) -> bool {
        let mapped = carried_ipv4(ip).map(IpAddr::V4);
        self.allow.iter().any(|net| net.contains(&ip) || mapped.is_some_and(|v4| net.contains(&v4)))
    }

    /// Checks one address a connection would go to.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), EgressError> {
        match forbidden(ip) {
            Some(why) if !self.allowed(ip) => Err(EgressError::Forbidden { host: host.to_owned(), ip, why }),
            _ => Ok(()),
        }
    }

    /// Checks what can be checked of a URL before connecting: its scheme, and its host when it
    /// is an IP literal (names are checked by the resolver, at the connect).
    pub fn check_url(&self, url: &Url) -> Result<(), EgressError> {
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(Host::Domain(_)) => None,
            None => return Err(EgressError::Scheme("the URL has no host")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EgressError::Scheme("the URL may not carry a user name or password"));
        }
        // The address first: it is the refusal that says most (a redirect to http://10.0.0.1
        // is refused for where it goes, not for its scheme).
        if let Some(ip) = literal {
            self.check_ip(&ip.to_string(), ip)?;
        }
        match url.scheme() {
            "https" => {}
            "http" if literal.is_some_and(|ip| self.allowed(ip)) => {}
            "http" => {
                return Err(EgressError::Scheme(
                    "http:// is accepted only for an IP address inside --egress-allow; use https://",
                ));
            }
            _ => return Err(EgressError::Scheme("only https:// URLs are accepted")),
        }
        Ok(())
    }
}

/// Resolves names and keeps only the addresses the policy permits, so the connector never
/// sees the others.
struct GuardedResolver {
    policy: Arc<EgressPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| EgressError::Unresolved { host: host.clone(), why: e.to_string() })?;
            let mut permitted: Vec<SocketAddr> = Vec::new();
            let mut refusal = None;
            for address in found {
                match policy.check_ip(&host, address.ip()) {
                    Ok(()) => permitted.push(address),
                    Err(e) => refusal = Some(e),
                }
            }
            if permitted.is_empty() {
                let why = refusal.unwrap_or(EgressError::Unresolved { host, why: "no addresses".to_owned() });
                return Err(Box::new(why) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client that only reaches what the policy permits.
#[derive(Clone)]
pub struct EgressClient {
    client: reqwest::Client,
    policy: Arc<EgressPolicy>,
}

impl EgressClient {
    /// Builds the client: guarded resolver, checked redirects, no proxies, timeouts.
    pub fn new(policy: EgressPolicy) -> anyhow::Result<Self> {
        let policy = Arc::new(policy);
        let hops = policy.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(EgressError::TooManyRedirects);
            }
            match hops.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(GuardedResolver { policy: policy.clone() })
            .redirect(redirects)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("Confab-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, policy })
    }

    /// The policy it enforces (also used to refuse a URL when it is registered).
    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// A POST to `url`, once its scheme and literal host pass the policy.
    pub fn post(&self, url: &Url) -> Result<reqwest::RequestBuilder, EgressError> {
        self.policy.check_url(url)?;
        Ok(self.client.post(url.clone()))
    }
}

/// Reads at most `limit` bytes of an answer's body (the rest is dropped unread), so a receiver
/// cannot make us buffer a huge answer.
pub async fn read_limited(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())]),
            _ => break,
        }
    }
    body
}

/// A request error as a sentence, with its causes (the guard's refusal sits deep in reqwest's
/// chain), for the subscription's `last_error`.
pub fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether an address is public (reachable without an allowance).
pub fn is_public(ip: IpAddr) -> bool {
    forbidden(ip).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_forbidden_range_parses_and_public_addresses_pass() {
        assert_eq!(FORBIDDEN.len(), 23);
        for public in ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn private_loopback_link_local_and_friends_are_forbidden() {
        for (addr, why) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.20.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("192.0.2.7", "documentation"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fe80::1", "link-local"),
            ("fd00::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            // IPv6 spellings of IPv4 addresses are judged by the IPv4 address.
            ("::ffff:127.0.0.1", "loopback"),
            ("64:ff9b::a00:1", "private"),
            ("2002:c0a8:101::", "private"),
        ] {
            assert_eq!(forbidden(ip(addr)), Some(why), "{addr}");
        }
    }

    #[test]
    fn the_allowance_opens_only_its_own_range() {
        let policy = EgressPolicy::new(vec!["127.0.0.1/32".parse().unwrap()]);
        assert!(policy.check_ip("a", ip("127.0.0.1")).is_ok());
        assert!(policy.check_ip("a", ip("::ffff:127.0.0.1")).is_ok());
        assert!(matches!(policy.check_ip("a", ip("127.0.0.2")), Err(EgressError::Forbidden { why: "loopback", .. })));
        assert!(policy.check_ip("a", ip("10.0.0.1")).is_err());
    }

    #[test]
    fn urls_need_https_unless_they_name_an_allowed_address() {
        let none = EgressPolicy::default();
        let loopback = EgressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        let url = |s: &str| Url::parse(s).unwrap();
        assert!(none.check_url(&url("https://example.com/hook")).is_ok());
        assert!(matches!(none.check_url(&url("http://example.com/hook")), Err(EgressError::Scheme(_))));
        assert!(matches!(none.check_url(&url("https://127.0.0.1/hook")), Err(EgressError::Forbidden { .. })));
        assert!(matches!(none.check_url(&url("https://[::1]/hook")), Err(EgressError::Forbidden { .. })));
        assert!(none.check_url(&url("ftp://example.com/")).is_err());
        assert!(none.check_url(&url("https://user:pw@example.com/")).is_err());
        assert!(loopback.check_url(&url("http://127.0.0.1:9000/hook")).is_ok());
        assert!(loopback.check_url(&url("http://localhost:9000/hook")).is_err(), "names need https");
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_never_connected_to() {
        // `localhost` passes the URL check (a name) and is stopped at resolution, before any
        // connection: nothing listens on port 9, so only the guard can explain the answer.
        let client = EgressClient::new(EgressPolicy::default()).unwrap();
        let error = client.post(&Url::parse("https://localhost:9/hook").unwrap()).unwrap().send().await.unwrap_err();
        let text = describe(&error);
        assert!(text.contains("loopback address"), "{text}");
    }
}
