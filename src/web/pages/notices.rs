//! The notices public-sector services in both countries publish: the privacy notice
//! (`/privacy`: controller, contacts, purposes and their legal bases, retention and processors,
//! from the settings) and the accessibility statement (`/accessibility`, with the address for
//! feedback). Both are linked from every page's footer and every email.

use super::{respond, Ctx, Nav};
use crate::i18n::Tr;
use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

/// A purpose as the notice lists it: what, and on which legal basis.
pub struct Purpose {
    pub what: &'static str,
    pub basis: &'static str,
}

#[derive(Template)]
#[template(path = "pages/privacy.html")]
struct PrivacyPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    controller: String,
    contact: String,
    dpo: String,
    processors: Vec<String>,
    purposes: Vec<Purpose>,
    retention_months: i64,
    mail_days: i64,
}

/// The purposes, each with its basis in the GDPR (keys of the i18n table).
const PURPOSES: [(&str, &str); 7] = [
    ("notice.p_matching", "notice.b_consent"),
    ("notice.p_contact", "notice.b_consent"),
    ("notice.p_letters", "notice.b_consent"),
    ("notice.p_private", "notice.b_explicit"),
    ("notice.p_officers", "notice.b_public_task"),
    ("notice.p_indicators", "notice.b_public_task"),
    ("notice.p_security", "notice.b_legitimate"),
];

/// `GET /privacy`.
pub async fn privacy(state: web::Data<AppState>, c: Ctx) -> HttpResponse {
    let s = &state.settings;
    let page = PrivacyPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        controller: s.privacy_controller.clone(),
        contact: s.privacy_contact.clone(),
        dpo: s.privacy_dpo.clone(),
        processors: s
            .privacy_processors
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        purposes: PURPOSES
            .iter()
            .map(|(what, basis)| Purpose { what, basis })
            .collect(),
        retention_months: s.retention_months,
        mail_days: s.mail_retention_days,
    };
    respond(&c, StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "pages/accessibility.html")]
struct AccessibilityPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    contact: String,
}

/// `GET /accessibility`.
pub async fn accessibility(state: web::Data<AppState>, c: Ctx) -> HttpResponse {
    let page = AccessibilityPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        contact: state.settings.accessibility_contact.clone(),
    };
    respond(&c, StatusCode::OK, page.render())
}
