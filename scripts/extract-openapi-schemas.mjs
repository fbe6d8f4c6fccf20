#!/usr/bin/env node
// Extracts the OpenAI component schemas our tests validate against, plus every
// schema they transitively $ref, into one JSON Schema 2020-12 file, so tests
// run on clones without ../shared.
//
//   node scripts/extract-openapi-schemas.mjs [path/to/openai-openapi.yaml]
//
// The spec mixes OpenAPI 3.0 (`nullable`) with 3.1, and carries vendor keywords
// (`x-*`, `discriminator`, `example`) that ajv does not know; they are
// converted or dropped here so validation stays strict on types, required
// fields and enums.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOTS = [
  "CreateChatCompletionRequest",
  "CreateChatCompletionResponse",
  "CreateChatCompletionStreamResponse",
  "CreateEmbeddingRequest",
  "CreateEmbeddingResponse",
  "ErrorResponse",
  "ListModelsResponse",
  "Model",
];
const REF_PREFIX = "#/components/schemas/";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const specPath = process.argv[2]
  ? resolve(process.argv[2])
  : resolve(repoRoot, "../shared/spec/openai-openapi.yaml");
const outPath = resolve(repoRoot, "test/fixtures/openapi/openai-schemas.json");

// Keywords whose value is a schema, a list of schemas, or a map of schemas.
const SCHEMA_VALUED = new Set([
  "items", "additionalProperties", "not", "if", "then", "else", "contains",
  "propertyNames", "unevaluatedProperties", "unevaluatedItems",
]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "dependentSchemas"]);
// Documentation only, or OpenAPI keywords ajv does not know. `discriminator`
// is redundant: every oneOf branch in the spec pins its tag with an enum.
const DROPPED = new Set(["description", "example", "examples", "discriminator", "externalDocs", "xml"]);

/** Returns a JSON Schema 2020-12 copy of an OpenAPI schema; collects $ref targets. */
function convert(schema, refs) {
  if (typeof schema !== "object" || schema === null) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith("x-") || key === "nullable") continue;
    if (key === "$ref") {
      if (!value.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${value}`);
      refs.add(value.slice(REF_PREFIX.length));
      out[key] = value;
    } else if (SCHEMA_VALUED.has(key)) {
      out[key] = convert(value, refs);
    } else if (SCHEMA_LISTS.has(key)) {
      out[key] = value.map((item) => convert(item, refs));
    } else if (SCHEMA_MAPS.has(key)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, convert(sub, refs)]));
    } else {
      out[key] = value;
    }
  }
  return schema.nullable === true ? allowNull(out) : out;
}

/** OpenAPI 3.0 `nullable: true` as JSON Schema: widen `type` (and `enum`), else wrap in anyOf. */
function allowNull(schema) {
  const composed = ["$ref", "allOf", "anyOf", "oneOf", "not"].some((key) => key in schema);
  if (schema.type === undefined || composed) return { anyOf: [schema, { type: "null" }] };
  const types = [schema.type].flat();
  const widened = { ...schema, type: types.includes("null") ? types : [...types, "null"] };
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) widened.enum = [...schema.enum, null];
  return widened;
}

const text = readFileSync(specPath, "utf8");
const spec = parse(text);
const available = spec.components.schemas;
const schemas = {};
const pending = [...ROOTS];
while (pending.length > 0) {
  const name = pending.pop();
  if (name in schemas) continue;
  if (!(name in available)) throw new Error(`schema ${name} not found in ${specPath}`);
  const refs = new Set();
  schemas[name] = convert(available[name], refs);
  pending.push(...refs);
}

const sorted = Object.fromEntries(Object.keys(schemas).sort().map((name) => [name, schemas[name]]));
const sha256 = createHash("sha256").update(text).digest("hex");
const fixture = {
  source: `OpenAI API ${spec.info.version}, ${basename(specPath)} sha256:${sha256}`,
  components: { schemas: sorted },
};
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`wrote ${Object.keys(sorted).length} schemas to ${relative(process.cwd(), outPath)}`);
