//! The telemedicine backend this station syncs with: its URL (a setting of the store) and its
//! bearer token (the OS keyring only, never the database or a log).

use crate::{AppError, Session};
use serde::Serialize;
use vagt_secrets::{OsKeyring, SecretStore, SecretsError};
use vagt_store::{Actor, BACKEND_URL_SETTING};
use vagt_sync::{FhirClient, RetryPolicy};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendView {
    pub backend: Option<String>,
    /// Whether a token is in the keyring (never the token itself).
    pub token_stored: bool,
}

/// The backend's FHIR base URL, checked: `https`, or plain `http` only to this machine (the
/// demo backend), so health data and the token never cross a network in clear text.
pub fn check_backend_url(url: &str) -> Result<String, AppError> {
    let url = url.trim().trim_end_matches('/');
    let refuse = |why: &str| AppError::invalid("bad_backend_url", format!("{url:?} {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| refuse("is not an http(s) URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => host,
        None => authority,
    };
    let host = if host.starts_with('[') {
        host.split(']').next().map_or(host, |h| &h[1..])
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    if host.is_empty() {
        return Err(refuse("names no host"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_owned()),
        "http" if is_loopback(host) => Ok(url.to_owned()),
        "http" => Err(refuse(
            "uses plain http to another machine: health data and the token would cross the \
             network unencrypted; use https",
        )),
        _ => Err(refuse("is not an http(s) URL")),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The stored token for `url`. No Secret Service at all (a bare server) means no token, which a
/// backend that needs none accepts; a keyring that refuses access is an error.
pub fn backend_token(url: &str) -> Result<Option<Zeroizing<String>>, AppError> {
    match OsKeyring::default().get(&vagt_secrets::backend_token_account(url)) {
        Ok(token) => Ok(token),
        Err(SecretsError::Unavailable { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A FHIR client for `url` with its stored token.
pub fn backend_client(url: &str, policy: RetryPolicy) -> Result<FhirClient, AppError> {
    Ok(FhirClient::new(url, backend_token(url)?, policy)?)
}

impl Session {
    /// Sets the backend; a token goes to the keyring, `None` removes a stored one.
    pub fn set_backend(
        &self,
        actor: &Actor,
        url: &str,
        token: Option<Zeroizing<String>>,
    ) -> Result<BackendView, AppError> {
        let url = check_backend_url(url)?;
        let keyring = OsKeyring::default();
        let account = vagt_secrets::backend_token_account(&url);
        match &token {
            Some(token) if token.trim().is_empty() => {
                return Err(AppError::invalid(
                    "usage",
                    "an empty token; pass --no-token if the backend needs none",
                ));
            }
            Some(token) => keyring.set(&account, token.trim())?,
            // No keyring means no token stored either: nothing to remove.
            None => match keyring.delete(&account) {
                Ok(_) | Err(SecretsError::Unavailable { .. }) => {}
                Err(e) => return Err(e.into()),
            },
        }
        self.store()?
            .set_setting(actor, BACKEND_URL_SETTING, &url)?;
        Ok(BackendView {
            backend: Some(url),
            token_stored: token.is_some(),
        })
    }

    pub fn backend(&self) -> Result<BackendView, AppError> {
        let backend = self.store()?.setting(BACKEND_URL_SETTING)?;
        let token_stored = match &backend {
            Some(url) => backend_token(url)?.is_some(),
            None => false,
        };
        Ok(BackendView {
            backend,
            token_stored,
        })
    }

    /// The backend to sync with: the one given, else the one set.
    pub fn backend_url(&self, given: Option<&str>) -> Result<Option<String>, AppError> {
        match given {
            Some(url) => check_backend_url(url).map(Some),
            None => Ok(self.store()?.setting(BACKEND_URL_SETTING)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        assert!(check_backend_url("https://telemed.example.org/fhir/").is_ok());
        assert_eq!(
            check_backend_url("https://telemed.example.org/fhir/")
                .ok()
                .as_deref(),
            Some("https://telemed.example.org/fhir")
        );
        for ok in [
            "http://127.0.0.1:8080/fhir",
            "http://localhost/fhir",
            "http://[::1]:9/fhir",
        ] {
            assert!(check_backend_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://telemed.example.org/fhir",
            "http://10.0.0.5/fhir",
            "http://127.0.0.1.evil.example/fhir",
            "ftp://127.0.0.1/fhir",
            "telemed.example.org",
            "https:///fhir",
        ] {
            let error = check_backend_url(bad).expect_err(bad);
            assert_eq!(error.code(), "bad_backend_url", "{bad}");
        }
    }
}
