//! [`Address`]: a validated mailbox, an optional display name plus `local@domain`.

use std::fmt;
use std::str::FromStr;

/// A mail address as written in a job file or on the command line: `a@b.jp` or
/// `総務課 <a@b.jp>` (the display name may also be quoted: `"総務課, 文書係" <a@b.jp>`).
///
/// The address itself must be ASCII: internationalised addresses need SMTPUTF8, which the
/// city's relays cannot be assumed to offer. The display name may be any text without control
/// characters; it is RFC 2047 encoded when the message is composed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    display_name: Option<String>,
    email: lettre::Address,
}

/// Why a string is not an [`Address`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the mail address is empty")]
    Empty,
    #[error("mail address `{}` contains a control character", input.escape_debug())]
    ControlCharacter { input: String },
    #[error("`{input}` is not a mail address: expected `local@domain` or `name <local@domain>`")]
    Malformed { input: String },
    #[error(
        "mail address `{input}` has non-ASCII characters; internationalised addresses are not supported"
    )]
    NonAscii { input: String },
    #[error("mail address `{input}` has no `@` or nothing before or after it")]
    MissingParts { input: String },
    #[error("mail address `{input}` has an invalid part before `@`")]
    InvalidLocalPart { input: String },
    #[error("mail address `{input}` has an invalid domain")]
    InvalidDomain { input: String },
}

impl Address {
    /// The bare address, `local@domain`.
    pub fn email(&self) -> &str {
        self.email.as_ref()
    }

    /// The part after `@` (`city.example.jp`), e.g. for Message-IDs of mail from this address.
    pub fn domain(&self) -> &str {
        self.email.domain()
    }

    /// The display name, if one was given (never empty).
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The address as lettre's type, for composing and for the SMTP envelope.
    pub(crate) fn lettre_address(&self) -> &lettre::Address {
        &self.email
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(input: &str) -> Result<Address, AddressError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(AddressError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(AddressError::ControlCharacter {
                input: input.to_owned(),
            });
        }
        let malformed = || AddressError::Malformed {
            input: trimmed.to_owned(),
        };
        let (display_name, email) = match trimmed.strip_suffix('>') {
            Some(rest) => {
                // The address cannot contain `<`, so the last one opens it even when a quoted
                // display name contains another.
                let open = rest.rfind('<').ok_or_else(malformed)?;
                let display_name = parse_display_name(rest[..open].trim()).ok_or_else(malformed)?;
                (display_name, rest[open + 1..].trim())
            }
            None => (None, trimmed),
        };
        if email.contains(['<', '>', '"']) || email.contains(char::is_whitespace) {
            return Err(malformed());
        }
        if !email.is_ascii() {
            return Err(AddressError::NonAscii {
                input: email.to_owned(),
            });
        }
        let email = lettre::Address::from_str(email).map_err(|error| {
            let input = email.to_owned();
            match error {
                lettre::address::AddressError::MissingParts => AddressError::MissingParts { input },
                lettre::address::AddressError::InvalidUser => {
                    AddressError::InvalidLocalPart { input }
                }
                lettre::address::AddressError::InvalidDomain => {
                    AddressError::InvalidDomain { input }
                }
                _ => AddressError::Malformed { input },
            }
        })?;
        Ok(Address {
            display_name,
            email,
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(name) = &self.display_name else {
            return f.write_str(self.email());
        };
        if needs_quoting(name) {
            f.write_str("\"")?;
            for character in name.chars() {
                if matches!(character, '"' | '\\') {
                    f.write_str("\\")?;
                }
                write!(f, "{character}")?;
            }
            f.write_str("\"")?;
        } else {
            f.write_str(name)?;
        }
        write!(f, " <{}>", self.email())
    }
}

/// `Some(None)` for no name, `Some(Some(name))` for a name, `None` when the text is not a name:
/// an unbalanced quote, or `<`, `>` or `"` outside quotes.
fn parse_display_name(text: &str) -> Option<Option<String>> {
    let name = match text.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"')?;
            let mut name = String::with_capacity(inner.len());
            let mut characters = inner.chars();
            while let Some(character) = characters.next() {
                match character {
                    '\\' => name.push(characters.next()?),
                    '"' => return None,
                    other => name.push(other),
                }
            }
            name
        }
        None if text.contains(['"', '<', '>']) => return None,
        None => text.to_owned(),
    };
    let name = name.trim();
    Some((!name.is_empty()).then(|| name.to_owned()))
}

/// RFC 5322 specials (and edge spaces) force a quoted display name.
fn needs_quoting(name: &str) -> bool {
    name.contains([
        '"', '(', ')', ',', '.', ':', ';', '<', '>', '@', '[', '\\', ']',
    ]) || name.starts_with(' ')
        || name.ends_with(' ')
}

#[cfg(test)]
mod tests {
    use crate::{Address, AddressError};

    fn parse(input: &str) -> Result<Address, AddressError> {
        input.parse()
    }

    #[test]
    fn bare_address() {
        let address = parse("soumu@city.example.jp").expect("valid");
        assert_eq!(address.email(), "soumu@city.example.jp");
        assert_eq!(address.display_name(), None);
        assert_eq!(address.to_string(), "soumu@city.example.jp");
    }

    #[test]
    fn japanese_display_name() {
        let address = parse("  総務課 <a@b.jp> ").expect("valid");
        assert_eq!(address.email(), "a@b.jp");
        assert_eq!(address.display_name(), Some("総務課"));
        assert_eq!(address.to_string(), "総務課 <a@b.jp>");
    }

    #[test]
    fn quoted_display_name_round_trips() {
        let address = parse(r#""総務課, 文書係 \"A\"" <a@b.jp>"#).expect("valid");
        assert_eq!(address.display_name(), Some(r#"総務課, 文書係 "A""#));
        assert_eq!(address.to_string(), r#""総務課, 文書係 \"A\"" <a@b.jp>"#);
        assert_eq!(parse(&address.to_string()), Ok(address));
    }

    #[test]
    fn quoted_name_may_contain_angle_brackets() {
        let address = parse(r#""<係>" <a@b.jp>"#).expect("valid");
        assert_eq!(address.display_name(), Some("<係>"));
        assert_eq!(address.email(), "a@b.jp");
    }

    #[test]
    fn empty_name_is_none() {
        let address = parse("<a@b.jp>").expect("valid");
        assert_eq!(address.display_name(), None);
        assert_eq!(parse(r#""" <a@b.jp>"#).expect("valid").display_name(), None);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(parse("  "), Err(AddressError::Empty));
        assert_eq!(
            parse("a@b.jp\r\nBcc: x@y.jp"),
            Err(AddressError::ControlCharacter {
                input: "a@b.jp\r\nBcc: x@y.jp".to_owned()
            })
        );
        assert_eq!(
            parse("総務課 <a@b.jp"),
            Err(AddressError::Malformed {
                input: "総務課 <a@b.jp".to_owned()
            })
        );
        assert_eq!(
            parse("a<b <a@b.jp>"),
            Err(AddressError::Malformed {
                input: "a<b <a@b.jp>".to_owned()
            })
        );
        assert_eq!(
            parse("a b@c.jp"),
            Err(AddressError::Malformed {
                input: "a b@c.jp".to_owned()
            })
        );
        assert_eq!(
            parse("soumu.city.jp"),
            Err(AddressError::MissingParts {
                input: "soumu.city.jp".to_owned()
            })
        );
        assert_eq!(
            parse("総務@city.jp"),
            Err(AddressError::NonAscii {
                input: "総務@city.jp".to_owned()
            })
        );
        assert_eq!(
            parse("a@-bad-.jp"),
            Err(AddressError::InvalidDomain {
                input: "a@-bad-.jp".to_owned()
            })
        );
    }

    #[test]
    fn error_messages_name_the_input() {
        let error = parse("soumu.city.jp").expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "mail address `soumu.city.jp` has no `@` or nothing before or after it"
        );
        let error = parse("a\nb@c.jp").expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "mail address `a\\nb@c.jp` contains a control character"
        );
    }
}
