export type { ServerMessageLike } from "./describeServerMessage.js";
export { describeServerMessage } from "./describeServerMessage.js";
export type { TurnFilter } from "./messagesOfTurn.js";
export { messagesOfTurn } from "./messagesOfTurn.js";
