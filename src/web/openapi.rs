//! The OpenAPI 3 document, generated from the route table and the request types.

use super::Endpoint;
use actix_web::HttpResponse;
use std::sync::OnceLock;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required, ResponseBuilder, Schema,
};
use utoipa::ToSchema;

/// A named schema and the schemas it refers to.
pub struct SchemaDef {
    pub name: String,
    pub schema: RefOr<Schema>,
    pub nested: Vec<(String, RefOr<Schema>)>,
}

pub fn schema_of<T: ToSchema>() -> SchemaDef {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    SchemaDef {
        name: T::name().into_owned(),
        schema: T::schema(),
        nested,
    }
}

/// A CSV file, as an import takes it.
pub fn csv_schema() -> SchemaDef {
    SchemaDef {
        name: "CsvFile".into(),
        schema: RefOr::T(Schema::Object(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .description(Some(
                    "A header line naming the kind's columns (see the template), then one row \
                     per record; `;`, `,` or tab between cells; UTF-8 with or without BOM",
                ))
                .build(),
        )),
        nested: Vec::new(),
    }
}

fn http_method(m: &actix_web::http::Method) -> HttpMethod {
    match m.as_str() {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

const ERRORS: &[(u16, &str)] = &[
    (400, "Malformed request: names the field"),
    (401, "Not signed in"),
    (403, "Not allowed"),
    (404, "Not found"),
    (409, "Conflict"),
    (413, "Body too large"),
    (415, "Body is not application/json"),
    (422, "Invalid values: each field named"),
    (500, "Internal error (opaque, with a request id)"),
];

const MATCH_PARAMETERS: &[(&str, &str)] = &[
    ("limit", "Items per page, 1–100 (default 20)"),
    ("cursor", "The next_cursor of the previous page"),
];

const LIST_PARAMETERS: &[(&str, &str)] = &[
    ("limit", "Items per page, 1–200 (default 50)"),
    ("cursor", "The next_cursor of the previous page"),
    ("municipality", "Municipality, e.g. SE-2062"),
    ("county", "County, e.g. SE-20 or NO-50"),
    ("status", "Status"),
    ("kind", "Kind"),
    ("organisation_id", "Organisation"),
];

const SIGNED_LINK: &[(&str, &str)] = &[
    ("party", "a or b: the party the emailed link was made for"),
    (
        "expires",
        "When the link expires (Unix seconds), as the link gives it",
    ),
    ("sig", "The link's signature"),
];

fn query_parameters(e: &Endpoint) -> Vec<&'static (&'static str, &'static str)> {
    let p = e.path.as_str();
    let get = e.method == actix_web::http::Method::GET;
    if p.starts_with("/introductions/") || p.ends_with("/accept") || p.ends_with("/decline") {
        return SIGNED_LINK.iter().collect();
    }
    if get && (p == "/verify" || p == "/reset") {
        return vec![&("token", "The token of the emailed link")];
    }
    if get && p == "/api/v1/introductions" {
        return vec![
            &(
                "status",
                "proposed, accepted, declined, expired, introduced or withdrawn",
            ),
            &("limit", "Items per page, 1–200 (default 50)"),
            &("cursor", "The next_cursor of the previous page"),
        ];
    }
    if get && (p == "/api/v1/reports/indicators" || p == "/reports") {
        return vec![
            &(
                "from",
                "First day, YYYY-MM-DD (default: 1 January this year)",
            ),
            &("to", "Last day, YYYY-MM-DD (default: today)"),
            &("municipality", "Only this municipality, e.g. SE-2062"),
            &("format", "json (default) or csv"),
        ];
    }
    if p.starts_with("/api/v1/imports/") && !get {
        return vec![
            &(
                "dry_run",
                "true: validate every row and report, writing nothing",
            ),
            &(
                "on_duplicate",
                "skip (default) or update what is there already",
            ),
        ];
    }
    if get && p == "/search" {
        return vec![
            &("q", "What to search for"),
            &("kind", "need, candidate, mentor, procurement or offer"),
            &("from", "How many results to skip"),
        ];
    }
    if get && (p == "/api/v1/admin/users" || p == "/admin/users") {
        return vec![
            &("q", "Part of an email or a name, any case"),
            &(
                "role",
                "company, candidate, mentor, supplier, officer or admin",
            ),
            &("limit", "Items per page, 1–200 (default 50)"),
            &("cursor", "The next_cursor of the previous page"),
        ];
    }
    if get && p == "/api/v1/emails" {
        return vec![
            &(
                "status",
                "pending, sending, sent, failed (the default) or cancelled",
            ),
            &("limit", "Items, 1–200 (default 50)"),
        ];
    }
    if !get || !e.auth || p.starts_with("/api/v1/me") || p.starts_with("/api/v1/introductions") {
        return Vec::new();
    }
    if p.ends_with("/matches") {
        let mut v: Vec<_> = MATCH_PARAMETERS.iter().collect();
        if p.starts_with("/api/v1/candidates") {
            v.push(&("track", "ktp (default) or mentoring"));
        }
        if p.starts_with("/api/v1/needs") || p.starts_with("/api/v1/mentors") {
            v.push(&(
                "route",
                "coach: a need's coaches, or a coach's needs (default: graduates, or mentees)",
            ));
        }
        return v;
    }
    if p == "/api/v1/search" {
        let mut v: Vec<_> = MATCH_PARAMETERS.iter().collect();
        v.extend([
            &("q", "What to search for"),
            &("kind", "need, candidate, mentor, procurement or offer"),
        ]);
        return v;
    }
    if p.contains("{id}") {
        return Vec::new();
    }
    LIST_PARAMETERS.iter().collect()
}

fn string_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .into()
}

fn integer_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .into()
}

/// The `{name}` parameters of a path.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn operation(e: &Endpoint) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .summary(Some(e.summary.clone()))
        .tag(e.tag)
        .operation_id(Some(format!("{} {}", e.method, e.path)));
    for name in path_parameters(&e.path) {
        let schema = if name == "action" {
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .enum_values(Some(["accept", "decline"]))
                .into()
        } else {
            string_schema()
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema)),
        );
    }
    for (name, doc) in query_parameters(e) {
        let schema = if matches!(*name, "limit" | "expires") {
            integer_schema()
        } else {
            string_schema()
        };
        op = op.parameter(
            ParameterBuilder::new()
                .name(*name)
                .parameter_in(ParameterIn::Query)
                .description(Some(*doc))
                .schema(Some(schema)),
        );
    }
    if let Some(b) = &e.body {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(&b.name)))
            .build();
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(e.body_type, content)
                .required(Some(Required::True))
                .build(),
        ));
    }
    for (status, text) in e.responses.iter().chain(ERRORS) {
        op = op.response(
            status.to_string(),
            ResponseBuilder::new().description(*text),
        );
    }
    if e.auth {
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    op.build()
}

/// The document for a route table.
pub fn document(endpoints: &[Endpoint]) -> OpenApi {
    let mut paths = Paths::new();
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    for e in endpoints {
        paths.add_path_operation(&e.path, vec![http_method(&e.method)], operation(e));
        if let Some(b) = &e.body {
            components = components.schema(b.name.clone(), b.schema.clone());
            for (name, schema) in &b.nested {
                components = components.schema(name.clone(), schema.clone());
            }
        }
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Heartland Match API")
                .version("1")
                .description(Some("Matches for KTP placements, mentoring and early procurement dialogue in Dalarna, Värmland, Innlandet and Trøndelag.")),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

pub async fn serve() -> HttpResponse {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| document(&super::endpoints()).to_json().unwrap_or_default());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.as_str())
}
