/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/"],
  setupFilesAfterEnv: ["xacct-s3/access/jest"],
  transform: { "^.+\\.tsx?$": ["ts-jest", {}] },
  testTimeout: 60000,
};
