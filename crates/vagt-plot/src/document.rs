//! Text documents on A4 pages, drawn as SVG with the shipped font (and made into one PDF by
//! [`crate::pdf_pages`]): lines of text wrapped to the page, chips, rules and drawn plots
//! nested, a new page when the next block does not fit. The printed handover is one.

use crate::A4_POINTS;

/// The text's colours, as the plots' (`style::TEXT`, `style::TEXT_MUTED`).
pub const TEXT: &str = "#212121";
pub const MUTED: &str = "#5F6368";

/// The page's margin, the body text's size and the line height, in points.
pub const MARGIN: f32 = 40.0;
pub const BODY: f32 = 9.0;
pub const LINE: f32 = 12.5;
/// DejaVu Sans averages a little over half an em per character: lines are wrapped by count.
const CHAR_EM: f32 = 0.56;

/// One thing drawn on a page, at its top.
pub enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        colour: &'static str,
        text: String,
    },
    Chip {
        x: f32,
        y: f32,
        width: f32,
        fill: &'static str,
    },
    Rule {
        y: f32,
    },
    /// A drawn SVG (a trend plot), scaled into the box.
    Svg {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        svg: String,
        view: (u32, u32),
    },
}

/// Pages filled from the top, a new one when the next block does not fit.
pub struct Pages {
    pages: Vec<Vec<Mark>>,
    /// Where the next thing goes on the page being filled.
    pub y: f32,
}

const TOP: f32 = MARGIN + 28.0;
const BOTTOM: f32 = A4_POINTS.1 - MARGIN;

impl Pages {
    pub fn new() -> Pages {
        Pages {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// A new page unless `height` more fits on this one.
    pub fn room_for(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    pub fn put(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// Text wrapped to the width left of `x`, one line after another.
    pub fn text(&mut self, x: f32, size: f32, bold: bool, colour: &'static str, text: &str) {
        let per_line = ((A4_POINTS.0 - MARGIN - x) / (size * CHAR_EM)).max(10.0) as usize;
        for line in wrap(text, per_line) {
            self.room_for(LINE);
            self.put(Mark::Text {
                x,
                y: self.y + size,
                size,
                bold,
                colour,
                text: line,
            });
            self.y += size + (LINE - BODY);
        }
    }

    /// The pages as SVG, each with the header and its footer (`footer(n, of)`, from 1).
    pub fn finish(self, header: &str, footer: impl Fn(usize, usize) -> String) -> Vec<String> {
        let total = self.pages.len();
        self.pages
            .iter()
            .enumerate()
            .map(|(n, marks)| page_svg(marks, header, &footer(n + 1, total)))
            .collect()
    }
}

impl Default for Pages {
    fn default() -> Self {
        Pages::new()
    }
}

/// Words to lines of at most `per_line` characters (a longer word stands alone).
fn wrap(text: &str, per_line: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A drawn SVG's body, without its XML declaration, to nest in a page.
fn nested(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(at) => &svg[at..],
        None => svg,
    }
}

fn page_svg(marks: &[Mark], header: &str, footer: &str) -> String {
    let (w, h) = A4_POINTS;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    let text = |out: &mut String, x: f32, y: f32, size: f32, bold: bool, colour: &str, t: &str| {
        let weight = if bold { " font-weight=\"bold\"" } else { "" };
        out.push_str(&format!(
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" fill="{colour}"{weight}>{}</text>"#,
            escape(t)
        ));
    };
    text(&mut out, MARGIN, MARGIN + 4.0, 13.0, true, TEXT, header);
    text(
        &mut out,
        MARGIN,
        h - MARGIN + 20.0,
        8.0,
        false,
        MUTED,
        footer,
    );
    for mark in marks {
        match mark {
            Mark::Text {
                x,
                y,
                size,
                bold,
                colour,
                text: t,
            } => text(&mut out, *x, *y, *size, *bold, colour, t),
            Mark::Chip { x, y, width, fill } => out.push_str(&format!(
                r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="14" rx="3" fill="{fill}"/>"#
            )),
            Mark::Rule { y } => out.push_str(&format!(
                r##"<line x1="{MARGIN}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#CFD4D8" stroke-width="0.6"/>"##,
                w - MARGIN
            )),
            Mark::Svg {
                x,
                y,
                width,
                height,
                svg,
                view,
            } => {
                // A viewport of the page's, holding the plot as drawn (its own size inside).
                out.push_str(&format!(
                    r#"<svg class="embedded" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" viewBox="0 0 {} {}">"#,
                    view.0, view.1
                ));
                out.push_str(nested(svg));
                out.push_str("</svg>");
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_words_and_keep_every_word() {
        let text = "Hvis SpO2 falder under 88 % eller vejrtrækningen tiltager: send MAS straks";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("", 20), [""]);
    }

    #[test]
    fn text_is_escaped_for_the_svg() {
        assert_eq!(escape("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
    }
}
