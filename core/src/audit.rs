//! The audit trail: every event of an agreement, never a code or a password.

use serde::{Deserialize, Serialize};

use crate::login::LoginFailure;
use crate::otp::Channel;
use crate::policy::Method;
use crate::verification::ExpiryReason;
use crate::wire::Contact;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    #[serde(flatten)]
    pub kind: AuditKind,
}

impl AuditEvent {
    /// `kinds` as events that happened at `at`, to `recipient_id` (`None`: the agreement).
    pub fn all_at(at: u64, recipient_id: Option<&str>, kinds: Vec<AuditKind>) -> Vec<AuditEvent> {
        kinds
            .into_iter()
            .map(|kind| AuditEvent {
                at,
                recipient_id: recipient_id.map(str::to_string),
                kind,
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuditKind {
    AgreementCreated {
        recipients: usize,
    },
    /// The agreement is an entry on the web form `web_form_id`: its signer typed who they are,
    /// and proved the address with a code unless the policy turned that off.
    WebFormEntry {
        web_form_id: String,
        email_proven: bool,
    },
    /// The signer opened their link; `method_shown` is the method put before them (none when the
    /// link was already verified or cancelled). Reopening within a minute is the same event.
    LinkOpened {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method_shown: Option<Method>,
    },
    /// A code went out; `destination` is masked (`…4567`, `a…@example.com`).
    CodeSent {
        channel: Channel,
        destination: String,
    },
    /// The carrier or mail service refused a code; the code was withdrawn.
    CodeDeliveryFailed {
        channel: Channel,
        error: String,
    },
    /// Too many wrong entries voided every outstanding code (e-mail code).
    CodesVoided {
        method: Method,
    },
    /// A verification ran out (maximum age, inactivity, or an account reset): verify again.
    VerificationExpired {
        method: Method,
        reason: ExpiryReason,
    },
    /// The signer was sent to an identity provider.
    LoginStarted {
        provider: String,
    },
    /// A hand-off that did not verify the signer.
    LoginFailed {
        provider: String,
        #[serde(flatten)]
        failure: LoginFailure,
    },
    /// Who the provider vouched for (recorded whether or not it matched the recipient).
    IdentityProven {
        provider: String,
        subject: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile_url: Option<String>,
    },
    /// KBA: the provider found the signer and asked the first questions of a try. `reference`
    /// is its transaction id (what Adobe's report names the LexisNexis token); the personal data
    /// typed is never kept.
    KbaStarted {
        provider: String,
        reference: String,
        questions: u32,
        /// The name looked up (always the recipient's, as typed).
        name: String,
    },
    /// KBA: a round scored: how many questions and whether all were right, never which were not.
    /// A round that ran out of time is `timed_out` (and failed).
    KbaRound {
        reference: String,
        follow_up: bool,
        questions: u32,
        passed: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        timed_out: bool,
    },
    /// KBA: the provider cannot find or ask the signer; the method is closed for them and the
    /// sender told.
    KbaNotEligible {
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// Government ID: the hand-off link went to a phone (the number masked).
    IdHandoffSent {
        to: String,
    },
    /// Government ID: the hand-off link was opened (on the phone, presumably).
    IdHandoffOpened,
    /// Government ID: the photos were handed to the provider. `live`: all from the live camera.
    IdCheckSubmitted {
        provider: String,
        reference: String,
        document: crate::id_check::Document,
        live: bool,
    },
    /// Government ID: a try ended: passed, or why not (never a score, an image, a document
    /// number or a date of birth).
    IdCheckEnded {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<crate::id_check::Failure>,
        /// The name on the document, locked into the signature field (passed only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Government ID: a decided check's Signer Identity Report was kept (`report`: its id), to be
    /// erased at `erase_at` (milliseconds since the Unix epoch) at the latest.
    IdReportKept {
        report: String,
        reference: String,
        erase_at: u64,
    },
    /// Government ID: the recipient's Signer Identity Reports were erased, with their photos.
    IdReportsErased {
        reports: Vec<String>,
        by: crate::id_check::report::Erasure,
    },
    /// A passkey was registered for the device `device` (a browser where the recipient verified).
    PasskeyRegistered {
        device: String,
    },
    /// The device `device` verified with its passkey alone.
    PasskeySignedIn {
        device: String,
    },
    /// A passkey answered with a signature counter that did not go up: the authenticator may have
    /// been cloned. Refused.
    PasskeyCloneSuspected {
        device: String,
    },
    /// The browser `device` was paired by the device `from`, which confirmed it with the code the
    /// new one showed.
    DevicePaired {
        device: String,
        from: String,
    },
    /// Devices were revoked (their cookies and passkeys open nothing any more): by the signer
    /// from another of their devices (or the same), or through the admin API.
    DevicesRevoked {
        devices: Vec<String>,
        by: Revoker,
    },
    /// The verification lapsed on `device` (maximum age, inactivity, an account reset): it must
    /// verify again. The recipient stays verified while another device's holds.
    DeviceExpired {
        device: String,
        reason: crate::verification::ExpiryReason,
    },
    /// A wrong recovery factor (the recovery code, or recovery's e-mail code); `tries_left` 0:
    /// recovery is closed for this recipient.
    RecoveryFailed {
        factor: RecoveryFactor,
        tries_left: u32,
    },
    /// A signer who lost their devices recovered on `device` with both factors; `revoked`: the
    /// devices the policy then revoked.
    DeviceRecovered {
        device: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        revoked: Vec<String>,
    },
    /// The signer, from another of their devices, said `device` was not theirs: it was revoked
    /// and the sender told.
    DeviceDisowned {
        device: String,
    },
    /// A wrong entry that counted.
    VerificationFailed {
        method: Method,
        failures: u32,
        tries_left: Option<u32>,
    },
    Verified {
        method: Method,
    },
    /// Verified again, in a browser that was not one of the recipient's devices (the link was
    /// verified elsewhere before): that browser becomes a device of its own.
    VerifiedOnAnotherDevice {
        method: Method,
    },
    /// A verified link asked for a fresh grant (a reload, or back after the grant expired).
    GrantReissued {
        method: Method,
    },
    /// An entry refused without being checked (locked, cancelled or throttled).
    AttemptRefused {
        method: Method,
        reason: RefusalReason,
    },
    /// More entries refused like the last `attempt_refused`, in the hour after it: counted, not
    /// written one by one, so a link held by a script cannot grow the trail without bound.
    RefusalsRepeated {
        method: Method,
        reason: RefusalReason,
        count: u32,
        /// When the first of them (the one written) was refused.
        since: u64,
    },
    AgreementCancelled {
        reason: CancelReason,
    },
    /// The sender gave a pending recipient another method (or the same one anew, with a new
    /// password or number): everything outstanding was voided, and the new method starts with
    /// its full tries. `phone` is masked (`…4567`).
    MethodChanged {
        from: Method,
        to: Method,
        by: Contact,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
    },
    /// The sender replaced the recipient (delegation): the old link stopped working, the new
    /// person has a link of their own.
    RecipientReplaced {
        from: Contact,
        to: Contact,
        method: Method,
        by: Contact,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phone: Option<String>,
    },
    WebhookDelivered {
        event: String,
        status: u16,
    },
    WebhookFailed {
        event: String,
        attempt: u32,
        error: String,
    },
    /// Given up after a day of failures, or never sent because the account has no webhook URL:
    /// kept for the sender to re-send.
    WebhookUndeliverable {
        event: String,
        attempts: u32,
        reason: String,
    },
    /// The sender asked for an event to be delivered again.
    WebhookResent {
        event: String,
    },
}

/// A factor of a recovery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecoveryFactor {
    RecoveryCode,
    EmailCode,
}

/// Who revoked a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Revoker {
    Signer,
    Admin,
    /// A recovery, where the policy revokes every other device.
    Recovery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    Cancelled,
    Throttled,
}

/// Refused entries of one link, collapsed: the first of a window is an `attempt_refused` event at
/// once; the ones after it in the same window (same method and reason) are only counted, and the
/// count is one `refusals_repeated` event when the window ends. A link's trail grows by at most
/// two refusal events an hour, however it is hammered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalWindow {
    pub method: Method,
    pub reason: RefusalReason,
    pub started_at: u64,
    /// Refusals after the first, not yet written.
    pub repeated: u32,
    #[serde(default = "RefusalWindow::default_length")]
    pub length_ms: u64,
}

impl RefusalWindow {
    pub const LENGTH_MS: u64 = 60 * 60 * 1000;

    fn default_length() -> u64 {
        Self::LENGTH_MS
    }

    pub fn ends_at(&self) -> u64 {
        self.started_at.saturating_add(self.length_ms)
    }

    /// One refusal at `now`: the events to write (none while it only adds to the count). A new
    /// window lasts `length_ms` ([`Self::LENGTH_MS`] but in tests).
    pub fn refuse(
        window: &mut Option<Self>,
        method: Method,
        reason: RefusalReason,
        now: u64,
        length_ms: u64,
    ) -> Vec<AuditKind> {
        if let Some(open) = window
            && now < open.ends_at()
            && (open.method, open.reason) == (method, reason)
        {
            open.repeated = open.repeated.saturating_add(1);
            return Vec::new();
        }
        let mut events: Vec<AuditKind> = Self::close(window).into_iter().collect();
        events.push(AuditKind::AttemptRefused { method, reason });
        *window = Some(Self {
            method,
            reason,
            started_at: now,
            repeated: 0,
            length_ms,
        });
        events
    }

    /// Ends the window if it has ended by `now`: the count of its repeats to write, if any.
    pub fn close_if_ended(window: &mut Option<Self>, now: u64) -> Option<AuditKind> {
        match window {
            Some(open) if now >= open.ends_at() => Self::close(window),
            _ => None,
        }
    }

    fn close(window: &mut Option<Self>) -> Option<AuditKind> {
        let closed = window.take()?;
        (closed.repeated > 0).then_some(AuditKind::RefusalsRepeated {
            method: closed.method,
            reason: closed.reason,
            count: closed.repeated,
            since: closed.started_at,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    TooManyFailedAttempts,
}

/// Where a reader of a paged audit trail stands: for each source of events (each recipient, then
/// the agreement itself), how many of its events were read. Opaque to callers: `3.0.12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor(pub Vec<u64>);

impl Cursor {
    /// The start of a trail of `sources` sources.
    pub fn start(sources: usize) -> Self {
        Self(vec![0; sources])
    }

    /// A cursor this trail handed out: as many positions as it has sources.
    pub fn parse(text: &str, sources: usize) -> Option<Self> {
        let positions = text
            .split('.')
            .map(|p| {
                p.parse()
                    .ok()
                    .filter(|_| p.len() <= 12 && !p.starts_with('+'))
            })
            .collect::<Option<Vec<u64>>>()?;
        (positions.len() == sources).then_some(Self(positions))
    }

    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One page of a trail merged from several sources, each already in time order: the `limit`
/// earliest events after `cursor`, and the cursor after them if any event is left.
///
/// `next` holds each source's events from the cursor's position on, at least `limit + 1` of them
/// when it has that many, so that an event left over proves there is another page. At equal
/// times the earlier source goes first (recipients before the agreement: a cause before its
/// consequence), as a stable sort of the whole trail would have it, so pages never depend on
/// where the previous one ended.
pub fn merge_page(
    next: Vec<Vec<AuditEvent>>,
    cursor: &Cursor,
    limit: usize,
) -> (Vec<AuditEvent>, Option<Cursor>) {
    let mut positions = cursor.0.clone();
    let mut sources: Vec<std::iter::Peekable<std::vec::IntoIter<AuditEvent>>> = next
        .into_iter()
        .map(|events| events.into_iter().peekable())
        .collect();
    let mut page = Vec::with_capacity(limit.min(1024));
    while page.len() < limit {
        let earliest = sources
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.peek().map(|e| (e.at, i)))
            .min();
        let Some((_, source)) = earliest else { break };
        page.extend(sources[source].next());
        positions[source] += 1;
    }
    let more = sources.iter_mut().any(|s| s.peek().is_some());
    (page, more.then_some(Cursor(positions)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counted(events: &[AuditKind]) -> u64 {
        events
            .iter()
            .map(|e| match e {
                AuditKind::AttemptRefused { .. } => 1,
                AuditKind::RefusalsRepeated { count, .. } => u64::from(*count),
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn a_hammered_link_writes_one_refusal_and_then_its_count() {
        let mut window = None;
        let (method, reason) = (Method::Password, RefusalReason::Cancelled);
        let mut events =
            RefusalWindow::refuse(&mut window, method, reason, 1_000, RefusalWindow::LENGTH_MS);
        for i in 0..10_000 {
            events.extend(RefusalWindow::refuse(
                &mut window,
                method,
                reason,
                1_000 + i,
                RefusalWindow::LENGTH_MS,
            ));
        }
        assert_eq!(events, [AuditKind::AttemptRefused { method, reason }]);
        let end = 1_000 + RefusalWindow::LENGTH_MS;
        assert_eq!(RefusalWindow::close_if_ended(&mut window, end - 1), None);
        assert_eq!(
            RefusalWindow::close_if_ended(&mut window, end),
            Some(AuditKind::RefusalsRepeated {
                method,
                reason,
                count: 10_000,
                since: 1_000
            })
        );
        assert_eq!(RefusalWindow::close_if_ended(&mut window, end), None);
        // Another reason starts its own window at once, writing the first's count.
        let mut window = None;
        RefusalWindow::refuse(&mut window, method, reason, 0, RefusalWindow::LENGTH_MS);
        RefusalWindow::refuse(&mut window, method, reason, 1, RefusalWindow::LENGTH_MS);
        let throttled = RefusalWindow::refuse(
            &mut window,
            method,
            RefusalReason::Throttled,
            2,
            RefusalWindow::LENGTH_MS,
        );
        assert_eq!(throttled.len(), 2);
        assert_eq!(counted(&throttled), 2);
    }

    proptest! {
        /// Every refusal is counted exactly once (written, in a count, or still open), and one
        /// kind of refusal writes at most two events per window of time, however many arrive.
        #[test]
        fn refusals_are_all_counted_and_the_trail_stays_small(
            refusals in prop::collection::vec((0u64..600_000, any::<bool>()), 0..2_000),
            one_reason in any::<bool>(),
        ) {
            let mut window = None;
            let mut events = Vec::new();
            let mut now = 0u64;
            for (gap, throttled) in &refusals {
                now += gap;
                let reason = if *throttled && !one_reason { RefusalReason::Throttled } else { RefusalReason::Cancelled };
                events.extend(RefusalWindow::close_if_ended(&mut window, now));
                events.extend(RefusalWindow::refuse(&mut window, Method::Phone, reason, now, RefusalWindow::LENGTH_MS));
            }
            let open = window.map_or(0, |w| u64::from(w.repeated));
            prop_assert_eq!(counted(&events) + open, refusals.len() as u64);
            if one_reason {
                let windows = now / RefusalWindow::LENGTH_MS + 1;
                prop_assert!(events.len() as u64 <= 2 * windows, "{} events over {} windows", events.len(), windows);
            }
        }
    }

    fn event(at: u64, source: usize, seq: usize) -> AuditEvent {
        AuditEvent {
            at,
            recipient_id: Some(format!("{source}:{seq}")),
            kind: AuditKind::AgreementCreated { recipients: 1 },
        }
    }

    #[test]
    fn cursors_name_one_position_per_source() {
        let cursor = Cursor(vec![3, 0, 12]);
        assert_eq!(cursor.encode(), "3.0.12");
        assert_eq!(Cursor::parse("3.0.12", 3), Some(cursor));
        for bad in [
            "3.0",
            "3.0.12.1",
            "",
            "a.b.c",
            "-1.0.0",
            "+1.0.0",
            "1..2",
            "9999999999999.0.0",
        ] {
            assert_eq!(Cursor::parse(bad, 3), None, "{bad}");
        }
    }

    proptest! {
        /// Reading page after page, whatever the page size, gives exactly the whole trail in the
        /// order a stable sort by time gives it.
        #[test]
        fn pages_put_together_are_the_whole_trail(
            times in prop::collection::vec(prop::collection::vec(0u64..20, 0..15), 1..5),
            limit in 1usize..7,
        ) {
            let sources: Vec<Vec<AuditEvent>> = times
                .iter()
                .enumerate()
                .map(|(s, ts)| {
                    let mut ts = ts.clone();
                    ts.sort_unstable();
                    ts.into_iter().enumerate().map(|(i, at)| event(at, s, i)).collect()
                })
                .collect();
            let mut whole: Vec<AuditEvent> = sources.iter().flatten().cloned().collect();
            whole.sort_by_key(|e| e.at);

            let mut read = Vec::new();
            let mut cursor = Cursor::start(sources.len());
            let mut pages = 0;
            loop {
                let next = sources
                    .iter()
                    .zip(&cursor.0)
                    .map(|(events, &from)| {
                        events.iter().skip(from as usize).take(limit + 1).cloned().collect()
                    })
                    .collect();
                let (page, after) = merge_page(next, &cursor, limit);
                prop_assert!(page.len() <= limit);
                read.extend(page);
                pages += 1;
                match after {
                    Some(after) => cursor = Cursor::parse(&after.encode(), sources.len()).unwrap(),
                    None => break,
                }
            }
            prop_assert_eq!(&read, &whole);
            // No empty page at the end: a cursor is only handed out when events are left.
            prop_assert_eq!(pages, whole.len().div_ceil(limit).max(1));
        }
    }
}
