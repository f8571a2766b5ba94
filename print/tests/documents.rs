//! Every document is rendered to a real PDF and read back with poppler: `pdftotext` for the
//! words, `pdftoppm` for the pixels (the printed card's QR must scan back to its code).

use std::path::{Path, PathBuf};
use std::process::Command;

use print::{CardSheet, Patient, PrescriptionLine, PrescriptionSheet, ReferralSheet};
use scanner::card::{CardClaims, CardToken, issue_card, keys};
use scanner::image::LumaImage;

fn write(dir: &Path, name: &str, pdf: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

/// The text of each page, as `pdftotext -layout` reads it.
fn pages(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Page 1 rendered at `dpi` as a grey image.
fn raster(pdf: &Path, dpi: u32) -> LumaImage {
    let prefix = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-png", "-singlefile", "-r", &dpi.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (poppler-utils) is installed by scripts/setup.sh");
    assert!(status.success());
    LumaImage::load(&prefix.with_extension("png")).unwrap()
}

fn patient() -> Patient {
    Patient {
        name: "张秀英".into(),
        sex: "女".into(),
        age: "67岁".into(),
        id_number: "420921********0026".into(),
        scheme: "城乡居民医保".into(),
        phone: "138****5521".into(),
    }
}

fn card_code(name: &str) -> String {
    let token = CardToken {
        iss: keys::demo::ISSUER.into(),
        iat: 1_790_000_000,
        exp: 1_790_000_000 + 5 * 365 * 86_400,
        card: CardClaims {
            version: 1,
            card_id: [0x5A; 32],
            name: name.into(),
            pinyin: Some("ZHANG XIU YING".into()),
            sex: 2,
            birth_date: 1958_03_02,
            region: Some("420921".into()),
            id_hint: Some("0026".into()),
            holder_key: None,
            insurance: Some(("390".into(), "42092119580302002601".into())),
        },
    };
    issue_card(&token, &keys::demo::issuer())
}

fn qr(code: &str) -> print::QrModules {
    let m = scanner::card::qr_matrix(code).unwrap();
    print::QrModules {
        size: m.size,
        dark: m.dark,
    }
}

fn card(name: &str) -> CardSheet {
    CardSheet {
        facility: "花园镇卫生院".into(),
        name: name.into(),
        sex: "女".into(),
        birth: "1958-03-02".into(),
        id_number: "420921********0026".into(),
        qr: qr(&card_code(name)),
        valid_until: "2031-09-20".into(),
        issued: "2026-11-27".into(),
    }
}

#[test]
fn a_printed_card_shows_the_resident_and_its_qr_scans_back_to_the_signed_code() {
    let dir = tempfile::tempdir().unwrap();
    let code = card_code("张秀英");
    let sheet = CardSheet {
        qr: qr(&code),
        ..card("张秀英")
    };
    let printed = sheet.to_pdf().unwrap();
    assert!(printed.missing.is_empty());
    let pdf = write(dir.path(), "card.pdf", &printed.pdf);

    let text = pages(&pdf);
    assert_eq!(text.len(), 1);
    for expected in [
        "居民电子健康卡",
        "张秀英",
        "420921********0026",
        "2031-09-20",
        "花园镇卫生院",
    ] {
        assert!(
            text[0].contains(expected),
            "{expected} missing from:\n{}",
            text[0]
        );
    }

    // An office printer at 300 dpi and at a coarse 150 dpi: the code reads back exactly.
    for dpi in [300, 150] {
        let image = raster(&pdf, dpi);
        let found: Vec<String> = scanner::decode::decode(&image)
            .into_iter()
            .map(|d| d.text)
            .collect();
        assert_eq!(found, [code.clone()], "at {dpi} dpi");
    }
}

#[test]
fn fonts_are_subset_so_a_document_stays_small() {
    let printed = card("张秀英").to_pdf().unwrap();
    // The whole font is 1.3 MB; a card uses a few dozen characters of it.
    assert!(printed.pdf.len() < 120_000, "{} bytes", printed.pdf.len());
}

#[test]
fn a_character_the_font_lacks_is_reported_so_staff_can_write_it_by_hand() {
    // 䶮 (CJK extension A) is in real names but not in GB2312.
    let printed = card("刘䶮").to_pdf().unwrap();
    assert_eq!(printed.missing, ['䶮']);
}

fn drug(n: usize) -> PrescriptionLine {
    let names = [
        "氨氯地平片",
        "二甲双胍缓释片",
        "阿司匹林肠溶片",
        "阿托伐他汀钙片",
        "奥美拉唑肠溶胶囊",
        "布洛芬缓释胶囊",
        "复方甘草片",
    ];
    PrescriptionLine {
        drug: names[n].into(),
        spec: "0.5g×20片".into(),
        quantity: "×2盒".into(),
        usage: format!("口服  每次1片  每日{}次  7天", n % 3 + 1),
    }
}

fn prescription(lines: usize) -> PrescriptionSheet {
    PrescriptionSheet {
        facility: "花园镇卫生院".into(),
        number: "20261127-0042".into(),
        date: "2026-11-27".into(),
        department: "全科".into(),
        patient: patient(),
        diagnoses: vec!["I10 原发性高血压".into(), "E11.9 2型糖尿病".into()],
        allergies: vec!["青霉素".into()],
        lines: (0..lines).map(drug).collect(),
        total: "¥ 86.40".into(),
        doctor: "李建国".into(),
    }
}

#[test]
fn a_prescription_carries_patient_diagnosis_drugs_usage_and_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "rx.pdf", &prescription(3).to_pdf().unwrap().pdf);
    let text = pages(&pdf);
    assert_eq!(text.len(), 1);
    let page = &text[0];
    for expected in [
        "处方笺",
        "No. 20261127-0042",
        "城乡居民医保",
        "张秀英",
        "67岁",
        "I10 原发性高血压",
        "青霉素",
        "氨氯地平片",
        "二甲双胍缓释片",
        "阿司匹林肠溶片",
        "每日2次",
        "¥ 86.40",
        "李建国",
        "以下空白",
        "本处方当日有效",
    ] {
        assert!(page.contains(expected), "{expected} missing from:\n{page}");
    }
    assert!(!page.contains("阿托伐他汀钙片"));
}

#[test]
fn more_than_five_medicines_print_on_numbered_sheets_of_five() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(
        dir.path(),
        "rx7.pdf",
        &prescription(7).to_pdf().unwrap().pdf,
    );
    let text = pages(&pdf);
    assert_eq!(text.len(), 2);
    assert!(
        text[0].contains("No. 20261127-0042-1（共2张）"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("No. 20261127-0042-2（共2张）"),
        "{}",
        text[1]
    );
    for (i, page) in text.iter().enumerate() {
        let on_page = (0..7)
            .filter(|&n| page.contains(drug(n).drug.as_str()))
            .count();
        assert_eq!(
            on_page,
            if i == 0 { 5 } else { 2 },
            "page {}:\n{page}",
            i + 1
        );
        assert!(page.contains("张秀英") && page.contains("李建国"));
    }
    assert!(text[0].contains("¥ 86.40") && text[1].contains("见第1张"));
}

#[test]
fn a_referral_has_a_stub_and_a_slip_and_cuts_what_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = ReferralSheet {
        from_facility: "花园镇卫生院".into(),
        to_facility: "孝昌县第一人民医院".into(),
        date: "2026-11-27".into(),
        patient: patient(),
        diagnoses: vec!["I10 原发性高血压".into()],
        reason: "血压控制不佳，需上级医院调整用药方案。".into(),
        present_illness: "头晕一周，血压 168/98 mmHg。".repeat(40),
        past_history: "高血压病史十年；过敏史：青霉素。".into(),
        treatment: "氨氯地平片 5 mg qd。".into(),
        doctor: "李建国".into(),
        phone: "0712-4321000".into(),
    };
    let pdf = write(dir.path(), "referral.pdf", &sheet.to_pdf().unwrap().pdf);
    let text = pages(&pdf);
    assert_eq!(text.len(), 1);
    let page = &text[0];
    for expected in [
        "双向转诊单（存根）",
        "双向转诊单（转出）",
        "孝昌县第一人民医院",
        "张秀英",
        "血压控制不佳",
        "高血压病史十年",
        "氨氯地平片",
        "李建国",
        "0712-4321000",
        "（盖章）",
    ] {
        assert!(page.contains(expected), "{expected} missing from:\n{page}");
    }
    // Forty repetitions do not fit in five lines: cut with an ellipsis, not run off the page.
    assert!(page.contains('…'));
    assert!(page.matches("头晕一周").count() < 20);
}

#[test]
fn a_receipt_lists_every_item_and_continues_on_a_second_page_when_long() {
    let dir = tempfile::tempdir().unwrap();
    let line = |n: usize| print::ReceiptLine {
        item: format!("项目{n:02} 复方甘草片"),
        class: "乙".into(),
        quantity: "2".into(),
        unit_price: "¥ 3.50".into(),
        amount: "¥ 7.00".into(),
    };
    let sheet = |lines: usize| print::ReceiptSheet {
        facility: "花园镇卫生院".into(),
        number: "5B00FB".into(),
        time: "2026-11-27 10:42".into(),
        patient: patient(),
        lines: (0..lines).map(line).collect(),
        total: "¥ 86.40".into(),
        insurance: "¥ 51.84".into(),
        patient_share: "¥ 34.56".into(),
        payments: vec!["移动支付 ¥ 34.56（交易号 …5521）".into()],
        status: "医保结算待中心确认，以中心结算为准。".into(),
        cashier: "王丽".into(),
    };
    let pdf = write(dir.path(), "receipt.pdf", &sheet(3).to_pdf().unwrap().pdf);
    let text = pages(&pdf);
    assert_eq!(text.len(), 1);
    for expected in [
        "门诊收费清单",
        "No. 5B00FB",
        "张秀英",
        "城乡居民医保",
        "项目00 复方甘草片",
        "项目02",
        "合计",
        "¥ 86.40",
        "医保统筹支付",
        "¥ 51.84",
        "个人支付",
        "¥ 34.56",
        "交易号 …5521",
        "以中心结算为准",
        "王丽",
        "不作报销凭证",
    ] {
        assert!(
            text[0].contains(expected),
            "{expected} missing from:\n{}",
            text[0]
        );
    }

    // Forty items do not fit on one A5 page: every one is printed, the header repeats.
    let pdf = write(dir.path(), "long.pdf", &sheet(40).to_pdf().unwrap().pdf);
    let text = pages(&pdf);
    assert!(text.len() >= 2);
    let all = text.concat();
    for n in 0..40 {
        assert_eq!(all.matches(&format!("项目{n:02} ")).count(), 1, "item {n}");
    }
    assert!(
        text.iter()
            .all(|p| p.contains("门诊收费清单") && p.contains("张秀英"))
    );
    assert!(text[0].contains("续下页"));
}
