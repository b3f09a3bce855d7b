//! The administrator's view of accounts: who has which role, and which municipalities each
//! officer acts for. The API (`/api/v1/admin/users`) and the pages (`/admin/users`) share
//! [`set_role`], so both check and record a change the same way.

use super::error::AppError;
use super::forms::{municipality_key, place_label, place_labels};
use super::{body, AppState};
use super::{checked_post, context, error_page, fallback, respond, see_other, to_sign_in};
use super::{Ctx, Nav};
use crate::db::{self, User, UserFilter};
use crate::domain::{FieldErrors, Municipality};
use crate::i18n::Tr;
use crate::policy::{Role, Viewer};
use crate::web::rfc3339;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Every role an account can have, in the order the pages offer them.
pub const ROLES: &[&str] = &[
    "company",
    "candidate",
    "mentor",
    "supplier",
    "officer",
    "admin",
];

fn require_admin(v: &Viewer) -> Result<(), AppError> {
    if v.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only an administrator manages accounts",
        ))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

const USERS_DEFAULT: i64 = 50;
const USERS_MAX: i64 = 200;

fn users_filter(q: UsersQuery) -> Result<UserFilter, AppError> {
    let mut errors = FieldErrors::new();
    let limit = q.limit.unwrap_or(USERS_DEFAULT);
    if !(1..=USERS_MAX).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {USERS_MAX}"));
    }
    let role = q.role.filter(|r| !r.is_empty());
    if let Some(r) = &role {
        if !ROLES.contains(&r.as_str()) {
            errors.add("role", format!("must be one of: {}", ROLES.join(", ")));
        }
    }
    let text = q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        errors.add("q", "must be at most 200 characters");
    }
    let after = body::cursor(&mut errors, q.cursor.as_deref());
    errors.into_result().map_err(AppError::Validation)?;
    Ok(UserFilter {
        text,
        role,
        after,
        limit,
    })
}

/// One account as the administrator sees it (no password hash, ever).
pub struct UserLine {
    pub user: User,
    pub municipalities: Vec<String>,
}

impl UserLine {
    fn json(&self) -> Value {
        let u = &self.user;
        json!({
            "id": u.id, "email": u.email, "display_name": u.display_name, "role": u.role,
            "locale": u.locale, "municipalities": self.municipalities,
            "email_verified": u.email_verified_at.is_some(), "created_at": rfc3339(u.created_at),
        })
    }

    pub fn role_key(&self) -> String {
        format!("admin.role.{}", self.user.role)
    }

    pub fn created(&self) -> String {
        self.user.created_at.date().to_string()
    }

    pub fn places(&self) -> String {
        self.municipalities
            .iter()
            .map(|m| place_label(m))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A page of users and, for the next, the cursor.
async fn users_page(
    state: &web::Data<AppState>,
    mut filter: UserFilter,
) -> Result<(Vec<UserLine>, Option<String>), AppError> {
    let limit = filter.limit;
    filter.limit = limit + 1;
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let mut users = User::list(c, &filter)?;
            let more = users.len() as i64 > limit;
            users.truncate(limit as usize);
            let next = more
                .then(|| users.last().map(|u| body::next_cursor(&u.email)))
                .flatten();
            let lines = users
                .into_iter()
                .map(|user| {
                    let municipalities = User::scopes(c, &user.id)?;
                    Ok(UserLine {
                        user,
                        municipalities,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            Ok((lines, next))
        })
        .await
}

/// `GET /api/v1/admin/users`: accounts by email, narrowed by `q` (part of the email or name)
/// and `role`.
pub async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    require_admin(&viewer)?;
    let filter = users_filter(body::query(&req)?)?;
    let (lines, next) = users_page(&state, filter).await?;
    let items: Vec<Value> = lines.iter().map(UserLine::json).collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next_cursor": next})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// `company`, `candidate`, `mentor`, `supplier`, `officer` or `admin`.
    pub role: String,
    /// An officer's municipalities (`SE-2062`): at least one for an officer, none for
    /// another role.
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// An administrator with a second factor confirms a change of role with a code.
    pub totp: Option<String>,
}

/// Gives the account `id` a role (and an officer the municipalities they act for), checked
/// and recorded in the audit log. An administrator cannot take their own role away.
pub(crate) async fn set_role(
    state: &web::Data<AppState>,
    admin: &Viewer,
    id: String,
    r: RoleRequest,
) -> Result<UserLine, AppError> {
    require_admin(admin)?;
    let mut errors = FieldErrors::new();
    if !ROLES.contains(&r.role.as_str()) {
        errors.add("role", format!("must be one of: {}", ROLES.join(", ")));
    } else if id == admin.user_id && r.role != "admin" {
        errors.add(
            "role",
            "you cannot take away your own administrator role: another administrator can",
        );
    }
    let mut municipalities: Vec<String> = Vec::new();
    for (i, m) in r.municipalities.iter().enumerate() {
        if let Some(m) = errors.take(
            &format!("municipalities[{i}]"),
            Municipality::parse_key(m).map(|m| m.key()),
        ) {
            if !municipalities.contains(&m) {
                municipalities.push(m);
            }
        }
    }
    if r.role == "officer" && r.municipalities.is_empty() {
        errors.add(
            "municipalities",
            "an officer needs at least one municipality to act for",
        );
    } else if r.role != "officer" && !r.municipalities.is_empty() {
        errors.add("municipalities", "only an officer acts for municipalities");
    }
    errors.into_result().map_err(AppError::Validation)?;
    municipalities.sort();
    let actor = admin.user_id.clone();
    let now = crate::second_factor::unix_now();
    state
        .write(move |c| -> Result<UserLine, AppError> {
            crate::second_factor::reconfirm(c, &actor, r.totp.as_deref(), now)?;
            let before = User::by_id(c, &id)?
                .filter(|u| u.id != crate::db::ERASED_USER)
                .ok_or(AppError::NotFound)?;
            let scopes_before = User::scopes(c, &id)?;
            if before.role != r.role || scopes_before != municipalities {
                User::set_role(c, &id, &r.role)?;
                User::set_scopes(c, &id, &municipalities)?;
                db::audit(
                    c,
                    Some(&actor),
                    "role_granted",
                    "user",
                    Some(&id),
                    json!({"role": r.role, "from": before.role,
                        "municipalities": municipalities, "by": "admin"}),
                )?;
            }
            let user = User::by_id(c, &id)?.ok_or(AppError::NotFound)?;
            Ok(UserLine {
                user,
                municipalities,
            })
        })
        .await
}

/// `PUT /api/v1/admin/users/{id}/role`.
pub async fn put_role(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    require_admin(&viewer)?;
    let r: RoleRequest = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let line = set_role(&state, &viewer, id.into_inner(), r).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(line.json()))
}

// The pages.

#[derive(Template)]
#[template(path = "pages/admin_users.html")]
struct UsersPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    q: String,
    role: String,
    roles: &'static [&'static str],
    users: Vec<UserLine>,
    next: Option<String>,
}

impl UsersPage<'_> {
    fn role_key(&self, role: &str) -> String {
        format!("admin.role.{role}")
    }
}

/// The signed-in administrator, or the response that says why not.
async fn admin_context(
    state: &web::Data<AppState>,
    req: &HttpRequest,
) -> Result<(Ctx, Viewer), HttpResponse> {
    let c = context(state, req).await.map_err(fallback)?;
    let Some(viewer) = c.viewer.clone() else {
        return Err(to_sign_in(req));
    };
    if let Err(e) = require_admin(&viewer) {
        return Err(error_page(&c, e, "/"));
    }
    Ok((c, viewer))
}

/// `GET /admin/users`: accounts, searched by name or email and narrowed by role.
pub async fn users(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let (c, _) = match admin_context(&state, &req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let query: UsersQuery = match body::query(&req) {
        Ok(q) => q,
        Err(e) => return error_page(&c, e, "/admin/users"),
    };
    let (q, role) = (
        query.q.clone().unwrap_or_default(),
        query.role.clone().unwrap_or_default(),
    );
    let filter = match users_filter(query) {
        Ok(f) => f,
        Err(e) => return error_page(&c, e, "/admin/users"),
    };
    match users_page(&state, filter).await {
        Ok((users, next)) => {
            let next = next.map(|cursor| {
                let mut s = form_urlencoded::Serializer::new(String::new());
                s.append_pair("q", &q).append_pair("role", &role);
                s.append_pair("cursor", &cursor);
                format!("/admin/users?{}", s.finish())
            });
            let page = UsersPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                q,
                role,
                roles: ROLES,
                users,
                next,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/admin/users"),
    }
}

pub struct ScopeBox {
    pub key: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "pages/admin_user.html")]
struct UserPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    line: UserLine,
    /// The role the form shows (what was sent, after an error).
    role: String,
    roles: &'static [&'static str],
    scopes: Vec<ScopeBox>,
    /// What was typed in the fields that add a municipality.
    added: Vec<String>,
    places: &'static [String],
    errors: Vec<String>,
    saved: bool,
}

impl UserPage<'_> {
    fn role_key(&self, role: &str) -> String {
        format!("admin.role.{role}")
    }
}

struct Shown {
    role: String,
    ticked: Vec<String>,
    added: Vec<String>,
    errors: Vec<String>,
}

async fn user_page(
    state: &web::Data<AppState>,
    c: &Ctx,
    id: String,
    shown: Option<Shown>,
    saved: bool,
    status: StatusCode,
) -> HttpResponse {
    let back = "/admin/users";
    let found = state
        .db
        .read(move |conn| -> Result<UserLine, AppError> {
            let user = User::by_id(conn, &id)?
                .filter(|u| u.id != crate::db::ERASED_USER)
                .ok_or(AppError::NotFound)?;
            let municipalities = User::scopes(conn, &id)?;
            Ok(UserLine {
                user,
                municipalities,
            })
        })
        .await;
    let line = match found {
        Ok(l) => l,
        Err(e) => return error_page(c, e, back),
    };
    // The admin sees the person's name and address: a read of their contact details.
    if let Some(viewer) = &c.viewer {
        let what = format!("/admin/users/{}", line.user.id);
        if let Err(e) =
            crate::web::reads::log(state, viewer, vec![line.user.id.clone()], what).await
        {
            return error_page(c, e, back);
        }
    }
    let shown = shown.unwrap_or_else(|| Shown {
        role: line.user.role.clone(),
        ticked: line.municipalities.clone(),
        added: Vec::new(),
        errors: Vec::new(),
    });
    let mut keys = line.municipalities.clone();
    keys.extend(
        shown
            .ticked
            .iter()
            .filter(|k| !line.municipalities.contains(k))
            .cloned(),
    );
    let scopes = keys
        .into_iter()
        .map(|key| ScopeBox {
            label: place_label(&key),
            checked: shown.ticked.contains(&key),
            key,
        })
        .collect();
    let mut added = shown.added;
    added.resize(added.len().max(3), String::new());
    let page = UserPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        line,
        role: shown.role,
        roles: ROLES,
        scopes,
        added,
        places: place_labels(),
        errors: shown.errors,
        saved,
    };
    respond(c, status, page.render())
}

/// `GET /admin/users/{id}`: an account's role and municipalities, to change.
pub async fn user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let (c, _) = match admin_context(&state, &req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let saved = req.query_string().contains("saved=1");
    user_page(&state, &c, id.into_inner(), None, saved, StatusCode::OK).await
}

/// `POST /admin/users/{id}`: the role, the municipalities left ticked, and those added.
pub async fn save_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let mut token = String::new();
    let mut role = String::new();
    let mut ticked = Vec::new();
    let mut added = Vec::new();
    let mut code = None;
    for (k, v) in form_urlencoded::parse(&form) {
        match k.as_ref() {
            "csrf_token" => token = v.into_owned(),
            "role" => role = v.into_owned(),
            "municipality" => ticked.push(v.into_owned()),
            "add" => added.push(v.into_owned()),
            "totp" => code = Some(v.into_owned()),
            _ => {}
        }
    }
    let back = format!("/admin/users/{id}");
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let mut municipalities: Vec<String> = ticked.clone();
    municipalities.extend(
        added
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| municipality_key(a)),
    );
    if role != "officer" {
        // Another role acts for no municipality: the ticks no longer apply.
        municipalities.clear();
    }
    let request = RoleRequest {
        role: role.clone(),
        municipalities,
        totp: code,
    };
    match set_role(&state, &viewer, id.clone(), request).await {
        Ok(_) => see_other(&format!("{back}?saved=1")),
        Err(e @ (AppError::Validation(_) | AppError::SecondFactorRequired(_))) => {
            let shown = Shown {
                role,
                ticked,
                added,
                errors: super::field_messages(c.tr, &e),
            };
            user_page(
                &state,
                &c,
                id,
                Some(shown),
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(&c, e, &back),
    }
}
