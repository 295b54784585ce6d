//! The paper's headline claims (METHOD §8), checked per panel on our seed means and on the
//! paper's curves, with the paired per-seed differences behind each (`paired`).

use super::aggregate::{CurvePoint, MethodRuns, Panel, Stats};
use super::format::{num, ridge};
use super::paired::{differences, Paired};
use super::reference::Reference;
use kare_results::Method;

/// A claim of METHOD §8, as checked in one panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Figure 1: NTK-KARE's test MSE is at or below the after-NTK's at every λ̃.
    KareAtOrBelowAfterEverywhere,
    /// Figures 1 and 2: NTK-KARE's best test MSE (over λ̃) is below the DNN's.
    KareBestBelowDnn,
    /// Figure 2: NTK-KARE's best test MSE is at or below the after-NTK's best.
    KareBestAtOrBelowAfterBest,
}

impl Claim {
    /// The claims the paper makes for a panel: Figure 1's for the simulation, Figure 2's else.
    pub fn for_panel(panel: &Panel) -> &'static [Claim] {
        if panel.key.is_simulation() {
            &[Claim::KareAtOrBelowAfterEverywhere, Claim::KareBestBelowDnn]
        } else {
            &[Claim::KareBestBelowDnn, Claim::KareBestAtOrBelowAfterBest]
        }
    }

    /// The claim in words.
    pub fn text(self) -> &'static str {
        match self {
            Claim::KareAtOrBelowAfterEverywhere => "NTK-KARE ≤ after-NTK at every λ̃",
            Claim::KareBestBelowDnn => "NTK-KARE's best < DNN",
            Claim::KareBestAtOrBelowAfterBest => "NTK-KARE's best ≤ after-NTK's best",
        }
    }
}

/// Whether a claim holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It holds.
    Holds,
    /// It does not hold.
    DoesNotHold,
    /// It cannot be checked: a method or λ̃ it compares is missing.
    Unchecked,
}

impl Verdict {
    fn of(holds: bool) -> Verdict {
        if holds {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    }

    /// `holds`, `does not hold` or `not checked`.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Unchecked => "not checked",
        }
    }
}

/// A verdict and the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The verdict.
    pub verdict: Verdict,
    /// The numbers compared, for readers.
    pub detail: String,
}

impl Evidence {
    fn unchecked(why: &str) -> Evidence {
        Evidence {
            verdict: Verdict::Unchecked,
            detail: why.into(),
        }
    }
}

/// One claim checked in one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimCheck {
    /// The claim.
    pub claim: Claim,
    /// On our seed means.
    pub ours: Evidence,
    /// The paired per-seed differences d_s over the seeds both methods have; `None` when not
    /// checkable.
    pub paired: Option<Paired>,
    /// On the paper's curves; `None` when the paper has no such panel.
    pub paper: Option<Evidence>,
}

/// Checks every claim of `panel`'s figure in it.
pub fn check_panel(panel: &Panel, reference: &Reference) -> Vec<ClaimCheck> {
    let has_paper = reference.has_panel(&panel.key);
    Claim::for_panel(panel)
        .iter()
        .map(|&claim| {
            let (ours, paired) = check_ours(claim, panel);
            let paper = has_paper.then(|| check_paper(claim, panel, reference));
            ClaimCheck {
                claim,
                ours,
                paired,
                paper,
            }
        })
        .collect()
}

/// `a ≤ b`, false when either is NaN (so a NaN mean never supports a claim).
fn at_or_below(a: f64, b: f64) -> bool {
    a <= b
}

/// `0.0321 (median 0.0300)`.
fn mean_median(s: &Stats) -> String {
    format!("{} (median {})", num(s.mean), num(s.median))
}

fn check_ours(claim: Claim, panel: &Panel) -> (Evidence, Option<Paired>) {
    let kare = panel.method(Method::NtkKare);
    let other = match claim {
        Claim::KareBestBelowDnn => panel.method(Method::Dnn),
        _ => panel.method(Method::AfterNtk),
    };
    let (Some(kare), Some(other)) = (kare, other) else {
        return (Evidence::unchecked("a compared method was not run"), None);
    };
    let ours = match claim {
        Claim::KareAtOrBelowAfterEverywhere => everywhere(kare, other),
        Claim::KareBestBelowDnn | Claim::KareBestAtOrBelowAfterBest => {
            best_against(claim, kare, other)
        }
    };
    (ours, differences(claim, kare, other))
}

/// NTK-KARE's curve against the after-NTK's at every λ̃ both have.
fn everywhere(kare: &MethodRuns, after: &MethodRuns) -> Evidence {
    let after_curve = after.curve();
    let pairs: Vec<(CurvePoint, &CurvePoint)> = kare
        .curve()
        .into_iter()
        .filter_map(|k| {
            let a = after_curve.iter().find(|a| a.ridge_rel == k.ridge_rel)?;
            Some((k, a))
        })
        .collect();
    if pairs.is_empty() {
        return Evidence::unchecked("no λ̃ in common");
    }
    let failing: Vec<String> = pairs
        .iter()
        .filter(|(k, a)| !at_or_below(k.stats.mean, a.stats.mean))
        .map(|(k, _)| ridge(k.ridge_rel))
        .collect();
    let by_median = pairs
        .iter()
        .filter(|(k, a)| k.stats.median <= a.stats.median)
        .count();
    let n = pairs.len();
    let mut detail = format!(
        "at {} of {n} λ̃ (by medians: {by_median} of {n})",
        n - failing.len()
    );
    if !failing.is_empty() {
        detail += &format!("; above at λ̃ = {}", failing.join(", "));
    }
    Evidence {
        verdict: Verdict::of(failing.is_empty()),
        detail,
    }
}

/// NTK-KARE's best against the DNN's value (strictly below) or the after-NTK's best (at or
/// below).
fn best_against(claim: Claim, kare: &MethodRuns, other: &MethodRuns) -> Evidence {
    let strict = claim == Claim::KareBestBelowDnn;
    let holds = |k: f64, o: f64| if strict { k < o } else { k <= o };
    let (Some(k), Some(o)) = (kare.oracle(), other.oracle()) else {
        return Evidence::unchecked("no finite test MSE");
    };
    let at = |p: &CurvePoint| match p.ridge_rel {
        Some(_) => format!(" at λ̃ = {}", ridge(p.ridge_rel)),
        None => String::new(),
    };
    let detail = format!(
        "{}{} vs {} {}{}",
        mean_median(&k.stats),
        at(&k),
        other.method.label(),
        mean_median(&o.stats),
        at(&o),
    );
    Evidence {
        verdict: Verdict::of(holds(k.stats.mean, o.stats.mean)),
        detail,
    }
}

fn check_paper(claim: Claim, panel: &Panel, reference: &Reference) -> Evidence {
    let key = &panel.key;
    let kare = reference.curve(key, Method::NtkKare);
    match claim {
        Claim::KareAtOrBelowAfterEverywhere => {
            let after = reference.curve(key, Method::AfterNtk);
            let pairs: Vec<(f64, f64)> = kare
                .iter()
                .filter_map(|(r, k)| {
                    let (_, a) = after.iter().find(|(ra, _)| ra == r)?;
                    Some((*k, *a))
                })
                .collect();
            if pairs.is_empty() {
                return Evidence::unchecked("no λ̃ in common");
            }
            let holding = pairs.iter().filter(|(k, a)| k <= a).count();
            Evidence {
                verdict: Verdict::of(holding == pairs.len()),
                detail: format!("at {holding} of {} λ̃", pairs.len()),
            }
        }
        Claim::KareBestBelowDnn | Claim::KareBestAtOrBelowAfterBest => {
            let other = if claim == Claim::KareBestBelowDnn {
                Method::Dnn
            } else {
                Method::AfterNtk
            };
            let (Some((_, k)), Some((_, o))) = (
                reference.best(key, Method::NtkKare),
                reference.best(key, other),
            ) else {
                return Evidence::unchecked("the paper lacks a compared curve");
            };
            let holds = if claim == Claim::KareBestBelowDnn {
                k < o
            } else {
                k <= o
            };
            Evidence {
                verdict: Verdict::of(holds),
                detail: format!("{} vs {} {}", num(k), other.label(), num(o)),
            }
        }
    }
}
