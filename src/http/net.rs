//! Where the server sits on the network: its public address (behind a school's reverse
//! proxy with TLS, cookies are `Secure` and HSTS is sent), and which proxies may say who the
//! client is (`X-Forwarded-For`). Rate limits, lockouts, the bureau's IP allow-list and the
//! audit log all take the client address from [`ClientAddr`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The network settings `serve` was given.
#[derive(Debug, Clone, Default)]
pub struct Net {
    /// The address users reach the server at, e.g. `https://tax.school.edu.cn` (join links
    /// and QR codes use it); `None`: the request's own host, over plain HTTP.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed. Anyone else's is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// How long clients may take; `None`: the defaults ([`super::conn::HEADER_TIMEOUT`],
    /// [`super::guard::REQUEST_TIMEOUT`]).
    pub timeouts: Option<Timeouts>,
}

/// How long a client may take to send a request's headers (and a kept-alive connection may
/// sit idle), and until a request's response starts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header: std::time::Duration,
    pub request: std::time::Duration,
}

impl Net {
    /// The timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts.unwrap_or(Timeouts {
            header: super::conn::HEADER_TIMEOUT,
            request: super::guard::REQUEST_TIMEOUT,
        })
    }
}

impl Net {
    /// Whether users reach the server over HTTPS (cookies `Secure`, HSTS sent).
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// The client behind a connection from `peer`: `peer` itself, unless `peer` is a
    /// trusted proxy; then the nearest address in `X-Forwarded-For` that is not one.
    pub fn client(&self, peer: IpAddr, forwarded: Option<&str>) -> IpAddr {
        // an IPv4 client seen through a dual-stack socket is still that IPv4 address
        let peer = peer.to_canonical();
        let trusted = |ip: &IpAddr| self.trusted_proxies.iter().any(|t| t.to_canonical() == *ip);
        if !trusted(&peer) {
            return peer;
        }
        let Some(list) = forwarded else {
            return peer;
        };
        let mut nearest = peer;
        for hop in list.rsplit(',') {
            match hop.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
                Ok(ip) if trusted(&ip) => nearest = ip,
                Ok(ip) => return ip,
                // a hop we cannot read: stop at the last one we could
                Err(_) => return nearest,
            }
        }
        nearest
    }
}

/// The client's address, as [`Net::client`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<ClientAddr>() {
            return Ok(*c);
        }
        // Outside the middleware (it always runs in the real router): the peer.
        Ok(ClientAddr(peer_of(&parts.extensions)))
    }
}

/// The connection's own address (loopback when there is none, as in a router under test).
fn peer_of(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip())
}

/// The middleware: work out the client address for the handlers, and on HTTPS mark every
/// cookie `Secure` and send HSTS.
pub async fn layer(
    State(net): State<std::sync::Arc<Net>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = peer_of(req.extensions());
    // every X-Forwarded-For line, in order: a proxy may add its own line after the client's
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
    let client = net.client(peer, forwarded.as_deref());
    req.extensions_mut().insert(ClientAddr(client));
    let mut res = next.run(req).await;
    if net.https() {
        let h = res.headers_mut();
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| {
                let text = v.to_str().unwrap_or_default();
                if text.to_ascii_lowercase().contains("; secure") {
                    v.clone()
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| v.clone())
                }
            })
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let net = Net {
            public_url: Some("https://tax.example.edu.cn".into()),
            trusted_proxies: vec![ip("10.0.0.2"), ip("10.0.0.3")],
            timeouts: None,
        };
        // straight from a client: its own address, whatever it claims
        assert_eq!(
            net.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // through the proxy: the client it saw
        assert_eq!(
            net.client(ip("10.0.0.2"), Some("198.51.100.7")),
            ip("198.51.100.7")
        );
        // a client's own claim before the proxy's entry is not believed
        assert_eq!(
            net.client(ip("10.0.0.2"), Some("1.2.3.4, 198.51.100.7")),
            ip("198.51.100.7")
        );
        // two trusted hops
        assert_eq!(
            net.client(ip("10.0.0.2"), Some("198.51.100.7, 10.0.0.3")),
            ip("198.51.100.7")
        );
        // an IPv4-mapped peer is the IPv4 proxy
        assert_eq!(
            net.client(ip("::ffff:10.0.0.2"), Some("198.51.100.7")),
            ip("198.51.100.7")
        );
        // nothing readable: the proxy itself
        assert_eq!(net.client(ip("10.0.0.2"), Some("junk")), ip("10.0.0.2"));
        assert_eq!(net.client(ip("10.0.0.2"), None), ip("10.0.0.2"));
        assert!(net.https());
        assert!(!Net::default().https());
    }
}
