//! The layers of `src/`, as the README's "Architecture" section draws them, checked on the
//! source: each top-level module names only modules of its own layer or below, the modules
//! do not import each other in a circle, and no file grows past 600 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer, from the top (0) down.
const LAYERS: &[(&str, u8)] = &[
    ("main", 0),
    ("lib", 0),
    ("cli", 0),
    ("startup", 1),
    ("web", 2),
    // The use cases.
    ("services", 3),
    ("records", 3),
    ("imports", 3),
    ("matching", 3),
    ("mentoring", 3),
    ("moderation", 3),
    ("freshness", 3),
    ("digests", 3),
    ("newsletters", 3),
    ("subscriptions", 3),
    ("second_factor", 3),
    ("sso", 3),
    ("backup", 3),
    ("dialogue", 3),
    ("introductions", 3),
    ("privacy", 3),
    ("reports", 3),
    ("jobs", 3),
    ("mail", 3),
    ("search", 3),
    ("demo", 3),
    // What the use cases stand on.
    ("db", 4),
    ("domain", 4),
    ("policy", 4),
    ("config", 4),
    ("i18n", 4),
    ("error", 4),
    ("auth", 4),
    ("private_files", 4),
    ("worker", 4),
    ("clock", 4),
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The top-level modules a file names as `crate::<module>`, with the line each is named on.
fn named_modules(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((name, n + 1));
            }
            rest = after;
        }
    }
    out
}

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("src/{module} has no layer: add it to LAYERS and the README"))
}

fn files() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p, text)
        })
        .collect()
}

#[test]
fn every_module_names_only_its_own_layer_or_those_below() {
    let mut wrong = Vec::new();
    for (path, text) in files() {
        let from = module_of(&path);
        for (to, line) in named_modules(&text) {
            if to != from && layer(&to) < layer(&from) {
                wrong.push(format!(
                    "{}:{line} ({from}, layer {}) names crate::{to} (layer {})",
                    path.display(),
                    layer(&from),
                    layer(&to)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn nothing_outside_the_web_and_above_it_names_the_web() {
    let mut wrong = Vec::new();
    for (path, text) in files() {
        let from = module_of(&path);
        if layer(&from) >= layer("web") && from != "web" {
            for (to, line) in named_modules(&text) {
                if to == "web" {
                    wrong.push(format!("{}:{line}", path.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "crate::web named below the web:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_modules_do_not_import_each_other_in_a_circle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files() {
        let from = module_of(&path);
        for (to, _) in named_modules(&text) {
            if to != from && LAYERS.iter().any(|(m, _)| *m == to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a back edge; the circle is reported as found.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("modules in a circle: {}", circle.join(" → "));
        }
    }
}

#[test]
fn no_file_in_src_is_over_600_lines() {
    let long: Vec<String> = files()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 600)
        .map(|(p, text)| format!("{} ({} lines)", p.display(), text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by subject:\n{}",
        long.join("\n")
    );
}
