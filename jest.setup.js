// cdktf's jest adapter: toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...
const { Testing } = require("cdktf");
Testing.setupJest();
// aws-sdk-client-mock matchers: toHaveReceivedCommandTimes, ...
require("aws-sdk-client-mock-jest");
// xacct-s3/access/jest: toAllow, toDeny, toGrantExactly (the access contracts of __tests__/access)
require("./tools/access/jest");
