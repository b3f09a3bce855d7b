//! Every route in one table ([`endpoints`]), which both registers the routes and generates
//! the OpenAPI document, so the two cannot disagree.

use super::endpoint::endpoint;
use super::*;
use crate::records::RecordType;
use actix_web::http::Method;

const CREATED: &[(u16, &str)] = &[(201, "Created")];
const ACCEPTED: &[(u16, &str)] = &[(202, "Accepted")];
const NO_CONTENT: &[(u16, &str)] = &[(204, "Deleted")];
pub(crate) const PAGE_GET: &[(u16, &str)] = &[(200, "The page"), (303, "To the sign-in page")];
pub(crate) const PAGE_POST: &[(u16, &str)] =
    &[(303, "Done: to the next page"), (200, "The page again")];

/// The five routes of one record type.
fn record_endpoints<R: RecordType>(out: &mut Vec<Endpoint>) {
    let (p, name) = (R::PATH, R::RECORD.name());
    let collection = format!("/api/v1/{p}");
    let item = format!("/api/v1/{p}/{{id}}");
    let schema = || openapi::schema_of::<R::Input>();
    out.push(endpoint(Method::GET, &collection, format!("List {p}"), p).to(records::list::<R>));
    out.push(
        endpoint(Method::POST, &collection, format!("Create a {name}"), p)
            .to(records::create::<R>)
            .body(schema())
            .responses(CREATED),
    );
    out.push(endpoint(Method::GET, &item, format!("Read a {name}"), p).to(records::show::<R>));
    out.push(
        endpoint(Method::PUT, &item, format!("Replace a {name}"), p)
            .to(records::update::<R, true>)
            .body(schema()),
    );
    out.push(
        endpoint(
            Method::PATCH,
            &item,
            format!("Change some fields of a {name}"),
            p,
        )
        .to(records::update::<R, false>)
        .body(schema()),
    );
    out.push(
        endpoint(Method::DELETE, &item, format!("Delete a {name}"), p)
            .to(records::delete::<R>)
            .responses(NO_CONTENT),
    );
}

/// Every route the server has.
pub fn endpoints() -> Vec<Endpoint> {
    use crate::records::{
        candidate::Candidate, mentor::Mentor, need::Need, offer::Offer, organisation::Organisation,
        procurement::Procurement,
    };
    let mut e = vec![
        endpoint(Method::GET, "/healthz", "Liveness", "operations")
            .to(health::healthz)
            .public(),
        endpoint(
            Method::GET,
            "/readyz",
            "Readiness: database reachable, migrations applied, the search index caught up (and how far it lags)",
            "operations",
        )
        .to(health::readyz)
        .responses(&[(200, "Ready"), (503, "Not ready, saying why")])
        .public(),
        endpoint(Method::GET, "/metrics", "Prometheus metrics (with the configured metrics_token as a bearer token; off without one)", "operations")
            .to(health::metrics)
            .public(),
        endpoint(
            Method::GET,
            "/api/v1/openapi.json",
            "This document",
            "operations",
        )
        .to(openapi::serve)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/auth/token",
            "Get an API token",
            "auth",
        )
        .to(session::create_token)
        .public()
        .body(openapi::schema_of::<session::TokenRequest>())
        .responses(CREATED),
        endpoint(
            Method::POST,
            "/api/v1/auth/register",
            "Register an account",
            "auth",
        )
        .to(session::register)
        .public()
        .body(openapi::schema_of::<session::RegisterRequest>())
        .responses(ACCEPTED),
        endpoint(Method::GET, "/api/v1/me", "Your own account", "auth").to(session::me),
        endpoint(
            Method::POST,
            "/api/v1/auth/login",
            "Sign in a browser: a session cookie, and the CSRF token changes must send",
            "auth",
        )
        .to(account::login)
        .public()
        .body(openapi::schema_of::<account::LoginRequest>()),
        endpoint(
            Method::POST,
            "/api/v1/auth/logout",
            "Sign out: ends the session (or revokes the token used)",
            "auth",
        )
        .to(account::logout)
        .responses(NO_CONTENT),
        endpoint(
            Method::POST,
            "/api/v1/auth/verify",
            "Confirm an email address with the emailed token",
            "auth",
        )
        .to(account::verify)
        .public()
        .body(openapi::schema_of::<account::TokenBody>()),
        endpoint(
            Method::POST,
            "/api/v1/auth/reset-request",
            "Ask for a password reset link by email (the same answer whether or not the address \
             has an account)",
            "auth",
        )
        .to(account::reset_request)
        .public()
        .body(openapi::schema_of::<account::ResetRequest>())
        .responses(ACCEPTED),
        endpoint(
            Method::POST,
            "/api/v1/auth/reset",
            "Choose a new password with the emailed token; ends every session and token",
            "auth",
        )
        .to(account::reset)
        .public()
        .body(openapi::schema_of::<account::ResetBody>()),
        endpoint(
            Method::POST,
            "/api/v1/me/password",
            "Change your password; ends every session and token",
            "auth",
        )
        .to(account::change_password)
        .body(openapi::schema_of::<account::PasswordChange>())
        .responses(NO_CONTENT),
        endpoint(
            Method::POST,
            "/api/v1/me/totp",
            "Starts setting up a second factor (officers and admins): `{secret_uri, qr_svg}`",
            "auth",
        )
        .to(account::totp_start),
        endpoint(
            Method::POST,
            "/api/v1/me/totp/confirm",
            "Confirms the second factor with the code the app shows: `{recovery_codes}` (ten, shown once)",
            "auth",
        )
        .to(account::totp_confirm)
        .body(openapi::schema_of::<account::TotpConfirm>()),
        endpoint(
            Method::GET,
            "/api/v1/me/consents",
            "Your consents",
            "privacy",
        )
        .to(account::consents),
        endpoint(
            Method::PUT,
            "/api/v1/me/consents",
            "Give or withdraw consents: the list is what you consent to from now on",
            "privacy",
        )
        .to(account::set_consents)
        .body(openapi::schema_of::<account::ConsentsBody>()),
        endpoint(
            Method::GET,
            "/api/v1/me/export",
            "Everything held about you, as versioned JSON",
            "privacy",
        )
        .to(account::export),
        endpoint(
            Method::DELETE,
            "/api/v1/me",
            "Erase your account (your password confirms it)",
            "privacy",
        )
        .to(account::erase)
        .body(openapi::schema_of::<account::EraseBody>())
        .responses(NO_CONTENT),
        endpoint(
            Method::GET,
            "/verify",
            "The page the confirmation email links to",
            "pages",
        )
        .to(pages::links::verify_page)
        .public(),
        endpoint(Method::POST, "/verify", "Confirms the address", "pages")
            .to(pages::links::verify_form)
            .public(),
        endpoint(
            Method::GET,
            "/reset",
            "The page the reset email links to",
            "pages",
        )
        .to(pages::links::reset_page)
        .public(),
        endpoint(Method::POST, "/reset", "Sets the new password", "pages")
            .to(pages::links::reset_form)
            .public(),
    ];
    record_endpoints::<Organisation>(&mut e);
    record_endpoints::<Need>(&mut e);
    record_endpoints::<Candidate>(&mut e);
    record_endpoints::<Mentor>(&mut e);
    record_endpoints::<Procurement>(&mut e);
    record_endpoints::<Offer>(&mut e);
    let m = "matches";
    e.extend([
        endpoint(
            Method::GET,
            "/api/v1/needs/{id}/matches",
            "Candidates ranked for a KTP need",
            m,
        )
        .to(matches::of::<Need>),
        endpoint(
            Method::GET,
            "/api/v1/candidates/{id}/matches",
            "Needs (track=ktp) or mentors (track=mentoring) ranked for a candidate",
            m,
        )
        .to(matches::of::<Candidate>),
        endpoint(
            Method::GET,
            "/api/v1/mentors/{id}/matches",
            "Mentees ranked for a mentor",
            m,
        )
        .to(matches::of::<Mentor>),
        endpoint(
            Method::GET,
            "/api/v1/procurements/{id}/matches",
            "Supplier offers ranked for a planned procurement",
            m,
        )
        .to(matches::of::<Procurement>),
        endpoint(
            Method::GET,
            "/api/v1/offers/{id}/matches",
            "Planned procurements ranked for an offer",
            m,
        )
        .to(matches::of::<Offer>),
        endpoint(
            Method::GET,
            "/api/v1/search",
            "Full-text search over what you may see",
            "search",
        )
        .to(matches::search),
    ]);
    let i = "introductions";
    e.extend([
        endpoint(
            Method::POST,
            "/api/v1/introductions",
            "Propose an introduction (officers); both parties are asked by email. Send an \
             Idempotency-Key header to make a retry safe",
            i,
        )
        .to(introductions::propose)
        .body(openapi::schema_of::<crate::introductions::ProposeRequest>())
        .responses(CREATED),
        endpoint(
            Method::GET,
            "/api/v1/introductions",
            "Introductions: all for officers, your own for a party",
            i,
        )
        .to(introductions::list),
        endpoint(
            Method::GET,
            "/api/v1/introductions/{id}",
            "One introduction; officers also see its emails and their delivery",
            i,
        )
        .to(introductions::show),
        endpoint(
            Method::PATCH,
            "/api/v1/introductions/{id}",
            "Record the outcome (officers)",
            i,
        )
        .to(introductions::record_outcome)
        .body(openapi::schema_of::<introductions::OutcomeRequest>()),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/accept",
            "Accept, as a party: signed in, or with the party, expires and sig of the emailed link",
            i,
        )
        .to(introductions::answer::<0>)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/decline",
            "Decline, as a party: signed in, or with the party, expires and sig of the emailed link",
            i,
        )
        .to(introductions::answer::<1>)
        .public(),
        endpoint(
            Method::POST,
            "/api/v1/introductions/{id}/withdraw",
            "Withdraw, as a party (signed in): before or after the introduction",
            i,
        )
        .to(introductions::answer::<2>),
        endpoint(
            Method::GET,
            "/api/v1/emails",
            "Emails by delivery status (officers): status=failed (the default) shows what did \
             not go out and the mail server's reply",
            i,
        )
        .to(introductions::emails),
        endpoint(
            Method::GET,
            "/api/v1/admin/users",
            "Accounts by email (admins): q finds part of an email or a name, role narrows",
            "admin",
        )
        .to(pages::admin::list),
        endpoint(
            Method::PUT,
            "/api/v1/admin/users/{id}/role",
            "Give an account a role, and an officer the municipalities they act for (admins)",
            "admin",
        )
        .to(pages::admin::put_role)
        .body(openapi::schema_of::<pages::admin::RoleRequest>()),
        endpoint(Method::GET, "/search", "Free-text search across what the reader may see", "pages")
            .to(pages::search::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/admin/users", "Accounts and their roles (admins)", "pages")
            .to(pages::admin::users)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/admin/users/{id}", "An account's role and municipalities (admins)", "pages")
            .to(pages::admin::user)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/admin/users/{id}", "Changes an account's role and municipalities (the page's form)", "pages")
            .to(pages::admin::save_user)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/", "The front page", "pages")
            .to(pages::home)
            .public(),
        endpoint(Method::GET, "/static/app.css", "The stylesheet", "pages")
            .to(pages::stylesheet)
            .public(),
        endpoint(Method::GET, "/sign-in", "The sign-in page", "pages")
            .to(pages::sign_in_page)
            .public(),
        endpoint(Method::POST, "/sign-in", "Signs in (the page's form)", "pages")
            .to(pages::sign_in)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/forgot", "Asks for the address to send a new-password link to", "pages")
            .to(pages::forgot_page)
            .public(),
        endpoint(Method::POST, "/forgot", "Sends the new-password link (the page's form)", "pages")
            .to(pages::forgot)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/sign-out", "Signs out (the page's form)", "pages")
            .to(pages::sign_out)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/dashboard", "What needs the officer's attention", "pages")
            .to(pages::dashboard)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/register", "The registration page", "pages")
            .to(pages::register_page)
            .public(),
        endpoint(Method::POST, "/register", "Registers (the page's form)", "pages")
            .to(pages::register)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/profile", "A candidate's own profile and its matches", "pages")
            .to(pages::profile::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/profile", "Saves the candidate's profile (the page's form)", "pages")
            .to(pages::profile::save)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/account", "Your account: consents, your data, erasure", "pages")
            .to(pages::me::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/account/consents", "Changes your consents (the page's form)", "pages")
            .to(pages::me::consents)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/account/address", "Changes your email address (confirmed by a link sent there; a bounce of the old one no longer counts)", "pages")
            .to(pages::me::address)
            .public()
            .responses(&[(303, "Changed"), (422, "The page again, saying what to correct")]),
        endpoint(Method::POST, "/account/address-ok", "Your bounced address is right after all: digests and newsletters go to it again", "pages")
            .to(pages::me::address_ok)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/account/totp", "Starts setting up a second factor: the QR code and the secret (officers and admins; the page's form)", "pages")
            .to(pages::factor::start)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/account/totp/confirm", "Confirms the second factor with a first code; shows the recovery codes once (the page's form)", "pages")
            .to(pages::factor::confirm)
            .public()
            .responses(&[(200, "The recovery codes"), (422, "The code was wrong: the form again")]),
        endpoint(Method::GET, "/sign-in/code", "The second step of an enrolled staff member's sign-in: the code from the app", "pages")
            .to(pages::factor::code_page)
            .public()
            .responses(&[(200, "The page"), (303, "To the sign-in page")]),
        endpoint(Method::POST, "/sign-in/code", "The code (or a recovery code): right, the session counts", "pages")
            .to(pages::factor::code)
            .public()
            .responses(&[(303, "Signed in"), (401, "The form again")]),
        endpoint(Method::GET, "/auth/oidc/{provider}/start", "Single sign-on: to the municipality's identity provider (OpenID Connect, code flow with PKCE)", "pages")
            .to(pages::sso::start)
            .public()
            .responses(&[(303, "To the identity provider"), (404, "No such provider")]),
        endpoint(Method::GET, "/auth/oidc/{provider}/callback", "Single sign-on: back from the identity provider; the ID token checked, the staff account found or made, the session started", "pages")
            .to(pages::sso::callback)
            .public()
            .responses(&[(303, "Signed in, or to the code"), (403, "Refused, saying why")]),
        endpoint(Method::GET, "/privacy", "The privacy notice: controller, contacts, purposes, legal bases, retention, processors", "pages")
            .to(pages::notices::privacy)
            .public(),
        endpoint(Method::GET, "/accessibility", "The accessibility statement, with where to send feedback", "pages")
            .to(pages::notices::accessibility)
            .public(),
        endpoint(Method::POST, "/account/erase", "Erases your account (the page's form)", "pages")
            .to(pages::me::erase)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/offers/new", "The form for a new offer", "pages")
            .to(pages::offers::new_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/offers/new", "Finds CPV codes or publishes an offer (the page's form)", "pages")
            .to(pages::offers::create)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/offers/{id}", "An offer and the procurements that match it", "pages")
            .to(pages::offers::show)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/company", "The company's needs", "pages")
            .to(pages::company)
            .public()
            .responses(PAGE_GET),
        endpoint(
            Method::POST,
            "/organisations/new",
            "Creates the company's organisation (the page's form)",
            "pages",
        )
        .to(pages::new_organisation)
        .public()
        .responses(PAGE_POST),
        endpoint(Method::GET, "/organisations/{id}/edit", "The form that changes an organisation", "pages")
            .to(pages::organisation::edit_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/organisations/{id}/edit", "Changes an organisation (the page's form)", "pages")
            .to(pages::organisation::edit)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/needs/new", "The form for a new need", "pages")
            .to(pages::need_form::new_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/needs/new", "Publishes a need (the page's form)", "pages")
            .to(pages::need_form::create)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::GET, "/needs/{id}", "A need and its ranked matches", "pages")
            .to(pages::need)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/needs/{id}/edit", "The form that changes a need", "pages")
            .to(pages::need_form::edit_page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::POST, "/needs/{id}/edit", "Changes a need (the page's form)", "pages")
            .to(pages::need_form::edit)
            .public()
            .responses(PAGE_POST),
        endpoint(Method::POST, "/needs/{id}/status", "Closes or reopens a need (the page's form)", "pages")
            .to(pages::need_status)
            .public()
            .responses(PAGE_POST),
        endpoint(
            Method::POST,
            "/needs/{id}/introduce",
            "Introduces a candidate to the need (the page's form)",
            "pages",
        )
        .to(pages::introduce)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::GET,
            "/api/v1/reports/indicators",
            "Programme indicators (officers): from, to (dates, default this year), municipality, \
             format=json|csv; counts of people under 5 are given as \"<5\"",
            "reports",
        )
        .to(reports::indicators),
        endpoint(Method::GET, "/reports", "The programme indicators page", "pages")
            .to(reports::page)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/introductions", "The introductions", "pages")
            .to(pages::introductions)
            .public()
            .responses(PAGE_GET),
        endpoint(Method::GET, "/introductions/{id}", "One introduction", "pages")
            .to(pages::introduction)
            .public()
            .responses(PAGE_GET),
        endpoint(
            Method::POST,
            "/introductions/{id}",
            "Records the outcome (the page's form)",
            "pages",
        )
        .to(pages::record_outcome)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::POST,
            "/introductions/{id}/answer",
            "A party's answer, signed in (the introduction page's form)",
            "pages",
        )
        .to(pages::answer)
        .public()
        .responses(PAGE_POST),
        endpoint(
            Method::GET,
            "/introductions/{id}/{action}",
            "The page an emailed link opens: asks to confirm (changes nothing)",
            "pages",
        )
        .to(introduction_links::link_page)
        .public(),
        endpoint(
            Method::POST,
            "/introductions/{id}/{action}",
            "Answers as the signed link says (the page's button)",
            "pages",
        )
        .to(introduction_links::link_answer)
        .public(),
    ]);
    mentoring::endpoints(&mut e);
    super::dialogue::endpoints(&mut e);
    super::imports::endpoints(&mut e);
    super::moderation::endpoints(&mut e);
    super::newsletters::endpoints(&mut e);
    pages::mentoring::endpoints(&mut e);
    pages::dialogue::endpoints(&mut e);
    pages::relationships::endpoints(&mut e);
    e
}
