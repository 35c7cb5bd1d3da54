//! The government-ID check's page (`/id/`): a build of its own, so only signers who photograph
//! an ID download the camera code.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(signgate_app::capture::CaptureApp)
}
