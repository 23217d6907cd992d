//! The kiosk's touchscreen application. Not built yet: this crate is an empty shell until the
//! kiosk issue (the iced customer flow and maintenance mode) lands.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "kiosk-app: the touchscreen application is not built yet (only the card driver, the virtual \
         card and their tests are). See README.md."
    );
    ExitCode::FAILURE
}
