//! The headless commands, run as a real process on a real data directory.

use std::process::{Command, Output};

/// The facility secret the `clinic` processes get.
const SECRET: &str = "测试密钥";

fn clinic(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clinic"))
        .env("CLINIC_SECRET", SECRET)
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run clinic")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn demo_find_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let out = clinic(dir.path(), &["demo", "--residents", "300"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("residents"));

    // Search by the surname in characters, then by the initials of the first hit.
    let hits = json(&clinic(dir.path(), &["find", "王"]));
    let first = &hits.as_array().expect("array")[0]["resident"];
    let name = first["name"].as_str().unwrap();
    let pinyin = first["pinyin"].as_str().unwrap();
    let initials: String = pinyin.split(' ').filter_map(|s| s.chars().next()).collect();
    let by_initials = json(&clinic(dir.path(), &["find", &initials]));
    assert!(
        by_initials
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["resident"]["name"] == name)
    );

    // History by ID number: complete, ordered, and the view is audited.
    let idn = first["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "id_number")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string();
    let history = json(&clinic(dir.path(), &["history", &idn]));
    assert_eq!(history["resident"]["name"], name);
    let times: Vec<&str> = history["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "history out of order"
    );
}

#[test]
fn errors_go_to_stderr_with_a_failure_status() {
    let dir = tempfile::tempdir().unwrap();
    let out = clinic(dir.path(), &["history", "420921198503150016"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("should be 5"), "{err}");

    let out = clinic(dir.path(), &["history", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no resident"));
}

#[test]
fn a_store_from_a_newer_version_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    assert!(clinic(dir.path(), &["find", "x"]).status.success());
    // Bump the schema version the way a future program would.
    {
        let path = dir.path().join("clinic.redb");
        let db = storage::Store::open_raw(&path, &storage::OpenOptions::new(SECRET)).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut meta = tx
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
                .unwrap();
            let newer = u64::from(storage::SCHEMA_VERSION) + 1;
            meta.insert("schema_version", newer.to_le_bytes().as_slice())
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let out = clinic(dir.path(), &["find", "x"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("schema version {}", storage::SCHEMA_VERSION + 1))
            && err.contains("newer"),
        "{err}"
    );
}

fn write_qr(path: &std::path::Path, text: &str) {
    let img = scanner::card::qr_image(text, 5).unwrap();
    image::GrayImage::from_raw(img.width, img.height, img.pixels)
        .unwrap()
        .save(path)
        .unwrap();
}

fn scan(
    data: &std::path::Path,
    files: &[&std::path::Path],
    extra: &[&str],
) -> Vec<serde_json::Value> {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = clinic(data, &args);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn issue_a_card_then_scan_its_picture() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        clinic(&data, &["demo", "--residents", "100"])
            .status
            .success()
    );
    let hits = json(&clinic(&data, &["find", "王"]));
    let resident = &hits[0]["resident"];
    let png = dir.path().join("card.png");
    let out = clinic(
        &data,
        &[
            "card",
            "issue",
            resident["id"].as_str().unwrap(),
            "--staff",
            "frontdesk",
            "--png",
            png.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(text.starts_with("EHC1:"));

    // A payment code and an unreadable file beside it: reported, not fatal to the others.
    let pay = dir.path().join("pay.png");
    write_qr(&pay, "wxp://f2f0Xyz123");
    let broken = dir.path().join("broken.png");
    std::fs::write(&broken, b"not a png").unwrap();
    let lines = scan(&data, &[&png, &pay, &broken], &[]);
    assert_eq!(lines.len(), 3);
    let card = &lines[0]["codes"][0];
    assert_eq!(card["text"], text);
    assert_eq!(card["kind"], "signed_card");
    assert_eq!(card["outcome"], "valid");
    assert_eq!(card["resident"]["id"], resident["id"]);
    assert_eq!(lines[1]["codes"][0]["kind"], "not_a_health_card");
    assert!(
        lines[1]["codes"][0]["looks_like"]
            .as_str()
            .unwrap()
            .contains("payment")
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("not a readable image")
    );
}

/// Pins the demo root in the settings, as a demo installation does.
fn pin_demo_root(data: &std::path::Path) {
    let mut settings = app::settings::Settings::load(data).unwrap();
    settings.root_key = app::trust::DEMO_ROOT.into();
    settings.save(data).unwrap();
}

#[test]
fn a_forged_or_expired_card_is_refused_in_the_spec_words() {
    use scanner::card::*;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let token = |iat: u64, exp: u64| CardToken {
        iss: "CN-510000".into(),
        iat,
        exp,
        card: CardClaims {
            version: 1,
            card_id: [1; 32],
            name: "李娜".into(),
            pinyin: None,
            sex: 2,
            birth_date: 19900101,
            region: None,
            id_hint: None,
            holder_key: None,
            insurance: None,
        },
    };
    let expired = dir.path().join("expired.png");
    write_qr(
        &expired,
        &issue_card(
            &token(now - 3 * 365 * 86_400, now - 86_400),
            &keys::demo::issuer(),
        ),
    );
    let stranger = p256::ecdsa::SigningKey::from_slice(&[5; 32]).unwrap();
    let unknown = dir.path().join("unknown.png");
    write_qr(
        &unknown,
        &issue_card(&token(now - 100, now + 86_400), &stranger),
    );
    // Without a pinned root nothing verifies, and the program says why.
    let out = clinic(&data, &["scan", expired.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("No trust root is configured"));
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(line["codes"][0]["outcome"], "unknown_key");
    pin_demo_root(&data);
    let lines = scan(&data, &[&expired, &unknown], &[]);
    assert_eq!(lines[0]["codes"][0]["outcome"], "expired");
    assert_eq!(lines[0]["codes"][0]["resolution"]["resolution"], "refused");
    assert_eq!(lines[1]["codes"][0]["outcome"], "unknown_key");
    assert_eq!(lines[1]["codes"][0]["outcome_words"], "unknown key");

    // A genuine card of someone not in the store: register, pre-filled.
    let fresh = dir.path().join("fresh.png");
    write_qr(
        &fresh,
        &issue_card(&token(now - 100, now + 86_400), &keys::demo::issuer()),
    );
    let lines = scan(&data, &[&fresh], &[]);
    assert_eq!(lines[0]["codes"][0]["outcome"], "valid");
    assert_eq!(lines[0]["codes"][0]["resolution"]["resolution"], "unknown");
}

#[test]
fn trust_lists_only_move_forward_and_must_be_signed_by_the_root() {
    use scanner::card::*;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = clinic(&data, &["trust", "show"]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("No trust root"),
        "nothing is trusted before a root is pinned (the demo root's private key is public)"
    );
    pin_demo_root(&data);
    assert!(
        clinic(&data, &["trust", "show"]).status.success(),
        "the demo list is installed with the demo root"
    );
    let demo = TrustList::verify(
        &std::fs::read(data.join("trust-list.ehtl")).unwrap(),
        keys::demo::root().verifying_key(),
    )
    .unwrap();

    // Version 2 revokes card [1;32] for codes issued before now: a card issued earlier is revoked.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut v2 = demo.clone();
    v2.version = 2;
    v2.revocations.push(Revocation {
        card_id: [1; 32],
        revoked_before: now,
    });
    let v2_file = dir.path().join("v2.ehtl");
    std::fs::write(&v2_file, v2.sign(&keys::demo::root())).unwrap();
    let out = clinic(&data, &["trust", "import", v2_file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Importing version 1 again is refused.
    let v1_file = dir.path().join("v1.ehtl");
    std::fs::write(&v1_file, demo.sign(&keys::demo::root())).unwrap();
    let out = clinic(&data, &["trust", "import", v1_file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("older"));

    // A list signed by another key is refused.
    let evil = p256::ecdsa::SigningKey::from_slice(&[6; 32]).unwrap();
    let mut v3 = v2.clone();
    v3.version = 3;
    let v3_file = dir.path().join("v3.ehtl");
    std::fs::write(&v3_file, v3.sign(&evil)).unwrap();
    let out = clinic(&data, &["trust", "import", v3_file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("root key"));

    let token = CardToken {
        iss: "CN-510000".into(),
        iat: now - 1000,
        exp: now + 86_400,
        card: CardClaims {
            version: 1,
            card_id: [1; 32],
            name: "李娜".into(),
            pinyin: None,
            sex: 2,
            birth_date: 19900101,
            region: None,
            id_hint: None,
            holder_key: None,
            insurance: None,
        },
    };
    let revoked = dir.path().join("revoked.png");
    write_qr(&revoked, &issue_card(&token, &keys::demo::issuer()));
    assert_eq!(
        scan(&data, &[&revoked], &[])[0]["codes"][0]["outcome"],
        "revoked"
    );
    // With the old list given explicitly, the same card verifies.
    assert_eq!(
        scan(
            &data,
            &[&revoked],
            &["--trust-list", v1_file.to_str().unwrap()]
        )[0]["codes"][0]["outcome"],
        "valid"
    );
}

#[test]
fn the_daily_report_prints_the_claims_of_a_day() {
    use storage::model::*;
    use storage::{Actor, Clock, Date, OpenOptions, Store};
    let dir = tempfile::tempdir().unwrap();
    assert!(
        clinic(dir.path(), &["demo", "--residents", "300"])
            .status
            .success()
    );
    let centre = fixtures::catalogue::TOWNSHIP_CENTRE;
    // Visits settled at the front desk on the last day of a year and on 1 January of the
    // next (its clock fixed on those days, half an hour either side of midnight too): the
    // report keeps the two days and years apart, whatever day the test runs on. (The demo
    // settles only this year's visits before today: on 1 January it has none to report.)
    const HOUR: i64 = 3_600_000;
    let eve = Date::new(2026, 12, 31).unwrap();
    let new_year = Date::new(2027, 1, 1).unwrap();
    let visits = [
        (eve, 9 * HOUR),
        (eve, 23 * HOUR + HOUR / 2),
        (new_year, HOUR / 2),
        (new_year, 9 * HOUR),
        (new_year, 10 * HOUR),
    ];
    let catalogue = fixtures::catalogue::demo_catalogue();
    let fee = catalogue.get(storage::CONSULTATION_FEE).unwrap();
    let path = dir.path().join("clinic.redb");
    let mut settled: Vec<(Date, storage::Id)> = Vec::new();
    {
        let clock = Clock::fixed(eve.start_ms());
        let store = Store::open(&path, OpenOptions::new(SECRET).with_clock(clock.clone())).unwrap();
        let insured: Vec<storage::Id> = store
            .search("王", None)
            .unwrap()
            .into_iter()
            .map(|h| h.resident)
            .filter(|r| r.insurance().is_some())
            .map(|r| r.id)
            .collect();
        let desk = Actor {
            staff: "frontdesk".into(),
            facility: centre.into(),
            role: Role::FrontDesk,
        };
        for (n, (day, at)) in visits.into_iter().enumerate() {
            clock.set(day.start_ms() + at);
            let bill = vec![storage::bill_line(fee, 1, false)];
            let checkout = store.checkout(insured[n], centre, None, bill).unwrap();
            let (claim, _) = store
                .complete_checkout(&desk, &checkout, PaymentMethod::Cash)
                .unwrap();
            settled.push((day, claim.expect("an insured resident's claim")));
        }
    }
    // What the store itself reports for each day (closed again before the program runs).
    let expected: Vec<(Date, storage::DailyReport)> = {
        let store = Store::open(&path, OpenOptions::new(SECRET)).unwrap();
        [eve, new_year]
            .into_iter()
            .map(|day| {
                let of_day: Vec<storage::Id> = store
                    .claims_of_day(centre, day)
                    .unwrap()
                    .into_iter()
                    .map(|b| b.claim.id)
                    .collect();
                for (d, id) in &settled {
                    assert_eq!(of_day.contains(id), *d == day, "{day}: claim {id} of {d}");
                }
                (day, store.daily_report(centre, day).unwrap())
            })
            .collect()
    };
    for (day, expected) in expected {
        let ours = settled.iter().filter(|(d, _)| *d == day).count();
        let date = day.to_string();
        let report = json(&clinic(
            dir.path(),
            &[
                "report",
                "daily",
                "--date",
                &date,
                "--facility",
                centre,
                "--json",
            ],
        ));
        assert_eq!(report["day"], date);
        assert_eq!(report["claims"], expected.claims());
        assert_eq!(report["takings_fen"], expected.takings_fen());
        let rows = report["rows"].as_array().unwrap();
        // Ours are the day's only claims not yet sent to the hub (the demo's were decided).
        let queued: Vec<&serde_json::Value> =
            rows.iter().filter(|r| r["status"] == "queued").collect();
        assert_eq!(queued.len(), 1, "{report}");
        assert_eq!(queued[0]["count"], ours, "{report}");
        assert_eq!(
            queued[0]["total_fen"],
            ours as i64 * fee.price_fen,
            "{report}"
        );
        let total: i64 = rows.iter().map(|r| r["total_fen"].as_i64().unwrap()).sum();
        let split: i64 = rows
            .iter()
            .map(|r| r["insurance_fen"].as_i64().unwrap() + r["patient_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(
            total, split,
            "insurance and patient shares add up to the total"
        );

        let text = clinic(
            dir.path(),
            &["report", "daily", "--date", &date, "--facility", centre],
        );
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("花园镇卫生院") && text.contains(&date),
            "{text}"
        );
        assert!(
            text.contains(&storage::settlement::yuan(expected.takings_fen())),
            "{text}"
        );
    }

    let bad = clinic(dir.path(), &["report", "daily", "--date", "2026-13-01"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("2026-13-01"));
}

#[test]
fn the_secret_can_be_changed_and_the_audit_log_verified_and_searched() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        clinic(dir.path(), &["demo", "--residents", "50"])
            .status
            .success()
    );
    let found = json(&clinic(dir.path(), &["find", "王"]));
    let who = found[0]["resident"]["id"].as_str().unwrap().to_string();
    assert!(clinic(dir.path(), &["history", &who]).status.success());

    // Every chain holds, and the look-up just made is in the log, under the CLI's user.
    let out = clinic(dir.path(), &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chains = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(chains >= 1);
    let out = clinic(
        dir.path(),
        &[
            "audit",
            "search",
            "--from",
            "2000-01-01",
            "--to",
            "2099-12-31",
            "--resident",
            &who,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        entries
            .iter()
            .any(|e| e["staff"].as_str().unwrap().starts_with("cli:")),
        "{entries:?}"
    );

    // A new secret: the old one stops working, the new one opens the same data.
    let new_secret = dir.path().join("new-secret");
    std::fs::write(&new_secret, "新的机构密钥\n").unwrap();
    let out = clinic(
        dir.path(),
        &[
            "secret",
            "change",
            "--new-secret-file",
            new_secret.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = clinic(dir.path(), &["find", "王"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("secret is wrong"));
    let out = Command::new(env!("CARGO_BIN_EXE_clinic"))
        .env_remove("CLINIC_SECRET")
        .env("CLINIC_SECRET_FILE", &new_secret)
        .arg("--data")
        .arg(dir.path())
        .args(["find", "王"])
        .output()
        .unwrap();
    assert_eq!(json(&out), found);

    // Re-keyed as well: a third secret opens the same data, the second no longer does.
    let newest = dir.path().join("newest-secret");
    std::fs::write(&newest, "第三个机构密钥\n").unwrap();
    let with_secret = |secret: &std::path::Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clinic"))
            .env_remove("CLINIC_SECRET")
            .env("CLINIC_SECRET_FILE", secret)
            .arg("--data")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = with_secret(
        &new_secret,
        &[
            "secret",
            "change",
            "--rekey",
            "--new-secret-file",
            newest.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("new data key"));
    assert!(!with_secret(&new_secret, &["find", "王"]).status.success());
    assert_eq!(json(&with_secret(&newest, &["find", "王"])), found);
    assert!(with_secret(&newest, &["audit", "verify"]).status.success());
}

/// `pdftotext` of a PDF file.
fn pdf_text(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn print_a_card_that_scans_as_valid_and_a_doctor_s_prescription_and_referral() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        clinic(&data, &["demo", "--residents", "200"])
            .status
            .success()
    );

    // A resident with a prescription in the demo history.
    let hits = json(&clinic(&data, &["find", "王"]));
    let (resident, records) = hits
        .as_array()
        .unwrap()
        .iter()
        .find_map(|h| {
            let id = h["resident"]["id"].as_str().unwrap().to_string();
            let history = json(&clinic(&data, &["history", &id]));
            let records = history["records"].as_array().unwrap().clone();
            records
                .iter()
                .any(|r| r["category"] == "prescription")
                .then_some((h["resident"].clone(), records))
        })
        .expect("a demo resident with a prescription");
    let name = resident["name"].as_str().unwrap();

    // The card: printed to a PDF, rendered at 200 dpi, scanned as a valid card of this resident.
    let card_pdf = dir.path().join("card.pdf");
    let out = clinic(
        &data,
        &[
            "print",
            "card",
            resident["id"].as_str().unwrap(),
            "--staff",
            "frontdesk",
            "--out",
            card_pdf.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(pdf_text(&card_pdf).contains(name));
    let prefix = dir.path().join("card");
    assert!(
        Command::new("pdftoppm")
            .args(["-gray", "-png", "-singlefile", "-r", "200"])
            .arg(&card_pdf)
            .arg(&prefix)
            .status()
            .unwrap()
            .success()
    );
    let lines = scan(&data, &[&prefix.with_extension("png")], &[]);
    let card = &lines[0]["codes"][0];
    assert_eq!(card["kind"], "signed_card");
    assert_eq!(card["outcome"], "valid");
    assert_eq!(card["resident"]["id"], resident["id"]);

    // The prescription goes to the printer command of the settings, which reads stdin.
    let printed = dir.path().join("printer-got.pdf");
    let settings_path = data.join("settings.json");
    let mut settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings_path).unwrap_or(b"{}".to_vec())).unwrap();
    settings["printer"] = format!("cat > '{}'", printed.display()).into();
    std::fs::write(&settings_path, settings.to_string()).unwrap();
    let rx = records
        .iter()
        .find(|r| r["category"] == "prescription")
        .unwrap();
    let rx_id = rx["id"].as_str().unwrap();
    let out = clinic(
        &data,
        &["print", "prescription", rx_id, "--doctor", "doctor"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent to the printer"));
    let text = pdf_text(&printed);
    assert!(text.contains("处方笺") && text.contains(name), "{text}");
    for line in rx["record"]["Prescription"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .take(5)
    {
        let drug = line["drug_name"].as_str().unwrap();
        assert!(text.contains(drug), "{drug} missing from:\n{text}");
    }

    // Only doctors print clinical documents; the front desk is refused and nothing printed.
    std::fs::remove_file(&printed).unwrap();
    let out = clinic(
        &data,
        &["print", "prescription", rx_id, "--doctor", "frontdesk"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only doctors"));
    assert!(!printed.exists());

    // A referral from an encounter.
    let visit = records
        .iter()
        .find(|r| r["category"] == "encounter")
        .unwrap();
    let referral = dir.path().join("referral.pdf");
    let out = clinic(
        &data,
        &[
            "print",
            "referral",
            visit["id"].as_str().unwrap(),
            "--doctor",
            "doctor",
            "--to",
            "孝昌县第一人民医院",
            "--reason",
            "需要上级医院进一步检查",
            "--out",
            referral.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = pdf_text(&referral);
    assert!(text.contains("孝昌县第一人民医院") && text.contains("需要上级医院进一步检查"));

    // Every print is in the audit log, with who printed what; the refused one is not.
    let out = clinic(
        &data,
        &[
            "audit",
            "search",
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--resident",
            resident["id"].as_str().unwrap(),
        ],
    );
    let prints: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["action"] == "Print")
        .map(|e| {
            (
                e["staff"].as_str().unwrap().into(),
                e["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(prints.len(), 3, "{prints:?}");
    assert!(prints.iter().any(|(_, why)| why == "card issued"));
    assert!(prints.contains(&("doctor".into(), "prescription printed".into())));
    assert!(prints.contains(&("doctor".into(), "referral to 孝昌县第一人民医院".into())));
}

/// The follow-up worklist as a process: a demo hypertensive patient overdue for follow-up is
/// listed; once a follow-up is recorded they leave the list; a call that reached someone takes
/// them off too, one that found nobody keeps them on with the attempt counted; the A4 list
/// prints what the JSON says.
#[test]
fn the_follow_up_worklist_shrinks_as_the_work_is_done() {
    use storage::model::*;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        clinic(&data, &["demo", "--residents", "600"])
            .status
            .success()
    );
    let list = |extra: &[&str]| {
        let mut args = vec![
            "worklist", "--kind", "followup", "--json", "--doctor", "doctor",
        ];
        args.extend_from_slice(extra);
        json(&clinic(&data, &args))
    };
    let ids = |l: &serde_json::Value| -> Vec<String> {
        l["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resident"].as_str().unwrap().to_string())
            .collect()
    };
    let before = list(&[]);
    let entries = before["entries"].as_array().unwrap().clone();
    let hypertensive_overdue: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| {
            e["overdue"] == true
                && e["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["what_en"].as_str().unwrap().starts_with("Hypertension"))
        })
        .collect();
    assert!(
        hypertensive_overdue.len() >= 3,
        "the demo has hypertensive patients overdue for follow-up: {:#}",
        before
    );
    let first = hypertensive_overdue[0];
    assert!(first["overdue_days"].as_i64().unwrap() > 0);
    assert!(!first["phone"].as_str().unwrap().is_empty() || first["phone_of"].is_string());
    assert!(first["last_visit"]["date"].is_string());
    // Overdue first, the longest overdue first.
    let days: Vec<i64> = entries
        .iter()
        .take_while(|e| e["overdue"] == true)
        .map(|e| e["overdue_days"].as_i64().unwrap())
        .collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");

    // A controlled follow-up recorded for the first: off the list.
    let seen = first["resident"].as_str().unwrap().to_string();
    {
        let store =
            storage::Store::open(data.join("clinic.redb"), storage::OpenOptions::new(SECRET))
                .unwrap();
        let doctor = storage::Actor {
            staff: "doctor".into(),
            facility: before["facility"].as_str().unwrap().into(),
            role: Role::Doctor,
        };
        let today = store.clock().today();
        let record = ClinicalRecord {
            resident: seen.parse().unwrap(),
            at: store.clock().now_ms(),
            facility: doctor.facility.clone(),
            clinician: "陈志强".into(),
            body: RecordBody::ChronicFollowUp(ChronicFollowUp {
                condition: ChronicCondition::Hypertension,
                method: FollowUpMethod::Home,
                systolic: Some(132),
                diastolic: Some(84),
                fasting_glucose_x10: None,
                hba1c_x10: None,
                weight_x10: None,
                adherence: Adherence::Regular,
                control: ControlStatus::Satisfactory,
                medications: vec!["硝苯地平缓释片".into()],
                next_visit: Some(today.add_months(3)),
                notes: String::new(),
            }),
        };
        store.add_record(&doctor, record).unwrap();
    }
    // Reached by phone: off the list; nobody home: still on it, the attempt counted.
    let reached = hypertensive_overdue[1]["resident"]
        .as_str()
        .unwrap()
        .to_string();
    let missed = hypertensive_overdue[2]["resident"]
        .as_str()
        .unwrap()
        .to_string();
    for (who, outcome) in [(&reached, "reached"), (&missed, "not_reached")] {
        let out = clinic(
            &data,
            &[
                "worklist",
                "contact",
                who,
                "--kind",
                "followup",
                "--outcome",
                outcome,
                "--doctor",
                "doctor",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = list(&[]);
    let now = ids(&after);
    assert!(
        !now.contains(&seen),
        "a follow-up was recorded: off the list"
    );
    assert!(!now.contains(&reached), "reached: off the list for now");
    let still = after["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resident"] == missed.as_str())
        .expect("nobody reached: still listed");
    assert_eq!(still["attempts"], 1);
    assert_eq!(still["last_contact"]["outcome"], "not_reached");
    assert_eq!(now.len(), ids(&before).len() - 2);

    // One village: only its residents.
    let village = first["village"].as_str().unwrap();
    let one = list(&["--village", village]);
    assert!(!one["entries"].as_array().unwrap().is_empty());
    assert!(
        one["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["village"] == village)
    );

    // The A4 list for the round holds the same people.
    let pdf = dir.path().join("round.pdf");
    let out = clinic(
        &data,
        &[
            "worklist",
            "--kind",
            "followup",
            "--village",
            village,
            "--doctor",
            "doctor",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("慢病随访名单"), "{text}");
    assert!(text.contains(&format!(
        "共 {} 人",
        one["entries"].as_array().unwrap().len()
    )));
    for e in one["entries"].as_array().unwrap() {
        assert!(
            text.contains(e["name"].as_str().unwrap()),
            "{} missing",
            e["name"]
        );
    }

    // Every other list runs; a wrong kind is a clear error.
    for kind in ["immunisation", "antenatal", "child"] {
        let l = json(&clinic(
            &data,
            &["worklist", "--kind", kind, "--json", "--doctor", "doctor"],
        ));
        assert_eq!(l["kind"], kind);
    }
    let out = clinic(&data, &["worklist", "--kind", "dental"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("followup, immunisation"));
}

/// Output piped into a program that stops reading (`clinic find 王 | head`) ends the command
/// quietly, not with a panic and its backtrace.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clinic"))
        .env("CLINIC_SECRET", SECRET)
        .arg("--data")
        .arg(dir.path())
        .args(["find", "王"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the command writes (opening the store takes a moment).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `clinic stats --storage`: where the store's bytes go, table by table, on a real demo store.
#[test]
fn storage_stats_account_for_the_tables_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = clinic(dir.path(), &["demo", "--residents", "200"]);
    assert!(loaded.status.success());
    let path = dir.path().join("clinic.redb");
    let as_loaded = std::fs::metadata(&path).unwrap().len();
    // The first open after a bulk load rewrites the file in key order, a good part smaller
    // (and redb then grows the file by a few pages at close)...
    let first = json(&clinic(dir.path(), &["stats", "--storage"]));
    assert!(
        first["file_bytes"].as_u64().unwrap() * 4 < as_loaded * 3,
        "{as_loaded} → {}",
        first["file_bytes"]
    );
    // ...after which the figures are those of the file as it stays.
    let stats = json(&clinic(dir.path(), &["stats", "--storage"]));
    let file = std::fs::metadata(&path).unwrap().len();
    assert_eq!(stats["file_bytes"], file);
    let residents = stats["residents"].as_u64().unwrap();
    assert!(residents >= 200, "{residents}");
    assert_eq!(stats["bytes_per_resident"], file / residents);
    let tables = stats["tables"].as_array().unwrap();
    let by_name = |name: &str| {
        tables
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {stats}"))
    };
    assert_eq!(by_name("residents")["entries"], residents);
    let changes = by_name("changes");
    assert!(changes["entries"].as_u64().unwrap() > residents);
    // Every table is counted once, the largest first, and their bytes fit in the pages used.
    let mut names: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), tables.len());
    let size = |t: &serde_json::Value| {
        ["stored_bytes", "metadata_bytes", "fragmented_bytes"]
            .iter()
            .map(|k| t[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert!(tables.windows(2).all(|w| size(&w[0]) >= size(&w[1])));
    let used: u64 = tables.iter().map(size).sum();
    let pages = stats["allocated_pages"].as_u64().unwrap() * stats["page_bytes"].as_u64().unwrap();
    assert!(used <= pages && pages <= file, "{used} ≤ {pages} ≤ {file}");
    // Asked for nothing, it says what to ask.
    let bare = clinic(dir.path(), &["stats"]);
    assert!(!bare.status.success());
    assert!(String::from_utf8_lossy(&bare.stderr).contains("--storage"));
}
