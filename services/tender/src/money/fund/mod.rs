//! The service fund's accounts (物业服务资金) under 酬金制 and 信托制: a compound's fund runs
//! under its active commission or trust contract; under 信托制 it is the owners' common
//! account with the firm as trustee, under 酬金制 the owners' money the firm manages. Every
//! transaction is recorded (append-only, corrections by reversal), the firm's remuneration
//! is drawn as the contract agrees and nothing else, the balance is reconciled with the
//! bank's statement, and a monthly statement is public (no owner's name).
//!
//! | file | what |
//! | --- | --- |
//! | `terms.rs` | the remuneration a contract agrees (`RemunerationInput`) and what it allows by a day |
//! | `category.rs` | categories and the direction each books |
//! | `ledger.rs` | a transaction as sent (`TransactionInput::check`), as answered, reversals |
//! | `account.rs` | the compound's fund contract, who records, who reads the whole ledger |
//! | `store.rs` | transactions, bank statements and lines as stored |
//! | `steps.rs` | record, reverse (remuneration within its terms), publish the months changed (`fund_month`) |
//! | `rollover.rs` | 月结: every active fund's months published again when a month begins (hourly task) |
//! | `months.rs` | the months and their flags (deficit, common revenue not pooled), the public statement, pure |
//! | `bank.rs` | a bank statement file read through the column mapping |
//! | `reconcile.rs` | duplicates, matching to the ledger, balances compared; storing an applied import |
//! | `view.rs` | the public account with its months, the public statement, the whole ledger with running balances |

pub mod account;
pub mod bank;
pub mod category;
pub mod ledger;
pub mod months;
pub mod reconcile;
pub mod rollover;
pub mod steps;
pub mod store;
pub mod terms;
pub mod view;
