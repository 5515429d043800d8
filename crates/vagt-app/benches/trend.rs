//! The trend plot's cost, each beside just reading its rows from the store in the same run:
//! a year of four parameters every 4 hours to SVG, and three years of one reading a minute
//! (about 1.6 million points) thinned and drawn.
//!
//! `cargo bench -p vagt-app --bench trend`

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use vagt_app::bench::TrendFixture;

fn year_of_four_parameters(c: &mut Criterion) {
    let fixture = TrendFixture::year_of_four_parameters().expect("fixture");
    let mut group = c.benchmark_group(format!(
        "1y_4_parameters_every_4h ({} readings)",
        fixture.readings
    ));
    group.sample_size(20);
    group.bench_function("read rows (reference)", |b| {
        b.iter(|| black_box(fixture.read_rows().expect("rows")))
    });
    group.bench_function("plot to SVG", |b| {
        b.iter(|| black_box(fixture.svg().expect("svg")))
    });
    group.finish();
}

fn three_years_a_minute(c: &mut Criterion) {
    let fixture = TrendFixture::three_years_a_minute().expect("fixture");
    let mut group = c.benchmark_group(format!(
        "3y_spo2_every_minute ({} readings)",
        fixture.readings
    ));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("read rows (reference)", |b| {
        b.iter(|| black_box(fixture.read_rows().expect("rows")))
    });
    group.bench_function("thin and plot to SVG", |b| {
        b.iter(|| black_box(fixture.svg().expect("svg")))
    });
    group.finish();
}

criterion_group!(benches, year_of_four_parameters, three_years_a_minute);
criterion_main!(benches);
