//! Settings of this workstation (administrators): facility, room, scanners, language, idle
//! lock, and joining the hub.

use egui::{RichText, Ui};

use crate::gui::command::Command;
use crate::gui::state::AppState;
use crate::gui::style::{DANGER, MUTED, OK, WARN};
use crate::settings::Settings;

#[derive(Default)]
pub struct SettingsScreen {
    /// The settings being edited (a copy until saved).
    pub draft: Option<Settings>,
    pub hub_url: String,
    pub code: String,
    pub fingerprint: String,
    /// Joining the hub is under way (`Command::Enrol`).
    pub enrolling: bool,
    pub message: Option<Result<String, String>>,
    pub backup: BackupPanel,
    devices: Option<(Vec<scanner::camera::CameraInfo>, Vec<String>)>,
}

pub fn settings_ui(
    ui: &mut Ui,
    state: &AppState,
    s: &mut SettingsScreen,
    commands: &mut Vec<Command>,
) {
    let lang = state.lang;
    // Devices are listed once per visit to the screen, not every frame.
    let (cameras, ports) = s
        .devices
        .get_or_insert_with(|| {
            (
                scanner::camera::list_cameras(),
                scanner::serial::available_ports(),
            )
        })
        .clone();
    let draft = s.draft.get_or_insert_with(|| state.settings.clone());
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading(lang.t("设置", "Settings"));
        egui::Grid::new("settings")
            .num_columns(2)
            .spacing([16.0, 8.0])
            .show(ui, |ui| {
                let facility_label = ui.label(lang.t("本机所属机构", "Facility"));
                let facilities = state.store.facilities().unwrap_or_default();
                let current = facilities
                    .iter()
                    .find(|f| f.code == draft.facility)
                    .map_or(draft.facility.clone(), |f| f.name.clone());
                egui::ComboBox::from_id_salt("facility")
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        for f in &facilities {
                            ui.selectable_value(
                                &mut draft.facility,
                                f.code.clone(),
                                format!("{} {}", f.name, f.code),
                            );
                        }
                    })
                    .response
                    .labelled_by(facility_label.id);
                ui.end_row();
                let field = |ui: &mut Ui, label: &str, value: &mut String| {
                    let l = ui.label(label);
                    ui.add(egui::TextEdit::singleline(value).desired_width(260.0))
                        .labelled_by(l.id);
                    ui.end_row();
                };
                field(ui, lang.t("诊室", "Room"), &mut draft.room);
                ui.label(lang.t("界面语言", "Language"));
                ui.horizontal(|ui| {
                    ui.radio_value(&mut draft.language, "zh".to_string(), "中文");
                    ui.radio_value(&mut draft.language, "en".to_string(), "English");
                });
                ui.end_row();
                let idle = ui.label(lang.t(
                    "无操作自动锁屏（分钟，0为不锁）",
                    "Lock after idle minutes (0 = never)",
                ));
                ui.add(egui::DragValue::new(&mut draft.idle_lock_minutes).range(0..=240))
                    .labelled_by(idle.id);
                ui.end_row();
                ui.label(lang.t("摄像头", "Camera"));
                ui.horizontal(|ui| {
                    ui.radio_value(
                        &mut draft.camera,
                        "auto".to_string(),
                        lang.t("自动", "automatic"),
                    );
                    ui.radio_value(
                        &mut draft.camera,
                        "none".to_string(),
                        lang.t("不用", "none"),
                    );
                    for c in &cameras {
                        ui.radio_value(&mut draft.camera, c.index.to_string(), c.name.as_str());
                    }
                });
                ui.end_row();
                ui.label(lang.t("扫码墩串口", "Scanning pier port"));
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut draft.serial_port)
                            .desired_width(160.0)
                            .hint_text("/dev/ttyUSB0, COM3"),
                    );
                    for p in &ports {
                        if ui.small_button(p).clicked() {
                            draft.serial_port = p.clone();
                        }
                    }
                });
                ui.end_row();
                let baud = ui.label(lang.t("波特率", "Baud rate"));
                egui::ComboBox::from_id_salt("baud")
                    .selected_text(draft.serial_baud.to_string())
                    .show_ui(ui, |ui| {
                        for b in [4800u32, 9600, 19_200, 38_400, 57_600, 115_200] {
                            ui.selectable_value(&mut draft.serial_baud, b, b.to_string());
                        }
                    })
                    .response
                    .labelled_by(baud.id);
                ui.end_row();
                let wedge = ui.label(lang.t("扫码枪按键间隔（毫秒）", "Scanner key gap (ms)"));
                ui.add(egui::DragValue::new(&mut draft.wedge_gap_ms).range(5..=200))
                    .labelled_by(wedge.id)
                    .on_hover_text(lang.t(
                        "扫码枪（键盘式）每个字符之间的最长平均间隔；人打字更慢",
                        "The longest average gap between a keyboard scanner's keys; people type slower",
                    ));
                ui.end_row();
                let printer = ui.label(lang.t("打印机", "Printer"));
                ui.add(
                    egui::TextEdit::singleline(&mut draft.printer)
                        .desired_width(240.0)
                        .hint_text("lp, lp -d NAME, folder:/path"),
                )
                .labelled_by(printer.id);
                ui.end_row();
            });
        if draft.printer.trim().starts_with("folder:") {
            ui.label(
                RichText::new(lang.t(
                    "存入文件夹的 PDF 未加密：打印后请删除。",
                    "PDFs saved to a folder are not encrypted: delete them after printing.",
                ))
                .color(WARN),
            );
        }
        if ui.button(lang.t("保存设置", "Save settings")).clicked() {
            commands.push(Command::SaveSettings(draft.clone()));
        }
        ui.separator();
        ui.label(RichText::new(lang.t("加入中心（同步）", "Join the hub (sync)")).strong());
        if !state.settings.hub_url.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{} {}",
                    lang.t("已加入：", "Enrolled at"),
                    state.settings.hub_url
                ))
                .color(OK),
            );
        }
        egui::Grid::new("enrol").num_columns(2).show(ui, |ui| {
            for (label, value, hint) in [
                (
                    lang.t("中心地址", "Hub address"),
                    &mut s.hub_url,
                    "https://10.0.0.5:7400",
                ),
                (
                    lang.t("一次性加入码", "One-time code"),
                    &mut s.code,
                    "XXXX-XXXX-XXXX",
                ),
                (
                    lang.t("中心证书指纹", "Hub certificate fingerprint"),
                    &mut s.fingerprint,
                    "",
                ),
            ] {
                let l = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .desired_width(420.0)
                        .hint_text(hint),
                )
                .labelled_by(l.id);
                ui.end_row();
            }
        });
        if s.enrolling {
            ui.label(RichText::new(lang.t("正在连接中心…", "Contacting the hub…")).color(MUTED));
        } else if ui.button(lang.t("加入", "Join")).clicked() {
            // Contacting the hub may take seconds: the app does it on a worker thread.
            commands.push(Command::Enrol {
                hub: s.hub_url.trim().to_string(),
                code: s.code.trim().to_string(),
                fingerprint: s.fingerprint.trim().to_string(),
            });
        }
        outcome_label(ui, &s.message, lang.t("已加入中心", "Joined"));
        rejected_ui(ui, state, commands);
        backup_ui(ui, state, &mut s.backup, commands);
    });
}

/// What the hub refused, with its reasons: fix the cause (the PC's clock, a record made in
/// another facility's name), then send them again.
fn rejected_ui(ui: &mut Ui, state: &AppState, commands: &mut Vec<Command>) {
    let lang = state.lang;
    let rejected = match state.store.rejected() {
        Ok(r) => r,
        Err(e) => {
            ui.colored_label(
                crate::gui::style::DANGER,
                crate::format::error(lang, &e.into()),
            );
            return;
        }
    };
    if rejected.is_empty() {
        return;
    }
    ui.add_space(16.0);
    ui.heading(lang.t("中心拒收的记录", "Refused by the hub"));
    egui::Grid::new("rejected")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for (entry, reason) in &rejected {
                ui.label(crate::format::time(entry.change.hlc.unix_ms()));
                ui.label(entry.change.body.kind());
                ui.label(reason);
                ui.end_row();
            }
        });
    if ui
        .button(lang.t(
            "原因已处理，全部重新发送",
            "Cause fixed: send them all again",
        ))
        .clicked()
    {
        let ids = rejected.iter().map(|(e, _)| e.change.id).collect();
        commands.push(Command::RetryRejected(ids));
    }
}

#[derive(Default)]
pub struct BackupPanel {
    /// Where backups go (the data directory's `backups` until changed).
    pub dir: Option<String>,
    /// A backup is under way (`Command::Backup`).
    pub running: bool,
    pub message: Option<Result<String, String>>,
}

/// A backup of the whole store, encrypted like it, taken while the window goes on working;
/// audited before it is taken.
fn backup_ui(ui: &mut Ui, state: &AppState, s: &mut BackupPanel, commands: &mut Vec<Command>) {
    let lang = state.lang;
    ui.add_space(16.0);
    ui.heading(lang.t("备份", "Backup"));
    let dir = s.dir.get_or_insert_with(|| {
        state
            .data_dir
            .join("backups")
            .to_string_lossy()
            .into_owned()
    });
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("备份目录", "Backup folder"));
        ui.add(egui::TextEdit::singleline(dir).desired_width(420.0))
            .labelled_by(l.id);
    });
    if s.running {
        ui.label(RichText::new(lang.t("正在备份…", "Backing up…")).color(MUTED));
    } else if ui.button(lang.t("立即备份", "Back up now")).clicked() {
        commands.push(Command::Backup(dir.as_str().into()));
    }
    outcome_label(ui, &s.message, lang.t("已备份：", "Backed up:"));
}

/// How a background job ended: what it made, after `done`, or the error.
fn outcome_label(ui: &mut Ui, outcome: &Option<Result<String, String>>, done: &str) {
    match outcome {
        Some(Ok(what)) => {
            ui.label(RichText::new(format!("{done} {what}")).color(OK));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(DANGER));
        }
        None => {}
    }
}
