//! Unit conversion at the edge: a value in whatever unit a source used becomes a value in the
//! parameter's canonical unit, or a clear error. UCUM codes are the norm (FHIR `valueQuantity.code`);
//! a few spellings that devices put in `unit` text are accepted too.

use crate::parameter::Parameter;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("unknown unit {unit:?}")]
    Unknown { unit: String },
    #[error(
        "unit {unit:?} cannot express {parameter} (expected something convertible to {expected:?})"
    )]
    WrongDimension {
        parameter: Parameter,
        unit: String,
        expected: &'static str,
    },
    #[error("value {value} is not a finite number")]
    NotFinite { value: f64 },
}

/// Physical dimension of a unit, so that a weight in mmHg is told apart from an unknown unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Fraction,
    Frequency,
    Volume,
    Temperature,
    Mass,
    Pressure,
    MolarConcentration,
    MassConcentration,
    Score,
}

/// How to turn a value in the unit into the dimension's canonical unit.
#[derive(Debug, Clone, Copy)]
enum Conversion {
    Scale(f64),
    Fahrenheit,
    Kelvin,
}

fn lookup(unit: &str) -> Option<(Dimension, Conversion)> {
    use Conversion::*;
    use Dimension::*;
    let found = match unit.trim() {
        "%" | "percent" => (Fraction, Scale(1.0)),
        "1" => (Fraction, Scale(100.0)),
        "/min" | "1/min" | "{beats}/min" | "{breaths}/min" | "{beat}/min" | "bpm" | "beats/min" => {
            (Frequency, Scale(1.0))
        }
        "/s" | "1/s" | "Hz" => (Frequency, Scale(60.0)),
        "L" | "l" => (Volume, Scale(1.0)),
        "mL" | "ml" => (Volume, Scale(0.001)),
        "dL" => (Volume, Scale(0.1)),
        "Cel" | "°C" | "degC" => (Temperature, Scale(1.0)),
        "[degF]" | "°F" | "degF" => (Temperature, Fahrenheit),
        "K" => (Temperature, Kelvin),
        "kg" => (Mass, Scale(1.0)),
        "g" => (Mass, Scale(0.001)),
        "[lb_av]" | "lb" | "lbs" => (Mass, Scale(0.453_592_37)),
        "[oz_av]" => (Mass, Scale(0.028_349_523_125)),
        "mm[Hg]" | "mmHg" => (Pressure, Scale(1.0)),
        "kPa" => (Pressure, Scale(7.500_615_75)),
        "Pa" => (Pressure, Scale(0.007_500_615_75)),
        "mmol/L" | "mmol/l" => (MolarConcentration, Scale(1.0)),
        "mg/L" | "mg/l" => (MassConcentration, Scale(1.0)),
        "mg/dL" | "mg/dl" => (MassConcentration, Scale(10.0)),
        "{score}" | "{points}" | "{Score}" => (Score, Scale(1.0)),
        _ => return None,
    };
    Some(found)
}

fn dimension_of(parameter: Parameter) -> Dimension {
    match parameter {
        Parameter::Spo2 => Dimension::Fraction,
        Parameter::Pulse | Parameter::RespiratoryRate => Dimension::Frequency,
        Parameter::Fev1 | Parameter::Fvc => Dimension::Volume,
        Parameter::Temperature => Dimension::Temperature,
        Parameter::Weight => Dimension::Mass,
        Parameter::SystolicBp | Parameter::DiastolicBp => Dimension::Pressure,
        Parameter::BloodGlucose => Dimension::MolarConcentration,
        Parameter::Crp => Dimension::MassConcentration,
        Parameter::CatScore | Parameter::SymptomScore => Dimension::Score,
    }
}

/// Glucose: mg/dL is a mass concentration, mmol/L a molar one; the molar mass of glucose
/// (180.156 g/mol) bridges them. Only for this parameter is the bridge valid.
const GLUCOSE_MG_PER_DL_PER_MMOL_PER_L: f64 = 18.0156;

/// Converts `value` in `unit` to `parameter`'s canonical unit.
pub fn to_canonical(parameter: Parameter, value: f64, unit: &str) -> Result<f64, UnitError> {
    if !value.is_finite() {
        return Err(UnitError::NotFinite { value });
    }
    let (dimension, conversion) = lookup(unit).ok_or_else(|| UnitError::Unknown {
        unit: unit.to_owned(),
    })?;
    let wanted = dimension_of(parameter);
    if let (Parameter::BloodGlucose, Dimension::MassConcentration, Conversion::Scale(to_mg_per_l)) =
        (parameter, dimension, conversion)
    {
        // To mg/dL first, then through the molar mass to mmol/L.
        return Ok(value * to_mg_per_l / 10.0 / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L);
    }
    if dimension != wanted {
        return Err(UnitError::WrongDimension {
            parameter,
            unit: unit.to_owned(),
            expected: parameter.canonical_unit(),
        });
    }
    Ok(match conversion {
        Conversion::Scale(factor) => value * factor,
        Conversion::Fahrenheit => (value - 32.0) * 5.0 / 9.0,
        Conversion::Kelvin => value - 273.15,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn converts_common_non_canonical_units() {
        let cases = [
            (Parameter::Weight, 176.0, "[lb_av]", 79.832_257_12),
            (Parameter::Temperature, 100.4, "[degF]", 38.0),
            (Parameter::Temperature, 310.15, "K", 37.0),
            (Parameter::SystolicBp, 16.0, "kPa", 120.009_852),
            (Parameter::Fev1, 1450.0, "mL", 1.45),
            (Parameter::Spo2, 0.93, "1", 93.0),
            (Parameter::Pulse, 72.0, "{beats}/min", 72.0),
            (Parameter::BloodGlucose, 180.156, "mg/dL", 10.0),
            (Parameter::Crp, 4.0, "mg/dL", 40.0),
        ];
        for (parameter, value, unit, expected) in cases {
            let got = to_canonical(parameter, value, unit).expect(unit);
            assert!(
                close(got, expected),
                "{parameter} {value} {unit}: {got} != {expected}"
            );
        }
    }

    #[test]
    fn canonical_units_convert_to_themselves() {
        for p in Parameter::ALL {
            assert_eq!(to_canonical(p, 12.5, p.canonical_unit()), Ok(12.5), "{p}");
        }
    }

    #[test]
    fn wrong_and_unknown_units_are_errors_with_the_unit_named() {
        assert!(matches!(
            to_canonical(Parameter::Weight, 80.0, "mm[Hg]"),
            Err(UnitError::WrongDimension { .. })
        ));
        let err = to_canonical(Parameter::Weight, 12.0, "[stone_av]").expect_err("unknown");
        assert!(err.to_string().contains("[stone_av]"));
        assert!(to_canonical(Parameter::Pulse, f64::NAN, "/min").is_err());
    }
}
