//! Two things the build records.
//!
//! The commit the kiosk was built from, for the staff's health page (`KIOSK_BUILD_COMMIT`).
//!
//! Message ids checked at build time: every id the app names is a constant generated here from
//! the Japanese catalogue (`assets/i18n/ja.ftl`, Fluent), so a misspelt or removed id is a
//! compile error, not 「[id]」 on a customer's screen. The build also fails when a catalogue
//! does not parse, when English lacks an id the Japanese has (or has one more), when another
//! language lacks a customer's id (only `staff-*` may fall back to English) or has one the
//! Japanese lacks, or when a message's `$variables` differ from the Japanese.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_syntax::ast;

/// The languages and their catalogues, in `Language::ALL`'s order; the first defines the ids.
const LANGUAGES: [&str; 6] = ["ja", "en", "zh-Hans", "ko", "vi", "pt-BR"];

/// The staff's screens are in Japanese and English only; other languages fall back to English.
const STAFF_ONLY: &str = "staff-";

/// A catalogue's messages: id → (the `$variables` it uses, its text for the doc comment).
type Messages = BTreeMap<String, (BTreeSet<String>, String)>;

fn catalogue(path: &Path) -> Messages {
    let source =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let resource = match fluent_syntax::parser::parse(source.as_str()) {
        Ok(resource) => resource,
        Err((_, errors)) => panic!("{} does not parse: {errors:?}", path.display()),
    };
    let mut messages = Messages::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let id = message.id.name.to_string();
                let Some(value) = message.value else {
                    panic!("{}: {id} has no value", path.display());
                };
                let mut variables = BTreeSet::new();
                let mut text = String::new();
                pattern(&value, &mut variables, &mut text);
                if messages.insert(id.clone(), (variables, text)).is_some() {
                    panic!("{}: {id} is defined twice", path.display());
                }
            }
            ast::Entry::Term(term) => panic!(
                "{}: -{} (terms are not used: every text is a message)",
                path.display(),
                term.id.name
            ),
            _ => {}
        }
    }
    messages
}

fn pattern(pattern: &ast::Pattern<&str>, variables: &mut BTreeSet<String>, text: &mut String) {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => text.push_str(value),
            ast::PatternElement::Placeable { expression } => {
                expression_variables(expression, variables, text);
            }
        }
    }
}

fn expression_variables(
    expression: &ast::Expression<&str>,
    variables: &mut BTreeSet<String>,
    text: &mut String,
) {
    match expression {
        ast::Expression::Inline(inline) => inline_variables(inline, variables, text),
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, variables, text);
            for variant in variants {
                // The doc comment shows the default variant's words.
                let mut words = String::new();
                pattern(&variant.value, variables, &mut words);
                if variant.default {
                    text.push_str(&words);
                }
            }
        }
    }
}

fn inline_variables(
    inline: &ast::InlineExpression<&str>,
    variables: &mut BTreeSet<String>,
    text: &mut String,
) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            variables.insert(id.name.to_string());
            text.push_str(&format!("{{${}}}", id.name));
        }
        ast::InlineExpression::Placeable { expression } => {
            expression_variables(expression, variables, text);
        }
        ast::InlineExpression::StringLiteral { value } => text.push_str(value),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for argument in &arguments.positional {
                inline_variables(argument, variables, text);
            }
        }
        ast::InlineExpression::MessageReference { id, .. } => {
            panic!("{}: messages do not refer to others", id.name)
        }
        ast::InlineExpression::TermReference { id, .. } => {
            panic!("-{}: terms are not used", id.name)
        }
        ast::InlineExpression::NumberLiteral { value } => text.push_str(value),
    }
}

/// `pin-wrong-auth` → `PIN_WRONG_AUTH`.
fn constant(id: &str) -> String {
    id.to_ascii_uppercase().replace('-', "_")
}

/// The commit of the checkout being built, if it is one. A packaging build from a source tree
/// without `.git` (or without git) records none, and the kiosk says "unknown"; such a build
/// may name its commit in `KIOSK_BUILD_COMMIT` itself, which then stands.
fn record_commit() {
    println!("cargo::rerun-if-env-changed=KIOSK_BUILD_COMMIT");
    if std::env::var_os("KIOSK_BUILD_COMMIT").is_some_and(|c| !c.is_empty()) {
        // Passed on to rustc as it is: `option_env!` reads it.
        return;
    }
    println!("cargo::rerun-if-changed=../.git/HEAD");
    println!("cargo::rerun-if-changed=../.git/refs/heads");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok());
    if let Some(commit) = commit {
        println!("cargo::rustc-env=KIOSK_BUILD_COMMIT={}", commit.trim());
    }
}

fn main() {
    record_commit();
    message_ids();
    recordings();
}

/// The voice guidance's recordings (`assets/voice/<language>/<clip>.ogg`, made by
/// `scripts/record-voice`), compiled in as a table sorted by (language, clip): the kiosk then
/// has no file to miss at run time, and a test checks the table holds every clip it speaks.
fn recordings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/voice");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut entries = Vec::new();
    for code in LANGUAGES {
        let language = dir.join(code);
        println!("cargo::rerun-if-changed={}", language.display());
        let Ok(files) = std::fs::read_dir(&language) else {
            continue;
        };
        for file in files {
            let path = file.expect("a recording").path();
            if path.extension().is_some_and(|ext| ext == "ogg") {
                let stem = path
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .expect("a recording's name is UTF-8")
                    .to_string();
                println!("cargo::rerun-if-changed={}", path.display());
                let path = path.canonicalize().expect("a recording's path");
                entries.push((code.to_string(), stem, path));
            }
        }
    }
    entries.sort();
    let mut out = String::from(
        "// Generated by build.rs from assets/voice/.\npub static RECORDINGS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (code, stem, path) in entries {
        out.push_str(&format!(
            "    ({code:?}, {stem:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("recordings.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}

fn message_ids() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/i18n");
    let catalogues: Vec<(&str, Messages)> = LANGUAGES
        .iter()
        .map(|code| {
            let path = dir.join(format!("{code}.ftl"));
            println!("cargo::rerun-if-changed={}", path.display());
            (*code, catalogue(&path))
        })
        .collect();
    let (_, ja) = &catalogues[0];
    for (code, messages) in &catalogues[1..] {
        let required = |id: &&String| *code == "en" || !id.starts_with(STAFF_ONLY);
        let missing: Vec<&String> = ja
            .keys()
            .filter(required)
            .filter(|id| !messages.contains_key(*id))
            .collect();
        let extra: Vec<&String> = messages.keys().filter(|id| !ja.contains_key(*id)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{code}.ftl differs from ja.ftl: it lacks {missing:?} and has {extra:?} more"
        );
        for (id, (variables, _)) in messages {
            assert_eq!(
                variables, &ja[id].0,
                "{id}: the variables of {code}.ftl differ from ja.ftl's"
            );
        }
    }

    let mut seen = BTreeMap::new();
    let mut out = String::from("// Generated by build.rs from assets/i18n/ja.ftl.\n");
    let mut all = String::from("/// Every id, in order.\npub const ALL: &[MessageId] = &[\n");
    for (id, (_, text)) in ja {
        let name = constant(id);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}: an id is lowercase letters, digits and '-'"
        );
        if let Some(other) = seen.insert(name.clone(), id.clone()) {
            panic!("{id} and {other} would both be {name}");
        }
        let shown: String = text.chars().take(60).collect();
        out.push_str(&format!(
            "// {}\npub const {name}: MessageId = MessageId({id:?});\n",
            shown.replace('\n', " ")
        ));
        all.push_str(&format!("    {name},\n"));
    }
    out.push_str(&all);
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("message_ids.rs");
    std::fs::write(&target, out).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}
