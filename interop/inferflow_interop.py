"""What a third-party Python client needs to talk to inferflow: a client.properties reader,
a Schema Registry client (basic auth, custom CA) and the Confluent wire format.

Uses only the standard library and Debian's python3-avro; Kafka access is left to the scripts
(python3-confluent-kafka). The schema-registry module of confluent-kafka needs fastavro, which
Debian lacks, so the 5-byte header is framed by hand: byte 0 is the magic byte 0, bytes 1-4 the
big-endian schema id, the rest Avro binary.
"""
import base64
import io
import json
import ssl
import struct
import urllib.request

import avro.io
import avro.schema

HEADER_SIZE = 5
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
REGISTRY_PREFIXES = ("schema.registry.", "basic.auth.", "bearer.auth.")


def load_properties(path):
    """A Java .properties file (key=value or key:value lines, # and ! comments) as a dict."""
    props = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#!":
                continue
            cut = min([i for i in (line.find("="), line.find(":")) if i >= 0], default=-1)
            if cut < 0:
                props[line] = ""
                continue
            key, value = line[:cut].strip(), line[cut + 1:].strip()
            props[key] = value.replace("\\:", ":").replace("\\=", "=").replace("\\\\", "\\")
    return props


def kafka_config(props):
    """The librdkafka settings of a properties dict (the registry's are left out)."""
    return {k: v for k, v in props.items() if not k.startswith(REGISTRY_PREFIXES)}


class Registry:
    """Writer schemas by id, fetched once each; registration; basic auth and a custom CA."""

    def __init__(self, url, user_info=None, ca_location=None):
        self.url = url.rstrip("/")
        self.schemas = {}
        self.headers = {"Accept": CONTENT_TYPE}
        if user_info:
            token = base64.b64encode(user_info.encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "Basic " + token
        self.context = ssl.create_default_context(cafile=ca_location) if ca_location else None

    @classmethod
    def from_properties(cls, props, default_url="http://localhost:8085"):
        return cls(props.get("schema.registry.url", default_url),
                   props.get("basic.auth.user.info"),
                   props.get("schema.registry.ssl.ca.location", props.get("ssl.ca.location")))

    def _call(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            headers["Content-Type"] = CONTENT_TYPE
            data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, headers=headers,
                                         method=method)
        with urllib.request.urlopen(request, timeout=10, context=self.context) as response:
            return json.load(response)

    def get(self, schema_id):
        if schema_id not in self.schemas:
            text = self._call("GET", "/schemas/ids/%d" % schema_id)["schema"]
            self.schemas[schema_id] = avro.schema.parse(text)
        return self.schemas[schema_id]

    def register(self, subject, schema_text):
        """Registers the schema under subject (or finds it); returns (id, parsed schema)."""
        answer = self._call("POST", "/subjects/%s/versions" % subject, {"schema": schema_text})
        schema = avro.schema.parse(schema_text)
        self.schemas[answer["id"]] = schema
        return answer["id"], schema


def decode(value, registry):
    """Decodes one Confluent-framed Avro value into a dict."""
    if value is None or len(value) < HEADER_SIZE:
        raise ValueError("value has %s bytes, expected at least %d"
                         % (None if value is None else len(value), HEADER_SIZE))
    if value[0] != 0:
        raise ValueError("magic byte is 0x%02x, expected 0x00" % value[0])
    (schema_id,) = struct.unpack(">i", value[1:HEADER_SIZE])
    reader = avro.io.DatumReader(registry.get(schema_id))
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(value[HEADER_SIZE:])))


def encode(schema_id, schema, record):
    """One Confluent-framed Avro value."""
    out = io.BytesIO()
    out.write(struct.pack(">bi", 0, schema_id))
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(out))
    return out.getvalue()
