/**
 * `GET /v1/models/{id}`: one model of those GET /v1/models lists to the caller,
 * as OpenAI's `Model` object. Ids hold a slash (`openai/gpt-4o-mini`): the
 * OpenAI SDK sends it as `%2F`, other clients as is; both are accepted.
 */
import { GatewayError } from "../../core/errors.js";
import { visibleModels } from "../models.js";
import { methodNotAllowed, type Route } from "./common.js";
import { jsonReply } from "./reply.js";

const MODEL_PATH = /^\/(?:v1\/)?models\/(.+)$/;

function modelIdIn(path: string): string {
  const raw = MODEL_PATH.exec(path)![1]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed escape: no listed id looks like it, so it is simply not found
  }
}

const modelById: Route = async (runtime, request, { requestId, meta }) => {
  if (request.method !== "GET" && request.method !== "HEAD") throw methodNotAllowed(request, "GET, HEAD");
  const id = modelIdIn(request.path);
  // A model outside a scoped key's scope is not found, as it is missing from that key's list.
  const card = (await visibleModels(runtime, meta.key)).find((model) => model.id === id);
  if (!card) throw new GatewayError("not_found", `The model '${id}' does not exist`, { code: "model_not_found", param: "model" });
  return jsonReply(200, card, { "x-request-id": requestId });
};

/** The route for `/v1/models/{id}` (and `/models/{id}`), or undefined when the path is something else. */
export function modelByIdRoute(path: string): Route | undefined {
  return MODEL_PATH.test(path) ? modelById : undefined;
}
