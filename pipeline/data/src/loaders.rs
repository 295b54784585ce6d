//! Readers that turn verified file bytes into [`Pool`]s: delimited tables (polars), IDX
//! images/labels (optionally gzip) and the Fernández-Delgado UCI layout.
//!
//! Every cell is read as text and parsed here, so that an error can name the file, the data
//! row and the column; non-finite values are errors, never silently kept.

use std::path::Path;

use polars::prelude::*;

use super::checksum::{gunzip, is_gzip};
use super::config::{CsvOptions, Fold, LabelSpec, UciSet};
use super::datadir::{DataDir, DeclaredFile};
use super::pool::{code_rows, Features, Pool, Targets};
use crate::{Error, Result};

fn content_error(entry: &str, path: &Path, message: impl Into<String>) -> Error {
    Error::DataContent {
        entry: entry.to_string(),
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A text table: column names and, per column, the cells (`None` for an empty cell).
struct Table {
    names: Vec<String>,
    columns: Vec<Vec<Option<String>>>,
    rows: usize,
}

/// Reads a delimited table with polars, every column as text.
fn read_table(bytes: Vec<u8>, separator: u8) -> std::result::Result<Table, String> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_separator(separator))
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| format!("not a readable table: {e}"))?;
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for col in df.columns() {
        names.push(col.name().to_string());
        let text = col
            .str()
            .map_err(|e| format!("column `{}`: {e}", col.name()))?;
        columns.push(text.iter().map(|c| c.map(str::to_string)).collect());
    }
    Ok(Table {
        names,
        columns,
        rows: df.height(),
    })
}

/// Parses one column to finite f64; the error names the data row, the column and the cell.
fn parse_column(cells: &[Option<String>], name: &str) -> std::result::Result<Vec<f64>, String> {
    cells
        .iter()
        .enumerate()
        .map(|(r, cell)| {
            let at = || format!("data row {} (line {}), column `{name}`", r + 1, r + 2);
            let text = cell
                .as_deref()
                .ok_or_else(|| format!("{}: empty cell", at()))?;
            match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                Ok(_) => Err(format!("{}: non-finite value `{text}`", at())),
                Err(_) => Err(format!("{}: non-numeric value `{text}`", at())),
            }
        })
        .collect()
}

/// Row-major matrix from feature columns, keeping only `rows`.
fn row_major(columns: &[Vec<f64>], rows: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(rows.len() * columns.len());
    for &r in rows {
        out.extend(columns.iter().map(|c| c[r]));
    }
    out
}

/// Loads a CSV/TSV table: drops the declared columns, parses every remaining feature cell,
/// drops rows holding a sentinel, then codes the target column.
/// Reads a CSV/TSV table into a pool of rows. With `split_column`, that column is no feature,
/// and its cell for every kept row comes back beside the pool (a `column` split's parts).
pub(crate) fn load_csv(
    file: &DeclaredFile,
    opts: &CsvOptions,
    labels: &LabelSpec,
    split_column: Option<&str>,
    dir: &DataDir,
) -> Result<(Pool, Option<Vec<String>>)> {
    let (path, bytes) = file.read(dir)?;
    let err = |m: String| content_error(&file.entry, &path, m);
    let table = read_table(bytes, opts.separator as u8).map_err(err)?;
    let find = |name: &str, field: &str| {
        table.names.iter().position(|n| n == name).ok_or_else(|| {
            err(format!(
                "column `{name}` named in csv.{field} is not in the header (columns: {})",
                table.names.join(", ")
            ))
        })
    };
    let target = find(&opts.target, "target")?;
    let mut skip = vec![target];
    for name in &opts.drop_columns {
        skip.push(find(name, "drop_columns")?);
    }
    let split = split_column
        .map(|name| find(name, "split.column"))
        .transpose()?;
    skip.extend(split);
    let feature_idx: Vec<usize> = (0..table.names.len())
        .filter(|j| !skip.contains(j))
        .collect();
    if feature_idx.is_empty() {
        return Err(err("no feature column is left".into()));
    }
    let features = feature_idx
        .iter()
        .map(|&j| parse_column(&table.columns[j], &table.names[j]))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(err)?;
    let clean: Vec<usize> = (0..table.rows)
        .filter(|&r| !features.iter().any(|c| opts.drop_rows_with.contains(&c[r])))
        .collect();
    let label_cells = &table.columns[target];
    let mut missing = clean.iter().filter(|&&r| label_cells[r].is_none());
    if let Some(&r) = missing.next() {
        return Err(err(format!(
            "data row {} (line {}), column `{}`: empty label",
            r + 1,
            r + 2,
            opts.target
        )));
    }
    let (kept, targets) = code_rows(
        labels,
        clean
            .iter()
            .map(|&r| (r, label_cells[r].as_deref().unwrap_or_default())),
    )
    .map_err(err)?;
    let parts = split.map(|j| {
        kept.iter()
            .map(|&r| table.columns[j][r].clone().unwrap_or_default())
            .collect()
    });
    let pool = Pool {
        features: Features::F64(row_major(&features, &kept)),
        n: kept.len(),
        d: features.len(),
        image: None,
        targets,
    };
    Ok((pool, parts))
}

/// An IDX array: its dimensions and unsigned-byte data.
#[derive(Debug)]
struct Idx {
    dims: Vec<usize>,
    data: Vec<u8>,
}

/// Parses an IDX file (gunzipping it first when needed); only the unsigned-byte type (0x08)
/// that MNIST-like files use is accepted.
fn parse_idx(bytes: &[u8], ndim: u8) -> std::result::Result<Idx, String> {
    let raw = if is_gzip(bytes) {
        gunzip(bytes).map_err(|e| format!("bad gzip stream: {e}"))?
    } else {
        bytes.to_vec()
    };
    if raw.len() < 4 || raw[0] != 0 || raw[1] != 0 {
        return Err("not an IDX file (bad magic number)".into());
    }
    if raw[2] != 0x08 {
        return Err(format!(
            "IDX type 0x{:02x} is not unsigned byte (0x08)",
            raw[2]
        ));
    }
    if raw[3] != ndim {
        return Err(format!("IDX has {} dimensions, expected {ndim}", raw[3]));
    }
    let header = 4 + 4 * usize::from(ndim);
    if raw.len() < header {
        return Err("IDX header is truncated".into());
    }
    let dims: Vec<usize> = raw[4..header]
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected: usize = dims.iter().product();
    if raw.len() - header != expected {
        return Err(format!(
            "IDX dimensions {dims:?} need {expected} data bytes, found {}",
            raw.len() - header
        ));
    }
    Ok(Idx {
        dims,
        data: raw[header..].to_vec(),
    })
}

/// Loads one part (train or test) of an IDX data set: images `n × rows × cols` and labels
/// `n`; labels are coded as their decimal text, rows with dropped labels are removed.
pub(crate) fn load_idx(
    images: &DeclaredFile,
    labels_file: &DeclaredFile,
    labels: &LabelSpec,
    dir: &DataDir,
) -> Result<Pool> {
    let (ipath, ibytes) = images.read(dir)?;
    let (lpath, lbytes) = labels_file.read(dir)?;
    let img = parse_idx(&ibytes, 3).map_err(|m| content_error(&images.entry, &ipath, m))?;
    let lab = parse_idx(&lbytes, 1).map_err(|m| content_error(&images.entry, &lpath, m))?;
    let (n, rows, cols) = (img.dims[0], img.dims[1], img.dims[2]);
    if lab.dims[0] != n {
        return Err(content_error(
            &images.entry,
            &lpath,
            format!(
                "{} labels for {n} images in {}",
                lab.dims[0],
                ipath.display()
            ),
        ));
    }
    let texts: Vec<String> = lab.data.iter().map(|b| b.to_string()).collect();
    let (kept, targets) = code_rows(
        labels,
        texts.iter().enumerate().map(|(i, t)| (i, t.as_str())),
    )
    .map_err(|m| content_error(&images.entry, &lpath, m))?;
    let d = rows * cols;
    let mut data = Vec::with_capacity(kept.len() * d);
    for &i in &kept {
        data.extend_from_slice(&img.data[i * d..(i + 1) * d]);
    }
    Ok(Pool {
        features: Features::U8(data),
        n: kept.len(),
        d,
        image: Some((rows, cols)),
        targets,
    })
}

/// Reads the index lines of a fold file (whitespace-separated 0-based row numbers).
fn fold_lines(bytes: &[u8], rows: usize) -> std::result::Result<Vec<Vec<usize>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    text.lines()
        .enumerate()
        .map(|(l, line)| {
            line.split_whitespace()
                .map(|tok| match tok.parse::<usize>() {
                    Ok(i) if i < rows => Ok(i),
                    Ok(i) => Err(format!(
                        "line {}: index {i} is not below the {rows} rows",
                        l + 1
                    )),
                    Err(_) => Err(format!("line {}: `{tok}` is not a row index", l + 1)),
                })
                .collect()
        })
        .collect()
}

/// The declared file `name` of a UCI set (validation made sure every file a split reads has a
/// declaration).
pub(crate) fn uci_file<'a>(files: &'a [DeclaredFile], name: &str) -> &'a DeclaredFile {
    files
        .iter()
        .find(|f| f.role == name)
        .expect("validated: every needed UCI file has a declaration")
}

/// One UCI data file as written: its feature columns and each row's class.
pub(crate) struct UciTable {
    /// Feature columns (the index and class columns left out), one value per row.
    pub columns: Vec<Vec<f64>>,
    /// Each row's 0-based class, below the set's `classes`.
    pub classes: Vec<usize>,
}

impl UciTable {
    /// Rows in the table.
    pub fn rows(&self) -> usize {
        self.classes.len()
    }
}

/// Reads one data file of a UCI set (tab-separated, header row, 1-based index in the first
/// column, 0-based class in the last) with its checksum verified. A shape other than `rows` ×
/// the set's features, a non-numeric cell or a class out of range is an error naming the file.
pub(crate) fn read_uci_file(
    set: &UciSet,
    file: &DeclaredFile,
    rows: usize,
    dir: &DataDir,
) -> Result<UciTable> {
    let (path, bytes) = file.read(dir)?;
    let err = |m: String| content_error(&file.entry, &path, m);
    let table = read_table(bytes, b'\t').map_err(err)?;
    if table.names.len() != set.features + 2 || table.rows != rows {
        return Err(err(format!(
            "{} rows × {} columns, but the entry declares {rows} rows × ({} features + index + class)",
            table.rows,
            table.names.len(),
            set.features
        )));
    }
    let last = table.names.len() - 1;
    let columns = (1..last)
        .map(|j| parse_column(&table.columns[j], &table.names[j]))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(err)?;
    let classes = table.columns[last]
        .iter()
        .enumerate()
        .map(
            |(r, cell)| match cell.as_deref().map(str::trim).map(str::parse::<usize>) {
                Some(Ok(k)) if k < set.classes => Ok(k),
                _ => Err(format!(
                    "data row {} (line {}): class `{}` is not in 0..{}",
                    r + 1,
                    r + 2,
                    cell.as_deref().unwrap_or(""),
                    set.classes
                )),
            },
        )
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(err)?;
    Ok(UciTable { columns, classes })
}

/// The train and test rows of a fold file's split (`holdout` or `kfold`), indexing the data
/// file's `rows`.
fn fold_file_rows(
    files: &[DeclaredFile],
    fold: Fold,
    rows: usize,
    dir: &DataDir,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let (fold_file, train_line) = match fold {
        Fold::Holdout => ("conxuntos.dat", 0),
        Fold::Kfold(k) => ("conxuntos_kfold.dat", 2 * k),
        Fold::TestFile => unreachable!("the test_file fold reads no fold file"),
    };
    let folds = uci_file(files, fold_file);
    let (path, bytes) = folds.read(dir)?;
    let err = |m: String| content_error(&folds.entry, &path, m);
    let lines = fold_lines(&bytes, rows).map_err(err)?;
    if lines.len() < train_line + 2 {
        return Err(err(format!(
            "{} lines, but the split needs lines {} and {}",
            lines.len(),
            train_line + 1,
            train_line + 2
        )));
    }
    Ok((lines[train_line].clone(), lines[train_line + 1].clone()))
}

/// Loads one UCI set and the train/test rows of `fold`. For `holdout` and `kfold` the pool is
/// the data file and the rows are a fold file's lines; for `test_file` the pool is the data
/// file's rows followed by the test file's, the former training and the latter testing.
/// `files` are the set's declared files, looked up by name.
pub(crate) fn load_uci(
    set: &UciSet,
    files: &[DeclaredFile],
    fold: Fold,
    dir: &DataDir,
) -> Result<(Pool, Vec<usize>, Vec<usize>)> {
    let mut table = read_uci_file(set, uci_file(files, &set.data), set.rows, dir)?;
    let (train, test) = match (fold, &set.test) {
        (Fold::TestFile, Some(t)) => {
            let extra = read_uci_file(set, uci_file(files, &t.file), t.rows, dir)?;
            for (column, more) in table.columns.iter_mut().zip(extra.columns) {
                column.extend(more);
            }
            table.classes.extend(extra.classes);
            ((0..set.rows).collect(), (set.rows..table.rows()).collect())
        }
        (Fold::TestFile, None) => {
            unreachable!("validated: the test_file fold is only for sets with a test file")
        }
        _ => fold_file_rows(files, fold, set.rows, dir)?,
    };
    let all: Vec<usize> = (0..table.rows()).collect();
    let pool = Pool {
        features: Features::F64(row_major(&table.columns, &all)),
        n: table.rows(),
        d: set.features,
        image: None,
        targets: Targets::Classes(table.classes),
    };
    Ok((pool, train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idx_parser_reads_a_hand_built_file_and_rejects_bad_ones() {
        let mut bytes = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1];
        bytes.extend([1, 2, 3, 4]);
        let idx = parse_idx(&bytes, 3).unwrap();
        assert_eq!(idx.dims, vec![2, 2, 1]);
        assert_eq!(idx.data, vec![1, 2, 3, 4]);
        assert!(parse_idx(&bytes[..19], 3)
            .unwrap_err()
            .contains("need 4 data bytes"));
        assert!(parse_idx(&bytes, 1).unwrap_err().contains("3 dimensions"));
        assert!(parse_idx(b"PK\x03\x04", 1).unwrap_err().contains("magic"));
    }

    #[test]
    fn fold_lines_reject_out_of_range_indices() {
        assert_eq!(
            fold_lines(b"0 2 \n1 \n", 3).unwrap(),
            vec![vec![0, 2], vec![1]]
        );
        assert!(fold_lines(b"0 3\n", 3)
            .unwrap_err()
            .contains("line 1: index 3"));
        assert!(fold_lines(b"0 x\n", 3).unwrap_err().contains("`x`"));
    }
}
