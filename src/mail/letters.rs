//! What the emails people asked for say besides their templates: a digest's items.

use super::templates::{escape_html, Values};
use super::views::{explain, or_dash, pick, s};
use serde_json::Value;

fn kind_label(locale: &str, kind: &str) -> &'static str {
    match kind {
        "need" => pick(locale, "KTP-uppdrag", "KTP-oppdrag", "KTP placement"),
        "candidate" => pick(locale, "kandidat", "kandidat", "candidate"),
        "mentor" => pick(locale, "mentor", "mentor", "mentor"),
        "procurement" => pick(
            locale,
            "planerad upphandling",
            "planlagt anskaffelse",
            "planned procurement",
        ),
        _ => "",
    }
}

/// A digest's items: numbered, each with where, what kind, why and the page.
pub(super) fn digest_items(locale: &str, items: &Value, v: &mut Values) {
    let why = pick(locale, "Varför", "Hvorfor", "Why");
    let mut text = String::new();
    let mut html = String::from("<ol>");
    for (i, item) in items
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let kind = kind_label(locale, s(item, "kind"));
        let (title, place, link) = (s(item, "title"), or_dash(s(item, "place")), s(item, "link"));
        let (reasons, reasons_html) = explain(locale, &item["factors"], "     ");
        text.push_str(&format!(
            "{}. {title} – {place} ({kind})\n   {why}:\n{reasons}\n   {link}\n\n",
            i + 1
        ));
        html.push_str(&format!(
            "<li><p><strong>{}</strong> – {} ({})</p><p>{why}:</p>{reasons_html}<p><a href=\"{}\">{}</a></p></li>",
            escape_html(title),
            escape_html(&place),
            escape_html(kind),
            escape_html(link),
            escape_html(link)
        ));
    }
    html.push_str("</ol>");
    let count = items.as_array().map(Vec::len).unwrap_or(0);
    v.set("count", count.to_string());
    v.set_lines("items", text.trim_end().to_string());
    v.set_html("items_html", html);
}
