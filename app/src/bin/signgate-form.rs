//! The web form page (`/f/`): a build of its own, so only signers who open a sender's public
//! form link download it.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(signgate_app::form::FormApp)
}
