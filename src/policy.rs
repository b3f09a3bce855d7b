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

    /// Whether contact details of the person behind a profile may be shown.
    pub fn sees_person(&self, row: &RecordRow) -> bool {
        row.owner_id == self.user_id || self.in_scope(&row.municipality)
    }
}
