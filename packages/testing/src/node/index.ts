export type { FakeAppServerCommand } from "./fakeAppServerCommand.js";
export { fakeAppServerCommand } from "./fakeAppServerCommand.js";
export type { FakeWebSocketListenOptions } from "./fakeWebSocketServer.js";
export { FakeWebSocketServer } from "./fakeWebSocketServer.js";
export type { ScenarioFile } from "./scenarioFile.js";
export { readScenarioFile, writeScenarioFile } from "./scenarioFile.js";
export type { StdioServerTransportOptions } from "./stdioServerTransport.js";
export { StdioServerTransport } from "./stdioServerTransport.js";
export { WebSocketServerTransport } from "./webSocketServerTransport.js";
