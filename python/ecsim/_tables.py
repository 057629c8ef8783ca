"""The one place tables become pyarrow Tables.

A run's tables come from the library's typed writers as Arrow buffers
(``from_columns``): the values the Parquet files hold (integers, floats,
text, booleans; a null where the CSV has an empty cell), wrapped by pyarrow
without a copy and without any text parsed. Files other commands write (a
sweep's runs.csv, ``price`` and ``catalog`` output) are read as CSV, typed
the same way (``src/table/schema.rs``).
"""

import csv
import io

import pyarrow as pa
import pyarrow.csv as pacsv

from . import _ecsim

_TYPES = {"int": pa.int64(), "float": pa.float64(), "text": pa.string(), "bool": pa.bool_()}
_ARROW = dict(_TYPES, large_text=pa.large_string())


def from_columns(columns):
    """A table from ``[(name, kind, rows, validity, offsets, data)]``, the
    buffers the library laid out for Arrow (``arrow_columns``)."""
    arrays = []
    for _name, kind, rows, validity, offsets, data in columns:
        buffers = [None if validity is None else pa.py_buffer(validity)]
        if offsets is not None:
            buffers.append(pa.py_buffer(offsets))
        buffers.append(pa.py_buffer(data))
        arrays.append(pa.Array.from_buffers(_ARROW[kind], rows, buffers))
    return pa.table(arrays, names=[c[0] for c in columns])


def from_csv(stem, data):
    """Table ``stem`` (``tasks``, ``cost``, …) from its CSV bytes."""
    if not data:
        return pa.table({})
    header = next(csv.reader(io.StringIO(data.split(b"\n", 1)[0].decode("utf-8"))))
    kinds = _ecsim.column_kinds(stem, header)
    types = {name: _TYPES[k] for name, k in zip(header, kinds) if k is not None}
    return pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            strings_can_be_null=True,
            null_values=[""],
            true_values=["true"],
            false_values=["false"],
        ),
    )


def read(stem, path):
    """A table file an ``ecsim`` command wrote (a sweep's runs.csv)."""
    with open(path, "rb") as f:
        return from_csv(stem, f.read())
