import { describe, expect, it } from "vitest";
import { isLoopbackHostname } from "./loopback.js";

const hostname = (url: string) => new URL(url).hostname;

describe("isLoopbackHostname", () => {
  it("accepts localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback", () => {
    for (const url of [
      "ws://localhost:1",
      "ws://LOCALHOST",
      "ws://127.0.0.1",
      "ws://127.5.6.7",
      "ws://[::1]:9",
      "ws://[::ffff:127.0.0.1]",
    ]) {
      expect(isLoopbackHostname(hostname(url)), url).toBe(true);
    }
  });

  it("refuses every other host", () => {
    for (const url of [
      "ws://10.0.0.1",
      "ws://128.0.0.1",
      "ws://example.com",
      "ws://localhost.example.com",
      "ws://[::2]",
      "ws://0.0.0.0",
    ]) {
      expect(isLoopbackHostname(hostname(url)), url).toBe(false);
    }
  });
});
