//! `clinic rules check SCENARIO.json`: the rules of `storage::rules`, for scripts.

use std::path::Path;

use anyhow::Context;
use storage::rules::{RuleBook, Scenario, check as run_rules};

pub fn check(data_dir: &Path, scenario: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(scenario)
        .with_context(|| format!("cannot read {}", scenario.display()))?;
    let scenario: Scenario = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a scenario", scenario.display()))?;
    // A scenario names drugs by their codes: the county's list when it is here, else the demo
    // one (the rules' tests are written against it).
    let catalogue = match storage::catalogue::Catalogue::in_dir(data_dir)? {
        Some(own) => own,
        None => fixtures::catalogue::demo_catalogue().clone(),
    };
    let outcome = run_rules(&scenario, RuleBook::national(), &catalogue);
    println!("{}", serde_json::to_string_pretty(&outcome)?);
    Ok(())
}
