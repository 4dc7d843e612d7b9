//! [`Secret`]: a password that never prints.

use std::fmt;

/// A password (for SMTP authentication). `Debug` and `Display` print `***`, so a secret can sit
/// in a config struct that is logged without leaking; only [`Secret::expose`] reveals it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password read by the caller (environment variable, password file).
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The password itself, for the one place that hands it to the SMTP client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Moves the password into the SMTP client's credentials without another copy.
    pub(crate) fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use crate::Secret;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("hunter2-パスワード".to_owned());
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(
            format!("{:?}", Some(&secret)),
            "Some(***)",
            "nested debug output is redacted too"
        );
        assert_eq!(secret.expose(), "hunter2-パスワード");
    }
}
