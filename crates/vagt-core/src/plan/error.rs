//! Why a plan was refused: one error type, with a stable code per kind for the UI's catalogue.

use serde::Serialize;

/// Why a plan document or a resolved plan was refused. Field paths are as written in the
/// document (`limits.spo2.yellow_low`), so a clinician can find the line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the plan is not valid TOML: {0}")]
    Toml(String),
    #[error("the plan is not valid JSON: {0}")]
    Json(String),
    #[error("plan version {found} is not supported; this Vagt reads version {supported}")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error(
        "{section}: unknown measurement parameter {name:?}; known: spo2, pulse, fev1, fvc, temperature, weight, systolic_bp, diastolic_bp, respiratory_rate, blood_glucose, crp, cat_score, symptom_score"
    )]
    UnknownParameter { section: String, name: String },
    #[error("{field} = {value} is not a finite number")]
    NotFinite { field: String, value: f64 },
    #[error("{field} must be greater than zero, got {value}")]
    NotPositive { field: String, value: f64 },
    #[error("{field} must not be negative, got {value}")]
    Negative { field: String, value: f64 },
    #[error("{field} = {value} must lie strictly between {low} and {high}")]
    OutOfRange {
        field: String,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error(
        "{yellow_field} = {yellow} lies outside {red_field} = {red}: a yellow limit must lie between the red limit and normal values"
    )]
    YellowOutsideRed {
        yellow_field: String,
        yellow: f64,
        red_field: String,
        red: f64,
    },
    #[error("{low_field} = {low} must be below {high_field} = {high}")]
    LowNotBelowHigh {
        low_field: String,
        low: f64,
        high_field: String,
        high: f64,
    },
    #[error("{field}: `off = true` cannot be combined with other values")]
    OffWithValues { field: String },
    #[error("{field} is required")]
    MissingField { field: String },
    #[error("{field} = {value:?} is not one of: {allowed}")]
    UnknownValue {
        field: String,
        value: String,
        allowed: &'static str,
    },
    #[error("{field} does not apply to a `{kind}` rule")]
    FieldNotAllowed { field: String, kind: &'static str },
    #[error("{field}: a rule's colour must be yellow or red")]
    GreenRule { field: String },
    #[error("relative rule id {id:?} must be 1 to 64 characters of a-z, 0-9 and '_'")]
    BadRuleId { id: String },
    #[error("relative rule {id:?} appears twice in one document")]
    DuplicateRule { id: String },
    #[error(
        "relative rule {id:?} has a different parameter or kind in the {first} and {second} defaults"
    )]
    ConflictingRule {
        id: String,
        first: &'static str,
        second: &'static str,
    },
    #[error(
        "levels.{lower} = {lower_level} is above levels.{higher} = {higher_level}; a worse finding must not map to a lower level"
    )]
    MappingNotMonotone {
        lower: &'static str,
        lower_level: u8,
        higher: &'static str,
        higher_level: u8,
    },
}

impl PlanError {
    /// A stable code per kind: the UI words the problem through its catalogue
    /// (`plan.problem.<code>`), never from the English message.
    pub const fn code(&self) -> PlanProblemCode {
        match self {
            PlanError::Toml(_) | PlanError::Json(_) => PlanProblemCode::Syntax,
            PlanError::UnsupportedVersion { .. } => PlanProblemCode::UnsupportedVersion,
            PlanError::UnknownParameter { .. } => PlanProblemCode::UnknownParameter,
            PlanError::NotFinite { .. } => PlanProblemCode::NotFinite,
            PlanError::NotPositive { .. } => PlanProblemCode::NotPositive,
            PlanError::Negative { .. } => PlanProblemCode::Negative,
            PlanError::OutOfRange { .. } => PlanProblemCode::OutOfRange,
            PlanError::YellowOutsideRed { .. } => PlanProblemCode::YellowOutsideRed,
            PlanError::LowNotBelowHigh { .. } => PlanProblemCode::LowNotBelowHigh,
            PlanError::OffWithValues { .. } => PlanProblemCode::OffWithValues,
            PlanError::MissingField { .. } => PlanProblemCode::MissingField,
            PlanError::UnknownValue { .. } => PlanProblemCode::UnknownValue,
            PlanError::FieldNotAllowed { .. } => PlanProblemCode::FieldNotAllowed,
            PlanError::GreenRule { .. } => PlanProblemCode::GreenRule,
            PlanError::BadRuleId { .. } => PlanProblemCode::BadRuleId,
            PlanError::DuplicateRule { .. } => PlanProblemCode::DuplicateRule,
            PlanError::ConflictingRule { .. } => PlanProblemCode::ConflictingRule,
            PlanError::MappingNotMonotone { .. } => PlanProblemCode::MappingNotMonotone,
        }
    }

    /// The problem as codes and values, for a form to word and place at its field.
    pub fn problem(&self) -> PlanProblem {
        let mut p = PlanProblem {
            code: self.code(),
            field: None,
            value: None,
            other_field: None,
            other_value: None,
            low: None,
            high: None,
            text: None,
            message: self.to_string(),
        };
        match self {
            PlanError::Toml(detail) | PlanError::Json(detail) => p.text = Some(detail.clone()),
            PlanError::UnsupportedVersion { found, supported } => {
                p.value = Some(f64::from(*found));
                p.other_value = Some(f64::from(*supported));
            }
            PlanError::UnknownParameter { section, name } => {
                p.field = Some(section.clone());
                p.text = Some(name.clone());
            }
            PlanError::NotFinite { field, value }
            | PlanError::NotPositive { field, value }
            | PlanError::Negative { field, value } => {
                p.field = Some(field.clone());
                p.value = value.is_finite().then_some(*value);
            }
            PlanError::OutOfRange {
                field,
                value,
                low,
                high,
            } => {
                p.field = Some(field.clone());
                p.value = Some(*value);
                p.low = Some(*low);
                p.high = Some(*high);
            }
            PlanError::YellowOutsideRed {
                yellow_field,
                yellow,
                red_field,
                red,
            } => {
                p.field = Some(yellow_field.clone());
                p.value = Some(*yellow);
                p.other_field = Some(red_field.clone());
                p.other_value = Some(*red);
            }
            PlanError::LowNotBelowHigh {
                low_field,
                low,
                high_field,
                high,
            } => {
                p.field = Some(low_field.clone());
                p.value = Some(*low);
                p.other_field = Some(high_field.clone());
                p.other_value = Some(*high);
            }
            PlanError::OffWithValues { field }
            | PlanError::MissingField { field }
            | PlanError::GreenRule { field } => p.field = Some(field.clone()),
            PlanError::UnknownValue {
                field,
                value,
                allowed,
            } => {
                p.field = Some(field.clone());
                p.text = Some(format!("{value} ({allowed})"));
            }
            PlanError::FieldNotAllowed { field, kind } => {
                p.field = Some(field.clone());
                p.text = Some((*kind).to_owned());
            }
            PlanError::BadRuleId { id } | PlanError::DuplicateRule { id } => {
                p.field = Some(format!("relative.{id}"));
                p.text = Some(id.clone());
            }
            PlanError::ConflictingRule { id, first, second } => {
                p.field = Some(format!("relative.{id}"));
                p.text = Some(format!("{first}, {second}"));
            }
            PlanError::MappingNotMonotone {
                lower,
                lower_level,
                higher,
                higher_level,
            } => {
                p.field = Some(format!("levels.{lower}"));
                p.value = Some(f64::from(*lower_level));
                p.other_field = Some(format!("levels.{higher}"));
                p.other_value = Some(f64::from(*higher_level));
            }
        }
        p
    }
}

/// One reason a plan is refused, as codes and values: the UI words it through its catalogue
/// (`plan.problem.<code>`) and shows it at `field` (a path as in the document, e.g.
/// `limits.spo2.yellow_low`). `message` is the English text, for logs and operators only.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PlanProblem {
    pub code: PlanProblemCode,
    pub field: Option<String>,
    pub value: Option<f64>,
    /// The field it clashes with, and that field's value.
    pub other_field: Option<String>,
    pub other_value: Option<f64>,
    /// The allowed range, where one applies.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// A detail that is not a number: a parser's message, an unknown name.
    pub text: Option<String>,
    pub message: String,
}

/// The kinds of [`PlanProblem`], one catalogue text each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PlanProblemCode {
    Syntax,
    UnsupportedVersion,
    UnknownParameter,
    NotFinite,
    NotPositive,
    Negative,
    OutOfRange,
    YellowOutsideRed,
    LowNotBelowHigh,
    OffWithValues,
    MissingField,
    UnknownValue,
    FieldNotAllowed,
    GreenRule,
    BadRuleId,
    DuplicateRule,
    ConflictingRule,
    MappingNotMonotone,
}
