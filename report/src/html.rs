//! The report as one self-contained HTML page: no scripts, no outside resources, every text
//! escaped (names and titles come from senders and identity providers).

use std::fmt::Write;

use crate::{Report, Row};

/// A page that works offline and prints well; its only style is inline (see the route's
/// Content-Security-Policy).
pub fn html(report: &Report) -> String {
    let mut page = String::with_capacity(4096);
    let title = escape(&report.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    for section in &report.sections {
        let _ = write!(page, "<section>\n<h2>{}</h2>\n", escape(&section.heading));
        let (fields, events): (Vec<&Row>, Vec<&Row>) = section
            .rows
            .iter()
            .partition(|row| matches!(row, Row::Field { .. }));
        if !fields.is_empty() {
            page.push_str("<dl>\n");
            for row in fields {
                if let Row::Field { label, value } = row {
                    let _ = writeln!(page, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
                }
            }
            page.push_str("</dl>\n");
        }
        if !events.is_empty() {
            page.push_str(
                "<table>\n<thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Local time</th>\
                 <th scope=\"col\">Who</th><th scope=\"col\">What</th></tr></thead>\n<tbody>\n",
            );
            for row in events {
                if let Row::Event {
                    utc,
                    local,
                    who,
                    what,
                    link,
                } = row
                {
                    let link = link.as_deref().map_or(String::new(), |url| {
                        let url = escape(url);
                        format!(" <a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a>")
                    });
                    let _ = writeln!(
                        page,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{link}</td></tr>",
                        escape(utc),
                        escape(local),
                        escape(who),
                        escape(what)
                    );
                }
            }
            page.push_str("</tbody>\n</table>\n");
        }
        page.push_str("</section>\n");
    }
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;color:#1b1b1f;margin:0}\
main{max-width:60rem;margin:0 auto;padding:1rem}\
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #c4c6cc}\
td:first-child,td:nth-child(2){white-space:nowrap}a{color:#0b57d0;word-break:break-all}";

/// Text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Section;

    #[test]
    fn what_senders_and_providers_wrote_is_text_never_markup() {
        let report = Report {
            title: "<script>alert(1)</script>".into(),
            sections: vec![Section {
                heading: "Audit trail".into(),
                rows: vec![Row::Event {
                    utc: "t".into(),
                    local: "l".into(),
                    who: "Ada \"<b>\"".into(),
                    what: "x' onmouseover='y".into(),
                    link: Some("https://example.com/?a=1&b=\"2\"".into()),
                }],
            }],
        };
        let page = html(&report);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("Ada &quot;&lt;b&gt;&quot;"));
        assert!(page.contains("x&#39; onmouseover=&#39;y"));
        assert!(page.contains("href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\""));
    }
}
