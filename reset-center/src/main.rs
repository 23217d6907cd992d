//! Stand-in for J-LIS's PIN reset centre. Not built yet: this crate is an empty shell until the
//! reset centre issue lands. The reset command's wire format it will produce already exists in
//! `card_driver::reset_cryptogram`, and the virtual card accepts it.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("reset-center: not built yet. See README.md.");
    ExitCode::FAILURE
}
