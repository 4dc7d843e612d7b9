//! Who may use the service: loopback without settings; a token or signed-in users otherwise.

use std::time::Duration;

use axum::http::StatusCode;
use mamori_server::{Auth, StartError, User};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::{Harness, Setup, with_host};

const TOKEN: &str = "tokyo-kuyakusho-0123456789";

fn with_auth() -> Setup {
    let hash = mamori_server::hash_password("正しい合言葉-2026").expect("hash");
    Setup {
        auth: Auth::none()
            .with_token(TOKEN)
            .expect("token")
            .with_users(&[User {
                name: "soumu".to_owned(),
                password_hash: hash,
            }])
            .expect("users"),
        ..Setup::default()
    }
}

#[tokio::test]
async fn without_authentication_only_loopback_may_be_bound() {
    let open = Harness::new().await;
    let refused = mamori_server::bind(&open.state, "0.0.0.0:0".parse().expect("address")).await;
    assert!(
        matches!(refused, Err(StartError::OpenWithoutAuth { .. })),
        "{refused:?}"
    );
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("E-SERVE-001"), "{message}");
    let loopback = mamori_server::bind(&open.state, "127.0.0.1:0".parse().expect("address")).await;
    assert!(loopback.is_ok());
}

/// A raw HTTP/1.1 GET over TCP; the status code.
async fn raw_get(port: u16, path: &str, authorization: Option<&str>) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_open_to_the_network_refuses_requests_without_credentials() {
    let harness = Harness::with(with_auth()).await;
    let listener = mamori_server::bind(&harness.state, "0.0.0.0:0".parse().expect("address"))
        .await
        .expect("with authentication, any address may be bound");
    let port = listener.local_addr().expect("address").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mamori_server::serve_on(
        harness.state.clone(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    assert_eq!(raw_get(port, "/api/figures", None).await, 401);
    assert_eq!(
        raw_get(port, "/api/figures", Some("Bearer wrong-token-0123456789")).await,
        401
    );
    assert_eq!(
        raw_get(port, "/api/figures", Some(&format!("Bearer {TOKEN}"))).await,
        200
    );
    // A page sends people to the sign-in page.
    assert_eq!(raw_get(port, "/report", None).await, 303);
    assert_eq!(raw_get(port, "/login", None).await, 200);
    let _ = stop.send(());
    server.await.expect("task").expect("served");
}

#[tokio::test]
async fn people_sign_in_with_a_password_and_sign_out() {
    let harness = Harness::with(with_auth()).await;
    let login = harness.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let token = login.cookie("mamori_csrf").expect("csrf cookie");
    let wrong = harness
        .post_form(
            "/login",
            &token,
            &[("csrf", &token), ("user", "soumu"), ("password", "違う")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("パスワードが違います"));
    assert_eq!(wrong.cookie("mamori_session"), None);
    let right = harness
        .post_form(
            "/login",
            &token,
            &[
                ("csrf", &token),
                ("user", "soumu"),
                ("password", "正しい合言葉-2026"),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    let session = right.cookie("mamori_session").expect("a session");
    let cookies = format!("mamori_csrf={token}; mamori_session={session}");
    let home = harness
        .send(
            with_host(axum::http::Request::get("/"))
                .header("cookie", &cookies)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("ログイン中: soumu"), "{}", home.text());
    // The API by cookie needs the CSRF header for changes.
    let post = harness
        .send(
            with_host(axum::http::Request::post("/api/jobs/none/run"))
                .header("cookie", &cookies)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    let post = harness
        .send(
            with_host(axum::http::Request::post("/api/jobs/none/run"))
                .header("cookie", &cookies)
                .header("x-csrf-token", &token)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND, "{}", post.text());
    let out = harness
        .send(
            with_host(axum::http::Request::post("/logout"))
                .header("cookie", &cookies)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!("csrf={token}")))
                .expect("request"),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = harness
        .send(
            with_host(axum::http::Request::get("/api/figures"))
                .header("cookie", &cookies)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.error_code(), "E-SERVE-002");
}
