//! The writer's row groups, nulls and encodings.

use super::*;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;

/// Rows of (int, float, text) over several small row groups, each
/// column with nulls in some groups only: the levels of 1 a group
/// without nulls gets, and the buffers kept from one group to the next.
fn rows_with_nulls(p: &mut ParquetRows) -> Vec<Vec<String>> {
    p.group_rows = 7;
    let mut want = Vec::new();
    for i in 0..40u32 {
        let mut row = Vec::new();
        // Nulls only in the second group, from its third row on.
        if (9..14).contains(&i) {
            p.null();
            row.push(String::new());
        } else {
            p.int(i64::from(i));
            row.push(i.to_string());
        }
        // Nulls from the first row of the first group, none later.
        if i < 3 {
            p.null();
            row.push(String::new());
        } else {
            p.float(f64::from(i) / 4.0, 2);
            row.push(format!("{:.2}", f64::from(i) / 4.0));
        }
        // A null every 11 rows: some groups have one, some none.
        if i % 11 == 5 {
            p.null();
            row.push(String::new());
        } else {
            p.text(&"x".repeat(i as usize % 3 + 1));
            row.push("x".repeat(i as usize % 3 + 1));
        }
        p.end_row().unwrap();
        want.push(row);
    }
    p.finish().unwrap();
    want
}

const HEADER: [&str; 3] = ["task_id", "created_s", "owner"];

#[test]
fn nulls_in_some_row_groups_only_read_back_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.parquet");
    let mut p = ParquetRows::create(&path, "tasks", &HEADER).unwrap();
    let want = rows_with_nulls(&mut p);
    let mut back = Vec::new();
    for_each_record(
        &path,
        |_, r| -> Result<(), String> {
            back.push(r.iter().map(str::to_string).collect::<Vec<_>>());
            Ok(())
        },
        |m| m,
    )
    .unwrap();
    assert_eq!(back[0], HEADER);
    assert_eq!(back[1..], want);
    let file = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    assert_eq!(file.metadata().num_row_groups(), 6);
}

#[test]
fn typed_columns_in_memory_keep_each_null_in_place() {
    let table = SharedTable::default();
    let mut p = ParquetRows::in_memory(table.clone(), "tasks", &HEADER);
    let want = rows_with_nulls(&mut p);
    let t = table.lock().unwrap();
    for (j, c) in t.columns.iter().enumerate() {
        let levels: Vec<i16> = want.iter().map(|r| i16::from(!r[j].is_empty())).collect();
        assert_eq!(c.defined, levels, "{}", c.name);
    }
    let Values::Int(ids) = &t.columns[0].values else {
        panic!("task_id typed {:?}", t.columns[0].values)
    };
    let given: Vec<i64> = (0..40).filter(|i| !(9..14).contains(i)).collect();
    assert_eq!(ids, &given);
}

#[test]
fn percentages_take_a_dictionary_and_rates_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeseries.parquet");
    let header = [
        "time_s",
        "web_demand_rps",
        "web_cpu_pct",
        "web_latency_factor",
    ];
    let mut p = ParquetRows::create(&path, "timeseries", &header).unwrap();
    for i in 0..5000u64 {
        p.float(i as f64 * 60.0, 3);
        p.float((i * 7919 % 100_000) as f64 / 1000.0, 3);
        p.float((i % 40) as f64 / 4.0, 2);
        p.float(1.0 + (i % 9) as f64 / 1000.0, 3);
        p.end_row().unwrap();
    }
    p.finish().unwrap();
    let file = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let group = file.metadata().row_group(0);
    let dictionary = |c: usize| group.column(c).dictionary_page_offset().is_some();
    assert!(!dictionary(0), "time_s");
    assert!(!dictionary(1), "web_demand_rps");
    assert!(dictionary(2), "web_cpu_pct");
    assert!(dictionary(3), "web_latency_factor");
}

#[test]
fn a_write_error_on_the_encoding_thread_is_reported() {
    // /dev/full takes no bytes: the encoder thread's writes fail.
    let Ok(mut p) = ParquetRows::create(Path::new("/dev/full"), "tasks", &HEADER) else {
        return;
    };
    p.group_rows = 1024;
    let mut failed = None;
    for i in 0..200_000i64 {
        p.int(i);
        p.float(i as f64 / 8.0, 3);
        p.text("web");
        if let Err(e) = p.end_row() {
            failed = Some(e);
            break;
        }
    }
    let e = match failed {
        Some(e) => e,
        None => p.finish().unwrap_err(),
    };
    assert!(e.to_string().contains("No space left"), "{e}");
}
