//! `virtual-card --profile config/cards/normal.json [--port 35963] [--control PATH]
//! [--timing contactless]`
//!
//! Plays a test My Number Card for vpcd until killed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use virtual_card::timing::TimingProfile;

/// A virtual My Number Card for pcscd's vpcd reader (tests and integration only: never install
/// vpcd on a kiosk).
#[derive(Debug, Parser)]
#[command(version, after_help = CONTROL_HELP)]
struct Args {
    /// The card profile (JSON), e.g. config/cards/normal.json.
    #[arg(long)]
    profile: PathBuf,
    /// The vpcd host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The vpcd port (35963 is reader "Virtual PCD 00 00", 35964 is "Virtual PCD 00 01").
    #[arg(long, default_value_t = 35963)]
    port: u16,
    /// A Unix socket for control commands (see below).
    #[arg(long)]
    control: Option<PathBuf>,
    /// Print the header of every command received (never its data).
    #[arg(long)]
    verbose: bool,
    /// Answer as late as a real card behind a contactless reader would: `contactless` (212
    /// kbit/s), `contactless-424`, or a JSON file with a profile (docs/card-timing.md). `none`
    /// answers at once.
    #[arg(long, default_value = "none", value_name = "PROFILE")]
    timing: String,
}

const CONTROL_HELP: &str = "Control socket: one command per line, one JSON line back ({\"ok\":…}):
  status                      card, inserted, connected, tries left, commands received
  pull                        take the card out of the reader (vpcd sees it leave)
  insert [PROFILE]            put it back, optionally as another card
  fault KIND [after N]        misbehave on the next command (or after N more):
                              drop | stall MS | garbage | short | sw XXXX
  clear-faults                disarm every fault
  history | clear-history     headers of the commands received (never their data)
  timing                      the timing profile, and the time the card held each kind of
                              exchange (and the latest exchanges in order)";

fn main() -> ExitCode {
    let args = Args::parse();
    let card = match virtual_card::load_card(&args.profile) {
        Ok(card) => card,
        Err(error) => {
            eprintln!("virtual-card: {error}");
            return ExitCode::FAILURE;
        }
    };
    let timing = match TimingProfile::from_arg(&args.timing) {
        Ok(timing) => timing,
        Err(error) => {
            eprintln!("virtual-card: --timing {}: {error}", args.timing);
            return ExitCode::FAILURE;
        }
    };
    if let Some(timing) = &timing {
        eprintln!("virtual-card: timing profile {}", timing.name);
    }
    let card = virtual_card::vpcd::VpcdCard::new(card, args.verbose).with_timing(timing);
    if let Some(path) = &args.control
        && let Err(error) = card.serve_control(path)
    {
        eprintln!("virtual-card: control socket {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let address = format!("{}:{}", args.host, args.port);
    match card.run(&address) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("virtual-card: {error}");
            ExitCode::FAILURE
        }
    }
}
