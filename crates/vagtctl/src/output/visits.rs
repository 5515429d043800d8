//! Text for people at a terminal: MAS visits and the medicine box.

use std::io::{self, Write};
use vagt_core::medicine::BoxedMedicine;
use vagt_core::visit::VisitRecord;

pub fn visits_table(w: &mut dyn Write, visits: &[VisitRecord]) -> io::Result<()> {
    writeln!(
        w,
        "{:<20} {:<13} {:<12} {:<6} {:<20} plan",
        "arrived", "citizen", "nurse", "NEWS2", "outcome"
    )?;
    for visit in visits {
        writeln!(
            w,
            "{:<20} {:<13} {:<12} {:<6} {:<20} {}",
            visit.arrived_at.to_rfc3339().get(..19).unwrap_or_default(),
            visit.citizen_id.as_str(),
            visit.nurse,
            visit.news2().total,
            visit.outcome.code(),
            visit.plan
        )?;
    }
    Ok(())
}

pub fn visit_text(w: &mut dyn Write, visit: &VisitRecord) -> io::Result<()> {
    let v = &visit.vitals;
    let score = visit.news2();
    writeln!(w, "visit {}", visit.key)?;
    writeln!(
        w,
        "  {} – {} by {}, citizen {}",
        visit.arrived_at, visit.left_at, visit.nurse, visit.citizen_id
    )?;
    if let Some(dispatch) = &visit.dispatch_key {
        writeln!(w, "  dispatch {dispatch}")?;
    }
    writeln!(
        w,
        "  RR {} · SpO2 {} %{} · BP {}/{} · pulse {} · {:?} · {} °C",
        v.respiratory_rate,
        v.spo2,
        if v.on_oxygen { " on oxygen" } else { "" },
        v.systolic_bp,
        v.diastolic_bp,
        v.pulse,
        v.consciousness,
        v.temperature
    )?;
    writeln!(
        w,
        "  NEWS2 {} ({:?}, SpO2 {}), exact",
        score.total,
        score.risk,
        visit.spo2_scale.code()
    )?;
    if let Some(crp) = visit.samples.crp {
        writeln!(w, "  CRP {crp} mg/L")?;
    }
    if let Some(gas) = visit.samples.blood_gas {
        writeln!(
            w,
            "  blood gas pH {} · pCO2 {} kPa · pO2 {} kPa",
            gas.ph, gas.pco2_kpa, gas.po2_kpa
        )?;
    }
    if visit.samples.sputum_sent {
        writeln!(w, "  sputum sent for culture")?;
    }
    for t in &visit.treatments {
        let from = if t.from_box.is_some() {
            " (medicine box)"
        } else {
            ""
        };
        writeln!(w, "  given: {} {} {}{from}", t.drug, t.dose, t.route.code())?;
    }
    if visit.e_doctor_consulted {
        writeln!(w, "  e-doctor consulted")?;
    }
    writeln!(w, "  outcome: {}", visit.outcome.code())?;
    writeln!(w, "  plan: {}", visit.plan)?;
    if !visit.notes.is_empty() {
        writeln!(w, "  notes: {}", visit.notes)?;
    }
    Ok(())
}

pub fn medicine_box_table(w: &mut dyn Write, medicine: &[BoxedMedicine]) -> io::Result<()> {
    if medicine.is_empty() {
        return writeln!(w, "the medicine box is empty");
    }
    for (i, drug) in medicine.iter().enumerate() {
        writeln!(
            w,
            "{}. {} ({})",
            i + 1,
            drug.drug,
            drug.atc.as_deref().unwrap_or("-")
        )?;
        writeln!(w, "   {}", drug.dose)?;
        if !drug.when_to_start.is_empty() {
            writeln!(w, "   start {}", drug.when_to_start)?;
        }
    }
    Ok(())
}
