//! Find a resident (name, pinyin, initials, ID number, card, insurance number) and read their
//! whole record.

use egui::{RichText, Ui};
use storage::{Id, SearchHit};

use crate::gui::command::Command;
use crate::gui::format;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED};
use crate::gui::widgets::history::{ResidentView, resident_ui};

#[derive(Default)]
pub struct Records {
    pub query: String,
    pub year: String,
    searched: (String, String),
    hits: Vec<SearchHit>,
    /// A resident found by an exact identifier typed into the search box.
    exact: Option<Id>,
    error: Option<String>,
    pub open: Option<ResidentView>,
    /// The registration form, when open (replaces the record view).
    pub register: Option<crate::gui::screens::register::Register>,
    focused: bool,
}

impl Records {
    fn search(&mut self, state: &AppState) {
        let key = (self.query.clone(), self.year.clone());
        if key == self.searched {
            return;
        }
        self.searched = key;
        self.error = None;
        self.exact = None;
        self.hits.clear();
        let q = self.query.trim();
        if q.is_empty() {
            return;
        }
        let year = self.year.trim().parse::<u16>().ok();
        match state.store.find_typed(q) {
            Ok(found) => self.exact = found,
            Err(e) => self.error = Some(e.to_string()),
        }
        match state.store.search(q, year) {
            Ok(hits) => self.hits = hits,
            Err(e) => self.error = Some(e.to_string()),
        }
        if let Some(id) = self.exact {
            self.hits.retain(|h| h.resident.id != id);
        }
    }
}

/// The live camera picture with the last code found outlined (points scaled to the preview).
fn camera_preview_ui(ui: &mut Ui, texture: &egui::TextureHandle, outline: &[egui::Pos2]) {
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

/// The record screen. `preview`: the camera texture and the last code's outline, as fractions
/// of the frame.
pub fn records_ui(
    ui: &mut Ui,
    state: &AppState,
    r: &mut Records,
    preview: Option<(&egui::TextureHandle, &[egui::Pos2])>,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    egui::Panel::left("search")
        .default_size(330.0)
        .min_size(260.0)
        .show(ui, |ui| {
            ui.add_space(6.0);
            let label = ui.label(RichText::new(lang.t("查找居民", "Find a resident")).strong());
            let response = ui
                .add(
                    egui::TextEdit::singleline(&mut r.query)
                        .hint_text(lang.t(
                            "姓名 / 拼音 / 首字母 / 证件号",
                            "Name / pinyin / initials / ID",
                        ))
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if !r.focused {
                response.request_focus();
                r.focused = true;
            }
            ui.horizontal(|ui| {
                let label = ui.label(lang.t("出生年份", "Birth year"));
                ui.add(egui::TextEdit::singleline(&mut r.year).desired_width(60.0))
                    .labelled_by(label.id);
            });
            if ui
                .button(lang.t("+ 登记新居民", "+ Register a resident"))
                .clicked()
            {
                r.register = Some(Default::default());
            }
            if let Some((texture, outline)) = preview {
                camera_preview_ui(ui, texture, outline);
            }
            r.search(state);
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if let Some(e) = &r.error {
                ui.label(RichText::new(e).color(DANGER));
            }
            let first = r.exact.or_else(|| r.hits.first().map(|h| h.resident.id));
            if enter {
                if let Some(id) = first {
                    commands.push(Command::OpenResident {
                        id,
                        reason: "search".into(),
                    });
                }
            }
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                if let Some(id) = r.exact {
                    if let Ok(Some(res)) = state.store.resident(id) {
                        let text = format!(
                            "{} · {}",
                            res.name,
                            lang.t("证件号匹配", "identifier match")
                        );
                        if ui
                            .selectable_label(false, RichText::new(text).strong())
                            .clicked()
                        {
                            commands.push(Command::OpenResident {
                                id,
                                reason: "identifier lookup".into(),
                            });
                        }
                    }
                }
                let today = state.today();
                for hit in &r.hits {
                    let p = &hit.resident;
                    let id_tail = p.id_number().map(|n| &n.as_str()[14..]).unwrap_or("");
                    let text = format!(
                        "{}  {} {}{}  {}  …{}",
                        p.name,
                        format::sex(lang, p.sex),
                        p.birth_date.age_on(today),
                        lang.t("岁", "y"),
                        p.birth_date,
                        id_tail
                    );
                    let open = r.open.as_ref().is_some_and(|o| o.resident.id == p.id);
                    let response = ui.selectable_label(open, text);
                    let response = response.on_hover_text(&p.address.text);
                    if response.clicked() {
                        commands.push(Command::OpenResident {
                            id: p.id,
                            reason: "search".into(),
                        });
                    }
                }
                if !r.query.trim().is_empty()
                    && r.hits.is_empty()
                    && r.exact.is_none()
                    && r.error.is_none()
                {
                    ui.label(RichText::new(lang.t("没有找到", "Nobody found")).color(MUTED));
                }
                if r.hits.len() >= storage::SEARCH_LIMIT {
                    ui.label(
                        RichText::new(lang.t(
                            "结果较多，请输入出生年份缩小范围",
                            "Many matches: add the birth year",
                        ))
                        .color(MUTED),
                    );
                }
            });
        });
    egui::CentralPanel::default().show(ui, |ui| match (&mut r.register, &mut r.open) {
        (Some(form), _) => {
            if !crate::gui::screens::register::register_ui(ui, state, form, commands) {
                r.register = None;
            }
        }
        (None, Some(view)) => resident_ui(ui, lang, state.today(), view),
        (None, None) => {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.label(
                    RichText::new(lang.t(
                        "请查找或扫描居民的电子健康卡",
                        "Search for a resident, or scan their eHealth card",
                    ))
                    .color(MUTED),
                );
            });
        }
    });
}
