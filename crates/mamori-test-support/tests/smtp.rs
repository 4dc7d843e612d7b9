//! The SMTP test server itself, driven by a bare SMTP client written here: arrival order across a
//! restart on the same port, scripted replies, and the certificate files it is started with. TLS
//! is exercised by the mail and outbox tests, whose clients speak it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use mamori_test_support::smtp::{Handler, ServerTls, SmtpServer, TestCerts, free_port};

/// Reads one reply (the last line of a multi-line one) from the server.
fn reply(reader: &mut BufReader<TcpStream>) -> String {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("read a reply");
        assert!(!line.is_empty(), "the server closed the connection");
        // `250-…` continues a reply, `250 …` ends it.
        if line.as_bytes().get(3) != Some(&b'-') {
            return line.trim_end().to_owned();
        }
    }
}

fn command(reader: &mut BufReader<TcpStream>, line: &str) -> String {
    let stream = reader.get_mut();
    stream
        .write_all(format!("{line}\r\n").as_bytes())
        .expect("write a command");
    reply(reader)
}

/// Sends one message in clear text and returns the server's answer to its data.
fn send(port: u16, to: &str, subject: &str) -> String {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    assert!(reply(&mut reader).starts_with("220"));
    assert!(command(&mut reader, "EHLO client.example.jp").starts_with("250"));
    assert!(command(&mut reader, "MAIL FROM:<soumu@city.example.jp>").starts_with("250"));
    assert!(command(&mut reader, &format!("RCPT TO:<{to}>")).starts_with("250"));
    assert!(command(&mut reader, "DATA").starts_with("354"));
    let answer = command(
        &mut reader,
        &format!("Subject: {subject}\r\nTo: <{to}>\r\n\r\nbody of {subject}\r\n."),
    );
    command(&mut reader, "QUIT");
    answer
}

fn header(message: &[u8], name: &str) -> String {
    let text = String::from_utf8_lossy(message);
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} header in {text}"))
        .to_owned()
}

#[test]
fn messages_arrive_in_order_and_survive_a_restart_on_the_same_port() {
    let work = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut server = SmtpServer::start(work.path(), port, &ServerTls::None, &Handler::mailbox());
    assert_eq!(server.port(), port);

    for index in 1..=11 {
        let answer = send(port, &format!("to{index}@example.jp"), &format!("m{index}"));
        assert!(answer.starts_with("250"), "{answer}");
    }
    server.stop();
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(),
        "a stopped server accepts nothing"
    );
    assert_eq!(server.message_count(), 11, "messages stay readable");
    server.restart();
    let answer = send(port, "to12@example.jp", "m12");
    assert!(answer.starts_with("250"), "{answer}");

    let messages = server.wait_for_messages(12, Duration::from_secs(10));
    let subjects: Vec<String> = messages
        .iter()
        .map(|message| header(message, "Subject"))
        .collect();
    let expected: Vec<String> = (1..=12).map(|index| format!("m{index}")).collect();
    assert_eq!(subjects, expected, "arrival order, across the restart");
    assert_eq!(header(&messages[0], "X-RcptTo"), "to1@example.jp");
    assert_eq!(header(&messages[0], "X-MailFrom"), "soumu@city.example.jp");
    assert!(
        header(&messages[0], "X-Peer").starts_with("('127.0.0.1', "),
        "{}",
        header(&messages[0], "X-Peer")
    );
    assert!(
        String::from_utf8_lossy(&messages[11]).ends_with("\r\nbody of m12\r\n"),
        "the bytes as sent"
    );
}

#[test]
fn scripted_replies_come_first_and_only_accepted_messages_are_stored() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::scripted(["451 4.3.0 try again later", "550 5.1.1 no such user"]),
    );

    let answers: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|subject| send(server.port(), "kakari@example.jp", subject))
        .collect();

    assert_eq!(answers[0], "451 4.3.0 try again later");
    assert_eq!(answers[1], "550 5.1.1 no such user");
    assert!(answers[2].starts_with("250"), "{}", answers[2]);
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(header(&messages[0], "Subject"), "c");
}

#[test]
fn a_slow_server_stores_the_message_before_it_answers() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = SmtpServer::start(
        work.path(),
        free_port(),
        &ServerTls::None,
        &Handler::slow(Duration::from_millis(300)),
    );
    let port = server.port();

    let client = std::thread::spawn(move || send(port, "kakari@example.jp", "slow"));
    let messages = server.wait_for_messages(1, Duration::from_secs(10));
    let finished_when_stored = client.is_finished();
    let answer = client.join().expect("client thread");

    assert_eq!(header(&messages[0], "Subject"), "slow");
    assert!(!finished_when_stored, "the answer waits after storing");
    assert!(answer.starts_with("250"), "{answer}");
}

#[test]
fn test_certificates_are_pem_files_beside_each_other() {
    let work = tempfile::tempdir().expect("tempdir");
    let certs = TestCerts::generate(&work.path().join("certs"));

    assert!(certs.ca_pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(std::fs::read(&certs.ca_path).expect("ca.pem"), certs.ca_pem);
    let leaf = std::fs::read_to_string(&certs.cert_path).expect("server certificate");
    assert!(leaf.starts_with("-----BEGIN CERTIFICATE-----"), "{leaf}");
    assert_ne!(leaf.as_bytes(), certs.ca_pem.as_slice());
    let key = std::fs::read_to_string(&certs.key_path).expect("server key");
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "{key}");
}
