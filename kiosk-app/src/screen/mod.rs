//! One module per screen: its state (if any), its messages, its view, and the event it reports
//! to the app, which decides where the flow goes next (`crate::app`).

pub mod consent;
pub mod done;
pub mod entry;
pub mod error;
pub mod insert_card;
pub mod new_pin;
pub mod out_of_service;
pub mod pin_entry;
pub mod processing;
pub mod remove_card;
pub mod reset_menu;
pub mod services;
pub mod staff;
pub mod staff_login;
pub mod top;
