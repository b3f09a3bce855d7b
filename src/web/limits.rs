//! Rate limits on sign-in, registration, password reset and token creation: fixed windows
//! per client address (an IPv6 client by its /64, since one host holds the whole /64) and per
//! account. On PostgreSQL the counts are in the database (`db::limits`), shared by every node
//! on it; on SQLite (one process) in memory. Over the limit: 429 with `Retry-After`.

use super::error::AppError;
use crate::config::Settings;
use actix_web::HttpRequest;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    /// The database the counts are shared in, when several nodes may count.
    shared: Option<crate::db::Db>,
}

/// One limit: at most `max` in `window`.
#[derive(Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

pub const SIGN_IN_PER_ADDRESS: Limit = Limit {
    max: 300,
    window: Duration::from_secs(600),
};
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(600),
};
/// Second-factor codes tried, per client and per account: six digits are guessed in a
/// million tries, so a handful per quarter hour.
pub const SECOND_FACTOR_PER_ADDRESS: Limit = Limit {
    max: 20,
    window: Duration::from_secs(900),
};
pub const SECOND_FACTOR_PER_ACCOUNT: Limit = Limit {
    max: 10,
    window: Duration::from_secs(900),
};
pub const REGISTER_PER_ADDRESS: Limit = Limit {
    max: 100,
    window: Duration::from_secs(3600),
};
pub const RESET_PER_ADDRESS: Limit = Limit {
    max: 30,
    window: Duration::from_secs(3600),
};
pub const RESET_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window: Duration::from_secs(3600),
};

impl Limiter {
    /// Counts in `db` when it is PostgreSQL (several nodes may share it), else in memory.
    pub fn for_db(db: &crate::db::Db) -> Limiter {
        Limiter {
            shared: (db.backend_name() == "postgres").then(|| db.clone()),
            ..Limiter::default()
        }
    }

    /// Counts one attempt under `key` where this limiter counts; an error when the limit is
    /// reached.
    pub async fn count(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let Some(db) = &self.shared else {
            return self.hit(key, limit);
        };
        // The key names an address or an account: only its hash is stored.
        let key = crate::auth::token_hash(key);
        let window = i64::try_from(limit.window.as_secs()).unwrap_or(i64::MAX);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let over = db
            .write(move |c| {
                crate::db::limits::hit(c, &key, limit.max, window, now).map_err(AppError::from)
            })
            .await?;
        match over {
            Some(retry_after_secs) => Err(AppError::RateLimited { retry_after_secs }),
            None => Ok(()),
        }
    }

    /// Counts one attempt under `key` in memory; an error when the limit is reached.
    pub fn hit(&self, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
        }
        let slot = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(slot.0) >= limit.window {
            *slot = (now, 0);
        }
        if slot.1 >= limit.max {
            let left = limit.window.saturating_sub(now.duration_since(slot.0));
            return Err(AppError::RateLimited {
                retry_after_secs: left.as_secs().max(1),
            });
        }
        slot.1 += 1;
        Ok(())
    }
}

/// The client's address: the peer, or the last address `X-Forwarded-For` names that is not a
/// trusted proxy, when the peer is one.
pub fn client_address(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let trusted: Vec<IpAddr> = settings
        .trusted_proxies
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// The key of a client address: IPv4 whole, IPv6 by its /64.
pub fn address_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

/// The identity an account limit counts: the address as the account lookup reads it (trimmed,
/// its domain lower-cased), then lower-cased whole, so that no spelling of one address —
/// spaces, tabs or line breaks around it, capitals — gets a count of its own.
pub fn account_key(typed: &str) -> String {
    crate::domain::Email::parse(typed)
        .map(|e| e.to_string())
        .unwrap_or_else(|_| typed.trim().to_string())
        .to_lowercase()
}

/// Counts an attempt of `action` from this request's client, and for `account` when given.
pub async fn check(
    limiter: &Limiter,
    settings: &Settings,
    req: &HttpRequest,
    action: &str,
    per_address: Limit,
    account: Option<(&str, Limit)>,
) -> Result<(), AppError> {
    if !settings.rate_limits {
        return Ok(());
    }
    let address = address_key(client_address(req, settings));
    limiter
        .count(&format!("{action}|ip|{address}"), per_address)
        .await?;
    if let Some((account, limit)) = account {
        let account = crate::auth::token_hash(&account_key(account));
        limiter
            .count(&format!("{action}|account|{account}"), limit)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        assert_ne!(address_key(Some(a)), address_key(Some(c)));
        assert_eq!(address_key(Some("10.0.0.1".parse().unwrap())), "10.0.0.1");
    }

    #[test]
    fn every_spelling_of_an_address_is_one_account() {
        let plain = account_key("officer@Mora.se");
        for typed in [
            " officer@mora.se",
            "officer@mora.se ",
            "\tofficer@mora.se",
            "officer@mora.se\n",
            "\r\nOfficer@MORA.SE\r\n",
        ] {
            assert_eq!(account_key(typed), plain, "{typed:?}");
        }
        assert_ne!(account_key("other@mora.se"), plain);
    }

    #[test]
    fn the_limit_holds_within_its_window() {
        let l = Limiter::default();
        let limit = Limit {
            max: 3,
            window: Duration::from_secs(60),
        };
        for _ in 0..3 {
            assert!(l.hit("k", limit).is_ok());
        }
        match l.hit("k", limit) {
            Err(AppError::RateLimited { retry_after_secs }) => assert!(retry_after_secs <= 60),
            other => panic!("{other:?}"),
        }
        assert!(l.hit("other", limit).is_ok());
    }
}
