//! The handover as a printable document: A4 pages drawn as SVG with the shipped font and made
//! into one PDF by the same path as the trend exports ([`vagt_plot::pdf_pages`]), with the
//! small trend of each unstable citizen. Every text is the catalogue's, in the nurse's
//! language.

use crate::handover::{Handover, HandoverCitizen};
use crate::{AppError, Session};
use std::collections::BTreeMap;
use vagt_core::handover::{HandoverAction, SeverityReason};
use vagt_core::i18n::{Catalogue, Language};
use vagt_core::limits::Triage;
use vagt_core::{Parameter, Timestamp};
use vagt_plot::document::{BODY, LINE, MARGIN, MUTED, Mark, Pages, TEXT};
use vagt_plot::{A4_POINTS, Layout, TrendRange, Words};
use vagt_store::Actor;

/// The small trend's width: the page's text width, a little indented.
const TREND_WIDTH: f32 = A4_POINTS.0 - 2.0 * MARGIN - 14.0;
/// A small trend: a third of the page at most, so a citizen and their trend share it.
const TREND_MAX_HEIGHT: f32 = 270.0;

/// The handover's phrases, in the plots' wording.
trait Phrases {
    /// [`Words::fill`] with values made for the purpose.
    fn with(&self, key: &str, values: &[(&str, String)]) -> String;
    fn level(&self, level: Option<vagt_core::EcmLevel>) -> String;
    fn reason(&self, reason: &SeverityReason) -> String;
    fn action(&self, action: &HandoverAction) -> String;
}

impl Phrases for Words<'_> {
    fn with(&self, key: &str, values: &[(&str, String)]) -> String {
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.fill(key, &values)
    }

    fn level(&self, level: Option<vagt_core::EcmLevel>) -> String {
        level.map_or_else(|| "–".to_owned(), |l| format!("ECM{}", l.get()))
    }

    fn reason(&self, reason: &SeverityReason) -> String {
        match reason {
            SeverityReason::Level { level } => self.with(
                "handover.reason.level",
                &[("level", level.get().to_string())],
            ),
            SeverityReason::LevelRose { from, to } => self.with(
                "handover.reason.level_rose",
                &[
                    ("from", from.get().to_string()),
                    ("to", to.get().to_string()),
                ],
            ),
            SeverityReason::News2 { total, .. } => {
                self.with("handover.reason.news2", &[("total", total.to_string())])
            }
            SeverityReason::OpenAlarm { priority } => self.with(
                "handover.reason.open_alarm",
                &[(
                    "priority",
                    self.get(&format!("alarms.priority.{}", priority.code())),
                )],
            ),
            SeverityReason::BaselineDrift => self.get("handover.reason.baseline_drift"),
            SeverityReason::OpenDispatch => self.get("handover.reason.open_dispatch"),
            SeverityReason::CallBackDue => self.get("handover.reason.call_back_due"),
        }
    }

    fn action(&self, action: &HandoverAction) -> String {
        let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| self.get("handover.nobody"));
        let what = match action {
            HandoverAction::OpenDispatch {
                owner: o, state, ..
            } => self.with(
                "handover.action.open_dispatch",
                &[
                    (
                        "state",
                        self.get(&format!("dispatch.state.{}", state.code())),
                    ),
                    ("owner", owner(o)),
                ],
            ),
            HandoverAction::CallBackDue { owner: o, .. } => {
                self.with("handover.action.call_back_due", &[("owner", owner(o))])
            }
            HandoverAction::UnacknowledgedAlarm {
                alarm,
                priority,
                count,
                ..
            } => self.with(
                "handover.action.alarm",
                &[
                    ("count", count.to_string()),
                    ("alarm", self.get(&format!("alarms.kind.{}", alarm.code()))),
                    (
                        "priority",
                        self.get(&format!("alarms.priority.{}", priority.code())),
                    ),
                ],
            ),
        };
        format!("{}  {what}", self.day_time(action.at()))
    }
}

const ALERT: &str = "#B71C1C";

fn severity_fill(c: &HandoverCitizen) -> &'static str {
    match c.severity {
        vagt_core::handover::IllnessSeverity::Unstable => "#E57373",
        vagt_core::handover::IllnessSeverity::Watcher => "#FFCC80",
        vagt_core::handover::IllnessSeverity::Stable => "#C8E6C9",
    }
}

fn citizen_block(
    pages: &mut Pages,
    words: &Words<'_>,
    c: &HandoverCitizen,
    trend: Option<(String, u32, u32)>,
) {
    // Keep a citizen's heading with the lines under it.
    pages.room_for(5.0 * LINE);
    pages.put(Mark::Rule { y: pages.y });
    pages.y += 6.0;
    let severity = words.get(&format!("handover.severity.{}", c.severity.code()));
    pages.put(Mark::Chip {
        x: MARGIN,
        y: pages.y,
        width: 66.0,
        fill: severity_fill(c),
    });
    pages.put(Mark::Text {
        x: MARGIN + 4.0,
        y: pages.y + 10.0,
        size: 9.0,
        bold: true,
        colour: TEXT,
        text: severity.to_uppercase(),
    });
    let diagnoses: Vec<String> = c
        .diagnoses
        .iter()
        .map(|d| words.get(&format!("diagnosis.{}", d.code())))
        .collect();
    pages.put(Mark::Text {
        x: MARGIN + 74.0,
        y: pages.y + 10.5,
        size: 11.0,
        bold: true,
        colour: TEXT,
        text: format!("{}  ({})  {}", c.name, c.citizen_id, diagnoses.join(", ")),
    });
    pages.y += 17.0;
    let x = MARGIN + 8.0;
    let reasons: Vec<String> = c.reasons.iter().map(|r| words.reason(r)).collect();
    if !reasons.is_empty() {
        pages.text(x, BODY, false, MUTED, &reasons.join(" · "));
    }
    if let Some(nurse) = &c.nurse_severity {
        let rule = words.get(&format!("handover.severity.{}", c.rule_severity.code()));
        let line = words.with(
            "handover.nurse_severity",
            &[("nurse", nurse.by.clone()), ("rule", rule)],
        );
        pages.text(x, BODY, false, TEXT, &line);
    }
    if c.carried_over {
        pages.text(x, BODY, true, ALERT, &words.get("handover.carried"));
    }
    let levels = words.with(
        "handover.levels",
        &[
            ("confirmed", words.level(c.confirmed_level)),
            ("suggested", words.level(c.suggested_level)),
            ("start", words.level(c.level_at_start)),
        ],
    );
    pages.text(x, BODY, false, TEXT, &levels);
    let latest: Vec<String> = c
        .latest
        .iter()
        .map(|(parameter, r)| {
            format!(
                "{} {} {} ({})",
                words.get(&format!("parameter.{}", parameter.code())),
                words.number(r.value, parameter.display_decimals()),
                parameter.display_unit(),
                words.day_time(r.effective_at)
            )
            .replace("  (", " (")
        })
        .collect();
    if !latest.is_empty() {
        pages.text(x, BODY, false, TEXT, &latest.join(" · "));
    }
    if c.calls_in_shift + c.visits_in_shift > 0 {
        let line = words.with(
            "handover.in_shift",
            &[
                ("calls", c.calls_in_shift.to_string()),
                ("visits", c.visits_in_shift.to_string()),
            ],
        );
        pages.text(x, BODY, false, TEXT, &line);
    }
    for action in &c.actions {
        pages.text(x, BODY, false, TEXT, &format!("• {}", words.action(action)));
    }
    if let Some(note) = &c.contingency {
        let line = words.with(
            "handover.contingency",
            &[
                ("nurse", format!("{}, {}", note.by, words.day_time(note.at))),
                ("text", note.value.clone()),
            ],
        );
        pages.text(x, BODY, true, TEXT, &line);
    }
    let signed = match &c.signed {
        Some(s) => words.with(
            "handover.signed",
            &[("nurse", s.by.clone()), ("at", words.day_time(s.at))],
        ),
        None => words.get("handover.unsigned"),
    };
    pages.text(x, BODY, false, MUTED, &signed);
    if let Some((svg, width, height)) = trend {
        let scale = (TREND_WIDTH / width as f32).min(TREND_MAX_HEIGHT / height as f32);
        let (box_width, box_height) = (width as f32 * scale, height as f32 * scale);
        pages.room_for(box_height + LINE);
        pages.text(x, BODY, true, MUTED, &words.get("handover.trend"));
        pages.put(Mark::Svg {
            x,
            y: pages.y,
            width: box_width,
            height: box_height,
            svg,
            view: (width, height),
        });
        pages.y += box_height;
    }
    pages.y += 6.0;
}

/// The handover's pages as SVG, each A4, numbered.
pub fn handover_pages(
    handover: &Handover,
    trends: &[(vagt_core::CitizenId, String, u32, u32)],
    catalogue: &Catalogue,
    language: Language,
) -> Vec<String> {
    let words = Words::new(catalogue, language);
    let mut pages = Pages::new();
    let count = words.fill_count(
        "handover.count",
        handover.citizens.len(),
        &[
            ("count", &handover.citizens.len().to_string()),
            ("quiet", &handover.quiet.to_string()),
        ],
    );
    pages.text(MARGIN, 10.0, false, TEXT, &count);
    let signers = if handover.signers.is_empty() {
        words.get("handover.not_signed")
    } else {
        words.with(
            "handover.signers",
            &[("names", handover.signers.join(", "))],
        )
    };
    pages.text(MARGIN, 10.0, false, TEXT, &signers);
    if !handover.previous.signed {
        pages.text(
            MARGIN,
            10.0,
            true,
            ALERT,
            &words.get("handover.previous.never"),
        );
    } else if handover.previous.unsigned > 0 {
        let unsigned = handover.previous.unsigned;
        let line = words.fill_count(
            "handover.previous.unsigned",
            unsigned,
            &[("count", &unsigned.to_string())],
        );
        pages.text(MARGIN, 10.0, true, ALERT, &line);
    }
    pages.y += 6.0;
    for c in &handover.citizens {
        let trend = trends
            .iter()
            .find(|(id, ..)| id == &c.citizen_id)
            .map(|(_, svg, w, h)| (svg.clone(), *w, *h));
        citizen_block(&mut pages, &words, c, trend);
    }
    pages.room_for(3.0 * LINE);
    pages.put(Mark::Rule { y: pages.y });
    pages.y += 8.0;
    // Everyone with a call or visit in the shift is heard about, so has a name here.
    let name_of = |id: &vagt_core::CitizenId| {
        handover
            .citizens
            .iter()
            .find(|c| &c.citizen_id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    let calls = words.with(
        "handover.calls",
        &[("count", handover.calls.len().to_string())],
    );
    pages.text(MARGIN, 11.0, true, TEXT, &calls);
    for call in &handover.calls {
        let who = call.citizen_id.as_ref().map_or_else(
            || {
                format!(
                    "{} {}",
                    words.get("handover.unknown_caller"),
                    call.caller_name
                )
            },
            name_of,
        );
        let line = format!(
            "{}  {who}: {} ({})",
            words.time(call.started_at),
            call.reason,
            call.nurse
        );
        pages.text(MARGIN + 8.0, BODY, false, TEXT, &line);
    }
    pages.y += 4.0;
    let visits = words.with(
        "handover.visits",
        &[("count", handover.visits.len().to_string())],
    );
    pages.text(MARGIN, 11.0, true, TEXT, &visits);
    for visit in &handover.visits {
        let line = format!(
            "{}–{}  {}: {} ({})",
            words.time(visit.arrived_at),
            words.time(visit.left_at),
            name_of(&visit.citizen_id),
            words.get(&format!("visit.outcome.{}", visit.outcome.code())),
            visit.nurse
        );
        pages.text(MARGIN + 8.0, BODY, false, TEXT, &line);
    }

    let header = format!(
        "{}  {}",
        words.get("handover.title"),
        words.with(
            "handover.span",
            &[
                ("from", words.day_time(handover.from)),
                ("to", words.day_time(handover.to))
            ]
        )
    );
    pages.finish(&header, |n, total| {
        format!(
            "{} · {}",
            words.with(
                "handover.page",
                &[("page", n.to_string()), ("pages", total.to_string())]
            ),
            words.with("handover.made", &[("at", words.day_time(handover.made_at))])
        )
    })
}

impl Session {
    /// The handover of a shift as A4 pages (SVG), with the small trend of each unstable
    /// citizen (a person served by MAS only has none). Returns the handover they show.
    pub fn handover_document(
        &self,
        actor: &Actor,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        language: Language,
    ) -> Result<(Handover, Vec<String>), AppError> {
        let handover = self.handover(actor, from, to)?;
        let now = Timestamp::now();
        let mut trends = Vec::new();
        for c in &handover.citizens {
            // Unstable by the rule or by the nurse: a nurse's lower judgement keeps the trend.
            let unstable = vagt_core::handover::IllnessSeverity::Unstable;
            if (c.severity != unstable && c.rule_severity != unstable) || c.mas_only {
                continue;
            }
            let drawn = match self.small_trend(actor, c, language, now) {
                Ok(drawn) => drawn,
                // A first sync is loading the readings: the handover goes without its trends
                // (the status bar says why) rather than not at all.
                Err(AppError::Store(vagt_store::StoreError::BulkLoadUnderWay)) => continue,
                Err(e) => return Err(e),
            };
            trends.push((c.citizen_id.clone(), drawn.svg, drawn.width, drawn.height));
        }
        let catalogue =
            Catalogue::builtin().map_err(|e| AppError::invalid("internal", e.to_string()))?;
        let pages = handover_pages(&handover, &trends, &catalogue, language);
        Ok((handover, pages))
    }

    /// The handover's pages as one PDF, made as the trend exports are.
    pub fn handover_pdf(
        &self,
        actor: &Actor,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        language: Language,
    ) -> Result<(Handover, Vec<u8>), AppError> {
        let (handover, pages) = self.handover_document(actor, from, to, language)?;
        let bytes = vagt_plot::pdf_pages(&pages).map_err(|e| {
            tracing::error!(error = %e, "handover PDF failed");
            AppError::Plot(e)
        })?;
        // Health data leaves the store as a file: audited apart from the reads.
        self.store()?.audit(
            actor,
            "handover.export",
            None,
            Some(&serde_json::json!({
                "from": handover.from.millis(),
                "to": handover.to.millis(),
                "citizens": handover.citizens.len(),
            })),
        )?;
        Ok((handover, bytes))
    }

    /// Writes the handover's PDF into `dir` (made if missing), named by the time it was made,
    /// whole or not at all; returns its path.
    pub fn export_handover_pdf_to(
        &self,
        actor: &Actor,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        language: Language,
        dir: &std::path::Path,
    ) -> Result<std::path::PathBuf, AppError> {
        let (handover, bytes) = self.handover_pdf(actor, from, to, language)?;
        crate::trend::write_export(dir, "Vagt-overlevering", &bytes, handover.made_at)
    }
}

/// How many parameters a small trend shows.
const SMALL_TREND_PARAMETERS: usize = 3;

impl Session {
    /// The last 7 days of the parameters that tell most (the worst coloured by the plan in
    /// force now, the diagnosis's usual one before others of the same colour), with the
    /// levels and events: small enough to read beside the citizen's lines.
    fn small_trend(
        &self,
        actor: &Actor,
        c: &HandoverCitizen,
        language: Language,
        now: Timestamp,
    ) -> Result<vagt_plot::Rendered, AppError> {
        let mut source =
            self.trend_source(actor, &c.citizen_id, TrendRange::Days7, language, now)?;
        let usual = crate::trend::usual_parameter(&c.diagnoses);
        let mut worst: BTreeMap<Parameter, Triage> = BTreeMap::new();
        if let Some(step) = source.plans.last() {
            for r in &source.readings {
                let triage = step
                    .plan
                    .thresholds
                    .get(&r.parameter)
                    .map_or(Triage::Green, |t| t.classify(r.value));
                let entry = worst.entry(r.parameter).or_insert(Triage::Green);
                *entry = (*entry).max(triage);
            }
        }
        let mut ranked: Vec<(Triage, bool, Parameter)> = worst
            .into_iter()
            .map(|(p, triage)| (triage, p == usual, p))
            .collect();
        ranked.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(&b.2)));
        let shown: Vec<Parameter> = ranked
            .into_iter()
            .take(SMALL_TREND_PARAMETERS)
            .map(|(_, _, p)| p)
            .collect();
        source.readings.retain(|r| shown.contains(&r.parameter));
        // A scheduled parameter gets a panel of its own even when empty: only those shown.
        for step in &mut source.plans {
            step.plan.schedule.retain(|p, _| shown.contains(p));
        }
        let layout = Layout {
            width: 900,
            panel_height: 90,
        };
        crate::trend::render(&source, language, layout)
    }
}
