//! The telemedicine backend this station syncs with: its URL (a setting of the store) and its
//! bearer token (the OS keyring only, never the database or a log).

use crate::{AppError, Session};
use serde::Serialize;
use vagt_secrets::{OsKeyring, SecretStore, SecretsError};
use vagt_store::{Actor, BACKEND_URL_SETTING};
use vagt_sync::{FhirClient, RetryPolicy, Transport};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendView {
    pub backend: Option<String>,
    /// Whether a token is in the keyring (never the token itself).
    pub token_stored: bool,
    /// The CA file trusted besides the OS trust store, if one is set.
    pub ca_file: Option<String>,
}

/// The backend's FHIR base URL, checked: `https`, or plain `http` only to this machine (the
/// demo backend), so health data and the token never cross a network in clear text.
pub fn check_backend_url(url: &str) -> Result<String, AppError> {
    vagt_sync::check_backend_url(url)
        .map(|_| url.trim().trim_end_matches('/').to_owned())
        .map_err(|e| AppError::invalid("bad_backend_url", e.to_string()))
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

/// The `store_info` key of a certificate authority file (PEM) trusted for the backend besides
/// the OS trust store: a region's private CA.
pub const BACKEND_CA_FILE_SETTING: &str = "backend_ca_file";

/// A FHIR client for `url` with its stored token, trusting `ca_file` besides the OS trust store.
pub fn backend_client(
    url: &str,
    ca_file: Option<&std::path::Path>,
    policy: RetryPolicy,
) -> Result<FhirClient, AppError> {
    let extra_ca_pem = ca_file
        .map(|path| {
            std::fs::read(path).map_err(|source| AppError::Io {
                doing: "read the backend's CA file",
                source,
            })
        })
        .transpose()?;
    let transport = Transport {
        extra_ca_pem,
        ..Transport::default()
    };
    Ok(FhirClient::with_transport(
        url,
        backend_token(url)?,
        policy,
        transport,
    )?)
}

impl Session {
    /// Sets the backend; a token goes to the keyring, `None` removes a stored one.
    pub fn set_backend(
        &self,
        actor: &Actor,
        url: &str,
        token: Option<Zeroizing<String>>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<BackendView, AppError> {
        let url = check_backend_url(url)?;
        // A CA file that cannot be read or holds no certificate is refused now, not at the
        // first sync.
        backend_client(&url, ca_file, RetryPolicy::default())?;
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
        let mut store = self.store()?;
        store.set_setting(actor, BACKEND_URL_SETTING, &url)?;
        let ca_file = ca_file.map(|p| p.display().to_string());
        store.set_setting(
            actor,
            BACKEND_CA_FILE_SETTING,
            ca_file.as_deref().unwrap_or(""),
        )?;
        Ok(BackendView {
            backend: Some(url),
            token_stored: token.is_some(),
            ca_file,
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
            ca_file: self.backend_ca_file()?.map(|p| p.display().to_string()),
        })
    }

    /// The CA file set for the backend, if any.
    pub fn backend_ca_file(&self) -> Result<Option<std::path::PathBuf>, AppError> {
        Ok(self
            .store()?
            .setting(BACKEND_CA_FILE_SETTING)?
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from))
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
        ] {
            let error = check_backend_url(bad).expect_err(bad);
            assert_eq!(error.code(), "bad_backend_url", "{bad}");
        }
    }
}
