//! The report as a PDF (A4), with the font embedded as a CID font of only the glyphs the report
//! uses, and a `ToUnicode` map so its text can be searched and copied, Cyrillic included.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::font;
use crate::{Report, Row};

const PAGE: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 50.0;
const TEXT_WIDTH: f32 = PAGE.0 - 2.0 * MARGIN;
/// Where a field's value starts, right of its label.
const VALUE_INDENT: f32 = 105.0;
const FONT_NAME: &[u8] = b"F1";
/// The PDF names a subset font with a six-letter tag of its own.
const BASE_FONT: &[u8] = b"SGRPRT+DejaVuSans";

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Title,
    Heading,
    Body,
    Small,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 16.0,
            Style::Heading => 12.0,
            Style::Body => 9.0,
            Style::Small => 8.0,
        }
    }

    fn gray(self) -> f32 {
        if self == Style::Small { 0.3 } else { 0.0 }
    }
}

/// One line of text at its place on a page (from the bottom left, as PDF counts).
struct Placed {
    x: f32,
    y: f32,
    style: Style,
    text: String,
}

/// Lines flowing down pages.
struct Layout {
    pages: Vec<Vec<Placed>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE.1 - MARGIN,
        }
    }

    /// Room for `height` more points on this page, or a new page.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.pages.push(Vec::new());
            self.y = PAGE.1 - MARGIN;
        }
    }

    fn line(&mut self, x: f32, style: Style, text: String) {
        // A character the font lacks is a `?` on the page and in the copied text alike.
        let text = text.chars().map(font::printable).collect();
        let leading = style.size() * 1.35;
        self.room(leading);
        self.y -= leading;
        let y = self.y;
        self.pages
            .last_mut()
            .expect("a page")
            .push(Placed { x, y, style, text });
    }

    /// `text` wrapped to `width`, each line at `x`.
    fn paragraph(&mut self, x: f32, width: f32, style: Style, text: &str) {
        for line in wrap(text, width, style.size()) {
            self.line(x, style, line);
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }
}

/// Greedy line breaking at spaces; a word wider than the line is broken where it must be.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if font::width(&candidate, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for c in word.chars() {
            current.push(c);
            if font::width(&current, size) > width && current.chars().count() > 1 {
                let last = current.pop().expect("two characters at least");
                lines.push(std::mem::replace(&mut current, last.to_string()));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` cut with an ellipsis to fit `width`.
fn shortened(text: &str, width: f32, size: f32) -> String {
    if font::width(text, size) <= width {
        return text.to_string();
    }
    let mut cut = String::new();
    for c in text.chars() {
        if font::width(&format!("{cut}{c}…"), size) > width {
            break;
        }
        cut.push(c);
    }
    format!("{cut}…")
}

fn lay_out(report: &Report) -> Vec<Vec<Placed>> {
    let mut layout = Layout::new();
    layout.paragraph(MARGIN, TEXT_WIDTH, Style::Title, &report.title);
    for section in &report.sections {
        layout.gap(10.0);
        // A heading never ends a page alone.
        layout.room(Style::Heading.size() * 1.35 + Style::Body.size() * 3.0);
        layout.paragraph(MARGIN, TEXT_WIDTH, Style::Heading, &section.heading);
        layout.gap(2.0);
        for row in &section.rows {
            match row {
                Row::Field { label, value } => {
                    let lines = wrap(value, TEXT_WIDTH - VALUE_INDENT, Style::Body.size());
                    for (i, line) in lines.into_iter().enumerate() {
                        if i == 0 {
                            layout.line(MARGIN, Style::Body, format!("{label}:"));
                            // The value's first line beside its label.
                            let y = layout.y;
                            let page = layout.pages.last_mut().expect("a page");
                            page.push(Placed {
                                x: MARGIN + VALUE_INDENT,
                                y,
                                style: Style::Body,
                                text: line.chars().map(font::printable).collect(),
                            });
                        } else {
                            layout.line(MARGIN + VALUE_INDENT, Style::Body, line);
                        }
                    }
                }
                Row::Event {
                    utc,
                    local,
                    who,
                    what,
                    link,
                } => {
                    layout.room(Style::Small.size() * 1.35 + Style::Body.size() * 1.35 * 2.0);
                    layout.line(MARGIN, Style::Small, format!("{utc}  ·  {local}"));
                    layout.paragraph(
                        MARGIN + 10.0,
                        TEXT_WIDTH - 10.0,
                        Style::Body,
                        &format!("{who}: {what}"),
                    );
                    if let Some(link) = link {
                        layout.paragraph(MARGIN + 10.0, TEXT_WIDTH - 10.0, Style::Small, link);
                    }
                    layout.gap(3.0);
                }
            }
        }
    }
    layout.pages
}

/// The whole report as a PDF file.
pub fn pdf(report: &Report) -> Vec<u8> {
    let mut pages = lay_out(report);
    let total = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        let number = format!("  —  page {} of {total}", n + 1);
        let room = TEXT_WIDTH - font::width(&number, Style::Small.size());
        let title: String = report.title.chars().map(font::printable).collect();
        page.push(Placed {
            x: MARGIN,
            y: MARGIN - 10.0,
            style: Style::Small,
            text: format!("{}{number}", shortened(&title, room, Style::Small.size())),
        });
    }

    // Every glyph the report uses: the only outlines embedded. Glyph ids are the font's own,
    // so CIDs are glyph ids (CIDToGIDMap Identity).
    let mut used: Vec<(u16, char)> = Vec::new();
    for placed in pages.iter().flatten() {
        for c in placed.text.chars() {
            let glyph = font::glyph(c);
            if !used.iter().any(|&(g, _)| g == glyph) {
                used.push((glyph, c));
            }
        }
    }
    used.sort_unstable();
    let subset = font::subset(used.iter().map(|&(glyph, _)| glyph));
    let encode = |text: &str| -> Vec<u8> {
        text.chars()
            .flat_map(|c| font::glyph(c).to_be_bytes())
            .collect()
    };

    let mut next = 1;
    let mut id = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, info) = (id(), id(), id());
    let (type0, cid, descriptor, file, cmap) = (id(), id(), id(), id(), id());
    let page_ids: Vec<(Ref, Ref)> = (0..total).map(|_| (id(), id())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(&report.title))
        .producer(TextStr("signgate"));
    pdf.pages(tree)
        .kids(page_ids.iter().map(|&(page, _)| page))
        .count(total as i32);

    for (placed, &(page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1))
            .parent(tree)
            .contents(content_id);
        page.resources().fonts().pair(Name(FONT_NAME), type0);
        page.finish();
        let mut content = Content::new();
        for line in placed {
            content
                .begin_text()
                .set_fill_gray(line.style.gray())
                .set_font(Name(FONT_NAME), line.style.size())
                .next_line(line.x, line.y)
                .show(Str(&encode(&line.text)))
                .end_text();
        }
        pdf.stream(content_id, &content.finish());
    }

    pdf.type0_font(type0)
        .base_font(Name(BASE_FONT))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(BASE_FONT))
        .system_info(system_info)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut w = cid_font.widths();
    for &(glyph, _) in &used {
        w.consecutive(glyph, [font::advance(glyph)]);
    }
    w.finish();
    cid_font.finish();

    let metrics = font::metrics();
    let [x0, y0, x1, y1] = metrics.bbox;
    pdf.font_descriptor(descriptor)
        .name(Name(BASE_FONT))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(metrics.ascent)
        .descent(metrics.descent)
        .cap_height(metrics.ascent)
        .stem_v(80.0)
        .font_file2(file);
    pdf.stream(file, &subset)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut unicode = UnicodeCmap::new(Name(b"SignGate-UCS"), system_info);
    for &(glyph, c) in &used {
        unicode.pair(glyph, c);
    }
    pdf.cmap(cmap, &unicode.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Section;

    fn report(events: usize) -> Report {
        Report {
            title: "Audit report: Аренда квартиры".into(),
            sections: vec![Section {
                heading: "Audit trail".into(),
                rows: (0..events)
                    .map(|i| Row::Event {
                        utc: format!("2026-11-29 21:52:{:02} UTC", i % 60),
                        local: "2026-11-29 22:52 CET".into(),
                        who: "Борис Делегатов".into(),
                        what: format!(
                            "Wrong entry {i} of a long series that needs wrapping: {}",
                            "word ".repeat(30)
                        ),
                        link: None,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn what_the_font_lacks_is_a_question_mark_on_the_page_and_when_copied() {
        let report = Report {
            title: "漢字 ".repeat(100),
            sections: vec![],
        };
        let bytes = pdf(&report);
        let text = String::from_utf8_lossy(&bytes);
        // The ToUnicode map gives `?` for the replacement glyph, never a character it replaced.
        assert!(remapped_glyph_of(&text, '?').is_some());
        assert!(remapped_glyph_of(&text, '漢').is_none());
        for page in lay_out(&report) {
            for line in page {
                assert!(!line.text.contains('漢'));
            }
        }
        let footer = shortened(&"Long title ".repeat(50), 200.0, 8.0);
        assert!(footer.ends_with('…') && font::width(&footer, 8.0) <= 200.0);
    }

    #[test]
    fn long_text_wraps_within_the_page() {
        for line in wrap(&"Ж".repeat(400), TEXT_WIDTH, 9.0) {
            assert!(font::width(&line, 9.0) <= TEXT_WIDTH);
        }
        let words = wrap(
            "one two three four",
            font::width("three four", 9.0) + 0.5,
            9.0,
        );
        assert_eq!(words, ["one two", "three four"]);
        assert_eq!(wrap("", 100.0, 9.0), [""]);
    }

    #[test]
    fn a_long_trail_flows_over_pages_and_embeds_only_the_glyphs_used() {
        let pages = lay_out(&report(200));
        assert!(pages.len() > 5, "{} pages", pages.len());
        for line in pages.iter().flatten() {
            assert!(line.y >= MARGIN && line.y <= PAGE.1 - MARGIN, "{}", line.y);
        }
        let bytes = pdf(&report(200));
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(&format!("/Count {}", pages.len())));
        // The subset holds the outlines used, far fewer than the 436 the committed font has.
        let subset_len: usize = text
            .split("/Length1 ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(
            subset_len < font::DATA.len() / 2,
            "{subset_len} of {}",
            font::DATA.len()
        );
        // The text can be read back: the ToUnicode map names the Cyrillic letters.
        assert!(text.contains("/ToUnicode"));
        let glyph = remapped_glyph_of(&text, 'Ж');
        assert!(glyph.is_none(), "Ж is not in this report");
        assert!(remapped_glyph_of(&text, 'Б').is_some());
    }

    /// The glyph the ToUnicode map gives for `c` (`<0012> <0411>` lines).
    fn remapped_glyph_of(pdf: &str, c: char) -> Option<String> {
        let unicode = format!("<{:04X}>", c as u32);
        pdf.lines()
            .find(|line| line.ends_with(&unicode) && line.starts_with('<'))
            .map(|line| line[1..5].to_string())
    }
}
