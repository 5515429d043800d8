//! Trend plots as the app and `vagtctl` ask for them, from a real encrypted store with the demo
//! cohort: an implausible input is marked on its parameter's panel, the worklist's sparkline
//! is the most telling parameter with its red readings, and a PDF for the GP is written whole.

use vagt_app::{SPARKLINE_POINTS, Session, StoreLocation};
use vagt_cohort::CohortSpec;
use vagt_core::Timestamp;
use vagt_core::i18n::Language;
use vagt_core::limits::Triage;
use vagt_plot::{Layout, RejectedKind, TrendRange};
use vagt_store::{Actor, OpenMode};
use zeroize::Zeroizing;

fn end() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-22T10:00:00Z").expect("time")
}

fn session(dir: &std::path::Path) -> Session {
    session_ending(dir, end())
}

fn session_ending(dir: &std::path::Path, end: Timestamp) -> Session {
    let session = Session::open(
        StoreLocation {
            db: Some(dir.join("trend.db")),
            throwaway_key: Some(Zeroizing::new("trend".into())),
        },
        OpenMode::CreateIfMissing,
    )
    .expect("session");
    session
        .load_demo(
            &Actor("nurse-a".into()),
            &CohortSpec {
                seed: 3,
                citizens: 24,
                days: 30,
                end,
            },
        )
        .expect("demo");
    session
}

#[test]
fn an_implausible_input_is_marked_on_its_parameters_panel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(dir.path());
    let actor = Actor("nurse-a".into());
    let implausible = session
        .rejected(&actor, true)
        .expect("rejected")
        .into_iter()
        .find(|r| r.reason_code == "implausible_value")
        .expect("the cohort plants an implausible reading");
    let citizen = session
        .worklist(&actor)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .find(|id| {
            let source = session
                .trend_source(&actor, id, TrendRange::Days30, Language::Da, end())
                .expect("source");
            source
                .rejected
                .iter()
                .any(|m| m.kind == RejectedKind::Implausible)
        })
        .expect("the implausible input belongs to a citizen");
    let source = session
        .trend_source(&actor, &citizen, TrendRange::Days30, Language::Da, end())
        .expect("source");
    let mark = source
        .rejected
        .iter()
        .find(|m| m.kind == RejectedKind::Implausible)
        .expect("mark");
    let parameter = mark
        .parameter
        .expect("its parameter was read from its FHIR");
    assert!(mark.value.is_some(), "{implausible:?}");
    let trend = vagt_plot::build(&source);
    let panel = trend
        .panels
        .iter()
        .find(|p| p.marks.iter().any(|m| m.kind == RejectedKind::Implausible))
        .expect("a panel marks it");
    assert_eq!(panel.key.code(), parameter.code());
}

#[test]
fn the_sparkline_is_the_most_telling_parameter_with_its_red_readings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(dir.path());
    let actor = Actor("nurse-a".into());
    let ids: Vec<_> = session
        .worklist(&actor)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .collect();
    let lines = session.sparklines(&actor, &ids, end()).expect("sparklines");
    assert!(
        lines.len() >= ids.len() / 2,
        "{} of {}",
        lines.len(),
        ids.len()
    );
    for line in &lines {
        assert!(!line.points.is_empty() && line.points.len() <= SPARKLINE_POINTS + 4);
        assert!(line.points.windows(2).all(|w| w[0].at <= w[1].at));
        // The worst colour of the week: its parameter's readings carry it.
        assert!(line.points.iter().all(|p| p.triage <= line.worst));
        if line.worst == Triage::Red {
            assert!(
                line.points.iter().any(|p| p.triage == Triage::Red),
                "{line:?}"
            );
        }
    }
    // Citizens in an exacerbation (index % 8 == 3) have a yellow or red week.
    assert!(lines.iter().any(|l| l.worst != Triage::Green));
}

#[test]
fn a_pdf_for_the_gp_is_written_whole_into_the_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(dir.path());
    let actor = Actor("nurse-a".into());
    let citizen = session.worklist(&actor).expect("worklist")[0].id.clone();
    let out = dir.path().join("exports");
    let first = session
        .export_trend_pdf_to(
            &actor,
            &citizen,
            TrendRange::Days30,
            Language::Da,
            &out,
            end(),
        )
        .expect("pdf");
    let second = session
        .export_trend_pdf_to(
            &actor,
            &citizen,
            TrendRange::Days30,
            Language::Da,
            &out,
            end(),
        )
        .expect("pdf");
    assert_ne!(first, second, "a second export never overwrites the first");
    for path in [&first, &second] {
        assert!(std::fs::read(path).expect("written").starts_with(b"%PDF-"));
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            !name.contains(citizen.as_str()),
            "no CPR in a file name: {name}"
        );
    }
    // Only the two PDFs: no temporary file left behind.
    assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 2);
    // The drawn plot for the page, at the width the page asks for.
    let rendered = session
        .trend(
            &actor,
            &citizen,
            TrendRange::Days7,
            Language::En,
            Layout {
                width: 900,
                ..Layout::default()
            },
            end(),
        )
        .expect("svg");
    assert_eq!(rendered.width, 900);
    assert!(rendered.svg.contains("width=\"900\""));
}

/// While a first sync loads the readings in bulk (no per-citizen index: a citizen's readings
/// would be a read of every reading), the citizen page shows everything but its readings and
/// says why, the handover goes without its small trends, the sparklines are empty and a trend
/// is refused with its reason; once the load ends, all are back.
#[test]
fn while_a_first_sync_loads_in_bulk_a_citizens_readings_wait_and_say_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Ending now: the page shows the last 7 days before now.
    let now = Timestamp::now();
    let session = session_ending(dir.path(), now);
    let actor = Actor("nurse-a".into());
    let ids: Vec<_> = session
        .worklist(&actor)
        .expect("worklist")
        .into_iter()
        .map(|c| c.id)
        .collect();
    let before = session.citizen_page(&actor, &ids[0]).expect("page");
    assert!(!before.readings_pending && !before.readings.is_empty());
    // The sync's own connection begins the load, as a first sync does.
    let mut sync = session
        .location()
        .open(OpenMode::Existing)
        .expect("the sync's connection");
    sync.begin_bulk_load("srv", now).expect("begin");

    let during = session
        .citizen_page(&actor, &ids[0])
        .expect("the page opens");
    assert!(during.readings_pending);
    assert!(during.readings.is_empty() && during.news2.is_none());
    assert_eq!(during.citizen.name, before.citizen.name);
    assert_eq!(during.alarms.len(), before.alarms.len());
    assert!(
        session
            .sparklines(&actor, &ids, now)
            .expect("sparklines")
            .is_empty()
    );
    let trend = session.trend_source(&actor, &ids[0], TrendRange::Days7, Language::Da, now);
    assert_eq!(
        trend.err().map(|e| e.code().to_owned()).as_deref(),
        Some("bulk_load_under_way")
    );
    let (handover, pages) = session
        .handover_document(&actor, None, Some(now), Language::Da)
        .expect("the handover, without its trends");
    let unstable = vagt_core::handover::IllnessSeverity::Unstable;
    assert!(
        handover
            .citizens
            .iter()
            .any(|c| (c.severity == unstable || c.rule_severity == unstable) && !c.mas_only),
        "a citizen whose small trend the handover would draw"
    );
    // Each small trend is drawn under its heading.
    let trend_heading = |pages: &[String]| pages.iter().any(|p| p.contains("Trend, 7 døgn"));
    assert!(
        !trend_heading(&pages),
        "no small trend drawn during the load"
    );

    sync.end_bulk_load(now).expect("end");
    let after = session.citizen_page(&actor, &ids[0]).expect("page");
    assert!(!after.readings_pending && !after.readings.is_empty());
    let (_, pages) = session
        .handover_document(&actor, None, Some(now), Language::Da)
        .expect("the handover");
    assert!(trend_heading(&pages), "its small trends are back");
    assert!(
        !session
            .sparklines(&actor, &ids, now)
            .expect("sparklines")
            .is_empty()
    );
}
