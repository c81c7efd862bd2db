import * as fs from "fs";

/** Generated blocks inside a hand-written file (README), between `<!-- <name>:start -->` and `<!-- <name>:end -->`. */

export const markersOf = (name: string): { start: string; end: string } => ({ start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` });

export class MissingMarkersError extends Error {}

/** `text` with everything between the markers replaced by `block`; throws naming the markers when they are absent or out of order. */
export function replaceBetweenMarkers(text: string, name: string, block: string, file = "the file"): string {
  const { start, end } = markersOf(name);
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0 || j < i) {
    throw new MissingMarkersError(`${file} has no ${start} ... ${end} block: add both markers (each on its own line) where the generated content belongs`);
  }
  return `${text.slice(0, i + start.length)}\n${block.trim()}\n${text.slice(j)}`;
}

/** Rewrite the block in `file`; returns whether the file changed. */
export function writeBetweenMarkers(file: string, name: string, block: string): boolean {
  const before = fs.readFileSync(file, "utf8");
  const after = replaceBetweenMarkers(before, name, block, file);
  if (after !== before) fs.writeFileSync(file, after);
  return after !== before;
}
