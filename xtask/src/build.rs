//! Builds the app with Trunk and the worker with worker-build, each with the pinned local tools.

use std::process::Command;

use crate::tools::cargo_bin;
use crate::{Result, root, run};

pub fn all() -> Result {
    app()?;
    worker()
}

fn app() -> Result {
    eprintln!("xtask: building the app (Trunk)");
    run(Command::new(cargo_bin().join("trunk"))
        .args(["build", "--release", "--offline"])
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("NO_COLOR", "true"))?;
    move_boot_script_out()
}

fn worker() -> Result {
    eprintln!("xtask: building the worker (worker-build)");
    let root = root();
    run(Command::new(cargo_bin().join("worker-build"))
        .arg("--release")
        .current_dir(root.join("worker"))
        // worker-build would download these from GitHub otherwise.
        .env("WASM_BINDGEN_BIN", cargo_bin().join("wasm-bindgen"))
        .env("WASM_OPT_BIN", root.join("node_modules/.bin/wasm-opt"))
        .env("ESBUILD_BIN", root.join("node_modules/.bin/esbuild")))
}

/// Trunk starts the app with an inline module script. Our CSP allows scripts from 'self' only
/// (no 'unsafe-inline', no per-build hash to keep in step), so the script moves to a file of its
/// own, named by its content so caches never serve a stale one.
fn move_boot_script_out() -> Result {
    let dist = root().join("dist");
    let index_path = dist.join("index.html");
    let html = std::fs::read_to_string(&index_path)
        .map_err(|e| format!("read {}: {e}", index_path.display()))?;
    let (html, script) = extract_inline_module(&html)
        .ok_or("dist/index.html has no inline module script to move")?;
    let name = format!("boot-{:016x}.js", fnv1a(script.as_bytes()));
    std::fs::write(dist.join(&name), script).map_err(|e| e.to_string())?;
    let html = html.replace(
        "<!--boot-->",
        &format!(r#"<script type="module" src="/{name}"></script>"#),
    );
    std::fs::write(&index_path, html).map_err(|e| e.to_string())
}

/// Cuts the first `<script type="module">…</script>` without a `src` out of `html`, leaving a
/// `<!--boot-->` marker where it was.
fn extract_inline_module(html: &str) -> Option<(String, String)> {
    let mut from = 0;
    while let Some(offset) = html[from..].find("<script") {
        let start = from + offset;
        let open_end = start + html[start..].find('>')? + 1;
        let tag = &html[start..open_end];
        let close = open_end + html[open_end..].find("</script>")?;
        if tag.contains(r#"type="module""#) && !tag.contains("src=") {
            let script = html[open_end..close].to_string();
            let rest = format!(
                "{}<!--boot-->{}",
                &html[..start],
                &html[close + "</script>".len()..]
            );
            return Some((rest, script));
        }
        from = close;
    }
    None
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inline_module_script_is_cut_out_and_others_stay() {
        let html = r#"<head><script src="/a.js"></script><script type="module">import init from '/x.js'; await init();</script></head>"#;
        let (rest, script) = extract_inline_module(html).unwrap();
        assert_eq!(script, "import init from '/x.js'; await init();");
        assert_eq!(
            rest,
            r#"<head><script src="/a.js"></script><!--boot--></head>"#
        );
        assert!(extract_inline_module(r#"<script type="module" src="/b.js"></script>"#).is_none());
    }
}
