//! Test tasks, by topic: the statuses a task moves through, the test case an operator
//! launches, the event log, the views pages and scripts read, and plain explanations of
//! RunningHub's error codes.

mod budget;
mod estimate;
mod event_text;
mod events;
mod explain;
mod spec;
mod status;
mod views;

pub use budget::*;
pub use estimate::*;
pub use event_text::*;
pub use events::*;
pub use explain::*;
pub use spec::*;
pub use status::*;
pub use views::*;
