#!/usr/bin/python3
"""Produces FeatureEvents to inferflow as a third-party producer would.

Registers FeatureEvent.avsc under <topic>-value in the Schema Registry (basic auth and a custom
CA when --config says so), frames each event in the Confluent wire format and writes it with
Debian's python3-confluent-kafka, keyed by entity id.

    interop/produce-features.py --config librdkafka.properties --model demo --width 16 \\
        --count 100 --prefix py-

Prints the event ids it wrote, one per line; exits 0 once every event is acknowledged.
"""
import argparse
import datetime
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from inferflow_interop import Registry, encode, kafka_config, load_properties  # noqa: E402

SCHEMA = pathlib.Path(__file__).resolve().parent.parent / "schemas/src/main/avro/FeatureEvent.avsc"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="librdkafka properties with the registry's settings")
    parser.add_argument("--topic", default="features")
    parser.add_argument("--model", required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--prefix", default="py-", help="prefix of the event ids")
    args = parser.parse_args()

    from confluent_kafka import Producer

    props = load_properties(args.config) if args.config else {}
    props.setdefault("bootstrap.servers", "localhost:9092")
    registry = Registry.from_properties(props)
    schema_id, schema = registry.register(args.topic + "-value", SCHEMA.read_text())
    config = kafka_config(props)
    config.update({"acks": "all", "enable.idempotence": True})
    producer = Producer(config)
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(str(error))

    rows = random.Random(7)
    now = datetime.datetime.now(datetime.timezone.utc)
    for i in range(args.count):
        event = {
            "event_id": "%s%d" % (args.prefix, i),
            "entity_id": "py-user-%d" % (i % 50),
            "model": args.model,
            "event_time": now,
            "features": [rows.gauss(0, 1) for _ in range(args.width)],
            # Apache Avro's Python writer does not fill in defaults: the named inputs field
            # (empty for a model with one float input) is written explicitly.
            "inputs": [],
        }
        producer.produce(args.topic, key=event["entity_id"].encode("utf-8"),
                         value=encode(schema_id, schema, event), on_delivery=delivered)
        producer.poll(0)
        print(event["event_id"])
    remaining = producer.flush(30)
    if remaining or failures:
        print("%d unacknowledged, %d failed: %s" % (remaining, len(failures), failures[:3]),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
