// CloudEvents through eventbed and back, with the CloudEvents JavaScript SDK
// as users run it: its own serializers (HTTP.binary, HTTP.structured), its own
// emitter and HTTP transport, its own parser (HTTP.toEvent). Nothing here adds
// a header or changes a body the SDK produced.
//
//   node roundtrip.mjs BASE_URL ID_PREFIX
//
// Each event is sent to BASE_URL/ingest, then fetched back from
// BASE_URL/events/{id} with `Accept: application/cloudevents+json`, parsed with
// HTTP.toEvent and compared with what the SDK itself makes of the message it
// sent (HTTP.toEvent of that message): every attribute must be equal and the
// data the same value (JSON) or the same bytes (anything else; the SDK reads
// data_base64 into a typed array, a text body into a string). The one
// difference allowed is eventbed's trace context: an event sent without a
// traceparent extension comes back with the one eventbed traced it with,
// which the plain JSON answer must show too.
//
// Batch mode: the SDK parses batches (HTTP.toEvent) but has no batch emitter,
// so the batch body is the SDK's own JSON of each event (CloudEvent#toJSON,
// what HTTP.structured sends for one) in an array, sent with the SDK's
// transport; HTTP.toEvent of that message must read it back as the batch.
//
// Exits non-zero, with the failed assertion, on the first difference.
import assert from "node:assert/strict";
import { CloudEvent, HTTP, Mode, emitterFor, httpTransport } from "cloudevents";

const [base, prefix] = process.argv.slice(2);
if (!base || !prefix) {
  console.error("usage: node roundtrip.mjs BASE_URL ID_PREFIX");
  process.exit(2);
}

const transport = httpTransport(`${base}/ingest`);
let lastMessage;
// The SDK's transport, told nothing but what the emitter hands it.
const recordingTransport = (message, options) => {
  lastMessage = message;
  return transport(message, options);
};

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

const single = [
  [Mode.BINARY, new CloudEvent({
    id: `${prefix}-binary-json`, source: "/eventbed/tests", type: "com.example.order.created",
    subject: "order 42", dataschema: "https://example.com/order.json", comexampleext: "value",
    data: { sku: "A-1", qty: 3, nested: { list: [1, 2.5, "x", null, true] } },
  })],
  [Mode.BINARY, new CloudEvent({
    id: `${prefix}-binary-text`, source: "/eventbed/tests", type: "com.example.note",
    datacontenttype: "text/plain", data: "grüße ✓\nsecond line\n",
  })],
  [Mode.BINARY, new CloudEvent({
    id: `${prefix}-binary-bytes`, source: "/eventbed/tests", type: "com.example.blob",
    datacontenttype: "application/octet-stream", data: allBytes,
  })],
  [Mode.BINARY, new CloudEvent({
    id: `${prefix}-binary-traced`, source: "/eventbed/tests", type: "com.example.traced",
    traceparent: trace, data: { n: 1 },
  })],
  [Mode.STRUCTURED, new CloudEvent({
    id: `${prefix}-structured-json`, source: "/eventbed/tests", type: "com.example.order.paid",
    subject: "order 42", comexampleothervalue: 5, flag: true, datacontenttype: "application/json",
    data: { total: 9.5, items: ["a", "b"] },
  })],
  [Mode.STRUCTURED, new CloudEvent({
    id: `${prefix}-structured-bytes`, source: "/eventbed/tests", type: "com.example.image",
    datacontenttype: "image/png", data: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 255]),
  })],
];

const batch = [
  new CloudEvent({ id: `${prefix}-batch-json`, source: "/eventbed/tests", type: "com.example.a", data: [1, 2, 3] }),
  new CloudEvent({
    id: `${prefix}-batch-text`, source: "/eventbed/tests", type: "com.example.b",
    datacontenttype: "text/plain", data: "plain text",
  }),
  new CloudEvent({
    id: `${prefix}-batch-bytes`, source: "/eventbed/tests", type: "com.example.c",
    datacontenttype: "application/octet-stream", data: Uint8Array.from([1, 0, 2]),
  }),
];

const expected = [];  // [id, what the SDK reads from the message it sent]
for (const [mode, event] of single) {
  const response = await emitterFor(recordingTransport, { mode })(event);
  assert.deepEqual(JSON.parse(response.body), { id: event.id, duplicate: false }, `${mode} ${event.id}`);
  expected.push([event.id, HTTP.toEvent(lastMessage)]);
}
const batchMessage = {
  headers: { "content-type": "application/cloudevents-batch+json" },
  body: JSON.stringify(batch),
};
const batchResponse = await transport(batchMessage);
assert.deepEqual(JSON.parse(batchResponse.body), { ids: batch.map((e) => e.id), duplicates: 0 });
const batchRead = HTTP.toEvent(batchMessage);
assert.equal(batchRead.length, batch.length, "the SDK reads the batch back");
batchRead.forEach((event) => expected.push([event.id, event]));

// GET until the projection has the event: bounded in time.
async function fetchEvent(id, headers) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const res = await fetch(`${base}/events/${id}`, { headers });
    if (res.status === 200) return res;
    assert.equal(res.status, 404, `GET /events/${id}: ${await res.text()}`);
    assert.ok(Date.now() < deadline, `${id} not visible within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const isBinary = (data) => ArrayBuffer.isView(data);
const bytes = (data) => (typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data));
const attributes = ({ data, data_base64, ...rest }) => rest;  // eslint-disable-line no-unused-vars

for (const [id, want] of expected) {
  const res = await fetchEvent(id, { accept: "application/cloudevents+json" });
  assert.equal(res.headers.get("content-type"), "application/cloudevents+json", id);
  const got = HTTP.toEvent({ headers: Object.fromEntries(res.headers), body: await res.text() });
  const plain = await (await fetchEvent(id, {})).json();

  const gotAttributes = attributes(got);
  if (want.traceparent === undefined) {
    assert.equal(gotAttributes.traceparent, plain.traceparent, `${id}: eventbed's trace context`);
    delete gotAttributes.traceparent;
  } else {
    assert.equal(plain.traceparent, want.traceparent, `${id}: the event's own trace context`);
  }
  assert.deepEqual(gotAttributes, attributes(want), `${id}: attributes`);
  if (isBinary(got.data) || isBinary(want.data)) {
    assert.ok(bytes(got.data).equals(bytes(want.data)), `${id}: data bytes`);
    // The plain answer has the bytes as data_base64, with their media type.
    assert.equal(plain.data_base64, bytes(want.data).toString("base64"), `${id}: plain data_base64`);
    assert.equal(plain.datacontenttype, want.datacontenttype, `${id}: plain datacontenttype`);
    assert.equal(plain.data, undefined, `${id}: no plain data`);
  } else {
    assert.deepEqual(got.data, want.data, `${id}: data`);
    assert.deepEqual(plain.data, want.data, `${id}: plain data`);
  }
}
console.log(`round trip ok: ${expected.length} events (${single.length} binary or structured, ${batch.length} batched)`);
