//! The tables, as diesel sees them. Written by hand from `migrations/`: the two backends share
//! one schema so that one code path serves both.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        phone -> Nullable<Text>,
        locale -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email_verified_at -> Nullable<Timestamp>,
        last_active_at -> Nullable<Timestamp>,
        retention_warned_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        factor_pending -> Bool,
        sso_mfa -> Bool,
    }
}

diesel::table! {
    user_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    officer_scopes (user_id, municipality) {
        user_id -> Text,
        municipality -> Text,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    memberships (user_id, organisation_id) {
        user_id -> Text,
        organisation_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        text_version -> Text,
        given_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    index_events (seq) {
        seq -> BigInt,
        entity_kind -> Text,
        entity_id -> Text,
        op -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient_user_id -> Nullable<Text>,
        to_address -> Text,
        template -> Text,
        locale -> Text,
        params -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        introduction_id -> Nullable<Text>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    introductions (id) {
        id -> Text,
        track -> Text,
        a_kind -> Text,
        a_id -> Text,
        a_user_id -> Nullable<Text>,
        b_kind -> Text,
        b_id -> Text,
        b_user_id -> Nullable<Text>,
        note -> Text,
        status -> Text,
        a_answer -> Nullable<Text>,
        b_answer -> Nullable<Text>,
        a_answered_at -> Nullable<Timestamp>,
        b_answered_at -> Nullable<Timestamp>,
        a_reminders -> Integer,
        b_reminders -> Integer,
        outcome -> Nullable<Text>,
        proposed_by -> Nullable<Text>,
        municipality -> Text,
        cross_border -> Bool,
        explanation -> Text,
        idempotency_key -> Nullable<Text>,
        request_hash -> Nullable<Text>,
        expires_at -> Timestamp,
        introduced_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        outcome_on -> Nullable<Date>,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Text,
        introduction_id -> Text,
        kind -> Text,
        party -> Text,
        due_on -> Date,
        sent_at -> Nullable<Timestamp>,
        answered_on -> Nullable<Date>,
        answer -> Nullable<Text>,
    }
}

diesel::table! {
    digests (id) {
        id -> Text,
        user_id -> Text,
        week -> Text,
        time_zone -> Text,
        decided_at -> Timestamp,
        covered_to -> Timestamp,
        items -> Integer,
    }
}

diesel::table! {
    newsletters (id) {
        id -> Text,
        author_id -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        segment -> Text,
        status -> Text,
        recipients -> Integer,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bounces (user_id) {
        user_id -> Text,
        address -> Text,
        reason -> Text,
        bounced_at -> Timestamp,
    }
}

diesel::table! {
    totp (user_id) {
        user_id -> Text,
        secret -> Text,
        last_step -> BigInt,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reads (id) {
        id -> Text,
        person_id -> Text,
        reader_id -> Nullable<Text>,
        reader_name -> Text,
        reader_role -> Text,
        what -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    oidc_flows (state) {
        state -> Text,
        provider -> Text,
        nonce -> Text,
        verifier -> Text,
        next -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> BigInt,
        hits -> Integer,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_kind -> Text,
        subject_id -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    mentoring_requests (id) {
        id -> Text,
        candidate_id -> Text,
        user_id -> Text,
        note -> Text,
        created_at -> Timestamp,
        handled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mentoring_cohorts (id) {
        id -> Text,
        officer_id -> Text,
        plan -> Text,
        created_at -> Timestamp,
        proposed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mentoring_relationships (introduction_id) {
        introduction_id -> Text,
        started_on -> Nullable<Text>,
        outcome -> Nullable<Text>,
        org_number -> Nullable<Text>,
        ended_on -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mentoring_check_ins (id) {
        id -> Text,
        introduction_id -> Text,
        months -> Integer,
        due_on -> Text,
        created_at -> Timestamp,
        emailed -> Bool,
        a_answer -> Nullable<Text>,
        a_answered_at -> Nullable<Timestamp>,
        b_answer -> Nullable<Text>,
        b_answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dialogues (procurement_id) {
        procurement_id -> Text,
        notice -> Text,
        opened_by -> Nullable<Text>,
        opened_at -> Timestamp,
        tendered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dialogue_invitations (id) {
        id -> Text,
        procurement_id -> Text,
        organisation_id -> Text,
        offer_id -> Nullable<Text>,
        source -> Text,
        score -> Nullable<Double>,
        removed_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        invited_at -> Nullable<Timestamp>,
        outbox_id -> Nullable<Text>,
    }
}

diesel::table! {
    dialogue_registrations (id) {
        id -> Text,
        procurement_id -> Text,
        organisation_id -> Text,
        user_id -> Nullable<Text>,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Nullable<Text>,
        locale -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_questions (id) {
        id -> Text,
        procurement_id -> Text,
        registration_id -> Text,
        text -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_publications (id) {
        id -> Text,
        procurement_id -> Text,
        kind -> Text,
        question_id -> Nullable<Text>,
        slot_id -> Nullable<Text>,
        version -> Integer,
        text -> Text,
        published_by -> Nullable<Text>,
        published_at -> Timestamp,
    }
}

diesel::table! {
    dialogue_deliveries (publication_id, registration_id) {
        publication_id -> Text,
        registration_id -> Text,
        outbox_id -> Text,
    }
}

diesel::table! {
    dialogue_slots (id) {
        id -> Text,
        procurement_id -> Text,
        kind -> Text,
        starts_at -> Text,
        minutes -> Integer,
        place -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        confidential -> Nullable<Text>,
        held_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dialogue_bookings (slot_id) {
        slot_id -> Text,
        registration_id -> Text,
        booked_at -> Timestamp,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    holds (subject_kind, subject_id, reason) {
        subject_kind -> Text,
        subject_id -> Text,
        reason -> Text,
        note -> Text,
        since -> Timestamp,
        by_user -> Nullable<Text>,
    }
}

diesel::table! {
    abuse_reports (id) {
        id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        municipality -> Text,
        reporter_id -> Nullable<Text>,
        reason -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
    }
}

diesel::table! {
    freshness (record_kind, record_id) {
        record_kind -> Text,
        record_id -> Text,
        asked_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        stale_at -> Nullable<Timestamp>,
    }
}

/// The six record tables share their columns: the fields the service filters and authorises
/// on are columns, the validated record itself is `data` (JSON).
macro_rules! record_table {
    ($($name:ident),*) => {$(
        diesel::table! {
            $name (id) {
                id -> Text,
                owner_id -> Text,
                organisation_id -> Nullable<Text>,
                municipality -> Text,
                county -> Text,
                kind -> Text,
                status -> Text,
                data -> Text,
                created_at -> Timestamp,
                updated_at -> Timestamp,
            }
        }
    )*};
}

record_table!(
    organisations,
    needs,
    candidates,
    mentors,
    procurements,
    offers
);

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(dialogue_bookings -> dialogue_slots (slot_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    officer_scopes,
    api_tokens,
    memberships,
    consents,
    index_events,
    outbox,
    introductions,
    sessions,
    user_tokens,
    audit_log,
    mentoring_requests,
    mentoring_cohorts,
    mentoring_relationships,
    mentoring_check_ins,
    dialogues,
    dialogue_invitations,
    dialogue_registrations,
    dialogue_questions,
    dialogue_publications,
    dialogue_deliveries,
    dialogue_slots,
    dialogue_bookings,
    holds,
    abuse_reports,
    freshness,
    follow_ups,
    digests,
    newsletters,
    bounces,
    totp,
    recovery_codes,
    reads,
    oidc_flows,
    rate_limits,
    organisations,
    needs,
    candidates,
    mentors,
    procurements,
    offers
);
