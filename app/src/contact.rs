//! Whom a signer can ask for help, and how to reach them.

use signgate_core::wire::RecipientView;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpContact {
    /// What the link says: the sender's name, or the support address or number itself.
    pub who: String,
    /// The account's support contact rather than the sender.
    pub is_support: bool,
    /// `mailto:` or `tel:`.
    pub href: String,
}

impl HelpContact {
    /// The account's support contact when it set one, else the sender.
    pub fn of(view: &RecipientView) -> HelpContact {
        match view.support_contact.as_deref().map(str::trim) {
            Some(support) if !support.is_empty() => HelpContact {
                who: support.to_owned(),
                is_support: true,
                href: href(support),
            },
            _ => HelpContact {
                who: view.sender.name.clone(),
                is_support: false,
                href: format!("mailto:{}", view.sender.email),
            },
        }
    }
}

/// An address for e-mail, anything else for the phone (kept to the characters `tel:` allows).
fn href(contact: &str) -> String {
    if contact.contains('@') {
        format!("mailto:{contact}")
    } else {
        let number: String = contact
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::wire::{Contact, RecipientState};

    fn view(support_contact: Option<&str>) -> RecipientView {
        RecipientView {
            state: RecipientState::Pending,
            sender: Contact {
                name: "Ada Lovelace".into(),
                email: "ada@example.com".into(),
            },
            support_contact: support_contact.map(Into::into),
            method: None,
            recipient_name: None,
            recipient_email: None,
            agreement_title: None,
            tries_left: None,
            phone_last4: None,
            codes: None,
            providers: Vec::new(),
            preview: false,
            new_devices: false,
        }
    }

    #[test]
    fn the_sender_is_the_contact_unless_support_is_set() {
        let sender = HelpContact::of(&view(None));
        assert_eq!(sender.who, "Ada Lovelace");
        assert_eq!(sender.href, "mailto:ada@example.com");
        assert!(!sender.is_support);

        let mail = HelpContact::of(&view(Some("help@acme.example")));
        assert_eq!(mail.href, "mailto:help@acme.example");
        assert!(mail.is_support);

        let phone = HelpContact::of(&view(Some("+49 (30) 1234-567")));
        assert_eq!(phone.who, "+49 (30) 1234-567");
        assert_eq!(phone.href, "tel:+49301234567");

        assert_eq!(HelpContact::of(&view(Some("  "))).who, "Ada Lovelace");
    }
}
