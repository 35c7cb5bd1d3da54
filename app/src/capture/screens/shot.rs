use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::id_check::{Document, Shot};
use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlCanvasElement, MediaStream};

use super::Heading;
use crate::capture::i18n::{self, Key, tr};
use crate::capture::media::{self, Facing, SHARP_ENOUGH};
use crate::capture::{Ctx, Stage, api};

/// Where the camera stands on this screen.
#[derive(Clone, Debug, PartialEq)]
enum Camera {
    Starting,
    Live,
    /// No `getUserMedia`, or the signer or the browser refused it: the phone's camera app.
    Unavailable,
}

/// One photo of the document or of the signer: the live camera with a guide, a sharpness check,
/// a look at the photo with "retake", and the upload. Without a usable camera, the phone's own
/// camera app through a file input (the photo then counts as not live).
#[component]
pub fn ShotScreen(ctx: Ctx, document: Document, index: usize) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let shots = document.shots();
    let shot = shots[index.min(shots.len() - 1)];
    let facing = match shot {
        Shot::Face | Shot::FaceTurned => Facing::User,
        _ => Facing::Environment,
    };
    let camera = RwSignal::new(Camera::Starting);
    // The video shows frames (a new video element after a retake starts without).
    let playing = RwSignal::new(false);
    let stream = StoredValue::new_local(None::<MediaStream>);
    let video = NodeRef::<leptos::html::Video>::new();
    // The photo taken, waiting for "use" or "retake": its JPEG and its preview's address.
    let taken = RwSignal::new_local(None::<(Blob, String, bool)>);
    let problem = RwSignal::new(None::<Key>);
    let progress = RwSignal::new(None::<u32>);

    spawn_local(async move {
        match media::camera(facing).await {
            Ok(live) => {
                stream.set_value(Some(live));
                camera.set(Camera::Live);
            }
            Err(_) => camera.set(Camera::Unavailable),
        }
    });
    // The stream goes into the video element once both are there.
    Effect::new(move || {
        if let (Camera::Live, Some(element)) = (camera.get(), video.get()) {
            stream.with_value(|live| element.set_src_object(live.as_ref()));
        }
    });
    on_cleanup(move || {
        stream.with_value(|live| {
            if let Some(live) = live {
                media::stop(live);
            }
        });
    });

    let keep = move |picture: HtmlCanvasElement, live: bool| {
        let sharp = media::sharpness(&picture).unwrap_or(0.0);
        if sharp < SHARP_ENOUGH {
            problem.set(Some(Key::TooBlurry));
            return;
        }
        spawn_local(async move {
            if let Ok(jpeg) = media::jpeg(&picture).await
                && let Ok(url) = web_sys::Url::create_object_url_with_blob(&jpeg)
            {
                problem.set(None);
                taken.set(Some((jpeg, url, live)));
            }
        });
    };
    let snap = move |_| {
        if let Some(element) = video.get_untracked()
            && let Ok(picture) = media::grab(&element)
        {
            keep(picture, true);
        }
    };
    let picked = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        spawn_local(async move {
            match media::from_file(&file).await {
                Ok(picture) => keep(picture, false),
                Err(_) => problem.set(Some(Key::NoCamera)),
            }
        });
    };
    let retake = move |_| {
        if let Some((_, url, _)) = taken.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        playing.set(false);
        taken.set(None);
    };
    let upload = move |_| {
        let Some((jpeg, _, live)) = taken.get_untracked() else {
            return;
        };
        let capture = ctx.capture.get_value();
        progress.set(Some(0));
        spawn_local(async move {
            let sent = api::upload(&capture, document, shot, live, &jpeg, move |p| {
                progress.set(Some(p))
            })
            .await;
            progress.set(None);
            match sent {
                Ok(status) => {
                    ctx.status.set(Some(status));
                    if index + 1 < shots.len() {
                        ctx.stage.set(Stage::Shot {
                            document,
                            index: index + 1,
                        });
                    } else {
                        ctx.stage.set(Stage::Checking);
                        match api::submit(&capture).await {
                            Ok(status) => ctx.follow(status),
                            Err(failure) => ctx.failed(failure),
                        }
                    }
                }
                Err(failure) => ctx.failed(failure),
            }
        });
    };

    let guide = match facing {
        Facing::Environment => ("guide guide-card", Key::GuideDocument),
        Facing::User => ("guide guide-face", Key::GuideFace),
    };
    let capture_attr = match facing {
        Facing::Environment => "environment",
        Facing::User => "user",
    };
    view! {
        <div class="screen" data-testid="screen-id-shot" data-shot=shot.name()>
            <Heading key=i18n::shot_title(document, shot) />
            <p class="hint">{tr(guide.1)} " " {format!("({}/{})", index + 1, shots.len())}</p>
            {move || match taken.get() {
                Some((_, url, _)) => view! {
                    <figure class="photo">
                        <img src=url alt=tr(Key::PhotoLabel) data-testid="id-photo" />
                    </figure>
                    <p class="actions">
                        <button type="button" class="button" on:click=upload disabled=move || progress.get().is_some()>
                            {tr(Key::UsePhoto)}
                        </button>
                        <button type="button" on:click=retake disabled=move || progress.get().is_some()>
                            {tr(Key::Retake)}
                        </button>
                    </p>
                }
                .into_any(),
                None => match camera.get() {
                    Camera::Unavailable => view! {
                        <p>{tr(Key::NoCamera)}</p>
                        <p>
                            <label class="button" for="picture">{tr(Key::ChoosePicture)}</label>
                            <input
                                id="picture"
                                class="visually-hidden"
                                type="file"
                                accept="image/*"
                                capture=capture_attr
                                on:change=picked
                            />
                        </p>
                    }
                    .into_any(),
                    _ => view! {
                        <div class="viewfinder">
                            <video
                                node_ref=video
                                autoplay=true
                                muted=true
                                playsinline=true
                                aria-label=tr(Key::CameraLabel)
                                on:playing=move |_| playing.set(true)
                            ></video>
                            <div class=guide.0 aria-hidden="true"></div>
                        </div>
                        <p class="actions">
                            <button type="button" class="button" on:click=snap disabled=move || !playing.get()>
                                {tr(Key::TakePhoto)}
                            </button>
                        </p>
                    }
                    .into_any(),
                },
            }}
            {move || problem.get().map(|key| view! { <p role="alert" class="error">{tr(key)}</p> })}
            {move || progress.get().map(|p| view! {
                <p role="status">{move || i18n::uploading(lang.get(), p)}</p>
                <progress max="100" value=p></progress>
            })}
        </div>
    }
}
