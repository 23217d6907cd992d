//! The card took the new PIN, but the centre did not hear it before the kiosk went away: the
//! outcome waits on disk (`state_dir/outbox/`) and the kiosk, started again, delivers it, so
//! the reservation ends up used — also after the centre's claim lease has lapsed.

use std::time::Duration;

use reset_protocol::ResetKind;
use system_tests::driver::{Driver, production_config};
use system_tests::proxy::{CentreFault, FaultProxy, ProxyTls};
use system_tests::{CentreProcess, Slot, pcsc_stack, workspace_root};

#[test]
fn a_completion_the_centre_did_not_hear_is_delivered_after_a_restart() {
    let stack = pcsc_stack!("a_completion_the_centre_did_not_hear_is_delivered_after_a_restart");
    let card = stack.card("normal", Slot::First);
    card.pull();
    let centre = CentreProcess::start_with_lease(&stack, 2);
    let credential_path = stack.scratch().join("kiosk-credential");
    centre.add_kiosk("STORE-0001", &credential_path);
    let credential = std::fs::read_to_string(&credential_path).expect("credential");
    centre.reserve(
        &workspace_root().join("config/cards/normal/auth-cert.der"),
        "signing",
    );
    let proxy = FaultProxy::start(&centre.url, ProxyTls::new(centre.pki(), stack.scratch()));
    let config = production_config(stack.scratch(), &proxy.url, Duration::from_secs(1));
    // Retries far apart: this kiosk must not deliver before it goes away.
    let mut kiosk = Driver::start(config.clone(), &credential, Duration::from_secs(600));

    // The centre goes down at the completion (the fifth call).
    proxy.arm(5, CentreFault::Down);
    kiosk.walk_to_card_screen(ResetKind::Signing);
    card.insert(Some("normal"));
    assert!(kiosk.wait_for("current_pin", Duration::from_secs(20)));
    kiosk.enter_pin("1234");
    assert!(kiosk.wait_for("new_pin", Duration::from_secs(20)));
    kiosk.enter_new_pin("OUTBOX7");
    assert!(
        kiosk.wait_for("remove_card", Duration::from_secs(30)),
        "the card took the new password: {}",
        kiosk.screen()
    );
    let outbox = kiosk.state_dir().join("outbox");
    let waiting = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    assert_eq!(waiting, 1, "the card's answer waits in the outbox");
    let state = || {
        centre.reservations()[0]["state"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_ne!(state(), "used", "the centre has not heard yet");

    // The kiosk goes away; the claim lease lapses; the centre comes back; the kiosk restarts.
    proxy.restore();
    std::thread::sleep(Duration::from_secs(3));
    let kiosk = Driver::restart(kiosk, config, &credential, Duration::from_secs(600));
    assert_eq!(state(), "used", "delivered at the restart");
    let left = std::fs::read_dir(kiosk.state_dir().join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "the outbox is empty once the centre took it");
}
