//! Who may see and change which record: every access rule of the API is here, in one place.
//!
//! - Officers read every record (they broker across the border) and change what lies in the
//!   municipalities of their scope; an admin may do everything, everywhere.
//! - A company changes its own organisation and needs; a supplier its organisation and offers;
//!   a candidate or mentor their own profile.
//! - Candidates and mentors are shown to companies and other parties pseudonymously: without
//!   owner, private fields or contact details, and only while active.

use crate::db::{Record, RecordRow, Visible};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Company,
    Candidate,
    Mentor,
    Supplier,
    Officer,
    Admin,
}

impl Role {
    pub const SELF_SERVICE: &'static [&'static str] =
        &["company", "candidate", "mentor", "supplier"];

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "company" => Role::Company,
            "candidate" => Role::Candidate,
            "mentor" => Role::Mentor,
            "supplier" => Role::Supplier,
            "officer" => Role::Officer,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

/// The signed-in user a request acts for.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: String,
    pub role: Role,
    /// Officers: the municipalities (`SE-2062`) they act for.
    pub scopes: Vec<String>,
    /// Organisations the user is a member of.
    pub organisations: Vec<String>,
    pub locale: String,
    /// Whether the person's activity was written within the hour, as their row was read for
    /// this request: a change they make need not write it again.
    pub touched_recently: bool,
}

/// How much of a record a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Full,
    /// No owner, no private fields, no contact details.
    Pseudonymous,
}

const PUBLIC_NEED_STATUSES: &[&str] = &["open", "matched"];

impl Viewer {
    pub fn is_officer(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Admin)
    }

    /// Whether an officer's scope covers this municipality.
    pub fn in_scope(&self, municipality: &str) -> bool {
        self.role == Role::Admin
            || (self.role == Role::Officer && self.scopes.iter().any(|s| s == municipality))
    }

    fn member_of(&self, organisation: Option<&str>) -> bool {
        organisation.is_some_and(|o| self.organisations.iter().any(|m| m == o))
    }

    /// Whether the viewer may create a record like `row` (with the organisation's kind, if any).
    pub fn may_create(&self, record: Record, row: &RecordRow) -> bool {
        match (record, self.role) {
            (_, Role::Admin) => true,
            (_, Role::Officer) => self.in_scope(&row.municipality),
            (Record::Organisation, Role::Company) => row.kind == "company",
            (Record::Organisation, Role::Supplier) => row.kind == "supplier",
            (Record::Need, Role::Company) | (Record::Offer, Role::Supplier | Role::Company) => {
                self.member_of(row.organisation_id.as_deref())
            }
            (Record::Candidate, Role::Candidate) | (Record::Mentor, Role::Mentor) => {
                row.owner_id == self.user_id
            }
            _ => false,
        }
    }

    /// Whether the viewer may change or delete `row`.
    pub fn may_change(&self, record: Record, row: &RecordRow) -> bool {
        match (record, self.role) {
            (_, Role::Admin) => true,
            (_, Role::Officer) => self.in_scope(&row.municipality),
            (Record::Organisation, Role::Company | Role::Supplier) => self.member_of(Some(&row.id)),
            (Record::Need, Role::Company) | (Record::Offer, Role::Supplier | Role::Company) => {
                self.member_of(row.organisation_id.as_deref())
            }
            (Record::Candidate, Role::Candidate) | (Record::Mentor, Role::Mentor) => {
                row.owner_id == self.user_id
            }
            _ => false,
        }
    }

    /// How much of `row` the viewer sees; `None`: it is not shown at all (answered as 404).
    pub fn view_of(&self, record: Record, row: &RecordRow) -> Option<View> {
        if self.is_officer() || row.owner_id == self.user_id {
            return Some(View::Full);
        }
        match record {
            Record::Organisation | Record::Procurement | Record::Offer => Some(View::Full),
            Record::Need => (PUBLIC_NEED_STATUSES.contains(&row.status.as_str())
                || self.member_of(row.organisation_id.as_deref()))
            .then_some(View::Full),
            Record::Candidate => (matches!(self.role, Role::Company | Role::Mentor)
                && row.status == "active")
                .then_some(View::Pseudonymous),
            Record::Mentor => (row.status == "active").then_some(View::Pseudonymous),
        }
    }

    /// The rows of a list the viewer sees: the SQL form of [`Viewer::view_of`].
    pub fn visible(&self, record: Record) -> Visible {
        let own = Some(self.user_id.clone());
        let active = || vec!["active".to_string()];
        match record {
            _ if self.is_officer() => Visible::All,
            Record::Organisation | Record::Procurement | Record::Offer => Visible::All,
            Record::Need => Visible::Where {
                statuses: PUBLIC_NEED_STATUSES.iter().map(|s| s.to_string()).collect(),
                organisations: self.organisations.clone(),
                owner: own,
            },
            Record::Candidate if matches!(self.role, Role::Company | Role::Mentor) => {
                Visible::Where {
                    statuses: active(),
                    organisations: Vec::new(),
                    owner: own,
                }
            }
            Record::Candidate => Visible::Where {
                statuses: Vec::new(),
                organisations: Vec::new(),
                owner: own,
            },
            Record::Mentor => Visible::Where {
                statuses: active(),
                organisations: Vec::new(),
                owner: own,
            },
        }
    }

    /// Fields of a record that only an officer (or an admin) may change once it exists. An
    /// organisation's kind, number and country say what it is: a company that could make itself
    /// a `municipality` would be offered what only buyers get.
    pub fn fixed_fields(&self, record: Record) -> &'static [&'static str] {
        match record {
            Record::Organisation if !self.is_officer() => &["kind", "org_number", "country"],
            _ => &[],
        }
    }

    /// Whether contact details of the person behind a profile may be shown.
    pub fn sees_person(&self, row: &RecordRow) -> bool {
        row.owner_id == self.user_id || self.in_scope(&row.municipality)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn role() -> impl Strategy<Value = Role> {
        prop_oneof![
            Just(Role::Company),
            Just(Role::Candidate),
            Just(Role::Mentor),
            Just(Role::Supplier),
            Just(Role::Officer),
            Just(Role::Admin),
        ]
    }

    fn record() -> impl Strategy<Value = Record> {
        prop_oneof![
            Just(Record::Organisation),
            Just(Record::Need),
            Just(Record::Candidate),
            Just(Record::Mentor),
            Just(Record::Procurement),
            Just(Record::Offer),
        ]
    }

    const USERS: [&str; 3] = ["u1", "u2", "u3"];
    const ORGS: [&str; 3] = ["o1", "o2", "o3"];
    const PLACES: [&str; 3] = ["SE-2062", "NO-5025", "SE-1780"];
    const STATUSES: [&str; 7] = [
        "open", "draft", "matched", "closed", "active", "inactive", "planned",
    ];

    fn viewer() -> impl Strategy<Value = Viewer> {
        (
            role(),
            0..3usize,
            proptest::sample::subsequence(PLACES.to_vec(), 0..3),
            proptest::sample::subsequence(ORGS.to_vec(), 0..3),
        )
            .prop_map(|(role, u, scopes, orgs)| Viewer {
                user_id: USERS[u].into(),
                role,
                scopes: scopes.into_iter().map(String::from).collect(),
                organisations: orgs.into_iter().map(String::from).collect(),
                locale: "sv".into(),
                touched_recently: false,
            })
    }

    fn row() -> impl Strategy<Value = RecordRow> {
        (
            0..3usize,
            proptest::option::of(0..3usize),
            0..3usize,
            0..7usize,
        )
            .prop_map(|(owner, org, place, status)| {
                let t = time::macros::datetime!(2026-11-28 10:00:00);
                RecordRow {
                    id: "r".into(),
                    owner_id: USERS[owner].into(),
                    organisation_id: org.map(|o| ORGS[o].to_string()),
                    municipality: PLACES[place].into(),
                    county: "X".into(),
                    kind: "company".into(),
                    status: STATUSES[status].into(),
                    data: "{}".into(),
                    created_at: t,
                    updated_at: t,
                }
            })
    }

    /// What the SQL of a `Visible` selects, evaluated on one row.
    fn selects(v: &Visible, row: &RecordRow) -> bool {
        match v {
            Visible::All => true,
            Visible::Where {
                statuses,
                organisations,
                owner,
            } => {
                statuses.contains(&row.status)
                    || row
                        .organisation_id
                        .as_ref()
                        .is_some_and(|o| organisations.contains(o))
                    || owner.as_deref() == Some(row.owner_id.as_str())
            }
        }
    }

    proptest! {
        /// A list shows exactly the rows a read of each would show.
        #[test]
        fn lists_and_reads_agree(v in viewer(), r in record(), row in row()) {
            prop_assert_eq!(v.view_of(r, &row).is_some(), selects(&v.visible(r), &row));
        }

        /// Whoever may change a record may see it in full; nobody but officers in scope, the
        /// admin and the person sees the person behind a profile; companies, mentors and
        /// suppliers never see a profile that is not theirs in full.
        #[test]
        fn the_rules_hold_together(v in viewer(), r in record(), row in row()) {
            if v.may_change(r, &row) {
                prop_assert_eq!(v.view_of(r, &row), Some(View::Full));
            }
            if v.sees_person(&row) {
                prop_assert!(row.owner_id == v.user_id || v.role == Role::Admin
                    || (v.role == Role::Officer && v.scopes.contains(&row.municipality)));
            }
            if matches!(r, Record::Candidate | Record::Mentor)
                && !v.is_officer() && row.owner_id != v.user_id
            {
                prop_assert_ne!(v.view_of(r, &row), Some(View::Full));
            }
            if r == Record::Candidate && v.role == Role::Supplier && row.owner_id != v.user_id {
                prop_assert_eq!(v.view_of(r, &row), None);
            }
        }
    }
}
