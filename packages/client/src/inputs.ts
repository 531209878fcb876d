import type { UserInput } from "@codex-app-server/protocol";

/** One piece of user input: the wire `UserInput`, or a plain string for text. */
export type InputItem = UserInput | string;
/** What a turn takes: a string, one input item, or a list of them. */
export type Input = InputItem | readonly InputItem[];

export const input = {
  text: (text: string): UserInput => ({ type: "text", text, text_elements: [] }),
  imageUrl: (url: string): UserInput => ({ type: "image", url }),
  localImage: (path: string): UserInput => ({ type: "localImage", path }),
  skill: (name: string, path: string): UserInput => ({ type: "skill", name, path }),
  mention: (name: string, path: string): UserInput => ({ type: "mention", name, path }),
} as const;

export function normalizeInput(value: Input): UserInput[] {
  const items = Array.isArray(value) ? (value as readonly InputItem[]) : [value as InputItem];
  return items.map((item) => (typeof item === "string" ? input.text(item) : item));
}
