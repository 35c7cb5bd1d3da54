//! The web form page's screens, one file each.

mod code;
mod entry;
mod going_on;
mod invalid_link;
mod opening;
mod problem;
mod refused;

pub use code::CodeEntry;
pub use entry::Entry;
pub use going_on::GoingOn;
pub use invalid_link::InvalidLink;
pub use opening::Opening;
pub use problem::Problem;
pub use refused::Refused;

use crate::ui::{Heading, announcer, line};
