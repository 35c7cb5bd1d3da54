//! What the report says: the agreement, its recipients and each event, in words.

use std::collections::BTreeMap;

use signgate_core::audit::{
    AuditEvent, AuditKind, CancelReason, RecoveryFactor, RefusalReason, Revoker,
};
use signgate_core::id_check::report::Erasure;
use signgate_core::login::LoginFailure;
use signgate_core::otp::Channel;
use signgate_core::policy::Method;
use signgate_core::verification::ExpiryReason;
use signgate_core::wire::{AgreementState, AgreementStatus, Contact, RecipientState};

use signgate_core::validate::is_web_address;

use crate::{Report, Row, Section, utc};

/// The report of `status` with its whole trail. `local` formats a time (milliseconds since the
/// epoch) in the account's time zone, `zone`.
pub fn build(
    status: &AgreementStatus,
    events: &[AuditEvent],
    zone: &str,
    local: &dyn Fn(u64) -> String,
    generated_at: u64,
) -> Report {
    let field = |label: &str, value: String| Row::Field {
        label: label.to_string(),
        value,
    };
    let when = |ms: u64| format!("{} ({})", utc(ms), local(ms));
    let state = match (status.state, status.cancel_reason) {
        (AgreementState::Pending, _) => "pending: not every recipient has verified".to_string(),
        (AgreementState::Verified, _) => "verified: every recipient has verified".to_string(),
        (AgreementState::Cancelled, Some(reason)) => format!("cancelled: {}", cancel(reason)),
        (AgreementState::Cancelled, None) => "cancelled".to_string(),
    };
    let agreement = Section {
        heading: "Agreement".into(),
        rows: vec![
            field("Title", status.title.clone()),
            field("Agreement", status.id.clone()),
            field("Account", status.account_id.clone()),
            field("Created", when(status.created_at)),
            field("Links expire", when(status.expires_at)),
            field("Final state", state),
            field("Time zone", zone.to_string()),
            field("Report made", when(generated_at)),
        ],
    };
    let recipients = Section {
        heading: "Recipients".into(),
        rows: status
            .recipients
            .iter()
            .flat_map(|r| {
                let mut rows = vec![
                    field("Recipient", format!("{} <{}>", r.name, r.email)),
                    field(
                        "Method",
                        format!(
                            "{}{}",
                            method(r.method),
                            if r.internal {
                                " (internal recipient)"
                            } else {
                                ""
                            }
                        ),
                    ),
                    field("State", recipient_state(r.state).into()),
                    field("Wrong entries", r.failures.to_string()),
                ];
                if let Some(last4) = &r.phone_last4 {
                    rows.push(field("Phone", format!("…{last4}")));
                }
                if let Some(name) = &r.signature_name {
                    rows.push(field("Name vouched for", name.clone()));
                }
                rows
            })
            .collect(),
    };
    // Who held each recipient's place when: a replaced recipient keeps the id, so events before
    // the replacement are the first person's, named as they were.
    let mut holder: BTreeMap<&str, String> = status
        .recipients
        .iter()
        .map(|r| (r.id.as_str(), r.name.clone()))
        .collect();
    for event in events.iter().rev() {
        if let (Some(id), AuditKind::RecipientReplaced { from, .. }) =
            (&event.recipient_id, &event.kind)
        {
            holder.insert(id.as_str(), from.name.clone());
        }
    }
    let trail = Section {
        heading: format!("Audit trail ({} events)", events.len()),
        rows: events
            .iter()
            .map(|event| {
                let (what, link) = describe(&event.kind);
                let who = match &event.recipient_id {
                    Some(id) => holder
                        .get(id.as_str())
                        .cloned()
                        .unwrap_or_else(|| id.clone()),
                    None => "Agreement".to_string(),
                };
                if let (Some(id), AuditKind::RecipientReplaced { to, .. }) =
                    (&event.recipient_id, &event.kind)
                {
                    holder.insert(id.as_str(), to.name.clone());
                }
                Row::Event {
                    utc: utc(event.at),
                    local: local(event.at),
                    who,
                    what,
                    link: link.filter(|url| is_web_address(url)),
                }
            })
            .collect(),
    };
    Report {
        title: format!("Audit report: {}", status.title),
        sections: vec![agreement, recipients, trail],
    }
}

fn id_failure(failure: signgate_core::id_check::Failure) -> &'static str {
    use signgate_core::id_check::Failure::*;
    match failure {
        DocumentExpired => "the document has expired",
        NameMismatch => "the name on the document is not the recipient's",
        DocumentUnreadable => {
            "what the document's machine-readable data says does not hold together"
        }
        DocumentNotAccepted => "the document cannot be accepted",
        FaceMismatch => "the selfie does not match the document's photo",
        FaceUnclear => "the face could not be seen clearly",
        PhotoUnclear => "the document could not be seen whole and sharp",
        NotVerified => "the provider could not verify the person",
        OutOfTime => "the time ran out",
    }
}

/// An event in words, and a profile link when it has one. Never a code or a password: the trail
/// holds none to begin with.
fn describe(kind: &AuditKind) -> (String, Option<String>) {
    let text = match kind {
        AuditKind::AgreementCreated { recipients } => {
            format!("Agreement created for {recipients} recipient(s)")
        }
        AuditKind::WebFormEntry {
            web_form_id,
            email_proven: true,
        } => format!("Signed up on web form {web_form_id}, e-mail address proven with a code"),
        AuditKind::WebFormEntry {
            web_form_id,
            email_proven: false,
        } => format!(
            "Signed up on web form {web_form_id}; the e-mail address was not checked (policy)"
        ),
        AuditKind::LinkOpened {
            method_shown: Some(m),
        } => format!("Opened the link; asked for: {}", method(*m)),
        AuditKind::LinkOpened { method_shown: None } => "Opened the link".into(),
        AuditKind::CodeSent {
            channel,
            destination,
        } => format!("Code sent by {} to {destination}", channel_name(*channel)),
        AuditKind::CodeDeliveryFailed { channel, error } => format!(
            "A code could not be sent by {} ({error}); it was withdrawn",
            channel_name(*channel)
        ),
        AuditKind::CodesVoided { method: m } => format!(
            "Every outstanding code voided after too many wrong entries ({})",
            method(*m)
        ),
        AuditKind::VerificationExpired { method: m, reason } => format!(
            "Verification by {} expired: {}",
            method(*m),
            expiry(*reason)
        ),
        AuditKind::LoginStarted { provider } => format!("Sent to {provider} to sign in"),
        AuditKind::LoginFailed { provider, failure } => {
            format!(
                "Sign-in at {provider} did not verify: {}",
                login_failure(failure)
            )
        }
        AuditKind::IdentityProven {
            provider,
            subject,
            name,
            email,
            profile_url,
        } => {
            let mut text = format!("{provider} vouched for account {subject}");
            if let Some(name) = name {
                text.push_str(&format!(", name {name}"));
            }
            if let Some(email) = email {
                text.push_str(&format!(", e-mail {email}"));
            }
            return (text, profile_url.clone());
        }
        AuditKind::KbaStarted {
            provider,
            reference,
            questions,
            name,
        } => format!(
            "{provider} found {name} and asked {questions} knowledge questions (transaction \
             {reference})"
        ),
        AuditKind::KbaRound {
            reference,
            follow_up,
            questions,
            passed,
            timed_out,
        } => format!(
            "{} ({questions} questions, transaction {reference}): {}",
            if *follow_up {
                "Follow-up questions answered"
            } else {
                "Knowledge questions answered"
            },
            match (passed, timed_out) {
                (_, true) => "time ran out",
                (true, false) => "all right",
                (false, false) => "not all right",
            }
        ),
        AuditKind::KbaNotEligible {
            provider,
            reference,
        } => format!(
            "{provider} cannot ask this signer questions{}; the method is not available to them",
            reference
                .as_ref()
                .map_or(String::new(), |r| format!(" (transaction {r})"))
        ),
        AuditKind::IdHandoffSent { to } => format!("The ID check's phone link sent to {to}"),
        AuditKind::IdHandoffOpened => "The ID check's phone link opened".into(),
        AuditKind::IdCheckSubmitted {
            provider,
            reference,
            document,
            live,
        } => format!(
            "Photos of a {} and a selfie handed to {provider} (check {reference}); {}",
            document.name().replace('_', " "),
            if *live {
                "all taken with the live camera"
            } else {
                "not all taken with the live camera"
            }
        ),
        AuditKind::IdCheckEnded {
            reference,
            failure,
            name,
        } => {
            let check = reference
                .as_ref()
                .map_or(String::new(), |r| format!(" (check {r})"));
            match (failure, name) {
                (Some(failure), _) => {
                    format!("ID check failed{check}: {}", id_failure(*failure))
                }
                (None, Some(name)) => format!("ID check passed{check}: the document names {name}"),
                (None, None) => format!("ID check ended{check}"),
            }
        }
        AuditKind::IdReportKept {
            report,
            reference,
            erase_at,
        } => format!(
            "Signer Identity Report {report} kept (check {reference}), to be erased by {}",
            utc(*erase_at)
        ),
        AuditKind::IdReportsErased { reports, by } => format!(
            "Signer Identity Report{} {} erased {}",
            if reports.len() == 1 { "" } else { "s" },
            reports.join(", "),
            match by {
                Erasure::OnRequest => "on an administrator's request",
                Erasure::Retention => "at the end of the account's retention period",
            }
        ),
        AuditKind::PasskeyRegistered { device } => {
            format!("A passkey registered for device {device}")
        }
        AuditKind::PasskeySignedIn { device } => {
            format!("Device {device} verified with its passkey")
        }
        AuditKind::PasskeyCloneSuspected { device } => format!(
            "Device {device}'s passkey refused: its signature counter went back (a cloned \
             authenticator?)"
        ),
        AuditKind::DevicePaired { device, from } => {
            format!("Device {device} paired from device {from}, confirmed there with its code")
        }
        AuditKind::RecoveryFailed { factor, tries_left } => format!(
            "Recovery failed: a wrong {}; {}",
            match factor {
                RecoveryFactor::RecoveryCode => "recovery code",
                RecoveryFactor::EmailCode => "e-mail code",
            },
            if *tries_left == 0 {
                "recovery is closed".to_string()
            } else {
                format!("{tries_left} tries left")
            }
        ),
        AuditKind::DeviceRecovered { device, revoked } => format!(
            "Device {device} recovered with the recovery code and an e-mail code{}",
            if revoked.is_empty() {
                String::new()
            } else {
                format!("; the other devices revoked: {}", revoked.join(", "))
            }
        ),
        AuditKind::DeviceExpired { device, reason } => format!(
            "Verification lapsed on device {device}: {}; it verifies again",
            expiry(*reason)
        ),
        AuditKind::DeviceDisowned { device } => format!(
            "Device {device} revoked: the signer said, from another of their devices, it was not \
             theirs; the sender was told"
        ),
        AuditKind::DevicesRevoked { devices, by } => format!(
            "Device{} {} revoked {}",
            if devices.len() == 1 { "" } else { "s" },
            devices.join(", "),
            match by {
                Revoker::Signer => "by the signer",
                Revoker::Admin => "through the admin API",
                Revoker::Recovery => "by a recovery, as the policy says",
            }
        ),
        AuditKind::VerificationFailed {
            method: m,
            failures,
            tries_left,
        } => format!(
            "Wrong entry ({}): {failures} in a row{}",
            method(*m),
            tries_left.map_or(String::new(), |n| format!(", {n} tries left"))
        ),
        AuditKind::Verified { method: m } => format!("Verified by {}", method(*m)),
        AuditKind::VerifiedOnAnotherDevice { method: m } => {
            format!("Verified again by {}, in another browser", method(*m))
        }
        AuditKind::GrantReissued { method: m } => {
            format!("A fresh grant for the verified link ({})", method(*m))
        }
        AuditKind::AttemptRefused { method: m, reason } => format!(
            "An entry ({}) was refused unchecked: {}",
            method(*m),
            refusal(*reason)
        ),
        AuditKind::RefusalsRepeated {
            method: m,
            reason,
            count,
            since: _,
        } => format!(
            "{count} more {} ({}) refused unchecked within the hour: {}",
            if *count == 1 { "entry" } else { "entries" },
            method(*m),
            refusal(*reason)
        ),
        AuditKind::AgreementCancelled { reason } => {
            format!("Agreement cancelled: {}", cancel(*reason))
        }
        AuditKind::MethodChanged {
            from,
            to,
            by,
            phone,
        } => format!(
            "Method changed from {} to {}{} by {}",
            method(*from),
            method(*to),
            phone.as_ref().map_or(String::new(), |p| format!(" ({p})")),
            contact(by)
        ),
        AuditKind::RecipientReplaced {
            from,
            to,
            method: m,
            by,
            phone,
        } => format!(
            "{} replaced by {} with {}{} by {}; the old link stopped working",
            contact(from),
            contact(to),
            method(*m),
            phone.as_ref().map_or(String::new(), |p| format!(" ({p})")),
            contact(by)
        ),
        AuditKind::WebhookDelivered { event, status } => {
            format!("Webhook {event} delivered (HTTP {status})")
        }
        AuditKind::WebhookFailed {
            event,
            attempt,
            error,
        } => format!("Webhook {event} failed (attempt {attempt}): {error}"),
        AuditKind::WebhookUndeliverable {
            event,
            attempts,
            reason,
        } => format!("Webhook {event} undeliverable after {attempts} tries: {reason}"),
        AuditKind::WebhookResent { event } => format!("Webhook {event} sent again on request"),
    };
    (text, None)
}

fn contact(c: &Contact) -> String {
    format!("{} <{}>", c.name, c.email)
}

pub(crate) fn method(m: Method) -> &'static str {
    match m {
        Method::EmailLink => "e-mail link",
        Method::Password => "password",
        Method::Phone => "phone code (SMS or call)",
        Method::EmailCode => "e-mail code",
        Method::Social => "social login",
        Method::PlatformAccount => "platform account",
        Method::Kba => "knowledge-based questions",
        Method::GovernmentId => "government ID",
        Method::Passkey => "passkey",
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "SMS",
        Channel::Voice => "voice call",
        Channel::Email => "e-mail",
    }
}

fn recipient_state(state: RecipientState) -> &'static str {
    match state {
        RecipientState::Pending => "pending",
        RecipientState::Verified => "verified",
        RecipientState::Cancelled => "cancelled",
    }
}

fn refusal(reason: RefusalReason) -> &'static str {
    match reason {
        RefusalReason::Cancelled => "the agreement is cancelled",
        RefusalReason::Throttled => "too many tries in a row",
    }
}

fn cancel(reason: CancelReason) -> &'static str {
    match reason {
        CancelReason::TooManyFailedAttempts => "a recipient ran out of tries",
    }
}

fn login_failure(failure: &LoginFailure) -> String {
    match failure {
        LoginFailure::Denied => "the signer declined".into(),
        LoginFailure::Expired => "the sign-in expired".into(),
        LoginFailure::Replayed => "a replayed answer".into(),
        LoginFailure::OtherBrowser => "finished in another browser".into(),
        LoginFailure::Provider { detail } => format!("the provider failed ({detail})"),
        LoginFailure::Token { problem } => {
            format!("the provider's token was refused ({problem:?})")
        }
        LoginFailure::Mismatch => "the account is not the recipient's".into(),
        LoginFailure::Cancelled => "the agreement was cancelled".into(),
    }
}

/// Why a verification lapsed.
fn expiry(reason: ExpiryReason) -> &'static str {
    match reason {
        ExpiryReason::MaxAge => "its maximum age passed",
        ExpiryReason::Inactivity => "unused for too long",
        ExpiryReason::Reset => "the account reset verifications",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::wire::RecipientStatus;

    fn status() -> AgreementStatus {
        AgreementStatus {
            id: "agr".into(),
            account_id: "acme".into(),
            title: "Lease".into(),
            state: AgreementState::Cancelled,
            cancel_reason: Some(CancelReason::TooManyFailedAttempts),
            created_at: 0,
            expires_at: 86_400_000,
            recipients: vec![RecipientStatus {
                id: "r1".into(),
                name: "Ада".into(),
                email: "ada@example.com".into(),
                method: Method::Social,
                internal: true,
                state: RecipientState::Cancelled,
                failures: 0,
                tries_left: None,
                phone_last4: None,
                signature_name: Some("Ada L.".into()),
            }],
            web_form_id: None,
        }
    }

    fn event(recipient: Option<&str>, kind: AuditKind) -> AuditEvent {
        AuditEvent {
            at: 60_000,
            recipient_id: recipient.map(str::to_string),
            kind,
        }
    }

    #[test]
    fn events_before_a_replacement_are_the_first_persons() {
        let person = |name: &str| Contact {
            name: name.into(),
            email: format!("{name}@example.com"),
        };
        let opened = || AuditKind::LinkOpened { method_shown: None };
        let events = [
            event(Some("r1"), opened()),
            event(
                Some("r1"),
                AuditKind::RecipientReplaced {
                    from: person("Ann"),
                    to: person("Bob"),
                    method: Method::Password,
                    by: person("Sam"),
                    phone: None,
                },
            ),
            event(Some("r1"), opened()),
            event(
                Some("r1"),
                AuditKind::RecipientReplaced {
                    from: person("Bob"),
                    to: person("Ада"),
                    method: Method::Password,
                    by: person("Sam"),
                    phone: None,
                },
            ),
            event(Some("r1"), opened()),
        ];
        let report = build(&status(), &events, "UTC", &|_| String::new(), 0);
        let who: Vec<&str> = report.sections[2]
            .rows
            .iter()
            .map(|row| match row {
                Row::Event { who, .. } => who.as_str(),
                Row::Field { .. } => "",
            })
            .collect();
        assert_eq!(who, ["Ann", "Ann", "Bob", "Bob", "Ада"]);
    }

    #[test]
    fn every_event_is_told_with_who_when_and_a_profile_link_for_logins() {
        let events = [
            event(
                Some("r1"),
                AuditKind::IdentityProven {
                    provider: "linkedin".into(),
                    subject: "ada-42".into(),
                    name: Some("Ada L.".into()),
                    email: None,
                    profile_url: Some("https://www.linkedin.com/in/ada".into()),
                },
            ),
            event(
                Some("r1"),
                AuditKind::IdentityProven {
                    provider: "evil".into(),
                    subject: "x".into(),
                    name: None,
                    email: None,
                    profile_url: Some("javascript:alert(1)".into()),
                },
            ),
            event(
                None,
                AuditKind::AgreementCancelled {
                    reason: CancelReason::TooManyFailedAttempts,
                },
            ),
        ];
        let local = |ms: u64| format!("local {ms}");
        let report = build(&status(), &events, "Europe/Berlin", &local, 120_000);
        let trail = &report.sections[2];
        assert_eq!(trail.heading, "Audit trail (3 events)");
        assert_eq!(
            trail.rows[0],
            Row::Event {
                utc: "1970-01-01 00:01:00 UTC".into(),
                local: "local 60000".into(),
                who: "Ада".into(),
                what: "linkedin vouched for account ada-42, name Ada L.".into(),
                link: Some("https://www.linkedin.com/in/ada".into()),
            }
        );
        assert!(
            matches!(&trail.rows[1], Row::Event { link: None, .. }),
            "only web addresses become links"
        );
        assert!(matches!(&trail.rows[2], Row::Event { who, what, .. }
            if who == "Agreement" && what == "Agreement cancelled: a recipient ran out of tries"));
        let fields = format!("{:?}", report.sections[..2].to_vec());
        for expected in [
            "cancelled: a recipient ran out of tries",
            "social login (internal recipient)",
            "Ада <ada@example.com>",
            "Name vouched for",
            "Europe/Berlin",
            "1970-01-02 00:00:00 UTC (local 86400000)",
        ] {
            assert!(fields.contains(expected), "{expected} in {fields}");
        }
    }
}
