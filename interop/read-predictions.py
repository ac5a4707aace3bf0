#!/usr/bin/python3
"""Reads inferflow predictions as a third-party consumer would, and prints each as JSON.

Uses Debian's python3-confluent-kafka and python3-avro (interop/install.sh). Their
schema-registry module needs fastavro, which Debian lacks, so this script takes the
Confluent wire format apart by hand: byte 0 is the magic byte 0, bytes 1-4 the big-endian
schema id, the rest Avro binary; the writer schema comes from GET /schemas/ids/{id}.

    interop/read-predictions.py --count 10 --timeout 60

Exits 0 once it decoded --count predictions, 1 when the timeout passes first, 2 on a
record it cannot decode.
"""
import argparse
import base64
import datetime
import io
import json
import struct
import sys
import time
import urllib.request

import avro.io
import avro.schema

HEADER_SIZE = 5


class SchemaCache:
    """Writer schemas by id, fetched once each from the registry."""

    def __init__(self, registry_url):
        self.registry_url = registry_url.rstrip("/")
        self.schemas = {}

    def get(self, schema_id):
        if schema_id not in self.schemas:
            url = "%s/schemas/ids/%d" % (self.registry_url, schema_id)
            request = urllib.request.Request(
                url, headers={"Accept": "application/vnd.schemaregistry.v1+json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                text = json.load(response)["schema"]
            self.schemas[schema_id] = avro.schema.parse(text)
        return self.schemas[schema_id]


def decode(value, schemas):
    """Decodes one Confluent-framed Avro value into a dict."""
    if value is None or len(value) < HEADER_SIZE:
        raise ValueError("value has %s bytes, expected at least %d"
                         % (None if value is None else len(value), HEADER_SIZE))
    if value[0] != 0:
        raise ValueError("magic byte is 0x%02x, expected 0x00" % value[0])
    (schema_id,) = struct.unpack(">i", value[1:HEADER_SIZE])
    reader = avro.io.DatumReader(schemas.get(schema_id))
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:])))


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
    parser.add_argument("--bootstrap", default="localhost:9092")
    parser.add_argument("--registry", default="http://localhost:8085")
    parser.add_argument("--count", type=int, default=10, help="predictions to read")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for them")
    args = parser.parse_args()

    from confluent_kafka import Consumer  # here, so that decode() works without librdkafka

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "inferflow-interop-%d" % time.time_ns(),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer.subscribe([args.topic])
    schemas = SchemaCache(args.registry)
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
              % (decoded, args.count, args.topic, args.bootstrap, args.timeout), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
