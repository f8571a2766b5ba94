//! Reusable pieces of screens.

pub mod claim_lines;
pub mod day_picker;
pub mod encounter_form;
pub mod history;
pub mod public_health;
pub mod search;
pub mod trend;

/// What a screen read from the store: the value, or, when the read failed, nothing with the
/// reason drawn where the value would be, so an error never passes for an empty list.
pub fn read_or_show<T: Default>(
    ui: &mut egui::Ui,
    lang: crate::i18n::Lang,
    read: storage::Result<T>,
) -> T {
    match read {
        Ok(value) => value,
        Err(e) => {
            ui.label(
                egui::RichText::new(crate::format::error(lang, &e.into()))
                    .color(crate::gui::style::DANGER),
            );
            T::default()
        }
    }
}

/// Whether function key `key` was pressed this frame (and takes it, so one press does one
/// thing). The front desk and the doctor work from the keyboard: F2 checks in, F4 settles,
/// F5 calls the next patient, F9 takes the payment; each button says so on hover.
pub fn shortcut(ui: &egui::Ui, key: egui::Key) -> bool {
    ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key))
}
