//! The fault matrix in CI: a few cells of `cargo bench --bench fault_matrix` that cover each
//! kind of fault at the steps where it matters most — the reset command itself, the card's
//! receipt read right after it, the centre's reset command and completion — for both resets. Each must end consistent: the card holds the
//! old or the new PIN, the reservation is used if and only if it holds the new one, the kiosk
//! shows the fault's guidance and returns to the top, and a retry succeeds where it should.

use reset_protocol::ResetKind;
use system_tests::faults::{Bench, Fault, Step};
use system_tests::pcsc_stack;

fn run(kind: ResetKind, name: &str) {
    let mut stack = pcsc_stack!(name);
    let bench = Bench::start(&stack, kind);
    let steps = bench.steps();
    // The card's reset command is the APDU carrying the secure-messaging cryptogram (INS 2C).
    let reset_apdu = steps
        .iter()
        .find(|step| matches!(step, Step::Apdu(_, header) if header.get(2..4) == Some("2C")))
        .cloned()
        .unwrap_or_else(|| panic!("no reset APDU among {steps:?}"));
    // The card's receipt, read right after its answer (GET DATA, 80 CA): the centre's only
    // evidence of the reset.
    let receipt_apdu = steps
        .iter()
        .find(|step| matches!(step, Step::Apdu(_, header) if header.starts_with("80CA")))
        .cloned()
        .unwrap_or_else(|| panic!("no receipt APDU among {steps:?}"));
    let centre_call = |path_part: &str| {
        steps
            .iter()
            .find(|step| matches!(step, Step::Centre(_, path) if path.contains(path_part)))
            .cloned()
            .unwrap_or_else(|| panic!("no centre call {path_part} among {steps:?}"))
    };
    let first_apdu = steps[0].clone();
    let cells = [
        (first_apdu.clone(), Fault::Pulled),
        (first_apdu, Fault::Garbage),
        (reset_apdu.clone(), Fault::Pulled),
        (reset_apdu.clone(), Fault::Stalled),
        (reset_apdu.clone(), Fault::OneByte),
        (reset_apdu.clone(), Fault::UnexpectedSw),
        (reset_apdu.clone(), Fault::PcscdKilled),
        // The card took the reset and is pulled before its receipt is read: the kiosk keeps
        // the command as with the card and reads the receipt when the card is placed again.
        (receipt_apdu.clone(), Fault::Pulled),
        (centre_call("reset-command"), Fault::Centre500),
        (centre_call("complete"), Fault::CentreDown),
        (centre_call("complete"), Fault::CentreSlow),
        // The kiosk killed while the card carries out the reset (its answer is lost with the
        // process: the restarted kiosk reads the card's receipt), while the centre issues the
        // command (never sent: the lease frees the reservation), and while it takes the
        // completion (the outbox delivers it again).
        (reset_apdu.clone(), Fault::KioskKilled),
        (receipt_apdu, Fault::KioskKilled),
        (centre_call("reset-command"), Fault::KioskKilled),
        (centre_call("complete"), Fault::KioskKilled),
    ];
    let mut failures = Vec::new();
    for (step, fault) in &cells {
        let outcome = bench.cell(&mut stack, step, *fault);
        println!("{step:?} × {}: {}", fault.short(), outcome.cell());
        if !outcome.ok() {
            failures.push(format!(
                "{step:?} × {}: {:?} {:?}",
                fault.short(),
                outcome.problems,
                outcome.screens
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "inconsistent cells:\n{}",
        failures.join("\n")
    );
}

#[test]
fn faults_in_a_signing_reset_leave_card_and_reservation_consistent() {
    run(
        ResetKind::Signing,
        "faults_in_a_signing_reset_leave_card_and_reservation_consistent",
    );
}

#[test]
fn faults_in_an_auth_reset_leave_card_and_reservation_consistent() {
    run(
        ResetKind::Auth,
        "faults_in_an_auth_reset_leave_card_and_reservation_consistent",
    );
}
