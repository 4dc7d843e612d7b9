//! The `file://DIR` transport: one `.eml` per Message-ID, written atomically.

use mamori_mail::{Delivery, FailureKind, Transport, TransportUrl, compose};

use crate::support::{assert_sample_message, sample_draft};

const MESSAGE_ID: &str = "job.annual-report.20250510T000000Z.3f2a@mamori.local";
const FILE_NAME: &str = "job.annual-report.20250510T000000Z.3f2a_mamori.local.eml";

fn file_transport(dir: &std::path::Path) -> Transport {
    let url = TransportUrl::parse(&format!("file://{}", dir.display())).expect("file url");
    Transport::new(&url, None).expect("file transport")
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read outbox")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn writes_one_eml_named_after_the_message_id() {
    let temp = tempfile::tempdir().expect("tempdir");
    let outbox = temp.path().join("mamori-data").join("outbox");
    let transport = file_transport(&outbox);
    assert!(!transport.sends_outside());
    let composed = compose(&sample_draft(MESSAGE_ID)).expect("compose");

    let delivery = transport.send(&composed).await.expect("send");

    let path = outbox.join(FILE_NAME);
    assert_eq!(delivery, Delivery::Written { path: path.clone() });
    assert_eq!(entries(&outbox), vec![FILE_NAME]);
    let written = std::fs::read(&path).expect("read eml");
    assert_eq!(written, composed.bytes);
    assert_sample_message(&written, MESSAGE_ID);
}

#[tokio::test]
async fn sending_twice_leaves_one_identical_file() {
    let temp = tempfile::tempdir().expect("tempdir");
    let transport = file_transport(temp.path());
    let composed = compose(&sample_draft(MESSAGE_ID)).expect("compose");

    let first = transport.send(&composed).await.expect("first send");
    let second = transport.send(&composed).await.expect("second send");

    assert_eq!(first, second);
    assert_eq!(entries(temp.path()), vec![FILE_NAME], "no temp files left");
    assert_eq!(
        std::fs::read(temp.path().join(FILE_NAME)).expect("read"),
        composed.bytes
    );
}

#[tokio::test]
async fn uncreatable_folder_is_an_error_naming_the_path() {
    let temp = tempfile::tempdir().expect("tempdir");
    // A regular file where a folder should be: fails even for root.
    let blocker = temp.path().join("blocker");
    std::fs::write(&blocker, b"not a folder").expect("write blocker");
    let outbox = blocker.join("outbox");
    let transport = file_transport(&outbox);
    let composed = compose(&sample_draft(MESSAGE_ID)).expect("compose");

    let error = transport.send(&composed).await.expect_err("cannot create");

    assert_eq!(error.kind, FailureKind::Transient);
    assert_eq!(error.code, None);
    assert!(
        error.message.starts_with(&format!(
            "could not create the outbox folder `{}`: ",
            outbox.display()
        )),
        "{}",
        error.message
    );
    assert_eq!(error.to_string(), error.message);
}
