#!/usr/bin/python3
"""Reads inferflow predictions as a third-party consumer would, and prints each as JSON.

Uses Debian's python3-confluent-kafka and python3-avro (interop/install.sh). Their
schema-registry module needs fastavro, which Debian lacks, so this script takes the
Confluent wire format apart by hand: byte 0 is the magic byte 0, bytes 1-4 the big-endian
schema id, the rest Avro binary; the writer schema comes from GET /schemas/ids/{id}.

    interop/read-predictions.py --count 10 --timeout 60
    interop/read-predictions.py --config librdkafka.properties --count 10

--config takes librdkafka's properties (security.protocol, sasl.*, ssl.ca.location...) plus
schema.registry.url and basic.auth.user.info, as `pipeline local --secure` writes them.

Exits 0 once it decoded --count predictions, 1 when the timeout passes first, 2 on a
record it cannot decode.
"""
import argparse
import base64
import datetime
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from inferflow_interop import Registry, decode, kafka_config, load_properties

# Kept for callers of the first version of this script.
SchemaCache = Registry


def to_json(record):
    def plain(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        raise TypeError("cannot write %r as JSON" % (value,))
    return json.dumps(record, default=plain, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", default="predictions")
    parser.add_argument("--bootstrap", default=None, help="default: localhost:9092")
    parser.add_argument("--registry", default=None, help="default: http://localhost:8085")
    parser.add_argument("--config", help="librdkafka properties with the registry's settings")
    parser.add_argument("--count", type=int, default=10, help="predictions to read")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for them")
    args = parser.parse_args()

    from confluent_kafka import Consumer  # here, so that decode() works without librdkafka

    props = load_properties(args.config) if args.config else {}
    if args.bootstrap:
        props["bootstrap.servers"] = args.bootstrap
    props.setdefault("bootstrap.servers", "localhost:9092")
    if args.registry:
        props["schema.registry.url"] = args.registry
    config = kafka_config(props)
    config.update({
        "group.id": "inferflow-interop-%d" % time.time_ns(),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer = Consumer(config)
    consumer.subscribe([args.topic])
    schemas = Registry.from_properties(props)
    decoded = 0
    deadline = time.monotonic() + args.timeout
    try:
        while decoded < args.count and time.monotonic() < deadline:
            message = consumer.poll(min(1.0, max(0.0, deadline - time.monotonic())))
            if message is None:
                continue
            if message.error():
                print("Kafka: %s" % message.error(), file=sys.stderr)
                continue
            try:
                record = decode(message.value(), schemas)
            except Exception as e:  # report which record failed, then stop
                print("%s-%d@%d: cannot decode: %s" % (message.topic(), message.partition(),
                      message.offset(), e), file=sys.stderr)
                return 2
            print(to_json(record), flush=True)
            decoded += 1
    finally:
        consumer.close()
    if decoded < args.count:
        print("decoded %d of %d predictions from topic '%s' at %s within %.0f s"
              % (decoded, args.count, args.topic, props["bootstrap.servers"], args.timeout),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
