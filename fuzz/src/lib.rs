//! Helpers shared by the fuzz targets: where the repository's test data is, a scratch
//! directory, a reader that takes structured values from the fuzzer's bytes, and a card
//! profile that can be handed to a fresh `VirtualCard` on every run without re-reading files.

use std::path::{Path, PathBuf};

use virtual_card::Profile;
use virtual_card::profile::{JpkiProfile, KeyPair};

/// The repository root (the parent of `fuzz/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// A file under `config/`.
pub fn config_path(relative: &str) -> PathBuf {
    repo_root().join("config").join(relative)
}

/// A scratch directory, in memory where the machine has one (files written on every run).
pub fn scratch_dir(prefix: &str) -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let builder = || {
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix);
        builder
    };
    if shm.is_dir()
        && let Ok(dir) = builder().tempdir_in(shm)
    {
        return dir;
    }
    builder().tempdir().expect("a scratch directory")
}

/// Takes values off the front of the fuzzer's bytes; runs out into zeros.
#[derive(Debug)]
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Bytes<'a> {
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&first, rest)) => {
                self.0 = rest;
                first
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// Up to `n` bytes (fewer when the input runs out).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for byte in &mut out {
            *byte = self.u8();
        }
        out
    }

    /// A chunk prefixed by its one-byte length.
    pub fn chunk(&mut self) -> &'a [u8] {
        let n = self.u8() as usize;
        self.take(n)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        self.take(self.0.len())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A copy of a loaded profile (profiles hold RSA keys, which are slow to parse on every run).
pub fn copy_profile(profile: &Profile) -> Profile {
    let pair = |pair: &KeyPair| KeyPair {
        pin: pair.pin.clone(),
        tries_left: pair.tries_left,
        certificate: pair.certificate.clone(),
        private_key: pair.private_key.clone(),
    };
    Profile {
        name: profile.name.clone(),
        description: profile.description.clone(),
        atr: profile.atr.clone(),
        jpki: profile.jpki.as_ref().map(|jpki| JpkiProfile {
            token: jpki.token.clone(),
            auth: pair(&jpki.auth),
            signing: jpki.signing.as_ref().map(pair),
            auth_ca_certificate: jpki.auth_ca_certificate.clone(),
            signing_ca_certificate: jpki.signing_ca_certificate.clone(),
            reset_key: jpki.reset_key.clone(),
        }),
    }
}

/// A card profile from `config/cards/`, loaded once per process.
pub fn load_profile(name: &str) -> Profile {
    let path = config_path(&format!("cards/{name}.json"));
    Profile::load(&path).unwrap_or_else(|e| panic!("test profile {name}: {e}"))
}
