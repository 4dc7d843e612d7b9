//! Every format rendered from the fixture store, compared with reviewed snapshots.

mod support;

use mamori_report::{Format, Templates, render};

fn rendered(format: Format) -> String {
    let bytes = render(&support::report(), format, &Templates::default()).expect("render");
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn json_matches_the_snapshot() {
    insta::assert_snapshot!(rendered(Format::Json));
}

#[test]
fn csv_matches_the_snapshot() {
    insta::assert_snapshot!(rendered(Format::Csv));
}

#[test]
fn markdown_matches_the_snapshot() {
    insta::assert_snapshot!(rendered(Format::Markdown));
}

#[test]
fn html_fragment_matches_the_snapshot() {
    insta::assert_snapshot!(rendered(Format::HtmlFragment));
}

#[test]
fn html_page_matches_the_snapshot() {
    insta::assert_snapshot!(rendered(Format::Html));
}
