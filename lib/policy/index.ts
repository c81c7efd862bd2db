export * from "./types";
export * from "./s3-access";
export * from "./identity";
export * from "./documents";
export * from "./existing";
export * from "./access-points";
export * from "./batch-operations";
