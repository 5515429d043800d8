//! The database key: 32 random bytes made when the database is created, kept in the OS keyring
//! under the database's absolute path, handed to SQLCipher as a raw key (no passphrase
//! stretching needed for random bytes, so opening is instant).

use crate::{Result, StoreError};
use rusqlite::Connection;
use std::path::Path;
use vagt_secrets::SecretStore;
use zeroize::Zeroizing;

/// A key in the form SQLCipher's `PRAGMA key` takes.
pub struct DbKey {
    pragma_value: Zeroizing<String>,
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

impl DbKey {
    /// A raw 256-bit key from 64 hex digits.
    pub fn from_hex(hex_digits: &str) -> Option<DbKey> {
        let ok = hex_digits.len() == 64 && hex_digits.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| DbKey {
            pragma_value: Zeroizing::new(format!("x'{hex_digits}'")),
        })
    }

    /// A key derived by SQLCipher from a passphrase (PBKDF2). Only for throwaway databases:
    /// the passphrase comes from the command line.
    pub fn from_passphrase(passphrase: &str) -> DbKey {
        DbKey {
            pragma_value: Zeroizing::new(passphrase.to_owned()),
        }
    }

    pub fn generate() -> Result<(DbKey, Zeroizing<String>)> {
        let hex_digits = Zeroizing::new(random_hex(32)?);
        let key =
            DbKey::from_hex(&hex_digits).ok_or_else(|| StoreError::Random("bad length".into()))?;
        Ok((key, hex_digits))
    }

    pub(crate) fn apply(&self, conn: &Connection) -> Result<()> {
        conn.pragma_update(None, "key", self.pragma_value.as_str())?;
        Ok(())
    }
}

pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(&mut buf).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(hex::encode(&*buf))
}

/// Where the key of a database comes from.
pub enum KeySource<'a> {
    /// The OS keyring (the normal case).
    Keyring(&'a dyn SecretStore),
    /// A passphrase given explicitly by the user for a throwaway demo database.
    Throwaway(Zeroizing<String>),
}

impl<'a> KeySource<'a> {
    /// A throwaway passphrase when the user gave one, else the OS keyring.
    pub fn choose(
        throwaway: Option<Zeroizing<String>>,
        keyring: &'a dyn SecretStore,
    ) -> KeySource<'a> {
        match throwaway {
            Some(passphrase) => KeySource::Throwaway(passphrase),
            None => KeySource::Keyring(keyring),
        }
    }

    pub fn account_for(path: &Path) -> String {
        format!("database-key:{}", path.display())
    }

    pub(crate) fn existing_key(&self, path: &Path) -> Result<DbKey> {
        match self {
            KeySource::Throwaway(passphrase) => Ok(DbKey::from_passphrase(passphrase)),
            KeySource::Keyring(secrets) => {
                let stored = secrets.get(&Self::account_for(path))?.ok_or_else(|| {
                    StoreError::NoKeyForDatabase {
                        path: path.to_path_buf(),
                    }
                })?;
                DbKey::from_hex(&stored).ok_or_else(|| StoreError::DamagedKey {
                    path: path.to_path_buf(),
                })
            }
        }
    }

    pub(crate) fn new_key(&self, path: &Path) -> Result<DbKey> {
        match self {
            KeySource::Throwaway(passphrase) => Ok(DbKey::from_passphrase(passphrase)),
            KeySource::Keyring(secrets) => {
                let account = Self::account_for(path);
                // A key left from an earlier database at this path (since deleted) would be
                // reused; a fresh file gets a fresh key.
                let (key, hex_digits) = DbKey::generate()?;
                secrets.set(&account, &hex_digits)?;
                Ok(key)
            }
        }
    }
}

/// A random (version 4) UUID in its text form.
pub(crate) fn random_uuid() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StoreError::Random(e.to_string()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A new key for a record that travels between stations (`urn:uuid:` and a random UUID).
pub fn new_record_key() -> Result<String> {
    Ok(format!("urn:uuid:{}", random_uuid()?))
}
