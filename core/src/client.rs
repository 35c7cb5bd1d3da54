//! Who a client is, for the per-address throttles in front of the recipients' exact counts.

use std::net::{IpAddr, Ipv6Addr};

/// The key a client's requests are counted under: an IPv4 address as it is, an IPv6 address by
/// its /64, the block one subscriber is usually given, so a client cannot step around a
/// throttle by rotating through its own addresses. Anything else (a missing or odd header) is
/// one key of its own.
pub fn throttle_key(address: &str) -> String {
    match address.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let prefix = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{prefix}/64")
            }
        },
        Err(_) => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ipv6_subscriber_is_one_client_and_ipv4_stays_exact() {
        assert_eq!(throttle_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(
            throttle_key("2001:db8:1:2:aaaa::1"),
            throttle_key("2001:db8:1:2:ffff:1:2:3")
        );
        assert_eq!(throttle_key("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(
            throttle_key("2001:db8:1:2::1"),
            throttle_key("2001:db8:1:3::1")
        );
        assert_eq!(throttle_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(throttle_key("not an address"), "unknown");
        assert_eq!(throttle_key(""), "unknown");
    }
}
