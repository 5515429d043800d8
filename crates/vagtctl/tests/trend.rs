//! `vagtctl plot`: a citizen's trend written as SVG, PNG and PDF, as a GP gets it.

mod common;

use common::{demo_at_fixed_end, json_of, json_of_failure, vagtctl};
use std::path::Path;

#[test]
fn a_trend_is_plotted_as_svg_png_and_pdf_with_the_limits_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("trend.db");
    demo_at_fixed_end(&db, "12", "30");
    let open = json_of(&vagtctl(&db, &["--json", "alarms", "--open"]));
    // A citizen in an exacerbation (a rise of the suggested level).
    let citizen = open
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["kind"] == "level_rise")
        .and_then(|a| a["citizen_id"].as_str())
        .expect("a citizen with a rise")
        .to_owned();
    // A plan revision: the SpO2 band steps at it.
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "[limits.spo2]\nyellow_low = 92\nred_low = 88\n").expect("write");
    json_of(&vagtctl(
        &db,
        &[
            "--json",
            "plan",
            "import",
            &citizen,
            plan.to_str().expect("utf8"),
            "--reason",
            "strammere grænser",
        ],
    ));
    let svg_path = dir.path().join("trend.svg");
    // The window ends a month after the revision, so its step is well inside.
    let at = vagt_core::Timestamp::now()
        .plus_millis(30 * 86_400_000)
        .to_rfc3339();
    let plotted = json_of(&vagtctl(
        &db,
        &[
            "--json",
            "--as",
            "nurse-eva",
            "plot",
            &citizen,
            "--range",
            "90d",
            "--at",
            &at,
            "--out",
            svg_path.to_str().expect("utf8"),
        ],
    ));
    let panels: Vec<&str> = plotted["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .map(|p| match p["panel"]["kind"].as_str() {
            Some("parameter") => p["panel"]["parameter"].as_str().unwrap_or(""),
            other => other.unwrap_or(""),
        })
        .collect();
    assert!(panels.contains(&"spo2"), "{panels:?}");
    assert!(
        plotted["points"].as_u64().is_some_and(|n| n > 30),
        "{plotted}"
    );
    let svg = std::fs::read_to_string(&svg_path).expect("svg written");
    assert!(svg.starts_with("<svg") && svg.contains("id=\"panel-spo2\""));
    // The defaults until the revision, the revision after: two yellow SpO2 bands.
    let spo2 = svg
        .split("id=\"panel-spo2\"")
        .nth(1)
        .and_then(|rest| rest.split("</g>").next())
        .expect("the SpO2 panel");
    assert_eq!(spo2.matches("fill=\"#FFF1B8\"").count(), 2, "{spo2}");
    assert!(svg.contains("plan rev. 1, "), "the limits' source is named");

    for (name, magic) in [("trend.png", &b"\x89PNG"[..]), ("trend.pdf", &b"%PDF-"[..])] {
        let path = dir.path().join(name);
        let out = vagtctl(
            &db,
            &[
                "plot",
                &citizen,
                "--range",
                "30d",
                "--out",
                path.to_str().expect("utf8"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::read(&path).expect("written").starts_with(magic),
            "{name}"
        );
    }

    let wrong_file = vagtctl(&db, &["--json", "plot", &citizen, "--out", "trend.txt"]);
    assert_eq!(wrong_file.status.code(), Some(2));
    assert_eq!(json_of_failure(&wrong_file)["error"]["code"], "bad_output");
    let wrong_range = vagtctl(
        &db,
        &[
            "--json", "plot", &citizen, "--range", "5w", "--out", "x.svg",
        ],
    );
    assert_eq!(wrong_range.status.code(), Some(2));
    assert_eq!(json_of_failure(&wrong_range)["error"]["code"], "bad_range");
    assert!(!Path::new("x.svg").exists() && !Path::new("trend.txt").exists());

    let audit = json_of(&vagtctl(&db, &["--json", "audit", "--limit", "50"]));
    assert!(
        audit["entries"].as_array().expect("list").iter().any(|e| {
            e["action"] == "trend.read"
                && e["actor"] == "nurse-eva"
                && e["subject_id"] == citizen.as_str()
        }),
        "{audit}"
    );
}
