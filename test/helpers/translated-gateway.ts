/**
 * A gateway in front of two fakes speaking Anthropic's and Gemini's wire formats
 * (`claude/…`, `google/…`), driven with the official openai SDK over its
 * in-process fetch: the set-up of the SDK translation tests.
 */
import OpenAI from "openai";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import type { SwitchyardConfigInput } from "../../src/config/schema.js";
import { createLogger } from "../../src/gateway/logger.js";
import { startFakeUpstream, type FakeHandler, type FakeUpstream } from "./fake-upstream.js";

export interface TranslatedGateway {
  anthropic: FakeUpstream;
  gemini: FakeUpstream;
  gateway: Gateway;
  client: OpenAI;
  close(): Promise<void>;
}

/** A fake without a handler echoes (`echoHandler`); `pricing` is the config's `pricing:` section. */
export async function startTranslatedGateway(
  handlers: { anthropic?: FakeHandler; gemini?: FakeHandler },
  options: { pricing?: SwitchyardConfigInput["pricing"] } = {},
): Promise<TranslatedGateway> {
  const [anthropic, gemini] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  if (handlers.anthropic) anthropic.handle(handlers.anthropic);
  if (handlers.gemini) gemini.handle(handlers.gemini);
  const gateway = await createGateway({
    logger: createLogger("silent"),
    config: {
      storage: { url: "memory://" },
      providers: {
        claude: { type: "anthropic", base_url: `${anthropic.url}/v1`, api_key: "sk-ant-test-000000000000" },
        google: { type: "gemini", base_url: `${gemini.url}/v1beta`, api_key: "AIza-test-0000000000000" },
      },
      ...(options.pricing ? { pricing: options.pricing } : {}),
    },
  });
  return {
    anthropic,
    gemini,
    gateway,
    client: new OpenAI({ apiKey: "x", baseURL: "http://gw/v1", fetch: gateway.fetch, maxRetries: 0 }),
    async close() {
      await gateway.close();
      await Promise.all([anthropic.close(), gemini.close()]);
    },
  };
}
