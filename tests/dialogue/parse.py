"""Parses what the market dialogue sends with real parsers, for the tests.

`parse.py ics < invitation.ics` prints each event: method, uid, start and end as ISO times
with their UTC offset, the time zone's name, status, summary and location.
`parse.py atom < feed.xml` prints whether the feed parsed cleanly and its entries.
`parse.py mime < message.eml` finds the `text/calendar` attachment of an email as it was
received (Python's own MIME parser) and prints it as `ics` does, with the file's name.
"""
import json
import sys


def ics(text):
    import icalendar

    cal = icalendar.Calendar.from_ical(text)
    out = {"method": str(cal.get("method", "")), "events": []}
    for ev in cal.walk("VEVENT"):
        start = ev.decoded("dtstart")
        end = ev.decoded("dtend")
        out["events"].append({
            "uid": str(ev.get("uid")),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "utc_offset": start.utcoffset().total_seconds() / 3600,
            "tzid": ev.get("dtstart").params.get("TZID"),
            "status": str(ev.get("status", "")),
            "summary": str(ev.get("summary", "")),
            "location": str(ev.get("location", "")),
            "sequence": int(ev.get("sequence", 0)),
        })
    out["timezones"] = [str(tz.get("tzid")) for tz in cal.walk("VTIMEZONE")]
    return out


def atom(text):
    import feedparser

    f = feedparser.parse(text)
    return {
        "bozo": bool(f.bozo),
        "error": str(f.get("bozo_exception", "")),
        "version": f.version,
        "title": f.feed.get("title", ""),
        "entries": [{"title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
                     "updated": e.get("updated"), "summary": e.get("summary")} for e in f.entries],
    }


def mime(text):
    import email
    from email import policy

    msg = email.message_from_string(text, policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            out = ics(part.get_content())
            out["filename"] = part.get_filename()
            out["content_method"] = part.get_param("method")
            return out
    raise SystemExit("no text/calendar part")


if __name__ == "__main__":
    data = sys.stdin.read()
    print(json.dumps({"ics": ics, "atom": atom, "mime": mime}[sys.argv[1]](data)))
