//! Colours and sizes, named once: the drawing uses them and the tests find elements by them.

pub use plotters::style::RGBColor as Colour;
use plotters::style::RGBColor;
use vagt_core::limits::Triage;

/// The one font, shipped in `assets/fonts` and registered before anything is drawn.
pub const FONT_FAMILY: &str = "DejaVu Sans";

pub const BAND_YELLOW: RGBColor = RGBColor(0xFF, 0xF1, 0xB8);
pub const BAND_RED: RGBColor = RGBColor(0xFA, 0xD4, 0xD4);
pub const POINT_GREEN: RGBColor = RGBColor(0x2E, 0x7D, 0x32);
pub const POINT_YELLOW: RGBColor = RGBColor(0xC7, 0x8A, 0x00);
pub const POINT_RED: RGBColor = RGBColor(0xC6, 0x28, 0x28);
pub const LINE: RGBColor = RGBColor(0x37, 0x47, 0x4F);
/// The second line of a pair (diastolic).
pub const LINE_SECOND: RGBColor = RGBColor(0x00, 0x69, 0x7C);
pub const BASELINE: RGBColor = RGBColor(0x78, 0x90, 0x9C);
pub const EVENT: RGBColor = RGBColor(0x6A, 0x1B, 0x9A);
pub const REJECTED: RGBColor = RGBColor(0x21, 0x21, 0x21);
pub const IMPLAUSIBLE: RGBColor = RGBColor(0x8D, 0x4E, 0x00);
pub const GRID: RGBColor = RGBColor(0xE4, 0xE7, 0xEA);
pub const TEXT: RGBColor = RGBColor(0x21, 0x21, 0x21);
pub const TEXT_MUTED: RGBColor = RGBColor(0x5F, 0x63, 0x68);

/// ECM1 (stable) to ECM6 (hospital), from calm to alarming.
pub const ECM: [RGBColor; 6] = [
    RGBColor(0xC8, 0xE6, 0xC9),
    RGBColor(0xFF, 0xF5, 0x9D),
    RGBColor(0xFF, 0xCC, 0x80),
    RGBColor(0xFF, 0x8A, 0x65),
    RGBColor(0xE5, 0x73, 0x73),
    RGBColor(0xB7, 0x1C, 0x1C),
];

pub fn band(triage: Triage) -> Option<RGBColor> {
    match triage {
        Triage::Green => None,
        Triage::Yellow => Some(BAND_YELLOW),
        Triage::Red => Some(BAND_RED),
    }
}

pub fn point(triage: Triage) -> RGBColor {
    match triage {
        Triage::Green => POINT_GREEN,
        Triage::Yellow => POINT_YELLOW,
        Triage::Red => POINT_RED,
    }
}

/// `#RRGGBB`, as the SVG writes it.
pub fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

/// The plot's width when none is asked for, and the heights of its parts.
pub const WIDTH: u32 = 1200;
pub const HEADER_HEIGHT: u32 = 58;
pub const PANEL_HEIGHT: u32 = 150;
pub const LEVELS_HEIGHT: u32 = 120;
pub const LEGEND_HEIGHT: u32 = 28;
/// Room for the y labels; the same in every panel so the time axes line up.
pub const LEFT: u32 = 64;
pub const RIGHT: u32 = 18;
pub const PANEL_TOP: u32 = 22;
pub const POINT_RADIUS: u32 = 3;
