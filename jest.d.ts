// Type declarations of the jest matchers registered in jest.setup.js.
import "cdktf/lib/testing/adapters/jest";
import "aws-sdk-client-mock-jest";
// xacct-s3/access/jest: toAllow, toDeny, toGrantExactly
import "./tools/access/jest";
