#!/usr/bin/python3
"""Tests read-predictions.py's decoding on a value written by inferflow's Java serializer.

    /usr/bin/python3 interop/test_read_predictions.py

JAVA_PREDICTION was printed by ConfluentAvroSchemas.serializer(Prediction.class, ...) against a
fresh LocalSchemaRegistry (schema id 1) for: event_id e-1, entity_id u-1, model fraud,
model_version 3, model_precision null, scores [0.25, 0.75], event_time 1700000000123, scored_at 1700000001000 (ms).
The registry here is a real HTTP server serving, as schema id 1, the schema those bytes were
written with: schemas/src/test/resources/compat/Prediction-1.avsc, Prediction before its named
outputs (a reader must keep reading what older jobs wrote).
"""
import datetime
import http.server
import importlib.util
import json
import pathlib
import threading
import unittest

HERE = pathlib.Path(__file__).resolve().parent
SPEC = importlib.util.spec_from_file_location("read_predictions", HERE / "read-predictions.py")
read_predictions = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(read_predictions)

JAVA_PREDICTION = bytes.fromhex(
    "000000000106652d3106752d310a66726175640600040000803e0000403f00"
    "f6a1abfef962d0afabfef962")
PREDICTION_AVSC = (HERE.parent
                   / "schemas/src/test/resources/compat/Prediction-1.avsc").read_text()


class Registry(http.server.BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):
        Registry.requests += 1
        if self.path != "/schemas/ids/1":
            body, status = {"error_code": 40403, "message": "Schema not found"}, 404
        else:
            body, status = {"schema": PREDICTION_AVSC}, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class DecodeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = "http://127.0.0.1:%d/" % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def test_decodes_a_prediction_written_by_java(self):
        schemas = read_predictions.SchemaCache(self.url)
        before = Registry.requests
        for _ in range(3):
            record = read_predictions.decode(JAVA_PREDICTION, schemas)
        self.assertEqual(1, Registry.requests - before)
        self.assertEqual(("e-1", "u-1", "fraud", 3, [0.25, 0.75]),
                         (record["event_id"], record["entity_id"], record["model"],
                          record["model_version"], record["scores"]))
        event_time = record["event_time"]
        if isinstance(event_time, datetime.datetime):
            event_time = round(event_time.timestamp() * 1000)
        self.assertEqual(1700000000123, event_time)
        self.assertIn('"event_id": "e-1"', read_predictions.to_json(record))

    def test_rejects_values_that_are_not_framed(self):
        schemas = read_predictions.SchemaCache(self.url)
        with self.assertRaisesRegex(ValueError, "magic byte is 0x7b, expected 0x00"):
            read_predictions.decode(b'{"a": 1}', schemas)
        with self.assertRaisesRegex(ValueError, "value has 3 bytes"):
            read_predictions.decode(b"\0\0\0", schemas)


if __name__ == "__main__":
    unittest.main()
