//! The report's font: DejaVu Sans cut down to Latin, Cyrillic and punctuation by
//! `cargo xtask font` (see `fonts/`), with the map from characters to its glyphs beside it (the
//! subset has no `cmap`: PDF CID fonts bring their own). Read here just enough to lay out text:
//! glyph ids, advance widths, and the metrics a PDF font descriptor names.

pub const DATA: &[u8] = include_bytes!("../fonts/report-sans.ttf");
/// Little-endian `(u32 character, u16 glyph)` pairs, sorted by character.
const MAP: &[u8] = include_bytes!("../fonts/report-sans.map");
/// What stands in for a character the font does not have.
const REPLACEMENT: char = '?';

/// The glyph of `c`, or of `?` when the font has none.
pub fn glyph(c: char) -> u16 {
    lookup(printable(c)).expect("the font has a question mark")
}

/// `c` if the font has it, else `?`: what a PDF shows, and what copying its text gives.
pub fn printable(c: char) -> char {
    if lookup(c).is_some() { c } else { REPLACEMENT }
}

fn lookup(c: char) -> Option<u16> {
    let entries = MAP.len() / 6;
    let entry = |i: usize| {
        let e = &MAP[i * 6..i * 6 + 6];
        (
            u32::from_le_bytes([e[0], e[1], e[2], e[3]]),
            u16::from_le_bytes([e[4], e[5]]),
        )
    };
    let (mut low, mut high) = (0, entries);
    while low < high {
        let mid = (low + high) / 2;
        let (code, glyph) = entry(mid);
        match code.cmp(&(c as u32)) {
            std::cmp::Ordering::Equal => return Some(glyph),
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
        }
    }
    None
}

/// The bytes of table `tag`.
fn table(tag: &[u8; 4]) -> &'static [u8] {
    let count = usize::from(u16_at(DATA, 4));
    (0..count)
        .map(|i| &DATA[12 + 16 * i..28 + 16 * i])
        .find(|record| &record[..4] == tag)
        .map(|record| {
            let offset = u32_at(record, 8) as usize;
            &DATA[offset..offset + u32_at(record, 12) as usize]
        })
        .unwrap_or_else(|| {
            panic!(
                "the report font has a {} table",
                String::from_utf8_lossy(tag)
            )
        })
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn i16_at(bytes: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The metrics a PDF needs, in thousandths of the font size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub ascent: f32,
    pub descent: f32,
    pub bbox: [f32; 4],
}

fn units_per_em() -> f32 {
    f32::from(u16_at(table(b"head"), 18))
}

fn to_thousandths(units: i16) -> f32 {
    f32::from(units) * 1000.0 / units_per_em()
}

pub fn metrics() -> Metrics {
    let (head, hhea) = (table(b"head"), table(b"hhea"));
    Metrics {
        ascent: to_thousandths(i16_at(hhea, 4)),
        descent: to_thousandths(i16_at(hhea, 6)),
        bbox: [36, 38, 40, 42].map(|at| to_thousandths(i16_at(head, at))),
    }
}

/// How far `glyph` advances the pen, in thousandths of the font size.
pub fn advance(glyph: u16) -> f32 {
    let metrics = usize::from(u16_at(table(b"hhea"), 34));
    let hmtx = table(b"hmtx");
    // Glyphs past the last metric share its advance.
    let index = usize::from(glyph).min(metrics - 1);
    f32::from(u16_at(hmtx, index * 4)) * 1000.0 / units_per_em()
}

/// The font with the outlines of only `glyphs` (with the glyphs they are composed of, and
/// `.notdef`); every other glyph is left empty. Glyph ids stay as they are, so a PDF can address
/// glyphs by the ids [`glyph`] gives. Only the tables a PDF's TrueType font needs are kept (the
/// `name` table keeps the font's copyright and licence).
pub fn subset(glyphs: impl IntoIterator<Item = u16>) -> Vec<u8> {
    let head = table(b"head");
    let count = usize::from(u16_at(table(b"maxp"), 4));
    let (loca, glyf) = (table(b"loca"), table(b"glyf"));
    let long_offsets = i16_at(head, 50) == 1;
    let offset = |glyph: usize| -> usize {
        if long_offsets {
            u32_at(loca, glyph * 4) as usize
        } else {
            usize::from(u16_at(loca, glyph * 2)) * 2
        }
    };
    let outline = |glyph: usize| &glyf[offset(glyph)..offset(glyph + 1)];

    let mut keep = vec![false; count];
    let mut pending: Vec<usize> = std::iter::once(0)
        .chain(glyphs.into_iter().map(usize::from))
        .collect();
    while let Some(glyph) = pending.pop() {
        if glyph >= count || std::mem::replace(&mut keep[glyph], true) {
            continue;
        }
        pending.extend(components(outline(glyph)));
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((count + 1) * 4);
    for (glyph, &kept) in keep.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if kept {
            new_glyf.extend_from_slice(outline(glyph));
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    new_head[8..12].fill(0); // checkSumAdjustment, set below
    new_head[50..52].copy_from_slice(&1i16.to_be_bytes()); // long loca offsets

    let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"cvt ", table(b"cvt ").to_vec()),
        (*b"fpgm", table(b"fpgm").to_vec()),
        (*b"glyf", new_glyf),
        (*b"head", new_head),
        (*b"hhea", table(b"hhea").to_vec()),
        (*b"hmtx", table(b"hmtx").to_vec()),
        (*b"loca", new_loca),
        (*b"maxp", table(b"maxp").to_vec()),
        (*b"name", table(b"name").to_vec()),
        (*b"prep", table(b"prep").to_vec()),
    ];
    tables.sort_by_key(|(tag, _)| *tag);
    let font = sfnt(&tables);
    // The whole font sums to 0xB1B0AFBA (OpenType's `head` rule).
    let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&font));
    let mut font = font;
    let head_at = font_table_offset(&font, b"head");
    font[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
    font
}

/// The glyphs a composite glyph is made of (none for a simple one).
fn components(outline: &[u8]) -> Vec<usize> {
    const WORDS: u16 = 0x0001;
    const SCALE: u16 = 0x0008;
    const MORE: u16 = 0x0020;
    const X_AND_Y_SCALE: u16 = 0x0040;
    const TWO_BY_TWO: u16 = 0x0080;
    let mut found = Vec::new();
    if outline.len() < 10 || i16_at(outline, 0) >= 0 {
        return found;
    }
    let mut at = 10;
    while at + 4 <= outline.len() {
        let flags = u16_at(outline, at);
        found.push(usize::from(u16_at(outline, at + 2)));
        at += 4 + if flags & WORDS != 0 { 4 } else { 2 };
        at += match flags {
            f if f & SCALE != 0 => 2,
            f if f & X_AND_Y_SCALE != 0 => 4,
            f if f & TWO_BY_TWO != 0 => 8,
            _ => 0,
        };
        if flags & MORE == 0 {
            break;
        }
    }
    found
}

/// An OpenType file of `tables` (sorted by tag), each 4-byte aligned, with their checksums.
fn sfnt(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let count = tables.len() as u16;
    let power = 1u16 << (15 - count.leading_zeros());
    let mut font = Vec::new();
    font.extend_from_slice(&0x0001_0000_u32.to_be_bytes());
    for value in [
        count,
        power * 16,
        power.trailing_zeros() as u16,
        count * 16 - power * 16,
    ] {
        font.extend_from_slice(&value.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    for (tag, data) in tables {
        font.extend_from_slice(tag);
        font.extend_from_slice(&checksum(data).to_be_bytes());
        font.extend_from_slice(&(offset as u32).to_be_bytes());
        font.extend_from_slice(&(data.len() as u32).to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        font.extend_from_slice(data);
        font.resize(font.len().next_multiple_of(4), 0);
    }
    font
}

fn font_table_offset(font: &[u8], tag: &[u8; 4]) -> usize {
    let count = usize::from(u16_at(font, 4));
    (0..count)
        .map(|i| &font[12 + 16 * i..28 + 16 * i])
        .find(|record| &record[..4] == tag)
        .map(|record| u32_at(record, 8) as usize)
        .expect("the table was written")
}

/// OpenType's table checksum: the sum of big-endian u32 words, the last one zero-padded.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, word| {
        let mut padded = [0u8; 4];
        padded[..word.len()].copy_from_slice(word);
        sum.wrapping_add(u32::from_be_bytes(padded))
    })
}

/// The width of `text` at `size` points.
pub fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| advance(glyph(c))).sum::<f32>() * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map and the metrics read here agree with an independent font parser reading the
    /// original DejaVu Sans (Debian's `fonts-dejavu-core`, which `cargo xtask setup` installs).
    #[test]
    fn glyphs_and_advances_match_the_original_font() {
        let original = std::fs::read("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
            .expect("fonts-dejavu-core is installed");
        let face = ttf_parser::Face::parse(&original, 0).unwrap();
        let per_em = f32::from(face.units_per_em());
        for c in ['A', 'j', ' ', 'ß', 'Ł', 'Ж', 'ё', '…', '€', '№'] {
            let theirs = face.glyph_index(c).unwrap();
            let expected = f32::from(face.glyph_hor_advance(theirs).unwrap()) * 1000.0 / per_em;
            assert!((advance(glyph(c)) - expected).abs() < 0.01, "{c}");
        }
        assert_ne!(glyph('Ж'), glyph('?'));
        assert_eq!(
            glyph('漢'),
            glyph('?'),
            "a character the font lacks shows as ?"
        );
    }

    /// An independent parser reads the subset: the glyphs asked for (and the parts of composite
    /// ones, such as the base of `É`) keep their outlines, every other glyph is empty.
    #[test]
    fn a_subset_keeps_only_the_outlines_used() {
        struct Bounds;
        impl ttf_parser::OutlineBuilder for Bounds {
            fn move_to(&mut self, _: f32, _: f32) {}
            fn line_to(&mut self, _: f32, _: f32) {}
            fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
            fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
            fn close(&mut self) {}
        }
        let used = ['Б', 'о', 'р', 'и', 'с', 'É', 'a'];
        let font = subset(used.iter().map(|&c| glyph(c)));
        assert!(
            font.len() < DATA.len() / 3,
            "{} of {}",
            font.len(),
            DATA.len()
        );
        let ours = ttf_parser::Face::parse(&font, 0).expect("a valid font");
        let whole = ttf_parser::Face::parse(DATA, 0).unwrap();
        assert_eq!(ours.number_of_glyphs(), whole.number_of_glyphs());
        for c in used {
            let id = ttf_parser::GlyphId(glyph(c));
            assert_eq!(
                ours.outline_glyph(id, &mut Bounds),
                whole.outline_glyph(id, &mut Bounds),
                "{c}"
            );
        }
        for c in ['Ж', 'z', 'Q'] {
            let id = ttf_parser::GlyphId(glyph(c));
            assert!(whole.outline_glyph(id, &mut Bounds).is_some());
            assert_eq!(ours.outline_glyph(id, &mut Bounds), None, "{c} is left out");
        }
        assert_eq!(
            checksum(&font),
            0xB1B0_AFBA,
            "the whole-font checksum rule holds"
        );
    }

    #[test]
    fn latin_and_cyrillic_are_all_there() {
        for c in ('a'..='z')
            .chain('A'..='Z')
            .chain('а'..='я')
            .chain('А'..='Я')
        {
            assert!(lookup(c).is_some(), "{c}");
        }
        assert!(width("Борис", 10.0) > width("Bo", 10.0));
        let m = metrics();
        assert!(m.ascent > 700.0 && m.descent < -200.0, "{m:?}");
    }
}
