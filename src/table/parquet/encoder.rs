//! A file's full row groups encoded on a thread of their own while the
//! next group fills.
//!
//! Encoded where it was filled, a group held up the writer thread that
//! fills it (the tasks' or the samples') for its whole encoding, and that
//! thread's bounded queue held up the simulation: on a year of large.toml
//! the simulation's thread waited 7.5 s of 26 for the writers while
//! they, in total, were busy 12 s. Here the filling goes on during the
//! encoding; at most two groups exist (one filling, one encoding), and
//! groups are encoded one after another in the order filled, so the file's
//! bytes are those the filling thread would have written.

use super::{Column, DECIMALS_KEY, Values, other};
use bytes::Bytes;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::writer::SerializedFileWriter;
use std::fs::File;
use std::io;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

enum Msg {
    Group(Vec<Column>),
    /// After the last group: each column's decimals, for the metadata.
    End(String),
}

pub(super) struct Encoder {
    groups: SyncSender<Msg>,
    /// Groups encoded, their buffers emptied for the next one.
    back: Receiver<Vec<Column>>,
    /// A group was handed over and has not come back.
    in_flight: bool,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Encoder {
    /// A thread that writes groups of `group_rows` rows or fewer into `w`.
    pub(super) fn start(
        mut w: SerializedFileWriter<File>,
        group_rows: usize,
    ) -> io::Result<Encoder> {
        let (groups, todo) = sync_channel::<Msg>(1);
        let (done, back) = channel();
        let thread = std::thread::Builder::new()
            .name("ecsim-parquet".into())
            .spawn(move || {
                let ones = vec![1; group_rows];
                for m in todo {
                    match m {
                        Msg::Group(mut columns) => {
                            write_group(&mut w, &mut columns, &ones)?;
                            columns.iter_mut().for_each(Column::clear);
                            // The filler may have stopped wanting them.
                            let _ = done.send(columns);
                        }
                        Msg::End(decimals) => {
                            w.append_key_value_metadata(KeyValue::new(
                                DECIMALS_KEY.into(),
                                decimals,
                            ));
                            return w.close().map(|_| ()).map_err(other);
                        }
                    }
                }
                // Dropped without an end (an error elsewhere): no footer.
                Ok(())
            })?;
        Ok(Encoder {
            groups,
            back,
            in_flight: false,
            thread: Some(thread),
        })
    }

    /// Hands over `columns`' cells as the next group, leaving them empty
    /// buffers (those of the group before, once it is encoded).
    pub(super) fn group(&mut self, columns: &mut [Column]) -> io::Result<()> {
        let mut group = if self.in_flight {
            match self.back.recv() {
                Ok(g) => g,
                // The thread stopped on an error: report it.
                Err(_) => return self.join(),
            }
        } else {
            columns
                .iter()
                .map(|c| Column::new(String::new(), c.values.empty_like()))
                .collect()
        };
        for (g, c) in group.iter_mut().zip(columns) {
            std::mem::swap(&mut g.values, &mut c.values);
            std::mem::swap(&mut g.defined, &mut c.defined);
            g.cells = c.cells;
            g.nulls = c.nulls;
            c.clear();
        }
        if self.groups.send(Msg::Group(group)).is_err() {
            return self.join();
        }
        self.in_flight = true;
        Ok(())
    }

    /// Writes the metadata and the footer after the last group; the
    /// thread's first error, if any.
    pub(super) fn finish(&mut self, decimals: String) -> io::Result<()> {
        if self.groups.send(Msg::End(decimals)).is_err() {
            return self.join();
        }
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        // A closed channel ends the thread's loop.
        let (dead, _) = sync_channel(0);
        drop(std::mem::replace(&mut self.groups, dead));
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(other("a Parquet encoder thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Encoder {
    /// Dropped unfinished (an interrupted run), the thread still stops
    /// before the results folder its file is in is removed.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// Encodes one row group; `ones` holds at least a group's levels of 1.
pub(super) fn write_group(
    w: &mut SerializedFileWriter<File>,
    columns: &mut [Column],
    ones: &[i16],
) -> io::Result<()> {
    let err = |e: parquet::errors::ParquetError| other(e);
    let mut group = w.next_row_group().map_err(err)?;
    for c in columns {
        let mut col = group
            .next_column()
            .map_err(err)?
            .expect("a writer per column");
        // Levels of 1 from `ones` where every cell had a value.
        let def = Some(if c.nulls {
            &c.defined[..]
        } else {
            &ones[..c.cells]
        });
        match &mut c.values {
            Values::Int(v) => col.typed::<Int64Type>().write_batch(v, def, None),
            Values::Float(v) => col.typed::<DoubleType>().write_batch(v, def, None),
            Values::Bool(v) => col.typed::<BoolType>().write_batch(v, def, None),
            Values::Text(bytes, ends) => {
                // One buffer shared by the cells' slices: no allocation a
                // cell; back into a Vec (the same allocation, no other
                // owner once the column is closed) for the next group.
                let all = Bytes::from(std::mem::take(bytes));
                let mut start = 0;
                let cells: Vec<ByteArray> = ends
                    .iter()
                    .map(|&e| {
                        let a = ByteArray::from(all.slice(start..e));
                        start = e;
                        a
                    })
                    .collect();
                let r = col.typed::<ByteArrayType>().write_batch(&cells, def, None);
                drop(cells);
                let r = r.and_then(|n| col.close().map(|()| n));
                *bytes = Vec::from(all);
                r.map_err(err)?;
                continue;
            }
        }
        .map_err(err)?;
        col.close().map_err(err)?;
    }
    group.close().map_err(err)?;
    Ok(())
}
