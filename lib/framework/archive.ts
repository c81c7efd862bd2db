/**
 * The one place that imports `@cdktf/provider-archive`: every class the library, its tests and the demo app use.
 * Deep imports (one file per resource) keep load time small. A second framework (cdktn) is a second
 * implementation of this file, with the same names.
 */
export { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
export { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
