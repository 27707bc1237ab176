"""One production sink consumer on the benchmark's private topics (``python -m bench.pipeline_consumer``)."""

from __future__ import annotations

import argparse
import signal

from elasticsearch import Elasticsearch

from agent_core.settings import KafkaSettings
from pipeline.consumer import SinkConsumer
from pipeline.sinks.base import Sink
from pipeline.sinks.elasticsearch import ElasticsearchSink
from pipeline.sinks.postgres import PostgresSink


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--sink", "--topic", "--dlq", "--group", "--bootstrap", "--dsn", "--es-url", "--es-prefix"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    sink: Sink = (
        PostgresSink.from_dsn(args.dsn)
        if args.sink == "postgres"
        else ElasticsearchSink(Elasticsearch(args.es_url, request_timeout=60), args.es_prefix)
    )
    consumer = SinkConsumer(
        KafkaSettings(bootstrap_servers=args.bootstrap),
        sink,
        args.group,
        topic=args.topic,
        dlq_topic=args.dlq,
        max_batch=1000,
        create_topics=False,
    )
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
    consumer.run()


if __name__ == "__main__":
    main()
