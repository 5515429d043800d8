//! What a worklist row shows, packed into one blob (`worklist_summary.shown`). Read column by
//! column, the whole list's 10,000 rows of fourteen columns cost SQLite more than the list
//! itself: about half its time went to handing each column over. As one blob it is three
//! columns a row, and the fields are read back here in one pass. It is packed small because a
//! read after another connection wrote finds none of the table's pages in its cache: SQLCipher
//! decrypts every page again, which cost about as much as reading the rows.
//!
//! The layout, in order. A number is a LEB128 varint (a signed one zigzag-coded first); a text
//! is its byte length (number) and its UTF-8; an optional value is a byte, 0 (none) or 1, and
//! then the value. A measured value is kept in hundredths as a signed number when that gives
//! back the very same `f64` (87, 37.8 and 1.25 do), else as the `f64`, little-endian; a byte
//! before it says which (for a latest reading, bit 7 of its parameter's byte).
//!
//! | field | as |
//! |---|---|
//! | flags | byte, bit 0 the citizen is served by MAS only |
//! | birth date, phone, address | optional texts |
//! | diagnoses | byte count, each a code (text) |
//! | suggested level, confirmed level | a byte each, 0 for none |
//! | open alarms | signed number |
//! | top alarm priority, open dispatch | optional codes (texts) |
//! | NEWS2 | optional, as below |
//! | latest readings | byte count, each the parameter's number in [`Parameter::ALL`] (a byte, with the value's form in bit 7), its value, and its instant in ms (signed number: the first absolute, each next one less the one before) |
//!
//! A NEWS2: its instant (ms, signed number), its SpO2 scale (byte), the score's eight parts
//! and total (bytes, in [`News2`]'s order) and risk (byte), the five readings scored (in
//! [`FullSet`]'s order, each its value and its instant less the score's), the parts assumed
//! (byte count, a byte each) and whether it is a minimum (byte). Whether it is still recent is
//! decided at the read, from its oldest reading, as the evaluation stored it.
//!
//! The rows are made from the tables they show, so a new layout only needs a schema version
//! that empties the table and marks every citizen stale. Each enum is numbered by an
//! exhaustive `match` here, so a new variant does not compile until it is given a number; its
//! reading back needs its arm too (`every_variant_reads_back` lists them).

use super::{CitizenSummary, LatestReading, parse_code};
use crate::{Result, StoreError};
use vagt_core::news2::{AssumedPart, FullSet, FullSetScore, Measured, News2, Risk, SpO2Scale};
use vagt_core::{EcmLevel, Parameter, Timestamp};

const MAS_ONLY: u8 = 1;
/// In a value's form byte (or a latest reading's parameter byte): kept in hundredths.
const HUNDREDTHS: u8 = 0x80;

/// A row's shown fields (all but its name and id, the table's key).
pub(super) fn pack(row: &CitizenSummary) -> Result<Vec<u8>> {
    let mut out = Packer(Vec::with_capacity(160));
    out.0.push(if row.mas_only { MAS_ONLY } else { 0 });
    out.optional_text(row.birth_date.as_deref());
    out.optional_text(row.phone.as_deref());
    out.optional_text(row.address.as_deref());
    out.count(row.diagnoses.len())?;
    for diagnosis in &row.diagnoses {
        out.text(diagnosis.code());
    }
    out.0.push(row.suggested_level.map_or(0, EcmLevel::get));
    out.0.push(row.confirmed_level.map_or(0, EcmLevel::get));
    out.signed(row.open_alarms);
    out.optional_text(row.top_alarm_priority.map(|p| p.code()));
    out.optional_text(row.open_dispatch.map(|d| d.code()));
    match &row.news2 {
        Some(news2) => {
            out.0.push(1);
            out.news2(news2)?;
        }
        None => out.0.push(0),
    }
    out.count(row.latest.len())?;
    let mut previous = 0i64;
    for (parameter, reading) in &row.latest {
        let number = Parameter::ALL
            .iter()
            .position(|p| p == parameter)
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| n & HUNDREDTHS == 0)
            .ok_or_else(|| StoreError::Corrupt(format!("no pack number for {parameter:?}")))?;
        out.value(reading.value, number);
        let at = reading.effective_at.millis();
        out.signed(at.wrapping_sub(previous));
        previous = at;
    }
    Ok(out.0)
}

/// Fills `row` (its name and id already set) from its pack; a NEWS2 is shown when its full
/// set's oldest reading is at or after `news2_since`.
pub(super) fn unpack(pack: &[u8], news2_since: i64, row: &mut CitizenSummary) -> Result<()> {
    let mut at = Unpacker { pack, at: 0 };
    row.mas_only = at.byte()? & MAS_ONLY != 0;
    row.birth_date = at.optional_text()?.map(str::to_owned);
    row.phone = at.optional_text()?.map(str::to_owned);
    row.address = at.optional_text()?.map(str::to_owned);
    let diagnoses = at.byte()?;
    row.diagnoses = (0..diagnoses)
        .map(|_| parse_code(at.text()?, "diagnosis"))
        .collect::<Result<_>>()?;
    row.suggested_level = EcmLevel::try_from(at.byte()?).ok();
    row.confirmed_level = EcmLevel::try_from(at.byte()?).ok();
    row.open_alarms = at.signed()?;
    row.top_alarm_priority = at
        .optional_text()?
        .map(|code| parse_code(code, "alarm priority"))
        .transpose()?;
    row.open_dispatch = at
        .optional_text()?
        .map(|code| parse_code(code, "dispatch state"))
        .transpose()?;
    row.news2 = match at.byte()? {
        0 => None,
        // The oldest reading is what the evaluation stores as `news2_from`, which the rows of a
        // change are filtered by (`EVALUATIONS_SQL`): one rule.
        _ => Some(at.news2()?).filter(|n| n.readings.since().millis() >= news2_since),
    };
    let readings = at.byte()?;
    let mut previous = 0i64;
    for _ in 0..readings {
        let first = at.byte()?;
        let parameter = *Parameter::ALL
            .get(usize::from(first & !HUNDREDTHS))
            .ok_or_else(|| at.corrupt())?;
        let value = at.value(first)?;
        previous = previous.wrapping_add(at.signed()?);
        let effective_at = Timestamp::from_millis(previous);
        row.latest.insert(
            parameter,
            LatestReading {
                value,
                unit: parameter.canonical_unit(),
                effective_at,
            },
        );
        row.last_reading_at = row.last_reading_at.max(Some(effective_at));
    }
    if at.at != pack.len() {
        return Err(at.corrupt());
    }
    Ok(())
}

/// `value` in hundredths, when that gives back the very same `f64` (its sign bit too).
fn in_hundredths(value: f64) -> Option<i64> {
    let hundredths = (value * 100.0).round();
    // Out of i64's range (and NaN) the cast saturates, and the value does not come back.
    let whole = hundredths as i64;
    ((whole as f64 / 100.0).to_bits() == value.to_bits()).then_some(whole)
}

fn scale_number(scale: SpO2Scale) -> u8 {
    match scale {
        SpO2Scale::Scale1 => 0,
        SpO2Scale::Scale2 => 1,
    }
}

fn risk_number(risk: Risk) -> u8 {
    match risk {
        Risk::Low => 0,
        Risk::LowMedium => 1,
        Risk::Medium => 2,
        Risk::High => 3,
    }
}

fn assumed_number(part: AssumedPart) -> u8 {
    match part {
        AssumedPart::Consciousness => 0,
        AssumedPart::Oxygen => 1,
    }
}

struct Packer(Vec<u8>);

impl Packer {
    fn count(&mut self, n: usize) -> Result<()> {
        let n = u8::try_from(n)
            .map_err(|_| StoreError::Corrupt(format!("{n} items in one worklist field")))?;
        self.0.push(n);
        Ok(())
    }

    fn unsigned(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn signed(&mut self, n: i64) {
        self.unsigned(((n << 1) ^ (n >> 63)) as u64);
    }

    fn text(&mut self, text: &str) {
        self.unsigned(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn optional_text(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.0.push(1);
                self.text(text);
            }
            None => self.0.push(0),
        }
    }

    /// A value, its form marked in `form` (pushed first): hundredths where exact, else the f64.
    fn value(&mut self, value: f64, form: u8) {
        match in_hundredths(value) {
            Some(hundredths) => {
                self.0.push(form | HUNDREDTHS);
                self.signed(hundredths);
            }
            None => {
                self.0.push(form);
                self.0.extend_from_slice(&value.to_le_bytes());
            }
        }
    }

    fn news2(&mut self, news2: &FullSetScore) -> Result<()> {
        let FullSetScore {
            at,
            scale,
            score,
            readings,
            assumed,
            is_minimum,
        } = news2;
        let News2 {
            respiratory_rate,
            spo2,
            oxygen,
            systolic_bp,
            pulse,
            consciousness,
            temperature,
            total,
            risk,
        } = *score;
        let FullSet {
            respiratory_rate: rr_reading,
            spo2: spo2_reading,
            systolic_bp: sbp_reading,
            pulse: pulse_reading,
            temperature: temperature_reading,
        } = readings;
        self.signed(at.millis());
        self.0.push(scale_number(*scale));
        self.0.extend_from_slice(&[
            respiratory_rate,
            spo2,
            oxygen,
            systolic_bp,
            pulse,
            consciousness,
            temperature,
            total,
            risk_number(risk),
        ]);
        for reading in [
            rr_reading,
            spo2_reading,
            sbp_reading,
            pulse_reading,
            temperature_reading,
        ] {
            self.value(reading.value, 0);
            self.signed(reading.effective_at.millis().wrapping_sub(at.millis()));
        }
        self.count(assumed.len())?;
        self.0
            .extend(assumed.iter().map(|part| assumed_number(*part)));
        self.0.push(u8::from(*is_minimum));
        Ok(())
    }
}

struct Unpacker<'a> {
    pack: &'a [u8],
    at: usize,
}

impl<'a> Unpacker<'a> {
    #[cold]
    #[inline(never)]
    fn corrupt(&self) -> StoreError {
        StoreError::Corrupt(format!(
            "a worklist row's pack of {} bytes, at byte {}",
            self.pack.len(),
            self.at
        ))
    }

    #[inline]
    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).ok_or_else(|| self.corrupt())?;
        let bytes = self.pack.get(self.at..end).ok_or_else(|| self.corrupt())?;
        self.at = end;
        Ok(bytes)
    }

    #[inline]
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.bytes(N)?;
        bytes.try_into().map_err(|_| self.corrupt())
    }

    // Inlined, and a one-byte number read without the loop: these two were a seventh of the
    // whole list's read, called about forty times a row.
    #[inline]
    fn byte(&mut self) -> Result<u8> {
        let byte = *self.pack.get(self.at).ok_or_else(|| self.corrupt())?;
        self.at += 1;
        Ok(byte)
    }

    #[inline]
    fn unsigned(&mut self) -> Result<u64> {
        let first = self.byte()?;
        if first & 0x80 == 0 {
            return Ok(u64::from(first));
        }
        self.unsigned_continued(first)
    }

    /// The rest of a number whose first byte, `first`, said more follow.
    fn unsigned_continued(&mut self, first: u8) -> Result<u64> {
        let mut n = u64::from(first & 0x7f);
        for shift in (7..64).step_by(7) {
            let byte = self.byte()?;
            // The tenth byte holds the last bit alone: more would be a number past u64.
            if shift == 63 && byte > 1 {
                return Err(self.corrupt());
            }
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.corrupt())
    }

    #[inline]
    fn signed(&mut self) -> Result<i64> {
        let n = self.unsigned()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    fn text(&mut self) -> Result<&'a str> {
        let len = usize::try_from(self.unsigned()?).map_err(|_| self.corrupt())?;
        let bytes = self.bytes(len)?;
        std::str::from_utf8(bytes).map_err(|_| self.corrupt())
    }

    fn optional_text(&mut self) -> Result<Option<&'a str>> {
        match self.byte()? {
            0 => Ok(None),
            _ => self.text().map(Some),
        }
    }

    /// A value whose form byte (`form`) was read already.
    fn value(&mut self, form: u8) -> Result<f64> {
        if form & HUNDREDTHS != 0 {
            Ok(self.signed()? as f64 / 100.0)
        } else {
            Ok(f64::from_le_bytes(self.take()?))
        }
    }

    fn news2(&mut self) -> Result<FullSetScore> {
        let at = Timestamp::from_millis(self.signed()?);
        let scale = match self.byte()? {
            0 => SpO2Scale::Scale1,
            1 => SpO2Scale::Scale2,
            _ => return Err(self.corrupt()),
        };
        let [
            respiratory_rate,
            spo2,
            oxygen,
            systolic_bp,
            pulse,
            consciousness,
            temperature,
            total,
            risk,
        ] = self.take::<9>()?;
        let risk = match risk {
            0 => Risk::Low,
            1 => Risk::LowMedium,
            2 => Risk::Medium,
            3 => Risk::High,
            _ => return Err(self.corrupt()),
        };
        let mut measured = || -> Result<Measured> {
            let form = self.byte()?;
            let value = self.value(form)?;
            let effective_at = Timestamp::from_millis(at.millis().wrapping_add(self.signed()?));
            Ok(Measured {
                value,
                effective_at,
            })
        };
        let readings = FullSet {
            respiratory_rate: measured()?,
            spo2: measured()?,
            systolic_bp: measured()?,
            pulse: measured()?,
            temperature: measured()?,
        };
        let assumed = (0..self.byte()?)
            .map(|_| match self.byte()? {
                0 => Ok(AssumedPart::Consciousness),
                1 => Ok(AssumedPart::Oxygen),
                _ => Err(self.corrupt()),
            })
            .collect::<Result<_>>()?;
        let is_minimum = self.byte()? != 0;
        Ok(FullSetScore {
            at,
            scale,
            score: News2 {
                respiratory_rate,
                spo2,
                oxygen,
                systolic_bp,
                pulse,
                consciousness,
                temperature,
                total,
                risk,
            },
            readings,
            assumed,
            is_minimum,
        })
    }
}

#[cfg(test)]
mod tests;
