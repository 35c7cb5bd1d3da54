fn main() {
    // Panic messages in the console are for developers; signers download nothing for them.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(signgate_app::App)
}
