//! Who may use the service. On 127.0.0.1 with nothing configured, everyone on the machine may;
//! otherwise a request carries `Authorization: Bearer TOKEN` (scripts) or the session cookie
//! set by the sign-in page (people: the token, or a user name and password whose argon2 hash is
//! in `mamori.toml`).

use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Redirect, Response};
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::state::{AppState, SESSION_LIFETIME, Session, lock};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "mamori_session";

/// How requests are authenticated.
#[derive(Clone, Default)]
pub struct Auth {
    /// SHA-256 of the bearer token (the token itself is not kept).
    token_sha256: Option<[u8; 32]>,
    users: Vec<User>,
}

/// A user who signs in with a password.
#[derive(Clone)]
pub struct User {
    pub name: String,
    /// A PHC string (`$argon2id$v=19$…`), made by `mamori serve hash-password`.
    pub password_hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("User")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Auth")
            .field("token", &self.token_sha256.map(|_| "(set)"))
            .field(
                "users",
                &self
                    .users
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Why the authentication settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token is shorter than 16 characters")]
    ShortToken,
    #[error(
        "user `{0}`: the password hash is not a PHC string (make one with `mamori serve hash-password`)"
    )]
    BadHash(String),
    #[error("user `{0}` is listed twice")]
    DuplicateUser(String),
}

impl Auth {
    /// No authentication: only allowed on a loopback address.
    pub fn none() -> Auth {
        Auth::default()
    }

    /// Adds a bearer token (at least 16 characters).
    pub fn with_token(mut self, token: &str) -> Result<Auth, AuthError> {
        let token = token.trim();
        if token.chars().count() < 16 {
            return Err(AuthError::ShortToken);
        }
        self.token_sha256 = Some(Sha256::digest(token.as_bytes()).into());
        Ok(self)
    }

    /// Adds users with argon2 password hashes.
    pub fn with_users(mut self, users: &[User]) -> Result<Auth, AuthError> {
        for user in users {
            PasswordHash::new(&user.password_hash)
                .map_err(|_| AuthError::BadHash(user.name.clone()))?;
            if self.users.iter().any(|known| known.name == user.name) {
                return Err(AuthError::DuplicateUser(user.name.clone()));
            }
            self.users.push(user.clone());
        }
        Ok(self)
    }

    /// Whether any way to authenticate is configured.
    pub fn is_configured(&self) -> bool {
        self.token_sha256.is_some() || !self.users.is_empty()
    }

    /// Whether `token` is the configured token (compared as digests, in constant time).
    pub(crate) fn token_matches(&self, token: &str) -> bool {
        let Some(expected) = self.token_sha256 else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        given
            .iter()
            .zip(expected.iter())
            .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
            == 0
    }

    /// The user name when `name` and `password` sign in (the token also signs in, as `token`).
    pub(crate) fn sign_in(&self, name: &str, password: &str) -> Option<String> {
        if name.is_empty() && self.token_matches(password) {
            return Some("token".to_owned());
        }
        let user = self.users.iter().find(|user| user.name == name)?;
        let hash = PasswordHash::new(&user.password_hash).ok()?;
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .ok()
            .map(|()| user.name.clone())
    }
}

/// A PHC string for `password` (argon2id, random salt), for `[[serve.users]] password-hash`.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).map_err(|error| error.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|error| error.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'r>(request: &'r axum::http::HeaderMap, name: &str) -> Option<&'r str> {
    request
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The user signed in by the session cookie (shown on the pages; never logged).
#[derive(Debug, Clone)]
pub(crate) struct SignedIn(pub(crate) String);

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    /// No authentication configured (loopback only).
    Open,
    /// `Authorization: Bearer`: a script, not a browser; no CSRF token needed.
    Bearer,
    /// The session cookie of a signed-in person.
    Session,
}

/// Lets a request through when it is authenticated; API requests get 401, pages go to the
/// sign-in page. The credential is left in the request's extensions for the CSRF check.
pub(crate) async fn require(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let auth = &state.config().auth;
    let path = request.uri().path().to_owned();
    let credential = if !auth.is_configured() {
        Some(Credential::Open)
    } else if let Some(token) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    {
        auth.token_matches(token).then_some(Credential::Bearer)
    } else {
        match cookie(request.headers(), SESSION_COOKIE).and_then(|id| touch_session(&state, id)) {
            Some(user) => {
                request.extensions_mut().insert(SignedIn(user));
                Some(Credential::Session)
            }
            None => None,
        }
    };
    let is_public = path == "/login" || path.starts_with("/static/");
    match credential {
        Some(credential) => {
            request.extensions_mut().insert(credential);
            next.run(request).await
        }
        None if is_public => next.run(request).await,
        None if path.starts_with("/api/") => ApiError::unauthorized().into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

/// The user of a live session `id` (renewing it).
fn touch_session(state: &AppState, id: &str) -> Option<String> {
    let mut sessions = lock(&state.inner.sessions);
    let now = std::time::Instant::now();
    sessions.retain(|_, session| now.duration_since(session.last_used) < SESSION_LIFETIME);
    match sessions.get_mut(id) {
        Some(session) => {
            session.last_used = now;
            Some(session.user.clone())
        }
        None => None,
    }
}

/// Starts a session for `user` and returns its id.
pub(crate) fn start_session(state: &AppState, user: String) -> String {
    let id = crate::state::random_token();
    lock(&state.inner.sessions).insert(
        id.clone(),
        Session {
            user,
            last_used: std::time::Instant::now(),
        },
    );
    id
}

/// Ends a session.
pub(crate) fn end_session(state: &AppState, id: &str) {
    lock(&state.inner.sessions).remove(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_signs_in_and_a_wrong_one_does_not() {
        let hash = hash_password("とても長い合言葉 2026").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        let auth = Auth::none()
            .with_users(&[User {
                name: "soumu".to_owned(),
                password_hash: hash,
            }])
            .expect("valid");
        assert!(auth.is_configured());
        assert_eq!(
            auth.sign_in("soumu", "とても長い合言葉 2026").as_deref(),
            Some("soumu")
        );
        assert_eq!(auth.sign_in("soumu", "とても長い合言葉 2025"), None);
        assert_eq!(auth.sign_in("other", "とても長い合言葉 2026"), None);
    }

    #[test]
    fn the_token_is_compared_by_digest_and_short_ones_are_refused() {
        assert!(matches!(
            Auth::none().with_token("short"),
            Err(AuthError::ShortToken)
        ));
        let auth = Auth::none()
            .with_token("0123456789abcdef-token\n")
            .expect("long enough");
        assert!(auth.token_matches("0123456789abcdef-token"));
        assert!(!auth.token_matches("0123456789abcdef-tokem"));
        assert_eq!(
            auth.sign_in("", "0123456789abcdef-token").as_deref(),
            Some("token")
        );
        assert!(!Auth::none().is_configured());
    }
}
