use super::*;
use crate::citizen::Diagnosis;
use crate::limits::Triage;
use crate::news2::SpO2Scale;
use crate::parameter::Parameter;
use crate::time_util::MILLIS_PER_HOUR;

fn parse(text: &str) -> Result<PlanDocument, PlanError> {
    parse_plan_document(text, DocumentFormat::Toml)
}

fn resolve_over(diagnoses: &[Diagnosis], overrides: &str) -> Result<TriagePlan, PlanError> {
    resolve(&defaults_for(diagnoses)?, &parse(overrides)?)
}

fn limits(plan: &TriagePlan, p: Parameter) -> [Option<f64>; 4] {
    let t = &plan.thresholds[&p];
    [t.yellow_low, t.yellow_high, t.red_low, t.red_high]
}

#[test]
fn shipped_defaults_parse_and_every_combination_resolves() {
    let defaults = DefaultPlans::parse(DEFAULTS_TOML, DocumentFormat::Toml).unwrap();
    assert_eq!(defaults.groups.len(), 3);
    assert_eq!(DefaultPlans::builtin().unwrap(), &defaults);

    let copd = TriagePlan::defaults(&[Diagnosis::Copd]).unwrap();
    assert_eq!(
        limits(&copd, Parameter::Spo2),
        [Some(90.0), None, Some(86.0), None]
    );
    assert_eq!(
        copd.schedule[&Parameter::Spo2],
        Schedule {
            every_ms: 24 * MILLIS_PER_HOUR,
            grace_ms: 6 * MILLIS_PER_HOUR
        }
    );
    assert_eq!(copd.levels, LevelMapping::default());
    assert_eq!(copd.engine, EngineSettings::default());
    let ids: Vec<&str> = copd.relative.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["fev1_below_7d_median"]);

    let hf = TriagePlan::defaults(&[Diagnosis::HeartFailure]).unwrap();
    assert_eq!(
        limits(&hf, Parameter::Spo2),
        [Some(92.0), None, Some(88.0), None],
        "common SpO2 without COPD"
    );
    assert_eq!(
        hf.relative[0].kind,
        RelativeKind::Rise { amount: 2.0 },
        "weight up more than 2 kg"
    );
    assert_eq!(hf.relative[0].window_ms, 72 * MILLIS_PER_HOUR);

    let both =
        TriagePlan::defaults(&[Diagnosis::HeartFailure, Diagnosis::Copd, Diagnosis::Copd]).unwrap();
    let ids: Vec<&str> = both.relative.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["fev1_below_7d_median", "weight_gain_3d"]);
    assert_eq!(limits(&both, Parameter::Spo2)[0], Some(90.0));
    assert!(both.thresholds.contains_key(&Parameter::SystolicBp));
    assert!(both.schedule.contains_key(&Parameter::Weight));
    assert!(both.schedule.contains_key(&Parameter::Fev1));

    let none = TriagePlan::defaults(&[]).unwrap();
    assert!(none.relative.is_empty());
    assert!(none.thresholds.contains_key(&Parameter::Pulse));
}

const TWO_GROUPS: &str = r#"
    [copd.limits.spo2]
    yellow_low = 90
    red_low = 86
    [copd.limits.pulse]
    yellow_high = 110
    [copd.schedule.spo2]
    every_hours = 24
    grace_hours = 6
    [[copd.relative]]
    id = "weight_gain_3d"
    parameter = "weight"
    kind = "rise"
    amount = 2.0
    window_hours = 72

    [heart_failure.limits.spo2]
    yellow_low = 92
    red_low = 85
    [heart_failure.limits.pulse]
    yellow_high = 100
    red_high = 120
    [heart_failure.schedule.spo2]
    every_hours = 12
    grace_hours = 8
    [[heart_failure.relative]]
    id = "weight_gain_3d"
    parameter = "weight"
    kind = "rise"
    amount = 1.5
    window_hours = 48
    colour = "red"
"#;

#[test]
fn several_diagnoses_merge_to_the_tighter_value() {
    let defaults = DefaultPlans::parse(TWO_GROUPS, DocumentFormat::Toml).unwrap();
    let copd = &defaults.groups[&Diagnosis::Copd];
    let hf = &defaults.groups[&Diagnosis::HeartFailure];
    assert_eq!(
        merge_tighter(copd, hf),
        merge_tighter(hf, copd),
        "order-free"
    );

    let doc = defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::HeartFailure]);
    let plan = resolve(&doc, &PlanDocument::default()).unwrap();
    // The higher low limits and the lower high limits.
    assert_eq!(
        limits(&plan, Parameter::Spo2),
        [Some(92.0), None, Some(86.0), None]
    );
    assert_eq!(
        limits(&plan, Parameter::Pulse),
        [None, Some(100.0), None, Some(120.0)]
    );
    assert_eq!(
        plan.schedule[&Parameter::Spo2],
        Schedule {
            every_ms: 12 * MILLIS_PER_HOUR,
            grace_ms: 6 * MILLIS_PER_HOUR
        }
    );
    let rule = &plan.relative[0];
    assert_eq!(rule.kind, RelativeKind::Rise { amount: 1.5 });
    assert_eq!(rule.window_ms, 72 * MILLIS_PER_HOUR);
    assert_eq!(rule.colour, Triage::Red);
}

#[test]
fn groups_must_agree_on_what_a_rule_id_means() {
    let text = r#"
        [[copd.relative]]
        id = "gain"
        parameter = "weight"
        kind = "rise"
        amount = 2.0
        window_hours = 72
        [[diabetes.relative]]
        id = "gain"
        parameter = "blood_glucose"
        kind = "rise"
        amount = 5.0
        window_hours = 72
    "#;
    assert_eq!(
        DefaultPlans::parse(text, DocumentFormat::Toml),
        Err(PlanError::ConflictingRule {
            id: "gain".into(),
            first: "copd",
            second: "diabetes"
        })
    );
}

#[test]
fn a_citizens_override_wins_and_off_removes() {
    let plan = resolve_over(
        &[Diagnosis::Copd, Diagnosis::HeartFailure],
        r#"
        version = 1
        [engine]
        hold_hours = 12
        [limits.spo2]
        yellow_low = 88
        red_low = 84
        [limits.temperature]
        off = true
        [schedule.cat_score]
        off = true
        [schedule.weight]
        grace_hours = 2
        [[relative]]
        id = "fev1_below_7d_median"
        off = true
        [[relative]]
        id = "weight_gain_3d"
        amount = 1.5
        "#,
    )
    .unwrap();
    assert_eq!(plan.engine.hold_ms, 12 * MILLIS_PER_HOUR);
    assert_eq!(
        limits(&plan, Parameter::Spo2),
        [Some(88.0), None, Some(84.0), None],
        "looser than the default, and still wins"
    );
    assert!(!plan.thresholds.contains_key(&Parameter::Temperature));
    assert!(!plan.schedule.contains_key(&Parameter::CatScore));
    assert_eq!(
        plan.schedule[&Parameter::Weight],
        Schedule {
            every_ms: 24 * MILLIS_PER_HOUR,
            grace_ms: 2 * MILLIS_PER_HOUR
        }
    );
    assert_eq!(plan.relative.len(), 1);
    assert_eq!(plan.relative[0].kind, RelativeKind::Rise { amount: 1.5 });
    assert_eq!(plan.relative[0].window_ms, 72 * MILLIS_PER_HOUR);
}

#[test]
fn a_merge_that_leaves_yellow_outside_red_is_refused() {
    // The default yellow_low is 90; a red_low of 91 alone would make yellow unreachable.
    let err = resolve_over(&[Diagnosis::Copd], "[limits.spo2]\nred_low = 91").unwrap_err();
    assert_eq!(
        err,
        PlanError::YellowOutsideRed {
            yellow_field: "limits.spo2.yellow_low".into(),
            yellow: 90.0,
            red_field: "limits.spo2.red_low".into(),
            red: 91.0
        }
    );
    assert!(
        err.to_string().contains("limits.spo2.yellow_low = 90"),
        "{err}"
    );
}

#[test]
fn documents_are_refused_with_clear_errors() {
    let cases: &[(&str, PlanError)] = &[
        (
            "[limits.spo3]\nyellow_low = 90",
            PlanError::UnknownParameter {
                section: "limits".into(),
                name: "spo3".into(),
            },
        ),
        (
            "[limits.spo2]\nyellow_low = 85\nred_low = 88",
            PlanError::YellowOutsideRed {
                yellow_field: "limits.spo2.yellow_low".into(),
                yellow: 85.0,
                red_field: "limits.spo2.red_low".into(),
                red: 88.0,
            },
        ),
        (
            "[limits.pulse]\nyellow_high = 130\nred_high = 120",
            PlanError::YellowOutsideRed {
                yellow_field: "limits.pulse.yellow_high".into(),
                yellow: 130.0,
                red_field: "limits.pulse.red_high".into(),
                red: 120.0,
            },
        ),
        (
            "[limits.pulse]\nyellow_low = 100\nyellow_high = 90",
            PlanError::LowNotBelowHigh {
                low_field: "limits.pulse.yellow_low".into(),
                low: 100.0,
                high_field: "limits.pulse.yellow_high".into(),
                high: 90.0,
            },
        ),
        (
            "[schedule.spo2]\nevery_hours = -24",
            PlanError::NotPositive {
                field: "schedule.spo2.every_hours".into(),
                value: -24.0,
            },
        ),
        (
            "[schedule.spo2]\nevery_hours = 0",
            PlanError::NotPositive {
                field: "schedule.spo2.every_hours".into(),
                value: 0.0,
            },
        ),
        (
            "[schedule.spo2]\nevery_hours = 24\ngrace_hours = -1",
            PlanError::Negative {
                field: "schedule.spo2.grace_hours".into(),
                value: -1.0,
            },
        ),
        (
            "[engine]\nlookback_hours = 0",
            PlanError::NotPositive {
                field: "engine.lookback_hours".into(),
                value: 0.0,
            },
        ),
        (
            "[limits.spo2]\nyellow_low = nan",
            PlanError::NotFinite {
                field: "limits.spo2.yellow_low".into(),
                value: f64::NAN,
            },
        ),
        (
            "version = 2",
            PlanError::UnsupportedVersion {
                found: 2,
                supported: 1,
            },
        ),
        (
            "[limits.spo2]\noff = true\nred_low = 80",
            PlanError::OffWithValues {
                field: "limits.spo2".into(),
            },
        ),
        (
            "[[relative]]\nid = \"w\"\nkind = \"rise\"\npercent = 10",
            PlanError::FieldNotAllowed {
                field: "relative.w.percent".into(),
                kind: "rise",
            },
        ),
        (
            "[[relative]]\nid = \"w\"\npercent = 120",
            PlanError::OutOfRange {
                field: "relative.w.percent".into(),
                value: 120.0,
                low: 0.0,
                high: 100.0,
            },
        ),
        (
            "[[relative]]\nid = \"w\"\ncolour = \"green\"",
            PlanError::GreenRule {
                field: "relative.w.colour".into(),
            },
        ),
        (
            "[[relative]]\nid = \"Weight gain\"",
            PlanError::BadRuleId {
                id: "Weight gain".into(),
            },
        ),
        (
            "[[relative]]\nid = \"w\"\n[[relative]]\nid = \"w\"",
            PlanError::DuplicateRule { id: "w".into() },
        ),
        (
            "[[relative]]\nid = \"w\"\nparameter = \"wieght\"",
            PlanError::UnknownParameter {
                section: "relative.w".into(),
                name: "wieght".into(),
            },
        ),
    ];
    for (text, want) in cases {
        match (parse(text), want) {
            // NaN != NaN, so compare the field only.
            (Err(PlanError::NotFinite { field, .. }), PlanError::NotFinite { field: want, .. }) => {
                assert_eq!(&field, want)
            }
            (got, want) => assert_eq!(got.as_ref(), Err(want), "{text}"),
        }
    }
    // Typos and out-of-range levels are syntax errors that name the culprit.
    let typo = parse("[limits.spo2]\nyelow_low = 90").unwrap_err();
    assert!(
        matches!(&typo, PlanError::Toml(m) if m.contains("yelow_low")),
        "{typo}"
    );
    let level = parse("[levels]\nany_red = 9").unwrap_err();
    assert!(
        matches!(&level, PlanError::Toml(m) if m.contains("ECM level must be 1 to 6")),
        "{level}"
    );
}

#[test]
fn incomplete_or_inconsistent_plans_do_not_resolve() {
    let missing = resolve_over(
        &[],
        "[[relative]]\nid = \"pulse_rise\"\nparameter = \"pulse\"\nkind = \"rise\"\nwindow_hours = 24",
    );
    assert_eq!(
        missing,
        Err(PlanError::MissingField {
            field: "relative.pulse_rise.amount".into()
        })
    );
    let no_interval = resolve_over(&[], "[schedule.crp]\ngrace_hours = 2");
    assert_eq!(
        no_interval,
        Err(PlanError::MissingField {
            field: "schedule.crp.every_hours".into()
        })
    );
    let mapping = resolve_over(&[], "[levels]\none_yellow = 4\nany_red = 3");
    assert_eq!(
        mapping,
        Err(PlanError::MappingNotMonotone {
            lower: "one_yellow",
            lower_level: 4,
            higher: "two_yellows",
            higher_level: 3
        })
    );
}

#[test]
fn the_module_docs_example_parses_and_resolves() {
    let text = r#"
        version = 1
        [engine]
        hold_hours = 24
        lookback_hours = 72
        mas_visit_hold_hours = 48
        [levels]
        all_green = 1
        one_yellow = 2
        two_yellows = 3
        any_red = 3
        mas_visit = 4
        acute_bed = 5
        hospital = 6
        [limits.spo2]
        yellow_low = 90
        red_low = 86
        [schedule.spo2]
        every_hours = 24
        grace_hours = 6
        [[relative]]
        id = "fev1_below_7d_median"
        parameter = "fev1"
        kind = "below_median"
        percent = 20
        window_hours = 168
        min_readings = 3
        colour = "yellow"
        [[relative]]
        id = "weight_gain_3d"
        parameter = "weight"
        kind = "rise"
        amount = 2.0
        window_hours = 72
        [news2]
        spo2_scale = "scale2"
    "#;
    let doc = parse(text).unwrap();
    let plan = resolve(&PlanDocument::default(), &doc).unwrap();
    assert_eq!(plan.relative.len(), 2);
    assert_eq!(plan.relative[0].min_readings, 3);
    assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale2);
}

#[test]
fn the_news2_spo2_scale_is_scale_1_unless_a_plan_prescribes_scale_2() {
    // Scale 1 by default, for COPD too: a diagnosis alone does not mean Scale 2.
    for diagnoses in [&[][..], &[Diagnosis::Copd][..], &Diagnosis::ALL[..]] {
        let plan = TriagePlan::defaults(diagnoses).unwrap();
        assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale1, "{diagnoses:?}");
    }

    // It parses, and a citizen's override wins over the defaults.
    let doc = parse("[news2]\nspo2_scale = \"scale2\"").unwrap();
    assert_eq!(doc.news2.spo2_scale, Some(SpO2Scale::Scale2));
    let plan = resolve_over(&[Diagnosis::Copd], "[news2]\nspo2_scale = \"scale2\"").unwrap();
    assert_eq!(plan.news2_spo2_scale, SpO2Scale::Scale2);
    // ... and back: an override of Scale 1 over a layer that says Scale 2.
    let back = resolve(&doc, &parse("[news2]\nspo2_scale = \"scale1\"").unwrap()).unwrap();
    assert_eq!(back.news2_spo2_scale, SpO2Scale::Scale1);
    // An override without the table inherits it.
    let inherited = resolve(&doc, &parse("[engine]\nhold_hours = 12").unwrap()).unwrap();
    assert_eq!(inherited.news2_spo2_scale, SpO2Scale::Scale2);

    // It round-trips through TOML and JSON, as overrides and as a resolved plan.
    let toml_text = doc.to_toml().unwrap();
    assert!(
        toml_text.contains("[news2]") && toml_text.contains("spo2_scale = \"scale2\""),
        "{toml_text}"
    );
    assert_eq!(parse(&toml_text).unwrap(), doc);
    assert_eq!(
        parse_plan_document(&doc.to_json().unwrap(), DocumentFormat::Json).unwrap(),
        doc
    );
    let snapshot = plan.to_document();
    assert_eq!(snapshot.news2.spo2_scale, Some(SpO2Scale::Scale2));
    assert_eq!(
        resolve(
            &parse(&snapshot.to_toml().unwrap()).unwrap(),
            &PlanDocument::default()
        )
        .unwrap(),
        plan
    );
    // A document without the table writes none.
    assert!(!PlanDocument::default().to_toml().unwrap().contains("news2"));

    // Two diagnosis groups that disagree give Scale 1.
    let text = "[copd.news2]\nspo2_scale = \"scale2\"\n[diabetes.news2]\nspo2_scale = \"scale1\"";
    let defaults = DefaultPlans::parse(text, DocumentFormat::Toml).unwrap();
    let both = resolve(
        &defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::Diabetes]),
        &PlanDocument::default(),
    )
    .unwrap();
    assert_eq!(both.news2_spo2_scale, SpO2Scale::Scale1);
    let copd = resolve(
        &defaults.defaults_for(&[Diagnosis::Copd, Diagnosis::HeartFailure]),
        &PlanDocument::default(),
    )
    .unwrap();
    assert_eq!(
        copd.news2_spo2_scale,
        SpO2Scale::Scale2,
        "a group alone keeps its scale"
    );
}

#[test]
fn a_wrong_news2_spo2_scale_is_refused_naming_the_field() {
    for (text, value) in [
        ("[news2]\nspo2_scale = \"scale3\"", "scale3"),
        ("[news2]\nspo2_scale = \"Scale 2\"", "Scale 2"),
        ("[news2]\nspo2_scale = \"2\"", "2"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(
            err,
            PlanError::UnknownValue {
                field: "news2.spo2_scale".into(),
                value: value.into(),
                allowed: "scale1, scale2",
            }
        );
        assert!(
            err.to_string().contains("news2.spo2_scale")
                && err.to_string().contains("scale1, scale2"),
            "{err}"
        );
    }
    let json = parse_plan_document(
        r#"{"news2": {"spo2_scale": "scale9"}}"#,
        DocumentFormat::Json,
    );
    assert!(
        matches!(&json, Err(PlanError::UnknownValue { field, .. }) if field == "news2.spo2_scale"),
        "{json:?}"
    );
    // In the defaults file the field is named with its section.
    let defaults = DefaultPlans::parse(
        "[copd.news2]\nspo2_scale = \"scale0\"",
        DocumentFormat::Toml,
    );
    assert!(
        matches!(&defaults, Err(PlanError::UnknownValue { field, .. }) if field == "copd.news2.spo2_scale"),
        "{defaults:?}"
    );
    // A number, or a misspelt key, is a syntax error that names the culprit.
    let number = parse("[news2]\nspo2_scale = 2").unwrap_err();
    assert!(
        matches!(&number, PlanError::Toml(m) if m.contains("spo2_scale")),
        "{number}"
    );
    let typo = parse("[news2]\nspo2scale = \"scale2\"").unwrap_err();
    assert!(
        matches!(&typo, PlanError::Toml(m) if m.contains("spo2scale")),
        "{typo}"
    );
}

#[test]
fn resolved_plans_round_trip_through_toml_and_json() {
    let all = Diagnosis::ALL;
    for mask in 0u32..8 {
        let diagnoses: Vec<Diagnosis> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, d)| *d)
            .collect();
        let plan = TriagePlan::defaults(&diagnoses).unwrap();
        let doc = plan.to_document();
        let toml_text = doc.to_toml().unwrap();
        let from_toml = parse(&toml_text).unwrap();
        assert_eq!(from_toml, doc, "{toml_text}");
        assert_eq!(resolve(&from_toml, &PlanDocument::default()).unwrap(), plan);
        let json = doc.to_json().unwrap();
        assert_eq!(
            parse_plan_document(&json, DocumentFormat::Json).unwrap(),
            doc
        );
    }
    let text = TriagePlan::defaults(&[Diagnosis::Copd])
        .unwrap()
        .to_document()
        .to_toml()
        .unwrap();
    assert!(text.contains("[limits.spo2]"), "{text}");
    assert!(text.contains("[[relative]]"), "{text}");
}

#[test]
fn json_documents_are_accepted() {
    let doc = parse_plan_document(
        r#"{"limits": {"spo2": {"yellow_low": 88, "red_low": 85}}}"#,
        DocumentFormat::Json,
    )
    .unwrap();
    assert_eq!(doc.limits[&Parameter::Spo2].red_low, Some(85.0));
    assert!(matches!(
        parse_plan_document("{", DocumentFormat::Json),
        Err(PlanError::Json(_))
    ));
}
