//! iCalendar invitations (RFC 5545) for dialogue meetings, in the buyer's local time with its
//! VTIMEZONE, and the local time of Sweden and Norway. Both follow the EU's summer time
//! (since 1996: from the last Sunday of March to the last Sunday of October, changing at
//! 01:00 UTC), which the VTIMEZONE states as rules calendar programs apply themselves.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

/// Local times are written `YYYY-MM-DDTHH:MM`.
const LOCAL: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");

/// Parses a local time `YYYY-MM-DDTHH:MM`.
pub fn parse_local(s: &str) -> Option<PrimitiveDateTime> {
    PrimitiveDateTime::parse(s.trim(), LOCAL).ok()
}

pub fn format_local(t: PrimitiveDateTime) -> String {
    t.format(LOCAL).unwrap_or_default()
}

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, 31).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// Whether summer time holds at the UTC instant `utc`.
fn summer_at(utc: PrimitiveDateTime) -> bool {
    let y = utc.year();
    match (last_sunday(y, Month::March), last_sunday(y, Month::October)) {
        (Some(start), Some(end)) => {
            let one = Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT);
            utc >= PrimitiveDateTime::new(start, one) && utc < PrimitiveDateTime::new(end, one)
        }
        _ => false,
    }
}

/// The local time in Sweden and Norway at the UTC instant `utc`.
pub fn local_of(utc: PrimitiveDateTime) -> PrimitiveDateTime {
    utc + Duration::hours(if summer_at(utc) { 2 } else { 1 })
}

/// Now, in Sweden and Norway.
pub fn local_now() -> PrimitiveDateTime {
    let n = OffsetDateTime::now_utc();
    local_of(PrimitiveDateTime::new(n.date(), n.time()))
}

/// Text escaped as RFC 5545 § 3.3.11 asks.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (§ 3.1), never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn stamp(t: PrimitiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One meeting to put in a calendar.
pub struct Event<'a> {
    pub uid: &'a str,
    /// `REQUEST` or `CANCEL`.
    pub method: &'a str,
    pub sequence: u32,
    pub time_zone: &'a str,
    pub starts: PrimitiveDateTime,
    pub minutes: i64,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub organizer: &'a str,
    pub attendee_name: &'a str,
    pub attendee: &'a str,
    pub language: &'a str,
}

/// The calendar object of `e`, CRLF line ends.
pub fn calendar(e: &Event<'_>, now_utc: PrimitiveDateTime) -> String {
    let cancel = e.method == "CANCEL";
    let ends = e.starts + Duration::minutes(e.minutes);
    let tz = e.time_zone;
    let lang = escape(e.language);
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Heartland Match//Market dialogue//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{}", if cancel { "CANCEL" } else { "REQUEST" }),
        "BEGIN:VTIMEZONE".into(),
        format!("TZID:{tz}"),
        "BEGIN:DAYLIGHT".into(),
        "TZOFFSETFROM:+0100".into(),
        "TZOFFSETTO:+0200".into(),
        "TZNAME:CEST".into(),
        "DTSTART:19700329T020000".into(),
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".into(),
        "END:DAYLIGHT".into(),
        "BEGIN:STANDARD".into(),
        "TZOFFSETFROM:+0200".into(),
        "TZOFFSETTO:+0100".into(),
        "TZNAME:CET".into(),
        "DTSTART:19701025T030000".into(),
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU".into(),
        "END:STANDARD".into(),
        "END:VTIMEZONE".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(e.uid)),
        format!("DTSTAMP:{}Z", stamp(now_utc)),
        format!("SEQUENCE:{}", e.sequence),
        format!("DTSTART;TZID={tz}:{}", stamp(e.starts)),
        format!("DTEND;TZID={tz}:{}", stamp(ends)),
        format!("SUMMARY;LANGUAGE={lang}:{}", escape(e.summary)),
        format!("LOCATION:{}", escape(e.location)),
        format!("DESCRIPTION;LANGUAGE={lang}:{}", escape(e.description)),
        format!("ORGANIZER:mailto:{}", escape(e.organizer)),
        format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{}",
            e.attendee_name.replace(['"', '\r', '\n'], ""),
            escape(e.attendee)
        ),
        format!("STATUS:{}", if cancel { "CANCELLED" } else { "CONFIRMED" }),
        "TRANSP:OPAQUE".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn summer_time_starts_and_ends_at_one_utc_on_the_last_sundays() {
        // 2027: last Sunday of March is the 28th, of October the 31st.
        assert_eq!(
            local_of(datetime!(2027-03-28 00:59)),
            datetime!(2027-03-28 01:59)
        );
        assert_eq!(
            local_of(datetime!(2027-03-28 01:00)),
            datetime!(2027-03-28 03:00)
        );
        assert_eq!(
            local_of(datetime!(2027-10-31 00:59)),
            datetime!(2027-10-31 02:59)
        );
        assert_eq!(
            local_of(datetime!(2027-10-31 01:00)),
            datetime!(2027-10-31 02:00)
        );
        assert_eq!(
            local_of(datetime!(2027-07-01 12:00)),
            datetime!(2027-07-01 14:00)
        );
    }

    #[test]
    fn lines_are_folded_and_text_escaped() {
        let e = Event {
            uid: "a@b",
            method: "REQUEST",
            sequence: 0,
            time_zone: "Europe/Oslo",
            starts: datetime!(2027-02-10 10:00),
            minutes: 30,
            summary: "Dialogmøte; skoleskyss, Trysil",
            location: "Rådhuset",
            description: &"lang tekst ".repeat(20),
            organizer: "noreply@example.org",
            attendee_name: "Kari",
            attendee: "kari@example.org",
            language: "nb",
        };
        let c = calendar(&e, datetime!(2027-01-01 00:00));
        assert!(c.contains("SUMMARY;LANGUAGE=nb:Dialogmøte\\; skoleskyss\\, Trysil\r\n"));
        assert!(c.contains("DTSTART;TZID=Europe/Oslo:20270210T100000\r\n"));
        assert!(c.contains("DTEND;TZID=Europe/Oslo:20270210T103000\r\n"));
        assert!(c.lines().all(|l| l.len() <= 76), "{c}");
        assert!(c.contains("\r\n "));
    }
}
