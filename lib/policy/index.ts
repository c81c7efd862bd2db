export * from "./types";
export * from "./s3-access";
export * from "./documents";
export * from "./existing";
export * from "./batch-operations";
