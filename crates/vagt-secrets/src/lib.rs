//! Secrets live in the OS keyring (Secret Service on Linux, Credential Manager on Windows,
//! Keychain on macOS) and nowhere else: not in files, not in logs, not in the database.
//!
//! [`SecretStore`] is the seam: [`OsKeyring`] is the real store; [`MemorySecrets`] exists for
//! unit tests of callers' error paths and must never back a real database.

use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The keyring service name every Vagt secret is stored under.
pub const SERVICE: &str = "dk.naerklinikken.vagt";

/// The keyring account of a backend's bearer token.
pub fn backend_token_account(backend_url: &str) -> String {
    format!("backend-token:{}", backend_url.trim_end_matches('/'))
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "no OS keyring is reachable ({detail}). Vagt keeps its database key and backend \
         credentials only in the OS keyring (Secret Service on Linux, Credential Manager on \
         Windows, Keychain on macOS): run it in a desktop session with an unlocked keyring. \
         For a throwaway demo database only, pass --throwaway-key"
    )]
    Unavailable { detail: String },
    #[error("the OS keyring refused to store or read the secret {account:?}: {detail}")]
    Refused { account: String, detail: String },
}

pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, SecretsError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretsError>;
    /// True when there was a secret to delete.
    fn delete(&self, account: &str) -> Result<bool, SecretsError>;
}

/// The platform's keyring.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
}

impl Default for OsKeyring {
    fn default() -> Self {
        OsKeyring {
            service: SERVICE.to_owned(),
        }
    }
}

impl OsKeyring {
    /// A keyring under another service name, e.g. to keep tests apart from a real install.
    pub fn with_service(service: impl Into<String>) -> Self {
        OsKeyring {
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, account).map_err(|e| map_error(account, e))
    }
}

fn map_error(account: &str, error: keyring::Error) -> SecretsError {
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            SecretsError::Unavailable {
                detail: e.to_string(),
            }
        }
        other => SecretsError::Refused {
            account: account.to_owned(),
            detail: other.to_string(),
        },
    }
}

impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, SecretsError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(account, e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretsError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| map_error(account, e))?;
        tracing::info!(service = %self.service, "secret stored in the OS keyring");
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<bool, SecretsError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(account, e)),
        }
    }
}

/// Secrets in process memory, for unit tests only.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    secrets: Mutex<HashMap<String, String>>,
    unavailable: bool,
}

impl MemorySecrets {
    /// A store that behaves like a machine with no keyring at all.
    pub fn unavailable() -> Self {
        MemorySecrets {
            secrets: Mutex::default(),
            unavailable: true,
        }
    }

    fn check(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>, SecretsError> {
        if self.unavailable {
            return Err(SecretsError::Unavailable {
                detail: "test store configured as unavailable".into(),
            });
        }
        self.secrets.lock().map_err(|_| SecretsError::Unavailable {
            detail: "test store lock poisoned".into(),
        })
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<Zeroizing<String>>, SecretsError> {
        Ok(self.check()?.get(account).cloned().map(Zeroizing::new))
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretsError> {
        self.check()?.insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<bool, SecretsError> {
        Ok(self.check()?.remove(account).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_error_tells_the_user_what_to_do() {
        let err = MemorySecrets::unavailable()
            .get("x")
            .expect_err("unavailable");
        let text = err.to_string();
        assert!(text.contains("keyring"), "{text}");
        assert!(text.contains("--throwaway-key"), "{text}");
    }

    #[test]
    fn memory_store_round_trips_and_deletes() {
        let store = MemorySecrets::default();
        assert!(store.get("a").expect("ok").is_none());
        store.set("a", "s3cret").expect("ok");
        assert_eq!(
            store.get("a").expect("ok").as_deref().map(String::as_str),
            Some("s3cret")
        );
        assert!(store.delete("a").expect("ok"));
        assert!(!store.delete("a").expect("ok"));
    }
}
