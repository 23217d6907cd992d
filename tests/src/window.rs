//! The real kiosk binary in a real window: an X server (Xvfb) of a given size, the kiosk on it,
//! taps with xdotool, screenshots with ImageMagick's `import`, the kiosk's log read as it grows.
//!
//! Where to tap is found the way a tester with the layout would: a detached copy of the app (the
//! "shadow", no worker, no card) is put on the same screen at the same size, and iced_test finds
//! the label there; the test feeds the shadow the worker's events the real kiosk gets.
//!
//! [`KioskWindow::check`] is what the window-fidelity test is about: the screen as the kiosk
//! drew it, compared pixel by pixel with a full repaint of the same state (asked of the kiosk
//! with SIGUSR1).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iced::Size;
use iced_test::simulator::Simulator;
use kiosk_app::app::{App, Message};
use kiosk_app::demo::{self, DemoCard};
use kiosk_app::theme;
use kiosk_core::worker::Event;

/// Pixels allowed to differ between the frame the kiosk drew and a full repaint of the same
/// state. Measured: 0 on all 156 screens of the four window-fidelity runs once every changed
/// frame is drawn whole; the renderer is deterministic (same primitives, same rasteriser), so
/// there is no anti-aliasing noise to allow for. With iced's partial repaints instead, 28 of 39
/// screens differed, by 3 to 4,571 px.
pub const NOISE_PIXELS: u64 = 0;

/// A child process killed (and reaped) when dropped.
#[derive(Debug)]
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Fails the test with a clear message if `tool` is not installed.
pub fn require(tool: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is missing: scripts/install-deps installs it (.ci/run runs it)"
    );
}

/// An X server on `display` with one screen of `size`.
pub fn xvfb(display: &str, size: (u32, u32)) -> Process {
    for tool in ["Xvfb", "xdotool", "import", "compare"] {
        require(tool);
    }
    let process = Process(
        Command::new("Xvfb")
            .args([
                display,
                "-screen",
                "0",
                &format!("{}x{}x24", size.0, size.1),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    // Ready once a client can talk to it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Command::new("xdotool")
        .env("DISPLAY", display)
        .arg("getdisplaygeometry")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(Instant::now() < deadline, "Xvfb {display} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    process
}

/// The kiosk binary `binary` on `display`, its stderr appended to `log`, `env` added.
pub fn start_kiosk(
    binary: &Path,
    config_path: &Path,
    display: &str,
    env: &[(&str, &str)],
    log: &Path,
) -> Process {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log");
    let mut command = Command::new(binary);
    command
        .arg("--config")
        .arg(config_path)
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .stdout(Stdio::null())
        .stderr(log_file);
    for (name, value) in env {
        command.env(name, value);
    }
    Process(command.spawn().expect("kiosk-app starts"))
}

/// The running kiosk in its window: its log, read as it grows, and its shadow.
pub struct KioskWindow {
    // Field order is drop order: the kiosk goes before its display.
    process: Process,
    _display: Process,
    pub display: String,
    pub size: (u32, u32),
    pub log: PathBuf,
    read: usize,
    shots: PathBuf,
    shot: usize,
    /// The same app, detached, on the same screen: where to tap.
    pub shadow: App,
    /// Screens whose pixels were not those of a full repaint (name, pixels differing).
    pub unfaithful: Vec<(String, u64)>,
    /// Screens checked.
    pub checked: usize,
}

impl std::fmt::Debug for KioskWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KioskWindow({} on {})",
            self.shadow.screen().name(),
            self.display
        )
    }
}

impl KioskWindow {
    /// Xvfb of `size` on `display`, the kiosk `binary` on it with `config_path`, and `shadow`
    /// (made for the same configuration) laid out at the same size. Screenshots and the log go
    /// to `shots`. Returns once the kiosk has logged `reader ready`.
    pub fn launch(
        binary: &Path,
        config_path: &Path,
        display: &str,
        size: (u32, u32),
        env: &[(&str, &str)],
        mut shadow: App,
        shots: PathBuf,
    ) -> KioskWindow {
        let xvfb = xvfb(display, size);
        let _ = std::fs::create_dir_all(&shots);
        let log = shots.join("kiosk.log");
        let process = start_kiosk(binary, config_path, display, env, &log);
        shadow.set_window_size(Size::new(size.0 as f32, size.1 as f32));
        let _ = shadow.update(Message::Worker(Event::ReaderReady));
        let mut kiosk = KioskWindow {
            process,
            _display: xvfb,
            display: display.to_string(),
            size,
            log,
            read: 0,
            shots,
            shot: 0,
            shadow,
            unfaithful: Vec::new(),
            checked: 0,
        };
        kiosk.wait_for("reader ready");
        std::thread::sleep(Duration::from_secs(1));
        kiosk
    }

    pub fn pid(&self) -> u32 {
        self.process.0.id()
    }

    /// Ends the kiosk process (SIGKILL, as a crash would) and keeps the display.
    pub fn kill(&mut self) {
        let _ = self.process.0.kill();
        let _ = self.process.0.wait();
    }

    /// Starts the kiosk again on the same display (after [`kill`](Self::kill)).
    pub fn restart(&mut self, binary: &Path, config_path: &Path, env: &[(&str, &str)]) {
        self.process = start_kiosk(binary, config_path, &self.display, env, &self.log);
    }

    /// Bytes of the log read so far.
    pub fn log_read(&self) -> usize {
        self.read
    }

    /// Waits until the kiosk's log says `line` (after what was read before), then lets the new
    /// screen's frame reach the display.
    pub fn wait_for(&mut self, line: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut text = String::new();
            if let Ok(mut file) = File::open(&self.log) {
                let _ = file.read_to_string(&mut text);
            }
            if let Some(found) = text.get(self.read..).and_then(|rest| rest.find(line)) {
                self.read += found + line.len();
                std::thread::sleep(Duration::from_millis(400));
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the kiosk never logged {line:?}; its log:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Where `label` is on the shadow's screen, and the messages a click there sends (for
    /// [`follow`](Self::follow) once the real kiosk was tapped there).
    pub fn locate(&self, label: &str) -> (iced::Point, Vec<Message>) {
        let mut ui = simulator(self.size, self.shadow.view());
        // As the screen holds it: with the word joiners that keep Japanese numbers together.
        let shown = kiosk_app::i18n::keep_numbers_together(label);
        let target = ui.find(shown.as_str()).unwrap_or_else(|e| {
            panic!(
                "no {label:?} on the {} screen: {e}",
                self.shadow.screen().name()
            )
        });
        let point = target.bounds().center();
        let _ = ui.click(shown.as_str());
        (point, ui.into_messages().collect())
    }

    fn xdotool(&self, args: &[&str]) {
        let status = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(args)
            .status()
            .expect("xdotool runs");
        assert!(status.success(), "xdotool {args:?}");
    }

    /// Taps the centre of `label` as the shadow lays it out, and applies the same messages to
    /// the shadow.
    pub fn tap(&mut self, label: &str) {
        let (point, messages) = self.locate(label);
        let (x, y) = (format!("{}", point.x as i32), format!("{}", point.y as i32));
        self.xdotool(&["mousemove", "--sync", &x, &y, "click", "1"]);
        for message in messages {
            let _ = self.shadow.update(message);
        }
    }

    /// Applies to the shadow what a tap sent (from [`locate`](Self::locate)).
    pub fn follow(&mut self, messages: Vec<Message>) {
        for message in messages {
            let _ = self.shadow.update(message);
        }
    }

    /// The kiosk's window (for tools that watch it).
    pub fn window_id(&self) -> u32 {
        let output = Command::new("xdotool")
            .env("DISPLAY", &self.display)
            .args(["search", "--onlyvisible", "--pid", &self.pid().to_string()])
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .and_then(|id| id.trim().parse().ok())
            .expect("the kiosk's window")
    }

    /// Holds `label` pressed for `hold` (the staff's gesture on the header's title).
    pub fn hold(&mut self, label: &str, hold: Duration) {
        let (point, _) = self.locate(label);
        let (x, y) = (format!("{}", point.x as i32), format!("{}", point.y as i32));
        self.xdotool(&["mousemove", "--sync", &x, &y, "mousedown", "1"]);
        let _ = self.shadow.update(Message::Corner(true));
        std::thread::sleep(hold);
        self.xdotool(&["mouseup", "1"]);
        let _ = self.shadow.update(Message::Corner(false));
    }

    /// Taps one key per character of `keys`.
    pub fn type_keys(&mut self, keys: &str) {
        for key in keys.chars() {
            self.tap(&key.to_string());
            std::thread::sleep(Duration::from_millis(120));
        }
    }

    /// Feeds the shadow what the worker told the real kiosk.
    pub fn shadow_sees(&mut self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            let _ = self.shadow.update(Message::Worker(event));
        }
    }

    /// Shows the shadow's demo panel the card the real kiosk's panel shows (the shadow has no
    /// reader to look at).
    pub fn shadow_panel_shows(&mut self, card: Option<DemoCard>) {
        let _ = self
            .shadow
            .update(Message::Demo(demo::Message::OnReader(card)));
    }

    /// A screenshot of the whole display, kept as `NN-name.png` in the artifacts.
    pub fn screenshot(&mut self, name: &str) -> PathBuf {
        let _ = std::fs::create_dir_all(&self.shots);
        self.shot += 1;
        let path = self.shots.join(format!("{:02}-{name}.png", self.shot));
        capture(&self.display, &path);
        path
    }

    /// The screen as drawn, against a full repaint of the same state: the screenshot is kept;
    /// where they differ, the repaint and a difference image are kept beside it and the screen
    /// is noted in [`unfaithful`](Self::unfaithful) (the test asserts at the end, so one run
    /// shows every screen that is wrong).
    pub fn check(&mut self, name: &str) {
        // The frame of the last tap has reached the display by now (a frame that is merely
        // late is not the renderer's fault; a stale one stays stale).
        std::thread::sleep(Duration::from_millis(300));
        let drawn = self.screenshot(name);
        self.repaint_whole();
        let repainted = drawn.with_extension("repaint.png");
        capture(&self.display, &repainted);
        let diff = drawn.with_extension("diff.png");
        let differing = differing_pixels(&drawn, &repainted, &diff);
        self.checked += 1;
        if differing > NOISE_PIXELS {
            self.unfaithful.push((name.to_string(), differing));
        } else {
            let _ = std::fs::remove_file(&repainted);
            let _ = std::fs::remove_file(&diff);
        }
    }

    /// Makes the kiosk draw its whole window afresh (SIGUSR1, `kiosk_app::display`), at the
    /// same size and in the same state. (Resizing the window would also repaint it whole, but
    /// iced then lays text out again from a resized paragraph, which can move what lies below
    /// by a fraction of a pixel: not the same state.)
    fn repaint_whole(&mut self) {
        let status = Command::new("kill")
            .args(["-USR1", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGUSR1 to the kiosk");
        self.wait_for("redraw requested");
    }

    /// Fails with every screen that was not what a full repaint shows.
    pub fn assert_faithful(&self) {
        assert!(self.checked > 0, "no screen was checked");
        assert!(
            self.unfaithful.is_empty(),
            "{} of {} screens differ from a full repaint of the same state (more than {} px; \
             screenshots, repaints and diff images in {}): {:?}",
            self.unfaithful.len(),
            self.checked,
            NOISE_PIXELS,
            self.shots.display(),
            self.unfaithful
        );
    }
}

/// A copy of `config/` in `dir` with the demo's state kept in `dir/state` and no sound (a test
/// changes its cards and keeps its state apart); returns the copied demo configuration.
pub fn demo_config_copy(dir: &Path) -> PathBuf {
    let status = Command::new("cp")
        .arg("-r")
        .arg(crate::workspace_root().join("config"))
        .arg(dir)
        .status()
        .expect("cp runs");
    assert!(status.success());
    let path = dir.join("config/kiosk.json");
    let text = std::fs::read_to_string(&path)
        .expect("demo config")
        .replace(
            "\"state_dir\": \"../var/demo\"",
            "\"state_dir\": \"../state\"",
        )
        .replace("\"sound\": true", "\"sound\": false");
    std::fs::write(&path, text).expect("write");
    path
}

/// The detached demo app for `config_path` (its panel included): the shadow of a demo kiosk.
pub fn demo_shadow(config_path: &Path) -> App {
    let config = kiosk_core::config::Config::load(config_path).expect("demo config");
    let panel = kiosk_app::demo::panel_for(config_path).expect("demo cards");
    App::detached_demo(std::sync::Arc::new(config), panel)
}

/// `view` laid out at `size` with the kiosk's fonts, as iced_test sees it: where things are.
pub fn simulator<'a>(size: (u32, u32), view: iced::Element<'a, Message>) -> Simulator<'a, Message> {
    let settings = iced::Settings {
        fonts: theme::font_files().map(Into::into).collect(),
        default_font: theme::FONT,
        ..iced::Settings::default()
    };
    Simulator::with_size(settings, Size::new(size.0 as f32, size.1 as f32), view)
}

/// A screenshot of `display`'s root window into `path`.
pub fn capture(display: &str, path: &Path) {
    let status = Command::new("import")
        .env("DISPLAY", display)
        .args(["-window", "root"])
        .arg(path)
        .status()
        .expect("import runs");
    assert!(status.success(), "screenshot {}", path.display());
}

/// How many pixels of two images differ at all (ImageMagick's absolute error count, fuzz 0),
/// with a difference image written to `diff`.
pub fn differing_pixels(a: &Path, b: &Path, diff: &Path) -> u64 {
    let output = Command::new("compare")
        .args(["-metric", "AE"])
        .arg(a)
        .arg(b)
        .arg(diff)
        .output()
        .expect("compare runs");
    // `compare` prints the count on stderr and exits 0 (same), 1 (different) or 2 (error).
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.code().is_some_and(|c| c < 2),
        "compare {} {}: {text}",
        a.display(),
        b.display()
    );
    let count: f64 = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("compare said {text:?}"));
    count as u64
}
