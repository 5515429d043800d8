//! `vagtctl dispatch` and `vagtctl person`: parse, call the use cases, print.

use crate::CliError;
use crate::cli::{DispatchAction, PersonAction, PersonArgs};
use crate::commands::parse_choice;
use crate::output::{self, Output};
use vagt_app::{
    DispatchChanged, DispatchEdit, DispatchForm, PersonDispatchForm, Session, parse_citizen,
};
use vagt_core::person::NewPerson;

fn new_person(args: PersonArgs) -> NewPerson {
    // A field left out is empty, and named by the person's problems.
    NewPerson {
        cpr: args.cpr.unwrap_or_default(),
        name: args.name.unwrap_or_default(),
        address: args.address.unwrap_or_default(),
        phone: args.phone,
    }
}

pub fn person(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: PersonAction,
) -> Result<(), CliError> {
    let PersonAction::Add { person } = action;
    let added = session.add_person(actor, &new_person(person))?;
    out.print(&added, |w| {
        let what = if added.existing {
            "already a citizen here"
        } else {
            "added, served by MAS only"
        };
        writeln!(w, "person {}: {what}", added.citizen_id)
    })
}

pub fn dispatch(
    session: &Session,
    out: &Output,
    actor: &vagt_store::Actor,
    action: DispatchAction,
) -> Result<(), CliError> {
    let changed = match action {
        DispatchAction::New {
            citizen: None,
            person,
            reason,
            urgency,
            nurse,
        } => {
            let form = PersonDispatchForm {
                person: new_person(person),
                urgency: parse_choice("urgency", &urgency)?,
                reason,
                assigned_to: nurse,
            };
            session.dispatch_person(actor, form)?.dispatch
        }
        DispatchAction::New {
            citizen: Some(citizen),
            person,
            reason,
            urgency,
            nurse,
        } => {
            if person.cpr.is_some() || person.name.is_some() || person.address.is_some() {
                return Err(CliError::Usage(
                    "give a citizen or a person (--cpr, --name, --address), not both".into(),
                ));
            }
            session.request_dispatch(
                actor,
                DispatchForm {
                    citizen_id: parse_citizen(&citizen)?,
                    urgency: parse_choice("urgency", &urgency)?,
                    reason,
                    assigned_to: nurse,
                },
            )?
        }
        DispatchAction::State {
            key,
            state,
            outcome,
            note,
        } => {
            let edit = DispatchEdit::State {
                to: parse_choice("state", &state.replace('-', "_"))?,
                outcome: outcome
                    .map(|o| parse_choice("outcome", &o.replace('-', "_")))
                    .transpose()?,
                note,
            };
            session.change_dispatch(actor, &key, edit)?
        }
        DispatchAction::Assign { key, nurse } => {
            session.change_dispatch(actor, &key, DispatchEdit::Assigned { nurse })?
        }
        DispatchAction::Urgency { key, urgency } => session.change_dispatch(
            actor,
            &key,
            DispatchEdit::Urgency {
                urgency: parse_choice("urgency", &urgency)?,
            },
        )?,
        DispatchAction::List { citizen, all } => {
            let citizen = citizen.map(|c| parse_citizen(&c)).transpose()?;
            let list = session.dispatches(actor, citizen.as_ref(), !all)?;
            return out.print(&list, |w| output::dispatches_table(w, &list));
        }
        DispatchAction::Show { key } => {
            let dispatch = session.dispatch(actor, &key)?;
            return out.print(&dispatch, |w| output::dispatch_text(w, &dispatch));
        }
    };
    print_changed(out, &changed)
}

fn print_changed(out: &Output, changed: &DispatchChanged) -> Result<(), CliError> {
    out.print(changed, |w| {
        let d = &changed.saved.dispatch;
        writeln!(
            w,
            "dispatch {} for {}: {}",
            d.key,
            d.citizen_id,
            d.state.code()
        )?;
        if let (Some(_), Some(level)) = (
            &changed.saved.level_decision,
            d.outcome.and_then(|o| o.sets_level()),
        ) {
            writeln!(w, "  confirmed level ECM{}", level.get())?;
        }
        if !d.conflicts.is_empty() {
            writeln!(w, "  in conflict: see `vagtctl dispatch show {}`", d.key)?;
        }
        Ok(())
    })
}
