//! The decoder on real photographs: the public QR corpus (fixtures/qr-corpus, see SOURCES.md).
//! Each set must read at least as many images as measured when this test was written, so a
//! change that loses an image fails here. `clinic bench decode` prints the same figures with
//! timings.

use std::path::Path;

/// (set, images that must decode correctly, images in the set)
const FLOORS: &[(&str, usize, usize)] = &[
    ("zxing-qrcode-1", 20, 20),
    ("zxing-qrcode-4", 41, 48),
    ("zxing-qrcode-6", 15, 15),
    ("zxingcpp-qrcode-2-extra", 21, 22),
];

#[test]
fn the_public_corpus_decodes_at_least_as_well_as_measured() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/qr-corpus");
    for (set, floor, size) in FLOORS {
        let mut images: Vec<_> = std::fs::read_dir(root.join(set))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "txt"))
            .collect();
        images.sort();
        assert_eq!(images.len(), *size, "{set}: corpus changed");
        let mut misses = Vec::new();
        for p in &images {
            let expected = std::fs::read_to_string(p.with_extension("txt")).unwrap();
            let img = scanner::image::LumaImage::load(p).unwrap();
            if !scanner::decode::decode(&img)
                .iter()
                .any(|d| d.text == expected)
            {
                misses.push(p.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        let ok = images.len() - misses.len();
        assert!(
            ok >= *floor,
            "{set}: {ok}/{size} decoded, floor {floor}; missed {misses:?}"
        );
    }
}

/// The code-free scenes `clinic-bench decode` times the live path on: neither path may read a
/// code in them.
#[test]
fn code_free_scenes_hold_no_code() {
    for (k, scene) in scanner::decode::scenes::code_free(25).iter().enumerate() {
        let live = scanner::decode::decode_frame(scene);
        assert!(live.is_empty(), "scene {k}, live path: {live:?}");
        let still = scanner::decode::decode(scene);
        assert!(still.is_empty(), "scene {k}, still path: {still:?}");
    }
}
