//! Test tasks, by topic: the statuses a task moves through, the test case an operator
//! launches, the event log, the views pages and scripts read, and plain explanations of
//! RunningHub's error codes.

mod budget;
mod estimate;
// The event log's texts are rendered on the server only (the browser gets them rendered).
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
mod event_text;
mod events;
mod explain;
mod spec;
mod status;
mod views;

pub use budget::*;
pub use estimate::*;
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
pub use event_text::*;
pub use events::*;
pub use explain::*;
pub use spec::*;
pub use status::*;
pub use views::*;
