export type { FakeAppServerOptions } from "./fakeAppServer.js";
export { FakeAppServer, FakeServerInvalidMessageError } from "./fakeAppServer.js";
export type { HandlerSpec } from "./handlerSpec.js";
export type { TurnScript, TurnStep } from "./turnScript.js";
export { chunkText, step } from "./turnScript.js";
