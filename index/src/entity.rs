//! What the index knows of a record: plain values the service fills from its database.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Need,
    Candidate,
    Mentor,
    Procurement,
    Offer,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Need,
        Kind::Candidate,
        Kind::Mentor,
        Kind::Procurement,
        Kind::Offer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Need => "need",
            Kind::Candidate => "candidate",
            Kind::Mentor => "mentor",
            Kind::Procurement => "procurement",
            Kind::Offer => "offer",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The programmes an introduction can serve: KTP placements, mentoring of newcomer
/// entrepreneurs, coaching of companies by the region's experts (a need and a mentor who
/// coaches), and early dialogue before procurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    Ktp,
    Mentoring,
    Coaching,
    Procurement,
}

impl Track {
    /// The consent a person must have given to be matched on this track.
    pub fn consent(self) -> &'static str {
        match self {
            Track::Ktp => "matching_ktp",
            // A mentor who coaches companies consented to being matched as a mentor.
            Track::Mentoring | Track::Coaching => "matching_mentoring",
            Track::Procurement => "matching_procurement",
        }
    }
}

/// A language spoken (or, for a need, required) at a CEFR level: 1 = A1 … 6 = C2, 7 = native.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spoken {
    pub code: String,
    pub level: u8,
}

impl Spoken {
    pub fn level_name(level: u8) -> &'static str {
        ["?", "A1", "A2", "B1", "B2", "C1", "C2", "native"]
            .get(usize::from(level))
            .copied()
            .unwrap_or("?")
    }

    pub fn level_of(name: &str) -> u8 {
        match name {
            "A1" => 1,
            "A2" => 2,
            "B1" => 3,
            "B2" => 4,
            "C1" => 5,
            "C2" => 6,
            "native" => 7,
            _ => 0,
        }
    }
}

/// Why a record cannot take part in a track now ([`Entity::open_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The track does not join this kind of record.
    OtherTrack,
    /// Not active (closed, withdrawn, paused).
    Inactive,
    /// The person has not consented to matching in this track.
    NoConsent,
    /// A candidate who does not seek placements, or has no business to be mentored in; a need
    /// that asks for no graduate, or for no coach; a mentor who does not coach companies.
    NotSeeking,
    /// A mentor with no places left.
    NoPlaces,
}

/// A record as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: Option<Kind>,
    pub id: String,
    pub title: String,
    /// Free text: description, summary, education, sectors.
    pub text: String,
    /// Declared skills, expertise, sectors or support needs.
    pub skills: Vec<String>,
    /// Mentees: what they want help with (tax, financing, …), in words.
    pub support_needs: Vec<String>,
    /// Spoken languages, or for a need the languages it requires at their minimum level.
    pub languages: Vec<Spoken>,
    /// `SE-2062`.
    pub municipality: String,
    /// Where an offer's supplier works; empty: anywhere.
    pub serves: Vec<String>,
    pub max_distance_km: Option<f64>,
    pub remote_ok: bool,
    pub cross_border_ok: bool,
    /// Need: start date; candidate: available from; procurement: dialogue deadline. `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Open, active or planned: may be matched at all.
    pub active: bool,
    /// Purposes the person consented to (`matching_ktp`, …).
    pub consents: Vec<String>,
    /// Mentors: places left.
    pub capacity_left: Option<i64>,
    pub cpv: Vec<String>,
    pub ktp_target: bool,
    /// Candidates: runs or starts a business (a mentee).
    pub mentee: bool,
    /// Candidates: seeks KTP placements or jobs.
    pub seeks_ktp: bool,
    /// Private, self-declared; used only for KTP-target needs and never shown.
    pub foreign_background: bool,
    /// Needs: the company asks for a coach (besides or instead of a graduate).
    #[serde(default)]
    pub wants_coach: bool,
    /// Needs: a coach only, no graduate (the need takes no part in KTP).
    #[serde(default)]
    pub coach_only: bool,
    /// Mentors: coaches companies too.
    #[serde(default)]
    pub coaches: bool,
    /// Mentors: the sectors they know from the inside; mentees: their business's sector.
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Mentees: the business's stage, `idea`, `started` or `established`.
    #[serde(default)]
    pub stage: Option<String>,
}

impl Entity {
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Need)
    }

    pub fn consented(&self, track: Track) -> bool {
        self.consents.iter().any(|c| c == track.consent())
    }

    /// The eligibility rule of every track, in one place: whether this record may be matched
    /// or introduced in `track` now. The ranking, the database's re-check of what the index
    /// returned, and introductions all ask it.
    pub fn open_to(&self, track: Track) -> Result<(), Closed> {
        let person = matches!(self.kind(), Kind::Candidate | Kind::Mentor);
        match (self.kind(), track) {
            (Kind::Need | Kind::Candidate, Track::Ktp)
            | (Kind::Candidate | Kind::Mentor, Track::Mentoring)
            | (Kind::Need | Kind::Mentor, Track::Coaching)
            | (Kind::Procurement | Kind::Offer, Track::Procurement) => {}
            _ => return Err(Closed::OtherTrack),
        }
        if !self.active {
            return Err(Closed::Inactive);
        }
        if person && !self.consented(track) {
            return Err(Closed::NoConsent);
        }
        match (self.kind(), track) {
            (Kind::Candidate, Track::Ktp) if !self.seeks_ktp => Err(Closed::NotSeeking),
            (Kind::Candidate, Track::Mentoring) if !self.mentee => Err(Closed::NotSeeking),
            (Kind::Need, Track::Ktp) if self.coach_only => Err(Closed::NotSeeking),
            (Kind::Need, Track::Coaching) if !self.wants_coach => Err(Closed::NotSeeking),
            (Kind::Mentor, Track::Coaching) if !self.coaches => Err(Closed::NotSeeking),
            (Kind::Mentor, _) if self.capacity_left.unwrap_or(0) <= 0 => Err(Closed::NoPlaces),
            _ => Ok(()),
        }
    }

    /// Everything worth searching, in one string.
    pub fn full_text(&self) -> String {
        let mut s = String::with_capacity(self.title.len() + self.text.len() + 64);
        s.push_str(&self.title);
        s.push('\n');
        s.push_str(&self.skills.join(". "));
        s.push('\n');
        s.push_str(&self.support_needs.join(". "));
        s.push('\n');
        s.push_str(&self.text);
        s
    }
}
