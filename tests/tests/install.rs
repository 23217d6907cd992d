//! The Debian packages installed on this machine as a chain's IT installs them (docs/deploy.md):
//! `lintian`, `dpkg -i`, the files, owners and modes, `systemd-analyze verify` of the units; then
//! configured as an operator would, from the installed files only: the centre's link PKI made
//! with the installed `reset-center`, the kiosk registered with it, the installed centre run by
//! its unit's command as its user with the credentials systemd would hand it, and the installed
//! kiosk run by its unit's command (cage, headless backend) as its user, on the virtual reader:
//! its top screen in service, pixel for pixel what the same installed kiosk shows on an X
//! server, and the centre hearing it. An upgrade keeps the operator's configuration and state;
//! `dpkg --purge` leaves nothing behind (every path under /etc, /usr and /var/lib, the users and
//! groups, dpkg's ownership overrides, as before the install).
//!
//! Needs root (dpkg) and the packages scripts/build-debs made in `target/debian-test` (or in the
//! directory `INSTALL_TEST_DEBS` names, such as `target/debian` after `make deb`): `make
//! test` builds them and then runs this (`cargo test -p system-tests --test install`); it is not
//! part of `cargo test --workspace`. There is no systemd as PID 1 here: what systemd would do for
//! the units (the user, the credentials, the runtime directory) the test does as systemd does
//! it, and says so where it does. Screenshots and logs: `target/test-artifacts/install/`.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use system_tests::compositor::{Group, Xvfb, settled, wait_for, wayland_display};
use system_tests::window::require;
use system_tests::{Slot, output_text, pcsc_stack, wait_until, workspace_root};

const PACKAGES: [&str; 2] = ["kiosk-app", "reset-center"];
const KIOSK_UNIT: &str = "kiosk-app.service";
const CENTRE_UNIT: &str = "reset-center.service";
const KIOSK_CONFIG: &str = "/etc/mynumber-kiosk/kiosk.json";
const CENTRE_CONFIG: &str = "/etc/reset-center/reset-center.json";
/// The kiosk's identity at the centre, as the packaged configuration names it.
const KIOSK_ID: &str = "STORE-0001";
/// cage's headless output (always this size in wlroots 0.15).
const SIZE: (u32, u32) = (1280, 720);

/// The lintian tags the packages are known to carry, each with why it stays (docs/deploy.md
/// lists them too). Any other warning, and any error, fails the test.
const EXPECTED_LINTIAN: &[(&str, &str)] = &[
    (
        "no-manual-page",
        "the binaries document themselves (--help) and in /usr/share/doc; no man pages yet",
    ),
    (
        "non-standard-file-perm",
        "the configuration is 0640 (root and the service's group), never world-readable",
    ),
];

// ---- commands ----

fn command_output(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Runs `program args`, fails the test unless it succeeds; what it printed on stdout.
fn must(program: &str, args: &[&str]) -> String {
    let output = command_output(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        output_text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn is_installed(package: &str) -> bool {
    command_output("dpkg-query", &["-W", "-f=${Status}", package])
        .stdout
        .starts_with(b"install ok installed")
}

/// The packages built by scripts/build-debs for the tests, or those in `INSTALL_TEST_DEBS`
/// (e.g. `target/debian`, what `make deb` made).
fn debs() -> Vec<PathBuf> {
    let dir = std::env::var_os("INSTALL_TEST_DEBS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debian-test"));
    PACKAGES
        .iter()
        .map(|package| {
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .find(|path| {
                    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.starts_with(&format!("{package}_")) && n.ends_with(".deb")
                    })
                })
                .unwrap_or_else(|| {
                    panic!(
                        "no {package}_*.deb in {}: `scripts/build-debs --profile dev --out \
                         target/debian-test` makes them (make test does)",
                        dir.display()
                    )
                })
        })
        .collect()
}

// ---- what must be as before once the packages are purged ----

/// Every path under /etc, /usr and /var/lib (dpkg's and apt's own databases aside) with its
/// type, mode and owner; the account databases and dpkg's ownership overrides, whole.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    paths: BTreeMap<PathBuf, (u32, u32, u32)>,
    files: BTreeMap<&'static str, String>,
}

/// Files that change when accounts are added and removed whatever is left behind: the
/// account tools' backups and lock.
const ACCOUNT_BACKUPS: [&str; 5] = [
    "/etc/passwd-",
    "/etc/group-",
    "/etc/shadow-",
    "/etc/gshadow-",
    "/etc/.pwd.lock",
];

impl Snapshot {
    fn take() -> Snapshot {
        let mut paths = BTreeMap::new();
        for root in ["/etc", "/usr", "/var/lib", "/lib"] {
            walk(Path::new(root), &mut paths);
        }
        let files = [
            "/etc/passwd",
            "/etc/group",
            "/etc/shadow",
            "/etc/gshadow",
            "/var/lib/dpkg/statoverride",
        ]
        .into_iter()
        .map(|file| (file, std::fs::read_to_string(file).unwrap_or_default()))
        .collect();
        Snapshot { paths, files }
    }

    /// What differs from `before`, one line each.
    fn differences(&self, before: &Snapshot) -> Vec<String> {
        let mut found = Vec::new();
        for (path, now) in &self.paths {
            match before.paths.get(path) {
                None => found.push(format!("left behind: {} {now:?}", path.display())),
                Some(then) if then != now => found.push(format!(
                    "changed: {} (mode, uid, gid) {then:?} → {now:?}",
                    path.display()
                )),
                Some(_) => {}
            }
        }
        for path in before.paths.keys() {
            if !self.paths.contains_key(path) {
                found.push(format!("removed: {}", path.display()));
            }
        }
        for (file, now) in &self.files {
            if before.files.get(file) != Some(now) {
                found.push(format!("{file} differs:\n{now}"));
            }
        }
        found
    }
}

fn walk(path: &Path, paths: &mut BTreeMap<PathBuf, (u32, u32, u32)>) {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return;
    };
    if ACCOUNT_BACKUPS
        .iter()
        .any(|backup| path == Path::new(backup))
        || path.starts_with("/var/lib/dpkg")
        || path.starts_with("/var/lib/apt")
    {
        return;
    }
    paths.insert(
        path.to_path_buf(),
        (metadata.mode(), metadata.uid(), metadata.gid()),
    );
    if metadata.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&entry.path(), paths);
        }
    }
}

// ---- the machine put back, whatever happens ----

/// Purges the packages and removes what the test made in systemd's places, when the test ends
/// (also when it fails half-way).
struct Cleanup {
    credentials: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for dir in &self.credentials {
            let _ = std::fs::remove_dir_all(dir);
        }
        let installed: Vec<&str> = PACKAGES
            .into_iter()
            .filter(|package| is_installed(package) || config_files_left(package))
            .collect();
        if !installed.is_empty() {
            let _ = Command::new("dpkg")
                .arg("--purge")
                .args(&installed)
                .stdout(Stdio::null())
                .status();
        }
    }
}

fn config_files_left(package: &str) -> bool {
    command_output("dpkg-query", &["-W", "-f=${Status}", package])
        .stdout
        .ends_with(b"config-files")
}

// ---- files ----

/// Fails unless `path` exists with `mode` (the permission bits) and this owner and group.
fn assert_owned(path: &str, mode: u32, user: &str, group: &str) {
    let metadata =
        std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{path} is not there: {e}"));
    let id = |flag: &str, name: &str| -> u32 {
        let id = if flag == "-u" {
            must("id", &["-u", name])
        } else {
            must("getent", &["group", name])
                .split(':')
                .nth(2)
                .unwrap_or_default()
                .to_string()
        };
        id.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}'s id: {e}"))
    };
    assert_eq!(
        (metadata.mode() & 0o7777, metadata.uid(), metadata.gid()),
        (mode, id("-u", user), id("-g", group)),
        "{path}: mode, owner and group should be {mode:o} {user}:{group}"
    );
}

/// A unit file as the package installed it: its path (Debian 12's merged /usr keeps units in
/// /lib/systemd/system).
fn installed_unit(name: &str) -> PathBuf {
    let listed = must("dpkg-query", &["-L", name.trim_end_matches(".service")]);
    let path = listed
        .lines()
        .find(|line| line.ends_with(&format!("/systemd/system/{name}")))
        .unwrap_or_else(|| panic!("the package installs no {name}:\n{listed}"));
    PathBuf::from(path)
}

/// The values of `key=` in a unit file, in order.
fn unit_values(unit: &Path, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(unit).unwrap_or_else(|e| panic!("{}: {e}", unit.display()));
    text.lines()
        .filter_map(|line| line.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

/// Edits a JSON configuration in place (its owner and mode kept: the file is rewritten, not
/// replaced).
fn edit_json(path: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    edit(&mut value);
    let text = serde_json::to_string_pretty(&value).expect("json");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// What systemd does for `LoadCredential=` lines: copies of the files in
/// `/run/credentials/UNIT/`, the directory and the copies the service user's, read-only.
fn hand_credentials(unit_file: &Path, unit: &str, user: &str) -> PathBuf {
    let dir = Path::new("/run/credentials").join(unit);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for line in unit_values(unit_file, "LoadCredential") {
        let (name, source) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("LoadCredential={line}: no ':'"));
        let target = dir.join(name);
        std::fs::copy(source, &target)
            .unwrap_or_else(|e| panic!("credential {name} from {source}: {e}"));
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o400)).expect("chmod");
        must(
            "chown",
            &[&format!("{user}:{user}"), &target.to_string_lossy()],
        );
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    must(
        "chown",
        &[&format!("{user}:{user}"), &dir.to_string_lossy()],
    );
    dir
}

/// `program args` as `user` with only `env` (and a PATH) in its environment, as a unit's
/// `User=` and `Environment=` give it.
fn as_user(user: &str, argv: &[String], env: &[(String, String)]) -> Command {
    let mut command = Command::new("runuser");
    command
        .args([
            "-u",
            user,
            "--",
            "env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        ])
        .args(env.iter().map(|(k, v)| format!("{k}={v}")))
        .args(argv);
    command
}

/// A unit's `Environment=` lines as pairs.
fn unit_environment(unit: &Path) -> Vec<(String, String)> {
    unit_values(unit, "Environment")
        .iter()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A directory owned by `user` with `mode`.
fn user_dir(path: &Path, user: &str, mode: u32) -> PathBuf {
    std::fs::create_dir_all(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    must(
        "chown",
        &[&format!("{user}:{user}"), &path.to_string_lossy()],
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    path.to_path_buf()
}

#[test]
fn the_packages_install_run_upgrade_and_purge_cleanly() {
    let started = Instant::now();
    let root = must("id", &["-u"]);
    assert_eq!(
        root.trim(),
        "0",
        "the install test needs root (dpkg -i, system users): run it as root, as make test does"
    );
    for tool in [
        "dpkg",
        "dpkg-deb",
        "lintian",
        "systemd-analyze",
        "cage",
        "grim",
        "Xvfb",
        "import",
        "convert",
        "compare",
        "runuser",
    ] {
        require(tool);
    }
    for package in PACKAGES {
        assert!(
            !is_installed(package) && !config_files_left(package),
            "the package {package} is already on this machine: the install test would replace \
             and then purge it (dpkg --purge {package} first)"
        );
    }
    let debs = debs();
    let deb_args: Vec<&str> = debs
        .iter()
        .map(|p| p.to_str().expect("utf-8 path"))
        .collect();
    let artifacts = workspace_root().join("target/test-artifacts/install");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).expect("the artifacts directory");

    // 1. What the packages say about themselves.
    let kiosk_depends = must("dpkg-deb", &["-f", deb_args[0], "Depends"]);
    // Each dependency's package name (before any version or alternative).
    let depends: Vec<&str> = kiosk_depends
        .split([',', '|'])
        .filter_map(|d| d.split_whitespace().next())
        .collect();
    for needed in [
        "pcscd",
        "cage",
        "xwayland",
        "libpam-systemd",
        "alsa-utils",
        "libpcsclite1",
    ] {
        assert!(
            depends.contains(&needed),
            "kiosk-app does not depend on {needed}: {kiosk_depends}"
        );
    }
    assert!(
        !kiosk_depends.contains("vpcd"),
        "the kiosk must never bring the tests' virtual reader: {kiosk_depends}"
    );
    let contents = must("dpkg-deb", &["-c", deb_args[0]]);
    assert!(
        !contents.contains("virtual-card") && !contents.contains("reset-center"),
        "the kiosk package carries a stand-in:\n{contents}"
    );

    // 2. lintian: no error, no warning that is not explained.
    let mut lintian_lines = Vec::new();
    for deb in &deb_args {
        let output = command_output("lintian", &["--tag-display-limit", "0", deb]);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        std::fs::write(
            artifacts.join(format!(
                "lintian-{}.txt",
                Path::new(deb)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("deb")
            )),
            &text,
        )
        .expect("keep lintian's report");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let explained = line.starts_with("W: ")
                && EXPECTED_LINTIAN
                    .iter()
                    .any(|(tag, _)| line.contains(&format!(": {tag}")));
            let info =
                line.starts_with("I: ") || line.starts_with("N: ") || line.starts_with("P: ");
            assert!(
                explained || info,
                "lintian on {deb}: {line}\n(the whole report: {})",
                output_text(&output)
            );
            lintian_lines.push(line.to_string());
        }
    }

    // 3. Installed.
    let before = Snapshot::take();
    let mut cleanup = Cleanup {
        credentials: Vec::new(),
    };
    let mut dpkg = vec!["-i"];
    dpkg.extend(&deb_args);
    let installed = must("dpkg", &dpkg);
    std::fs::write(artifacts.join("dpkg-install.txt"), &installed).expect("keep dpkg's output");
    for package in PACKAGES {
        assert!(
            is_installed(package),
            "{package} is not installed after dpkg -i"
        );
    }

    // 4. Files, owners and modes.
    assert_owned("/usr/bin/kiosk-app", 0o755, "root", "root");
    assert_owned("/usr/bin/jpki", 0o755, "root", "root");
    assert_owned("/usr/bin/reset-center", 0o755, "root", "root");
    assert_owned("/etc/mynumber-kiosk", 0o750, "root", "kiosk");
    assert_owned(KIOSK_CONFIG, 0o640, "root", "kiosk");
    assert_owned("/etc/pam.d/mynumber-kiosk", 0o644, "root", "root");
    assert_owned("/var/lib/mynumber-kiosk", 0o700, "kiosk", "kiosk");
    assert_owned("/etc/reset-center", 0o750, "root", "reset-center");
    assert_owned(CENTRE_CONFIG, 0o640, "root", "reset-center");
    assert_owned(
        "/var/lib/reset-center",
        0o700,
        "reset-center",
        "reset-center",
    );
    assert_owned(
        "/var/lib/reset-center/centre.sqlite3",
        0o600,
        "reset-center",
        "reset-center",
    );
    for (user, home) in [
        ("kiosk", "/var/lib/mynumber-kiosk"),
        ("reset-center", "/var/lib/reset-center"),
    ] {
        let entry = must("getent", &["passwd", user]);
        let fields: Vec<&str> = entry.trim().split(':').collect();
        let uid: u32 = fields[2].parse().expect("uid");
        assert!(uid < 1000, "{user} is not a system user: {entry}");
        assert_eq!(
            (fields[5], fields[6]),
            (home, "/usr/sbin/nologin"),
            "{entry}"
        );
    }
    assert!(
        must("id", &["-nG", "kiosk"])
            .split_whitespace()
            .any(|g| g == "audio"),
        "the kiosk user is not in the audio group (the card-left alert)"
    );
    let conffiles = must("dpkg-query", &["-W", "-f=${Conffiles}", "kiosk-app"]);
    for file in [KIOSK_CONFIG, "/etc/pam.d/mynumber-kiosk"] {
        assert!(
            conffiles.contains(file),
            "{file} is not a conffile: {conffiles}"
        );
    }
    let kiosk_unit = installed_unit(KIOSK_UNIT);
    let centre_unit = installed_unit(CENTRE_UNIT);
    for (unit, target) in [
        (KIOSK_UNIT, "graphical.target"),
        (CENTRE_UNIT, "multi-user.target"),
    ] {
        let wanted = format!("/etc/systemd/system/{target}.wants/{unit}");
        assert!(
            std::fs::symlink_metadata(&wanted).is_ok(),
            "{unit} is not enabled ({wanted} missing)"
        );
    }

    // 5. The units as systemd reads them: only Debian 12's systemd 252 not knowing the two
    //    back-off keys of later versions (docs/deploy.md) may be said.
    for unit in [&kiosk_unit, &centre_unit] {
        let output = command_output("systemd-analyze", &["verify", &unit.to_string_lossy()]);
        let said = output_text(&output);
        let unexpected: Vec<&str> = said
            .lines()
            .filter(|line| !line.trim().is_empty())
            .filter(|line| {
                !(line.contains("Unknown key 'RestartSteps'")
                    || line.contains("Unknown key 'RestartMaxDelaySec'"))
            })
            .collect();
        assert!(
            output.status.success() && unexpected.is_empty(),
            "systemd-analyze verify {}: {said}",
            unit.display()
        );
        let security = command_output(
            "systemd-analyze",
            &["security", "--offline=true", &unit.to_string_lossy()],
        );
        let text = output_text(&security);
        if let Some(score) = text.lines().find(|l| l.contains("Overall exposure level")) {
            eprintln!("install: {}: {}", unit.display(), score.trim());
        }
    }

    // 6. The production kiosk: refuses the demo's configuration in one line.
    let demo = command_output(
        "/usr/bin/kiosk-app",
        &[
            "--config",
            &workspace_root().join("config/kiosk.json").to_string_lossy(),
        ],
    );
    assert!(
        !demo.status.success() && output_text(&demo).contains("without the demo"),
        "the installed kiosk took the demo's configuration: {}",
        output_text(&demo)
    );

    // 7. The centre configured as its operator would, from the installed files: the link PKI
    //    made by the installed binary, the card PKI (the stand-in's test one) beside it.
    let stack = pcsc_stack!("install");
    let centre_cli = |args: &[&str]| {
        let mut all = vec!["--config", CENTRE_CONFIG];
        all.extend(args);
        must("/usr/bin/reset-center", &all)
    };
    must(
        "/usr/bin/reset-center",
        &[
            "tls",
            "init",
            "--out",
            "/etc/reset-center",
            "--host",
            "127.0.0.1",
            "--host",
            "localhost",
        ],
    );
    for name in [
        "auth-ca.der",
        "signing-ca.der",
        "auth-ca.crl",
        "signing-ca.crl",
        "issued.json",
        "master-key.hex",
    ] {
        let to = Path::new("/etc/reset-center").join(name);
        std::fs::copy(workspace_root().join("config/test-pki").join(name), &to)
            .unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        let mode = if name == "master-key.hex" {
            0o600
        } else {
            0o644
        };
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    // The kiosk registered (as root, on the database the package made the service's).
    let issued = stack.scratch().join("issued");
    let credential = centre_cli(&["kiosk", "add", KIOSK_ID, "--out", &issued.to_string_lossy()]);
    assert_owned(
        "/var/lib/reset-center/centre.sqlite3",
        0o600,
        "reset-center",
        "reset-center",
    );

    // The installed centre, as its unit runs it, open whenever the test runs.
    edit_json(CENTRE_CONFIG, |config| {
        config["service_hours"]["start"] = "00:00".into();
        config["service_hours"]["end"] = "00:00".into();
    });
    cleanup
        .credentials
        .push(hand_credentials(&centre_unit, CENTRE_UNIT, "reset-center"));
    let exec: Vec<String> = unit_values(&centre_unit, "ExecStart")[0]
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut env = unit_environment(&centre_unit);
    env.push((
        "CREDENTIALS_DIRECTORY".to_string(),
        format!("/run/credentials/{CENTRE_UNIT}"),
    ));
    let centre_log = artifacts.join("centre.log");
    let mut centre = as_user("reset-center", &exec, &env);
    centre
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&centre_log).expect("the centre's log"));
    let mut centre = Group::spawn(centre, "the installed reset-center");
    let listening = wait_until(Duration::from_secs(30), || {
        std::fs::read_to_string(&centre_log).is_ok_and(|t| t.contains("\"listening\""))
            || matches!(centre.0.try_wait(), Ok(Some(_)))
    });
    let said = std::fs::read_to_string(&centre_log).unwrap_or_default();
    assert!(
        listening && said.contains("\"listening\""),
        "the installed centre did not start: {said}"
    );
    for field in [
        "master_key_file",
        "tls.key",
        "tls.certificate",
        "tls.kiosk_ca_certificate",
    ] {
        assert!(
            said.contains(&format!("\"field\":\"{field}\"")),
            "the centre did not take {field} from systemd's credentials: {said}"
        );
    }
    let url = said
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["message"] == "listening")
        .and_then(|event| event["url"].as_str().map(str::to_string))
        .expect("the listening event's url");
    assert!(url.ends_with(":8443"), "{url}");
    let url = url.replace("0.0.0.0", "127.0.0.1");

    // 8. The kiosk configured as its technician would: the centre's CA and its own certificate
    //    beside the configuration, its key and credential root's (systemd hands them over), the
    //    store's reader and the centre's address in the configuration.
    for (from, to, mode) in [
        (
            Path::new("/etc/reset-center/centre-ca.crt").to_path_buf(),
            "centre-ca.crt",
            0o644,
        ),
        (issued.join(format!("{KIOSK_ID}.crt")), "kiosk.crt", 0o644),
        (issued.join(format!("{KIOSK_ID}.key")), "kiosk.key", 0o600),
    ] {
        let to = Path::new("/etc/mynumber-kiosk").join(to);
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let credential_file = Path::new("/etc/mynumber-kiosk/kiosk-credential");
    std::fs::write(credential_file, &credential).expect("the credential");
    std::fs::set_permissions(credential_file, std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    edit_json(KIOSK_CONFIG, |config| {
        config["centre"]["url"] = url.clone().into();
        config["reader"] = Slot::First.reader().into();
        // Open whenever the test runs.
        config["service_hours"]["start"] = "00:00".into();
        config["service_hours"]["end"] = "00:00".into();
        config["heartbeat_seconds"] = 5.into();
    });
    assert_owned(KIOSK_CONFIG, 0o640, "root", "kiosk");
    cleanup
        .credentials
        .push(hand_credentials(&kiosk_unit, KIOSK_UNIT, "kiosk"));

    // The technician's check of the reader and a card (docs/deploy.md), then the card taken
    // away again (the kiosk must start at its top screen, not at 「カードをお取りください」).
    let card = stack.card("normal", Slot::First);
    assert!(system_tests::wait_for_card(
        Slot::First.reader(),
        true,
        Duration::from_secs(10)
    ));
    let readers = must("/usr/bin/jpki", &["readers"]);
    assert!(
        readers.contains(Slot::First.reader()),
        "jpki readers: {readers}"
    );
    let status = must(
        "/usr/bin/jpki",
        &["status", "--reader", Slot::First.reader()],
    );
    std::fs::write(artifacts.join("jpki-status.txt"), &status).expect("keep jpki's status");
    drop(card);
    assert!(system_tests::wait_for_card(
        Slot::First.reader(),
        false,
        Duration::from_secs(10)
    ));

    // 9. The installed kiosk as its unit runs it (as `kiosk`, in a runtime directory of its
    //    own, as the login session gives it), under cage's headless backend; `-r -r` turns the
    //    output by 180° so that cage composes every frame and grim sees it (docs/wayland.md).
    let mut exec: Vec<String> = unit_values(&kiosk_unit, "ExecStart")[0]
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(
        exec[0], "/usr/bin/cage",
        "the kiosk session is cage: {exec:?}"
    );
    exec.splice(1..1, ["-r".to_string(), "-r".to_string()]);
    let scratch = tempfile::Builder::new()
        .prefix("install-test-")
        .tempdir()
        .expect("a scratch directory");
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let runtime = user_dir(&scratch.path().join("run"), "kiosk", 0o700);
    let shots = user_dir(&scratch.path().join("shots"), "kiosk", 0o755);
    let mut env = unit_environment(&kiosk_unit);
    env.extend(
        [
            ("XDG_RUNTIME_DIR", runtime.to_string_lossy().into_owned()),
            ("HOME", "/var/lib/mynumber-kiosk".to_string()),
            ("WLR_BACKENDS", "headless".to_string()),
            ("WLR_LIBINPUT_NO_DEVICES", "1".to_string()),
            ("WLR_RENDERER", "pixman".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let kiosk_log = artifacts.join("kiosk-cage.log");
    let mut kiosk = as_user("kiosk", &exec, &env);
    kiosk
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&kiosk_log).expect("the kiosk's log"));
    let kiosk = Group::spawn(kiosk, "the installed kiosk under cage");
    wait_for(&kiosk_log, "reader ready", &mut 0);
    let grim = |path: &Path| {
        let _ = as_user(
            "kiosk",
            &["grim".to_string(), path.to_string_lossy().into_owned()],
            &[
                (
                    "XDG_RUNTIME_DIR".to_string(),
                    runtime.to_string_lossy().into_owned(),
                ),
                ("WAYLAND_DISPLAY".to_string(), wayland_display(&runtime)),
            ],
        )
        .stderr(Stdio::null())
        .status();
    };
    assert_libraries_depended_on(&kiosk, &artifacts);
    let cage_path = shots.join("cage-top.png");
    let cage_top = settled(SIZE, &cage_path, grim);
    std::fs::copy(&cage_path, artifacts.join("cage-top.png")).expect("keep the screenshot");

    // The centre hears the installed kiosk serving with its reader ready, from the installed
    // configuration (its checksum), over mutual TLS with the installed certificate, key and
    // credential.
    let checksum = must("sha256sum", &[KIOSK_CONFIG]);
    let checksum = checksum.split_whitespace().next().expect("a checksum");
    let heard = wait_until(Duration::from_secs(20), || {
        let list = centre_cli(&["kiosks", "--json"]);
        serde_json::from_str::<serde_json::Value>(&list).is_ok_and(|kiosks| {
            kiosks.as_array().is_some_and(|all| {
                all.iter().any(|k| {
                    k["kiosk"] == KIOSK_ID
                        && k["state"] == "serving"
                        && k["report"]["reader"] == "ready"
                        && k["report"]["config_sha256"] == checksum
                })
            })
        })
    });
    assert!(
        heard,
        "the centre never heard the installed kiosk: {}\nkiosk's log:\n{}",
        centre_cli(&["kiosks", "--json"]),
        std::fs::read_to_string(&kiosk_log).unwrap_or_default()
    );
    drop(kiosk);

    // The same installed kiosk on an X server of the same size: the same pixels (the top
    // screen in service: 行政サービス offered; a screen laid out for another size, stale or
    // out of service differs in thousands).
    let xvfb = Xvfb::start(SIZE);
    xvfb.park_pointer(SIZE);
    let x11_log = artifacts.join("kiosk-xvfb.log");
    let mut x11 = as_user(
        "kiosk",
        &[
            "/usr/bin/kiosk-app".to_string(),
            "--config".to_string(),
            KIOSK_CONFIG.to_string(),
        ],
        &[("DISPLAY".to_string(), xvfb.display.clone())],
    );
    x11.stdout(Stdio::null())
        .stderr(std::fs::File::create(&x11_log).expect("the kiosk's log"));
    let x11_kiosk = Group::spawn(x11, "the installed kiosk on Xvfb");
    wait_for(&x11_log, "reader ready", &mut 0);
    let x11_path = shots.join("xvfb-top.png");
    let x11_top = settled(SIZE, &x11_path, |path| {
        let _ = Command::new("import")
            .env("DISPLAY", &xvfb.display)
            .args(["-window", "root"])
            .arg(path)
            .status();
    });
    std::fs::copy(&x11_path, artifacts.join("xvfb-top.png")).expect("keep the screenshot");
    drop(x11_kiosk);
    let differing = cage_top.differing(&x11_top, 0);
    if differing > 0 {
        let _ = Command::new("compare")
            .arg(artifacts.join("cage-top.png"))
            .arg(artifacts.join("xvfb-top.png"))
            .arg(artifacts.join("diff-top.png"))
            .status();
    }
    assert_eq!(
        differing,
        0,
        "the installed kiosk's top screen under cage differs from the same on X11 in \
         {differing} px (screenshots in {})",
        artifacts.display()
    );
    drop(centre);

    // 10. An upgrade (the same packages as version +1) keeps the operator's configuration, the
    //     keys beside it and the kiosk's state; the units stay enabled.
    let state_before: Vec<PathBuf> = std::fs::read_dir("/var/lib/mynumber-kiosk")
        .expect("the kiosk's state")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(
        !state_before.is_empty(),
        "the kiosk left no state (audit log, starts) in /var/lib/mynumber-kiosk"
    );
    let configured = std::fs::read_to_string(KIOSK_CONFIG).expect("the configuration");
    let upgrades: Vec<PathBuf> = debs
        .iter()
        .map(|deb| next_version(deb, scratch.path()))
        .collect();
    let mut dpkg = vec!["-i"];
    dpkg.extend(upgrades.iter().map(|p| p.to_str().expect("utf-8 path")));
    let upgraded = must("dpkg", &dpkg);
    std::fs::write(artifacts.join("dpkg-upgrade.txt"), &upgraded).expect("keep dpkg's output");
    assert_eq!(
        std::fs::read_to_string(KIOSK_CONFIG).expect("the configuration"),
        configured,
        "the upgrade changed the operator's configuration"
    );
    assert_owned(KIOSK_CONFIG, 0o640, "root", "kiosk");
    assert_owned("/etc/mynumber-kiosk/kiosk.key", 0o600, "root", "root");
    assert_owned("/var/lib/mynumber-kiosk", 0o700, "kiosk", "kiosk");
    assert_owned(
        "/var/lib/reset-center/centre.sqlite3",
        0o600,
        "reset-center",
        "reset-center",
    );
    for path in &state_before {
        assert!(path.exists(), "the upgrade lost {}", path.display());
    }
    assert!(
        centre_cli(&["kiosk", "list"]).contains(KIOSK_ID),
        "the upgrade lost the centre's kiosks"
    );

    // 11. Purged: nothing left.
    for dir in std::mem::take(&mut cleanup.credentials) {
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    let mut dpkg = vec!["--purge"];
    dpkg.extend(PACKAGES);
    must("dpkg", &dpkg);
    let after = Snapshot::take();
    let differences = after.differences(&before);
    assert!(
        differences.is_empty(),
        "dpkg --purge left the machine other than before the install:\n{}",
        differences.join("\n")
    );
    eprintln!(
        "install: both packages installed, run, upgraded and purged in {:.0} s; lintian: {}",
        started.elapsed().as_secs_f64(),
        if lintian_lines.is_empty() {
            "nothing".to_string()
        } else {
            lintian_lines.join("; ")
        }
    );
}

/// Fails unless every shared library the running kiosk has mapped (those winit loads with
/// `dlopen` included, which `dpkg-shlibdeps` cannot see) comes from a package the kiosk package
/// depends on, directly or through others: a library that is on this machine only because the
/// tests installed it would be missing on a kiosk.
fn assert_libraries_depended_on(session: &Group, artifacts: &Path) {
    let kiosk = session
        .children_of("cage")
        .into_iter()
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "kiosk-app")
        })
        .expect("the kiosk under cage");
    let maps = std::fs::read_to_string(format!("/proc/{kiosk}/maps")).expect("the kiosk's maps");
    let mut libraries: Vec<&str> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.contains(".so"))
        .collect();
    libraries.sort_unstable();
    libraries.dedup();
    assert!(
        libraries.iter().any(|l| l.contains("libwayland-client")),
        "the kiosk under cage has not loaded libwayland-client: {libraries:?}"
    );
    let closure = must(
        "apt-cache",
        &[
            "depends",
            "--recurse",
            "--installed",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            "kiosk-app",
        ],
    );
    let depended: Vec<&str> = closure
        .lines()
        .map(|line| {
            line.trim()
                .trim_start_matches("Depends: ")
                .trim_start_matches("PreDepends: ")
        })
        .map(|name| name.trim_matches(|c| c == '<' || c == '>'))
        .map(|name| name.split(':').next().unwrap_or(name))
        .collect();
    let mut report = Vec::new();
    let mut missing = Vec::new();
    for library in &libraries {
        // Debian 12's merged /usr: dpkg may know a library under /lib that is mapped as /usr/lib.
        let owner = [*library, library.strip_prefix("/usr").unwrap_or(library)]
            .iter()
            .map(|path| command_output("dpkg", &["-S", path]))
            .find(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
            .unwrap_or_default();
        let package = owner
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if package.is_empty() || !depended.contains(&package.as_str()) {
            missing.push(format!("{library} ({package})"));
        }
        report.push(format!("{library}\t{package}"));
    }
    std::fs::write(artifacts.join("kiosk-libraries.txt"), report.join("\n"))
        .expect("keep the libraries");
    assert!(
        missing.is_empty(),
        "libraries the kiosk loaded from packages kiosk-app does not depend on: {missing:?}"
    );
}

/// `deb` repacked as the next version (its Version field with `+1` appended), in `dir`: the
/// upgrade path of the same files and scripts.
fn next_version(deb: &Path, dir: &Path) -> PathBuf {
    let name = deb.file_stem().and_then(|s| s.to_str()).expect("a name");
    let tree = dir.join(format!("{name}-tree"));
    must(
        "dpkg-deb",
        &["-R", &deb.to_string_lossy(), &tree.to_string_lossy()],
    );
    let control = tree.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).expect("control");
    let text: String = text
        .lines()
        .map(|line| match line.strip_prefix("Version: ") {
            Some(version) => format!("Version: {version}+1\n"),
            None => format!("{line}\n"),
        })
        .collect();
    std::fs::write(&control, text).expect("control");
    let out = dir.join(format!("{name}+1.deb"));
    must(
        "dpkg-deb",
        &[
            "-Zgzip",
            "-z1",
            "--build",
            &tree.to_string_lossy(),
            &out.to_string_lossy(),
        ],
    );
    out
}
