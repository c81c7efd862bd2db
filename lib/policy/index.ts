export * from "./types";
export * from "./s3-access";
export * from "./documents";
export * from "./batch-operations";
