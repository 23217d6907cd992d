//! An independent JPKI client against the virtual card: OpenSC's own `jpki` card driver
//! (Debian's `opensc` package), through pcscd. It shares no code with this project, so it checks
//! that the virtual card is faithful to the documented card, not to our driver.

use std::process::{Command, Output};

use system_tests::{Slot, config_file, output_text, pcsc_stack};

const PKCS11_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} (install the Debian package opensc; .ci/run does): {e}")
        })
}

#[test]
fn opensc_recognises_the_card_as_jpki() {
    let stack = pcsc_stack!("opensc_recognises_the_card_as_jpki");
    let _card = stack.card("normal", Slot::First);
    let name = run("opensc-tool", &["--reader", "0", "--name"]);
    assert_eq!(
        String::from_utf8_lossy(&name.stdout).trim(),
        "jpki",
        "{}",
        output_text(&name)
    );

    let pins = output_text(&run("pkcs15-tool", &["--reader", "0", "--list-pins"]));
    assert!(
        pins.contains("User Authentication PIN") && pins.contains("Digital Signature PIN"),
        "{pins}"
    );
    let tries: Vec<&str> = pins.lines().filter(|l| l.contains("Tries left")).collect();
    assert_eq!(tries.len(), 2, "{pins}");
    assert!(
        tries[0].ends_with(": 3") && tries[1].ends_with(": 5"),
        "{tries:?}"
    );

    let certificate = run(
        "pkcs15-tool",
        &["--reader", "0", "--read-certificate", "01"],
    );
    let expected =
        card_driver::certificate::to_pem("CERTIFICATE", &config_file("cards/normal/auth-cert.der"));
    assert_eq!(String::from_utf8_lossy(&certificate.stdout), expected);
}

#[test]
fn opensc_signs_through_pkcs11_and_counts_wrong_pins() {
    let stack = pcsc_stack!("opensc_signs_through_pkcs11_and_counts_wrong_pins");
    let card = stack.card("normal", Slot::First);
    let dir = tempfile::tempdir().expect("temporary directory");
    let message = dir.path().join("message");
    let signature = dir.path().join("signature");
    std::fs::write(&message, b"signed by OpenSC through pcscd").expect("write");
    let sign = |pin: &str| {
        run(
            "pkcs11-tool",
            &[
                "--module",
                PKCS11_MODULE,
                "--slot-index",
                "0",
                "--login",
                "--pin",
                pin,
                "--sign",
                "--mechanism",
                "SHA256-RSA-PKCS",
                "--id",
                "01",
                "--input-file",
                message.to_str().expect("utf-8 path"),
                "--output-file",
                signature.to_str().expect("utf-8 path"),
            ],
        )
    };
    let signed = sign("1234");
    assert!(signed.status.success(), "{}", output_text(&signed));

    // The signature verifies against the certificate's key, checked by this project's own code.
    let digest: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(std::fs::read(&message).expect("read")).into()
    };
    let certificate = config_file("cards/normal/auth-cert.der");
    let (_, parsed) = x509_parser::parse_x509_certificate(&certificate).expect("certificate");
    let key = <rsa::RsaPublicKey as rsa::pkcs1::DecodeRsaPublicKey>::from_pkcs1_der(
        &parsed.public_key().subject_public_key.data,
    )
    .expect("RSA key");
    key.verify(
        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        &digest,
        &std::fs::read(&signature).expect("signature"),
    )
    .expect("OpenSC's signature verifies");

    let refused = sign("9999");
    assert!(!refused.status.success());
    assert!(
        output_text(&refused).contains("CKR_PIN_INCORRECT"),
        "{}",
        output_text(&refused)
    );
    assert_eq!(card.counters(), (Some(2), Some(5)));
}
