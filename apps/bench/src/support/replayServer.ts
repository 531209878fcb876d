#!/usr/bin/env node
/**
 * Replays a recorded server session over stdio (see `recording.ts`): for each request read from
 * stdin, writes the next recorded segment in one write, as fast as the pipe takes it. Notifications
 * from the client are read and ignored. Exits when stdin ends, or with code 3 when a request does
 * not match the recording. No dependencies, so it starts fast and costs nothing while it writes.
 */
import { readFileSync } from "node:fs";

interface SegmentHeader {
  method: string;
  bytes: number;
}

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write("usage: replayServer <recording>\n");
  process.exit(2);
}
const file = readFileSync(path);
const headerEnd = file.indexOf(0x0a);
const header = JSON.parse(file.subarray(0, headerEnd).toString("utf8")) as { segments: SegmentHeader[] };
let offset = headerEnd + 1;
const segments = header.segments.map((segment) => {
  const bytes = file.subarray(offset, offset + segment.bytes);
  offset += segment.bytes;
  return { method: segment.method, bytes };
});

let next = 0;
let rest = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  const buffer = rest + text;
  let start = 0;
  let newline = buffer.indexOf("\n", start);
  while (newline !== -1) {
    const message = JSON.parse(buffer.slice(start, newline)) as { id?: unknown; method?: unknown };
    start = newline + 1;
    newline = buffer.indexOf("\n", start);
    if (message.id === undefined || typeof message.method !== "string") continue;
    const segment = segments[next++];
    if (segment === undefined || segment.method !== message.method) {
      process.stderr.write(
        `replayServer: request #${next} is ${message.method}, the recording has ${segment?.method ?? "nothing"}\n`,
      );
      process.exit(3);
    }
    process.stdout.write(segment.bytes);
  }
  rest = buffer.slice(start);
});
process.stdin.on("end", () => {
  process.stdout.write("", () => process.exit(0));
});
