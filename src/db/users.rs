//! People with accounts, their officer scopes, organisation memberships and API tokens.

use super::schema::{api_tokens, memberships, officer_scopes, users};
use super::{DbConn, Native};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// Owner of what an erased person leaves that others rely on (see the accounts migration).
pub const ERASED_USER: &str = "00000000-0000-0000-0000-000000000000";

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// What an administrator's list of users is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    /// Part of the email or the name, any case.
    pub text: Option<String>,
    pub role: Option<String>,
    /// The email the previous page ended with.
    pub after: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub locale: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
    pub email_verified_at: Option<PrimitiveDateTime>,
    /// When the person last did something (counted to the hour: [`super::accounts::touch_user`]).
    pub last_active_at: Option<PrimitiveDateTime>,
    /// When the person was told their data will go for inactivity, if they were.
    pub retention_warned_at: Option<PrimitiveDateTime>,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub phone: Option<&'a str>,
    pub locale: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    /// Whether the address is known to be theirs (an officer attests it, or the CLI).
    pub verified: bool,
}

const USER_COLUMNS: (
    users::id,
    users::email,
    users::display_name,
    users::phone,
    users::locale,
    users::role,
    users::password_hash,
    users::created_at,
    users::updated_at,
    users::email_verified_at,
    users::last_active_at,
    users::retention_warned_at,
) = (
    users::id,
    users::email,
    users::display_name,
    users::phone,
    users::locale,
    users::role,
    users::password_hash,
    users::created_at,
    users::updated_at,
    users::email_verified_at,
    users::last_active_at,
    users::retention_warned_at,
);

impl User {
    pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<String> {
        let id = super::new_id();
        let now = super::now();
        diesel::insert_into(users::table)
            .values((
                users::id.eq(&id),
                users::email.eq(new.email),
                users::display_name.eq(new.display_name),
                users::phone.eq(new.phone),
                users::locale.eq(new.locale),
                users::role.eq(new.role),
                users::password_hash.eq(new.password_hash),
                users::created_at.eq(now),
                users::updated_at.eq(now),
                users::email_verified_at.eq(new.verified.then_some(now)),
                users::last_active_at.eq(now),
            ))
            .execute(conn)?;
        Ok(id)
    }

    pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(USER_COLUMNS)
            .first_native(conn)
            .optional()
    }

    pub fn by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::email.eq(email))
            .select(USER_COLUMNS)
            .first(conn)
            .optional()
    }

    /// A new password; every reset and confirmation link still outstanding ends with it (a
    /// link mailed before the change must not open the account after it).
    pub fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<usize> {
        let at = super::now();
        diesel::update(
            super::schema::user_tokens::table
                .filter(super::schema::user_tokens::user_id.eq(id))
                .filter(super::schema::user_tokens::used_at.is_null()),
        )
        .set(super::schema::user_tokens::used_at.eq(at))
        .execute(conn)?;
        diesel::update(users::table.find(id))
            .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
            .execute(conn)
    }

    pub fn set_role(conn: &mut DbConn, id: &str, role: &str) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((users::role.eq(role), users::updated_at.eq(super::now())))
            .execute(conn)
    }

    pub fn scopes(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
        officer_scopes::table
            .filter(officer_scopes::user_id.eq(id))
            .select(officer_scopes::municipality)
            .order(officer_scopes::municipality)
            .load(conn)
    }

    pub fn add_scope(conn: &mut DbConn, id: &str, municipality: &str) -> QueryResult<()> {
        let exists: bool = diesel::select(diesel::dsl::exists(
            officer_scopes::table
                .filter(officer_scopes::user_id.eq(id))
                .filter(officer_scopes::municipality.eq(municipality)),
        ))
        .get_result(conn)?;
        if !exists {
            diesel::insert_into(officer_scopes::table)
                .values((
                    officer_scopes::user_id.eq(id),
                    officer_scopes::municipality.eq(municipality),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Users by email, narrowed as the filter says (never the placeholder of erased accounts).
    pub fn list(conn: &mut DbConn, f: &UserFilter) -> QueryResult<Vec<User>> {
        let mut q = users::table
            .select(USER_COLUMNS)
            .filter(users::id.ne(ERASED_USER))
            .order(users::email.asc())
            .limit(f.limit)
            .into_boxed();
        if let Some(text) = &f.text {
            let escaped: String = text
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            let pattern = format!("%{escaped}%");
            q = q.filter(
                lower(users::email)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(users::display_name).like(pattern).escape('\\')),
            );
        }
        if let Some(role) = &f.role {
            q = q.filter(users::role.eq(role.clone()));
        }
        if let Some(after) = &f.after {
            q = q.filter(users::email.gt(after.clone()));
        }
        q.load(conn)
    }

    /// An officer's municipalities from now on: those left out are removed.
    pub fn set_scopes(conn: &mut DbConn, id: &str, municipalities: &[String]) -> QueryResult<()> {
        diesel::delete(officer_scopes::table.filter(officer_scopes::user_id.eq(id)))
            .execute(conn)?;
        for m in municipalities {
            Self::add_scope(conn, id, m)?;
        }
        Ok(())
    }

    /// The user's officer scopes and organisations (as [`User::scopes`] and
    /// [`User::organisations`]) in one query: what every signed-in request reads.
    pub fn scopes_and_organisations(
        conn: &mut DbConn,
        id: &str,
    ) -> QueryResult<(Vec<String>, Vec<String>)> {
        use diesel::sql_types::Text;
        // The labels are bound, not written into the text: a literal would keep the statement
        // from being prepared once.
        let query = officer_scopes::table
            .filter(officer_scopes::user_id.eq(id))
            .select(("scope".into_sql::<Text>(), officer_scopes::municipality))
            .union_all(
                memberships::table
                    .filter(memberships::user_id.eq(id))
                    .select(("member".into_sql::<Text>(), memberships::organisation_id)),
            );
        // diesel writes UNION for each backend, not for the connection that is either.
        let rows: Vec<(String, String)> = query.load_native(conn)?;
        let (scopes, organisations): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|(what, _)| what == "scope");
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        Ok((
            sorted(scopes.into_iter().map(|(_, s)| s).collect()),
            sorted(organisations.into_iter().map(|(_, o)| o).collect()),
        ))
    }

    pub fn organisations(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
        memberships::table
            .filter(memberships::user_id.eq(id))
            .select(memberships::organisation_id)
            .order(memberships::organisation_id)
            .load(conn)
    }

    /// The members of an organisation, longest-standing first.
    pub fn members(conn: &mut DbConn, organisation: &str) -> QueryResult<Vec<String>> {
        memberships::table
            .filter(memberships::organisation_id.eq(organisation))
            .order((memberships::created_at.asc(), memberships::user_id.asc()))
            .select(memberships::user_id)
            .load(conn)
    }

    /// The longest-standing member of an organisation, who answers for it.
    pub fn first_member(conn: &mut DbConn, organisation: &str) -> QueryResult<Option<String>> {
        memberships::table
            .filter(memberships::organisation_id.eq(organisation))
            .order((memberships::created_at.asc(), memberships::user_id.asc()))
            .select(memberships::user_id)
            .first(conn)
            .optional()
    }

    pub fn join_organisation(
        conn: &mut DbConn,
        id: &str,
        organisation: &str,
        role: &str,
    ) -> QueryResult<()> {
        diesel::insert_into(memberships::table)
            .values((
                memberships::user_id.eq(id),
                memberships::organisation_id.eq(organisation),
                memberships::role.eq(role),
                memberships::created_at.eq(super::now()),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn insert_token(
        conn: &mut DbConn,
        id: &str,
        token_hash: &str,
        expires_at: PrimitiveDateTime,
    ) -> QueryResult<()> {
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::token_hash.eq(token_hash),
                api_tokens::user_id.eq(id),
                api_tokens::created_at.eq(super::now()),
                api_tokens::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn revoke_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
        diesel::update(
            api_tokens::table
                .find(token_hash)
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(super::now()))
        .execute(conn)
    }

    /// The user a live (unexpired, unrevoked) token belongs to.
    pub fn by_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<User>> {
        api_tokens::table
            .inner_join(users::table)
            .filter(api_tokens::token_hash.eq(token_hash))
            .filter(api_tokens::revoked_at.is_null())
            .filter(api_tokens::expires_at.gt(super::now()))
            .select(USER_COLUMNS)
            .first_native(conn)
            .optional()
    }
}
