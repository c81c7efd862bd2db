import type { AccessGraph, GraphEdge, GraphNode, NodeKind } from "./graph";

/** An access graph as a mermaid `graph TD`, one subgraph per account. */

const quote = (s: string): string => `"${s.replace(/"/g, "#quot;")}"`;

const SHAPES: Record<NodeKind, (label: string) => string> = {
  group: (l) => `([${quote(l)}])`,
  role: (l) => `[${quote(l)}]`,
  bucket: (l) => `[(${quote(l)})]`,
  lambda: (l) => `{{${quote(l)}}}`,
};

const KIND_WORD: Record<NodeKind, string> = { group: "group", role: "role", bucket: "bucket", lambda: "Lambda" };

export const nodeLine = (n: GraphNode): string => `${n.id}${SHAPES[n.kind](`${n.name}<br/>(${KIND_WORD[n.kind]})`)}`;

export const edgeLine = (e: GraphEdge): string => `${e.from} -->|${quote(e.label)}| ${e.to}`;

export function renderMermaid(graph: AccessGraph): string {
  const lines = ["graph TD"];
  for (const a of graph.accounts) {
    lines.push(`  subgraph ${a.alias}[${quote(`${a.alias} (${a.id})`)}]`);
    lines.push(...a.nodes.map((n) => `    ${nodeLine(n)}`));
    lines.push("  end");
  }
  lines.push(...graph.edges.map((e) => `  ${edgeLine(e)}`));
  return lines.join("\n");
}

export const fenced = (mermaid: string): string => `\`\`\`mermaid\n${mermaid}\n\`\`\``;
