import * as fs from "fs";
import * as path from "path";
import { stackFromJson } from "../../tools/access/load";
import { replaceBetweenMarkers } from "../../tools/access/markers";
import { AccessGraph, buildGraph, nodeId } from "../../tools/diagram/graph";
import { edgeLine, fenced, renderMermaid } from "../../tools/diagram/mermaid";
import { synthesized } from "./helpers";

const PROD_BUCKET = "xacct-prod-data-222222222222-us-east-1";
const REPORTING_BUCKET = "xacct-reporting-333333333333-us-east-1";
const developers = nodeId("group", "xacct-Developers");
const testers = nodeId("group", "xacct-Testers");
const upload = nodeId("role", "xacct-developer-upload-download");
const view = nodeId("role", "xacct-tester-view-only");
const writer = nodeId("role", "xacct-reporting-metadata-writer");
const processor = nodeId("lambda", "xacct-metadata-processor");
const batch = nodeId("role", "xacct-metadata-processor-batch");
const prod = nodeId("bucket", PROD_BUCKET);
const reports = nodeId("bucket", REPORTING_BUCKET);

/** The three-account design (docs/demo.md, the demo app's three-account stack), edge by edge. */
const EXPECTED_EDGES = [
  { from: developers, to: upload, label: "AssumeRole (MFA)" },
  { from: testers, to: view, label: "AssumeRole (MFA)" },
  { from: upload, to: prod, label: "s3:ListBucket, s3:GetObject, s3:GetObjectVersion, s3:PutObject, s3:AbortMultipartUpload" },
  { from: view, to: prod, label: "s3:ListBucket, s3:GetObject, s3:GetObjectVersion" },
  { from: writer, to: reports, label: "s3:PutObject, s3:AbortMultipartUpload on metadata/*" },
  { from: prod, to: processor, label: "s3:ObjectCreated:*, s3:ObjectRemoved:*" },
  { from: batch, to: prod, label: "s3:GetObject, s3:GetObjectVersion, s3:PutObject on batch-operations/*" },
  { from: processor, to: writer, label: "AssumeRole" },
  { from: processor, to: prod, label: "s3:ListBucket, s3:GetObject, s3:GetObjectVersion" },
];

describe("three-account diagram", () => {
  let graph: AccessGraph;
  let mermaid: string;
  beforeAll(() => {
    const s = stackFromJson("three-account", synthesized()["three-account"]);
    graph = buildGraph(s.model, s.extras);
    mermaid = renderMermaid(graph);
  });

  it("has exactly the designed edges", () => {
    const key = (e: { from: string; to: string; label: string }): string => `${e.from} -[${e.label}]-> ${e.to}`;
    expect(graph.edges.map(key).sort()).toEqual(EXPECTED_EDGES.map(key).sort());
  });

  it("places each node in its account's subgraph", () => {
    const placement = Object.fromEntries(graph.accounts.map((a) => [`${a.alias} ${a.id}`, a.nodes.map((n) => n.id).sort()]));
    expect(placement).toEqual({
      "development 111111111111": [developers, testers].sort(),
      "production 222222222222": [upload, view, processor, batch, prod].sort(),
      "reporting 333333333333": [writer, reports].sort(),
    });
  });

  it("renders a mermaid graph TD with a subgraph per account and every edge", () => {
    expect(mermaid.split("\n")[0]).toBe("graph TD");
    for (const a of ["development", "production", "reporting"]) expect(mermaid).toMatch(new RegExp(`^  subgraph ${a}\\[".*"\\]$`, "m"));
    for (const e of EXPECTED_EDGES) expect(mermaid).toContain(`  ${edgeLine(e)}`);
    expect(mermaid).toContain(`${developers} -->|"AssumeRole (MFA)"| ${upload}`);
    expect(mermaid).toContain(`${prod} -->|"s3:ObjectCreated:*, s3:ObjectRemoved:*"| ${processor}`);
  });

  it("writes between the README markers, and names them when they are missing", () => {
    const text = "# t\n\n<!-- diagram:three-account:start -->\nold\n<!-- diagram:three-account:end -->\n\nrest\n";
    const written = replaceBetweenMarkers(text, "diagram:three-account", fenced(mermaid));
    expect(written).toContain(`<!-- diagram:three-account:start -->\n\`\`\`mermaid\ngraph TD\n`);
    expect(written).toContain("```\n<!-- diagram:three-account:end -->\n\nrest\n");
    expect(written).not.toContain("old");
    expect(replaceBetweenMarkers(written, "diagram:three-account", fenced(mermaid))).toBe(written);
    expect(() => replaceBetweenMarkers("# no markers\n", "diagram:three-account", "x", "README.md")).toThrow(
      "README.md has no <!-- diagram:three-account:start --> ... <!-- diagram:three-account:end --> block",
    );
  });
});

describe("docs/demo.md", () => {
  it("shows the diagram of the current code (regenerate with npm run diagram)", () => {
    const s = stackFromJson("three-account", synthesized()["three-account"]);
    const block = fenced(renderMermaid(buildGraph(s.model, s.extras)));
    const demo = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "demo.md"), "utf8");
    expect(replaceBetweenMarkers(demo, "diagram:three-account", block, "docs/demo.md")).toBe(demo);
  });
});
