import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topLevelValueRange, withTopLevel } from "./json-splice.js";

const modelOf = (text: string) => {
  const range = topLevelValueRange(text, "model");
  return range && JSON.parse(text.slice(range.start, range.end));
};

describe("topLevelValueRange", () => {
  it("finds the top-level model however the JSON is written", () => {
    expect(modelOf('{"model":"a","messages":[]}')).toBe("a");
    expect(modelOf('\n {\n  "messages" : [ {"role":"user","content":"x"} ] ,\n  "model" :\t"b" \n}\n')).toBe("b");
    expect(modelOf('{"mod\\u0065l":"escaped-key"}')).toBe("escaped-key");
    expect(modelOf('{"model":"with \\"quotes\\" and \\\\"}')).toBe('with "quotes" and \\');
  });

  it("is not fooled by model keys, values or text elsewhere", () => {
    const nested = '{"metadata":{"model":"inner"},"messages":[{"role":"model","content":"\\"model\\":\\"fake\\""}],"model":"outer"}';
    expect(modelOf(nested)).toBe("outer");
    expect(modelOf('{"content":"x\\\\","model":"after-escaped-backslash"}')).toBe("after-escaped-backslash");
    expect(modelOf('{"tools":[{"parameters":{"properties":{"model":{"type":"string"}}}}],"model":"m"}')).toBe("m");
  });

  it("finds values of every kind", () => {
    const text = '{"a":{"b":[1,{"c":"}"}]},"n":-1.5e3 ,"t":true,"z":null,"s":"x"}';
    for (const [key, value] of [["a", '{"b":[1,{"c":"}"}]}'], ["n", "-1.5e3"], ["t", "true"], ["z", "null"], ["s", '"x"']]) {
      const range = topLevelValueRange(text, key!)!;
      expect(text.slice(range.start, range.end)).toBe(value);
    }
  });

  it("tells a missing member (null) from one it must not touch (undefined)", () => {
    expect(topLevelValueRange('{"messages":[]}', "model")).toBeNull();
    expect(topLevelValueRange("{}", "model")).toBeNull();
    expect(topLevelValueRange('{"model":"a","model":"b"}', "model")).toBeUndefined();
    expect(topLevelValueRange('{"model":"a","mod\\u0065l":"b"}', "model")).toBeUndefined();
    expect(topLevelValueRange('[{"model":"a"}]', "model")).toBeUndefined();
  });
});

describe("withTopLevel", () => {
  it("replaces a member in place or adds it at the end", () => {
    expect(withTopLevel('{"a":1,"usage":{"x":[1]},"b":2}', "usage", '{"y":2}')).toBe('{"a":1,"usage":{"y":2},"b":2}');
    expect(withTopLevel('{"a":1}\n', "usage", "{}")).toBe('{"a":1,"usage":{}}\n');
    expect(withTopLevel("{ }", "usage", "{}")).toBe('{ "usage":{}}');
    expect(withTopLevel('{"usage":1,"usage":2}', "usage", "{}")).toBeUndefined();
    const vectors = '{"data":[{"embedding":[0.5,-2.5E-3,1e2, 3]},{"embedding":[true,null,-0]}],"usage":{"prompt_tokens":1},"model":"m"}';
    expect(withTopLevel(vectors, "usage", '{"x":2}')).toBe(vectors.replace('{"prompt_tokens":1}', '{"x":2}'));
    expect(withTopLevel('{"data":[1,2,3', "usage", "{}")).toBeUndefined();
  });
});

describe("top-level splicing against JSON.parse", () => {
  // Keys that collide with the target, nest it, or hide quotes and escapes; values of every JSON kind.
  const key = fc.constantFrom("usage", "model", "a", 'q"uote', "back\\slash", "usage ", "Usage", "\u00e9t\u00e9", "");
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(null, true, false, 0, -1.5e-7, 1e21, "", "}", '"', "\\", "usage", '{"usage":1}'),
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
  const objects = fc.dictionary(key, json, { maxKeys: 6 });
  const indents = fc.constantFrom(undefined, 1, 2, "\t");

  it("finds exactly the member JSON.parse reads, and splices only it", () => {
    fc.assert(
      fc.property(objects, indents, (object, indent) => {
        const text = JSON.stringify(object, null, indent);
        const parsed = JSON.parse(text); // what the text says (-0 is written as 0)
        const range = topLevelValueRange(text, "usage");
        if (!Object.hasOwn(parsed, "usage")) expect(range).toBeNull();
        else expect(JSON.parse(text.slice(range!.start, range!.end))).toEqual(parsed.usage);
        const spliced = withTopLevel(text, "usage", '{"cost":1}');
        expect(JSON.parse(spliced!)).toEqual({ ...parsed, usage: { cost: 1 } });
      }),
      { numRuns: 500 },
    );
  });

  it("reads an escaped key as JSON.parse does, and refuses a key written twice", () => {
    fc.assert(
      fc.property(objects, json, (object, value) => {
        const text = JSON.stringify({ ...object, usage: value });
        const escaped = text.replace('"usage":', '"us\\u0061ge":');
        const range = topLevelValueRange(escaped, "usage");
        expect(JSON.parse(escaped.slice(range!.start, range!.end))).toEqual(JSON.parse(text).usage);
        const twice = `${text.slice(0, -1)}${text.length > 2 ? "," : ""}"usage":0}`;
        expect(topLevelValueRange(twice, "usage")).toBeUndefined();
        expect(withTopLevel(twice, "usage", "{}")).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
