//! Loaded rows before splitting: features (kept compact until rows are chosen) and coded
//! targets, plus the label coding that turns targets into the ±1 / one-hot / raw `y`.

use super::config::{LabelSpec, Unmapped};
use super::Task;

/// Feature storage: raw bytes for images (MNIST's 60 000 × 784 would be 376 MB as f64),
/// f64 for tables. Row-major, `n × d`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Features {
    U8(Vec<u8>),
    F64(Vec<f64>),
}

/// Per-row targets: a class index (see [`Coding`]) or a raw regression value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Targets {
    Classes(Vec<usize>),
    Values(Vec<f64>),
}

/// Rows available to a split.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pool {
    pub features: Features,
    pub n: usize,
    pub d: usize,
    /// `(rows, cols)` when each row is an image (so `crop` knows the layout).
    pub image: Option<(usize, usize)>,
    pub targets: Targets,
}

impl Pool {
    /// The chosen rows as a row-major f64 matrix.
    pub fn rows(&self, idx: &[usize]) -> Vec<f64> {
        let d = self.d;
        let mut out = Vec::with_capacity(idx.len() * d);
        for &i in idx {
            match &self.features {
                Features::U8(v) => out.extend(v[i * d..(i + 1) * d].iter().map(|&b| f64::from(b))),
                Features::F64(v) => out.extend_from_slice(&v[i * d..(i + 1) * d]),
            }
        }
        out
    }

    /// Class index of every row (`None` for regression): what stratification and balance use.
    pub fn classes(&self) -> Option<&[usize]> {
        match &self.targets {
            Targets::Classes(c) => Some(c),
            Targets::Values(_) => None,
        }
    }
}

/// How class indices become target columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Coding {
    /// One column, the raw value.
    Regression,
    /// One column: class 0 is −1, class 1 is +1.
    Binary,
    /// One ±1 column per class, named for messages.
    OneHot { names: Vec<String> },
}

impl Coding {
    /// Target columns.
    pub fn c(&self) -> usize {
        match self {
            Coding::Regression | Coding::Binary => 1,
            Coding::OneHot { names } => names.len(),
        }
    }

    /// The public task kind.
    pub fn task(&self) -> Task {
        match self {
            Coding::Regression => Task::Regression,
            Coding::Binary => Task::Binary,
            Coding::OneHot { names } => Task::Multiclass {
                classes: names.len(),
            },
        }
    }

    /// Display name of class `k`.
    pub fn class_name(&self, k: usize) -> String {
        match self {
            Coding::OneHot { names } => names[k].clone(),
            _ => if k == 1 { "+1" } else { "-1" }.to_string(),
        }
    }

    /// Row-major `idx.len() × c` targets.
    pub fn encode(&self, targets: &Targets, idx: &[usize]) -> Vec<f64> {
        match targets {
            Targets::Values(v) => idx.iter().map(|&i| v[i]).collect(),
            Targets::Classes(cl) => {
                let c = self.c();
                let mut out = Vec::with_capacity(idx.len() * c);
                for &i in idx {
                    match self {
                        Coding::OneHot { .. } => {
                            out.extend((0..c).map(|k| if k == cl[i] { 1.0 } else { -1.0 }))
                        }
                        _ => out.push(if cl[i] == 1 { 1.0 } else { -1.0 }),
                    }
                }
                out
            }
        }
    }

    /// "name: count" for every class present in `idx` (empty for regression).
    pub fn balance(&self, targets: &Targets, idx: &[usize]) -> String {
        let Targets::Classes(cl) = targets else {
            return String::new();
        };
        let k = match self {
            Coding::OneHot { names } => names.len(),
            _ => 2,
        };
        let mut counts = vec![0usize; k];
        for &i in idx {
            counts[cl[i]] += 1;
        }
        counts
            .iter()
            .enumerate()
            .map(|(j, n)| format!("{}: {n}", self.class_name(j)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A label after coding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Coded {
    Class(usize),
    Value(f64),
    Drop,
}

impl LabelSpec {
    /// The coding this spec produces.
    pub fn coding(&self) -> Coding {
        match self {
            LabelSpec::Regression => Coding::Regression,
            LabelSpec::Binary { .. } => Coding::Binary,
            LabelSpec::OneHot { classes, .. } => Coding::OneHot {
                names: classes.clone(),
            },
        }
    }

    /// Codes one label cell; the error says which labels are known.
    pub fn code(&self, label: &str) -> Result<Coded, String> {
        let label = label.trim();
        let (found, unmapped, known) = match self {
            LabelSpec::Regression => {
                return match label.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(Coded::Value(v)),
                    _ => Err(format!("target `{label}` is not a finite number")),
                };
            }
            LabelSpec::Binary { map, unmapped } => (
                map.get(label).map(|v| Coded::Class(usize::from(*v > 0.0))),
                *unmapped,
                map.keys().cloned().collect::<Vec<_>>(),
            ),
            LabelSpec::OneHot { classes, unmapped } => (
                classes.iter().position(|c| c == label).map(Coded::Class),
                *unmapped,
                classes.clone(),
            ),
        };
        match (found, unmapped) {
            (Some(c), _) => Ok(c),
            (None, Unmapped::Drop) => Ok(Coded::Drop),
            (None, Unmapped::Error) => Err(format!(
                "label `{label}` is not in the mapping (labels: {}); add it or set labels.unmapped = \"drop\"",
                known.join(", ")
            )),
        }
    }
}

/// Codes labels row by row: the rows kept (in order) and their targets. `labels` yields
/// `(row, text)`; an error names the 1-based data row.
pub(crate) fn code_rows<'a>(
    spec: &LabelSpec,
    labels: impl Iterator<Item = (usize, &'a str)>,
) -> Result<(Vec<usize>, Targets), String> {
    let mut kept = Vec::new();
    let mut classes = Vec::new();
    let mut values = Vec::new();
    for (row, text) in labels {
        match spec
            .code(text)
            .map_err(|e| format!("data row {}: {e}", row + 1))?
        {
            Coded::Class(c) => {
                kept.push(row);
                classes.push(c);
            }
            Coded::Value(v) => {
                kept.push(row);
                values.push(v);
            }
            Coded::Drop => {}
        }
    }
    let targets = if *spec == LabelSpec::Regression {
        Targets::Values(values)
    } else {
        Targets::Classes(classes)
    };
    Ok((kept, targets))
}
