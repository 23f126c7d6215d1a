//! TLS client set-up: system roots plus an optional CA file, always verified.
//!
//! Certificates in the CA file are trust anchors. One of them that the
//! server presents as its own certificate (a self-signed server, often
//! marked as a CA by `openssl req -x509`) is accepted as pinned, provided
//! it names the host.

use std::sync::Arc;

use inbox_connector_api::ConnectorError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::settings::ImapSettings;

/// Wraps `tcp` in TLS to `settings.host`, verifying the server's certificate.
pub async fn handshake(
    settings: &ImapSettings,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, ConnectorError> {
    let config = client_config(settings)?;
    let name = ServerName::try_from(settings.host.clone()).map_err(|_| {
        ConnectorError::Tls(format!(
            "{:?} is not a valid host name for a TLS connection",
            settings.host
        ))
    })?;
    TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|error| handshake_error(settings, &error))
}

fn client_config(settings: &ImapSettings) -> Result<ClientConfig, ConnectorError> {
    // Another crate may have enabled a second provider; ours is then the one used.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = RootCertStore::empty();
    let mut pinned = Vec::new();
    // Unreadable system certificates are skipped: the rest still verify.
    let system = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(system.certs);
    if let Some(path) = &settings.tls_ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<_, _>>())
            .map_err(|error| {
                ConnectorError::Tls(format!(
                    "cannot read the CA certificates in {} (tls_ca_file): {error}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(ConnectorError::Tls(format!(
                "{} (tls_ca_file) holds no PEM certificate",
                path.display()
            )));
        }
        pinned.extend(certs.iter().cloned());
        let (_, rejected) = roots.add_parsable_certificates(certs);
        if rejected > 0 {
            return Err(ConnectorError::Tls(format!(
                "{rejected} certificate(s) in {} (tls_ca_file) are not valid CA certificates",
                path.display()
            )));
        }
    }
    if roots.is_empty() {
        return Err(ConnectorError::Tls(
            "no trusted certificates: the system has no CA roots; set tls_ca_file".into(),
        ));
    }
    let webpki = WebPkiServerVerifier::builder(Arc::new(roots))
        .build()
        .map_err(|error| ConnectorError::Tls(format!("cannot set up TLS verification: {error}")))?;
    Ok(ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Verifier { webpki, pinned }))
        .with_no_client_auth())
}

/// Web PKI verification, plus the pinned certificates of the CA file.
#[derive(Debug)]
struct Verifier {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verdict {
            Err(_) if self.pinned.iter().any(|pin| pin == end_entity) => {
                webpki::EndEntityCert::try_from(end_entity)
                    .and_then(|cert| cert.verify_is_valid_for_subject_name(server_name))
                    .map_err(|_| {
                        rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
                    })?;
                Ok(ServerCertVerified::assertion())
            }
            verdict => verdict,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

fn handshake_error(settings: &ImapSettings, error: &std::io::Error) -> ConnectorError {
    let address = settings.address();
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidCertificate(reason)) => ConnectorError::Tls(format!(
            "the TLS certificate of {address} is not trusted ({reason:?}); if the server uses a \
             self-signed or private CA certificate, set tls_ca_file to that certificate (PEM)"
        )),
        Some(other) => ConnectorError::Tls(format!("TLS handshake with {address} failed: {other}")),
        None => ConnectorError::Tls(format!(
            "TLS handshake with {address} failed: {error} (is this port speaking TLS? \
             check the port and the tls mode)"
        )),
    }
}
