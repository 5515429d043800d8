//! The shipped font, compiled into the program: plotters measures text with it, and the PNG
//! and PDF exports draw with it and nothing else, so the output is the same on every machine
//! (plotters' bitmap backend panics without a font; SVG text otherwise depends on the viewer).

use crate::PlotError;
use crate::style::FONT_FAMILY;
use plotters::style::FontStyle;
use std::sync::{Arc, OnceLock};

pub const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the font with plotters, once per process.
pub fn register() -> Result<(), PlotError> {
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, REGULAR)
                .map_err(|_| "regular".to_owned())?;
            plotters::style::register_font(FONT_FAMILY, FontStyle::Bold, BOLD)
                .map_err(|_| "bold".to_owned())
        })
        .clone()
        .map_err(PlotError::Font)
}

/// A font database holding only the shipped font (no system fonts are looked up).
pub fn database() -> Arc<resvg::usvg::fontdb::Database> {
    static DATABASE: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            db.set_sans_serif_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}
