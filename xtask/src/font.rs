//! `cargo xtask font`: makes the audit report's font, once, from Debian's DejaVu Sans
//! (`fonts-dejavu-core`): only the characters a report can need (Latin with its European
//! extensions, Cyrillic, the usual punctuation), so the Worker carries a fraction of the font. The
//! result is committed (`report/fonts/`), so building never needs the Debian package; the Worker
//! cuts it down again to the glyphs each PDF uses.
//!
//! The subset has no `cmap` (PDF CID fonts bring their own), so beside it goes the map the Worker
//! needs: `report-sans.map`, little-endian (u32 character, u16 glyph id) pairs, sorted.

use std::path::PathBuf;

use crate::{Result, root};

const SOURCE: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Every character a report may show: names and addresses in Latin and Cyrillic scripts, and the
/// punctuation and symbols of the report's own text.
const CHARACTERS: &[(char, char)] = &[
    (' ', '~'),
    ('\u{a0}', '\u{17f}'),  // Latin-1 Supplement, Latin Extended-A
    ('\u{218}', '\u{21b}'), // Ș ș Ț ț
    ('\u{400}', '\u{45f}'), // Cyrillic
    ('\u{490}', '\u{491}'), // Ґ ґ
    ('\u{2013}', '\u{2014}'),
    ('\u{2018}', '\u{201e}'),
    ('\u{2022}', '\u{2022}'),
    ('\u{2026}', '\u{2026}'),
    ('\u{20ac}', '\u{20ac}'),
    ('\u{2116}', '\u{2116}'),
    ('\u{2192}', '\u{2192}'),
];

pub fn make() -> Result {
    let data = std::fs::read(SOURCE)
        .map_err(|e| format!("{SOURCE}: {e} (apt-get install fonts-dejavu-core)"))?;
    let face = ttf_parser::Face::parse(&data, 0).map_err(|e| format!("{SOURCE}: {e}"))?;
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut map = Vec::new();
    for &(first, last) in CHARACTERS {
        for c in first..=last {
            let glyph = face.glyph_index(c).ok_or_else(|| {
                format!("DejaVu Sans has no glyph for {c:?} (U+{:04X})", c as u32)
            })?;
            map.push((c, remapper.remap(glyph.0)));
        }
    }
    let font = subsetter::subset(&data, 0, &remapper).map_err(|e| format!("subsetting: {e}"))?;
    let mut table = Vec::with_capacity(map.len() * 6);
    for (c, glyph) in map {
        table.extend_from_slice(&(c as u32).to_le_bytes());
        table.extend_from_slice(&glyph.to_le_bytes());
    }
    let dir: PathBuf = root().join("report/fonts");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("report-sans.ttf"), &font).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("report-sans.map"), &table).map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: report/fonts/report-sans.ttf: {} glyphs, {} bytes (from {} bytes)",
        remapper.num_gids(),
        font.len(),
        data.len()
    );
    Ok(())
}
