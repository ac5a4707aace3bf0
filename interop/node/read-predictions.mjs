#!/usr/bin/env node
// Reads inferflow predictions as a Node.js service would: kafkajs 2.2.4 and
// @kafkajs/confluent-schema-registry, nothing else (in particular no compression codec), over
// SASL_SSL and a registry with basic auth over HTTPS when --config says so.
//
//   node interop/node/read-predictions.mjs --config librdkafka.properties --count 10
//
// --config takes the librdkafka.properties that `pipeline local --secure` writes
// (bootstrap.servers, security.protocol, sasl.mechanisms, sasl.username, sasl.password,
// ssl.ca.location, schema.registry.url, basic.auth.user.info). Prints each prediction as a JSON
// line; exits 0 once --count were decoded, 1 on timeout, 2 on a record it cannot decode.
import fs from 'node:fs';
import https from 'node:https';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

function args(argv) {
  const out = { topic: 'predictions', count: 10, timeout: 60, config: null };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in out)) {
      console.error(`unknown option ${argv[i]}`);
      process.exit(64);
    }
    out[key] = ['count', 'timeout'].includes(key) ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}

function properties(file) {
  const props = {};
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const cut = line.indexOf('=');
    props[line.slice(0, cut).trim()] = line.slice(cut + 1).trim().replace(/\\:/g, ':');
  }
  return props;
}

const opts = args(process.argv);
const props = opts.config ? properties(opts.config) : {};
const ca = props['ssl.ca.location'] ? [fs.readFileSync(props['ssl.ca.location'], 'utf8')] : undefined;
const protocol = (props['security.protocol'] || 'PLAINTEXT').toUpperCase();
const kafkaConfig = {
  clientId: 'inferflow-interop-node',
  brokers: (props['bootstrap.servers'] || 'localhost:9092').split(','),
  logLevel: logLevel.ERROR,
};
if (protocol.includes('SSL')) kafkaConfig.ssl = ca ? { ca } : true;
if (protocol.startsWith('SASL')) {
  kafkaConfig.sasl = {
    mechanism: (props['sasl.mechanisms'] || 'PLAIN').toLowerCase(),
    username: props['sasl.username'],
    password: props['sasl.password'],
  };
}
const registryArgs = { host: props['schema.registry.url'] || 'http://localhost:8085' };
const userInfo = props['basic.auth.user.info'];
if (userInfo) {
  const colon = userInfo.indexOf(':');
  registryArgs.auth = { username: userInfo.slice(0, colon), password: userInfo.slice(colon + 1) };
}
if (ca && registryArgs.host.startsWith('https')) registryArgs.agent = new https.Agent({ ca });
const registry = new SchemaRegistry(registryArgs);

const kafka = new Kafka(kafkaConfig);
const consumer = kafka.consumer({ groupId: `inferflow-interop-node-${Date.now()}`, readUncommitted: false });
let decoded = 0;
let exitCode = 1;
const timer = setTimeout(async () => {
  console.error(`decoded ${decoded} of ${opts.count} predictions within ${opts.timeout} s`);
  await consumer.disconnect();
  process.exit(1);
}, opts.timeout * 1000);

await consumer.connect();
await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    if (decoded >= opts.count) return;
    let record;
    try {
      record = await registry.decode(message.value);
    } catch (e) {
      console.error(`${opts.topic}-${partition}@${message.offset}: cannot decode: ${e.message}`);
      exitCode = 2;
      clearTimeout(timer);
      await consumer.disconnect();
      process.exit(exitCode);
    }
    console.log(JSON.stringify(record, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
    decoded += 1;
    if (decoded >= opts.count) {
      exitCode = 0;
      clearTimeout(timer);
      setImmediate(async () => {
        await consumer.disconnect();
        process.exit(exitCode);
      });
    }
  },
});
