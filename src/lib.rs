//! Heartland Match: the service. `main.rs` is thin; tests start the real [`Application`].

pub mod auth;
pub mod backup;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod dialogue;
pub mod digests;
pub mod domain;
pub mod error;
pub mod freshness;
pub mod i18n;
pub mod imports;
pub mod introductions;
pub mod jobs;
pub mod mail;
pub mod matching;
pub mod mentoring;
pub mod moderation;
pub mod newsletters;
pub mod policy;
pub mod privacy;
pub mod private_files;
pub mod records;
pub mod reports;
pub mod search;
pub mod second_factor;
pub mod services;
pub mod sso;
pub mod startup;
pub mod subscriptions;
pub mod web;
pub mod worker;

pub use startup::Application;
