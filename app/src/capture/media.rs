//! The camera and the pictures: a live view through `getUserMedia` (rear camera preferred, never
//! required), a frame grabbed to a canvas, a sharpness check before a photo is accepted, and every
//! picture (the camera's or the phone's camera app's) re-encoded as a JPEG whose longest side is
//! at most 1920 px, which also drops EXIF and location data.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// The longest side a photo is sent with (Veriff's own limit too).
pub const MAX_SIDE: u32 = 1920;
/// Below this variance of the Laplacian (on a 320 px grey copy) a photo is too blurry to read.
pub const SHARP_ENOUGH: f64 = 40.0;

/// Which way the camera should face: the back for a document, the front for a selfie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facing {
    Environment,
    User,
}

/// The live camera, facing `facing` if the device can; `Err` when there is none or it is refused
/// (in-app browsers have no `getUserMedia` at all).
pub async fn camera(facing: Facing) -> Result<MediaStream, JsValue> {
    let devices = web_sys::window()
        .ok_or(JsValue::NULL)?
        .navigator()
        .media_devices()?;
    let facing_mode = match facing {
        Facing::Environment => "environment",
        Facing::User => "user",
    };
    // `ideal`, never `exact`: a laptop's only camera still answers.
    let video = js_sys::JSON::parse(&format!(
        r#"{{"facingMode":{{"ideal":"{facing_mode}"}},"width":{{"ideal":1920}},"height":{{"ideal":1080}}}}"#
    ))?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&video);
    constraints.set_audio(&JsValue::FALSE);
    let stream = JsFuture::from(devices.get_user_media_with_constraints(&constraints)?).await?;
    Ok(stream.unchecked_into())
}

/// Stops every track, so the camera's light goes off when the signer moves on.
pub fn stop(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

/// The video's current frame on a canvas no larger than [`MAX_SIDE`].
pub fn grab(video: &HtmlVideoElement) -> Result<HtmlCanvasElement, JsValue> {
    let (width, height) = (video.video_width(), video.video_height());
    if width == 0 || height == 0 {
        return Err(JsValue::from_str("no frame yet"));
    }
    draw(f64::from(width), f64::from(height), |context, w, h| {
        context.draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h)
    })
}

/// A picture the phone's camera app gave (a file), decoded and redrawn the same way.
pub async fn from_file(file: &web_sys::File) -> Result<HtmlCanvasElement, JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(file)?)
        .await?
        .unchecked_into();
    let (width, height) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    draw(width, height, |context, w, h| {
        context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
    })
}

/// A canvas of at most [`MAX_SIDE`] with the picture (`width` × `height`) that `paint` draws.
fn draw(
    width: f64,
    height: f64,
    paint: impl Fn(&CanvasRenderingContext2d, f64, f64) -> Result<(), JsValue>,
) -> Result<HtmlCanvasElement, JsValue> {
    let scale = (f64::from(MAX_SIDE) / width.max(height)).min(1.0);
    let (w, h) = ((width * scale).round(), (height * scale).round());
    let canvas = canvas(w as u32, h as u32)?;
    paint(&context(&canvas)?, w, h)?;
    Ok(canvas)
}

fn canvas(width: u32, height: u32) -> Result<HtmlCanvasElement, JsValue> {
    let canvas: HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?
        .create_element("canvas")?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    Ok(canvas)
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    Ok(canvas
        .get_context("2d")?
        .ok_or(JsValue::NULL)?
        .unchecked_into())
}

/// How sharp the picture is: the variance of the Laplacian of a small grey copy. A blurred
/// picture has few edges, so little variance.
pub fn sharpness(picture: &HtmlCanvasElement) -> Result<f64, JsValue> {
    let width = 320u32.min(picture.width()).max(3);
    let height = ((f64::from(picture.height()) * f64::from(width) / f64::from(picture.width()))
        .round() as u32)
        .max(3);
    let small = canvas(width, height)?;
    let context = context(&small)?;
    context.draw_image_with_html_canvas_element_and_dw_and_dh(
        picture,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )?;
    let rgba = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))?
        .data();
    Ok(laplacian_variance(&rgba, width as usize, height as usize))
}

/// The variance of the 4-neighbour Laplacian of `rgba`'s grey levels.
pub fn laplacian_variance(rgba: &[u8], width: usize, height: usize) -> f64 {
    let grey = |x: usize, y: usize| {
        let i = (y * width + x) * 4;
        0.299 * f64::from(rgba[i]) + 0.587 * f64::from(rgba[i + 1]) + 0.114 * f64::from(rgba[i + 2])
    };
    let mut values = Vec::with_capacity(width * height);
    for y in 1..height.saturating_sub(1) {
        for x in 1..width.saturating_sub(1) {
            values.push(
                grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1)
                    - 4.0 * grey(x, y),
            );
        }
    }
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
}

/// The canvas as a JPEG.
pub async fn jpeg(picture: &HtmlCanvasElement) -> Result<Blob, JsValue> {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |res, _| resolve = Some(res));
    let resolve = resolve.ok_or(JsValue::NULL)?;
    let done = Closure::once(move |blob: JsValue| {
        let _ = resolve.call1(&JsValue::NULL, &blob);
    });
    picture.to_blob_with_type_and_encoder_options(
        done.as_ref().unchecked_ref(),
        "image/jpeg",
        &JsValue::from_f64(0.9),
    )?;
    done.forget();
    let blob = JsFuture::from(promise).await?;
    blob.dyn_into::<Blob>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: usize, height: usize, level: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| {
                let v = level(x, y);
                [v, v, v, 255]
            })
            .collect()
    }

    #[test]
    fn edges_are_sharp_and_a_flat_or_smooth_picture_is_not() {
        let bars = picture(64, 48, |x, _| if (x / 4) % 2 == 0 { 20 } else { 230 });
        let smooth = picture(64, 48, |x, _| (x * 3) as u8);
        let flat = picture(64, 48, |_, _| 128);
        assert!(laplacian_variance(&bars, 64, 48) > SHARP_ENOUGH * 10.0);
        assert!(laplacian_variance(&smooth, 64, 48) < 1.0);
        assert_eq!(laplacian_variance(&flat, 64, 48), 0.0);
    }
}
