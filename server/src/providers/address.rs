//! Which addresses a fetch may reach: public unicast only. Every special-purpose range (the
//! IANA registries for IPv4 and IPv6) is refused, on a URL's literal host and on every address
//! a name resolves to.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// Every range of the IANA IPv4 and IPv6 Special-Purpose Address Registries
/// (iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry, as of
/// 2025: RFC 6890 and its updates), plus multicast, IPv6 site-local and IPv4-compatible
/// addresses. None of them is a place a provider or an image lives: a fetch never goes there.
/// IPv4-mapped IPv6 addresses (`::ffff:0:0/96`) are judged by the IPv4 address inside.
const SPECIAL_PURPOSE: &[&str] = &[
    // IPv4
    "0.0.0.0/8",       // "this network"
    "10.0.0.0/8",      // private use
    "100.64.0.0/10",   // shared address space (carrier-grade NAT)
    "127.0.0.0/8",     // loopback
    "169.254.0.0/16",  // link local (cloud metadata lives here)
    "172.16.0.0/12",   // private use
    "192.0.0.0/24",    // IETF protocol assignments (DS-Lite, NAT64 discovery, PCP, TURN …)
    "192.0.2.0/24",    // documentation (TEST-NET-1)
    "192.31.196.0/24", // AS112-v4
    "192.52.193.0/24", // AMT
    "192.88.99.0/24",  // deprecated 6to4 relay anycast
    "192.168.0.0/16",  // private use
    "192.175.48.0/24", // direct delegation AS112 service
    "198.18.0.0/15",   // benchmarking
    "198.51.100.0/24", // documentation (TEST-NET-2)
    "203.0.113.0/24",  // documentation (TEST-NET-3)
    "224.0.0.0/4",     // multicast
    "240.0.0.0/4",     // reserved (and 255.255.255.255, limited broadcast)
    // IPv6
    "::/96",             // unspecified, loopback (::1) and deprecated IPv4-compatible
    "64:ff9b::/96",      // IPv4/IPv6 translation (NAT64)
    "64:ff9b:1::/48",    // local-use IPv4/IPv6 translation
    "100::/64",          // discard-only
    "100:0:0:1::/64",    // dummy IPv6 prefix
    "2001::/23",         // IETF protocol assignments (Teredo, ORCHID, AMT, AS112, DRIP …)
    "2001:db8::/32",     // documentation
    "2002::/16",         // 6to4
    "2620:4f:8000::/48", // direct delegation AS112 service
    "3fff::/20",         // documentation
    "5f00::/16",         // segment routing (SRv6) SIDs
    "fc00::/7",          // unique local
    "fe80::/10",         // link-local unicast
    "fec0::/10",         // deprecated site-local
    "ff00::/8",          // multicast
];

/// The special-purpose ranges, parsed once.
fn special_purpose() -> &'static [ipnet::IpNet] {
    static NETS: std::sync::OnceLock<Vec<ipnet::IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| {
        SPECIAL_PURPOSE
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect()
    })
}

/// Whether `ip` is anything but a public unicast address: every special-purpose range (see
/// [`SPECIAL_PURPOSE`]).
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    special_purpose().iter().any(|net| net.contains(&ip))
}

/// A resolver that drops internal addresses from every answer (and fails when none is left).
pub(super) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                addrs.into_iter().filter(|a| !is_internal(a.ip())).collect();
            if public.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = format!(
                    "{host} resolves only to local or private addresses, which are not allowed"
                )
                .into();
                return Err(err);
            }
            let it: Addrs = Box::new(public.into_iter());
            Ok(it)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            // Missed before: the rest of the IANA special-purpose registries.
            "192.0.0.9",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.175.48.1",
            "255.255.255.255",
            "::",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:20::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(
                is_internal(ip.parse().expect("ip")),
                "{ip} should be internal"
            );
        }
        // Every range of the table is parsed (a typo would silently leave one out).
        assert_eq!(special_purpose().len(), SPECIAL_PURPOSE.len());
        for ip in [
            "8.8.8.8",
            "47.100.1.1",
            "2606:4700::1111",
            "2400:cb00::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(
                !is_internal(ip.parse().expect("ip")),
                "{ip} should be public"
            );
        }
    }
}
