//! The company's own pages: its organisation first, then its needs.

use super::*;

#[derive(Template)]
#[template(path = "pages/company.html")]
struct CompanyPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    has_organisation: bool,
    /// A supplier: its offers, not needs.
    supplier: bool,
    needs: Vec<RecordLine>,
    errors: Vec<String>,
    /// The organisation's form: empty, or what was typed.
    org: OrganisationForm,
    places: &'static [String],
    organisation_id: String,
    /// A supplier's dialogues (registered or invited), and notices in dialogue that match
    /// its offers.
    dialogues: Vec<(super::dialogue::NoticeLine, bool)>,
    notices: Vec<super::dialogue::NoticeLine>,
}

type Dialogues = (
    Vec<(super::dialogue::NoticeLine, bool)>,
    Vec<super::dialogue::NoticeLine>,
);

/// A supplier's dialogues and the notices that match its offers.
async fn supplier_dialogues(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    tr: Tr,
) -> Result<Dialogues, AppError> {
    use crate::dialogue::supplier;
    let v = viewer.clone();
    let mine = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            supplier::dialogues(conn, &v)?
                .into_iter()
                .map(|m| {
                    Ok((
                        super::dialogue::notice_line(conn, &m.procurement, tr)?,
                        m.registered,
                    ))
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    let except = mine.iter().map(|(n, _)| n.id.clone()).collect();
    let found = supplier::matching_notices(state, viewer, except, 5).await?;
    let notices = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            found
                .iter()
                .map(|b| super::dialogue::notice_line(conn, b, tr))
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    Ok((mine, notices))
}

async fn company_page(
    state: &web::Data<AppState>,
    c: &Ctx,
    viewer: Viewer,
    errors: Vec<String>,
    org: OrganisationForm,
    status: StatusCode,
) -> HttpResponse {
    let v = viewer.clone();
    let supplier = viewer.role == crate::policy::Role::Supplier;
    let record = if supplier {
        Record::Offer
    } else {
        Record::Need
    };
    let data = state
        .db
        .read(move |conn| -> Result<Vec<RecordLine>, AppError> {
            let mut out = Vec::new();
            for org in &v.organisations {
                let filter = db::ListFilter {
                    organisation_id: Some(org.clone()),
                    limit: 200,
                    ..Default::default()
                };
                for r in record.list(conn, &v.visible(record), &filter)? {
                    let (title, place, organisation) = intro::describe(conn, record.name(), &r.id)?;
                    out.push(RecordLine {
                        id: r.id.clone(),
                        title,
                        organisation,
                        place,
                        created: r.created_at.date().to_string(),
                        mine: true,
                        matching: None,
                    });
                }
            }
            Ok(out)
        })
        .await;
    let dialogues = if supplier {
        supplier_dialogues(state, &viewer, c.tr).await
    } else {
        Ok((Vec::new(), Vec::new()))
    };
    match data.and_then(|d| dialogues.map(|x| (d, x))) {
        Ok((needs, (dialogues, notices))) => {
            let page = CompanyPage {
                dialogues,
                notices,
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                has_organisation: !viewer.organisations.is_empty(),
                supplier,
                needs,
                errors,
                places: if viewer.organisations.is_empty() {
                    super::forms::place_labels()
                } else {
                    &[]
                },
                org,
                organisation_id: viewer.organisations.first().cloned().unwrap_or_default(),
            };
            respond(c, status, page.render())
        }
        Err(e) => error_page(c, e, "/"),
    }
}

/// `/company`: the company's needs, or first its organisation.
pub async fn company(
    state: web::Data<AppState>,
    _req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    company_page(
        &state,
        &c,
        viewer,
        Vec::new(),
        OrganisationForm::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct OrganisationForm {
    pub csrf_token: String,
    pub name: String,
    pub country: String,
    pub org_number: String,
    pub municipality: String,
    pub size: Option<String>,
    /// `women`, `men`, `mixed`; empty: not given.
    #[serde(default)]
    pub leadership: String,
}

impl OrganisationForm {
    pub(crate) fn size_is(&self, size: &str) -> bool {
        self.size.as_deref() == Some(size)
    }

    /// What a saved organisation shows in the form.
    pub(crate) fn from_saved(d: &Value) -> OrganisationForm {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        OrganisationForm {
            csrf_token: String::new(),
            name: s(&d["name"]),
            country: s(&d["country"]),
            org_number: s(&d["org_number"]),
            municipality: d["municipality"]
                .as_str()
                .map(super::forms::place_label)
                .unwrap_or_default(),
            size: d["size"].as_str().map(str::to_string),
            leadership: s(&d["leadership"]),
        }
    }

    /// The API's fields (without the kind): the same validation as `/api/v1/organisations`.
    pub(crate) fn body(&self) -> Value {
        serde_json::json!({"name": self.name.trim(), "org_number": self.org_number.trim(),
            "country": self.country,
            "municipality": super::forms::municipality_key(&self.municipality),
            "size": self.size,
            "leadership": (!self.leadership.is_empty()).then_some(&self.leadership)})
    }
}

/// Creates a record from a page's form, through the API's own validation and rules.
pub(crate) async fn create_record<R: crate::records::RecordType>(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    body: Value,
) -> Result<String, AppError> {
    let input: R::Input = super::body::from_value(body)?;
    let valid = R::validate(input).map_err(AppError::Validation)?;
    let (st, v) = (state.clone(), viewer.clone());
    let row = state
        .write(move |conn| crate::records::store::create::<R>(conn, &v, valid, &st.settings))
        .await?;
    Ok(row.id)
}

pub async fn new_organisation(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<OrganisationForm>,
    c: Ctx,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/company"),
    };
    let f = form.into_inner();
    let kind = if viewer.role == crate::policy::Role::Supplier {
        "supplier"
    } else {
        "company"
    };
    let mut body = f.body();
    body["kind"] = serde_json::json!(kind);
    match create_record::<crate::records::organisation::Organisation>(&state, &viewer, body).await {
        Ok(_) => see_other("/company"),
        Err(e @ (AppError::Validation(_) | AppError::Malformed { .. })) => {
            company_page(
                &state,
                &c,
                viewer,
                field_messages(c.tr, &e),
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(&c, e, "/company"),
    }
}
