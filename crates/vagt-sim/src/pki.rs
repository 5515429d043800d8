//! A private certificate authority made on the spot, and a certificate it signed for this
//! machine (`localhost`, `127.0.0.1`): what a region's backend behind its own CA looks like, for
//! tests of the clients that must trust it. Made per run, so nothing secret or expiring is kept
//! in the repository.

use crate::config::TlsFiles;
use crate::error::SimError;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// The CA's certificate (PEM), for the client to trust, and the server's certificate and key.
#[derive(Debug, Clone)]
pub struct PrivateCa {
    pub ca_pem: String,
    pub server: TlsFiles,
}

pub fn private_ca() -> Result<PrivateCa, SimError> {
    let tls = |e: rcgen::Error| SimError::Tls(e.to_string());
    let ca_key = KeyPair::generate().map_err(tls)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Region test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).map_err(tls)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().map_err(tls)?;
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(tls)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "vagt-sim");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).map_err(tls)?;
    Ok(PrivateCa {
        ca_pem: ca.pem(),
        server: TlsFiles {
            cert_pem: leaf.pem().into_bytes(),
            key_pem: leaf_key.serialize_pem().into_bytes(),
        },
    })
}
