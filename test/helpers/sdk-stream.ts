/** What an Anthropic SDK stream delivered before it failed: its text deltas, then the error (undefined if it finished). */
import type Anthropic from "@anthropic-ai/sdk";

type MessageStream = ReturnType<Anthropic["messages"]["stream"]>;

export async function textThenFailure(stream: MessageStream): Promise<{ deltas: string[]; failure: unknown }> {
  const deltas: string[] = [];
  stream.on("text", (delta: string) => deltas.push(delta));
  const failure = await stream.finalMessage().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { deltas, failure };
}
