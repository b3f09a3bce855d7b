//! Atom feeds (RFC 4287) of what is public: open needs (`/feeds/needs.atom`) and procurements
//! in dialogue (`/feeds/procurements.atom`, in `pages::dialogue`), per county, public fields
//! only; one writer for both.

use super::error::AppError;
use super::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

/// One entry of a feed.
pub struct Entry {
    pub title: String,
    /// Its page: also its id.
    pub link: String,
    /// RFC 3339.
    pub updated: String,
    pub author: String,
    pub summary: String,
    /// (term, label)
    pub categories: Vec<(String, String)>,
}

/// Text as XML content or an attribute value: escaped, control characters dropped.
pub fn xml(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The feed as a response.
pub fn atom(title: &str, self_link: &str, alternate: &str, entries: &[Entry]) -> HttpResponse {
    let updated = entries
        .iter()
        .map(|e| e.updated.clone())
        .max()
        .unwrap_or_else(|| "2026-01-01T00:00:00Z".into());
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!(
        "<title>{}</title>\n<id>{}</id>\n<updated>{updated}</updated>\n<link rel=\"self\" href=\"{}\"/>\n<link rel=\"alternate\" href=\"{}\"/>\n<author><name>Heartland Match</name></author>\n",
        xml(title),
        xml(self_link),
        xml(self_link),
        xml(alternate)
    ));
    for e in entries {
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<summary>{}</summary>\n{}</entry>\n",
            xml(&e.title),
            xml(&e.link),
            xml(&e.link),
            e.updated,
            xml(&e.author),
            xml(&e.summary),
            e.categories
                .iter()
                .map(|(c, l)| format!("<category term=\"{}\" label=\"{}\"/>\n", xml(c), xml(l)))
                .collect::<String>()
        ));
    }
    out.push_str("</feed>\n");
    HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(out)
}

/// `GET /feeds/needs.atom?county=`: open KTP development needs, newest first (title, what the
/// company wants to develop, the organisation, the place, the start and length; never who
/// posted it), of verified organisations only.
pub async fn needs(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let county = super::pages::dialogue::county_of(&req)?;
    let base = state.settings.base_url();
    let cq = county.clone();
    let lines = state
        .db
        .read(move |conn| crate::records::store::public_needs(conn, cq.as_deref(), 100))
        .await?;
    let entries: Vec<Entry> = lines
        .into_iter()
        .map(|n| {
            let place = heartland_index::Gazetteer::get()
                .lookup_key(&n.municipality)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| n.municipality.clone());
            Entry {
                link: format!("{base}/needs/{}", n.id),
                updated: n.updated_at,
                summary: format!(
                    "{} – {place}. {} months from {}. {}",
                    n.organisation, n.months, n.start_date, n.description
                ),
                author: n.organisation,
                categories: n.skills.into_iter().map(|s| (s.clone(), s)).collect(),
                title: n.title,
            }
        })
        .collect();
    let self_link = match &county {
        Some(c) => format!("{base}/feeds/needs.atom?county={c}"),
        None => format!("{base}/feeds/needs.atom"),
    };
    let title = format!(
        "Heartland Match: KTP development needs{}",
        county.map(|c| format!(" ({c})")).unwrap_or_default()
    );
    Ok(atom(
        &title,
        &self_link,
        &format!("{base}/register"),
        &entries,
    ))
}
