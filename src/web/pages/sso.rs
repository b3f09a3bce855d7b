//! Single sign-on on the pages: `/auth/oidc/{provider}/start` sends the browser to the
//! municipality's identity provider, `/auth/oidc/{provider}/callback` takes it back (the use
//! case is `crate::sso`), and the session starts — waiting for our code unless the provider
//! asked a second factor itself.

use super::{error_page, next_of, see_other, Ctx};
use crate::web::error::AppError;
use crate::web::{account, session, AppState};
use actix_web::{web, HttpRequest, HttpResponse};

fn param(req: &HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `GET /auth/oidc/{provider}/start?next=`.
pub async fn start(
    state: web::Data<AppState>,
    provider: web::Path<String>,
    req: HttpRequest,
    c: Ctx,
) -> HttpResponse {
    let next = next_of(&req);
    match crate::sso::start(&state.db, &state.settings, &provider, &next).await {
        Ok(url) => see_other(&url),
        Err(e) => error_page(&c, e, "/sign-in"),
    }
}

/// `GET /auth/oidc/{provider}/callback?code=&state=` (or `error=`).
pub async fn callback(
    state: web::Data<AppState>,
    provider: web::Path<String>,
    req: HttpRequest,
    c: Ctx,
) -> HttpResponse {
    if let Some(error) = param(&req, "error") {
        let why = format!("the identity provider answered {error}");
        return error_page(&c, AppError::forbidden(why), "/sign-in");
    }
    let (Some(code), Some(flow)) = (param(&req, "code"), param(&req, "state")) else {
        return error_page(
            &c,
            AppError::forbidden("the identity provider sent no code"),
            "/sign-in",
        );
    };
    let (signed, next) =
        match crate::sso::finish(&state.db, &state.settings, &provider, &code, &flow).await {
            Ok(x) => x,
            Err(e) => return error_page(&c, e, "/sign-in"),
        };
    let pending = !signed.provider_mfa
        && match session::factor_asked(&state, &signed.user).await {
            Ok(p) => p,
            Err(e) => return error_page(&c, e, "/sign-in"),
        };
    match account::start_session_with(&state, &req, &signed.user.id, pending, signed.provider_mfa)
        .await
    {
        Ok((cookie, _, _)) => super::signed_in(cookie, &next, pending),
        Err(e) => error_page(&c, e, "/sign-in"),
    }
}
