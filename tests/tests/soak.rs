//! A short soak in CI: 60 customer sessions in the soak benchmark's mix through the kiosk's
//! state machine, against the virtual card over pcscd and the centre over HTTP. Every session
//! must end where it should (and back at the top); every success uses one reservation; no file
//! descriptor or thread is left behind. (Memory growth is measured by the 1,000-session
//! benchmark, `cargo bench -p system-tests --bench soak`: 60 sessions are too few to judge it.)

use system_tests::driver::Footprint;
use system_tests::pcsc_stack;
use system_tests::soak::{Session, Soak};

#[test]
fn sixty_sessions_in_a_row_end_right_and_leave_nothing_behind() {
    let stack = pcsc_stack!("sixty_sessions_in_a_row_end_right_and_leave_nothing_behind");
    let mut soak = Soak::start(&stack);
    let mut after_warm_up = None;
    for n in 0..60 {
        soak.run(Session::nth(n))
            .unwrap_or_else(|error| panic!("session {n} ({:?}): {error}", Session::nth(n)));
        if n == 19 {
            after_warm_up = Some(Footprint::now());
        }
    }
    let successes = (0..60)
        .filter(|&n| matches!(Session::nth(n), Session::Success | Session::WrongThenRight))
        .count();
    assert_eq!(soak.used(), successes, "one reservation per success");
    let warm = after_warm_up.expect("sampled");
    let end = Footprint::now();
    assert!(
        end.fds <= warm.fds,
        "file descriptors grew: {warm:?} → {end:?}"
    );
    assert!(
        end.threads <= warm.threads,
        "threads grew: {warm:?} → {end:?}"
    );
}
