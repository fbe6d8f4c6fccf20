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
