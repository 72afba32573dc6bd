// gateways/openapi.json as a checker of HTTP exchanges (conformance.mjs).
//
// check(exchange) says what is wrong with one answer of a real eventbed:
//   - the route: the path must be one the description gives the port (by its
//     operations' tag, `public` or `admin`), or else the answer is
//     components/responses/NotFound; a method the path does not document is
//     answered components/responses/MethodNotAllowed with an Allow header that
//     names exactly the documented methods;
//   - the status must be one the operation documents (no `default`);
//   - the Content-Type's media type must be one the response documents, and the
//     body must validate against its schema with ajv (OpenAPI 3.1 schemas are
//     JSON Schema 2020-12); a response without content must have no body;
//   - every header the response documents as required must be there, every
//     documented header must validate, and a header the description documents
//     somewhere (Retry-After, Allow) must not appear where it is not documented;
//   - for a 2xx answer, the request too: its path parameters and its body (by
//     its Content-Type) must validate against what the operation documents, so
//     the description cannot be stricter than the server.
// Each answer also gets a coverage key, "METHOD /path STATUS [media] [error]",
// and answers() lists the keys of every answer the description documents, so
// a documented answer that no request produced shows.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

export const descriptionFile = fileURLToPath(new URL("../../../gateways/openapi.json", import.meta.url));

export function loadDescription(file = descriptionFile) {
  return JSON.parse(readFileSync(file, "utf8"));
}

const operationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const documentId = "https://eventbed.invalid/openapi.json";

// "application/json; charset=utf-8" -> "application/json"
export function mediaType(contentType) {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

const isJson = (media) => media === "application/json" || media.endsWith("+json");

const pointer = (...parts) => "#/" + parts.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export class Description {
  constructor(doc) {
    this.doc = doc;
    this.ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    addFormats(this.ajv);
    // The description is no JSON Schema, but its schemas point into it
    // (#/components/schemas/...): ajv holds the whole document, its
    // OpenAPI members declared as keywords that check nothing.
    for (const member of Object.keys(doc)) this.ajv.addKeyword(member);
    this.ajv.addSchema(doc, documentId);
    this.validators = new Map();
    this.operations = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      const regex = new RegExp("^" + path.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "([^/]+)") + "$");
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of operationMethods) {
        const op = item[method];
        if (op) this.operations.push({ path, method: method.toUpperCase(), port: op.tags[0], op, item, regex, params });
      }
    }
    this.apiHeaders = new Set(Object.keys(doc.components?.headers ?? {}).map((h) => h.toLowerCase()));
  }

  // The object at JSON pointer `at` ("#/components/...").
  get(at) {
    return at.slice(2).split("/").reduce((o, p) => o?.[p.replace(/~1/g, "/").replace(/~0/g, "~")], this.doc);
  }

  // Follows $refs: [the object, its pointer].
  resolve(obj, at) {
    while (obj?.$ref) {
      at = obj.$ref;
      obj = this.get(at);
    }
    return [obj, at];
  }

  validator(at) {
    if (!this.validators.has(at)) this.validators.set(at, this.ajv.compile({ $ref: documentId + at }));
    return this.validators.get(at);
  }

  // Errors of `value` against the schema at pointer `at`, as text; [] if valid.
  schemaErrors(at, value) {
    const validate = this.validator(at);
    if (validate(value)) return [];
    return validate.errors.slice(0, 6).map((e) => `${e.instancePath || "(root)"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`);
  }

  // What the description says `method path` on `port` is.
  route(port, method, path) {
    const onPort = this.operations.filter((o) => o.port === port && o.regex.test(path));
    if (onPort.length === 0) return { kind: "no-route" };
    const op = onPort.find((o) => o.method === method);
    if (!op) return { kind: "other-method", path: onPort[0].path, allow: onPort.map((o) => o.method) };
    return { kind: "operation", ...op };
  }

  // The error codes a schema lets `error` take, and whether it also admits
  // bodies that are not errors.
  codes(schema) {
    schema = this.resolve(schema)[0];
    const error = schema?.properties?.error;
    if (error?.enum) return { codes: error.enum, plain: false };
    if (error?.const) return { codes: [error.const], plain: false };
    const branches = schema?.oneOf ?? schema?.anyOf;
    if (!branches) return { codes: [], plain: true };
    const parts = branches.map((b) => this.codes(b));
    return { codes: parts.flatMap((p) => p.codes), plain: parts.some((p) => p.plain) };
  }

  // Every answer the description documents: [{key, status, response pointer}].
  answers() {
    const out = [];
    const add = (prefix, status, response, at) => {
      const [res] = this.resolve(response, at);
      if (!res.content) return out.push(`${prefix} ${status}`);
      for (const [media, { schema }] of Object.entries(res.content)) {
        const { codes, plain } = this.codes(schema);
        if (plain) out.push(`${prefix} ${status} ${media}`);
        for (const code of codes) out.push(`${prefix} ${status} ${media} ${code}`);
      }
    };
    for (const o of this.operations)
      for (const [status, response] of Object.entries(o.op.responses))
        add(`${o.method} ${o.path}`, status, response, pointer("paths", o.path, o.method.toLowerCase(), "responses", status));
    for (const port of new Set(this.operations.map((o) => o.port)))
      add(`* (${port} port, no route)`, 404, { $ref: "#/components/responses/NotFound" });
    for (const path of new Set(this.operations.map((o) => o.path)))
      add(`* ${path}`, 405, { $ref: "#/components/responses/MethodNotAllowed" });
    return out;
  }

  // Checks one exchange:
  //   {port, method, path, status, headers: {lowercase name: value}, body: text,
  //    request: {contentType, body, binaryMode}}
  // Returns {key, problems: [text]}.
  check(x) {
    const problems = [];
    const route = this.route(x.port, x.method, x.path);
    let prefix, response, at;
    if (route.kind === "no-route") {
      prefix = `* (${x.port} port, no route)`;
      at = "#/components/responses/NotFound";
      if (x.status !== 404) problems.push(`no ${x.port} operation has this path, so the answer must be 404, not ${x.status}`);
    } else if (route.kind === "other-method") {
      prefix = `* ${route.path}`;
      at = "#/components/responses/MethodNotAllowed";
      if (x.status !== 405) problems.push(`${route.path} documents ${route.allow.join(", ")} only, so the answer must be 405, not ${x.status}`);
      const allow = (x.headers.allow ?? "").split(",").map((m) => m.trim()).filter(Boolean).sort().join(", ");
      if (x.status === 405 && allow !== [...route.allow].sort().join(", "))
        problems.push(`Allow: "${x.headers.allow ?? ""}" is not the documented methods ${route.allow.join(", ")}`);
    } else {
      prefix = `${route.method} ${route.path}`;
      at = pointer("paths", route.path, route.method.toLowerCase(), "responses", x.status);
      if (!route.op.responses[x.status]) {
        problems.push(`status ${x.status} is not documented`);
        return { key: `${prefix} ${x.status}`, problems };
      }
    }
    [response, at] = this.resolve(this.get(at), at);
    let key = `${prefix} ${x.status}`;

    // Headers.
    const documented = Object.fromEntries(Object.entries(response.headers ?? {}).map(([n, h]) => [n.toLowerCase(), [n, h]]));
    for (const [lower, [name, header]] of Object.entries(documented)) {
      const [h, hAt] = this.resolve(header, `${at}/headers/${name}`);
      const value = x.headers[lower];
      if (value === undefined) {
        if (h.required) problems.push(`required header ${name} is missing`);
        continue;
      }
      const typed = /^-?[0-9]+$/.test(value) && ["integer", "number"].includes(this.resolve(h.schema)[0]?.type) ? Number(value) : value;
      for (const e of this.schemaErrors(`${hAt}/schema`, typed)) problems.push(`header ${name}: "${value}": ${e}`);
    }
    for (const name of Object.keys(x.headers))
      if (this.apiHeaders.has(name) && !documented[name]) problems.push(`header ${name} is not documented for this answer`);

    // Body.
    if (!response.content) {
      if (x.body.length > 0) problems.push(`the answer documents no body, got ${x.body.length} bytes`);
    } else {
      const media = mediaType(x.headers["content-type"]);
      const content = response.content[media];
      if (!content) {
        problems.push(`Content-Type "${x.headers["content-type"] ?? ""}" is not documented (${Object.keys(response.content).join(", ")})`);
      } else {
        key += ` ${media}`;
        let body = x.body;
        if (isJson(media)) {
          try {
            body = JSON.parse(x.body);
          } catch (e) {
            problems.push(`the body is not JSON: ${e.message}`);
            body = undefined;
          }
        }
        if (body !== undefined) {
          const bodyAt = `${at}/content/${media.replace(/\//g, "~1")}/schema`;
          for (const e of this.schemaErrors(bodyAt, body)) problems.push(`body: ${e}`);
          const { codes } = this.codes(content.schema);
          if (codes.length && typeof body?.error === "string") key += ` ${body.error}`;
        }
      }
    }

    // The request of a 2xx answer.
    if (route.kind === "operation" && x.status >= 200 && x.status < 300) problems.push(...this.checkRequest(route, x));
    return { key, problems };
  }

  checkRequest(route, x) {
    const problems = [];
    const opAt = pointer("paths", route.path, route.method.toLowerCase());
    const values = route.regex.exec(x.path).slice(1);
    route.params.forEach((name, i) => {
      const index = (route.op.parameters ?? []).findIndex((p) => p.in === "path" && p.name === name);
      if (index < 0) return problems.push(`path parameter ${name} is not documented`);
      const value = decodeURIComponent(values[i]);
      for (const e of this.schemaErrors(`${opAt}/parameters/${index}/schema`, value)) problems.push(`request path parameter ${name}: ${e}`);
    });
    const body = route.op.requestBody;
    if (body && !x.request?.binaryMode) {
      const media = mediaType(x.request?.contentType);
      if (!body.content[media]) {
        problems.push(`answered ${x.status} to a request body of undocumented media type "${media}"`);
      } else {
        let value;
        try {
          value = JSON.parse(x.request.body);
        } catch (e) {
          return [...problems, `answered ${x.status} to a request body that is not JSON: ${e.message}`];
        }
        for (const e of this.schemaErrors(`${opAt}/requestBody/content/${media.replace(/\//g, "~1")}/schema`, value))
          problems.push(`answered ${x.status} to a request the description does not allow: ${e}`);
      }
    }
    return problems;
  }
}
