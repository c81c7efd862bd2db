/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/cdktf.out/"],
  transform: { "^.+\\.tsx?$": ["ts-jest", {}] },
  testTimeout: 60000,
};
