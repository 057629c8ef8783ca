"""The one place tables become pyarrow Tables.

The library hands each table over as the CSV text its writer produces (the
bytes ``ecsim run`` writes to ``<table>.csv``); the columns are typed as the
Parquet files type them (``src/table/schema.rs``): integers, floats, text
and booleans, an empty cell a null. When the writers produce typed columns,
only this module changes.
"""

import csv
import io

import pyarrow as pa
import pyarrow.csv as pacsv

from . import _ecsim

_TYPES = {"int": pa.int64(), "float": pa.float64(), "text": pa.string(), "bool": pa.bool_()}


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
