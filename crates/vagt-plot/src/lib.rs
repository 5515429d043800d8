//! Vagt's trend plots: a citizen's readings with the yellow and red limits as they were at
//! each moment, their own baseline, the ECM level and the care events on one time axis; drawn
//! once as SVG (plotters) and exported from that SVG as PNG (resvg) and PDF (svg2pdf).
//!
//! [`build`] turns what the store holds into what a plot shows (pure, tested exactly);
//! [`render_svg`] draws it, thinning each series per pixel column ([`thin`]) so that no
//! minimum, maximum or red reading is ever hidden.

mod build;
pub mod document;
mod draw;
mod export;
pub mod fonts;
mod model;
pub mod style;
pub mod thin;
mod ticks;
mod words;

pub use build::{
    Band, BaselinePoint, LevelSpan, LimitLine, LimitsInForce, Panel, PanelKey, PanelPoint,
    RelativePoint, Trend, baseline_of, build,
};
pub use draw::{HoverPoint, Layout, PanelBox, Rendered, render_svg};
pub use export::{A4_POINTS, pdf, pdf_pages, png};
pub use model::{
    BASELINE_MIN_READINGS, BASELINE_SD, BASELINE_WINDOW_MS, EventMark, LevelMark, PlanStep,
    RangeError, RejectedKind, RejectedMark, TrendRange, TrendReading, TrendSource, Window,
};
pub use ticks::{Tick, ticks};
pub use words::Words;

/// What can go wrong drawing; none of it is the nurse's doing.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("the shipped font could not be loaded ({0})")]
    Font(String),
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("export failed: {0}")]
    Export(String),
}

impl PlotError {
    /// The catalogue's code for this error (`error.<code>`).
    pub const fn code(&self) -> &'static str {
        "plot_failed"
    }
}

/// The file formats an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Pdf,
}

impl Format {
    /// From a file name's extension.
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// The drawn trend in a format: the SVG itself, or PNG (twice its size) or PDF made from it.
pub fn encode(rendered: &Rendered, format: Format) -> Result<Vec<u8>, PlotError> {
    match format {
        Format::Svg => Ok(rendered.svg.clone().into_bytes()),
        Format::Png => png(&rendered.svg, 2.0),
        Format::Pdf => pdf(&rendered.svg),
    }
}
