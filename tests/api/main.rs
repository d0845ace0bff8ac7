//! End-to-end tests: real HTTP against a server on port 0 and a fresh SQLite
//! file per test. One test binary, so the crate links once.

mod github_action;
mod github_app;
mod helpers;
mod hostile;
mod install;
mod sign_in;
mod slack_app;
mod smtp;
mod standins;

mod airflow_login;
mod api_callers;
mod argo;
mod azure_devops;
mod azure_functions;
mod azure_recipe;
mod binary;
mod callbacks;
mod cli;
mod crash;
mod crash_loop;
mod create;
mod decide;
mod durability;
mod expiry;
mod inputs;
mod list;
mod notifications;
mod operations;
mod outage;
mod pages;
mod pg;
mod plans;
mod postgres;
mod proxy;
mod python;
mod quorum;
mod readme;
mod redeliver;
mod replicas;
mod restart;
mod step_functions;
mod store_story;
mod triggers;
mod wait;
