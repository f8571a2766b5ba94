//! The resident search box and its ranked results, shared by the front desk and the records.

use egui::{RichText, Ui};
use storage::{Id, SearchHit};

use crate::format;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED};

#[derive(Default)]
pub struct SearchPanel {
    pub query: String,
    pub year: String,
    searched: (String, String),
    hits: Vec<SearchHit>,
    /// A resident found by an exact identifier typed into the box.
    exact: Option<Id>,
    error: Option<String>,
    focused: bool,
    /// Enter was pressed with several matches: one must be chosen, never the first taken.
    choose: bool,
}

impl SearchPanel {
    fn search(&mut self, state: &AppState) {
        let key = (self.query.clone(), self.year.clone());
        if key == self.searched {
            return;
        }
        self.searched = key;
        self.error = None;
        self.choose = false;
        self.exact = None;
        self.hits.clear();
        let q = self.query.trim();
        if q.is_empty() {
            return;
        }
        let year = self.year.trim().parse::<u16>().ok();
        let shown = |e: storage::Error| crate::format::error(state.lang, &e.into());
        match state.store.find_typed(q) {
            Ok(found) => self.exact = found,
            Err(e) => self.error = Some(shown(e)),
        }
        match state.store.search(q, year) {
            Ok(hits) => self.hits = hits,
            Err(e) => self.error = Some(shown(e)),
        }
        if let Some(id) = self.exact {
            self.hits.retain(|h| h.resident.id != id);
        }
    }

    /// Forget the results (after a new registration, say).
    pub fn refresh(&mut self) {
        self.searched = Default::default();
    }
}

/// Draws the box and the results; returns the resident picked (a click, or Enter when an
/// identifier or exactly one person matches). `selected` is highlighted.
pub fn search_ui(
    ui: &mut Ui,
    state: &AppState,
    p: &mut SearchPanel,
    selected: Option<Id>,
) -> Option<Id> {
    let lang = state.lang;
    let mut picked = None;
    let label = ui.label(RichText::new(lang.t("查找居民", "Find a resident")).strong());
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut p.query)
                .hint_text(lang.t(
                    "姓名 / 拼音 / 首字母 / 证件号或其后4、6位",
                    "Name / pinyin / initials / ID or its last 4 or 6",
                ))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    // The box takes the focus when the screen opens, and again at Ctrl+F.
    let shortcut = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F));
    if !p.focused || shortcut {
        response.request_focus();
        p.focused = true;
    }
    ui.horizontal(|ui| {
        let label = ui.label(lang.t("出生年份", "Birth year"));
        ui.add(egui::TextEdit::singleline(&mut p.year).desired_width(60.0))
            .labelled_by(label.id);
    });
    p.search(state);
    let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if let Some(e) = &p.error {
        ui.label(RichText::new(e).color(DANGER));
    }
    if enter {
        // Only an identifier or a single match opens on Enter: with several people called
        // 张丽华, the first in the list is not "the" one.
        picked = p.exact.or(match p.hits.as_slice() {
            [only] => Some(only.resident.id),
            _ => None,
        });
        p.choose = picked.is_none() && p.hits.len() > 1;
    }
    if p.choose {
        ui.label(
            RichText::new(lang.t(
                "找到多人：请核对年龄、证件号后点选一人",
                "Several found: check age and ID number, then click one",
            ))
            .color(crate::gui::style::WARN)
            .strong(),
        );
    }
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("search-results")
        .max_height(ui.available_height() - 8.0)
        .show(ui, |ui| {
            if let Some(id) = p.exact {
                if let Ok(Some(res)) = state.store.resident(id) {
                    let text = format!(
                        "{} · {}",
                        res.name,
                        lang.t("证件号匹配", "identifier match")
                    );
                    if ui
                        .selectable_label(selected == Some(id), RichText::new(text).strong())
                        .clicked()
                    {
                        picked = Some(id);
                    }
                }
            }
            let today = state.today();
            for hit in &p.hits {
                let r = &hit.resident;
                let id_tail = r.id_number().map(|n| &n.as_str()[14..]).unwrap_or("");
                let text = format!(
                    "{}  {} {}{}  {}  …{}",
                    r.name,
                    format::sex(lang, r.sex),
                    r.birth_date.age_on(today),
                    lang.t("岁", "y"),
                    r.birth_date,
                    id_tail
                );
                if ui
                    .selectable_label(selected == Some(r.id), text)
                    .on_hover_text(&r.address.text)
                    .clicked()
                {
                    picked = Some(r.id);
                }
            }
            if !p.query.trim().is_empty()
                && p.hits.is_empty()
                && p.exact.is_none()
                && p.error.is_none()
            {
                ui.label(RichText::new(lang.t("没有找到", "Nobody found")).color(MUTED));
            }
            if p.hits.len() >= storage::SEARCH_LIMIT {
                ui.label(
                    RichText::new(lang.t(
                        "结果较多，请输入出生年份缩小范围",
                        "Many matches: add the birth year",
                    ))
                    .color(MUTED),
                );
            }
        });
    picked
}

/// The live camera picture with the last code found outlined (outline in frame fractions).
pub fn camera_preview_ui(ui: &mut Ui, texture: &egui::TextureHandle, outline: &[egui::Pos2]) {
    let size =
        texture.size_vec2() * (ui.available_width().min(300.0) / texture.size_vec2().x.max(1.0));
    let response = ui.add(egui::Image::new((texture.id(), size)));
    if outline.len() >= 3 {
        let rect = response.rect;
        let points: Vec<egui::Pos2> = outline
            .iter()
            .map(|p| rect.min + egui::vec2(p.x * rect.width(), p.y * rect.height()))
            .collect();
        ui.painter().add(egui::Shape::closed_line(
            points,
            egui::Stroke::new(2.0, crate::gui::style::OK),
        ));
    }
}
