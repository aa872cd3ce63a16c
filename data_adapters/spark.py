"""The data node on Spark SQL: the same declared queries, run by a distributed engine.

A Spark deployment reads the lake where it lies (the Parquet files of each table, on a shared
file system, HDFS or an object store); `spark_backend` registers every table of the contract as
a view over its files and returns the ibis backend that the adapters' queries run on unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis

from data_adapters.schema import TABLES

__all__ = ["spark_backend", "spark_session"]


def spark_session(master: str = "local[2]", **conf: str) -> Any:
    """A Spark session that keeps times in UTC (as every table of the contract does)."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("zhanjiang-brain")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def spark_backend(session: Any, lake: Path | str) -> Any:
    """The ibis backend of `session` with each contract table a view over `lake/<table>/*.parquet`
    (a table with no files yet is an empty view of the contract's schema)."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    from data_adapters.schema import ibis_schema

    con = ibis.pyspark.connect(session)
    for t in TABLES:
        folder = Path(lake) / t.name
        files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
        if files:
            frame = session.read.parquet(*files)
        else:
            frame = session.createDataFrame([], PySparkSchema.from_ibis(ibis_schema(t)))
        frame.createOrReplaceTempView(t.name)
    return con
