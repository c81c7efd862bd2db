import { anchorOf, section } from "../scripts/api-docs";

describe("docs/API.md assembly (scripts/api-docs.ts)", () => {
  it("anchors headings as GitHub does", () => {
    expect(anchorOf("xacct-s3/access/jest")).toBe("xacct-s3accessjest");
    expect(anchorOf("xacct-s3: testing")).toBe("xacct-s3-testing");
  });

  it("renames the page, moves headings one level down and turns links to other pages into in-page anchors", () => {
    const page = [
      "# tools/access",
      "",
      "## Classes",
      "",
      "See [`TfJson`](../index/README.md#tfjson), [the matchers](access/jest.md) and [`Cell`](#cell).",
      "",
      "```ts",
      "# not a heading",
      "```",
    ].join("\n");
    expect(section(page, "tools/access.md", "xacct-s3/access").split("\n")).toEqual([
      "## xacct-s3/access",
      "",
      "### Classes",
      "",
      "See [`TfJson`](#tfjson), [the matchers](#xacct-s3accessjest) and [`Cell`](#cell).",
      "",
      "```ts",
      "# not a heading",
      "```",
    ]);
  });
});
