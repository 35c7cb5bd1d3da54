//! The device page's screens, one file each.

mod claimed;
mod devices;
mod offer;
mod recover;
mod sign_in;

pub use claimed::Claimed;
pub use devices::DeviceList;
pub use offer::Offer;
pub use recover::Recover;
pub use sign_in::SignIn;
