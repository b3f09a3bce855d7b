//! The integration suite: one binary, the real application over HTTP, on SQLite and (when
//! `HEARTLAND_TEST_POSTGRES_URL` is set) on PostgreSQL.

mod access;
mod accounts;
mod admin;
mod architecture;
mod browser;
mod browser_coaching;
mod browser_dialogue;
mod browser_imports;
mod browser_mentoring;
mod browser_moderation;
mod browser_pages;
mod cli;
mod coaching;
pub(crate) mod crash;
mod dialogue;
mod errors;
mod exposure;
mod feeds;
mod freshness;
mod health;
mod helpers;
mod imports;
mod introductions;
mod lists;
mod matching;
mod mentoring;
mod moderation;
mod openapi;
mod outcomes;
mod privacy;
mod procurement_status;
mod records;
mod review;
mod smtp;
mod storage;
