//! Attempts limited per person or per client address (`rate_events`): an attempt is counted
//! and written in the caller's transaction, so parallel requests cannot pass a limit together.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::portal::ts;
use super::{Store, StoreError, TenantScope};

/// How long counted attempts are kept (the longest window any limit uses).
pub const KEEP: Duration = Duration::hours(24);

mod sealed {
    /// The connection behind a store or a scope, for counting only (not nameable outside).
    pub trait Conn {
        fn conn(&self) -> &rusqlite::Connection;
    }
}

/// Where attempts are counted: the whole store, or (for the simulated bureau's logins,
/// limited per client address across every tenant) a tenant's scope.
pub trait Counted: sealed::Conn {
    /// How many attempts of `kind` by `key` were counted since `since`.
    fn rate_count(&self, kind: &str, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT count(*) FROM rate_events WHERE kind = ?1 AND key = ?2 AND at >= ?3",
            )?
            .query_row(params![kind, key, ts(since)], |r| r.get(0))?)
    }

    /// Count one attempt of `kind` by `key`.
    fn rate_add(&self, kind: &str, key: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("INSERT INTO rate_events (kind, key, at) VALUES (?1, ?2, ?3)")?
            .execute(params![kind, key, ts(now)])?;
        Ok(())
    }
}

impl sealed::Conn for Store<'_> {
    fn conn(&self) -> &rusqlite::Connection {
        self.conn
    }
}

impl sealed::Conn for TenantScope<'_> {
    fn conn(&self) -> &rusqlite::Connection {
        self.conn
    }
}

impl Counted for Store<'_> {}

impl Counted for TenantScope<'_> {}

impl Store<'_> {
    /// The write `/healthz` makes: one row, rewritten.
    pub fn health_probe(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO health (id, at) VALUES (1, ?1)")?
            .execute([ts(now)])?;
        Ok(())
    }

    /// Forget attempts older than [`KEEP`]. Returns how many went.
    pub fn rate_prune(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM rate_events WHERE at < ?1")?
            .execute([ts(now - KEEP)])?)
    }
}

/// The key a client address is limited under: the address itself, except that an IPv6
/// address counts by its /64 (one subscriber's network; its host part costs nothing to
/// change).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// A limit: at most `max` attempts of one kind by one key within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub kind: &'static str,
    pub max: i64,
    pub window: Duration,
}

impl Limit {
    /// Whether `key` has used up this limit (without counting an attempt).
    pub fn reached(
        &self,
        s: &impl Counted,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(s.rate_count(self.kind, key, now - self.window)? >= self.max)
    }

    /// Count an attempt by `key`, unless the limit is used up: `false` then (nothing written).
    pub fn take(
        &self,
        s: &impl Counted,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if self.reached(s, key, now)? {
            return Ok(false);
        }
        s.rate_add(self.kind, key, now)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(address_key("198.51.100.7"), "198.51.100.7");
        assert_eq!(address_key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(
            address_key("2001:db8:aa:bb:1:2:3:4"),
            address_key("2001:db8:aa:bb:ffff::9")
        );
        assert_ne!(
            address_key("2001:db8:aa:bb::1"),
            address_key("2001:db8:aa:bc::1")
        );
        assert_eq!(address_key("not an address"), "not an address");
    }
}
