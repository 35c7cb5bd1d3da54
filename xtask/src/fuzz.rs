//! `cargo xtask fuzz [seconds]`: every cargo-fuzz target under `fuzz/` (one per parser of
//! untrusted input) for `seconds` each (60 by default), on stable Rust (libFuzzer's coverage
//! without a sanitizer: `-s none`). Not part of the test command: CI stays lean. Prints how long
//! each ran and how many inputs it tried, and fails if any target found a crash (the input is
//! kept under `fuzz/artifacts/<target>/`).

use std::process::Command;

use crate::tools::{self, CARGO_FUZZ};
use crate::{Result, root, tool_path};

const DEFAULT_SECONDS: u64 = 60;

pub fn run(args: &[String]) -> Result {
    let seconds = match args.first() {
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|&s| s > 0)
            .ok_or("usage: cargo xtask fuzz [seconds per target]")?,
        None => DEFAULT_SECONDS,
    };
    tools::cargo_install("cargo-fuzz", "cargo-fuzz", CARGO_FUZZ, true)?;
    let fuzz = || {
        let mut command = Command::new("cargo");
        command
            .arg("fuzz")
            .current_dir(root().join("fuzz"))
            .env("PATH", tool_path());
        command
    };
    let listed = fuzz()
        .arg("list")
        .output()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let targets: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if !listed.status.success() || targets.is_empty() {
        return Err("cargo fuzz list found no targets under fuzz/".into());
    }
    let target_dir = root().join("target/fuzz");
    crate::run(
        fuzz()
            .args(["build", "-s", "none", "--target-dir"])
            .arg(&target_dir),
    )?;
    let mut report = Vec::new();
    let mut crashed = Vec::new();
    for target in &targets {
        eprintln!("xtask: fuzzing {target} for {seconds} s");
        let output = fuzz()
            .args(["run", "-s", "none", "--target-dir"])
            .arg(&target_dir)
            .arg(target)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let log = String::from_utf8_lossy(&output.stderr);
        // libFuzzer's last words: "Done 8917561 runs in 11 second(s)".
        let done = log.lines().rev().find_map(|line| {
            let rest = line.strip_prefix("Done ")?;
            let (runs, rest) = rest.split_once(" runs in ")?;
            Some((
                runs.to_string(),
                rest.split_whitespace().next()?.to_string(),
            ))
        });
        match (output.status.success(), done) {
            (true, Some((runs, secs))) => report.push(format!(
                "{target:<16} {secs:>5} s  {runs:>12} inputs  no crash"
            )),
            _ => {
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
                report.push(format!(
                    "{target:<16} CRASHED (see fuzz/artifacts/{target}/)"
                ));
                crashed.push(target.clone());
            }
        }
    }
    println!("\nfuzz targets (cargo-fuzz {CARGO_FUZZ}, libFuzzer, {seconds} s each):");
    for line in &report {
        println!("  {line}");
    }
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("crashes in {}", crashed.join(", ")))
    }
}
