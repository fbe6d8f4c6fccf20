/**
 * Reduces a JSON Schema to the OpenAPI-3.0 subset Gemini accepts for function
 * `parameters` and `responseSchema`: refs are inlined, unsupported keywords
 * dropped, `const` and type arrays rewritten. Gemini rejects whole requests on
 * an unknown keyword or format, so anything not known to be accepted goes.
 *
 * @example
 * toGeminiSchema({ type: ["string", "null"], format: "email", default: "x" })
 * // → { type: "string", nullable: true }
 */
import { isRecord } from "../../core/record.js";

type Schema = Record<string, unknown>;

/** Formats Gemini accepts, per type; others are rejected ("only 'enum' and 'date-time' are supported for STRING type"). */
const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(["enum", "date-time"]),
  integer: new Set(["int32", "int64"]),
  number: new Set(["float", "double"]),
};

const NUMERIC_KEYWORDS = ["minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "minProperties", "maxProperties"] as const;
const MAX_DEPTH = 64;

interface Context {
  /** Definitions by their ref, e.g. `#/$defs/Address`. */
  definitions: Map<string, unknown>;
  /** Refs being inlined right now: meeting one again means recursion, which Gemini cannot express. */
  resolving: Set<string>;
  depth: number;
}

/** Reduces any JSON Schema; undefined when `schema` is not a schema object. */
export function toGeminiSchema(schema: unknown): Schema | undefined {
  if (!isRecord(schema)) return undefined;
  const definitions = new Map<string, unknown>();
  for (const container of ["$defs", "definitions"] as const) {
    const entries = schema[container];
    if (!isRecord(entries)) continue;
    for (const [name, definition] of Object.entries(entries)) {
      definitions.set(`#/${container}/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`, definition);
    }
  }
  return reduce(schema, { definitions, resolving: new Set(), depth: 0 });
}

/** Function `parameters`: Gemini rejects an OBJECT with no properties, so a no-argument function gets none. */
export function toGeminiParameters(schema: unknown): Schema | undefined {
  const reduced = toGeminiSchema(schema);
  if (!reduced || Object.keys(reduced).length === 0) return undefined;
  if (reduced.type === "object" && !isRecord(reduced.properties)) return undefined;
  return reduced;
}

function reduce(node: unknown, context: Context): Schema {
  if (!isRecord(node) || context.depth > MAX_DEPTH) return {};
  const inner: Context = { ...context, depth: context.depth + 1 };
  if (typeof node.$ref === "string") return reduceRef(node, node.$ref, inner);
  if (Array.isArray(node.allOf)) {
    const { allOf, ...rest } = node;
    // The node's own keywords (description, …) win over its members'.
    return mergeAll([...allOf.map((member) => reduce(member, inner)), reduce(rest, inner)]);
  }
  const variants = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (variants) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
    return reduceVariants(reduce(rest, inner), variants, inner);
  }
  return reduceSingle(node, inner);
}

function reduceRef(node: Schema, ref: string, context: Context): Schema {
  const { $ref: _ref, ...siblings } = node;
  const own = reduceSingle(siblings, context);
  if (!context.definitions.has(ref) || context.resolving.has(ref)) {
    // Unresolvable or recursive: an open object is the closest Gemini can say.
    return { type: "object", ...own };
  }
  context.resolving.add(ref);
  try {
    return { ...reduce(context.definitions.get(ref), context), ...own };
  } finally {
    context.resolving.delete(ref);
  }
}

function reduceVariants(base: Schema, variants: unknown[], context: Context): Schema {
  const reduced = variants.map((variant) => reduce(variant, context));
  const nonNull = reduced.filter((variant) => variant.type !== "null");
  const result: Schema = { ...base };
  if (nonNull.length < reduced.length) result.nullable = true;
  if (nonNull.length === 1) return mergeAll([nonNull[0]!, result]);
  if (nonNull.length > 1) result.anyOf = nonNull;
  else if (result.type === undefined) result.type = "null";
  return result;
}

function reduceSingle(node: Schema, context: Context): Schema {
  const result: Schema = {};
  let nullable = node.nullable === true;
  const types = (Array.isArray(node.type) ? node.type : [node.type]).filter((type): type is string => typeof type === "string");
  const nonNullTypes = types.filter((type) => type !== "null");
  if (nonNullTypes.length < types.length && types.length > 1) nullable = true;
  const values = Array.isArray(node.enum) ? node.enum : node.const !== undefined ? [node.const] : undefined;
  if (nonNullTypes.length === 1) result.type = nonNullTypes[0];
  else if (nonNullTypes.length > 1) result.anyOf = nonNullTypes.map((type) => ({ type }));
  else if (types.length === 1) result.type = "null";
  else {
    const implied = impliedType(node, values);
    if (implied) result.type = implied;
  }

  let description = typeof node.description === "string" ? node.description : undefined;
  if (values) {
    if (values.includes(null)) nullable = true;
    const kept = values.filter((value) => value !== null);
    if (kept.length > 0 && kept.every((value) => typeof value === "string")) {
      result.enum = kept;
      result.type ??= "string";
    } else if (kept.length > 0) {
      // Gemini enums hold strings only; keep the constraint as guidance rather than change the output's type.
      const allowed = `Allowed values: ${kept.map((value) => JSON.stringify(value)).join(", ")}`;
      description = description ? `${description} (${allowed})` : allowed;
    }
  }
  if (nullable) result.nullable = true;

  const type = typeof result.type === "string" ? result.type : undefined;
  if (typeof node.format === "string" && type && FORMATS[type]?.has(node.format)) result.format = node.format;
  if (typeof node.title === "string") result.title = node.title;
  if (description !== undefined) result.description = description;

  if (isRecord(node.properties)) {
    const properties: Schema = {};
    for (const [key, value] of Object.entries(node.properties)) properties[key] = reduce(value, context);
    if (Object.keys(properties).length > 0) {
      result.properties = properties;
      if (Array.isArray(node.required)) {
        const required = node.required.filter((key): key is string => typeof key === "string" && Object.hasOwn(properties, key));
        if (required.length > 0) result.required = required;
      }
    }
  }

  const items = node.items ?? node.prefixItems;
  if (isRecord(items)) result.items = reduce(items, context);
  else if (Array.isArray(items) && items.length > 0) {
    const reduced = items.map((item) => reduce(item, context));
    result.items = reduced.length === 1 ? reduced[0] : { anyOf: reduced };
  }

  for (const keyword of NUMERIC_KEYWORDS) {
    if (typeof node[keyword] === "number") result[keyword] = node[keyword];
  }
  if (typeof node.pattern === "string") result.pattern = node.pattern;
  if (Array.isArray(node.propertyOrdering)) result.propertyOrdering = node.propertyOrdering;
  return result;
}

/**
 * The type a schema without `type` can only have. Gemini requires `type` on every
 * schema and allows `properties` only on OBJECT and `items` only on ARRAY, while
 * JSON Schema lets `{properties: {…}}` or `{const: 3}` stand alone.
 */
function impliedType(node: Schema, values: unknown[] | undefined): string | undefined {
  const kept = values?.filter((value) => value !== null) ?? [];
  if (kept.length > 0) {
    if (kept.every((value) => typeof value === "string")) return "string";
    if (kept.every((value) => Number.isInteger(value))) return "integer";
    if (kept.every((value) => typeof value === "number")) return "number";
    if (kept.every((value) => typeof value === "boolean")) return "boolean";
    return undefined;
  }
  if (isRecord(node.properties)) return "object";
  if (node.items !== undefined || node.prefixItems !== undefined) return "array";
  return undefined;
}

/** Merges reduced schemas (allOf, or a ref/variant with its siblings): properties and required are unioned. */
function mergeAll(schemas: Schema[]): Schema {
  const result: Schema = {};
  const properties: Schema = {};
  const required = new Set<string>();
  for (const schema of schemas) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties" && isRecord(value)) Object.assign(properties, value);
      else if (key === "required" && Array.isArray(value)) for (const name of value) required.add(name as string);
      else if (key === "nullable") result.nullable = result.nullable === true || value === true;
      else result[key] = value;
    }
  }
  if (Object.keys(properties).length > 0) result.properties = properties;
  if (required.size > 0) result.required = [...required];
  return result;
}
