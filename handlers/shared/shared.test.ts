import { parseTargetConfig, partitionOf, sessionNameFor } from "./config";
import { cachedProvider, isCredentialError, type Credentials } from "./credentials";
import { s3ClientConfig } from "./container";
import { decodeEventKey, generatedKey, metadataDocumentKey, sha256Hex, validateKey, validateListPrefix, validatePrefix } from "./keys";

describe("keys", () => {
  it("validates full keys under the prefix", () => {
    expect(validateKey("in/a/b.json", "in/")).toBeUndefined();
    expect(validateKey("anything.json", "")).toBeUndefined();
    expect(validateKey("in/a/../b", "in/")).toMatch(/"\.\." segments/);
    expect(validateKey("out/a", "in/")).toMatch(/outside it/);
    expect(validateKey("in", "in/")).toMatch(/outside it/);
    expect(validateKey("/in/a", "in/")).toMatch(/must not start with "\/"/);
    expect(validateKey(`in/${"a".repeat(1022)}`, "in/")).toMatch(/at most 1024 UTF-8 bytes \(got 1025\)/);
    expect(validateKey(`in/${"a".repeat(1021)}`, "in/")).toBeUndefined();
  });

  it("validates prefixes", () => {
    expect(validatePrefix("")).toBeUndefined();
    expect(validatePrefix("a/b/")).toBeUndefined();
    expect(validatePrefix("a/b")).toMatch(/end with "\/"/);
    expect(validatePrefix("/a/")).toMatch(/must not start with "\/"/);
    expect(validatePrefix("a/../")).toMatch(/"\.\." segments/);
    expect(validateListPrefix("in/2025/0", "in/")).toBeUndefined();
    expect(validateListPrefix("", "")).toBeUndefined();
  });

  it("generates keys from the request id alone (a retry overwrites), sanitized", () => {
    expect(generatedKey("p/", "c0ffee-1", ".json")).toBe("p/c0ffee-1.json");
    expect(generatedKey("", "../x y", ".txt")).toBe("xy.txt");
    expect(generatedKey("", "", ".bin")).toBe("norequest.bin");
  });

  it("decodes S3 event keys (+ is a space)", () => {
    expect(decodeEventKey("a+b%2Bc%20d%C3%A9")).toBe("a b+c dé");
    expect(() => decodeEventKey("bad%ZZ")).toThrow(URIError);
  });

  it("derives deterministic metadata document keys", () => {
    expect(metadataDocumentKey("m/", "src", "a/b.csv", "v1")).toBe("m/src/a/b.csv@v1.json");
    expect(metadataDocumentKey("m/", "src", "a/b.csv", "v1")).toBe(metadataDocumentKey("m/", "src", "a/b.csv", "v1"));
    expect(metadataDocumentKey("m/", "src", "/lead", "v1")).toBe(`m/src/_sha256/${sha256Hex("/lead")}@v1.json`);
    expect(metadataDocumentKey("m/", "src", "a", "id with/slash")).toBe("m/src/a@id_with_slash.json");
  });
});

describe("config", () => {
  const base = { TARGET_BUCKET: "bucket-b", AWS_REGION: "cn-north-1" };

  it("applies defaults and derives the partition", () => {
    const c = parseTargetConfig(base);
    expect(c).toMatchObject({
      bucket: "bucket-b",
      prefix: "",
      region: "cn-north-1",
      partition: "aws-cn",
      maxBodyBytes: 1048576,
      sessionDurationSeconds: 3600,
      sessionName: "xacct-s3-handler",
    });
    expect(c.roleArn).toBeUndefined();
    expect(parseTargetConfig({ ...base, TARGET_REGION: "us-gov-west-1", TARGET_ROLE_ARN: "arn:aws-us-gov:iam::123456789012:role/r" }).partition).toBe(
      "aws-us-gov",
    );
  });

  it("treats empty optional variables as unset", () => {
    const c = parseTargetConfig({ ...base, TARGET_ROLE_ARN: "", TARGET_KMS_KEY_ARN: "", TARGET_OBJECT_ACL: "", AWS_ENDPOINT_URL: "" });
    expect(c.roleArn).toBeUndefined();
    expect(c.kmsKeyArn).toBeUndefined();
    expect(c.objectAcl).toBeUndefined();
    expect(c.endpoint).toBeUndefined();
  });

  it("never shows the external id value in its error", () => {
    expect(() => parseTargetConfig({ ...base, TARGET_ROLE_ARN: "arn:aws:iam::123456789012:role/r", TARGET_EXTERNAL_ID: "x" })).toThrow(
      /^TARGET_EXTERNAL_ID: must be 2-1224 characters .*\(the value is not shown\)$/,
    );
  });

  it("helpers", () => {
    expect(partitionOf("us-east-1")).toBe("aws");
    expect(sessionNameFor("my fn/α")).toBe("my-fn--");
    expect(sessionNameFor(undefined)).toBe("xacct-s3-handler");
    expect(s3ClientConfig("eu-west-1", undefined)).toEqual({ region: "eu-west-1", requestHandler: { connectionTimeout: 3000 } });
    expect(s3ClientConfig("eu-west-1", undefined, 27_000)).toEqual({
      region: "eu-west-1",
      requestHandler: { connectionTimeout: 3000, requestTimeout: 27_000, throwOnRequestTimeout: true },
    });
    expect(s3ClientConfig("eu-west-1", "http://localhost:4566")).toMatchObject({ endpoint: "http://localhost:4566", forcePathStyle: true });
  });
});

describe("cachedProvider", () => {
  const creds = (n: number, expiration?: Date): Credentials => ({ accessKeyId: `A${n}`, secretAccessKey: "s", ...(expiration ? { expiration } : {}) });

  it("fetches once for concurrent callers and reuses until the refresh window", async () => {
    let n = 0;
    const source = jest.fn(async () => creds(++n, new Date(Date.now() + 10 * 60_000)));
    const p = cachedProvider(source, 5 * 60_000);
    const [a, b] = await Promise.all([p(), p()]);
    expect(a).toBe(b);
    expect(await p()).toBe(a);
    expect(source).toHaveBeenCalledTimes(1);
    expect(p.stats.fetches).toBe(1);
  });

  it("credentials issued with less than the refresh window left are reused until half their life, not refetched on every call", async () => {
    jest.useFakeTimers({
      doNotFake: ["nextTick", "setImmediate", "queueMicrotask", "setTimeout", "clearTimeout", "performance", "hrtime"],
      now: new Date("2025-01-01T00:00:00Z"),
    });
    try {
      let n = 0;
      const soon = jest.fn(async () => creds(++n, new Date(Date.now() + 4 * 60_000))); // 4 min left < 5 min window
      const p = cachedProvider(soon, 5 * 60_000);
      for (let inv = 0; inv < 20; inv++) {
        p.beginInvocation();
        for (let call = 0; call < 3; call++) await p(); // the SDK asks per request
      }
      expect(soon).toHaveBeenCalledTimes(1);
      jest.setSystemTime(Date.now() + 2 * 60_000 + 1); // past half of the 4-minute life
      p.beginInvocation();
      await p();
      await p();
      expect(soon).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it("never calls the source twice in one invocation; keeps credentials without expiration", async () => {
    jest.useFakeTimers({
      doNotFake: ["nextTick", "setImmediate", "queueMicrotask", "setTimeout", "clearTimeout", "performance", "hrtime"],
      now: new Date("2025-01-01T00:00:00Z"),
    });
    try {
      let n = 0;
      // STS hands out credentials already inside the 5-minute window (10 s left)
      const tiny = jest.fn(async () => creds(++n, new Date(Date.now() + 10_000)));
      const p = cachedProvider(tiny, 5 * 60_000);
      p.beginInvocation();
      await p();
      jest.setSystemTime(Date.now() + 6_000); // inside even half the life
      await p();
      await p();
      expect(tiny).toHaveBeenCalledTimes(1);
      expect(p.fetchedThisInvocation).toBe(true);
      p.beginInvocation();
      await p();
      expect(tiny).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
    const forever = jest.fn(async () => creds(1));
    const q = cachedProvider(forever);
    await q();
    await q();
    expect(forever).toHaveBeenCalledTimes(1);
  });

  it("tags source errors as credential errors, repeats them within the invocation without a second call, retries in the next", async () => {
    const boom = new Error("denied");
    const source = jest.fn().mockRejectedValueOnce(boom).mockResolvedValueOnce(creds(2));
    const p = cachedProvider(source);
    p.beginInvocation();
    await expect(p()).rejects.toBe(boom);
    await expect(p()).rejects.toBe(boom);
    expect(source).toHaveBeenCalledTimes(1);
    expect(isCredentialError(boom)).toBe(true);
    expect(isCredentialError(new Error("other"))).toBe(false);
    p.beginInvocation();
    await expect(p()).resolves.toMatchObject({ accessKeyId: "A2" });
    expect(p.stats.fetches).toBe(2);
  });

  it("invalidate() makes the next call fetch (after S3's ExpiredToken)", async () => {
    let n = 0;
    const source = jest.fn(async () => creds(++n, new Date(Date.now() + 3600_000)));
    const p = cachedProvider(source);
    p.beginInvocation();
    await p();
    p.beginInvocation();
    p.invalidate();
    await expect(p()).resolves.toMatchObject({ accessKeyId: "A2" });
    expect(source).toHaveBeenCalledTimes(2);
  });
});
