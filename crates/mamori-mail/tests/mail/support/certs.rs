//! Test certificates: a CA and a leaf for `127.0.0.1`/`localhost` signed by it. rustls refuses a
//! self-signed CA certificate used as the server's own (`CaUsedAsEndEntity`), hence two.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

pub(crate) struct TestCerts {
    /// The CA certificate, for `SmtpConfig::extra_root_certificates`.
    pub(crate) ca_pem: Vec<u8>,
    /// The server's leaf certificate and private key (PEM files), for aiosmtpd.
    pub(crate) cert_path: PathBuf,
    pub(crate) key_path: PathBuf,
}

pub(crate) fn generate(dir: &Path) -> TestCerts {
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

    let cert_path = dir.join("server-cert.pem");
    let key_path = dir.join("server-key.pem");
    std::fs::write(&cert_path, leaf_certificate.pem()).expect("write certificate");
    std::fs::write(&key_path, leaf_key.serialize_pem()).expect("write key");
    TestCerts {
        ca_pem: ca_certificate.pem().into_bytes(),
        cert_path,
        key_path,
    }
}
