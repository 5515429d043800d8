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

/// The A4 page in PDF points (1/72 inch); a page's SVG is drawn to fill it.
pub const A4_POINTS: (f32, f32) = (595.0, 842.0);

/// Several SVGs as the pages of one A4 PDF, in order, each made as [`pdf`] makes one (the same
/// font, the text kept as text). For documents longer than a page: the handover.
pub fn pdf_pages(pages: &[String]) -> Result<Vec<u8>, PlotError> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};
    use std::collections::HashMap;

    let mut alloc = Ref::new(1);
    let catalog_id = alloc.bump();
    let tree_id = alloc.bump();
    let mut pdf = Pdf::new();
    let mut page_ids = Vec::new();
    let mut bodies = Vec::new();
    for svg in pages {
        let tree = tree(svg)?;
        let (chunk, svg_id) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| PlotError::Export(e.to_string()))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let svg_id = *map
            .get(&svg_id)
            .ok_or_else(|| PlotError::Export("the page's drawing went missing".into()))?;
        page_ids.push(alloc.bump());
        bodies.push((chunk, svg_id, alloc.bump()));
    }
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    let (width, height) = A4_POINTS;
    let name = Name(b"P");
    for (page_id, (chunk, svg_id, content_id)) in page_ids.iter().zip(bodies) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, width, height));
        page.parent(tree_id);
        page.contents(content_id);
        page.resources().x_objects().pair(name, svg_id);
        page.finish();
        let mut content = Content::new();
        content
            .transform([width, 0.0, 0.0, height, 0.0, 0.0])
            .x_object(name);
        pdf.stream(content_id, &content.finish());
        pdf.extend(&chunk);
    }
    Ok(pdf.finish())
}
