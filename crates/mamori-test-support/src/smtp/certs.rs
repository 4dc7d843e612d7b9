//! Test certificates made with rcgen: a CA, and a leaf for `127.0.0.1` and `localhost` signed by
//! it. rustls refuses a self-signed CA certificate used as the server's own
//! (`CaUsedAsEndEntity`), hence two.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A fresh CA and a server certificate signed by it, written as PEM files.
#[derive(Debug, Clone)]
pub struct TestCerts {
    /// The CA certificate (PEM), for `SmtpConfig::extra_root_certificates`.
    pub ca_pem: Vec<u8>,
    /// The same CA certificate as a file (`ca.pem`), for `[mail] ca-file` of `mamori.toml`.
    pub ca_path: PathBuf,
    /// The server's leaf certificate (PEM file), for aiosmtpd.
    pub cert_path: PathBuf,
    /// The server's private key (PEM file), for aiosmtpd.
    pub key_path: PathBuf,
}

impl TestCerts {
    /// Generates the CA and the leaf and writes `ca.pem`, `server-cert.pem` and `server-key.pem`
    /// into `dir` (created when missing).
    pub fn generate(dir: &Path) -> TestCerts {
        std::fs::create_dir_all(dir).expect("certificate folder");
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "mamori test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_certificate = ca_params.self_signed(&ca_key).expect("ca certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("leaf params");
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        leaf_params.is_ca = IsCa::ExplicitNoCa;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf_certificate = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("leaf certificate");

        let ca_pem = ca_certificate.pem().into_bytes();
        let ca_path = dir.join("ca.pem");
        let cert_path = dir.join("server-cert.pem");
        let key_path = dir.join("server-key.pem");
        std::fs::write(&ca_path, &ca_pem).expect("write ca certificate");
        std::fs::write(&cert_path, leaf_certificate.pem()).expect("write certificate");
        std::fs::write(&key_path, leaf_key.serialize_pem()).expect("write key");
        TestCerts {
            ca_pem,
            ca_path,
            cert_path,
            key_path,
        }
    }
}
