//! Alarms and levels: escalation and the confirmed level.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum EscalationAction {
    /// The policy in force, per priority.
    Show,
    /// Set the rule of one priority.
    Set {
        /// high, medium, low or info.
        priority: String,
        /// Minutes from the alarm to its first re-notification.
        #[arg(long)]
        after: Option<i64>,
        /// Minutes between later re-notifications (without it: only one).
        #[arg(long)]
        repeat: Option<i64>,
        /// Re-notifications at most.
        #[arg(long, default_value_t = 1)]
        steps: u32,
        /// This priority never escalates.
        #[arg(long, conflicts_with_all = ["after", "repeat"])]
        off: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LevelAction {
    /// The suggested and confirmed levels.
    Show { citizen: String },
    /// Set the confirmed level (1-6) as the nurse named by --as, with a reason.
    Set {
        citizen: String,
        level: i64,
        #[arg(long)]
        reason: String,
    },
}
