//! What the kiosk runs on, as its configuration says: a PC/SC reader and the centre over HTTP
//! (a store), or the demo's stand-ins (`"demo": true`), which only a build with the `demo` cargo
//! feature has. A production build (`--no-default-features`) links neither the virtual card nor
//! the stand-in centre, and refuses a demo configuration in one line.

use std::path::Path;
use std::sync::Arc;

use kiosk_core::cards::{CardSource, PcscCards};
use kiosk_core::config::{CentreSetting, Config};
use reset_protocol::client::ClientTls;
use reset_protocol::{HttpCentre, ResetCentre};

use crate::demo::{CentreStart, Demo};

/// Whether this build has the demo (the `demo` cargo feature).
pub const DEMO_BUILT: bool = cfg!(feature = "demo");

/// What a build without the demo says of a demo configuration.
pub const NO_DEMO: &str = "this kiosk-app is a production build without the demo (cargo feature \
     `demo`), and the configuration says \"demo\": true; give it a store's configuration (see \
     config/kiosk.production.json), or build with the default features to run the demo";

/// The card source, the centre and (in the demo) the panel.
#[allow(missing_debug_implementations)]
pub struct Services {
    pub cards: Box<dyn CardSource>,
    pub centre: Arc<dyn ResetCentre>,
    pub demo: Option<Demo>,
    /// What must live as long as the kiosk (the demo centre's database).
    pub keep_alive: Option<Box<dyn std::any::Any>>,
}

/// The services `config` (read from `config_path`) asks for.
pub fn for_config(
    config: &Config,
    config_path: &Path,
    start: CentreStart,
) -> Result<Services, String> {
    if config.demo {
        return demo(config, config_path, start);
    }
    Ok(Services {
        cards: Box::new(PcscCards::new(config.reader.clone())),
        centre: centre_over_http(config)?,
        demo: None,
        keep_alive: None,
    })
}

#[cfg(feature = "demo")]
fn demo(config: &Config, config_path: &Path, start: CentreStart) -> Result<Services, String> {
    let services = crate::demo::stand_ins::services(config, config_path, start)
        .map_err(|error| format!("demo: {error}"))?;
    Ok(Services {
        cards: Box::new(services.cards),
        centre: services.centre,
        demo: Some(services.demo),
        keep_alive: Some(Box::new(services.database)),
    })
}

#[cfg(not(feature = "demo"))]
fn demo(_: &Config, _: &Path, _: CentreStart) -> Result<Services, String> {
    Err(NO_DEMO.to_string())
}

/// The centre over HTTP with this kiosk's credential.
fn centre_over_http(config: &Config) -> Result<Arc<dyn ResetCentre>, String> {
    match &config.centre {
        CentreSetting::Http {
            url,
            kiosk_id,
            credential_file,
            ca_certificate,
            certificate,
            key,
            timeout,
        } => {
            let credential =
                zeroize::Zeroizing::new(std::fs::read_to_string(credential_file).map_err(|e| {
                    format!("centre.credential_file {}: {e}", credential_file.display())
                })?);
            let tls = ClientTls::from_files(ca_certificate, certificate, key)
                .map_err(|e| format!("centre (TLS): {e}"))?;
            let centre = HttpCentre::new(url, kiosk_id, credential.trim(), *timeout, &tls)
                .map_err(|e| format!("centre.url: {e}"))?;
            Ok(Arc::new(centre))
        }
        CentreSetting::InProcess => Err("the in-process centre is for the demo only".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(name: &str) -> (Config, std::path::PathBuf) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../config")
            .join(name);
        (
            Config::load(&path).expect("the shipped configuration"),
            path,
        )
    }

    /// A build with the demo runs the demo configuration on its stand-ins, with the panel.
    #[cfg(feature = "demo")]
    #[test]
    fn the_demo_configuration_gets_the_stand_ins() {
        let (config, path) = shipped("kiosk.json");
        let services = for_config(&config, &path, CentreStart::Now).expect("the demo");
        assert!(
            services
                .demo
                .is_some_and(|demo| demo.profiles[0] == "normal")
        );
        assert!(services.keep_alive.is_some());
        assert!(
            services
                .cards
                .readers()
                .is_ok_and(|readers| readers.len() == 1)
        );
    }

    /// A production build refuses the demo configuration, saying why.
    #[cfg(not(feature = "demo"))]
    #[test]
    fn the_demo_configuration_is_refused() {
        let (config, path) = shipped("kiosk.json");
        let refused = for_config(&config, &path, CentreStart::Now).err();
        assert_eq!(refused.as_deref(), Some(NO_DEMO));
        const { assert!(!DEMO_BUILT) };
    }

    /// Either build reads a store's configuration into a PC/SC reader and the centre over HTTPS,
    /// and names the credential file and the certificate it cannot read.
    #[test]
    fn a_stores_configuration_names_a_missing_credential() {
        let (mut config, path) = shipped("kiosk.production.json");
        if let CentreSetting::Http {
            credential_file, ..
        } = &mut config.centre
        {
            *credential_file = "/nonexistent/kiosk-credential".into();
        }
        let error = for_config(&config, &path, CentreStart::Now)
            .err()
            .expect("no credential");
        assert!(
            error.starts_with("centre.credential_file /nonexistent/kiosk-credential"),
            "{error}"
        );
        let dir = tempfile::tempdir().expect("dir");
        let credential = dir.path().join("credential");
        std::fs::write(&credential, "token\n").expect("credential");
        if let CentreSetting::Http {
            credential_file, ..
        } = &mut config.centre
        {
            *credential_file = credential;
        }
        // The kiosk's certificate is not issued yet: the error names it.
        let error = for_config(&config, &path, CentreStart::Now)
            .err()
            .expect("no certificate");
        assert!(
            error.starts_with("centre (TLS): ") && error.contains("STORE-0001"),
            "{error}"
        );
        // Any certificate and key in PEM make the client (the handshake would judge them).
        let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/test-pki");
        if let CentreSetting::Http {
            certificate, key, ..
        } = &mut config.centre
        {
            *certificate = pki.join("centre.crt");
            *key = pki.join("centre.key");
        }
        let services = for_config(&config, &path, CentreStart::Now).expect("production");
        assert!(services.demo.is_none() && services.keep_alive.is_none());
    }
}
