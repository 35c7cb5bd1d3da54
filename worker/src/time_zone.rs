//! Local times for the audit report, through the runtime's `Intl` (it carries the time-zone
//! database, so the Worker does not). Every call into JavaScript here is fallible: an unknown zone
//! is a `RangeError` there, and must be a clear 400 here, never a thrown exception.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A formatter of times in one IANA time zone.
#[derive(Debug, Clone)]
pub struct LocalTime {
    formatter: JsValue,
    format: Function,
}

impl LocalTime {
    /// `None` if the runtime does not know `zone`.
    pub fn new(zone: &str) -> Option<Self> {
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone),
            ("year", "numeric"),
            ("month", "2-digit"),
            ("day", "2-digit"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("second", "2-digit"),
            ("hourCycle", "h23"),
            ("timeZoneName", "short"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        // `en-CA` writes dates the ISO way (2026-11-29), as the report's UTC column does.
        let arguments = Array::of2(&"en-CA".into(), &options);
        let formatter = Reflect::construct(&constructor, &arguments).ok()?;
        let format = Reflect::get(&formatter, &"format".into())
            .ok()?
            .dyn_into()
            .ok()?;
        Some(Self { formatter, format })
    }

    /// `2026-11-29, 22:52:23 CET` for milliseconds since the epoch.
    pub fn format(&self, ms: u64) -> String {
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        self.format
            .call1(&self.formatter, &date)
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| signgate_report::utc(ms))
    }
}
