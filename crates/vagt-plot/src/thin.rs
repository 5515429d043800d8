//! Thinning per pixel column: a line with more points than the panel has columns draws the
//! same picture from fewer, as long as each column keeps its lowest and highest point. Red
//! readings are kept too, one per pixel they would colour, so no red reading is ever hidden
//! behind a green one (LTTB, smoother, can drop an isolated dip; this cannot).

use vagt_core::limits::Triage;

/// One point to thin: its x (milliseconds), y and colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinPoint {
    pub x: i64,
    pub y: f64,
    pub triage: Triage,
}

/// The plot area the points are drawn into: `columns` pixels over `[x_from, x_to)` and
/// `rows` pixels over `[y_low, y_high]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub x_from: i64,
    pub x_to: i64,
    pub columns: usize,
    pub y_low: f64,
    pub y_high: f64,
    pub rows: usize,
}

impl Grid {
    fn column(&self, x: i64) -> usize {
        let span = (self.x_to - self.x_from).max(1) as f64;
        let c = ((x - self.x_from) as f64 / span * self.columns as f64).floor();
        (c.max(0.0) as usize).min(self.columns.saturating_sub(1))
    }

    fn row(&self, y: f64) -> usize {
        let span = (self.y_high - self.y_low).abs().max(f64::MIN_POSITIVE);
        let r = ((y - self.y_low) / span * self.rows as f64).floor();
        if r.is_nan() {
            return 0;
        }
        (r.max(0.0) as usize).min(self.rows.saturating_sub(1))
    }
}

/// The indices of the points to draw, ascending: in each pixel column the first lowest and
/// the first highest point, and every red point that is the first red one in its pixel. The
/// points must be sorted by x; those outside the grid's x range are dropped.
pub fn thin(points: &[ThinPoint], grid: &Grid) -> Vec<usize> {
    let mut keep = Vec::new();
    let mut column: Option<usize> = None;
    let (mut low, mut high) = (0usize, 0usize);
    let mut red_rows: Vec<usize> = Vec::new();
    let flush = |keep: &mut Vec<usize>, low: usize, high: usize| {
        keep.push(low);
        if high != low {
            keep.push(high);
        }
    };
    for (i, p) in points.iter().enumerate() {
        if p.x < grid.x_from || p.x >= grid.x_to || !p.y.is_finite() {
            continue;
        }
        let c = grid.column(p.x);
        if column != Some(c) {
            if column.is_some() {
                flush(&mut keep, low, high);
            }
            column = Some(c);
            low = i;
            high = i;
            red_rows.clear();
        } else {
            if p.y < points[low].y {
                low = i;
            }
            if p.y > points[high].y {
                high = i;
            }
        }
        if p.triage == Triage::Red {
            let row = grid.row(p.y);
            if !red_rows.contains(&row) {
                red_rows.push(row);
                keep.push(i);
            }
        }
    }
    if column.is_some() {
        flush(&mut keep, low, high);
    }
    keep.sort_unstable();
    keep.dedup();
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(columns: usize) -> Grid {
        Grid {
            x_from: 0,
            x_to: 1_000,
            columns,
            y_low: 0.0,
            y_high: 100.0,
            rows: 100,
        }
    }

    fn green(x: i64, y: f64) -> ThinPoint {
        ThinPoint {
            x,
            y,
            triage: Triage::Green,
        }
    }

    #[test]
    fn fewer_points_than_columns_are_all_kept() {
        let points: Vec<_> = (0..50).map(|i| green(i * 20, (i % 7) as f64)).collect();
        assert_eq!(thin(&points, &grid(100)), (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn each_column_keeps_its_minimum_and_maximum() {
        // 10 points a column, 10 columns.
        let points: Vec<_> = (0..100)
            .map(|i| green(i * 10, ((i * 37) % 91) as f64))
            .collect();
        let kept = thin(&points, &grid(10));
        assert!(kept.len() <= 20, "{}", kept.len());
        for c in 0..10 {
            let column: Vec<usize> = (c * 10..c * 10 + 10).collect();
            let min = column
                .iter()
                .copied()
                .min_by(|a, b| points[*a].y.total_cmp(&points[*b].y))
                .expect("min");
            let max = column
                .iter()
                .copied()
                .max_by(|a, b| points[*a].y.total_cmp(&points[*b].y))
                .expect("max");
            assert!(kept.contains(&min) && kept.contains(&max), "column {c}");
        }
    }

    #[test]
    fn a_red_reading_between_the_extremes_is_kept_once_per_pixel() {
        let mut points: Vec<_> = (0..10).map(|i| green(i, 50.0 + i as f64)).collect();
        // Two reds in the same pixel of column 0, one in another pixel.
        for (x, y) in [(3, 52.2), (4, 52.4), (5, 55.0)] {
            points[x as usize] = ThinPoint {
                x,
                y,
                triage: Triage::Red,
            };
        }
        let kept = thin(&points, &grid(1));
        assert_eq!(kept, vec![0, 3, 5, 9]);
    }

    #[test]
    fn points_outside_the_window_and_not_finite_are_dropped() {
        let points = vec![
            green(-1, 1.0),
            green(10, f64::NAN),
            green(20, 2.0),
            green(1_000, 3.0),
        ];
        assert_eq!(thin(&points, &grid(10)), vec![2]);
    }
}
