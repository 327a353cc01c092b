//! Events and the site timeline through the binary: adding and listing sourced events, the
//! timeline merging them with scenes, and bad input refused with the catalog unchanged.

mod common;

use std::path::PathBuf;

use serde_json::Value;
use testkit::data_file;

/// A temporary folder with a catalog holding the Joplin site and its pre-storm scene.
struct Dossier {
    dir: tempfile::TempDir,
}

const CREDIT: &str = "NOAA NGS emergency response imagery, public domain";

impl Dossier {
    fn joplin() -> Dossier {
        let dossier = Dossier {
            dir: tempfile::tempdir().unwrap(),
        };
        dossier.ok(&["site", "add", "Joplin", "--bbox=-94.52,37.04,-94.49,37.08"]);
        dossier.ok(&["site", "edit", "Joplin", "--alias", "St. John's"]);
        let pre = data_file("joplin/pre/tile_337-9136.tif");
        dossier.ok(&[
            "scene",
            "add",
            pre.to_str().unwrap(),
            "--date",
            "2011-05-20T16:30:00Z",
            "--sensor",
            "NOAA aerial",
            "--credit",
            CREDIT,
        ]);
        dossier
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("dossier.gpkg")
    }

    fn ok(&self, args: &[&str]) -> String {
        common::run_ok(&self.db(), args)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.ok(&args)).expect("--json prints JSON")
    }
}

#[test]
fn events_are_added_listed_and_merged_into_the_timeline() {
    let dossier = Dossier::joplin();
    let tornado = dossier.json(&[
        "event",
        "add",
        "Joplin",
        "--date",
        "2011-05-22T22:34:00Z",
        "--kind",
        "media",
        "--source",
        "https://www.weather.gov/sgf/news_events_2011may22",
        "--note",
        "EF5 tornado crosses the city",
    ]);
    assert_eq!(tornado["site"], "Joplin");
    assert_eq!(tornado["kind"], "media");
    assert_eq!(tornado["date"], "2011-05-22T22:34:00.000Z");
    assert_eq!(
        sorted_keys(&tornado),
        ["created", "date", "id", "kind", "note", "site", "source"]
    );

    let text = dossier.ok(&[
        "event",
        "add",
        "st. john's",
        "--date",
        "2011-05-01",
        "--kind",
        "Report",
        "--source",
        "City of Joplin hospital expansion notice",
    ]);
    assert!(text.contains("2011-05-01  report"), "{text}");

    let events = dossier.json(&["event", "list", "Joplin"]);
    let dates: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2011-05-01", "2011-05-22T22:34:00.000Z"]);

    let timeline = dossier.json(&["timeline", "Joplin"]);
    let entries = timeline.as_array().unwrap();
    let order: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["date"].as_str().unwrap(), e["origin"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("2011-05-01", "event"),
            ("2011-05-20T16:30:00.000Z", "scene"),
            ("2011-05-22T22:34:00.000Z", "event"),
        ]
    );
    assert_eq!(entries[1]["source"], CREDIT);
    assert_eq!(entries[1]["kind"], "acquisition");
    assert_eq!(
        entries[2]["source"],
        "https://www.weather.gov/sgf/news_events_2011may22"
    );
    assert_eq!(entries[2]["summary"], "EF5 tornado crosses the city");
    for entry in entries {
        assert_eq!(
            sorted_keys(entry),
            ["building", "date", "id", "kind", "origin", "since", "source", "summary"]
        );
    }

    let text = dossier.ok(&["timeline", "Joplin"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("2011-05-01 "), "{text}");
    assert!(lines[0].contains("[source: City of Joplin hospital expansion notice]"));
    assert!(
        lines[1].contains("NOAA aerial") && lines[1].contains(CREDIT),
        "{text}"
    );
    assert!(lines[2].contains("EF5 tornado"), "{text}");
}

#[test]
fn bad_events_are_refused_and_the_catalog_is_unchanged() {
    let dossier = Dossier::joplin();
    let add = |site: &'static str, date: &'static str, kind: &'static str, source: &'static str| {
        [
            "event", "add", site, "--date", date, "--kind", kind, "--source", source,
        ]
    };
    common::assert_refused(
        &dossier.db(),
        &add("Moore", "2013-05-20", "visit", "NWS"),
        &["dossier.gpkg", "no site is named or aliased 'Moore'"],
    );
    common::assert_refused(
        &dossier.db(),
        &add("Joplin", "2011-05-22", "visit", "  "),
        &["event source", "citation or URL"],
    );
    common::assert_refused(
        &dossier.db(),
        &add("Joplin", "2011-05-22", "rumour", "NWS"),
        &["'rumour' is not an event kind", "construction"],
    );
    common::assert_refused(
        &dossier.db(),
        &add("Joplin", "22/05/2011", "visit", "NWS"),
        &["'22/05/2011' is not an ISO 8601 date"],
    );
    common::assert_refused(
        &dossier.db(),
        &["timeline", "Moore"],
        &["no site is named or aliased 'Moore'"],
    );
    assert_eq!(
        dossier.json(&["event", "list", "Joplin"]),
        Value::Array(vec![])
    );
}

/// The keys of a JSON object, sorted.
fn sorted_keys(object: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    keys
}
