//! The `jpki` diagnostics binary through the real stack.

use system_tests::{Slot, config_file, pcsc_stack};

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn status_reports_3_and_5_tries_twice_unchanged() {
    let stack = pcsc_stack!("status_reports_3_and_5_tries_twice_unchanged");
    let card = stack.card("normal", Slot::First);
    let first = stack.jpki(&["status", "--json"]);
    let second = stack.jpki(&["status", "--json"]);
    for output in [&first, &second] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let status = json(output);
        assert_eq!(status["my_number_card"], true);
        assert_eq!(status["token"], "JPKIAPICCTOKEN2");
        assert_eq!(status["auth_pin"]["tries_left"], 3);
        assert_eq!(status["signing_pin"]["tries_left"], 5);
        assert_eq!(status["auth_certificate"]["valid_now"], true);
        assert!(
            status["auth_certificate"]["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("C=JP, CN=TEST"))
        );
    }
    assert_eq!(json(&first), json(&second));
    assert_eq!(card.counters(), (Some(3), Some(5)));
}

#[test]
fn status_of_blocked_expired_and_under_15_cards() {
    let stack = pcsc_stack!("status_of_blocked_expired_and_under_15_cards");
    let _auth_blocked = stack.card("auth-blocked", Slot::First);
    let _signing_blocked = stack.card("signing-blocked", Slot::Second);
    let status = json(&stack.jpki(&["status", "--json", "--reader", Slot::First.reader()]));
    assert_eq!(
        status["auth_pin"],
        serde_json::json!({"tries_left": 0, "max_tries": 3, "blocked": true})
    );
    let text = stack.jpki(&["status", "--reader", Slot::First.reader()]);
    assert!(text.status.success());
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("auth PIN:          BLOCKED (0 of 3 tries left)")
    );
    let status = json(&stack.jpki(&["status", "--json", "--reader", Slot::Second.reader()]));
    assert_eq!(status["signing_pin"]["blocked"], true);
    assert_eq!(status["auth_pin"]["tries_left"], 3);
    drop((_auth_blocked, _signing_blocked));

    let _expired = stack.card("auth-expired", Slot::First);
    let status = json(&stack.jpki(&["status", "--json"]));
    assert_eq!(status["auth_certificate"]["valid_now"], false);
    assert_eq!(
        status["auth_certificate"]["not_after"],
        "2024-01-01T00:00:00Z"
    );
    drop(_expired);

    let _young = stack.card("no-signing-cert", Slot::First);
    let status = json(&stack.jpki(&["status", "--json"]));
    assert_eq!(status["signing_pin"], serde_json::Value::Null);
    let text = stack.jpki(&["status"]);
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("none (no signing certificate on this card)")
    );
}

#[test]
fn a_card_that_is_not_a_my_number_card_says_so() {
    let stack = pcsc_stack!("a_card_that_is_not_a_my_number_card_says_so");
    let _card = stack.card("not-mynumber", Slot::First);
    let output = stack.jpki(&["status"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("not a My Number Card"), "{stderr}");
    let output = stack.jpki(&["status", "--json"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json(&output)["my_number_card"], false);
}

#[test]
fn certificates_come_out_as_der_or_pem() {
    let stack = pcsc_stack!("certificates_come_out_as_der_or_pem");
    let _card = stack.card("normal", Slot::First);
    let der = stack.jpki(&["cert", "auth"]);
    assert!(der.status.success());
    assert_eq!(der.stdout, config_file("cards/normal/auth-cert.der"));
    assert_eq!(
        stack.jpki(&["cert", "signing-ca"]).stdout,
        config_file("test-pki/signing-ca.der")
    );
    let pem =
        String::from_utf8(stack.jpki(&["cert", "auth-ca", "--pem"]).stdout).expect("PEM is text");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
}

#[test]
fn errors_are_one_line_and_a_non_zero_exit() {
    let mut stack = pcsc_stack!("errors_are_one_line_and_a_non_zero_exit");
    for (args, expected) in [
        (
            &["status", "--reader", "No Such Reader"][..],
            "no reader named",
        ),
        (&["status"][..], "no card in any reader"),
        (&["cert", "auth"][..], "no card in any reader"),
    ] {
        let output = stack.jpki(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    stack.kill_pcscd();
    let output = stack.jpki(&["readers"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PC/SC service is not running"));
    stack.start_pcscd();
    let output = stack.jpki(&["readers"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("Virtual PCD 00 00\tno card"));
}
