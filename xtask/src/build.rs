//! Builds the app with Trunk and the worker with worker-build, each with the pinned local tools.

use std::process::Command;

use crate::tools::cargo_bin;
use crate::{Result, root, run};

pub fn all() -> Result {
    app()?;
    worker()
}

/// A page Trunk builds: the signer app, and the pages only some signers download: the ID
/// check's (the camera code), the device page's (passkeys, pairing) and the web form's.
struct Page {
    html: &'static str,
    /// Where it goes, under the repository, and where it is served.
    dist: &'static str,
    public_url: &'static str,
    /// wasm-bindgen's glue script is named after the binary.
    bin: &'static str,
}

const APP: Page = Page {
    html: "app/index.html",
    dist: "dist",
    public_url: "/",
    bin: "signgate-app",
};
const ID_PAGE: Page = Page {
    html: "app/capture.html",
    dist: "dist/id",
    public_url: "/id/",
    bin: "signgate-id",
};
const DEVICE_PAGE: Page = Page {
    html: "app/device.html",
    dist: "dist/device",
    public_url: "/device/",
    bin: "signgate-device",
};
/// A sender's public form link (`/f/#<token>`): who is signing, then on to their own link.
const FORM_PAGE: Page = Page {
    html: "app/form.html",
    dist: "dist/f",
    public_url: "/f/",
    bin: "signgate-form",
};

fn app() -> Result {
    // The app first: Trunk empties its dist, which holds the other pages'.
    for page in [APP, ID_PAGE, DEVICE_PAGE, FORM_PAGE] {
        eprintln!("xtask: building {} (Trunk)", page.html);
        run(Command::new(cargo_bin().join("trunk"))
            .args(["build", page.html, "--release", "--offline=true"])
            .args(["--dist", page.dist, "--public-url", page.public_url])
            .env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("NO_COLOR", "true"))?;
        minify_glue(&page)?;
        move_boot_script_out(&page)?;
    }
    Ok(())
}

/// wasm-bindgen's glue script, as Trunk leaves it, is readable JavaScript: esbuild (here for the
/// worker already) minifies it, a third of its weight on the wire, and the integrity Trunk gave
/// its preload is recomputed for the new content.
fn minify_glue(page: &Page) -> Result {
    let dist = root().join(page.dist);
    let prefix = format!("{}-", page.bin);
    let glue = std::fs::read_dir(&dist)
        .map_err(|e| e.to_string())?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".js"))
        })
        .ok_or_else(|| format!("{} has no wasm-bindgen glue script", page.dist))?;
    let integrity = |path: &std::path::Path| -> Result<String> {
        use base64::Engine;
        use sha2::Digest;
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let digest = sha2::Sha384::digest(&bytes);
        Ok(format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ))
    };
    let before = integrity(&glue)?;
    run(Command::new(root().join("node_modules/.bin/esbuild"))
        .arg(&glue)
        .args([
            "--minify",
            "--format=esm",
            "--allow-overwrite",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", glue.display())))?;
    let after = integrity(&glue)?;
    let index_path = dist.join("index.html");
    let html = std::fs::read_to_string(&index_path).map_err(|e| e.to_string())?;
    if !html.contains(&before) {
        return Err(format!(
            "{} does not name the glue script's integrity",
            index_path.display()
        ));
    }
    std::fs::write(&index_path, html.replace(&before, &after)).map_err(|e| e.to_string())
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
        .env("ESBUILD_BIN", root.join("node_modules/.bin/esbuild")))?;
    drop_names_section(&root.join("worker/build/index_bg.wasm"))
}

/// worker-build keeps the wasm `name` section (a fifth of the module, ~60 KB gzipped) for
/// symbolic stack traces. Every signer's first request pays for loading it, and a panic already
/// logs its message and source location, so it goes.
fn drop_names_section(path: &std::path::Path) -> Result {
    let wasm = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stripped = without_custom_section(&wasm, "name")
        .ok_or_else(|| format!("{} is not a wasm module xtask can read", path.display()))?;
    std::fs::write(path, stripped).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// `wasm` without its custom sections called `name`; `None` if it is not a well-formed module.
fn without_custom_section(wasm: &[u8], name: &str) -> Option<Vec<u8>> {
    fn leb128(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
            if shift > 35 {
                return None;
            }
        }
    }
    const HEADER: &[u8] = b"\0asm\x01\0\0\0";
    if !wasm.starts_with(HEADER) {
        return None;
    }
    let mut out = HEADER.to_vec();
    let mut at = HEADER.len();
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb128(wasm, &mut at)?;
        let end = at.checked_add(size).filter(|&end| end <= wasm.len())?;
        let is_named = id == 0 && {
            let mut name_at = at;
            let len = leb128(wasm, &mut name_at)?;
            wasm.get(name_at..name_at.checked_add(len)?) == Some(name.as_bytes())
        };
        if !is_named {
            out.extend_from_slice(&wasm[start..end]);
        }
        at = end;
    }
    Some(out)
}

/// Trunk starts the app with an inline module script. Our CSP allows scripts from 'self' only
/// (no 'unsafe-inline', no per-build hash to keep in step), so the script moves to a file of its
/// own, named by its content so caches never serve a stale one.
fn move_boot_script_out(page: &Page) -> Result {
    let dist = root().join(page.dist);
    let index_path = dist.join("index.html");
    let html = std::fs::read_to_string(&index_path)
        .map_err(|e| format!("read {}: {e}", index_path.display()))?;
    let (html, script) = extract_inline_module(&html).ok_or_else(|| {
        format!(
            "{} has no inline module script to move",
            index_path.display()
        )
    })?;
    let name = format!("boot-{:016x}.js", fnv1a(script.as_bytes()));
    std::fs::write(dist.join(&name), script).map_err(|e| e.to_string())?;
    let html = html.replace(
        "<!--boot-->",
        &format!(
            r#"<script type="module" src="{}{name}"></script>"#,
            page.public_url
        ),
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
        // Trunk minifies the page too, which drops the quotes.
        let module = tag.contains(r#"type="module""#) || tag.contains("type=module");
        if module && !tag.contains("src=") {
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
    fn only_the_named_custom_section_is_dropped() {
        let custom = |name: &str, body: &[u8]| {
            let mut section = vec![0u8, (1 + name.len() + body.len()) as u8, name.len() as u8];
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(body);
            section
        };
        let header = b"\0asm\x01\0\0\0".to_vec();
        let types = vec![1u8, 4, 1, 0x60, 0, 0];
        let module = [
            header.clone(),
            types.clone(),
            custom("name", &[1, 2, 3]),
            custom("target_features", &[9]),
        ]
        .concat();
        let expected = [header, types, custom("target_features", &[9])].concat();
        assert_eq!(without_custom_section(&module, "name"), Some(expected));
        assert_eq!(without_custom_section(b"not wasm", "name"), None);
        assert_eq!(
            without_custom_section(&module[..module.len() - 1], "name"),
            None
        );
    }

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
        // As Trunk's minifier writes it.
        let (rest, script) =
            extract_inline_module("<head><script type=module>await init();</script>").unwrap();
        assert_eq!(
            (rest.as_str(), script.as_str()),
            ("<head><!--boot-->", "await init();")
        );
    }
}
