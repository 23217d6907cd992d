//! The fault matrix (prints the matrix; not a test): for every step of a complete reset — each
//! APDU the card receives and each call to the centre — one run with one fault injected there,
//! through the kiosk's own state machine, the virtual card over pcscd and the centre over HTTP
//! behind a fault proxy. Each cell says whether everything held (`ok`/`FAIL`), which PIN the
//! card holds afterwards (`old`/`new`) and where the kiosk's guidance ended; failures are
//! listed with their reasons under the table.
//!
//! Run: `cargo bench -p system-tests --bench fault_matrix` for both resets, or `KIND=signing` /
//! `KIND=auth` for one; `FAULTS=kiosk` runs only the "kiosk killed" column, `FAULTS=answers`
//! only the card's wrong answers (garbage, 1 byte, SW 6F00), `FAULTS=rest` all but the kill. Needs what the tests need (pcscd, vpcd, root, no other pcscd).

use reset_protocol::ResetKind;
use system_tests::faults::{Bench, Fault, Step};
use system_tests::pcsc_stack;

fn main() {
    let kinds = match std::env::var("KIND").as_deref() {
        Ok("signing") => vec![ResetKind::Signing],
        Ok("auth") => vec![ResetKind::Auth],
        _ => vec![ResetKind::Signing, ResetKind::Auth],
    };
    let wanted = |fault: Fault| match std::env::var("FAULTS").as_deref() {
        Ok("kiosk") => fault == Fault::KioskKilled,
        Ok("rest") => fault != Fault::KioskKilled,
        Ok("answers") => matches!(fault, Fault::Garbage | Fault::OneByte | Fault::UnexpectedSw),
        _ => true,
    };
    let mut failed = 0;
    let mut cells = 0;
    for kind in kinds {
        let mut stack = pcsc_stack!(&format!("bench_fault_matrix_{}", kind.as_str()));
        let bench = Bench::start(&stack, kind);
        let steps = bench.steps();
        println!();
        println!(
            "fault matrix, {} reset: {} steps",
            kind.as_str(),
            steps.len()
        );
        let mut problems = Vec::new();
        for step in &steps {
            let (label, faults): (String, &[Fault]) = match step {
                Step::Apdu(k, header) => (format!("APDU {k:>2} {header}"), &Fault::CARD),
                Step::Centre(k, path) => (format!("centre {k} {path}"), &Fault::CENTRE),
            };
            let mut row = format!("{label:<40}");
            for &fault in faults.iter().chain(&Fault::ANY).filter(|f| wanted(**f)) {
                let outcome = bench.cell(&mut stack, step, fault);
                cells += 1;
                if !outcome.ok() {
                    failed += 1;
                    problems.push(format!(
                        "{label} × {}: {:?} ({:?})",
                        fault.short(),
                        outcome.problems,
                        outcome.screens
                    ));
                }
                row.push_str(&format!(" | {:>8}: {:<34}", fault.short(), outcome.cell()));
            }
            println!("{row}");
        }
        for problem in &problems {
            println!("  FAIL {problem}");
        }
    }
    println!();
    println!("{cells} cells, {failed} failed");
}
