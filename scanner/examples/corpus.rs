use std::time::Instant;
fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/qr-corpus");
    let mut total = (0, 0);
    for set in [
        "zxing-qrcode-1",
        "zxing-qrcode-4",
        "zxing-qrcode-6",
        "zxingcpp-qrcode-2-extra",
    ] {
        let mut ok = 0;
        let mut n = 0;
        let mut entries: Vec<_> = std::fs::read_dir(root.join(set))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().map_or(false, |e| e != "txt"))
            .collect();
        entries.sort();
        for p in entries {
            let expected = std::fs::read_to_string(p.with_extension("txt")).unwrap();
            let img = scanner::image::LumaImage::load(&p).unwrap();
            let t = Instant::now();
            let found = scanner::decode::decode(&img);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            n += 1;
            let good = found.iter().any(|d| d.text == expected);
            if good {
                ok += 1;
            }
            println!(
                "{} {} {:.1}ms {:?} {}",
                if good { "OK  " } else { "MISS" },
                p.file_name().unwrap().to_string_lossy(),
                ms,
                found.first().map(|d| d.pass),
                if !good {
                    found
                        .first()
                        .map(|d| d.text.chars().take(30).collect::<String>())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            );
        }
        println!("== {set}: {ok}/{n}");
        total.0 += ok;
        total.1 += n;
    }
    println!("TOTAL {}/{}", total.0, total.1);
}
