//! PNG and PDF from the very SVG the app shows: one drawing, three formats.

use crate::PlotError;
use crate::fonts;
use resvg::{tiny_skia, usvg};

fn tree(svg: &str) -> Result<usvg::Tree, PlotError> {
    let options = usvg::Options {
        fontdb: fonts::database(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| PlotError::Export(e.to_string()))
}

/// The SVG as a PNG, `scale` times its size (2 for a sharp print).
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, PlotError> {
    let tree = tree(svg)?;
    let size =
        tree.size().to_int_size().scale_by(scale).ok_or_else(|| {
            PlotError::Export(format!("cannot scale {:?} by {scale}", tree.size()))
        })?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| PlotError::Export("empty image".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PlotError::Export(e.to_string()))
}

/// The SVG as a one-page PDF with the font embedded (its text stays text).
pub fn pdf(svg: &str) -> Result<Vec<u8>, PlotError> {
    let tree = tree(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| PlotError::Export(e.to_string()))
}
