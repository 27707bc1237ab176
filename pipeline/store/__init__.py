"""The Postgres store: tables (``schema``), migrations (``migrate``), daily partitions (``partitions``), TimescaleDB
where available (``timescale``), local embeddings (``embeddings``), batch writes (``writes``) and typed reads
(``queries``). Its modules are imported by name; this package re-exports nothing so that importing one part
(the embeddings, say) does not pull in the others."""
