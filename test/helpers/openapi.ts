import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";

/** Schemas extracted from the official OpenAI spec by scripts/extract-openapi-schemas.mjs. */
export type OpenAISchemaName =
  | "CreateChatCompletionResponse"
  | "CreateChatCompletionStreamResponse"
  | "CreateEmbeddingResponse"
  | "ListModelsResponse"
  | "Model"
  | "ErrorResponse"
  | "CreateChatCompletionRequest"
  | "CreateEmbeddingRequest";

const DOCUMENT_ID = "openai-schemas.json";
const FIXTURE_URL = new URL("../fixtures/openapi/openai-schemas.json", import.meta.url);

let ajv: Ajv2020 | undefined;
const validators = new Map<OpenAISchemaName, ValidateFunction>();

function validatorFor(schemaName: OpenAISchemaName): ValidateFunction {
  const cached = validators.get(schemaName);
  if (cached) return cached;
  if (!ajv) {
    // The spec's formats (unixtime, float, uri, date) are annotations here, and
    // ajv-formats is not a dependency: skip them rather than warn on each one.
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(JSON.parse(readFileSync(FIXTURE_URL, "utf8")), DOCUMENT_ID);
  }
  const validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/${schemaName}` });
  validators.set(schemaName, validate);
  return validate;
}

function describeError(error: ErrorObject): string {
  const { additionalProperty, allowedValues } = error.params as Record<string, unknown>;
  const detail =
    additionalProperty !== undefined ? ` '${String(additionalProperty)}'`
    : allowedValues !== undefined ? ` ${JSON.stringify(allowedValues)}`
    : "";
  return `  ${error.instancePath || "(root)"} ${error.message ?? "is invalid"}${detail}`;
}

/** Throws an Error listing every violation when `value` does not match the named OpenAI schema. */
export function validateOpenAI(schemaName: OpenAISchemaName, value: unknown): void {
  const validate = validatorFor(schemaName);
  if (validate(value)) return;
  // oneOf branches repeat the same complaint; list each once.
  const lines = new Set((validate.errors ?? []).map(describeError));
  throw new Error(`value does not match OpenAI ${schemaName}:\n${[...lines].join("\n")}`);
}
