//! Progress of a run on stderr: a bar (cells done / total, the running cells, ETA) on a
//! terminal, one line per finished cell otherwise (logs, CI), or nothing.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How a run reports progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, else [`ProgressMode::Lines`].
    #[default]
    Auto,
    /// One line per finished cell on stderr.
    Lines,
    /// Nothing (library use, tests).
    Silent,
}

/// The reporter of one run; driven from the thread that collects the workers' events.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: usize,
    done: usize,
    running: Vec<(usize, String)>,
}

impl Progress {
    /// `total` cells, of which `cached` are already done.
    pub fn new(mode: ProgressMode, title: &str, total: usize, cached: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        if mode != ProgressMode::Silent {
            eprintln!(
                "{title}: {total} cells, {cached} from cache, {} to compute",
                total - cached
            );
        }
        let (bar, lines) = match mode {
            ProgressMode::Silent => (None, false),
            ProgressMode::Auto if terminal => (Some(Self::bar(title, total, cached)), false),
            ProgressMode::Auto | ProgressMode::Lines => (None, true),
        };
        Self {
            bar,
            lines,
            total,
            done: cached,
            running: Vec::new(),
        }
    }

    fn bar(title: &str, total: usize, cached: usize) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} cells, ETA {eta}\n  {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(title.to_string());
        bar.set_position(cached as u64);
        // The ETA comes from the cells computed in this run, not the ones served from cache.
        bar.reset_eta();
        bar.enable_steady_tick(Duration::from_millis(500));
        bar
    }

    fn show_running(&self) {
        if let Some(bar) = &self.bar {
            let names: Vec<&str> = self.running.iter().map(|(_, l)| l.as_str()).collect();
            bar.set_message(format!("running: {}", names.join(" | ")));
        }
    }

    /// Cell `id` (labelled `label`) started.
    pub fn started(&mut self, id: usize, label: String) {
        self.running.push((id, label));
        self.show_running();
    }

    /// Cell `id` ended; `outcome` says how (seconds and stop reasons, or the error).
    pub fn finished(&mut self, id: usize, outcome: &str) {
        let label = match self.running.iter().position(|(i, _)| *i == id) {
            Some(pos) => self.running.remove(pos).1,
            None => format!("cell {id}"),
        };
        self.done += 1;
        if self.lines {
            eprintln!("[{}/{}] {label}: {outcome}", self.done, self.total);
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            self.show_running();
        }
    }

    /// Clears the bar.
    pub fn close(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
