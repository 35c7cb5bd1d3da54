//! The device page (`/device/`): a build of its own, so only signers who manage their devices,
//! pair another one or use a passkey download it.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(signgate_app::device::DeviceApp)
}
