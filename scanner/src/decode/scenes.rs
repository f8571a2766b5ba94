//! Code-free 1280×720 scenes like a front-desk webcam sees: what the benchmark times the live
//! path on, and what the tests check for false reads. Uneven light, sensor noise, and edges a
//! desk has (boxes, shelves, stripes of a sleeve or a blind), so a decoder meets finder-like
//! corners and bar-like lines that are not codes.

use crate::image::LumaImage;

/// `count` different code-free scenes, deterministic.
pub fn code_free(count: usize) -> Vec<LumaImage> {
    (0..count as u64).map(scene).collect()
}

fn scene(k: u64) -> LumaImage {
    let (w, h) = (1280u32, 720u32);
    let mut seed = 0x1234_5678_u64 ^ (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Light falling from one side or corner, stronger in some scenes.
    let (gx, gy) = ((next() % 121) as i32 - 60, (next() % 61) as i32 - 30);
    let base = 70 + (next() % 70) as i32;
    let mut pixels: Vec<i32> = (0..w * h)
        .map(|i| {
            let (x, y) = ((i % w) as i32, (i / w) as i32);
            base + x * gx / w as i32 + y * gy / h as i32
        })
        .collect();
    // Boxes: flat patches of another grey, some with a darker frame.
    for _ in 0..(k % 6) * 2 {
        let (bw, bh) = (20 + next() % 300, 20 + next() % 200);
        let (x0, y0) = (next() % (w as u64 - bw), next() % (h as u64 - bh));
        let shade = (next() % 160) as i32 - 80;
        let frame = next() % 2 == 0;
        for y in y0..y0 + bh {
            for x in x0..x0 + bw {
                let edge = x < x0 + 6 || y < y0 + 6 || x >= x0 + bw - 6 || y >= y0 + bh - 6;
                let v = if frame && edge { -90 } else { shade };
                pixels[(y * w as u64 + x) as usize] += v;
            }
        }
    }
    // Stripes in one region: regular bars, like a sleeve or a blind.
    if k % 3 == 1 {
        let period = 6 + next() % 20;
        let (x0, y0) = (next() % 800, next() % 400);
        for y in y0..y0 + 250 {
            for x in x0..x0 + 400 {
                if (x / period) % 2 == 0 {
                    pixels[(y * w as u64 + x) as usize] -= 70;
                }
            }
        }
    }
    let amplitude = 8 + (next() % 30);
    let pixels = pixels
        .into_iter()
        .map(|v| (v + (next() % amplitude) as i32 - amplitude as i32 / 2).clamp(0, 255) as u8)
        .collect();
    let img = LumaImage {
        width: w,
        height: h,
        pixels,
    };
    if k.is_multiple_of(2) {
        img.blurred()
    } else {
        img
    }
}
