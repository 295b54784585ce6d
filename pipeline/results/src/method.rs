//! The methods a results row reports: the paper's (NTK-KARE, the after-NTK, the DNN, the
//! initial NTK) and the classical baselines, with their names in experiment files and results
//! and their labels for readers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The methods of the paper (METHOD §2, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Kernel ridge with the NTK after KARE training (METHOD §4).
    NtkKare,
    /// Kernel ridge with the NTK of the MSE-trained DNN (the after-kernel).
    AfterNtk,
    /// The MSE-trained network's own output.
    Dnn,
    /// Kernel ridge with the NTK at the random initialisation.
    InitialNtk,
    /// Classical baseline: kernel ridge with an RBF kernel ([`crate::baselines`]).
    KrrRbf,
    /// Classical baseline: kernel ridge with a Laplacian kernel.
    KrrLaplacian,
    /// Classical baseline: kernel ridge with a polynomial kernel.
    KrrPoly,
    /// Classical baseline: SVM with an RBF kernel (SVC for classes, SVR for regression).
    Svm,
    /// Classical baseline: random forest (classification only).
    RandomForest,
    /// Classical baseline: k-nearest neighbours (classification only).
    #[serde(rename = "knn")]
    KNearest,
    /// Classical baseline: logistic regression (classification only).
    Logistic,
}

impl Method {
    /// Every method, in the order of the figures, tables and legends.
    pub const ALL: [Method; 11] = [
        Method::NtkKare,
        Method::AfterNtk,
        Method::Dnn,
        Method::InitialNtk,
        Method::KrrRbf,
        Method::KrrLaplacian,
        Method::KrrPoly,
        Method::Svm,
        Method::RandomForest,
        Method::KNearest,
        Method::Logistic,
    ];

    /// The classical baselines: their hyper-parameters are chosen on the training data, and
    /// they do not depend on the network's depth and width.
    pub const BASELINES: &'static [Method] = Method::ALL.split_at(4).1;

    /// The name used in experiment files and results.
    pub fn name(self) -> &'static str {
        match self {
            Method::NtkKare => "ntk-kare",
            Method::AfterNtk => "after-ntk",
            Method::Dnn => "dnn",
            Method::InitialNtk => "initial-ntk",
            Method::KrrRbf => "krr-rbf",
            Method::KrrLaplacian => "krr-laplacian",
            Method::KrrPoly => "krr-poly",
            Method::Svm => "svm",
            Method::RandomForest => "random-forest",
            Method::KNearest => "knn",
            Method::Logistic => "logistic",
        }
    }

    /// The name for readers, as the paper writes it.
    pub fn label(self) -> &'static str {
        match self {
            Method::NtkKare => "NTK-KARE",
            Method::AfterNtk => "after-NTK",
            Method::Dnn => "DNN",
            Method::InitialNtk => "initial NTK",
            Method::KrrRbf => "KRR (RBF)",
            Method::KrrLaplacian => "KRR (Laplacian)",
            Method::KrrPoly => "KRR (polynomial)",
            Method::Svm => "SVM (RBF)",
            Method::RandomForest => "random forest",
            Method::KNearest => "k-NN",
            Method::Logistic => "logistic regression",
        }
    }

    /// Parses a results-CSV name (`ntk-kare`) or a paper name (`NTK-KARE`).
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name() == name || m.label() == name)
    }

    /// Whether the method's test MSE is reported over the λ̃ grid (the NTKs) or at one point
    /// (the DNN, and the baselines, which choose their own λ̃ on training data).
    pub fn has_ridge(self) -> bool {
        matches!(
            self,
            Method::NtkKare | Method::AfterNtk | Method::InitialNtk
        )
    }

    /// Whether the method is a classical baseline ([`Method::BASELINES`]).
    pub fn is_baseline(self) -> bool {
        Method::BASELINES.contains(&self)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
