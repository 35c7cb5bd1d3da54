use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::device::i18n::{Key, tr};
use crate::device::{Ctx, POLL_EVERY, Stage};

/// This browser claimed a pairing: the code to type on the other device, shown until that device
/// confirmed it (this browser then gets fresh grants, and goes on to the signing page), or until
/// the pairing's time is up.
#[component]
pub fn Claimed(ctx: Ctx, code: String, expires_in_secs: u64) -> impl IntoView {
    let polls_left = StoredValue::new(expires_in_secs.div_ceil(POLL_EVERY.as_secs()) + 1);
    let poll = set_interval_with_handle(
        move || {
            let left = polls_left.get_value();
            if left == 0 {
                ctx.stage.set(Stage::InvalidLink);
                return;
            }
            polls_left.set_value(left - 1);
            let token = ctx.token.get_value();
            spawn_local(async move {
                if crate::api::fresh_grant(&token).await.is_ok() {
                    ctx.to_signing_page();
                }
            });
        },
        POLL_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(poll) = poll {
            poll.clear();
        }
    });
    // Read in two groups of three, as people compare codes.
    let spaced = match code.split_at_checked(3) {
        Some((a, b)) => [a, " ", b].concat(),
        None => code,
    };
    view! {
        <div class="screen" data-testid="screen-device-claimed">
            <h1>{tr(Key::ClaimHeading)}</h1>
            <p>{tr(Key::ShowCode)}</p>
            <p class="pairing-code" data-testid="pairing-code">{spaced}</p>
            <p role="status">{tr(Key::WaitingConfirm)}</p>
        </div>
    }
}
