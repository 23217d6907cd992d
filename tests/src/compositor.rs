//! What the window-system tests share (tests/tests/cage.rs, tests/tests/install.rs): processes
//! in a group of their own, ended with everything they started; a private Xvfb; screenshots
//! decoded and compared; waiting for a screen to settle and for a log line.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iced::Point;

/// A child process in a process group of its own (with everything it starts: runuser, cage,
/// the kiosk), ended with the group when dropped: SIGTERM, then SIGKILL after 3 s; reaped.
#[derive(Debug)]
pub struct Group(pub Child);

impl Group {
    pub fn spawn(mut command: Command, what: &str) -> Group {
        command.process_group(0);
        Group(
            command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {what}: {e}")),
        )
    }

    /// The processes of the group whose parent is the group's process named `parent`.
    pub fn children_of(&self, parent: &str) -> Vec<String> {
        let group = self.0.id().to_string();
        let output = Command::new("ps")
            .args(["-e", "-o", "pid=,ppid=,pgid=,comm="])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let rows: Vec<Vec<&str>> = output
            .lines()
            .map(|line| line.split_whitespace().collect())
            .filter(|row: &Vec<&str>| row.len() == 4 && row[2] == group)
            .collect();
        let parents: Vec<&str> = rows
            .iter()
            .filter(|row| row[3] == parent)
            .map(|row| row[0])
            .collect();
        rows.iter()
            .filter(|row| parents.contains(&row[1]))
            .map(|row| row[0].to_string())
            .collect()
    }

    pub fn wait_exit(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // cage ends cleanly (its Xwayland lock and sockets removed) when its application does;
        // a SIGTERM to cage itself aborts it (cage 0.1.4), leaving them behind.
        let applications = self.children_of("cage");
        if !applications.is_empty() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .args(&applications)
                .status();
            if self.wait_exit(Duration::from_secs(5)) {
                return;
            }
        }
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        self.wait_exit(Duration::from_secs(3));
        // Whatever is left of the group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(command: &mut Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Xvfb of `size` on a display it picks itself (`-displayfd`), so that tests running at the
/// same time never share one. Ready once it has said which.
#[derive(Debug)]
pub struct Xvfb {
    pub display: String,
    // Field order is drop order: the pipe stays open as long as Xvfb runs.
    _process: Group,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Xvfb {
    pub fn start(size: (u32, u32)) -> Xvfb {
        let mut command = Command::new("Xvfb");
        command
            .args(["-displayfd", "1", "-screen", "0"])
            .arg(format!("{}x{}x24", size.0, size.1))
            // Any local client: cage and the kiosk run as another user.
            .args(["-ac", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut process = Group::spawn(command, "Xvfb");
        let mut stdout = BufReader::new(process.0.stdout.take().expect("Xvfb's stdout"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let number = line.trim();
        assert!(
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
            "Xvfb did not start (it said {line:?})"
        );
        Xvfb {
            display: format!(":{number}"),
            _process: process,
            _stdout: stdout,
        }
    }

    pub fn xdotool(&self, args: &[&str]) -> String {
        run(
            Command::new("xdotool")
                .env("DISPLAY", &self.display)
                .args(args),
            &format!("xdotool {args:?}"),
        )
    }

    /// A tap (press and release) at `point`, then the pointer off to the bottom-left corner, so
    /// that no hover shows in the screenshots of either window system.
    pub fn tap(&self, point: Point, size: (u32, u32)) {
        let (x, y) = ((point.x as i32).to_string(), (point.y as i32).to_string());
        self.xdotool(&["mousemove", "--sync", &x, &y, "click", "1"]);
        self.park_pointer(size);
    }

    pub fn park_pointer(&self, size: (u32, u32)) {
        self.xdotool(&["mousemove", "--sync", "0", &(size.1 - 1).to_string()]);
    }
}

/// A screenshot decoded to 8-bit RGB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shot {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Shot {
    /// Reads a PNG through ImageMagick (`convert … ppm:-`).
    pub fn read(path: &Path) -> Option<Shot> {
        let output = Command::new("convert")
            .arg(path)
            .args(["-depth", "8", "ppm:-"])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        // P6 <width> <height> 255, one whitespace byte, then the pixels.
        let bytes = output.stdout;
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes.get(at)?.is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes.get(at)?.is_ascii_whitespace() {
                at += 1;
            }
            fields.push(std::str::from_utf8(&bytes[start..at]).ok()?.to_string());
        }
        let (width, height): (u32, u32) = (fields[1].parse().ok()?, fields[2].parse().ok()?);
        let rgb = bytes.get(at + 1..)?.to_vec();
        (fields[0] == "P6" && rgb.len() == (width * height * 3) as usize).then_some(Shot {
            width,
            height,
            rgb,
        })
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Pixels of two screenshots of the same size where a channel differs by more than
    /// `tolerance` levels.
    pub fn differing(&self, other: &Shot, tolerance: u8) -> u64 {
        self.rgb
            .chunks(3)
            .zip(other.rgb.chunks(3))
            .filter(|(a, b)| {
                a.iter()
                    .zip(b.iter())
                    .any(|(a, b)| a.abs_diff(*b) > tolerance)
            })
            .count() as u64
    }
}

/// Takes screenshots with `take` every 300 ms until three in a row are the same and of `size`
/// (the kiosk has drawn what it will draw), keeps the last as `path`.
pub fn settled(size: (u32, u32), path: &Path, mut take: impl FnMut(&Path)) -> Shot {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last: Option<Shot> = None;
    let mut same = 0;
    loop {
        take(path);
        match Shot::read(path) {
            Some(shot) if last.as_ref() == Some(&shot) && (shot.width, shot.height) == size => {
                same += 1;
                if same == 2 {
                    return shot;
                }
            }
            shot => {
                last = shot;
                same = 0;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the screen never settled at {}×{} (last: {})",
            size.0,
            size.1,
            path.display()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The Wayland socket cage made in `runtime` (`wayland-0` in a fresh directory).
pub fn wayland_display(runtime: &Path) -> String {
    std::fs::read_dir(runtime)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("wayland-") && !name.ends_with(".lock"))
        .unwrap_or_else(|| "wayland-0".to_string())
}

/// Waits until `log` says `line` after the first `read` bytes (which then move past it).
pub fn wait_for(log: &Path, line: &str, read: &mut usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(log) {
            let _ = file.read_to_string(&mut text);
        }
        if let Some(found) = text.get(*read..).and_then(|rest| rest.find(line)) {
            *read += found + line.len();
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never said {line:?}; it said:\n{text}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
