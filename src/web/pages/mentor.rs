//! `/profile` for a mentor: what they can help with (expertise suggested from the vocabulary
//! in their language), sectors, languages with CEFR levels, where, how many mentees they can
//! take, and the newcomer entrepreneurs proposed to them and matching them.

use super::error::AppError;
use super::forms::{
    list, municipality_key, number, own_page, own_profile, place_label, place_labels, private_body,
    private_from_saved, skill_terms, LanguageRow, LANGUAGES, LEVELS,
};
use super::AppState;
use super::{error_page, field_messages, respond, see_other, Ctx, IntroLine, MatchLine, Nav};
use crate::db::Record;
use crate::i18n::Tr;
use crate::policy::Viewer;
use crate::records::mentor::Mentor;
use actix_web::{web, HttpResponse};
use askama::Template;
use heartland_index::Kind;
use serde_json::{json, Value};

const EXPERTISE_ROWS: usize = 6;
const LANGUAGE_ROWS: usize = 3;

#[derive(Default)]
pub struct MentorForm {
    pub headline: String,
    /// What they can help with (the API's `expertise`), one row each.
    pub skills: Vec<String>,
    /// Comma-separated.
    pub sectors: String,
    pub languages: Vec<LanguageRow>,
    pub municipality: String,
    pub capacity: String,
    pub cross_border_ok: bool,
    pub remote_ok: bool,
    /// Coaches companies too.
    pub offers_coaching: bool,
    /// Private and optional, as on a newcomer's profile.
    pub gender: String,
    pub foreign_background: String,
}

impl MentorForm {
    fn padded(mut self) -> MentorForm {
        while self.skills.len() < EXPERTISE_ROWS {
            self.skills.push(String::new());
        }
        while self.languages.len() < LANGUAGE_ROWS {
            self.languages.push(LanguageRow {
                code: String::new(),
                level: String::new(),
            });
        }
        self
    }

    fn from_saved(data: &Value) -> MentorForm {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let (gender, foreign_background) = private_from_saved(data);
        MentorForm {
            headline: s(&data["headline"]),
            skills: list(&data["expertise"]).iter().map(s).collect(),
            sectors: list(&data["sectors"])
                .iter()
                .map(s)
                .collect::<Vec<_>>()
                .join(", "),
            languages: list(&data["languages"])
                .iter()
                .map(|l| LanguageRow {
                    code: s(&l["code"]),
                    level: s(&l["level"]),
                })
                .collect(),
            municipality: data["municipality"]
                .as_str()
                .map(place_label)
                .unwrap_or_default(),
            capacity: data["capacity"]
                .as_i64()
                .map(|c| c.to_string())
                .unwrap_or_default(),
            cross_border_ok: data["cross_border_ok"].as_bool().unwrap_or(false),
            remote_ok: data["remote_ok"].as_bool().unwrap_or(false),
            offers_coaching: data["offers_coaching"].as_bool().unwrap_or(false),
            gender,
            foreign_background,
        }
    }

    fn from_post(body: &[u8]) -> MentorForm {
        let mut f = MentorForm::default();
        let (mut langs, mut levels) = (Vec::new(), Vec::new());
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "headline" => f.headline = v,
                "skill" => f.skills.push(v),
                "sectors" => f.sectors = v,
                "lang" => langs.push(v),
                "level" => levels.push(v),
                "municipality" => f.municipality = v,
                "capacity" => f.capacity = v,
                "cross_border_ok" => f.cross_border_ok = true,
                "remote_ok" => f.remote_ok = true,
                "offers_coaching" => f.offers_coaching = true,
                "gender" => f.gender = v,
                "foreign_background" => f.foreign_background = v,
                _ => {}
            }
        }
        f.languages = LanguageRow::zipped(langs, levels);
        f
    }

    fn body(&self) -> Value {
        let (gender, foreign_background) = private_body(&self.gender, &self.foreign_background);
        let clean = |items: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            items
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        json!({
            "headline": self.headline.trim(),
            "expertise": clean(&mut self.skills.iter().map(String::as_str)),
            "sectors": clean(&mut self.sectors.split(',')),
            "languages": self.languages.iter()
                .filter(|l| !l.code.trim().is_empty())
                .map(|l| json!({"code": l.code.trim(), "level": l.level.trim()}))
                .collect::<Vec<_>>(),
            "municipality": municipality_key(&self.municipality),
            "capacity": number(&self.capacity),
            "cross_border_ok": self.cross_border_ok,
            "remote_ok": self.remote_ok,
            "offers_coaching": self.offers_coaching,
            "gender": gender,
            "foreign_background": foreign_background,
        })
    }
}

#[derive(Template)]
#[template(path = "pages/mentor.html")]
struct MentorPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    saved: bool,
    exists: bool,
    errors: Vec<String>,
    form: MentorForm,
    languages: &'a [&'a str],
    levels: &'a [&'a str],
    skill_terms: &'static [String],
    places: &'static [String],
    matches: Vec<MatchLine>,
    waiting: Vec<IntroLine>,
    genders: &'a [&'a str],
}

impl MentorPage<'_> {
    fn word(&self, group: &str, value: &str) -> String {
        self.tr.t(&format!("{group}.{value}")).to_string()
    }
}

/// The mentor's page: the saved profile, or what was just posted with its errors.
pub(crate) async fn show(
    state: &web::Data<AppState>,
    c: &Ctx,
    viewer: Viewer,
    posted: Option<(MentorForm, Vec<String>)>,
    saved: bool,
) -> HttpResponse {
    let what = (Record::Mentor, Kind::Candidate, c.tr.locale);
    let own = match own_page(state, viewer, what, posted, MentorForm::from_saved).await {
        Ok(own) => own,
        Err(e) => return error_page(c, e, "/"),
    };
    let page = MentorPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        saved,
        exists: own.exists,
        errors: own.errors,
        form: own.form.padded(),
        languages: &LANGUAGES,
        levels: &LEVELS,
        skill_terms: skill_terms(c.tr.locale),
        places: place_labels(),
        matches: own.matches,
        waiting: own.waiting,
        genders: &super::profile::GENDERS,
    };
    respond(c, own.status, page.render())
}

/// Saves the mentor's profile (the form already checked for origin and token).
pub(crate) async fn save(
    state: &web::Data<AppState>,
    c: &Ctx,
    viewer: Viewer,
    posted: &[u8],
) -> HttpResponse {
    let form = MentorForm::from_post(posted);
    let body = form.body();
    let (v, st) = (viewer.clone(), state.clone());
    let result = state
        .write(move |conn| -> Result<(), AppError> {
            match own_profile(conn, &v, Record::Mentor)? {
                Some(row) => {
                    crate::records::store::change::<Mentor>(conn, &v, &row.id, body, false)?;
                }
                None => {
                    let input = super::body::from_value(body)?;
                    let valid = <Mentor as crate::records::RecordType>::validate(input)
                        .map_err(AppError::Validation)?;
                    crate::records::store::create::<Mentor>(conn, &v, valid, &st.settings)?;
                }
            }
            Ok(())
        })
        .await;
    match result {
        Ok(()) => see_other("/profile?saved=1"),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            let errors = field_messages(c.tr, &e);
            show(state, c, viewer, Some((form, errors)), false).await
        }
        Err(e) => error_page(c, e, "/profile"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_mentor_form_becomes_the_apis_body() {
        let body = b"csrf_token=t&headline=Revisor&skill=redovisning&skill=&skill=skatt\
&sectors=handel%2C+turism%2C&lang=nb&level=native&lang=ar&level=B1&lang=&level=A1\
&municipality=R%C3%B8ros+%28NO-5025%29&capacity=3&remote_ok=on";
        let b = MentorForm::from_post(body).body();
        assert_eq!(b["expertise"], json!(["redovisning", "skatt"]));
        assert_eq!(b["sectors"], json!(["handel", "turism"]));
        assert_eq!(
            b["languages"],
            json!([{"code": "nb", "level": "native"}, {"code": "ar", "level": "B1"}])
        );
        assert_eq!(b["municipality"], "NO-5025");
        assert_eq!(b["capacity"], 3);
        assert_eq!(b["remote_ok"], true);
        assert_eq!(b["cross_border_ok"], false);
    }
}
